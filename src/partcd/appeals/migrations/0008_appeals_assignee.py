"""Appeals: appeal_case.assignee - the staff member a case is assigned to (the work queue's assignee column).

Revision ID: 0008_appeals_assignee
Revises: 0007_appeals_letterhead
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_appeals_assignee"
down_revision = "0007_appeals_letterhead"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("appeal_case") as batch:
        batch.add_column(sa.Column("assignee", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("appeal_case") as batch:
        batch.drop_column("assignee")
