"""§ 422.111(h)(1)(ii), § 423.128(d)(1)(ii) - call-center metrics with validation and derivation pushed into the engine.

Same answers as :func:`partcd.callcenter.pipelines.metrics.run_metrics`, for large typed Parquet logs. The row-by-row
checks of :mod:`partcd.callcenter.readers.calllog` run as ONE aggregate query in the engine (empty ``call_id``, duplicates by
distinct 64-bit hashes, missing ``call_start``, every time-order rule; the distinct contract ids and end reasons
are returned and checked with the reader's own pattern and list); the derived columns
(``hold_s``, ``queued``, ``local_date``) are computed in SQL with the same arithmetic (epoch microseconds / 1e6,
then the difference), and the metrics are the same :func:`~partcd.callcenter.pipelines.metrics.metrics_expr` followed
by the same verdicts (:func:`partcd.callcenter.rules.standards.evaluate`).

The engine checks are conservative: whenever they find anything the Arrow reader could reject - or the file is
not a typed Parquet log (UTC-offset timestamps in microseconds, boolean flags, text ids) - the run falls back to
``run_metrics`` itself, so bad input gets exactly the same errors, row numbers and quarantine file.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq

from partcd.callcenter.pipelines.metrics import MetricsReport, Period, metrics_expr, run_metrics, verdict_records
from partcd.callcenter.readers.calllog import CONTRACT_ID, END_REASONS, REQUIRED, TIMESTAMPS
from partcd.callcenter.rules.standards import CallCenterParams
from partcd.platform import frames
from partcd.platform.params import load_params

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

#: Dialect fragments: epoch seconds as the Arrow reader computes them, and the local calendar date.
_SQL: dict[str, dict[str, str]] = {
    "duckdb": {"source": "CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM read_parquet('{path}')",
               "secs": "(epoch_us({c}) / 1e6)", "local_date": "CAST(timezone('{tz}', {c}) AS DATE)",
               "id_hash": "hash(call_id)", "distinct_list": "list(DISTINCT {c})", "micros": "epoch_us({c})"},
    "pyspark": {"source": "CREATE OR REPLACE TEMP VIEW {name} USING parquet OPTIONS (path '{path}')",
                "secs": "(unix_micros({c}) / 1e6)", "local_date": "to_date(from_utc_timestamp({c}, '{tz}'))",
                "id_hash": "xxhash64(call_id)", "distinct_list": "collect_set({c})", "micros": "unix_micros({c})"},
}

#: (later, earlier) pairs: a row is refused when later < earlier (io/calllog.py ``_order``).
_ORDER = (("ivr_end", "call_start"), ("answered_at", "ivr_end"), ("call_end", "answered_at"), ("call_end", "ivr_end"),
          ("call_end", "call_start"), ("interpreter_connected_at", "answered_at"), ("tty_connected_at", "call_start"))


def typed_parquet(path: Path) -> bool:
    """True when the file is Parquet with the columns the fast path can validate without the Arrow reader."""
    if frames.file_format(path) != "parquet" or not path.is_file():
        return False
    schema = pq.read_schema(path)
    if any(c not in schema.names for c in REQUIRED):
        return False
    for c in TIMESTAMPS:
        t = schema.field(c).type
        if not (pa.types.is_timestamp(t) and t.tz is not None and t.unit == "us"):
            return False
    return all(pa.types.is_boolean(schema.field(c).type) for c in ("interpreter_requested", "tty")) and \
        all(pa.types.is_string(schema.field(c).type) or pa.types.is_large_string(schema.field(c).type)
            for c in ("call_id", "contract_id", "end_reason"))


def run_metrics_fast(path: Path, by: Period = "day", engine: str | None = None, tz: str = "America/New_York",
                     quarantine: Path | None = None, timings: dict[str, float] | None = None) -> MetricsReport:
    """Like ``run_metrics``; validation, derivation and aggregation run in the engine for clean typed Parquet.

    ``timings`` (optional) receives the seconds of each stage: ``check_s``, ``aggregate_s``, ``verdicts_s``, or
    ``fallback_s`` when the Arrow-side pipeline ran instead.
    """
    clock = timings if timings is not None else {}
    t0 = time.perf_counter()
    if not typed_parquet(path):
        return run_metrics(path, by=by, engine=engine, tz=tz, quarantine=quarantine)
    name = frames.engine_name(engine)
    con = frames.connect(name)
    sql = _SQL[con.name]
    src = "partcd_calls_src"
    con.raw_sql(sql["source"].format(name=src, path=str(path.resolve()).replace("'", "''")))
    secs = {c: sql["secs"].format(c=c) for c in TIMESTAMPS}
    line = "NULLIF(line, '')" if "line" in pq.read_schema(path).names else "CAST(NULL AS STRING)"
    bad = " OR ".join(["call_id IS NULL", "call_id = ''", "contract_id IS NULL", "end_reason IS NULL", "call_start IS NULL",
                       "(answered_at IS NOT NULL AND ivr_end IS NULL)", *(f"{a} < {b}" for a, b in _ORDER)])
    # One scan: row count, distinct 64-bit hashes of call_id (a collision only costs a fallback), rows breaking a
    # row rule, the distinct contract ids and end reasons (checked below with the reader's own rules), first call.
    n, ids, n_bad, contracts, reasons, first_us = _one_row(con, (
        f"SELECT count(*), count(DISTINCT {sql['id_hash']}), sum(CASE WHEN {bad} THEN 1 ELSE 0 END), "
        f"{sql['distinct_list'].format(c='contract_id')}, {sql['distinct_list'].format(c='end_reason')}, "
        f"min({sql['micros'].format(c='call_start')}) FROM {src}"))
    clock["check_s"] = time.perf_counter() - t0
    clean = n > 0 and not n_bad and ids == n and all(isinstance(c, str) and CONTRACT_ID.match(c) for c in contracts) \
        and all(r in END_REASONS for r in reasons)
    if not clean:
        t0 = time.perf_counter()
        try:
            return run_metrics(path, by=by, engine=engine, tz=tz, quarantine=quarantine)
        finally:
            clock["fallback_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    con.raw_sql(
        f"CREATE OR REPLACE TEMP VIEW partcd_calls AS SELECT contract_id, {line} AS line, end_reason, "
        f"coalesce(interpreter_requested, false) AS interpreter_requested, coalesce(tty, false) AS tty, "
        f"{secs['answered_at']} - {secs['ivr_end']} AS hold_s, ivr_end IS NOT NULL AS queued, "
        f"{secs['interpreter_connected_at']} - {secs['answered_at']} AS interpreter_wait_s, "
        f"{secs['tty_connected_at']} - {secs['call_start']} AS tty_wait_s, "
        f"{sql['local_date'].format(c='call_start', tz=tz)} AS local_date FROM {src}")
    calls = con.table("partcd_calls")
    # The local date is non-decreasing in time, so the first call's local date is the first day.
    first_day = (_EPOCH + dt.timedelta(microseconds=int(first_us))).astimezone(ZoneInfo(tz)).date()
    standards = load_params("callcenter", first_day).typed(CallCenterParams)
    rows = metrics_expr(calls, by, standards).to_pyarrow().to_pylist()
    clock["aggregate_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    records, verdicts = verdict_records(rows)
    clock["verdicts_s"] = time.perf_counter() - t0
    return MetricsReport(file=str(path), by=by, engine=name, records=records, verdicts=verdicts, rejected=0)


def _one_row(con: Any, query: str) -> tuple[Any, ...]:
    result = con.raw_sql(query)
    row = result.fetchone() if con.name == "duckdb" else result.collect()[0]
    return tuple(row)


def _as_date(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value
