"""§§ 422.2, 422.561 - D-SNP, FIDE SNP, HIDE SNP and applicable integrated plan classification (4185-P L1961-L1987, L2539-L2543).

Only an applicable integrated plan (AIP) uses the unified grievance and appeal process of §§ 422.629-422.634
(§ 422.629(a), L2671-L2673); every other plan keeps the standard Part C rules of part 422 subpart M
(§§ 422.564, 422.566-422.572, 422.578-422.590) and, for Medicaid, part 438 subpart F (L384).
Follows shared/specs/appeals.md §2.6; "coordination_only" is not a term of the proposed rule (CMS later
calls the tier "CO").
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from partcd.appeals.rules.parameters import AppealsParams
from partcd.core.citation import cites
from partcd.core.errors import RuleError
from partcd.core.params import ParamSet

MedicaidService = Literal["primary_care", "acute_care", "behavioral_health", "ltss", "nursing_facility"]
Holder = Literal["same_organization", "parent_organization", "sibling_entity", "none"]
MedicaidPlanType = Literal["MCO", "PIHP", "PAHP", "none"]
IntegrationLevel = Literal["FIDE", "HIDE", "coordination_only", "non_compliant", "not_dsnp"]

#: Standard Part C rules that apply to plans that are not applicable integrated plans (L2673, L384).
STANDARD_PART_C_RULES: tuple[str, ...] = (
    "42 CFR 422.564 (grievances)",
    "42 CFR 422.566 (organization determinations)",
    "42 CFR 422.568 (standard timeframes and notice)",
    "42 CFR 422.570 (expediting organization determinations)",
    "42 CFR 422.572 (timeframes for expedited organization determinations)",
    "42 CFR 422.578-422.590 (reconsiderations)",
    "42 CFR 422.592-422.626 (IRE and later levels)",
    "42 CFR part 438 subpart F (Medicaid grievances and appeals, for Medicaid benefits)",
)
#: The unified process of applicable integrated plans (§ 422.629(a)(1), (f)).
UNIFIED_RULES: tuple[str, ...] = (
    "42 CFR 422.629 (general requirements)",
    "42 CFR 422.630 (integrated grievances)",
    "42 CFR 422.631 (integrated organization determinations)",
    "42 CFR 422.632 (continuation of benefits)",
    "42 CFR 422.633 (integrated reconsiderations)",
    "42 CFR 422.634 (effect of decisions)",
    "42 CFR 422.592-422.626 (IRE and later levels, § 422.629(f))",
)


class PlanAttributes(BaseModel):
    """What the definitions need about one plan and its State Medicaid agency contract, for one plan year."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    plan_id: str = Field(min_length=1)
    plan_year: int = Field(ge=2006)
    state: str = ""
    # § 422.2 D-SNP (L1965)
    special_needs_plan_for_medicaid_entitled: bool = True
    coordinates_medicare_medicaid_services: bool = True
    state_medicaid_contract_meets_422_107: bool = True
    contract_has_admission_notification_term: bool = False
    # capitated Medicaid contract held by the MA organization or its affiliates (L1977-L1987)
    capitated_medicaid_contract_holder: Holder = "none"
    capitated_contract_in_operating_state: bool = True
    medicaid_plan_type: MedicaidPlanType = "none"
    medicaid_benefits_covered: frozenset[MedicaidService] = frozenset()
    nursing_facility_days_covered: int = Field(default=0, ge=0)
    aligned_care_management: bool = False
    integrated_procedures_approved_by_cms_and_state: bool = False
    # § 422.2 aligned enrollment (L1961)
    exclusively_aligned_enrollment: bool = False


class Classification(BaseModel):
    """The integration level, whether the plan is an applicable integrated plan, and the process it must use."""

    model_config = ConfigDict(frozen=True)

    plan_id: str
    plan_year: int
    is_dsnp: bool
    is_fide: bool
    is_hide: bool
    integration_level: IntegrationLevel
    is_applicable_integrated_plan: bool
    process: Literal["unified", "standard"]
    rules: tuple[str, ...]
    enrollment_sanction_applies: bool
    reasons: tuple[str, ...]


def _fide_failures(p: PlanAttributes, min_nf_days: int) -> list[str]:
    out: list[str] = []
    if not (p.capitated_medicaid_contract_holder == "same_organization" and p.medicaid_plan_type == "MCO"):
        out.append("FIDE (1): no single entity holding both the MA contract and a section 1903(m) Medicaid MCO contract "
                   "(L1977)")
    needed = {"primary_care", "acute_care", "behavioral_health", "ltss"}
    missing = sorted(needed - p.medicaid_benefits_covered)
    if missing:
        out.append(f"FIDE (2): capitated contract does not cover {', '.join(missing)} (L1979)")
    if "nursing_facility" not in p.medicaid_benefits_covered or p.nursing_facility_days_covered < min_nf_days:
        out.append(f"FIDE (2): nursing facility services covered {p.nursing_facility_days_covered} days, "
                   f"at least {min_nf_days} needed in the plan year (L1979)")
    if not p.aligned_care_management:
        out.append("FIDE (3): no aligned care management and specialty care network methods (L1981)")
    if not p.integrated_procedures_approved_by_cms_and_state:
        out.append("FIDE (4): no CMS- and State-approved integrated materials, enrollment, grievance and appeals "
                   "and quality procedures (L1983)")
    return out


