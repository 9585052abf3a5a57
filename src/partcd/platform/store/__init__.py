"""Persistence: SQLAlchemy 2 tables, Alembic migrations, audited unit of work (SQLite default, PostgreSQL)."""

from partcd.platform.store.db import connect, session_scope, upgrade

__all__ = ["connect", "session_scope", "upgrade"]
