"""§ 422.2 (D-SNP)(1)-(3) and § 422.752(d) - the 2021 minimum-integration test per plan and year, and the
enrollment sanction that follows a failure in plan years 2021-2025 (4185-P L1965-L1971, L2976; final § 422.752(d)).

A D-SNP satisfies "one or more" of: (1) the § 422.107(d) admission-notification term in its State contract; (2) it is
a HIDE SNP (a capitated Medicaid contract covering LTSS, behavioral health or both); (3) it is a FIDE SNP (capitated
for primary, acute, behavioral health, LTSS and nursing facility care). Whether the plan is FIDE or HIDE is partcd's
classification (§ 422.2 definitions), an input here; whether the term is in the contract comes from the § 422.107
checklist's evidence.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from partcd.core.citation import cite_label, cites
from partcd.dsnp.rules.parameters import DsnpParams, IntegrationLevel, SanctionType

Reading = Literal["final", "proposed"]


class CriterionResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    number: int
    title: str
    met: bool
    citation: str


class IntegrationTest(BaseModel):
    """Does the plan meet the minimum integration standard in ``plan_year``, and through which criteria."""

    model_config = ConfigDict(frozen=True)

    plan_year: int
    meets: bool
    criteria: tuple[CriterionResult, ...]
    met_by: tuple[str, ...]
    level: IntegrationLevel
    reason: str
    citation: str


@cites("42 CFR 422.2 (Dual eligible special needs plan)", "42 CFR 422.107(d)")
def minimum_integration(plan_year: int, params: DsnpParams, is_fide: bool = False, is_hide: bool = False,
                        admission_term_documented: bool = False) -> IntegrationTest:
    """The three criteria of the D-SNP definition, each met or not, and the verdict "one or more" (L1965).

    Every FIDE SNP is a HIDE SNP (L239), so ``is_fide`` implies criterion (2) as well.
    """
    hide = is_hide or is_fide
    met = {"admission_notification_term": admission_term_documented, "hide": hide, "fide": is_fide}
    rows = tuple(CriterionResult(id=c.id, number=c.number, title=c.title, met=met[c.id], citation=cite_label(c.cite))
                 for c in params.integration_criteria_table.value)
    met_by = tuple(r.id for r in rows if r.met)
    level: IntegrationLevel = "FIDE" if is_fide else "HIDE" if hide else \
        "coordination_only" if admission_term_documented else "non_compliant"
    if met_by:
        reason = "meets " + ", ".join(f"criterion ({r.number}) {r.id}" for r in rows if r.met)
    else:
        reason = ("meets none of the integration criteria: no documented § 422.107(d) admission-notification term in "
                  "the State contract, not a HIDE SNP, not a FIDE SNP")
    return IntegrationTest(plan_year=plan_year, meets=bool(met_by), criteria=rows, met_by=met_by, level=level, reason=reason,
                           citation=params.integration_criteria_table.citation)


class SanctionDetermination(BaseModel):
    """What § 422.752(d) makes of a plan year's integration result."""

    model_config = ConfigDict(frozen=True)

    plan_year: int
    integration_met: bool
    sanction_mandatory: bool
    within_window: bool
    sanction_types: tuple[SanctionType, ...]
    reading: Reading
    corrective_action_plan_required: bool
    until_cms_satisfied: bool
    consequence: str
    reasons: tuple[str, ...]
    citations: tuple[str, ...] = Field(default=())


@cites("42 CFR 422.752(d)", "42 CFR 422.750(a)")
def enrollment_sanction(plan_year: int, integration_met: bool, params: DsnpParams, reading: Reading = "final",
                        ) -> SanctionDetermination:
    """§ 422.752(d): in plan years 2021 through 2025 CMS must impose the intermediate sanction on an MA organization
    whose D-SNP fails every integration criterion; after 2025 nothing makes it mandatory (the parameter file of the
    year says which). ``reading="proposed"`` lists the proposal's sanctions (any of § 422.750(a)); the final rule
    names § 422.750(a)(1), the suspension of enrollment.
    """
    within = params.enrollment_sanction_mandatory_bool.value
    types_value = params.enrollment_sanction_types_list if reading == "final" else params.proposed_enrollment_sanction_types_list
    window = params.enrollment_sanction_window_text.value
    citations = [params.enrollment_sanction_mandatory_bool.citation]
    if integration_met:
        return SanctionDetermination(
            plan_year=plan_year, integration_met=True, sanction_mandatory=False, within_window=within, sanction_types=(),
            reading=reading, corrective_action_plan_required=False, until_cms_satisfied=False,
            consequence="no sanction: the D-SNP meets at least one integration criterion",
            reasons=(f"plan year {plan_year}: the D-SNP meets one or more of the § 422.2 integration criteria",),
            citations=tuple(citations))
    if not within:
        return SanctionDetermination(
            plan_year=plan_year, integration_met=False, sanction_mandatory=False, within_window=False, sanction_types=(),
            reading=reading, corrective_action_plan_required=False, until_cms_satisfied=False,
            consequence=params.noncompliance_consequence_text.value,
            reasons=(f"plan year {plan_year} is outside {window}: § 422.752(d) does not apply",
                     "the plan does not meet the § 422.2 definition of a D-SNP"),
            citations=(*citations, params.noncompliance_consequence_text.citation))
    citations += [types_value.citation, params.enrollment_sanction_until_cms_satisfied_bool.citation,
                  params.corrective_action_plan_required_bool.citation]
    return SanctionDetermination(
        plan_year=plan_year, integration_met=False, sanction_mandatory=True, within_window=True,
        sanction_types=types_value.value, reading=reading,
        corrective_action_plan_required=params.corrective_action_plan_required_bool.value,
        until_cms_satisfied=params.enrollment_sanction_until_cms_satisfied_bool.value,
        consequence=params.noncompliance_consequence_text.value,
        reasons=(f"plan year {plan_year} is within {window} and the D-SNP meets none of the integration criteria",),
        citations=tuple(citations))
