"""The preclusion area's store: list versions with their postings (history kept), the provider-notification efforts
log (§422.222(a)(1)(ii)(B), §423.120(c)(6)(iv)(B); 4185-P L2330, L3056) and the process cache of the current list.

* ``preclusion_list_version`` + ``preclusion_list_posting``: every uploaded list file is a new version with all its
  rows; both tables are append-only (the database refuses UPDATE and DELETE), so every posting CMS ever sent stays
  readable. The current list is the newest version. Each upload is one audited ``create`` of its version (the
  audit event carries the label, row count and SHA-256, not 100,000 rows).
* ``preclusion_party_notification``: one row per attempt to tell a newly precluded party; created and updated
  through :mod:`partcd.platform.store.audit` (optimistic locking on ``version``).
* :func:`current_list`: the current version's postings in memory, indexed by NPI, for the online check. Loaded on
  the first use (the API warms it at start-up) and replaced at once by an upload in this process; other processes
  (several server workers) see a new version within ``PARTCD_PRECLUSION_LIST_RECHECK_S`` seconds (default 5): the
  cache asks the database for the newest version id at most that often. While one thread re-checks or loads a new
  version, the others keep answering from the list they have (no request waits for a reload, except the very first).
  A loaded list is moved out of the cyclic garbage collector's view (``gc.freeze``): full collections over its
  ~400,000 objects were the online check's p99 pauses.

Created by migration ``preclusion_0001`` (branch ``preclusion`` off ``0001_base``).
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import threading
import time
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Boolean, Date, DateTime, Engine, ForeignKey, Integer, String, Text, func, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from partcd.core.errors import ConfigError
from partcd.platform.store import audit
from partcd.platform.store.db import session_scope
from partcd.platform.store.tables import Base, utcnow
from partcd.preclusion.rules.efforts import NotificationEffort
from partcd.preclusion.rules.models import ListPosting

TS = DateTime(timezone=True)
#: the columns of a posting row (those of :class:`ListPosting`)
POSTING_FIELDS = tuple(ListPosting.model_fields)
#: rows inserted per statement on upload
INSERT_CHUNK = 5_000


class ListVersionRow(Base):
    """One uploaded preclusion list file (append-only)."""

    __tablename__ = "preclusion_list_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(120))
    source_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    row_count: Mapped[int] = mapped_column(Integer)
    first_posting_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    last_posting_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[dt.datetime] = mapped_column(TS, default=utcnow)


class ListPostingRow(Base):
    """One row of an uploaded list (append-only; ``row_number`` as in the file, header = row 1)."""

    __tablename__ = "preclusion_list_posting"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("preclusion_list_version.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    npi: Mapped[str] = mapped_column(String(10), index=True)
    party_name: Mapped[str] = mapped_column(String(300))
    basis: Mapped[str] = mapped_column(String(20))
    effective_date: Mapped[dt.date] = mapped_column(Date)
    list_posting_date: Mapped[dt.date] = mapped_column(Date)
    reenrollment_bar_end: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    felony_conviction_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    cms_shortened_end: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    oig_excluded: Mapped[bool] = mapped_column(Boolean)
    oig_exclusion_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    oig_reinstatement_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class PartyNotificationRow(Base):
    """One attempt to tell a newly precluded party which beneficiaries were notified (no beneficiary named)."""

    __tablename__ = "preclusion_party_notification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    npi: Mapped[str] = mapped_column(String(10), index=True)
    list_posting_date: Mapped[dt.date] = mapped_column(Date)
    attempted_on: Mapped[dt.date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(20))
    contact: Mapped[str] = mapped_column(String(300))
    beneficiaries_named_count: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(TS, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads this mapping


# --- views ------------------------------------------------------------------------------------------------------------


class ListVersion(BaseModel):
    """An uploaded list version as the API and pages show it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version_id: int
    label: str
    source_name: str
    sha256: str
    row_count: int
    first_posting_date: dt.date | None
    last_posting_date: dt.date | None
    uploaded_by: str
    uploaded_at: dt.datetime


