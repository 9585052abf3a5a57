"""Appeals: appeal_obligation (each open plan obligation with its due time) and appeal_queue_tally (cases by next-due
hour and type) - the work queue as plain indexed SQL, maintained in the same transaction as every transition.

Existing cases are carried over from ``appeal_case.next_due_at`` (one ``next`` row each);
``partcd appeals queue --rebuild`` recomputes every open obligation of every stored case.

Revision ID: 0006_appeals_queue
Revises: 0005_appeals_overrides
Create Date: 2026-12-09
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0006_appeals_queue"
down_revision = "0005_appeals_overrides"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def upgrade() -> None:
    obligation = op.create_table(
        "appeal_obligation",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("appeal_case.id"), nullable=False, index=True),
        sa.Column("obligation_id", sa.String(10), nullable=False),
        sa.Column("case_type", sa.String(50), nullable=False),
        sa.Column("status", sa.String(50), nullable=False),
        sa.Column("expedited", sa.Boolean, nullable=False),
        sa.Column("contract_id", sa.String(5), nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("due_hour", sa.Integer, nullable=False),
        sa.Column("is_next", sa.Boolean, nullable=False),
        sa.Column("binding", sa.Boolean, nullable=False),
        sa.Column("description", sa.String(300), nullable=False),
        sa.Column("cite", sa.String(300), nullable=False),
    )
    where = sa.text("is_next")
    op.create_index("ix_appeal_obligation_next", "appeal_obligation", ["due_at", "case_id"],
                    postgresql_where=where, sqlite_where=where)
    op.create_index("ix_appeal_obligation_type_next", "appeal_obligation", ["case_type", "due_at", "case_id"],
                    postgresql_where=where, sqlite_where=where)
    op.create_index("ix_appeal_obligation_status_next", "appeal_obligation", ["status", "due_at", "case_id"],
                    postgresql_where=where, sqlite_where=where)
    tally = op.create_table(
        "appeal_queue_tally",
        sa.Column("case_type", sa.String(50), primary_key=True),
        sa.Column("due_hour", sa.Integer, primary_key=True),
        sa.Column("open_cases", sa.Integer, nullable=False),
    )
    bind = op.get_bind()
    cases = sa.table("appeal_case", sa.column("id"), sa.column("case_type"), sa.column("status"),
                     sa.column("expedited"), sa.column("contract_id"), sa.column("next_due_at", TS))
    rows = []
    counts: dict[tuple[str, int], int] = {}
    for r in bind.execute(sa.select(cases).where(cases.c.next_due_at.is_not(None))):
        due = r.next_due_at if r.next_due_at.tzinfo else r.next_due_at.replace(tzinfo=dt.UTC)
        hour = int((due - _EPOCH).total_seconds() // 3600)
        rows.append({"case_id": r.id, "obligation_id": "next", "case_type": r.case_type, "status": r.status,
                     "expedited": r.expedited, "contract_id": r.contract_id, "due_at": due, "due_hour": hour,
                     "is_next": True, "binding": True, "cite": "",
                     "description": "next due obligation (carried over; partcd appeals queue --rebuild names it)"})
        counts[(r.case_type, hour)] = counts.get((r.case_type, hour), 0) + 1
    if rows:
        op.bulk_insert(obligation, rows)
        op.bulk_insert(tally, [{"case_type": k[0], "due_hour": k[1], "open_cases": n} for k, n in counts.items()])


def downgrade() -> None:
    op.drop_table("appeal_queue_tally")
    op.drop_index("ix_appeal_obligation_status_next", table_name="appeal_obligation")
    op.drop_index("ix_appeal_obligation_type_next", table_name="appeal_obligation")
    op.drop_index("ix_appeal_obligation_next", table_name="appeal_obligation")
    op.drop_table("appeal_obligation")
