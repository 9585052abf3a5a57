"""Core endpoints: health, who am I, the law (parameters with citations), the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy import Engine, text

from partcd import __version__
from partcd.platform.api.deps import Admin, Viewer, get_engine
from partcd.platform.params import area_files, area_spec, areas_with_params, load_params, parse_period, sources
from partcd.platform.store import audit
from partcd.platform.store.db import session_scope

router = APIRouter()


@router.get("/health", tags=["core"])
def health(engine: Annotated[Engine, Depends(get_engine)]) -> dict[str, Any]:
    """Liveness and database reachability (no authentication)."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        db = "ok"
    except Exception as exc:
        db = f"unreachable: {type(exc).__name__}"
    return {"status": "ok" if db == "ok" else "degraded", "version": __version__, "database": db}


@router.get("/api/v1/me", tags=["core"])
def me(who: Viewer) -> dict[str, Any]:
    return {"name": who.name, "role": who.role}


@router.get("/api/v1/law", tags=["law"])
def law_areas(_: Viewer) -> list[dict[str, Any]]:
    """Areas with parameter files, their period kind and periods."""
    return [
        {"area": a, "period_kind": area_spec(a).period_kind,
         "periods": [str(pf.period_value) for pf in area_files(a).values()]}
        for a in areas_with_params()
    ]


@router.get("/api/v1/law/{area}", tags=["law"])
def law_area(area: Annotated[str, Path(max_length=40)], _: Viewer,
             at: Annotated[str | None, Query(max_length=40, description="period (year or ISO date)")] = None,
             ) -> dict[str, Any]:
    """The parameter set in force (latest file, or at ``at``) with every citation and the source's status."""
    files = area_files(area)
    period = parse_period(area, at) if at else max(pf.period_value for pf in files.values())  # type: ignore[type-var]
    ps = load_params(area, period)
    src = sources()
    return {
        "area": area, "file": ps.file, "period": ps.period, "source": ps.source,
        "source_status": src[ps.source].status if ps.source in src else None, "method": ps.method,
        "values": {k: v.model_dump(mode="json", exclude={"area", "key"}) for k, v in ps.values.items()},
    }


@router.get("/api/v1/audit", tags=["core"])
def audit_log(_: Admin, engine: Annotated[Engine, Depends(get_engine)],
              entity_type: Annotated[str | None, Query(max_length=60)] = None,
              entity_id: Annotated[str | None, Query(max_length=100)] = None,
              limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict[str, Any]]:
    """Audit events, newest first (admin only); ``limit`` 1..1000."""
    with session_scope(engine) as s:
        return [
            {"id": e.id, "occurred_at": e.occurred_at.isoformat(), "actor": e.actor, "action": e.action,
             "entity_type": e.entity_type, "entity_id": e.entity_id, "before": e.before, "after": e.after,
             "reason": e.reason}
            for e in audit.recent(s, entity_type, entity_id, limit)
        ]
