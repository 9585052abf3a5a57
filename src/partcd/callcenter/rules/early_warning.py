"""§ 422.111(h)(1)(ii), § 423.128(d)(1)(ii) - early warning: probability that the quarter's verdict will fail.

CAP letter L30: "limit callers' average hold time to 2 minutes, answer 80 percent of calls within 30 seconds, and
limit the call disconnect rate to 5 percent"; CMS judges them per monitoring period (quarterly compliance actions,
spec §2.7, §3.1). From the figures of the quarter so far and the forecast for the rest of it (calls, handle time,
planned agents on the phones), this module estimates the probability that the quarter's three ratios

* average hold = sum of holds of answered calls / answered calls,
* answered within t = calls answered within t / all calls,
* disconnect rate = system-dropped calls / all calls,

end beyond their limits (read from the parameters), so the alarm can go off while the quarter can still be saved.

Method - Monte Carlo over the remaining intervals with the analytic queue model, and why:

* Volume is the dominant risk and it is *correlated*: a day's forecast error hits all its intervals. Each sample
  draws one lognormal volume multiplier per calendar day (mean 1, coefficient of variation ``volume_cv``) and
  Poisson calls per interval around ``forecast x multiplier``.
* The queue turns volume into service *non-linearly*: near full occupancy 10 % more calls can cut the share answered
  within 30 s from 82 % to 60 %. Each interval's figures are therefore taken from Erlang A/C at the sampled volume
  (:func:`partcd.callcenter.rules.erlang.queue_metrics_arrays`, tabulated on a grid of multipliers and interpolated),
  not linearised around the forecast. A normal approximation on the ratio estimators (delta method) would
  linearise exactly that cliff, understate the tail, and be poor near the end of a quarter when few calls remain.
* Given the day's multiplier, an interval's calls are Poisson and split multinomially (answered within t, answered
  later, abandoned, dropped), so each outcome count is Poisson (thinning) and a day's count is Poisson with the
  summed mean: the sampling is per (sample, day), exact for the counts. The day's hold sum is normal with the
  compound-Poisson mean and variance, with the second moment of an exponential wait among callers who wait (an
  approximation; hold noise is small next to volume noise).
* The Monte Carlo standard error ``sqrt(p (1 - p) / samples)`` is reported. A quarter with nothing left to forecast
  is decided by its figures to date (probability exactly 0 or 1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, model_validator

from partcd.callcenter.rules.erlang import queue_metrics_arrays
from partcd.callcenter.rules.staffing import IntervalForecast, Standard, limits
from partcd.core.citation import cites
from partcd.core.errors import InvalidValue
from partcd.core.params import ParamSet

FloatArray = npt.NDArray[np.float64]
_EPS = 1e-12
_GRID_Z = np.linspace(-5.5, 5.5, 45)


class QuarterToDate(BaseModel):
    """Counts of the quarter so far (from the call log): ``calls`` finished the IVR (the denominator of S3 and S4)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    calls: int = Field(ge=0)
    answered: int = Field(ge=0)
    answered_within: int = Field(ge=0)
    hold_sum_s: float = Field(ge=0)
    dropped: int = Field(ge=0)

    @model_validator(mode="after")
    def _consistent(self) -> QuarterToDate:
        if self.answered_within > self.answered or self.answered + self.dropped > self.calls:
            raise InvalidValue("need answered_within <= answered and answered + dropped <= calls")
        return self


class EarlyWarning(BaseModel):
    """The forecast verdict of the quarter."""

    model_config = ConfigDict(frozen=True)

    probability_fail: float
    probability_by_standard: dict[str, float]
    standard_error: float
    samples: int
    alert: bool
    alert_threshold: float
    status: Literal["failed", "passed", "at_risk", "on_track"]
    failing_now: tuple[Standard, ...]
    expected_avg_hold_time_s: float | None
    expected_answered_within_pct: float | None
    expected_disconnect_rate_pct: float | None
    answered_within_pct_p05: float | None
    remaining_intervals: int
    remaining_calls_expected: float


def _breaches(hold: FloatArray, sl_pct: FloatArray, disc_pct: FloatArray, params: ParamSet) -> dict[Standard, FloatArray]:
    lim = limits(params)
    return {
        "avg_hold": np.asarray(np.nan_to_num(hold, nan=0.0) > lim.hold_max_s * (1 + _EPS), dtype=np.float64),
        "answered_within": np.asarray(np.nan_to_num(sl_pct, nan=100.0) < lim.sl_min * 100.0 * (1 - _EPS),
                                      dtype=np.float64),
        "disconnect": np.asarray(np.nan_to_num(disc_pct, nan=0.0) > lim.disconnect_max_pct * (1 + _EPS),
                                 dtype=np.float64),
    }


