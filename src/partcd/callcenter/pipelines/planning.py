"""§ 422.111(h)(1)(ii), § 423.128(d)(1)(ii) - planning jobs shared by the CLI and the API: staffing, simulation,
early warning (CAP letter L30: "limit callers' average hold time to 2 minutes, answer 80 percent of calls within 30
seconds, and limit the call disconnect rate to 5 percent").

* Forecast and agents CSVs (read with the csv module; a bad row is ``InputError(file, row, field, reason)``, row =
  1-based data row): ``interval_start, calls_offered[, aht_s][, drop_rate_pct]`` and ``interval_start, agents``.
* :func:`staff_figures` - one steady hour (``partcd callcenter staff``, ``POST /callcenter/staff``).
* :func:`run_simulation` - the discrete-event simulation of a forecast day with a staffing schedule
  (:mod:`partcd.callcenter.rules.simulation`), its per-interval figures against the three standards, and the simulated
  calls as a generic call log (:func:`write_sim_calls`, read back by ``partcd callcenter metrics``).
* :func:`run_early_warning` - the probability that the quarter's verdict fails
  (:mod:`partcd.callcenter.rules.early_warning`) from the call log so far and the forecast for the rest of the quarter.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import numpy as np
from pydantic import BaseModel, ConfigDict

from partcd.callcenter.pipelines.metrics import aggregate, derived, latest_params, read_call_log
from partcd.callcenter.readers import timeexpr
from partcd.callcenter.readers.calllog_files import REQUIRED
from partcd.callcenter.rules.early_warning import EarlyWarning, QuarterToDate, quarter_failure_probability
from partcd.callcenter.rules.simulation import CallRecord, SimInterval, SimulationResult, simulate
from partcd.callcenter.rules.staffing import IntervalForecast, Standard, limits, predict, staff_intervals
from partcd.callcenter.rules.standards import CallCenterParams
from partcd.core.errors import ConfigError, InputError
from partcd.core.params import ParamSet
from partcd.platform.params import load_params

FORECAST_REQUIRED = ("interval_start", "calls_offered")
FORECAST_OPTIONAL = ("aht_s", "drop_rate_pct")
AGENTS_COLUMNS = ("interval_start", "agents")

Handle = Literal["exponential", "lognormal"]


# --- input files ---------------------------------------------------------------------------------------


def _rows(path: Path, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> Iterator[tuple[int, dict[str, str]]]:
    name = path.name
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in required if c not in header]
        if missing:
            raise InputError(name, None, missing[0], f"missing column (need {', '.join(required)})")
        unknown = [c for c in header if c not in required + optional]
        if unknown:
            raise InputError(name, None, unknown[0], f"unknown column (known: {', '.join(required + optional)})")
        for i, raw in enumerate(reader, start=1):
            if None in raw:
                raise InputError(name, i, None, "more values than columns")
            yield i, {k.strip(): (v or "").strip() for k, v in raw.items()}


def _number(name: str, row: int, field: str, text: str, *, minimum: float = 0.0, strict: bool = False) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(name, row, field, f"not a number: {text!r}") from None
    if not math.isfinite(value) or value < minimum or (strict and value == minimum):
        raise InputError(name, row, field, f"must be {'>' if strict else '>='} {minimum:g}, got {text}")
    return value


def _start(name: str, row: int, text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputError(name, row, "interval_start", f"not an ISO 8601 date-time: {text!r}") from None


def read_forecast(path: Path, default_aht_s: float | None, interval_min: float | None) -> list[IntervalForecast]:
    """The forecast CSV -> intervals; lengths from --interval-min or the gaps between starts (last = previous)."""
    name = path.name
    parsed: list[tuple[int, dt.datetime, float, float, float]] = []
    for i, r in _rows(path, FORECAST_REQUIRED, FORECAST_OPTIONAL):
        start = _start(name, i, r["interval_start"])
        if parsed and (start.tzinfo is None) != (parsed[0][1].tzinfo is None):
            raise InputError(name, i, "interval_start", "mixes times with and without a UTC offset")
        if parsed and start <= parsed[-1][1]:
            raise InputError(name, i, "interval_start", f"not after the previous interval ({parsed[-1][1].isoformat()})")
        calls = _number(name, i, "calls_offered", r["calls_offered"])
        if r.get("aht_s"):
            aht = _number(name, i, "aht_s", r["aht_s"], strict=True)
        elif default_aht_s is not None:
            aht = default_aht_s
        else:
            raise InputError(name, i, "aht_s", "no handle time: give the aht_s column or --aht-s")
        drop = _number(name, i, "drop_rate_pct", r["drop_rate_pct"]) if r.get("drop_rate_pct") else 0.0
        if drop > 100:
            raise InputError(name, i, "drop_rate_pct", f"must be <= 100, got {r['drop_rate_pct']}")
        parsed.append((i, start, calls, aht, drop))
    if not parsed:
        raise InputError(name, None, None, "no intervals")
    if interval_min is not None and not interval_min > 0:
        raise ConfigError("--interval-min must be > 0")
    out = []
    for k, (i, start, calls, aht, drop) in enumerate(parsed):
        if interval_min is not None:
            length = interval_min * 60.0
        elif len(parsed) == 1:
            raise InputError(name, i, "interval_start", "one interval only: give --interval-min")
        else:
            nxt = parsed[k + 1][1] if k + 1 < len(parsed) else None
            length = ((nxt - start) if nxt else (start - parsed[k - 1][1])).total_seconds()
        out.append(IntervalForecast(interval_start=start, length_s=length, calls_offered=calls, aht_s=aht,
                                    drop_rate_pct=drop))
    return out


def read_agents(path: Path, starts: list[dt.datetime]) -> list[int]:
    """The agents CSV, aligned to the forecast's interval starts (every interval needs a row, no extra rows)."""
    name = path.name
    by_start: dict[dt.datetime, int] = {}
    for i, r in _rows(path, AGENTS_COLUMNS):
        start = _start(name, i, r["interval_start"])
        if (start.tzinfo is None) != (starts[0].tzinfo is None):
            raise InputError(name, i, "interval_start", "UTC offset does not match the forecast's interval_start")
        n = _number(name, i, "agents", r["agents"])
        if n != int(n):
            raise InputError(name, i, "agents", f"not a whole number: {r['agents']}")
        if start in by_start:
            raise InputError(name, i, "interval_start", "duplicate interval")
        if start not in set(starts):
            raise InputError(name, i, "interval_start", "not an interval of the forecast")
        by_start[start] = int(n)
    missing = [s for s in starts if s not in by_start]
    if missing:
        raise InputError(name, None, "interval_start", f"no agents for {len(missing)} forecast interval(s), "
                                                       f"first {missing[0].isoformat()}")
    return [by_start[s] for s in starts]


