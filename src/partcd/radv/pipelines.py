"""RADV from files and request bodies: load -> validate -> compute (``partcd radv extrapolate``, the API, the page).

``--sample`` CSV: ``stratum,payment_error`` - one row per sampled enrollee, ``stratum`` optional for an unrestricted
sample; other columns (``enrollee_id`` ...) are ignored. ``--strata`` CSV: ``stratum,population``. Either
``population`` (unrestricted) or ``strata`` (stratified) is given, never both. A JSON body carries the same rows as
lists of objects (:func:`sample_rows_from`, :func:`strata_rows_from`), checked the same way.

Every problem is an :class:`~partcd.core.errors.InputError` naming the file (or JSON list), the 1-based data row and
the field: numbers must be plain decimals (no thousands separators), finite and within bounds; a population must be a
whole number not smaller than the units sampled from it; every sampled stratum must be listed in the strata file and
every listed stratum must have sampled units; a stratum sampled with a single unit must be reviewed in full. The
arithmetic is :mod:`partcd.radv.rules` (the rule functions); this module only reads, checks and loads the payment
year's parameters: :func:`audit` adds the law in force and the recovery (:class:`Audit`), :func:`select` draws a
contract-level sample from a frame with a seed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
from pydantic import ValidationError

from partcd.core.errors import ConfigError, InputError
from partcd.core.params import ParamSet, ParamValue
from partcd.platform.exports import safe_cell
from partcd.platform.params import load_params
from partcd.radv.readers import (
    MAX_LABEL_CHARS,
    MAX_RISK_SCORE,
    CoefficientRow,
    EnrolleeRow,
    FrameRow,
    coefficient_records,
    csv_rows,
    enrollee_records,
    model_from,
    month_window,
    read_coefficients,
    read_enrollees,
    read_frame,
)
from partcd.radv.rules.estimators import (
    DF_METHODS,
    Extrapolation,
    StratumSample,
    check_settings,
    stratified_mpu,
    unrestricted_mpu,
)
from partcd.radv.rules.parameters import DfMethod, RadvParams, Reading, RecoveryBound, Sidedness
from partcd.radv.rules.payment_error import EnrolleeError, HccModel, enrollee_payment_error
from partcd.radv.rules.recovery import Recovery, contract_recovery
from partcd.radv.rules.sampling import FrameEnrollee, SampleSelection, select_sample

#: Largest |payment error| of one enrollee accepted: far above a year of the highest MA capitation payment, so a
#: larger figure is a unit or keying error (cents read as dollars, a total pasted into a row).
MAX_ABS_PAYMENT_ERROR_USD = 10_000_000.0
#: Largest population accepted for one contract or stratum (more than every Medicare beneficiary).
MAX_POPULATION = 100_000_000

#: Most strata one design may have (the RADV design has 3).
MAX_STRATA = 1_000
#: Most months one enrollee's month list may hold (the DCY and the PY are 24 months).
MAX_MONTHS = 120

_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_WHOLE = re.compile(r"^\+?\d+$")


@dataclass(frozen=True)
class SampleRow:
    """One sampled enrollee's payment error and its stratum label (None for an unrestricted sample)."""

    row: int
    stratum: str | None
    payment_error: float


@dataclass(frozen=True)
class StratumRow:
    """One stratum of the strata file and its population."""

    row: int
    stratum: str
    population: int


def _decimal(text: str, file: str, row: int, field: str) -> float:
    if not text:
        raise InputError(file, row, field, "empty; a number is required")
    if not _DECIMAL.match(text):
        raise InputError(file, row, field, f"{text!r} is not a plain decimal number (no '$', ',' or spaces)")
    value = float(text)
    if abs(value) > MAX_ABS_PAYMENT_ERROR_USD:
        raise InputError(file, row, field, f"{text} is outside +/- {MAX_ABS_PAYMENT_ERROR_USD:,.0f} (unit error?)")
    return value


def _population(text: str, file: str, row: int | None, field: str) -> int:
    if not _WHOLE.match(text):
        raise InputError(file, row, field, f"{text!r} is not a whole number")
    value = int(text)
    if not 1 <= value <= MAX_POPULATION:
        raise InputError(file, row, field, f"{value:,} is outside 1 .. {MAX_POPULATION:,}")
    return value



def _label(value: object, file: str, row: int, field: str, *, required: bool) -> str | None:
    """A stratum label of a JSON row: text (or a whole number) of at most ``MAX_LABEL_CHARS`` characters."""
    if value is None or value == "":
        if required:
            raise InputError(file, row, field, "empty; every stratum needs a label")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InputError(file, row, field, f"a text label is required, got {type(value).__name__}")
    text = str(value).strip()
    if not text:
        if required:
            raise InputError(file, row, field, "empty; every stratum needs a label")
        return None
    if len(text) > MAX_LABEL_CHARS:
        raise InputError(file, row, field, f"label longer than {MAX_LABEL_CHARS} characters")
    return text


