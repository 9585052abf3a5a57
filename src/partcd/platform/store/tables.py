"""Base schema: API keys (hashed), job runs, and the append-only audit log.

Tables are separate from API schemas and domain records. Areas add their own tables in
modules of their own, on the same ``Base`` and in the same Alembic history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON}
    #: Columns never copied into ``audit_event`` (secrets and credential verifiers).
    audit_excluded: ClassVar[frozenset[str]] = frozenset()
    #: Protected health information: ``audit_event`` stores a keyed hash of these values, never the values
    #: (:mod:`partcd.platform.store.audit`). A name is a column (``mbi``) or a path into a JSON column, with ``*``
    #: for every item of a list or every value of an object (``data.events.*.note``).
    phi_columns: ClassVar[frozenset[str]] = frozenset()


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ApiKey(Base):
    """An API key: only its SHA-256 hash is stored; ``prefix`` identifies it in lists and logs."""

    __tablename__ = "api_key"
    audit_excluded: ClassVar[frozenset[str]] = frozenset({"key_hash"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(30))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Run(Base):
    """One execution of a pipeline (demo, metrics, cut points): what ran, with which inputs, outcome."""

    __tablename__ = "run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(60), index=True)
    status: Mapped[str] = mapped_column(String(20), default="running")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_by: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads this mapping


class AuditEvent(Base):
    """Append-only (UPDATE, DELETE and, on PostgreSQL, TRUNCATE refused by triggers): who did what to which record.

    ``create``: ``after`` is the record; ``delete``: ``before`` is the record; ``update``: ``before`` and ``after``
    hold only what changed (old and new values; inside JSON columns only the changed keys and list items).
    PHI columns and long texts are stored as keyed hashes (:mod:`partcd.platform.store.audit`).
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    entity_type: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str] = mapped_column(String(100))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_key.id"), nullable=True)

    __table_args__ = (Index("ix_audit_entity", "entity_type", "entity_id"),)


class AuditKey(Base):
    """The secret of the keyed hashes (HMAC-SHA256) that stand for PHI in ``audit_event``: one row, made by
    migration ``0007_audit_hardening`` and append-only like the log (a changed key would orphan every hash)."""

    __tablename__ = "audit_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    secret_hex: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
