"""§§ 422.2, 422.561 - CMS's yearly list of integrated D-SNPs (FIDE / HIDE / CO, applicable integrated plan) against
partcd's own classification, with a reason for every difference (4185-P L1961-L1987, L2539-L2543).

Rows are matched on contract, plan benefit package and State. A difference is one of: ``level`` (CMS's status and
partcd's level disagree), ``aip`` (the applicable-integrated-plan flag disagrees), ``missing_from_cms`` (partcd
classifies a D-SNP for the year that CMS does not list), ``missing_from_partcd`` (CMS lists a plan and State that
partcd's registry has no contract for). The reasons of a level or AIP difference are partcd's classification reasons,
so the compliance lead sees which definition element decided it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from partcd.core.citation import cite_label, cites
from partcd.core.errors import RuleError
from partcd.dsnp.rules.parameters import DsnpParams, IntegrationLevel

DifferenceKind = Literal["level", "aip", "missing_from_cms", "missing_from_partcd"]


class CmsListRow(BaseModel):
    """One row of CMS's list of integrated D-SNPs for ``list_year``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    list_year: int = Field(ge=2021, le=2100)
    contract_id: str = Field(pattern=r"^[HR][0-9]{4}$")
    plan_benefit_package: str = Field(pattern=r"^[0-9]{3}$")
    state: str = Field(pattern=r"^[A-Z]{2}$")
    integration_status: str = Field(min_length=1, max_length=10)
    applicable_integrated_plan: bool = False
    source_row: int | None = None

    @property
    def key(self) -> str:
        return f"{self.contract_id}-{self.plan_benefit_package} {self.state}"


class PartcdClassification(BaseModel):
    """partcd's classification of one plan and State for one year (from the contract registry)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    contract_id: str
    plan_benefit_package: str
    state: str
    plan_year: int
    integration_level: IntegrationLevel
    is_applicable_integrated_plan: bool
    reasons: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.contract_id}-{self.plan_benefit_package} {self.state}"


class Difference(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    kind: DifferenceKind
    cms: str | None
    partcd: str | None
    reasons: tuple[str, ...]
    citation: str
    cms_row: int | None = None


class Reconciliation(BaseModel):
    model_config = ConfigDict(frozen=True)

    year: int
    cms_rows: int
    partcd_plans: int
    matched: int
    agree: int
    differences: tuple[Difference, ...]


def _aip_reasons(ours: PartcdClassification) -> tuple[str, ...]:
    picked = tuple(r for r in ours.reasons if "applicable integrated plan" in r)
    return picked or ours.reasons


@cites("42 CFR 422.2", "42 CFR 422.561")
def reconcile(cms_rows: list[CmsListRow], ours: list[PartcdClassification], year: int, params: DsnpParams) -> Reconciliation:
    """Every CMS row and every partcd D-SNP of ``year``, paired on plan and State; one :class:`Difference` per mismatch."""
    rows = [r for r in cms_rows if r.list_year == year]
    mine = [o for o in ours if o.plan_year == year]
    by_key: dict[str, CmsListRow] = {}
    for r in rows:
        if r.key in by_key:
            raise RuleError(f"CMS list {year}: {r.key} appears twice (rows {by_key[r.key].source_row} and {r.source_row})",
                            params.cms_integration_status_table.cite[0])
        by_key[r.key] = r
    ours_by_key = {o.key: o for o in mine}
    diffs: list[Difference] = []
    matched = agree = 0
    for key in sorted(set(by_key) | set(ours_by_key)):
        cms, own = by_key.get(key), ours_by_key.get(key)
        if cms is None and own is not None:
            if own.integration_level == "not_dsnp":
                continue
            diffs.append(Difference(
                key=key, kind="missing_from_cms", cms=None, partcd=own.integration_level,
                citation=params.cms_integration_status_table.citation,
                reasons=(f"partcd classifies this plan and State as {own.integration_level} for {year}, but CMS's list has "
                         "no row for it: check the plan's integration status in HPMS", *own.reasons)))
            continue
        assert cms is not None
        status = params.cms_status(cms.integration_status)
        if status is None:
            raise RuleError(f"CMS list {year}, row {cms.source_row}: unknown integration status {cms.integration_status!r}",
                            params.cms_integration_status_table.cite[0])
        if own is None:
            diffs.append(Difference(
                key=key, kind="missing_from_partcd", cms=cms.integration_status, partcd=None, cms_row=cms.source_row,
                citation=cite_label(status.cite),
                reasons=(f"CMS lists {key} as {cms.integration_status} for {year}; partcd's registry has no State contract "
                         "for this plan, State and year",)))
            continue
        matched += 1
        same = True
        if status.level != own.integration_level:
            same = False
            diffs.append(Difference(
                key=key, kind="level", cms=f"{cms.integration_status} ({status.level})", partcd=own.integration_level,
                cms_row=cms.source_row, citation=cite_label(status.cite),
                reasons=(f"CMS: {status.title}; partcd: {own.integration_level}", *own.reasons)))
        if cms.applicable_integrated_plan != own.is_applicable_integrated_plan:
            same = False
            diffs.append(Difference(
                key=key, kind="aip", cms="AIP" if cms.applicable_integrated_plan else "not AIP",
                partcd="AIP" if own.is_applicable_integrated_plan else "not AIP", cms_row=cms.source_row,
                citation="42 CFR 422.561 (Applicable integrated plan) [cms-4185-p L2539]",
                reasons=(f"CMS {'lists' if cms.applicable_integrated_plan else 'does not list'} the plan as an applicable "
                         f"integrated plan; partcd {'does' if own.is_applicable_integrated_plan else 'does not'}",
                         *_aip_reasons(own))))
        agree += same
    return Reconciliation(year=year, cms_rows=len(rows), partcd_plans=sum(1 for o in mine if o.integration_level != "not_dsnp"),
                          matched=matched, agree=agree, differences=tuple(diffs))
