"""§ 422.166(a)(2)(i), § 423.186(a)(2)(i) - ``partcd stars cutpoints`` and ``partcd stars guardrail`` (4185-P L2241, L3212).

``cutpoints`` runs the rating year's methodology (``method:`` of ``stars/params/<year>.yaml``, or ``--methodology``)
on a year's scores; ``guardrail`` runs the guardrail stage alone on given unguarded thresholds. Inputs are CMS data
tables or tidy CSVs (detected by :mod:`partcd.io.cms_tables`); the prior year's published cut points are always an
explicit input. Output: one row per measure x contract type x threshold (2..5 = lower bound of that many stars, upper
bound when lower is better) with ``value`` (the final threshold, unrounded), ``unguarded``, ``prior``, ``cap`` and
``reason`` - a tidy cut-point CSV that ``partcd stars assign --cut-points`` reads back.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from partcd.core.errors import InputError
from partcd.io.cms_tables import catalogue_years, load_catalogue, read_cut_points, read_scores
from partcd.io.params import load_params
from partcd.stars.cutpoints import CutPointRow, compute_cut_points, contract_types_for, guard_measure, scores_for, to_rows
from partcd.stars.methodology import METHODOLOGIES, StarsParams, methodology
from partcd.stars.models import ContractType, CutPoints, Measure, MeasureScore, Part

#: The seed CMS passes to SAS PROC SURVEYSELECT; numpy's generator gives different groups (stars.md §9, §14).
DEFAULT_SEED = 8675309

COLUMNS = ("measure_id", "measure_key", "measure_name", "part", "contract_type", "threshold", "value", "unguarded",
           "prior", "cap", "reason")

SCORES_HELP = "Scores: a CMS 'Measure Data' CSV or a tidy CSV (contract_id, measure_id, score[, measure_key, contract_type])."
PRIOR_CP_HELP = ("The prior year's published cut points: a CMS 'Part C/D Cut Points' CSV or a tidy CSV (measure_id, threshold, "
                 "value[, contract_type]); repeat for Part C and Part D.")
PRIOR_SCORES_HELP = "The prior year's scores (for the restricted-range cap of measures not on a 0-100 scale)."
METHOD_HELP = f"Methodology instead of the rating year's own: {', '.join(METHODOLOGIES)}."

_err = Console(stderr=True, highlight=False)


def _prior_year_for_readers(year: int) -> int | None:
    """The year whose catalogue resolves measure ids in tidy prior files (None when there is no catalogue)."""
    return year - 1 if (year - 1) in catalogue_years() else None


def _prior_cut_points(paths: list[Path], year: int) -> list[CutPoints]:
    out: list[CutPoints] = []
    seen: dict[tuple[str, ContractType], str] = {}
    for path in paths:
        table = read_cut_points(path, _prior_year_for_readers(year))
        if table.rating_year is not None and table.rating_year != year - 1:
            raise InputError(str(path), 1, None, f"prior cut points are for {table.rating_year}, expected {year - 1}")
        for cp in table.cut_points:
            key = (cp.measure_key, cp.contract_type)
            if key in seen:
                raise InputError(str(path), None, cp.measure_id or cp.measure_key,
                                 f"cut points for {cp.measure_key} ({cp.contract_type.value}) also in {seen[key]}")
            seen[key] = str(path)
            out.append(cp)
    return out


def _prior_scores(path: Path | None, year: int) -> list[MeasureScore]:
    if path is None:
        return []
    table = read_scores(path, _prior_year_for_readers(year))
    if table.rating_year is not None and table.rating_year != year - 1:
        raise InputError(str(path), 1, None, f"prior scores are for {table.rating_year}, expected {year - 1}")
    return list(table.scores)


def _rows_out(rows: list[CutPointRow]) -> list[dict[str, object]]:
    out = []
    for r in rows:
        d = asdict(r)
        out.append({"value": d.pop("final"), **d})
    return [{k: row[k] for k in COLUMNS} for row in out]


def _cell(v: object) -> object:
    if v is None:
        return ""
    return repr(v) if isinstance(v, float) else v


def _write(rows: list[dict[str, object]], out: Path | None, as_json: bool) -> None:
    if as_json:
        text = json.dumps(rows, indent=1) + "\n"
    else:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(COLUMNS), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
        text = buf.getvalue()
    if out is not None:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"{len(rows)} threshold rows written to {out}", err=True)
    else:
        typer.echo(text, nl=False)


def _params(year: int, method: str | None) -> StarsParams:
    params = load_params("stars", year).typed(StarsParams)
    if method is not None:
        methodology(method)
    return params


def cutpoints(
    scores: Path = typer.Option(..., "--scores", exists=True, dir_okay=False, help=SCORES_HELP),
    prior_cut_points: list[Path] = typer.Option([], "--prior-cut-points", exists=True, dir_okay=False, help=PRIOR_CP_HELP),
    prior_scores: Path | None = typer.Option(None, "--prior-scores", exists=True, dir_okay=False, help=PRIOR_SCORES_HELP),
    year: int = typer.Option(..., "--year", help="Rating year of the scores (selects stars/params/<year>.yaml)."),
    seed: int = typer.Option(DEFAULT_SEED, "--seed", help="Seed of the random resampling groups."),
    method: str | None = typer.Option(None, "--methodology", help=METHOD_HELP),
    exclude: list[str] = typer.Option([], "--exclude", help="Contract id left out of the clustering (e.g. the 60 percent "
                                      "disaster rule, 42 CFR 422.166(i)(9)); repeat as needed."),
    out: Path | None = typer.Option(None, "--out", dir_okay=False, help="Write here instead of standard output."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of CSV."),
) -> None:
    """Non-CAHPS cut points per measure, contract type and threshold: clustered value, cap, final value and why."""
    params = _params(year, method)
    measures = load_catalogue(year)
    current = list(read_scores(scores, year).scores)
    priors = _prior_cut_points(prior_cut_points, year)
    before = _prior_scores(prior_scores, year)
    excluded = frozenset(exclude)
    todo = [(m, t) for m in measures if not m.cahps for t in contract_types_for(m)
            if scores_for(m, t, current, excluded).size]
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=_err,
                  transient=True) as progress:
        task = progress.add_task("cut points", total=len(todo))

        def advance(measure: Measure, ctype: ContractType) -> None:
            progress.update(task, advance=1, description=f"{measure.measure_id} {ctype.value}")

        results = compute_cut_points(measures, current, priors, before, year, params, np.random.default_rng(seed),
                                     methodology_name=method, excluded_contracts=excluded, on_measure=advance)
    _write(_rows_out(to_rows(results)), out, as_json)


def guardrail(
    unguarded: Path = typer.Option(..., "--unguarded", exists=True, dir_okay=False,
                                   help="Unguarded thresholds: tidy CSV (measure_id, measure_name, part, threshold, value)."),
    prior_cut_points: list[Path] = typer.Option(..., "--prior-cut-points", exists=True, dir_okay=False, help=PRIOR_CP_HELP),
    prior_scores: Path | None = typer.Option(None, "--prior-scores", exists=True, dir_okay=False, help=PRIOR_SCORES_HELP),
    year: int = typer.Option(..., "--year", help="Rating year of the unguarded thresholds."),
    method: str | None = typer.Option(None, "--methodology", help=METHOD_HELP),
    out: Path | None = typer.Option(None, "--out", dir_okay=False, help="Write here instead of standard output."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of CSV."),
) -> None:
    """The guardrail stage alone: cap given unguarded thresholds against the prior year's published cut points."""
    params = _params(year, method)
    measures = {m.measure_key: m for m in load_catalogue(year)}
    table = read_cut_points(unguarded, year)
    priors = {(c.measure_key, c.contract_type): c.thresholds for c in _prior_cut_points(prior_cut_points, year)}
    before = _prior_scores(prior_scores, year)
    rows: list[CutPointRow] = []
    for cp in table.cut_points:
        measure = measures.get(cp.measure_key)
        if measure is None:
            raise InputError(str(unguarded), None, "measure_key", f"{cp.measure_key!r} is not a measure of {year}")
        if measure.part is Part.D and cp.contract_type is ContractType.ALL:
            raise InputError(str(unguarded), None, "contract_type",
                             f"{measure.measure_id}: Part D cut points need contract_type MA-PD or PDP")
        prior_values = scores_for(measure, cp.contract_type, before)
        guarded = guard_measure(measure, dict(cp.thresholds), priors.get((cp.measure_key, cp.contract_type)), year,
                                params, prior_values.tolist() if prior_values.size else None, method)
        rows.extend(
            CutPointRow(measure.measure_id, measure.measure_key, measure.name, measure.part.value, cp.contract_type.value,
                        t.threshold, t.unguarded, t.prior, t.cap, t.final, t.reason.value)
            for t in guarded
        )
    _write(_rows_out(rows), out, as_json)


def register(app: typer.Typer) -> None:
    """Add ``cutpoints`` and ``guardrail`` to the ``partcd stars`` sub-app."""
    app.command("cutpoints")(cutpoints)
    app.command("guardrail")(guardrail)
