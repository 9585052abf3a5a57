"""The tabular engine seam: one Ibis expression, run on DuckDB (embedded default) or PySpark.

Pipelines receive an Ibis backend from :func:`connect` and never know which engine it is.
Readers: CSV, Parquet, Excel. Writers: CSV (formula-safe cells), Parquet, JSON (via Arrow, identical on both engines).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from partcd.core.errors import ConfigError, InputError
from partcd.platform.exports import safe_table

if TYPE_CHECKING:
    import pyarrow as pa

Engine = Literal["duckdb", "spark"]
ENGINES: tuple[Engine, ...] = ("duckdb", "spark")

_spark_lock = threading.Lock()
_spark_session: Any = None


def engine_name(value: str | None) -> Engine:
    name = (value or os.environ.get("PARTCD_ENGINE") or "duckdb").lower()
    if name not in ENGINES:
        raise ConfigError(f"unknown engine {name!r}; choose one of: {', '.join(ENGINES)}")
    return name  # type: ignore[return-value]


def connect(engine: str | None = None) -> Any:
    """An Ibis backend: in-memory DuckDB, or Spark (``PARTCD_SPARK_REMOTE`` = a Spark Connect ``sc://`` URL, else a
    local session on ``PARTCD_SPARK_MASTER``, default local[2])."""
    import ibis

    name = engine_name(engine)
    if name == "duckdb":
        return ibis.duckdb.from_connection(duckdb_connect())
    return ibis.pyspark.connect(spark_session())


def duckdb_connect() -> Any:
    """A plain in-memory DuckDB connection with partcd's settings (what :func:`connect` wraps for Ibis; used as is
    where a compiled query is run without Ibis). Memory stays bounded by the engine, not by the file: past
    ``PARTCD_DUCKDB_MEMORY`` (default 1500MB) DuckDB spills to its temp folder. No progress bar (its refreshes cost
    time and write to the terminal); ``preserve_insertion_order`` stays on (the row order of a read is the file's,
    which the row numbers rely on)."""
    import duckdb

    limit = os.environ.get("PARTCD_DUCKDB_MEMORY", "1500MB")
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?\s*(KB|MB|GB|KiB|MiB|GiB)", limit):
        raise ConfigError(f"PARTCD_DUCKDB_MEMORY must be a size like 1500MB or 4GB, got {limit!r}")
    spill = Path(tempfile.gettempdir()) / "partcd-duckdb"
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{limit}'")
    con.execute(f"SET temp_directory = {_sql_text(str(spill))}")
    con.execute("SET enable_progress_bar = false")
    con.execute("SET TimeZone = 'UTC'")  # as Ibis sets it (from_connection does too)
    con.execute("SET python_enable_replacements = false")
    return con


def spark_remote() -> str | None:
    """The Spark Connect URL from ``PARTCD_SPARK_REMOTE`` (``sc://host:port``), or None for a local session."""
    url = os.environ.get("PARTCD_SPARK_REMOTE") or None
    if url is not None and not url.startswith("sc://"):
        raise ConfigError(f"PARTCD_SPARK_REMOTE must be a Spark Connect URL like sc://host:15002, got {url!r}")
    return url


def spark_driver_memory() -> str:
    """``PARTCD_SPARK_DRIVER_MEMORY`` as a JVM size (``4g``, ``2048m``); 4g when unset."""
    value = os.environ.get("PARTCD_SPARK_DRIVER_MEMORY", "4g").strip().lower()
    if re.fullmatch(r"[1-9][0-9]{0,6}[kmgt]", value) is None:
        raise ConfigError(f"PARTCD_SPARK_DRIVER_MEMORY must be a JVM size like 4g or 2048m, got {value!r}")
    return value


def spark_session() -> Any:
    """One shared SparkSession per process (starting Spark costs seconds), UTC, small shuffles.

    With ``PARTCD_SPARK_REMOTE`` the session is a Spark Connect client of that server (the cluster reads the files;
    paths must be visible to it); otherwise a local session on ``PARTCD_SPARK_MASTER`` whose driver JVM gets
    ``PARTCD_SPARK_DRIVER_MEMORY`` (default 4g: Spark's 1g default died on a 10 M-call log in ``local[2]``).
    """
    global _spark_session
    with _spark_lock:
        if _spark_session is None:
            try:
                from pyspark.sql import SparkSession
            except ImportError:
                raise ConfigError("engine 'spark' needs the spark extra: pip install 'partcd[spark]'") from None
            remote = spark_remote()
            if remote is not None:
                try:
                    session = SparkSession.builder.remote(remote).getOrCreate()
                except ImportError as exc:
                    raise ConfigError(f"Spark Connect needs pyspark[connect] (grpcio, grpcio-status, "
                                      f"googleapis-common-protos): {exc}") from None
                session.conf.set("spark.sql.session.timeZone", "UTC")
                session.conf.set("spark.sql.ansi.enabled", "false")
                _spark_session = session
                return _spark_session
            master = os.environ.get("PARTCD_SPARK_MASTER", "local[2]")
            driver_memory = spark_driver_memory()
            _spark_session = (
                SparkSession.builder.master(master)
                .appName("partcd")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.ansi.enabled", "false")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.memory", driver_memory)
                .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                .getOrCreate()
            )
            _spark_session.sparkContext.setLogLevel("ERROR")
        return _spark_session


