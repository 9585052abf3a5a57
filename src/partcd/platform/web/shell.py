"""The web shell: templates, navigation registry, login/logout, home and the law browser."""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, select_autoescape
from sqlalchemy import Engine

from partcd import __version__, registry
from partcd.core.area import NavItem
from partcd.platform.api.deps import COOKIE, get_engine
from partcd.platform.auth import Principal, verify
from partcd.platform.jinja import loader
from partcd.platform.params import area_files, area_spec, areas_with_params, load_params, sources

TEMPLATES = Jinja2Templates(env=Environment(loader=loader(), autoescape=select_autoescape(["html", "j2"])))
STATIC_DIR = Path(str(importlib.resources.files("partcd.platform.web"))) / "static"

#: Navigation: the shell's pages first, then each area's ``nav`` (its ``area.py`` declaration).
NAV: list[NavItem] = [NavItem("Home", "/"), NavItem("Law", "/law")]

router = APIRouter(include_in_schema=False)


def nav() -> list[NavItem]:
    return NAV + [item for area in registry.areas() for item in area.nav]


def current(request: Request, engine: Engine) -> Principal | None:
    return verify(engine, request.cookies.get(COOKIE))


def render(request: Request, template: str, who: Principal | None, **context: Any) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(
        request, template, {"nav": nav(), "who": who, "version": __version__, "path": request.url.path, **context}
    )


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, error: str | None = None) -> HTMLResponse:
    return render(request, "login.html", None, error=error)


@router.post("/login", response_model=None)
def login(request: Request, engine: Annotated[Engine, Depends(get_engine)],
          api_key: Annotated[str, Form()]) -> Response:
    who = verify(engine, api_key.strip())
    if who is None:
        return render(request, "login.html", None, error="That key is not valid.")
    resp = RedirectResponse("/", status_code=303)
    resp.set_cookie(COOKIE, api_key.strip(), httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return resp


@router.post("/logout")
def logout() -> RedirectResponse:
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(COOKIE)
    return resp


@router.get("/", response_class=HTMLResponse, response_model=None)
def home(request: Request, engine: Annotated[Engine, Depends(get_engine)]) -> Response:
    who = current(request, engine)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    areas = [{"area": a, "period_kind": area_spec(a).period_kind, "files": list(area_files(a))} for a in areas_with_params()]
    return render(request, "home.html", who, areas=areas)


@router.get("/law", response_class=HTMLResponse, response_model=None)
def law(request: Request, engine: Annotated[Engine, Depends(get_engine)], area: str | None = None) -> Response:
    """The law browser: every parameter, its value by period, its citation and the quoted words."""
    who = current(request, engine)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    src = sources()
    shown = [area] if area else areas_with_params()
    tables = []
    for a in shown:
        for pf in area_files(a).values():
            ps = load_params(a, pf.period_value)
            tables.append({"area": a, "period": ps.period, "file": ps.file, "source": ps.source,
                           "status": src[ps.source].status if ps.source in src else "", "values": list(ps.values.values())})
    return render(request, "law.html", who, tables=tables)
