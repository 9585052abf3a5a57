"""§§ 422.310(e), 422.311(a) - RADV input files: the contract's enrollment frame, the reviewed enrollees and the HCC
coefficient table (4185-P L1189, L1197), each cell checked; a bad cell is an :class:`InputError` naming file, row, field.

Files are CSV (UTF-8, a byte-order mark allowed, header names trimmed and case-insensitive) or Parquet (``.parquet``,
``.pq``); a JSON body's rows go through the same checks (:func:`frame_records`, :func:`enrollee_records`,
:func:`coefficient_records` take ``(row, {column: value})`` pairs). Rows count from 1 (the first data row); blank CSV
lines are skipped; other columns are ignored, so a file can carry its own notes.

**Frame** (``partcd radv sample --frame``), one row per enrollee of the audited contract:

* ``enrollee_id`` - text, 1 .. 64 characters, unique;
* ``contract_id`` - optional column; a frame of several contracts needs ``--contract``;
* ``risk_score`` - the payment-year risk score that ranks the enrollees into strata (0 .. 1,000);
* ``enrolled_months``, ``part_b_months`` - month sets; ``esrd_months``, ``hospice_months`` - optional columns;
* ``payment_hcc_count`` - payment HCCs from DCY diagnoses (a whole number >= 0).

A month set is ``YYYY-MM`` items and ``YYYY-MM..YYYY-MM`` ranges separated by ``;`` (``2017-01..2018-12``,
``2017-03; 2017-05..2017-07``), empty for none; in Parquet also a list of ``YYYY-MM`` texts. Only the months of the
data collection year and the payment year are kept (the eligibility test reads no other), so an enrollment range
starting decades back costs nothing.

**Enrollees** (``partcd radv payment-error --enrollees``), one row per sampled enrollee after record review:

* ``enrollee_id`` (unique), ``stratum`` (optional column: the sample's stratum, passed through for extrapolation);
* ``demographic_score`` - the demographic part of the risk score (0 .. 1,000);
* ``hcc_submitted`` - HCCs from the plan's submissions; ``hcc_validated`` - HCCs the medical records support; HCC
  lists are ``;``-separated (``HCC18; HCC85``), empty for none; in Parquet also a list of texts;
* the payment-year months: ``months`` (0 .. 12) with one ``monthly_base_rate_usd``, or ``monthly_base_rates_usd``
  (one rate per eligible month, ``;``-separated) when the rate changed during the year.

**Coefficients** (``--coefficients``), one row per HCC of the payment year's CMS-HCC model, or per interaction term:

* ``hcc`` - the HCC (``HCC18``) or the interaction's name; ``coefficient`` - the relative factor (|c| <= 100);
* ``drops`` - optional: the HCCs this HCC's hierarchy excludes (``;``-separated);
* ``interaction_of`` - optional: two or more HCCs; the row is then an interaction term added when all of them survive
  the hierarchy, not an HCC an enrollee can have.

HCC names are compared in upper case. Normalization factor and MA coding-intensity adjustment are not per HCC: they are
given beside the file (:func:`model_from`).
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from partcd.core.errors import InputError
from partcd.radv.rules.payment_error import AuditedEnrollee, HccModel, Interaction
from partcd.radv.rules.sampling import FrameEnrollee

#: Longest enrollee id, contract id, stratum label or HCC name accepted.
MAX_LABEL_CHARS = 64
#: Largest risk score or demographic score accepted (CMS-HCC scores are below 30).
MAX_RISK_SCORE = 1_000.0
#: Largest |coefficient| accepted (CMS-HCC relative factors are below 10).
MAX_COEFFICIENT = 100.0
#: Largest monthly base rate accepted, USD (MA county rates are a few thousand dollars a month).
MAX_MONTHLY_RATE_USD = 100_000.0
#: Largest payment HCC count accepted (the CMS-HCC models have fewer than 200 HCCs).
MAX_HCC_COUNT = 1_000
#: Most HCCs one list may hold.
MAX_HCCS = 200

#: Extensions read as Parquet; any other file is read as CSV.
PARQUET = {".parquet", ".pq"}

_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_WHOLE = re.compile(r"^\+?\d+$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_HCC = re.compile(r"^[A-Z0-9_.]{1,32}$")

Record = Mapping[str, object]


# --- rows of a file -------------------------------------------------------------------------------------------------

def csv_rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """Data rows of a CSV file as (1-based row number, {column: text}); the header must hold ``required``."""
    name = str(path)
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise InputError(name, None, None, "file not found") from None
    except OSError as exc:
        raise InputError(name, None, None, f"cannot read: {exc.strerror or exc}") from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError(name, None, None, "empty file (no header)") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError(name, None, None, f"not a readable UTF-8 CSV file: {exc}") from None
        columns = [h.strip().lower() for h in header]
        _check_columns(name, columns, required)
        try:
            for i, values in enumerate(reader, start=1):
                if not any(v.strip() for v in values):
                    continue
                if len(values) != len(columns):
                    raise InputError(name, i, None, f"{len(values)} fields, header has {len(columns)}")
                yield i, {c: v.strip() for c, v in zip(columns, values, strict=True)}
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError(name, None, None, f"not a readable UTF-8 CSV file: {exc}") from None


def _check_columns(name: str, columns: list[str], required: tuple[str, ...]) -> None:
    for col in required:
        if col not in columns:
            raise InputError(name, None, col, f"column missing (header: {', '.join(columns) or 'empty'})")
    dupes = sorted({c for c in columns if c and columns.count(c) > 1})
    if dupes:
        raise InputError(name, None, dupes[0], "column given more than once")


def table_rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, Record]]:
    """Data rows of a CSV or Parquet file (by its extension); the columns must hold ``required``."""
    if path.suffix.lower() not in PARQUET:
        return csv_rows(path, required)
    name = str(path)
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except FileNotFoundError:
        raise InputError(name, None, None, "file not found") from None
    except (pa.ArrowException, OSError) as exc:
        raise InputError(name, None, None, f"not a readable Parquet file ({type(exc).__name__})") from None
    columns = [c.strip().lower() for c in table.column_names]
    _check_columns(name, columns, required)
    table = table.rename_columns(columns)

    def rows() -> Iterator[tuple[int, Record]]:
        number = 0
        for batch in table.to_batches(max_chunksize=10_000):
            for rec in batch.to_pylist():
                number += 1
                yield number, rec

    return rows()


# --- cells ----------------------------------------------------------------------------------------------------------

def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: object, file: str, row: int, field: str, *, required: bool = True) -> str | None:
    """A label (id, stratum): text or a whole number, at most ``MAX_LABEL_CHARS`` characters."""
    if _blank(value):
        if required:
            raise InputError(file, row, field, "empty; a value is required")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InputError(file, row, field, f"a text is required, got {type(value).__name__}")
    out = str(value).strip()
    if len(out) > MAX_LABEL_CHARS:
        raise InputError(file, row, field, f"longer than {MAX_LABEL_CHARS} characters")
    return out


def number(value: object, file: str, row: int, field: str, low: float, high: float) -> float:
    """A finite decimal in ``low .. high`` (a plain decimal text, or a number of a Parquet or JSON cell)."""
    if _blank(value):
        raise InputError(file, row, field, "empty; a number is required")
    if isinstance(value, str):
        cell = value.strip()
        if not _DECIMAL.match(cell):
            raise InputError(file, row, field, f"{cell!r} is not a plain decimal number (no '$', ',' or spaces)")
        out = float(cell)
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(file, row, field, f"a number is required, got {type(value).__name__}")
    else:
        out = float(value)
    if not math.isfinite(out) or not low <= out <= high:
        raise InputError(file, row, field, f"{value} is outside {low:,g} .. {high:,g}")
    return out


def whole(value: object, file: str, row: int, field: str, low: int, high: int) -> int:
    """A whole number in ``low .. high``."""
    if _blank(value):
        raise InputError(file, row, field, "empty; a whole number is required")
    if isinstance(value, str):
        if not _WHOLE.match(value.strip()):
            raise InputError(file, row, field, f"{value.strip()!r} is not a whole number")
        out = int(value.strip())
    elif isinstance(value, float) and value.is_integer():
        out = int(value)
    elif isinstance(value, bool) or not isinstance(value, int):
        raise InputError(file, row, field, f"a whole number is required, got {value!r}")
    else:
        out = value
    if not low <= out <= high:
        raise InputError(file, row, field, f"{out:,} is outside {low:,} .. {high:,}")
    return out


def items(value: object, file: str, row: int, field: str) -> list[str]:
    """The items of a ``;``-separated text (or of a list cell), stripped, empty items dropped."""
    if _blank(value):
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(";") if v.strip()]
    if isinstance(value, list | tuple):
        if not all(isinstance(v, str) for v in value):
            raise InputError(file, row, field, "a list of texts is required")
        return [v.strip() for v in value if v.strip()]
    raise InputError(file, row, field, f"a ';'-separated text or a list is required, got {type(value).__name__}")


def _month_index(token: str, file: str, row: int, field: str) -> int:
    match = _MONTH.match(token)
    if not match:
        raise InputError(file, row, field, f"{token!r} is not a month YYYY-MM (or a range YYYY-MM..YYYY-MM)")
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


def months(value: object, file: str, row: int, field: str, window: Mapping[int, str]) -> frozenset[str]:
    """A month set (``YYYY-MM`` items and ``YYYY-MM..YYYY-MM`` ranges), kept within ``window`` (month index ->
    ``YYYY-MM``: the months the eligibility test reads)."""
    found: set[str] = set()
    for token in items(value, file, row, field):
        first, sep, last = token.partition("..")
        start = _month_index(first.strip(), file, row, field)
        end = _month_index(last.strip(), file, row, field) if sep else start
        if end < start:
            raise InputError(file, row, field, f"range {token!r} ends before it starts")
        found.update(window[m] for m in range(max(start, min(window)), min(end, max(window)) + 1))
    return frozenset(found)


def month_window(payment_year: int, lag_years: int) -> dict[int, str]:
    """The months of the data collection year (``payment_year - lag_years``) through the payment year, by index."""
    first = (payment_year - lag_years) * 12
    return {m: f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(first, payment_year * 12 + 12)}


def hccs(value: object, file: str, row: int, field: str) -> frozenset[str]:
    """An HCC list, upper-cased (``HCC18; HCC85``)."""
    out = [h.upper() for h in items(value, file, row, field)]
    bad = [h for h in out if not _HCC.match(h)]
    if bad:
        raise InputError(file, row, field, f"{bad[0]!r} is not an HCC name (letters, digits, '_' or '.')")
    if len(out) > MAX_HCCS:
        raise InputError(file, row, field, f"{len(out)} HCCs; at most {MAX_HCCS}")
    return frozenset(out)


# --- the frame ------------------------------------------------------------------------------------------------------

FRAME_REQUIRED = ("enrollee_id", "risk_score", "enrolled_months", "part_b_months", "payment_hcc_count")
ENROLLEE_REQUIRED = ("enrollee_id", "demographic_score", "hcc_submitted", "hcc_validated")
COEFFICIENT_REQUIRED = ("hcc", "coefficient")


@dataclass(frozen=True)
class FrameRow:
    """One enrollee of a frame file, its row and its contract (None when the row has no ``contract_id``)."""

    row: int
    contract_id: str | None
    enrollee: FrameEnrollee


def _unique_enrollee(rec: Record, file: str, row: int, seen: dict[str, int], max_rows: int | None) -> str:
    """The row's ``enrollee_id``, refused past ``max_rows`` rows or when an earlier row (in ``seen``) has it."""
    if max_rows is not None and row > max_rows:
        raise InputError(file, row, None, f"more than {max_rows:,} rows; the limit is {max_rows:,}")
    enrollee_id = text(rec.get("enrollee_id"), file, row, "enrollee_id")
    assert enrollee_id is not None
    if enrollee_id in seen:
        raise InputError(file, row, "enrollee_id", f"{enrollee_id!r} is listed twice (first in row {seen[enrollee_id]})")
    seen[enrollee_id] = row
    return enrollee_id


