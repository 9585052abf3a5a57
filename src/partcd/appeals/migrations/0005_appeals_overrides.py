"""Appeals: contract_clock_override - State-specific, more protective timeframes per contract (§ 422.629(c)).

Revision ID: 0005_appeals_overrides
Revises: 0002_appeals
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_appeals_overrides"
down_revision = "0002_appeals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contract_clock_override",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("contract_id", sa.String(5), nullable=False, index=True),
        sa.Column("timeframe_id", sa.String(10), nullable=False),
        sa.Column("duration_value", sa.Integer, nullable=False),
        sa.Column("duration_unit", sa.String(20), nullable=False),
        sa.Column("state", sa.String(2), nullable=False),
        sa.Column("citation", sa.String(300), nullable=False),
        sa.Column("source_text", sa.Text, nullable=True),
        sa.Column("effective_from", sa.Date, nullable=False),
        sa.Column("effective_to", sa.Date, nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.UniqueConstraint("contract_id", "timeframe_id", "effective_from", name="uq_contract_clock_override"),
    )


def downgrade() -> None:
    op.drop_table("contract_clock_override")
