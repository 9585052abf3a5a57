"""Preclusion: list versions and their postings (append-only), the provider-notification efforts log
(§ 422.222(a)(1)(ii)(B), § 423.120(c)(6)(iv)(B)).

Revision ID: preclusion_0001
Revises: 0001_base
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from partcd.platform.store.migrations import append_only

revision = "preclusion_0001"
down_revision = "0001_base"
branch_labels = ("preclusion",)
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "preclusion_list_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("label", sa.String(120), nullable=False),
        sa.Column("source_name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, index=True),
        sa.Column("row_count", sa.Integer, nullable=False),
        sa.Column("first_posting_date", sa.Date, nullable=True),
        sa.Column("last_posting_date", sa.Date, nullable=True),
        sa.Column("uploaded_by", sa.String(100), nullable=False),
        sa.Column("uploaded_at", TS, nullable=False),
    )
    op.create_table(
        "preclusion_list_posting",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("preclusion_list_version.id"), nullable=False, index=True),
        sa.Column("row_number", sa.Integer, nullable=False),
        sa.Column("npi", sa.String(10), nullable=False, index=True),
        sa.Column("party_name", sa.String(300), nullable=False),
        sa.Column("basis", sa.String(20), nullable=False),
        sa.Column("effective_date", sa.Date, nullable=False),
        sa.Column("list_posting_date", sa.Date, nullable=False),
        sa.Column("reenrollment_bar_end", sa.Date, nullable=True),
        sa.Column("felony_conviction_date", sa.Date, nullable=True),
        sa.Column("cms_shortened_end", sa.Date, nullable=True),
        sa.Column("oig_excluded", sa.Boolean, nullable=False),
        sa.Column("oig_exclusion_date", sa.Date, nullable=True),
        sa.Column("oig_reinstatement_date", sa.Date, nullable=True),
    )
    op.create_table(
        "preclusion_party_notification",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("npi", sa.String(10), nullable=False, index=True),
        sa.Column("list_posting_date", sa.Date, nullable=False),
        sa.Column("attempted_on", sa.Date, nullable=False),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("contact", sa.String(300), nullable=False),
        sa.Column("beneficiaries_named_count", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("notes", sa.Text, nullable=True),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    append_only.protect("preclusion_list_version")
    append_only.protect("preclusion_list_posting")


def downgrade() -> None:
    append_only.unprotect("preclusion_list_posting")
    append_only.unprotect("preclusion_list_version")
    op.drop_table("preclusion_party_notification")
    op.drop_table("preclusion_list_posting")
    op.drop_table("preclusion_list_version")
