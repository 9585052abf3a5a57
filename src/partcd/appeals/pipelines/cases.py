"""§§ 422.629(g)-(h), 422.630-422.634 - the case service: load -> validate -> transition -> store, one transaction.

Every change of a case is an ``audit_event`` (actor, before, after) written in the same transaction as the case,
its timeline rows (``case_event``) and its notices; a concurrent edit is refused (optimistic locking on
``appeal_case.version``); an error anywhere rolls everything back. The member's MBI and name are stored (they are
§ 422.629(h) record fields) but never written to a log: log lines name the case id only.

State-specific, more protective timeframes (§ 422.629(c)) are stored per contract (``contract_clock_override``,
:func:`set_override`, :func:`end_override`, :func:`list_overrides`), each checked against the clock engine when it
is set. A case takes the overrides in force for its contract on the local date of receipt; they are pinned in the
stored case (``data["contract_clock_overrides"]``: which State, which source) and every due time of the case (view,
queue, notices, universes) is computed with them.

The work queue is stored: every open plan obligation of a case (``appeal_obligation``) and the number of cases by
next-due hour and type (``appeal_queue_tally``) are rewritten in the transaction of each change of the case, so
:func:`queue` and :func:`queue_counts` read them with indexed SQL and re-derive nothing. They show the case as stored:
:func:`sweep` (``partcd appeals sweep``, run every few minutes) records the consequence of a deadline that has passed
(``deemed adverse``); until then a waiting case whose decision is overdue is flagged ``consequence_pending``.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import ColumnElement, Engine, Table, delete, func, insert, select, update
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from partcd.appeals.rules.clocks import (
    TIMEFRAMES,
    Extension,
    Obligation,
    adverse_determination_windows,
    integrated_grievance,
    integrated_organization_determination,
    integrated_reconsideration,
    reconsideration_resolution_windows,
    reversal_effectuation,
    zone_of,
)
from partcd.appeals.rules.parameters import AppealsParams
from partcd.appeals.rules.workflow import (
    DECISION_IDS,
    FREE_TEXT_MAX_CHARS,
    GRIEVANCE_TYPES,
    INTEGRATED_TYPES,
    WAITING_STATES,
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
    leaves_queue,
    next_due,
    obligations,
    open_case,
    record_fields,
)
from partcd.appeals.store import AppealCase, AppealObligation, AppealQueueTally, ContractClockOverride, Notice
from partcd.appeals.store import CaseEvent as CaseEventRow
from partcd.core.errors import InputError, RuleError
from partcd.core.params import ParamSet
from partcd.platform.params import area_files, load_params
from partcd.platform.store import audit
from partcd.platform.store.db import session_scope

log = logging.getLogger(__name__)
R = TypeVar("R", AppealCase, ContractClockOverride)

#: MBI format (CMS): C A AN N A AN N A A N N; letters exclude S, L, O, I, B and Z.
_A = "AC-HJKMNP-RT-Y"
MBI_RE = re.compile(rf"^[1-9][{_A}][{_A}0-9][0-9][{_A}][{_A}0-9][0-9][{_A}][{_A}][0-9][0-9]$")

Bucket = Literal["overdue", "due_24h", "due_72h", "later"]
BUCKETS: tuple[Bucket, ...] = ("overdue", "due_24h", "due_72h", "later")
#: Work-queue triage (a design choice, not a rule): the upper edges of the due_24h and due_72h buckets.
DUE_24H = dt.timedelta(hours=24)
DUE_72H = dt.timedelta(hours=72)


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


# --- State-specific, more protective timeframes (§ 422.629(c)) -------------------------------------------------

CITE_STATE_OVERRIDE = "42 CFR 422.629(c) [cms-4185-p L2677]"
#: Where a stored case keeps the overrides it was received under (beside the ``Case`` fields in ``appeal_case.data``).
OVERRIDES_KEY = "contract_clock_overrides"
DurationUnit = Literal["calendar_days", "hours"]
#: The largest State timeframe a request may store (days or hours; a larger number is a typing error, not a rule).
OVERRIDE_MAX_DURATION = 10_000


class OverrideRequest(BaseModel):
    """A State timeframe to store for a contract: timeframe id, duration, State, legal source, period in force."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    contract_id: str = Field(pattern=r"^[A-Z][0-9]{4}$")
    timeframe_id: str = Field(min_length=1, max_length=10)
    duration_value: int = Field(gt=0, le=OVERRIDE_MAX_DURATION)
    duration_unit: DurationUnit
    state: str = Field(pattern=r"^[A-Z]{2}$", description="USPS code of the State whose contract sets it")
    citation: str = Field(min_length=1, max_length=300, description="the State contract or rule, e.g. OAC 5160-58-08.4")
    source_text: str | None = Field(default=None, max_length=FREE_TEXT_MAX_CHARS,
                                    description="the quoted text of the source")
    effective_from: dt.date
    effective_to: dt.date | None = Field(default=None, description="last local receipt date in force (inclusive)")


