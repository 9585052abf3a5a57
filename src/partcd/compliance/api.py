"""CAP and business-continuity endpoints (CAP letter L28-L40; § 422.510(c), § 422.502(b)(1),
§ 422.504(o), § 423.505(p)).

Reads need any role; changes need ``analyst`` or ``coordinator`` (admin always). The actor of every audit event is
the calling key's name. Rule refusals (illegal transition, closure not yet allowed, stale version) answer 409.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from partcd.compliance import pipelines as svc
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
from partcd.platform.api.deps import Viewer, get_engine, get_settings, require
from partcd.platform.api.uploads import save_upload, uploads
from partcd.platform.auth import Principal
from partcd.platform.settings import Settings

router = APIRouter(prefix="/api/v1/callcenter", tags=["callcenter CAP / BCP"])

Editor = Annotated[Principal, Depends(require("analyst", "coordinator"))]
Db = Annotated[Engine, Depends(get_engine)]


class CapIn(BaseModel):
    """A CAP request: the letter's fields (defaults: the letter's authorities and required elements)."""

    model_config = ConfigDict(extra="forbid")

    contract_ids: list[str] = Field(min_length=1)
    parent_organization: str
    legal_entity: str
    issued_on: dt.date
    deficiency: str = "Failure to Provide Compliant Call Center Services"
    authorities: list[str] = Field(default_factory=lambda: list(LETTER_AUTHORITIES))
    detection_source: DetectionSource = "beneficiary_complaints"
    cms_contacted_on: dt.date | None = None
    self_disclosed: bool = False
    program: Program = "C&D"
    root_causes: list[str] = Field(default_factory=list)
    required_elements: list[RequiredElement] = Field(default_factory=lambda: list(LETTER_REQUIRED_ELEMENTS))
    submission_due: dt.date | None = None
    implementation_due: dt.date | None = None
    closure_compliant_periods: int | None = Field(default=None, ge=1)


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: CapStatus
    on: dt.date
    note: str | None = None
    expected_version: int | None = None


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on: dt.date
    expected_version: int | None = None


class CompleteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    done_on: dt.date
    evidence: list[str] = Field(min_length=1)
    expected_version: int | None = None


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organization: str
    version_label: str
    approved_on: dt.date
    parts: list[Part] = Field(min_length=1)
    activation_events: list[str] = Field(default_factory=list)
    chain_of_command: list[str] = Field(default_factory=list)
    comms_plan: dict[str, str] = Field(default_factory=dict)
    alternate_sites: list[str] = Field(default_factory=list)
    restoration_plan: str = ""
    extra_functions: list[EssentialFunction] = Field(default_factory=list)


class EvidenceIn(Evidence):
    organization: str


class IncidentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organization: str
    function_key: str = "C.call_center"
    failure_start: dt.datetime
    detected_at: dt.datetime | None = None
    cause: str = ""
    activated_bcp: bool = False


class RestoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    restored_at: dt.datetime
    expected_version: int | None = None


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
def list_caps(_: Viewer, engine: Db, status: str | None = None, contract_id: str | None = None,
              parent_organization: str | None = None) -> list[dict[str, Any]]:
    return [{**c.model_dump(mode="json"), "version": v}
            for c, v in svc.list_caps(engine, status=status, contract_id=contract_id, parent_organization=parent_organization)]


@router.get("/caps/{cap_id}")
def get_cap(cap_id: int, _: Viewer, engine: Db,
            today: Annotated[dt.date | None, Query(description="judge overdue actions and closure as of")] = None,
            ) -> dict[str, Any]:
    """A CAP with actions, monitoring periods, the closure decision and its compliance-history entries."""
    return svc.get_cap(engine, cap_id, today or dt.date.today()).model_dump(mode="json")


@router.post("/caps/{cap_id}/status")
def set_status(cap_id: int, body: StatusIn, who: Editor, engine: Db) -> dict[str, Any]:
    cap = svc.set_status(engine, cap_id, body.to, body.on, actor=who.name, expected_version=body.expected_version,
                         note=body.note)
    return cap.model_dump(mode="json")


@router.post("/caps/{cap_id}/actions", status_code=201)
def add_action(cap_id: int, body: CapAction, who: Editor, engine: Db) -> dict[str, Any]:
    return {"action_id": svc.add_action(engine, cap_id, body, actor=who.name)}


@router.post("/caps/actions/{action_id}/complete")
def complete_action(action_id: int, body: CompleteIn, who: Editor, engine: Db) -> dict[str, Any]:
    done = svc.complete_action(engine, action_id, body.done_on, body.evidence, actor=who.name,
                               expected_version=body.expected_version)
    return done.model_dump(mode="json")


@router.post("/caps/{cap_id}/monitoring")
async def record_monitoring(
    cap_id: int, who: Editor, engine: Db, settings: Annotated[Settings, Depends(get_settings)],
    calls: Annotated[UploadFile, File(description="call log of the monitoring days (generic CSV schema or Parquet)")],
) -> dict[str, Any]:
    """Metrics by day of the uploaded log become monitoring periods of the CAP's contracts."""
    with uploads() as (folder, names):
        res = svc.record_monitoring_from_calls(engine, cap_id, await save_upload(calls, folder, names), actor=who.name,
                                               engine_name=settings.engine, tz=settings.plan_timezone)
    return res.model_dump(mode="json")


