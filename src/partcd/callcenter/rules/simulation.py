"""§ 422.111(h)(1)(ii), § 423.128(d)(1)(ii) - discrete-event simulation of the call-center queue (spec §7.7).

CAP letter L30: the standards (average hold, answered within 30 seconds, disconnects) are checked on calls, so the
simulation produces per-call records and the per-interval figures computed from them exactly as a call log would
give them. It covers what the closed forms of :mod:`partcd.callcenter.rules.erlang` do not: arrivals whose rate changes
from interval to interval (piecewise-constant Poisson), a staffing schedule, lognormal handle times, and system
drops (a separate hazard from abandonment, spec §2.4, §7.7). With exponential handle times and patience and a
constant rate it reproduces Erlang A / Erlang C, which the tests check within confidence intervals.

Model: FCFS single queue; a caller whose wait reaches their patience (exponential or lognormal) hangs up; a system-dropped call
(probability ``drop_probability``, decided when the call leaves the IVR) is released at once and never queues. When
the schedule lowers the number of agents, agents finish their current call and then leave (no call is cut off).
After the last interval the last staffing level stays until every call is finished, so every call offered in the
horizon has an outcome. Pure: all randomness comes from the ``numpy.random.Generator`` passed in.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import simpy
from pydantic import BaseModel, ConfigDict, Field
from scipy import stats

from partcd.core.errors import InvalidValue

Outcome = Literal["answered", "abandoned", "dropped"]


class SimInterval(BaseModel):
    """One piece of the schedule: ``arrival_rate_per_s`` calls leaving the IVR per second, ``agents`` on the phones."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    length_s: float = Field(gt=0)
    arrival_rate_per_s: float = Field(ge=0)
    agents: int = Field(ge=0)


@dataclass(frozen=True)
class CallRecord:
    """One simulated call (times in seconds from the start of the horizon; ``wait_s`` is the post-IVR hold)."""

    call_id: int
    interval: int
    arrival_s: float
    outcome: Outcome
    wait_s: float
    handle_s: float
    end_s: float


@dataclass(frozen=True)
class IntervalMetrics:
    """Figures of the calls offered in one interval, computed from the call records as a call log would give them."""

    interval: int
    start_s: float
    agents: int
    offered: int
    answered: int
    abandoned: int
    dropped: int
    answered_within: int
    avg_hold_time_s: float | None  # mean wait of answered calls (spec §2.2)
    avg_wait_all_s: float | None  # mean wait of answered and abandoned calls (abandoners censored at hang-up)
    service_level: float | None  # answered within t / all calls (SL_all, spec §2.3)
    abandon_rate: float | None
    disconnect_rate: float | None


@dataclass(frozen=True)
class SimulationResult:
    calls: tuple[CallRecord, ...]
    intervals: tuple[IntervalMetrics, ...]
    answer_within_s: float


