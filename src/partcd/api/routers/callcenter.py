"""Call-center endpoints: metrics and verdicts for an uploaded call log."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
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
    with uploads() as (folder, names):
        report = run_metrics(await save_upload(calls, folder, names), by=by, engine=settings.engine,
                             tz=settings.plan_timezone)
    return {"compliant": report.compliant, "by": report.by, "engine": report.engine, "records": report.records}


@contextmanager
def uploads() -> Iterator[tuple[Path, dict[str, str]]]:
    """A temporary folder for the uploads; an InputError about a saved file names the upload instead."""
    names: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        try:
            yield Path(tmp), names
        except InputError as exc:
            if exc.file in names:
                raise InputError(names[exc.file], exc.row, exc.field, exc.reason) from None
            raise


async def save_upload(upload: UploadFile, folder: Path, names: dict[str, str]) -> Path:
    """Save ``upload`` in the ``uploads()`` folder under a fresh name (its suffix kept; ``.csv`` without one)."""
    label = upload.filename or "upload"
    suffix = Path(label).suffix or ".csv"
    path = folder / f"upload{len(names) // 2}{suffix}"
    path.write_bytes(await upload.read())
    names[str(path)] = names[path.name] = label
    return path
