"""The ASGI application: API routers + web shell + static files, one database engine, migrations applied."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from partcd import __version__, registry
from partcd.core.errors import InputError, PartcdError, RuleError
from partcd.platform.api import core as core_api
from partcd.platform.settings import Settings
from partcd.platform.store.db import connect, upgrade
from partcd.platform.web import shell


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
    for area in registry.areas():  # every declared router and page set; a broken one fails start-up
        if area.router is not None:
            app.include_router(registry.load(area.router))
    app.include_router(shell.router)
    for area in registry.areas():
        if area.pages is not None:
            app.include_router(registry.load(area.pages))
    app.mount("/static", StaticFiles(directory=str(shell.STATIC_DIR)), name="static")

    @app.exception_handler(PartcdError)
    async def _partcd_error(_: Request, exc: PartcdError) -> JSONResponse:
        code = 409 if isinstance(exc, RuleError) else 422
        body = exc.to_dict()
        if isinstance(exc, InputError):
            body["pointer"] = {"file": exc.file, "row": exc.row, "field": exc.field}
        return JSONResponse(body, status_code=code)

    return app
