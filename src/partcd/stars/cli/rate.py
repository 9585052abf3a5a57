"""§§ 422.166(c)-(i), 423.186(c)-(i) - ``partcd stars rate``, ``whatif`` and ``uncertainty`` (4185-P L2245-L2315).

``rate`` gives every contract's Part C summary, Part D summary and overall rating (half stars, or none with the
reason), the highest rating (the quality-bonus rating), the reward factor and CAI applied and why - from a CMS
"Measure Stars" table (or tidy stars), or from scores and cut points starred first; ``--report DIR`` writes an HTML
page per contract. ``whatif`` lists every rating (and measure star, and cut point) that moves under changed measure
stars, scores, disaster shares or methodology, with why. ``uncertainty`` rates the year many times - cut points of
many resampling seeds, optional score noise from standard errors - and gives per contract the probability of each
rating and measure star. The jobs are :mod:`partcd.stars.pipelines.rate`; heavy imports happen inside the commands.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from partcd.platform.cli import output
from partcd.stars.cli.cutpoints import EXCEL_CSV, JSON_HELP, OUT_HELP, emit

_err = Console(stderr=True, highlight=False)

MEASURE_STARS_HELP = ("Measure stars: a CMS 'Measure Stars' CSV or a tidy CSV (contract_id, measure_id, stars, "
                      "organization_type).")
CAI_HELP = ("The CMS 'CAI' table (final adjustment categories) or a tidy CSV (contract_id, part_c_fac, part_d_mapd_fac, "
            "part_d_pdp_fac, overall_fac).")
CAI_VALUES_HELP = "CAI values per category (tidy CSV rating, category, value) when the year's parameters lack them."
SHARES_HELP = ("Disaster shares: a tidy CSV contract_id, year, percent (percent of enrollees in FEMA Individual "
               "Assistance areas) or a CMS Summary Ratings table (its 'Disaster %' columns).")
SCORES_HELP = "Scores: a CMS 'Measure Data' CSV or a tidy CSV (contract_id, measure_id, score[, organization_type])."
CUT_POINTS_HELP = "The rating year's cut points: CMS 'Part C/D Cut Points' or a tidy CSV; repeat for Part C and Part D."
PRIOR_CP_HELP = "The prior year's published cut points (guardrail), when cut points are computed; repeat for C and D."
PRIOR_SCORES_HELP = "The prior year's scores (restricted-range cap of measures not on a 0-100 scale)."
ORG_TYPES_HELP = ("Organization types: CSV contract_id, organization_type with the Technical Notes' Table 6/7 names "
                  "('1876 Cost', 'CCP w/o SNP', 'CCP with SNP', 'CCP with Only I-SNP', 'MSA', 'PDP', 'PFFS'); their "
                  "minimum rated-measure counts replace the counts read from the data.")
YEAR_HELP = "Rating year (read from CMS file titles when absent)."


def _notes(notes: Sequence[str], unverified: Sequence[str] = ()) -> None:
    for n in notes:
        _err.print(f"note: {n}")
    for u in unverified:
        _err.print(f"[bold]unverified:[/bold] {u}")


def _only(records: list[dict[str, Any]], contracts: Sequence[str]) -> list[dict[str, Any]]:
    if not contracts:
        return records
    wanted = set(contracts)
    found = [r for r in records if r["contract_id"] in wanted]
    missing = sorted(wanted - {r["contract_id"] for r in found})
    if missing:
        from partcd.core.errors import ConfigError

        raise ConfigError(f"--contract: {', '.join(missing)} not in the input")
    return found


def rate(
    measure_stars: Path | None = typer.Option(None, "--measure-stars", exists=True, dir_okay=False, help=MEASURE_STARS_HELP),
    cai: Path | None = typer.Option(None, "--cai", exists=True, dir_okay=False, help=CAI_HELP),
    cai_values: Path | None = typer.Option(None, "--cai-values", exists=True, dir_okay=False, help=CAI_VALUES_HELP),
    disaster_shares: Path | None = typer.Option(None, "--disaster-shares", exists=True, dir_okay=False, help=SHARES_HELP),
    scores: Path | None = typer.Option(None, "--scores", exists=True, dir_okay=False,
                                       help=SCORES_HELP + " Measure stars are computed from them first."),
    cut_points: list[Path] = typer.Option([], "--cut-points", exists=True, dir_okay=False, help=CUT_POINTS_HELP),
    year: int | None = typer.Option(None, "--year", help=YEAR_HELP),
    org_types: Path | None = typer.Option(None, "--org-types", exists=True, dir_okay=False, help=ORG_TYPES_HELP),
    contract: list[str] = typer.Option([], "--contract", help="Only this contract (repeat as needed)."),
    out: Path | None = typer.Option(None, "--out", dir_okay=False, help=OUT_HELP),
    excel_csv: bool = EXCEL_CSV,
    as_json: bool = typer.Option(False, "--json", help="JSON (nested per rating) instead of CSV."),
    report: Path | None = typer.Option(None, "--report", file_okay=False,
                                       help="Also write an HTML page per contract (and ratings.csv/.json) into this folder."),
) -> None:
    """Part C summary, Part D summary and overall ratings per contract, the highest rating, reward factor, CAI, why."""
    from partcd.stars.pipelines.rate import RATE_COLUMNS, flat_rate_records, rate_files, rate_records

    output.check_out(out, excel_csv=excel_csv)
    result = rate_files(measure_stars, cai, year, disaster_shares=disaster_shares, cai_values=cai_values, scores=scores,
                        cut_points=cut_points, org_types=org_types)
    records = _only(rate_records(result), contract)
    emit(records, out, as_json, RATE_COLUMNS, "contract rows", flat=flat_rate_records(records), excel_csv=excel_csv)
    _notes(result.notes, result.unverified)
    if report is not None:
        from partcd.stars.report import save_rating_report

        typer.echo(f"report written to {save_rating_report(result, report, contract)}", err=True)


def whatif(
    measure_stars: Path | None = typer.Option(None, "--measure-stars", exists=True, dir_okay=False, help=MEASURE_STARS_HELP),
    star_changes: Path | None = typer.Option(None, "--star-changes", exists=True, dir_okay=False,
                                             help="Changed measure stars: tidy CSV contract_id, measure_id, stars "
                                                  "(empty = none)."),
    scores: Path | None = typer.Option(None, "--scores", exists=True, dir_okay=False,
                                       help=SCORES_HELP + " The scores route: stars are computed from them."),
    score_changes: Path | None = typer.Option(None, "--score-changes", exists=True, dir_okay=False,
                                              help="Changed scores: tidy CSV contract_id, measure_id, score (scores route)."),
    cut_points: list[Path] = typer.Option([], "--cut-points", exists=True, dir_okay=False,
                                          help=CUT_POINTS_HELP + " Kept fixed (scores route); without them they are computed."),
    prior_cut_points: list[Path] = typer.Option([], "--prior-cut-points", exists=True, dir_okay=False, help=PRIOR_CP_HELP),
    prior_scores: Path | None = typer.Option(None, "--prior-scores", exists=True, dir_okay=False, help=PRIOR_SCORES_HELP),
    methodology: str | None = typer.Option(None, "--methodology", help="Baseline methodology (default: the year's own)."),
    new_methodology: str | None = typer.Option(None, "--new-methodology",
                                               help="What-if methodology for the cut points (e.g. cms-2023; scores route)."),
    cai: Path | None = typer.Option(None, "--cai", exists=True, dir_okay=False, help=CAI_HELP),
    cai_values: Path | None = typer.Option(None, "--cai-values", exists=True, dir_okay=False, help=CAI_VALUES_HELP),
    disaster_shares: Path | None = typer.Option(None, "--disaster-shares", exists=True, dir_okay=False,
                                                help="Baseline disaster shares. " + SHARES_HELP),
    new_disaster_shares: Path | None = typer.Option(None, "--new-disaster-shares", exists=True, dir_okay=False,
                                                    help="What-if disaster shares (e.g. a hurricane hitting 40 percent)."),
    prior_measure_stars: Path | None = typer.Option(None, "--prior-measure-stars", exists=True, dir_okay=False,
                                                    help="The prior year's Measure Stars: contracts whose shares change get "
                                                         "the higher-of rules of 42 CFR 422.166(i), 423.186(i)."),
    year: int | None = typer.Option(None, "--year", help=YEAR_HELP),
    out: Path | None = typer.Option(None, "--out", dir_okay=False, help=OUT_HELP),
    excel_csv: bool = EXCEL_CSV,
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Every rating, measure star and cut point that moves under changed stars, scores, disaster shares or methodology."""
    from partcd.core.errors import ConfigError
    from partcd.stars.pipelines.rate import WHATIF_COLUMNS, whatif_files, whatif_scores

    output.check_out(out, excel_csv=excel_csv)
    if scores is not None:
        if not (score_changes or new_disaster_shares or new_methodology):
            raise ConfigError("nothing to change: give --score-changes, --new-disaster-shares or --new-methodology")
        result = whatif_scores(scores, year, measure_stars=measure_stars, cai=cai, cai_values=cai_values,
                               cut_points=cut_points, prior_cut_points=prior_cut_points, prior_scores=prior_scores,
                               score_changes=score_changes, disaster_shares=disaster_shares,
                               new_disaster_shares=new_disaster_shares, methodology=methodology,
                               new_methodology=new_methodology)
    elif measure_stars is not None:
        if not (star_changes or new_disaster_shares):
            raise ConfigError("nothing to change: give --star-changes or --new-disaster-shares (or use --scores for "
                              "score and methodology changes)")
        result = whatif_files(measure_stars, cai, year, star_changes=star_changes, disaster_shares=disaster_shares,
                              new_disaster_shares=new_disaster_shares, cai_values=cai_values,
                              prior_measure_stars=prior_measure_stars)
    else:
        raise ConfigError("give --measure-stars (star changes) or --scores (score or methodology changes)")
    records = result.records()
    emit(records, out, as_json, WHATIF_COLUMNS, "moves", excel_csv=excel_csv)
    _err.print(f"{len(result.ratings)} ratings, {len(result.stars)} measure stars and {len(result.cut_points)} cut points move")
    _notes(result.notes)