def _hide_failures(p: PlanAttributes) -> list[str]:
    out: list[str] = []
    if p.capitated_medicaid_contract_holder == "none":
        out.append("HIDE: neither the MA organization, its parent nor a sibling entity holds a capitated Medicaid "
                   "contract (L1987)")
    elif not p.capitated_contract_in_operating_state:
        out.append("HIDE: the capitated Medicaid contract is not in the State where the D-SNP operates (L1987)")
    if not ({"ltss", "behavioral_health"} & p.medicaid_benefits_covered):
        out.append("HIDE: the capitated contract covers neither LTSS nor behavioral health (L1987)")
    return out


@cites("42 CFR 422.2", "42 CFR 422.561", "42 CFR 422.629(a)", "42 CFR 422.752(d)")
def classify(plan: PlanAttributes, params: ParamSet) -> Classification:
    """FIDE / HIDE / coordination-only / non-compliant D-SNP, applicable integrated plan, and the process to use."""
    view = params.typed(AppealsParams)
    if view.fide_nursing_facility_min_days is None or view.enrollment_sanction_plan_years_list is None:
        raise RuleError(f"plan year {plan.plan_year}: the D-SNP integration criteria and the FIDE / HIDE definitions "
                        "apply from January 1, 2021; no earlier plan year is classified", view.rule_cite("unified_from_2021"))
    reasons: list[str] = []
    dsnp_failures = []
    if not plan.special_needs_plan_for_medicaid_entitled:
        dsnp_failures.append("not a specialized MA plan for individuals entitled to Medicaid (L1965)")
    if not plan.coordinates_medicare_medicaid_services:
        dsnp_failures.append("does not provide or coordinate Medicare and Medicaid services (L1965)")
    if not plan.state_medicaid_contract_meets_422_107:
        dsnp_failures.append("no State Medicaid agency contract consistent with § 422.107 (L1965)")
    if dsnp_failures:
        return Classification(plan_id=plan.plan_id, plan_year=plan.plan_year, is_dsnp=False, is_fide=False, is_hide=False,
                              integration_level="not_dsnp", is_applicable_integrated_plan=False, process="standard",
                              rules=STANDARD_PART_C_RULES, enrollment_sanction_applies=False,
                              reasons=tuple(["not a D-SNP: " + r for r in dsnp_failures]))
    fide_failures = _fide_failures(plan, view.fide_nursing_facility_min_days)
    hide_failures = _hide_failures(plan)
    is_fide = not fide_failures
    is_hide = is_fide or not hide_failures  # every FIDE SNP is also a HIDE SNP (L239)
    level: IntegrationLevel
    if is_fide:
        level = "FIDE"
        reasons.append("FIDE SNP: all four conditions of the definition hold (L1975-L1983)")
    elif is_hide:
        level = "HIDE"
        reasons.append("HIDE SNP: an affiliated capitated Medicaid contract in the State covers LTSS or behavioral "
                       "health (L1987)")
        reasons.extend(fide_failures)
    elif plan.contract_has_admission_notification_term:
        level = "coordination_only"
        reasons.append("meets the integration criteria only through the § 422.107(d) admission notification term "
                       "(L1965, L2106)")
        reasons.extend(hide_failures)
    else:
        level = "non_compliant"
        reasons.append("meets none of the integration criteria (§ 422.107(d) term, HIDE, FIDE) (L1965-L1971)")
        reasons.extend(hide_failures)
    aip = is_hide and plan.exclusively_aligned_enrollment and plan.medicaid_plan_type == "MCO" \
        and plan.capitated_medicaid_contract_holder != "none"
    if is_hide:
        if not plan.exclusively_aligned_enrollment:
            reasons.append("not an applicable integrated plan: enrollment is not exclusively aligned (L2541)")
        elif plan.medicaid_plan_type != "MCO":
            reasons.append(f"not an applicable integrated plan: the companion Medicaid plan is a "
                           f"{plan.medicaid_plan_type}, not a section 1903(m) MCO (L2543, L382)")
        else:
            reasons.append("applicable integrated plan: FIDE or HIDE SNP with exclusively aligned enrollment and an "
                           "affiliated Medicaid MCO (L2541-L2543)")
    sanction = level == "non_compliant" and plan.plan_year in view.enrollment_sanction_plan_years_list
    if sanction:
        reasons.append(f"CMS must impose intermediate sanctions in plan year {plan.plan_year} (§ 422.752(d), L2976)")
    return Classification(
        plan_id=plan.plan_id, plan_year=plan.plan_year, is_dsnp=True, is_fide=is_fide, is_hide=is_hide,
        integration_level=level, is_applicable_integrated_plan=aip, process="unified" if aip else "standard",
        rules=UNIFIED_RULES if aip else STANDARD_PART_C_RULES, enrollment_sanction_applies=sanction,
        reasons=tuple(reasons),
    )