def frame_records(rows: Iterable[tuple[int, Record]], file: str, window: Mapping[int, str], *,
                  max_rows: int | None = None) -> list[FrameRow]:
    """Checked frame rows; ``enrollee_id`` unique; months kept within ``window`` (:func:`month_window`)."""
    out: list[FrameRow] = []
    seen: dict[str, int] = {}
    for row, rec in rows:
        enrollee_id = _unique_enrollee(rec, file, row, seen, max_rows)
        contract = text(rec.get("contract_id"), file, row, "contract_id", required=False)
        enrollee = FrameEnrollee(
            enrollee_id=enrollee_id,
            risk_score=number(rec.get("risk_score"), file, row, "risk_score", 0.0, MAX_RISK_SCORE),
            enrolled_months=months(rec.get("enrolled_months"), file, row, "enrolled_months", window),
            esrd_months=months(rec.get("esrd_months"), file, row, "esrd_months", window),
            hospice_months=months(rec.get("hospice_months"), file, row, "hospice_months", window),
            part_b_months=months(rec.get("part_b_months"), file, row, "part_b_months", window),
            payment_hcc_count=whole(rec.get("payment_hcc_count"), file, row, "payment_hcc_count", 0, MAX_HCC_COUNT))
        out.append(FrameRow(row=row, contract_id=contract, enrollee=enrollee))
    if not out:
        raise InputError(file, None, None, "no data rows")
    return out