def agents_for(value: str, starts: list[dt.datetime]) -> list[int]:
    """``--agents FILE|N``: a whole number applies to every interval, anything else is the agents CSV."""
    text = value.strip()
    if text.isdigit():
        return [int(text)] * len(starts)
    path = Path(value)
    if not path.is_file():
        raise ConfigError(f"--agents: neither a whole number of agents nor an agents CSV file: {value!r}")
    return read_agents(path, starts)


# --- one steady hour -----------------------------------------------------------------------------------


class StaffFigures(BaseModel):
    """``partcd callcenter staff --json``: the minimum agents (or the figures of given agents) for a steady hour.

    ``service_level``: answered within the parameter's t over all calls; ``asa_s``: mean hold of answered calls (the
    hold-time standard), null when the queue is unstable.
    """

    model_config = ConfigDict(frozen=True)

    agents: int
    p_wait: float
    service_level: float
    asa_s: float | None
    abandon_rate: float
    binding_standard: str
    required_agents: int
    avg_wait_all_s: float | None
    service_level_answered: float
    occupancy: float
    load_erlangs: float
    breaches: list[Standard]
    model: Literal["erlang_a", "erlang_c"]
    params_file: str


def staff_figures(calls_per_hour: float, aht_s: float, patience_s: float | None, agents: int | None,
                  day: dt.date) -> StaffFigures:
    """Minimum agents meeting all three standards for a steady hour, or the figures of ``agents``."""
    params = load_params("callcenter", day)
    hour = [IntervalForecast(interval_start=dt.datetime.combine(day, dt.time(9)), length_s=3600.0,
                             calls_offered=calls_per_hour, aht_s=aht_s)]
    plan = staff_intervals(hour, params, patience_s=patience_s).intervals[0]
    p = predict(hour, [agents], params, patience_s)[0] if agents is not None else plan
    return StaffFigures(
        agents=p.agents, p_wait=p.p_wait, service_level=p.answered_within_pct / 100.0, asa_s=_finite(p.avg_hold_time_s),
        abandon_rate=p.abandon_rate_pct / 100.0, binding_standard=plan.binding_standard, required_agents=plan.agents,
        avg_wait_all_s=_finite(p.avg_wait_all_s), service_level_answered=p.answered_within_of_answered_pct / 100.0,
        occupancy=p.occupancy, load_erlangs=p.load_erlangs, breaches=list(p.breaches),
        model="erlang_c" if patience_s is None else "erlang_a", params_file=params.file)


