"""§ 422.166(f), (i)(10); § 423.186(f), (i)(8) - reward factor, its thresholds and the 60 percent rule; the CAI."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partcd.core.errors import RuleError
from partcd.platform.params import load_params
from partcd.stars.rules.cai import cai_adjustment, check_cai_values
from partcd.stars.rules.params import rating_params
from partcd.stars.rules.reward import (
    RewardThresholds,
    ThresholdKey,
    excluded_from_thresholds,
    percentile,
    reward_factor,
    reward_thresholds,
    thresholds_by_key,
)

P = rating_params(load_params("stars", 2025))
TH = RewardThresholds(mean_low=3.7, mean_high=4.0, variance_low=0.8, variance_high=1.25, contracts=100, source="computed")


@pytest.mark.parametrize(
    ("values", "pct", "method", "expected"),
    [
        ([1, 2, 3, 4], 30, "sas-pctldef5", 2),  # n p = 1.2 -> x(2)
        ([1, 2, 3, 4], 50, "sas-pctldef5", 2.5),  # n p = 2 -> (x(2) + x(3)) / 2
        ([1, 2, 3, 4], 75, "sas-pctldef5", 3.5),  # n p = 3 -> (x(3) + x(4)) / 2
        ([1, 2, 3, 4, 5], 65, "sas-pctldef5", 4),  # n p = 3.25 -> x(4)
        ([1, 2, 3, 4, 5], 85, "sas-pctldef5", 5),  # n p = 4.25 -> x(5)
        ([4, 1, 3, 2], 30, "linear", 1.9),  # 1 + 0.3 * 3 = position 1.9
        ([7], 85, "sas-pctldef5", 7),
    ],
)
def test_percentile_definitions(values: list[float], pct: float, method: str, expected: float) -> None:
    assert percentile(values, pct, method) == pytest.approx(expected)  # type: ignore[arg-type]


@given(st.lists(st.floats(0, 5), min_size=1, max_size=50), st.floats(0, 100))
def test_percentile_within_range_and_monotone(values: list[float], pct: float) -> None:
    p = percentile(values, pct, "sas-pctldef5")
    assert min(values) <= p <= max(values)
    assert percentile(values, min(pct + 10, 100), "sas-pctldef5") >= p


@pytest.mark.parametrize(
    ("mean", "variance", "factor", "mcat", "vcat"),
    [
        (4.1, 0.5, 0.4, "high_mean", "low"),  # TN L1063
        (4.0, 0.8, 0.3, "high_mean", "medium"),  # mean on the 85th, variance on the 30th: high mean, medium variance
        (3.8, 0.79, 0.2, "relatively_high_mean", "low"),
        (3.7, 1.2, 0.1, "relatively_high_mean", "medium"),
        (4.5, 1.25, 0.0, "high_mean", "high"),  # variance on the 70th is high
        (3.69, 0.1, 0.0, "other", "low"),
        (4.2, None, 0.0, "high_mean", "high"),  # a single measure has no variance: no reward
    ],
)
def test_reward_factor_table(mean: float, variance: float | None, factor: float, mcat: str, vcat: str) -> None:
    rf = reward_factor(mean, variance, TH, P)
    assert (rf.value, rf.mean_category, rf.variance_category) == (factor, mcat, vcat)


def test_thresholds_from_the_population_leave_out_60_percent_contracts() -> None:
    pop = [(f"H{i:04d}", 1 + i * 0.4, 0.1 * i) for i in range(1, 11)]  # means 1.4..5.0, variances 0.1..1.0
    th = reward_thresholds(pop, P)
    # n = 10: 65th -> n p = 6.5 -> x(7) = 3.8; 85th -> 8.5 -> x(9) = 4.6; 30th -> 3 -> (0.3 + 0.4) / 2; 70th -> (0.7 + 0.8) / 2
    assert (th.mean_low, th.mean_high) == pytest.approx((3.8, 4.6))
    assert (th.variance_low, th.variance_high) == pytest.approx((0.35, 0.75))
    assert th.contracts == 10
    without = reward_thresholds(pop, P, excluded={"H0010"})
    assert without.contracts == 9 and without.mean_high < th.mean_high
    with pytest.raises(RuleError):
        reward_thresholds(pop, P, excluded={c for c, _, _ in pop})


@pytest.mark.parametrize(("share", "excluded"), [(59.9, False), (60.0, True), (100.0, True), (None, False)])
def test_sixty_percent_rule_2025(share: float | None, excluded: bool) -> None:
    assert excluded_from_thresholds(share, P) is excluded


def test_no_sixty_percent_rule_when_the_year_has_none() -> None:
    p2026 = P.model_copy(update={"reward_disaster_exclusion_min_pct": None})
    assert not excluded_from_thresholds(100.0, p2026)


def test_published_thresholds_take_precedence() -> None:
    row = {"rating": "part_c", "with_improvement": True, "with_new_measures": True, "mean_65th": 3.695652,
           "mean_85th": 4.0, "variance_30th": 0.918435, "variance_70th": 1.28517}
    p = P.model_validate({**P.model_dump(), "reward_published_thresholds_table": [row]})
    out = thresholds_by_key({ThresholdKey("part_c", True): [("H0001", 4.0, 1.0)], ThresholdKey("overall", True):
                             [("H0001", 4.0, 1.0), ("H0002", 3.0, 0.5)]}, p)
    assert out[ThresholdKey("part_c", True)].source == "published"
    assert out[ThresholdKey("part_c", True)].mean_low == 3.695652
    assert out[ThresholdKey("overall", True)].source == "computed"


def test_cai_from_category_and_values() -> None:
    values = check_cai_values({"overall": {1: -0.063262, 2: -0.040422}, "part_c": {1: -0.058259}})
    a = cai_adjustment("overall", 2, values)
    assert (a.value, a.applied) == (-0.040422, True)
    none = cai_adjustment("overall", None, values)
    assert (none.value, none.applied) == (0.0, False) and "category" in (none.reason or "")
    unknown = cai_adjustment("part_c", 1, None)
    assert not unknown.applied and "unknown" in (unknown.reason or "")
    with pytest.raises(RuleError, match="category 3"):
        cai_adjustment("overall", 3, values)
    with pytest.raises(RuleError, match=r"1\.\.n"):
        check_cai_values({"overall": {1: 0.1, 3: 0.2}})
    with pytest.raises(RuleError, match="unknown rating"):
        check_cai_values({"part_e": {1: 0.1}})