def _ratios(hold_sum: FloatArray, answered: FloatArray, within: FloatArray, calls: FloatArray,
            dropped: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        hold = np.where(answered > 0, hold_sum / np.maximum(answered, 1), np.nan)
        sl = np.where(calls > 0, 100.0 * within / np.maximum(calls, 1), np.nan)
        disc = np.where(calls > 0, 100.0 * dropped / np.maximum(calls, 1), np.nan)
    return hold, sl, disc


@cites("42 CFR 422.111(h)(1)(ii)", "42 CFR 423.128(d)(1)(ii)")
def quarter_failure_probability(to_date: QuarterToDate, forecast: Sequence[IntervalForecast], agents: Sequence[int],
                                params: ParamSet, rng: np.random.Generator, patience_s: float | None = None,
                                volume_cv: float = 0.10, samples: int = 4000,
                                alert_threshold: float = 0.5) -> EarlyWarning:
    """Probability that the quarter ends non-compliant on at least one of the three standards."""
    if len(agents) != len(forecast):
        raise InvalidValue(f"{len(agents)} staffing values for {len(forecast)} intervals")
    if volume_cv < 0 or samples < 1 or not 0 < alert_threshold <= 1:
        raise InvalidValue("need volume_cv >= 0, samples >= 1 and 0 < alert_threshold <= 1")
    h, sl, d = _ratios(np.array([to_date.hold_sum_s]), np.array([float(to_date.answered)]),
                       np.array([float(to_date.answered_within)]), np.array([float(to_date.calls)]),
                       np.array([float(to_date.dropped)]))
    now = {k: float(v[0]) for k, v in _breaches(h, sl, d, params).items()}
    failing_now = tuple(k for k, v in now.items() if v > 0)
    expected_calls = float(sum(f.calls_offered for f in forecast))
    if expected_calls == 0:  # nothing left to happen: the figures to date are the verdict
        p = 1.0 if failing_now else 0.0
        h0, sl0, d0 = (None if math.isnan(v[0]) else float(v[0]) for v in (h, sl, d))
        return EarlyWarning(
            probability_fail=p, probability_by_standard=now, standard_error=0.0, samples=0,
            alert=p >= alert_threshold, alert_threshold=alert_threshold, status="failed" if failing_now else "passed",
            failing_now=failing_now, expected_avg_hold_time_s=h0, expected_answered_within_pct=sl0,
            expected_disconnect_rate_pct=d0, answered_within_pct_p05=sl0, remaining_intervals=len(forecast),
            remaining_calls_expected=0.0)

    table = _tabulate(forecast, agents, params, patience_s, volume_cv)
    fails = {s: np.zeros(samples) for s in ("avg_hold", "answered_within", "disconnect")}
    finals: list[tuple[FloatArray, FloatArray, FloatArray]] = []
    chunk = max(1, min(samples, 2_000_000 // table.values.shape[1]))
    for lo in range(0, samples, chunk):
        size = min(chunk, samples - lo)
        hold, sl, disc = _sample(to_date, table, volume_cv, size, rng)
        for s, v in _breaches(hold, sl, disc, params).items():
            fails[s][lo:lo + size] = v
        finals.append((hold, sl, disc))
    any_fail = np.maximum.reduce(list(fails.values()))
    p = float(any_fail.mean())
    hold_all = np.concatenate([f[0] for f in finals])
    sl_all = np.concatenate([f[1] for f in finals])
    disc_all = np.concatenate([f[2] for f in finals])
    return EarlyWarning(
        probability_fail=p, probability_by_standard={s: float(v.mean()) for s, v in fails.items()},
        standard_error=math.sqrt(p * (1 - p) / samples), samples=samples, alert=p >= alert_threshold,
        alert_threshold=alert_threshold, status="at_risk" if p >= alert_threshold else "on_track",
        failing_now=failing_now, expected_avg_hold_time_s=float(np.nanmean(hold_all)),
        expected_answered_within_pct=float(np.nanmean(sl_all)), expected_disconnect_rate_pct=float(np.nanmean(disc_all)),
        answered_within_pct_p05=float(np.nanpercentile(sl_all, 5)), remaining_intervals=len(forecast),
        remaining_calls_expected=expected_calls)


class _Table:
    """Per calendar day and per volume multiplier on a grid, the day's expected counts.

    ``values`` has shape (6, days, grid): calls answered within t, answered later, abandoned, dropped, and the mean
    and variance of the day's hold sum. Calls of an interval are Poisson and split multinomially, so each outcome
    count of an interval is an independent Poisson (thinning) and a day's count is Poisson with the summed mean;
    the hold sum is compound Poisson (mean sum lambda_i h_i, variance sum lambda_i E[h_i^2]).
    """

    def __init__(self, grid: FloatArray, values: FloatArray) -> None:
        self.grid, self.values = grid, values


def _tabulate(forecast: Sequence[IntervalForecast], agents: Sequence[int], params: ParamSet,
              patience_s: float | None, volume_cv: float) -> _Table:
    lim = limits(params)
    days = sorted({f.interval_start.date() for f in forecast})
    busy = [(f, n) for f, n in zip(forecast, agents, strict=True) if f.calls_offered > 0]
    calls = np.array([f.calls_offered for f, _ in busy])
    day_index = np.array([days.index(f.interval_start.date()) for f, _ in busy], dtype=np.int64)
    if volume_cv > 0:
        sigma = math.sqrt(math.log1p(volume_cv * volume_cv))
        grid = np.exp(-sigma * sigma / 2 + sigma * _GRID_Z)
    else:
        grid = np.array([1.0])
    # identical intervals (same rate, handle time, agents, drops) share one evaluation of the queue model
    keys = np.array([(f.calls_offered / f.length_s, f.aht_s, float(n), f.drop_rate_pct) for f, n in busy])
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    aht, n, drop_pct = uniq[:, 1:2], uniq[:, 2:3], uniq[:, 3:4]
    rate = uniq[:, 0:1] * (1.0 - drop_pct / 100.0) * grid[None, :]  # dropped calls never reach the queue
    patience = math.inf if patience_s is None else patience_s
    r = queue_metrics_arrays(n * np.ones_like(rate), rate, aht * np.ones_like(rate), patience, lim.answer_within_s)
    keep = (1.0 - drop_pct / 100.0) * np.ones_like(rate)
    within = r["service_level"] * keep
    abandon = r["p_abandon"] * keep
    drop = 1.0 - keep
    late = np.clip(1.0 - within - abandon - drop, 0.0, 1.0)
    hold = np.where(np.isfinite(r["avg_wait_served"]), r["avg_wait_served"], 1e9)
    waited = np.clip(r["p_wait"], 1e-12, 1.0)
    second_moment = np.maximum(2.0 * hold * hold / waited, hold * hold)  # exponential wait among those who wait
    answered = within + late
    shares = np.stack([within, late, abandon, drop, answered * hold, answered * second_moment])[:, inverse.ravel(), :]
    expected = shares * (calls[:, None] * grid[None, :])[None, :, :]
    values = np.zeros((6, len(days), grid.size))
    for k in range(6):
        np.add.at(values[k], day_index, expected[k])
    return _Table(grid, values)


def _sample(to_date: QuarterToDate, t: _Table, volume_cv: float, size: int,
            rng: np.random.Generator) -> tuple[FloatArray, FloatArray, FloatArray]:
    n_days = t.values.shape[1]
    if volume_cv > 0:
        sigma = math.sqrt(math.log1p(volume_cv * volume_cv))
        lg = np.log(t.grid)
        x = np.clip(rng.normal(-sigma * sigma / 2, sigma, (size, n_days)), lg[0], lg[-1])
        j = np.clip(np.searchsorted(lg, x) - 1, 0, lg.size - 2)
        w = (x - lg[j]) / (lg[j + 1] - lg[j])
        days = np.arange(n_days)[None, :]
        mean = t.values[:, days, j] * (1 - w) + t.values[:, days, j + 1] * w  # (6, samples, days)
    else:
        mean = np.broadcast_to(t.values[:, None, :, 0], (6, size, n_days))
    within, late, abandoned, dropped = (rng.poisson(np.maximum(mean[k], 0.0)).astype(np.float64) for k in range(4))
    answered = within + late
    expected_answered = mean[0] + mean[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        per_call = np.where(expected_answered > 0, mean[4] / expected_answered, 0.0)
        per_call_sq = np.where(expected_answered > 0, mean[5] / expected_answered, 0.0)
    sd = np.sqrt(np.maximum(per_call_sq - per_call * per_call, 0.0))
    hold_sum = np.maximum(answered * per_call + np.sqrt(answered) * sd * rng.standard_normal(answered.shape), 0.0)
    calls = answered + abandoned + dropped
    return _ratios(to_date.hold_sum_s + hold_sum.sum(axis=1), to_date.answered + answered.sum(axis=1),
                   to_date.answered_within + within.sum(axis=1), to_date.calls + calls.sum(axis=1),
                   to_date.dropped + dropped.sum(axis=1))
