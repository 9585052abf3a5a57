"""API keys and roles. Keys are random tokens shown once; only their SHA-256 hash is stored.

Roles: ``viewer`` (read), ``analyst`` (run computations), ``admin`` (keys, audit log, everything);
area roles (``intake``, ``reviewer``, ``coordinator``, ``auditor``) are granted per endpoint.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from partcd.core.errors import ConfigError
from partcd.platform.store import audit
from partcd.platform.store.db import session_scope
from partcd.platform.store.tables import ApiKey

ROLES: tuple[str, ...] = ("viewer", "analyst", "admin", "intake", "reviewer", "coordinator", "auditor")
KEY_PREFIX = "pcd_"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's name (never the key itself), its role and its id."""

    name: str
    role: str
    key_id: int | None = None

    def allowed(self, roles: tuple[str, ...] | frozenset[str]) -> bool:
        return self.role == "admin" or self.role in roles


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(engine: Engine, name: str, role: str, *, actor: str = "cli") -> str:
    """Create a key and return it (the only time it is visible)."""
    if role not in ROLES:
        raise ConfigError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    try:
        with session_scope(engine) as s:
            audit.create(s, ApiKey(name=name, role=role, prefix=key[:12], key_hash=hash_key(key)), actor=actor)
    except IntegrityError:
        raise ConfigError(f"an API key named {name!r} already exists") from None
    return key


def revoke_key(engine: Engine, name: str, *, actor: str = "cli") -> None:
    with session_scope(engine) as s:
        row = s.scalar(select(ApiKey).where(ApiKey.name == name))
        if row is None:
            raise ConfigError(f"no API key named {name!r}")
        audit.update(s, row, {"revoked_at": dt.datetime.now(dt.UTC)}, actor=actor)


def list_keys(engine: Engine) -> list[ApiKey]:
    with session_scope(engine) as s:
        return list(s.scalars(select(ApiKey).order_by(ApiKey.id)))


def verify(engine: Engine, key: str | None) -> Principal | None:
    """The principal for a presented key, or None (unknown, revoked or malformed)."""
    if not key or not key.startswith(KEY_PREFIX):
        return None
    digest = hash_key(key)
    with session_scope(engine) as s:
        row = s.scalar(select(ApiKey).where(ApiKey.prefix == key[:12]))
        if row is None or row.revoked_at is not None or not hmac.compare_digest(row.key_hash, digest):
            return None
        return Principal(name=row.name, role=row.role, key_id=row.id)
