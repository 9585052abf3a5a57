"""``partcd callcenter simulate | early-warning``: the simulated day against the standards (§ 422.111(h)(1)(ii),
§ 423.128(d)(1)(ii); CAP letter L30) and the probability that the quarter's verdict fails.

Forecast and agents CSVs are those of ``partcd callcenter staffing`` (:mod:`partcd.callcenter.pipelines.planning`).
Exit codes: ``simulate`` 1 when any simulated interval breaches a standard; ``early-warning`` 1 when the alert is
raised (probability of failing >= ``--alert-at``); 2 for bad input, naming file, row and field.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

if TYPE_CHECKING:
    from partcd.callcenter.pipelines.planning import (
        Handle,
    )
from partcd.callcenter.cli.metrics import PROFILE_HELP
from partcd.core.errors import ConfigError
from partcd.platform.cli import EXIT_NONCOMPLIANT, options, state
from partcd.platform.cli.tables import Col, fitted_table

console = Console(highlight=False)

SIM_COLUMNS = (Col("interval_start", "key"), *(Col(c, justify="right") for c in ("agents", "offered", "hold_s", "within_pct",
               "abandon_pct", "disconnect_pct")), Col("breaches", "wrap"))

FORECAST_HELP = "CSV: interval_start, calls_offered[, aht_s][, drop_rate_pct]."


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate_cmd)
    app.command("early-warning")(early_warning_cmd)


def simulate_cmd(
    forecast: Path = typer.Option(..., "--forecast", help=FORECAST_HELP),
    agents: str = typer.Option(..., "--agents", help="Agents on the phones: a CSV (interval_start, agents) or one number "
                                                     "for every interval."),
    aht_s: float | None = typer.Option(None, "--aht-s", help="Mean handle time (s) for rows without aht_s."),
    patience_s: float | None = typer.Option(None, "--patience-s",
                                            help="Mean caller patience (s, exponential); omit: callers never hang up."),
    seed: int = typer.Option(0, "--seed", help="Seed of the random numbers (the run is reproducible)."),
    handle: str = typer.Option("exponential", "--handle", help="Handle-time distribution: exponential | lognormal."),
    handle_cv: float = typer.Option(1.0, "--handle-cv", help="Coefficient of variation of lognormal handle times."),
    interval_min: float | None = typer.Option(None, "--interval-min",
                                              help="Interval length in minutes (default: from the interval starts)."),
    contract_id: str = typer.Option("H0000", "--contract-id", help="contract_id written in --calls-out."),
    tz: str = typer.Option("America/New_York", "--tz", help="Time zone of forecast times without a UTC offset."),
    calls_out: Path | None = typer.Option(None, "--calls-out", help="Write the simulated calls (generic call-log CSV)."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of a table."),
) -> None:
    """One seeded discrete-event simulation of the forecast with the staffing; exit 1 if any interval breaches."""
    from partcd.callcenter.pipelines.planning import agents_for, read_forecast, run_simulation, write_sim_calls
    from partcd.platform.params import load_params

    _check_positive(aht_s, "--aht-s")
    _check_positive(patience_s, "--patience-s")
    _check_positive(handle_cv, "--handle-cv")
    if handle not in ("exponential", "lognormal"):
        raise ConfigError(f"--handle must be exponential or lognormal, got {handle!r}")
    dist: Handle = "lognormal" if handle == "lognormal" else "exponential"
    options.zone("--tz", tz)
    rows = read_forecast(options.existing_file("--forecast", forecast), aht_s, interval_min)
    staffing = agents_for(agents, [r.interval_start for r in rows])
    params = load_params("callcenter", rows[0].interval_start.date())
    report, result = run_simulation(rows, staffing, params, seed=seed, patience_s=patience_s, handle=dist,
                                    handle_cv=handle_cv, forecast_file=forecast.name)
    if calls_out is not None:
        write_sim_calls(calls_out, result.calls, rows[0].interval_start, contract_id=contract_id, tz=tz)
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        cells = [[r.interval_start.isoformat(), str(r.agents), str(r.offered), _fmt(r.avg_hold_time_s),
                 _fmt(r.answered_within_pct), _fmt(r.abandon_rate_pct), _fmt(r.disconnect_rate_pct), ", ".join(r.breaches)]
                for r in report.intervals]
        console.print(fitted_table(f"simulated day (seed {seed}, {dist} handle times, params {report.params_file})",
                                   SIM_COLUMNS, cells, console.width))
        p = report.period
        console.print(f"{p.offered} calls: hold {_fmt(p.avg_hold_time_s)} s, {_fmt(p.answered_within_pct)} % within "
                      f"{report.answer_within_s:g} s, {_fmt(p.disconnect_rate_pct)} % dropped; "
                      f"{report.breached_intervals} intervals breach a standard {report.breaches_by_standard}")
        if calls_out is not None:
            console.print(f"simulated calls written to {calls_out}")
    if not report.compliant:
        raise typer.Exit(EXIT_NONCOMPLIANT)


def early_warning_cmd(
    ctx: typer.Context,
    calls: Path = typer.Option(..., "--calls", help="Call log of the quarter so far (generic CSV or Parquet, or a "
                                                   "platform export read through --profile)."),
    forecast: Path = typer.Option(..., "--forecast", help=FORECAST_HELP),
    quarter_end: str = typer.Option(..., "--quarter-end", help="Last day of the calendar quarter (YYYY-MM-DD)."),
    agents: str | None = typer.Option(None, "--agents", help="Planned agents: a CSV (interval_start, agents) or one "
                                                             "number; default: the minimum staffing to the standards."),
    aht_s: float | None = typer.Option(None, "--aht-s", help="Mean handle time (s) for rows without aht_s."),
    patience_s: float | None = typer.Option(None, "--patience-s", help="Mean caller patience (s): Erlang A; omit: Erlang C."),
    contract: str | None = typer.Option(None, "--contract", help="Contract of the log to judge (needed when it has several)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the Monte Carlo samples."),
    alert_at: float | None = typer.Option(None, "--alert-at", help="Alert (exit 1) at this probability of failing "
                                                                   "[default: 0.5, early_warning's threshold]."),
    volume_cv: float | None = typer.Option(None, "--volume-cv", help="Daily volume forecast error (coefficient of "
                                                                     "variation) [default: 0.10]."),
    samples: int | None = typer.Option(None, "--samples", help="Monte Carlo samples [default: 4000]."),
    interval_min: float | None = typer.Option(None, "--interval-min",
                                              help="Interval length in minutes (default: from the interval starts)."),
    tz: str = typer.Option("America/New_York", "--tz", help="Time zone of the plan's days (and of naive times)."),
    profile: str | None = typer.Option(None, "--profile", help=PROFILE_HELP),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of text."),
) -> None:
    """Probability that the quarter's hold, 30-second or disconnect verdict fails; exit 1 when the alert is raised."""
    from partcd.callcenter.pipelines.planning import agents_for, read_forecast, run_early_warning

    _check_positive(aht_s, "--aht-s")
    _check_positive(patience_s, "--patience-s")
    q_end = options.date("--quarter-end", quarter_end)
    options.zone("--tz", tz)
    calls = options.existing_file("--calls", calls)
    rows = read_forecast(options.existing_file("--forecast", forecast), aht_s, interval_min)
    starts = [r.interval_start for r in rows]
    planned = agents_for(agents, starts) if agents is not None else None
    report = run_early_warning(calls, rows, planned, q_end, seed=seed, tz=tz, engine=state(ctx).engine,
                               contract_id=contract, patience_s=patience_s, alert_threshold=alert_at,
                               volume_cv=volume_cv, samples=samples, profile=profile,
                               agents_source="constant" if agents is not None and agents.strip().isdigit() else "file")
    w = report.warning
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        console.print(f"contract {report.contract_id}, quarter {report.quarter_start} - {report.quarter_end}, "
                      f"as of {report.as_of.isoformat()}")
        console.print(f"to date: {report.to_date.calls} calls, {report.to_date.answered} answered, "
                      f"{report.to_date.answered_within} within the limit, {report.to_date.dropped} dropped; "
                      f"failing now: {', '.join(w.failing_now) or 'none'}")
        console.print(f"probability the quarter fails: {w.probability_fail:.4f} (+/- {w.standard_error:.4f}, "
                      f"{w.samples} samples) - {w.status}")
        for standard, p in w.probability_by_standard.items():
            console.print(f"  {standard:16} {p:.4f}")
        console.print(f"expected at quarter end: hold {_fmt(w.expected_avg_hold_time_s)} s, "
                      f"{_fmt(w.expected_answered_within_pct)} % within (5th percentile "
                      f"{_fmt(w.answered_within_pct_p05)} %), {_fmt(w.expected_disconnect_rate_pct)} % dropped; "
                      f"{w.remaining_intervals} intervals, {w.remaining_calls_expected:g} calls ahead")
    if w.alert:
        raise typer.Exit(EXIT_NONCOMPLIANT)


def _check_positive(value: float | None, option: str) -> None:
    if value is not None and not value > 0:
        raise ConfigError(f"{option} must be > 0")


def _fmt(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2f}"