# --- simulation ----------------------------------------------------------------------------------------


class SimPeriodFigures(BaseModel):
    """The whole simulated horizon, counted the way the standards are measured over a period."""

    model_config = ConfigDict(frozen=True)

    offered: int
    answered: int
    abandoned: int
    dropped: int
    answered_within: int
    avg_hold_time_s: float | None
    answered_within_pct: float | None
    abandon_rate_pct: float | None
    disconnect_rate_pct: float | None
    breaches: list[Standard]


class SimIntervalFigures(SimPeriodFigures):
    """One interval of a simulated day: the same figures over the calls offered in it, with its staffing."""

    interval_start: dt.datetime
    agents: int


class SimulationReport(BaseModel):
    """``partcd callcenter simulate --json`` and ``POST /callcenter/simulate``; ``compliant`` = no interval breaches."""

    model_config = ConfigDict(frozen=True)

    seed: int
    handle: Handle
    handle_cv: float
    aht_s: float
    patience_s: float | None
    drop_rate_pct: float
    answer_within_s: float
    params_file: str
    intervals: list[SimIntervalFigures]
    period: SimPeriodFigures
    breached_intervals: int
    breaches_by_standard: dict[str, int]
    compliant: bool


def _single(forecast: Sequence[IntervalForecast], attr: Literal["aht_s", "drop_rate_pct"], file: str) -> float:
    """The one value of ``attr`` over the intervals with calls (the simulation draws from one distribution)."""
    busy = [(i, getattr(f, attr)) for i, f in enumerate(forecast, start=1) if f.calls_offered > 0]
    if not busy:
        return float(getattr(forecast[0], attr))
    first_row, first = busy[0]
    for row, value in busy:
        if value != first:
            raise InputError(file, row, attr, f"the simulation uses one {attr} for the whole horizon: {value:g} here, "
                                              f"{first:g} in row {first_row}")
    return float(first)


def _check(breach: bool, standard: Standard, out: list[Standard]) -> None:
    if breach:
        out.append(standard)


def _breaches(hold: float | None, within: int, answered: int, dropped: int, offered: int,
              params: ParamSet) -> list[Standard]:
    lim = limits(params)
    out: list[Standard] = []
    if offered == 0:
        return out
    eps = 1e-12
    _check(answered > 0 and hold is not None and hold > lim.hold_max_s * (1 + eps), "avg_hold", out)
    _check(within / offered < lim.sl_min * (1 - eps), "answered_within", out)
    _check(100.0 * dropped / offered > lim.disconnect_max_pct * (1 + eps), "disconnect", out)
    return out


