"""The command line's one convention for options and output files (issue 13, items 4 and 5).

- ``--out FILE``: the file's extension picks the format, ``.csv``, ``.json``, ``.parquet`` or ``.xlsx``
  (:func:`write_table`); a command writing several files takes ``--out FOLDER`` and says so in its help. An unknown
  extension is refused before any work (exit 2) with the accepted ones; ``--out x.xlsx`` always writes a file,
  never a folder. Files keep exact values; the terminal shows them rounded as CMS publishes them.
- ``--excel-csv``: the CSV gets a UTF-8 byte-order mark so that Excel reads accents and symbols right.
- ``--json``: on every command that prints data, JSON on standard output instead of a table.
- ``--as-of``: the day (or instant) that "today" means for a command; ``--expected-version``: the version you last
  read (optimistic locking). Older names (``--today``, ``--now``, ``--on`` where it meant "as of", ``--version``)
  stay as hidden aliases (:func:`alias`, :func:`either`).
- Every cell of a CSV or Excel file passes through :func:`partcd.platform.exports.safe_cell`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from partcd.core.errors import ConfigError
from partcd.platform.exports import TABLE_EXTENSIONS, write_records

#: The accepted extensions, as help texts and messages name them.
EXTENSIONS_TEXT = ", ".join(TABLE_EXTENSIONS[:-1]) + " or " + TABLE_EXTENSIONS[-1]

EXCEL_CSV_HELP = "Write CSV with a UTF-8 byte-order mark (BOM), so that Excel opens it with accents intact."


def out_help(what: str) -> str:
    """The help of a one-file ``--out``: what is written and the extensions that pick the format."""
    return f"Write {what} to this file; its extension picks the format: {EXTENSIONS_TEXT}."


def folder_help(files: str) -> str:
    """The help of a multi-file ``--out``: a folder and the files written there."""
    return f"Folder to write {files} into (created if missing)."


def check_out(out: Path | None, flag: str = "--out", *, excel_csv: bool = False) -> Path | None:
    """``out`` if its extension names a table format (exit 2 naming ``flag`` and the accepted extensions otherwise,
    or when it is an existing folder); ``excel_csv`` needs a ``.csv`` file. Call it before the work starts."""
    if out is None:
        if excel_csv:
            raise ConfigError(f"--excel-csv: needs a CSV file to write: give {flag} FILE.csv")
        return None
    suffix = out.suffix.lower()
    if suffix not in TABLE_EXTENSIONS:
        shown = f"'{out.suffix}'" if out.suffix else "no extension"
        raise ConfigError(f"{flag}: {out}: {shown} is not a table format; use one of {EXTENSIONS_TEXT}")
    if out.is_dir():
        raise ConfigError(f"{flag}: {out} is a folder; give a file name ending in {EXTENSIONS_TEXT}")
    if excel_csv and suffix != ".csv":
        raise ConfigError(f"--excel-csv: writes CSV; {flag} {out} is {suffix} (give {flag} FILE.csv)")
    return out


def write_table(data: Any, out: Path, *, flag: str = "--out", excel_csv: bool = False, columns: Any = None,
                float_text: Any = repr, sheet: str = "data") -> Path:
    """Write rows (dicts), an Arrow table, a pandas DataFrame or an Ibis expression to ``out``, the format chosen
    by its extension (:func:`check_out` first; :func:`partcd.platform.exports.write_records` writes)."""
    check_out(out, flag, excel_csv=excel_csv)
    return write_records(data, out, columns=columns, excel_csv=excel_csv, float_text=float_text, sheet=sheet)


def alias(old: str, canonical: str) -> Any:
    """A hidden option ``old`` kept so that scripts using the former name still work (read it with :func:`either`)."""
    return typer.Option(None, old, hidden=True, help=f"Deprecated alias of {canonical}.")


def either(canonical: str, value: Any, old: str, old_value: Any) -> Any:
    """The value of ``canonical`` or of its deprecated alias ``old`` (giving both is refused, exit 2)."""
    if value is not None and old_value is not None:
        raise ConfigError(f"{old} is the old name of {canonical}: give {canonical} only")
    return value if value is not None else old_value


#: ``--json`` of a command whose output is JSON in any case (a record's id, a decision): accepted so that every
#: command printing data takes ``--json``.
JSON_ALWAYS: Any = typer.Option(False, "--json", help="Print JSON (this command always does; the flag is accepted so "
                                                      "that every command printing data takes it).")


def json_text(data: Any) -> str:
    """``--json`` output: indented JSON (2 spaces) written by pydantic-core's encoder, ~4x faster than the standard
    library's indented encoder on thousands of records (3,600 call-center periods: 0.11 -> 0.02 s); values JSON
    cannot hold (dates, paths) as their text. Non-ASCII text stays UTF-8 rather than ``\\u`` escapes."""
    import pydantic_core

    return pydantic_core.to_json(data, indent=2, fallback=str).decode()
