"""Call-center CAP and business-continuity tables (§ 422.510(c), § 422.504(o), § 423.505(p)).

Revision ID: 0003_callcenter
Revises: 0001_base
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_callcenter"
down_revision = "0001_base"
branch_labels = ("compliance",)
depends_on = None

TS = sa.DateTime(timezone=True)


def _version() -> sa.Column[int]:
    return sa.Column("version", sa.Integer, nullable=False)


def upgrade() -> None:
    op.create_table(
        "cap",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("contract_ids", sa.JSON, nullable=False),
        sa.Column("parent_organization", sa.String(200), nullable=False, index=True),
        sa.Column("legal_entity", sa.String(200), nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("deficiency", sa.Text, nullable=False),
        sa.Column("authorities", sa.JSON, nullable=False),
        sa.Column("detection_source", sa.String(40), nullable=False),
        sa.Column("cms_contacted_on", sa.Date, nullable=True),
        sa.Column("self_disclosed", sa.Boolean, nullable=False),
        sa.Column("program", sa.String(5), nullable=False),
        sa.Column("root_causes", sa.JSON, nullable=False),
        sa.Column("required_elements", sa.JSON, nullable=False),
        sa.Column("submission_due", sa.Date, nullable=True),
        sa.Column("implementation_due", sa.Date, nullable=True),
        sa.Column("status", sa.String(30), nullable=False, index=True),
        sa.Column("history", sa.JSON, nullable=False),
        sa.Column("closed_on", sa.Date, nullable=True),
        sa.Column("closure_compliant_periods", sa.Integer, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _version(),
    )
    op.create_table(
        "cap_action",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cap_id", sa.Integer, sa.ForeignKey("cap.id"), nullable=False, index=True),
        sa.Column("required_element", sa.String(60), nullable=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("done_on", sa.Date, nullable=True),
        sa.Column("evidence", sa.JSON, nullable=False),
        _version(),
    )
    op.create_table(
        "cap_monitoring_period",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cap_id", sa.Integer, sa.ForeignKey("cap.id"), nullable=False, index=True),
        sa.Column("contract_id", sa.String(10), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("compliant", sa.Boolean, nullable=True),
        sa.Column("failed_standards", sa.JSON, nullable=False),
        sa.Column("metrics", sa.JSON, nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        _version(),
        sa.UniqueConstraint("cap_id", "contract_id", "period_start", name="uq_cap_monitoring_period"),
    )
    op.create_table(
        "compliance_action",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("contract_id", sa.String(10), nullable=False, index=True),
        sa.Column("parent_organization", sa.String(200), nullable=False, index=True),
        sa.Column("program", sa.String(5), nullable=False),
        sa.Column("cap_id", sa.Integer, sa.ForeignKey("cap.id"), nullable=True),
        sa.Column("self_disclosed", sa.Boolean, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("closed_on", sa.Date, nullable=True),
        _version(),
    )
    op.create_table(
        "bcp_plan_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("organization", sa.String(200), nullable=False, index=True),
        sa.Column("version_label", sa.String(40), nullable=False),
        sa.Column("approved_on", sa.Date, nullable=False),
        sa.Column("parts", sa.JSON, nullable=False),
        sa.Column("activation_events", sa.JSON, nullable=False),
        sa.Column("chain_of_command", sa.JSON, nullable=False),
        sa.Column("comms_plan", sa.JSON, nullable=False),
        sa.Column("alternate_sites", sa.JSON, nullable=False),
        sa.Column("restoration_plan", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        _version(),
        sa.UniqueConstraint("organization", "version_label", name="uq_bcp_plan_version"),
    )
    op.create_table(
        "bcp_function",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("plan_version_id", sa.Integer, sa.ForeignKey("bcp_plan_version.id"), nullable=False, index=True),
        sa.Column("key", sa.String(60), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("part", sa.String(1), nullable=False),
        sa.Column("regulatory_minimum", sa.Boolean, nullable=False),
        sa.Column("cite", sa.String(100), nullable=True),
        sa.Column("priority_rank", sa.Integer, nullable=False),
        sa.Column("rto_hours", sa.Float, nullable=True),
        sa.Column("dependencies", sa.JSON, nullable=False),
        _version(),
        sa.UniqueConstraint("plan_version_id", "key", name="uq_bcp_function"),
    )
    op.create_table(
        "bcp_evidence",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("organization", sa.String(200), nullable=False, index=True),
        sa.Column("plan_version_id", sa.Integer, sa.ForeignKey("bcp_plan_version.id"), nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("performed_on", sa.Date, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("records", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
    )
    op.create_table(
        "bcp_incident",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("organization", sa.String(200), nullable=False, index=True),
        sa.Column("function_key", sa.String(60), nullable=False),
        sa.Column("failure_start", TS, nullable=False),
        sa.Column("detected_at", TS, nullable=False),
        sa.Column("restored_at", TS, nullable=True),
        sa.Column("cause", sa.Text, nullable=False),
        sa.Column("activated_bcp", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        _version(),
    )


def downgrade() -> None:
    for table in ("bcp_incident", "bcp_evidence", "bcp_function", "bcp_plan_version", "compliance_action",
                  "cap_monitoring_period", "cap_action", "cap"):
        op.drop_table(table)
