"""§§ 422.629-422.634, 423.568-423.572 - appeal and grievance cases over HTTP: intake, transitions, case + timeline,
work queue, notices (HTML/PDF), audit universes (CSV/Excel) and the State-specific timeframes of each contract
(§ 422.629(c): set, list, end).

Roles: ``intake`` creates cases and records notices; ``reviewer`` and ``coordinator`` also decide, extend and
triage; ``auditor`` reads (cases, queue, universes, notices and their audit copies); ``admin`` alone sets a contract's
notice letterhead (``PUT /letterhead/{contract_id}``); ``coordinator`` (and ``admin``) alone sets, lists and ends
State overrides (a less protective one answers 409 with § 422.629(c)); ``admin`` does everything. A refused transition answers
409 with the rule's citation; a stale ``expected_version`` answers 409 too. Ids, versions, dates and numbers are
bounded at the edge (422 naming the field): ``partcd.platform.api.deps.check_body`` checks the fields of the free-form
bodies against the model that will read them.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Query, status
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Engine

from partcd.appeals.pipelines import cases, notices, universes
from partcd.appeals.pipelines import letterhead as letterheads
from partcd.appeals.rules.workflow import CASE_TYPES, EVENT_KINDS, NOTICE_KINDS, CaseEvent, Intake
from partcd.platform.api.deps import (
    DATE_MAX,
    DATE_MIN,
    MAX_ID,
    Admin,
    Day,
    RecordId,
    check_body,
    expected_version,
    get_engine,
    require,
)
from partcd.platform.auth import Principal

router = APIRouter(prefix="/api/v1/appeals", tags=["appeals"])

#: The roles that read cases and their notices, the audit copy (citations and parameters) included (admin always).
NOTICE_READERS = ("intake", "reviewer", "coordinator", "auditor")
Reader = Annotated[Principal, Depends(require(*NOTICE_READERS))]
IntakeRole = Annotated[Principal, Depends(require("intake", "coordinator"))]
Worker = Annotated[Principal, Depends(require("intake", "reviewer", "coordinator"))]
Exporter = Annotated[Principal, Depends(require("coordinator", "auditor"))]
Coordinator = Annotated[Principal, Depends(require("coordinator"))]
EngineDep = Annotated[Engine, Depends(get_engine)]
ContractId = Annotated[str, PathParam(pattern=r"^[A-Z][0-9]{4}$", description="contract id, e.g. H1234")]

#: Events that decide or steer a case: reviewers and coordinators only (intake records receipt facts and notices).
DECISION_EVENTS = frozenset({"decide", "resolve", "extend", "grant_expedite", "deny_expedite", "accept_good_cause",
                             "later_decision", "forward_to_ire", "withdraw", "request_continuation", "request_sfh",
                             "effectuate"})

_CASE_EXAMPLE = {"case_type": "integrated_organization_determination", "received": "2021-03-01T09:00:00-05:00",
                 "reason": "home health visits", "enrollee_name": "Pat Example", "mbi": "1EG4TE5MK73",
                 "contract_id": "H1234", "expedite_requested": False}
_OVERRIDE_EXAMPLE = {"contract_id": "H1234", "timeframe_id": "T2", "duration_value": 10, "duration_unit": "calendar_days",
                     "state": "OH", "citation": "State Medicaid agency contract, appendix K", "effective_from": "2021-01-01"}
_LETTERHEAD_EXAMPLE = {"plan_name": "Sunrise Health Plan", "address": "100 Main St\nColumbus, OH 43215",
                       "phone": "1-800-555-0100", "tty": "711", "hours": "8 a.m. to 8 p.m., 7 days a week",
                       "time_zone": "America/New_York", "languages": ["en", "es"], "expected_version": 1}
_EVENT_EXAMPLE = {"kind": "decide", "at": "2021-03-03T09:00:00-05:00", "decision": "adverse", "expected_version": 1}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _full(engine: Engine, case_id: int, now: dt.datetime) -> dict[str, Any]:
    view = cases.get_case(engine, case_id, now=now)
    return {**view.to_dict(), "timeline": cases.timeline(engine, case_id), "notices": cases.case_notices(engine, case_id)}


@router.post("/cases", status_code=status.HTTP_201_CREATED)
def create_case(who: IntakeRole, engine: EngineDep,
                body: Annotated[dict[str, Any], Body(examples=[_CASE_EXAMPLE])],
                parent_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="the adverse IOD an IR appeals")] = None,
                ) -> dict[str, Any]:
    """Receive a request (fields of ``Intake``; a naive time is the plan's zone). Returns the case with its deadlines."""
    check_body(body, Intake)
    now = _now()
    view = cases.create_case(engine, body, actor=who.name, now=now, parent_id=parent_id)
    return _full(engine, view.id, now)


@router.post("/cases/{case_id}/events")
def transition(case_id: RecordId, who: Worker, engine: EngineDep,
               body: Annotated[dict[str, Any], Body(examples=[_EVENT_EXAMPLE])]) -> dict[str, Any]:
    """Apply one event (fields of ``CaseEvent``; ``at`` defaults to now; ``expected_version`` refuses a stale edit)."""
    data = dict(body)
    expected = expected_version(data.pop("expected_version", None))
    check_body(data, CaseEvent)
    kind = data.get("kind")
    if kind not in EVENT_KINDS:
        raise HTTPException(422, f"kind must be one of: {', '.join(EVENT_KINDS)}")
    if kind in DECISION_EVENTS and not who.allowed(frozenset({"reviewer", "coordinator"})):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"role '{who.role}' may not record '{kind}'; needs one of: "
                            "admin, coordinator, reviewer")
    now = _now()
    view = cases.transition(engine, case_id, data, actor=who.name, now=now, expected_version=expected)
    return _full(engine, view.id, now)


