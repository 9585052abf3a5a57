"""Audited changes: every create/update/delete of a record writes an ``audit_event`` in the same transaction."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any, TypeVar

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from partcd.core.errors import ConfigError, RuleError
from partcd.platform.store.tables import AuditEvent, Base

T = TypeVar("T", bound=Base)

#: The most audit events one read returns (SQL's ``LIMIT -1`` would mean "all").
PAGE_MAX = 1000


def snapshot(obj: Base) -> dict[str, Any]:
    """Column values as JSON-safe data (dates as ISO strings), without the model's ``audit_excluded`` columns."""
    out: dict[str, Any] = {}
    for attr in inspect(obj).mapper.column_attrs:
        if attr.key in obj.audit_excluded:
            continue
        value = getattr(obj, attr.key)
        if isinstance(value, dt.datetime | dt.date):
            value = value.isoformat()
        elif isinstance(value, decimal.Decimal):
            value = str(value)
        out[attr.key] = value
    return out


def record(session: Session, *, actor: str, action: str, entity_type: str, entity_id: str,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
           reason: str | None = None, api_key_id: int | None = None) -> AuditEvent:
    ev = AuditEvent(actor=actor, action=action, entity_type=entity_type, entity_id=entity_id,
                    before=before, after=after, reason=reason, api_key_id=api_key_id)
    session.add(ev)
    return ev


def create(session: Session, obj: T, *, actor: str, reason: str | None = None) -> T:
    session.add(obj)
    session.flush()
    record(session, actor=actor, action="create", entity_type=obj.__tablename__, entity_id=_pk(obj),
           after=snapshot(obj), reason=reason)
    return obj


def update(session: Session, obj: T, changes: dict[str, Any], *, actor: str, expected_version: int | None = None,
           reason: str | None = None) -> T:
    """Apply ``changes``; with ``expected_version`` a concurrent edit is refused (optimistic locking)."""
    if expected_version is not None and getattr(obj, "version", expected_version) != expected_version:
        raise RuleError(f"{obj.__tablename__} {_pk(obj)} was changed by someone else "
                        f"(version {getattr(obj, 'version', '?')}, you had {expected_version}); reload and retry")
    before = snapshot(obj)
    for key, value in changes.items():
        if key not in inspect(obj).mapper.column_attrs:
            raise RuleError(f"{obj.__tablename__} has no field {key!r}")
        setattr(obj, key, value)
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise RuleError(f"{obj.__tablename__} {_pk(obj)} was changed by someone else; reload and retry") from None
    record(session, actor=actor, action="update", entity_type=obj.__tablename__, entity_id=_pk(obj),
           before=before, after=snapshot(obj), reason=reason)
    return obj


def delete(session: Session, obj: Base, *, actor: str, reason: str | None = None) -> None:
    before = snapshot(obj)
    pk = _pk(obj)
    session.delete(obj)
    session.flush()
    record(session, actor=actor, action="delete", entity_type=obj.__tablename__, entity_id=pk, before=before,
           reason=reason)


def history(session: Session, entity_type: str, entity_id: str) -> list[AuditEvent]:
    stmt = (select(AuditEvent).where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
            .order_by(AuditEvent.id))
    return list(session.scalars(stmt))


def recent(session: Session, entity_type: str | None = None, entity_id: str | None = None,
           limit: int = 100) -> list[AuditEvent]:
    """The newest ``limit`` audit events (1 to :data:`PAGE_MAX`), newest first, optionally of one entity type and id."""
    if not 1 <= limit <= PAGE_MAX:
        raise ConfigError(f"limit must be between 1 and {PAGE_MAX}, got {limit}")
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if entity_type:
        stmt = stmt.where(AuditEvent.entity_type == entity_type)
    if entity_id:
        stmt = stmt.where(AuditEvent.entity_id == entity_id)
    return list(session.scalars(stmt))


def _pk(obj: Base) -> str:
    ident = inspect(obj).identity
    return ",".join(str(v) for v in ident) if ident else "?"
