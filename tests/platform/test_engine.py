"""The tabular engine: readers/writers round-trip, and DuckDB/Spark parity on the same pipeline."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from partcd.callcenter.pipelines.metrics import compute_metrics, read_call_log
from partcd.callcenter.samples import Outage, synthetic_call_log
from partcd.core.errors import ConfigError, InputError
from partcd.platform import frames


@pytest.fixture(scope="module")
def call_log_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outage = Outage(start=dt.datetime(2022, 1, 4, 9, tzinfo=ZoneInfo("America/New_York")), hours=26)
    table = synthetic_call_log(seed=7, days=10, calls_per_day=150, outage=outage)
    path = tmp_path_factory.mktemp("log") / "calls.csv"
    pacsv.write_csv(table, path)
    return path


def test_write_read_round_trip(tmp_path: Path) -> None:
    table = pa.table({"contract_id": ["H1416", "S5601"], "calls": ["10", "3"]})
    for name in ("t.csv", "t.parquet"):
        frames.write_table(table, tmp_path / name)
        assert frames.read_arrow(tmp_path / name).to_pylist() == table.to_pylist()
    frames.write_table(table, tmp_path / "t.json", "json")
    assert json.loads((tmp_path / "t.json").read_text()) == table.to_pylist()
    table.to_pandas().to_excel(tmp_path / "t.xlsx", index=False)
    assert frames.read_arrow(tmp_path / "t.xlsx").to_pylist() == table.to_pylist()
    con = frames.connect("duckdb")
    assert frames.read_table(con, tmp_path / "t.parquet").count().execute() == 2
    assert frames.read_table(con, tmp_path / "t.xlsx").calls.to_pyarrow().to_pylist() == ["10", "3"]


def test_reader_refusals(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"unsupported file type '\.txtx'"):
        frames.file_format(tmp_path / "a.txtx")
    with pytest.raises(InputError, match="file not found"):
        frames.read_arrow(tmp_path / "missing.csv")
    with pytest.raises(ConfigError, match="unknown engine"):
        frames.engine_name("pandas")
    with pytest.raises(ConfigError, match="cannot write format"):
        frames.write_table(pa.table({"a": [1]}), tmp_path / "a.bin", "bin")


@pytest.mark.spark
@pytest.mark.parametrize("by", ["day", "week", "quarter"])
def test_duckdb_spark_parity(call_log_csv: Path, by: str) -> None:
    """The same Ibis expression on both engines gives the same records (floats rounded to 1e-6)."""
    duck = compute_metrics(read_call_log(call_log_csv, engine="duckdb"), by=by)  # type: ignore[arg-type]
    spark = compute_metrics(read_call_log(call_log_csv, engine="spark"), by=by)  # type: ignore[arg-type]
    assert duck.engine == "duckdb" and spark.engine == "spark"
    assert len(duck.records) > 1
    assert duck.records == spark.records
    if by == "day":
        assert any(r["compliant"] is False for r in duck.records)  # the outage day fails on both