@router.post("/cases/{case_id}/assign")
def assign_case(case_id: RecordId, who: Worker, engine: EngineDep,
                body: Annotated[dict[str, Any], Body(examples=[{"assignee": "Dana Reviewer", "expected_version": 2}])],
                ) -> dict[str, Any]:
    """Assign the case to a staff member (``assignee`` null or blank: unassigned); the queue shows the assignee."""
    raw = body.get("assignee")
    if raw is not None and not isinstance(raw, str):
        raise HTTPException(422, "assignee must be a name (text) or null")
    now = _now()
    view = cases.assign(engine, case_id, raw, actor=who.name, now=now,
                        expected_version=expected_version(body.get("expected_version")))
    return _full(engine, view.id, now)


@router.get("/cases/{case_id}")
def get_case(case_id: RecordId, _: Reader, engine: EngineDep) -> dict[str, Any]:
    """The case as of now: record (§ 422.629(h)), state, deadlines, allowed events, timeline and notices."""
    return _full(engine, case_id, _now())


@router.get("/cases/{case_id}/timeline")
def get_timeline(case_id: RecordId, _: Reader, engine: EngineDep) -> list[dict[str, Any]]:
    return cases.timeline(engine, case_id)


@router.get("/cases/{case_id}/notices/{kind}", response_model=None)
def get_notice(case_id: RecordId, kind: Annotated[str, PathParam(max_length=40)], _: Reader, engine: EngineDep,
               format: Annotated[Literal["html", "pdf"], Query()] = "html",
               language: Annotated[str, Query(max_length=20, description="a language of the contract's letterhead")] = "en",
               audit_copy: Annotated[bool, Query(description="the internal audit copy: the letter plus its citations "
                                                             "and parameters")] = False) -> Response:
    """A notice of the case as HTML or PDF: the member's letter (letterhead, every element the rule lists, no
    citations) or, with ``audit_copy=true``, the internal copy with the citations and parameters. Dated by its event.
    409 when the contract has no letterhead (the message names the command that sets it); 422 for a language the
    contract does not list or that has no templates."""
    if kind not in NOTICE_KINDS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no notice kind {kind!r}; kinds: {', '.join(NOTICE_KINDS)}")
    view = cases.get_case(engine, case_id, now=_now())
    if kind not in cases.notice_kinds_for(view.case):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"case {case_id} has no {kind} notice in state {view.case.status}")
    try:
        head = letterheads.require_letterhead(engine, view.case.contract_id)
    except letterheads.LetterheadMissing as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, exc.message()) from None
    html = notices.render_notice(view.case, kind, case_id=case_id, letterhead=head,  # type: ignore[arg-type]
                                 language=language, audit_copy=audit_copy, state_overrides=view.state_overrides)
    name = f"case-{case_id}-{kind}-{notices.check_language(head, language)}{'-audit' if audit_copy else ''}"
    if format == "html":
        return HTMLResponse(html, headers={"Content-Disposition": f'inline; filename="{name}.html"'})
    with tempfile.TemporaryDirectory() as tmp:
        pdf = notices.write_notice_pdf(html, Path(tmp) / "notice.pdf").read_bytes()
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}.pdf"'})


@router.get("/letterhead")
def list_letterheads(_: Reader, engine: EngineDep) -> list[dict[str, Any]]:
    """The letterhead and notice languages of every contract that has one."""
    return [h.to_dict() for h in letterheads.list_letterheads(engine)]


@router.get("/letterhead/{contract_id}")
def get_letterhead(contract_id: ContractId, _: Reader, engine: EngineDep) -> dict[str, Any]:
    """The letterhead of one contract (404 naming the command that sets it when there is none)."""
    head = letterheads.get_letterhead(engine, contract_id)
    if head is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"contract {contract_id} has no letterhead; an admin sets it with "
                            f"PUT /api/v1/appeals/letterhead/{contract_id} or: {letterheads.set_command(contract_id)}")
    return head.to_dict()


