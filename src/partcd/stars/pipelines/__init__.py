"""§ 422.166(a)(2)(i), § 423.186(a)(2)(i) - Star Ratings jobs: load -> validate -> compute, shared by CLI, API, web, demo.

4185-P L2241 / L3212: non-CAHPS cut points by mean resampling of hierarchical clustering with a guardrail against the
prior year's published cut points. :func:`run_cut_points` reads the rating year's scores (a CMS "Measure Data" table or
a tidy CSV, detected by :mod:`partcd.stars.readers`), the prior year's published cut points (always an explicit input)
and optionally the prior year's scores (restricted-range cap of measures not on a 0-100 scale), checks that the files
are of the right years, and runs the rating year's methodology (``method:`` of ``stars/params/<year>.yaml``) or a
named one. :func:`run_guardrail` runs the guardrail stage alone on given unguarded thresholds. :func:`run_assign` and
:func:`run_explain` star contracts against given cut points (CMS boundary rules). :func:`partcd.stars.report.save_run`
writes a run's cut points (tidy CSV that ``partcd stars assign --cut-points`` reads back, JSON) and its HTML report
into a folder. The CLI (:mod:`partcd.stars.cli`,
:mod:`partcd.stars.cli.cutpoints`) only reads options and writes what these return.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from partcd.core.errors import ConfigError, InputError
from partcd.core.params import ParamSet
from partcd.platform.exports import safe_cell
from partcd.platform.params import load_params
from partcd.stars.readers import catalogue_years, load_catalogue, rating_year_of, read_cut_points, read_scores
from partcd.stars.rules.assign import StarAssignment, assign_all
from partcd.stars.rules.cutpoints import (
    CutPointRow,
    MeasureCutPoints,
    compute_cut_points,
    contract_types_for,
    guard_measure,
    scores_for,
    to_rows,
)
from partcd.stars.rules.explain import explain_star
from partcd.stars.rules.methodology import Methodology, StarsParams
from partcd.stars.rules.methodology import methodology as named_methodology
from partcd.stars.rules.models import ContractType, CutPoints, Measure, MeasureScore, Part

#: The seed CMS passes to SAS PROC SURVEYSELECT; numpy's generator gives different groups (stars.md §9, §14).
DEFAULT_SEED = 8675309

#: Columns of a cut-point run's tidy output (same as ``partcd stars cutpoints``); ``value`` is the final threshold.
CUT_POINT_COLUMNS = ("measure_id", "measure_key", "measure_name", "part", "contract_type", "threshold", "value", "unguarded",
                     "prior", "cap", "reason")
#: Columns of a star assignment (same as ``partcd stars assign``).
ASSIGN_COLUMNS = ("contract_id", "contract_type", "measure_id", "measure_key", "score", "stars", "missing_reason", "note")

CITATION = "42 CFR 422.166(a)(2)(i), 423.186(a)(2)(i) (CMS-4185-P L2241 / L3212)"


@dataclass(frozen=True)
class CutPointRun:
    """One cut-point computation: its inputs (files, year, methodology, seed, parameter file) and its results."""

    rating_year: int
    method: Methodology
    seed: int
    params: ParamSet
    scores_file: str
    prior_cut_points_files: tuple[str, ...]
    prior_scores_file: str | None
    measures: tuple[Measure, ...]
    scores: tuple[MeasureScore, ...]
    prior_cut_points: tuple[CutPoints, ...]
    results: tuple[MeasureCutPoints, ...]
    excluded_contracts: tuple[str, ...] = ()
    measure_ids: dict[str, str] = field(default_factory=dict)

    @property
    def params_file(self) -> str:
        """The parameter file the run read, as ``<area>/params/<file>``."""
        return f"stars/params/{self.params.file}"

    def rows(self) -> list[CutPointRow]:
        """Measure x contract type x threshold rows."""
        return to_rows(self.results)

    def records(self) -> list[dict[str, Any]]:
        """The rows as dicts with :data:`CUT_POINT_COLUMNS` (``value`` = final threshold, unrounded)."""
        return cut_point_records(self.rows())

    def cut_points(self) -> list[CutPoints]:
        """The final cut points of every measure and contract type."""
        return [r.cut_points() for r in self.results]

    def assignments(self) -> list[StarAssignment]:
        """Every contract's star on every measure that got cut points in this run (CMS boundary rules)."""
        keys = {r.measure.measure_key for r in self.results}
        scores = [s for s in self.scores if s.measure_key in keys]
        return assign_all(scores, self.cut_points(), list(self.measures), self.measure_ids)


