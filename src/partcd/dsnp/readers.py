"""Readers of the D-SNP area: CMS's yearly list of integrated D-SNPs and an admissions feed (CSV), row by row, with
every refusal naming the file, the row (header = row 1, as in a spreadsheet) and the field.

CMS list columns (the first header name of each list is the canonical one; the others are CMS's own spellings):

==========================  ==============================================================================  =========
column                      accepted header names                                                           values
==========================  ==============================================================================  =========
contract_id                 contract_id, Contract ID, Contract Number, Contract                             H1234
plan_benefit_package        plan_benefit_package, Plan ID, PBP, Plan Benefit Package                        001 (1 -> 001)
state                       state, State, State Code                                                        USPS code
integration_status          integration_status, Integration Status, Dual Eligible SNP (D-SNP) Integration   FIDE, HIDE, CO
                            Status, D-SNP Integration Status                                                 (Coordination Only)
applicable_integrated_plan  applicable_integrated_plan, Applicable Integrated Plan, D-SNP Applicable          Y/N, Yes/No
                            Integrated Plan (AIP) Identifier, AIP                                            (blank = N)
==========================  ==============================================================================  =========

Admissions feed columns: ``admission_ref, mbi, setting, admitted_at, plan_aware_at, in_state_group, notified_at,
notified_to, notice_method, notified_by`` (times ISO 8601 with a UTC offset; ``setting`` hospital,
skilled_nursing_facility or another setting; ``in_state_group`` Y/N). A refused MBI is never repeated in a message.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from partcd.core import calendar
from partcd.core.errors import InputError
from partcd.dsnp.rules.parameters import DsnpParams
from partcd.dsnp.rules.reconcile import CmsListRow

#: Input bounds: rows per file and characters per cell.
MAX_ROWS = 50_000
MAX_CELL = 500

CMS_COLUMNS: dict[str, tuple[str, ...]] = {
    "contract_id": ("contract_id", "contract id", "contract number", "contract"),
    "plan_benefit_package": ("plan_benefit_package", "plan id", "pbp", "plan benefit package"),
    "state": ("state", "state code"),
    "integration_status": ("integration_status", "integration status", "dual eligible snp (d-snp) integration status",
                           "d-snp integration status"),
    "applicable_integrated_plan": ("applicable_integrated_plan", "applicable integrated plan",
                                   "d-snp applicable integrated plan (aip) identifier", "aip"),
}
STATUS_ALIASES = {"COORDINATION ONLY": "CO", "COORDINATION-ONLY": "CO", "COORDINATION_ONLY": "CO"}
YES = {"Y", "YES", "TRUE", "1"}
NO = {"N", "NO", "FALSE", "0", ""}
_USPS_TEXT = ("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND "
              "OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI")
USPS = frozenset(_USPS_TEXT.split(" "))
_A = "AC-HJKMNP-RT-Y"
MBI_RE = re.compile(rf"^[1-9][{_A}][{_A}0-9][0-9][{_A}][{_A}0-9][0-9][{_A}][{_A}][0-9][0-9]$")


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, cells) with the header as row 1; BOM and blank lines tolerated; size bounded."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise InputError(str(path), None, None, "file not found") from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError(str(path), 1, None, "empty file: a header row is required") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError(str(path), 1, None, f"not a readable CSV file: {exc}") from None
        names = [h.strip() for h in header]
        try:
            for number, cells in enumerate(reader, start=2):
                if not any(c.strip() for c in cells):
                    continue
                if number - 1 > MAX_ROWS:
                    raise InputError(str(path), number, None, f"more than {MAX_ROWS} rows")
                if len(cells) != len(names):
                    raise InputError(str(path), number, None, f"{len(cells)} cells, the header has {len(names)}")
                for name, cell in zip(names, cells, strict=True):
                    if len(cell) > MAX_CELL:
                        raise InputError(str(path), number, name, f"longer than {MAX_CELL} characters")
                yield number, dict(zip(names, (c.strip() for c in cells), strict=True))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError(str(path), None, None, f"not a readable CSV file: {exc}") from None


def _columns(path: Path, header: list[str], wanted: dict[str, tuple[str, ...]], optional: frozenset[str]) -> dict[str, str]:
    """Canonical column -> the header name the file uses; a required column that is missing is refused."""
    lower = {h.strip().lower(): h.strip() for h in header}
    out: dict[str, str] = {}
    for column, aliases in wanted.items():
        found = [lower[a] for a in aliases if a in lower]
        if not found:
            if column in optional:
                continue
            raise InputError(str(path), 1, column, f"missing column (accepted names: {', '.join(aliases)})")
        out[column] = found[0]
    return out


def _header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return next(csv.reader(handle), [])
    except FileNotFoundError:
        raise InputError(str(path), None, None, "file not found") from None


def flag(value: str, file: str, row: int, field: str) -> bool:
    text = value.strip().upper()
    if text in YES:
        return True
    if text in NO:
        return False
    raise InputError(file, row, field, f"expected Y or N, got {value!r}")


def read_cms_list(path: Path, year: int, params: DsnpParams) -> list[CmsListRow]:
    """CMS's list of integrated D-SNPs for ``year``: one :class:`CmsListRow` per plan and State; a duplicate plan and
    State, an unknown status or a malformed identifier is refused with its row and field."""
    file = str(path)
    cols = _columns(path, _header(path), CMS_COLUMNS, frozenset({"applicable_integrated_plan"}))
    codes = {s.id for s in params.cms_integration_status_table.value}
    seen: dict[tuple[str, str, str], int] = {}
    out: list[CmsListRow] = []
    for number, cells in _rows(path):
        contract = cells[cols["contract_id"]].upper()
        if not re.fullmatch(r"[HR][0-9]{4}", contract):
            raise InputError(file, number, "contract_id", f"not a contract number (e.g. H1234): {contract!r}")
        pbp = cells[cols["plan_benefit_package"]]
        if not re.fullmatch(r"[0-9]{1,3}", pbp):
            raise InputError(file, number, "plan_benefit_package", f"not a plan benefit package number (e.g. 001): {pbp!r}")
        pbp = pbp.zfill(3)
        state = cells[cols["state"]].upper()
        if state not in USPS:
            raise InputError(file, number, "state", f"not a USPS State code: {state!r}")
        raw_status = cells[cols["integration_status"]].upper()
        status = STATUS_ALIASES.get(raw_status, raw_status)
        if status not in codes:
            known = ", ".join(sorted(codes))
            raise InputError(file, number, "integration_status",
                             f"unknown integration status {cells[cols['integration_status']]!r} (known: {known})")
        aip = flag(cells[cols["applicable_integrated_plan"]], file, number, "applicable_integrated_plan") \
            if "applicable_integrated_plan" in cols else False
        key = (contract, pbp, state)
        if key in seen:
            raise InputError(file, number, "contract_id", f"{contract}-{pbp} {state} is already on row {seen[key]}")
        seen[key] = number
        out.append(CmsListRow(list_year=year, contract_id=contract, plan_benefit_package=pbp, state=state,
                              integration_status=status, applicable_integrated_plan=aip, source_row=number))
    return out


class AdmissionFeedRow(BaseModel):
    """One admission of the feed, validated (the MBI normalised: upper case, no hyphens)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    row: int
    admission_ref: str = Field(min_length=1, max_length=60)
    mbi: str
    setting: str = Field(min_length=1, max_length=40)
    admitted_at: dt.datetime
    plan_aware_at: dt.datetime | None = None
    in_state_group: bool = True
    notified_at: dt.datetime | None = None
    notified_to: str | None = None
    notice_method: str | None = None
    notified_by: str | None = None


