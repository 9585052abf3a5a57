"""§ 422.111(h)(1)(ii)(A)-(C), § 423.128(d)(1)(ii)(A)-(C) - agents needed per interval to meet all three standards.

CAP letter L30: "limit callers' average hold time to 2 minutes, answer 80 percent of calls within 30 seconds, and
limit the call disconnect rate to 5 percent". The thresholds are read from the area's parameters
(``ParamSet.typed(CallCenterParams)``); the queue is Erlang A (M/M/n+M) when a mean patience is given and Erlang C
otherwise (:mod:`partcd.callcenter.rules.erlang`, spec §7).

Modelling choices (spec §2.2-§2.4):

* **Hold time (S2)** is the mean wait of the calls that reach a live person (spec §2.2, primary definition); the mean
  over all callers, abandoners censored at their hang-up, is reported beside it (``avg_wait_all_s``).
* **Speed of answer (S3)** is SL_all: calls answered within ``answer_within_s`` over *all* calls that finished the
  IVR, abandoned and system-dropped calls included (spec §2.3 primary, the conservative denominator).
* **Disconnects (S4)** are calls the *plan's side* dropped. A caller who hangs up is not a disconnect (spec §2.4), so
  Erlang A's abandonment never counts against S4: it only lowers SL_all (an abandoned call is a call not answered
  within the target). System drops (trunk, ACD/IVR errors) are a telephony hazard that agents do not change: each
  forecast interval may carry an expected ``drop_rate_pct`` (default 0) of its calls, released as they leave the
  IVR (so the queue sees ``calls x (1 - d)``). A drop rate above the limit makes S4 infeasible for that interval
  whatever the staffing; dropped calls also count as "not answered within t" in S3.
* The rule measures over a monitoring period, not per interval; staffing each interval to meet every standard on
  its own is the conservative planning choice (period aggregates are reported by :func:`period_prediction`).
* Shrinkage s (breaks, training, absence): ``scheduled = ceil(on_phones / (1 - s))`` (spec §7.1).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from partcd.callcenter.rules.erlang import queue_metrics_arrays
from partcd.callcenter.rules.standards import CallCenterParams
from partcd.core.citation import cites
from partcd.core.errors import InvalidValue
from partcd.core.params import ParamSet

Standard = Literal["avg_hold", "answered_within", "disconnect"]
Binding = Literal["avg_hold", "answered_within", "avg_hold+answered_within", "none"]
STANDARDS: tuple[Standard, ...] = ("avg_hold", "answered_within", "disconnect")

_EPS = 1e-12  # a value exactly at a limit passes ("limit to X" is inclusive), whatever the last bit says
_MAX_AGENTS = 10_000_000

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class IntervalForecast(BaseModel):
    """One planning interval: expected calls leaving the IVR, mean handle time, expected system drops (% of calls)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    interval_start: dt.datetime
    length_s: float = Field(default=1800.0, gt=0)
    calls_offered: float = Field(ge=0)
    aht_s: float = Field(gt=0)
    drop_rate_pct: float = Field(default=0.0, ge=0, le=100)


class IntervalPrediction(BaseModel):
    """Predicted steady-state figures of one interval at a given number of agents on the phones."""

    model_config = ConfigDict(frozen=True)

    interval_start: dt.datetime
    calls_offered: float
    aht_s: float
    load_erlangs: float
    agents: int
    p_wait: float
    avg_hold_time_s: float
    avg_wait_all_s: float
    answered_within_pct: float
    answered_within_of_answered_pct: float
    abandon_rate_pct: float
    disconnect_rate_pct: float
    occupancy: float
    breaches: tuple[Standard, ...]


class IntervalStaffing(IntervalPrediction):
    """The minimum staffing of one interval meeting all three standards, and which standard sets it."""

    scheduled_agents: int
    agents_for_hold: int
    agents_for_service_level: int
    binding_standard: Binding
    infeasible: tuple[Standard, ...]


class PeriodPrediction(BaseModel):
    """Call-weighted figures over several intervals (how the standards are measured over a period)."""

    model_config = ConfigDict(frozen=True)

    calls_offered: float
    avg_hold_time_s: float | None
    answered_within_pct: float | None
    abandon_rate_pct: float | None
    disconnect_rate_pct: float | None
    breaches: tuple[Standard, ...]


class StaffingPlan(BaseModel):
    """Per-interval staffing plus totals."""

    model_config = ConfigDict(frozen=True)

    model: Literal["erlang_a", "erlang_c"]
    patience_s: float | None
    shrinkage: float
    params_file: str
    intervals: tuple[IntervalStaffing, ...]
    peak_agents: int
    peak_scheduled_agents: int
    agent_hours: float
    scheduled_agent_hours: float
    period: PeriodPrediction


