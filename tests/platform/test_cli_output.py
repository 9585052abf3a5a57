"""``partcd.platform.cli.output.write_table``: one writer, chosen by the extension of ``--out`` (issue 13, items 4-5).

Each format is written and read back with its own reader (csv, json, pyarrow for Parquet, openpyxl for Excel); the
values stay exact (0.1 + 0.2 is 0.30000000000000004 in CSV, JSON and Parquet; Excel keeps 15 significant digits),
text a spreadsheet would run as a formula is
neutralised in CSV and Excel (``partcd.platform.exports.safe_cell``) and kept as written in JSON and Parquet.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from partcd.core.errors import ConfigError
from partcd.platform.cli.output import check_out, write_table

ROWS = [
    {"contract_id": "H1234", "name": "=HYPERLINK(\"http://x\")", "score": 0.1 + 0.2, "calls": 7, "ok": True,
     "failed": ["hold", "disconnect"], "day": dt.date(2022, 1, 3)},
    {"contract_id": "H5678", "name": "Ana María", "score": -2.5, "calls": 0, "ok": False, "failed": [], "day": None},
]


def test_csv_reads_back_with_exact_values_and_neutralised_formulas(tmp_path: Path) -> None:
    path = write_table(ROWS, tmp_path / "deep" / "t.csv")
    assert path.is_file()
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert rows[0] == {"contract_id": "H1234", "name": "'=HYPERLINK(\"http://x\")", "score": "0.30000000000000004",
                       "calls": "7", "ok": "true", "failed": "hold; disconnect", "day": "2022-01-03"}
    assert (rows[1]["name"], rows[1]["score"], rows[1]["day"]) == ("Ana María", "-2.5", "")
    assert not path.read_bytes().startswith(b"\xef\xbb\xbf")


def test_excel_csv_has_the_byte_order_mark(tmp_path: Path) -> None:
    path = write_table(ROWS, tmp_path / "t.csv", excel_csv=True)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))[1]["name"] == "Ana María"
    table = pa.Table.from_pylist([{"who": "Zoë", "formula": "@SUM(A1)"}])  # an Arrow table: Arrow's own CSV writer
    raw = write_table(table, tmp_path / "arrow.csv", excel_csv=True).read_bytes()
    assert raw == b"\xef\xbb\xbf" + '"who","formula"\n"Zoë","\'@SUM(A1)"\n'.encode()


def test_json_keeps_the_values(tmp_path: Path) -> None:
    data = json.loads(write_table(ROWS, tmp_path / "t.json").read_text(encoding="utf-8"))
    assert data[0]["score"] == 0.30000000000000004 and data[0]["name"] == "=HYPERLINK(\"http://x\")"
    assert data[0]["failed"] == ["hold", "disconnect"] and data[0]["day"] == "2022-01-03" and data[1]["day"] is None


def test_parquet_reads_back_through_pyarrow(tmp_path: Path) -> None:
    table = pq.read_table(write_table(ROWS, tmp_path / "t.parquet"))
    assert table.column_names == ["contract_id", "name", "score", "calls", "ok", "failed", "day"]
    assert table.column("score").to_pylist() == [0.30000000000000004, -2.5]
    assert table.column("failed").to_pylist() == [["hold", "disconnect"], []]
    assert table.column("day").to_pylist() == [dt.date(2022, 1, 3), None]


def test_xlsx_is_a_file_read_back_through_openpyxl(tmp_path: Path) -> None:
    path = write_table(ROWS, tmp_path / "t.xlsx", sheet="metrics")
    assert path.is_file() and not (tmp_path / "t.xlsx").is_dir()
    book = load_workbook(path)
    sheet = book["metrics"]
    assert [c.value for c in sheet[1]] == ["contract_id", "name", "score", "calls", "ok", "failed", "day"]
    row = [c.value for c in sheet[2]]
    assert row[:2] + row[3:6] == ["H1234", "'=HYPERLINK(\"http://x\")", 7, True, "hold; disconnect"]
    assert row[2] == 0.3  # unrounded, to the 15 significant digits a spreadsheet number holds
    assert row[6] == dt.datetime(2022, 1, 3)  # Excel stores a date as a date-time
    assert sheet["B2"].data_type == "s"  # a string cell, never a formula
    assert [c.value for c in sheet[3]][:4] == ["H5678", "Ana María", -2.5, 0]
    assert sheet.freeze_panes == "A2"


def test_columns_order_and_select(tmp_path: Path) -> None:
    path = write_table(ROWS, tmp_path / "t.csv", columns=["calls", "contract_id", "absent"])
    assert path.read_text(encoding="utf-8").splitlines() == ["calls,contract_id,absent", "7,H1234,", "0,H5678,"]


@pytest.mark.parametrize(("name", "message"), [
    ("t.txt", "--out: {p}: '.txt' is not a table format; use one of .csv, .json, .parquet or .xlsx"),
    ("t", "--out: {p}: no extension is not a table format; use one of .csv, .json, .parquet or .xlsx"),
    ("t.XLS", "--out: {p}: '.XLS' is not a table format; use one of .csv, .json, .parquet or .xlsx"),
])
def test_unknown_extension_is_refused_naming_the_flag(tmp_path: Path, name: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        write_table(ROWS, tmp_path / name)
    assert caught.value.message() == message.format(p=tmp_path / name)
    assert not (tmp_path / name).exists()


def test_check_out_flags(tmp_path: Path) -> None:
    assert check_out(None) is None
    assert check_out(tmp_path / "ok.XLSX") == tmp_path / "ok.XLSX"  # the extension is read case-insensitively
    with pytest.raises(ConfigError, match=r"--excel-csv: needs a CSV file to write: give --out FILE\.csv"):
        check_out(None, excel_csv=True)
    with pytest.raises(ConfigError, match=r"--claims-out: .*'\.txt' is not a table format"):
        check_out(tmp_path / "c.txt", "--claims-out")
    (tmp_path / "dir.xlsx").mkdir()
    with pytest.raises(ConfigError, match="is a folder"):
        check_out(tmp_path / "dir.xlsx")
