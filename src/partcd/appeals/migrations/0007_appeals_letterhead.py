"""Appeals: notice_letterhead - the letterhead and notice languages of each contract (member notices).

Revision ID: 0007_appeals_letterhead
Revises: 0006_appeals_queue
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_appeals_letterhead"
down_revision = "0006_appeals_queue"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notice_letterhead",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("contract_id", sa.String(5), nullable=False),
        sa.Column("plan_name", sa.String(200), nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("phone", sa.String(40), nullable=False),
        sa.Column("tty", sa.String(40), nullable=False),
        sa.Column("hours", sa.String(200), nullable=False),
        sa.Column("hours_translations", sa.JSON, nullable=False),
        sa.Column("time_zone", sa.String(60), nullable=False),
        sa.Column("languages", sa.JSON, nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.UniqueConstraint("contract_id", name="uq_notice_letterhead_contract"),
    )


def downgrade() -> None:
    op.drop_table("notice_letterhead")