def file_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in {".csv", ".txt"}:
        return "csv"
    if suffix in {".parquet", ".pq"}:
        return "parquet"
    if suffix in {".xlsx", ".xlsm"}:
        return "excel"
    if suffix in {".json", ".jsonl"}:
        return "json"
    raise InputError(str(path), None, None, f"unsupported file type '{suffix}' (csv, parquet, xlsx)")


def read_arrow(path: Path, *, column_types: dict[str, pa.DataType] | None = None) -> pa.Table:
    """Read CSV / Parquet / Excel into Arrow (all CSV columns as text unless typed), naming the file on error."""
    import pyarrow as pa  # pyarrow loads when used (the CLI's start-up)
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if not path.is_file():
        raise InputError(str(path), None, None, "file not found")
    fmt = file_format(path)
    try:
        if fmt == "csv":
            with path.open(encoding="utf-8-sig", newline="") as fh:
                header = next(csv.reader(fh), [])
            types = {c: pa.string() for c in header}
            types.update(column_types or {})
            return pacsv.read_csv(
                path,
                convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=False),
                read_options=pacsv.ReadOptions(encoding="utf-8"),
            )
        if fmt == "parquet":
            return pq.read_table(path)
        if fmt == "excel":
            from partcd.platform.workbooks import excel_table

            return excel_table(path)
    except (pa.ArrowInvalid, ValueError, OSError) as exc:
        raise InputError(str(path), None, None, f"cannot read {fmt}: {exc}") from None
    raise InputError(str(path), None, None, f"cannot read {fmt} as a table")


def to_engine(con: Any, table: pa.Table, name: str) -> Any:
    """Register an Arrow table with the backend and return it as an Ibis table."""
    import ibis

    if con.name == "duckdb":
        return con.create_table(name, table, temp=True, overwrite=True)
    return con.create_view(name, ibis.memtable(table), overwrite=True)  # a temporary view: nothing written to disk


def read_table(con: Any, path: Path, name: str | None = None) -> Any:
    """Read a file straight into the engine (Parquet and CSV natively, Excel through Arrow)."""
    fmt = file_format(path)
    if not path.is_file():
        raise InputError(str(path), None, None, "file not found")
    table_name = name or re.sub(r"\W", "_", f"{path.stem}_{fmt}")
    if fmt == "parquet":
        return con.read_parquet(str(path), table_name=table_name)
    if fmt == "csv":
        return con.read_csv(str(path), table_name=table_name)
    return to_engine(con, read_arrow(path), table_name)