def read_frame(path: Path, window: Mapping[int, str], *, max_rows: int | None = None) -> list[FrameRow]:
    """The frame file (CSV or Parquet)."""
    return frame_records(table_rows(path, FRAME_REQUIRED), str(path), window, max_rows=max_rows)


# --- the reviewed enrollees -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EnrolleeRow:
    """One reviewed enrollee of an enrollees file, its row and its stratum (None when not given)."""

    row: int
    stratum: str | None
    enrollee: AuditedEnrollee


def enrollee_records(rows: Iterable[tuple[int, Record]], file: str, *, max_rows: int | None = None) -> list[EnrolleeRow]:
    """Checked enrollee rows; ``enrollee_id`` unique; months as ``months`` x ``monthly_base_rate_usd`` or the list
    ``monthly_base_rates_usd``."""
    out: list[EnrolleeRow] = []
    seen: dict[str, int] = {}
    for row, rec in rows:
        enrollee_id = _unique_enrollee(rec, file, row, seen, max_rows)
        enrollee = AuditedEnrollee(
            enrollee_id=enrollee_id,
            demographic_score=number(rec.get("demographic_score"), file, row, "demographic_score", 0.0, MAX_RISK_SCORE),
            submitted_hccs=hccs(rec.get("hcc_submitted"), file, row, "hcc_submitted"),
            validated_hccs=hccs(rec.get("hcc_validated"), file, row, "hcc_validated"),
            monthly_base_rates_usd=_rates(rec, file, row))
        out.append(EnrolleeRow(row=row, stratum=text(rec.get("stratum"), file, row, "stratum", required=False),
                               enrollee=enrollee))
    if not out:
        raise InputError(file, None, None, "no data rows")
    return out


