"""Preclusion-list endpoints (42 CFR 422.222, 423.120(c)(6)): the online claim check for real-time adjudication,
list uploads with history, party dates, notices and the provider-notification efforts log.

* ``POST /api/v1/preclusion/check`` (any role): one claim against the current list, held in memory by
  :func:`partcd.preclusion.store.current_list` (warmed at start-up, replaced by an upload; no file or table read per
  request). Answers the six output fields of the batch screen plus the list version it used.
* ``POST /api/v1/preclusion/lists`` (analyst, admin): store a list file as a new version (201; 200 when it is the
  current version's file again); ``GET .../lists`` the history, ``GET .../lists/current`` the current postings.
* ``GET /api/v1/preclusion/parties/{npi}`` and ``GET .../notices-due`` (any role): dates from the current list.
* ``POST /api/v1/preclusion/notices`` (analyst): the beneficiary notices a posting triggers, from an uploaded service
  history (beneficiary ids are PHI: analyst and admin only, never logged).
* ``POST/PATCH/GET /api/v1/preclusion/efforts`` (writes: analyst): the audited efforts log.

Every endpoint is a plain ``def`` (FastAPI runs it in its thread pool: nothing blocks the event loop). Bodies are
bounded (string lengths, dates 2000-2100, upload sizes); a bad body is 422, a bad file 422 naming the upload, its row
and field; no list uploaded yet is 409.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, File, Form, HTTPException, Query, UploadFile, status
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from partcd.core.errors import ConfigError, InputError, RuleError
from partcd.platform.api.deps import Viewer, get_engine, require
from partcd.platform.auth import Principal
from partcd.preclusion import pipelines, store
from partcd.preclusion.rules.efforts import EffortMethod, EffortOutcome, NotificationEffort

Db = Annotated[Engine, Depends(get_engine)]
Analyst = Annotated[Principal, Depends(require("analyst"))]

#: the largest list file an upload may carry (CMS's list is a few MB; 100,000 rows of CSV are about 12 MB)
MAX_LIST_BYTES = 64 * 1024 * 1024
#: the largest service-history file for the notices endpoint (bigger histories: the CLI or the batch pipeline)
MAX_HISTORY_BYTES = 256 * 1024 * 1024
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)
Day = Annotated[dt.date, Field(ge=FIRST_DAY, le=LAST_DAY)]
NpiPath = Annotated[str, PathParam(pattern=r"^[0-9]{10}$", description="10-digit NPI")]


@contextlib.asynccontextmanager
async def _warm_cache(app: FastAPI) -> AsyncIterator[None]:
    """Load the current list into memory at start-up (an empty or not yet migrated database: on first use)."""
    engine = getattr(app.state, "engine", None)
    if engine is not None:
        with contextlib.suppress(SQLAlchemyError):
            await run_in_threadpool(store.current_list, engine)
    yield


router = APIRouter(prefix="/api/v1/preclusion", tags=["preclusion"], lifespan=_warm_cache)


class CheckIn(BaseModel):
    """One claim line, PDE or reimbursement request, as the batch screen reads it (names as in the claims file)."""

    model_config = ConfigDict(extra="forbid")

    claim_id: str = Field(min_length=1, max_length=64)
    program: Literal["MA", "PART_D"]
    transaction: Literal["MA_CLAIM", "PHARMACY_CLAIM", "REIMBURSEMENT_REQUEST", "PDE_SUBMISSION"]
    #: the prescriber's or provider's NPI as submitted (a malformed one is what the PDE gate S1 is for)
    npi: str = Field(min_length=1, max_length=20, pattern=r"^[0-9A-Za-z]+$")
    contracted: bool | None = None
    beneficiary_notice_sent_date: Day | None = None
    service_date: Day
    adjudication_date: Day
    prescriber_named_in_request: bool | None = None


class CheckOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    claim_id: str
    decision: str
    on_list_for_service_date: bool
    in_no_denial_window: bool
    reason: str
    citation: str
    list_version_id: int
    list_label: str


def _current(engine: Engine) -> store.LoadedList:
    loaded = store.current_list(engine)
    if loaded is None:
        raise RuleError("no preclusion list has been uploaded yet: POST /api/v1/preclusion/lists (analyst or admin)")
    return loaded


@router.post("/check", response_model=CheckOut)
def check(body: CheckIn, _: Viewer, engine: Db,
          variant: Annotated[str | None, Query(max_length=40, pattern=r"^[a-z0-9-]+$")] = None) -> CheckOut:
    """Screen one claim for real-time adjudication (the batch screen's decision table, same parameters)."""
    if variant is not None and variant not in pipelines.variant_names():
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"no such variant: {variant!r}")
    loaded = _current(engine)
    decision = pipelines.check_claim(body.model_dump(), loaded.index, variant=variant)
    return CheckOut(**decision.model_dump(), list_version_id=loaded.version.version_id, list_label=loaded.version.label)


def _save_bounded(upload: UploadFile, folder: Path, limit: int, what: str) -> Path:
    """Copy an upload to ``folder`` (its suffix kept, ``.csv`` without one), refusing more than ``limit`` bytes."""
    suffix = Path(upload.filename or "").suffix.lower() or ".csv"
    if suffix not in {".csv", ".parquet"}:
        raise InputError(upload.filename or what, None, None, "upload a CSV or Parquet file")
    path = folder / f"{what}{suffix}"
    size = 0
    with path.open("wb") as fh:
        while block := upload.file.read(1 << 20):
            size += len(block)
            if size > limit:
                raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"{what} file larger than {limit} bytes")
            fh.write(block)
    return path


