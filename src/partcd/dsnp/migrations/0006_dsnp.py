"""D-SNP integration: State contracts, term evidence, CMS list rows, admissions, Medicaid assistance (§§ 422.107,
422.562(a)(5)).

Revision ID: 0006_dsnp
Revises: 0001_base
Create Date: 2026-12-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_dsnp"
down_revision = "0001_base"
branch_labels = ("dsnp",)
depends_on = None

TS = sa.DateTime(timezone=True)


def _version() -> sa.Column[int]:
    return sa.Column("version", sa.Integer, nullable=False)


def upgrade() -> None:
    op.create_table(
        "dsnp_state_contract",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("contract_id", sa.String(5), nullable=False),
        sa.Column("plan_benefit_package", sa.String(3), nullable=False),
        sa.Column("state", sa.String(2), nullable=False),
        sa.Column("parent_organization", sa.String(200), nullable=False),
        sa.Column("state_contract_reference", sa.String(200), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("attributes", sa.JSON, nullable=False),
        sa.Column("eligibility_categories", sa.JSON, nullable=False),
        sa.Column("admission_group", sa.Text, nullable=True),
        sa.Column("notice_recipients", sa.JSON, nullable=False),
        sa.Column("notice_method", sa.String(200), nullable=True),
        sa.Column("window_value", sa.Integer, nullable=True),
        sa.Column("window_unit", sa.String(20), nullable=True),
        sa.Column("window_start", sa.String(20), nullable=True),
        sa.Column("zone", sa.String(60), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _version(),
        sa.UniqueConstraint("contract_id", "plan_benefit_package", "state", "period_start", name="uq_dsnp_state_contract"),
    )
    op.create_index("ix_dsnp_state_contract_plan", "dsnp_state_contract", ["contract_id", "plan_benefit_package", "state"])
    op.create_table(
        "dsnp_term_evidence",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("state_contract_id", sa.Integer, sa.ForeignKey("dsnp_state_contract.id"), nullable=False, index=True),
        sa.Column("term_id", sa.String(60), nullable=False),
        sa.Column("document", sa.String(300), nullable=False),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("excerpt", sa.Text, nullable=True),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        _version(),
    )
    op.create_table(
        "dsnp_cms_list_row",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("list_year", sa.Integer, nullable=False, index=True),
        sa.Column("contract_id", sa.String(5), nullable=False),
        sa.Column("plan_benefit_package", sa.String(3), nullable=False),
        sa.Column("state", sa.String(2), nullable=False),
        sa.Column("integration_status", sa.String(10), nullable=False),
        sa.Column("applicable_integrated_plan", sa.Boolean, nullable=False),
        sa.Column("source_file", sa.String(300), nullable=False),
        sa.Column("source_row", sa.Integer, nullable=False),
        sa.Column("imported_by", sa.String(100), nullable=False),
        sa.Column("imported_at", TS, nullable=False),
        sa.UniqueConstraint("list_year", "contract_id", "plan_benefit_package", "state", name="uq_dsnp_cms_list_row"),
    )
    op.create_table(
        "dsnp_admission",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("state_contract_id", sa.Integer, sa.ForeignKey("dsnp_state_contract.id"), nullable=False),
        sa.Column("admission_ref", sa.String(60), nullable=False),
        sa.Column("mbi", sa.String(11), nullable=False),
        sa.Column("setting", sa.String(40), nullable=False),
        sa.Column("admitted_at", TS, nullable=False),
        sa.Column("plan_aware_at", TS, nullable=True),
        sa.Column("in_state_group", sa.Boolean, nullable=False),
        sa.Column("due_at", TS, nullable=True),
        sa.Column("notified_at", TS, nullable=True),
        sa.Column("notified_to", sa.String(200), nullable=True),
        sa.Column("notice_method", sa.String(200), nullable=True),
        sa.Column("notified_by", sa.String(200), nullable=True),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _version(),
        sa.UniqueConstraint("state_contract_id", "admission_ref", name="uq_dsnp_admission_ref"),
    )
    op.create_index("ix_dsnp_admission_due", "dsnp_admission", ["state_contract_id", "due_at"])
    op.create_table(
        "dsnp_assistance",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.String(40), nullable=False, index=True),
        sa.Column("contract_id", sa.String(5), nullable=False),
        sa.Column("plan_benefit_package", sa.String(3), nullable=False),
        sa.Column("mbi", sa.String(11), nullable=False),
        sa.Column("need_identified_on", sa.Date, nullable=False),
        sa.Column("need", sa.Text, nullable=False),
        sa.Column("offered_on", sa.Date, nullable=True),
        sa.Column("methods_offered", sa.JSON, nullable=False),
        sa.Column("response", sa.String(20), nullable=False),
        sa.Column("response_on", sa.Date, nullable=True),
        sa.Column("provided_on", sa.Date, nullable=True),
        sa.Column("kinds_provided", sa.JSON, nullable=False),
        sa.Column("represented_enrollee", sa.Boolean, nullable=False),
        sa.Column("notes", sa.Text, nullable=True),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _version(),
        sa.UniqueConstraint("case_id", name="uq_dsnp_assistance_case"),
    )


def downgrade() -> None:
    op.drop_table("dsnp_assistance")
    op.drop_index("ix_dsnp_admission_due", table_name="dsnp_admission")
    op.drop_table("dsnp_admission")
    op.drop_table("dsnp_cms_list_row")
    op.drop_table("dsnp_term_evidence")
    op.drop_index("ix_dsnp_state_contract_plan", table_name="dsnp_state_contract")
    op.drop_table("dsnp_state_contract")
