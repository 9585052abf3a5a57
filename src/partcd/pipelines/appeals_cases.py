"""§§ 422.629(g)-(h), 422.630-422.634 - the case service: load -> validate -> transition -> store, one transaction.

Every change of a case is an ``audit_event`` (actor, before, after) written in the same transaction as the case,
its timeline rows (``case_event``) and its notices; a concurrent edit is refused (optimistic locking on
``appeal_case.version``); an error anywhere rolls everything back. The member's MBI and name are stored (they are
§ 422.629(h) record fields) but never written to a log: log lines name the case id only.
"""

from __future__ import annotations

import datetime as dt
import importlib.resources
import logging
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import ValidationError
from sqlalchemy import Engine, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from partcd import __version__
from partcd.appeals.clocks import zone_of
from partcd.appeals.parameters import AppealsParams
from partcd.appeals.workflow import (
    NOTICE_ELEMENTS,
    Case,
    CaseEvent,
    CaseType,
    Deadline,
    Intake,
    NoticeKind,
    advance,
    allowed_events,
    apply,
    deadlines,
    is_adverse,
    next_due,
    obligations,
    open_case,
    record_fields,
)
from partcd.core.errors import ConfigError, InputError, RuleError
from partcd.core.params import ParamSet
from partcd.io.params import load_params
from partcd.store import audit
from partcd.store.appeals import AppealCase, Notice
from partcd.store.appeals import CaseEvent as CaseEventRow
from partcd.store.db import session_scope

log = logging.getLogger(__name__)

#: MBI format (CMS): C A AN N A AN N A A N N; letters exclude S, L, O, I, B and Z.
_A = "AC-HJKMNP-RT-Y"
MBI_RE = re.compile(rf"^[1-9][{_A}][{_A}0-9][0-9][{_A}][{_A}0-9][0-9][{_A}][{_A}][0-9][0-9]$")

Bucket = Literal["overdue", "due_24h", "due_72h", "later"]
BUCKETS: tuple[Bucket, ...] = ("overdue", "due_24h", "due_72h", "later")


def normalise_mbi(mbi: str, *, source: str = "case", row: int | None = None) -> str:
    """Upper-case, hyphens removed; a value that is not an MBI is refused (the error never repeats the value)."""
    value = mbi.replace("-", "").strip().upper()
    if not MBI_RE.match(value):
        raise InputError(source, row, "mbi", "not a valid Medicare Beneficiary Identifier (11 characters, CMS format)")
    return value


def params_for(received: dt.datetime, zone: str | None = None) -> ParamSet:
    """The appeals parameters in force on the local date of receipt."""
    first = load_params("appeals", received.date() if received.tzinfo is None else received.astimezone(dt.UTC).date())
    tz = zone_of(zone or first.typed(AppealsParams).plan_time_zone_text)
    local = received.astimezone(tz).date() if received.tzinfo else received.date()
    return load_params("appeals", local)


@dataclass(frozen=True)
class CaseView:
    """A stored case as read at ``now``: the record, its version, its deadlines and the events it accepts."""

    id: int
    version: int
    case: Case
    deadlines: list[Deadline]
    next_due: dt.datetime | None
    allowed: list[str]
    parent_id: int | None = None

    def to_dict(self, *, include_phi: bool = True) -> dict[str, Any]:
        data = self.case.model_dump(mode="json", exclude={"events"})
        if not include_phi:
            data.pop("mbi", None)
            data.pop("enrollee_name", None)
        return {
            "id": self.id, "version": self.version, "parent_id": self.parent_id, "case_type": self.case.case_type,
            "status": self.case.status, "outcome": self.case.outcome,
            "next_due": self.next_due.isoformat() if self.next_due else None,
            "allowed_events": self.allowed, "case": data,
            "record": {k: v for k, v in record_fields(self.case).items() if include_phi or k != "enrollee_name"},
            "deadlines": [d.model_dump(mode="json") for d in self.deadlines],
        }


def _view(row: AppealCase, now: dt.datetime) -> CaseView:
    case = Case.model_validate(row.data)
    params = params_for(case.received, case.zone)
    current = advance(case, params, now)
    return CaseView(id=row.id, version=row.version, case=current, deadlines=deadlines(current, params, now),
                    next_due=next_due(current, params, now), allowed=allowed_events(current), parent_id=row.parent_id)


