"""RADV extrapolation from files: load -> validate -> compute -> report (``partcd radv extrapolate``).

``--sample`` CSV: ``stratum,payment_error`` - one row per sampled enrollee, ``stratum`` optional for an unrestricted
sample; other columns (``enrollee_id`` ...) are ignored. ``--strata`` CSV: ``stratum,population``. Either
``population`` (unrestricted) or ``strata`` (stratified) is given, never both.

Every problem is an :class:`~partcd.core.errors.InputError` naming the file, the 1-based data row and the field:
numbers must be plain decimals (no thousands separators), finite and within bounds; a population must be a whole number
not smaller than the units sampled from it; every sampled stratum must be listed in the strata file and every listed
stratum must have sampled units; a stratum sampled with a single unit must be reviewed in full. The arithmetic is
:mod:`partcd.radv.rules.estimators` (the rule functions); this module only reads and checks.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from partcd.core.errors import ConfigError, InputError
from partcd.radv.rules.estimators import (
    DF_METHODS,
    Extrapolation,
    StratumSample,
    check_settings,
    stratified_mpu,
    unrestricted_mpu,
)
from partcd.radv.rules.parameters import DfMethod, Sidedness

#: Largest |payment error| of one enrollee accepted: far above a year of the highest MA capitation payment, so a
#: larger figure is a unit or keying error (cents read as dollars, a total pasted into a row).
MAX_ABS_PAYMENT_ERROR_USD = 10_000_000.0
#: Largest population accepted for one contract or stratum (more than every Medicare beneficiary).
MAX_POPULATION = 100_000_000

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


def _rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
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
        for col in required:
            if col not in columns:
                raise InputError(name, None, col, f"column missing (header: {', '.join(columns) or 'empty'})")
        dupes = sorted({c for c in columns if c and columns.count(c) > 1})
        if dupes:
            raise InputError(name, None, dupes[0], "column given more than once")
        try:
            for i, values in enumerate(reader, start=1):
                if not any(v.strip() for v in values):
                    continue
                if len(values) != len(columns):
                    raise InputError(name, i, None, f"{len(values)} fields, header has {len(columns)}")
                yield i, {c: v.strip() for c, v in zip(columns, values, strict=True)}
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError(name, None, None, f"not a readable UTF-8 CSV file: {exc}") from None


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


def read_sample(path: Path) -> list[SampleRow]:
    """The ``--sample`` file: ``payment_error`` required, ``stratum`` optional; at least one data row."""
    name = str(path)
    out: list[SampleRow] = []
    for row, rec in _rows(path, ("payment_error",)):
        stratum = rec.get("stratum")
        out.append(SampleRow(row=row, stratum=stratum if stratum else None,
                             payment_error=_decimal(rec["payment_error"], name, row, "payment_error")))
    if not out:
        raise InputError(name, None, None, "no data rows")
    return out


def read_strata(path: Path) -> list[StratumRow]:
    """The ``--strata`` file: ``stratum,population``, one row per stratum, labels unique and non-empty."""
    name = str(path)
    out: list[StratumRow] = []
    seen: dict[str, int] = {}
    for row, rec in _rows(path, ("stratum", "population")):
        label = rec["stratum"]
        if not label:
            raise InputError(name, row, "stratum", "empty; every stratum needs a label")
        if label in seen:
            raise InputError(name, row, "stratum", f"{label!r} is listed twice (first in row {seen[label]})")
        seen[label] = row
        out.append(StratumRow(row=row, stratum=label, population=_population(rec["population"], name, row,
                                                                               "population")))
    if not out:
        raise InputError(name, None, None, "no data rows")
    return out


def appraise_files(sample: Path | str, population: int | None = None, strata: Path | str | None = None,
                   confidence: float = 0.90, sidedness: Sidedness = "two_sided", df: DfMethod | None = None,
                   fpc: bool = True) -> Extrapolation:
    """Load and check the files, then run the unrestricted or stratified estimator (the full result, steps included)."""
    if (population is None) == (strata is None):
        raise ConfigError("give exactly one of --population N (unrestricted) or --strata FILE (stratified)")
    df_method: DfMethod = df or "n_minus_L"
    if df_method not in DF_METHODS:
        raise ConfigError(f"--df must be one of {', '.join(DF_METHODS)}, got {df_method!r}")
    check_settings(confidence, sidedness, df_method)
    sample_path = Path(sample)
    rows = read_sample(sample_path)
    if population is not None:
        return _unrestricted(rows, sample_path, population, confidence, sidedness, df_method, fpc)
    assert strata is not None
    return _stratified(rows, sample_path, Path(strata), confidence, sidedness, df_method, fpc)


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


def _unrestricted(rows: list[SampleRow], sample_path: Path, population: int, confidence: float, sidedness: Sidedness,
                  df_method: DfMethod, fpc: bool) -> Extrapolation:
    labels = sorted({r.stratum for r in rows if r.stratum is not None})
    if len(labels) > 1:
        raise ConfigError(f"{sample_path}: the sample names {len(labels)} strata ({', '.join(labels[:5])}); a stratified "
                          "sample needs --strata FILE, not --population")
    if isinstance(population, bool) or not isinstance(population, int) or not 1 <= population <= MAX_POPULATION:
        raise ConfigError(f"--population must be a whole number in 1 .. {MAX_POPULATION:,}, got {population!r}")
    if population < len(rows):
        raise ConfigError(f"--population {population:,} is smaller than the {len(rows):,} sampled rows of {sample_path}")
    if len(rows) == 1 and population > 1:
        raise InputError(str(sample_path), None, "payment_error",
                         f"one sampled unit out of {population:,} gives no variance estimate; sample at least 2")
    return unrestricted_mpu([r.payment_error for r in rows], population, confidence, sidedness, df_method, fpc)


def _stratified(rows: list[SampleRow], sample_path: Path, strata_path: Path, confidence: float, sidedness: Sidedness,
                df_method: DfMethod, fpc: bool) -> Extrapolation:
    listed = read_strata(strata_path)
    known = {s.stratum: s for s in listed}
    values: dict[str, list[float]] = {s.stratum: [] for s in listed}
    for r in rows:
        if r.stratum is None:
            raise InputError(str(sample_path), r.row, "stratum",
                             "empty; with --strata every sampled row needs its stratum")
        if r.stratum not in known:
            shown = ", ".join(sorted(known)[:10])
            raise InputError(str(sample_path), r.row, "stratum",
                             f"unknown stratum {r.stratum!r} (strata file {strata_path} lists: {shown})")
        values[r.stratum].append(r.payment_error)
    samples: list[StratumSample] = []
    for s in listed:
        n_h = len(values[s.stratum])
        if n_h == 0:
            raise InputError(str(strata_path), s.row, "stratum",
                             f"stratum {s.stratum!r} has no sampled rows in {sample_path}")
        if s.population < n_h:
            raise InputError(str(strata_path), s.row, "population",
                             f"population {s.population:,} of stratum {s.stratum!r} is smaller than its {n_h:,} "
                             "sampled rows")
        if n_h == 1 and s.population > 1:
            raise InputError(str(strata_path), s.row, "stratum",
                             f"stratum {s.stratum!r} has one sampled unit out of {s.population:,}: no variance "
                             "estimate; sample at least 2 or review the whole stratum")
        samples.append(StratumSample(stratum=s.stratum, population=s.population, values=tuple(values[s.stratum])))
    return stratified_mpu(samples, confidence, sidedness, df_method, fpc)
