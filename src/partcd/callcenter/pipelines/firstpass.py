"""§ 422.111(h)(1)(ii)-(iii), § 423.128(d)(1)(ii)-(v) - the call-log metrics from the first pass's cached SQL, with
the engine started before the rest of the pipeline is loaded.

:mod:`partcd.callcenter.pipelines.metrics` compiles its first pass (validate + aggregate, and the ``call_id`` hash
check) with Ibis and keeps the SQL in the user's cache (:mod:`partcd.platform.sqlcache`, keyed by
:func:`first_pass_key`). :func:`cached_report` runs that SQL on a plain DuckDB connection: the aggregate and the hash
check start at once on two connections of one in-memory database, and only then is the code that turns counts into
verdicts imported (standards, parameters, profiles) - the Python work of a command's start-up overlaps the engine's.
Anything short of a clean log (a bad row, a repeated hash, no calls) returns None and the full pipeline runs, which
names the file, row and field. This module imports no Ibis, no pyarrow and no pipeline code at load time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from partcd.callcenter.readers import timeexpr
from partcd.callcenter.readers.calllog_files import (
    REQUIRED,
    contract_problem,
    parquet_start_range,
    resolve_inputs,
    sorted_hashes_distinct,
)
from partcd.core import calendar
from partcd.platform import frames, sqlcache

if TYPE_CHECKING:
    from partcd.callcenter.pipelines.metrics import MetricsReport

#: The monitoring periods a call log is aggregated by (the engine groups local days; longer periods are sums).
Period = Literal["day", "week", "month", "quarter"]
PERIODS: tuple[str, ...] = ("day", "week", "month", "quarter")
#: The cache entries of the first pass's SQL (:mod:`partcd.platform.sqlcache`).
CACHE_KIND = "callcenter-metrics"


def cached_report(path: Path | str, by: str, tz: str, *, engine: str | None = None, profile: object = None,
                  known_contracts: frozenset[str] | None = None, by_line: bool | None = None,
                  ) -> MetricsReport | None:
    """The metrics of a clean generic Parquet log from cached SQL on DuckDB (no Ibis), or None: another engine or
    profile, the cache off, the SQL not cached yet, or anything that needs the exact pass (a bad row, a repeated
    ``call_id`` hash, no calls)."""
    if frames.engine_name(engine) != "duckdb" or profile not in (None, "generic") or sqlcache.cache_dir() is None:
        return None
    calendar.zone_of(tz)
    paths = resolve_inputs(path)
    if frames.file_format(paths[0]) != "parquet":
        return None
    import duckdb

    raw = frames.duckdb_connect()
    try:  # an unreadable file goes on to the normal path, which names it (exit 2)
        view = frames.duckdb_files_view(raw, paths, "parquet")
        schema = duckdb_schema(raw, view)
        types = dict(schema)
        if any(c not in types for c in REQUIRED) or types["call_start"] != "TIMESTAMP WITH TIME ZONE":
            return None
        within = parquet_start_range(raw, paths)
        entry = sqlcache.load(CACHE_KIND, first_pass_key(schema, by, tz, within, by_line)) if within else None
        if entry is None:
            return None
        old = str(entry["view"])
        with ids_beside(raw, str(entry["ids"]).replace(old, view), paths) as pending, \
                ThreadPoolExecutor(max_workers=1, thread_name_prefix="partcd-aggregate") as pool:
            aggregated = pool.submit(duckdb_rows, raw, str(entry["aggregate"]).replace(old, view))
            try:
                from partcd.callcenter.pipelines import metrics as pipeline  # loads while DuckDB works
                from partcd.callcenter.rules.standards import results_by_line

                lines = results_by_line("line" in types, by_line, pipeline.latest_params())
                keys = ["contract_id", *(["line"] if lines else []), "_period"]
                rows = pipeline.roll_up(aggregated.result(), by)
            except BaseException:  # Ctrl-C (or an error) here: stop the query the worker runs, then wait for it
                raw.interrupt()
                raise
            early = pipeline.records_or_none(rows, keys, frozenset())
            ids, distinct = pending.result()
        total = sum(int(r["calls"]) for r in rows)
    except duckdb.Error:
        return None
    finally:
        raw.close()  # the in-memory database and its buffers go now, not at the process's exit
    bad = sum(int(r["calls"]) for r in rows if not r["_ok"]) + (total - ids)
    bad += sum(int(r["calls"]) for r in rows if r["_ok"] and contract_problem(r["contract_id"], known_contracts))
    if bad or not distinct or not total:
        return None
    records, verdicts, counts = early if early is not None else pipeline.records_from(rows, keys, frozenset())
    source = str(paths[0]) if len(paths) == 1 else str(path)
    return pipeline.MetricsReport(file=source, by=by, engine="duckdb", records=records, verdicts=verdicts,
                                  rejected=0, by_line=lines, counts=counts, sql_cache="hit")


@contextmanager
def ids_beside(raw: Any, sql: str, paths: Sequence[Path]) -> Iterator[Future[tuple[int, bool]]]:
    """The ``call_id`` hash check (:func:`sorted_hashes_distinct`: (ids, all distinct)) started on a second
    connection to the same DuckDB database, to run while this thread goes on (DuckDB and numpy's sort release the
    GIL); the check has ended when the block ends (interrupted if the block raised). The files' view is created on
    the second connection under the same name (the hash of its query)."""
    cursor = raw.cursor()
    try:
        frames.duckdb_files_view(cursor, paths, "parquet")
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="partcd-ids") as pool:
            try:
                yield pool.submit(_hash_check, cursor, sql, paths)
            except BaseException:  # Ctrl-C (or an error) in the block: stop the check rather than wait for it
                cursor.interrupt()
                raise
    finally:
        cursor.close()


def _hash_check(cursor: Any, sql: str, paths: Sequence[Path]) -> tuple[int, bool]:
    """:func:`sorted_hashes_distinct` with its buffer sized from the Parquet footers' row counts (it grows if the
    files grew)."""
    files = ", ".join("'" + str(p.resolve()).replace("'", "''") + "'" for p in paths)
    [(expected,)] = cursor.sql(f"SELECT sum(num_rows) FROM parquet_file_metadata([{files}])").fetchall()
    return sorted_hashes_distinct(cursor, sql, int(expected or 1))


def duckdb_rows(raw: Any, sql: str) -> list[dict[str, Any]]:
    """The rows of a query on a plain DuckDB connection, as dicts (sums come back as Python integers)."""
    result = raw.sql(sql)
    names = list(result.columns)
    return [dict(zip(names, r, strict=True)) for r in result.fetchall()]


def duckdb_schema(raw: Any, view: str) -> list[tuple[str, str]]:
    """(name, DuckDB type) of every column of the files' view."""
    return [(str(r[0]), str(r[1])) for r in raw.sql(f"DESCRIBE {view}").fetchall()]


