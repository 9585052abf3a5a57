"""§§ 422.629-422.634, 423.568-423.572 - appeals dashboard: the work queue (overdue, due in 24 h, due in 72 h; by type
and status) and one case with its deadlines, § 422.629(h) record, notices and timeline, plus a form that records
an event through the same audited service as the API (``partcd.appeals.pipelines.cases``; the form carries the
session's CSRF token). A case's notices open at ``/appeals/cases/<id>/notices/<kind>`` for the signed-in browser (the
API takes keys only in headers)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine

from partcd.appeals.api import DECISION_EVENTS, get_notice
from partcd.appeals.pipelines import cases
from partcd.appeals.rules.workflow import CASE_TYPES, NOTICE_KINDS
from partcd.core.errors import InputError, PartcdError
from partcd.platform.api.deps import MAX_VERSION, RecordId, get_engine, get_settings
from partcd.platform.auth import Principal
from partcd.platform.settings import Settings
from partcd.platform.web.security import DOCUMENT_CSP
from partcd.platform.web.shell import CsrfForm, current, render

router = APIRouter(include_in_schema=False)

Db = Annotated[Engine, Depends(get_engine)]
Conf = Annotated[Settings, Depends(get_settings)]
READERS = frozenset({"intake", "reviewer", "coordinator", "auditor"})
WRITERS = frozenset({"intake", "reviewer", "coordinator"})
BUCKET_TITLES = {"overdue": "Overdue", "due_24h": "Due within 24 hours", "due_72h": "Due within 72 hours",
                 "later": "Later"}


def _who(request: Request, engine: Engine) -> tuple[Principal | None, Response | None]:
    who = current(request, engine)
    if who is None:
        return None, RedirectResponse("/login", status_code=303)
    if not who.allowed(READERS):
        page = render(request, "appeals/forbidden.html", who, roles=sorted(READERS | {"admin"}))
        page.status_code = 403
        return who, page
    return who, None


def _fmt(zone: ZoneInfo) -> Any:
    def fmt(t: dt.datetime | str | None) -> str:
        if t is None:
            return ""
        if isinstance(t, str):
            t = dt.datetime.fromisoformat(t)
        return t.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
    return fmt


@router.get("/appeals", response_class=HTMLResponse, response_model=None)
def queue_page(request: Request, engine: Db, settings: Conf,
               case_type: Annotated[str | None, Query(max_length=60)] = None,
               status: Annotated[str | None, Query(max_length=40)] = None,
               bucket: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    who, stop = _who(request, engine)
    if stop is not None:
        return stop
    now = dt.datetime.now(dt.UTC)
    chosen = bucket if bucket in cases.BUCKETS else None
    items = cases.queue(engine, now=now, case_type=case_type if case_type in CASE_TYPES else None,
                        status=status or None, bucket=chosen)  # type: ignore[arg-type]
    groups = {b: [i for i in items if i.bucket == b] for b in cases.BUCKETS}
    return render(request, "appeals/queue.html", who, groups=groups, titles=BUCKET_TITLES,
                  counts=cases.queue_counts(engine, now=now), case_types=CASE_TYPES, case_type=case_type or "",
                  status=status or "", bucket=chosen or "", fmt=_fmt(ZoneInfo(settings.plan_timezone)), now=now)


@router.get("/appeals/cases/{case_id}", response_class=HTMLResponse, response_model=None)
def case_page(request: Request, case_id: RecordId, engine: Db, settings: Conf,
              error: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    who, stop = _who(request, engine)
    if stop is not None:
        return stop
    assert who is not None
    now = dt.datetime.now(dt.UTC)
    try:
        view = cases.get_case(engine, case_id, now=now)
    except InputError:
        return render(request, "appeals/missing.html", who, case_id=case_id)
    zone = ZoneInfo(view.case.zone or settings.plan_timezone)
    return render(request, "appeals/case.html", who, v=view, c=view.case, record=view.to_dict()["record"],
                  timeline=cases.timeline(engine, case_id), notices=cases.case_notices(engine, case_id),
                  notice_kinds=[k for k in NOTICE_KINDS if k in cases.notice_kinds_for(view.case)],
                  fmt=_fmt(zone), can_write=who.allowed(WRITERS),
                  events=[e for e in view.allowed if who.allowed(frozenset({"reviewer", "coordinator"}))
                          or e not in DECISION_EVENTS], error=error)


@router.post("/appeals/cases/{case_id}/events", response_model=None)
def record_event(request: Request, case_id: RecordId, engine: Db, _: CsrfForm, kind: Annotated[str, Form(max_length=40)],
                 expected_version: Annotated[int, Form(ge=1, le=MAX_VERSION)],
                 decision: Annotated[str, Form(max_length=40)] = "", notice: Annotated[str, Form(max_length=40)] = "",
                 note: Annotated[str, Form(max_length=5_000)] = "") -> Response:
    who = current(request, engine)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    if not who.allowed(WRITERS) or (kind in DECISION_EVENTS and not who.allowed(frozenset({"reviewer", "coordinator"}))):
        return RedirectResponse(f"/appeals/cases/{case_id}?error=role+{who.role}+may+not+record+{kind}", status_code=303)
    event: dict[str, Any] = {"kind": kind, "decision": decision or None, "notice": notice or None, "note": note or None}
    try:
        cases.transition(engine, case_id, event, actor=who.name, expected_version=expected_version)
    except PartcdError as exc:
        return RedirectResponse(f"/appeals/cases/{case_id}?error={quote(exc.message())}", status_code=303)
    return RedirectResponse(f"/appeals/cases/{case_id}", status_code=303)


@router.get("/appeals/cases/{case_id}/notices/{kind}", response_model=None)
def notice_page(request: Request, case_id: RecordId, kind: Annotated[str, PathParam(max_length=40)], engine: Db,
                format: Annotated[Literal["html", "pdf"], Query()] = "html") -> Response:
    """A notice of the case as HTML or PDF (the API's ``GET .../notices/{kind}`` for the signed-in reader)."""
    who, stop = _who(request, engine)
    if stop is not None:
        return stop
    assert who is not None
    answer = get_notice(case_id, kind, who, engine, format)
    if format == "html":
        answer.headers["Content-Security-Policy"] = DOCUMENT_CSP
    return answer
