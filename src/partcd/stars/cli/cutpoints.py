"""§ 422.166(a)(2)(i), § 423.186(a)(2)(i) - ``partcd stars cutpoints`` and ``partcd stars guardrail`` (4185-P L2241, L3212).

``cutpoints`` runs the rating year's methodology (``method:`` of ``stars/params/<year>.yaml``, or ``--methodology``)
on a year's scores; ``guardrail`` runs the guardrail stage alone on given unguarded thresholds. Inputs are CMS data
tables or tidy CSVs (detected by :mod:`partcd.stars.readers`); the prior year's published cut points are always an
explicit input. Output: one row per measure x contract type x threshold (2..5 = lower bound of that many stars, upper
bound when lower is better) with ``value`` (the final threshold, unrounded), ``unguarded``, ``prior``, ``cap`` and
``reason`` - a tidy cut-point CSV that ``partcd stars assign --cut-points`` reads back (with ``display``, the value on
the measure's display grid). ``cutpoints --disaster-shares`` applies the year's 60 percent rule and adds the
carried-over sensitivity columns, ``--published`` the comparison with the year's published cut points,
``--actual-scores`` a plan's own scores. ``cutpoints --report DIR`` also writes the run's files and HTML report. The
jobs themselves are :mod:`partcd.stars.pipelines` (shared with the API, the web pages and the demo); this module only
reads options and writes what they return.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from partcd.platform.cli import output

if TYPE_CHECKING:
    from partcd.stars.pipelines import CutPointRun
    from partcd.stars.rules.models import ContractType, Measure


SCORES_HELP = "Scores: a CMS 'Measure Data' CSV or a tidy CSV (contract_id, measure_id, score[, measure_key, contract_type])."
PRIOR_CP_HELP = ("The prior year's published cut points: a CMS 'Part C/D Cut Points' CSV or a tidy CSV (measure_id, threshold, "
                 "value[, contract_type]); repeat for Part C and Part D.")
PRIOR_SCORES_HELP = "The prior year's scores (for the restricted-range cap of measures not on a 0-100 scale)."
METHOD_HELP = "Methodology instead of the rating year's own (a named profile such as cms-2024+; a wrong name lists them)."
REPORT_HELP = ("Also write the run into this folder: its HTML report (report.html), cut_points.csv/.json, stars.csv "
               "and run.json.")

SHARES_HELP = ("Disaster shares: tidy CSV contract_id, year, percent or a CMS Summary Ratings table. Applies the year's 60 "
               "percent rule (42 CFR 422.166(i)(9), 423.186(i)(7)) and names the public scores that may be carried over.")
ACTUAL_HELP = ("A plan's own actual scores (tidy CSV contract_id, measure_id, score) put in place of the public ones, e.g. "
               "a disaster-affected contract whose public score is last year's.")
PUBLISHED_HELP = "The rating year's own published cut points, to compare with (columns published, vs_published); repeat."

_err = Console(stderr=True, highlight=False)


OUT_HELP = output.out_help("the rows instead of printing them (exact values)")
JSON_HELP = "Print JSON instead of CSV (with --out the file's extension picks the format)."
EXCEL_CSV = typer.Option(False, "--excel-csv", help=output.EXCEL_CSV_HELP)


def emit(records: list[dict[str, Any]], out: Path | None, as_json: bool, columns: Sequence[str], what: str, *,
         flat: list[dict[str, Any]] | None = None, excel_csv: bool = False,
         float_text: Callable[[float], str] | None = None) -> None:
    """Print the rows (CSV, or JSON with ``as_json``) or write them to ``out`` in the format of its extension: ``.json``
    keeps ``records`` as they are (nested where they nest), the tables (``.csv``, ``.xlsx``, ``.parquet``) take the
    ``flat`` rows (default ``records``) in ``columns``, numbers exact."""
    from partcd.stars.pipelines import number_text, records_text

    text_of = float_text or number_text
    if out is None:
        typer.echo(records_text(records if as_json else flat if flat is not None else records, columns, as_json, text_of),
                   nl=False)
        return
    if out.suffix.lower() == ".json":
        output.write_table(records, out)
    else:
        output.write_table(flat if flat is not None else records, out, columns=columns, excel_csv=excel_csv,
                           float_text=text_of, sheet=what)
    typer.echo(f"{len(records)} {what} written to {out}", err=True)


def _write(records: list[dict[str, Any]], out: Path | None, as_json: bool, columns: Sequence[str] | None = None,
           excel_csv: bool = False) -> None:
    from partcd.stars.pipelines import CUT_POINT_COLUMNS

    emit(records, out, as_json, columns or CUT_POINT_COLUMNS, "threshold rows", excel_csv=excel_csv)


def cutpoints(
    scores: Path = typer.Option(..., "--scores", exists=True, dir_okay=False, help=SCORES_HELP),
    prior_cut_points: list[Path] = typer.Option([], "--prior-cut-points", exists=True, dir_okay=False, help=PRIOR_CP_HELP),
    prior_scores: Path | None = typer.Option(None, "--prior-scores", exists=True, dir_okay=False, help=PRIOR_SCORES_HELP),
    year: int = typer.Option(..., "--year", help="Rating year of the scores (selects stars/params/<year>.yaml)."),
    seed: int | None = typer.Option(None, "--seed", help="Seed of the random resampling groups (default: the "
                                   "pipeline's fixed seed, written in the report)."),
    method: str | None = typer.Option(None, "--methodology", help=METHOD_HELP),
    exclude: list[str] = typer.Option([], "--exclude", help="Contract id left out of the clustering (e.g. the 60 percent "
                                      "disaster rule, 42 CFR 422.166(i)(9)); repeat as needed."),
    disaster_shares: Path | None = typer.Option(None, "--disaster-shares", exists=True, dir_okay=False,
                                                help=SHARES_HELP),
    actual_scores: Path | None = typer.Option(None, "--actual-scores", exists=True, dir_okay=False,
                                              help=ACTUAL_HELP),
    published: list[Path] = typer.Option([], "--published", exists=True, dir_okay=False, help=PUBLISHED_HELP),
    out: Path | None = typer.Option(None, "--out", dir_okay=False, help=OUT_HELP),
    excel_csv: bool = EXCEL_CSV,
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
    report: Path | None = typer.Option(None, "--report", file_okay=False, help=REPORT_HELP),
) -> None:
    """Non-CAHPS cut points per measure, contract type and threshold: clustered value, cap, final value and why."""
    from partcd.stars.pipelines import DEFAULT_SEED, run_cut_points
    from partcd.stars.report import save_run

    output.check_out(out, excel_csv=excel_csv)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=_err,
                  transient=True, disable=as_json or not _err.is_terminal) as progress:
        task = progress.add_task("cut points", total=None)

        def start(total: int) -> None:
            progress.update(task, total=total)

        def advance(measure: Measure, ctype: ContractType) -> None:
            progress.update(task, advance=1, description=f"{measure.measure_id} {ctype.value}")

        run = run_cut_points(scores, year, prior_cut_points, prior_scores, DEFAULT_SEED if seed is None else seed, method,
                             excluded_contracts=exclude, published_paths=published, disaster_shares_path=disaster_shares,
                             actual_scores_path=actual_scores, on_start=start, on_measure=advance)
    _write(run.records(), out, as_json, run.columns(), excel_csv)
    _run_notes(run)
    if report is not None:
        typer.echo(f"report written to {save_run(run, report)}", err=True)


def _run_notes(run: CutPointRun) -> None:
    """What the analyst must know about a run, on standard error: unverified inputs, the 60 percent rule, scores that
    may be carried over and how far the thresholds could move, the comparison with published cut points."""
    from partcd.stars.pipelines import run_summary

    summary = run_summary(run)
    for u in summary["unverified_inputs"]:
        _err.print(f"[bold]unverified:[/bold] {u}")
    if run.disaster_shares_file is not None:
        _err.print(f"60 percent rule: {len(run.disaster_excluded)} contract(s) left out of the clustering"
                   + (f" ({', '.join(run.disaster_excluded)})" if run.disaster_excluded else ""))
        flagged = sum(len(c.measures) for c in run.carried_over)
        if run.carried_over:
            _err.print(f"possibly carried over: {flagged} public scores of {len(run.carried_over)} disaster-affected "
                       f"contract(s) may be last year's (higher-of rule); without them the thresholds move by up to "
                       f"{summary['carried_over_max_abs_shift']} (columns without_carried_over, carried_over_shift, "
                       "seed_noise; --actual-scores puts a plan's own scores in their place)")
        else:
            _err.print("possibly carried over: none (no contract at 25 percent or more outside the 60 percent rule)")
    if run.actual_scores_file is not None:
        _err.print(f"actual scores: {len(run.replaced_scores)} public score(s) replaced by the plan's own")
    if run.published:
        _err.print(f"published: {summary['published_equal']} of {summary['published_compared']} thresholds equal; "
                   f"largest difference {summary['published_max_abs_difference']}")


def guardrail(
    unguarded: Path = typer.Option(..., "--unguarded", exists=True, dir_okay=False,
                                   help="Unguarded thresholds: tidy CSV (measure_id, measure_name, part, threshold, value)."),
    prior_cut_points: list[Path] = typer.Option(..., "--prior-cut-points", exists=True, dir_okay=False, help=PRIOR_CP_HELP),
    prior_scores: Path | None = typer.Option(None, "--prior-scores", exists=True, dir_okay=False, help=PRIOR_SCORES_HELP),
    year: int = typer.Option(..., "--year", help="Rating year of the unguarded thresholds."),
    method: str | None = typer.Option(None, "--methodology", help=METHOD_HELP),
    out: Path | None = typer.Option(None, "--out", dir_okay=False, help=OUT_HELP),
    excel_csv: bool = EXCEL_CSV,
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """The guardrail stage alone: cap given unguarded thresholds against the prior year's published cut points."""
    from partcd.stars.pipelines import cut_point_records, run_guardrail

    output.check_out(out, excel_csv=excel_csv)
    rows = run_guardrail(unguarded, year, prior_cut_points, prior_scores, method)
    _write(cut_point_records(rows), out, as_json, excel_csv=excel_csv)


def register(app: typer.Typer) -> None:
    """Add ``cutpoints`` and ``guardrail`` to the ``partcd stars`` sub-app."""
    app.command("cutpoints")(cutpoints)
    app.command("guardrail")(guardrail)
