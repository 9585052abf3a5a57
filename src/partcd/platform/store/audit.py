"""Audited changes: every create/update/delete of a record writes an ``audit_event`` in the same transaction.

What an event stores (the log only grows, so each event stores what it must and no more):

- ``create``: ``after`` = the record; ``delete``: ``before`` = the record;
- ``update``: ``before`` / ``after`` = only what changed, old and new (:func:`diff`): changed columns, and inside a
  JSON column only the changed keys and list items (a list item is keyed ``"[i]"``). A one-word event on a case
  whose stored data holds a long note adds the new event and the changed fields, not two copies of the case;
- PHI (the columns and JSON paths a table lists in ``phi_columns``) and any text longer than
  :data:`LONG_TEXT_CHARS` are stored as a keyed hash ``{"hmac_sha256": ...}`` (long texts also with their length):
  the log shows that the name changed, and whether two events set the same value, never the name. The key is the
  database's own random secret (``audit_key``, migration ``0007_audit_hardening``), so the log alone - an export,
  an API reader, a copy in a log store - reveals no PHI, and hashes are comparable across processes and hosts.

Columns in ``audit_excluded`` (secrets) are never copied.
"""

from __future__ import annotations

import copy
import datetime as dt
import decimal
import hashlib
import hmac
import json
from typing import Any, TypeVar

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from partcd.core.errors import ConfigError, RuleError
from partcd.platform.store.tables import AuditEvent, AuditKey, Base

T = TypeVar("T", bound=Base)

#: The most audit events one read returns (SQL's ``LIMIT -1`` would mean "all").
PAGE_MAX = 1000
#: A text longer than this is stored in the audit log as its keyed hash and length (a design choice: long free
#: text - notes, rendered notices - is kept in its own table, the log proves what it was).
LONG_TEXT_CHARS = 2000
#: ``audit_event.actor`` is VARCHAR(100).
ACTOR_MAX_CHARS = 100
_KEY = "partcd.audit_key"


def snapshot(obj: Base, session: Session | None = None) -> dict[str, Any]:
    """Column values as JSON-safe data (dates as ISO strings), without ``audit_excluded`` columns; with a
    ``session`` the PHI columns and long texts are replaced by keyed hashes (what the log stores)."""
    out: dict[str, Any] = {}
    for attr in inspect(obj).mapper.column_attrs:
        if attr.key in obj.audit_excluded:
            continue
        value = getattr(obj, attr.key)
        if isinstance(value, dt.datetime | dt.date):
            value = value.isoformat()
        elif isinstance(value, decimal.Decimal):
            value = str(value)
        elif isinstance(value, dict | list):
            value = copy.deepcopy(value)
        out[attr.key] = value
    return out if session is None else protect(out, obj.phi_columns, audit_key(session))


def protect(values: dict[str, Any], phi: frozenset[str], key: bytes) -> dict[str, Any]:
    """``values`` with every PHI path and every long text replaced by its keyed hash (new containers; the input is
    not changed)."""
    out = {name: _shorten(value, key) for name, value in values.items()}
    for path in sorted(phi):
        head, *rest = path.split(".")
        if head in out:
            out[head] = _hash_at(out[head], rest, key)
    return out


def _hash_at(value: Any, path: list[str], key: bytes) -> Any:
    if value is None:
        return None
    if not path:
        return digest(value, key)
    head, rest = path[0], path[1:]
    if head == "*":
        if isinstance(value, list):
            return [_hash_at(item, rest, key) for item in value]
        if isinstance(value, dict):
            return {k: _hash_at(item, rest, key) for k, item in value.items()}
        return value
    if isinstance(value, dict) and head in value:
        return {**value, head: _hash_at(value[head], rest, key)}
    return value


def _shorten(value: Any, key: bytes) -> Any:
    if isinstance(value, str) and len(value) > LONG_TEXT_CHARS:
        return {**digest(value, key), "chars": len(value)}
    if isinstance(value, dict):
        return {k: _shorten(v, key) for k, v in value.items()}
    if isinstance(value, list):
        return [_shorten(v, key) for v in value]
    return value


