"""``partcd mpf``: MPF Price Accuracy (Star Ratings D07) from PDE and MPF files (42 CFR 423.184).

``partcd mpf score --pde FILE --prices FILE --pharmacies FILE --year Y`` prints each contract's indexes, component
scores and measure score (``--json`` for data, ``--out`` for a CSV, JSON, Parquet or Excel file, ``--report DIR`` for the HTML
page). Heavy imports (Ibis, DuckDB, pyarrow) stay inside the commands, so ``partcd mpf --help`` imports none of them.
Exit 0 when the scores were computed (a low score is a result, not an error); 2 for bad input.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console, RenderableType
from rich.markup import escape

from partcd.mpf.area import AREA
from partcd.platform.cli import err_console, options, output, state
from partcd.platform.cli.tables import Col, fitted_table, progress

if TYPE_CHECKING:
    from partcd.mpf.pipelines import MpfRun

app = typer.Typer(help=AREA.summary, no_args_is_help=True)
console = Console(highlight=False)


@app.callback()
def _mpf() -> None:
    """MPF Price Accuracy: PDE prices against the MPF prices posted on their dates of service."""


@app.command("score")
def score(
    ctx: typer.Context,
    pde: Path = typer.Option(..., "--pde", help="PDE file (CSV or Parquet): pde_id, contract_id, plan_id, "
                                               "date_of_service, pharmacy_npi, ndc, days_supply, quantity_dispensed, "
                                               "ingredient_cost_paid, dispensing_fee_paid (+ optional columns)."),
    prices: Path = typer.Option(..., "--prices", help="MPF Price file: contract_id, plan_id, price_id, ndc, "
                                                     "supply_months, unit_cost, period_start, period_end."),
    pharmacies: Path = typer.Option(..., "--pharmacies", help="MPF Pharmacy Cost file: contract_id, plan_id, "
                                                             "pharmacy_npi, price_id, pharmacy_type, supply_months, "
                                                             "dispensing_fee_brand, dispensing_fee_generic, "
                                                             "period_start, period_end."),
    year: int = typer.Option(..., "--year", help="Star Ratings year whose specification applies (e.g. 2026)."),
    measurement_year: int | None = typer.Option(None, "--measurement-year",
                                                help="Dates of service of this year (default: the rating year's)."),
    bid_supply: Path | None = typer.Option(None, "--bid-supply", help="Optional: contract_id, plan_id, supply_months, "
                                                                     "bid_days_supply (widens a window where allowed)."),
    variant: str | None = typer.Option(None, "--variant", help="A named reading instead of the law, e.g. proposal-4185-p."),
    engine: str | None = typer.Option(None, "--engine", help="duckdb (default) or spark."),
    quarantine: Path | None = typer.Option(None, "--quarantine", help="Keep the good PDE rows; write the bad ones here."),
    claims_out: Path | None = typer.Option(None, "--claims-out", help="Also write every PDE's outcome (.csv/.parquet)."),
    out: Path | None = typer.Option(None, "--out", help=output.out_help("the contract records")),
    excel_csv: bool = typer.Option(False, "--excel-csv", help=output.EXCEL_CSV_HELP),
    report_dir: Path | None = typer.Option(None, "--report", help="Write the HTML report into this folder."),
    as_json: bool = typer.Option(False, "--json", help="Print the run as JSON."),
) -> None:
    """Each contract's MPF Price Accuracy: Price Accuracy and Claim Percentage indexes and scores, measure score."""
    import pyarrow as pa

    from partcd.mpf.pipelines import score as run_score
    from partcd.platform import frames

    output.check_out(out, excel_csv=excel_csv)
    name = frames.engine_name(engine or state(ctx).engine)
    for flag, path in (("--pde", pde), ("--prices", prices), ("--pharmacies", pharmacies), ("--bid-supply", bid_supply)):
        options.existing_file(flag, path)
    with progress(f"MPF price accuracy ({name})", console=err_console, quiet=as_json):
        run = run_score(pde, prices, pharmacies, year, bid_supply=bid_supply, measurement_year=measurement_year,
                        variant=variant, engine=name, quarantine=quarantine, claims_out=claims_out,
                        top_claims=25 if report_dir is not None else 0)
    if out is not None:
        records = [{**r, "excluded": json.dumps(r["excluded"])} for r in run.records()]
        output.write_table(pa.Table.from_pylist(records), out, excel_csv=excel_csv, sheet="MPF price accuracy")
    if report_dir is not None:
        from partcd.mpf.report import render_run

        render_run(run, report_dir / "index.html")
    if as_json:
        typer.echo(json.dumps(run.summary(), indent=2, default=str))
    else:
        _print(run)
    where = err_console if as_json else console
    if run.unverified:
        where.print(f"note: {len(run.unverified)} values of mpf/params/{run.params_file} are unverified for "
                    f"{year}: {', '.join(run.unverified)}", markup=False)
    if run.quarantined_rows:
        where.print(f"{run.quarantined_rows} bad PDE rows left out and written to {quarantine}", markup=False)
    if report_dir is not None:
        where.print(f"report: {report_dir / 'index.html'}", markup=False)


COLUMNS = (Col("contract", "key"), Col("eligible PDEs", justify="right"), Col("above MPF", justify="right"),
           Col("price accuracy index", justify="right"), Col("claim % index", justify="right"),
           Col("price accuracy score", justify="right"), Col("claim % score", justify="right"),
           Col("score", "key", "right"), Col("note", "secondary"))


def _print(run: object) -> None:
    from partcd.mpf.pipelines import MpfRun

    assert isinstance(run, MpfRun)
    console.print(scores_table(run, console.width))


def scores_table(run: MpfRun, width: int) -> RenderableType:
    """One row per contract at ``width`` columns: contract and measure score whole, the indexes beside them."""
    rows = [[s.contract_id, f"{s.eligible_claims:,}", f"{s.counted_claims:,}", _fmt(s.price_accuracy_index, 5),
             _fmt(s.claim_percentage_index, 5), _fmt(s.price_accuracy_score, 3), _fmt(s.claim_percentage_score, 3),
             "-" if s.measure_score is None else f"{s.measure_score:g}", escape(s.reason or "")] for s in run.scores]
    return fitted_table(f"MPF Price Accuracy, {run.rating_year} Star Ratings (dates of service {run.period_start} to "
                        f"{run.period_end}; {run.params_file}{', ' + run.method if run.method else ''}; {run.engine})",
                        COLUMNS, rows, width)


def _fmt(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"