def uncertainty(
    scores: Path = typer.Option(..., "--scores", exists=True, dir_okay=False, help=SCORES_HELP),
    measure_stars: Path = typer.Option(..., "--measure-stars", exists=True, dir_okay=False,
                                       help=MEASURE_STARS_HELP + " Gives the stars not simulated (CAHPS, improvement) "
                                            "and the contract kinds."),
    cai: Path | None = typer.Option(None, "--cai", exists=True, dir_okay=False, help=CAI_HELP),
    cai_values: Path | None = typer.Option(None, "--cai-values", exists=True, dir_okay=False, help=CAI_VALUES_HELP),
    disaster_shares: Path | None = typer.Option(None, "--disaster-shares", exists=True, dir_okay=False, help=SHARES_HELP),
    cut_points: list[Path] = typer.Option([], "--cut-points", exists=True, dir_okay=False,
                                          help=CUT_POINTS_HELP + " Fixed cut points instead of resampling seeds."),
    prior_cut_points: list[Path] = typer.Option([], "--prior-cut-points", exists=True, dir_okay=False, help=PRIOR_CP_HELP),
    prior_scores: Path | None = typer.Option(None, "--prior-scores", exists=True, dir_okay=False, help=PRIOR_SCORES_HELP),
    standard_errors: Path | None = typer.Option(None, "--standard-errors", exists=True, dir_okay=False,
                                                help="Score noise: tidy CSV contract_id, measure_id, standard_error "
                                                     "(score units); without it only the cut points vary."),
    seeds: int = typer.Option(10, "--seeds", help="Resampling seeds: cut points computed this many times (1-200)."),
    repetitions: int = typer.Option(1000, "--repetitions", help="Ratings of the year (1-100000), spread over the seeds."),
    seed: int | None = typer.Option(None, "--seed", help="First resampling seed and the noise generator's seed."),
    methodology: str | None = typer.Option(None, "--methodology", help="Methodology of the cut points (default: the year's)."),
    year: int | None = typer.Option(None, "--year", help=YEAR_HELP),
    org_types: Path | None = typer.Option(None, "--org-types", exists=True, dir_okay=False, help=ORG_TYPES_HELP),
    contract: list[str] = typer.Option([], "--contract", help="Only this contract (repeat as needed)."),
    out: Path | None = typer.Option(None, "--out", dir_okay=False, help=OUT_HELP),
    excel_csv: bool = EXCEL_CSV,
    as_json: bool = typer.Option(False, "--json", help="JSON with every rating's and measure star's distribution."),
) -> None:
    """How sure are the ratings: per contract the probability of each highest/overall/summary rating and measure star."""
    from partcd.stars.pipelines import DEFAULT_SEED
    from partcd.stars.pipelines.rate import UNCERTAINTY_COLUMNS, flat_uncertainty_records, uncertainty_files

    output.check_out(out, excel_csv=excel_csv)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=_err,
                  transient=True, disable=as_json or not _err.is_terminal) as progress:
        cut_task = progress.add_task("cut points (seeds)", total=1 if cut_points else seeds)
        rep_task = progress.add_task("repetitions", total=repetitions)
        result = uncertainty_files(
            scores, measure_stars, year, cai=cai, cai_values=cai_values, disaster_shares=disaster_shares,
            cut_points=cut_points, prior_cut_points=prior_cut_points, prior_scores=prior_scores,
            standard_errors=standard_errors, seeds=seeds, repetitions=repetitions,
            seed=DEFAULT_SEED if seed is None else seed, methodology=methodology,
            on_cut_points=lambda done, total: progress.update(cut_task, completed=done, total=total),
            on_repetitions=lambda done, total: progress.update(rep_task, completed=done, total=total),
        )
    records = _only(result.records(), contract)
    emit(records, out, as_json, UNCERTAINTY_COLUMNS, "contract rows", flat=flat_uncertainty_records(records),
         excel_csv=excel_csv)
    _notes(result.notes)


def register(app: typer.Typer) -> None:
    """Add ``rate``, ``whatif`` and ``uncertainty`` to the ``partcd stars`` sub-app."""
    app.command("rate")(rate)
    app.command("whatif")(whatif)
    app.command("uncertainty")(uncertainty)
