"""Hostile uploads of the security probe (issue 9 item 4), built in memory: small files that unpack to a great deal.

- ``parquet_bomb(rows)``: a call log whose every column is dictionary-encoded with one value and all-zero indices -
  5,000,000 rows take 215,763 bytes (zstd), the probe's "216 KB dictionary-encoded Parquet (5 M rows)".
- ``xlsx_bomb(unpacked_bytes)``: a valid .xlsx whose one sheet repeats a row of 11 inline-string cells until its XML
  is ``unpacked_bytes`` long (no ``<dimension>``), deflated about 240:1.
- ``call_log_csv(rows, bad=...)``: the generic call-log CSV; with ``bad=True`` every row has an unparseable timestamp.
- ``workbook_of_csv(text)`` / ``call_log_xlsx(rows)``: a simple CSV's lines (``call_log_csv(rows)``'s) as a valid .xlsx
  (inline strings, empty cells left out, a ``<dimension>``): within the limits, yet openpyxl takes seconds to read
  a large one.

Used by ``tests/platform/test_security.py`` and ``bench/bench_api_load.py``.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

CALL_LOG_COLUMNS = ("call_id", "contract_id", "call_start", "ivr_end", "answered_at", "call_end", "end_reason",
                    "interpreter_requested", "interpreter_connected_at", "tty", "tty_connected_at")
_ONE_CALL = ("c1", "H1234", "2022-01-03T09:00:00-05:00", "2022-01-03T09:00:30-05:00", "2022-01-03T09:01:00-05:00",
             "2022-01-03T09:05:00-05:00", "completed", "false", "", "false", "")


def parquet_bomb(rows: int, value_bytes: int = 0) -> bytes:
    """``rows`` copies of one call, every column dictionary-encoded (``value_bytes`` > 0: call_id is that long)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    indices = pa.array(np.zeros(rows, dtype=np.int32))
    values = list(_ONE_CALL)
    if value_bytes:
        values[0] = "c" * value_bytes
    table = pa.table({c: pa.DictionaryArray.from_arrays(indices, pa.array([v])) for c, v in zip(CALL_LOG_COLUMNS, values,
                                                                                                strict=True)})
    out = io.BytesIO()
    pq.write_table(table, out, compression="zstd")
    return out.getvalue()


_PARTS = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
    '2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="calls" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.'
    'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}


def xlsx_bomb(unpacked_bytes: int) -> bytes:
    """A workbook whose sheet XML is at least ``unpacked_bytes`` long (rows of 11 cells ``x``)."""
    row = "<row>" + '<c t="inlineStr"><is><t>x</t></is></c>' * len(CALL_LOG_COLUMNS) + "</row>"
    block = (row * 2000).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                        b'spreadsheetml/2006/main"><sheetData>')
            written = 0
            while written < unpacked_bytes:
                sheet.write(block)
                written += len(block)
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def call_log_csv(rows: int, *, bad: bool = False) -> bytes:
    """``rows`` calls of the generic schema, distinct call ids; ``bad``: every ``call_start`` is not a timestamp."""
    start = "yesterday" if bad else _ONE_CALL[2]
    tail = ",".join(_ONE_CALL[3:])
    lines = [",".join(CALL_LOG_COLUMNS)] + [f"c{i},H1234,{start},{tail}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def _column(n: int) -> str:
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def workbook_of_csv(text: str) -> bytes:
    """The lines of a simple CSV (no quoting; header first) as a one-sheet workbook."""
    lines = text.splitlines()
    width = max(line.count(",") + 1 for line in lines)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, part in _PARTS.items():
            archive.writestr(name, part)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                        b'spreadsheetml/2006/main">')
            sheet.write(f'<dimension ref="A1:{_column(width)}{len(lines)}"/><sheetData>'.encode())
            for r, line in enumerate(lines, start=1):
                cells = "".join(f'<c r="{_column(c)}{r}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
                                for c, v in enumerate(line.split(","), start=1) if v)
                sheet.write(f'<row r="{r}">{cells}</row>'.encode())
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def call_log_xlsx(rows: int) -> bytes:
    """The rows of ``call_log_csv(rows)`` (header first) as a one-sheet workbook."""
    return workbook_of_csv(call_log_csv(rows).decode())