def _pct(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def run_simulation(forecast: Sequence[IntervalForecast], agents: Sequence[int], params: ParamSet, *, seed: int,
                   patience_s: float | None = None, handle: Handle = "exponential", handle_cv: float = 1.0,
                   forecast_file: str = "forecast") -> tuple[SimulationReport, SimulationResult]:
    """One seeded replication of the forecast horizon with the staffing schedule, judged interval by interval.

    Arrivals per interval are Poisson at ``calls_offered / length_s`` (calls leaving the IVR); handle times and the
    system-drop probability are one value for the horizon (every interval with calls must carry the same ``aht_s``
    and ``drop_rate_pct``; an InputError names the first row that differs).
    """
    if len(agents) != len(forecast):
        raise ConfigError(f"{len(agents)} staffing values for {len(forecast)} intervals")
    aht_s = _single(forecast, "aht_s", forecast_file)
    drop_pct = _single(forecast, "drop_rate_pct", forecast_file)
    lim = limits(params)
    schedule = [SimInterval(length_s=f.length_s, arrival_rate_per_s=f.calls_offered / f.length_s, agents=n)
                for f, n in zip(forecast, agents, strict=True)]
    try:
        result = simulate(schedule, aht_s, np.random.default_rng(seed), patience_s=patience_s, handle=handle,
                          handle_cv=handle_cv, drop_probability=drop_pct / 100.0, answer_within_s=lim.answer_within_s)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    rows: list[SimIntervalFigures] = []
    for f, m in zip(forecast, result.intervals, strict=True):
        rows.append(SimIntervalFigures(
            interval_start=f.interval_start, agents=m.agents, offered=m.offered, answered=m.answered,
            abandoned=m.abandoned, dropped=m.dropped, answered_within=m.answered_within,
            avg_hold_time_s=m.avg_hold_time_s, answered_within_pct=_pct(m.answered_within, m.offered),
            abandon_rate_pct=_pct(m.abandoned, m.offered), disconnect_rate_pct=_pct(m.dropped, m.offered),
            breaches=_breaches(m.avg_hold_time_s, m.answered_within, m.answered, m.dropped, m.offered, params)))
    answered = [c for c in result.calls if c.outcome == "answered"]
    offered = len(result.calls)
    within = sum(1 for c in answered if c.wait_s <= lim.answer_within_s)
    abandoned = sum(1 for c in result.calls if c.outcome == "abandoned")
    dropped = sum(1 for c in result.calls if c.outcome == "dropped")
    hold = float(np.mean([c.wait_s for c in answered])) if answered else None
    period = SimPeriodFigures(
        offered=offered, answered=len(answered), abandoned=abandoned, dropped=dropped, answered_within=within,
        avg_hold_time_s=hold, answered_within_pct=_pct(within, offered), abandon_rate_pct=_pct(abandoned, offered),
        disconnect_rate_pct=_pct(dropped, offered),
        breaches=_breaches(hold, within, len(answered), dropped, offered, params))
    by_standard = {s: sum(1 for r in rows if s in r.breaches) for s in ("avg_hold", "answered_within", "disconnect")}
    breached = sum(1 for r in rows if r.breaches)
    report = SimulationReport(
        seed=seed, handle=handle, handle_cv=handle_cv, aht_s=aht_s, patience_s=patience_s, drop_rate_pct=drop_pct,
        answer_within_s=lim.answer_within_s, params_file=params.file, intervals=rows, period=period,
        breached_intervals=breached, breaches_by_standard=by_standard, compliant=breached == 0)
    return report, result


def _aware(t: dt.datetime, tz: str) -> dt.datetime:
    """A forecast time with its offset; naive times are wall-clock times of ``tz``."""
    return t if t.tzinfo is not None else t.replace(tzinfo=ZoneInfo(tz))


def _stamp(t: dt.datetime) -> str:
    return t.isoformat(timespec="microseconds")


def sim_call_rows(calls: Sequence[CallRecord], horizon_start: dt.datetime, *, contract_id: str,
                  tz: str) -> list[dict[str, str]]:
    """Simulated calls as rows of the generic call log (the IVR ends when the call is offered to the queue).

    answered -> ``completed`` with ``answered_at`` = offer + wait; abandoned -> ``caller_hangup``; dropped ->
    ``dropped``; no interpreter or TTY calls. Times keep microseconds, so the log's holds equal the simulated waits.
    """
    t0 = _aware(horizon_start, tz)
    reason = {"answered": "completed", "abandoned": "caller_hangup", "dropped": "dropped"}
    out = []
    for c in calls:
        start = t0 + dt.timedelta(seconds=c.arrival_s)
        answered = start + dt.timedelta(seconds=c.wait_s) if c.outcome == "answered" else None
        end = t0 + dt.timedelta(seconds=c.end_s)
        out.append({"call_id": f"sim-{c.call_id + 1:07d}", "contract_id": contract_id, "call_start": _stamp(start),
                    "ivr_end": _stamp(start), "answered_at": _stamp(answered) if answered else "",
                    "call_end": _stamp(max(end, answered or end)), "end_reason": reason[c.outcome],
                    "interpreter_requested": "false", "interpreter_connected_at": "", "tty": "false",
                    "tty_connected_at": ""})
    return out


def write_sim_calls(path: Path, calls: Sequence[CallRecord], horizon_start: dt.datetime, *, contract_id: str,
                    tz: str) -> Path:
    """Write the simulated calls as a generic call-log CSV (``partcd callcenter metrics --calls`` reads it)."""
    rows = sim_call_rows(calls, horizon_start, contract_id=contract_id, tz=tz)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(REQUIRED))
        writer.writeheader()
        writer.writerows(rows)
    return path


