"""``partcd callcenter metrics``: a call log (file, folder or glob) -> metrics per contract [x line] x period ->
verdicts, through the engine-native pipeline :func:`partcd.callcenter.pipelines.metrics.run_metrics`.

Exports of contact-center platforms are read through a mapping profile (``--profile``, or detected from the
header); rows the profile filters out (chats, outbound calls, transfers) are counted and reported. When the log has
a line, results are per line unless ``--pooled``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from partcd.platform.cli import EXIT_NONCOMPLIANT, err_console, options, output, state
from partcd.platform.cli.tables import Col, figure, fitted_table, progress, verdict_cell

if TYPE_CHECKING:
    from rich.console import RenderableType

    from partcd.callcenter.pipelines.metrics import MetricsReport

console = Console(highlight=False)

#: ``--profile`` of every command that reads a call log.
PROFILE_HELP = ("Mapping profile of the call log: generic, amazon_connect, five9, genesys_cloud, nice_cxone, or a profile "
                "YAML file (default: detected from the header).")

COLUMNS = (Col("contract", "key"), Col("period", "key"), Col("calls", justify="right"),
           Col("hold s", justify="right"), Col("≤30 s %", justify="right"), Col("disc %", justify="right"),
           Col("interp %", justify="right"), Col("TTY %", justify="right"), Col("compliant", "key"),
           Col("hold s answered", "secondary", "right"), Col("hold s all queued", "secondary", "right"),
           Col("failed standards", "secondary"))


def register(app: typer.Typer) -> None:
    app.command("metrics")(metrics)


def metrics(
    ctx: typer.Context,
    calls: str = typer.Option(..., "--calls", help="Call log: a CSV or Parquet file, a folder of them or a glob "
                                                   "('logs/*.parquet'); the generic schema or a platform export."),
    by: str = typer.Option("day", "--by", help="day | week | month | quarter"),
    as_json: bool = typer.Option(False, "--json", help="JSON records instead of a table."),
    out: Path | None = typer.Option(None, "--out", help=output.out_help("the records (exact values)")),
    excel_csv: bool = typer.Option(False, "--excel-csv", help=output.EXCEL_CSV_HELP),
    quarantine: Path | None = typer.Option(None, "--quarantine", help="Keep good rows; write rejected rows here."),
    tz: str = typer.Option("America/New_York", "--tz",
                           help="Time zone that defines days/weeks/months (and of local times without an offset)."),
    profile: str | None = typer.Option(None, "--profile", help=PROFILE_HELP),
    contracts: str | None = typer.Option(
        None, "--contracts", help="Known contracts: a file (one id a line) or H1234,H5678; other contracts are rejected."),
    report_filtered: bool = typer.Option(False, "--report-filtered",
                                         help="List the rows the profile filtered out, by filter and value."),
    by_line: bool | None = typer.Option(None, "--by-line/--pooled",
                                        help="Per contract x line x period, or pooled per contract (default: per line "
                                             "when the log has a line)."),
) -> None:
    """Metrics and verdicts (hold, 30 s, disconnects, interpreter, TTY) per contract [x line] x period.

    Exit 1 when any period is non-compliant.
    """
    from partcd.callcenter.pipelines.firstpass import PERIODS, cached_report
    from partcd.callcenter.readers.calllog_files import parse_contracts, resolve_inputs
    from partcd.core.errors import ConfigError

    output.check_out(out, excel_csv=excel_csv)
    known = parse_contracts(contracts) if contracts is not None else None
    options.zone("--tz", tz)
    if by not in PERIODS:
        raise ConfigError(f"--by must be one of {', '.join(PERIODS)}")
    resolve_inputs(calls)  # the file, folder or glob exists and holds call logs (a one-line error before any work)
    with progress(f"call-center metrics by {by} ({state(ctx).engine or 'duckdb'})", console=err_console, quiet=as_json):
        # a clean Parquet log whose first pass is cached: DuckDB starts before the rest of the pipeline loads
        report = cached_report(calls, by, tz, engine=state(ctx).engine, profile=profile, known_contracts=known,
                               by_line=by_line)
        if report is None:
            from partcd.callcenter.pipelines.metrics import run_metrics

            report = run_metrics(calls, by=by, engine=state(ctx).engine, tz=tz,  # type: ignore[arg-type]
                                 quarantine=quarantine, profile=profile, known_contracts=known, by_line=by_line,
                                 try_cache=False)
    if out is not None:
        import pyarrow as pa

        flat = [{**r, "failed_standards": "; ".join(r["failed_standards"])} for r in report.records]
        output.write_table(pa.Table.from_pylist(flat) if flat else flat, out, excel_csv=excel_csv, sheet="call-center metrics")
    if as_json:
        typer.echo(output.json_text(report.records))
    else:
        console.print(metrics_table(report, by, console.width))
        if report.records:
            basis = report.records[0]["hold_time_basis"]
            console.print(f"hold-time verdict on: {basis.replace('_', ' ')} "
                          "(avg_hold_time_basis_text)", markup=False)
        if report.rejected:
            console.print(f"[yellow]{report.rejected} rejected rows written to {quarantine}[/]")
    _report_profile(report, detail=report_filtered, out=err_console if as_json else console)
    if not report.compliant:
        raise typer.Exit(EXIT_NONCOMPLIANT)


def _report_profile(report: MetricsReport, *, detail: bool, out: Console) -> None:
    """Filtered rows and absent optional columns: always counted, listed with --report-filtered."""
    if report.filtered_count:
        out.print(f"profile {report.profile}: {report.filtered_count} rows filtered out (not counted as calls)"
                  + ("" if detail else "; --report-filtered lists them"), markup=False)
    if detail:
        for f in report.filtered:
            values = ", ".join(f"{v or '(empty)'}: {n}" for v, n in sorted(f.values.items()))
            rows = ", ".join(str(r) for r in f.rows) + (" ..." if f.count > len(f.rows) else "")
            out.print(f"  {f.column} not in {{{', '.join(f.keep)}}}: {f.count} rows"
                      + (f" ({values}); rows {rows}" if f.count else "") + f" - {f.note}", markup=False)
    if report.absent_columns:
        out.print(f"profile {report.profile}: optional columns absent, defaults used: {', '.join(report.absent_columns)}",
                  markup=False)


def metrics_table(report: MetricsReport, by: str, width: int) -> RenderableType:
    """The metrics table at ``width`` columns: contract, period and verdict whole; each figure the verdict judges
    with the decimals that show which side of its limit it is on (``hold s`` is the average the verdict judges,
    avg_hold_time_basis_text); both averages and the failed standards follow as room allows."""
    rows = []
    for r, verdicts in zip(report.records, report.verdicts, strict=True):
        hold, within, disc, interpreter, tty = verdicts
        who = r["contract_id"] + (f" {r['line'] or '-'}" if report.by_line else "")
        rows.append([who, r["period_start"], str(r["calls"]), figure(r["verdict_hold_time_s"], hold.limit, at_most=True),
                     figure(r["answered_within_30s_pct"], within.limit, at_most=False),
                     figure(r["disconnect_rate_pct"], disc.limit, at_most=True),
                     figure(r["interpreter_within_pct"], interpreter.limit, at_most=False),
                     figure(r["tty_within_pct"], tty.limit, at_most=False), verdict_cell(r["compliant"]),
                     figure(r["avg_hold_time_s"], None, at_most=True),
                     figure(r["avg_hold_time_all_queued_s"], None, at_most=True),
                     ", ".join(r["failed_standards"])])
    return fitted_table(f"call-center metrics by {by} ({report.engine})", COLUMNS, rows, width)