class _Limits(BaseModel):
    model_config = ConfigDict(frozen=True)

    hold_max_s: float
    answer_within_s: float
    sl_min: float  # fraction
    disconnect_max_pct: float


def limits(params: ParamSet) -> _Limits:
    """The three thresholds of the area's parameters (never numbers in code)."""
    p = params.typed(CallCenterParams)
    return _Limits(hold_max_s=p.avg_hold_time_max_s, answer_within_s=p.answer_within_s,
                   sl_min=p.answered_within_min_pct / 100.0, disconnect_max_pct=p.disconnect_rate_max_pct)


def _patience(patience_s: float | None) -> float:
    if patience_s is None:
        return math.inf
    if not patience_s > 0:
        raise InvalidValue("patience_s must be > 0 (omit it for Erlang C)")
    return float(patience_s)


class _Arrays:
    """Column view of a forecast (rates per second)."""

    def __init__(self, forecast: Sequence[IntervalForecast]) -> None:
        self.starts = [f.interval_start for f in forecast]
        self.calls = np.array([f.calls_offered for f in forecast], dtype=np.float64)
        self.length = np.array([f.length_s for f in forecast], dtype=np.float64)
        self.aht = np.array([f.aht_s for f in forecast], dtype=np.float64)
        self.drop = np.array([f.drop_rate_pct for f in forecast], dtype=np.float64) / 100.0
        self.rate = self.calls / self.length * (1.0 - self.drop)  # dropped calls never reach the queue
        self.load = self.rate * self.aht


def _metrics(a: _Arrays, idx: IntArray, agents: IntArray, patience: float, lim: _Limits,
             served_wait: bool = True) -> dict[str, FloatArray]:
    r = queue_metrics_arrays(agents, a.rate[idx], a.aht[idx], patience, lim.answer_within_s, served_wait=served_wait)
    keep = 1.0 - a.drop[idx]  # per offered call: dropped calls are not answered within t, and never abandoned
    r["service_level"] = r["service_level"] * keep
    r["p_abandon"] = r["p_abandon"] * keep
    return r


def _queue_target(lim: _Limits, drop: FloatArray) -> tuple[FloatArray, BoolArray]:
    """Share of the calls reaching the queue that must be answered within t, and whether it is reachable.

    Dropped calls count as not answered, so the queue must answer ``sl_min / (1 - d)`` of its calls. When drops
    alone make that 100 % or more, no staffing meets S3: the interval gets the drop-free target ``sl_min``.
    """
    keep = 1.0 - drop
    with np.errstate(divide="ignore"):
        need = np.where(keep > 0, lim.sl_min / np.where(keep > 0, keep, 1.0), np.inf)
    feasible = need < 1.0 - 1e-9
    return np.where(feasible, need, lim.sl_min) * (1 - _EPS), np.asarray(feasible, dtype=np.bool_)


def _first_true(pred: Callable[[IntArray, IntArray], BoolArray], lo: IntArray, idx: IntArray) -> IntArray:
    """Smallest n >= lo with pred(n) true, per interval, for a predicate monotone in n (gallop, then bisect)."""
    ans = np.zeros(idx.size, dtype=np.int64)
    todo = np.arange(idx.size)
    low = lo.astype(np.int64).copy()  # candidate (not yet known to fail)
    ok = pred(low, idx)
    ans[ok] = low[ok]
    todo = todo[~ok]
    fail = low[todo]  # known to fail
    step = np.ones(todo.size, dtype=np.int64)
    hi = np.zeros(idx.size, dtype=np.int64)
    bracket_lo = np.zeros(idx.size, dtype=np.int64)
    while todo.size:
        cand = fail + step
        if np.any(cand > _MAX_AGENTS):
            raise InvalidValue("no staffing up to 10 million agents meets the standard")
        ok = pred(cand, idx[todo])
        hi[todo[ok]] = cand[ok]
        bracket_lo[todo[ok]] = fail[ok]
        fail, step, todo = cand[~ok], step[~ok] * 2, todo[~ok]
    todo = np.flatnonzero(hi > 0)
    while todo.size:
        gap = hi[todo] - bracket_lo[todo]
        done = gap <= 1
        ans[todo[done]] = hi[todo[done]]
        todo = todo[~done]
        if not todo.size:
            break
        mid = (hi[todo] + bracket_lo[todo]) // 2
        ok = pred(mid, idx[todo])
        hi[todo[ok]] = mid[ok]
        bracket_lo[todo[~ok]] = mid[~ok]
    return ans


