"""Call-center endpoints: metrics and verdicts for an uploaded call log."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, UploadFile

from partcd.api.deps import Analyst, get_settings
from partcd.core.errors import InputError
from partcd.pipelines.callcenter import Period, run_metrics
from partcd.settings import Settings

router = APIRouter(prefix="/api/v1/callcenter", tags=["callcenter"])


@router.post("/metrics")
async def metrics(
    _: Analyst,
    settings: Annotated[Settings, Depends(get_settings)],
    calls: Annotated[UploadFile, File(description="call log (generic CSV schema or Parquet)")],
    by: Annotated[Period, Query()] = "day",
) -> dict[str, Any]:
    """One record per contract x period with verdicts; ``compliant`` is false if any record fails."""
    suffix = Path(calls.filename or "calls.csv").suffix or ".csv"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(await calls.read())
        try:
            report = run_metrics(path, by=by, engine=settings.engine, tz=settings.plan_timezone)
        except InputError as exc:
            raise InputError(calls.filename or "upload", exc.row, exc.field, exc.reason) from None
    return {"compliant": report.compliant, "by": report.by, "engine": report.engine, "records": report.records}
