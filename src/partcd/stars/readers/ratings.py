"""Readers for the rating-level CMS Star Ratings data tables: CAI, Summary Ratings, disaster shares and CAI values.

Edge module (file I/O). The Measure Data / Measure Stars / cut-point readers live in :mod:`partcd.stars.readers` and
are reused here (same line decoding: UTF-8 with a cp1252 fallback, shared/data/star-ratings/README.md §2). Every bad
cell raises :class:`~partcd.core.errors.InputError` with the file, the spreadsheet row and the column.

* ``CAI`` (2 header rows): ``Contract Number, ..., Puerto Rico Only, Part C FAC, Part D MA-PD FAC, Part D PDP FAC,
  Overall FAC`` - a category number or "N/A"; tidy equivalent: ``contract_id, part_c_fac, part_d_mapd_fac,
  part_d_pdp_fac, overall_fac[, puerto_rico_only]``.
* ``Summary Rating(s)`` (2 header rows): ``Contract Number, Organization Type, ..., SNP, <year> Disaster % ...,
  <year> Part C Summary, <year> Part D Summary, <year> Overall`` - half stars or a text such as "Not enough data
  available".
* disaster shares: tidy CSV ``contract_id, year, percent``.
* CAI values: tidy CSV ``rating, category, value`` with rating one of part_c, part_d_mapd, part_d_pdp, overall.
* tidy measure stars: ``contract_id, measure_id (or measure_key), stars[, missing_reason][, organization_type]``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from partcd.core.errors import InputError, RuleError
from partcd.stars.readers import (
    PDP_ORGANIZATION_TYPES,
    STATUS_TEXTS,
    MeasureTable,
    detect,
    load_catalogue,
    read_measure_stars,
    read_rows,
)
from partcd.stars.rules.cai import check_cai_values
from partcd.stars.rules.models import Measure, OrganizationType, Part
from partcd.stars.rules.params import RATING_KEYS, RatingKey
from partcd.stars.rules.summary import NOT_REQUIRED_STATUSES, ContractKind, ContractStars

#: Organization types whose data CMS does not use in the Part C and D Star Ratings (2026 Technical Notes Table 1:
#: Demonstration (Medicare-Medicaid Plan) "No" for Part C and Part D ratings; the data tables call them "Demo").
UNRATED_ORGANIZATION_TYPES: frozenset[str] = frozenset({"Demo"})

_CAI_COLUMNS: dict[str, RatingKey] = {
    "Part C FAC": "part_c", "Part D MA-PD FAC": "part_d_mapd", "Part D PDP FAC": "part_d_pdp", "Overall FAC": "overall",
}
_TIDY_CAI_COLUMNS: dict[str, RatingKey] = {
    "part_c_fac": "part_c", "part_d_mapd_fac": "part_d_mapd", "part_d_pdp_fac": "part_d_pdp", "overall_fac": "overall",
}
_CONTRACT = re.compile(r"[A-Z]\d{4}")
#: Largest standard error accepted (score units; a 0-100 measure's binomial standard error is at most 50).
MAX_STANDARD_ERROR = 100.0


@dataclass(frozen=True)
class CaiCategories:
    """Final adjustment categories per contract and rating type (None: "N/A"), and the Puerto Rico only flag."""

    file: str
    rating_year: int | None
    categories: Mapping[str, Mapping[RatingKey, int | None]]
    puerto_rico_only: frozenset[str]


@dataclass(frozen=True)
class PublishedSummary:
    """A contract's row of the CMS Summary Ratings table."""

    contract_id: str
    organization_type: str
    snp: bool | None
    disaster_pct: Mapping[int, float]
    part_c: float | None
    part_d: float | None
    overall: float | None
    texts: Mapping[str, str]  # rating -> CMS text when not a number


@dataclass(frozen=True)
class SummaryTable:
    file: str
    rating_year: int
    rows: Mapping[str, PublishedSummary]


def _table(path: Path | str, title: str) -> tuple[str, list[list[str]], dict[str, int], int | None]:
    """A two-header-row CMS table: file name, rows, column index by header name, rating year from the title."""
    file = str(path)
    rows = read_rows(path)
    if len(rows) < 2:
        raise InputError(file, len(rows) + 1, None, f"a CMS '{title}' table needs a title row and a header row")
    m = re.match(r"^((?:19|20)\d{2}) ", rows[0][0] if rows[0] else "")
    header = {name: i for i, name in enumerate(rows[1]) if name}
    return file, rows, header, int(m.group(1)) if m else None


