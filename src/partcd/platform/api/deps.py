"""Request dependencies: settings, database engine, the calling principal and role checks, bounded input types.

The API authenticates only by a header (``X-API-Key`` or ``Authorization: Bearer``); the web dashboard's session cookie
does not open the API. Bounded types keep numbers, ids and dates that cannot mean anything out of the code (422):
record ids are positive and fit the 32-bit integer keys of the tables; dates lie in ``DATE_MIN``..``DATE_MAX``.
"""

from __future__ import annotations

import datetime as dt
import math
import types
import typing
from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import APIKeyHeader
from pydantic import AfterValidator, BaseModel
from sqlalchemy import Engine

from partcd.platform.auth import Principal, verify
from partcd.platform.settings import Settings

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key created with `partcd keys create`.")

#: Largest record id: the tables' integer primary keys are 32-bit on PostgreSQL.
MAX_ID = 2**31 - 1
#: Dates the records can mean: Medicare Part C began in 1997 (Medicare+Choice); nothing is planned past 2099.
DATE_MIN = dt.date(1990, 1, 1)
DATE_MAX = dt.date(2099, 12, 31)
#: A version counter of optimistic locking (``expected_version``) is a positive record counter.
MAX_VERSION = MAX_ID


def _date_in_range(day: dt.date) -> dt.date:
    if not DATE_MIN <= day <= DATE_MAX:
        raise ValueError(f"date out of range {DATE_MIN}..{DATE_MAX}")
    return day


def _instant_in_range(t: dt.datetime) -> dt.datetime:
    _date_in_range(t.date())
    return t


#: A calendar date in ``DATE_MIN``..``DATE_MAX`` (9999-12-31 or 0001-01-01 answer 422).
Day = Annotated[dt.date, AfterValidator(_date_in_range)]
#: An instant whose date is in ``DATE_MIN``..``DATE_MAX``.
Instant = Annotated[dt.datetime, AfterValidator(_instant_in_range)]
#: A record id in a path: 1..MAX_ID (negative ids and ids >= 2**31 answer 422, not a database error).
RecordId = Annotated[int, Path(ge=1, le=MAX_ID, description="record id")]


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def presented_key(request: Request, header: str | None) -> str | None:
    """The key of an ``X-API-Key`` or ``Authorization: Bearer`` header (never a cookie)."""
    if header:
        return header
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return None


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


def expected_version(value: object) -> int | None:
    """``expected_version`` of a free-form body: absent or a whole number 1..MAX_VERSION, else 422."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_VERSION:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            f"expected_version must be a whole number 1..{MAX_VERSION}, got {str(value)[:40]!r}")
    return value


def _kinds(annotation: Any) -> set[type]:
    """The plain types an annotation admits (``int | None`` -> {int, NoneType}; Annotated and Literal unwrapped)."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _kinds(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return {k for arg in typing.get_args(annotation) for k in _kinds(arg)}
    return {annotation} if isinstance(annotation, type) else set()


def check_body(body: Mapping[str, Any], model: type[BaseModel]) -> None:
    """Bound the fields of a free-form body that ``model`` will read: dates and instants in range, whole numbers in
    -MAX_ID..MAX_ID, finite numbers. 422 naming the field; the model's own validation runs afterwards."""
    for name, field in model.model_fields.items():
        if name not in body or body[name] is None:
            continue
        value, kinds = body[name], _kinds(field.annotation)
        problem = None
        if kinds & {dt.date, dt.datetime} and isinstance(value, str):
            problem = _date_problem(value, dt.datetime in kinds)
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int) and not -MAX_ID <= value <= MAX_ID:
            problem = f"whole number out of range -{MAX_ID}..{MAX_ID}"
        elif isinstance(value, float) and (not math.isfinite(value) or abs(value) > MAX_ID):
            problem = "number must be finite and within range"
        if problem:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"{name}: {problem}")


def _date_problem(text: str, instant: bool) -> str | None:
    try:
        day = dt.datetime.fromisoformat(text).date() if instant and len(text) > 10 else dt.date.fromisoformat(text[:10])
    except ValueError:
        return None  # the model reports a malformed date itself
    return None if DATE_MIN <= day <= DATE_MAX else f"date out of range {DATE_MIN}..{DATE_MAX}"
