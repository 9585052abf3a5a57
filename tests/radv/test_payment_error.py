"""Enrollee payment error from submitted vs. validated HCCs (L1189, L1197), with an illustrative (non-CMS) model."""

from __future__ import annotations

import pytest

from partcd.core.errors import RuleError
from partcd.platform.params import load_params
from partcd.radv.rules.parameters import RadvParams
from partcd.radv.rules.payment_error import (
    AuditedEnrollee,
    HccModel,
    credited_hccs,
    enrollee_payment_error,
    payment_error_from_scores,
    risk_score,
)
from partcd.radv.samples import illustrative_hcc_model

P = load_params("radv", 2018).typed(RadvParams)
MODEL = illustrative_hcc_model()  # HCC18 .302, HCC19 .105, HCC85 .331, HCC108 .335, HCC111 .328; 18 drops 19;
#                                   DIABETES_CHF (HCC19 + HCC85) .121; normalization 1, coding intensity 0


def _enrollee(submitted: set[str], validated: set[str], months: int = 12, rate: float = 1000.0) -> AuditedEnrollee:
    return AuditedEnrollee(enrollee_id="E1", demographic_score=0.4, submitted_hccs=frozenset(submitted),
                           validated_hccs=frozenset(validated), monthly_base_rates_usd=tuple([rate] * months))


def test_hierarchy_drops_the_lower_hcc_and_interactions_need_both_hccs() -> None:
    # {18, 19, 85}: 18 drops 19 -> 0.4 + 0.302 + 0.331 = 1.033, no DIABETES_CHF (needs 19, dropped)
    s = risk_score(frozenset({"HCC18", "HCC19", "HCC85"}), MODEL, 0.4)
    assert s.hccs == ("HCC18", "HCC85") and s.dropped_by_hierarchy == ("HCC19",)
    assert s.raw_score == pytest.approx(1.033)
    assert s.interaction_terms == {}
    # {19, 85}: 0.4 + 0.105 + 0.331 + 0.121 = 0.957
    t = risk_score(frozenset({"HCC19", "HCC85"}), MODEL, 0.4)
    assert t.raw_score == pytest.approx(0.957)
    assert t.interaction_terms == {"DIABETES_CHF": pytest.approx(0.121)}


def test_payment_factor_applies_coding_intensity_and_normalization() -> None:
    # 1.033 x (1 - 0.059) / 1.015 = 0.957698...
    model = MODEL.model_copy(update={"normalization_factor": 1.015, "coding_intensity_adjustment": 0.059})
    s = risk_score(frozenset({"HCC18", "HCC19", "HCC85"}), model, 0.4)
    assert s.payment_factor == pytest.approx(1.033 * 0.941 / 1.015)


def test_unsupported_higher_hcc_falls_back_to_the_supported_lower_one() -> None:
    # submitted {18, 19, 85}, records support {19, 85}: submitted 1.033, validated 0.957 (19 now counts, with the
    # interaction); error = 12 x $1,000 x (1.033 - 0.957) = $912.00
    e = enrollee_payment_error(_enrollee({"HCC18", "HCC19", "HCC85"}, {"HCC19", "HCC85"}), MODEL, P)
    assert e.unsupported_hccs == ("HCC18",)
    assert e.payment_error_usd == pytest.approx(912.0)
    assert e.months == 12 and e.base_rate_total_usd == 12000.0
    assert [s.label for s in e.steps] == ["submitted HCCs", "validated HCCs", "payment factors", "months",
                                         "payment error"]


def test_months_are_only_the_eligible_payment_year_months() -> None:
    # 7 eligible months at $950: 7 x 950 x 0.331 (HCC85 unsupported) = $2,201.15
    e = enrollee_payment_error(_enrollee({"HCC85"}, set(), months=7, rate=950.0), MODEL, P)
    assert e.payment_error_usd == pytest.approx(7 * 950 * 0.331)


@pytest.mark.parametrize(
    ("offset", "validated", "expected_error"),
    [
        # submitted {85}; records support {85, 108}: 108 was never submitted
        ("none", {"HCC85", "HCC108"}, 0.0),                                  # 108 earns nothing
        ("same_enrollee_substantiated", {"HCC85", "HCC108"}, -12 * 1000 * 0.335),  # 85 substantiated -> 108 credited
        ("all", {"HCC85", "HCC108"}, -12 * 1000 * 0.335),
        # records support only {108}: nothing submitted is substantiated
        ("none", {"HCC108"}, 12 * 1000 * 0.331),
        ("same_enrollee_substantiated", {"HCC108"}, 12 * 1000 * 0.331),      # no substantiated HCC -> no credit
        ("all", {"HCC108"}, 12 * 1000 * (0.331 - 0.335)),
    ],
)
def test_additional_hcc_offset_setting(offset: str, validated: set[str], expected_error: float) -> None:
    params = P.model_copy(update={"offset_additional_hccs_text": offset})
    e = enrollee_payment_error(_enrollee({"HCC85"}, validated), MODEL, params)
    assert e.payment_error_usd == pytest.approx(expected_error)


def test_underpayments_net_or_floor() -> None:
    # validated higher than submitted (offset "all"): -12 x 1,000 x 0.335 = -$4,020 net; floored at 0 otherwise
    params = P.model_copy(update={"offset_additional_hccs_text": "all"})
    assert enrollee_payment_error(_enrollee({"HCC85"}, {"HCC85", "HCC108"}), MODEL, params).payment_error_usd \
        == pytest.approx(-4020.0)
    floored = params.model_copy(update={"net_underpayments_bool": False})
    assert enrollee_payment_error(_enrollee({"HCC85"}, {"HCC85", "HCC108"}), MODEL, floored).payment_error_usd == 0.0
    assert payment_error_from_scores(1.0, 1.2, [1000.0] * 3, floored) == 0.0
    assert payment_error_from_scores(1.2, 1.0, [1000.0] * 3, P) == pytest.approx(600.0)


def test_credited_hccs() -> None:
    sub, val = frozenset({"A", "B"}), frozenset({"B", "C"})
    assert credited_hccs(sub, val, "none") == {"B"}
    assert credited_hccs(sub, val, "same_enrollee_substantiated") == {"B", "C"}
    assert credited_hccs(sub, frozenset({"C"}), "same_enrollee_substantiated") == frozenset()
    assert credited_hccs(sub, val, "all") == {"B", "C"}


def test_refusals() -> None:
    with pytest.raises(RuleError, match="HCC999 has no coefficient"):
        risk_score(frozenset({"HCC999"}), MODEL, 0.4)
    with pytest.raises(RuleError, match="base rates"):
        enrollee_payment_error(_enrollee({"HCC85"}, set(), rate=-1.0), MODEL, P)
    with pytest.raises(RuleError, match="at most 12"):
        payment_error_from_scores(1.0, 0.9, [1.0] * 13, P)
    with pytest.raises(ValueError, match="finite"):
        HccModel(name="x", coefficients={"HCC1": float("nan")}, normalization_factor=1, coding_intensity_adjustment=0)
