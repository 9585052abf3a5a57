"""§ 422.111(h)(1)(ii), § 423.128(d)(1)(ii) - the call-log pipeline over 10 million synthetic calls (Parquet) vs ONE
hand-written DuckDB query computing the same figures per contract x local day (calls, queued, answered, answered
within 30 s, drops, hang-ups, abandons of queued calls, hold sum/max -> both average holds, % within 30 s,
disconnect and abandon rates). The hand query validates nothing; the pipeline validates every row (each rule an
expression, the duplicate ``call_id`` check included) in the engine before it aggregates.

Rows (each ratio from runs interleaved in the same ``run()``):

* ``in_process``: :func:`partcd.callcenter.pipelines.metrics.run_metrics` vs the hand query, both in this process
  (best and median of ``REPEATS`` alternating runs), checked to give the same figures; the pipeline with its
  compiled-SQL cache off (Ibis builds and compiles each run: ``ratio_*``) and on (``ratio_cached_sql_median``);
* ``processes``: ``partcd callcenter metrics --calls F --by day --json`` as its own process (start-up, imports,
  validation, verdicts, JSON) vs the hand query as its own process (``python -c``: import duckdb, run it), wall time
  and peak memory (``/usr/bin/time``'s maximum resident set size of the process); one uncounted CLI run first
  stores the compiled SQL (in a cache folder of this run), as a user's first run does;
* ``spark``: the same pipeline on Spark ``local[2]`` at ``PARTCD_BENCH_SPARK_CALLS`` (default 0 = skipped).

Sizes: ``PARTCD_BENCH_CALLS`` (default 10,000,000). Data are generated with numpy/pyarrow into a temporary folder
(``PARTCD_BENCH_DIR`` to choose where) and deleted afterwards.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
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

from partcd.callcenter.pipelines.metrics import run_metrics

T = TypeVar("T")
SEED = 20220104
REPEATS = int(os.environ.get("PARTCD_BENCH_REPEATS", "3"))
TZ = "America/New_York"
N_CALLS = int(os.environ.get("PARTCD_BENCH_CALLS", "10000000"))
N_SPARK = int(os.environ.get("PARTCD_BENCH_SPARK_CALLS", "0"))
CONTRACTS = 40
DAYS = 90

BASELINE_SQL = """
WITH c AS (
  SELECT contract_id,
         CAST(timezone('{tz}', call_start) AS DATE) AS period_start,
         ivr_end IS NOT NULL AS queued,
         epoch_us(answered_at) / 1e6 - epoch_us(ivr_end) / 1e6 AS hold_s,
         CASE WHEN answered_at IS NOT NULL THEN epoch_us(answered_at) / 1e6 - epoch_us(ivr_end) / 1e6
              ELSE epoch_us(call_end) / 1e6 - epoch_us(ivr_end) / 1e6 END AS wait_s,
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
       count(*) FILTER (WHERE end_reason = 'caller_hangup' AND hold_s IS NULL AND queued) AS abandoned,
       max(hold_s) AS max_hold_time_s,
       sum(hold_s) / nullif(count(hold_s), 0) AS avg_hold_time_s,
       sum(wait_s) FILTER (WHERE queued) / nullif(count(wait_s) FILTER (WHERE queued), 0) AS avg_hold_time_all_queued_s,
       100.0 * count(*) FILTER (WHERE hold_s <= {within}) / nullif(sum(CAST(queued AS BIGINT)), 0) AS answered_within_30s_pct,
       100.0 * count(*) FILTER (WHERE end_reason = 'dropped') / count(*) AS disconnect_rate_pct,
       100.0 * count(*) FILTER (WHERE end_reason = 'caller_hangup' AND hold_s IS NULL AND queued)
             / nullif(sum(CAST(queued AS BIGINT)), 0) AS abandon_rate_pct
FROM c
GROUP BY contract_id, period_start
ORDER BY contract_id, period_start
"""

#: The hand query as its own process: import duckdb, run the query, print the number of rows.
HAND_PROCESS = ("import sys, duckdb\ncon = duckdb.connect()\nrows = con.sql(sys.argv[1]).fetchall()\n"
                "print(len(rows))\n")


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


def _baseline(path: Path) -> list[dict[str, Any]]:
    con = duckdb.connect()
    rows: list[dict[str, Any]] = con.sql(BASELINE_SQL.format(tz=TZ, path=path, within=30.0)).to_arrow_table().to_pylist()
    con.close()
    return rows


def _same_figures(records: list[dict[str, Any]], baseline: list[dict[str, Any]]) -> float:
    """Largest absolute difference over every figure; raises if keys or counts differ."""
    assert len(records) == len(baseline), (len(records), len(baseline))
    worst = 0.0
    for r, b in zip(records, baseline, strict=True):
        assert (r["contract_id"], r["period_start"]) == (b["contract_id"], b["period_start"].isoformat())
        for k in ("calls", "queued", "answered", "answered_within", "dropped", "caller_hangups", "abandoned"):
            assert r[k] == b[k], (k, r, b)
        for k in ("avg_hold_time_s", "avg_hold_time_all_queued_s", "answered_within_30s_pct", "disconnect_rate_pct",
                  "abandon_rate_pct", "max_hold_time_s"):
            if r[k] is None or b[k] is None:
                assert r[k] is None and b[k] is None
            else:
                worst = max(worst, abs(float(r[k]) - float(b[k])))
    return worst


def _timed(fn: Callable[[], T]) -> tuple[float, T]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _process(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, peak resident set in MB) of one command as its own process (``/usr/bin/time``)."""
    out = subprocess.run(["/usr/bin/time", "-f", "%e %M", *argv], capture_output=True, text=True, check=False)
    wall, kb = out.stderr.strip().splitlines()[-1].split()
    return float(wall), int(kb) / 1024


def _pipeline(path: Path, cache: str) -> Any:
    """``run_metrics`` with the compiled-SQL cache on ("1") or off ("0": Ibis builds and compiles every run)."""
    os.environ["PARTCD_SQL_CACHE"] = cache
    try:
        return run_metrics(path, by="day", engine="duckdb", tz=TZ)
    finally:
        del os.environ["PARTCD_SQL_CACHE"]


def _in_process(path: Path) -> dict[str, object]:
    base_t: list[float] = []
    pipe_t: list[float] = []
    cached_t: list[float] = []
    base: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    _pipeline(path, "1")  # stores the first pass's SQL
    for _ in range(REPEATS):  # alternating, so a drift of the machine's speed hits all three
        t, base = _timed(lambda: _baseline(path))
        base_t.append(t)
        t, rep = _timed(lambda: _pipeline(path, "0"))
        pipe_t.append(t)
        records = rep.records
        t, hit = _timed(lambda: _pipeline(path, "1"))
        assert hit.sql_cache == "hit" and hit.records == records
        cached_t.append(t)
    return {"case": f"{N_CALLS:,} calls, {CONTRACTS} contracts x {DAYS} days, by day, DuckDB, in process",
            "hand_query_best_s": round(min(base_t), 3), "pipeline_best_s": round(min(pipe_t), 3),
            "ratio_best": round(min(pipe_t) / min(base_t), 2),
            "ratio_median": round(statistics.median(pipe_t) / statistics.median(base_t), 2),
            "pipeline_cached_sql_best_s": round(min(cached_t), 3),
            "ratio_cached_sql_median": round(statistics.median(cached_t) / statistics.median(base_t), 2),
            "records": len(records), "max_abs_difference_vs_hand_query": _same_figures(records, base)}


def _processes(path: Path) -> dict[str, object]:
    hand = [sys.executable, "-c", HAND_PROCESS, BASELINE_SQL.format(tz=TZ, path=path, within=30.0)]
    cli = [sys.executable, "-m", "partcd.platform.cli", "callcenter", "metrics", "--calls", str(path), "--by", "day",
           "--json"]
    hand_runs, cli_runs = [], []
    _process(cli)  # the first run compiles and stores the first pass's SQL; the counted runs find it
    for _ in range(REPEATS):
        hand_runs.append(_process(hand))
        cli_runs.append(_process(cli))
    hand_wall = statistics.median(w for w, _ in hand_runs)
    cli_wall = statistics.median(w for w, _ in cli_runs)
    return {"case": f"{N_CALLS:,} calls, each command its own process (median of {REPEATS})",
            "hand_query_process_s": hand_wall, "cli_process_s": cli_wall, "ratio": round(cli_wall / hand_wall, 2),
            "hand_query_peak_mb": round(max(m for _, m in hand_runs)), "cli_peak_mb": round(max(m for _, m in cli_runs))}


def _spark_row(tmp: Path) -> dict[str, object] | None:
    import importlib.util

    if not N_SPARK or importlib.util.find_spec("pyspark") is None:
        return None
    path = tmp / "calls_spark.parquet" if N_SPARK != N_CALLS else tmp / "calls.parquet"
    if not path.exists():
        synthetic_parquet(path, N_SPARK)
    t_base, base = _timed(lambda: _baseline(path))
    t_first, _ = _timed(lambda: run_metrics(path, by="day", engine="spark", tz=TZ))  # includes starting Spark
    t_spark, spark = _timed(lambda: run_metrics(path, by="day", engine="spark", tz=TZ))
    return {"case": f"{N_SPARK:,} calls on Spark ({os.environ.get('PARTCD_SPARK_MASTER', 'local[2]')}), by day",
            "hand_query_duckdb_s": round(t_base, 3), "spark_first_run_s": round(t_first, 3),
            "spark_second_run_s": round(t_spark, 3), "ratio_spark_over_duckdb_hand_query": round(t_spark / t_base, 1),
            "max_abs_difference_vs_hand_query": _same_figures(spark.records, base)}


def run() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="partcd-bench-", dir=os.environ.get("PARTCD_BENCH_DIR")) as tmp:
        os.environ.setdefault("PARTCD_CACHE_DIR", str(Path(tmp) / "cache"))  # the SQL cache of this run only
        big = synthetic_parquet(Path(tmp) / "calls.parquet", N_CALLS)
        rows.append(_in_process(big))
        rows.append(_processes(big))
        spark = _spark_row(Path(tmp))
        if spark:
            rows.append(spark)
    return rows