def _rates(rec: Record, file: str, row: int) -> tuple[float, ...]:
    listed = rec.get("monthly_base_rates_usd")
    if not _blank(listed) and not (isinstance(listed, list | tuple) and not listed):
        if not _blank(rec.get("months")) or not _blank(rec.get("monthly_base_rate_usd")):
            raise InputError(file, row, "monthly_base_rates_usd",
                             "give either monthly_base_rates_usd or months with monthly_base_rate_usd, not both")
        values = items(listed, file, row, "monthly_base_rates_usd") if isinstance(listed, str) else list(
            listed if isinstance(listed, list | tuple) else [listed])
        if len(values) > 12:
            raise InputError(file, row, "monthly_base_rates_usd", f"{len(values)} rates; a payment year has 12 months")
        return tuple(number(v, file, row, "monthly_base_rates_usd", 0.0, MAX_MONTHLY_RATE_USD) for v in values)
    if _blank(rec.get("months")) and _blank(rec.get("monthly_base_rate_usd")):
        raise InputError(file, row, "months", "give months with monthly_base_rate_usd (or monthly_base_rates_usd)")
    count = whole(rec.get("months"), file, row, "months", 0, 12)
    rate = number(rec.get("monthly_base_rate_usd"), file, row, "monthly_base_rate_usd", 0.0, MAX_MONTHLY_RATE_USD)
    return (rate,) * count


