"""Staffing to all three standards: hand-computed cases, minimality, monotonicity, thresholds from the parameters."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partcd.callcenter.staffing import (
    IntervalForecast,
    period_prediction,
    predict,
    required_agents,
    scheduled,
    staff_interval,
    staff_intervals,
)
from partcd.core.params import ParamSet
from partcd.io.params import load_params

START = dt.datetime(2022, 1, 3, 8, 0)


@pytest.fixture(scope="module")
def params() -> ParamSet:
    return load_params("callcenter", dt.date(2022, 1, 3))


def _f(calls: float, aht: float = 180.0, k: int = 0, drop: float = 0.0, length: float = 1800.0) -> IntervalForecast:
    return IntervalForecast(interval_start=START + dt.timedelta(seconds=length * k), length_s=length,
                            calls_offered=calls, aht_s=aht, drop_rate_pct=drop)


def test_thirteen_agents_for_a_hundred_calls(params: ParamSet) -> None:
    """A = 10 Erlangs; SL(12) = 67.8 % < 80 % <= SL(13) = 82.70 %; hold alone needs 12 (ASA(11) = 122.8 s > 120)."""
    r = staff_interval(_f(100), params, shrinkage=0.3)
    assert (r.agents, r.scheduled_agents, r.agents_for_hold, r.agents_for_service_level) == (13, 19, 12, 13)
    assert r.binding_standard == "answered_within"
    assert r.answered_within_pct == pytest.approx(82.69747239232539, abs=1e-9)
    assert r.avg_hold_time_s == pytest.approx(17.1162271821896, abs=1e-9)


def test_thresholds_come_from_the_parameters(params: ParamSet) -> None:
    """Answering within 60 s instead of 30 s (what-if) needs fewer agents; no number of the rule lives in code."""
    relaxed = params.with_overrides({"answer_within_s": 90})
    assert staff_interval(_f(100), relaxed).agents == 12  # SL(12, 90 s) = 1 - 0.44939 e^-(2 x 90/180) = 0.8347
    strict = params.with_overrides({"answered_within_min_pct": 95})
    assert staff_interval(_f(100), strict).agents == 15  # SL(14) = 0.9106 < 0.95 <= SL(15) = 0.9557


def test_shrinkage_rounding() -> None:
    assert scheduled(14, 0.3) == 20  # 14 / 0.7 = 20.000000000000004 in binary
    assert scheduled(13, 0.3) == 19
    assert scheduled(0, 0.5) == 0
    with pytest.raises(ValueError, match="shrinkage"):
        scheduled(3, 1.0)


def test_week_of_intervals_and_totals(params: ParamSet) -> None:
    volumes = [0.0, 20.0, 100.0, 300.0, 100.0, 0.0]
    plan = staff_intervals([_f(v, k=k) for k, v in enumerate(volumes)], params, patience_s=240.0, shrinkage=0.25)
    agents = [r.agents for r in plan.intervals]
    assert agents[0] == agents[-1] == 0
    assert agents[2] == agents[4] and agents[1] < agents[2] < agents[3]
    assert plan.peak_agents == agents[3]
    assert plan.agent_hours == pytest.approx(sum(agents) * 0.5)
    assert plan.peak_scheduled_agents == scheduled(agents[3], 0.25)
    assert all(not r.breaches for r in plan.intervals)
    assert plan.period.breaches == ()
    assert plan.model == "erlang_a"


def test_minimal_and_sufficient(params: ParamSet) -> None:
    """At the answer every standard is met; one agent fewer breaches at least one."""
    forecast = [_f(v, aht=a, k=k) for k, (v, a) in enumerate([(37.0, 240.0), (410.0, 420.0), (5.0, 900.0)])]
    for patience in (None, 90.0, 600.0):
        plan = staff_intervals(forecast, params, patience_s=patience)
        agents = [r.agents for r in plan.intervals]
        assert all(not r.breaches for r in plan.intervals)
        fewer = predict(forecast, [n - 1 for n in agents], params, patience_s=patience)
        assert all(p.breaches for p in fewer), (patience, agents, fewer)


@given(calls=st.floats(min_value=1.0, max_value=2000.0), aht=st.floats(min_value=60.0, max_value=1200.0),
       patience=st.one_of(st.none(), st.floats(min_value=20.0, max_value=1800.0)))
@settings(max_examples=60, deadline=None)
def test_more_calls_never_need_fewer_agents(calls: float, aht: float, patience: float | None) -> None:
    params = load_params("callcenter", dt.date(2022, 1, 3))
    n, n_hold, n_sl = required_agents([_f(calls, aht), _f(calls * 1.1, aht, k=1)], params, patience_s=patience)
    assert n[0] <= n[1]
    assert n[0] == max(n_hold[0], n_sl[0])
    fewer = predict([_f(calls, aht)], [int(n[0]) - 1], params, patience_s=patience)[0]
    assert fewer.breaches


def test_drops_make_standards_infeasible(params: ParamSet) -> None:
    r = staff_interval(_f(100, drop=25.0), params, patience_s=300.0)
    assert set(r.infeasible) == {"disconnect", "answered_within"}  # 75 % of calls can never be 80 % answered
    ok = staff_interval(_f(100, drop=5.0), params, patience_s=300.0)
    assert ok.infeasible == () and ok.breaches == ()  # exactly 5 % is compliant ("limit to")


def test_period_prediction_weights(params: ParamSet) -> None:
    """Two intervals: 100 calls at SL 82.70 % and 300 calls under-staffed; the period SL is call-weighted."""
    forecast = [_f(100), _f(300, k=1)]
    preds = predict(forecast, [13, 31], params)
    agg = period_prediction(preds, params)
    expect_sl = (100 * preds[0].answered_within_pct + 300 * preds[1].answered_within_pct) / 400
    assert agg.answered_within_pct == pytest.approx(expect_sl)
    expect_hold = (100 * preds[0].avg_hold_time_s + 300 * preds[1].avg_hold_time_s) / 400  # Erlang C: all answered
    assert agg.avg_hold_time_s == pytest.approx(expect_hold)
    assert "answered_within" in preds[1].breaches
    assert period_prediction([], params).answered_within_pct is None


def test_bad_arguments(params: ParamSet) -> None:
    with pytest.raises(ValueError, match="staffing values"):
        predict([_f(10)], [1, 2], params)
    with pytest.raises(ValueError, match="patience_s"):
        staff_interval(_f(10), params, patience_s=0.0)
    with pytest.raises(ValueError, match="shrinkage"):
        staff_interval(_f(10), params, shrinkage=-0.1)