def _data_rows(file: str, rows: list[list[str]], first: int) -> Iterator[tuple[int, list[str]]]:
    seen: dict[str, int] = {}
    for idx in range(first, len(rows)):
        row = rows[idx]
        if not any(row):
            continue
        rownum = idx + 1
        if not _CONTRACT.fullmatch(row[0]):
            raise InputError(file, rownum, "Contract Number", f"{row[0]!r} is not a contract id (letter + 4 digits)")
        if row[0] in seen:
            raise InputError(file, rownum, "Contract Number", f"contract {row[0]} already listed on row {seen[row[0]]}")
        seen[row[0]] = rownum
        yield rownum, row


def _category(file: str, rownum: int, column: str, text: str) -> int | None:
    if text in ("N/A", ""):
        return None
    if not text.isdigit() or int(text) < 1:
        raise InputError(file, rownum, column, f"{text!r}: expected a final adjustment category (1, 2, ...) or N/A")
    return int(text)


def read_cai_categories(path: Path | str) -> CaiCategories:
    """A CMS "CAI" data table or its tidy equivalent (detected from the header)."""
    file = str(path)
    rows = read_rows(path)
    if "contract_id" in _header(rows):
        return _read_tidy_cai(file, rows)
    file, rows, header, year = _table(path, "CAI")
    missing = [c for c in ("Contract Number", *_CAI_COLUMNS) if c not in header]
    if missing:
        raise InputError(file, 2, missing[0], "not a CMS CAI table: missing column " + ", ".join(missing))
    cats: dict[str, dict[RatingKey, int | None]] = {}
    pr: set[str] = set()
    for rownum, row in _data_rows(file, rows, 2):
        cats[row[0]] = {key: _category(file, rownum, col, row[header[col]]) for col, key in _CAI_COLUMNS.items()}
        flag = row[header["Puerto Rico Only"]] if "Puerto Rico Only" in header else "No"
        if flag not in ("Yes", "No"):
            raise InputError(file, rownum, "Puerto Rico Only", f"{flag!r}: expected Yes or No")
        if flag == "Yes":
            pr.add(row[0])
    return CaiCategories(file, year, cats, frozenset(pr))


def _header(rows: list[list[str]]) -> set[str]:
    """The lower-case column names of a tidy CSV (header = row 1)."""
    return {c.strip().lower() for c in rows[0]} if rows else set()


def _need_columns(file: str, rows: list[list[str]], need: set[str]) -> None:
    """Refuse a tidy CSV without every column of ``need``, naming what it has."""
    have = _header(rows)
    if not need <= have:
        raise InputError(file, 1, None, f"expected columns {', '.join(sorted(need))}; found {', '.join(sorted(have))}")


def _tidy(file: str, rows: list[list[str]]) -> Iterator[tuple[int, Callable[[str], str]]]:
    col = {name.strip().lower(): i for i, name in enumerate(rows[0])}
    for idx in range(1, len(rows)):
        row = rows[idx]
        if not any(row):
            continue
        if len(row) != len(rows[0]):
            raise InputError(file, idx + 1, None, f"row has {len(row)} columns, the header has {len(rows[0])}")

        def cell(name: str, row: list[str] = row) -> str:
            return row[col[name]].strip() if name in col else ""

        yield idx + 1, cell


def _read_tidy_cai(file: str, rows: list[list[str]]) -> CaiCategories:
    cats: dict[str, dict[RatingKey, int | None]] = {}
    pr: set[str] = set()
    for rownum, cell in _tidy(file, rows):
        cid = cell("contract_id")
        if not _CONTRACT.fullmatch(cid):
            raise InputError(file, rownum, "contract_id", f"{cid!r} is not a contract id (letter + 4 digits)")
        if cid in cats:
            raise InputError(file, rownum, "contract_id", f"contract {cid} listed twice")
        cats[cid] = {key: _category(file, rownum, col, cell(col)) for col, key in _TIDY_CAI_COLUMNS.items()}
        if cell("puerto_rico_only").lower() in ("yes", "true", "1"):
            pr.add(cid)
    return CaiCategories(file, None, cats, frozenset(pr))