# --- early warning -------------------------------------------------------------------------------------


class EarlyWarningReport(BaseModel):
    """``partcd callcenter early-warning --json`` and ``POST /callcenter/early-warning``."""

    model_config = ConfigDict(frozen=True)

    contract_id: str | None
    quarter_start: dt.date
    quarter_end: dt.date
    as_of: dt.datetime
    to_date: QuarterToDate
    agents_source: Literal["file", "constant", "staffing_plan"]
    seed: int
    params_file: str
    warning: EarlyWarning


def quarter_bounds(quarter_end: dt.date) -> tuple[dt.date, dt.date]:
    """(first day, last day) of the calendar quarter that ``quarter_end`` closes (it must be a quarter's last day)."""
    if (quarter_end.month, quarter_end.day) not in {(3, 31), (6, 30), (9, 30), (12, 31)}:
        raise ConfigError(f"--quarter-end must be the last day of a calendar quarter (03-31, 06-30, 09-30 or 12-31), "
                          f"got {quarter_end.isoformat()}")
    return dt.date(quarter_end.year, quarter_end.month - 2, 1), quarter_end


def _remaining(forecast: Sequence[IntervalForecast], as_of: dt.datetime, q_end: dt.date,
               tz: str) -> tuple[list[int], list[IntervalForecast]]:
    """Forecast intervals still ahead at ``as_of`` up to the quarter's end; the interval under way keeps its rest."""
    keep: list[int] = []
    out: list[IntervalForecast] = []
    zone = ZoneInfo(tz)
    for i, f in enumerate(forecast):
        start = _aware(f.interval_start, tz)
        end = start + dt.timedelta(seconds=f.length_s)
        if end <= as_of or start.astimezone(zone).date() > q_end:
            continue
        if start < as_of:
            rest = (end - as_of).total_seconds()
            begin = as_of.astimezone(start.tzinfo)
            f = f.model_copy(update={"interval_start": begin if f.interval_start.tzinfo else begin.replace(tzinfo=None),
                                     "length_s": rest, "calls_offered": f.calls_offered * rest / f.length_s})
        keep.append(i)
        out.append(f)
    return keep, out


