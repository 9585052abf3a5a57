"""``partcd callcenter daily-report``: the daily call-center report CMS asks for during a CAP (CAP letter L34).

Exit codes: 0 every contract-day compliant, 1 a non-compliant contract-day, 2 bad input.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from partcd.callcenter.cli.metrics import PROFILE_HELP
from partcd.platform.cli import EXIT_NONCOMPLIANT, db_engine, err_console, options, output, state

console = Console(highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("daily-report")(daily_report)


def daily_report(
    ctx: typer.Context,
    calls: Path = typer.Option(..., "--calls", help="Call log: generic CSV schema or Parquet, or a platform export."),
    out: Path = typer.Option(..., "--out", help=output.folder_help(
        "daily_report.csv, daily_report.xlsx (Excel), daily_report.json and daily_report.html")),
    contract: str | None = typer.Option(None, "--contract", help="Only this contract."),
    tz: str = typer.Option("America/New_York", "--tz", help="Time zone that defines the days."),
    quarantine: Path | None = typer.Option(None, "--quarantine", help="Keep good rows; write rejected rows here."),
    with_caps: bool = typer.Option(True, "--caps/--no-caps", help="Add each contract's CAP status from the database."),
    profile: str | None = typer.Option(None, "--profile", help=PROFILE_HELP),
    excel_csv: bool = typer.Option(False, "--excel-csv", help=output.EXCEL_CSV_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the rows as JSON instead of a table (the files are written "
                                                       "either way)."),
) -> None:
    """The daily report CMS asked for (CAP letter L34): per contract per day, the three standards and the CAP status.

    Exit 1 when any contract-day is non-compliant.
    """
    from partcd.callcenter.pipelines.daily import daily_report as run

    options.zone("--tz", tz)
    rep = run(options.existing_file("--calls", calls), out, contract=contract, engine=state(ctx).engine, tz=tz,
              quarantine=quarantine, db=db_engine(ctx) if with_caps else None, profile=profile, excel_csv=excel_csv)
    if as_json:
        typer.echo(json.dumps(rep.records, indent=2, default=str))
        for p in rep.paths:
            err_console.print(f"wrote {p}", markup=False)
        if not rep.compliant:
            raise typer.Exit(EXIT_NONCOMPLIANT)
        return
    table = Table(title=f"daily call-center report ({rep.engine})")
    for col in ("contract", "date", "calls", "hold s", "≤30 s %", "disc %", "compliant", "CAP"):
        table.add_column(col)
    for r in rep.records:
        ok = {True: "[green]yes[/]", False: "[red]NO[/]", None: "n/a"}[r["compliant"]]
        table.add_row(r["contract_id"], r["date"], str(r["calls"]), _fmt(r["avg_hold_time_s"]),
                      _fmt(r["answered_within_30s_pct"]), _fmt(r["disconnect_rate_pct"], 2), ok,
                      f"{r['cap_id']}: {r['cap_status']}" if r["cap_id"] else "-")
    console.print(table)
    for p in rep.paths:
        console.print(f"wrote {p}")
    if not rep.compliant:
        console.print(f"[red]{len(rep.breach_days)} non-compliant contract-day(s)[/]")
        raise typer.Exit(EXIT_NONCOMPLIANT)


def _fmt(v: float | None, digits: int = 1) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


