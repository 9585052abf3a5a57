"""The web shell: templates, navigation registry, login/logout, home and the law browser.

Signing in with an API key opens a server-side session (``partcd.platform.auth.start_session``): the browser gets a
fresh random token in an HttpOnly, SameSite=Strict cookie (Secure over https), never the key. Every form carries the
session's CSRF token (``csrf`` in each template; checked by the ``CsrfForm`` dependency of each form's handler), and
``partcd.platform.web.security`` checks the origin of every form post and adds the security headers.
"""

from __future__ import annotations

import hmac
import importlib.resources
import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, select_autoescape
from sqlalchemy import Engine

from partcd import __version__, registry
from partcd.core.area import NavItem
from partcd.platform.api.deps import get_engine, get_settings
from partcd.platform.auth import Principal, csrf_token, end_session, session_principal, start_session, verify
from partcd.platform.jinja import loader
from partcd.platform.params import area_files, area_spec, areas_with_params, load_params, sources
from partcd.platform.settings import Settings
from partcd.platform.web.security import LoginThrottle

#: The session cookie (a random token; the server keeps its hash) and the sign-in form's pre-session CSRF cookie.
COOKIE = "partcd_session"
LOGIN_COOKIE = "partcd_login"
LOGIN_COOKIE_MAX_AGE_S = 3600

TEMPLATES = Jinja2Templates(env=Environment(loader=loader(), autoescape=select_autoescape(["html", "j2"])))
STATIC_DIR = Path(str(importlib.resources.files("partcd.platform.web"))) / "static"

#: Navigation: the shell's pages first, then each area's ``nav`` (its ``area.py`` declaration).
NAV: list[NavItem] = [NavItem("Home", "/"), NavItem("Law", "/law")]

router = APIRouter(include_in_schema=False)


def nav() -> list[NavItem]:
    return NAV + [item for area in registry.areas() for item in area.nav]


def current(request: Request, engine: Engine) -> Principal | None:
    """The signed-in principal of the request's session cookie (None: not signed in, expired or revoked)."""
    if not hasattr(request.state, "web_principal"):
        request.state.web_principal = session_principal(engine, request.cookies.get(COOKIE))
    who: Principal | None = request.state.web_principal
    return who


def form_token(request: Request) -> str:
    """The CSRF token the forms of this session carry ("" without a session)."""
    session = request.cookies.get(COOKIE)
    return csrf_token(session) if session else ""


def render(request: Request, template: str, who: Principal | None, **context: Any) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(
        request, template, {"nav": nav(), "who": who, "version": __version__, "path": request.url.path,
                            "csrf": form_token(request) if who is not None else "", **context}
    )


def require_csrf(request: Request, csrf_token: Annotated[str, Form(max_length=200)] = "") -> None:
    """Dependency of every form handler: 403 unless the form carries its session's CSRF token."""
    expected = form_token(request)
    if not expected or not hmac.compare_digest(expected, csrf_token):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the form's security token is missing or stale; reload the page")


#: Add ``_: CsrfForm`` to a form handler's parameters and ``<input type="hidden" name="csrf_token" value="{{ csrf }}">``
#: to its form.
CsrfForm = Annotated[None, Depends(require_csrf)]


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _throttle(request: Request) -> LoginThrottle:
    throttle: LoginThrottle = request.app.state.login_throttle
    return throttle


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, error: str | None = None) -> HTMLResponse:
    """The sign-in form with a fresh pre-session CSRF token (also set as a short-lived cookie)."""
    token = secrets.token_urlsafe(32)
    resp = render(request, "login.html", None, error=error, login_token=token)
    resp.set_cookie(LOGIN_COOKIE, token, max_age=LOGIN_COOKIE_MAX_AGE_S, httponly=True, samesite="strict",
                    secure=_secure(request))
    return resp


@router.post("/login", response_model=None)
def login(request: Request, engine: Annotated[Engine, Depends(get_engine)],
          settings: Annotated[Settings, Depends(get_settings)],
          api_key: Annotated[str, Form(max_length=200)], csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Sign in: 429 after too many failures from this address; the key opens a new session (the old one is revoked)."""
    throttle = _throttle(request)
    wait = throttle.retry_after(_client(request))
    if wait:
        refused = render(request, "login.html", None, error=f"Too many failed sign-ins; try again in {wait} s.",
                         login_token="")
        refused.status_code = status.HTTP_429_TOO_MANY_REQUESTS
        refused.headers["Retry-After"] = str(wait)
        return refused
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return _failed(request, "The sign-in form expired; please try again.", count=False)
    who = verify(engine, api_key.strip())
    if who is None:
        return _failed(request, "That key is not valid.")
    token = start_session(engine, who, settings.session_ttl_s, replaces=request.cookies.get(COOKIE))
    resp = RedirectResponse("/", status_code=303)
    resp.set_cookie(COOKIE, token, max_age=settings.session_ttl_s, httponly=True, samesite="strict",
                    secure=_secure(request))
    resp.delete_cookie(LOGIN_COOKIE, httponly=True, samesite="strict", secure=_secure(request))
    return resp


def _failed(request: Request, error: str, *, count: bool = True) -> Response:
    if count:
        _throttle(request).failed(_client(request))
    resp = login_form(request, error)
    resp.status_code = status.HTTP_401_UNAUTHORIZED
    return resp


@router.post("/logout")
def logout(request: Request, engine: Annotated[Engine, Depends(get_engine)], _: CsrfForm) -> RedirectResponse:
    """Sign out: the session is revoked on the server, then the cookie is cleared."""
    end_session(engine, request.cookies.get(COOKIE))
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(COOKIE, httponly=True, samesite="strict", secure=_secure(request))
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
