"""Parts 422 subpart M, 423 subpart M - decision due times of every case of a file (the vectorised clocks).

``partcd appeals clock --cases FILE --out FILE`` reads a case CSV (or Parquet) and writes, for every case, the
timeframe id its decision follows, the due time (local, with its offset, and UTC) and the citation, computed by
:func:`partcd.appeals.rules.clocks_vector.decision_due` with the parameters in force on each case's local date of
receipt (a file may span several parameter periods: each period's cases are computed with its own file).

Columns (header = row 1; rows are numbered as in a spreadsheet): ``case_id`` (text, <= 64 characters), ``case_type``
(one of :data:`partcd.appeals.rules.workflow.CASE_TYPES`), ``received`` (ISO 8601; without an offset it is a local
time of the plan's zone), and optionally ``expedited``, ``payment``, ``part_b_drug``, ``prior_authorization``
(true/false, 1/0, y/n; default false) and ``supporting_statement`` (ISO 8601, Part D exceptions). At most
:data:`MAX_ROWS` rows. A bad cell is an ``InputError`` naming the file, the row and the column.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from partcd.appeals.rules.clocks_vector import CASE_TYPE_CODES, _local_days, decision_due, decision_id
from partcd.appeals.rules.parameters import AppealsParams
from partcd.appeals.rules.workflow import CASE_TYPES
from partcd.core import calendar
from partcd.core.errors import InputError, RuleError
from partcd.platform.exports import TABLE_EXTENSIONS, safe_cell, write_records
from partcd.platform.params import area_files, load_params

MAX_ROWS = 5_000_000
REQUIRED = ("case_id", "case_type", "received")
FLAGS = ("expedited", "payment", "part_b_drug", "prior_authorization")
OPTIONAL = (*FLAGS, "supporting_statement")
_TRUE = {"true", "1", "y", "yes", "t"}
_FALSE = {"false", "0", "n", "no", "f", ""}
_OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})$"


def _read(path: Path) -> pd.DataFrame:
    name = str(path)
    if path.suffix.lower() == ".parquet":
        frame = pd.read_parquet(path).astype(str)
    elif path.suffix.lower() == ".csv":
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, nrows=MAX_ROWS + 1)
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
            raise InputError(name, None, None, f"not a readable CSV ({type(exc).__name__})") from None
    else:
        raise InputError(name, None, None, "the case file must end in .csv or .parquet")
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise InputError(name, 1, missing[0], f"missing column(s) {', '.join(missing)}; required: {', '.join(REQUIRED)}")
    unknown = [c for c in frame.columns if c not in (*REQUIRED, *OPTIONAL)]
    if unknown:
        raise InputError(name, 1, unknown[0], f"unknown column; known: {', '.join((*REQUIRED, *OPTIONAL))}")
    if len(frame) > MAX_ROWS:
        raise InputError(name, MAX_ROWS + 2, None, f"more than {MAX_ROWS:,} cases")
    if frame.empty:
        raise InputError(name, 2, None, "no cases")
    return frame


def _first_bad(mask: npt.NDArray[np.bool_]) -> int:
    return int(np.flatnonzero(mask)[0]) + 2  # spreadsheet row: header is row 1


def _instants(values: pd.Series, zone: str, name: str, column: str, *, optional: bool) -> npt.NDArray[np.datetime64]:
    """ISO 8601 text -> UTC ``datetime64[us]`` (NaT where empty and ``optional``); a naive time is local to ``zone``
    (a time skipped by DST is refused; a repeated one is its first occurrence, as the per-case engine reads it)."""
    text = values.fillna("").astype(str).str.strip()
    empty = (text == "").to_numpy()
    if empty.any() and not optional:
        raise InputError(name, _first_bad(empty), column, "empty; an ISO 8601 date-time is required")
    aware = text.str.contains(_OFFSET, regex=True).to_numpy()
    out = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[us]")
    if aware.any():
        parsed = pd.to_datetime(text[aware], utc=True, errors="coerce", format="ISO8601")
        bad = parsed.isna().to_numpy()
        if bad.any():
            raise InputError(name, int(np.flatnonzero(aware)[np.flatnonzero(bad)[0]]) + 2, column,
                             "not an ISO 8601 date-time (e.g. 2021-03-02T09:00:00-05:00)")
        out[aware] = parsed.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
    naive = ~aware & ~empty
    if naive.any():
        parsed = pd.to_datetime(text[naive], errors="coerce", format="ISO8601")
        bad = parsed.isna().to_numpy()
        if bad.any():
            raise InputError(name, int(np.flatnonzero(naive)[np.flatnonzero(bad)[0]]) + 2, column,
                             "not an ISO 8601 date-time (e.g. 2021-03-02T09:00:00)")
        try:
            local = parsed.dt.tz_localize(zone, ambiguous=np.ones(len(parsed), dtype=bool), nonexistent="raise")
        except Exception as exc:  # pytz/zoneinfo NonExistentTimeError: a time the zone skips
            raise InputError(name, None, column, f"a local time that {zone} skips (DST): {exc}") from None
        out[naive] = local.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
    return out


def _flag(values: pd.Series, name: str, column: str) -> npt.NDArray[np.bool_]:
    text = values.fillna("").astype(str).str.strip().str.lower()
    ok = text.isin(_TRUE | _FALSE).to_numpy()
    if not ok.all():
        raise InputError(name, _first_bad(~ok), column, "expected true/false (1/0, y/n)")
    return np.asarray(text.isin(_TRUE).to_numpy(), dtype=bool)


def _periods(local_days: npt.NDArray[np.int64]) -> tuple[list[dt.date], npt.NDArray[np.int64]]:
    """The parameter periods of the appeals area and the index of the period each local receipt date falls in."""
    starts = sorted(pf.period_value for pf in area_files("appeals").values() if isinstance(pf.period_value, dt.date))
    first = np.array([(d - dt.date(1970, 1, 1)).days for d in starts], dtype=np.int64)
    return starts, np.searchsorted(first, local_days, side="right") - 1


def bulk_clocks(path: Path, out: Path, *, tz: str | None = None, excel_csv: bool = False) -> dict[str, Any]:
    """Read the case file, compute every case's decision due time with the vectorised clocks, write ``out`` in the
    format of its extension (``.csv``, ``.parquet``, ``.json``, ``.xlsx``; ``excel_csv``: CSV with a UTF-8 BOM)."""
    started = time.perf_counter()
    name = str(path)
    frame = _read(path)
    zone = tz or load_params("appeals", dt.date.today()).typed(AppealsParams).plan_time_zone_text
    calendar.zone_of(zone, "--tz")
    ids = frame["case_id"].astype(str)
    long_id = (ids.str.len() > 64).to_numpy()
    if long_id.any():
        raise InputError(name, _first_bad(long_id), "case_id", "longer than 64 characters")
    types = frame["case_type"].astype(str).str.strip()
    unknown = (~types.isin(CASE_TYPES)).to_numpy()
    if unknown.any():
        raise InputError(name, _first_bad(unknown), "case_type", f"unknown case type; one of: {', '.join(CASE_TYPES)}")
    codes = types.map(CASE_TYPE_CODES).to_numpy(dtype=np.int8)
    received = _instants(frame["received"], zone, name, "received", optional=False)
    flags = {f: _flag(frame[f], name, f) if f in frame.columns else np.zeros(len(frame), dtype=bool) for f in FLAGS}
    ss = (_instants(frame["supporting_statement"], zone, name, "supporting_statement", optional=True)
          if "supporting_statement" in frame.columns else np.full(len(frame), np.datetime64("NaT"), "datetime64[us]"))
    local_days = _local_days(received.astype(np.int64), calendar.zone_of(zone))
    starts, period = _periods(local_days)
    if (period < 0).any():
        raise InputError(name, _first_bad(period < 0), "received", f"before the first appeals parameters "
                         f"({starts[0].isoformat()}): nothing is answered earlier")
    due = np.empty(len(frame), dtype="datetime64[us]")
    cite_of: dict[tuple[int, str], str] = {}
    # the decision's id per distinct combination of type and flags (a few dozen), not per row
    combo = codes.astype(np.int64) * 16
    for bit, f in enumerate(("prior_authorization", "part_b_drug", "payment", "expedited")):
        combo += flags[f].astype(np.int64) << bit
    uniq, inverse = np.unique(combo, return_inverse=True)
    ids_of = np.array([decision_id(CASE_TYPES[int(c) // 16], bool(c & 8), bool(c & 4), bool(c & 2), bool(c & 1))
                       for c in uniq.tolist()], dtype=object)
    tf_ids = ids_of[inverse.reshape(-1)]
    for k in np.unique(period).tolist():
        rows = period == k
        params = load_params("appeals", starts[k])
        try:
            due[rows] = decision_due(received[rows], codes[rows], flags["expedited"][rows], params,
                                     payment=flags["payment"][rows], part_b_drug=flags["part_b_drug"][rows],
                                     prior_authorization=flags["prior_authorization"][rows],
                                     supporting_statement=ss[rows], zone=zone)
        except RuleError as exc:
            raise InputError(name, _first_bad(rows), "received", exc.message()) from None
        view = params.typed(AppealsParams)
        for tf in set(tf_ids[rows].tolist()):
            cite_of[(k, tf)] = "; ".join(c.label() for c in view.timeframe_cite(tf))
    result = pd.DataFrame({
        "case_id": ids.to_numpy(), "case_type": types.to_numpy(), "timeframe_id": tf_ids,
        "due": _local_iso(due, zone), "due_utc": np.char.add(_iso_text(due), "Z"),
        "citation": [cite_of[(int(k), str(t))] for k, t in zip(period, tf_ids, strict=True)],
        "parameters": [starts[int(k)].isoformat() for k in period],
    })
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".parquet":
        result.to_parquet(out, index=False)
    elif out.suffix.lower() == ".csv":  # pandas writes millions of rows fast; the case ids a spreadsheet could run neutralised
        result.assign(case_id=result["case_id"].map(safe_cell)).to_csv(
            out, index=False, encoding="utf-8-sig" if excel_csv else "utf-8")
    elif out.suffix.lower() in TABLE_EXTENSIONS:
        write_records(result, out, sheet="decision due times")
    else:
        raise InputError(str(out), None, None, f"--out must end in {', '.join(TABLE_EXTENSIONS)}")
    return {"cases": len(result), "out": str(out), "zone": zone, "seconds": round(time.perf_counter() - started, 3),
            "periods": sorted({starts[int(k)].isoformat() for k in np.unique(period)})}


def _iso_text(values: npt.NDArray[np.datetime64]) -> npt.NDArray[np.str_]:
    """ISO 8601 without an offset, to the second - or to the microsecond where there is a fraction (as
    ``datetime.isoformat`` prints the per-case due times)."""
    text = np.datetime_as_string(values.astype("datetime64[s]"), unit="s")
    frac = values.astype(np.int64) % 1_000_000 != 0
    if frac.any():
        text = np.where(frac, np.datetime_as_string(values, unit="us"), text)
    return text


def _local_iso(due: npt.NDArray[np.datetime64], zone: str) -> npt.NDArray[np.str_]:
    """ISO 8601 local times with their offset (``2021-03-16T23:59:59-04:00``), as the per-case clock prints them.

    Vectorised: the local wall time is the UTC instant converted by pandas, its offset is the difference, and each
    distinct offset is formatted once."""
    utc = pd.DatetimeIndex(due.astype("datetime64[us]"))
    wall = utc.tz_localize("UTC").tz_convert(zone).tz_localize(None)
    offset_s = ((wall - utc).to_numpy().astype("timedelta64[s]").astype(np.int64))
    text = _iso_text(wall.to_numpy().astype("datetime64[us]"))
    codes, inverse = np.unique(offset_s, return_inverse=True)
    labels = np.array([f"{'-' if o < 0 else '+'}{abs(int(o)) // 3600:02d}:{abs(int(o)) % 3600 // 60:02d}" for o in codes])
    return np.char.add(text, labels[inverse.reshape(-1)])