class EffortRecord(BaseModel):
    """A logged effort with its id, who recorded it and its version (for optimistic locking)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    effort_id: int
    effort: NotificationEffort
    recorded_by: str
    recorded_at: dt.datetime
    version: int


def _version_view(row: ListVersionRow) -> ListVersion:
    uploaded = row.uploaded_at if row.uploaded_at.tzinfo else row.uploaded_at.replace(tzinfo=dt.UTC)
    return ListVersion(version_id=row.id, label=row.label, source_name=row.source_name, sha256=row.sha256,
                       row_count=row.row_count, first_posting_date=row.first_posting_date,
                       last_posting_date=row.last_posting_date, uploaded_by=row.uploaded_by, uploaded_at=uploaded)


def _effort_view(row: PartyNotificationRow) -> EffortRecord:
    recorded = row.recorded_at if row.recorded_at.tzinfo else row.recorded_at.replace(tzinfo=dt.UTC)
    effort = NotificationEffort(npi=row.npi, list_posting_date=row.list_posting_date, attempted_on=row.attempted_on,
                                method=row.method, contact=row.contact,  # type: ignore[arg-type]
                                beneficiaries_named_count=row.beneficiaries_named_count,
                                outcome=row.outcome, notes=row.notes)  # type: ignore[arg-type]
    return EffortRecord(effort_id=row.id, effort=effort, recorded_by=row.recorded_by, recorded_at=recorded,
                        version=row.version)


# --- list versions ----------------------------------------------------------------------------------------------------


def save_list(engine: Engine, postings: Sequence[ListPosting], *, label: str, source_name: str, sha256: str,
              actor: str) -> tuple[ListVersion, bool]:
    """Store a validated list as a new version (all rows, in file order) and make it current in this process.

    Uploading the file of the current version again (same SHA-256) stores nothing: ``(that version, False)``.
    """
    with session_scope(engine) as s:
        latest = s.scalar(select(ListVersionRow).order_by(ListVersionRow.id.desc()).limit(1))
        if latest is not None and latest.sha256 == sha256:
            return _version_view(latest), False
        dates = [p.list_posting_date for p in postings]
        row = ListVersionRow(label=label, source_name=source_name, sha256=sha256, row_count=len(postings),
                             first_posting_date=min(dates, default=None), last_posting_date=max(dates, default=None),
                             uploaded_by=actor)
        audit.create(s, row, actor=actor, reason=f"preclusion list upload: {len(postings)} rows")
        values = [{"version_id": row.id, "row_number": i, **p.model_dump()} for i, p in enumerate(postings, start=2)]
        for start in range(0, len(values), INSERT_CHUNK):
            s.execute(insert(ListPostingRow), values[start:start + INSERT_CHUNK])
        version = _version_view(row)
    _install(engine, LoadedList(version, tuple(postings)))
    return version, True


def list_versions(engine: Engine, limit: int = 100) -> list[ListVersion]:
    """The uploaded versions, newest first."""
    with session_scope(engine) as s:
        rows = s.scalars(select(ListVersionRow).order_by(ListVersionRow.id.desc()).limit(limit))
        return [_version_view(r) for r in rows]


def get_version(engine: Engine, version_id: int) -> ListVersion:
    with session_scope(engine) as s:
        row = s.get(ListVersionRow, version_id)
        if row is None:
            raise ConfigError(f"no preclusion list version {version_id}")
        return _version_view(row)


def load_postings(engine: Engine, version_id: int) -> tuple[ListPosting, ...]:
    """The rows of one version in file order."""
    columns = [getattr(ListPostingRow, f) for f in POSTING_FIELDS]
    with session_scope(engine) as s:
        rows = s.execute(select(*columns).where(ListPostingRow.version_id == version_id)
                         .order_by(ListPostingRow.row_number)).all()
    return tuple(ListPosting.model_validate(dict(zip(POSTING_FIELDS, r, strict=True))) for r in rows)


def latest_version_id(engine: Engine) -> int | None:
    with session_scope(engine) as s:
        latest: int | None = s.scalar(select(func.max(ListVersionRow.id)))
        return latest


# --- the current list in memory ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadedList:
    """One list version in memory, indexed by NPI."""

    version: ListVersion
    postings: tuple[ListPosting, ...]
    index: Mapping[str, tuple[ListPosting, ...]] = field(init=False)

    def __post_init__(self) -> None:
        index: dict[str, list[ListPosting]] = {}
        for p in self.postings:
            index.setdefault(p.npi, []).append(p)
        object.__setattr__(self, "index", {npi: tuple(ps) for npi, ps in index.items()})


@dataclass
class _Cache:
    lock: threading.Lock = field(default_factory=threading.Lock)
    loaded: LoadedList | None = None
    checked_at: float = float("-inf")


_caches: weakref.WeakKeyDictionary[Engine, _Cache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def recheck_seconds() -> float:
    """How often the cache asks the database for a newer version (``PARTCD_PRECLUSION_LIST_RECHECK_S``, default 5)."""
    text = os.environ.get("PARTCD_PRECLUSION_LIST_RECHECK_S", "5")
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"PARTCD_PRECLUSION_LIST_RECHECK_S: not a number of seconds: {text!r}") from None
    if value < 0:
        raise ConfigError(f"PARTCD_PRECLUSION_LIST_RECHECK_S: must be >= 0: {text!r}")
    return value


def _cache(engine: Engine) -> _Cache:
    with _caches_lock:
        cache = _caches.get(engine)
        if cache is None:
            cache = _caches[engine] = _Cache()
        return cache


def _out_of_the_collectors_view() -> None:
    """Move every object alive now (the list just loaded among them) out of the cyclic garbage collector's view.

    100,000 postings are ~400,000 tracked objects: each full collection then took ~140 ms, a pause any request may
    fall into (the online check's p99). The postings hold no reference cycles, so reference counting still frees a
    replaced version."""
    gc.freeze()


def _install(engine: Engine, loaded: LoadedList) -> None:
    cache = _cache(engine)
    with cache.lock:
        cache.loaded, cache.checked_at = loaded, time.monotonic()
    _out_of_the_collectors_view()


def invalidate(engine: Engine) -> None:
    """Forget the cached list of ``engine`` (the next use reloads it)."""
    cache = _cache(engine)
    with cache.lock:
        cache.loaded, cache.checked_at = None, float("-inf")


def current_list(engine: Engine) -> LoadedList | None:
    """The newest list version in memory (None before the first upload); see the module docstring."""
    cache = _cache(engine)
    loaded, wait = cache.loaded, recheck_seconds()
    if loaded is not None and time.monotonic() - cache.checked_at < wait:
        return loaded
    if loaded is not None and not cache.lock.acquire(blocking=False):
        return loaded  # another thread is re-checking (or loading a new version): answer from the list we have
    if loaded is None:
        cache.lock.acquire()
    try:
        if cache.loaded is not None and time.monotonic() - cache.checked_at < wait:
            return cache.loaded
        latest = latest_version_id(engine)
        if latest is None:
            cache.loaded = None
        elif cache.loaded is None or cache.loaded.version.version_id != latest:
            cache.loaded = LoadedList(get_version(engine, latest), load_postings(engine, latest))
            _out_of_the_collectors_view()
        cache.checked_at = time.monotonic()
        return cache.loaded
    finally:
        cache.lock.release()


# --- provider-notification efforts ------------------------------------------------------------------------------------


def record_effort(engine: Engine, effort: NotificationEffort, *, actor: str) -> EffortRecord:
    """Log one attempt (audited create)."""
    with session_scope(engine) as s:
        row = PartyNotificationRow(**effort.model_dump(), recorded_by=actor)
        audit.create(s, row, actor=actor)
        return _effort_view(row)


def update_effort(engine: Engine, effort_id: int, changes: Mapping[str, Any], *, actor: str,
                  expected_version: int | None = None) -> EffortRecord:
    """Change an attempt (e.g. its outcome when the letter comes back); the result is validated again, audited,
    and refused when someone else changed it first (``expected_version``)."""
    with session_scope(engine) as s:
        row = s.get(PartyNotificationRow, effort_id)
        if row is None:
            raise ConfigError(f"no provider-notification effort {effort_id}")
        merged = NotificationEffort.model_validate({**_effort_view(row).effort.model_dump(), **changes})
        audit.update(s, row, {k: getattr(merged, k) for k in changes}, actor=actor, expected_version=expected_version)
        return _effort_view(row)


def list_efforts(engine: Engine, *, npi: str | None = None, list_posting_date: dt.date | None = None,
                 limit: int = 500) -> list[EffortRecord]:
    """Logged attempts, newest first, optionally of one party and / or posting."""
    stmt = select(PartyNotificationRow).order_by(PartyNotificationRow.attempted_on.desc(),
                                                 PartyNotificationRow.id.desc()).limit(limit)
    if npi:
        stmt = stmt.where(PartyNotificationRow.npi == npi)
    if list_posting_date:
        stmt = stmt.where(PartyNotificationRow.list_posting_date == list_posting_date)
    with session_scope(engine) as s:
        return [_effort_view(r) for r in s.scalars(stmt)]
