"""§ 422.135 classification: the decision list as data (both readings), and properties over every combination of facts."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partcd.platform.params import load_params
from partcd.telehealth.rules.classification import PlanCompliance, TelehealthService, classify
from partcd.telehealth.rules.parameters import READINGS, Reading, TelehealthParams

PARAMS = load_params("telehealth", 2020).typed(TelehealthParams)
SERVICE_FACTS = ("part_b_benefit", "payable_under_1834m", "identified_clinically_appropriate",
                 "practitioner_at_distant_site", "contracted_provider", "in_person_access_at_election")
PLAN_FACTS = tuple(PlanCompliance.model_fields)


def test_conditions_are_the_rules_paragraphs_in_both_readings() -> None:
    assert [c.id for c in PARAMS.conditions("final")] == [
        "A1_part_b", "A1_not_1834m", "A2_clinically_appropriate", "A2_distant_site", "D_contracted", "C1_in_person",
        "C2_advised", "C3_credentialing", "C4_information"]
    assert [c.id for c in PARAMS.conditions("proposed")] == [
        "A1_part_b", "A1_not_1834m", "A2_clinically_appropriate", "D_contracted", "C1_in_person",
        "C2_evidence_of_coverage", "C3_provider_directory", "C4_credentialing", "C5_information"]
    # every fact a condition reads is an input field (or the negation of payable_under_1834m)
    fields = set(TelehealthService.model_fields) | set(PlanCompliance.model_fields) | {"not_payable_under_1834m"}
    assert {c.fact for c in PARAMS.conditions_table} <= fields
    # the proposal's paragraphs cite the line-checked proposal, the final-only rows the eCFR text
    for c in PARAMS.conditions_table:
        sources = {cite.source for cite in c.cite}
        assert ("cms-4185-p" in sources) == ("proposed" in c.readings), c.id


def test_a_later_year_reuses_2020_and_a_year_before_2020_has_no_law() -> None:
    assert load_params("telehealth", 2024).file == "2020.yaml"
    from partcd.core.errors import ParameterError

    with pytest.raises(ParameterError, match="contract_year 2019"):
        load_params("telehealth", 2019)


facts = st.fixed_dictionaries({k: st.booleans() for k in SERVICE_FACTS})
plan_facts = st.fixed_dictionaries({k: st.booleans() for k in PLAN_FACTS})


@given(facts, plan_facts, st.sampled_from(READINGS))
def test_the_first_failing_condition_decides(s: dict[str, bool], p: dict[str, bool], reading: Reading) -> None:
    result = classify(TelehealthService(service_id="x", **s), PlanCompliance(**p), PARAMS, reading)
    failed = [c for c in result.checks if not c.passed]
    assert len(result.checks) == 9
    if not failed:
        assert result.category == "additional_telehealth_benefit" and result.decided_by is None
        assert result.capital_infrastructure_excluded and result.cost_sharing_may_differ and result.basic_benefit
    else:
        assert result.decided_by == failed[0].id and result.category == failed[0].on_failure
        assert not result.capital_infrastructure_excluded and not result.cost_sharing_may_differ
    # the definition's first conditions dominate everything after them
    if not s["part_b_benefit"]:
        assert result.category == "supplemental" and result.cms_approval_required
    elif s["payable_under_1834m"]:
        assert result.category == "original_medicare_telehealth" and result.basic_benefit
    assert result.basic_benefit == (result.category != "supplemental")
    assert result.citation  # every outcome carries its citation


@given(facts, plan_facts)
def test_the_readings_differ_only_where_the_texts_differ(s: dict[str, bool], p: dict[str, bool]) -> None:
    """With the practitioner at a distance, the EOC saying what the enrollee is told and the directory listing the
    providers, the two texts ask the same of the plan: same category (the deciding paragraph may be numbered apart)."""
    service, plan = TelehealthService(service_id="x", **s), PlanCompliance(**p)
    final, proposed = classify(service, plan, PARAMS, "final"), classify(service, plan, PARAMS, "proposed")
    if s["practitioner_at_distant_site"] and p["provider_directory_identifies"] and \
            p["advice_in_evidence_of_coverage"] == p["enrollees_advised_of_choice"]:
        assert final.category == proposed.category
    if not s["practitioner_at_distant_site"] and s["part_b_benefit"] and not s["payable_under_1834m"] and \
            s["identified_clinically_appropriate"]:
        assert final.category == "in_person" and proposed.category != "in_person"


def test_every_combination_of_service_facts_once() -> None:
    """All 64 combinations under a compliant plan: ATB exactly when every service condition holds."""
    plan = PlanCompliance(enrollees_advised_of_choice=True, credentialing_and_state_licensing=True,
                          information_available_to_cms=True)
    counts: dict[str, int] = {}
    for values in itertools.product((True, False), repeat=len(SERVICE_FACTS)):
        s = dict(zip(SERVICE_FACTS, values, strict=True))
        category = classify(TelehealthService(service_id="x", **s), plan, PARAMS).category
        counts[category] = counts.get(category, 0) + 1
        atb = (s["part_b_benefit"] and not s["payable_under_1834m"] and s["identified_clinically_appropriate"]
               and s["practitioner_at_distant_site"] and s["contracted_provider"] and s["in_person_access_at_election"])
        assert (category == "additional_telehealth_benefit") == atb
    # 32 without Part B; 16 Part B and 1834(m); of the 16 others: 1 ATB, 4 in person (on the list, same room),
    # 8 not on the plan's list + 3 on the list at a distance but non-contracted or without in-person access
    assert counts == {"supplemental": 43, "original_medicare_telehealth": 16, "in_person": 4,
                      "additional_telehealth_benefit": 1}