def _json_number(value: object, file: str, row: int, field: str) -> float:
    """A payment error of a JSON row: a finite number (or a plain decimal text) within the bound."""
    if value is None:
        raise InputError(file, row, field, "missing; a number is required")
    if isinstance(value, str):
        return _decimal(value.strip(), file, row, field)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(file, row, field, f"a number is required, got {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):
        raise InputError(file, row, field, "not a finite number")
    if abs(number) > MAX_ABS_PAYMENT_ERROR_USD:
        raise InputError(file, row, field, f"{number:g} is outside +/- {MAX_ABS_PAYMENT_ERROR_USD:,.0f} (unit error?)")
    return number


def _json_rows(rows: Sequence[object], file: str, max_rows: int | None) -> Iterator[tuple[int, Mapping[str, object]]]:
    if max_rows is not None and len(rows) > max_rows:
        raise InputError(file, None, None, f"{len(rows):,} rows; the limit is {max_rows:,}")
    if not rows:
        raise InputError(file, None, None, "no data rows")
    for i, rec in enumerate(rows, start=1):
        if not isinstance(rec, Mapping):
            raise InputError(file, i, None, "each row must be an object")
        yield i, rec


def sample_rows_from(rows: Sequence[object], file: str = "sample", *, max_rows: int | None = None) -> list[SampleRow]:
    """Sample rows of a JSON body (``[{"stratum": "1", "payment_error": 250.0}, ...]``), checked like the CSV file;
    ``file`` names the list in errors and rows count from 1."""
    out: list[SampleRow] = []
    for i, rec in _json_rows(rows, file, max_rows):
        unknown = sorted(set(rec) - {"stratum", "payment_error", "enrollee_id"})
        if unknown:
            raise InputError(file, i, unknown[0], "unknown field (stratum, payment_error, enrollee_id)")
        out.append(SampleRow(row=i, stratum=_label(rec.get("stratum"), file, i, "stratum", required=False),
                             payment_error=_json_number(rec.get("payment_error"), file, i, "payment_error")))
    return out


def strata_rows_from(rows: Sequence[object], file: str = "strata", *, max_rows: int | None = None) -> list[StratumRow]:
    """Strata of a JSON body (``[{"stratum": "1", "population": 4000}, ...]``), checked like the strata file."""
    out: list[StratumRow] = []
    seen: dict[str, int] = {}
    for i, rec in _json_rows(rows, file, max_rows):
        unknown = sorted(set(rec) - {"stratum", "population"})
        if unknown:
            raise InputError(file, i, unknown[0], "unknown field (stratum, population)")
        label = _label(rec.get("stratum"), file, i, "stratum", required=True)
        assert label is not None
        if label in seen:
            raise InputError(file, i, "stratum", f"{label!r} is listed twice (first in row {seen[label]})")
        seen[label] = i
        population = rec.get("population")
        if isinstance(population, bool) or not isinstance(population, int | str):
            raise InputError(file, i, "population", "a whole number is required")
        out.append(StratumRow(row=i, stratum=label, population=_population(str(population).strip(), file, i,
                                                                           "population")))
    return out


def read_sample(path: Path, *, max_rows: int | None = None) -> list[SampleRow]:
    """The ``--sample`` file: ``payment_error`` required, ``stratum`` optional; at least one data row."""
    name = str(path)
    out: list[SampleRow] = []
    for row, rec in csv_rows(path, ("payment_error",)):
        if max_rows is not None and row > max_rows:
            raise InputError(name, row, None, f"more than {max_rows:,} rows; the limit is {max_rows:,}")
        stratum = rec.get("stratum")
        if stratum and len(stratum) > MAX_LABEL_CHARS:
            raise InputError(name, row, "stratum", f"label longer than {MAX_LABEL_CHARS} characters")
        out.append(SampleRow(row=row, stratum=stratum if stratum else None,
                             payment_error=_decimal(rec["payment_error"], name, row, "payment_error")))
    if not out:
        raise InputError(name, None, None, "no data rows")
    return out


def read_strata(path: Path, *, max_rows: int | None = None) -> list[StratumRow]:
    """The ``--strata`` file: ``stratum,population``, one row per stratum, labels unique and non-empty."""
    name = str(path)
    out: list[StratumRow] = []
    seen: dict[str, int] = {}
    for row, rec in csv_rows(path, ("stratum", "population")):
        if max_rows is not None and row > max_rows:
            raise InputError(name, row, None, f"more than {max_rows:,} strata; the limit is {max_rows:,}")
        label = rec["stratum"]
        if not label:
            raise InputError(name, row, "stratum", "empty; every stratum needs a label")
        if len(label) > MAX_LABEL_CHARS:
            raise InputError(name, row, "stratum", f"label longer than {MAX_LABEL_CHARS} characters")
        if label in seen:
            raise InputError(name, row, "stratum", f"{label!r} is listed twice (first in row {seen[label]})")
        seen[label] = row
        out.append(StratumRow(row=row, stratum=label, population=_population(rec["population"], name, row,
                                                                               "population")))
    if not out:
        raise InputError(name, None, None, "no data rows")
    return out


def _design(population: int | None, strata: object, confidence: float, sidedness: Sidedness,
            df: DfMethod | None) -> DfMethod:
    """Exactly one of a population (unrestricted) or strata (stratified), and checked settings: the df method."""
    if (population is None) == (strata is None):
        raise ConfigError("give exactly one of --population N (unrestricted) or --strata FILE (stratified)")
    df_method: DfMethod = df or "n_minus_L"
    if df_method not in DF_METHODS:
        raise ConfigError(f"--df must be one of {', '.join(DF_METHODS)}, got {df_method!r}")
    check_settings(confidence, sidedness, df_method)
    return df_method


def appraise_rows(rows: Sequence[SampleRow], population: int | None = None,
                  strata: Sequence[StratumRow] | None = None, confidence: float = 0.90,
                  sidedness: Sidedness = "two_sided", df: DfMethod | None = None, fpc: bool = True, *,
                  sample_name: str = "sample", strata_name: str = "strata") -> Extrapolation:
    """Checked sample rows (and strata) -> the unrestricted or stratified estimator (the full result, steps included).

    ``sample_name``/``strata_name`` name the two inputs in errors (a file path, an upload or a JSON list)."""
    df_method = _design(population, strata, confidence, sidedness, df)
    if population is not None:
        return _unrestricted(list(rows), sample_name, population, confidence, sidedness, df_method, fpc)
    assert strata is not None
    return _stratified(list(rows), sample_name, list(strata), strata_name, confidence, sidedness, df_method, fpc)


def appraise_files(sample: Path | str, population: int | None = None, strata: Path | str | None = None,
                   confidence: float = 0.90, sidedness: Sidedness = "two_sided", df: DfMethod | None = None,
                   fpc: bool = True, *, max_rows: int | None = None) -> Extrapolation:
    """Load and check the files, then run the unrestricted or stratified estimator (the full result, steps included)."""
    df_method = _design(population, strata, confidence, sidedness, df)
    sample_path = Path(sample)
    rows = read_sample(sample_path, max_rows=max_rows)
    listed = read_strata(Path(strata), max_rows=MAX_STRATA if max_rows is not None else None) if strata else None
    return appraise_rows(rows, population, listed, confidence, sidedness, df_method, fpc, sample_name=str(sample_path),
                         strata_name=str(strata))


def extrapolate_files(sample: Path | str, population: int | None = None, strata: Path | str | None = None,
                      confidence: float = 0.90, sidedness: Sidedness = "two_sided", df: DfMethod | None = None,
                      fpc: bool = True, explain: bool = False) -> dict[str, object]:
    """``partcd radv extrapolate``: the JSON dict ``point_estimate, standard_error, lower_limit, upper_limit, n, df,
    t_value, precision_amount, precision_percent`` (``upper_limit`` None when one-sided; ``df`` None for ``normal``).

    ``df`` defaults to ``n_minus_L`` (= n - 1 for an unrestricted sample). ``explain`` adds ``steps``: one line per
    step of the computation (formula and numbers).
    """
    result = appraise_files(sample, population=population, strata=strata, confidence=confidence,
                            sidedness=sidedness, df=df, fpc=fpc)
    out: dict[str, object] = dict(result.summary())
    if explain:
        out["steps"] = [s.text() for s in result.steps]
    return out


def _unrestricted(rows: list[SampleRow], sample_name: str, population: int, confidence: float, sidedness: Sidedness,
                  df_method: DfMethod, fpc: bool) -> Extrapolation:
    labels = sorted({r.stratum for r in rows if r.stratum is not None})
    if len(labels) > 1:
        raise ConfigError(f"{sample_name}: the sample names {len(labels)} strata ({', '.join(labels[:5])}); a stratified "
                          "sample needs the strata and their populations (--strata FILE), not one population")
    if isinstance(population, bool) or not isinstance(population, int) or not 1 <= population <= MAX_POPULATION:
        raise ConfigError(f"--population must be a whole number in 1 .. {MAX_POPULATION:,}, got {population!r}")
    if population < len(rows):
        raise ConfigError(f"--population {population:,} is smaller than the {len(rows):,} sampled rows of {sample_name}")
    if len(rows) == 1 and population > 1:
        raise InputError(sample_name, None, "payment_error",
                         f"one sampled unit out of {population:,} gives no variance estimate; sample at least 2")
    return unrestricted_mpu([r.payment_error for r in rows], population, confidence, sidedness, df_method, fpc)


def _stratified(rows: list[SampleRow], sample_name: str, listed: list[StratumRow], strata_name: str, confidence: float,
                sidedness: Sidedness, df_method: DfMethod, fpc: bool) -> Extrapolation:
    known = {s.stratum: s for s in listed}
    values: dict[str, list[float]] = {s.stratum: [] for s in listed}
    for r in rows:
        if r.stratum is None:
            raise InputError(sample_name, r.row, "stratum",
                             "empty; with --strata every sampled row needs its stratum")
        if r.stratum not in known:
            shown = ", ".join(sorted(known)[:10])
            raise InputError(sample_name, r.row, "stratum",
                             f"unknown stratum {r.stratum!r} (strata {strata_name} lists: {shown})")
        values[r.stratum].append(r.payment_error)
    samples: list[StratumSample] = []
    for s in listed:
        n_h = len(values[s.stratum])
        if n_h == 0:
            raise InputError(strata_name, s.row, "stratum",
                             f"stratum {s.stratum!r} has no sampled rows in {sample_name}")
        if s.population < n_h:
            raise InputError(strata_name, s.row, "population",
                             f"population {s.population:,} of stratum {s.stratum!r} is smaller than its {n_h:,} "
                             "sampled rows")
        if n_h == 1 and s.population > 1:
            raise InputError(strata_name, s.row, "stratum",
                             f"stratum {s.stratum!r} has one sampled unit out of {s.population:,}: no variance "
                             "estimate; sample at least 2 or review the whole stratum")
        samples.append(StratumSample(stratum=s.stratum, population=s.population, values=tuple(values[s.stratum])))
    return stratified_mpu(samples, confidence, sidedness, df_method, fpc)


# --- the audit: estimate, the payment year's law and the recovery ---------------------------------------------------

#: The keys of the payment year's file a report shows as "the law in force", in this order.
LAW_KEYS = ("extrapolation_allowed_bool", "ffs_adjuster_bool", "proposed_extrapolation_allowed_bool",
            "proposed_ffs_adjuster_bool", "confidence_level_pct", "sidedness_text", "df_method_text",
            "recovery_bound_text", "fpc_bool", "sample_size_max_count", "strata_count", "net_underpayments_bool")


@dataclass(frozen=True)
class Law:
    """One payment year's RADV parameters: the typed view and the cited values (file, citations, quotes)."""

    payment_year: int
    params: RadvParams
    values: ParamSet

    @property
    def cited(self) -> list[ParamValue]:
        return [self.values.values[k] for k in LAW_KEYS if k in self.values.values]


def law_for(payment_year: int) -> Law:
    """The RADV parameter file in force for ``payment_year`` (ParameterError before PY 2011)."""
    values = load_params("radv", payment_year)
    return Law(payment_year=payment_year, params=values.typed(RadvParams), values=values)


@dataclass(frozen=True)
class Audit:
    """An extrapolation with what it was computed from, and - with a payment year - the law and the recovery."""

    estimate: Extrapolation
    sampled_errors: tuple[float, ...]
    sample_name: str
    strata_name: str | None
    law: Law | None = None
    recovery: Recovery | None = None

    def body(self, explain: bool = False) -> dict[str, object]:
        """The nine figures (the keys of ``extrapolate --json``), ``steps`` with ``explain``, ``recovery`` with a
        payment year."""
        out: dict[str, object] = dict(self.estimate.summary())
        if explain:
            out["steps"] = [s.text() for s in self.estimate.steps]
        if self.recovery is not None:
            r = self.recovery
            out["recovery"] = {
                "payment_year": r.decision.payment_year, "reading": r.decision.reading,
                "extrapolation_allowed": r.decision.extrapolation_allowed, "basis": r.basis,
                "recovery_bound": r.recovery_bound, "bound_value": r.bound_value,
                "sampled_enrollee_total": r.sampled_enrollee_total,
                "recovery_without_ffs_adjuster": r.recovery_without_ffs_adjuster,
                "recovery_with_ffs_adjuster": r.recovery_with_ffs_adjuster, "ffs_adjuster_offset": r.ffs_adjuster_offset,
                "recovery": r.recovery, "citation": r.decision.citation,
            }
        return out


def audit(rows: Sequence[SampleRow], population: int | None = None, strata: Sequence[StratumRow] | None = None,
          confidence: float = 0.90, sidedness: Sidedness = "two_sided", df: DfMethod | None = None, fpc: bool = True,
          *, payment_year: int | None = None, reading: Reading = "in_force", recovery_bound: RecoveryBound | None = None,
          ffs_adjuster_rate: float | None = None, contract_payments_usd: float | None = None,
          sample_name: str = "sample", strata_name: str = "strata") -> Audit:
    """The estimate of :func:`appraise_rows`; with ``payment_year`` also that year's law and
    :func:`~partcd.radv.rules.recovery.contract_recovery` (bound from the file unless ``recovery_bound``; the FFS
    Adjuster comparison when a rate and the contract's payments are given)."""
    if payment_year is None and (recovery_bound is not None or ffs_adjuster_rate is not None
                                 or contract_payments_usd is not None):
        raise ConfigError("--payment-year is needed for the recovery (bound, FFS Adjuster rate, contract payments)")
    estimate = appraise_rows(rows, population, strata, confidence, sidedness, df, fpc, sample_name=sample_name,
                             strata_name=strata_name)
    errors = tuple(r.payment_error for r in rows)
    used_strata = strata_name if strata is not None else None
    if payment_year is None:
        return Audit(estimate, errors, sample_name, used_strata)
    law = law_for(payment_year)
    recovery = contract_recovery(estimate, errors, payment_year, law.params, reading,
                                 recovery_bound=recovery_bound, ffs_adjuster_rate=ffs_adjuster_rate,
                                 contract_payments_usd=contract_payments_usd)
    return Audit(estimate, errors, sample_name, used_strata, law, recovery)


def audit_files(sample: Path | str, population: int | None = None, strata: Path | str | None = None,
                confidence: float = 0.90, sidedness: Sidedness = "two_sided", df: DfMethod | None = None,
                fpc: bool = True, *, max_rows: int | None = None, payment_year: int | None = None,
                reading: Reading = "in_force", recovery_bound: RecoveryBound | None = None,
                ffs_adjuster_rate: float | None = None, contract_payments_usd: float | None = None) -> Audit:
    """:func:`audit` from the two CSV files (``max_rows``: the most sample rows accepted)."""
    if (population is None) == (strata is None):
        raise ConfigError("give exactly one of --population N (unrestricted) or --strata FILE (stratified)")
    rows = read_sample(Path(sample), max_rows=max_rows)
    listed = read_strata(Path(strata), max_rows=MAX_STRATA if max_rows is not None else None) if strata else None
    return audit(rows, population, listed, confidence, sidedness, df, fpc, sample_name=str(sample),
                 strata_name=str(strata) if strata else "strata", payment_year=payment_year, reading=reading,
                 recovery_bound=recovery_bound, ffs_adjuster_rate=ffs_adjuster_rate,
                 contract_payments_usd=contract_payments_usd)


# --- sample selection from a JSON frame -----------------------------------------------------------------------------

def frame_from(rows: Sequence[object], file: str = "frame", *, max_rows: int | None = None) -> list[FrameEnrollee]:
    """Frame enrollees of a JSON body (the fields of :class:`~partcd.radv.rules.sampling.FrameEnrollee`), each
    checked: a bad row is an InputError naming the row (from 1) and the field."""
    out: list[FrameEnrollee] = []
    for i, rec in _json_rows(rows, file, max_rows):
        risk = rec.get("risk_score")
        if isinstance(risk, bool) or not isinstance(risk, int | float) or not math.isfinite(risk) \
                or not 0 <= risk <= MAX_RISK_SCORE:
            raise InputError(file, i, "risk_score", f"a finite number in 0 .. {MAX_RISK_SCORE:g} is required")
        for months in ("enrolled_months", "esrd_months", "hospice_months", "part_b_months"):
            given = rec.get(months, [])
            if not isinstance(given, list) or len(given) > MAX_MONTHS:
                raise InputError(file, i, months, f"a list of at most {MAX_MONTHS} YYYY-MM months is required")
        enrollee_id = rec.get("enrollee_id")
        if not isinstance(enrollee_id, str) or not 1 <= len(enrollee_id) <= MAX_LABEL_CHARS:
            raise InputError(file, i, "enrollee_id", f"a text id of 1 .. {MAX_LABEL_CHARS} characters is required")
        try:
            out.append(FrameEnrollee.model_validate(rec))
        except ValidationError as exc:
            raise InputError.from_validation(file, i, exc) from None
    return out


def select(frame: Sequence[FrameEnrollee], payment_year: int, seed: int, sample_size: int | None = None
           ) -> SampleSelection:
    """:func:`~partcd.radv.rules.sampling.select_sample` with the payment year's file and
    ``numpy.random.default_rng(seed)``."""
    return select_sample(frame, payment_year, law_for(payment_year).params, np.random.default_rng(seed), sample_size)


def selection_rows(selection: SampleSelection) -> list[list[object]]:
    """The selected enrollees as CSV rows ``stratum, enrollee_id`` (header first), every cell through ``safe_cell``."""
    return [["stratum", "enrollee_id"], *([h, safe_cell(e)] for h, e in selection.selected)]


# --- sample selection from a frame file (``partcd radv sample``) ----------------------------------------------------

#: Largest sample one design may draw (strata x n per stratum); the 2012 design draws 201.
MAX_SAMPLE_SIZE = 10_000


@dataclass(frozen=True)
class Design:
    """The strata count and per-stratum allocation used, and whether they differ from the payment year's file."""

    strata_count: int
    per_stratum: int
    custom: bool

    @property
    def sample_size(self) -> int:
        return self.strata_count * self.per_stratum


def design_for(params: RadvParams, strata: int | None = None, per_stratum: int | None = None) -> tuple[RadvParams, Design]:
    """The payment year's design (``strata_count`` x ``sample_size_max_count / strata_count``: 3 x 67) or the one asked
    for. A custom design is allowed - the final rule accepts "any statistically valid method" - and flagged; its
    sample size may then exceed the 2012 cap of 201."""
    count = params.strata_count if strata is None else strata
    if not 1 <= count <= MAX_STRATA:
        raise ConfigError(f"--strata: must be a whole number in 1 .. {MAX_STRATA:,}: {count!r}")
    per = params.sample_size_max_count // count if per_stratum is None else per_stratum
    if per < 1 or count * per > MAX_SAMPLE_SIZE:
        given = "" if per_stratum is not None else f" (default: {params.sample_size_max_count} split over {count} strata)"
        raise ConfigError(f"--n-per-stratum: must be at least 1 and strata x n at most {MAX_SAMPLE_SIZE:,}: "
                          f"{per!r}{given}")
    custom = count != params.strata_count or count * per != params.sample_size_max_count
    used = params.model_copy(update={"strata_count": count,
                                     "sample_size_max_count": max(params.sample_size_max_count, count * per)})
    return used, Design(strata_count=count, per_stratum=per, custom=custom)


@dataclass(frozen=True)
class FrameSelection:
    """A sample drawn from a frame file: the selection, the seed and design, and each frame enrollee's row data."""

    selection: SampleSelection
    seed: int
    design: Design
    frame_name: str
    contract_id: str | None
    enrollees: dict[str, FrameRow]

    def selected_rows(self) -> list[dict[str, object]]:
        """One row per selected enrollee, stratum by stratum in draw order: ``stratum, selection_order, enrollee_id,
        contract_id, risk_score`` (the file of ``partcd radv sample --out``)."""
        out: list[dict[str, object]] = []
        for s in self.selection.strata:
            order = s.selection_order or tuple(range(1, len(s.selected) + 1))
            for k, enrollee_id in sorted(zip(order, s.selected, strict=True)):
                found = self.enrollees[enrollee_id]
                out.append({"stratum": str(s.stratum), "selection_order": k, "enrollee_id": enrollee_id,
                            "contract_id": found.contract_id, "risk_score": found.enrollee.risk_score})
        return out

    def strata_rows(self) -> list[dict[str, object]]:
        """One row per stratum: ``stratum, population`` (read by ``partcd radv extrapolate --strata``), the allocation,
        the draw and the stratum's risk-score bounds."""
        return [{"stratum": str(s.stratum), "population": s.population, "allocated": s.allocated, "sampled": s.sampled,
                 "census": s.census, "min_risk_score": s.min_risk_score, "max_risk_score": s.max_risk_score}
                for s in self.selection.strata]

    def body(self) -> dict[str, object]:
        """The JSON answer: frame counts, exclusions, design, strata with bounds, the selection and the steps."""
        sel = self.selection
        return {"frame": self.frame_name, "contract_id": self.contract_id, "payment_year": sel.payment_year,
                "data_collection_year": sel.data_collection_year, "seed": self.seed,
                "design": {"strata": self.design.strata_count, "n_per_stratum": self.design.per_stratum,
                           "sample_size": self.design.sample_size, "custom": self.design.custom},
                "frame_count": sel.frame_count, "eligible_count": sel.eligible_count,
                "excluded_by_criterion": sel.excluded_by_criterion, "sample_size": sel.sample_size,
                "strata": self.strata_rows(), "selected": self.selected_rows(), "steps": [s.text() for s in sel.steps]}


def select_frame(rows: Sequence[FrameRow], payment_year: int, seed: int, *, frame_name: str = "frame",
                 strata: int | None = None, per_stratum: int | None = None, contract: str | None = None,
                 params: RadvParams | None = None) -> FrameSelection:
    """Checked frame rows -> one contract's rows -> :func:`~partcd.radv.rules.sampling.select_sample` with
    ``numpy.random.default_rng(seed)`` (order-independent: ranked by risk score and enrollee_id)."""
    used, design = design_for(params or law_for(payment_year).params, strata, per_stratum)
    contracts = sorted({r.contract_id for r in rows if r.contract_id is not None})
    if contract is not None:
        chosen = [r for r in rows if r.contract_id == contract]
        if not chosen:
            shown = ", ".join(contracts[:10]) or "none (no contract_id column)"
            raise InputError(frame_name, None, "contract_id", f"no row of contract {contract!r} (contracts: {shown})")
    elif len(contracts) > 1:
        raise InputError(frame_name, None, "contract_id", f"the frame holds {len(contracts)} contracts "
                         f"({', '.join(contracts[:5])}); give --contract ID (a RADV sample is drawn per contract)")
    else:
        chosen = list(rows)
    selection = select_sample([r.enrollee for r in chosen], payment_year, used, np.random.default_rng(seed),
                              design.sample_size)
    picked = {e for s in selection.strata for e in s.selected}
    return FrameSelection(selection=selection, seed=seed, design=design, frame_name=frame_name,
                          contract_id=contract if contract is not None else (contracts[0] if contracts else None),
                          enrollees={r.enrollee.enrollee_id: r for r in chosen if r.enrollee.enrollee_id in picked})


def select_frame_file(frame: Path | str, payment_year: int, seed: int, *, strata: int | None = None,
                      per_stratum: int | None = None, contract: str | None = None, max_rows: int | None = None
                      ) -> FrameSelection:
    """``partcd radv sample``: read the frame file (CSV or Parquet) and draw the contract-level sample."""
    params = law_for(payment_year).params
    design_for(params, strata, per_stratum)  # a bad design is refused before the file is read
    path = Path(frame)
    rows = read_frame(path, month_window(payment_year, params.data_collection_year_lag_years), max_rows=max_rows)
    return select_frame(rows, payment_year, seed, frame_name=str(path), strata=strata, per_stratum=per_stratum,
                        contract=contract, params=params)


# --- enrollee payment errors from reviewed HCCs (``partcd radv payment-error``) --------------------------------------

#: Largest normalization factor accepted (CMS's are near 1).
MAX_NORMALIZATION_FACTOR = 10.0


@dataclass(frozen=True)
class PaymentErrors:
    """Each reviewed enrollee's payment error under one payment year's parameters and one HCC model."""

    payment_year: int
    params: RadvParams
    model: HccModel
    enrollees_name: str
    coefficients_name: str
    found: tuple[tuple[EnrolleeRow, EnrolleeError], ...]

    def rows(self) -> list[dict[str, object]]:
        """One row per enrollee: ``enrollee_id, stratum, payment_error`` (to the cent; the columns ``partcd radv
        extrapolate --sample`` reads), the two raw scores and payment factors, months, base rates and HCC findings."""
        return [{"enrollee_id": r.enrollee.enrollee_id, "stratum": r.stratum, "payment_error": cents(e.payment_error_usd),
                 "submitted_raw_score": e.submitted.raw_score, "validated_raw_score": e.validated.raw_score,
                 "submitted_payment_factor": e.submitted.payment_factor,
                 "validated_payment_factor": e.validated.payment_factor, "months": e.months,
                 "base_rate_total_usd": e.base_rate_total_usd, "unsupported_hccs": list(e.unsupported_hccs),
                 "credited_additional_hccs": list(e.credited_additional_hccs)} for r, e in self.found]

    @property
    def total(self) -> float:
        """The sum of the enrollees' payment errors (each to the cent)."""
        return cents(sum(cents(e.payment_error_usd) for _, e in self.found))

    def by_stratum(self) -> dict[str, tuple[int, float]]:
        """Enrollees and summed payment errors per stratum label ("" when the file gives none), in file order."""
        out: dict[str, tuple[int, float]] = {}
        for r, e in self.found:
            n, total = out.get(r.stratum or "", (0, 0.0))
            out[r.stratum or ""] = (n + 1, cents(total + cents(e.payment_error_usd)))
        return out

    def body(self, explain: bool = False) -> dict[str, object]:
        """The JSON answer: the settings used, totals, one row per enrollee (``steps`` with ``explain``) and
        ``sample``, the ``{stratum, payment_error}`` rows ``/extrapolate`` takes."""
        rows = self.rows()
        if explain:
            for row, (_, e) in zip(rows, self.found, strict=True):
                row["steps"] = [s.text() for s in e.steps]
        return {"enrollees_file": self.enrollees_name, "coefficients_file": self.coefficients_name,
                "payment_year": self.payment_year, "model": self.model.name,
                "normalization_factor": self.model.normalization_factor,
                "coding_intensity_adjustment": self.model.coding_intensity_adjustment,
                "offset_additional_hccs": self.params.offset_additional_hccs_text,
                "net_underpayments": self.params.net_underpayments_bool, "n": len(rows),
                "total_payment_error": self.total,
                "by_stratum": {h: {"n": n, "payment_error": t} for h, (n, t) in self.by_stratum().items()}, "enrollees": rows,
                "sample": [{"stratum": r["stratum"], "payment_error": r["payment_error"]} for r in rows]}


def cents(usd: float) -> float:
    """Dollars rounded to the cent (an audit finding's unit; half away from zero)."""
    return float(Decimal(repr(usd)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def payment_errors(rows: Sequence[EnrolleeRow], terms: Sequence[CoefficientRow], payment_year: int, *,
                   normalization_factor: float = 1.0, coding_intensity_adjustment: float = 0.0,
                   enrollees_name: str = "enrollees", coefficients_name: str = "coefficients",
                   params: RadvParams | None = None) -> PaymentErrors:
    """Checked enrollee and coefficient rows -> :func:`~partcd.radv.rules.payment_error.enrollee_payment_error` for
    each enrollee under the payment year's ``offset_additional_hccs_text`` and ``net_underpayments_bool``; an HCC
    missing from the coefficient table names the enrollee's row and field."""
    if not (math.isfinite(normalization_factor) and 0 < normalization_factor <= MAX_NORMALIZATION_FACTOR):
        raise ConfigError(f"--normalization-factor: must be in (0, {MAX_NORMALIZATION_FACTOR:g}]: {normalization_factor!r}")
    if not (math.isfinite(coding_intensity_adjustment) and 0 <= coding_intensity_adjustment < 1):
        raise ConfigError(f"--coding-intensity: must be in [0, 1): {coding_intensity_adjustment!r}")
    used = params or law_for(payment_year).params
    model = model_from(terms, coefficients_name, normalization_factor, coding_intensity_adjustment)
    interactions = {i.name for i in model.interactions}
    for r in rows:
        for field, named in (("hcc_submitted", r.enrollee.submitted_hccs), ("hcc_validated", r.enrollee.validated_hccs)):
            for hcc in sorted(named):
                if hcc in interactions:
                    raise InputError(enrollees_name, r.row, field,
                                     f"{hcc} is an interaction term of {coefficients_name}, not an HCC")
                if hcc not in model.coefficients:
                    raise InputError(enrollees_name, r.row, field, f"{hcc} is not in {coefficients_name}")
    found = tuple((r, enrollee_payment_error(r.enrollee, model, used)) for r in rows)
    return PaymentErrors(payment_year=payment_year, params=used, model=model, enrollees_name=enrollees_name,
                         coefficients_name=coefficients_name, found=found)


def payment_errors_files(enrollees: Path | str, coefficients: Path | str, payment_year: int, *,
                         normalization_factor: float = 1.0, coding_intensity_adjustment: float = 0.0,
                         max_rows: int | None = None) -> PaymentErrors:
    """``partcd radv payment-error``: read both files (CSV or Parquet), then :func:`payment_errors`."""
    params = law_for(payment_year).params
    terms = read_coefficients(Path(coefficients), max_rows=max_rows)
    rows = read_enrollees(Path(enrollees), max_rows=max_rows)
    return payment_errors(rows, terms, payment_year, normalization_factor=normalization_factor,
                          coding_intensity_adjustment=coding_intensity_adjustment, enrollees_name=str(enrollees),
                          coefficients_name=str(coefficients), params=params)


#: The fields of a JSON enrollee row and of a JSON coefficient row (the columns of the two files).
ENROLLEE_FIELDS = ("enrollee_id", "stratum", "demographic_score", "hcc_submitted", "hcc_validated", "months",
                   "monthly_base_rate_usd", "monthly_base_rates_usd")
COEFFICIENT_FIELDS = ("hcc", "coefficient", "drops", "interaction_of")


def _known(rows: Sequence[object], file: str, fields: tuple[str, ...], max_rows: int | None
           ) -> Iterator[tuple[int, Mapping[str, object]]]:
    for i, rec in _json_rows(rows, file, max_rows):
        unknown = sorted(set(rec) - set(fields))
        if unknown:
            raise InputError(file, i, unknown[0], f"unknown field ({', '.join(fields)})")
        yield i, rec


def enrollees_from(rows: Sequence[object], file: str = "enrollees", *, max_rows: int | None = None) -> list[EnrolleeRow]:
    """Reviewed enrollees of a JSON body (the columns of the enrollees file; HCCs and rates as lists or texts)."""
    return enrollee_records(_known(rows, file, ENROLLEE_FIELDS, max_rows), file)


def coefficients_from(rows: Sequence[object], file: str = "coefficients", *, max_rows: int | None = None
                      ) -> list[CoefficientRow]:
    """The coefficient table of a JSON body (``hcc``, ``coefficient``, ``drops``, ``interaction_of``)."""
    return coefficient_records(_known(rows, file, COEFFICIENT_FIELDS, max_rows), file)