#: Columns :func:`read_files` adds: the file's index in the list, and a position key that increases with the record
#: within its file (DuckDB: the record index itself; Spark: ``monotonically_increasing_id``, with ``_split`` = the
#: byte offset of the file split the record came from). :func:`record_numbers` turns them into spreadsheet rows.
FILE_INDEX, POSITION, SPLIT, ROW = "_file", "_pos", "_split", "_row"


def read_files(con: Any, paths: Sequence[Path], fmt: str) -> Any:
    """Read files of one format natively in the engine, as ONE Ibis table (columns matched by name).

    CSV: every column as text (the header names the columns, empty cells are null); Parquet: the file's types;
    Excel: through Arrow (small files). Adds ``_file`` (index into ``paths``) and ``_pos`` (+ ``_split`` on Spark):
    see :func:`record_numbers`. Nothing is collected to the driver.
    """
    if not paths:
        raise InputError("", None, None, "no input files")
    for path in paths:
        if not path.is_file():
            raise InputError(str(path), None, None, "file not found")
    if fmt == "excel":
        import ibis
        import pyarrow as pa

        tables = []
        for i, p in enumerate(paths):
            sheet = read_arrow(p)
            sheet = sheet.append_column(POSITION, pa.array(range(sheet.num_rows), pa.int64()))
            tables.append(to_engine(con, sheet, f"partcd_src_{i}").mutate(**{FILE_INDEX: ibis.literal(i, "int64")}))
        return tables[0] if len(tables) == 1 else tables[0].union(*tables[1:])
    if fmt not in {"csv", "parquet"}:
        raise InputError(str(paths[0]), None, None, f"cannot read {fmt} files natively (csv, parquet, xlsx)")
    try:
        if con.name == "duckdb":
            return _duckdb_files(con, paths, fmt)
        return _spark_files(con, paths, fmt)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(str(paths[0]) if len(paths) == 1 else f"{len(paths)} files", None, None,
                         f"cannot read {fmt}: {str(exc).splitlines()[0][:300]}") from None


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _duckdb_files(con: Any, paths: Sequence[Path], fmt: str) -> Any:
    name = duckdb_files_view(con.con, paths, fmt)
    return con.table(name)


def duckdb_files_view(raw: Any, paths: Sequence[Path], fmt: str) -> str:
    """Create the temporary view :func:`read_files` reads on DuckDB (on a plain connection); returns its name."""
    query = duckdb_files_query(paths, fmt)
    name = f"partcd_files_{hashlib.sha256(query.encode()).hexdigest()[:16]}"
    raw.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {query}")
    return name


def duckdb_files_query(paths: Sequence[Path], fmt: str) -> str:
    """The files as one DuckDB query with ``_file`` and ``_pos`` (see :func:`read_files`)."""
    parts = []
    for i, path in enumerate(paths):
        src = _sql_text(str(path.resolve()))
        if fmt == "parquet":
            parts.append(f"SELECT * EXCLUDE (file_row_number), {i}::BIGINT AS {FILE_INDEX}, "
                         f"file_row_number::BIGINT AS {POSITION} FROM read_parquet({src}, file_row_number=true)")
        else:
            # the reader keeps the file's record order; ROW_NUMBER() OVER () numbers the records in that order
            parts.append(f"SELECT *, {i}::BIGINT AS {FILE_INDEX}, (row_number() OVER () - 1)::BIGINT AS {POSITION} "
                         f"FROM read_csv({src}, header=true, all_varchar=true, delim=',', quote='\"', escape='\"', "
                         f"encoding='utf-8')")
    return " UNION ALL BY NAME ".join(f"({p})" for p in parts)