@router.post("/caps/{cap_id}/close")
def close_cap(cap_id: int, body: CloseIn, who: Editor, engine: Db) -> dict[str, Any]:
    """Close - 409 with the per-contract runs unless every affected contract has its run of compliant periods."""
    return svc.close_cap(engine, cap_id, body.on, actor=who.name, expected_version=body.expected_version).model_dump(mode="json")


@router.get("/compliance-actions")
def compliance_actions(_: Viewer, engine: Db, parent_organization: str | None = None,
                       contract_id: str | None = None) -> list[dict[str, Any]]:
    return [a.model_dump(mode="json")
            for a in svc.compliance_history(engine, parent_organization=parent_organization, contract_id=contract_id)]


@router.post("/compliance-actions", status_code=201)
def add_compliance_action(body: ComplianceAction, who: Editor, engine: Db) -> dict[str, Any]:
    return {"compliance_action_id": svc.add_compliance_action(engine, body, actor=who.name)}


@router.get("/past-performance")
def past_performance(_: Viewer, engine: Db, deadline: dt.date, parent_organization: str | None = None,
                     contract_id: str | None = None) -> dict[str, Any]:
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
def restore_incident(incident_id: int, body: RestoreIn, who: Editor, engine: Db) -> dict[str, Any]:
    """Record the restoration; the answer carries the 72-hour check."""
    from partcd.compliance.rules.continuity import restoration_check
    from partcd.platform.params import load_params

    inc = svc.restore_incident(engine, incident_id, body.restored_at, actor=who.name, expected_version=body.expected_version)
    check = restoration_check(inc, load_params("compliance", inc.failure_start.date()), body.restored_at)
    return {**check.model_dump(mode="json"), "explain": check.verdict.explain()}


@router.get("/bcp/{organization}/status")
def bcp_status(organization: str, _: Viewer, engine: Db,
               now: Annotated[dt.datetime | None, Query(description="as of (ISO 8601 with offset)")] = None) -> dict[str, Any]:
    """Minimum functions, yearly test and training, incidents vs the 72-hour limit - the report for CMS on request."""
    return svc.bcp_report_data(svc.bcp_status(engine, organization, now or dt.datetime.now(dt.UTC)))


@router.get("/bcp/{organization}/report", response_class=HTMLResponse)
def bcp_report(organization: str, _: Viewer, engine: Db, now: dt.datetime | None = None) -> HTMLResponse:
    """The same report as HTML (printable for CMS)."""
    status = svc.bcp_status(engine, organization, now or dt.datetime.now(dt.UTC))
    with tempfile.TemporaryDirectory() as tmp:
        paths = svc.write_bcp_report(status, Path(tmp))
        return HTMLResponse(paths[1].read_text(encoding="utf-8"))