def _predictions(a: _Arrays, agents: IntArray, patience: float, lim: _Limits) -> list[IntervalPrediction]:
    idx = np.arange(a.calls.size)
    r = _metrics(a, idx, agents, patience, lim)
    out: list[IntervalPrediction] = []
    for i in idx:
        hold = float(r["avg_wait_served"][i])
        sl = float(r["service_level"][i])
        drop_pct = float(a.drop[i] * 100.0)
        breaches: list[Standard] = []
        if a.calls[i] > 0:
            if hold > lim.hold_max_s * (1 + _EPS):
                breaches.append("avg_hold")
            if sl < lim.sl_min * (1 - _EPS):
                breaches.append("answered_within")
            if drop_pct > lim.disconnect_max_pct * (1 + _EPS):
                breaches.append("disconnect")
        out.append(IntervalPrediction(
            interval_start=a.starts[i], calls_offered=float(a.calls[i]), aht_s=float(a.aht[i]),
            load_erlangs=float(a.load[i]), agents=int(agents[i]), p_wait=float(r["p_wait"][i]),
            avg_hold_time_s=hold, avg_wait_all_s=float(r["avg_wait"][i]), answered_within_pct=100.0 * sl,
            answered_within_of_answered_pct=100.0 * float(r["service_level_answered"][i]),
            abandon_rate_pct=100.0 * float(r["p_abandon"][i]), disconnect_rate_pct=drop_pct,
            occupancy=float(r["occupancy"][i]), breaches=tuple(breaches)))
    return out


@cites("42 CFR 422.111(h)(1)(ii)", "42 CFR 423.128(d)(1)(ii)")
def predict(forecast: Sequence[IntervalForecast], agents: Sequence[int], params: ParamSet,
            patience_s: float | None = None) -> list[IntervalPrediction]:
    """Predicted figures and breached standards of each interval at the given agents on the phones."""
    if len(agents) != len(forecast):
        raise InvalidValue(f"{len(agents)} staffing values for {len(forecast)} intervals")
    if any(n < 0 for n in agents):
        raise InvalidValue("agents must be >= 0")
    return _predictions(_Arrays(forecast), np.asarray(agents, dtype=np.int64), _patience(patience_s), limits(params))


def required_agents(forecast: Sequence[IntervalForecast], params: ParamSet, patience_s: float | None = None,
                    min_agents: int = 0) -> tuple[IntArray, IntArray, IntArray]:
    """Minimum agents on the phones per interval: (all standards, hold alone, service level alone).

    An interval whose service-level target cannot be met because of system drops gets the agents of the
    drop-free target (no staffing can meet it; see :func:`_queue_target`); zero calls need ``min_agents``.
    """
    a = _Arrays(forecast)
    lim = limits(params)
    patience = _patience(patience_s)
    size = a.calls.size
    n_hold = np.full(size, min_agents, dtype=np.int64)
    n_sl = np.full(size, min_agents, dtype=np.int64)
    busy = np.flatnonzero(a.calls > 0)
    if busy.size:
        queue_target, _ = _queue_target(lim, a.drop)
        keep = 1.0 - a.drop

        def sl_ok(n: IntArray, idx: IntArray) -> BoolArray:
            r = _metrics(a, idx, n, patience, lim, served_wait=False)
            return np.asarray(r["service_level"] >= queue_target[idx] * keep[idx], dtype=np.bool_)

        def hold_ok(n: IntArray, idx: IntArray) -> BoolArray:
            r = _metrics(a, idx, n, patience, lim, served_wait=True)
            return np.asarray(r["avg_wait_served"] <= lim.hold_max_s * (1 + _EPS), dtype=np.bool_)

        stable_floor = np.floor(a.load[busy]).astype(np.int64) + 1 if math.isinf(patience) else np.ones(busy.size, np.int64)
        throughput_floor = np.maximum(np.floor(queue_target[busy] * a.load[busy]).astype(np.int64), 1)
        n_sl[busy] = np.maximum(_first_true(sl_ok, np.maximum(stable_floor, throughput_floor), busy), min_agents)
        n_hold[busy] = np.maximum(_first_true(hold_ok, stable_floor, busy), min_agents)
    return np.maximum(n_hold, n_sl), n_hold, n_sl


