"""§§ 422.166(a), 423.186(a) - readers for CMS Star Ratings data tables and the measure catalogue.

Reads the files CMS publishes with each year's Star Ratings ("Star Ratings Data Table - ...") and
a tidy long format, and detects which one a file is:

* ``measure_data``  - "Measure Data": 4 header rows (title, domains filled forward, "ID: name"
  labels, measurement periods), one row per contract; text statuses such as "Plan too small to
  be measured" become ``MeasureScore(score=None, missing_reason=...)``.
* ``measure_stars`` - "Measure Stars": same layout, stars 1-5 or a text status.
* ``cut_points``    - "Part C Cut Points" / "Part D Cut Points": one threshold text per star level
  (``">= 58 % to < 71 %"``, lower-is-better ``"> 0.83 to <= 1.46"``, bare ``"100%"``); Part D has
  separate MA-PD and PDP rows -> one :class:`CutPoints` per contract type.
* ``tidy_scores``   - CSV with a header ``contract_id, measure_id, score[, measure_key][, contract_type]
  [, organization_type][, missing_reason]``.
* ``tidy_cut_points`` - CSV with ``measure_id, threshold, value`` (or ``final``) and optional
  ``measure_key``, ``contract_type``, ``higher_is_better`` and other columns (ignored).

CMS files are Windows-1252 except for stray UTF-8 sequences, so each line is decoded as UTF-8 with
a cp1252 fallback (shared/data/star-ratings/README.md §2). Every bad cell raises
:class:`~partcd.core.errors.InputError` naming the file, the row and the column; rows are numbered
as a spreadsheet shows them (1-based line of the file, header rows included). Measures are
matched to the rating year's catalogue by part and name (never by id alone).
"""

from __future__ import annotations

import csv
import functools
import importlib.resources
import io
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

from partcd.core.errors import InputError, ParameterError
from partcd.platform.params import load_model
from partcd.stars.rules.catalogue import Catalogue, find_measure
from partcd.stars.rules.guardrails import REASON_WORDS, describe_threshold
from partcd.stars.rules.models import ContractType, CutPoints, Measure, MeasureScore, Part

TableKind = Literal["measure_data", "measure_stars", "cut_points", "tidy_scores", "tidy_cut_points"]
T = TypeVar("T")

#: Text CMS writes instead of a score (Measure Data) or a star (Measure Stars), after stripping.
STATUS_TEXTS: frozenset[str] = frozenset(
    {
        "Plan too new to be measured",
        "Not enough data available",
        "Plan not required to report measure",
        "Plan not required to report",
        "Not required to report",
        "Plan too small to be measured",
        "No data available",
        "Medicare shows only a Star Rating for this topic",
        "CMS identified issues with this plan's data",
        "Benefit not offered by plan",
    }
)

#: Organization types whose Part D measures are rated with the PDP cut points (README §3.2).
PDP_ORGANIZATION_TYPES: frozenset[str] = frozenset({"PDP", "Employer/Union Only Direct Contract PDP"})

_NUMBER = r"-?\d+(?:\.\d+)?"
_THRESHOLD = re.compile(
    rf"^(?:(?P<op1>>=|>|<=|<) ?(?P<a>{_NUMBER}) ?%?(?: to (?P<op2><=|<) ?(?P<b>{_NUMBER}) ?%?)?|(?P<exact>{_NUMBER}) ?%)$"
)
_SCORE = re.compile(rf"^(?P<n>{_NUMBER}) ?(?P<pct>%)?$")
_YEAR = re.compile(r"^(?P<year>(?:19|20)\d{2}) ")


# --- catalogue -------------------------------------------------------------------------------


def catalogue_years() -> list[int]:
    """Rating years that have a catalogue file."""
    root = Path(str(importlib.resources.files("partcd.stars"))) / "catalogue"
    return sorted(int(p.stem) for p in root.glob("*.yaml") if p.stem.isdigit())


@functools.cache
def load_catalogue_file(year: int) -> Catalogue:
    """The validated catalogue of rating year ``year``; a year without a file is an error."""
    root = Path(str(importlib.resources.files("partcd.stars"))) / "catalogue"
    path = root / f"{year}.yaml"
    if not path.is_file():
        available = ", ".join(str(y) for y in catalogue_years()) or "none"
        raise ParameterError(str(path), None, f"no measure catalogue for rating year {year}; available: {available}")
    cat = load_model(path, Catalogue)
    if cat.rating_year != year:
        raise ParameterError(str(path), "rating_year", f"file says {cat.rating_year}, name says {year}")
    return cat


