"""``partcd stars``: measure-level Star Ratings (42 CFR 422.166(a), 423.186(a)) - assign and explain stars.

Inputs are CMS data tables (Measure Data, Part C/D Cut Points) or the tidy CSV formats of
:mod:`partcd.io.cms_tables`, detected automatically. Command groups living in their own modules
(``partcd.cli.stars_cutpoints``: ``cutpoints``, ``guardrail``) register themselves here with
``register(app)``.
"""

from __future__ import annotations

import csv
import importlib
import importlib.util
import io
import json
from dataclasses import asdict
from pathlib import Path

import typer

from partcd.core.errors import ConfigError, InputError
from partcd.io.cms_tables import ScoreTable, load_catalogue, rating_year_of, read_cut_points, read_scores
from partcd.stars.assign import StarAssignment, assign_all
from partcd.stars.explain import explain_star
from partcd.stars.models import CutPoints, Measure

app = typer.Typer(help="Part C and D Star Ratings: measure stars from scores and cut points (42 CFR 422.166, 423.186).",
                  no_args_is_help=True)

SCORES_HELP = "Scores: a CMS 'Measure Data' CSV or a tidy CSV (contract_id, measure_id, score[, measure_key])."
CUT_POINTS_HELP = ("Cut points: a CMS 'Part C/D Cut Points' CSV or a tidy CSV (measure_id, threshold, value); "
                   "repeat for Part C and Part D.")
COLUMNS = ("contract_id", "contract_type", "measure_id", "measure_key", "score", "stars", "missing_reason", "note")


def load_inputs(scores: Path, cut_points: list[Path], year: int | None) -> tuple[int | None, ScoreTable, list[CutPoints],
                                                                                 list[Measure] | None]:
    """Read scores and cut points, agree on the rating year and load its catalogue (shared by stars commands)."""
    if not cut_points:
        raise ConfigError("give at least one --cut-points file")
    detected = rating_year_of([scores, *cut_points])
    if year is not None and detected is not None and year != detected:
        raise ConfigError(f"--year {year} contradicts the files, which are for rating year {detected}")
    rating_year = year if year is not None else detected
    table = read_scores(scores, rating_year)
    cps: list[CutPoints] = []
    seen: dict[tuple[str, str], str] = {}
    for path in cut_points:
        for cp in read_cut_points(path, rating_year).cut_points:
            key = (cp.measure_key, cp.contract_type.value)
            if key in seen:
                raise InputError(str(path), None, cp.measure_id or cp.measure_key,
                                 f"cut points for {cp.measure_key} ({cp.contract_type.value}) also in {seen[key]}")
            seen[key] = str(path)
            cps.append(cp)
    measures = load_catalogue(rating_year) if rating_year is not None else None
    return rating_year, table, cps, measures


def _rows(assignments: list[StarAssignment]) -> list[dict[str, object]]:
    rows = []
    for a in assignments:
        row = asdict(a)
        row["contract_type"] = a.contract_type.value
        rows.append({k: row[k] for k in COLUMNS})
    return rows


def _csv(rows: list[dict[str, object]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else (f"{v:.10g}" if isinstance(v, float) else v) for k, v in row.items()})
    return buf.getvalue()


@app.command("assign")
def assign(
    scores: Path = typer.Option(..., "--scores", exists=True, dir_okay=False, help=SCORES_HELP),
    cut_points: list[Path] = typer.Option(..., "--cut-points", exists=True, dir_okay=False, help=CUT_POINTS_HELP),
    year: int | None = typer.Option(None, "--year", help="Rating year (read from CMS file titles when absent)."),
    out: Path | None = typer.Option(None, "--out", dir_okay=False, help="Write here instead of standard output."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of CSV."),
) -> None:
    """Contract x measure stars: each score against its measure's cut points (CMS boundary rules)."""
    _, table, cps, measures = load_inputs(scores, cut_points, year)
    rows = _rows(assign_all(list(table.scores), cps, measures, table.measure_ids))
    text = json.dumps(rows, indent=1) + "\n" if as_json else _csv(rows)
    if out is not None:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"{len(rows)} contract-measure rows written to {out}", err=True)
    else:
        typer.echo(text, nl=False)


@app.command("explain")
def explain(
    contract: str = typer.Option(..., "--contract", help="Contract id, e.g. H0028."),
    measure: str = typer.Option(..., "--measure", help="Measure id of the rating year (C01) or stable key."),
    scores: Path = typer.Option(..., "--scores", exists=True, dir_okay=False, help=SCORES_HELP),
    cut_points: list[Path] = typer.Option(..., "--cut-points", exists=True, dir_okay=False, help=CUT_POINTS_HELP),
    year: int | None = typer.Option(None, "--year", help="Rating year (read from CMS file titles when absent)."),
) -> None:
    """How a contract's star on a measure was reached, in words."""
    rating_year, table, cps, measures = load_inputs(scores, cut_points, year)
    by_key = {m.measure_key: m for m in measures or []}
    key = measure
    if measure not in by_key:
        ids = {m.measure_id: m.measure_key for m in measures or []}
        ids.update({mid: k for k, mid in table.measure_ids.items()})
        ids.update({cp.measure_id: cp.measure_key for cp in cps if cp.measure_id})
        if measure in ids:
            key = ids[measure]
        elif not any(s.measure_key == measure for s in table.scores):
            raise ConfigError(f"measure {measure!r} is neither a measure id nor a measure key of {scores}")
    found = [s for s in table.scores if s.contract_id == contract and s.measure_key == key]
    if not found:
        raise ConfigError(f"no score for contract {contract} on measure {measure} in {scores}")
    typer.echo(explain_star(found[0], cps, by_key.get(key), rating_year))


# Command groups living in their own modules register themselves here: ``register(app)``.
for _mod in ("stars_cutpoints",):
    if importlib.util.find_spec(f"partcd.cli.{_mod}") is not None:
        importlib.import_module(f"partcd.cli.{_mod}").register(app)
