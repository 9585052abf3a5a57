"""Web sessions kept on the server: the browser holds a random token, the table holds only its SHA-256.

A session belongs to the API key that signed in (``api_key_id``) and names its principal; it is valid until
``expires_at`` unless ``revoked_at`` is set (logout, a new login from the same browser, or the key's revocation, which
the lookup checks through the key). Creating and revoking a session are audited events (the hash is never copied into
the audit log).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import ClassVar

from sqlalchemy import DateTime, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from partcd.platform.store import audit
from partcd.platform.store.tables import ApiKey, Base, utcnow

TOKEN_BYTES = 32


class WebSession(Base):
    """One signed-in browser: the token's hash, whose key it is, when it started, ends and was revoked."""

    __tablename__ = "web_session"
    audit_excluded: ClassVar[frozenset[str]] = frozenset({"token_hash"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_key.id"), index=True)
    principal: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _utc(t: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes: every stored time is UTC."""
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


def open_session(s: Session, key: ApiKey, ttl_s: int, now: dt.datetime) -> str:
    """Start a session for ``key`` lasting ``ttl_s`` seconds and return its token (the only time it is visible)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = WebSession(token_hash=token_hash(token), api_key_id=key.id, principal=key.name, created_at=now,
                     expires_at=now + dt.timedelta(seconds=ttl_s))
    audit.create(s, row, actor=key.name, reason="sign-in")
    return token


def live_session(s: Session, token: str, now: dt.datetime) -> tuple[WebSession, ApiKey] | None:
    """The session of ``token`` and its key, or None when unknown, expired, revoked or its key is revoked."""
    found = s.execute(select(WebSession, ApiKey).join(ApiKey, ApiKey.id == WebSession.api_key_id)
                      .where(WebSession.token_hash == token_hash(token))).first()
    if found is None:
        return None
    session, key = found
    if session.revoked_at is not None or key.revoked_at is not None or _utc(session.expires_at) <= now:
        return None
    return session, key


def revoke_session(s: Session, token: str, now: dt.datetime, *, reason: str) -> bool:
    """Revoke the session of ``token`` (True if one was open)."""
    session = s.scalar(select(WebSession).where(WebSession.token_hash == token_hash(token)))
    if session is None or session.revoked_at is not None:
        return False
    audit.update(s, session, {"revoked_at": now}, actor=session.principal, reason=reason)
    return True