def load_catalogue(year: int) -> list[Measure]:
    """The measures of rating year ``year`` (C first, then D, in CMS order)."""
    return load_catalogue_file(year).to_measures()


def _aliases(year: int) -> dict[str, tuple[str, ...]]:
    return {m.measure_key: m.aliases for m in load_catalogue_file(year).measures}


# --- low-level CSV ---------------------------------------------------------------------------


def read_rows(path: Path | str) -> list[list[str]]:
    """Rows of a CSV file as stripped strings; each line UTF-8, falling back to cp1252."""
    p = Path(path)
    raw = p.read_bytes().removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte-order mark (Excel "CSV UTF-8")
    lines: list[str] = []
    for chunk in raw.replace(b"\r\n", b"\n").split(b"\n"):
        try:
            lines.append(chunk.decode("utf-8"))
        except UnicodeDecodeError:
            lines.append(chunk.decode("cp1252"))
    if lines and lines[-1] == "":
        lines.pop()
    try:
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO("\n".join(lines), newline=""))]
    except csv.Error as exc:
        raise InputError(str(p), None, None, f"not a readable CSV file: {exc}") from None


def _year_of_title(title: str) -> int | None:
    m = _YEAR.match(title)
    return int(m.group("year")) if m else None


# --- detection -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableInfo:
    """What a file is: its kind, its rating year (CMS titles carry one) and, for cut points, its part."""

    kind: TableKind
    rating_year: int | None
    part: Part | None = None


def detect(path: Path | str, rows: list[list[str]] | None = None) -> TableInfo:
    """Recognise a CMS data table or a tidy CSV from its first rows."""
    rows = read_rows(path) if rows is None else rows
    file = str(path)
    if not rows or not any(rows[0]):
        raise InputError(file, 1, None, "empty file")
    title = rows[0][0]
    year = _year_of_title(title)
    if re.match(r"^\d{4} Data View:", title):
        return TableInfo("measure_data", year)
    if re.match(r"^\d{4} Star View:", title):
        return TableInfo("measure_stars", year)
    m = re.search(r"Part (C|D) Performance Metrics Threshold", title)
    if m:
        return TableInfo("cut_points", year, Part(m.group(1)))
    header = {c.strip().lower() for c in rows[0]}
    if {"contract_id", "measure_id", "score"} <= header or {"contract_id", "measure_key", "score"} <= header:
        return TableInfo("tidy_scores", None)
    if {"threshold"} <= header and ("value" in header or "final" in header) and header & {"measure_id", "measure_key"}:
        return TableInfo("tidy_cut_points", None)
    raise InputError(
        file, 1, None,
        "unrecognised file: expected a CMS 'Measure Data', 'Measure Stars' or 'Part C/D Cut Points' table, or a tidy CSV "
        "with columns contract_id, measure_id, score (scores) or measure_id, threshold, value (cut points)",
    )


def _resolve_year(file: str, info: TableInfo, year: int | None) -> int:
    if info.rating_year is not None and year is not None and info.rating_year != year:
        raise InputError(file, 1, None, f"file is for rating year {info.rating_year}, but year {year} was asked for")
    chosen = info.rating_year if info.rating_year is not None else year
    if chosen is None:
        raise InputError(file, 1, None, "cannot tell the rating year; give --year")
    return chosen


# --- Measure Data / Measure Stars ------------------------------------------------------------


@dataclass(frozen=True)
class MeasureColumn:
    """One measure column of a CMS master table: where it is and which catalogue measure it is."""

    column: int  # 0-based
    measure_id: str  # as printed in this file
    name: str
    domain: str
    period: str
    measure: Measure


@dataclass(frozen=True)
class PublishedStar:
    """A contract's published star on a measure (Measure Stars), or the text CMS shows instead."""

    contract_id: str
    measure_key: str
    measure_id: str
    stars: int | None
    missing_reason: str | None = None
    contract_type: ContractType = ContractType.ALL


@dataclass(frozen=True)
class Contract:
    """Identifying columns of a contract row."""

    contract_id: str
    organization_type: str
    contract_name: str

    @property
    def contract_type(self) -> ContractType:
        return ContractType.PDP if self.organization_type in PDP_ORGANIZATION_TYPES else ContractType.MAPD


