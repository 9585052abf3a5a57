"""``partcd callcenter daily-report``: the daily call-center report CMS asks for during a CAP (CAP letter L34).

Exit codes: 0 every contract-day compliant, 1 a non-compliant contract-day, 2 bad input.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from partcd.callcenter.cli.metrics import PROFILE_HELP
from partcd.platform.cli import EXIT_NONCOMPLIANT, db_engine, err_console, options, output, state
from partcd.platform.cli.tables import Col, figure, fitted_table, progress, verdict_cell

if TYPE_CHECKING:
    from rich.console import RenderableType

    from partcd.callcenter.pipelines.daily import DailyReport

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
    with progress(f"daily report ({state(ctx).engine or 'duckdb'})", console=err_console, quiet=as_json):
        rep = run(options.existing_file("--calls", calls), out, contract=contract, engine=state(ctx).engine, tz=tz,
                  quarantine=quarantine, db=db_engine(ctx) if with_caps else None, profile=profile, excel_csv=excel_csv)
    if as_json:
        typer.echo(json.dumps(rep.records, indent=2, default=str))
        for p in rep.paths:
            err_console.print(f"wrote {p}", markup=False)
        if not rep.compliant:
            raise typer.Exit(EXIT_NONCOMPLIANT)
        return
    console.print(daily_table(rep, console.width))
    _small_sample_note(rep)
    for p in rep.paths:
        console.print(f"wrote {p}")
    if not rep.compliant:
        console.print(f"[red]{len(rep.breach_days)} non-compliant contract-day(s)[/]")
        raise typer.Exit(EXIT_NONCOMPLIANT)


COLUMNS = (Col("contract", "key"), Col("date", "key"), Col("calls", justify="right"), Col("hold s", justify="right"),
           Col("≤30 s %", justify="right"), Col("disc %", justify="right"), Col("interp %", justify="right"),
           Col("TTY %", justify="right"), Col("compliant", "key"), Col("small-sample days", "secondary"),
           Col("CAP", "secondary"))


def daily_table(rep: DailyReport, width: int) -> RenderableType:
    """One row per contract-day at ``width`` columns: contract, date and verdict whole; each figure with the decimals
    that show its side of the limit; a small-sample interpreter/TTY share with its calls and the quarter to date."""
    rows = []
    for r in rep.records:
        who = r["contract_id"] + (f" {r['line'] or '-'}" if "line" in r else "")
        rows.append([who, r["date"], str(r["calls"]), figure(r["verdict_hold_time_s"], r["avg_hold_time_max_s"], at_most=True),
                     figure(r["answered_within_30s_pct"], r["answered_within_min_pct"], at_most=False),
                     figure(r["disconnect_rate_pct"], r["disconnect_rate_max_pct"], at_most=True, digits=2),
                     share_cell(r, "interpreter"), share_cell(r, "tty"), verdict_cell(r["compliant"]), day_shares(r),
                     f"{r['cap_id']}: {r['cap_status']}" if r["cap_id"] else "-"])
    return fitted_table(f"daily call-center report ({rep.engine})", COLUMNS, rows, width)


def share_cell(r: dict[str, Any], kind: str) -> str:
    """The share the verdict judges: the day's (``92.3``), or on a small-sample day the quarter to date marked
    ``*`` (``97.50*``), with the decimals that show its side of the limit."""
    from partcd.callcenter.rules.standards import CallCenterParams
    from partcd.platform.params import load_params

    if r[f"{kind}_within_pct"] is None:
        return "-"
    p = load_params("callcenter", dt.date.fromisoformat(r["date"])).typed(CallCenterParams)
    limit = p.interpreter_within_min_pct if kind == "interpreter" else p.tty_within_min_pct
    if not r[f"{kind}_small_sample"]:
        return figure(r[f"{kind}_within_pct"], limit, at_most=False)
    return f"{figure(r[f'{kind}_quarter_pct'], limit, at_most=False)}*"


def day_shares(r: dict[str, Any]) -> str:
    """The day's own share and calls behind each ``*``: ``interp 50.0 (2 calls)``."""
    parts = [f"{label} {figure(r[f'{kind}_within_pct'], None, at_most=False)} ({r[f'{kind}_calls']} "
             f"call{'s' if r[f'{kind}_calls'] != 1 else ''})"
             for kind, label in (("interpreter", "interp"), ("tty", "TTY")) if r[f"{kind}_small_sample"]]
    return "; ".join(parts) or "-"


def _small_sample_note(rep: DailyReport) -> None:
    if any(r.get("interpreter_small_sample") or r.get("tty_small_sample") for r in rep.records):
        console.print("*: small sample - fewer interpreter (or TTY) calls that day than interpreter_tty_min_calls_count; "
                      "the share shown and judged is the quarter's to that day (interpreter_tty_small_sample_period_text)",
                      markup=False)


