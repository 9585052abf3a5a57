"""``partcd stars``: measure-level Star Ratings (42 CFR 422.166(a), 423.186(a)) - assign and explain stars.

Inputs are CMS data tables (Measure Data, Part C/D Cut Points) or the tidy CSV formats of
:mod:`partcd.stars.readers`, detected automatically. The jobs are :mod:`partcd.stars.pipelines` (shared with the
API, the web pages and the demo); this module only reads options and writes what they return. Command groups living
in their own modules (``partcd.stars.cli.cutpoints``: ``cutpoints``, ``guardrail``) register themselves here with
``register(app)``; heavy imports happen inside the commands.
"""

from __future__ import annotations

from pathlib import Path

import typer

from partcd.stars.area import AREA
from partcd.stars.cli import cutpoints, year

app = typer.Typer(help=AREA.summary, no_args_is_help=True)

SCORES_HELP = "Scores: a CMS 'Measure Data' CSV or a tidy CSV (contract_id, measure_id, score[, measure_key])."
CUT_POINTS_HELP = ("Cut points: a CMS 'Part C/D Cut Points' CSV or a tidy CSV (measure_id, threshold, value); "
                   "repeat for Part C and Part D.")


def _float_text(v: float) -> str:
    return f"{v:.10g}"


@app.command("assign")
def assign(
    scores: Path = typer.Option(..., "--scores", exists=True, dir_okay=False, help=SCORES_HELP),
    cut_points: list[Path] = typer.Option(..., "--cut-points", exists=True, dir_okay=False, help=CUT_POINTS_HELP),
    year: int | None = typer.Option(None, "--year", help="Rating year (read from CMS file titles when absent)."),
    out: Path | None = typer.Option(None, "--out", dir_okay=False, help="Write here instead of standard output."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of CSV."),
) -> None:
    """Contract x measure stars: each score against its measure's cut points (CMS boundary rules)."""
    from partcd.stars.pipelines import ASSIGN_COLUMNS, assignment_records, records_text, run_assign

    rows = assignment_records(run_assign(scores, cut_points, year, year_name="--year", cut_points_name="--cut-points"))
    text = records_text(rows, ASSIGN_COLUMNS, as_json, _float_text)
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
    as_json: bool = typer.Option(False, "--json", help="The explanation as JSON: thresholds, how each was set, next star."),
) -> None:
    """How a contract's star on a measure was reached, in words: each cut point and how it was set, the next star."""
    if as_json:
        import json

        from partcd.stars.pipelines import load_star_inputs
        from partcd.stars.rules.explain import explain_contract_measure

        inputs = load_star_inputs(scores, cut_points, year, year_name="--year", cut_points_name="--cut-points")
        record = explain_contract_measure(contract, measure, inputs.scores, inputs.cut_points, inputs.measures or (),
                                          inputs.measure_ids, inputs.rating_year)
        typer.echo(json.dumps(record.to_dict(), indent=1))
        return
    from partcd.stars.pipelines import run_explain

    found = run_explain(contract, measure, scores, cut_points, year, year_name="--year", cut_points_name="--cut-points")
    typer.echo(found.text)


cutpoints.register(app)
year.register(app)
