"""Staffing to all three standards (hand-computed cases, minimality, monotonicity, thresholds from the parameters)
and the site-loss what-if with the 72-hour restoration rule."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partcd.callcenter.rules.continuity_whatif import RecoveryStep, SiteLoss, site_loss
from partcd.callcenter.rules.staffing import (
    IntervalForecast,
    period_prediction,
    predict,
    required_agents,
    scheduled,
    staff_interval,
    staff_intervals,
)
from partcd.core.params import ParamSet
from partcd.platform.params import load_params

START = dt.datetime(2022, 1, 3, 8, 0)
RESTORE = load_params("compliance", dt.date(2022, 1, 3))["restore_essential_functions_max_h"]  # 72 h, § 422.504(o)(2)


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


# --- site-loss what-if (continuity_whatif) -----------------------------------------------------------


def _days(n_days: int) -> list[IntervalForecast]:
    """08:00-20:00 every day at 100 calls / 30 min (13 agents needed, Erlang C), closed at night."""
    out = []
    for i in range(48 * n_days):
        t = dt.datetime(2022, 1, 3) + dt.timedelta(minutes=30 * i)
        out.append(IntervalForecast(interval_start=t, calls_offered=100.0 if 8 <= t.hour < 20 else 0.0, aht_s=180.0))
    return out


def _planned(forecast: list[IntervalForecast], n: int = 13) -> list[int]:
    return [n if f.calls_offered > 0 else 0 for f in forecast]


def test_typhoon_half_the_agents_for_six_hours(params: ParamSet) -> None:
    """13 -> floor(6.5) = 6 agents < A = 10: both hold and speed of answer fail 10:00-16:00 (12 intervals);
    13 - 6 = 7 agents from elsewhere per interval, 7 x 12 x 0.5 h = 42 agent-hours; restored after 6 h <= 72 h."""
    fc = _days(3)
    rep = site_loss(fc, _planned(fc), SiteLoss(start=dt.datetime(2022, 1, 3, 10), hours=6, lose_pct=50), params, RESTORE)
    hit = [r for r in rep.intervals if r.breaches]
    assert len(hit) == rep.breached_intervals == 12
    assert {r.available_agents for r in hit} == {6} and {r.agents_elsewhere for r in hit} == {7}
    assert rep.breaches_by_standard == {"avg_hold": 12, "answered_within": 12, "disconnect": 0}
    assert rep.agent_hours_elsewhere == pytest.approx(42.0)
    assert all(not r.planned_breaches for r in rep.intervals)
    (ep,) = rep.episodes
    assert (ep.start, ep.end, ep.duration_h, ep.end_confirmed) == (dt.datetime(2022, 1, 3, 10), dt.datetime(2022, 1, 3, 16),
                                                                    6.0, True)
    assert ep.limit_h == 72.0 and rep.meets_restoration_rule is True


def test_typhoon_longer_than_72_hours_fails(params: ParamSet) -> None:
    """80 h from Mon 10:00 -> agents back Thu 18:00; the first compliant interval with calls is Thu 18:00: 80 h > 72."""
    fc = _days(5)
    rep = site_loss(fc, _planned(fc), SiteLoss(start=dt.datetime(2022, 1, 3, 10), hours=80, lose_pct=50), params, RESTORE)
    (ep,) = rep.episodes
    assert ep.end == dt.datetime(2022, 1, 6, 18) and ep.duration_h == 80.0
    assert ep.meets_limit is False and rep.meets_restoration_rule is False


def test_recovery_schedule_restores_within_72_hours(params: ParamSet) -> None:
    """Same 80 h loss, but every lost agent is relocated 20 h in (Tue 06:00): the night is neutral, so the outage
    ends at the first compliant interval with calls, Tue 08:00 -> 22 h."""
    fc = _days(5)
    loss = SiteLoss(start=dt.datetime(2022, 1, 3, 10), hours=80, lose_pct=50,
                    recovery=(RecoveryStep(hours_after_start=20, restored_pct=100),))
    rep = site_loss(fc, _planned(fc), loss, params, RESTORE)
    (ep,) = rep.episodes
    assert ep.end == dt.datetime(2022, 1, 4, 8) and ep.duration_h == 22.0 and rep.meets_restoration_rule is True
    partial = loss.model_copy(update={"recovery": (RecoveryStep(hours_after_start=20, restored_pct=50),)})
    assert partial.lost_fraction(dt.datetime(2022, 1, 4, 9)) == pytest.approx(0.25)  # 50 % lost, half of them back
    assert site_loss(fc, _planned(fc), partial, params, RESTORE).intervals[48 + 18].available_agents == 9  # floor(13 x 0.75)


def test_open_outage_undetermined_then_failed(params: ParamSet) -> None:
    fc = _days(1)
    rep = site_loss(fc, _planned(fc), SiteLoss(start=dt.datetime(2022, 1, 3, 10), hours=48, lose_pct=50), params, RESTORE)
    (ep,) = rep.episodes
    assert ep.end is None and ep.meets_limit is None and rep.meets_restoration_rule is None  # 14 h so far < 72 h


def test_spare_capacity_absorbs_a_small_loss_and_drops_cannot_be_staffed_away(params: ParamSet) -> None:
    fc = _days(1)
    small = site_loss(fc, _planned(fc, 15), SiteLoss(start=dt.datetime(2022, 1, 3, 10), hours=4, lose_pct=10), params, RESTORE)
    assert small.breached_intervals == 0 and small.episodes == () and small.meets_restoration_rule is True
    tech = site_loss(fc, _planned(fc), SiteLoss(start=dt.datetime(2022, 1, 3, 10), hours=2, lose_pct=0,
                                                extra_drop_pct=6), params, RESTORE, patience_s=300.0)
    hit = [r for r in tech.intervals if r.breaches]
    assert len(hit) == 4 and all(r.breaches == ("disconnect",) and not r.restorable_by_agents for r in hit)
    assert tech.during_loss.disconnect_rate_pct == pytest.approx(6.0)


def test_loss_clock_is_elapsed_time_across_dst() -> None:
    """Spring forward 2022-03-13 in New York: 20:00 EST + 10 elapsed hours is 07:00 EDT, not 06:00."""
    ny = ZoneInfo("America/New_York")
    loss = SiteLoss(start=dt.datetime(2022, 3, 12, 20, tzinfo=ny), hours=10, lose_pct=50,
                    recovery=(RecoveryStep(hours_after_start=9, restored_pct=100),))
    assert loss.in_loss(dt.datetime(2022, 3, 13, 6, 30, tzinfo=ny))  # 9.5 h elapsed
    assert not loss.in_loss(dt.datetime(2022, 3, 13, 7, 0, tzinfo=ny))  # 10 h elapsed
    assert loss.lost_fraction(dt.datetime(2022, 3, 13, 5, 30, tzinfo=ny)) == pytest.approx(0.5)  # 8.5 h: not yet back
    assert loss.lost_fraction(dt.datetime(2022, 3, 13, 6, 0, tzinfo=ny)) == 0.0  # 9 h: all back