def cut_point_records(rows: Sequence[CutPointRow]) -> list[dict[str, Any]]:
    """Cut-point rows as dicts with :data:`CUT_POINT_COLUMNS` (``value`` = final threshold, unrounded)."""
    out = []
    for r in rows:
        d = asdict(r)
        d["value"] = d.pop("final")
        out.append({k: d[k] for k in CUT_POINT_COLUMNS})
    return out


def _prior_year(year: int) -> int | None:
    """The year whose catalogue resolves measure ids in tidy prior files (None when there is no catalogue)."""
    return year - 1 if (year - 1) in catalogue_years() else None


def unique_cut_points(found: Iterable[tuple[str, Iterable[CutPoints]]]) -> list[CutPoints]:
    """Cut points from several places ``(where, cut points)``, in order; a measure and contract type given twice is
    refused, naming both places."""
    out: list[CutPoints] = []
    seen: dict[tuple[str, ContractType], str] = {}
    for where, cut_points in found:
        for cp in cut_points:
            key = (cp.measure_key, cp.contract_type)
            if key in seen:
                raise InputError(where, None, cp.measure_id or cp.measure_key,
                                 f"cut points for {cp.measure_key} ({cp.contract_type.value}) also in {seen[key]}")
            seen[key] = where
            out.append(cp)
    return out


def _prior_cut_point_file(path: Path, year: int) -> tuple[str, tuple[CutPoints, ...]]:
    table = read_cut_points(path, _prior_year(year))
    if table.rating_year is not None and table.rating_year != year - 1:
        raise InputError(str(path), 1, None, f"prior cut points are for {table.rating_year}, expected {year - 1}")
    return str(path), table.cut_points


def load_prior_cut_points(paths: Sequence[Path], year: int) -> list[CutPoints]:
    """The prior year's published cut points from CMS or tidy files; a file of another year or a repeat is refused."""
    return unique_cut_points(_prior_cut_point_file(path, year) for path in paths)


def load_prior_scores(path: Path | None, year: int) -> list[MeasureScore]:
    """The prior year's scores (empty without a file); a file of another year is refused."""
    if path is None:
        return []
    table = read_scores(path, _prior_year(year))
    if table.rating_year is not None and table.rating_year != year - 1:
        raise InputError(str(path), 1, None, f"prior scores are for {table.rating_year}, expected {year - 1}")
    return list(table.scores)


