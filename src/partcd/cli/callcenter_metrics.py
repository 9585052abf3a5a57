"""``partcd callcenter metrics`` / ``check``: a call log -> metrics per contract x period -> verdicts."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from partcd.cli import EXIT_NONCOMPLIANT, state

console = Console(highlight=False)

COLUMNS = ("contract_id", "period_start", "calls", "avg_hold_time_s", "answered_within_30s_pct", "disconnect_rate_pct",
           "compliant", "failed_standards")


def register(app: typer.Typer) -> None:
    app.command("metrics")(metrics)


def metrics(
    ctx: typer.Context,
    calls: Path = typer.Option(..., "--calls", help="Call log: generic CSV schema or Parquet."),
    by: str = typer.Option("day", "--by", help="day | week | month | quarter"),
    as_json: bool = typer.Option(False, "--json", help="JSON records instead of a table."),
    out: Path | None = typer.Option(None, "--out", help="Also write the records (.csv, .parquet or .json)."),
    quarantine: Path | None = typer.Option(None, "--quarantine", help="Keep good rows; write rejected rows here."),
    tz: str = typer.Option("America/New_York", "--tz", help="Time zone that defines days/weeks/months."),
) -> None:
    """Metrics and verdicts per contract x period; exit 1 when any period is non-compliant."""
    import pyarrow as pa

    from partcd.io.frames import write_table
    from partcd.pipelines.callcenter import run_metrics

    report = run_metrics(calls, by=by, engine=state(ctx).engine, tz=tz, quarantine=quarantine)  # type: ignore[arg-type]
    if out is not None:
        write_table(pa.Table.from_pylist([{**r, "failed_standards": "; ".join(r["failed_standards"])}
                                          for r in report.records]), out)
    if as_json:
        typer.echo(json.dumps(report.records, indent=2, default=str))
    else:
        table = Table(title=f"call-center metrics by {by} ({report.engine})")
        for col in COLUMNS:
            table.add_column(col, justify="right" if col not in {"contract_id", "failed_standards"} else "left")
        for r in report.records:
            ok = {True: "[green]yes[/]", False: "[red]NO[/]", None: "n/a"}[r["compliant"]]
            table.add_row(r["contract_id"], r["period_start"], str(r["calls"]), _fmt(r["avg_hold_time_s"]),
                          _fmt(r["answered_within_30s_pct"]), _fmt(r["disconnect_rate_pct"]), ok,
                          ", ".join(r["failed_standards"]))
        console.print(table)
        if report.rejected:
            console.print(f"[yellow]{report.rejected} rejected rows written to {quarantine}[/]")
    if not report.compliant:
        raise typer.Exit(EXIT_NONCOMPLIANT)


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}"
