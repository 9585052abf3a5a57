"""The generic per-call log (CSV or Parquet): read, validate row by row, derive durations.

Columns (issue contract): ``call_id, contract_id, call_start, ivr_end, answered_at, call_end, end_reason,
interpreter_requested, interpreter_connected_at, tty, tty_connected_at``; optional ``line``. Timestamps are
ISO 8601 with an offset; ``answered_at`` is empty when no live person answered; ``end_reason`` is one of
``completed``, ``caller_hangup``, ``dropped``. Rows are numbered as in a spreadsheet (the header is row 1).

A bad row is never dropped silently: ``on_error="raise"`` stops at the first problem with an
:class:`InputError`; ``on_error="quarantine"`` keeps the good rows and returns every rejected row with
its reason (written by :func:`write_quarantine`).

Exports of contact-center platforms are read through a mapping profile (:mod:`partcd.callcenter.readers.calllog_profiles`):
``profile="amazon_connect"`` (or a profile YAML file), or detected from the header when not given. Mapped rows
keep the row numbers of the export; rows a profile filters out are counted in :attr:`CallLog.filtered`.
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

from partcd.callcenter.readers.calllog_profiles import (
    REJECT_FIELD,
    REJECT_REASON,
    ROW,
    FilteredRows,
    GenericProfile,
    MappedProfile,
    apply_profile,
    detect_profile,
    filtered_rows,
    load_profile,
)
from partcd.core.errors import ConfigError, InputError
from partcd.platform.frames import read_arrow

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
    profile: str = "generic"
    filtered: list[FilteredRows] = field(default_factory=list)
    absent_columns: list[str] = field(default_factory=list)
    source_columns: tuple[str, ...] = REQUIRED
    #: Generic fields the export cannot tell (its profile maps them from an absent column): metrics on them are
    #: "not measurable", never a pass or a miss (e.g. no interpreter-connected time in the export).
    unmeasured: frozenset[str] = frozenset()

    @property
    def filtered_count(self) -> int:
        return sum(f.count for f in self.filtered)


def read_call_log(path: Path, *, tz: str = "America/New_York", on_error: Literal["raise", "quarantine"] = "raise",
                  known_contracts: frozenset[str] | None = None,
                  profile: str | Path | GenericProfile | MappedProfile | None = None) -> CallLog:
    """Load and validate a call log; derive ``hold_s``, ``interpreter_wait_s``, ``tty_wait_s``, ``local_date``.

    ``profile``: a built-in profile name, a profile YAML file or a loaded profile; None = detect it from the header
    (the generic schema when its columns are present).
    """
    raw = read_arrow(path)
    file = str(path)
    prof = load_profile(profile) if isinstance(profile, (str, Path)) else profile
    if prof is None:
        prof = detect_profile(raw.column_names, file)
    if isinstance(prof, MappedProfile):
        return _read_mapped(raw, file, prof, tz, on_error, known_contracts)
    missing = [c for c in REQUIRED if c not in raw.column_names]
    if missing:
        raise InputError(file, None, missing[0], f"missing column (required: {', '.join(REQUIRED)})")
    if raw.num_rows == 0:
        raise InputError(file, None, None, "no calls in the file")
    text = {c: _as_strings(raw.column(c)) for c in raw.column_names if not _is_stamp(raw.column(c))}
    rows = np.arange(raw.num_rows, dtype=np.int64) + 2
    return _validate(file, raw, text, rows, tz=tz, on_error=on_error, known_contracts=known_contracts,
                     values_of=lambda i: {c: _cell(raw.column(c), i) for c in REQUIRED})


def _read_mapped(raw: pa.Table, file: str, prof: MappedProfile, tz: str, on_error: Literal["raise", "quarantine"],
                 known_contracts: frozenset[str] | None) -> CallLog:
    mapped = apply_profile(raw, prof, file, tz=tz)
    filtered = filtered_rows(mapped)
    if mapped.num_rows == 0:
        why = "; ".join(f"{f.count} filtered out by {f.column}" for f in filtered if f.count)
        raise InputError(file, None, None, "no calls in the file" + (f" ({why})" if why else ""))
    text = {c: _as_strings(mapped.column(c)) for c in REQUIRED
            if c in mapped.column_names and not _is_stamp(mapped.column(c))}
    text["line"] = _as_strings(mapped.column("line"))
    rows = np.asarray(mapped.column(ROW).to_numpy(), dtype=np.int64)
    pre_field = mapped.column(REJECT_FIELD).to_pylist()
    pre_reason = mapped.column(REJECT_REASON).to_pylist()
    def values_of(i: int) -> dict[str, str | None]:
        src = int(rows[i]) - 2
        return {c: _cell(raw.column(c), src) for c in raw.column_names}

    names = _source_names(prof)
    log = _validate(file, mapped, text, rows, tz=tz, on_error=on_error, known_contracts=known_contracts,
                    values_of=values_of, pre=(pre_field, pre_reason), names=names)
    log.profile = prof.name
    log.filtered = filtered
    log.source_columns = tuple(raw.column_names)
    log.absent_columns = [c for c in _optional_columns(prof) if c not in raw.column_names]
    log.unmeasured = frozenset(
        stamp for stamp in ("interpreter_connected_at", "tty_connected_at")
        if getattr(prof, stamp) is None
        or (getattr(prof, stamp).column is not None and getattr(prof, stamp).column not in raw.column_names))
    return log


def _source_names(prof: MappedProfile) -> dict[str, str]:
    """Generic field -> the export column it comes from (used to name the field in errors)."""
    names = {"call_id": prof.call_id.column, "end_reason": prof.end_reason.column}
    if prof.contract_id.column is not None:
        names["contract_id"] = prof.contract_id.column
    for flag in ("interpreter_requested", "tty"):
        col = getattr(prof, flag).column
        if col is not None:
            names[flag] = col
    for stamp in TIMESTAMPS:
        spec = getattr(prof, stamp)
        if spec is not None and spec.after is None:
            names[stamp] = spec.column or spec.time_column
    return names


def _optional_columns(prof: MappedProfile) -> list[str]:
    cols = [prof.line.column] if prof.line is not None and prof.line.optional else []
    cols += [getattr(prof, s).column for s in TIMESTAMPS if getattr(prof, s) is not None and getattr(prof, s).optional]
    cols += [f.column for f in (prof.interpreter_requested, prof.tty) if f.column is not None and f.when_absent is not None]
    return [c for c in cols if c is not None]


def _validate(file: str, raw: pa.Table, text: dict[str, pa.Array], rows: np.ndarray, *, tz: str,
              on_error: Literal["raise", "quarantine"], known_contracts: frozenset[str] | None,
              values_of: Callable[[int], dict[str, str | None]],
              pre: tuple[list[str | None], list[str | None]] | None = None,
              names: dict[str, str] | None = None) -> CallLog:
    """Every check is a vectorised mask over the whole column; text is built only for rejected rows."""
    n = raw.num_rows
    bad = np.zeros(n, dtype=bool)
    rejections: list[Rejection] = []
    shown = names or {}

    def reject(mask: np.ndarray, fld: str, reason: str | Callable[[int], str]) -> None:
        idx = np.nonzero(mask & ~bad)[0]
        for i in idx:
            why = reason(int(i)) if callable(reason) else reason
            rejections.append(Rejection(int(rows[i]), shown.get(fld, fld), why, values_of(int(i))))
        bad[idx] = True

    if pre is not None:
        for i, (fld, why) in enumerate(zip(*pre, strict=True)):
            if fld is not None:
                rejections.append(Rejection(int(rows[i]), fld, str(why), values_of(i)))
                bad[i] = True
    call_id = text["call_id"]
    reject(_np(pc.is_null(call_id)), "call_id", "empty call_id")
    dup, first_row = _duplicates(call_id, rows)
    reject(dup, "call_id", lambda i: f"duplicate call_id {call_id[i].as_py()!r} (first at row {first_row[i]})")
    contract = text["contract_id"]
    reject(~_np(pc.match_substring_regex(contract, CONTRACT_ID.pattern)), "contract_id",
           "contract_id must look like H1234, R1234, S1234 or E1234")
    if known_contracts is not None:
        reject(~_np(pc.is_in(contract, value_set=pa.array(sorted(known_contracts), pa.string()))), "contract_id",
               "unknown contract")
    reject(~_np(pc.is_in(text["end_reason"], value_set=pa.array(END_REASONS))), "end_reason",
           f"end_reason must be one of {', '.join(END_REASONS)}")
    flags = {}
    for col in ("interpreter_requested", "tty"):
        low = pc.utf8_lower(pc.utf8_trim_whitespace(pc.fill_null(text[col], "")))
        reject(~_np(pc.is_in(low, value_set=pa.array(sorted(_TRUE | _FALSE)))), col, "must be true or false")
        flags[col] = pc.is_in(low, value_set=pa.array(sorted(_TRUE)))
    stamps: dict[str, pa.Array] = {}
    for col in TIMESTAMPS:
        parsed, errors = _parse_timestamps(raw.column(col), text.get(col))
        reject(errors, col, "not an ISO 8601 timestamp with a UTC offset (e.g. 2022-01-03T08:00:05-05:00)")
        stamps[col] = parsed
    reject(_np(pc.is_null(stamps["call_start"])), "call_start", "call_start is required")
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
        "call_id": call_id,
        "contract_id": contract,
        "line": text["line"] if "line" in text else pa.nulls(n, pa.string()),
        **{c: stamps[c] for c in TIMESTAMPS},
        "end_reason": text["end_reason"],
        "interpreter_requested": flags["interpreter_requested"],
        "tty": flags["tty"],
        "hold_s": _diff(secs["answered_at"], secs["ivr_end"]),
        "queued": pa.array(~np.isnan(secs["ivr_end"])),
        "interpreter_wait_s": _diff(secs["interpreter_connected_at"], secs["answered_at"]),
        "tty_wait_s": _diff(secs["tty_connected_at"], secs["call_start"]),
        "local_date": local,
    }).filter(keep)
    return CallLog(file=file, table=table, rejected=sorted(rejections, key=lambda r: r.row))


def _np(mask: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean Arrow mask as numpy (null -> False)."""
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)