ADMISSION_COLUMNS: dict[str, tuple[str, ...]] = {c: (c,) for c in (
    "admission_ref", "mbi", "setting", "admitted_at", "plan_aware_at", "in_state_group", "notified_at", "notified_to",
    "notice_method", "notified_by")}
ADMISSION_REQUIRED = frozenset({"admission_ref", "mbi", "setting", "admitted_at"})


def normalise_mbi(value: str, file: str, row: int | None) -> str:
    """Upper case, hyphens removed; a value that is not an MBI is refused without repeating it (PHI)."""
    mbi = value.replace("-", "").strip().upper()
    if not MBI_RE.match(mbi):
        raise InputError(file, row, "mbi", "not a valid Medicare Beneficiary Identifier (11 characters, CMS format)")
    return mbi


def read_admissions(path: Path) -> list[AdmissionFeedRow]:
    """The admissions feed; times need a UTC offset (a feed without offsets cannot say which instant it meant)."""
    file = str(path)
    cols = _columns(path, _header(path), ADMISSION_COLUMNS, frozenset(ADMISSION_COLUMNS) - ADMISSION_REQUIRED)
    out: list[AdmissionFeedRow] = []
    for number, cells in _rows(path):
        def cell(name: str, cells: dict[str, str] = cells) -> str:
            return cells.get(cols[name], "") if name in cols else ""

        def instant(name: str, number: int = number) -> dt.datetime | None:
            text = cell(name)
            return calendar.parse_instant(text, calendar.Cell(file, number, name), offset="required") if text else None

        admitted = instant("admitted_at")
        if admitted is None:
            raise InputError(file, number, "admitted_at", "required")
        data: dict[str, Any] = {
            "row": number, "admission_ref": cell("admission_ref"), "mbi": normalise_mbi(cell("mbi"), file, number),
            "setting": cell("setting").lower(), "admitted_at": admitted, "plan_aware_at": instant("plan_aware_at"),
            "in_state_group": flag(cell("in_state_group") or "Y", file, number, "in_state_group"),
            "notified_at": instant("notified_at"), "notified_to": cell("notified_to") or None,
            "notice_method": cell("notice_method") or None, "notified_by": cell("notified_by") or None}
        if not data["admission_ref"]:
            raise InputError(file, number, "admission_ref", "required")
        if not data["setting"]:
            raise InputError(file, number, "setting", "required")
        out.append(AdmissionFeedRow.model_validate(data))
    return out
