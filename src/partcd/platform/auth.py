"""API keys, roles and web sessions. Keys are random tokens shown once; only their SHA-256 hash is stored.

The API accepts a key only in a header (``X-API-Key`` or ``Authorization: Bearer``). The web dashboard signs in with a
key once and then holds a server-side session (``partcd.platform.store.sessions``): a fresh random token per login, kept
by the browser in an HttpOnly cookie, revoked at logout, expiring after ``Settings.session_ttl_s``.

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
from partcd.platform.store import audit, sessions
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
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 100:
        return None
    digest = hash_key(key)
    with session_scope(engine) as s:
        row = s.scalar(select(ApiKey).where(ApiKey.prefix == key[:12]))
        if row is None or row.revoked_at is not None or not hmac.compare_digest(row.key_hash, digest):
            return None
        return _key_principal(row)


def _key_principal(row: ApiKey) -> Principal:
    return Principal(name=row.name, role=row.role, key_id=row.id)


def start_session(engine: Engine, who: Principal, ttl_s: int, *, replaces: str | None = None) -> str:
    """Open a web session for the key of ``who`` (a new token at every login) and revoke the browser's previous one."""
    now = dt.datetime.now(dt.UTC)
    with session_scope(engine) as s:
        if replaces:
            sessions.revoke_session(s, replaces, now, reason="replaced by a new sign-in")
        key = s.get(ApiKey, who.key_id)
        if key is None or key.revoked_at is not None:
            raise ConfigError("the key was revoked while signing in")
        return sessions.open_session(s, key, ttl_s, now)


def session_principal(engine: Engine, token: str | None) -> Principal | None:
    """The principal of a live web session (unknown, expired, revoked or revoked-key sessions: None)."""
    if not token or len(token) > 100:
        return None
    with session_scope(engine) as s:
        found = sessions.live_session(s, token, dt.datetime.now(dt.UTC))
        return None if found is None else _key_principal(found[1])


def end_session(engine: Engine, token: str | None) -> bool:
    """Revoke the web session of ``token`` (logout); True if one was open."""
    if not token or len(token) > 100:
        return False
    with session_scope(engine) as s:
        return sessions.revoke_session(s, token, dt.datetime.now(dt.UTC), reason="sign-out")


def csrf_token(session_token: str) -> str:
    """The session's form token: a keyed hash of the session token (cannot be turned back into it)."""
    return hmac.new(session_token.encode("utf-8"), b"partcd-csrf", hashlib.sha256).hexdigest()