def _utc(t: dt.datetime | None) -> dt.datetime | None:
    """Instants are stored in UTC (SQLite keeps no offset; comparisons in SQL must be like for like)."""
    if t is None:
        return None
    return (t if t.tzinfo else t.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _columns(case: Case, params: ParamSet, now: dt.datetime) -> dict[str, Any]:
    return {
        "status": case.status, "expedited": case.expedited, "next_due_at": _utc(next_due(case, params, now)),
        "decided_at": _utc(case.decided_at or case.deemed_adverse_at), "outcome": case.outcome,
        "data": case.model_dump(mode="json"), "updated_at": _utc(now),
    }


def _store_events(s: Session, row: AppealCase, case: Case, start: int) -> None:
    for seq, ev in enumerate(case.events[start:], start=start + 1):
        details = ev.model_dump(mode="json", exclude_defaults=True, exclude={"kind", "at", "actor"})
        audit.create(s, CaseEventRow(case_id=row.id, seq=seq, kind=ev.kind, occurred_at=_utc(ev.at), actor=ev.actor,
                                     status_after=case.status, details=details), actor=ev.actor, reason=ev.kind)


def _store_notices(s: Session, row: AppealCase, case: Case, params: ParamSet, now: dt.datetime, actor: str) -> None:
    """One row per notice kind the case owes or has sent, with its due time (the earliest obligation it meets)."""
    owed: dict[str, tuple[str | None, dt.datetime | None, dt.datetime | None]] = {}
    for d in deadlines(case, params, now):
        if d.notice is not None and (d.notice not in owed or (owed[d.notice][1] or d.due) >= d.due):
            owed[d.notice] = (d.id, d.due, d.met_at)
    for kind, sent_at in case.notices.items():
        ob_id, due, _ = owed.get(kind, (None, None, None))
        owed[kind] = (ob_id, due, sent_at)
    if case.continuation != "none" and "continuation" not in owed:
        owed["continuation"] = (None, None, case.notices.get("continuation"))
    existing = {n.kind: n for n in s.scalars(select(Notice).where(Notice.case_id == row.id))}
    for kind, (ob_id, due, sent) in owed.items():
        n = existing.get(kind)
        if n is None:
            audit.create(s, Notice(case_id=row.id, kind=kind, obligation_id=ob_id, due_at=_utc(due), sent_at=_utc(sent)),
                         actor=actor)
        elif (n.obligation_id, _same(n.due_at, due), _same(n.sent_at, sent)) != (ob_id, True, True):
            audit.update(s, n, {"obligation_id": ob_id, "due_at": _utc(due), "sent_at": _utc(sent)}, actor=actor)


def _same(a: dt.datetime | None, b: dt.datetime | None) -> bool:
    if a is None or b is None:
        return a is b
    if a.tzinfo is None:
        a = a.replace(tzinfo=dt.UTC)
    return a.astimezone(dt.UTC) == b.astimezone(dt.UTC)


def _intake(data: dict[str, Any] | Intake, source: str) -> Intake:
    if isinstance(data, Intake):
        data = data.model_dump()
    data = dict(data)
    if "mbi" in data and isinstance(data["mbi"], str):
        data["mbi"] = normalise_mbi(data["mbi"], source=source)
    try:
        return Intake.model_validate(data)
    except ValidationError as exc:
        raise InputError.from_validation(source, None, exc) from None


def create_case(engine: Engine, intake: dict[str, Any] | Intake, *, actor: str, now: dt.datetime | None = None,
                parent_id: int | None = None) -> CaseView:
    """Receive a request and store it (one transaction: case, first event, notices owed, audit events)."""
    now = now or dt.datetime.now(dt.UTC)
    data = intake.model_dump() if isinstance(intake, Intake) else dict(intake)
    with session_scope(engine) as s:
        if parent_id is not None:
            data = _from_parent(s, parent_id, data, now)
        validated = _intake(data, "case")
        params = params_for(validated.received, validated.zone)
        case = open_case(validated, params, actor=actor, now=now)
        row = AppealCase(case_type=case.case_type, contract_id=case.contract_id,
                         plan_benefit_package=case.plan_benefit_package, mbi=case.mbi, enrollee_name=case.enrollee_name,
                         received_at=_utc(case.received), parent_id=parent_id, created_at=_utc(now),
                         **_columns(case, params, now))
        audit.create(s, row, actor=actor, reason="case received")
        _store_events(s, row, case, 0)
        _store_notices(s, row, case, params, now, actor)
        log.info("appeal case %s created (%s, %s)", row.id, case.case_type, case.status)
        return _view(row, now)


def _from_parent(s: Session, parent_id: int, data: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """An IR filed on a stored IOD takes the enrollee, the programs and the adverse notice facts from it."""
    parent = s.get(AppealCase, parent_id)
    if parent is None:
        raise InputError("case", None, "parent_id", f"no case {parent_id}")
    view = _view(parent, now)
    pc = view.case
    if pc.case_type != "integrated_organization_determination" or pc.status not in ("ADVERSE_NOTICED", "DEEMED_ADVERSE"):
        raise RuleError(f"case {parent_id} is not an adverse integrated organization determination "
                        f"({pc.case_type}, {pc.status}): an integrated reconsideration follows one",
                        "42 CFR 422.633(d)(1) [cms-4185-p L2892]")
    sent = pc.notice_sent or pc.deemed_adverse_at
    inherited: dict[str, Any] = {
        "case_type": "integrated_reconsideration", "enrollee_name": pc.enrollee_name, "mbi": pc.mbi,
        "contract_id": pc.contract_id, "plan_benefit_package": pc.plan_benefit_package, "programs": pc.programs,
        "zone": pc.zone, "parent_ref": str(parent_id), "adverse_notice_sent": sent,
        "adverse_notice_date": pc.notice_date or (sent.astimezone(zone_of(pc.zone or "UTC")).date() if sent else None),
        "intended_effective_date": pc.action_date if pc.reduction else None,
    }
    return {**inherited, **{k: v for k, v in data.items() if v is not None}}


def transition(engine: Engine, case_id: int, event: dict[str, Any] | CaseEvent, *, actor: str,
               expected_version: int | None = None, now: dt.datetime | None = None) -> CaseView:
    """Apply one event: load, validate against the state machine, store case + timeline + notices + audit, or nothing."""
    now = now or dt.datetime.now(dt.UTC)
    with session_scope(engine) as s:
        row = s.get(AppealCase, case_id)
        if row is None:
            raise InputError("case", None, "id", f"no case {case_id}")
        if expected_version is not None and row.version != expected_version:
            raise RuleError(f"appeal_case {case_id} was changed by someone else (version {row.version}, you had "
                            f"{expected_version}); reload and retry")
        case = Case.model_validate(row.data)
        params = params_for(case.received, case.zone)
        ev = _event(event, actor, now)
        start = len(case.events)
        new = apply(case, ev, params, now=now)
        audit.update(s, row, _columns(new, params, now), actor=actor, expected_version=row.version, reason=ev.kind)
        _store_events(s, row, new, start)
        _store_notices(s, row, new, params, now, actor)
        log.info("appeal case %s: %s -> %s", case_id, ev.kind, new.status)
        return _view(row, now)


def _event(event: dict[str, Any] | CaseEvent, actor: str, now: dt.datetime) -> CaseEvent:
    if isinstance(event, CaseEvent):
        return event.model_copy(update={"actor": actor})
    data = {"at": now, **{k: v for k, v in event.items() if v is not None}, "actor": actor}
    try:
        return CaseEvent.model_validate(data)
    except ValidationError as exc:
        raise InputError.from_validation("event", None, exc) from None


def sweep(engine: Engine, *, now: dt.datetime | None = None, actor: str = "system") -> list[int]:
    """Store the consequence of every deadline that has passed (deemed adverse cases); returns the case ids changed."""
    now = _utc(now) or dt.datetime.now(dt.UTC)
    changed: list[int] = []
    with session_scope(engine) as s:
        rows = s.scalars(select(AppealCase).where(AppealCase.next_due_at < now).order_by(AppealCase.id)).all()
        for row in rows:
            case = Case.model_validate(row.data)
            params = params_for(case.received, case.zone)
            new = advance(case, params, now)
            if new.status == case.status:
                continue
            audit.update(s, row, _columns(new, params, now), actor=actor, expected_version=row.version,
                         reason="deadline_passed")
            _store_events(s, row, new, len(case.events))
            _store_notices(s, row, new, params, now, actor)
            changed.append(row.id)
    return changed


def get_case(engine: Engine, case_id: int, *, now: dt.datetime | None = None) -> CaseView:
    now = now or dt.datetime.now(dt.UTC)
    with session_scope(engine) as s:
        row = s.get(AppealCase, case_id)
        if row is None:
            raise InputError("case", None, "id", f"no case {case_id}")
        return _view(row, now)


def timeline(engine: Engine, case_id: int) -> list[dict[str, Any]]:
    """The stored events of a case in order, each with who recorded it and the state after it."""
    with session_scope(engine) as s:
        if s.get(AppealCase, case_id) is None:
            raise InputError("case", None, "id", f"no case {case_id}")
        rows = s.scalars(select(CaseEventRow).where(CaseEventRow.case_id == case_id).order_by(CaseEventRow.seq))
        return [{"seq": r.seq, "kind": r.kind, "at": _iso(r.occurred_at), "actor": r.actor, "status_after": r.status_after,
                 "recorded_at": _iso(r.recorded_at), "details": r.details} for r in rows]


def case_notices(engine: Engine, case_id: int) -> list[dict[str, Any]]:
    with session_scope(engine) as s:
        rows = s.scalars(select(Notice).where(Notice.case_id == case_id).order_by(Notice.due_at, Notice.kind))
        return [{"kind": n.kind, "obligation_id": n.obligation_id, "due": _iso(n.due_at), "sent": _iso(n.sent_at)}
                for n in rows]


def _iso(t: dt.datetime | None) -> str | None:
    if t is None:
        return None
    return (t if t.tzinfo else t.replace(tzinfo=dt.UTC)).isoformat()


def _aware_utc(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class QueueItem:
    """One row of the work queue (no PHI: the case id, type, state and the next due obligation)."""

    id: int
    case_type: str
    status: str
    expedited: bool
    contract_id: str
    next_due: dt.datetime
    bucket: Bucket
    obligation: str | None
    obligation_id: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "case_type": self.case_type, "status": self.status, "expedited": self.expedited,
                "contract_id": self.contract_id, "next_due": self.next_due.isoformat(), "bucket": self.bucket,
                "obligation_id": self.obligation_id, "obligation": self.obligation}


def bucket_of(due: dt.datetime, now: dt.datetime) -> Bucket:
    """Overdue, due within 24 h, within 72 h, or later."""
    left = _aware_utc(due) - _aware_utc(now)
    if left < dt.timedelta(0):
        return "overdue"
    if left <= dt.timedelta(hours=24):
        return "due_24h"
    if left <= dt.timedelta(hours=72):
        return "due_72h"
    return "later"


#: The states ``workflow.advance`` moves a case out of when its decision clock expires, and the states it moves it to.
_WAITING = ("RECEIVED", "REQUESTED", "STANDARD_PENDING", "EXPEDITED_PENDING", "EXTENDED")
_DEEMED = ("DEEMED_ADVERSE", "DEEMED_ADVERSE_IR")


def queue(engine: Engine, *, now: dt.datetime | None = None, case_type: str | None = None, status: str | None = None,
          bucket: Bucket | None = None, limit: int = 500) -> list[QueueItem]:
    """Open cases by their next due obligation (earliest first), with the overdue / 24 h / 72 h bucket.

    Each row is re-read at ``now`` (a deadline that passed since the last write may have changed its state and next
    due time), so the status and bucket filters are checked on the re-read case. In SQL the status filter keeps the
    rows stored with that status; for a deemed-adverse status also the waiting rows whose stored next due time has
    passed (``advance`` only moves a waiting case to a deemed-adverse state, and only after its decision clock, which
    is never earlier than its next due time). Rows are read page by page (keyset on ``next_due_at, id``) until
    ``limit`` items match, so stale rows at the head of the queue never hide the matching ones; in a store that
    ``sweep`` keeps current there are few of them.
    """
    now = _utc(now) or dt.datetime.now(dt.UTC)
    stmt: Select[Any] = select(AppealCase).where(AppealCase.next_due_at.is_not(None))
    if case_type:
        stmt = stmt.where(AppealCase.case_type == case_type)
    if status in _DEEMED:
        stmt = stmt.where(or_(AppealCase.status == status,
                              and_(AppealCase.status.in_(_WAITING), AppealCase.next_due_at < now)))
    elif status:
        stmt = stmt.where(AppealCase.status == status)
    if bucket == "overdue":
        stmt = stmt.where(AppealCase.next_due_at < now)
    elif bucket == "due_24h":
        stmt = stmt.where(AppealCase.next_due_at >= now, AppealCase.next_due_at <= now + dt.timedelta(hours=24))
    elif bucket == "due_72h":
        stmt = stmt.where(AppealCase.next_due_at > now + dt.timedelta(hours=24),
                          AppealCase.next_due_at <= now + dt.timedelta(hours=72))
    elif bucket == "later":
        stmt = stmt.where(AppealCase.next_due_at > now + dt.timedelta(hours=72))
    stmt = stmt.order_by(AppealCase.next_due_at, AppealCase.id)
    out: list[QueueItem] = []
    after: tuple[dt.datetime, int] | None = None
    with session_scope(engine) as s:
        while len(out) < limit:
            page = stmt if after is None else stmt.where(or_(
                AppealCase.next_due_at > after[0], and_(AppealCase.next_due_at == after[0], AppealCase.id > after[1])))
            rows: list[AppealCase] = list(s.scalars(page.limit(limit)))
            for row in rows:
                item = _queue_item(row, now, status, bucket)
                if item is not None:
                    out.append(item)
                    if len(out) == limit:
                        break
            if len(rows) < limit:
                break
            last = rows[-1]
            assert last.next_due_at is not None
            after = (last.next_due_at, last.id)
    return out


def _queue_item(row: AppealCase, now: dt.datetime, status: str | None, bucket: Bucket | None) -> QueueItem | None:
    view = _view(row, now)
    if status and view.case.status != status:
        return None
    first = next((d for d in view.deadlines if d.state in ("open", "overdue")), None)
    due = view.next_due or _aware_utc(row.next_due_at or now)
    if bucket is not None and bucket_of(due, now) != bucket:
        return None  # the stored due time predates a consequence the clock has applied since
    return QueueItem(id=row.id, case_type=row.case_type, status=view.case.status, expedited=row.expedited,
                     contract_id=row.contract_id, next_due=due, bucket=bucket_of(due, now),
                     obligation=first.description if first else None, obligation_id=first.id if first else None)


def queue_counts(engine: Engine, *, now: dt.datetime | None = None) -> dict[str, dict[str, int]]:
    """Counts by case type and bucket (the dashboard's summary)."""
    now = _utc(now) or dt.datetime.now(dt.UTC)
    out: dict[str, dict[str, int]] = {}
    edges = ((None, now, "overdue"), (now, now + dt.timedelta(hours=24), "due_24h"),
             (now + dt.timedelta(hours=24), now + dt.timedelta(hours=72), "due_72h"),
             (now + dt.timedelta(hours=72), None, "later"))
    with session_scope(engine) as s:
        for lo, hi, name in edges:
            stmt = select(AppealCase.case_type, func.count()).where(AppealCase.next_due_at.is_not(None))
            if lo is not None:
                stmt = stmt.where(AppealCase.next_due_at > lo if name != "due_24h" else AppealCase.next_due_at >= lo)
            if hi is not None:
                stmt = stmt.where(AppealCase.next_due_at < hi if name == "overdue" else AppealCase.next_due_at <= hi)
            for case_type, count in s.execute(stmt.group_by(AppealCase.case_type)):
                out.setdefault(case_type, dict.fromkeys(BUCKETS, 0))[name] = int(count)
    return out


def all_cases(engine: Engine, *, now: dt.datetime | None = None, case_type: CaseType | None = None,
              received_from: dt.date | None = None, received_to: dt.date | None = None) -> list[CaseView]:
    """Every stored case (as of ``now``), optionally by type and receipt date range (for universes and reports)."""
    now = now or dt.datetime.now(dt.UTC)
    stmt = select(AppealCase).order_by(AppealCase.id)
    if case_type:
        stmt = stmt.where(AppealCase.case_type == case_type)
    with session_scope(engine) as s:
        views = [_view(row, now) for row in s.scalars(stmt)]
    if received_from or received_to:
        views = [v for v in views if (received_from is None or _local_day(v.case) >= received_from)
                 and (received_to is None or _local_day(v.case) <= received_to)]
    return views


def _local_day(case: Case) -> dt.date:
    return case.received.astimezone(zone_of(case.zone or "UTC")).date()


# --- notices -----------------------------------------------------------------------------------------------

_TEMPLATES = Path(str(importlib.resources.files("partcd.pipelines"))) / "templates"
_ENV = Environment(loader=FileSystemLoader(str(_TEMPLATES)), autoescape=select_autoescape(["html", "j2"]),
                   trim_blocks=True, lstrip_blocks=True)


def notice_kinds_for(case: Case) -> list[NoticeKind]:
    """The notices that apply to a case (by type and what happened)."""
    kinds: list[NoticeKind] = []
    if case.case_type in ("integrated_grievance", "integrated_reconsideration"):
        kinds.append("acknowledgement")
    if case.extension is not None:
        kinds.append("extension")
    if case.expedite_denied_at is not None:
        kinds.append("denial_of_expedite")
    if case.case_type != "integrated_reconsideration" and (is_adverse(case) or case.deemed_adverse_at is not None):
        kinds.append("adverse_determination")
    if case.case_type == "integrated_reconsideration" and (case.decision is not None or case.deemed_adverse_at):
        kinds.append("reconsideration_resolution")
    if case.continuation != "none":
        kinds.append("continuation")
    return kinds


def render_notice(case: Case, kind: NoticeKind, *, case_id: int | str, now: dt.datetime | None = None,
                  plan_name: str = "the plan") -> str:
    """The notice as HTML: every element the rule lists is a ``data-element`` block (see NOTICE_ELEMENTS)."""
    now = now or dt.datetime.now(dt.UTC)
    params = params_for(case.received, case.zone)
    obs = {o.id: o for o in obligations(case, params)}
    zone = zone_of(case.zone or params.typed(AppealsParams).plan_time_zone_text)
    due = next((d for d in deadlines(case, params, now) if d.notice == kind), None)
    context: dict[str, Any] = {
        "case": case, "case_id": case_id, "kind": kind, "elements": {e.id: e for e in NOTICE_ELEMENTS[kind]},
        "obligations": obs, "plan_name": plan_name, "version": __version__, "due": due,
        "local": lambda t: t.astimezone(zone).strftime("%B %-d, %Y %H:%M %Z") if t else "",
        "day": lambda t: (t.astimezone(zone).date() if isinstance(t, dt.datetime) else t).strftime("%B %-d, %Y")
        if t else "",
        "resolution": _resolution(case, obs), "generated": now,
    }
    return _ENV.get_template(f"appeals/{kind}.html.j2").render(**context)


def _resolution(case: Case, obs: dict[str, Any]) -> dict[str, Any]:
    """The decision deadline the notice talks about and the days an extension added."""
    deadline = next((o for k, o in obs.items() if k in ("T12", "T5", "T7", "T8", "T16", "T17", "T18", "T2", "T4")), None)
    used = deadline.params_used if deadline is not None else {}
    days = next((used[k] for k in ("extension_calendar_days", "ir_extension_calendar_days",
                                   "grievance_extension_calendar_days") if k in used), None)
    return {"deadline": deadline, "extension_days": days if case.extension is not None else None}


def write_notice_pdf(html: str, out: Path, *, chromium: str | None = None, timeout_s: float = 90) -> Path:
    """Print the HTML to PDF with headless Chromium (Debian ``chromium``; no extra Python dependency)."""
    exe = chromium or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(exe).exists():
        raise ConfigError(f"PDF needs Chromium at {exe} (apt-get install chromium)")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "notice.html"
        src.write_text(html, encoding="utf-8")
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer", f"--user-data-dir={tmp}/p",
               f"--print-to-pdf={out.resolve()}", src.resolve().as_uri()]
        done = subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=False)  # noqa: S603 - fixed argv
    if not out.exists() or out.stat().st_size == 0 or out.read_bytes()[:5] != b"%PDF-":
        raise ConfigError(f"Chromium did not write the PDF (exit {done.returncode})")
    return out
