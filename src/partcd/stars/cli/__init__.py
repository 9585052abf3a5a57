"""``partcd stars``: Star Ratings (42 CFR 422.166, 423.186) - assign stars and explain a contract's ratings.

Inputs are CMS data tables (Measure Data, Measure Stars, CAI, Part C/D Cut Points) or the tidy CSV formats of
:mod:`partcd.stars.readers`, detected automatically. The jobs are :mod:`partcd.stars.pipelines` (shared with the
API, the web pages and the demo); this module only reads options and writes what they return. Command groups living
in their own modules (``partcd.stars.cli.cutpoints``: ``cutpoints``, ``guardrail``; ``partcd.stars.cli.rate``:
``rate``, ``whatif``, ``uncertainty``; ``partcd.stars.cli.year``: ``year new``) register themselves here with
``register(app)``; heavy imports happen inside the commands.
"""

from __future__ import annotations

from pathlib import Path

import typer

from partcd.stars.area import AREA
from partcd.stars.cli import cutpoints, rate, year

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
    out: Path | None = typer.Option(None, "--out", dir_okay=False, help=cutpoints.OUT_HELP),
    excel_csv: bool = cutpoints.EXCEL_CSV,
    as_json: bool = typer.Option(False, "--json", help=cutpoints.JSON_HELP),
) -> None:
    """Contract x measure stars: each score against its measure's cut points (CMS boundary rules)."""
    from partcd.platform.cli import output
    from partcd.stars.pipelines import ASSIGN_COLUMNS, assignment_records, run_assign

    output.check_out(out, excel_csv=excel_csv)
    rows = assignment_records(run_assign(scores, cut_points, year, year_name="--year", cut_points_name="--cut-points"))
    cutpoints.emit(rows, out, as_json, ASSIGN_COLUMNS, "contract-measure rows", excel_csv=excel_csv, float_text=_float_text)


@app.command("explain")
def explain(
    contract: str = typer.Option(..., "--contract", help="Contract id, e.g. H0028."),
    measure: str | None = typer.Option(None, "--measure", help="Only this measure: id of the rating year (C01) or stable "
                                                               "key; without it every measure with a score."),
    scores: Path | None = typer.Option(None, "--scores", exists=True, dir_okay=False, help=SCORES_HELP),
    cut_points: list[Path] = typer.Option([], "--cut-points", exists=True, dir_okay=False, help=CUT_POINTS_HELP),
    measure_stars: Path | None = typer.Option(None, "--measure-stars", exists=True, dir_okay=False,
                                              help="A CMS 'Measure Stars' table (or tidy stars): explains the summary and "
                                                   "overall ratings too (reward factor, CAI, hold-harmless)."),
    cai: Path | None = typer.Option(None, "--cai", exists=True, dir_okay=False,
                                    help="The CMS 'CAI' table (with --measure-stars)."),
    cai_values: Path | None = typer.Option(None, "--cai-values", exists=True, dir_okay=False, help="CAI values per category."),
    disaster_shares: Path | None = typer.Option(None, "--disaster-shares", exists=True, dir_okay=False,
                                                help="Disaster shares (tidy contract_id, year, percent or CMS Summary Ratings)."),
    year: int | None = typer.Option(None, "--year", help="Rating year (read from CMS file titles when absent)."),
    org_types: Path | None = typer.Option(None, "--org-types", exists=True, dir_okay=False,
                                          help="Organization types (CSV contract_id, organization_type; TN Table 6/7 "
                                               "names), with --measure-stars."),
    as_json: bool = typer.Option(False, "--json", help="The explanation as JSON: thresholds, how each was set, next star."),
) -> None:
    """How a contract's ratings and stars were reached, in words: summary and overall ratings (with --measure-stars),
    each measure's cut points and how each was set, and the distance to the next star."""
    import json

    from partcd.stars.pipelines.rate import contract_explanation

    found = contract_explanation(contract, measure=measure, scores=scores, cut_points=cut_points,
                                 measure_stars=measure_stars, cai=cai, cai_values=cai_values,
                                 disaster_shares=disaster_shares, year=year, org_types=org_types)
    single = measure is not None and found.rating is None and len(found.measures) == 1
    if as_json:
        typer.echo(json.dumps(found.measures[0].to_dict() if single else found.to_dict(), indent=1))
    else:
        typer.echo(found.measures[0].text() if single else found.text())


cutpoints.register(app)
rate.register(app)
year.register(app)