def run_cut_points(
    scores_path: Path,
    year: int,
    prior_cut_points_paths: Sequence[Path] = (),
    prior_scores_path: Path | None = None,
    seed: int = DEFAULT_SEED,
    methodology: str | None = None,
    *,
    excluded_contracts: Collection[str] = (),
    on_start: Callable[[int], None] | None = None,
    on_measure: Callable[[Measure, ContractType], None] | None = None,
) -> CutPointRun:
    """load -> validate -> compute: the job behind ``partcd stars cutpoints`` and ``POST /api/v1/stars/cutpoints``.

    ``methodology`` names a pipeline of :data:`partcd.stars.rules.methodology.METHODOLOGIES` instead of the rating year's own;
    ``seed`` seeds the random resampling groups; ``excluded_contracts`` are left out of the clustering (e.g. the 60
    percent disaster rule, 42 CFR 422.166(i)(9)). Progress: ``on_start`` gets the number of measure x contract type
    computations once the inputs are read, ``on_measure`` is called before each of them.
    """
    params = load_params("stars", year)
    typed = params.typed(StarsParams)
    method = named_methodology(methodology or typed.method)
    measures = load_catalogue(year)
    table = read_scores(scores_path, year)
    priors = load_prior_cut_points(prior_cut_points_paths, year)
    before = load_prior_scores(prior_scores_path, year)
    excluded = frozenset(excluded_contracts)
    if on_start is not None:
        on_start(sum(1 for m in measures if not m.cahps for t in contract_types_for(m)
                     if scores_for(m, t, table.scores, excluded).size))
    results = compute_cut_points(measures, table.scores, priors, before, year, typed, np.random.default_rng(seed),
                                 methodology_name=method.name, excluded_contracts=excluded, on_measure=on_measure)
    return CutPointRun(
        rating_year=year, method=method, seed=seed, params=params, scores_file=str(scores_path),
        prior_cut_points_files=tuple(str(p) for p in prior_cut_points_paths),
        prior_scores_file=None if prior_scores_path is None else str(prior_scores_path),
        measures=tuple(measures), scores=tuple(table.scores), prior_cut_points=tuple(priors), results=tuple(results),
        excluded_contracts=tuple(sorted(excluded)), measure_ids=dict(table.measure_ids),
    )


def run_guardrail(
    unguarded_path: Path,
    year: int,
    prior_cut_points_paths: Sequence[Path] = (),
    prior_scores_path: Path | None = None,
    methodology: str | None = None,
) -> list[CutPointRow]:
    """The guardrail stage alone (``partcd stars guardrail``): cap given unguarded thresholds (a tidy cut-point file)
    against the prior year's published cut points; a measure not of ``year``, or Part D thresholds without an MA-PD or
    PDP contract type, is refused."""
    typed = load_params("stars", year).typed(StarsParams)
    if methodology is not None:
        named_methodology(methodology)
    measures = {m.measure_key: m for m in load_catalogue(year)}
    table = read_cut_points(unguarded_path, year)
    priors = {(c.measure_key, c.contract_type): c.thresholds for c in load_prior_cut_points(prior_cut_points_paths, year)}
    before = load_prior_scores(prior_scores_path, year)
    rows: list[CutPointRow] = []
    for cp in table.cut_points:
        measure = measures.get(cp.measure_key)
        if measure is None:
            raise InputError(str(unguarded_path), None, "measure_key", f"{cp.measure_key!r} is not a measure of {year}")
        if measure.part is Part.D and cp.contract_type is ContractType.ALL:
            raise InputError(str(unguarded_path), None, "contract_type",
                             f"{measure.measure_id}: Part D cut points need contract_type MA-PD or PDP")
        prior_values = scores_for(measure, cp.contract_type, before)
        guarded = guard_measure(measure, dict(cp.thresholds), priors.get((cp.measure_key, cp.contract_type)), year,
                                typed, prior_values.tolist() if prior_values.size else None, methodology)
        rows.extend(
            CutPointRow(measure.measure_id, measure.measure_key, measure.name, measure.part.value, cp.contract_type.value,
                        t.threshold, t.unguarded, t.prior, t.cap, t.final, t.reason.value)
            for t in guarded
        )
    return rows


# --- assign and explain ----------------------------------------------------------------------


@dataclass(frozen=True)
class StarInputs:
    """Scores and cut points read for ``assign`` / ``explain``, with the rating year and its catalogue when known."""

    rating_year: int | None
    scores: tuple[MeasureScore, ...]
    measure_ids: dict[str, str]
    cut_points: tuple[CutPoints, ...]
    measures: tuple[Measure, ...] | None


