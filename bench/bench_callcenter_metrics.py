"""§ 422.111(h)(1)(ii), § 423.128(d)(1)(ii) - call-center metrics over 10 million synthetic calls (Parquet) on DuckDB.

Compared against ONE hand-written DuckDB SQL query computing the same figures per contract x local day (calls,
queued, answered, answered within 30 s, drops, hang-ups, hold sum/max -> average hold, % within 30 s, disconnect
and abandon rates). Timed (best of ``REPEATS``, same process, same file):

* ``pipeline``: :func:`partcd.callcenter.pipelines.metrics.run_metrics` (Arrow-side validation and derivation in
  :mod:`partcd.callcenter.readers.calllog`, then the Ibis expression on DuckDB, then the verdicts), with its stages timed apart;
* ``fast``: :func:`partcd.callcenter.pipelines.fast.run_metrics_fast` (validation and derivation as SQL on DuckDB
  straight from the Parquet file, the same ``metrics_expr`` and verdicts), checked to give identical records;
* ``spark``: the fast path's expression on Spark at ``PARTCD_BENCH_SPARK_CALLS`` (default 1 million) when PySpark
  is installed.

Sizes: ``PARTCD_BENCH_CALLS`` (default 10,000,000) for DuckDB; ``PARTCD_BENCH_PIPELINE_CALLS`` (default 1,000,000)
for the Arrow-side pipeline, whose row-by-row Python validation is measured per stage and extrapolated linearly to
the full size (run it at 10 million by setting the variable; it needs minutes and ~15 GB). The data are generated
with numpy/pyarrow into a temporary folder and deleted afterwards.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from partcd.callcenter.pipelines.fast import run_metrics_fast
from partcd.callcenter.pipelines.metrics import compute_metrics, metrics_expr, run_metrics
from partcd.callcenter.readers.calllog import read_call_log
from partcd.platform import frames

T = TypeVar("T")
SEED = 20220104
REPEATS = 3
TZ = "America/New_York"
N_CALLS = int(os.environ.get("PARTCD_BENCH_CALLS", "10000000"))
N_PIPELINE = int(os.environ.get("PARTCD_BENCH_PIPELINE_CALLS", "1000000"))
N_SPARK = int(os.environ.get("PARTCD_BENCH_SPARK_CALLS", "1000000"))
CONTRACTS = 40
DAYS = 90

BASELINE_SQL = """
WITH c AS (
  SELECT contract_id,
         CAST(timezone('{tz}', call_start) AS DATE) AS period_start,
         ivr_end IS NOT NULL AS queued,
         epoch_us(answered_at) / 1e6 - epoch_us(ivr_end) / 1e6 AS hold_s,
         end_reason
  FROM read_parquet('{path}')
)
SELECT contract_id, period_start,
       count(*) AS calls,
       sum(CAST(queued AS BIGINT)) AS queued,
       count(hold_s) AS answered,
       count(*) FILTER (WHERE hold_s <= {within}) AS answered_within,
       count(*) FILTER (WHERE end_reason = 'dropped') AS dropped,
       count(*) FILTER (WHERE end_reason = 'caller_hangup' AND hold_s IS NULL) AS caller_hangups,
       max(hold_s) AS max_hold_time_s,
       sum(hold_s) / nullif(count(hold_s), 0) AS avg_hold_time_s,
       100.0 * count(*) FILTER (WHERE hold_s <= {within}) / nullif(sum(CAST(queued AS BIGINT)), 0) AS answered_within_30s_pct,
       100.0 * count(*) FILTER (WHERE end_reason = 'dropped') / count(*) AS disconnect_rate_pct,
       100.0 * count(*) FILTER (WHERE end_reason = 'caller_hangup' AND hold_s IS NULL)
             / nullif(sum(CAST(queued AS BIGINT)), 0) AS abandon_rate_pct