class StateOverride(OverrideRequest):
    """A stored State timeframe of a contract (``contract_clock_override``), as pinned in the cases it applies to."""

    id: int
    created_by: str
    version: int = 1

    @property
    def duration(self) -> dt.timedelta:
        return _duration(self.duration_value, self.duration_unit)

    @property
    def iso(self) -> str:
        """ISO 8601 duration: ``P10D`` or ``PT48H``."""
        return f"P{self.duration_value}D" if self.duration_unit == "calendar_days" else f"PT{self.duration_value}H"

    def in_force(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def to_dict(self) -> dict[str, Any]:
        return {**self.model_dump(mode="json"), "duration": self.iso, "cite": CITE_STATE_OVERRIDE}

    def label(self) -> dict[str, Any]:
        """What a deadline shows: which override, which State, which source."""
        return {"id": self.id, "timeframe_id": self.timeframe_id, "duration": self.iso, "state": self.state,
                "citation": self.citation}


def _duration(value: int, unit: DurationUnit) -> dt.timedelta:
    return dt.timedelta(days=value) if unit == "calendar_days" else dt.timedelta(hours=value)


def _override(row: ContractClockOverride) -> StateOverride:
    return StateOverride(id=row.id, contract_id=row.contract_id, timeframe_id=row.timeframe_id,
                         duration_value=row.duration_value, duration_unit=row.duration_unit,  # type: ignore[arg-type]
                         state=row.state, citation=row.citation, source_text=row.source_text,
                         effective_from=row.effective_from, effective_to=row.effective_to, created_by=row.created_by,
                         version=row.version)


def _probes(received: dt.datetime, params: ParamSet, ov: dict[str, dt.timedelta]
            ) -> list[tuple[tuple[str, ...], Callable[[], object]]]:
    """One clock-engine call per group of timeframe ids: each call computes (and so validates) the ids it lists."""
    later = received + dt.timedelta(hours=1)
    day = received.date()
    ext = Extension(requested_by="enrollee", decided=later)
    return [
        (("T2", "T3", "T29"), partial(integrated_grievance, received, params, extension=ext, state_overrides=ov)),
        (("T4",), partial(integrated_grievance, received, params, expedited=True, state_overrides=ov)),
        (("T5",), partial(integrated_organization_determination, received, params, state_overrides=ov)),
        (("T7", "T10"), partial(integrated_organization_determination, received, params, expedited=True,
                                state_overrides=ov)),
        (("T8", "T9"), partial(integrated_organization_determination, received, params, expedite_denied=later,
                               state_overrides=ov)),
        (("T6", "T14", "T15"), partial(adverse_determination_windows, params, notice_date=day, notice_sent=received,
                                       effective=day + dt.timedelta(days=30), state_overrides=ov)),
        (("T16", "T21", "T23"), partial(integrated_reconsideration, received, params, extension=ext, state_overrides=ov)),
        (("T17", "T20", "T24"), partial(integrated_reconsideration, received, params, expedited=True, affirmed=later,
                                        state_overrides=ov)),
        (("T18", "T19"), partial(integrated_reconsideration, received, params, expedite_denied=later, state_overrides=ov)),
        (("T25", "T26"), partial(reconsideration_resolution_windows, params, notice_date=day, notice_sent=received,
                                 state_overrides=ov)),
        (("T27",), partial(reversal_effectuation, received, params, state_overrides=ov)),
    ]


def check_override(timeframe_id: str, duration: dt.timedelta, params: ParamSet, day: dt.date) -> None:
    """Run the clock engine with the override on ``day``: ``RuleError`` (§ 422.629(c)) when the timeframe takes no
    State override, or when the override is less protective of the enrollee than the federal limit in ``params``."""
    zone = zone_of(params.typed(AppealsParams).plan_time_zone_text)
    received = dt.datetime.combine(day, dt.time(9, 0), tzinfo=zone)
    ov = {timeframe_id: duration}
    probes = _probes(received, params, ov)
    call = next((c for ids, c in probes if timeframe_id in ids), probes[0][1])
    call()  # the engine refuses an id it does not allow (e.g. Part D, derived ids) even when no call lists it


def _periods(start: dt.date, end: dt.date | None) -> list[dt.date]:
    """The first day of every appeals parameter period the range touches (each one is checked)."""
    days = [start]
    for pf in area_files("appeals").values():
        first = pf.period_value
        if isinstance(first, dt.date) and start < first and (end is None or first <= end):
            days.append(first)
    return days


def _override_request(data: dict[str, Any] | OverrideRequest) -> OverrideRequest:
    if isinstance(data, OverrideRequest):
        return data
    data = dict(data)
    for key in ("state", "contract_id", "timeframe_id"):
        if isinstance(data.get(key), str):
            data[key] = data[key].strip().upper()
    try:
        req = OverrideRequest.model_validate(data)
    except ValidationError as exc:
        raise InputError.from_validation("override", None, exc) from None
    if req.effective_to is not None and req.effective_to < req.effective_from:
        raise InputError("override", None, "effective_to", f"{req.effective_to} is before effective_from {req.effective_from}")
    return req


def _check_periods(timeframe_id: str, duration: dt.timedelta, start: dt.date, end: dt.date | None) -> None:
    for day in _periods(start, end):
        check_override(timeframe_id, duration, load_params("appeals", day), day)


def _stored(s: Session, table: type[R], row_id: int, expected_version: int | None = None) -> R:
    """The stored case or override ``row_id`` (an input error naming it when there is none), refused when someone else
    changed it since ``expected_version``."""
    row = s.get(table, row_id)
    if row is None:
        file, what = ("override", "State override") if table is ContractClockOverride else ("case", "case")
        raise InputError(file, None, "id", f"no {what} {row_id}")
    if expected_version is not None and row.version != expected_version:
        raise RuleError(f"{table.__tablename__} {row_id} was changed by someone else (version {row.version}, you had "
                        f"{expected_version}); reload and retry")
    return row


def _refuse_overlap(s: Session, contract_id: str, timeframe_id: str, start: dt.date, end: dt.date | None,
                    exclude: int | None = None) -> None:
    """One State timeframe per contract, timeframe id and day: an overlapping period is refused."""
    stmt = select(ContractClockOverride).where(ContractClockOverride.contract_id == contract_id,
                                               ContractClockOverride.timeframe_id == timeframe_id)
    for row in s.scalars(stmt):
        if row.id == exclude:
            continue
        if row.effective_from <= (end or dt.date.max) and start <= (row.effective_to or dt.date.max):
            raise RuleError(f"contract {contract_id} already has a State override for {timeframe_id} in force from "
                            f"{row.effective_from} to {row.effective_to or 'open-ended'} (override {row.id}, {row.state}); "
                            "end it before the new period starts",
                            load_params("appeals", start).typed(AppealsParams).rule_cite("state_flexibility"))


def set_override(engine: Engine, request: dict[str, Any] | OverrideRequest, *, actor: str,
                 now: dt.datetime | None = None) -> StateOverride:
    """Store a State timeframe for a contract (audited). It is run through the clock engine with the federal
    parameters of every period it covers first: a less protective one is a ``RuleError`` (§ 422.629(c))."""
    now = now or dt.datetime.now(dt.UTC)
    req = _override_request(request)
    _check_periods(req.timeframe_id, _duration(req.duration_value, req.duration_unit), req.effective_from, req.effective_to)
    with session_scope(engine) as s:
        _refuse_overlap(s, req.contract_id, req.timeframe_id, req.effective_from, req.effective_to)
        row = ContractClockOverride(**req.model_dump(), created_by=actor, created_at=_utc(now))
        audit.create(s, row, actor=actor, reason=f"State override {req.state} {req.timeframe_id} (42 CFR 422.629(c))")
        log.info("State override %s set: contract %s %s", row.id, req.contract_id, req.timeframe_id)
        return _override(row)


def end_override(engine: Engine, override_id: int, *, effective_to: dt.date, actor: str,
                 expected_version: int | None = None) -> StateOverride:
    """End an override: ``effective_to`` is the last local receipt date it applies to (audited; cases already
    stored keep the overrides they were received under)."""
    with session_scope(engine) as s:
        row = _stored(s, ContractClockOverride, override_id, expected_version)
        if effective_to < row.effective_from:
            raise InputError("override", None, "effective_to",
                             f"{effective_to} is before the override's effective_from {row.effective_from}")
        _check_periods(row.timeframe_id, _duration(row.duration_value, row.duration_unit),  # type: ignore[arg-type]
                       row.effective_from, effective_to)
        _refuse_overlap(s, row.contract_id, row.timeframe_id, row.effective_from, effective_to, exclude=row.id)
        audit.update(s, row, {"effective_to": effective_to}, actor=actor, expected_version=row.version,
                     reason="State override ended")
        log.info("State override %s ends %s", override_id, effective_to)
        return _override(row)


def list_overrides(engine: Engine, *, contract_id: str | None = None, on: dt.date | None = None) -> list[StateOverride]:
    """Stored overrides (optionally of one contract, or only those in force on a local date)."""
    stmt = select(ContractClockOverride).order_by(ContractClockOverride.contract_id, ContractClockOverride.timeframe_id,
                                                  ContractClockOverride.effective_from)
    if contract_id:
        stmt = stmt.where(ContractClockOverride.contract_id == contract_id.strip().upper())
    with session_scope(engine, read_only=True) as s:
        out = [_override(r) for r in s.scalars(stmt)]
    return [o for o in out if on is None or o.in_force(on)]


def _receipt_day(received: dt.datetime, zone: str | None, params: ParamSet) -> dt.date:
    tz = zone_of(zone or params.typed(AppealsParams).plan_time_zone_text)
    return received.astimezone(tz).date() if received.tzinfo else received.date()


def _overrides_at_receipt(s: Session, intake: Intake) -> tuple[StateOverride, ...]:
    """The contract's overrides in force on the local date of receipt that are still more protective than the
    federal limits in force that day (a later federal file may have overtaken one: the federal limit then governs)."""
    params = params_for(intake.received, intake.zone)
    day = _receipt_day(intake.received, intake.zone, params)
    stmt = select(ContractClockOverride).where(ContractClockOverride.contract_id == intake.contract_id,
                                               ContractClockOverride.effective_from <= day)
    out: list[StateOverride] = []
    for row in s.scalars(stmt.order_by(ContractClockOverride.timeframe_id)):
        o = _override(row)
        if not o.in_force(day):
            continue
        try:
            check_override(o.timeframe_id, o.duration, params, day)
        except RuleError:
            log.warning("State override %s is not more protective than the federal %s in force on %s: not applied",
                        o.id, o.timeframe_id, day)
            continue
        out.append(o)
    return tuple(out)


_CASE_PARAMS: dict[tuple[str, str, tuple[tuple[int, str, int, str], ...]], ParamSet] = {}


def case_params(received: dt.datetime, zone: str | None, overrides: Sequence[StateOverride] = ()) -> ParamSet:
    """The parameters a case is clocked with: those in force at receipt, with the State's timeframes in place of the
    federal values of the timeframes it overrides (the clocks then give exactly the due times of
    ``state_overrides``; the note of each value names the State and the source)."""
    base = params_for(received, zone)
    if not overrides:
        return base
    key = (base.file, base.period, tuple(sorted((o.id, o.timeframe_id, o.duration_value, o.duration_unit)
                                                for o in overrides)))
    cached = _CASE_PARAMS.get(key)
    if cached is not None:
        return cached
    values = dict(base.values)
    for o in overrides:
        tf = TIMEFRAMES[o.timeframe_id]
        assert tf.key is not None
        value: float | int = o.duration.days if tf.kind != "hours" else o.duration.total_seconds() / 3600
        values[tf.key] = values[tf.key].model_copy(update={
            "value": value, "note": f"State override {o.iso} ({o.state}, {o.citation}; 42 CFR 422.629(c))"})
    out = base.model_copy(update={"values": values})
    if len(_CASE_PARAMS) < 4096:
        _CASE_PARAMS[key] = out
    return out


def _overridden(case: Case, params: ParamSet, overrides: Sequence[StateOverride]) -> dict[str, StateOverride]:
    """Obligation id -> the override its due time was computed with (directly, or through the limit it extends)."""
    if not overrides:
        return {}
    by_key = {TIMEFRAMES[o.timeframe_id].key: o for o in overrides}
    out: dict[str, StateOverride] = {}
    for ob in obligations(case, params):
        hit = next((by_key[k] for k in ob.params_used if k in by_key), None)
        if hit is not None:
            out.setdefault(ob.id, hit)
    return out


def obligations_of(view: CaseView) -> list[Obligation]:
    """The case's obligations with the State override recorded on each one computed with it (``state_override``
    and ``params_used["state_override"]``, as the clock engine records them)."""
    params = case_params(view.case.received, view.case.zone, view.state_overrides)
    out: list[Obligation] = []
    for ob in obligations(view.case, params):
        o = view.overridden.get(ob.id)
        if o is not None:
            ob = ob.model_copy(update={"state_override": o.iso, "params_used": {
                **ob.params_used, "state_override": o.iso, "state_override_state": o.state,
                "state_override_citation": o.citation}})
        out.append(ob)
    return out


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
    state_overrides: tuple[StateOverride, ...] = ()
    assignee: str | None = None
    overridden: dict[str, StateOverride] = field(default_factory=dict)

    def to_dict(self, *, include_phi: bool = True) -> dict[str, Any]:
        data = self.case.model_dump(mode="json", exclude={"events"})
        if not include_phi:
            data.pop("mbi", None)
            data.pop("enrollee_name", None)
        return {
            "id": self.id, "version": self.version, "parent_id": self.parent_id, "assignee": self.assignee,
            "case_type": self.case.case_type,
            "status": self.case.status, "outcome": self.case.outcome,
            "next_due": self.next_due.isoformat() if self.next_due else None,
            "allowed_events": self.allowed, "case": data,
            "record": {k: v for k, v in record_fields(self.case).items() if include_phi or k != "enrollee_name"},
            "deadlines": [{**d.model_dump(mode="json"),
                           "state_override": o.label() if (o := self.overridden.get(d.id)) else None}
                          for d in self.deadlines],
            "state_overrides": [o.to_dict() for o in self.state_overrides],
        }


def _load(row: AppealCase) -> tuple[Case, tuple[StateOverride, ...]]:
    """The stored case and the State overrides pinned to it at receipt."""
    data = dict(row.data)
    pinned = data.pop(OVERRIDES_KEY, None) or []
    return Case.model_validate(data), tuple(StateOverride.model_validate(p) for p in pinned)


def _view(row: AppealCase, now: dt.datetime) -> CaseView:
    case, pinned = _load(row)
    params = case_params(case.received, case.zone, pinned)
    current = advance(case, params, now)
    return CaseView(id=row.id, version=row.version, case=current, deadlines=deadlines(current, params, now),
                    next_due=next_due(current, params, now), allowed=allowed_events(current), parent_id=row.parent_id,
                    state_overrides=pinned, overridden=_overridden(current, params, pinned), assignee=row.assignee)


def _utc(t: dt.datetime | None) -> dt.datetime | None:
    """Instants are stored in UTC (SQLite keeps no offset; comparisons in SQL must be like for like)."""
    if t is None:
        return None
    return (t if t.tzinfo else t.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _columns(case: Case, params: ParamSet, now: dt.datetime, overrides: Sequence[StateOverride] = ()) -> dict[str, Any]:
    data = case.model_dump(mode="json")
    if overrides:
        data[OVERRIDES_KEY] = [o.model_dump(mode="json") for o in overrides]
    return {
        "status": case.status, "expedited": case.expedited, "next_due_at": _utc(next_due(case, params, now)),
        "decided_at": _utc(case.decided_at or case.deemed_adverse_at), "outcome": case.outcome,
        "data": data, "updated_at": _utc(now),
    }


def _store_events(s: Session, row: AppealCase, case: Case, start: int, now: dt.datetime | None = None) -> None:
    for seq, ev in enumerate(case.events[start:], start=start + 1):
        details = ev.model_dump(mode="json", exclude_defaults=True, exclude={"kind", "at", "actor", "recorded_at"})
        recorded = _utc(ev.recorded_at or now) or dt.datetime.now(dt.UTC)
        audit.create(s, CaseEventRow(case_id=row.id, seq=seq, kind=ev.kind, occurred_at=_utc(ev.at), actor=ev.actor,
                                     status_after=case.status, details=details, recorded_at=recorded),
                     actor=ev.actor, reason=ev.kind)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _hour(t: dt.datetime) -> int:
    """Hours since 1970-01-01 UTC (the queue tally's key)."""
    return int((_aware_utc(t) - _EPOCH).total_seconds() // 3600)


def _tally(s: Session, case_type: str, hour: int, delta: int) -> None:
    """Add ``delta`` cases to one (type, hour) row of the tally (upsert; a row that reaches 0 is removed)."""
    table = cast(Table, AppealQueueTally.__table__)
    if delta > 0:
        dialect = s.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            stmt = pg_insert(table).values(case_type=case_type, due_hour=hour, open_cases=delta)
            s.execute(stmt.on_conflict_do_update(index_elements=["case_type", "due_hour"],
                                                 set_={"open_cases": table.c.open_cases + delta}))
            return
        from sqlalchemy.dialects.sqlite import insert as lite_insert

        lite = lite_insert(table).values(case_type=case_type, due_hour=hour, open_cases=delta)
        s.execute(lite.on_conflict_do_update(index_elements=["case_type", "due_hour"],
                                             set_={"open_cases": table.c.open_cases + delta}))
        return
    key = (table.c.case_type == case_type) & (table.c.due_hour == hour)
    s.execute(update(table).where(key).values(open_cases=table.c.open_cases + delta))
    s.execute(delete(table).where(key, table.c.open_cases <= 0))


def _queue_rows(case_id: int, case: Case, deadlines_now: Sequence[Deadline]) -> tuple[list[dict[str, Any]],
                                                                                     tuple[str, int] | None]:
    """The case's open plan obligations as ``appeal_obligation`` rows, and its (type, hour) key in the tally (None
    when it has no open binding obligation)."""
    open_ = [d for d in deadlines_now if d.party == "plan" and d.met_at is None
             and d.state in ("open", "overdue", "target_missed") and not leaves_queue(case, d.id)]
    binding = [d for d in open_ if d.binding]
    first = min(binding, key=lambda d: (_aware_utc(d.due), d.id)) if binding else None
    rows = [{"case_id": case_id, "obligation_id": d.id, "case_type": case.case_type, "status": case.status,
             "expedited": case.expedited, "contract_id": case.contract_id, "due_at": _utc(d.due), "due_hour": _hour(d.due),
             "is_next": d is first, "binding": d.binding, "description": d.description[:300], "cite": d.cite[:300]}
            for d in open_]
    return rows, ((case.case_type, _hour(first.due)) if first is not None else None)


def _store_queue(s: Session, row: AppealCase, case: Case, deadlines_now: Sequence[Deadline]) -> None:
    """Rewrite the case's open plan obligations and move it in the tally (same transaction as the change)."""
    old_next = s.execute(select(AppealObligation.case_type, AppealObligation.due_hour).where(
        AppealObligation.case_id == row.id, AppealObligation.is_next)).first()
    s.execute(delete(AppealObligation).where(AppealObligation.case_id == row.id)
              .execution_options(synchronize_session=False))
    rows, new_next = _queue_rows(row.id, case, deadlines_now)
    if rows:
        s.execute(insert(AppealObligation), rows)
    old_key = (old_next.case_type, old_next.due_hour) if old_next is not None else None
    if old_key != new_next:
        for key, delta in sorted([(k, d) for k, d in ((old_key, -1), (new_next, 1)) if k is not None]):
            _tally(s, key[0], key[1], delta)


def _store_case(s: Session, row: AppealCase, case: Case, params: ParamSet, now: dt.datetime, actor: str,
                start: int) -> None:
    """The case's timeline rows, notices and queue rows, in the caller's transaction."""
    ds = deadlines(case, params, now)
    _store_events(s, row, case, start, now)
    _store_notices(s, row, case, params, now, actor, ds)
    _store_queue(s, row, case, ds)


def _store_notices(s: Session, row: AppealCase, case: Case, params: ParamSet, now: dt.datetime, actor: str,
                   deadlines_now: Sequence[Deadline] | None = None) -> None:
    """One row per notice kind the case owes or has sent, with its due time (the earliest obligation it meets)."""
    owed: dict[str, tuple[str | None, dt.datetime | None, dt.datetime | None]] = {}
    for d in deadlines_now if deadlines_now is not None else deadlines(case, params, now):
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
        pinned = _overrides_at_receipt(s, validated)
        params = case_params(validated.received, validated.zone, pinned)
        # a request entered after its deadline already passed is stored with the consequence (deemed adverse ...)
        case = advance(open_case(validated, params, actor=actor, now=now), params, now)
        row = AppealCase(case_type=case.case_type, contract_id=case.contract_id,
                         plan_benefit_package=case.plan_benefit_package, mbi=case.mbi, enrollee_name=case.enrollee_name,
                         received_at=_utc(case.received), parent_id=parent_id, created_at=_utc(now),
                         **_columns(case, params, now, pinned))
        audit.create(s, row, actor=actor, reason="case received")
        _store_case(s, row, case, params, now, actor, 0)
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
                        params_for(pc.received, pc.zone).typed(AppealsParams).timeframe_cite("T15"))
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
        row = _stored(s, AppealCase, case_id, expected_version)
        case, pinned = _load(row)
        params = case_params(case.received, case.zone, pinned)
        ev = _event(event, actor, now)
        start = len(case.events)
        new = apply(case, ev, params, now=now)
        audit.update(s, row, _columns(new, params, now, pinned), actor=actor, expected_version=row.version,
                     reason=ev.kind)
        _store_case(s, row, new, params, now, actor, start)
        log.info("appeal case %s: %s -> %s", case_id, ev.kind, new.status)
        return _view(row, now)


#: ``appeal_case.assignee`` is VARCHAR(100) (a staff member's name, as the actor of an event).
ASSIGNEE_MAX_CHARS = 100


def assign(engine: Engine, case_id: int, assignee: str | None, *, actor: str, expected_version: int | None = None,
           now: dt.datetime | None = None) -> CaseView:
    """Assign the case to a staff member (``None`` or blank: unassigned); an audited update of the case row."""
    now = now or dt.datetime.now(dt.UTC)
    name = (assignee or "").strip() or None
    if name is not None and len(name) > ASSIGNEE_MAX_CHARS:
        raise InputError("case", None, "assignee", f"at most {ASSIGNEE_MAX_CHARS} characters")
    with session_scope(engine) as s:
        row = _stored(s, AppealCase, case_id)
        audit.update(s, row, {"assignee": name}, actor=actor, expected_version=expected_version,
                     reason="assigned" if name else "unassigned")
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
    """Store the consequence of every decision deadline that has passed (deemed adverse / affirmed cases), with the
    case's timeline, notices and queue rows; returns the case ids changed. Only cases still waiting for a decision
    whose next due time has passed are read (indexed on status and due time)."""
    now = _utc(now) or dt.datetime.now(dt.UTC)
    changed: list[int] = []
    with session_scope(engine) as s:
        stmt = select(AppealCase).where(AppealCase.status.in_(sorted(WAITING_STATES)), AppealCase.next_due_at < now)
        for row in s.scalars(stmt.order_by(AppealCase.id)).all():
            case, pinned = _load(row)
            params = case_params(case.received, case.zone, pinned)
            new = advance(case, params, now)
            if new.status == case.status:
                continue
            audit.update(s, row, _columns(new, params, now, pinned), actor=actor, expected_version=row.version,
                         reason="deadline_passed")
            _store_case(s, row, new, params, now, actor, len(case.events))
            changed.append(row.id)
    return changed


def rebuild_queue(engine: Engine, *, now: dt.datetime | None = None, batch: int = 2000) -> int:
    """Recompute the stored queue (every open obligation and the tally) of every stored case; returns the cases read.

    For a store upgraded from before ``0006_appeals_queue`` (whose rows carry only the next due time), loaded in bulk,
    or repaired by hand. Cases are read in batches of ``batch`` and their rows inserted in bulk (one transaction per
    batch); the tally is written at the end. Run it while nothing else writes cases."""
    now = _utc(now) or dt.datetime.now(dt.UTC)
    with session_scope(engine) as s:
        s.execute(delete(AppealObligation).execution_options(synchronize_session=False))
        s.execute(delete(AppealQueueTally).execution_options(synchronize_session=False))
    done = 0
    last = 0
    tally: Counter[tuple[str, int]] = Counter()
    while True:
        with session_scope(engine) as s:
            rows = list(s.scalars(select(AppealCase).where(AppealCase.id > last).order_by(AppealCase.id).limit(batch)))
            out: list[dict[str, Any]] = []
            for row in rows:
                case, pinned = _load(row)
                params = case_params(case.received, case.zone, pinned)
                obs, key = _queue_rows(row.id, case, deadlines(case, params, now))
                out.extend(obs)
                if key is not None:
                    tally[key] += 1
            if out:
                s.execute(insert(AppealObligation), out)
            if not rows:
                if tally:
                    s.execute(insert(AppealQueueTally), [{"case_type": t, "due_hour": h, "open_cases": n}
                                                         for (t, h), n in sorted(tally.items())])
                return done
            done += len(rows)
            last = rows[-1].id


def get_case(engine: Engine, case_id: int, *, now: dt.datetime | None = None) -> CaseView:
    now = now or dt.datetime.now(dt.UTC)
    with session_scope(engine, read_only=True) as s:
        row = _stored(s, AppealCase, case_id)
        return _view(row, now)


def timeline(engine: Engine, case_id: int) -> list[dict[str, Any]]:
    """The stored events of a case in order, each with who recorded it and the state after it."""
    with session_scope(engine, read_only=True) as s:
        _stored(s, AppealCase, case_id)
        rows = s.scalars(select(CaseEventRow).where(CaseEventRow.case_id == case_id).order_by(CaseEventRow.seq))
        return [{"seq": r.seq, "kind": r.kind, "at": _iso(r.occurred_at), "actor": r.actor, "status_after": r.status_after,
                 "recorded_at": _iso(r.recorded_at), "details": r.details} for r in rows]


def case_notices(engine: Engine, case_id: int) -> list[dict[str, Any]]:
    with session_scope(engine, read_only=True) as s:
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
    """One row of the work queue (no PHI): the case id, type, stored state and its next due binding obligation.

    ``consequence_pending``: the case waits for a decision whose due time has passed, and the sweep has not yet
    recorded the consequence (deemed adverse / affirmed); it sorts first anyway (overdue)."""

    id: int
    case_type: str
    status: str
    expedited: bool
    contract_id: str
    next_due: dt.datetime
    bucket: Bucket
    obligation: str | None
    obligation_id: str | None
    consequence_pending: bool = False
    assignee: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "case_type": self.case_type, "status": self.status, "expedited": self.expedited,
                "contract_id": self.contract_id, "next_due": self.next_due.isoformat(), "bucket": self.bucket,
                "obligation_id": self.obligation_id, "obligation": self.obligation,
                "consequence_pending": self.consequence_pending, "assignee": self.assignee}


def bucket_of(due: dt.datetime, now: dt.datetime) -> Bucket:
    """Overdue, due within 24 h, within 72 h, or later."""
    left = _aware_utc(due) - _aware_utc(now)
    if left < dt.timedelta(0):
        return "overdue"
    if left <= DUE_24H:
        return "due_24h"
    if left <= DUE_72H:
        return "due_72h"
    return "later"


def _bucket_clauses(bucket: str | None, now: dt.datetime) -> tuple[ColumnElement[bool], ...]:
    """The SQL side of ``bucket_of``: the stored next due time within the bucket (none for no or unknown bucket)."""
    due = AppealObligation.due_at
    clauses: dict[str, tuple[ColumnElement[bool], ...]] = {
        "overdue": (due < now,), "due_24h": (due >= now, due <= now + DUE_24H),
        "due_72h": (due > now + DUE_24H, due <= now + DUE_72H), "later": (due > now + DUE_72H,)}
    return clauses.get(bucket or "", ())


def queue(engine: Engine, *, now: dt.datetime | None = None, case_type: str | None = None, status: str | None = None,
          bucket: Bucket | None = None, limit: int = 500) -> list[QueueItem]:
    """Open cases by their next due binding obligation (earliest first), with the overdue / 24 h / 72 h bucket.

    One indexed query on the stored queue (``appeal_obligation``, ``is_next`` rows, ordered by due time and case id);
    nothing is re-derived. The state is the stored one (see :func:`sweep` and ``consequence_pending``)."""
    now = _utc(now) or dt.datetime.now(dt.UTC)
    o = AppealObligation
    stmt = select(o.case_id, o.case_type, o.status, o.expedited, o.contract_id, o.due_at, o.obligation_id,
                  o.description).where(o.is_next)
    if case_type:
        stmt = stmt.where(o.case_type == case_type)
    if status:
        stmt = stmt.where(o.status == status)
    stmt = stmt.where(*_bucket_clauses(bucket, now)).order_by(o.due_at, o.case_id).limit(max(1, min(limit, 5000)))
    with session_scope(engine, read_only=True) as s:
        rows = s.execute(stmt).all()
        ids = [r.case_id for r in rows]
        assigned = {r.id: r.assignee for r in s.execute(select(AppealCase.id, AppealCase.assignee).where(
            AppealCase.id.in_(ids), AppealCase.assignee.is_not(None)))} if ids else {}
    out: list[QueueItem] = []
    for r in rows:
        due = _aware_utc(r.due_at)
        pending = r.status in WAITING_STATES and due < now and r.obligation_id in DECISION_IDS
        out.append(QueueItem(id=r.case_id, case_type=r.case_type, status=r.status, expedited=r.expedited,
                             contract_id=r.contract_id, next_due=due, bucket=bucket_of(due, now),
                             obligation=r.description, obligation_id=r.obligation_id, consequence_pending=pending,
                             assignee=assigned.get(r.case_id)))
    return out


def queue_counts(engine: Engine, *, now: dt.datetime | None = None) -> dict[str, dict[str, int]]:
    """Counts by case type and bucket (the dashboard's summary), from the tally and the partial hours at the edges.

    count(next due < X) = the tally rows of the whole hours before X + the cases due in X's own hour before X (an
    index range of at most one hour); the buckets are differences of three such counts and the total."""
    now = _utc(now) or dt.datetime.now(dt.UTC)
    edges = ((now, False), (now + DUE_24H, True), (now + DUE_72H, True))
    tally = AppealQueueTally
    hours = [_hour(x) for x, _ in edges]
    sums = [func.coalesce(func.sum(sql_case((tally.due_hour < h, tally.open_cases), else_=0)), 0) for h in hours]
    out: dict[str, dict[str, int]] = {}
    with session_scope(engine, read_only=True) as s:
        before: dict[str, list[int]] = {}
        totals: dict[str, int] = {}
        for row in s.execute(select(tally.case_type, func.sum(tally.open_cases), *sums).group_by(tally.case_type)):
            totals[row[0]] = int(row[1] or 0)
            before[row[0]] = [int(v or 0) for v in row[2:]]
        o = AppealObligation
        for i, (edge, inclusive) in enumerate(edges):
            hour_start = _EPOCH + dt.timedelta(hours=hours[i])
            upper = o.due_at <= edge if inclusive else o.due_at < edge
            part = select(o.case_type, func.count()).where(o.is_next, o.due_at >= hour_start, upper).group_by(o.case_type)
            for case_type, n in s.execute(part):
                before.setdefault(case_type, [0, 0, 0])[i] += int(n)
    for case_type, total in totals.items():
        lt_now, le_24, le_72 = before.get(case_type, [0, 0, 0])
        counts = {"overdue": lt_now, "due_24h": le_24 - lt_now, "due_72h": le_72 - le_24, "later": total - le_72}
        if total:
            out[case_type] = counts
    return out


def all_cases(engine: Engine, *, now: dt.datetime | None = None, case_type: CaseType | None = None,
              received_from: dt.date | None = None, received_to: dt.date | None = None) -> list[CaseView]:
    """Every stored case (as of ``now``), optionally by type and receipt date range (for universes and reports)."""
    now = now or dt.datetime.now(dt.UTC)
    stmt = select(AppealCase).order_by(AppealCase.id)
    if case_type:
        stmt = stmt.where(AppealCase.case_type == case_type)
    with session_scope(engine, read_only=True) as s:
        views = [_view(row, now) for row in s.scalars(stmt)]
    if received_from or received_to:
        views = [v for v in views if (received_from is None or _local_day(v.case) >= received_from)
                 and (received_to is None or _local_day(v.case) <= received_to)]
    return views


def _local_day(case: Case) -> dt.date:
    return case.received.astimezone(zone_of(case.zone or "UTC")).date()


# --- notices (rendered by partcd.appeals.pipelines.notices) ---------------------------------------------------


def notice_kinds_for(case: Case) -> list[NoticeKind]:
    """The notices that apply to a case (by type and what happened)."""
    kinds: list[NoticeKind] = []
    if case.case_type in GRIEVANCE_TYPES and case.status == "RESOLVED":
        kinds.append("grievance_resolution")
    if case.case_type not in INTEGRATED_TYPES:
        if case.extension is not None:
            kinds.append("standard_extension")
        if case.expedite_denied_at is not None:
            kinds.append("standard_denial_of_expedite")
        if case.case_type not in ("partc_grievance", "partd_grievance") and case.decision in ("adverse",
                                                                                               "partially_favorable"):
            kinds.append("standard_denial")
        return kinds
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


def resolution_of(case: Case, obs: dict[str, Any]) -> dict[str, Any]:
    """The decision deadline the notice talks about and the days an extension added."""
    ids = ("T12", "T5", "T7", "T8", "T16", "T17", "T18", "T2", "T4", "C8", "C1", "C2", "C3", "C4", "C5", "C11", "C13",
           "C14", "C15", "C16", "C17", "C24", "C26", "D1", "D6", "D7", "D8", "D9", "D15", "D17", "P1", "P2", "P3", "P4",
           "P5")
    deadline = next((obs[k] for k in ids if k in obs), None)
    used = deadline.params_used if deadline is not None else {}
    days = next((used[k] for k in ("extension_calendar_days", "ir_extension_calendar_days",
                                   "grievance_extension_calendar_days", "recon_extension_max_calendar_days",
                                   "partc_grievance_extension_calendar_days", "partd_grievance_extension_calendar_days")
                 if k in used), None)
    return {"deadline": deadline, "extension_days": days if case.extension is not None else None}
