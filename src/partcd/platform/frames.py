"""The tabular engine seam: one Ibis expression, run on DuckDB (embedded default) or PySpark.

Pipelines receive an Ibis backend from :func:`connect` and never know which engine it is.
Readers: CSV, Parquet, Excel. Writers: CSV (formula-safe cells), Parquet, JSON (via Arrow, identical on both engines).
"""

from __future__ import annotations

import csv
import json
import os
import re
import threading
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from partcd.core.errors import ConfigError, InputError
from partcd.platform.exports import safe_table

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
    """An Ibis backend: in-memory DuckDB, or a local Spark session (``PARTCD_SPARK_MASTER``, default local[2])."""
    import ibis

    name = engine_name(engine)
    if name == "duckdb":
        return ibis.duckdb.connect()
    return ibis.pyspark.connect(spark_session())


def spark_session() -> Any:
    """One shared SparkSession per process (starting Spark costs seconds), UTC, small shuffles."""
    global _spark_session
    with _spark_lock:
        if _spark_session is None:
            try:
                from pyspark.sql import SparkSession
            except ImportError:
                raise ConfigError("engine 'spark' needs the spark extra: pip install 'partcd[spark]'") from None
            master = os.environ.get("PARTCD_SPARK_MASTER", "local[2]")
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
            import pandas as pd

            return pa.Table.from_pandas(pd.read_excel(path, dtype=str), preserve_index=False)
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


def write_table(data: Any, path: Path, fmt: str | None = None) -> Path:
    """Write an Ibis expression or Arrow table as CSV, Parquet or JSON (records). CSV text cells that a spreadsheet
    would run as a formula are neutralised (:func:`partcd.platform.exports.safe_table`)."""
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
