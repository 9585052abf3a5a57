"""Call-center planning endpoints (§ 422.111(h)(1)(ii), § 423.128(d)(1)(ii); CAP letter L30): steady-hour staffing,
staffing of a forecast, the simulated day, and the early warning for the quarter - the ``partcd callcenter staff |
staffing | simulate | early-warning`` commands over HTTP. Role ``analyst`` (admin always passes).

Uploads are the CSVs of the CLI; a bad row answers 422 with ``pointer = {file, row, field}`` naming the upload. Numbers
are bounded (finite, and no larger than the biggest call center could mean: ``MAX_CALLS_PER_HOUR``, ``MAX_HANDLE_S``,
``MAX_AGENTS``, ``MAX_LOAD_ERLANGS``); uploads are bounded and parsed off the event loop (``partcd.platform.api.uploads``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile
from pydantic import BaseModel, ConfigDict, Field, model_validator

from partcd.callcenter.pipelines.planning import (
    EarlyWarningReport,
    Handle,
    SimulationReport,
    StaffFigures,
    agents_for,
    read_agents,
    read_forecast,
    run_early_warning,
    run_simulation,
    staff_figures,
)
from partcd.callcenter.rules.staffing import IntervalForecast, StaffingPlan, staff_intervals
from partcd.core.errors import InputError
from partcd.platform.api.deps import Analyst, Day
from partcd.platform.api.uploads import Uploads
from partcd.platform.params import load_params

router = APIRouter(prefix="/api/v1/callcenter", tags=["callcenter planning"])

#: Bounds of the planning inputs (the server's choice where the rule is silent): far above any real call center,
#: low enough that every computation ends in seconds.
MAX_CALLS_PER_HOUR = 1_000_000.0
MAX_HANDLE_S = 14_400.0  # 4 hours
MAX_PATIENCE_S = 86_400.0  # a day
MAX_AGENTS = 100_000
MAX_LOAD_ERLANGS = 100_000.0
MAX_SEED = 2**32 - 1
MAX_INTERVALS = 50_000  # 17 months of 15-minute intervals
MAX_SIMULATED_CALLS = 1_000_000  # one simulation replicates every call of the forecast

Forecast = Annotated[UploadFile, File(description="forecast CSV: interval_start, calls_offered[, aht_s][, drop_rate_pct]")]
AgentsFile = Annotated[UploadFile | None, File(description="agents CSV: interval_start, agents")]
AhtS = Annotated[float | None, Query(gt=0, le=MAX_HANDLE_S, allow_inf_nan=False,
                                     description="mean handle time (s) for rows without aht_s")]
PatienceS = Annotated[float | None, Query(gt=0, le=MAX_PATIENCE_S, allow_inf_nan=False,
                                          description="mean caller patience (s): Erlang A; omit: Erlang C")]
IntervalMin = Annotated[float | None, Query(gt=0, le=1440, allow_inf_nan=False,
                                            description="interval length in minutes (default: from the starts)")]
Seed = Annotated[int, Query(ge=0, le=MAX_SEED, description="seed of the simulation")]


class StaffIn(BaseModel):
    """One steady hour: calls leaving the IVR per hour, mean handle time, optional patience and agents (finite and
    bounded: NaN, Infinity and loads beyond ``MAX_LOAD_ERLANGS`` answer 422)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    calls_per_hour: float = Field(ge=0, le=MAX_CALLS_PER_HOUR)
    aht_s: float = Field(gt=0, le=MAX_HANDLE_S)
    patience_s: float | None = Field(default=None, gt=0, le=MAX_PATIENCE_S)
    agents: int | None = Field(default=None, ge=0, le=MAX_AGENTS)
    at: Day | None = Field(default=None, description="date whose parameters apply (default today)")

    @model_validator(mode="after")
    def _load_in_range(self) -> StaffIn:
        load = self.calls_per_hour * self.aht_s / 3600
        if load > MAX_LOAD_ERLANGS:
            raise ValueError(f"offered load calls_per_hour x aht_s / 3600 = {load:,.0f} Erlangs exceeds {MAX_LOAD_ERLANGS:,.0f}")
        return self


@router.post("/staff")
def staff(body: StaffIn, _: Analyst) -> StaffFigures:
    """Minimum agents meeting all three standards (or the figures of ``agents``); the keys of ``staff --json``."""
    return staff_figures(body.calls_per_hour, body.aht_s, body.patience_s, body.agents, body.at or dt.date.today())


