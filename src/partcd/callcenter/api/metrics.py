"""Call-center endpoints: metrics and verdicts for an uploaded call log, and the CMS daily report (CAP letter L34)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, UploadFile
from sqlalchemy import Engine

from partcd.callcenter.pipelines.daily import daily_report
from partcd.callcenter.pipelines.firstpass import Period
from partcd.callcenter.pipelines.metrics import run_metrics
from partcd.platform.api.deps import Analyst, get_engine, require
from partcd.platform.api.uploads import Uploads
from partcd.platform.auth import Principal

router = APIRouter(prefix="/api/v1/callcenter", tags=["callcenter"])


@router.post("/metrics")
async def metrics(
    _: Analyst,
    job: Uploads,
    calls: Annotated[UploadFile, File(description="call log (generic CSV schema or Parquet)")],
    by: Annotated[Period, Query()] = "day",
    by_line: Annotated[bool | None, Query(description="per line (true) or pooled (false); default: per line when "
                                                      "the log has a line")] = None,
) -> dict[str, Any]:
    """One record per contract [x line] x period with verdicts (the engine-native call-log pipeline); ``compliant`` is
    false if any record fails (the upload is bounded and parsed off the event loop: ``partcd.platform.api.uploads``)."""
    with job:
        report = await job.run(run_metrics, await job.save(calls), by=by, engine=job.settings.engine,
                               tz=job.settings.plan_timezone, by_line=by_line)
    return {"compliant": report.compliant, "by": report.by, "engine": report.engine, "by_line": report.by_line,
            "records": report.records}


#: The daily report reads CAP statuses from the database: the roles that may change CAPs may ask for it.
CapEditor = Annotated[Principal, Depends(require("analyst", "coordinator"))]


@router.post("/daily-report")
async def daily(
    _: CapEditor, engine: Annotated[Engine, Depends(get_engine)], job: Uploads,
    calls: Annotated[UploadFile, File(description="call log (generic CSV schema or Parquet)")],
    contract_id: Annotated[str | None, Query(max_length=10)] = None,
) -> dict[str, Any]:
    """The daily report (CAP letter L34) as JSON records; ``compliant`` is false if any contract-day fails."""
    with job:
        rep = await job.run(daily_report, await job.save(calls), job.folder / "out", contract=contract_id,
                            engine=job.settings.engine, tz=job.settings.plan_timezone, db=engine)
    return {"compliant": rep.compliant, "engine": rep.engine, "breach_days": rep.breach_days, "records": rep.records}
