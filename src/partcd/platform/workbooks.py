"""Excel workbooks as Arrow tables, and the conversion of an uploaded workbook to Parquet in a child process.

An .xlsx is read cell by cell in Python (openpyxl via pandas) and holds the GIL while it does: the API converts an
uploaded workbook in a process of its own (``partcd.platform.api.uploads``), which it can terminate at the request's
time limit, and the pipelines read the Parquet. The child is ``python -m partcd.platform.workbooks CONVERTER SOURCE
TARGET``: a fresh interpreter that imports this module, then pandas, openpyxl and pyarrow to convert (not the server's
modules, as a ``multiprocessing`` child would by re-importing the parent's ``__main__``). ``CONVERTER`` names the
function (``module:function``, :data:`XLSX_TO_PARQUET` by default); the child prints its :data:`Outcome` as one JSON
line.
"""

from __future__ import annotations

import importlib
import json
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

#: What the child answers: ("ok", "") or ("input", reason) for a workbook it cannot read, ("error", reason) else.
Outcome = tuple[str, str]
#: The first characters of a reading library's message kept in an error.
REASON_CHARS = 300
#: The converter the API runs in the child.
XLSX_TO_PARQUET = "partcd.platform.workbooks:xlsx_to_parquet"


def excel_table(path: Path) -> pa.Table:
    """The first sheet of the workbook at ``path``, every column as text (empty cells null)."""
    import pandas as pd
    import pyarrow as pa

    return pa.Table.from_pandas(pd.read_excel(path, dtype=str), preserve_index=False)


class WriteError(Exception):
    """Writing the Parquet failed: the server's trouble, not the upload's."""


def xlsx_to_parquet(source: str, target: str) -> None:
    """Write the workbook at ``source`` as the Parquet file ``target`` (the table of :func:`excel_table`)."""
    import pyarrow.parquet as pq

    table = excel_table(Path(source))
    try:
        pq.write_table(table, target)
    except Exception as exc:
        raise WriteError(f"{type(exc).__name__}: {exc}") from None


def is_parse_error(exc: BaseException) -> bool:
    """Whether ``exc`` is a reading library's complaint about the file (not the server's trouble)."""
    if isinstance(exc, (ValueError, UnicodeError, zipfile.BadZipFile, EOFError)):
        return True
    module = type(exc).__module__.split(".")[0]
    return module in {"pyarrow", "duckdb", "openpyxl", "pandas", "ibis"} and not isinstance(exc, (MemoryError, OSError))


def converter(spec: str) -> Callable[[str, str], None]:
    """The function ``module:function`` names."""
    module, _, name = spec.partition(":")
    found: Callable[[str, str], None] = getattr(importlib.import_module(module), name)
    return found


def convert(convert_fn: Callable[[str, str], None], source: str, target: str) -> Outcome:
    """``convert_fn(source, target)`` as an :data:`Outcome`: anything raised while reading the workbook is about the
    workbook (``input``) except running out of memory; a failed write is not."""
    try:
        convert_fn(source, target)
    except WriteError as exc:
        return ("error", str(exc)[:REASON_CHARS])
    except MemoryError:
        return ("error", "out of memory while reading the workbook")
    except Exception as exc:
        text = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
        return ("input", text[:REASON_CHARS])
    return ("ok", "")


def main(argv: list[str]) -> int:
    """``CONVERTER SOURCE TARGET``: convert and print the outcome as one JSON line."""
    spec, source, target = argv
    sys.stdout.write(json.dumps(convert(converter(spec), source, target)) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