@router.post("/staffing")
async def staffing(
    _: Analyst, job: Uploads, forecast: Forecast, aht_s: AhtS = None, patience_s: PatienceS = None,
    shrinkage: Annotated[float, Query(ge=0, lt=1, allow_inf_nan=False)] = 0.0, interval_min: IntervalMin = None,
) -> StaffingPlan:
    """Agents per interval of the uploaded forecast meeting the three standards, and which standard binds."""
    with job:
        rows = _bounded(await job.run(read_forecast, await job.save(forecast), aht_s, interval_min),
                        forecast.filename or "forecast")
        return await job.run(_staff_forecast, rows, patience_s, shrinkage)


def _bounded(rows: list[IntervalForecast], file: str, *, simulated: bool = False) -> list[IntervalForecast]:
    """The forecast's size and loads within the bounds (422 naming the upload)."""
    if len(rows) > MAX_INTERVALS:
        raise InputError(file, None, None, f"{len(rows):,} intervals; the limit is {MAX_INTERVALS:,}")
    for i, r in enumerate(rows, start=2):
        load = r.calls_offered * r.aht_s / r.length_s
        if not load <= MAX_LOAD_ERLANGS:  # also NaN and infinity
            raise InputError(file, i, "calls_offered", f"offered load {load:,.0f} Erlangs exceeds {MAX_LOAD_ERLANGS:,.0f}")
    total = sum(r.calls_offered for r in rows)
    if simulated and total > MAX_SIMULATED_CALLS:
        raise InputError(file, None, "calls_offered", f"{total:,.0f} calls to simulate; the limit is {MAX_SIMULATED_CALLS:,}")
    return rows


def _staff_forecast(rows: list[IntervalForecast], patience_s: float | None, shrinkage: float) -> StaffingPlan:
    return staff_intervals(rows, load_params("callcenter", rows[0].interval_start.date()), patience_s=patience_s,
                           shrinkage=shrinkage)


@router.post("/simulate")
async def simulate(
    _: Analyst, job: Uploads, forecast: Forecast, agents_file: Annotated[UploadFile | None, File(alias="agents")] = None,
    constant_agents: Annotated[int | None, Query(ge=0, le=MAX_AGENTS,
                                                 description="agents in every interval (instead of the file)")] = None,
    aht_s: AhtS = None, patience_s: PatienceS = None, seed: Seed = 0, handle: Handle = "exponential",
    handle_cv: Annotated[float, Query(gt=0, le=100, allow_inf_nan=False)] = 1.0, interval_min: IntervalMin = None,
) -> SimulationReport:
    """One seeded discrete-event simulation of the forecast with the staffing; ``compliant`` = no interval breaches."""
    with job:
        rows = _bounded(await job.run(read_forecast, await job.save(forecast), aht_s, interval_min),
                        forecast.filename or "forecast", simulated=True)
        starts = [r.interval_start for r in rows]
        if agents_file is not None:
            staffing = await job.run(read_agents, await job.save(agents_file), starts)
        elif constant_agents is not None:
            staffing = agents_for(str(constant_agents), starts)
        else:
            raise InputError("agents", None, "agents", "give the agents CSV upload or the constant_agents query parameter")
        report, _result = await job.run(run_simulation, rows, staffing, load_params("callcenter", starts[0].date()),
                                        seed=seed, patience_s=patience_s, handle=handle, handle_cv=handle_cv,
                                        forecast_file=forecast.filename or "forecast")
    return report


@router.post("/early-warning")
async def early_warning(
    _: Analyst, job: Uploads,
    calls: Annotated[UploadFile, File(description="call log of the quarter so far (generic CSV schema or Parquet)")],
    forecast: Forecast, quarter_end: Annotated[Day, Query()], agents: AgentsFile = None,
    contract_id: Annotated[str | None, Query(max_length=10)] = None,
    aht_s: AhtS = None, patience_s: PatienceS = None, seed: Seed = 0,
    alert_at: Annotated[float | None, Query(gt=0, le=1, allow_inf_nan=False)] = None,
    volume_cv: Annotated[float | None, Query(ge=0, le=10, allow_inf_nan=False)] = None,
    samples: Annotated[int | None, Query(ge=1, le=100_000)] = None, interval_min: IntervalMin = None,
) -> EarlyWarningReport:
    """Probability that the quarter's verdict fails, from the calls so far and the forecast for the rest."""
    with job:
        rows = _bounded(await job.run(read_forecast, await job.save(forecast), aht_s, interval_min),
                        forecast.filename or "forecast")
        planned = await job.run(read_agents, await job.save(agents), [r.interval_start for r in rows]) if agents else None
        return await job.run(run_early_warning, await job.save(calls), rows, planned, quarter_end, seed=seed,
                             tz=job.settings.plan_timezone, engine=job.settings.engine, contract_id=contract_id,
                             patience_s=patience_s, alert_threshold=alert_at, volume_cv=volume_cv, samples=samples)