def _half_star(file: str, rownum: int, column: str, text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    if not (math.isfinite(value) and 0 <= value <= 5 and (value * 2).is_integer()):
        raise InputError(file, rownum, column, f"{text!r}: a summary or overall rating is a half star from 0 to 5")
    return value


def read_summary_ratings(path: Path | str) -> SummaryTable:
    """A CMS "Summary Rating(s)" data table: published ratings and the "Disaster %" columns per contract."""
    file, rows, header, year = _table(path, "Summary Ratings")
    if year is None:
        raise InputError(file, 1, None, "cannot tell the rating year from the title")
    names = {"part_c": f"{year} Part C Summary", "part_d": f"{year} Part D Summary", "overall": f"{year} Overall"}
    missing = [c for c in ("Contract Number", "Organization Type", *names.values()) if c not in header]
    if missing:
        raise InputError(file, 2, missing[0], "not a CMS Summary Ratings table: missing column " + ", ".join(missing))
    disaster_cols = {int(m.group(1)): i for name, i in header.items() if (m := re.fullmatch(r"(\d{4}) Disaster %", name))}
    out: dict[str, PublishedSummary] = {}
    for rownum, row in _data_rows(file, rows, 2):
        values: dict[str, float | None] = {}
        texts: dict[str, str] = {}
        for key, col in names.items():
            cell = row[header[col]]
            values[key] = _half_star(file, rownum, col, cell)
            if values[key] is None:
                texts[key] = cell
        disaster: dict[int, float] = {}
        for y, i in disaster_cols.items():
            cell = row[i]
            try:
                disaster[y] = float(cell)
            except ValueError:
                raise InputError(file, rownum, f"{y} Disaster %", f"{cell!r} is not a percentage") from None
        snp = row[header["SNP"]] if "SNP" in header else ""
        out[row[0]] = PublishedSummary(row[0], row[header["Organization Type"]], {"Yes": True, "No": False}.get(snp),
                                       disaster, values["part_c"], values["part_d"], values["overall"], texts)
    return SummaryTable(file, year, out)


def read_disaster_shares(path: Path | str) -> dict[str, dict[int, float]]:
    """Disaster shares per contract and year of circumstances: a tidy CSV ``contract_id, year, percent`` (percent of
    enrollees in Individual Assistance areas) or a CMS Summary Ratings table (its "<year> Disaster %" columns)."""
    file = str(path)
    rows = read_rows(path)
    if len(rows) > 1 and rows[0] and re.match(r"^(?:19|20)\d{2} Summary Star View", rows[0][0]):
        return disaster_shares_from_summary(read_summary_ratings(path))
    _need_columns(file, rows, {"contract_id", "year", "percent"})
    out: dict[str, dict[int, float]] = {}
    for rownum, cell in _tidy(file, rows):
        cid = cell("contract_id")
        if not _CONTRACT.fullmatch(cid):
            raise InputError(file, rownum, "contract_id", f"{cid!r} is not a contract id (letter + 4 digits)")
        try:
            year = int(cell("year"))
        except ValueError:
            raise InputError(file, rownum, "year", f"{cell('year')!r} is not a year") from None
        try:
            pct = float(cell("percent").rstrip("%"))
        except ValueError:
            raise InputError(file, rownum, "percent", f"{cell('percent')!r} is not a number") from None
        if not 0 <= pct <= 100:
            raise InputError(file, rownum, "percent", f"{pct:g} is outside 0-100")
        if year in out.setdefault(cid, {}):
            raise InputError(file, rownum, "year", f"{cid} {year} given twice")
        out[cid][year] = pct
    return out


@dataclass(frozen=True)
class DeclaredType:
    """One row of an organization-type file: the contract's TN Table 6/7 type and the row that declared it."""

    organization_type: OrganizationType
    row: int


def read_organization_types(path: Path | str) -> dict[str, DeclaredType]:
    """Declared organization types: a CSV ``contract_id, organization_type`` with the Technical Notes' Table 6 / 7
    names (``1876 Cost``, ``CCP w/o SNP``, ``CCP with SNP``, ``CCP with Only I-SNP``, ``MSA``, ``PDP``, ``PFFS``)."""
    file = str(path)
    rows = read_rows(path)
    _need_columns(file, rows, {"contract_id", "organization_type"})
    known = {t.value.lower(): t for t in OrganizationType}
    out: dict[str, DeclaredType] = {}
    for rownum, cell in _tidy(file, rows):
        cid = cell("contract_id")
        if not _CONTRACT.fullmatch(cid):
            raise InputError(file, rownum, "contract_id", f"{cid!r} is not a contract id (letter + 4 digits)")
        text = cell("organization_type")
        found = known.get(" ".join(text.split()).lower())
        if found is None:
            names = ", ".join(repr(t.value) for t in OrganizationType)
            raise InputError(file, rownum, "organization_type", f"unknown organization type {text!r}; known: {names}")
        if cid in out:
            raise InputError(file, rownum, "contract_id", f"{cid} declared twice (first on row {out[cid].row})")
        out[cid] = DeclaredType(found, rownum)
    return out


def disaster_shares_from_summary(table: SummaryTable) -> dict[str, dict[int, float]]:
    """The "Disaster %" columns of a CMS Summary Ratings table as disaster shares."""
    return {cid: dict(row.disaster_pct) for cid, row in table.rows.items() if row.disaster_pct}


def read_cai_values(path: Path | str) -> dict[RatingKey, dict[int, float]]:
    """Tidy CAI values ``rating, category, value`` (a rating year's Technical Notes tables)."""
    file = str(path)
    rows = read_rows(path)
    _need_columns(file, rows, {"rating", "category", "value"})
    raw: dict[str, dict[int, float]] = {}
    for rownum, cell in _tidy(file, rows):
        rating = cell("rating")
        if rating not in RATING_KEYS:
            raise InputError(file, rownum, "rating", f"{rating!r}: expected one of {', '.join(RATING_KEYS)}")
        try:
            category, value = int(cell("category")), float(cell("value"))
        except ValueError:
            raise InputError(file, rownum, None, "category must be an integer and value a number") from None
        if category in raw.setdefault(rating, {}):
            raise InputError(file, rownum, "category", f"{rating} category {category} given twice")
        raw[rating][category] = value
    try:
        return check_cai_values(raw)
    except RuleError as exc:
        raise InputError(file, None, None, exc.reason) from None


# --- measure stars -> contracts ----------------------------------------------------------------


def contract_kind(organization_type: str, part_d_required: bool) -> ContractKind:
    """PDP for the PDP organization types; MA-PD when the contract must report Part D measures, else MA-only
    (2026 Technical Notes Table 3)."""
    if organization_type in PDP_ORGANIZATION_TYPES:
        return ContractKind.PDP
    return ContractKind.MA_PD if part_d_required else ContractKind.MA_ONLY


@dataclass(frozen=True)
class StarsInput:
    """Measure stars of a rating year as the rating rules take them, with the contracts left out and why."""

    file: str
    rating_year: int
    measures: tuple[Measure, ...]
    contracts: tuple[ContractStars, ...]
    organization_types: Mapping[str, str]
    unrated: Mapping[str, str]  # contract_id -> reason


def contracts_from_table(table: MeasureTable, puerto_rico_only: frozenset[str] = frozenset()) -> StarsInput:
    """ContractStars from a parsed CMS Measure Stars table (statuses saying "not required" mark measures the contract
    need not report; Demo contracts are not rated)."""
    measures = tuple(c.measure for c in table.columns)
    by_contract: dict[str, dict[str, int]] = {c.contract_id: {} for c in table.contracts}
    not_required: dict[str, set[str]] = {c.contract_id: set() for c in table.contracts}
    for s in table.stars:
        if s.stars is not None:
            by_contract[s.contract_id][s.measure_key] = s.stars
        elif s.missing_reason in NOT_REQUIRED_STATUSES:
            not_required[s.contract_id].add(s.measure_key)
    return stars_input(table.file, table.rating_year, measures, [(c.contract_id, c.organization_type) for c in table.contracts],
                  by_contract, not_required, puerto_rico_only)


def stars_input(file: str, year: int, measures: Sequence[Measure], contracts: Sequence[tuple[str, str]],
           stars: Mapping[str, Mapping[str, int]], not_required: Mapping[str, set[str]],
           puerto_rico_only: frozenset[str]) -> StarsInput:
    """Contracts of a rating year from their measure stars, organization types and not-required measures (Demo
    contracts are left out with the reason)."""
    d_keys = {m.measure_key for m in measures if m.part is Part.D}
    out: list[ContractStars] = []
    unrated: dict[str, str] = {}
    for cid, org in contracts:
        if org in UNRATED_ORGANIZATION_TYPES:
            unrated[cid] = f"organization type {org!r} is not rated in the Part C and D Star Ratings"
            continue
        kind = contract_kind(org, bool(d_keys - not_required[cid]))
        out.append(ContractStars(cid, kind, dict(stars[cid]), frozenset(not_required[cid]), cid in puerto_rico_only))
    return StarsInput(file, year, tuple(measures), tuple(out), dict(contracts), unrated)


def read_stars_input(path: Path | str, year: int | None = None, puerto_rico_only: frozenset[str] = frozenset()) -> StarsInput:
    """Measure stars from a CMS "Measure Stars" table or a tidy CSV (detected), ready for :func:`rules.rate.rate`."""
    rows = read_rows(path)
    header = _header(rows)
    if "contract_id" in header and "stars" in header:
        return _read_tidy_stars(str(path), rows, year, puerto_rico_only)
    info = detect(path, rows)
    if info.kind != "measure_stars":
        raise InputError(str(path), 1, None,
                         f"expected a CMS 'Measure Stars' table or a tidy CSV with contract_id, measure_id, stars; "
                         f"found {info.kind.replace('_', ' ')}")
    return contracts_from_table(read_measure_stars(path, year), puerto_rico_only)


def _read_tidy_stars(file: str, rows: list[list[str]], year: int | None, puerto_rico_only: frozenset[str]) -> StarsInput:
    if year is None:
        raise InputError(file, 1, None, "a tidy measure-stars file has no rating year: give --year")
    catalogue = load_catalogue(year)
    by_id = {m.measure_id: m for m in catalogue}
    by_key = {m.measure_key: m for m in catalogue}
    orgs: dict[str, str] = {}
    stars: dict[str, dict[str, int]] = {}
    not_required: dict[str, set[str]] = {}
    for rownum, cell in _tidy(file, rows):
        cid = cell("contract_id")
        if not _CONTRACT.fullmatch(cid):
            raise InputError(file, rownum, "contract_id", f"{cid!r} is not a contract id (letter + 4 digits)")
        measure = by_key.get(cell("measure_key")) or by_id.get(cell("measure_id"))
        if measure is None:
            raise InputError(file, rownum, "measure_id", f"{cell('measure_id') or cell('measure_key')!r} is not a {year} measure")
        org = cell("organization_type")
        if not org:
            raise InputError(file, rownum, "organization_type",
                             "empty: the organization type decides PDP / MA-PD / MA-only (e.g. 'Local CCP', 'PDP')")
        if orgs.setdefault(cid, org) != org:
            raise InputError(file, rownum, "organization_type", f"{cid}: {org!r} differs from an earlier row")
        stars.setdefault(cid, {})
        not_required.setdefault(cid, set())
        text, reason = cell("stars"), cell("missing_reason")
        if text in {"1", "2", "3", "4", "5"}:
            if measure.measure_key in stars[cid]:
                raise InputError(file, rownum, "measure_id", f"{cid} {measure.measure_id} given twice")
            stars[cid][measure.measure_key] = int(text)
        elif text in STATUS_TEXTS or (not text and reason):
            if (reason or text) in NOT_REQUIRED_STATUSES:
                not_required[cid].add(measure.measure_key)
        else:
            raise InputError(file, rownum, "stars", f"{text!r} is neither a star 1-5 nor a known status")
    if not orgs:
        raise InputError(file, 2, None, "no measure stars in the file")
    return stars_input(file, year, catalogue, list(orgs.items()), stars, not_required, puerto_rico_only)


def read_standard_errors(path: Path | str, measures: Sequence[Measure]) -> dict[tuple[str, str], float]:
    """Standard errors of scores: tidy CSV ``contract_id, measure_id (or measure_key), standard_error`` in the score's
    units (e.g. percentage points) -> {(contract_id, measure_key): standard error}."""
    file = str(path)
    rows = read_rows(path)
    have = _header(rows)
    if not ({"contract_id", "standard_error"} <= have and have & {"measure_id", "measure_key"}):
        raise InputError(file, 1, None, "expected columns contract_id, measure_id (or measure_key), standard_error")
    by_id = {m.measure_id: m.measure_key for m in measures}
    keys = {m.measure_key for m in measures}
    out: dict[tuple[str, str], float] = {}
    for rownum, cell in _tidy(file, rows):
        cid = cell("contract_id")
        if not _CONTRACT.fullmatch(cid):
            raise InputError(file, rownum, "contract_id", f"{cid!r} is not a contract id (letter + 4 digits)")
        key = cell("measure_key") or by_id.get(cell("measure_id"), "")
        if key not in keys:
            raise InputError(file, rownum, "measure_id", f"{cell('measure_id') or cell('measure_key')!r} is not a measure")
        try:
            se = float(cell("standard_error"))
        except ValueError:
            raise InputError(file, rownum, "standard_error", f"{cell('standard_error')!r} is not a number") from None
        if not (math.isfinite(se) and 0 <= se <= MAX_STANDARD_ERROR):
            raise InputError(file, rownum, "standard_error", f"{se:g}: expected 0 to {MAX_STANDARD_ERROR:g}")
        if (cid, key) in out:
            raise InputError(file, rownum, "measure_id", f"{cid} {key} given twice")
        out[(cid, key)] = se
    return out
