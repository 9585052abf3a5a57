"""``partcd callcenter staffing | site-loss``: agents needed to meet the standards (§ 422.111(h)(1)(ii),
§ 423.128(d)(1)(ii)) and the site-loss what-if with the 72-hour restoration rule (§ 422.504(o)(2), § 423.505(p)(2)).

Input files are CSV read by :mod:`partcd.callcenter.pipelines.planning` (shared with the API); a bad row stops
the command with ``InputError(file, row, field, reason)`` (row = 1-based data row). ``staffing`` is the one staffing command:
``--forecast FILE`` per interval, ``--calls-per-hour N`` one steady hour (``staff`` is its hidden former name).
Exit codes: ``staffing --forecast`` always 0 (a plan);
``staffing --calls-per-hour N --agents N`` and ``site-loss`` exit 1 when the given staffing breaches a standard / the
outage breaks the 72-hour rule (``partcd.platform.cli``: 1 = ran fine, found non-compliance).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from partcd.callcenter.rules.continuity_whatif import RecoveryStep
from partcd.core.errors import ConfigError
from partcd.platform.cli import EXIT_NONCOMPLIANT, options, output
from partcd.platform.cli.tables import Col, fitted_table

console = Console(highlight=False)

STAFFING_COLUMNS = (Col("interval_start", "key"), *(Col(c, justify="right") for c in ("calls", "aht_s", "agents",
                    "scheduled", "hold_s", "within_pct", "abandon_pct")), Col("binding", "wrap"))
SITE_LOSS_COLUMNS = (Col("interval_start", "key"), *(Col(c, justify="right") for c in ("planned", "available", "required",
                     "from_elsewhere", "hold_s", "within_pct")), Col("breaches", "wrap"))


def register(app: typer.Typer) -> None:
    app.command("staffing")(staffing)
    app.command("staff", hidden=True)(staff)  # the former name of `staffing --calls-per-hour`
    app.command("site-loss")(site_loss_cmd)


# --- commands ------------------------------------------------------------------------------------------


def staffing(
    forecast: Path | None = typer.Option(None, "--forecast",
                                         help="CSV: interval_start, calls_offered[, aht_s][, drop_rate_pct]: agents per "
                                              "interval. Or give --calls-per-hour for one steady hour."),
    calls_per_hour: float | None = typer.Option(None, "--calls-per-hour",
                                                help="One steady hour instead of --forecast: calls leaving the IVR per hour."),
    aht_s: float | None = typer.Option(None, "--aht-s", help="Mean handle time (s) (with --forecast: for rows without aht_s)."),
    patience_s: float | None = typer.Option(None, "--patience-s", help="Mean caller patience (s): Erlang A; omit: Erlang C."),
    agents: int | None = typer.Option(None, "--agents", help="With --calls-per-hour: figures for this many agents instead "
                                                             "of the minimum (exit 1 if they breach a standard)."),
    as_of: str | None = typer.Option(None, "--as-of", help="With --calls-per-hour: date whose parameters apply "
                                                           "(YYYY-MM-DD; default today)."),
    at: str | None = output.alias("--at", "--as-of"),
    shrinkage: float = typer.Option(0.0, "--shrinkage", help="Fraction of scheduled time off the phones, in [0, 1)."),
    interval_min: float | None = typer.Option(None, "--interval-min",
                                              help="Interval length in minutes (default: from the interval starts)."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of a table."),
) -> None:
    """Agents meeting all three standards at once and which standard binds: per interval of --forecast, or for one
    steady hour of --calls-per-hour (the figures of --agents N; exit 1 if they breach a standard)."""
    from partcd.callcenter.pipelines.planning import read_forecast
    from partcd.callcenter.rules.staffing import staff_intervals
    from partcd.platform.params import load_params

    if (forecast is None) == (calls_per_hour is None):
        raise ConfigError("give exactly one of --forecast FILE (per interval) or --calls-per-hour N (one steady hour)")
    if calls_per_hour is not None:
        if aht_s is None:
            raise ConfigError("--calls-per-hour needs --aht-s SECONDS")
        staff(calls_per_hour, aht_s, patience_s, agents, output.either("--as-of", as_of, "--at", at), as_json)
        return
    assert forecast is not None
    for flag, given in (("--agents", agents), ("--as-of", as_of or at)):
        if given is not None:
            raise ConfigError(f"{flag} goes with --calls-per-hour, not with --forecast")
    _check_positive(aht_s, "--aht-s")
    _check_positive(patience_s, "--patience-s")
    if not 0.0 <= shrinkage < 1.0:
        raise ConfigError("--shrinkage must be in [0, 1)")
    rows = read_forecast(options.existing_file("--forecast", forecast), aht_s, interval_min)
    params = load_params("callcenter", rows[0].interval_start.date())
    plan = staff_intervals(rows, params, patience_s=patience_s, shrinkage=shrinkage)
    if as_json:
        typer.echo(plan.model_dump_json(indent=2))  # infinite waits (unstable queue) -> null
        return
    cells = [[r.interval_start.isoformat(), f"{r.calls_offered:g}", f"{r.aht_s:g}", str(r.agents), str(r.scheduled_agents),
             _fmt(r.avg_hold_time_s), _fmt(r.answered_within_pct), _fmt(r.abandon_rate_pct),
             r.binding_standard + (" (infeasible: " + ", ".join(r.infeasible) + ")" if r.infeasible else "")]
            for r in plan.intervals]
    console.print(fitted_table(f"staffing to the standards ({plan.model}, params {plan.params_file}, shrinkage "
                               f"{shrinkage:g})", STAFFING_COLUMNS, cells, console.width))
    console.print(f"peak agents {plan.peak_agents} on the phones, {plan.peak_scheduled_agents} scheduled; "
                  f"{plan.agent_hours:g} agent-hours on the phones, {plan.scheduled_agent_hours:g} scheduled")


def staff(
    calls_per_hour: float = typer.Option(..., "--calls-per-hour", help="Calls leaving the IVR per hour."),
    aht_s: float = typer.Option(..., "--aht-s", help="Mean handle time (s)."),
    patience_s: float | None = typer.Option(None, "--patience-s", help="Mean caller patience (s): Erlang A; omit: Erlang C."),
    agents: int | None = typer.Option(None, "--agents", help="Figures for this many agents instead of the minimum."),
    at: str | None = typer.Option(None, "--at", help="Date whose parameters apply (YYYY-MM-DD; default today)."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of text."),
) -> None:
    """Minimum agents for a steady hour (or the figures of --agents N); exit 1 if --agents N breaches a standard.
    The former name of ``partcd callcenter staffing --calls-per-hour`` (hidden, still works).

    JSON keys: agents, p_wait, service_level (answered within the parameter's 30 s over all calls), asa_s (mean hold
    of answered calls, the hold-time standard), abandon_rate, binding_standard, plus required_agents and details.
    """
    from partcd.callcenter.pipelines.planning import staff_figures

    if calls_per_hour < 0:
        raise ConfigError("--calls-per-hour must be >= 0")
    _check_positive(aht_s, "--aht-s")
    _check_positive(patience_s, "--patience-s")
    if agents is not None and agents < 0:
        raise ConfigError("--agents must be >= 0")
    day = options.today("--at", at or None)
    figures = staff_figures(calls_per_hour, aht_s, patience_s, agents, day)
    record = figures.model_dump()
    if as_json:
        typer.echo(json.dumps(record, indent=2))
    else:
        for k, v in record.items():
            console.print(f"{k:24} {v:.6g}" if isinstance(v, float) else f"{k:24} {v}")
    if figures.breaches:
        raise typer.Exit(EXIT_NONCOMPLIANT)


def site_loss_cmd(
    forecast: Path = typer.Option(..., "--forecast", help="CSV: interval_start, calls_offered[, aht_s][, drop_rate_pct]."),
    agents: Path = typer.Option(..., "--agents", help="CSV: interval_start, agents (planned agents on the phones)."),
    lose_pct: float = typer.Option(..., "--lose-pct", help="Percent of the agents lost."),
    hours: float = typer.Option(..., "--hours", help="Duration of the loss in hours."),
    start: str = typer.Option(..., "--start", help="Start of the loss (ISO 8601, same form as interval_start)."),
    aht_s: float | None = typer.Option(None, "--aht-s", help="Mean handle time (s) for rows without aht_s."),
    patience_s: float | None = typer.Option(None, "--patience-s", help="Mean caller patience (s): Erlang A; omit: Erlang C."),
    extra_drop_pct: float = typer.Option(0.0, "--extra-drop-pct", help="Additional system drops (%) while the site is down."),
    recover: list[str] | None = typer.Option(None, "--recover",
                                             help="HOURS:PCT - from HOURS after the start, PCT % of the lost agents are back "
                                                  "(repeatable)."),
    sustain_h: float = typer.Option(24.0, "--sustain-h", help="Compliance must last this long to end an outage."),
    interval_min: float | None = typer.Option(None, "--interval-min",
                                              help="Interval length in minutes (default: from the interval starts)."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of a table."),
) -> None:
    """Lose X % of agents for N hours from T: breaches, agents needed from elsewhere, the 72-hour rule."""
    from partcd.callcenter.pipelines.planning import read_agents, read_forecast
    from partcd.callcenter.rules.continuity_whatif import SiteLoss, site_loss
    from partcd.platform.params import load_params

    _check_positive(aht_s, "--aht-s")
    _check_positive(patience_s, "--patience-s")
    if not 0 <= lose_pct <= 100 or not 0 <= extra_drop_pct <= 100:
        raise ConfigError("--lose-pct and --extra-drop-pct must be between 0 and 100")
    if not hours > 0 or sustain_h < 0:
        raise ConfigError("--hours must be > 0 and --sustain-h >= 0")
    recovery = tuple(_recovery(s) for s in recover or ())
    rows = read_forecast(options.existing_file("--forecast", forecast), aht_s, interval_min)
    t0 = options.instant("--start", start)
    if (t0.tzinfo is None) != (rows[0].interval_start.tzinfo is None):
        raise ConfigError("--start and the forecast's interval_start must both have a UTC offset or both not")
    planned = read_agents(options.existing_file("--agents", agents), [r.interval_start for r in rows])
    loss = SiteLoss(start=t0, hours=hours, lose_pct=lose_pct, extra_drop_pct=extra_drop_pct,
                    recovery=recovery)
    day = rows[0].interval_start.date()
    report = site_loss(rows, planned, loss, load_params("callcenter", day),
                       load_params("compliance", day)["restore_essential_functions_max_h"],
                       patience_s=patience_s, sustain_h=sustain_h)
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        cells = [[r.interval_start.isoformat(), str(r.planned_agents), str(r.available_agents), str(r.required_agents),
                 str(r.agents_elsewhere), _fmt(r.prediction.avg_hold_time_s), _fmt(r.prediction.answered_within_pct),
                 ", ".join(r.breaches)] for r in report.intervals if r.in_loss or r.breaches]
        console.print(fitted_table(f"site loss: {lose_pct:g} % of agents for {hours:g} h from {t0.isoformat()}",
                                   SITE_LOSS_COLUMNS, cells, console.width))
        console.print(f"{report.breached_intervals} intervals breach a standard {report.breaches_by_standard}; "
                      f"peak {report.peak_agents_elsewhere} agents needed from elsewhere, "
                      f"{report.agent_hours_elsewhere:g} agent-hours")
        for e in report.episodes:
            end = e.end.isoformat() if e.end else "not restored within the forecast"
            verdict = {True: "meets", False: "FAILS", None: "undetermined"}[e.meets_limit]
            console.print(f"outage {e.start.isoformat()} -> {end}"
                          + (f" ({e.duration_h:g} h)" if e.duration_h is not None else "")
                          + f": {verdict} the {e.limit_h:g}-hour restoration rule")
    if report.meets_restoration_rule is False:
        raise typer.Exit(EXIT_NONCOMPLIANT)


# --- helpers -------------------------------------------------------------------------------------------


def _recovery(text: str) -> RecoveryStep:
    from partcd.callcenter.rules.continuity_whatif import RecoveryStep

    h, sep, pct = text.partition(":")
    try:
        if not sep:
            raise ValueError
        return RecoveryStep(hours_after_start=float(h), restored_pct=float(pct))
    except ValueError:
        raise ConfigError(f"--recover must be HOURS:PCT with 0 <= PCT <= 100, got {text!r}") from None


def _check_positive(value: float | None, option: str) -> None:
    if value is not None and not value > 0:
        raise ConfigError(f"{option} must be > 0")


def _fmt(v: Any) -> str:
    if v is None:
        return "n/a"
    return "inf" if isinstance(v, float) and math.isinf(v) else f"{v:.2f}"
