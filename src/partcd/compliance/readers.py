"""Findings files: the verdicts of any area (or of a plan's own monitoring) by contract and period, as CAP monitoring
input (§ 422.510(c): the CAP is monitored until the deficiency is corrected).

CSV with a header: ``contract_id, period_start, compliant`` (``true``/``false``), optional ``failed_standards``
(``;``-separated) and any number of numeric metric columns, which are stored with each monitoring period. Rows are
numbered as in a spreadsheet (header = row 1); a bad cell is an :class:`InputError` naming file, row and column.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from pathlib import Path
from typing import Any

from partcd.core.errors import InputError

REQUIRED = ("contract_id", "period_start", "compliant")
CONTRACT_ID = re.compile(r"^[A-Z][0-9]{4}$")
MAX_ROWS = 1_000_000
_TRUE = {"true", "1", "yes", "y"}
_FALSE = {"false", "0", "no", "n"}


def read_findings(path: Path) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    """The records (``contract_id``, ``period_start``, ``compliant``, ``failed_standards``, metrics) and the names of
    the metric columns."""
    name = path.name
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise InputError(name, 1, missing[0], f"missing column (needs {', '.join(REQUIRED)})")
        metric_columns = tuple(h for h in header if h not in (*REQUIRED, "failed_standards"))
        records = []
        for row_no, row in enumerate(reader, start=2):
            if row_no - 1 > MAX_ROWS:
                raise InputError(name, row_no, None, f"more than {MAX_ROWS} rows")
            records.append(_record(name, row_no, {k.strip(): (v or "").strip() for k, v in row.items() if k}, metric_columns))
    if not records:
        raise InputError(name, None, None, "no findings rows")
    return records, metric_columns


def _record(name: str, row_no: int, row: dict[str, str], metric_columns: tuple[str, ...]) -> dict[str, Any]:
    contract = row["contract_id"]
    if not CONTRACT_ID.match(contract):
        raise InputError(name, row_no, "contract_id", f"{contract!r} is not a contract id (e.g. H1416)")
    try:
        start = dt.date.fromisoformat(row["period_start"])
    except ValueError:
        raise InputError(name, row_no, "period_start", f"{row['period_start']!r} is not a date (YYYY-MM-DD)") from None
    flag = row["compliant"].lower()
    if flag not in _TRUE | _FALSE:
        raise InputError(name, row_no, "compliant", f"{row['compliant']!r} is not true or false")
    record: dict[str, Any] = {"contract_id": contract, "period_start": start.isoformat(), "compliant": flag in _TRUE,
                              "failed_standards": [s.strip() for s in row.get("failed_standards", "").split(";") if s.strip()]}
    for column in metric_columns:
        text = row.get(column, "")
        if text == "":
            record[column] = None
            continue
        try:
            value = float(text)
        except ValueError:
            raise InputError(name, row_no, column, f"{text!r} is not a number") from None
        if not math.isfinite(value):
            raise InputError(name, row_no, column, f"{text!r} is not a finite number")
        record[column] = value
    return record
