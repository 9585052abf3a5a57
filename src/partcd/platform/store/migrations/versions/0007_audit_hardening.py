"""Audit hardening: the audit log cannot be emptied with TRUNCATE (PostgreSQL), and the key of its PHI hashes.

``audit_event`` already refuses UPDATE and DELETE (``0001_base``); PostgreSQL's TRUNCATE fires no row trigger, so a
statement trigger ``BEFORE TRUNCATE`` refuses it too (SQLite has no TRUNCATE; its ``DELETE FROM`` is refused by
the existing trigger). ``audit_key`` holds the one random secret of the keyed hashes that stand for PHI in the log
(:mod:`partcd.platform.store.audit`); it is append-only and refuses TRUNCATE as well.

Revision ID: 0007_audit_hardening
Revises: 0001_base
Create Date: 2026-12-06
"""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from alembic import op

from partcd.platform.store.migrations import append_only

revision = "0007_audit_hardening"
down_revision = "0001_base"
branch_labels = None
depends_on = None

TRUNCATE_GUARDED = ("audit_event", "audit_key")


def upgrade() -> None:
    key = op.create_table(
        "audit_key",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("secret_hex", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.bulk_insert(key, [{"id": 1, "secret_hex": secrets.token_hex(32), "created_at": dt.datetime.now(dt.UTC)}])
    append_only.protect("audit_key")
    if op.get_bind().dialect.name == "postgresql":
        for table in TRUNCATE_GUARDED:
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION partcd_refuse_change()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TRUNCATE_GUARDED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    append_only.unprotect("audit_key")
    op.drop_table("audit_key")
