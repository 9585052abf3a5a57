"""Synthetic call logs in the generic call-log schema, with an optional typhoon-like outage.

Arrivals per 30-minute interval follow a daily profile (Poisson); hold times are exponential with a mean
that grows when staffing is short; during the outage most representatives are lost, so holds grow and
some calls are dropped by the plan's side - the situation of the CAP letter (L34).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa


@dataclass(frozen=True)
class Outage:
    """Representatives lost from ``start`` for ``hours`` (holds x ``hold_factor``, ``drop_rate`` of calls dropped)."""

    start: dt.datetime
    hours: float
    hold_factor: float = 6.0
    drop_rate: float = 0.12


def synthetic_call_log(
    *,
    seed: int,
    contracts: tuple[str, ...] = ("H1416", "H2001"),
    start: dt.date = dt.date(2022, 1, 3),
    days: int = 14,
    calls_per_day: int = 300,
    tz: str = "America/New_York",
    mean_hold_s: float = 12.0,
    outage: Outage | None = None,
) -> pa.Table:
    """A call log (Arrow table of strings, ISO timestamps with offsets) reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    zone = ZoneInfo(tz)
    profile = np.array([0.5, 1.0, 1.4, 1.5, 1.3, 1.2, 1.3, 1.2, 1.0, 0.8, 0.6, 0.4])  # 08:00-20:00 by hour
    profile = profile / profile.sum()
    rows: dict[str, list[str]] = {k: [] for k in (
        "call_id", "contract_id", "call_start", "ivr_end", "answered_at", "call_end", "end_reason",
        "interpreter_requested", "interpreter_connected_at", "tty", "tty_connected_at")}
    seq = 0
    for c_index, contract in enumerate(contracts):
        for day in range(days):
            date = start + dt.timedelta(days=day)
            if date.weekday() >= 5:
                continue
            counts = rng.poisson(calls_per_day * profile)
            for hour, count in enumerate(counts):
                offsets = np.sort(rng.uniform(0, 3600, size=count))
                for off in offsets:
                    seq += 1
                    t0 = dt.datetime.combine(date, dt.time(8 + hour), zone) + dt.timedelta(seconds=float(off))
                    hit = outage is not None and c_index == 0 and \
                        outage.start <= t0 < outage.start + dt.timedelta(hours=outage.hours)
                    _one_call(rows, rng, seq, contract, t0, mean_hold_s, outage if hit else None)
    return pa.table({k: pa.array(v, pa.string()) for k, v in rows.items()})


def _one_call(rows: dict[str, list[str]], rng: np.random.Generator, seq: int, contract: str, t0: dt.datetime,
              mean_hold_s: float, outage: Outage | None) -> None:
    ivr_end = t0 + dt.timedelta(seconds=float(rng.uniform(20, 90)))
    hold = float(rng.exponential(mean_hold_s * (outage.hold_factor if outage else 1.0)))
    drop_rate = outage.drop_rate if outage else 0.01
    patience = float(rng.exponential(600.0))
    interpreter = rng.random() < 0.05
    tty = rng.random() < 0.01
    u = rng.random()
    answered_at: dt.datetime | None = None
    if u < drop_rate:
        reason = "dropped"
        end = ivr_end + dt.timedelta(seconds=min(hold, float(rng.uniform(5, 300))))
    elif hold > patience:
        reason = "caller_hangup"
        end = ivr_end + dt.timedelta(seconds=patience)
    else:
        reason = "completed"
        answered_at = ivr_end + dt.timedelta(seconds=round(hold, 1))
        end = answered_at + dt.timedelta(seconds=float(rng.uniform(120, 900)))
    # An interpreter is asked for once a representative answers; a TTY caller is relayed from the start.
    interpreter = interpreter and answered_at is not None
    interp_at = answered_at + dt.timedelta(seconds=float(rng.uniform(30, 420))) if interpreter and answered_at else None
    tty_at = min(t0 + dt.timedelta(seconds=float(rng.uniform(30, 360))), end) if tty else None
    values = {
        "call_id": f"C{seq:08d}", "contract_id": contract, "call_start": _iso(t0), "ivr_end": _iso(ivr_end),
        "answered_at": _iso(answered_at), "call_end": _iso(end), "end_reason": reason,
        "interpreter_requested": "true" if interpreter else "false", "interpreter_connected_at": _iso(interp_at),
        "tty": "true" if tty else "false", "tty_connected_at": _iso(tty_at),
    }
    for k, v in values.items():
        rows[k].append(v)


def _iso(t: dt.datetime | None) -> str:
    return "" if t is None else t.isoformat(timespec="seconds")


def synthetic_call_log_csv(path: Path, *, seed: int, start: dt.date, days: int, outage_start: dt.datetime | None = None,
                           outage_hours: float = 0.0, tz: str = "America/New_York") -> Path:
    """A synthetic call log written as CSV (registry service ``synthetic_call_log_csv`` for other areas' demos)."""
    import pyarrow.csv as pacsv

    outage = Outage(start=outage_start, hours=outage_hours) if outage_start is not None else None
    pacsv.write_csv(synthetic_call_log(seed=seed, start=start, days=days, outage=outage, tz=tz), path)
    return path
