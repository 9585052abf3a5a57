"""§ 422.629(h) - stored appeal and grievance cases, their events and notices (4185-P L2687-L2705).

``appeal_case`` holds the case record (optimistic lock ``version``) with the columns the work queue filters
and sorts on; the full case (:class:`partcd.appeals.rules.workflow.Case`) is kept as JSON in ``data``. ``case_event``
is the append-only timeline (the database refuses UPDATE and DELETE, like ``audit_event``); ``notice`` holds
each notice owed or sent, with its due time. Migration: ``0002_appeals`` (branch ``appeals`` off ``0001_base``).

The work queue (migration ``0006_appeals_queue``): ``appeal_obligation`` holds each open plan obligation of each case
with its due time, ``is_next`` marking the case's earliest binding one, and ``appeal_queue_tally`` the number of cases
whose next due time falls in each UTC hour, by case type. Both are rewritten in the same transaction as every
transition (``partcd.appeals.pipelines.cases``), so the queue's counts and pages are plain indexed SQL.

``notice_letterhead`` (migration ``0007_appeals_letterhead``) holds each contract's letterhead and notice languages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from partcd.platform.store.tables import Base, utcnow


class AppealCase(Base):
    """One grievance, organization determination, reconsideration or Part D request (the § 422.629(h) record)."""

    __tablename__ = "appeal_case"
    #: The enrollee (§ 422.629(h)(6)), the reason (h)(1) and staff notes: hashed in the audit log.
    phi_columns: ClassVar[frozenset[str]] = frozenset({
        "mbi", "enrollee_name", "data.mbi", "data.enrollee_name", "data.reason", "data.events.*.note",
        "data.events.*.justification"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_type: Mapped[str] = mapped_column(String(50), index=True)
    status: Mapped[str] = mapped_column(String(50), index=True)
    contract_id: Mapped[str] = mapped_column(String(5))
    plan_benefit_package: Mapped[str] = mapped_column(String(3))
    mbi: Mapped[str] = mapped_column(String(11), index=True)
    enrollee_name: Mapped[str] = mapped_column(String(120))
    expedited: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    next_due_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(40), nullable=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("appeal_case.id"), nullable=True)
    #: The staff member the case is assigned to (the queue's assignee column; None = unassigned).
    assignee: Mapped[str | None] = mapped_column(String(100), nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads this mapping
    __table_args__ = (Index("ix_appeal_case_queue", "next_due_at", "case_type", "status"),)


class CaseEvent(Base):
    """One event of a case's timeline (append-only): what, when it happened, who recorded it and when."""

    __tablename__ = "case_event"
    phi_columns: ClassVar[frozenset[str]] = frozenset({"details.note", "details.justification"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("appeal_case.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(100))
    status_after: Mapped[str] = mapped_column(String(50))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_case_event_seq"),)


class Notice(Base):
    """A notice a case owes or has sent: kind, due time (from the clocks), sent time and the rendered HTML."""

    __tablename__ = "notice"
    phi_columns: ClassVar[frozenset[str]] = frozenset({"html"})  # the rendered notice names the enrollee

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("appeal_case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    obligation_id: Mapped[str | None] = mapped_column(String(10), nullable=True)
    due_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    html: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads this mapping
    __table_args__ = (UniqueConstraint("case_id", "kind", name="uq_notice_case_kind"),)


class ContractClockOverride(Base):
    """§ 422.629(c): a State-specific, more protective timeframe written into a contract (one timeframe id).

    In force for receipts on local dates ``effective_from`` .. ``effective_to`` (inclusive; open-ended when null).
    Migration ``0005_appeals_overrides``; written only through ``partcd.appeals.pipelines.cases`` (audited).
    """

    __tablename__ = "contract_clock_override"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[str] = mapped_column(String(5), index=True)
    timeframe_id: Mapped[str] = mapped_column(String(10))
    duration_value: Mapped[int] = mapped_column(Integer)
    duration_unit: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(2))
    citation: Mapped[str] = mapped_column(String(300))
    source_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    effective_to: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads this mapping
    __table_args__ = (UniqueConstraint("contract_id", "timeframe_id", "effective_from", name="uq_contract_clock_override"),)


class AppealObligation(Base):
    """One open plan obligation of a case (the work queue): its timeframe id, due time and whether it is the case's
    next binding one (``is_next``; a target without a number in the rule, T29, is ``binding`` false).

    Rewritten with every transition of its case, in the same transaction (migration ``0006_appeals_queue``).
    """

    __tablename__ = "appeal_obligation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("appeal_case.id"), index=True)
    obligation_id: Mapped[str] = mapped_column(String(10))
    case_type: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(50))
    expedited: Mapped[bool] = mapped_column(Boolean, default=False)
    contract_id: Mapped[str] = mapped_column(String(5))
    due_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    due_hour: Mapped[int] = mapped_column(Integer)
    is_next: Mapped[bool] = mapped_column(Boolean, default=False)
    binding: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str] = mapped_column(String(300))
    cite: Mapped[str] = mapped_column(String(300))

    __table_args__ = (
        Index("ix_appeal_obligation_next", "due_at", "case_id", postgresql_where=text("is_next"),
              sqlite_where=text("is_next")),
        Index("ix_appeal_obligation_type_next", "case_type", "due_at", "case_id", postgresql_where=text("is_next"),
              sqlite_where=text("is_next")),
        Index("ix_appeal_obligation_status_next", "status", "due_at", "case_id", postgresql_where=text("is_next"),
              sqlite_where=text("is_next")),
    )


class AppealQueueTally(Base):
    """How many cases have their next binding due time in one UTC hour (``due_hour`` = hours since 1970-01-01 UTC),
    by case type: the queue counts sum these rows and count only the partial hours at the bucket edges."""

    __tablename__ = "appeal_queue_tally"

    case_type: Mapped[str] = mapped_column(String(50), primary_key=True)
    due_hour: Mapped[int] = mapped_column(Integer, primary_key=True)
    open_cases: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class NoticeLetterhead(Base):
    """What a member letter of one contract shows at its head: plan name, mailing address, phone, TTY, hours and
    their time zone, plus the languages the contract sends notices in (its threshold languages, ``en`` first) and the
    hours as written in each of them besides English (``hours_translations``). One row per contract; written only
    through ``partcd.appeals.pipelines.letterhead`` (audited, optimistic lock ``version``). Migration
    ``0007_appeals_letterhead``.
    """

    __tablename__ = "notice_letterhead"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[str] = mapped_column(String(5))
    plan_name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text)
    phone: Mapped[str] = mapped_column(String(40))
    tty: Mapped[str] = mapped_column(String(40))
    hours: Mapped[str] = mapped_column(String(200))
    hours_translations: Mapped[dict[str, str]] = mapped_column(JSON)
    time_zone: Mapped[str] = mapped_column(String(60))
    languages: Mapped[list[str]] = mapped_column(JSON)
    updated_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads this mapping
    __table_args__ = (UniqueConstraint("contract_id", name="uq_notice_letterhead_contract"),)