def load_star_inputs(scores_path: Path, cut_points: Sequence[Path | CutPoints], year: int | None = None, *,
                     year_name: str = "year", cut_points_name: str = "cut-points") -> StarInputs:
    """Read scores and cut points (files, or records already in hand such as a kept run's), agree on the rating year
    (CMS titles or ``year``) and load its catalogue.

    ``year_name`` and ``cut_points_name`` are what errors call those inputs (the CLI names its options).
    """
    if not cut_points:
        raise ConfigError(f"give at least one {cut_points_name} file")
    paths = [c for c in cut_points if isinstance(c, Path)]
    detected = rating_year_of([scores_path, *paths])
    if year is not None and detected is not None and year != detected:
        raise ConfigError(f"{year_name} {year} contradicts the files, which are for rating year {detected}")
    rating_year = year if year is not None else detected
    table = read_scores(scores_path, rating_year)
    cps = unique_cut_points(
        (str(item), read_cut_points(item, rating_year).cut_points) if isinstance(item, Path)
        else ("the cut points given", (item,))
        for item in cut_points
    )
    measures = tuple(load_catalogue(rating_year)) if rating_year is not None else None
    return StarInputs(rating_year, table.scores, dict(table.measure_ids), tuple(cps), measures)


def cut_points_from_records(records: Sequence[dict[str, Any]], measures: Sequence[Measure]) -> list[CutPoints]:
    """Final cut points from a run's records (:data:`CUT_POINT_COLUMNS`), each threshold noted with its reason."""
    direction = {m.measure_key: m.higher_is_better for m in measures}
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in records:
        grouped.setdefault((r["measure_key"], r["contract_type"]), []).append(r)
    return [
        CutPoints(key, direction[key], {int(r["threshold"]): float(r["value"]) for r in rows}, ContractType(ctype),
                  rows[0]["measure_id"], {int(r["threshold"]): str(r["reason"]) for r in rows})
        for (key, ctype), rows in grouped.items()
    ]


def assignment_records(assignments: Sequence[StarAssignment]) -> list[dict[str, Any]]:
    """Assignments as dicts with :data:`ASSIGN_COLUMNS`."""
    out = []
    for a in assignments:
        row = asdict(a)
        row["contract_type"] = a.contract_type.value
        out.append({k: row[k] for k in ASSIGN_COLUMNS})
    return out


def run_assign(scores_path: Path, cut_points: Sequence[Path | CutPoints], year: int | None = None, *,
               year_name: str = "year", cut_points_name: str = "cut-points") -> list[StarAssignment]:
    """Contract x measure stars: each score against its measure's cut points (``partcd stars assign``)."""
    inputs = load_star_inputs(scores_path, cut_points, year, year_name=year_name, cut_points_name=cut_points_name)
    measures = list(inputs.measures) if inputs.measures is not None else None
    return assign_all(list(inputs.scores), list(inputs.cut_points), measures, inputs.measure_ids)


@dataclass(frozen=True)
class Explanation:
    """How one contract's star on one measure was reached."""

    contract_id: str
    measure_id: str | None
    measure_key: str
    score: float | None
    stars: int | None
    text: str


def run_explain(contract: str, measure: str, scores_path: Path, cut_points: Sequence[Path | CutPoints],
                year: int | None = None, *, year_name: str = "year", cut_points_name: str = "cut-points") -> Explanation:
    """The star of ``contract`` on ``measure`` (an id of the rating year or a stable key), in words."""
    inputs = load_star_inputs(scores_path, cut_points, year, year_name=year_name, cut_points_name=cut_points_name)
    by_key = {m.measure_key: m for m in inputs.measures or ()}
    key = measure
    if measure not in by_key:
        ids = {m.measure_id: m.measure_key for m in inputs.measures or ()}
        ids.update({mid: k for k, mid in inputs.measure_ids.items()})
        ids.update({cp.measure_id: cp.measure_key for cp in inputs.cut_points if cp.measure_id})
        if measure in ids:
            key = ids[measure]
        elif not any(s.measure_key == measure for s in inputs.scores):
            raise ConfigError(f"measure {measure!r} is neither a measure id nor a measure key of {scores_path}")
    found = [s for s in inputs.scores if s.contract_id == contract and s.measure_key == key]
    if not found:
        raise ConfigError(f"no score for contract {contract} on measure {measure} in {scores_path}")
    score = found[0]
    catalogue = list(inputs.measures) if inputs.measures is not None else None
    starred = assign_all([score], list(inputs.cut_points), catalogue, inputs.measure_ids)[0]
    text = explain_star(score, list(inputs.cut_points), by_key.get(key), inputs.rating_year)
    return Explanation(contract, starred.measure_id, key, score.score, starred.stars, text)