def _named(exc: InputError, saved: Path, upload: UploadFile) -> InputError:
    """An error about the saved copy names the upload instead (never a server path)."""
    if exc.file == str(saved):
        return InputError(upload.filename or saved.name, exc.row, exc.field, exc.reason)
    return exc


@router.post("/lists", status_code=status.HTTP_201_CREATED)
def upload_list(who: Analyst, engine: Db, file: Annotated[UploadFile, File(description="the list, CSV or Parquet")],
                label: Annotated[str | None, Form(max_length=120)] = None) -> Any:
    """Store a list file as a new version and make it current (this process at once, other workers within the
    cache's re-check interval). Validated like the batch screen; the previous versions stay."""
    with tempfile.TemporaryDirectory() as tmp:
        saved = _save_bounded(file, Path(tmp), MAX_LIST_BYTES, "list")
        try:
            result = pipelines.import_list(engine, saved, actor=who.name, label=label,
                                           source_name=Path(file.filename or "list.csv").name)
        except InputError as exc:
            raise _named(exc, saved, file) from None
    body = result.model_dump(mode="json")
    if not result.created:
        return JSONResponse(body, status_code=status.HTTP_200_OK)
    return body


@router.get("/lists")
def versions(_: Viewer, engine: Db, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict[str, Any]]:
    """The stored list versions, newest first."""
    return [v.model_dump(mode="json") for v in store.list_versions(engine, limit)]


@router.get("/lists/current")
def current(_: Viewer, engine: Db) -> dict[str, Any]:
    """The current version and its postings by posting date (the parties themselves: ``/parties/{npi}``)."""
    loaded = _current(engine)
    return {"version": loaded.version.model_dump(mode="json"), "postings": pipelines.postings_by_date(loaded.postings)}


@router.get("/parties/{npi}")
def party(npi: NpiPath, _: Viewer, engine: Db, as_of: Annotated[dt.date | None, Query()] = None) -> dict[str, Any]:
    """One party's dates from the current list: effective_date, preclusion_period_end, notice_due_by, ..."""
    day = as_of or dt.date.today()
    if not FIRST_DAY <= day <= LAST_DAY:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"as_of must lie in {FIRST_DAY}..{LAST_DAY}")
    loaded = _current(engine)
    return {**pipelines.party_of(loaded.index.get(npi, ()), npi, day), "list_version_id": loaded.version.version_id}


@router.get("/notices-due")
def notices_due(_: Viewer, engine: Db, as_of: Annotated[dt.date | None, Query()] = None) -> list[dict[str, Any]]:
    """Parties whose notice period runs on ``as_of`` (default today), with the efforts logged for each."""
    day = as_of or dt.date.today()
    loaded = _current(engine)
    efforts = [r.effort for r in store.list_efforts(engine, limit=100_000)]
    return [d.model_dump(mode="json") for d in pipelines.notices_due(loaded.postings, efforts, day)]


@router.post("/notices")
def notices(_: Analyst, engine: Db,
            history: Annotated[UploadFile, File(description="beneficiary_id, npi, program, service_date (CSV/Parquet)")],
            posting_date: Annotated[dt.date, Form()], as_of: Annotated[dt.date | None, Form()] = None) -> dict[str, Any]:
    """The notices owed for the parties the current list first posted on ``posting_date``."""
    loaded = _current(engine)
    with tempfile.TemporaryDirectory() as tmp:
        saved = _save_bounded(history, Path(tmp), MAX_HISTORY_BYTES, "history")
        try:
            run = pipelines.notices_of(loaded.postings, saved, posting_date, as_of or dt.date.today())
        except InputError as exc:
            raise _named(exc, saved, history) from None
    return {"list_version_id": loaded.version.version_id, "posting_date": posting_date.isoformat(),
            "lookback_start": run.lookback_start.isoformat(), "notices": pipelines.notice_records(run),
            "party_notifications": [p.model_dump(mode="json") for p in run.party_notifications]}


class EffortPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: EffortOutcome | None = None
    notes: str | None = Field(default=None, max_length=2000)
    contact: str | None = Field(default=None, min_length=1, max_length=300)
    method: EffortMethod | None = None
    expected_version: int | None = Field(default=None, ge=1)


@router.post("/efforts", status_code=status.HTTP_201_CREATED)
def log_effort(body: NotificationEffort, who: Analyst, engine: Db) -> dict[str, Any]:
    """Log one effort to tell a newly precluded party which beneficiaries were notified (audited)."""
    return store.record_effort(engine, body, actor=who.name).model_dump(mode="json")


@router.patch("/efforts/{effort_id}")
def change_effort(effort_id: Annotated[int, PathParam(ge=1)], body: EffortPatch, who: Analyst, engine: Db) -> dict[str, Any]:
    """Change an effort (e.g. the letter came back: outcome ``returned``); audited, refused when stale (409)."""
    changes = body.model_dump(exclude_unset=True, exclude={"expected_version"})
    if not changes:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "nothing to change")
    try:
        changed = store.update_effort(engine, effort_id, changes, actor=who.name, expected_version=body.expected_version)
    except ConfigError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, exc.message()) from None
    return changed.model_dump(mode="json")


@router.get("/efforts")
def efforts(_: Viewer, engine: Db, npi: Annotated[str | None, Query(pattern=r"^[0-9]{10}$")] = None,
            list_posting_date: Annotated[dt.date | None, Query()] = None,
            limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> list[dict[str, Any]]:
    """The efforts log, newest first."""
    return [r.model_dump(mode="json") for r in store.list_efforts(engine, npi=npi, list_posting_date=list_posting_date,
                                                                  limit=limit)]
