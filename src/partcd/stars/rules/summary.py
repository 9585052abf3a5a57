"""§§ 422.166(b)-(d), (g), 423.186(b)-(d), (g) - domain, summary and overall ratings from measure stars.

The proposal CMS-4185-P only refers to these paragraphs of the April 2018 rule (REF-ONLY, shared/specs/stars.md §4);
the arithmetic is CMS practice as written in the 2026 Technical Notes (cited by line in the parameter file):

* weighted mean of the measure stars, weights from the rating year's catalogue (Attachment G; TN L903-L905) and the
  weighted variance ``n * SUMWX / (W * (n - 1))`` (Attachment H; TN L1055);
* a rating needs ratings on at least half of the measures the contract must report (TN L917-L924), a domain more than
  half (TN L836-L843); the improvement measures are not counted (TN L914); with a known organization type the year's
  Tables 6 and 7 give the minimum (TN L930-L932, L960; e.g. "CCP with Only I-SNP" 9 of 18 Part C measures);
* the MA-PD overall rating uses each measure shared by Parts C and D once (TN L946) and needs both summaries (TN L937);
* half-star rounding, halves up, of the value at six decimals (TN L1384, L1416-L1425);
* highest rating: overall for MA-PD, Part C summary for MA-only, Part D summary for PDP (4185-P L1776);
* the improvement hold-harmless for contracts at 4 stars or more (TN L1009-L1027).

Pure: measure stars, catalogue and parameters in, numbers out.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Literal

from partcd.core.citation import Cite, cites
from partcd.core.errors import RuleError
from partcd.stars.rules.models import Measure, OrganizationType, OrganizationTypeSource, Part
from partcd.stars.rules.params import RatingKey, RatingParams

CITE_C = "42 CFR 422.166"
CITE_D = "42 CFR 423.186"

#: Status texts meaning the contract does not have to report the measure (CMS data tables; README §5.2).
NOT_REQUIRED_STATUSES: frozenset[str] = frozenset(
    {"Plan not required to report measure", "Plan not required to report", "Not required to report",
     "Benefit not offered by plan"}
)


#: How the minimum is set when the organization type is unknown (or the year has no Table 6 / 7).
DATA_MINIMUM_SOURCE = "at least half of the required measures read from the data, TN L917-L924"


class ContractKind(StrEnum):
    """How a contract is rated (TN Table 3): which summaries it has and which is its highest rating."""

    MA_PD = "MA-PD"
    MA_ONLY = "MA-Only"
    PDP = "PDP"


#: Named rule (the regulation is silent on contract numbers): CMS numbers stand-alone PDP contracts S (TN Table 1
#: L491-L498 lists no other type under S). H, R and E contracts may be of several Table 6 types: not derived.
ORGANIZATION_TYPE_BY_ID_PREFIX: dict[str, OrganizationType] = {"S": OrganizationType.PDP}


def organization_type_of(contract_id: str) -> OrganizationType | None:
    """The Table 6 type a contract id implies by :data:`ORGANIZATION_TYPE_BY_ID_PREFIX` (S -> PDP), else None."""
    return ORGANIZATION_TYPE_BY_ID_PREFIX.get(contract_id[:1])


class RatingType(StrEnum):
    PART_C = "part_c"
    PART_D = "part_d"
    OVERALL = "overall"


@dataclass(frozen=True)
class ContractStars:
    """A contract's measure stars for one rating year.

    ``stars`` holds the measures with a star; ``not_required`` the measures the contract does not have to report
    (every other measure without a star counts as required but not rated).
    """

    contract_id: str
    kind: ContractKind
    stars: Mapping[str, int]
    not_required: frozenset[str] = frozenset()
    puerto_rico_only: bool = False
    organization_type: OrganizationType | None = None  # the Table 6/7 column; None: minimum from the data's statuses
    organization_type_source: OrganizationTypeSource = OrganizationTypeSource.DEFAULT

    def __post_init__(self) -> None:
        bad = {k: v for k, v in self.stars.items() if v not in (1, 2, 3, 4, 5)}
        if bad:
            raise RuleError(f"{self.contract_id}: measure stars must be 1-5, got {bad}", Cite(cfr=CITE_C + "(a)"))


@dataclass(frozen=True)
class WeightedRating:
    """Weighted mean and variance of the measure stars used (TN Attachment H)."""

    mean: float
    variance: float | None  # None with a single measure (n - 1 = 0)
    measures_count: int
    weight_sum: float
    measure_keys: tuple[str, ...]


@dataclass(frozen=True)
class MeasureSet:
    """The measures behind one rating of one contract and whether the minimum count is met."""

    rating: RatingType
    used: tuple[str, ...]  # measure keys with a star that enter the mean
    required_count: int  # measures the contract must report (improvement measures not counted)
    rated_count: int  # of those, with a star
    minimum_count: int
    eligible: bool
    reason: str | None = None
    minimum_source: str = ""


@dataclass(frozen=True)
class DomainRating:
    domain: str
    stars: int | None
    rated_count: int
    required_count: int
    reason: str | None = None


@dataclass(frozen=True)
class HoldHarmless:
    """Outcome of a with/without comparison (improvement measures or new measures)."""

    stars: float | None
    used_without: bool
    with_stars: float | None
    without_stars: float | None
    notes: tuple[str, ...] = field(default_factory=tuple)


def _round_half_up(value: float, decimals: int) -> float:
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


@cites("42 CFR 422.166(c)(2)", "42 CFR 423.186(c)(2)")
def half_star(value: float, params: RatingParams) -> float:
    """Round a raw summary or overall value to the nearest half star, halves up, capped at 5 (TN Table 22, L1416-L1425).

    The value is first taken at the rating precision (6 decimals, TN L1384): 3.7499996 -> 3.75 -> 4.0, 3.749999 -> 3.5.
    """
    step = params.summary_rounding_increment_stars
    at_precision = _round_half_up(value, params.summary_precision_decimals_count)
    rounded = _round_half_up(at_precision / step, 0) * step
    return min(max(rounded, 0.0), params.summary_maximum_stars)


@cites("42 CFR 422.166(c)(1)", "42 CFR 423.186(c)(1)")
def weighted_rating(stars: Mapping[str, int], weights: Mapping[str, float]) -> WeightedRating:
    """Weighted mean sum(w x) / sum(w) and variance n * sum(w (x - mean)^2) / (W (n - 1)) (TN Attachment H, L1055).

    Measures of weight 0 (e.g. the adherence measures of a Puerto Rico only contract) are left out altogether.
    """
    keys = tuple(k for k in stars if weights.get(k, 0.0) > 0)
    if not keys:
        raise RuleError("no weighted measure stars to average", Cite(cfr="42 CFR 422.166(c)(1), 423.186(c)(1)"))
    w = [weights[k] for k in keys]
    x = [float(stars[k]) for k in keys]
    total = math.fsum(w)
    mean = math.fsum(wi * xi for wi, xi in zip(w, x, strict=True)) / total
    n = len(keys)
    variance = None
    if n > 1:
        sumwx = math.fsum(wi * (xi - mean) ** 2 for wi, xi in zip(w, x, strict=True))
        variance = n * sumwx / (total * (n - 1))
    return WeightedRating(mean, variance, n, total, keys)


@cites("42 CFR 422.166(c)", "42 CFR 423.186(c)")
def minimum_rated(required_count: int, rule: str) -> int:
    """Smallest number of rated measures: 'at-least-half' -> ceil(n / 2) (13 -> 7, 30 -> 15; TN L917-L924),
    'more-than-half' -> floor(n / 2) + 1 (3 -> 2, 6 -> 4; TN L836-L843)."""
    if required_count < 0:
        raise RuleError(f"required measure count must be >= 0, got {required_count}", Cite(cfr=CITE_C + "(c)"))
    if rule == "at-least-half":
        return (required_count + 1) // 2
    if rule == "more-than-half":
        return required_count // 2 + 1
    raise RuleError(f"unknown minimum rule {rule!r}", Cite(cfr=CITE_C + "(c)"))


def measure_weights(measures: Sequence[Measure], contract: ContractStars, params: RatingParams) -> dict[str, float]:
    """Catalogue weights of the rating year; zero for the listed adherence measures of a Puerto Rico only contract
    (TN Attachment G, L5585)."""
    zero = set(params.puerto_rico_zero_weight_measures_list) if contract.puerto_rico_only else set()
    return {m.measure_key: 0.0 if m.measure_key in zero else m.weight for m in measures}


def _parts(rating: RatingType) -> tuple[Part, ...]:
    return {RatingType.PART_C: (Part.C,), RatingType.PART_D: (Part.D,), RatingType.OVERALL: (Part.C, Part.D)}[rating]


def rating_catalogue(measures: Sequence[Measure], rating: RatingType, params: RatingParams) -> list[Measure]:
    """The measures of a rating: the part's measures; for the overall rating both parts with each shared measure once
    (the first of each ``overall_shared_measures_list`` pair is kept; TN L946)."""
    parts = _parts(rating)
    chosen = [m for m in measures if m.part in parts]
    if rating is RatingType.OVERALL:
        dropped = {drop for _, drop in params.overall_shared_measures_list}
        chosen = [m for m in chosen if m.measure_key not in dropped]
    return chosen


def _applies(contract: ContractStars, rating: RatingType) -> str | None:
    if rating is RatingType.PART_C and contract.kind is ContractKind.PDP:
        return "PDP contracts have no Part C rating"
    if rating is RatingType.PART_D and contract.kind is ContractKind.MA_ONLY:
        return "MA-only contracts have no Part D rating"
    if rating is RatingType.OVERALL and contract.kind is not ContractKind.MA_PD:
        return "only MA-PD contracts have an overall rating"
    return None


@cites("42 CFR 422.166(c)", "42 CFR 423.186(c)", "42 CFR 422.166(d)")
def measure_set(
    contract: ContractStars,
    measures: Sequence[Measure],
    rating: RatingType,
    params: RatingParams,
    *,
    with_improvement: bool = True,
    excluded: Collection[str] = (),
) -> MeasureSet:
    """Which measure stars enter a rating and whether the contract has enough of them.

    The minimum counts the required measures other than the improvement measures (TN L914); ``excluded`` measures
    (e.g. new measures for the disaster hold-harmless) leave the mean but not the count.
    """
    why_not = _applies(contract, rating)
    catalogue = rating_catalogue(measures, rating, params)
    attainment = [m for m in catalogue if not m.improvement]
    required = [m for m in attainment if m.measure_key not in contract.not_required]
    rated = [m for m in required if m.measure_key in contract.stars]
    minimum: int | None = minimum_rated(len(required), params.summary_minimum_rated_rule_text)
    source = DATA_MINIMUM_SOURCE
    typed = organization_type_minimum(contract, rating, params)
    if typed is not None:
        minimum, source = typed
        if minimum is None and why_not is None:
            why_not = f"{contract.organization_type} contracts have no {rating.value} rating ({source})"
    used = [m.measure_key for m in rated if m.measure_key not in excluded]
    if with_improvement:
        used += [m.measure_key for m in catalogue if m.improvement and m.measure_key in contract.stars]
    if why_not is None and not required:
        why_not = "no required measures"
    if why_not is None and minimum is not None and len(rated) < minimum:
        why_not = (f"Not enough data available: {len(rated)} of {len(required)} required measures rated, {minimum} needed"
                   f" ({source})")
    if why_not is None and not used:
        why_not = "no measure stars left after exclusions"
    return MeasureSet(rating, tuple(used), len(required), len(rated), minimum or 0, why_not is None, why_not, source)


_TABLE_COLUMN: dict[RatingType, Literal["part_c", "part_d", "overall"]] = {
    RatingType.PART_C: "part_c", RatingType.PART_D: "part_d", RatingType.OVERALL: "overall"}


@cites("42 CFR 422.166(c)", "42 CFR 423.186(c)")
def organization_type_minimum(contract: ContractStars, rating: RatingType,
                              params: RatingParams) -> tuple[int | None, str] | None:
    """The minimum rated measures of the contract's organization type for a rating (TN Table 6 L930-L932, Table 7
    L960): ``(minimum, source)``, ``(None, source)`` where the table says N/A; None when the type is unknown or the
    year's parameters have no such table (then the minimum is read from the data's statuses)."""
    table = params.organization_type_minimum_rated_table
    if contract.organization_type is None or table is None:
        return None
    entry = table[contract.organization_type][_TABLE_COLUMN[rating]]
    where = "TN Table 7" if rating is RatingType.OVERALL else "TN Table 6"
    origin = contract.organization_type_source.value
    if entry is None:
        return None, f"{where}: N/A for {contract.organization_type} ({origin})"
    return entry[0], f"{where}: {entry[0]} of {entry[1]} for {contract.organization_type} ({origin})"


@cites("42 CFR 422.166(b)", "42 CFR 423.186(b)")
def domain_ratings(contract: ContractStars, measures: Sequence[Measure], params: RatingParams) -> list[DomainRating]:
    """Unweighted mean of a domain's measure stars rounded to the nearest integer (TN L1383), for domains in which the
    contract rated more than half of its required measures (TN L836-L843)."""
    out: list[DomainRating] = []
    domains: dict[str, list[Measure]] = {}
    for m in measures:
        domains.setdefault(m.domain, []).append(m)
    for domain, members in domains.items():
        required = [m for m in members if m.measure_key not in contract.not_required]
        rated = [contract.stars[m.measure_key] for m in required if m.measure_key in contract.stars]
        if not required:
            out.append(DomainRating(domain, None, 0, 0, "Plan not required to report measure"))
            continue
        minimum = minimum_rated(len(required), params.domain_minimum_rated_rule_text)
        if len(rated) < minimum:
            out.append(DomainRating(domain, None, len(rated), len(required),
                                    f"Not enough data available: {len(rated)} of {len(required)} rated, {minimum} needed"))
            continue
        stars = int(_round_half_up(math.fsum(rated) / len(rated), 0))
        out.append(DomainRating(domain, stars, len(rated), len(required)))
    return out


@cites("42 CFR 422.166(g)(1)", "42 CFR 423.186(g)(1)")
def highest_rating_type(kind: ContractKind) -> RatingType:
    """Overall for MA-PD, Part C summary for MA-only, Part D summary for PDP (4185-P L1776; TN Table 3)."""
    return {ContractKind.MA_PD: RatingType.OVERALL, ContractKind.MA_ONLY: RatingType.PART_C,
            ContractKind.PDP: RatingType.PART_D}[kind]


def rating_key(rating: RatingType, kind: ContractKind) -> RatingKey:
    """The reward-factor / CAI rating type: Part D summaries of PDPs and of MA-PDs are separate (TN Tables 8-21)."""
    if rating is RatingType.PART_C:
        return "part_c"
    if rating is RatingType.OVERALL:
        return "overall"
    return "part_d_pdp" if kind is ContractKind.PDP else "part_d_mapd"


@cites("42 CFR 422.166(g)(1)", "42 CFR 423.186(g)(1)")
def improvement_hold_harmless(
    with_improvement: float | None, without_improvement: float | None, applies: bool, params: RatingParams
) -> HoldHarmless:
    """Use the rating without the improvement measures when it is 4 stars or more and adding them lowers it
    (TN L1009, L1018, L1027); ``applies`` says whether this rating is held harmless (the highest rating, or every
    rating under the 'all-ratings' variant)."""
    if with_improvement is None:
        return HoldHarmless(without_improvement, without_improvement is not None, None, without_improvement,
                            ("no improvement measure star",) if without_improvement is not None else ())
    if (applies and without_improvement is not None and without_improvement >= params.improvement_hold_harmless_min_stars
            and with_improvement < without_improvement):
        note = (f"improvement hold-harmless: {without_improvement:g} without the improvement measures "
                f"(>= {params.improvement_hold_harmless_min_stars:g}) > {with_improvement:g} with them")
        return HoldHarmless(without_improvement, True, with_improvement, without_improvement, (note,))
    return HoldHarmless(with_improvement, False, with_improvement, without_improvement)


@cites("42 CFR 422.166(h)", "42 CFR 423.186(h)")
def low_performer(summaries: Sequence[tuple[float | None, float | None]], params: RatingParams) -> bool | None:
    """Low performing icon: in each of the last ``low_performer_years_count`` rating years (oldest first, the current
    year last) a Part C or Part D summary of 2.5 or lower (TN L1447); None when a year has neither summary (L1448)."""
    years = params.low_performer_years_count
    if len(summaries) < years:
        return None
    recent = summaries[-years:]
    if any(c is None and d is None for c, d in recent):
        return None
    return all(any(s is not None and s <= params.low_performer_max_stars for s in pair) for pair in recent)


@cites("42 CFR 422.166(h)", "42 CFR 423.186(h)")
def high_performer(highest: float | None, params: RatingParams) -> bool:
    """High performing icon: 5 stars on the highest rating (TN L1432)."""
    return highest is not None and highest >= params.high_performer_stars
