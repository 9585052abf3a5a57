"""Claims data (§ 423.153(g)): requests (optimistic lock), CMS release calendar, extracts, append-only access log.

Revision ID: claimsdata_0001
Revises: 0001_base
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from partcd.platform.store.migrations import append_only

revision = "claimsdata_0001"
down_revision = "0001_base"
branch_labels = ("claimsdata",)
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "claims_data_request",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sponsor_id", sa.String(40), nullable=False, index=True),
        sa.Column("sponsor_name", sa.String(200), nullable=False),
        sa.Column("sponsor_type", sa.String(10), nullable=False),
        sa.Column("contract_ids", sa.JSON, nullable=False),
        sa.Column("status", sa.String(30), nullable=False, index=True),
        sa.Column("submitted_on", sa.Date, nullable=False),
        sa.Column("attested_on", sa.Date, nullable=True),
        sa.Column("approved_on", sa.Date, nullable=True),
        sa.Column("ended_on", sa.Date, nullable=True),
        sa.Column("end_reason", sa.String(40), nullable=True),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "claims_data_release",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("release_date", sa.Date, nullable=False, unique=True),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "claims_data_extract",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("claims_data_request.id"), nullable=False, index=True),
        sa.Column("release_date", sa.Date, nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("claims", sa.Integer, nullable=False),
        sa.Column("enrollees", sa.Integer, nullable=False),
        sa.Column("columns", sa.JSON, nullable=False),
        sa.Column("dropped_columns", sa.JSON, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "claims_data_access",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("claims_data_request.id"), nullable=True, index=True),
        sa.Column("extract_id", sa.Integer, sa.ForeignKey("claims_data_extract.id"), nullable=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("role", sa.String(30), nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("purpose", sa.String(60), nullable=False),
        sa.Column("recipient", sa.String(20), nullable=False),
        sa.Column("bound_by", sa.String(20), nullable=True),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("paragraph", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("citation", sa.Text, nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
    )
    append_only.protect("claims_data_access")


def downgrade() -> None:
    append_only.unprotect("claims_data_access")
    for table in ("claims_data_access", "claims_data_extract", "claims_data_release", "claims_data_request"):
        op.drop_table(table)
