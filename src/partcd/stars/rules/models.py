"""Star Ratings domain records shared by every stage (§§ 422.162(a), 423.182(a) definitions).

Measures are matched across rating years by ``measure_key`` (stable), never by ``measure_id``
(CMS renumbers ids when measures are added or retired).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Part(StrEnum):
    C = "C"
    D = "D"


class ContractType(StrEnum):
    """Which contracts a set of cut points applies to (Part D: MA-PD and PDP separately)."""

    ALL = "ALL"
    MAPD = "MA-PD"
    PDP = "PDP"


class OrganizationType(StrEnum):
    """The contract types of TN Tables 6 and 7 (minimum rated measures), as the Technical Notes spell them (L930)."""

    COST_1876 = "1876 Cost"
    CCP_WITHOUT_SNP = "CCP w/o SNP"
    CCP_WITH_SNP = "CCP with SNP"
    CCP_ONLY_ISNP = "CCP with Only I-SNP"
    MSA = "MSA"
    PDP = "PDP"
    PFFS = "PFFS"


class OrganizationTypeSource(StrEnum):
    """Where a contract's organization type came from."""

    DECLARED = "declared"
    DERIVED = "derived from the contract id"
    DEFAULT = "default"


@dataclass(frozen=True)
class Measure:
    """One measure of one rating year's catalogue."""

    measure_id: str  # e.g. "C01", "D03" - valid only within its rating year
    measure_key: str  # stable across years, e.g. "breast_cancer_screening"
    name: str
    part: Part
    domain: str
    data_source: str  # HEDIS, CAHPS, HOS, admin, PDE, ...
    higher_is_better: bool
    scale_0_100: bool  # guardrail: absolute cap on 0-100 measures, restricted-range cap otherwise
    precision: int  # display decimals in CMS tables
    weight: float
    first_rating_year: int  # for "in the program three years or less" (no guardrail)
    cahps: bool = False
    improvement: bool = False
    weighting_category: str | None = None  # § 422.166(e)(1) category, e.g. "process"
    unverified: bool = False  # carried from another rating year's catalogue, not checked against this year's text


@dataclass(frozen=True)
class MeasureScore:
    """A contract's score on a measure; ``score`` is None when CMS shows a text status instead."""

    contract_id: str
    measure_key: str
    score: float | None
    missing_reason: str | None = None
    contract_type: ContractType = ContractType.ALL


@dataclass(frozen=True)
class CutPoints:
    """Thresholds of one measure: ``thresholds[s]`` is the lower bound (upper bound when lower is
    better) of ``s`` stars, for s in 2..5. Values are kept unrounded."""

    measure_key: str
    higher_is_better: bool
    thresholds: dict[int, float]
    contract_type: ContractType = ContractType.ALL
    measure_id: str | None = None
    notes: dict[int, str] = field(default_factory=dict)  # per threshold: a reason code (capped_up, new_measure, ...)
    how: dict[int, str] = field(default_factory=dict)  # per threshold: how it was set, in words