@router.put("/letterhead/{contract_id}")
def put_letterhead(contract_id: ContractId, who: Admin, engine: EngineDep,
                   body: Annotated[dict[str, Any], Body(examples=[_LETTERHEAD_EXAMPLE])]) -> dict[str, Any]:
    """Create or replace a contract's letterhead (admin only; audited). Replacing one needs the ``expected_version``
    read with it: a stale one answers 409."""
    fields = {k: v for k, v in body.items() if k != "expected_version"}
    check_body({**fields, "contract_id": contract_id}, letterheads.LetterheadRequest)
    version = expected_version(body.get("expected_version"))
    if version is None and letterheads.get_letterhead(engine, contract_id) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"contract {contract_id} already has a letterhead: send the "
                            "expected_version you read with it")
    return letterheads.set_letterhead(engine, {**fields, "contract_id": contract_id}, actor=who.name,
                                      expected_version=version).to_dict()


@router.get("/queue")
def work_queue(_: Reader, engine: EngineDep,
               case_type: Annotated[str | None, Query(max_length=60, description=", ".join(CASE_TYPES))] = None,
               status_: Annotated[str | None, Query(alias="status", max_length=40)] = None,
               bucket: Annotated[cases.Bucket | None, Query()] = None,
               limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> dict[str, Any]:
    """Open cases by next due obligation: overdue, due within 24 h, within 72 h, later; counts by type."""
    now = _now()
    if case_type is not None and case_type not in CASE_TYPES:
        raise HTTPException(422, f"case_type must be one of: {', '.join(CASE_TYPES)}")
    items = cases.queue(engine, now=now, case_type=case_type, status=status_, bucket=bucket, limit=limit)
    return {"now": now.isoformat(), "counts": cases.queue_counts(engine, now=now), "items": [i.to_dict() for i in items]}


@router.get("/universe", response_model=None)
def universe(_: Exporter, engine: EngineDep,
             table: Annotated[str, Query(max_length=20, description=", ".join(universes.TABLES))],
             date_from: Annotated[Day | None, Query(alias="from")] = None,
             date_to: Annotated[Day | None, Query(alias="to")] = None,
             format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json") -> Any:
    """One audit universe table (decisions in [from, to]) with the timeliness columns; JSON, CSV or Excel."""
    if table not in universes.TABLES:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no universe table {table!r}; tables: {', '.join(universes.TABLES)}")
    built = universes.build(cases.all_cases(engine, now=_now()), date_from=date_from, date_to=date_to)
    rows = built.tables[table]
    if format == "json":
        return {"table": table, "columns": universes.columns(table), "rows": rows,
                "self_check": [f.to_dict() for f in built.findings if f.table == table]}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"{table}.{format}"
        universes.write(built, out, tables=[table])
        media = "text/csv" if format == "csv" else \
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Response(out.read_bytes(), media_type=media,
                        headers={"Content-Disposition": f'attachment; filename="{out.name}"'})


@router.get("/universe/self-check")
def self_check(_: Exporter, engine: EngineDep,
               date_from: Annotated[Day | None, Query(alias="from")] = None,
               date_to: Annotated[Day | None, Query(alias="to")] = None) -> dict[str, Any]:
    """Late cases in every universe table: by how much and why."""
    built = universes.build(cases.all_cases(engine, now=_now()), date_from=date_from, date_to=date_to)
    return {"summary": built.summary(), "findings": [f.to_dict() for f in built.findings]}


@router.get("/overrides")
def list_overrides(_: Coordinator, engine: EngineDep,
                   contract_id: Annotated[str | None, Query(max_length=10, description="e.g. H1234")] = None,
                   on: Annotated[Day | None, Query(description="only those in force on this local date")] = None,
                   ) -> list[dict[str, Any]]:
    """State-specific timeframes stored per contract (42 CFR 422.629(c))."""
    return [o.to_dict() for o in cases.list_overrides(engine, contract_id=contract_id, on=on)]


@router.post("/overrides", status_code=status.HTTP_201_CREATED)
def set_override(who: Coordinator, engine: EngineDep,
                 body: Annotated[dict[str, Any], Body(examples=[_OVERRIDE_EXAMPLE])]) -> dict[str, Any]:
    """Store a more protective State timeframe for a contract; a less protective one is 409 (42 CFR 422.629(c))."""
    check_body(body, cases.OverrideRequest)
    return cases.set_override(engine, body, actor=who.name).to_dict()


@router.post("/overrides/{override_id}/end")
def end_override(override_id: RecordId, who: Coordinator, engine: EngineDep,
                 body: Annotated[dict[str, Any], Body(examples=[{"effective_to": "2021-06-30", "expected_version": 1}])],
                 ) -> dict[str, Any]:
    """End an override: ``effective_to`` is the last local receipt date it applies to."""
    raw = body.get("effective_to")
    try:
        effective_to = TypeAdapter(Day).validate_python(str(raw)[:40])
    except ValidationError:
        raise HTTPException(422, f"effective_to must be an ISO date in {DATE_MIN}..{DATE_MAX}, got {str(raw)[:40]!r}") from None
    return cases.end_override(engine, override_id, effective_to=effective_to, actor=who.name,
                              expected_version=expected_version(body.get("expected_version"))).to_dict()
