"""D-SNP dashboard pages (§§ 422.2, 422.107, 422.562(a)(5), 422.752(d)): the plan-year overview (contracts with
their level, checklist, integration test and sanction; CMS list differences; admission-notice timeliness; assistance
records) and one contract with its § 422.107 terms, evidence and admissions. Read-only and without PHI; changes go
through the API or the CLI so each one is audited with its actor.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine

from partcd.core.errors import PartcdError
from partcd.dsnp import pipelines as svc
from partcd.platform.api.deps import get_engine
from partcd.platform.auth import Principal
from partcd.platform.web.shell import current, render

router = APIRouter(include_in_schema=False)

Db = Annotated[Engine, Depends(get_engine)]
READERS = frozenset({"viewer", "analyst", "auditor", "coordinator", "intake", "reviewer"})


def _who(request: Request, engine: Engine) -> tuple[Principal | None, Response | None]:
    who = current(request, engine)
    if who is None:
        return None, RedirectResponse("/login", status_code=303)
    if not who.allowed(READERS):
        page = render(request, "dsnp/forbidden.html", who, roles=sorted(READERS | {"admin"}))
        page.status_code = 403
        return who, page
    return who, None


def _year(text: str | None) -> int:
    try:
        year = int(text) if text else dt.date.today().year
    except ValueError:
        return dt.date.today().year
    return min(max(year, 2021), 2100)


@router.get("/dsnp", response_class=HTMLResponse, response_model=None)
def overview(request: Request, engine: Db, year: str | None = None) -> Response:
    who, stop = _who(request, engine)
    if stop is not None:
        return stop
    plan_year = _year(year)
    now = dt.datetime.now(dt.UTC)
    error = None
    statuses: list[Any] = []
    rec = None
    try:
        statuses = [svc.plan_year_status(engine, c.id, plan_year) for c in svc.list_contracts(engine, year=plan_year)]
        rec = svc.reconcile_year(engine, plan_year) if svc.cms_rows(engine, plan_year) else None
    except PartcdError as exc:
        error = str(exc)
    timeliness = [t for t in svc.timeliness_report(engine, now=now) if t.month.startswith(str(plan_year))]
    help_records = [a for a in svc.list_assistance(engine, today=now.date()) if a.need_identified_on.year == plan_year]
    return render(request, "dsnp/index.html", who, year=plan_year, statuses=statuses, rec=rec, timeliness=timeliness,
                  assistance=help_records, error=error)


@router.get("/dsnp/contracts/{contract_row_id}", response_class=HTMLResponse, response_model=None)
def contract_page(request: Request, contract_row_id: int, engine: Db, year: str | None = None) -> Response:
    who, stop = _who(request, engine)
    if stop is not None:
        return stop
    try:
        contract = svc.get_contract(engine, contract_row_id)
        plan_year = _year(year) if year else contract.period_start.year
        status = svc.plan_year_status(engine, contract_row_id, plan_year)
    except PartcdError as exc:
        page = render(request, "dsnp/missing.html", who, what=str(exc))
        page.status_code = 404
        return page
    zone = ZoneInfo(contract.zone)
    admissions = [a for a in svc.list_admissions(engine, contract_row_id=contract_row_id, now=dt.datetime.now(dt.UTC))
                  if a.admitted_at.astimezone(zone).year == plan_year]

    def fmt(t: dt.datetime | None) -> str:
        return t.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z") if t else ""

    window = contract.window.label() if contract.window else "not recorded"
    return render(request, "dsnp/contract.html", who, s=status, admissions=admissions, fmt=fmt, window=window)
