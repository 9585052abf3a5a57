"""§ 423.153(g) - the claims-data page: requests with their status and eligibility today, CMS's release calendar and
its findings, the permitted and forbidden purposes with their citations, and (for auditors) the newest accesses.

Read-only: changes go through the API or the CLI (audited). Roles as the API's readers; the access log only for
``auditor`` and ``admin``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine

from partcd.claimsdata.pipelines import requests as service
from partcd.platform.api.deps import get_engine
from partcd.platform.web.shell import current, render

router = APIRouter(include_in_schema=False)

Db = Annotated[Engine, Depends(get_engine)]
READERS = frozenset({"viewer", "analyst", "reviewer", "auditor"})


@router.get("/claimsdata", response_class=HTMLResponse, response_model=None)
def page(request: Request, engine: Db) -> Response:
    who = current(request, engine)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    if not who.allowed(READERS):
        page = render(request, "claimsdata/forbidden.html", who, roles=sorted(READERS | {"admin"}))
        page.status_code = 403
        return page
    today = dt.datetime.now(dt.UTC).date()
    views = service.list_requests(engine, on=today)
    received = {v.id: service.received(engine, v.id, on=today) for v in views}
    log = service.access_log(engine, limit=50) if who.allowed(frozenset({"auditor"})) else None
    return render(request, "claimsdata/page.html", who, today=today, requests=[v.to_dict() for v in views],
                  received=received, releases=service.list_releases(engine), findings=service.calendar_findings(engine),
                  purposes=service.purposes(today), log=log)
