"""The "Preclusion" dashboard page (42 CFR 422.222, 423.120(c)(6)): the current list and its postings, the version
history, a party lookup, the notices due and the provider-notification efforts log. Read-only: uploads and efforts
go through the API or the CLI, so each change is audited with its actor.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine

from partcd.core.errors import PartcdError
from partcd.platform.api.deps import get_engine
from partcd.platform.web.shell import current, render
from partcd.preclusion import pipelines, store
from partcd.preclusion.rules.models import NPI_FORMAT

router = APIRouter(include_in_schema=False)

Db = Annotated[Engine, Depends(get_engine)]
#: rows of each table the page shows
SHOWN = 50


@router.get("/preclusion", response_class=HTMLResponse, response_model=None)
def page(request: Request, engine: Db, npi: str | None = None, as_of: str | None = None) -> Response:
    who = current(request, engine)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    day = _date(as_of) or dt.date.today()
    loaded = store.current_list(engine)
    efforts = store.list_efforts(engine, limit=10_000)
    lookup: dict[str, Any] | None = None
    problem = None
    npi = (npi or "").strip()
    if npi and not NPI_FORMAT.fullmatch(npi):
        problem = "An NPI is 10 digits."
    elif npi and loaded is not None:
        try:
            lookup = pipelines.party_of(loaded.index.get(npi, ()), npi, day)
        except PartcdError as exc:
            problem = exc.message()
    due = pipelines.notices_due(loaded.postings, [r.effort for r in efforts], day) if loaded is not None else []
    return render(request, "preclusion/index.html", who, loaded=loaded, versions=store.list_versions(engine, 20),
                  postings=pipelines.postings_by_date(loaded.postings)[:SHOWN] if loaded is not None else [],
                  due=due[:SHOWN], due_total=len(due), efforts=efforts[:SHOWN], lookup=lookup, npi=npi,
                  problem=problem, as_of=day.isoformat())


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None
