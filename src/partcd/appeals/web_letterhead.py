"""Member notices (§§ 422.631(d)(1), 422.633(f)(4): notices in plain language and in a language accessible to the
enrollee, 4185-P L2793, L2938) - the admin page of the contracts' notice letterheads: ``/appeals/letterhead`` lists
them, ``/appeals/letterhead/<contract>`` opens one in a form that saves through the same audited service as the CLI and
the API (``partcd.appeals.pipelines.letterhead``; CSRF token, optimistic locking by ``expected_version``). Only the
``admin`` role opens it.

``pages`` is the area's web router: the dashboard of :mod:`partcd.appeals.web` plus this page.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine

from partcd.appeals import web
from partcd.appeals.pipelines import letterhead as svc
from partcd.appeals.pipelines.notices import LANGUAGE_NAMES, template_languages
from partcd.core.errors import PartcdError
from partcd.platform.api.deps import MAX_VERSION, get_engine
from partcd.platform.auth import Principal
from partcd.platform.web.shell import CsrfForm, current, render

router = APIRouter(include_in_schema=False)
Db = Annotated[Engine, Depends(get_engine)]
ADMINS: frozenset[str] = frozenset()  # Principal.allowed lets admin through whatever the set


def _admin(request: Request, engine: Engine) -> tuple[Principal | None, Response | None]:
    who = current(request, engine)
    if who is None:
        return None, RedirectResponse("/login", status_code=303)
    if not who.allowed(ADMINS):
        page = render(request, "appeals/forbidden.html", who, roles=["admin"])
        page.status_code = 403
        return who, page
    return who, None


def _page(request: Request, who: Principal, engine: Engine, contract_id: str, error: str, saved: bool) -> HTMLResponse:
    return render(request, "appeals/letterhead.html", who, letterheads=svc.list_letterheads(engine),
                  current_head=svc.get_letterhead(engine, contract_id) if contract_id else None, contract_id=contract_id,
                  error=error, saved=saved, template_languages=template_languages(), language_names=LANGUAGE_NAMES)


@router.get("/appeals/letterhead", response_class=HTMLResponse, response_model=None)
def letterhead_list(request: Request, engine: Db, error: Annotated[str, Query(max_length=500)] = "") -> Response:
    """Every contract's letterhead and an empty form for a new one."""
    who, stop = _admin(request, engine)
    if stop is not None:
        return stop
    assert who is not None
    return _page(request, who, engine, "", error, saved=False)


@router.get("/appeals/letterhead/{contract_id}", response_class=HTMLResponse, response_model=None)
def letterhead_edit(request: Request, engine: Db,
                    contract_id: Annotated[str, PathParam(pattern=r"^[A-Z][0-9]{4}$")],
                    error: Annotated[str, Query(max_length=500)] = "", saved: bool = False) -> Response:
    """One contract's letterhead in the form (empty when it has none yet)."""
    who, stop = _admin(request, engine)
    if stop is not None:
        return stop
    assert who is not None
    return _page(request, who, engine, contract_id, error, saved)


@router.post("/appeals/letterhead", response_model=None)
def letterhead_save(request: Request, engine: Db, _: CsrfForm,
                    contract_id: Annotated[str, Form(max_length=10)], plan_name: Annotated[str, Form(max_length=200)],
                    address: Annotated[str, Form(max_length=500)], phone: Annotated[str, Form(max_length=40)],
                    tty: Annotated[str, Form(max_length=40)], hours: Annotated[str, Form(max_length=200)],
                    time_zone: Annotated[str, Form(max_length=60)], languages: Annotated[str, Form(max_length=200)] = "en",
                    hours_translations: Annotated[str, Form(max_length=2_000)] = "",
                    expected_version: Annotated[int | None, Form(ge=1, le=MAX_VERSION)] = None) -> Response:
    """Save the form (admin only); a refusal comes back on the form with its reason."""
    who = current(request, engine)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    if not who.allowed(ADMINS):
        page = render(request, "appeals/forbidden.html", who, roles=["admin"])
        page.status_code = 403
        return page
    key = contract_id.strip().upper()
    back = f"/appeals/letterhead/{quote(key)}" if svc.CONTRACT_RE.match(key) else "/appeals/letterhead"
    codes = [c.strip() for c in languages.replace(";", ",").split(",") if c.strip()]
    translated = dict(line.split("=", 1) for line in hours_translations.splitlines() if "=" in line)
    request_body = {"contract_id": key, "plan_name": plan_name, "address": address.replace("\r\n", "\n"), "phone": phone,
                    "tty": tty, "hours": hours, "time_zone": time_zone, "languages": codes or ["en"],
                    "hours_translations": {k.strip(): v.strip() for k, v in translated.items()}}
    try:
        if expected_version is None and svc.get_letterhead(engine, key) is not None:
            raise PartcdError(f"contract {key} already has a letterhead: open it from the list and save from there")
        svc.set_letterhead(engine, request_body, actor=who.name, expected_version=expected_version)
    except PartcdError as exc:
        return RedirectResponse(f"{back}?error={quote(exc.message())}", status_code=303)
    return RedirectResponse(f"/appeals/letterhead/{quote(key)}?saved=true", status_code=303)


#: The area's web router (registered in ``area.py``): the appeals dashboard and the letterhead page.
pages = APIRouter(include_in_schema=False)
pages.include_router(web.router)
pages.include_router(router)
