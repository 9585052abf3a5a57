"""The generic per-call log (CSV or Parquet): read, validate row by row, derive durations.

Columns (issue contract): ``call_id, contract_id, call_start, ivr_end, answered_at, call_end, end_reason,
interpreter_requested, interpreter_connected_at, tty, tty_connected_at``; optional ``line``. Timestamps are
ISO 8601 with an offset; ``answered_at`` is empty when no live person answered; ``end_reason`` is one of
``completed``, ``caller_hangup``, ``dropped``. Rows are numbered as in a spreadsheet (the header is row 1).

A bad row is never dropped silently: ``on_error="raise"`` stops at the first problem with an
:class:`InputError`; ``on_error="quarantine"`` keeps the good rows and returns every rejected row with
its reason (written by :func:`write_quarantine`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from partcd.core.errors import InputError
from partcd.io.frames import read_arrow

REQUIRED = ("call_id", "contract_id", "call_start", "ivr_end", "answered_at", "call_end", "end_reason",
            "interpreter_requested", "interpreter_connected_at", "tty", "tty_connected_at")
TIMESTAMPS = ("call_start", "ivr_end", "answered_at", "call_end", "interpreter_connected_at", "tty_connected_at")
END_REASONS = ("completed", "caller_hangup", "dropped")
CONTRACT_ID = re.compile(r"^[HRSE]\d{4}$")
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}
UTC = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class Rejection:
    row: int
    field: str
    reason: str
    values: dict[str, str | None]


@dataclass
class CallLog:
    """Validated calls (Arrow, UTC timestamps + derived seconds and local date) and the rejected rows."""

    file: str
    table: pa.Table
    rejected: list[Rejection] = field(default_factory=list)


def read_call_log(path: Path, *, tz: str = "America/New_York", on_error: Literal["raise", "quarantine"] = "raise",
                  known_contracts: frozenset[str] | None = None) -> CallLog:
    """Load and validate a call log; derive ``hold_s``, ``interpreter_wait_s``, ``tty_wait_s``, ``local_date``."""
    raw = read_arrow(path)
    file = str(path)
    missing = [c for c in REQUIRED if c not in raw.column_names]
    if missing:
        raise InputError(file, None, missing[0], f"missing column (required: {', '.join(REQUIRED)})")
    if raw.num_rows == 0:
        raise InputError(file, None, None, "no calls in the file")
    text = {c: _as_text(raw.column(c)) for c in raw.column_names}
    n = raw.num_rows
    bad = np.zeros(n, dtype=bool)
    rejections: list[Rejection] = []

    def reject(mask: np.ndarray, fld: str, reason: str | list[str]) -> None:
        idx = np.nonzero(mask & ~bad)[0]
        for i in idx:
            why = reason[i] if isinstance(reason, list) else reason
            rejections.append(Rejection(int(i) + 2, fld, why, {c: text[c][i] for c in REQUIRED}))
        bad[idx] = True

    call_id = text["call_id"]
    reject(np.array([not v for v in call_id]), "call_id", "empty call_id")
    first_seen: dict[str, int] = {}
    dup = np.zeros(n, dtype=bool)
    dup_reason = [""] * n
    for i, cid in enumerate(call_id):
        if cid in first_seen:
            dup[i] = True
            dup_reason[i] = f"duplicate call_id {cid!r} (first at row {first_seen[cid] + 2})"
        elif cid:
            first_seen[cid] = i
    reject(dup, "call_id", dup_reason)
    contract = text["contract_id"]
    reject(np.array([not (v and CONTRACT_ID.match(v)) for v in contract]), "contract_id",
           "contract_id must look like H1234, R1234, S1234 or E1234")
    if known_contracts is not None:
        reject(np.array([v not in known_contracts for v in contract]), "contract_id", "unknown contract")
    reject(np.array([v not in END_REASONS for v in text["end_reason"]]), "end_reason",
           f"end_reason must be one of {', '.join(END_REASONS)}")
    flags = {}
    for col in ("interpreter_requested", "tty"):
        low = [(v or "").strip().lower() for v in text[col]]
        reject(np.array([v not in _TRUE | _FALSE for v in low]), col, "must be true or false")
        flags[col] = pa.array([v in _TRUE for v in low], pa.bool_())
    stamps: dict[str, pa.Array] = {}
    for col in TIMESTAMPS:
        parsed, errors = _parse_timestamps(raw.column(col), text[col])
        reject(errors, col, "not an ISO 8601 timestamp with a UTC offset (e.g. 2022-01-03T08:00:05-05:00)")
        stamps[col] = parsed
    reject(np.array([v is None for v in text["call_start"]]), "call_start", "call_start is required")
    secs = {c: _seconds(stamps[c]) for c in TIMESTAMPS}
    _order(reject, secs, "ivr_end", "call_start", "ivr_end is before call_start (negative IVR time)")
    _order(reject, secs, "answered_at", "ivr_end", "answered_at is before ivr_end (answered before the IVR ended)")
    reject(~np.isnan(secs["answered_at"]) & np.isnan(secs["ivr_end"]), "ivr_end",
           "a call answered by a live person needs ivr_end")
    for col in ("answered_at", "ivr_end", "call_start"):
        _order(reject, secs, "call_end", col, f"call_end is before {col} (negative duration)")
    _order(reject, secs, "interpreter_connected_at", "answered_at", "interpreter connected before a person answered")
    _order(reject, secs, "tty_connected_at", "call_start", "tty_connected_at is before call_start")

    if rejections and on_error == "raise":
        first = min(rejections, key=lambda r: r.row)
        more = f" ({len(rejections) - 1} more rejected rows; use quarantine mode to keep the good ones)" \
            if len(rejections) > 1 else ""
        raise InputError(file, first.row, first.field, first.reason + more)

    keep = pa.array(~bad)
    local = pc.cast(pc.local_timestamp(stamps["call_start"].cast(pa.timestamp("us", tz=tz))), pa.date32())
    table = pa.table({
        "call_id": pa.array(call_id, pa.string()),
        "contract_id": pa.array(contract, pa.string()),
        "line": pa.array(text["line"], pa.string()) if "line" in text else pa.nulls(n, pa.string()),
        **{c: stamps[c] for c in TIMESTAMPS},
        "end_reason": pa.array(text["end_reason"], pa.string()),
        "interpreter_requested": flags["interpreter_requested"],
        "tty": flags["tty"],
        "hold_s": _diff(secs["answered_at"], secs["ivr_end"]),
        "queued": pa.array(~np.isnan(secs["ivr_end"])),
        "interpreter_wait_s": _diff(secs["interpreter_connected_at"], secs["answered_at"]),
        "tty_wait_s": _diff(secs["tty_connected_at"], secs["call_start"]),
        "local_date": local,
    }).filter(keep)
    return CallLog(file=file, table=table, rejected=sorted(rejections, key=lambda r: r.row))


def write_quarantine(path: Path, log: CallLog) -> Path:
    """Rejected rows with their row number, field and reason, as CSV (nothing is lost)."""
    rows = [{"row": r.row, "field": r.field, "reason": r.reason, **r.values} for r in log.rejected]
    cols = ["row", "field", "reason", *REQUIRED]
    table = pa.table({c: pa.array([str(x[c]) if x[c] is not None else None for x in rows], pa.string()) for c in cols})
    import pyarrow.csv as pacsv

    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(table, path)
    return path


def _as_text(col: pa.ChunkedArray) -> list[str | None]:
    values = col.to_pylist()
    out: list[str | None] = []
    for v in values:
        if v is None or v == "":
            out.append(None)
        elif isinstance(v, dt.datetime):
            out.append(v.isoformat())
        else:
            out.append(str(v))
    return out


def _parse_timestamps(col: pa.ChunkedArray, text: list[str | None]) -> tuple[pa.Array, np.ndarray]:
    if pa.types.is_timestamp(col.type):
        if col.type.tz is None:
            return pa.nulls(len(text), UTC), np.array([v is not None for v in text])
        return pc.cast(col.combine_chunks(), UTC), np.zeros(len(text), dtype=bool)
    strings = pa.array(text, pa.string())
    try:
        return pc.cast(strings, UTC), np.zeros(len(text), dtype=bool)
    except pa.ArrowInvalid:
        parsed: list[object] = []
        errors = np.zeros(len(text), dtype=bool)
        for i, v in enumerate(text):
            try:
                parsed.append(None if v is None else pc.cast(pa.scalar(v), UTC).as_py())
            except pa.ArrowInvalid:
                parsed.append(None)
                errors[i] = True
        return pa.array(parsed, UTC), errors


def _seconds(arr: pa.Array) -> np.ndarray:
    """Epoch seconds as float (NaN for missing)."""
    us = pc.cast(arr, pa.int64()).to_numpy(zero_copy_only=False).astype("float64")
    mask = np.asarray(pc.is_null(arr).to_numpy(zero_copy_only=False), dtype=bool)
    us[mask] = np.nan
    return np.asarray(us / 1e6, dtype=np.float64)


def _order(reject: Callable[[np.ndarray, str, str], None], secs: dict[str, np.ndarray], later: str, earlier: str,
           reason: str) -> None:
    a, b = secs[later], secs[earlier]
    with np.errstate(invalid="ignore"):
        mask = ~np.isnan(a) & ~np.isnan(b) & (a < b)
    reject(mask, later, reason)


def _diff(a: np.ndarray, b: np.ndarray) -> pa.Array:
    d = a - b
    return pa.array(d, pa.float64(), mask=np.isnan(d))
