"""§§ 422.2, 422.561 classification: concrete plans and the definitional properties (FIDE => HIDE; AIP => unified)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from partcd.appeals.rules import AppealsParams, PlanAttributes, classify
from partcd.appeals.rules.classification import STANDARD_PART_C_RULES, UNIFIED_RULES
from partcd.core.citation import cited
from partcd.core.errors import ParameterError, RuleError
from partcd.platform.params import load_params

PARAMS = load_params("appeals", dt.date(2021, 1, 1))
FULL = frozenset({"primary_care", "acute_care", "behavioral_health", "ltss", "nursing_facility"})


def _fide(**changes: Any) -> PlanAttributes:
    data: dict[str, Any] = {
        "plan_id": "H1234-001", "plan_year": 2021, "capitated_medicaid_contract_holder": "same_organization",
        "medicaid_plan_type": "MCO", "medicaid_benefits_covered": FULL, "nursing_facility_days_covered": 365,
        "aligned_care_management": True, "integrated_procedures_approved_by_cms_and_state": True,
        "exclusively_aligned_enrollment": True,
    }
    data.update(changes)
    return PlanAttributes.model_validate(data)


def test_classify_is_cited() -> None:
    assert "42 CFR 422.561" in cited(classify)


def test_fide_with_exclusively_aligned_mco_is_an_aip_using_the_unified_rules() -> None:
    result = classify(_fide(), PARAMS)
    assert (result.integration_level, result.is_fide, result.is_hide, result.is_applicable_integrated_plan) == \
        ("FIDE", True, True, True)
    assert result.process == "unified" and result.rules == UNIFIED_RULES
    assert "42 CFR 422.633 (integrated reconsiderations)" in result.rules


@pytest.mark.parametrize(("days", "level"), [(179, "HIDE"), (180, "FIDE"), (181, "FIDE")])
def test_nursing_facility_threshold_is_at_least_180_days(days: int, level: str) -> None:
    assert classify(_fide(nursing_facility_days_covered=days), PARAMS).integration_level == level


def test_fide_carve_out_of_nursing_facility_is_not_fide() -> None:
    result = classify(_fide(medicaid_benefits_covered=FULL - {"nursing_facility"}), PARAMS)
    assert result.integration_level == "HIDE"
    assert any("nursing facility" in r for r in result.reasons)


def test_pahp_companion_is_hide_but_not_aip() -> None:
    result = classify(_fide(capitated_medicaid_contract_holder="parent_organization", medicaid_plan_type="PAHP",
                            medicaid_benefits_covered=frozenset({"ltss"})), PARAMS)
    assert (result.integration_level, result.is_applicable_integrated_plan, result.process) == ("HIDE", False, "standard")
    assert result.rules == STANDARD_PART_C_RULES
    assert any("PAHP, not a section 1903(m) MCO" in r for r in result.reasons)


def test_sanction_only_for_non_compliant_plans_in_2021_to_2025() -> None:
    bare = {"plan_id": "H1111-001", "capitated_medicaid_contract_holder": "none"}
    by_year = {y: classify(PlanAttributes(plan_year=y, **bare), PARAMS).enrollment_sanction_applies
               for y in (2021, 2025, 2026)}
    assert by_year == {2021: True, 2025: True, 2026: False}
    co = classify(PlanAttributes(plan_year=2022, contract_has_admission_notification_term=True, **bare), PARAMS)
    assert (co.integration_level, co.enrollment_sanction_applies) == ("coordination_only", False)


def test_unknown_attribute_is_refused() -> None:
    with pytest.raises(ValidationError, match="extra"):
        PlanAttributes.model_validate({"plan_id": "H1", "plan_year": 2021, "fide": True})


def test_before_2021_there_are_no_parameters() -> None:
    """§ 422.107(e)(2): the integration criteria apply from 2021; the 2020 file has the standard processes and Part D
    only, so classification refuses 2020 and nothing at all is answered before 2020-01-01."""
    with pytest.raises(ParameterError, match="no parameters in force on 2019-12-31"):
        load_params("appeals", dt.date(2019, 12, 31))
    p2020 = load_params("appeals", dt.date(2020, 1, 1))
    assert p2020.file == "2020-01-01.yaml" and not p2020.typed(AppealsParams).unified_in_force
    with pytest.raises(RuleError, match="no earlier plan year is classified"):
        classify(PlanAttributes(plan_id="H0001-001", plan_year=2020), p2020)


plans = st.builds(
    PlanAttributes,
    plan_id=st.just("H0001-001"),
    plan_year=st.integers(min_value=2021, max_value=2030),
    special_needs_plan_for_medicaid_entitled=st.booleans(),
    state_medicaid_contract_meets_422_107=st.booleans(),
    contract_has_admission_notification_term=st.booleans(),
    capitated_medicaid_contract_holder=st.sampled_from(["same_organization", "parent_organization", "sibling_entity", "none"]),
    capitated_contract_in_operating_state=st.booleans(),
    medicaid_plan_type=st.sampled_from(["MCO", "PIHP", "PAHP", "none"]),
    medicaid_benefits_covered=st.frozensets(st.sampled_from(sorted(FULL))),
    nursing_facility_days_covered=st.integers(min_value=0, max_value=366),
    aligned_care_management=st.booleans(),
    integrated_procedures_approved_by_cms_and_state=st.booleans(),
    exclusively_aligned_enrollment=st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(plan=plans)
def test_definitional_properties(plan: PlanAttributes) -> None:
    r = classify(plan, PARAMS)
    assert not r.is_fide or r.is_hide  # every FIDE SNP is a HIDE SNP
    if r.is_applicable_integrated_plan:
        assert r.is_hide and plan.exclusively_aligned_enrollment and plan.medicaid_plan_type == "MCO"
    assert (r.process == "unified") == r.is_applicable_integrated_plan
    assert r.rules == (UNIFIED_RULES if r.is_applicable_integrated_plan else STANDARD_PART_C_RULES)
    if r.enrollment_sanction_applies:
        assert r.integration_level == "non_compliant" and 2021 <= plan.plan_year <= 2025
    if not r.is_dsnp:
        assert r.integration_level == "not_dsnp" and not r.is_hide
