"""Call-center endpoints: metrics and verdicts for an uploaded call log, and the CMS daily report (CAP letter L34)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine

from partcd.callcenter.pipelines.daily import daily_report
from partcd.callcenter.pipelines.metrics import Period, run_metrics
from partcd.platform.api.deps import Analyst, get_engine, get_settings, require
from partcd.platform.api.uploads import save_upload, uploads
from partcd.platform.auth import Principal
from partcd.platform.settings import Settings

router = APIRouter(prefix="/api/v1/callcenter", tags=["callcenter"])


@router.post("/metrics")
async def metrics(
    _: Analyst,
    settings: Annotated[Settings, Depends(get_settings)],
    calls: Annotated[UploadFile, File(description="call log (generic CSV schema or Parquet)")],
    by: Annotated[Period, Query()] = "day",
    by_line: Annotated[bool | None, Query(description="per line (true) or pooled (false); default: per line when "
                                                      "the log has a line")] = None,
) -> dict[str, Any]:
    """One record per contract [x line] x period with verdicts (the engine-native call-log pipeline, run off the
    event loop); ``compliant`` is false if any record fails."""
    with uploads() as (folder, names):
        path = await save_upload(calls, folder, names)
        report = await run_in_threadpool(run_metrics, path, by=by, engine=settings.engine, tz=settings.plan_timezone,
                                         by_line=by_line)
    return {"compliant": report.compliant, "by": report.by, "engine": report.engine, "by_line": report.by_line,
            "records": report.records}


#: The daily report reads CAP statuses from the database: the roles that may change CAPs may ask for it.
CapEditor = Annotated[Principal, Depends(require("analyst", "coordinator"))]


@router.post("/daily-report")
async def daily(
    _: CapEditor, engine: Annotated[Engine, Depends(get_engine)], settings: Annotated[Settings, Depends(get_settings)],
    calls: Annotated[UploadFile, File(description="call log (generic CSV schema or Parquet)")],
    contract_id: Annotated[str | None, Query()] = None,
) -> dict[str, Any]:
    """The daily report (CAP letter L34) as JSON records; ``compliant`` is false if any contract-day fails."""
    with uploads() as (folder, names):
        path = await save_upload(calls, folder, names)
        rep = await run_in_threadpool(daily_report, path, folder / "out", contract=contract_id, engine=settings.engine,
                                      tz=settings.plan_timezone, db=engine)
    return {"compliant": rep.compliant, "engine": rep.engine, "breach_days": rep.breach_days, "records": rep.records}
