"""Tables of the D-SNP area: State Medicaid agency contracts (§ 422.107), their term evidence, CMS's list of
integrated D-SNPs, admission notifications (§ 422.107(d)) and Medicaid-assistance records (§ 422.562(a)(5)).

Records people edit carry ``version`` (optimistic locking through :func:`partcd.platform.store.audit.update`); every
create, update and delete is an ``audit_event`` in the same transaction. Admissions and assistance records hold PHI
(the MBI, the description of a need, notes): those columns are stored but kept out of the audit snapshots
(``audit_excluded``) and never logged. Timestamps are stored with their zone. Migration ``0006_dsnp`` (branch
``dsnp`` off ``0001_base``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from partcd.platform.store.tables import Base, utcnow

TS = DateTime(timezone=True)


class StateContractRow(Base):
    """One plan (contract + PBP) x State Medicaid agency contract for a contract period, with what the definitions need."""

    __tablename__ = "dsnp_state_contract"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[str] = mapped_column(String(5))
    plan_benefit_package: Mapped[str] = mapped_column(String(3))
    state: Mapped[str] = mapped_column(String(2))
    parent_organization: Mapped[str] = mapped_column(String(200))
    state_contract_reference: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON)
    eligibility_categories: Mapped[list[str]] = mapped_column(JSON)
    admission_group: Mapped[str | None] = mapped_column(Text, nullable=True)
    notice_recipients: Mapped[list[str]] = mapped_column(JSON)
    notice_method: Mapped[str | None] = mapped_column(String(200), nullable=True)
    window_value: Mapped[int | None] = mapped_column(Integer, nullable=True)
    window_unit: Mapped[str | None] = mapped_column(String(20), nullable=True)
    window_start: Mapped[str | None] = mapped_column(String(20), nullable=True)
    zone: Mapped[str] = mapped_column(String(60))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(TS, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads this mapping
    __table_args__ = (
        UniqueConstraint("contract_id", "plan_benefit_package", "state", "period_start", name="uq_dsnp_state_contract"),
        Index("ix_dsnp_state_contract_plan", "contract_id", "plan_benefit_package", "state"),
    )


class TermEvidenceRow(Base):
    """Where one § 422.107 term stands in the State contract (document, section/page, optional excerpt)."""

    __tablename__ = "dsnp_term_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state_contract_id: Mapped[int] = mapped_column(ForeignKey("dsnp_state_contract.id"), index=True)
    term_id: Mapped[str] = mapped_column(String(60))
    document: Mapped[str] = mapped_column(String(300))
    location: Mapped[str] = mapped_column(String(200))
    excerpt: Mapped[str | None] = mapped_column(Text, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(TS, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CmsListRowRecord(Base):
    """One imported row of CMS's yearly list of integrated D-SNPs, with the file and row it came from."""

    __tablename__ = "dsnp_cms_list_row"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_year: Mapped[int] = mapped_column(Integer, index=True)
    contract_id: Mapped[str] = mapped_column(String(5))
    plan_benefit_package: Mapped[str] = mapped_column(String(3))
    state: Mapped[str] = mapped_column(String(2))
    integration_status: Mapped[str] = mapped_column(String(10))
    applicable_integrated_plan: Mapped[bool] = mapped_column(Boolean)
    source_file: Mapped[str] = mapped_column(String(300))
    source_row: Mapped[int] = mapped_column(Integer)
    imported_by: Mapped[str] = mapped_column(String(100))
    imported_at: Mapped[dt.datetime] = mapped_column(TS, default=utcnow)

    __table_args__ = (UniqueConstraint("list_year", "contract_id", "plan_benefit_package", "state", name="uq_dsnp_cms_list_row"),)


class AdmissionRow(Base):
    """A hospital or SNF admission of an enrollee and the notice to the State (PHI: ``mbi``)."""

    __tablename__ = "dsnp_admission"
    audit_excluded: ClassVar[frozenset[str]] = frozenset({"mbi"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state_contract_id: Mapped[int] = mapped_column(ForeignKey("dsnp_state_contract.id"))
    admission_ref: Mapped[str] = mapped_column(String(60))
    mbi: Mapped[str] = mapped_column(String(11))
    setting: Mapped[str] = mapped_column(String(40))
    admitted_at: Mapped[dt.datetime] = mapped_column(TS)
    plan_aware_at: Mapped[dt.datetime | None] = mapped_column(TS, nullable=True)
    in_state_group: Mapped[bool] = mapped_column(Boolean)
    due_at: Mapped[dt.datetime | None] = mapped_column(TS, nullable=True)
    notified_at: Mapped[dt.datetime | None] = mapped_column(TS, nullable=True)
    notified_to: Mapped[str | None] = mapped_column(String(200), nullable=True)
    notice_method: Mapped[str | None] = mapped_column(String(200), nullable=True)
    notified_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(TS, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        UniqueConstraint("state_contract_id", "admission_ref", name="uq_dsnp_admission_ref"),
        Index("ix_dsnp_admission_due", "state_contract_id", "due_at"),
    )


class AssistanceRow(Base):
    """The § 422.562(a)(5) record of one case: need, offer, response, help given (PHI: ``mbi``, ``need``, ``notes``)."""

    __tablename__ = "dsnp_assistance"
    audit_excluded: ClassVar[frozenset[str]] = frozenset({"mbi", "need", "notes"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(String(40), index=True)
    contract_id: Mapped[str] = mapped_column(String(5))
    plan_benefit_package: Mapped[str] = mapped_column(String(3))
    mbi: Mapped[str] = mapped_column(String(11))
    need_identified_on: Mapped[dt.date] = mapped_column(Date)
    need: Mapped[str] = mapped_column(Text)
    offered_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    methods_offered: Mapped[list[str]] = mapped_column(JSON)
    response: Mapped[str] = mapped_column(String(20))
    response_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    provided_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    kinds_provided: Mapped[list[str]] = mapped_column(JSON)
    represented_enrollee: Mapped[bool] = mapped_column(Boolean)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(TS, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (UniqueConstraint("case_id", name="uq_dsnp_assistance_case"),)