def digest(value: Any, key: bytes) -> dict[str, Any]:
    """The keyed hash (HMAC-SHA256, hex) that stands for ``value`` in the log (texts as UTF-8, anything else as
    canonical JSON). An already hashed value (a long text inside a PHI path) is hashed as it is stored."""
    if isinstance(value, dict) and "hmac_sha256" in value:
        return {"hmac_sha256": value["hmac_sha256"]}
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return {"hmac_sha256": hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()}


def audit_key(session: Session) -> bytes:
    """The database's hash secret (``audit_key``), read once per session."""
    key = session.info.get(_KEY)
    if key is None:
        secret = session.scalar(select(AuditKey.secret_hex).order_by(AuditKey.id).limit(1))
        if secret is None:
            raise ConfigError("the database has no audit key: run `partcd db upgrade`")
        key = session.info[_KEY] = bytes.fromhex(secret)
    return bytes(key)


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """What changed from ``before`` to ``after``: (old values, new values) of the changed keys only; nested objects
    are compared key by key and lists item by item (keyed ``"[i]"``); a key or item that did not exist on one side
    is absent from that side."""
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for name in [*before, *(k for k in after if k not in before)]:
        if name in before and name in after:
            a, b = before[name], after[name]
            if a == b:
                continue
            if isinstance(a, dict) and isinstance(b, dict):
                old[name], new[name] = diff(a, b)
            elif isinstance(a, list) and isinstance(b, list):
                old[name], new[name] = diff(_indexed(a), _indexed(b))
            else:
                old[name], new[name] = a, b
        elif name in before:
            old[name] = before[name]
        else:
            new[name] = after[name]
    return old, new


def _indexed(items: list[Any]) -> dict[str, Any]:
    return {f"[{i}]": item for i, item in enumerate(items)}


def record(session: Session, *, actor: str, action: str, entity_type: str, entity_id: str,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
           reason: str | None = None, api_key_id: int | None = None) -> AuditEvent:
    if not actor or len(actor) > ACTOR_MAX_CHARS:
        raise ConfigError(f"actor name must be 1 to {ACTOR_MAX_CHARS} characters")
    ev = AuditEvent(actor=actor, action=action, entity_type=entity_type, entity_id=entity_id,
                    before=before, after=after, reason=reason, api_key_id=api_key_id)
    session.add(ev)
    return ev


def create(session: Session, obj: T, *, actor: str, reason: str | None = None) -> T:
    session.add(obj)
    session.flush()
    record(session, actor=actor, action="create", entity_type=obj.__tablename__, entity_id=_pk(obj),
           after=snapshot(obj, session), reason=reason)
    return obj


def update(session: Session, obj: T, changes: dict[str, Any], *, actor: str, expected_version: int | None = None,
           reason: str | None = None) -> T:
    """Apply ``changes``; with ``expected_version`` a concurrent edit is refused (optimistic locking). The event
    stores only what changed (:func:`diff`)."""
    if expected_version is not None and getattr(obj, "version", expected_version) != expected_version:
        raise RuleError(f"{obj.__tablename__} {_pk(obj)} was changed by someone else "
                        f"(version {getattr(obj, 'version', '?')}, you had {expected_version}); reload and retry")
    before = snapshot(obj, session)
    for key, value in changes.items():
        if key not in inspect(obj).mapper.column_attrs:
            raise RuleError(f"{obj.__tablename__} has no field {key!r}")
        setattr(obj, key, value)
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise RuleError(f"{obj.__tablename__} {_pk(obj)} was changed by someone else; reload and retry") from None
    old, new = diff(before, snapshot(obj, session))
    record(session, actor=actor, action="update", entity_type=obj.__tablename__, entity_id=_pk(obj),
           before=old, after=new, reason=reason)
    return obj


def delete(session: Session, obj: Base, *, actor: str, reason: str | None = None) -> None:
    before = snapshot(obj, session)
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