def simulate(schedule: Sequence[SimInterval], aht_s: float, rng: np.random.Generator, *,
             patience_s: float | None = None, handle: Literal["exponential", "lognormal"] = "exponential",
             handle_cv: float = 1.0, patience: Literal["exponential", "lognormal"] = "exponential",
             patience_cv: float = 1.0, drop_probability: float = 0.0, answer_within_s: float) -> SimulationResult:
    """Run one replication over ``schedule`` (intervals back to back from time 0).

    Handle times and patience are exponential (the Erlang assumptions) or lognormal with the given mean and
    coefficient of variation (``handle_cv``, ``patience_cv``; ignored for exponential).
    """
    if not schedule:
        raise InvalidValue("empty schedule")
    if aht_s <= 0 or (patience_s is not None and patience_s <= 0) or not 0 <= drop_probability <= 1:
        raise InvalidValue("need aht_s > 0, patience_s > 0 (or None) and 0 <= drop_probability <= 1")
    if patience_s is None and schedule[-1].agents == 0:
        raise InvalidValue("callers never hang up (no patience_s): the last interval needs agents to drain the queue")
    starts = np.concatenate([[0.0], np.cumsum([s.length_s for s in schedule])])
    arrivals, interval_of = _arrivals(schedule, starts, rng)
    n = arrivals.size
    handles = _draw(n, aht_s, handle, handle_cv, rng)
    patience_times = _draw(n, patience_s, patience, patience_cv, rng) if patience_s is not None else np.full(n, math.inf)
    dropped = rng.random(n) < drop_probability

    env = simpy.Environment()
    centre = _Centre(env)
    wait = np.zeros(n)
    outcome: list[Outcome] = ["answered"] * n
    end = np.zeros(n)

    def call(i: int) -> Generator[simpy.Event, object, None]:
        if dropped[i]:
            outcome[i], end[i] = "dropped", env.now
            return
        answered = env.event()
        entry = _Waiting(i, answered)
        centre.queue.append(entry)
        centre.dispatch()
        if math.isfinite(patience_times[i]):
            yield answered | env.timeout(patience_times[i])
        else:
            yield answered
        if not answered.triggered:
            entry.gone = True
            outcome[i], wait[i], end[i] = "abandoned", env.now - arrivals[i], env.now
            return
        wait[i] = env.now - arrivals[i]
        yield env.timeout(handles[i])
        end[i] = env.now
        centre.busy -= 1
        centre.dispatch()

    def arrivals_process() -> Generator[simpy.Event, object, None]:
        for i in range(n):
            yield env.timeout(arrivals[i] - env.now)
            env.process(call(i))

    def staffing_process() -> Generator[simpy.Event, object, None]:
        for k, s in enumerate(schedule):
            yield env.timeout(starts[k] - env.now)
            centre.capacity = s.agents
            centre.dispatch()

    env.process(staffing_process())
    env.process(arrivals_process())
    env.run()
    calls = tuple(
        CallRecord(call_id=i, interval=int(interval_of[i]), arrival_s=float(arrivals[i]), outcome=outcome[i],
                   wait_s=float(wait[i]), handle_s=float(handles[i]) if outcome[i] == "answered" else 0.0,
                   end_s=float(end[i]))
        for i in range(n))
    return SimulationResult(calls=calls, intervals=interval_metrics(calls, schedule, answer_within_s),
                            answer_within_s=answer_within_s)


class _Waiting:
    __slots__ = ("call_id", "event", "gone")

    def __init__(self, call_id: int, event: simpy.Event) -> None:
        self.call_id = call_id
        self.event = event
        self.gone = False


class _Centre:
    """Agents (a capacity that follows the schedule) and the FCFS queue of waiting callers."""

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.capacity = 0
        self.busy = 0
        self.queue: deque[_Waiting] = deque()

    def dispatch(self) -> None:
        while self.busy < self.capacity and self.queue:
            w = self.queue.popleft()
            if w.gone or w.event.triggered:
                continue
            self.busy += 1
            w.event.succeed()