def read_enrollees(path: Path, *, max_rows: int | None = None) -> list[EnrolleeRow]:
    """The enrollees file (CSV or Parquet)."""
    return enrollee_records(table_rows(path, ENROLLEE_REQUIRED), str(path), max_rows=max_rows)


# --- the coefficient table ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CoefficientRow:
    """One term of a coefficient table: an HCC (with the HCCs its hierarchy drops) or an interaction."""

    row: int
    hcc: str
    coefficient: float
    drops: frozenset[str]
    interaction_of: frozenset[str]


def coefficient_records(rows: Iterable[tuple[int, Record]], file: str, *, max_rows: int | None = None
                        ) -> list[CoefficientRow]:
    """Checked coefficient rows: names unique; ``drops`` and ``interaction_of`` name HCCs of the table."""
    out: list[CoefficientRow] = []
    seen: dict[str, int] = {}
    for row, rec in rows:
        if max_rows is not None and row > max_rows:
            raise InputError(file, row, None, f"more than {max_rows:,} rows; the limit is {max_rows:,}")
        names = hccs(rec.get("hcc"), file, row, "hcc")
        if len(names) != 1:
            raise InputError(file, row, "hcc", "one HCC (or interaction) name is required")
        (hcc,) = names
        if hcc in seen:
            raise InputError(file, row, "hcc", f"{hcc!r} is listed twice (first in row {seen[hcc]})")
        seen[hcc] = row
        term = CoefficientRow(row=row, hcc=hcc,
                              coefficient=number(rec.get("coefficient"), file, row, "coefficient", -MAX_COEFFICIENT,
                                                 MAX_COEFFICIENT),
                              drops=hccs(rec.get("drops"), file, row, "drops"),
                              interaction_of=hccs(rec.get("interaction_of"), file, row, "interaction_of"))
        if term.interaction_of and len(term.interaction_of) < 2:
            raise InputError(file, row, "interaction_of", "an interaction needs two or more HCCs")
        if term.interaction_of and term.drops:
            raise InputError(file, row, "drops", "an interaction term has no hierarchy")
        if hcc in term.drops:
            raise InputError(file, row, "drops", f"{hcc} cannot drop itself")
        out.append(term)
    if not out:
        raise InputError(file, None, None, "no data rows")
    conditions = {t.hcc for t in out if not t.interaction_of}
    for t in out:
        for field, named in (("drops", t.drops), ("interaction_of", t.interaction_of)):
            unknown = sorted(named - conditions)
            if unknown:
                raise InputError(file, t.row, field, f"{unknown[0]} is not an HCC row of this table")
    return out


def model_from(terms: Iterable[CoefficientRow], name: str, normalization_factor: float,
               coding_intensity_adjustment: float) -> HccModel:
    """The :class:`HccModel` of checked coefficient rows and the payment year's two factors."""
    listed = list(terms)
    return HccModel(
        name=name,
        coefficients={t.hcc: t.coefficient for t in listed if not t.interaction_of},
        hierarchies={t.hcc: t.drops for t in listed if t.drops},
        interactions=tuple(Interaction(name=t.hcc, hccs=t.interaction_of, coefficient=t.coefficient)
                           for t in listed if t.interaction_of),
        normalization_factor=normalization_factor,
        coding_intensity_adjustment=coding_intensity_adjustment)


def read_coefficients(path: Path, *, max_rows: int | None = None) -> list[CoefficientRow]:
    """The coefficient table (CSV or Parquet)."""
    return coefficient_records(table_rows(path, COEFFICIENT_REQUIRED), str(path), max_rows=max_rows)
