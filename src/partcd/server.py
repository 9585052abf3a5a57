"""The ASGI application: API routers + web shell + static files, one database engine, migrations applied."""

from __future__ import annotations

import importlib
import importlib.util

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from partcd import __version__
from partcd.api.routers import callcenter as callcenter_api
from partcd.api.routers import core as core_api
from partcd.core.errors import InputError, PartcdError, RuleError
from partcd.settings import Settings
from partcd.store.db import connect, upgrade
from partcd.web import shell

AREA_ROUTERS = ("callcenter_cap", "callcenter_planning", "stars", "appeals", "preclusion", "radv", "dsnp", "telehealth",
                "claimsdata")


def create_app(settings: Settings, *, migrate: bool = True) -> FastAPI:
    """Build the app for ``settings``; applies database migrations unless ``migrate=False``."""
    engine = connect(settings.db_url)
    if migrate:
        upgrade(engine)
    app = FastAPI(title="partcd", version=__version__,
                  description="Medicare Advantage (Part C) and Part D rules as code. Authenticate with `X-API-Key`.")
    app.state.settings = settings
    app.state.engine = engine
    app.include_router(core_api.router)
    app.include_router(callcenter_api.router)
    for area in AREA_ROUTERS:
        if importlib.util.find_spec(f"partcd.api.routers.{area}") is not None:
            app.include_router(importlib.import_module(f"partcd.api.routers.{area}").router)
    app.include_router(shell.router)
    for module in shell.area_modules():
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=str(shell.STATIC_DIR)), name="static")

    @app.exception_handler(PartcdError)
    async def _partcd_error(_: Request, exc: PartcdError) -> JSONResponse:
        code = 409 if isinstance(exc, RuleError) else 422
        body = exc.to_dict()
        if isinstance(exc, InputError):
            body["pointer"] = {"file": exc.file, "row": exc.row, "field": exc.field}
        return JSONResponse(body, status_code=code)

    return app