def _duplicates(call_id: pa.Array, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose non-empty call_id appeared earlier, and the row number of that first appearance."""
    codes = np.asarray(pc.dictionary_encode(call_id).indices.to_numpy(zero_copy_only=False))
    valid = _np(pc.is_valid(call_id))
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    starts = np.ones(len(codes), dtype=bool)
    starts[1:] = sorted_codes[1:] != sorted_codes[:-1]
    first_pos = order[np.maximum.accumulate(np.where(starts, np.arange(len(codes)), 0))]
    first_of = np.empty(len(codes), dtype=np.int64)
    first_of[order] = first_pos
    dup = valid & (first_of != np.arange(len(codes)))
    return dup, rows[first_of]


def parse_contracts(value: str) -> frozenset[str]:
    """The known contracts: a file (one id a line, ``#`` comments; or a CSV with a ``contract_id`` column) or ``H1234,H5678``."""
    path = Path(value)
    file = str(path)
    if path.is_file():
        lines = [ln.split("#", 1)[0].strip() for ln in path.read_text(encoding="utf-8-sig").splitlines()]
        header = [c.strip() for c in lines[0].split(",")] if lines else []
        if "contract_id" in header:
            col = header.index("contract_id")
            items = [(i, ln.split(",")[col].strip() if len(ln.split(",")) > col else "")
                     for i, ln in enumerate(lines[1:], start=2) if ln]
        else:
            items = [(i, ln) for i, ln in enumerate(lines, start=1) if ln]
        for row, cid in items:
            if not CONTRACT_ID.match(cid):
                raise InputError(file, row, "contract_id", f"{cid!r} does not look like H1234, R1234, S1234 or E1234")
        if not items:
            raise InputError(file, None, None, "no contracts in the file")
        return frozenset(cid for _, cid in items)
    ids = [v.strip() for v in value.split(",") if v.strip()]
    wrong = [v for v in ids if not CONTRACT_ID.match(v)]
    if wrong or not ids:
        raise ConfigError(f"--contracts: not a file and not a list of contract ids like H1234,H5678: {value!r}")
    return frozenset(ids)


def write_quarantine(path: Path, log: CallLog) -> Path:
    """Rejected rows with their row number, field and reason, as CSV (nothing is lost)."""
    rows = [{"row": r.row, "field": r.field, "reason": r.reason, **r.values} for r in log.rejected]
    cols = ["row", "field", "reason", *log.source_columns]
    table = pa.table({c: pa.array([str(x.get(c)) if x.get(c) is not None else None for x in rows], pa.string())
                      for c in cols})
    import pyarrow.csv as pacsv

    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(table, path)
    return path


def _is_stamp(col: pa.ChunkedArray) -> bool:
    return bool(pa.types.is_timestamp(col.type))


def _as_strings(col: pa.ChunkedArray) -> pa.Array:
    """The column as Arrow text, empty strings as missing (booleans as true/false)."""
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    arr = pc.cast(arr, pa.string())
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def _cell(col: pa.ChunkedArray, i: int) -> str | None:
    """One value as text, for a rejected row's report."""
    v = col[i].as_py()
    if v is None or v == "":
        return None
    return v.isoformat() if isinstance(v, dt.datetime) else str(v)


def _parse_timestamps(col: pa.ChunkedArray, text: pa.Array | None) -> tuple[pa.Array, np.ndarray]:
    """UTC timestamps and a mask of unparseable cells (naive timestamps, text without an offset)."""
    n = len(col)
    if pa.types.is_timestamp(col.type):
        arr = col.combine_chunks()
        if col.type.tz is None:
            return pa.nulls(n, UTC), _np(pc.is_valid(arr))
        return pc.cast(arr, UTC), np.zeros(n, dtype=bool)
    strings = text if text is not None else _as_strings(col)
    try:
        return pc.cast(strings, UTC), np.zeros(n, dtype=bool)
    except pa.ArrowInvalid:
        parsed: list[object] = []
        errors = np.zeros(n, dtype=bool)
        for i, v in enumerate(strings.to_pylist()):
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
