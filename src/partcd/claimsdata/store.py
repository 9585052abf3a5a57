"""§ 423.153(g) - stored claims-data requests, CMS's release calendar, the extracts built, and the access log.

``claims_data_request`` holds each request (optimistic lock ``version``) with the columns lists filter on and the
whole :class:`~partcd.claimsdata.rules.requests.RequestState` as JSON; every change goes through
:mod:`partcd.platform.store.audit` (an ``audit_event`` in the same transaction). ``claims_data_access`` is the
append-only log of every access to the data, permitted or refused, with purpose, recipient, paragraph and citation
(the database refuses UPDATE and DELETE, like ``audit_event``); it holds counts, never enrollee identifiers.
Migration: ``claimsdata_0001`` (branch ``claimsdata`` off ``0001_base``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from partcd.platform.store.tables import Base, utcnow

TS = DateTime(timezone=True)


class ClaimsDataRequest(Base):
    """One PDP sponsor's request for Parts A and B claims data ((g)(1)), its attestation ((g)(5)) and its status."""

    __tablename__ = "claims_data_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sponsor_id: Mapped[str] = mapped_column(String(40), index=True)
    sponsor_name: Mapped[str] = mapped_column(String(200))
    sponsor_type: Mapped[str] = mapped_column(String(10))
    contract_ids: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(30), index=True)
    submitted_on: Mapped[dt.date] = mapped_column(Date)
    attested_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    approved_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    ended_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(TS, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads this mapping


class ClaimsDataRelease(Base):
    """One CMS release date and the period of service dates its data covers ((g)(1)(ii))."""

    __tablename__ = "claims_data_release"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    release_date: Mapped[dt.date] = mapped_column(Date, unique=True)
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ClaimsDataExtract(Base):
    """An extract built for a request and a release: where it is, its size, its columns and its checksum."""

    __tablename__ = "claims_data_extract"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("claims_data_request.id"), index=True)
    release_date: Mapped[dt.date] = mapped_column(Date)
    path: Mapped[str] = mapped_column(Text)
    claims: Mapped[int] = mapped_column(Integer)
    enrollees: Mapped[int] = mapped_column(Integer)
    columns: Mapped[list[str]] = mapped_column(JSON)
    dropped_columns: Mapped[list[str]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(TS, default=utcnow)


class ClaimsDataAccess(Base):
    """One access to the data, permitted or refused (append-only): who, what, for which purpose, and why."""

    __tablename__ = "claims_data_access"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(TS, default=utcnow)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("claims_data_request.id"), nullable=True, index=True)
    extract_id: Mapped[int | None] = mapped_column(ForeignKey("claims_data_extract.id"), nullable=True)
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(30))
    action: Mapped[str] = mapped_column(String(30))
    purpose: Mapped[str] = mapped_column(String(60))
    recipient: Mapped[str] = mapped_column(String(20))
    bound_by: Mapped[str | None] = mapped_column(String(20), nullable=True)
    decision: Mapped[str] = mapped_column(String(10))
    paragraph: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    citation: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
