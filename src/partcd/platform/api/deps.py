"""Request dependencies: settings, database engine, the calling principal and role checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader
from sqlalchemy import Engine

from partcd.platform.auth import Principal, verify
from partcd.platform.settings import Settings

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key created with `partcd keys create`.")
COOKIE = "partcd_key"


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def presented_key(request: Request, header: str | None) -> str | None:
    if header:
        return header
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.cookies.get(COOKIE)


def principal(
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    header: Annotated[str | None, Depends(api_key_header)] = None,
) -> Principal:
    """401 without a valid key."""
    who = verify(engine, presented_key(request, header))
    if who is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a valid API key is required (X-API-Key header)",
                            headers={"WWW-Authenticate": "X-API-Key"})
    request.state.principal = who
    return who


def require(*roles: str) -> Callable[..., Any]:
    """Dependency factory: 403 unless the caller has one of ``roles`` (admin always passes)."""
    allowed = frozenset(roles)

    def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
        if not who.allowed(allowed):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"role '{who.role}' may not do this; needs one of: "
                                f"{', '.join(sorted(allowed | {'admin'}))}")
        return who

    return check


Viewer = Annotated[Principal, Depends(require("viewer", "analyst", "auditor", "intake", "reviewer", "coordinator"))]
Analyst = Annotated[Principal, Depends(require("analyst"))]
Admin = Annotated[Principal, Depends(require("admin"))]