@cites("42 CFR 422.111(h)(1)(ii)", "42 CFR 423.128(d)(1)(ii)")
def staff_intervals(forecast: Sequence[IntervalForecast], params: ParamSet, patience_s: float | None = None,
                    shrinkage: float = 0.0, min_agents: int = 0) -> StaffingPlan:
    """Agents per interval meeting average hold, speed of answer and disconnect limits at once."""
    if not 0.0 <= shrinkage < 1.0:
        raise InvalidValue("shrinkage must be in [0, 1)")
    if min_agents < 0:
        raise InvalidValue("min_agents must be >= 0")
    lim = limits(params)
    n, n_hold, n_sl = required_agents(forecast, params, patience_s, min_agents)
    a = _Arrays(forecast)
    _, sl_feasible = _queue_target(lim, a.drop)
    preds = _predictions(a, n, _patience(patience_s), lim)
    rows: list[IntervalStaffing] = []
    for i, p in enumerate(preds):
        infeasible: list[Standard] = []
        if a.calls[i] > 0 and a.drop[i] * 100.0 > lim.disconnect_max_pct * (1 + _EPS):
            infeasible.append("disconnect")
        if a.calls[i] > 0 and not sl_feasible[i]:
            infeasible.append("answered_within")
        binding: Binding
        if a.calls[i] == 0:
            binding = "none"
        elif n_hold[i] == n_sl[i]:
            binding = "avg_hold+answered_within"
        else:
            binding = "avg_hold" if n_hold[i] > n_sl[i] else "answered_within"
        rows.append(IntervalStaffing(
            **p.model_dump(), scheduled_agents=scheduled(int(n[i]), shrinkage), agents_for_hold=int(n_hold[i]),
            agents_for_service_level=int(n_sl[i]), binding_standard=binding, infeasible=tuple(infeasible)))
    hours = a.length / 3600.0
    return StaffingPlan(
        model="erlang_c" if patience_s is None else "erlang_a", patience_s=patience_s, shrinkage=shrinkage,
        params_file=params.file, intervals=tuple(rows),
        peak_agents=int(n.max()) if n.size else 0,
        peak_scheduled_agents=max((r.scheduled_agents for r in rows), default=0),
        agent_hours=float((n * hours).sum()),
        scheduled_agent_hours=float(sum(r.scheduled_agents * h for r, h in zip(rows, hours, strict=True))),
        period=period_prediction(preds, params))


@cites("42 CFR 422.111(h)(1)(ii)", "42 CFR 423.128(d)(1)(ii)")
def staff_interval(interval: IntervalForecast, params: ParamSet, patience_s: float | None = None,
                   shrinkage: float = 0.0) -> IntervalStaffing:
    """One interval of :func:`staff_intervals` (the scenario files' entry point)."""
    return staff_intervals([interval], params, patience_s, shrinkage).intervals[0]


def scheduled(on_phones: int, shrinkage: float) -> int:
    """Agents to schedule so that ``on_phones`` remain after shrinkage: ceil(n / (1 - s)) (spec §7.1)."""
    if not 0.0 <= shrinkage < 1.0:
        raise InvalidValue("shrinkage must be in [0, 1)")
    # round away float noise first: 14 / 0.7 is 20.000000000000004 in binary, and must schedule 20
    return math.ceil(round(on_phones / (1.0 - shrinkage), 9))


def period_prediction(preds: Sequence[IntervalPrediction], params: ParamSet) -> PeriodPrediction:
    """Aggregate interval predictions the way the standards are measured over a period.

    Hold: weighted by answered calls; answered-within and abandonment: by calls; disconnects: by calls.
    """
    lim = limits(params)
    calls = np.array([p.calls_offered for p in preds], dtype=np.float64)
    total = float(calls.sum())
    if total <= 0:
        return PeriodPrediction(calls_offered=0.0, avg_hold_time_s=None, answered_within_pct=None,
                                abandon_rate_pct=None, disconnect_rate_pct=None, breaches=())
    ab = np.array([p.abandon_rate_pct for p in preds]) / 100.0
    drop = np.array([p.disconnect_rate_pct for p in preds]) / 100.0
    answered = calls * (1.0 - ab - drop)
    hold_values = np.array([p.avg_hold_time_s if p.calls_offered > 0 else 0.0 for p in preds])
    ans_total = float(answered.sum())
    hold = float((answered * hold_values).sum() / ans_total) if ans_total > 0 else None
    sl = float((calls * np.array([p.answered_within_pct for p in preds])).sum() / total)
    disc = float((calls * drop).sum() / total * 100.0)
    breaches: list[Standard] = []
    if hold is not None and hold > lim.hold_max_s * (1 + _EPS):
        breaches.append("avg_hold")
    if sl < lim.sl_min * 100.0 * (1 - _EPS):
        breaches.append("answered_within")
    if disc > lim.disconnect_max_pct * (1 + _EPS):
        breaches.append("disconnect")
    return PeriodPrediction(calls_offered=total, avg_hold_time_s=hold, answered_within_pct=sl,
                            abandon_rate_pct=float((calls * ab).sum() / total * 100.0), disconnect_rate_pct=disc,
                            breaches=tuple(breaches))
