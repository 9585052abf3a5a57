"""The simpy simulation reproduces Erlang A / C within its confidence intervals (spec §7.7), and the call records add up.

Tolerances come from the run itself: batch means of 10 half-hour intervals after a one-interval warm-up, a 99 %
Student-t interval over the batches (its half-width shrinks like 1/sqrt(run length)). Runs are seeded, so the
assertions are deterministic; the half-widths are asserted too, so a too-short run cannot pass vacuously.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from partcd.callcenter.rules.erlang import queue_metrics
from partcd.callcenter.rules.simulation import SimInterval, batch_estimates, estimate, simulate
from partcd.callcenter.rules.staffing import IntervalForecast, predict, staff_intervals
from partcd.callcenter.rules.standards import CallCenterParams
from partcd.platform.params import load_params

#: The speed-of-answer standard the simulations measure (30 s, CAP letter L30; callcenter params).
WITHIN_S = load_params("callcenter", dt.date(2022, 1, 3)).typed(CallCenterParams).answer_within_s

HALF_HOUR = 1800.0


def _constant(rate: float, agents: int, intervals: int) -> list[SimInterval]:
    return [SimInterval(length_s=HALF_HOUR, arrival_rate_per_s=rate, agents=agents)] * intervals


def test_erlang_a_a1_within_confidence_interval() -> None:
    """A1 in seconds (100 calls / 30 min, AHT 180 s, patience 300 s, 13 agents), answered within 30 s."""
    run = simulate(_constant(100 / HALF_HOUR, 13, 401), 180.0, np.random.default_rng(20220104), patience_s=300.0,
                   answer_within_s=30.0)
    exact = queue_metrics(13, 100 / HALF_HOUR, 180.0, 300.0, 30.0)
    est = batch_estimates(run, batch_intervals=10)
    assert est["service_level"].covers(exact.service_level)  # exact 0.8878, simulated 0.8947 +- 0.0155
    assert est["service_level"].half_width < 0.025
    assert est["abandon_rate"].covers(exact.p_abandon)  # exact 0.0250, simulated 0.0231 +- 0.0038
    assert est["abandon_rate"].half_width < 0.006
    assert est["avg_hold_time_s"].covers(exact.avg_wait_served)  # exact 6.91 s, simulated 6.58 +- 0.98 s
    assert est["avg_hold_time_s"].half_width < 1.5
    assert est["avg_wait_all_s"].covers(exact.avg_wait)  # exact 7.49 s = P(Ab) * patience


def test_erlang_c_e1_within_confidence_interval() -> None:
    """E1 in seconds without abandonment: SL(20 s) 0.88835, ASA 7.8359 s."""
    run = simulate(_constant(100 / HALF_HOUR, 14, 401), 180.0, np.random.default_rng(7), answer_within_s=20.0)
    est = batch_estimates(run, batch_intervals=10)
    assert est["service_level"].covers(0.8883500191794669)
    assert est["service_level"].half_width < 0.03
    assert est["avg_hold_time_s"].covers(7.83593701177724)
    assert est["abandon_rate"].mean == 0.0


def test_time_varying_arrivals_follow_the_staffing_plan() -> None:
    """Three 20-hour plateaus (50, 200, 80 calls / 30 min) staffed by the solver: each plateau meets the analytic
    figures, and the simulated plateaus meet the standards as planned."""
    params = load_params("callcenter", dt.date(2022, 1, 3))
    volumes = [50.0, 200.0, 80.0]
    start = dt.datetime(2022, 1, 3)
    plan = staff_intervals([IntervalForecast(interval_start=start, calls_offered=v, aht_s=240.0) for v in volumes],
                           params, patience_s=180.0)
    agents = [r.agents for r in plan.intervals]
    per_plateau = 40
    schedule = [SimInterval(length_s=HALF_HOUR, arrival_rate_per_s=v / HALF_HOUR, agents=n)
                for v, n in zip(volumes, agents, strict=True) for _ in range(per_plateau)]
    run = simulate(schedule, 240.0, np.random.default_rng(11), patience_s=180.0, answer_within_s=30.0)
    for k, (row, n) in enumerate(zip(plan.intervals, agents, strict=True)):
        rows = run.intervals[k * per_plateau + 2:(k + 1) * per_plateau]  # skip the change-over transient
        sl = estimate([r.answered_within / r.offered for r in rows])
        ab = estimate([r.abandoned / r.offered for r in rows])
        assert sl.covers(row.answered_within_pct / 100, slack=0.005), (k, n, sl, row.answered_within_pct)
        assert ab.covers(row.abandon_rate_pct / 100, slack=0.002), (k, n, ab, row.abandon_rate_pct)
        offered = sum(r.offered for r in rows)
        assert sum(r.answered_within for r in rows) / offered >= 0.80 - sl.half_width


def test_system_drops_are_disconnects_not_abandons() -> None:
    """4 % system drops: disconnect rate within its binomial interval, SL_all = (1 - d) * SL_queue (staffing model)."""
    params = load_params("callcenter", dt.date(2022, 1, 3))
    run = simulate(_constant(100 / HALF_HOUR, 13, 201), 180.0, np.random.default_rng(3), patience_s=300.0,
                   drop_probability=0.04, answer_within_s=WITHIN_S)
    est = batch_estimates(run, batch_intervals=10)
    assert est["disconnect_rate"].covers(0.04)
    pred = predict([IntervalForecast(interval_start=dt.datetime(2022, 1, 3), calls_offered=100.0,
                                     aht_s=180.0, drop_rate_pct=4.0)], [13], params, patience_s=300.0)[0]
    # the queue sees 96 calls / 30 min; SL over all 100 calls = 0.96 x SL of the queue
    exact_queue = queue_metrics(13, 96 / HALF_HOUR, 180.0, 300.0, 30.0)
    assert pred.answered_within_pct / 100 == pytest.approx(0.96 * exact_queue.service_level, abs=1e-12)
    assert est["service_level"].covers(pred.answered_within_pct / 100)
    assert est["abandon_rate"].covers(pred.abandon_rate_pct / 100)
    assert pred.disconnect_rate_pct == 4.0
    assert not any(c.outcome == "dropped" and c.wait_s > 0 for c in run.calls)


def test_records_add_up_and_nobody_is_cut_off() -> None:
    """Staffing drops from 5 to 1 agent and back: every call has one outcome, handle times are completed."""
    schedule = [SimInterval(length_s=HALF_HOUR, arrival_rate_per_s=30 / HALF_HOUR, agents=a) for a in (5, 1, 0, 5)]
    run = simulate(schedule, 200.0, np.random.default_rng(5), patience_s=600.0, answer_within_s=WITHIN_S)
    for row in run.intervals:
        assert row.offered == row.answered + row.abandoned + row.dropped
    for c in run.calls:
        if c.outcome == "answered":
            assert c.end_s == pytest.approx(c.arrival_s + c.wait_s + c.handle_s)
        elif c.outcome == "abandoned":
            assert c.end_s == pytest.approx(c.arrival_s + c.wait_s)
    assert run.intervals[2].answered_within < run.intervals[0].answered_within  # nobody answers at once with 0 agents
    answered_while_closed = [c for c in run.calls if c.outcome == "answered" and 3 * HALF_HOUR > c.arrival_s + c.wait_s
                             >= 2 * HALF_HOUR]
    assert answered_while_closed == []


def test_lognormal_handle_times_have_the_requested_mean_and_cv() -> None:
    run = simulate(_constant(60 / HALF_HOUR, 40, 50), 300.0, np.random.default_rng(9), handle="lognormal",
                   handle_cv=0.5, answer_within_s=WITHIN_S)
    h = np.array([c.handle_s for c in run.calls if c.outcome == "answered"])
    se = h.std(ddof=1) / math.sqrt(h.size)
    assert abs(h.mean() - 300.0) < 4 * se
    assert h.std(ddof=1) / h.mean() == pytest.approx(0.5, abs=0.05)


def test_lognormal_patience_is_not_exponential() -> None:
    """Patience almost fixed at 60 s (lognormal, cv 0.05): nobody hangs up early, unlike exponential patience."""
    sched = _constant(120 / HALF_HOUR, 10, 20)  # 120 calls / 30 min at AHT 180 s = 12 Erlangs on 10 agents
    fixed = simulate(sched, 180.0, np.random.default_rng(12), patience_s=60.0, patience="lognormal", patience_cv=0.05,
                     answer_within_s=WITHIN_S)
    gone = [c.wait_s for c in fixed.calls if c.outcome == "abandoned"]
    assert len(gone) > 100 and min(gone) > 60.0 * 0.75 and np.mean(gone) == pytest.approx(60.0, rel=0.05)
    expo = simulate(sched, 180.0, np.random.default_rng(12), patience_s=60.0, answer_within_s=WITHIN_S)
    assert min(c.wait_s for c in expo.calls if c.outcome == "abandoned") < 5.0
    with pytest.raises(ValueError, match="coefficient of variation"):
        simulate(sched, 180.0, np.random.default_rng(12), patience_s=60.0, patience="lognormal", patience_cv=0.0,
                     answer_within_s=WITHIN_S)


def test_seeded_runs_are_deterministic() -> None:
    sched = _constant(40 / HALF_HOUR, 6, 4)
    a = simulate(sched, 180.0, np.random.default_rng(1), patience_s=120.0, answer_within_s=WITHIN_S)
    b = simulate(sched, 180.0, np.random.default_rng(1), patience_s=120.0, answer_within_s=WITHIN_S)
    assert a == b
    assert a != simulate(sched, 180.0, np.random.default_rng(2), patience_s=120.0, answer_within_s=WITHIN_S)


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="empty schedule"):
        simulate([], 180.0, np.random.default_rng(1), answer_within_s=WITHIN_S)
    with pytest.raises(ValueError, match="aht_s > 0"):
        simulate(_constant(0.01, 1, 1), 0.0, np.random.default_rng(1), answer_within_s=WITHIN_S)
    with pytest.raises(ValueError, match="drain the queue"):
        simulate([SimInterval(length_s=60.0, arrival_rate_per_s=0.1, agents=0)], 180.0, np.random.default_rng(1),
                     answer_within_s=WITHIN_S)
    with pytest.raises(ValueError, match="at least two"):
        estimate([1.0])