@dataclass(frozen=True)
class MeasureTable:
    """A parsed Measure Data or Measure Stars file."""

    file: str
    rating_year: int
    columns: tuple[MeasureColumn, ...]
    contracts: tuple[Contract, ...]
    scores: tuple[MeasureScore, ...] = ()
    stars: tuple[PublishedStar, ...] = ()


_ID_COLUMNS = ("CONTRACT_ID", "Organization Type", "Contract Name", "Organization Marketing Name", "Parent Organization")


def _master_columns(file: str, rows: list[list[str]], year: int) -> tuple[MeasureColumn, ...]:
    if len(rows) < 4:
        raise InputError(file, len(rows) + 1, None, "a CMS master table needs 4 header rows")
    head = rows[1]
    for i, expected in enumerate(_ID_COLUMNS):
        if i >= len(head) or head[i] != expected:
            raise InputError(file, 2, _col_name(i), f"expected header {expected!r}, found {head[i] if i < len(head) else ''!r}")
    catalogue = load_catalogue(year)
    aliases = _aliases(year)
    columns: list[MeasureColumn] = []
    domain = ""
    labels = rows[2]
    for col in range(5, max(len(head), len(labels))):
        domain = (head[col] if col < len(head) else "") or domain
        label = labels[col] if col < len(labels) else ""
        if not label:
            continue
        measure_id, name, measure = _label_measure(file, col, label, catalogue, aliases, year)
        period = rows[3][col] if col < len(rows[3]) else ""
        columns.append(MeasureColumn(col, measure_id, name, domain.split(":")[0].strip(), period, measure))
    if not columns:
        raise InputError(file, 3, None, "no measure columns ('ID: name') in the third header row")
    return tuple(columns)


def _label_measure(file: str, col: int, label: str, catalogue: list[Measure], aliases: dict[str, tuple[str, ...]],
                   year: int) -> tuple[str, str, Measure]:
    """(measure id, name, measure) of a measure label of header row 3 ('C01: Breast Cancer Screening'), found in the
    rating year's catalogue."""
    measure_id, name = _split_label(file, 3, col, label)
    measure = find_measure(catalogue, measure_id[0], name, aliases)
    if measure is None:
        raise InputError(file, 3, label, f"measure {name!r} (Part {measure_id[0]}) is not in the {year} catalogue")
    return measure_id, name, measure


def _split_label(file: str, row: int, col: int, label: str) -> tuple[str, str]:
    m = re.match(r"^([CD]\d{2})\s*:\s*(.+)$", label)
    if not m:
        raise InputError(file, row, _col_name(col), f"measure label {label!r} is not 'ID: name' (e.g. 'C01: Breast Cancer')")
    return m.group(1), m.group(2).strip()


def _col_name(col: int) -> str:
    """Spreadsheet column letter of a 0-based index (A, B, ..., AA)."""
    name = ""
    n = col + 1
    while n:
        n, rem = divmod(n - 1, 26)
        name = chr(65 + rem) + name
    return f"column {name}"


def _contracts(file: str, rows: list[list[str]], first: int, width: int) -> Iterator[tuple[int, Contract, list[str]]]:
    seen: dict[str, int] = {}
    for idx in range(first, len(rows)):
        row = rows[idx]
        rownum = idx + 1
        if not any(row):
            continue
        if not row[0]:
            raise InputError(file, rownum, "CONTRACT_ID", "empty contract id")
        if not re.fullmatch(r"[A-Z]\d{4}", row[0]):
            raise InputError(file, rownum, "CONTRACT_ID", f"{row[0]!r} is not a contract id (letter + 4 digits)")
        if row[0] in seen:
            raise InputError(file, rownum, "CONTRACT_ID", f"contract {row[0]} already listed on row {seen[row[0]]}")
        seen[row[0]] = rownum
        if len(row) < width:
            raise InputError(file, rownum, None, f"row has {len(row)} columns, the header has {width}")
        yield rownum, Contract(row[0], row[1], row[2]), row


def _master_table(
    path: Path | str, year: int | None, kind: TableKind, title: str
) -> tuple[str, int, tuple[MeasureColumn, ...], Iterator[tuple[int, Contract, list[str]]]]:
    """A Measure Data or Measure Stars file: its name, rating year, measure columns and contract rows (read lazily)."""
    file = str(path)
    rows = read_rows(path)
    info = detect(path, rows)
    if info.kind != kind:
        raise InputError(file, 1, None, f"expected a CMS '{title}' table, found {info.kind}")
    rating_year = _resolve_year(file, info, year)
    columns = _master_columns(file, rows, rating_year)
    return file, rating_year, columns, _contracts(file, rows, 4, columns[-1].column + 1)


