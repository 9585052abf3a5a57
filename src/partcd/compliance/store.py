"""Tables of CAP and business-continuity tracking (§ 422.510(c), § 422.502(b)(1), § 422.504(o), § 423.505(p)).

Records that people edit carry ``version`` (optimistic locking through :func:`partcd.platform.store.audit.update`); the
monitoring periods and evidence are written once per period / per record (a re-recorded period is an audited
update). Timestamps are stored in UTC. Created by migration ``0003_callcenter`` (branch ``callcenter``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from partcd.platform.store.tables import Base, utcnow

TS = DateTime(timezone=True)


class CapRow(Base):
    """One corrective action plan request (the letter's fields, lifecycle and closure rule)."""

    __tablename__ = "cap"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_ids: Mapped[list[str]] = mapped_column(JSON)
    parent_organization: Mapped[str] = mapped_column(String(200), index=True)
    legal_entity: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    deficiency: Mapped[str] = mapped_column(Text)
    authorities: Mapped[list[str]] = mapped_column(JSON)
    detection_source: Mapped[str] = mapped_column(String(40))
    cms_contacted_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    self_disclosed: Mapped[bool] = mapped_column(Boolean)
    program: Mapped[str] = mapped_column(String(5))
    root_causes: Mapped[list[str]] = mapped_column(JSON)
    required_elements: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    submission_due: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    implementation_due: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(30), index=True)
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    closed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    closure_compliant_periods: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(TS, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads this mapping


class CapActionRow(Base):
    """One corrective action with its owner, due date, completion and evidence."""

    __tablename__ = "cap_action"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cap_id: Mapped[int] = mapped_column(ForeignKey("cap.id"), index=True)
    required_element: Mapped[str | None] = mapped_column(String(60), nullable=True)
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[dt.date] = mapped_column(Date)
    done_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    evidence: Mapped[list[str]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CapMonitoringPeriodRow(Base):
    """One monitoring period (daily report row) of one affected contract, from ``run_metrics``."""

    __tablename__ = "cap_monitoring_period"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cap_id: Mapped[int] = mapped_column(ForeignKey("cap.id"), index=True)
    contract_id: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[dt.date] = mapped_column(Date)
    compliant: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    failed_standards: Mapped[list[str]] = mapped_column(JSON)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(300))
    recorded_at: Mapped[dt.datetime] = mapped_column(TS, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __table_args__ = (UniqueConstraint("cap_id", "contract_id", "period_start", name="uq_cap_monitoring_period"),)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ComplianceActionRow(Base):
    """The compliance history that feeds past-performance review (NONC, warning letter, CAP, sanction, CMP)."""

    __tablename__ = "compliance_action"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    contract_id: Mapped[str] = mapped_column(String(10), index=True)
    parent_organization: Mapped[str] = mapped_column(String(200), index=True)
    program: Mapped[str] = mapped_column(String(5))
    cap_id: Mapped[int | None] = mapped_column(ForeignKey("cap.id"), nullable=True)
    self_disclosed: Mapped[bool] = mapped_column(Boolean)
    summary: Mapped[str] = mapped_column(Text)
    closed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class BcpPlanVersionRow(Base):
    """One approved version of an organization's business continuity plan."""

    __tablename__ = "bcp_plan_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization: Mapped[str] = mapped_column(String(200), index=True)
    version_label: Mapped[str] = mapped_column(String(40))
    approved_on: Mapped[dt.date] = mapped_column(Date)
    parts: Mapped[list[str]] = mapped_column(JSON)
    activation_events: Mapped[list[str]] = mapped_column(JSON)
    chain_of_command: Mapped[list[str]] = mapped_column(JSON)
    comms_plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    alternate_sites: Mapped[list[str]] = mapped_column(JSON)
    restoration_plan: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __table_args__ = (UniqueConstraint("organization", "version_label", name="uq_bcp_plan_version"),)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class BcpFunctionRow(Base):
    """An essential function of a plan version (regulatory minimum or the plan's own), its rank and RTO."""

    __tablename__ = "bcp_function"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_version_id: Mapped[int] = mapped_column(ForeignKey("bcp_plan_version.id"), index=True)
    key: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(300))
    part: Mapped[str] = mapped_column(String(1))
    regulatory_minimum: Mapped[bool] = mapped_column(Boolean)
    cite: Mapped[str | None] = mapped_column(String(100), nullable=True)
    priority_rank: Mapped[int] = mapped_column(Integer)
    rto_hours: Mapped[float | None] = mapped_column(Float, nullable=True)
    dependencies: Mapped[list[str]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __table_args__ = (UniqueConstraint("plan_version_id", "key", name="uq_bcp_function"),)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class BcpEvidenceRow(Base):
    """A yearly test, a training or a plan revision, with the records that document it ((o)(1)(v))."""

    __tablename__ = "bcp_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization: Mapped[str] = mapped_column(String(200), index=True)
    plan_version_id: Mapped[int | None] = mapped_column(ForeignKey("bcp_plan_version.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(20))
    performed_on: Mapped[dt.date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    records: Mapped[list[str]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(100))


class BcpIncidentRow(Base):
    """An essential function failed or stopped functioning as usual: failure, detection and restoration times."""

    __tablename__ = "bcp_incident"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization: Mapped[str] = mapped_column(String(200), index=True)
    function_key: Mapped[str] = mapped_column(String(60))
    failure_start: Mapped[dt.datetime] = mapped_column(TS)
    detected_at: Mapped[dt.datetime] = mapped_column(TS)
    restored_at: Mapped[dt.datetime | None] = mapped_column(TS, nullable=True)
    cause: Mapped[str] = mapped_column(Text)
    activated_bcp: Mapped[bool] = mapped_column(Boolean)
    created_by: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