# --- files -----------------------------------------------------------------------------------


def _cell(v: object, float_text: Callable[[float], str]) -> object:
    """One CSV cell: None empty, floats as ``float_text`` writes them, text formula-safe (``platform.exports``)."""
    if v is None:
        return ""
    return safe_cell(float_text(v) if isinstance(v, float) else v)


def records_csv(records: Sequence[dict[str, Any]], columns: Sequence[str], float_text: Callable[[float], str] = repr) -> str:
    """Records as CSV text (floats written by ``float_text``, exactly by default; None as an empty cell)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in records:
        writer.writerow({k: _cell(row[k], float_text) for k in columns})
    return buf.getvalue()


def records_text(records: Sequence[dict[str, Any]], columns: Sequence[str], as_json: bool = False,
                 float_text: Callable[[float], str] = repr) -> str:
    """Records as JSON (a list of objects) or as CSV text (:func:`records_csv`)."""
    return json.dumps(list(records), indent=1) + "\n" if as_json else records_csv(records, columns, float_text)


def write_tidy_scores(path: Path, scores: Sequence[MeasureScore], measure_ids: dict[str, str] | None = None) -> Path:
    """Scores in the tidy format (``contract_id, measure_id, measure_key, score, contract_type, missing_reason``).

    ``measure_ids`` (key -> id of the file's rating year) fills ``measure_id``; without it only the stable key is written.
    """
    ids = measure_ids or {}
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["contract_id", "measure_id", "measure_key", "score", "contract_type", "missing_reason"])
    for s in scores:
        writer.writerow([safe_cell(c) for c in (
            s.contract_id, ids.get(s.measure_key, ""), s.measure_key, "" if s.score is None else repr(s.score),
            "" if s.contract_type is ContractType.ALL else s.contract_type.value, s.missing_reason or "")])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def write_tidy_cut_points(path: Path, cut_points: Sequence[CutPoints]) -> Path:
    """Cut points in the tidy format (``measure_key, threshold, value, contract_type, higher_is_better``)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["measure_key", "threshold", "value", "contract_type", "higher_is_better"])
    for cp in cut_points:
        for level, value in sorted(cp.thresholds.items()):
            writer.writerow([safe_cell(c) for c in (cp.measure_key, level, repr(value), cp.contract_type.value,
                                                    str(cp.higher_is_better).lower())])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def run_summary(run: CutPointRun) -> dict[str, Any]:
    """What a run was: year, methodology, seed, parameter file, inputs, counts by reason."""
    reasons: dict[str, int] = {}
    for row in run.rows():
        reasons[row.reason] = reasons.get(row.reason, 0) + 1
    return {
        "rating_year": run.rating_year, "methodology": run.method.name, "methodology_description": run.method.description,
        "seed": run.seed, "params_file": run.params_file, "scores_file": run.scores_file,
        "prior_cut_points_files": list(run.prior_cut_points_files), "prior_scores_file": run.prior_scores_file,
        "excluded_contracts": list(run.excluded_contracts), "measures": len(run.results), "thresholds": len(run.rows()),
        "reasons": dict(sorted(reasons.items())), "citation": CITATION,
    }
