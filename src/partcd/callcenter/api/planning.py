"""Call-center planning endpoints (§ 422.111(h)(1)(ii), § 423.128(d)(1)(ii); CAP letter L30): steady-hour staffing,
staffing of a forecast, the simulated day, and the early warning for the quarter - the ``partcd callcenter staff |
staffing | simulate | early-warning`` commands over HTTP. Role ``analyst`` (admin always passes).

Uploads are the CSVs of the CLI; a bad row answers 422 with ``pointer = {file, row, field}`` naming the upload.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, UploadFile
from pydantic import BaseModel, ConfigDict, Field

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
from partcd.callcenter.rules.staffing import StaffingPlan, staff_intervals
from partcd.core.errors import InputError
from partcd.platform.api.deps import Analyst, get_settings
from partcd.platform.api.uploads import save_upload, uploads
from partcd.platform.params import load_params
from partcd.platform.settings import Settings

router = APIRouter(prefix="/api/v1/callcenter", tags=["callcenter planning"])

Forecast = Annotated[UploadFile, File(description="forecast CSV: interval_start, calls_offered[, aht_s][, drop_rate_pct]")]
AgentsFile = Annotated[UploadFile | None, File(description="agents CSV: interval_start, agents")]
AhtS = Annotated[float | None, Query(gt=0, description="mean handle time (s) for rows without aht_s")]
PatienceS = Annotated[float | None, Query(gt=0, description="mean caller patience (s): Erlang A; omit: Erlang C")]
IntervalMin = Annotated[float | None, Query(gt=0, description="interval length in minutes (default: from the starts)")]


class StaffIn(BaseModel):
    """One steady hour: calls leaving the IVR per hour, mean handle time, optional patience and agents."""

    model_config = ConfigDict(extra="forbid")

    calls_per_hour: float = Field(ge=0)
    aht_s: float = Field(gt=0)
    patience_s: float | None = Field(default=None, gt=0)
    agents: int | None = Field(default=None, ge=0)
    at: dt.date | None = Field(default=None, description="date whose parameters apply (default today)")


@router.post("/staff")
def staff(body: StaffIn, _: Analyst) -> StaffFigures:
    """Minimum agents meeting all three standards (or the figures of ``agents``); the keys of ``staff --json``."""
    return staff_figures(body.calls_per_hour, body.aht_s, body.patience_s, body.agents, body.at or dt.date.today())


@router.post("/staffing")
async def staffing(
    _: Analyst, forecast: Forecast, aht_s: AhtS = None, patience_s: PatienceS = None,
    shrinkage: Annotated[float, Query(ge=0, lt=1)] = 0.0, interval_min: IntervalMin = None,
) -> StaffingPlan:
    """Agents per interval of the uploaded forecast meeting the three standards, and which standard binds."""
    with uploads() as (folder, names):
        rows = read_forecast(await save_upload(forecast, folder, names), aht_s, interval_min)
    return staff_intervals(rows, load_params("callcenter", rows[0].interval_start.date()), patience_s=patience_s,
                           shrinkage=shrinkage)


@router.post("/simulate")
async def simulate(
    _: Analyst, forecast: Forecast, agents_file: Annotated[UploadFile | None, File(alias="agents")] = None,
    constant_agents: Annotated[int | None, Query(ge=0, description="agents in every interval (instead of the file)")] = None,
    aht_s: AhtS = None, patience_s: PatienceS = None, seed: int = 0, handle: Handle = "exponential",
    handle_cv: Annotated[float, Query(gt=0)] = 1.0, interval_min: IntervalMin = None,
) -> SimulationReport:
    """One seeded discrete-event simulation of the forecast with the staffing; ``compliant`` = no interval breaches."""
    with uploads() as (folder, names):
        rows = read_forecast(await save_upload(forecast, folder, names), aht_s, interval_min)
        starts = [r.interval_start for r in rows]
        if agents_file is not None:
            staffing = read_agents(await save_upload(agents_file, folder, names), starts)
        elif constant_agents is not None:
            staffing = agents_for(str(constant_agents), starts)
        else:
            raise InputError("agents", None, "agents", "give the agents CSV upload or the constant_agents query parameter")
        report, _result = run_simulation(rows, staffing, load_params("callcenter", starts[0].date()), seed=seed,
                                         patience_s=patience_s, handle=handle, handle_cv=handle_cv,
                                         forecast_file=forecast.filename or "forecast")
    return report


@router.post("/early-warning")
async def early_warning(
    _: Analyst, settings: Annotated[Settings, Depends(get_settings)],
    calls: Annotated[UploadFile, File(description="call log of the quarter so far (generic CSV schema or Parquet)")],
    forecast: Forecast, quarter_end: dt.date, agents: AgentsFile = None, contract_id: str | None = None,
    aht_s: AhtS = None, patience_s: PatienceS = None, seed: int = 0,
    alert_at: Annotated[float | None, Query(gt=0, le=1)] = None,
    volume_cv: Annotated[float | None, Query(ge=0)] = None,
    samples: Annotated[int | None, Query(ge=1, le=100_000)] = None, interval_min: IntervalMin = None,
) -> EarlyWarningReport:
    """Probability that the quarter's verdict fails, from the calls so far and the forecast for the rest."""
    with uploads() as (folder, names):
        rows = read_forecast(await save_upload(forecast, folder, names), aht_s, interval_min)
        planned = read_agents(await save_upload(agents, folder, names), [r.interval_start for r in rows]) if agents else None
        return run_early_warning(await save_upload(calls, folder, names), rows, planned, quarter_end, seed=seed,
                                 tz=settings.plan_timezone, engine=settings.engine, contract_id=contract_id,
                                 patience_s=patience_s, alert_threshold=alert_at, volume_cv=volume_cv,
                                 samples=samples)
