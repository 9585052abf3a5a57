"""§ 422.166(a)(2)(i), § 423.186(a)(2)(i) - bidirectional guardrail, absolute and restricted-range caps (4185-P L2241, L2195)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partcd.core.errors import RuleError
from partcd.stars.rules.guardrails import (
    CapKind,
    GuardrailReason,
    apply_guardrail,
    cap_for_measure,
    guard_cut_points,
    guard_threshold,
    guardrail_exemption,
    restricted_range,
)

R = GuardrailReason

# Prior year's restricted range (fn19 exclusive halves): n = 9, lower half [.1,.2,.3,.4] -> Q1 .25,
# upper half [.6,.7,.8,5] -> Q3 .75, IQR .5, upper fence .75 + 1.5 = 2.25 -> 5.0 is an outlier;
# restricted range = .8 - .1 = .7; 5 % cap = .035.
PRIOR_COMPLAINTS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 5.0]


def _guard(unguarded: dict[int, float], prior: dict[int, float] | None, *, scale: bool = True, improvement: bool = False,
           first: int = 2010, year: int = 2025, prior_scores: list[float] | None = None) -> dict[int, tuple[float, R]]:
    out = guard_cut_points(
        unguarded, prior, prior_scores, scale_0_100=scale, improvement=improvement, rating_year=year,
        first_rating_year=first, unguarded_years=3, absolute_cap_pp=5, restricted_range_cap_pct=5,
        fence_multiplier=3, quartile_method="fn19-halves-exclusive",
    )
    return {t.threshold: (t.final, t.reason) for t in out}


def test_absolute_cap_both_directions_and_exactly_at_the_cap() -> None:
    got = _guard({2: 60, 3: 70, 4: 77, 5: 78}, {2: 54, 3: 65, 4: 80, 5: 84})
    assert got == {
        2: (59, R.CAPPED_UP),  # +6 > 5 -> 54 + 5
        3: (70, R.WITHIN_CAP),  # +5 exactly: "no more than" the cap -> kept
        4: (77, R.WITHIN_CAP),  # -3
        5: (79, R.CAPPED_DOWN),  # -6 -> 84 - 5
    }


def test_restricted_range_cap_kept_unrounded() -> None:
    assert restricted_range(PRIOR_COMPLAINTS, 3, "fn19-halves-exclusive") == pytest.approx(0.7)
    cap = cap_for_measure(False, 5, 5, PRIOR_COMPLAINTS, 3, "fn19-halves-exclusive")
    assert cap.kind is CapKind.RESTRICTED_RANGE and cap.value == pytest.approx(0.035)
    got = _guard({2: 1.30, 3: 0.80}, {2: 1.46, 3: 0.83}, scale=False, prior_scores=PRIOR_COMPLAINTS)
    assert got[2][0] == pytest.approx(1.425) and got[2][1] is R.CAPPED_DOWN  # 1.46 - 0.035, not rounded to 1.43
    assert got[3] == (0.80, R.WITHIN_CAP)  # -0.03 within 0.035


def test_restricted_range_needs_prior_scores() -> None:
    with pytest.raises(RuleError, match="prior year's scores"):
        _guard({2: 1.3}, {2: 1.46}, scale=False, prior_scores=None)
    with pytest.raises(RuleError, match="prior year's measure scores"):
        restricted_range([], 3, "sas-qntldef5")


@pytest.mark.parametrize(
    ("first", "year", "expected"),
    [(2023, 2025, R.NEW_MEASURE), (2025, 2025, R.NEW_MEASURE), (2022, 2025, None), (2010, 2025, None)],
)
def test_three_years_or_less_in_the_program_no_guardrail(first: int, year: int, expected: R | None) -> None:
    # 2023, 2024, 2025 = three rating years -> no guardrail; 2022..2025 = four -> guarded
    assert guardrail_exemption(False, year, first, 3) == expected


def test_new_and_improvement_measures_pass_unguarded() -> None:
    assert _guard({2: 80}, {2: 50}, first=2024) == {2: (80, R.NEW_MEASURE)}
    assert _guard({2: -0.3, 3: 0.0}, {2: -0.1, 3: 0.0}, improvement=True, scale=False) == {
        2: (-0.3, R.IMPROVEMENT_MEASURE), 3: (0.0, R.IMPROVEMENT_MEASURE)}


def test_no_prior_cut_points() -> None:
    assert _guard({2: 80, 3: 85}, None) == {2: (80, R.NO_PRIOR), 3: (85, R.NO_PRIOR)}
    assert _guard({2: 80, 3: 85}, {3: 70}) == {2: (80, R.NO_PRIOR), 3: (75, R.CAPPED_UP)}


def test_lower_is_better_thresholds_capped_the_same_way() -> None:
    # readmissions (lower is better): prior upper bounds 14, 12, 10, 8
    got = _guard({2: 20, 3: 12, 4: 4, 5: 7}, {2: 14, 3: 12, 4: 10, 5: 8})
    assert got == {2: (19, R.CAPPED_UP), 3: (12, R.WITHIN_CAP), 4: (5, R.CAPPED_DOWN), 5: (7, R.WITHIN_CAP)}


def test_invalid_cap_refused() -> None:
    with pytest.raises(RuleError, match="cap >= 0"):
        guard_threshold(2, 1.0, 1.0, -1.0)


finite = st.floats(-1000, 1000, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(finite, finite, st.floats(0, 50, allow_nan=False))
def test_guarded_within_cap_of_prior_and_between_prior_and_current(current: float, prior: float, cap: float) -> None:
    g = guard_threshold(2, current, prior, cap)
    assert abs(g.final - prior) <= cap + 1e-9
    assert min(current, prior) - 1e-9 <= g.final <= max(current, prior) + 1e-9
    if abs(current - prior) <= cap:
        assert g.final == current and g.reason is R.WITHIN_CAP
    else:
        assert g.reason is (R.CAPPED_UP if current > prior else R.CAPPED_DOWN)


@settings(max_examples=100, deadline=None)
@given(st.lists(finite, min_size=4, max_size=4), st.lists(finite, min_size=4, max_size=4), st.floats(0, 10))
def test_guarded_thresholds_stay_monotone_when_inputs_are(cur: list[float], pri: list[float], cap: float) -> None:
    cur, pri = sorted(cur), sorted(pri)
    out = apply_guardrail(dict(zip((2, 3, 4, 5), cur, strict=True)), dict(zip((2, 3, 4, 5), pri, strict=True)), cap)
    finals = [t.final for t in out]
    assert finals == sorted(finals)
