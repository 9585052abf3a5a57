"""Input files of the telehealth area: bid worksheets and services files, as YAML or CSV (§§ 422.135, 422.254).

* a **YAML worksheet** holds everything (``plan_name``, ``contract_year``, ``assumptions``, ``plan_compliance``,
  ``telehealth_services``, ``lines``; see ``partcd telehealth example``);
* a **CSV worksheet** holds the cost lines, one a row: ``id, description, category, service_id, cost_type,
  allowed_pmpm_usd, cost_sharing_pmpm_usd``; a telehealth line also carries its service's facts
  (``part_b_benefit, payable_under_1834m, identified_clinically_appropriate, practitioner_at_distant_site,
  contracted_provider, in_person_access_at_election, offered_as``; later lines of the same service may leave them
  blank). The plan, the assumptions and § 422.135(c) come from a YAML file given beside it;
* a **services file** (YAML with ``contract_year``, ``plan_compliance`` and ``services``, or CSV with one service a row).

Errors name the file, the row (CSV rows as in a spreadsheet, header = row 1; YAML list items from 1) and the field.
Sizes are bounded: at most ``MAX_BYTES`` per file and the row limits of the models.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from partcd.core.errors import InputError
from partcd.platform.params import load_yaml
from partcd.telehealth.rules.classification import TelehealthService

MAX_BYTES = 5_000_000
MAX_ROWS = 5000
LINE_COLUMNS = ("id", "description", "category", "service_id", "cost_type", "allowed_pmpm_usd", "cost_sharing_pmpm_usd")
SERVICE_COLUMNS = tuple(TelehealthService.model_fields)
FACT_COLUMNS = tuple(c for c in SERVICE_COLUMNS if c not in ("service_id", "description"))


def _text(path: Path) -> str:
    if not path.is_file():
        raise InputError(str(path), None, None, "file not found")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise InputError(str(path), None, None, f"file of {size} bytes is larger than the limit of {MAX_BYTES}")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(str(path), None, None, "not UTF-8 text") from None


def kind(path: Path) -> str:
    """``yaml`` or ``csv`` by the file's suffix (anything else is refused)."""
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".csv":
        return "csv"
    raise InputError(str(path), None, None, f"unsupported file type {suffix!r} (yaml, yml or csv)")


def read_yaml(path: Path) -> dict[str, Any]:
    """A YAML mapping (duplicate keys refused)."""
    data = load_yaml(_text(path), str(path))
    if not isinstance(data, dict):
        raise InputError(str(path), None, None, "the file must be a YAML mapping")
    return data


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file as text (blank cells dropped), at most ``MAX_ROWS``."""
    reader = csv.DictReader(io.StringIO(_text(path)))
    if not reader.fieldnames:
        raise InputError(str(path), 1, None, "no header row")
    rows = []
    for number, row in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            raise InputError(str(path), number, None, f"more than {MAX_ROWS} rows")
        if None in row:
            raise InputError(str(path), number, None, "more cells than header columns")
        rows.append({k.strip(): v.strip() for k, v in row.items() if k and v is not None and v.strip() != ""})
    return rows


def csv_lines(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(lines, telehealth services) of a CSV worksheet; a service's facts may stand on any of its lines, and where
    they stand twice they must agree."""
    lines: list[dict[str, Any]] = []
    services: dict[str, dict[str, Any]] = {}
    first_row: dict[str, int] = {}
    for number, row in enumerate(read_csv_rows(path), start=2):
        unknown = sorted(set(row) - set(LINE_COLUMNS) - set(FACT_COLUMNS))
        if unknown:
            raise InputError(str(path), number, unknown[0], "unknown column")
        lines.append({k: v for k, v in row.items() if k in LINE_COLUMNS})
        facts = {k: v for k, v in row.items() if k in FACT_COLUMNS}
        sid = row.get("service_id")
        if facts and not sid:
            raise InputError(str(path), number, next(iter(facts)), "service facts on a line without service_id")
        if sid:
            known = services.setdefault(sid, {"service_id": sid, "description": row.get("description", "")})
            first_row.setdefault(sid, number)
            for key, value in facts.items():
                if key in known and str(known[key]).lower() != value.lower():
                    raise InputError(str(path), number, key, f"service {sid!r} has {known[key]!r} on an earlier line")
                known[key] = value
    for sid, facts in services.items():
        try:
            validate(TelehealthService, facts, str(path))
        except InputError as exc:
            raise InputError(str(path), first_row[sid], exc.field, f"service {sid!r}: {exc.reason}") from None
    return lines, list(services.values())


def validate(model: type[BaseModel], data: Any, file: str, *, rows: str | None = None, first_row: int = 1) -> Any:
    """``model`` from ``data``; the first problem becomes an ``InputError`` naming the row of list ``rows``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [str(p) for p in err["loc"]]
        row = None
        if rows and len(loc) >= 2 and loc[0] == rows and loc[1].isdigit():
            row = int(loc[1]) + first_row
            loc = loc[2:]
        raise InputError(file, row, ".".join(loc) or None, err["msg"]) from None
