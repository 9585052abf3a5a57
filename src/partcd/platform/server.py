"""The ASGI application: API routers + web shell + static files, one database engine, migrations applied.

Guards on every request: the body caps (``partcd.platform.api.limits``), the security headers and the same-origin
check of form posts (``partcd.platform.web.security``). Errors answer with a status and words, never a traceback or a
SQL statement: rule refusals and database conflicts (a duplicate, a missing reference) 409; bad input, values the
database cannot hold and numbers out of range 422; uploads over a limit 413; uploads over the time limit 503.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError
from sqlalchemy.exc import DataError, IntegrityError

from partcd import __version__, registry
from partcd.core.errors import InputError, PartcdError, RuleError
from partcd.platform.api import core as core_api
from partcd.platform.api.limits import BodyLimit, BodyTooLarge
from partcd.platform.api.uploads import UploadRefused, UploadTimeout, scrub_paths, workers
from partcd.platform.settings import Settings
from partcd.platform.store.db import connect, upgrade
from partcd.platform.web import shell
from partcd.platform.web.security import LoginThrottle, SecurityHeaders

log = logging.getLogger("partcd.server")


def create_app(settings: Settings, *, migrate: bool = True) -> FastAPI:
    """Build the app for ``settings``; applies database migrations unless ``migrate=False``."""
    engine = connect(settings.db_url)
    if migrate:
        upgrade(engine)
    app = FastAPI(title="partcd", version=__version__,
                  description="Medicare Advantage (Part C) and Part D rules as code. Authenticate with `X-API-Key`.")
    app.state.settings = settings
    app.state.engine = engine
    app.state.upload_workers = workers(settings)
    app.state.login_throttle = LoginThrottle(settings.login_failures_per_min)
    app.include_router(core_api.router)
    for area in registry.areas():  # every declared router and page set; a broken one fails start-up
        if area.router is not None:
            app.include_router(registry.load(area.router))
    app.include_router(shell.router)
    for area in registry.areas():
        if area.pages is not None:
            app.include_router(registry.load(area.pages))
    app.mount("/static", StaticFiles(directory=str(shell.STATIC_DIR)), name="static")
    app.add_middleware(BodyLimit, settings=settings)
    app.add_middleware(SecurityHeaders, settings=settings)  # outermost: its headers are on every answer, 413s included
    _error_handlers(app)
    return app


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        """422 naming each field and what is wrong, without echoing the input (a NaN cannot be written as JSON, a
        150,000-item list should not come back, and PHI should not travel twice)."""
        return JSONResponse({"detail": _errors(exc.errors())}, status_code=422)

    @app.exception_handler(ValidationError)
    async def _invalid_inside(_: Request, exc: ValidationError) -> JSONResponse:
        """A domain model refusing what the request carried (validated again inside a handler): 422 as well."""
        return JSONResponse({"detail": _errors(exc.errors())}, status_code=422)

    @app.exception_handler(PartcdError)
    async def _partcd_error(_: Request, exc: PartcdError) -> JSONResponse:
        code = 409 if isinstance(exc, RuleError) else 422
        body = exc.to_dict()
        if isinstance(exc, InputError):
            body["pointer"] = {"file": exc.file, "row": exc.row, "field": exc.field}
        return JSONResponse(_scrubbed(body), status_code=code)

    @app.exception_handler(BodyTooLarge)
    async def _body_too_large(_: Request, exc: BodyTooLarge) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=413, headers={"Connection": "close"})

    @app.exception_handler(UploadRefused)
    async def _upload_refused(_: Request, exc: UploadRefused) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=413)

    @app.exception_handler(UploadTimeout)
    async def _upload_timeout(_: Request, exc: UploadTimeout) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=503, headers={"Retry-After": "60"})

    @app.exception_handler(IntegrityError)
    async def _conflict(request: Request, exc: IntegrityError) -> JSONResponse:
        what = _constraint(exc)
        log.warning("integrity conflict on %s %s (%s)", request.method, _route(request), what)
        return JSONResponse({"error": "Conflict", "constraint": what,
                             "message": f"the change conflicts with a stored record ({what}): a duplicate or a missing "
                                        "reference"}, status_code=409)

    @app.exception_handler(DataError)
    async def _data_error(request: Request, exc: DataError) -> JSONResponse:
        log.warning("value refused by the database on %s %s (%s)", request.method, _route(request),
                    type(exc.orig).__name__)
        return JSONResponse({"error": "DataError", "message": "a value does not fit its database column (too long, "
                             "out of range or of the wrong type)"}, status_code=422)

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, exc: OverflowError) -> JSONResponse:
        log.warning("number or date out of range on %s %s", request.method, _route(request))
        return JSONResponse({"error": "OutOfRange", "message": "a number or date is out of range"}, status_code=422)


def _errors(errors: Any) -> list[dict[str, Any]]:
    return [{"type": e.get("type"), "loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))[:500]}
            for e in list(errors)[:50]]


def _route(request: Request) -> str:
    """The route's path template (``/api/v1/appeals/cases/{case_id}``): never ids or query values in logs."""
    route = request.scope.get("route")
    return str(getattr(route, "path", request.url.path))


def _constraint(exc: IntegrityError) -> str:
    """The violated constraint's name (PostgreSQL) or kind and columns (SQLite) - never the statement's values."""
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return str(name)
    text = str(exc.orig).splitlines()[0] if exc.orig is not None else ""
    for kind in ("UNIQUE constraint failed", "FOREIGN KEY constraint failed", "NOT NULL constraint failed",
                 "CHECK constraint failed"):
        if text.startswith(kind):
            return text[:200]
    return "integrity constraint"


def _scrubbed(body: dict[str, object]) -> dict[str, object]:
    """The error body without server temporary paths (in any string value)."""
    out: dict[str, object] = {}
    for key, value in body.items():
        if isinstance(value, str):
            out[key] = scrub_paths(value)
        elif isinstance(value, dict):
            out[key] = _scrubbed(value)
        else:
            out[key] = value
    return out