def sql_sources() -> list[Path]:
    """Code and parameter files whose text builds the first-pass SQL: any change to them is a cache miss."""
    area = Path(__file__).resolve().parents[1]
    platform = Path(frames.__file__).resolve().parent
    return [*(area / "readers").glob("*.py"), *(area / "readers" / "profiles").glob("*.yaml"),
            *(area / "params").glob("*.yaml"), area / "rules" / "standards.py", area / "pipelines" / "metrics.py",
            Path(__file__).resolve(),
            platform / "frames.py", platform / "sqlcache.py", platform / "params.py"]


def first_pass_key(schema: list[tuple[str, str]], by: str, tz: str, within: tuple[int, int] | None,
                   by_line: bool | None) -> dict[str, Any]:
    """Everything the first pass's SQL depends on: the files' columns and types, the options, the zone's offsets
    compared (from the file statistics), the code and parameter files, the library versions. Not the files' paths
    nor the known contracts: the SQL reads the files' view by its name (replaced on a hit), and the contract rules
    are checked on the aggregated groups in Python."""
    return {"schema": schema, "by": by, "tz": tz, "by_line": by_line,
            "offsets": timeexpr.offsets_within(tz, within) if within is not None else None,
            "code": sqlcache.files_digest(sql_sources()),
            "versions": sqlcache.versions("ibis-framework", "sqlglot", "duckdb", "numpy", "partcd")}
