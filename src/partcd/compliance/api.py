"""CAP and business-continuity endpoints (CAP letter L28-L40; § 422.510(c), § 422.502(b)(1),
§ 422.504(o), § 423.505(p)).

Reads need any role; changes need ``analyst`` or ``coordinator`` (admin always). The actor of every audit event is
the calling key's name. Rule refusals (illegal transition, closure not yet allowed, stale version) answer 409; so does a
duplicate (the same plan version twice). Every input is bounded (422): ids, dates in ``DATE_MIN``..``DATE_MAX``, lists
(at most ``MAX_CONTRACTS`` contracts, ``MAX_ITEMS`` entries elsewhere) and text at the column lengths.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import Engine

from partcd.compliance import pipelines as svc
from partcd.compliance.report import write_cap_document
from partcd.compliance.rules.cap import (
    LETTER_AUTHORITIES,
    LETTER_REQUIRED_ELEMENTS,
    Cap,
    CapAction,
    CapSettings,
    CapStatus,
    ComplianceAction,
    DetectionSource,
    Program,
    RequiredElement,
)
from partcd.compliance.rules.continuity import EssentialFunction, Evidence, Incident, Part, PlanVersion
from partcd.platform.api.deps import MAX_VERSION, Day, Instant, RecordId, Viewer, get_engine, require
from partcd.platform.api.uploads import Uploads
from partcd.platform.auth import Principal

router = APIRouter(prefix="/api/v1/callcenter", tags=["callcenter CAP / BCP"])

Editor = Annotated[Principal, Depends(require("analyst", "coordinator"))]
Db = Annotated[Engine, Depends(get_engine)]

#: Contracts of one CAP: a CMS letter names a parent organization's contracts (dozens at most).
MAX_CONTRACTS = 500
#: Entries of any other list in a request (authorities, root causes, evidence, sites ...).
MAX_ITEMS = 200
ContractId = Annotated[str, StringConstraints(min_length=1, max_length=10)]
Name = Annotated[str, StringConstraints(max_length=200)]
Text = Annotated[str, StringConstraints(max_length=5_000)]
Reference = Annotated[str, StringConstraints(max_length=300)]
Version = Annotated[int | None, Field(default=None, ge=1, le=MAX_VERSION, strict=True)]
Organization = Annotated[str, PathParam(max_length=200)]


class CapIn(BaseModel):
    """A CAP request: the letter's fields (defaults: the letter's authorities and required elements)."""

    model_config = ConfigDict(extra="forbid")

    contract_ids: list[ContractId] = Field(min_length=1, max_length=MAX_CONTRACTS)
    parent_organization: Name
    legal_entity: Name
    issued_on: Day
    deficiency: Text = "Failure to Provide Compliant Call Center Services"
    authorities: list[Reference] = Field(default_factory=lambda: list(LETTER_AUTHORITIES), max_length=MAX_ITEMS)
    detection_source: DetectionSource = "beneficiary_complaints"
    cms_contacted_on: Day | None = None
    self_disclosed: bool = False
    program: Program = "C&D"
    root_causes: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)
    required_elements: list[RequiredElement] = Field(default_factory=lambda: list(LETTER_REQUIRED_ELEMENTS),
                                                     max_length=MAX_ITEMS)
    submission_due: Day | None = None
    implementation_due: Day | None = None
    closure_compliant_periods: int | None = Field(default=None, ge=1, le=1_000)


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: CapStatus
    on: Day
    note: Text | None = None
    expected_version: Version = None


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on: Day
    expected_version: Version = None


class CompleteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    done_on: Day
    evidence: list[Reference] = Field(min_length=1, max_length=MAX_ITEMS)
    expected_version: Version = None


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organization: Name
    version_label: Annotated[str, StringConstraints(max_length=40)]
    approved_on: Day
    parts: list[Part] = Field(min_length=1, max_length=2)
    activation_events: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)
    chain_of_command: list[Name] = Field(default_factory=list, max_length=MAX_ITEMS)
    comms_plan: dict[Name, Text] = Field(default_factory=dict, max_length=MAX_ITEMS)
    alternate_sites: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)
    restoration_plan: Text = ""
    extra_functions: list[EssentialFunction] = Field(default_factory=list, max_length=MAX_ITEMS)


class EvidenceIn(Evidence):
    organization: Name
    performed_on: Day
    description: Annotated[Text, StringConstraints(min_length=1)]
    records: tuple[Reference, ...] = Field(default=(), max_length=MAX_ITEMS)


class CapActionIn(CapAction):
    """A corrective action as the API takes it: dates in range, bounded text."""

    description: Annotated[Text, StringConstraints(min_length=1)]
    owner: Annotated[Name, StringConstraints(min_length=1)]
    due_on: Day
    done_on: Day | None = None
    evidence: tuple[Reference, ...] = Field(default=(), max_length=MAX_ITEMS)


class ComplianceActionIn(ComplianceAction):
    """A compliance-history entry as the API takes it: dates in range, bounded text."""

    issued_on: Day
    contract_id: ContractId
    parent_organization: Name
    cap_id: int | None = Field(default=None, ge=1, le=MAX_VERSION)
    summary: Text = ""
    closed_on: Day | None = None


class IncidentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organization: Name
    function_key: Annotated[str, StringConstraints(max_length=60)] = "C.call_center"
    failure_start: Instant
    detected_at: Instant | None = None
    cause: Text = ""
    activated_bcp: bool = False


class RestoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    restored_at: Instant
    expected_version: Version = None


# --- CAPs ----------------------------------------------------------------------------------------------------


@router.post("/caps", status_code=201)
def create_cap(body: CapIn, who: Editor, engine: Db) -> dict[str, Any]:
    """Record a CAP request; the submission due date defaults to issued + cap_window_min_calendar_days (§ 422.510(c)(1))."""
    data = body.model_dump(exclude={"closure_compliant_periods"})
    cap = Cap.model_validate({**data, "contract_ids": tuple(body.contract_ids)})
    settings = CapSettings(closure_compliant_periods=body.closure_compliant_periods) if body.closure_compliant_periods \
        else CapSettings()
    cap_id = svc.create_cap(engine, cap, actor=who.name, settings=settings)
    return svc.get_cap(engine, cap_id, body.issued_on).model_dump(mode="json")


@router.get("/caps")
def list_caps(_: Viewer, engine: Db, status: Annotated[str | None, Query(max_length=30)] = None,
              contract_id: Annotated[str | None, Query(max_length=10)] = None,
              parent_organization: Annotated[str | None, Query(max_length=200)] = None) -> list[dict[str, Any]]:
    return [{**c.model_dump(mode="json"), "version": v}
            for c, v in svc.list_caps(engine, status=status, contract_id=contract_id, parent_organization=parent_organization)]


@router.get("/caps/{cap_id}")
def get_cap(cap_id: RecordId, _: Viewer, engine: Db,
            today: Annotated[Day | None, Query(description="judge overdue actions and closure as of")] = None,
            ) -> dict[str, Any]:
    """A CAP with actions, monitoring periods, the closure decision and its compliance-history entries."""
    return svc.get_cap(engine, cap_id, today or dt.date.today()).model_dump(mode="json")


DOCUMENT_MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf",
                  "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


@router.get("/caps/{cap_id}/document")
def cap_document(cap_id: RecordId, _: Viewer, engine: Db,
                 as_of: Annotated[Day, Query(description="state action status and the closure run as of this day")],
                 format: Annotated[Literal["html", "pdf", "docx"], Query()] = "pdf",
                 contact: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    """The corrective action plan document the plan submits (``partcd cap document``), as of a stated day."""
    doc = svc.cap_document(engine, cap_id, as_of, contact=contact)
    with tempfile.TemporaryDirectory() as tmp:
        data = write_cap_document(doc, Path(tmp) / f"cap.{format}").read_bytes()
    return Response(data, media_type=DOCUMENT_MEDIA[format],
                    headers={"Content-Disposition": f'attachment; filename="cap-{cap_id}-{as_of.isoformat()}.{format}"'})


@router.post("/caps/{cap_id}/status")
def set_status(cap_id: RecordId, body: StatusIn, who: Editor, engine: Db) -> dict[str, Any]:
    cap = svc.set_status(engine, cap_id, body.to, body.on, actor=who.name, expected_version=body.expected_version,
                         note=body.note)
    return cap.model_dump(mode="json")


@router.post("/caps/{cap_id}/actions", status_code=201)
def add_action(cap_id: RecordId, body: CapActionIn, who: Editor, engine: Db) -> dict[str, Any]:
    return {"action_id": svc.add_action(engine, cap_id, body, actor=who.name)}


@router.post("/caps/actions/{action_id}/complete")
def complete_action(action_id: RecordId, body: CompleteIn, who: Editor, engine: Db) -> dict[str, Any]:
    done = svc.complete_action(engine, action_id, body.done_on, body.evidence, actor=who.name,
                               expected_version=body.expected_version)
    return done.model_dump(mode="json")


@router.post("/caps/{cap_id}/monitoring")
async def record_monitoring(
    cap_id: RecordId, who: Editor, engine: Db, job: Uploads,
    calls: Annotated[UploadFile, File(description="call log of the monitoring days (generic CSV schema or Parquet)")],
) -> dict[str, Any]:
    """Metrics by day of the uploaded log become monitoring periods of the CAP's contracts (the upload is bounded and
    parsed off the event loop: ``partcd.platform.api.uploads``)."""
    with job:
        res = await job.run(svc.record_monitoring_from_calls, engine, cap_id, await job.save(calls), actor=who.name,
                            engine_name=job.settings.engine, tz=job.settings.plan_timezone)
    return res.model_dump(mode="json")


@router.post("/caps/{cap_id}/close")
def close_cap(cap_id: RecordId, body: CloseIn, who: Editor, engine: Db) -> dict[str, Any]:
    """Close - 409 with the per-contract runs unless every affected contract has its run of compliant periods."""
    return svc.close_cap(engine, cap_id, body.on, actor=who.name, expected_version=body.expected_version).model_dump(mode="json")


@router.get("/compliance-actions")
def compliance_actions(_: Viewer, engine: Db, parent_organization: Annotated[str | None, Query(max_length=200)] = None,
                       contract_id: Annotated[str | None, Query(max_length=10)] = None) -> list[dict[str, Any]]:
    return [a.model_dump(mode="json")
            for a in svc.compliance_history(engine, parent_organization=parent_organization, contract_id=contract_id)]


@router.post("/compliance-actions", status_code=201)
def add_compliance_action(body: ComplianceActionIn, who: Editor, engine: Db) -> dict[str, Any]:
    return {"compliance_action_id": svc.add_compliance_action(engine, body, actor=who.name)}


@router.get("/past-performance")
def past_performance(_: Viewer, engine: Db, deadline: Annotated[Day, Query()],
                     parent_organization: Annotated[str | None, Query(max_length=200)] = None,
                     contract_id: Annotated[str | None, Query(max_length=10)] = None) -> dict[str, Any]:
    """Compliance actions in the look-back window before an application deadline (§ 422.502(b)(1))."""
    review = svc.past_performance_review(engine, deadline, parent_organization=parent_organization, contract_id=contract_id)
    return review.model_dump(mode="json")


# --- BCP -----------------------------------------------------------------------------------------------------


@router.post("/bcp/plans", status_code=201)
def create_plan(body: PlanIn, who: Editor, engine: Db) -> dict[str, Any]:
    """A plan version; the regulatory minimum functions of its parts are seeded."""
    plan = PlanVersion.model_validate(body.model_dump(exclude={"extra_functions"}))
    return {"plan_version_id": svc.create_plan(engine, plan, actor=who.name, extra_functions=body.extra_functions)}


@router.post("/bcp/evidence", status_code=201)
def add_evidence(body: EvidenceIn, who: Editor, engine: Db) -> dict[str, Any]:
    ev = Evidence.model_validate(body.model_dump(exclude={"organization"}))
    return {"evidence_id": svc.add_evidence(engine, body.organization, ev, actor=who.name)}


@router.post("/bcp/incidents", status_code=201)
def open_incident(body: IncidentIn, who: Editor, engine: Db) -> dict[str, Any]:
    inc = Incident(function_key=body.function_key, failure_start=body.failure_start,
                   detected_at=body.detected_at or body.failure_start, cause=body.cause, activated_bcp=body.activated_bcp)
    return {"incident_id": svc.open_incident(engine, body.organization, inc, actor=who.name)}


@router.post("/bcp/incidents/{incident_id}/restore")
def restore_incident(incident_id: RecordId, body: RestoreIn, who: Editor, engine: Db) -> dict[str, Any]:
    """Record the restoration; the answer carries the 72-hour check."""
    from partcd.compliance.rules.continuity import restoration_check
    from partcd.platform.params import load_params

    inc = svc.restore_incident(engine, incident_id, body.restored_at, actor=who.name, expected_version=body.expected_version)
    check = restoration_check(inc, load_params("compliance", inc.failure_start.date()), body.restored_at)
    return {**check.model_dump(mode="json"), "explain": check.verdict.explain()}


@router.get("/bcp/{organization}/status")
def bcp_status(organization: Organization, _: Viewer, engine: Db,
               now: Annotated[Instant | None, Query(description="as of (ISO 8601 with offset)")] = None) -> dict[str, Any]:
    """Minimum functions, yearly test and training, incidents vs the 72-hour limit - the report for CMS on request."""
    return svc.bcp_report_data(svc.bcp_status(engine, organization, now or dt.datetime.now(dt.UTC)))


@router.get("/bcp/{organization}/report", response_class=HTMLResponse)
def bcp_report(organization: Organization, _: Viewer, engine: Db,
               now: Annotated[Instant | None, Query(description="as of (ISO 8601 with offset)")] = None) -> HTMLResponse:
    """The same report as HTML (printable for CMS)."""
    status = svc.bcp_status(engine, organization, now or dt.datetime.now(dt.UTC))
    with tempfile.TemporaryDirectory() as tmp:
        paths = svc.write_bcp_report(status, Path(tmp))
        return HTMLResponse(paths[1].read_text(encoding="utf-8"))