def parse_score(text: str, measure: Measure) -> float:
    """A Measure Data cell as a number ("89%", "0.12", "86"); raises ValueError for anything else."""
    m = _SCORE.match(text)
    if not m:
        raise ValueError(f"{text!r} is neither a score nor a known status ({'; '.join(sorted(STATUS_TEXTS))})")
    value = float(m.group("n"))
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    if measure.scale_0_100 and not 0 <= value <= 100:
        raise ValueError(f"{text!r} is outside 0-100 for a 0-100 measure")
    if m.group("pct") and not measure.scale_0_100:
        raise ValueError(f"{text!r} is a percentage but {measure.measure_id} is not on a 0-100 scale")
    return value


def _read_master(path: Path | str, year: int | None, kind: TableKind, title: str,
                 read_cell: Callable[[str, int, Contract, MeasureColumn, str], T]
                 ) -> tuple[str, int, tuple[MeasureColumn, ...], tuple[Contract, ...], tuple[T, ...]]:
    """A Measure Data or Measure Stars file: its name, rating year, columns, contracts, and ``read_cell(file, row,
    contract, column, cell)`` of every measure cell, row by row."""
    file, rating_year, columns, contract_rows = _master_table(path, year, kind, title)
    contracts: list[Contract] = []
    values: list[T] = []
    for rownum, contract, row in contract_rows:
        contracts.append(contract)
        values.extend(read_cell(file, rownum, contract, c, row[c.column]) for c in columns)
    return file, rating_year, columns, tuple(contracts), tuple(values)


def _measure_score(file: str, rownum: int, contract: Contract, c: MeasureColumn, cell: str) -> MeasureScore:
    ctype = contract.contract_type
    if cell in STATUS_TEXTS:
        return MeasureScore(contract.contract_id, c.measure.measure_key, None, cell, ctype)
    if c.measure.improvement:
        raise InputError(file, rownum, f"{c.measure_id}: {c.name}", f"{cell!r}: improvement measures have no score")
    try:
        value = parse_score(cell, c.measure)
    except ValueError as exc:
        raise InputError(file, rownum, f"{c.measure_id}: {c.name}", str(exc)) from None
    return MeasureScore(contract.contract_id, c.measure.measure_key, value, None, ctype)


def _published_star(file: str, rownum: int, contract: Contract, c: MeasureColumn, cell: str) -> PublishedStar:
    key, ctype = c.measure.measure_key, contract.contract_type
    if cell in STATUS_TEXTS:
        return PublishedStar(contract.contract_id, key, c.measure_id, None, cell, ctype)
    if cell in {"1", "2", "3", "4", "5"}:
        return PublishedStar(contract.contract_id, key, c.measure_id, int(cell), None, ctype)
    raise InputError(file, rownum, f"{c.measure_id}: {c.name}", f"{cell!r} is neither a star 1-5 nor a known status")


def read_measure_data(path: Path | str, year: int | None = None) -> MeasureTable:
    """Scores of a CMS "Measure Data" file (text statuses -> ``score=None`` with the reason)."""
    file, rating_year, columns, contracts, scores = _read_master(path, year, "measure_data", "Measure Data",
                                                                 _measure_score)
    return MeasureTable(file, rating_year, columns, contracts, scores=scores)


def read_measure_stars(path: Path | str, year: int | None = None) -> MeasureTable:
    """Published stars of a CMS "Measure Stars" file (text statuses kept as the reason)."""
    file, rating_year, columns, contracts, stars = _read_master(path, year, "measure_stars", "Measure Stars",
                                                                _published_star)
    return MeasureTable(file, rating_year, columns, contracts, stars=stars)


# --- cut points ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CutPointTable:
    """A parsed cut-point file: its rating year and one :class:`CutPoints` per measure and contract type."""

    file: str
    rating_year: int | None
    cut_points: tuple[CutPoints, ...]


@dataclass(frozen=True)
class _Band:
    low_op: str | None
    low: float | None
    high_op: str | None
    high: float | None
    exact: bool = False


