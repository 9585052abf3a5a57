"""Staffing solver (partcd.callcenter.rules.staffing) vs. a naive baseline: 96 intervals x 7 days, same process.

Baseline: for each interval, a linear search over agents from floor(A) + 1 with a textbook factorial-based Erlang C
in pure Python (sum of A^k / k!), checking the same two queue standards (answered within t, average hold).
Both must return the same agents; the row reports seconds (best of ``REPEAT``) and baseline / solver.
"""

from __future__ import annotations

import datetime as dt
import math
import time

from partcd.callcenter.rules.staffing import IntervalForecast, limits, staff_intervals
from partcd.platform.params import load_params

REPEAT = 3
INTERVAL_S = 900.0
AHT_S = 300.0


def _forecast(peak_calls: float) -> list[IntervalForecast]:
    """A week of 15-minute intervals: closed 22:00-06:00, a day curve peaking at ``peak_calls`` (300 -> 100 Erlangs),
    weekends at 40 %."""
    out = []
    start = dt.datetime(2022, 1, 3)
    for k in range(96 * 7):
        t = start + dt.timedelta(seconds=INTERVAL_S * k)
        hour = t.hour + t.minute / 60
        calls = 0.0 if hour < 6 or hour >= 22 else round(20 + (peak_calls - 20) * math.sin(math.pi * (hour - 6) / 16) ** 2, 1)
        if t.weekday() >= 5:
            calls = round(calls * 0.4, 1)
        out.append(IntervalForecast(interval_start=t, length_s=INTERVAL_S, calls_offered=calls, aht_s=AHT_S))
    return out


def _naive_erlang_c(n: int, a: float) -> float:
    top = a**n / math.factorial(n) * n / (n - a)
    return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)


def _naive_agents(calls: float, t: float, sl_min: float, hold_max: float) -> int:
    if calls == 0:
        return 0
    a = calls * AHT_S / INTERVAL_S
    n = int(a) + 1
    while True:
        c = _naive_erlang_c(n, a)
        if 1 - c * math.exp(-(n - a) * t / AHT_S) >= sl_min and c * AHT_S / (n - a) <= hold_max:
            return n
        n += 1


def _best(fn: object) -> tuple[float, object]:
    best, out = math.inf, None
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        out = fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - t0)
    return best, out


def run() -> list[dict[str, object]]:
    """Peak 100 and 120 Erlangs; the baseline overflows floats (A^n > 1e308) from about 130 Erlangs on."""
    return [_case(300.0), _case(360.0)]


def _case(peak_calls: float) -> dict[str, object]:
    params = load_params("callcenter", dt.date(2022, 1, 3))
    lim = limits(params)
    forecast = _forecast(peak_calls)
    solver_s, plan = _best(lambda: staff_intervals(forecast, params))
    baseline_s, naive = _best(lambda: [_naive_agents(f.calls_offered, lim.answer_within_s, lim.sl_min, lim.hold_max_s)
                                       for f in forecast])
    erlang_a_s, _ = _best(lambda: staff_intervals(forecast, params, patience_s=180.0))
    agents = [r.agents for r in plan.intervals]  # type: ignore[attr-defined]
    if agents != naive:
        raise AssertionError("solver and baseline disagree on the agents needed")
    return {
        "case": f"erlang_c staffing, 96 x 7 intervals, peak {peak_calls * AHT_S / INTERVAL_S:g} Erlangs",
        "intervals": len(forecast),
        "peak_agents": max(agents),
        "solver_s": round(solver_s, 4),
        "baseline_s": round(baseline_s, 4),
        "ratio": round(baseline_s / solver_s, 1),
        "erlang_a_solver_s": round(erlang_a_s, 4),
    }