def _arrivals(schedule: Sequence[SimInterval], starts: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Piecewise-constant Poisson process: per interval a Poisson count, placed uniformly (exact)."""
    times: list[np.ndarray] = []
    which: list[np.ndarray] = []
    for k, s in enumerate(schedule):
        count = rng.poisson(s.arrival_rate_per_s * s.length_s)
        times.append(np.sort(starts[k] + rng.random(count) * s.length_s))
        which.append(np.full(count, k, dtype=np.int64))
    return np.concatenate(times), np.concatenate(which)


def _draw(n: int, mean: float, dist: str, cv: float, rng: np.random.Generator) -> np.ndarray:
    """n draws with the given mean: exponential, or lognormal with coefficient of variation ``cv``."""
    if dist == "exponential":
        return rng.exponential(mean, n)
    if dist == "lognormal":
        if cv <= 0:
            raise InvalidValue("the coefficient of variation must be > 0")
        sigma2 = math.log1p(cv * cv)
        return rng.lognormal(math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2), n)
    raise InvalidValue(f"unknown distribution {dist!r}")


def interval_metrics(calls: Sequence[CallRecord], schedule: Sequence[SimInterval],
                     answer_within_s: float) -> tuple[IntervalMetrics, ...]:
    """Per-interval figures (by the interval in which the call was offered)."""
    starts = np.concatenate([[0.0], np.cumsum([s.length_s for s in schedule])])
    buckets: list[list[CallRecord]] = [[] for _ in schedule]
    for c in calls:
        buckets[c.interval].append(c)
    out = []
    for k, (s, group) in enumerate(zip(schedule, buckets, strict=True)):
        answered = [c for c in group if c.outcome == "answered"]
        abandoned = [c for c in group if c.outcome == "abandoned"]
        dropped = sum(1 for c in group if c.outcome == "dropped")
        within = sum(1 for c in answered if c.wait_s <= answer_within_s)
        waited = answered + abandoned
        offered = len(group)
        out.append(IntervalMetrics(
            interval=k, start_s=float(starts[k]), agents=s.agents, offered=offered, answered=len(answered),
            abandoned=len(abandoned), dropped=dropped, answered_within=within,
            avg_hold_time_s=float(np.mean([c.wait_s for c in answered])) if answered else None,
            avg_wait_all_s=float(np.mean([c.wait_s for c in waited])) if waited else None,
            service_level=within / offered if offered else None,
            abandon_rate=len(abandoned) / offered if offered else None,
            disconnect_rate=dropped / offered if offered else None))
    return tuple(out)


@dataclass(frozen=True)
class Estimate:
    """A simulated figure: mean over batches or replications with a two-sided confidence interval."""

    mean: float
    half_width: float
    batches: int

    @property
    def low(self) -> float:
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        return self.mean + self.half_width

    def covers(self, value: float, slack: float = 0.0) -> bool:
        return self.low - slack <= value <= self.high + slack


def estimate(values: Sequence[float], level: float = 0.99) -> Estimate:
    """Student-t interval for the mean of independent (or batch-mean) observations."""
    v = np.asarray(values, dtype=np.float64)
    if v.size < 2:
        raise InvalidValue("need at least two batches or replications")
    se = float(v.std(ddof=1)) / math.sqrt(v.size)
    return Estimate(mean=float(v.mean()), half_width=float(stats.t.ppf(0.5 + level / 2.0, v.size - 1)) * se,
                    batches=int(v.size))


def batch_estimates(result: SimulationResult, batch_intervals: int, warmup_intervals: int = 1,
                    level: float = 0.99) -> dict[str, Estimate]:
    """Batch means over consecutive intervals (after a warm-up) for a run with a constant rate and staffing.

    Ratios are computed per batch from counts (hold: over answered calls; rates: over offered calls).
    """
    rows = result.intervals[warmup_intervals:]
    batches = [rows[i:i + batch_intervals] for i in range(0, len(rows) - batch_intervals + 1, batch_intervals)]
    series: dict[str, list[float]] = {"avg_hold_time_s": [], "avg_wait_all_s": [], "service_level": [],
                                      "abandon_rate": [], "disconnect_rate": []}
    for b in batches:
        offered = sum(r.offered for r in b)
        answered = sum(r.answered for r in b)
        waited = sum(r.answered + r.abandoned for r in b)
        if not offered or not answered or not waited:
            continue
        series["avg_hold_time_s"].append(sum((r.avg_hold_time_s or 0.0) * r.answered for r in b) / answered)
        series["avg_wait_all_s"].append(sum((r.avg_wait_all_s or 0.0) * (r.answered + r.abandoned) for r in b) / waited)
        series["service_level"].append(sum(r.answered_within for r in b) / offered)
        series["abandon_rate"].append(sum(r.abandoned for r in b) / offered)
        series["disconnect_rate"].append(sum(r.dropped for r in b) / offered)
    return {k: estimate(v, level) for k, v in series.items()}
