"""A hand-made generic call log for the call-center and compliance tests (shared by tests/callcenter and tests/compliance)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

HEADER = ("call_id,contract_id,call_start,ivr_end,answered_at,call_end,end_reason,interpreter_requested,"
          "interpreter_connected_at,tty,tty_connected_at\n")


def call(cid: str, contract: str, day: str, hhmm: str, hold_s: float | None, end_reason: str = "completed") -> str:
    """One call: 40 s of IVR, then ``hold_s`` on hold (None: never answered), 5 minutes of talk or 60 s to the end."""
    start = dt.datetime.fromisoformat(f"{day}T{hhmm}:00-05:00")
    ivr = start + dt.timedelta(seconds=40)
    answered = None if hold_s is None else ivr + dt.timedelta(seconds=hold_s)
    end = (answered + dt.timedelta(minutes=5)) if answered else ivr + dt.timedelta(seconds=60)
    iso = lambda t: "" if t is None else t.isoformat()  # noqa: E731
    return f"{cid},{contract},{iso(start)},{iso(ivr)},{iso(answered)},{iso(end)},{end_reason},false,,false,\n"


# 2022-01-03 H1416: holds 20, 30, 31, 10, 5 s -> avg 19.2 s; within 30 s: 20, 30, 10, 5 = 4 of 5 = 80 % (exactly the
#   standard: compliant); no drops -> 0 %. Compliant.
# 2022-01-04 H1416: holds 200 and 100 s (avg 150 s > 120), one caller hang-up, one plan drop -> 0 of 4 within 30 s = 0 %,
#   disconnects 1 of 4 = 25 %. Non-compliant on all three standards.
# 2022-01-03 H2001: one call, hold 10 s -> compliant.
DAYS = (
    call("a1", "H1416", "2022-01-03", "09:00", 20) + call("a2", "H1416", "2022-01-03", "09:10", 30)
    + call("a3", "H1416", "2022-01-03", "09:20", 31) + call("a4", "H1416", "2022-01-03", "09:30", 10)
    + call("a5", "H1416", "2022-01-03", "09:40", 5)
    + call("b1", "H1416", "2022-01-04", "09:00", 200) + call("b2", "H1416", "2022-01-04", "09:10", 100)
    + call("b3", "H1416", "2022-01-04", "09:20", None, "caller_hangup")
    + call("b4", "H1416", "2022-01-04", "09:30", None, "dropped")
    + call("c1", "H2001", "2022-01-03", "11:00", 10)
)


def write_log(path: Path, body: str = DAYS) -> Path:
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def compliant_days(start: dt.date, n: int, contracts: tuple[str, ...] = ("H1416",)) -> str:
    """``n`` weekdays from ``start``, each with two calls of 10 s hold per contract (compliant)."""
    out, day, i = "", start, 0
    while i < n:
        if day.weekday() < 5:
            for c in contracts:
                out += call(f"{c}-{day}-1", c, day.isoformat(), "10:00", 10)
                out += call(f"{c}-{day}-2", c, day.isoformat(), "11:00", 12)
            i += 1
        day += dt.timedelta(days=1)
    return out
