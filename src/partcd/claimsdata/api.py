"""§ 423.153(g) - Parts A and B claims data over HTTP: requests and their life, CMS's release calendar, extracts, the
purposes, and the access log.

Roles (admin passes everywhere):

* read requests, releases and purposes - ``viewer``, ``analyst``, ``reviewer``, ``auditor``;
* the sponsor's side (submit, attest, resubmit, withdraw; build and read extracts) - ``analyst``;
* CMS's side as recorded by the plan (approve, return as incomplete, cancel on leaving Part D, deny further access;
  the release calendar) - ``reviewer``;
* the access log - ``auditor``.

Purpose-limited access: building or reading an extract takes ``purpose`` (an id of (g)(3)), ``recipient`` and
``bound_by``. A forbidden purpose ((g)(4)), one not in (g)(3), an unbound recipient, a request not in force or a
release the sponsor does not receive answers **403** with the reason and the citation; the refusal is in the access
log and the audit log. Other rule refusals (an illegal event) answer 409, bad input 422, never 500. Uploads are
bounded (``MAX_UPLOAD_BYTES`` each). The endpoints are ``def``: the work runs in FastAPI's thread pool.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, File, Form, HTTPException, Query, UploadFile, status
from fastapi.responses import FileResponse
from sqlalchemy import Engine

from partcd.claimsdata.pipelines import requests as service
from partcd.claimsdata.rules.parameters import EventKind, Party
from partcd.core.errors import InputError, RuleError
from partcd.platform.api.deps import get_engine, get_settings, require
from partcd.platform.auth import Principal
from partcd.platform.settings import Settings

router = APIRouter(prefix="/api/v1/claimsdata", tags=["claimsdata"])

Reader = Annotated[Principal, Depends(require("viewer", "analyst", "reviewer", "auditor"))]
SponsorUser = Annotated[Principal, Depends(require("analyst"))]
Reviewer = Annotated[Principal, Depends(require("reviewer"))]
Worker = Annotated[Principal, Depends(require("analyst", "reviewer"))]
Auditor = Annotated[Principal, Depends(require("auditor"))]
EngineDep = Annotated[Engine, Depends(get_engine)]
MAX_UPLOAD_BYTES = 500_000_000
CHUNK = 1 << 20

_REQUEST_EXAMPLE = {"sponsor": {"sponsor_id": "PDP-ACME", "name": "Acme Drug Plans", "sponsor_type": "PDP",
                                "contract_ids": ["S5601", "S5602"]}, "submitted_on": "2020-01-06"}
_EVENT_EXAMPLE = {"kind": "attest", "event_date": "2020-01-07", "attestation": {
    "signed_by": "Pat Officer", "title": "Compliance officer", "contractors_bound": True,
    "permitted_uses": ["medication_outcomes", "care_coordination", "health_care_operations_1",
                       "health_care_operations_2", "fraud_abuse_compliance", "required_by_law"],
    "limitations": ["coverage_determinations", "retroactive_indication_reviews", "enrollment_steering", "marketing"]}}


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _forbidden(exc: RuleError) -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, detail={"error": "purpose_or_access_refused", "reason": exc.reason,
                                                            "cite": exc.citation})


@router.get("/purposes")
def purposes(_: Reader) -> dict[str, Any]:
    """The permitted ((g)(3)) and forbidden ((g)(4)) purposes in force today, and who must bind a recipient."""
    return service.purposes(_today())


@router.post("/requests", status_code=status.HTTP_201_CREATED)
def create_request(who: SponsorUser, engine: EngineDep,
                   body: Annotated[dict[str, Any], Body(examples=[_REQUEST_EXAMPLE])]) -> dict[str, Any]:
    """Submit a request (only a PDP sponsor, for its PDP contracts, its whole enrollment, from 2020-01-01)."""
    return service.create_request(engine, body, actor=who.name).to_dict()


@router.get("/requests")
def list_requests(_: Reader, engine: EngineDep, status_: Annotated[str | None, Query(alias="status")] = None,
                  limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> list[dict[str, Any]]:
    return [v.to_dict() for v in service.list_requests(engine, on=_today(), status=status_, limit=limit)]


@router.get("/requests/{request_id}")
def get_request(request_id: int, _: Reader, engine: EngineDep) -> dict[str, Any]:
    """The request, its history with citations, and whether the sponsor is eligible today."""
    view = service.get_request(engine, request_id, on=_today())
    return {**view.to_dict(), "releases_received": [r.model_dump(mode="json") for r in
                                                    service.received(engine, request_id, on=_today())]}


@router.post("/requests/{request_id}/events")
def record_event(request_id: int, who: Worker, engine: EngineDep,
                 body: Annotated[dict[str, Any], Body(examples=[_EVENT_EXAMPLE])]) -> dict[str, Any]:
    """Apply an event; the sponsor's events are for ``analyst``, CMS's for ``reviewer`` (``lifecycle_table``)."""
    data = dict(body)
    expected = data.pop("expected_version", None)
    kind = data.get("kind")
    params = service.params_on(_today())
    if kind not in EventKind.__args__:  # type: ignore[attr-defined]
        raise InputError("body", None, "kind", f"one of: {', '.join(EventKind.__args__)}")  # type: ignore[attr-defined]
    side = params.transition(str(kind)).actor
    needed = frozenset({"analyst"}) if side == "sponsor" else frozenset({"reviewer"})
    if not who.allowed(needed):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"role '{who.role}' may not record '{kind}' "
                            f"(a {side} event); needs one of: admin, {', '.join(sorted(needed))}")
    view = service.record_event(engine, request_id, data, actor=who.name,
                                expected_version=int(expected) if expected is not None else None)
    return view.to_dict()


@router.get("/releases")
def releases(_: Reader, engine: EngineDep) -> dict[str, Any]:
    """CMS's release calendar and the findings on it (at least quarterly; the first extract's date and period)."""
    return {"releases": [r.model_dump(mode="json") for r in service.list_releases(engine)],
            "findings": [f.model_dump(mode="json") for f in service.calendar_findings(engine)]}


@router.put("/releases")
def set_release(who: Reviewer, engine: EngineDep,
                body: Annotated[dict[str, Any], Body(examples=[{"release_date": "2020-08-15",
                                                                "period_start": "2020-01-01",
                                                                "period_end": "2020-03-31"}])]) -> dict[str, Any]:
    return service.set_release(engine, body, actor=who.name).model_dump(mode="json")


def _save(upload: UploadFile, folder: Path, name: str) -> Path:
    """Copy an upload to ``folder`` in chunks, refusing one over ``MAX_UPLOAD_BYTES`` (the name keeps its suffix)."""
    suffix = Path(upload.filename or "").suffix.lower() or ".csv"
    if suffix not in (".csv", ".parquet"):
        raise InputError(upload.filename or name, None, None, "upload CSV or Parquet")
    path = folder / f"{name}{suffix}"
    size = 0
    with path.open("wb") as out:
        while chunk := upload.file.read(CHUNK):
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                raise InputError(upload.filename or name, None, None, f"larger than {MAX_UPLOAD_BYTES} bytes")
            out.write(chunk)
    return path


@router.post("/requests/{request_id}/extracts", status_code=status.HTTP_201_CREATED)
def build_extract(
    request_id: int, who: SponsorUser, engine: EngineDep, settings: Annotated[Settings, Depends(get_settings)],
    enrollment: Annotated[UploadFile, File(description="enrollee_id, contract_id, enrollment_start, enrollment_end")],
    claims: Annotated[UploadFile, File(description="Parts A and B claims (partcd claims layout, CSV or Parquet)")],
    release_date: Annotated[dt.date, Form()],
    purpose: Annotated[str, Form(max_length=60)],
    recipient: Annotated[Party, Form()] = "sponsor",
    bound_by: Annotated[Party | None, Form()] = None,
    file_format: Annotated[Literal["parquet", "csv"], Form(alias="format")] = "parquet",
) -> dict[str, Any]:
    """Build the extract of a release for the request's sponsor: its enrollees, the seven claim types, the data
    elements only. Refused (403, with the citation) for a purpose or recipient the rule does not allow."""
    use = {"purpose": purpose, "recipient": recipient, "bound_by": bound_by}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        names = {str(folder / "enrollment"): enrollment.filename or "enrollment",
                 str(folder / "claims"): claims.filename or "claims"}
        try:
            e_path, c_path = _save(enrollment, folder, "enrollment"), _save(claims, folder, "claims")
            return service.create_extract(engine, request_id, enrollment=e_path, claims=c_path, release_date=release_date,
                                          use=use, on=_today(), actor=who.name, role=who.role,
                                          folder=settings.data_dir / "claimsdata", file_format=file_format,
                                          tabular_engine=settings.engine)
        except RuleError as exc:
            raise _forbidden(exc) from None
        except InputError as exc:
            stem = str(Path(exc.file).with_suffix(""))
            if stem in names:
                raise InputError(names[stem], exc.row, exc.field, exc.reason) from None
            raise


@router.get("/extracts/{extract_id}", response_model=None)
def read_extract(extract_id: int, who: SponsorUser, engine: EngineDep,
                 purpose: Annotated[str, Query(max_length=60)],
                 recipient: Annotated[Party, Query()] = "sponsor",
                 bound_by: Annotated[Party | None, Query()] = None) -> FileResponse:
    """Download a stored extract for a permitted purpose (checked and logged each time)."""
    try:
        path = service.open_extract(engine, extract_id, {"purpose": purpose, "recipient": recipient,
                                                         "bound_by": bound_by}, on=_today(), actor=who.name,
                                    role=who.role)
    except RuleError as exc:
        raise _forbidden(exc) from None
    media = "text/csv" if path.suffix == ".csv" else "application/vnd.apache.parquet"
    return FileResponse(path, media_type=media, filename=f"claims-extract-{extract_id}{path.suffix}")


@router.get("/access-log")
def access_log(_: Auditor, engine: EngineDep, request_id: Annotated[int | None, Query()] = None,
               limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> list[dict[str, Any]]:
    """Every access to the data, permitted and refused, newest first."""
    return service.access_log(engine, request_id=request_id, limit=limit)

