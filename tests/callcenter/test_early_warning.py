"""Early warning: constructed quarters whose answer is known (failed -> 1, huge margin -> 0, exact Poisson sum)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from scipy import stats

from partcd.callcenter.rules.early_warning import QuarterToDate, quarter_failure_probability
from partcd.callcenter.rules.staffing import IntervalForecast, staff_intervals
from partcd.core.params import ParamSet
from partcd.platform.params import load_params


@pytest.fixture(scope="module")
def params() -> ParamSet:
    return load_params("callcenter", dt.date(2022, 1, 3))


def _days(n_days: int, calls: float = 100.0, start: dt.datetime = dt.datetime(2022, 2, 1), drop: float = 0.0,
          ) -> list[IntervalForecast]:
    out = []
    for i in range(48 * n_days):
        t = start + dt.timedelta(minutes=30 * i)
        out.append(IntervalForecast(interval_start=t, calls_offered=calls if 8 <= t.hour < 20 else 0.0, aht_s=180.0,
                                    drop_rate_pct=drop))
    return out


GOOD = QuarterToDate(calls=30_000, answered=29_000, answered_within=26_100, hold_sum_s=29_000 * 15.0, dropped=150)


def test_quarter_over_and_failed_is_certain(params: ParamSet) -> None:
    bad = QuarterToDate(calls=10_000, answered=9_000, answered_within=5_000, hold_sum_s=9_000 * 200.0, dropped=600)
    w = quarter_failure_probability(bad, [], [], params, np.random.default_rng(1))
    assert (w.probability_fail, w.status, w.samples) == (1.0, "failed", 0)
    assert set(w.failing_now) == {"avg_hold", "answered_within", "disconnect"}  # 200 s, 50 %, 6 %
    assert w.expected_answered_within_pct == pytest.approx(50.0)


def test_quarter_over_and_passed(params: ParamSet) -> None:
    w = quarter_failure_probability(GOOD, _days(1, calls=0.0), [0] * 48, params, np.random.default_rng(1))
    assert (w.probability_fail, w.status, w.alert) == (0.0, "passed", False)


def test_too_late_to_recover_is_one(params: ParamSet) -> None:
    """50 % within 30 s over 10,000 calls; even 2 x 100 perfectly answered calls cannot lift it to 80 %."""
    bad = QuarterToDate(calls=10_000, answered=9_500, answered_within=5_000, hold_sum_s=9_500 * 60.0, dropped=100)
    fc = _days(1)[16:18]  # 08:00 and 08:30
    w = quarter_failure_probability(bad, fc, [40, 40], params, np.random.default_rng(2), patience_s=300.0)
    assert w.probability_fail == 1.0 and w.probability_by_standard["answered_within"] == 1.0
    assert w.probability_by_standard["avg_hold"] == 0.0 and w.status == "at_risk"


def test_huge_margin_is_zero(params: ParamSet) -> None:
    """Two months left, staffed 5 above the requirement, 20 % volume error: no sample fails."""
    fc = _days(60)
    need = [r.agents for r in staff_intervals(fc, params, patience_s=300.0).intervals]
    w = quarter_failure_probability(GOOD, fc, [n + 5 if n else 0 for n in need], params, np.random.default_rng(3),
                                    patience_s=300.0, volume_cv=0.2)
    assert w.probability_fail == 0.0 and w.status == "on_track" and not w.alert
    assert w.expected_answered_within_pct is not None and w.expected_answered_within_pct > 88.0


def test_alarm_is_raised_before_the_quarter_fails(params: ParamSet) -> None:
    """Compliant so far (87 % within 30 s, 15 s hold), but the plan for the last two months is one agent short
    in every interval: the alarm goes off now, while the figures to date still pass."""
    fc = _days(60)
    need = [r.agents for r in staff_intervals(fc, params, patience_s=300.0).intervals]
    w = quarter_failure_probability(GOOD, fc, [max(n - 1, 0) for n in need], params, np.random.default_rng(4),
                                    patience_s=300.0)
    assert w.failing_now == ()
    assert w.probability_fail > 0.99 and w.alert and w.status == "at_risk"
    assert w.probability_by_standard["answered_within"] > 0.99 and w.probability_by_standard["disconnect"] == 0.0


def test_monte_carlo_equals_exact_poisson_sum(params: ParamSet) -> None:
    """No volume error, one interval left (100 calls, 13 agents, Erlang C: SL 82.697 %). Answered-within X and
    answered-later Y are independent Poissons (thinning), so P(fail) = P(155 + X < 0.8 (200 + X + Y))
    = P(0.2 X - 0.8 Y < 5), summed exactly."""
    to_date = QuarterToDate(calls=200, answered=200, answered_within=155, hold_sum_s=200 * 10.0, dropped=0)
    fc = [IntervalForecast(interval_start=dt.datetime(2022, 3, 31, 9), calls_offered=100.0, aht_s=180.0)]
    samples = 40_000
    w = quarter_failure_probability(to_date, fc, [13], params, np.random.default_rng(5), volume_cv=0.0, samples=samples)
    sl = 0.8269747239232539
    x = np.arange(0, 300)
    y = np.arange(0, 200)
    px = stats.poisson.pmf(x, 100 * sl)
    py = stats.poisson.pmf(y, 100 * (1 - sl))
    fail = (155 + x[:, None]) < 0.8 * (200 + x[:, None] + y[None, :])
    exact = float((px[:, None] * py[None, :] * fail).sum())
    assert 0.2 < exact < 0.8
    se = math.sqrt(exact * (1 - exact) / samples)
    assert abs(w.probability_fail - exact) < 4 * se, (w.probability_fail, exact, se)
    assert w.standard_error == pytest.approx(se, rel=0.05)
    assert w.probability_by_standard["avg_hold"] == 0.0


def test_disconnects_drive_the_risk(params: ParamSet) -> None:
    """4.9 % dropped so far and a telephony fault forecast at 6 % for the rest: the disconnect standard is at risk,
    agents cannot help (hold and speed of answer stay safe)."""
    to_date = QuarterToDate(calls=10_000, answered=9_400, answered_within=8_600, hold_sum_s=9_400 * 10.0, dropped=490)
    fc = _days(20, drop=6.0)
    need = [r.agents for r in staff_intervals(fc, params, patience_s=300.0).intervals]
    w = quarter_failure_probability(to_date, fc, [n + 3 if n else 0 for n in need], params, np.random.default_rng(6),
                                    patience_s=300.0)
    assert w.probability_by_standard["disconnect"] == 1.0  # (490 + 0.06 x 48,000) / 58,000 = 5.81 %
    assert w.expected_disconnect_rate_pct == pytest.approx((490 + 0.06 * 48_000) / 58_000 * 100, abs=0.05)
    assert w.probability_by_standard["avg_hold"] == 0.0


def test_seeded_and_validated(params: ParamSet) -> None:
    fc = _days(2)
    need = [r.agents for r in staff_intervals(fc, params).intervals]
    a = quarter_failure_probability(GOOD, fc, need, params, np.random.default_rng(7), samples=500)
    b = quarter_failure_probability(GOOD, fc, need, params, np.random.default_rng(7), samples=500)
    assert a == b
    with pytest.raises(ValueError, match="staffing values"):
        quarter_failure_probability(GOOD, fc, need[:-1], params, np.random.default_rng(7))
    with pytest.raises(ValueError, match="answered_within <= answered"):
        QuarterToDate(calls=10, answered=5, answered_within=6, hold_sum_s=0.0, dropped=0)
