"""Appeals: appeal_case (optimistic lock), append-only case_event, notice (§ 422.629(h) records).

Revision ID: 0002_appeals
Revises: 0001_base
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from partcd.platform.store.migrations import append_only

revision = "0002_appeals"
down_revision = "0001_base"
branch_labels = ("appeals",)
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "appeal_case",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_type", sa.String(50), nullable=False, index=True),
        sa.Column("status", sa.String(50), nullable=False, index=True),
        sa.Column("contract_id", sa.String(5), nullable=False),
        sa.Column("plan_benefit_package", sa.String(3), nullable=False),
        sa.Column("mbi", sa.String(11), nullable=False, index=True),
        sa.Column("enrollee_name", sa.String(120), nullable=False),
        sa.Column("expedited", sa.Boolean, nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("next_due_at", TS, nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("outcome", sa.String(40), nullable=True),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("appeal_case.id"), nullable=True),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_appeal_case_queue", "appeal_case", ["next_due_at", "case_type", "status"])
    op.create_table(
        "case_event",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("appeal_case.id"), nullable=False, index=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("status_after", sa.String(50), nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.UniqueConstraint("case_id", "seq", name="uq_case_event_seq"),
    )
    op.create_table(
        "notice",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("appeal_case.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("obligation_id", sa.String(10), nullable=True),
        sa.Column("due_at", TS, nullable=True),
        sa.Column("sent_at", TS, nullable=True),
        sa.Column("html", sa.Text, nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.UniqueConstraint("case_id", "kind", name="uq_notice_case_kind"),
    )
    append_only.protect("case_event")


def downgrade() -> None:
    append_only.unprotect("case_event")
    op.drop_table("notice")
    op.drop_table("case_event")
    op.drop_index("ix_appeal_case_queue", table_name="appeal_case")
    op.drop_table("appeal_case")

