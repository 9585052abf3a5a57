"""Dashboard pages of CAP tracking (CAP letter L28-L40; § 422.510(c), § 422.502(b)(1)) and business continuity
(§ 422.504(o), § 423.505(p)): the CAP list, one CAP with its actions, monitoring runs and closure decision, and the
BCP status of each organization (yearly evidence, incidents against the 72-hour limit). Read-only; changes go
through the API or the CLI so that each one is audited with its actor.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine

from partcd.compliance import pipelines as svc
from partcd.core.errors import ConfigError
from partcd.platform.api.deps import RecordId, get_engine
from partcd.platform.web.shell import current, render

router = APIRouter(include_in_schema=False)

Db = Annotated[Engine, Depends(get_engine)]


@router.get("/callcenter/caps", response_class=HTMLResponse, response_model=None)
def caps(request: Request, engine: Db, status: Annotated[str | None, Query(max_length=30)] = None,
         contract_id: Annotated[str | None, Query(max_length=10)] = None) -> Response:
    who = current(request, engine)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    rows = [c for c, _ in svc.list_caps(engine, status=status or None, contract_id=contract_id or None)]
    return render(request, "compliance/caps.html", who, caps=rows, status=status or "", contract_id=contract_id or "")


@router.get("/callcenter/caps/{cap_id}", response_class=HTMLResponse, response_model=None)
def cap_detail(request: Request, cap_id: RecordId, engine: Db,
               today: Annotated[str | None, Query(max_length=10)] = None) -> Response:
    who = current(request, engine)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    day = _date(today) or dt.date.today()
    try:
        detail = svc.get_cap(engine, cap_id, day)
    except ConfigError:
        return render(request, "compliance/missing.html", who, what=f"CAP {cap_id}")
    contracts = sorted(detail.cap.contract_ids)
    return render(request, "compliance/cap.html", who, d=detail, contracts=contracts)


@router.get("/callcenter/bcp", response_class=HTMLResponse, response_model=None)
def bcp(request: Request, engine: Db, org: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    who = current(request, engine)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    orgs = svc.organizations(engine)
    now = dt.datetime.now(dt.UTC)
    statuses = [svc.bcp_status(engine, o, now) for o in ([org] if org else orgs)]
    return render(request, "compliance/bcp.html", who, statuses=statuses, orgs=orgs, org=org or "")


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None
