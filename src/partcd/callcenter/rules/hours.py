"""§ 422.111(h)(1)(i)(B), § 423.128(d)(1)(i)(A) - hours of operation, allowed closures and IVR callbacks.

The call center must be "open at least from 8:00 a.m. to 8:00 p.m. in all service areas served by the
Part C plan" ("in all regions served by the Part D plan"). The required window of a date is therefore
the union of the 08:00-20:00 local windows over every IANA time zone of the service area
(shared/specs/callcenter.md §1.1 design decision): a plan spanning Eastern and Pacific time must be
open 08:00-23:00 Eastern. Closures ((B)(1)/(A)(1) October 1 - March 31: Thanksgiving Day and Christmas
Day; (B)(2)/(A)(2) April 1 - September 30: any Federal holiday, Saturday or Sunday) are allowed only
while the IVR records messages that are returned within one business day. The seasons and their
closures are data (``closure_seasons_table``). Federal holidays are those of 5 U.S.C. 6103 (observed days
included; Juneteenth from 2021) as computed by :mod:`partcd.core.calendar`, which also does the time arithmetic.

Pure: the only outside data is the IANA time-zone database (``zoneinfo``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict

from partcd.callcenter.rules.standards import CallCenterParams, ClosureKind
from partcd.core import calendar
from partcd.core.citation import Cite, cites
from partcd.core.errors import ConfigError, RuleError
from partcd.core.params import ParamSet
from partcd.core.result import Verdict

UTC = dt.UTC


class TimeWindow(BaseModel):
    """A half-open interval [start, end) of aware datetimes (normalised to UTC by this module)."""

    model_config = ConfigDict(frozen=True)

    start: AwareDatetime
    end: AwareDatetime

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60.0


class ClosureRule(BaseModel):
    """Whether a date may be closed, under which season and for which reasons."""

    model_config = ConfigDict(frozen=True)

    date: dt.date
    season: str
    season_start: dt.date
    season_end: dt.date
    allowed: bool
    reasons: tuple[str, ...]
    requires_ivr_messages: bool


class DayCoverage(BaseModel):
    """Required hours of one date against the actual open schedule."""

    model_config = ConfigDict(frozen=True)

    date: dt.date
    closure: ClosureRule
    closure_applied: bool
    required: tuple[TimeWindow, ...]
    uncovered: tuple[TimeWindow, ...]
    required_min: float
    covered_min: float
    uncovered_min: float
    coverage_pct: float | None
    verdict: Verdict


class IvrMessage(BaseModel):
    """A message recorded by the IVR while the call center was closed."""

    model_config = ConfigDict(frozen=True)

    message_id: str
    left_at: AwareDatetime
    caller_time_zone: str
    returned_at: AwareDatetime | None = None


class CallbackCheck(BaseModel):
    """One message: its deadline and whether it was returned in time (``None`` = still pending at ``as_of``)."""

    model_config = ConfigDict(frozen=True)

    message_id: str
    left_at: AwareDatetime
    due_by: AwareDatetime
    returned_at: AwareDatetime | None
    on_time: bool | None
    late_by_min: float | None


class CallbackReport(BaseModel):
    """All messages of a period and the verdict: no message returned late."""

    model_config = ConfigDict(frozen=True)

    checks: tuple[CallbackCheck, ...]
    late: int
    pending: int
    verdict: Verdict


# --- calendars ---------------------------------------------------------------------------------


@cites("5 U.S.C. 6103")
def federal_holiday(day: dt.date) -> str | None:
    """The name of the Federal holiday on ``day`` (observed in-lieu days included), or None."""
    return calendar.federal_holiday(day)


def thanksgiving_day(year: int) -> dt.date:
    """The fourth Thursday of November (5 U.S.C. 6103(a))."""
    return calendar.thanksgiving_day(year)


@cites("42 CFR 422.111(h)(1)(i)(B)(1)-(2)", "42 CFR 423.128(d)(1)(i)(A)(1)-(2)")
def is_business_day(day: dt.date) -> bool:
    """Not a Saturday, Sunday or Federal holiday (design decision, spec §1.1)."""
    return calendar.is_business_day(day)


def _closure_reasons(day: dt.date, kinds: Iterable[ClosureKind]) -> tuple[str, ...]:
    reasons: list[str] = []
    for kind in kinds:
        if kind == "thanksgiving_day" and day == thanksgiving_day(day.year):
            reasons.append("Thanksgiving Day")
        elif kind == "christmas_day" and (day.month, day.day) == (12, 25):
            reasons.append("Christmas Day")
        elif kind == "federal_holiday" and (name := federal_holiday(day)) is not None:
            reasons.append(f"Federal holiday: {name}")
        elif kind == "saturday" and day.weekday() == 5:
            reasons.append("Saturday")
        elif kind == "sunday" and day.weekday() == 6:
            reasons.append("Sunday")
    return tuple(reasons)


@cites("42 CFR 422.111(h)(1)(i)(B)(1)-(2)", "42 CFR 423.128(d)(1)(i)(A)(1)-(2)")
def closure_rule(day: dt.date, params: ParamSet) -> ClosureRule:
    """May the call center be closed on ``day``? January 1 - March 31 belongs to the season of the previous October."""
    return _closure(day, params.typed(CallCenterParams))


def closure_for(day: dt.date, p: CallCenterParams) -> ClosureRule:
    """:func:`closure_rule` on an already validated typed view (for loops over many dates)."""
    return _closure(day, p)


def _closure(day: dt.date, p: CallCenterParams) -> ClosureRule:
    season = p.season_for(day)
    reasons = _closure_reasons(day, season.allowed_closures)
    return ClosureRule(date=day, season=season.season, season_start=season.start_of(day), season_end=season.end_of(day),
                       allowed=bool(reasons), reasons=reasons, requires_ivr_messages=season.requires_ivr_messages)


# --- required windows and coverage -----------------------------------------------------------------


def zone(name: str) -> ZoneInfo:
    """An IANA time zone (:func:`partcd.core.calendar.zone_of`); an unknown name is a configuration error."""
    try:
        return calendar.zone_of(name)
    except ConfigError:
        raise ConfigError(f"unknown IANA time zone {name!r}") from None


def merge(windows: Iterable[TimeWindow]) -> tuple[TimeWindow, ...]:
    """Union of windows as sorted, disjoint UTC windows (touching windows are joined)."""
    items = sorted((w.start.astimezone(UTC), w.end.astimezone(UTC)) for w in windows if w.end > w.start)
    out: list[list[dt.datetime]] = []
    for start, end in items:
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return tuple(TimeWindow(start=s, end=e) for s, e in out)


def subtract(required: Sequence[TimeWindow], open_windows: Sequence[TimeWindow]) -> tuple[TimeWindow, ...]:
    """Parts of ``required`` not inside any of ``open_windows`` (both merged first)."""
    opened = merge(open_windows)
    out: list[TimeWindow] = []
    for req in merge(required):
        cursor = req.start
        for o in opened:
            if o.end <= cursor or o.start >= req.end:
                continue
            if o.start > cursor:
                out.append(TimeWindow(start=cursor, end=o.start))
            cursor = max(cursor, o.end)
            if cursor >= req.end:
                break
        if cursor < req.end:
            out.append(TimeWindow(start=cursor, end=req.end))
    return tuple(out)


def _local_window(day: dt.date, tz: ZoneInfo, p: CallCenterParams) -> TimeWindow:
    return TimeWindow(start=calendar.utc(calendar.wall_time(day, p.open_from_time, tz)),
                      end=calendar.utc(calendar.wall_time(day, p.open_until_time, tz)))


@cites("42 CFR 422.111(h)(1)(i)(B)", "42 CFR 423.128(d)(1)(i)(A)")
def required_windows(day: dt.date, zones: Sequence[str], params: ParamSet,
                     after_hours_messaging: bool = True) -> tuple[TimeWindow, ...]:
    """The union of the 08:00-20:00 local windows of ``day`` over ``zones`` (UTC); empty on an allowed closure.

    A closure needs the IVR to record messages: without ``after_hours_messaging`` every date is required.
    """
    return _required(day, zones, params.typed(CallCenterParams), after_hours_messaging)


def _required(day: dt.date, zones: Sequence[str], p: CallCenterParams, after_hours_messaging: bool) -> tuple[TimeWindow, ...]:
    if not zones:
        raise RuleError("a service area needs at least one time zone", cite=Cite(cfr="42 CFR 422.111(h)(1)(i)(B)"))
    rule = _closure(day, p)
    if rule.allowed and (after_hours_messaging or not rule.requires_ivr_messages):
        return ()
    return merge(_local_window(day, zone(z), p) for z in zones)


@cites("42 CFR 422.111(h)(1)(i)(B)", "42 CFR 423.128(d)(1)(i)(A)")
def check_coverage(schedule: Sequence[TimeWindow], zones: Sequence[str], start: dt.date, end: dt.date,
                   params: ParamSet, after_hours_messaging: bool = True) -> list[DayCoverage]:
    """For each date from ``start`` through ``end``: required minutes, uncovered minutes and a verdict (uncovered <= 0)."""
    if end < start:
        raise RuleError(f"period ends ({end}) before it starts ({start})")
    p = params.typed(CallCenterParams)
    out: list[DayCoverage] = []
    day = start
    while day <= end:
        rule = _closure(day, p)
        required = _required(day, zones, p, after_hours_messaging)
        uncovered = subtract(required, schedule)
        req_min = sum(w.minutes for w in required)
        unc_min = sum(w.minutes for w in uncovered)
        verdict = Verdict(standard="required hours not covered (min)", measured=unc_min, limit=0.0, comparison="<=",
                          compliant=unc_min <= 0.0, param=params["open_from_time"])
        out.append(DayCoverage(
            date=day, closure=rule, closure_applied=rule.allowed and not required, required=required,
            uncovered=uncovered, required_min=req_min, covered_min=req_min - unc_min, uncovered_min=unc_min,
            coverage_pct=None if req_min == 0 else 100.0 * (req_min - unc_min) / req_min, verdict=verdict,
        ))
        day += dt.timedelta(days=1)
    return out


# --- IVR messages: one business day ------------------------------------------------------------------


@cites("42 CFR 422.111(h)(1)(i)(B)(1)-(2)", "42 CFR 423.128(d)(1)(i)(A)(1)-(2)")
def callback_due(left_at: dt.datetime, caller_time_zone: str, params: ParamSet) -> dt.datetime:
    """End (24:00 caller-local) of the N-th business day after the local date the message was left (N = 1)."""
    return _due(left_at, caller_time_zone, params.typed(CallCenterParams))


def _due(left_at: dt.datetime, caller_time_zone: str, p: CallCenterParams) -> dt.datetime:
    return calendar.business_days_deadline(calendar.aware(left_at, "left_at"), p.ivr_callback_max_business_days,
                                           zone(caller_time_zone))


@cites("42 CFR 422.111(h)(1)(i)(B)(1)-(2)", "42 CFR 423.128(d)(1)(i)(A)(1)-(2)")
def check_callbacks(messages: Sequence[IvrMessage], params: ParamSet, as_of: dt.datetime) -> CallbackReport:
    """Each message against its deadline; unreturned messages are late once ``as_of`` is past the deadline."""
    p = params.typed(CallCenterParams)
    checks: list[CallbackCheck] = []
    for m in messages:
        due = _due(m.left_at, m.caller_time_zone, p)
        if m.returned_at is not None:
            if m.returned_at < m.left_at:
                raise RuleError(f"message {m.message_id}: returned before it was left")
            on_time: bool | None = m.returned_at <= due
            late = max(0.0, (m.returned_at - due).total_seconds() / 60.0)
        elif as_of > due:
            on_time, late = False, (as_of - due).total_seconds() / 60.0
        else:
            on_time, late = None, None
        checks.append(CallbackCheck(message_id=m.message_id, left_at=m.left_at, due_by=due, returned_at=m.returned_at,
                                    on_time=on_time, late_by_min=late))
    n_late = sum(1 for c in checks if c.on_time is False)
    decided = sum(1 for c in checks if c.on_time is not None)
    verdict = Verdict(standard="IVR messages returned later than 1 business day (count)",
                      measured=float(n_late) if decided else None, limit=0.0, comparison="<=",
                      compliant=(n_late == 0) if decided else None, param=params["ivr_callback_max_business_days"])
    return CallbackReport(checks=tuple(checks), late=n_late, pending=len(checks) - decided, verdict=verdict)