def _spark_files(con: Any, paths: Sequence[Path], fmt: str) -> Any:
    from pyspark.sql import functions as F

    session = con._session
    frames = []
    for i, path in enumerate(paths):
        reader = session.read
        if fmt == "csv":
            df = reader.options(header="true", inferSchema="false", quote='"', escape='"', encoding="UTF-8",
                                multiLine="false", enforceSchema="false").csv(str(path.resolve()))
        else:
            df = reader.parquet(str(path.resolve()))
        # Spark's TIMESTAMP is an instant (session-zone based); a TIMESTAMP_NTZ (a wall time without a zone) is
        # handed on as text, so both engines read a naive time the same way (refused, or localized by a profile).
        for fld in df.schema.fields:
            if fld.dataType.typeName() == "timestamp_ntz":
                df = df.withColumn(fld.name, F.date_format(F.col(f"`{fld.name}`"), "yyyy-MM-dd HH:mm:ss.SSSSSS"))
        frames.append(df.withColumn(FILE_INDEX, F.lit(i).cast("bigint"))
                      .withColumn(SPLIT, F.input_file_block_start())
                      .withColumn(POSITION, F.monotonically_increasing_id()))
    df = frames[0]
    for other in frames[1:]:
        df = df.unionByName(other)
    name = f"partcd_files_{abs(hash(tuple(str(p) for p in paths)))}"
    df.createOrReplaceTempView(name)
    return con.table(name)


def record_numbers(con: Any, files: Any, table: Any) -> Any:
    """``table`` (``files`` from :func:`read_files`, or rows derived from it) + ``_row``: the record's spreadsheet row
    in its file (header = row 1, first record = row 2).

    DuckDB: ``_pos`` is the record index. Spark: the records of one file split stay together and in order, and
    their ``monotonically_increasing_id`` values are consecutive, so row = the records in earlier splits of the same
    file + (id - the split's first id) + 2. The split sizes are counted in the engine (one aggregate of a few rows).
    """
    import ibis
    import pyarrow as pa

    if SPLIT not in table.columns:
        return table.mutate(**{ROW: table[POSITION] + 2})
    splits = files.group_by([FILE_INDEX, SPLIT]).aggregate(_n=files.count(), _first=files[POSITION].min())
    rows = sorted(splits.to_pyarrow().to_pylist(), key=lambda r: (r[FILE_INDEX], r[SPLIT]))
    before: dict[int, int] = {}
    offsets = []
    for r in rows:
        done = before.get(r[FILE_INDEX], 0)
        offsets.append({FILE_INDEX: r[FILE_INDEX], SPLIT: r[SPLIT], "_first": r["_first"], "_before": done})
        before[r[FILE_INDEX]] = done + r["_n"]
    schema = {FILE_INDEX: "int64", SPLIT: "int64", "_first": "int64", "_before": "int64"}
    lookup = ibis.memtable(pa.Table.from_pylist(offsets, schema=pa.schema([(k, pa.int64()) for k in schema])))
    joined = table.join(lookup, [FILE_INDEX, SPLIT])
    return joined.mutate(**{ROW: joined["_before"] + (joined[POSITION] - joined["_first"]) + 2}).drop(
        "_first", "_before")


def write_table(data: Any, path: Path, fmt: str | None = None) -> Path:
    """Write an Ibis expression or Arrow table as CSV, Parquet or JSON (records). CSV text cells that a spreadsheet
    would run as a formula are neutralised (:func:`partcd.platform.exports.safe_table`)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    table: pa.Table = data if isinstance(data, pa.Table) else data.to_pyarrow()
    fmt = fmt or file_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        pacsv.write_csv(safe_table(table), path)
    elif fmt == "parquet":
        pq.write_table(table, path)
    elif fmt == "json":
        path.write_text(json.dumps(table.to_pylist(), indent=2, default=str) + "\n", encoding="utf-8")
    else:
        raise ConfigError(f"cannot write format {fmt!r} (csv, parquet, json)")
    return path