def run_early_warning(calls_path: Path, forecast: Sequence[IntervalForecast], agents: Sequence[int] | None,
                      quarter_end: dt.date, *, seed: int, tz: str = "America/New_York", engine: str | None = None,
                      contract_id: str | None = None, patience_s: float | None = None,
                      alert_threshold: float | None = None, volume_cv: float | None = None,
                      samples: int | None = None, agents_source: Literal["file", "constant"] = "file",
                      profile: str | None = None) -> EarlyWarningReport:
    """The quarter-to-date counts from the call log and the forecast for the rest -> probability the quarter fails.

    To date: the calls of the contract (``contract_id``, or the log's only contract) whose local call date falls in
    the quarter and that left the IVR (the calls the forecast and the queue model describe), counted by the metrics
    pipeline (:func:`partcd.callcenter.pipelines.metrics.aggregate` over the checked log, in the engine). "Now" is
    the latest call start of
    the log in the quarter (the quarter's first midnight when it has none); forecast intervals that end before it
    are past, the interval under way keeps its remaining share of calls. ``agents=None``: the minimum staffing
    meeting the standards (:func:`partcd.callcenter.rules.staffing.staff_intervals`). ``profile``: the mapping
    profile of a platform export (default: detected from the header).
    """
    q_start, q_end = quarter_bounds(quarter_end)
    params = load_params("callcenter", q_start)
    checked = read_call_log(calls_path, tz=tz, engine=engine, profile=profile)
    good = checked.good
    contracts = sorted(r for r in good.select("contract_id").distinct().to_pyarrow().column(0).to_pylist() if r)
    if contract_id is None:
        if len(contracts) > 1:
            raise ConfigError(f"the call log holds {len(contracts)} contracts ({', '.join(contracts)}): choose one "
                              f"with --contract")
        contract_id = contracts[0] if contracts else None
    elif contract_id not in contracts:
        raise ConfigError(f"contract {contract_id} has no calls in {checked.log.source}")
    no_ivr = latest_params().typed(CallCenterParams).answered_without_ivr_end_text
    epoch = dt.date(1970, 1, 1)
    days = derived(good, by="quarter", tz=tz, no_ivr=no_ivr)
    quarter = days.filter((days._day >= (q_start - epoch).days) & (days._day <= (q_end - epoch).days))
    latest_us = quarter.call_start_us.max().to_pyarrow().as_py()
    as_of: dt.datetime = (timeexpr.datetime_of_us(latest_us) if latest_us is not None
                          else dt.datetime.combine(q_start, dt.time(), ZoneInfo(tz)))
    mine = quarter.filter((quarter.contract_id == contract_id) & quarter._queued)
    to_date = QuarterToDate(calls=0, answered=0, answered_within=0, hold_sum_s=0.0, dropped=0)
    rows = [r for r in aggregate(mine, ["_period"]).to_pyarrow().to_pylist() if r["_ok"] and r["calls"]]
    if rows:
        (record,) = rows
        to_date = QuarterToDate(calls=int(record["calls"]), answered=int(record["answered"]),
                                answered_within=int(record["answered_within"]),
                                hold_sum_s=int(record["hold_sum_us"] or 0) / 1e6, dropped=int(record["dropped"]))
    keep, rest = _remaining(forecast, as_of, q_end, tz)
    source: Literal["file", "constant", "staffing_plan"]
    if agents is None:
        staffing = [r.agents for r in staff_intervals(rest, params, patience_s=patience_s).intervals] if rest else []
        source = "staffing_plan"
    else:
        staffing = [agents[i] for i in keep]
        source = agents_source
    options: dict[str, Any] = {}  # omitted options keep quarter_failure_probability's defaults
    if alert_threshold is not None:
        options["alert_threshold"] = alert_threshold
    if volume_cv is not None:
        options["volume_cv"] = volume_cv
    if samples is not None:
        options["samples"] = samples
    try:
        warning = quarter_failure_probability(to_date, rest, staffing, params, np.random.default_rng(seed),
                                              patience_s=patience_s, **options)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return EarlyWarningReport(contract_id=contract_id, quarter_start=q_start, quarter_end=q_end, as_of=as_of,
                              to_date=to_date, agents_source=source, seed=seed, params_file=params.file,
                              warning=warning)


def _finite(v: float) -> float | None:
    return v if math.isfinite(v) else None