def parse_band(text: str) -> _Band:
    """One threshold cell: '< 48 %', '>= 48 % to < 63 %', '> 0.83 to <= 1.46', '<= 0.14', '100%'."""
    m = _THRESHOLD.match(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not a threshold such as '>= 58 % to < 71 %' or '> 1.34'")
    if m.group("exact") is not None:
        v = float(m.group("exact"))
        return _Band(">=", v, None, None, exact=True)
    op1, a = m.group("op1"), float(m.group("a"))
    if m.group("op2") is not None:
        if op1 not in (">=", ">"):
            raise ValueError(f"{text!r}: a two-sided band must start with '>=' or '>'")
        return _Band(op1, a, m.group("op2"), float(m.group("b")))
    if op1 in (">=", ">"):
        return _Band(op1, a, None, None)
    return _Band(None, None, op1, a)


class BandError(ValueError):
    """An inconsistent threshold cell; ``level`` is the star row (1-5) where the problem shows."""

    def __init__(self, level: int, reason: str) -> None:
        super().__init__(reason)
        self.level = level


def bands_to_cut_points(bands: dict[int, _Band], where: str) -> tuple[bool, dict[int, float], dict[int, str]]:
    """Direction, thresholds (2..5) and notes from the five band cells; raises ValueError if inconsistent.

    Higher is better: ``< c1 | >= c1 to < c2 | ... | >= c4``; lower is better: ``> c1 | > c2 to <= c1 | ... | <= c4``.
    Adjacent cells must share their boundary, with the operators of one direction throughout;
    :class:`BandError` names the star row where a problem shows.
    """
    one = bands[1]
    notes: dict[int, str] = {}
    if one.high_op == "<" and one.low_op is None:
        higher = True
    elif one.low_op == ">" and one.high_op is None:
        higher = False
    else:
        raise BandError(1, f"{where}: the 1star cell must be '< c1' (higher is better) or '> c1' (lower is better)")
    thresholds: dict[int, float] = {}
    previous = one.high if higher else one.low
    for s in (2, 3, 4, 5):
        band = bands[s]
        if higher:
            if band.low_op != ">=" or band.low is None:
                raise BandError(s, f"{where}: {s}star cell must start with '>=' (higher is better)")
            expected_high = "<" if s < 5 else None
            if band.high_op != expected_high:
                raise BandError(s, f"{where}: {s}star cell must {'end with < c' if s < 5 else 'be open above'}")
            bound = band.low
        else:
            if band.high_op != "<=" or band.high is None:
                raise BandError(s, f"{where}: {s}star cell must {'end with' if s < 5 else 'be'} '<= c' (lower is better)")
            expected_low = ">" if s < 5 else None
            if band.low_op != expected_low:
                raise BandError(s, f"{where}: {s}star cell must {'start with > c' if s < 5 else 'be open below'}")
            bound = band.high
        if band.exact:
            notes[s] = "published as the exact value (no operator); read as '>='"
        if previous is None or bound != previous:
            raise BandError(s, f"{where}: {s}star bound {bound:g} does not continue the {s - 1}star bound {previous}")
        thresholds[s] = bound
        previous = band.high if higher else band.low
    ordered = [thresholds[s] for s in (2, 3, 4, 5)]
    if ordered != sorted(ordered, reverse=not higher):
        raise BandError(5, f"{where}: thresholds {ordered} are not monotone")
    return higher, thresholds, notes


def read_cms_cut_points(path: Path | str, year: int | None = None) -> CutPointTable:
    """A CMS "Part C Cut Points" or "Part D Cut Points" file (Part D: MA-PD and PDP rows separately)."""
    file = str(path)
    rows = read_rows(path)
    info = detect(path, rows)
    if info.kind != "cut_points" or info.part is None:
        raise InputError(file, 1, None, f"expected a CMS 'Part C/D Cut Points' table, found {info.kind}")
    rating_year = _resolve_year(file, info, year)
    catalogue = load_catalogue(rating_year)
    aliases = _aliases(rating_year)
    label_cols = 1 if info.part is Part.C else 2
    if len(rows) < 9:
        raise InputError(file, len(rows) + 1, None, "a CMS cut-point table needs 4 header rows and 5 star rows")
    measures: list[tuple[int, str, Measure]] = []
    for col in range(label_cols, len(rows[2])):
        label = rows[2][col]
        if not label:
            continue
        measure_id, _, measure = _label_measure(file, col, label, catalogue, aliases, rating_year)
        measures.append((col, measure_id, measure))
    groups: dict[ContractType, dict[int, tuple[int, list[str]]]] = {}
    for idx in range(4, len(rows)):
        row = rows[idx]
        if not any(row):
            continue
        rownum = idx + 1
        if info.part is Part.C:
            ctype = ContractType.ALL
        else:
            org = row[0]
            if org not in ("MA-PD", "PDP"):
                raise InputError(file, rownum, "Org Type", f"{org!r}: expected 'MA-PD' or 'PDP'")
            ctype = ContractType(org)
        star_label = row[label_cols - 1]
        m = re.fullmatch(r"([1-5])\s*stars?", star_label)
        if not m:
            raise InputError(file, rownum, "Number of Stars", f"{star_label!r}: expected '1star' ... '5star'")
        level = int(m.group(1))
        group = groups.setdefault(ctype, {})
        if level in group:
            raise InputError(file, rownum, "Number of Stars", f"{level}star for {ctype.value} repeats row {group[level][0]}")
        group[level] = (rownum, row)
    out: list[CutPoints] = []
    for ctype, group in groups.items():
        missing = sorted(set(range(1, 6)) - set(group))
        if missing:
            raise InputError(file, None, "Number of Stars", f"{ctype.value}: no row for {', '.join(f'{s}star' for s in missing)}")
        for col, measure_id, measure in measures:
            field = f"{measure_id}: {measure.name}"
            bands: dict[int, _Band] = {}
            for level, (rownum, row) in group.items():
                cell = row[col] if col < len(row) else ""
                try:
                    bands[level] = parse_band(cell)
                except ValueError as exc:
                    raise InputError(file, rownum, field, str(exc)) from None
            try:
                higher, thresholds, notes = bands_to_cut_points(bands, f"{ctype.value} {measure_id}")
            except BandError as exc:
                raise InputError(file, group[exc.level][0], field, str(exc)) from None
            if higher != measure.higher_is_better:
                raise InputError(file, group[1][0], field,
                                 f"direction ({'higher' if higher else 'lower'} is better) contradicts the catalogue")
            out.append(CutPoints(measure.measure_key, higher, thresholds, ctype, measure_id, notes))
    return CutPointTable(file, rating_year, tuple(out))


@dataclass
class _TidyEntry:
    """Rows of one (measure, contract type) in a tidy cut-point file, collected before validation."""

    higher: bool
    measure_id: str | None
    first_row: int
    levels: dict[int, tuple[int, float]]  # threshold -> (row, value)
    notes: dict[int, str] = field(default_factory=dict)  # threshold -> reason code of a cut-point run
    how: dict[int, str] = field(default_factory=dict)  # threshold -> how it was set, in words


_TRUE = {"true", "1", "yes", "y", "higher"}
_FALSE = {"false", "0", "no", "n", "lower"}


def read_tidy_cut_points(path: Path | str, year: int | None = None) -> CutPointTable:
    """Tidy cut points: one row per measure, contract type and threshold (2..5) with its value.

    Columns: ``measure_id`` and/or ``measure_key``, ``threshold``, ``value`` (or ``final``), optional
    ``contract_type`` (ALL, MA-PD, PDP) and ``higher_is_better``; a measure without a key or a direction
    is looked up in the rating year's catalogue (``year`` needed).
    """
    file = str(path)
    rows = read_rows(path)
    value_col = "value" if "value" in _tidy_columns(rows) else "final"
    catalogue = load_catalogue(year) if year is not None else None
    collected: dict[tuple[str, ContractType], _TidyEntry] = {}
    for rownum, cell in _tidy_rows(file, rows):
        measure = _tidy_measure(file, rownum, cell("measure_id"), cell("measure_key"), catalogue)
        key = measure.measure_key if measure is not None else cell("measure_key")
        ctype = _tidy_contract_type(file, rownum, cell("contract_type"))
        try:
            level = int(cell("threshold"))
        except ValueError:
            level = 0
        if level not in (2, 3, 4, 5):
            raise InputError(file, rownum, "threshold", f"{cell('threshold')!r}: expected 2, 3, 4 or 5 (stars whose bound it is)")
        try:
            value = float(cell(value_col).rstrip("%").strip())
        except ValueError:
            raise InputError(file, rownum, value_col, f"{cell(value_col)!r} is not a number") from None
        if not math.isfinite(value):
            raise InputError(file, rownum, value_col, f"{cell(value_col)!r} is not a finite number")
        direction_text = cell("higher_is_better").lower()
        if direction_text in _TRUE:
            higher: bool | None = True
        elif direction_text in _FALSE:
            higher = False
        elif direction_text:
            raise InputError(file, rownum, "higher_is_better", f"{direction_text!r}: expected true or false")
        else:
            higher = measure.higher_is_better if measure is not None else None
        if higher is None:
            raise InputError(file, rownum, "higher_is_better", "direction unknown: give higher_is_better or --year")
        entry = collected.setdefault((key, ctype), _TidyEntry(higher, cell("measure_id") or None, rownum, {}))
        if entry.higher != higher:
            raise InputError(file, rownum, "higher_is_better", f"{key}: direction differs from row {entry.first_row}")
        if level in entry.levels:
            raise InputError(file, rownum, "threshold",
                             f"{key} {ctype.value}: threshold {level} repeats row {entry.levels[level][0]}")
        entry.levels[level] = (rownum, value)
        reason = cell("reason")
        if reason:
            if reason not in REASON_WORDS:
                raise InputError(file, rownum, "reason", f"{reason!r}: expected one of {', '.join(REASON_WORDS)}")
            entry.notes[level] = reason
            entry.how[level] = describe_threshold(reason, _optional_number(file, rownum, "unguarded", cell("unguarded")),
                                                  _optional_number(file, rownum, "prior", cell("prior")),
                                                  _optional_number(file, rownum, "cap", cell("cap")), value)
    out: list[CutPoints] = []
    for (key, ctype), entry in collected.items():
        thresholds = {lvl: v for lvl, (_, v) in sorted(entry.levels.items())}
        ordered = list(thresholds.values())
        if ordered != sorted(ordered, reverse=not entry.higher):
            last_row = max(r for r, _ in entry.levels.values())
            raise InputError(file, last_row, value_col, f"{key} {ctype.value}: thresholds {ordered} are not monotone")
        out.append(CutPoints(key, entry.higher, thresholds, ctype, entry.measure_id, dict(entry.notes), dict(entry.how)))
    if not out:
        raise InputError(file, 2, None, "no cut points in the file")
    return CutPointTable(file, year, tuple(out))


def _optional_number(file: str, rownum: int, column: str, text: str) -> float | None:
    """A numeric cell that may be empty (a run's ``unguarded``, ``prior``, ``cap``)."""
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError(file, rownum, column, f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise InputError(file, rownum, column, f"{text!r} is not a finite number")
    return value


def _tidy_columns(rows: list[list[str]]) -> dict[str, int]:
    """Column index by lower-case header name of a tidy CSV (header = row 1)."""
    return {name.strip().lower(): i for i, name in enumerate(rows[0])} if rows else {}


def _tidy_rows(file: str, rows: list[list[str]]) -> Iterator[tuple[int, Callable[[str], str]]]:
    """The non-empty data rows of a tidy CSV: spreadsheet row number and a cell reader by column name ("" if absent)."""
    col = _tidy_columns(rows)
    width = len(rows[0]) if rows else 0
    for idx in range(1, len(rows)):
        row = rows[idx]
        if not any(row):
            continue
        if len(row) != width:
            raise InputError(file, idx + 1, None, f"row has {len(row)} columns, the header has {width}")

        def cell(name: str, row: list[str] = row) -> str:
            return row[col[name]] if name in col else ""

        yield idx + 1, cell


def _tidy_contract_type(file: str, rownum: int, text: str) -> ContractType:
    try:
        return ContractType(text or "ALL")
    except ValueError:
        raise InputError(file, rownum, "contract_type", f"{text!r}: expected ALL, MA-PD or PDP") from None


def _tidy_measure(file: str, rownum: int, measure_id: str, measure_key: str, catalogue: list[Measure] | None) -> Measure | None:
    if not measure_id and not measure_key:
        raise InputError(file, rownum, "measure_id", "empty: give measure_id or measure_key")
    if catalogue is None:
        if not measure_key:
            raise InputError(file, rownum, "measure_key", "no measure_key column: give --year to look measure ids up")
        return None
    if measure_key:
        found = [m for m in catalogue if m.measure_key == measure_key]
        if not found:
            raise InputError(file, rownum, "measure_key", f"{measure_key!r} is not in the catalogue")
        if measure_id and found[0].measure_id != measure_id:
            raise InputError(file, rownum, "measure_id",
                             f"{measure_id} is {found[0].measure_id} ({measure_key}) in this rating year's catalogue")
        return found[0]
    found = [m for m in catalogue if m.measure_id == measure_id]
    if not found:
        raise InputError(file, rownum, "measure_id", f"{measure_id!r} is not a measure of this rating year")
    return found[0]


def read_cut_points(path: Path | str, year: int | None = None) -> CutPointTable:
    """Cut points from a CMS Part C/D file or a tidy CSV, detected automatically."""
    info = detect(path)
    if info.kind == "cut_points":
        return read_cms_cut_points(path, year)
    if info.kind == "tidy_cut_points":
        return read_tidy_cut_points(path, year)
    raise InputError(str(path), 1, None, f"expected cut points, found a {info.kind.replace('_', ' ')} file")


# --- tidy scores -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreTable:
    """Scores from any supported file, with the rating year when known."""

    file: str
    rating_year: int | None
    scores: tuple[MeasureScore, ...]
    measure_ids: dict[str, str]  # measure_key -> id as written in the file


def read_tidy_scores(path: Path | str, year: int | None = None) -> ScoreTable:
    """Tidy scores: ``contract_id, measure_id, score[, measure_key][, contract_type][, organization_type]
    [, missing_reason]``. Without ``contract_type`` an ``organization_type`` types the score (the PDP organization types
    -> PDP, others MA-PD); without either, Part D cut points follow the contract id's prefix
    (:func:`partcd.stars.rules.assign.contract_type_of`: H, R -> MA-PD, S -> PDP, others refused).

    A score cell may hold a CMS status text instead of a number; an empty score needs a ``missing_reason``.
    """
    file = str(path)
    rows = read_rows(path)
    catalogue = load_catalogue(year) if year is not None else None
    scores: list[MeasureScore] = []
    ids: dict[str, str] = {}
    seen: dict[tuple[str, str], int] = {}
    for rownum, cell in _tidy_rows(file, rows):
        contract_id = cell("contract_id")
        if not re.fullmatch(r"[A-Z]\d{4}", contract_id):
            raise InputError(file, rownum, "contract_id", f"{contract_id!r} is not a contract id (letter + 4 digits)")
        measure = _tidy_measure(file, rownum, cell("measure_id"), cell("measure_key"), catalogue)
        key = measure.measure_key if measure is not None else cell("measure_key")
        if (contract_id, key) in seen:
            raise InputError(file, rownum, "measure_id", f"{contract_id} {key} already on row {seen[(contract_id, key)]}")
        seen[(contract_id, key)] = rownum
        if cell("measure_id"):
            ids[key] = cell("measure_id")
        ctype = _tidy_contract_type(file, rownum, cell("contract_type"))
        org = cell("organization_type")
        if ctype is ContractType.ALL and org:
            ctype = ContractType.PDP if org in PDP_ORGANIZATION_TYPES else ContractType.MAPD
        text = cell("score")
        reason = cell("missing_reason") or None
        if text in STATUS_TEXTS or (not text and reason):
            scores.append(MeasureScore(contract_id, key, None, reason or text, ctype))
            continue
        if not text:
            raise InputError(file, rownum, "score", "empty score: give a number or a missing_reason")
        try:
            if measure is not None:
                value = parse_score(text, measure)
            else:
                value = float(text.rstrip("%").strip())
                if not math.isfinite(value):
                    raise ValueError(f"{text!r} is not a finite number")
        except ValueError as exc:
            raise InputError(file, rownum, "score", str(exc) if measure is not None else f"{text!r} is not a number") from None
        if reason:
            raise InputError(file, rownum, "missing_reason", "a row with a score cannot have a missing_reason")
        scores.append(MeasureScore(contract_id, key, value, None, ctype))
    if not scores:
        raise InputError(file, 2, None, "no scores in the file")
    return ScoreTable(file, year, tuple(scores), ids)


def read_scores(path: Path | str, year: int | None = None) -> ScoreTable:
    """Scores from a CMS Measure Data file or a tidy CSV, detected automatically."""
    info = detect(path)
    if info.kind == "measure_data":
        table = read_measure_data(path, year)
        ids = {c.measure.measure_key: c.measure_id for c in table.columns}
        return ScoreTable(table.file, table.rating_year, table.scores, ids)
    if info.kind == "tidy_scores":
        return read_tidy_scores(path, year)
    raise InputError(str(path), 1, None, f"expected scores, found a {info.kind.replace('_', ' ')} file")


def rating_year_of(paths: Iterable[Path | str]) -> int | None:
    """The rating year named in the titles of CMS files among ``paths`` (None if only tidy files)."""
    years: dict[int, str] = {}
    for p in paths:
        y = detect(p).rating_year
        if y is not None:
            years.setdefault(y, str(p))
    if len(years) > 1:
        listed = ", ".join(f"{f} ({y})" for y, f in sorted(years.items()))
        raise InputError(listed, None, None, "files are from different rating years")
    return next(iter(years), None)