FROM c
GROUP BY contract_id, period_start
ORDER BY contract_id, period_start
"""


def synthetic_parquet(path: Path, n: int, seed: int = SEED) -> Path:
    """``n`` calls in the generic schema, typed (UTC timestamps, booleans), written in row groups of 1 million."""
    rng = np.random.default_rng(seed)
    writer: pq.ParquetWriter | None = None
    done = 0
    base_us = 1641218400 * 1_000_000  # 2022-01-03T14:00:00Z = 09:00 New York
    contracts = pa.array([f"H{1000 + i:04d}" for i in range(CONTRACTS)])
    reasons = pa.array(["completed", "caller_hangup", "dropped"])
    while done < n:
        m = min(1_000_000, n - done)
        start = base_us + rng.integers(0, DAYS, m) * 86_400_000_000 + rng.integers(-3_600_000_000, 9 * 3_600_000_000, m)
        ivr = start + rng.integers(20_000_000, 90_000_000, m)
        kind = rng.choice(3, m, p=[0.93, 0.05, 0.02])
        hold = (rng.exponential(25.0, m) * 10).round() * 100_000  # 0.1 s resolution, in microseconds
        answered = kind == 0
        ans_at = ivr + hold.astype(np.int64)
        talk = rng.integers(120_000_000, 900_000_000, m)
        end = np.where(answered, ans_at + talk, ivr + rng.integers(5_000_000, 300_000_000, m))
        interp = rng.random(m) < 0.05
        tty = rng.random(m) < 0.01
        interp_at = ans_at + rng.integers(30_000_000, 600_000_000, m)
        tty_at = start + rng.integers(30_000_000, 500_000_000, m)
        ids = pc.binary_join_element_wise("C", pc.cast(pa.array(np.arange(done, done + m)), pa.string()), "")
        ts = pa.timestamp("us", tz="UTC")
        table = pa.table({
            "call_id": ids,
            "contract_id": contracts.take(pa.array(rng.integers(0, CONTRACTS, m))),
            "call_start": pa.array(start, ts),
            "ivr_end": pa.array(ivr, ts),
            "answered_at": pa.array(ans_at, ts, mask=~answered),
            "call_end": pa.array(end, ts),
            "end_reason": reasons.take(pa.array(kind)),
            "interpreter_requested": pa.array(interp),
            "interpreter_connected_at": pa.array(interp_at, ts, mask=~(interp & answered)),
            "tty": pa.array(tty),
            "tty_connected_at": pa.array(tty_at, ts, mask=~(tty & answered)),
        })
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
        done += m
    assert writer is not None
    writer.close()
    return path


def _best(fn: Callable[[], T], repeats: int = REPEATS) -> tuple[float, T]:
    best, result = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    assert result is not None
    return best, result


def _best_fast(path: Path) -> tuple[float, Any, dict[str, float]]:
    """Best of ``REPEATS`` runs of the fast path, with the stage timings of that run."""
    best: tuple[float, Any, dict[str, float]] | None = None
    for _ in range(REPEATS):
        stages: dict[str, float] = {}
        t0 = time.perf_counter()
        report = run_metrics_fast(path, by="day", tz=TZ, timings=stages)
        took = time.perf_counter() - t0
        if best is None or took < best[0]:
            best = (took, report, stages)
    assert best is not None
    return best


def _baseline(path: Path) -> list[dict[str, Any]]:
    con = duckdb.connect()
    rows: list[dict[str, Any]] = con.sql(BASELINE_SQL.format(tz=TZ, path=path, within=30.0)).fetch_arrow_table().to_pylist()
    con.close()
    return rows


def _same_figures(records: list[dict[str, Any]], baseline: list[dict[str, Any]]) -> float:
    """Largest absolute difference over every figure; raises if keys or counts differ."""
    assert len(records) == len(baseline), (len(records), len(baseline))
    worst = 0.0
    for r, b in zip(records, baseline, strict=True):
        assert (r["contract_id"], r["period_start"]) == (b["contract_id"], b["period_start"].isoformat())
        for k in ("calls", "queued", "answered", "answered_within", "dropped", "caller_hangups"):
            assert r[k] == b[k], (k, r, b)
        for k in ("avg_hold_time_s", "answered_within_30s_pct", "disconnect_rate_pct", "abandon_rate_pct", "max_hold_time_s"):
            if r[k] is None or b[k] is None:
                assert r[k] is None and b[k] is None
            else:
                worst = max(worst, abs(float(r[k]) - float(b[k])))
    return worst


def _pipeline_stages(path: Path) -> dict[str, float]:
    """The Arrow-side pipeline's stages, timed once each (read_call_log includes the Parquet read)."""
    out: dict[str, float] = {}
    t0 = time.perf_counter()
    raw = frames.read_arrow(path)
    out["read_parquet_to_arrow_s"] = time.perf_counter() - t0
    del raw
    t0 = time.perf_counter()
    log = read_call_log(path, tz=TZ)
    out["read_call_log_validate_derive_s"] = time.perf_counter() - t0
    con = frames.connect("duckdb")
    t0 = time.perf_counter()
    table = frames.to_engine(con, log.table, "calls")
    out["arrow_to_duckdb_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    rows = metrics_expr(table, "day", 30.0).to_pyarrow()
    out["metrics_expr_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    compute_metrics(log, by="day", engine="duckdb", con=con)
    out["compute_metrics_incl_verdicts_s"] = time.perf_counter() - t0
    out["records"] = float(rows.num_rows)
    return out


def run() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="partcd-bench-") as tmp:
        big = synthetic_parquet(Path(tmp) / "calls.parquet", N_CALLS)
        t_base, base = _best(lambda: _baseline(big))
        t_fast, fast, stages = _best_fast(big)
        diff = _same_figures(fast.records, base)
        rows.append({"case": f"{N_CALLS:,} calls, {CONTRACTS} contracts x {DAYS} days, by day, DuckDB",
                     "baseline_sql_s": round(t_base, 3), "fast_path_s": round(t_fast, 3),
                     "ratio_fast_over_sql": round(t_fast / t_base, 2), "records": len(fast.records),
                     "max_abs_difference_vs_sql": diff, "fell_back": "fallback_s" in stages,
                     **{f"fast_{k}": round(v, 3) for k, v in stages.items()},
                     "ratio_fast_aggregate_plus_verdicts_over_sql":
                         round((stages.get("aggregate_s", 0) + stages.get("verdicts_s", 0)) / t_base, 2)})

        small = big if N_PIPELINE >= N_CALLS else synthetic_parquet(Path(tmp) / "calls_small.parquet", N_PIPELINE)
        t_pipe, pipe = _best(lambda: run_metrics(small, by="day", engine="duckdb", tz=TZ), repeats=1)
        t_fast_small, fast_small = _best(lambda: run_metrics_fast(small, by="day", tz=TZ))
        t_base_small, base_small = _best(lambda: _baseline(small))
        identical = pipe.records == fast_small.records
        pipe_stages = _pipeline_stages(small)
        scale = N_CALLS / N_PIPELINE
        rows.append({"case": f"{N_PIPELINE:,} calls, Arrow-side pipeline (run_metrics) vs SQL",
                     "baseline_sql_s": round(t_base_small, 3), "pipeline_s": round(t_pipe, 3),
                     "fast_path_s": round(t_fast_small, 3), "ratio_pipeline_over_sql": round(t_pipe / t_base_small, 1),
                     "ratio_fast_over_sql": round(t_fast_small / t_base_small, 2),
                     "fast_records_identical_to_pipeline": identical,
                     "max_abs_difference_pipeline_vs_sql": _same_figures(pipe.records, base_small),
                     **{k: round(v, 3) for k, v in pipe_stages.items()},
                     f"pipeline_extrapolated_to_{N_CALLS:,}_s": round(t_pipe * scale, 1),
                     "ratio_pipeline_extrapolated_over_sql": round(t_pipe * scale / t_base, 1)})

        spark = _spark_row(Path(tmp))
        if spark:
            rows.append(spark)
    return rows


def _spark_row(tmp: Path) -> dict[str, object] | None:
    import importlib.util

    if importlib.util.find_spec("pyspark") is None:
        return None
    path = synthetic_parquet(tmp / "calls_spark.parquet", N_SPARK)
    t_base, base = _best(lambda: _baseline(path))
    run_metrics_fast(path, by="day", tz=TZ, engine="spark")  # warm the session
    t_spark, spark = _best(lambda: run_metrics_fast(path, by="day", tz=TZ, engine="spark"), repeats=2)
    return {"case": f"{N_SPARK:,} calls on Spark (local[2]) via the fast path's expression",
            "baseline_duckdb_sql_s": round(t_base, 3), "spark_s": round(t_spark, 3),
            "ratio_spark_over_duckdb_sql": round(t_spark / t_base, 1),
            "max_abs_difference_vs_sql": _same_figures(spark.records, base)}
