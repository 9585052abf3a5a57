"""Zone-aware instants and calendar arithmetic shared by every area (pure; stdlib ``zoneinfo`` only).

One place answers "when is it due": appeals clocks (42 CFR 422.629-422.634, 423.568-423.572), call-center
hours and callbacks (42 CFR 422.111(h)(1)(i)(B), 423.128(d)(1)(i)(A)), CAP and continuity intervals, and the
areas still to come. Nothing here reads a clock, a file or the environment: "now" is always an argument.

Conventions (each one the behaviour the areas relied on before they shared this module):

- **Instants are compared in UTC** (:func:`utc`, :func:`later_of`): Python compares two datetimes of the same
  zone by wall clock, which is wrong across a daylight-saving fold.
- **A naive date-time is a wall-clock time in a zone** (:func:`local_instant`). Two cases need a rule:
  a time *skipped* when the clocks go forward (the gap) and a time that occurs *twice* when they go back (the
  fold). ``gap="refuse"`` refuses the first (an input that names a non-existent time is a mistake);
  ``gap="shift"`` moves it forward by the length of the gap (PEP 495, ``fold=0``: 02:30 on a spring-forward
  day is 03:30 daylight time; a day that starts in the gap starts at the first instant after it).
  ``fold="earlier"`` takes the first occurrence (the more protective reading of a receipt time);
  ``fold="refuse"`` refuses it (an export without offsets cannot say which one it meant).
- **Hours are elapsed time** (:func:`add_hours`): 72 hours is 72 hours of UTC time, so a DST change moves the
  local wall-clock due time by an hour.
- **Days are local calendar dates** (:func:`calendar_days_deadline`): the limit ends on a local date, at the
  time of day the caller names (appeals: 23:59:59), computed as a wall-clock time in the zone.
- **Business days** are days that are not a Saturday, Sunday or Federal holiday (:func:`is_business_day`).
  Roll-over of a deadline onto a business day is an explicit option, never implied.
- **Federal holidays** are computed from 5 U.S.C. 6103(a) with the in-lieu rule for a holiday on a weekend
  (:func:`federal_holidays`), from 1971 (the Uniform Monday Holiday Act) on; an earlier year is refused.

Errors: an unknown zone name or unparseable text is a :class:`ConfigError` (a setting or option) or an
:class:`InputError` (a cell of a file, see :class:`Cell`); a local time the zone does not have, or an
ambiguous one where that is refused, is a :class:`RuleError`. Every message names where the value came from,
quotes the value and gives the reason: ``--received: not an ISO 8601 date-time: '2021-13-01' (e.g. ...)``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal, TypeVar, overload
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from partcd.core.citation import Cite, cites
from partcd.core.errors import ConfigError, InputError, PartcdError, RuleError

UTC = dt.UTC
Gap = Literal["refuse", "shift"]
Fold = Literal["earlier", "refuse"]
Roll = Literal["none", "forward", "backward"]
DayCount = Literal["start_day_is_day_0", "start_day_is_day_1"]
DayEnd = Literal["end_of_local_day", "same_local_time"]
OffsetRule = Literal["optional", "required"]
_T = TypeVar("_T")

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = range(7)
_ONE_DAY = dt.timedelta(days=1)

ZONE_EXAMPLE = "America/New_York"
DATE_EXAMPLE = "2021-03-20"
INSTANT_EXAMPLE = "2021-03-12T09:30 or 2021-03-12T09:30-05:00"
AWARE_EXAMPLE = "2021-03-12T09:30-05:00"
DURATION_EXAMPLE = "P15D, PT72H or P1DT12H"


# --- where a value came from, and the one message style ------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """A value read from a file: the file, its 1-based data row and the field (errors become :class:`InputError`)."""

    file: str
    row: int | None = None
    field: str | None = None


Where = str | Cell | None


def problem(where: Where, reason: str) -> PartcdError:
    """The error for a bad value: ``InputError`` for a file cell, else ``ConfigError`` prefixed with ``where``."""
    if isinstance(where, Cell):
        return InputError(where.file, where.row, where.field, reason)
    return ConfigError(f"{where}: {reason}" if where else reason)


# --- zones and instants ----------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone_of(name: str | ZoneInfo, where: Where = None) -> ZoneInfo:
    """The IANA zone ``name``; an unknown name is refused (``ConfigError``, or ``InputError`` for a file cell)."""
    if isinstance(name, ZoneInfo):
        return name
    try:
        return _zone(name)
    except (ZoneInfoNotFoundError, ValueError, OSError, TypeError):
        raise problem(where, f"unknown time zone {name!r} (an IANA name, e.g. {ZONE_EXAMPLE})") from None


def utc(t: dt.datetime) -> dt.datetime:
    """The instant in UTC (compare instants this way: same-zone comparison in Python is by wall clock)."""
    return t.astimezone(UTC)


def is_aware(t: dt.datetime) -> bool:
    """True when ``t`` names an instant (it has a tzinfo that gives a UTC offset)."""
    return t.tzinfo is not None and t.utcoffset() is not None


def aware(t: dt.datetime, what: str = "time") -> dt.datetime:
    """``t`` itself when it names an instant; a naive time is refused (``RuleError``)."""
    if not is_aware(t):
        raise RuleError(f"{what} must carry a time zone or UTC offset: {t.isoformat()!r}")
    return t


def wall_kind(naive: dt.datetime, zone: str | ZoneInfo) -> Literal["valid", "gap", "fold"]:
    """Whether a wall-clock time exists once in ``zone`` (``valid``), not at all (``gap``) or twice (``fold``)."""
    tz = zone_of(zone)
    plain = naive.replace(tzinfo=None, fold=0)
    first = plain.replace(tzinfo=tz)
    if first.utcoffset() == plain.replace(tzinfo=tz, fold=1).utcoffset():
        return "valid"
    back = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    return "gap" if back != plain else "fold"


def local_time_problem(naive: dt.datetime, zone: str | ZoneInfo, what: str = "local time", *, shown: str | None = None
                       ) -> str | None:
    """The reason a naive time is not one instant in ``zone`` (skipped or repeated), or ``None`` when it is."""
    tz = zone_of(zone)
    kind = wall_kind(naive, tz)
    text = shown if shown is not None else naive.replace(tzinfo=None).isoformat()
    if kind == "gap":
        return f"{what} {text} does not exist in {tz.key} (skipped when the clocks went forward)"
    if kind == "fold":
        return f"{what} {text} is ambiguous in {tz.key} (repeated when the clocks went back)"
    return None


def local_instant(t: dt.datetime, zone: str | ZoneInfo, *, gap: Gap = "refuse", fold: Fold = "earlier",
                  what: str = "local time") -> dt.datetime:
    """``t`` as an aware instant in ``zone``.

    An aware ``t`` is the same instant shown in ``zone``. A naive ``t`` is a wall-clock time in ``zone``: one
    skipped by a spring-forward change is refused (``gap="refuse"``) or moved forward by the gap
    (``gap="shift"``); one repeated by a fall-back change is the first occurrence (``fold="earlier"``) or
    refused (``fold="refuse"``). Refusals are :class:`RuleError` naming ``what``, the time and the zone.
    """
    tz = zone_of(zone)
    if is_aware(t):
        return t.astimezone(tz)
    plain = t.replace(tzinfo=None, fold=0)
    kind = wall_kind(plain, tz)
    if (kind == "gap" and gap == "refuse") or (kind == "fold" and fold == "refuse"):
        reason = local_time_problem(plain, tz, what)
        assert reason is not None
        raise RuleError(reason)
    if kind == "gap":
        return plain.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)
    return plain.replace(tzinfo=tz)


def wall_time(day: dt.date, time: dt.time, zone: str | ZoneInfo) -> dt.datetime:
    """The instant the clocks of ``zone`` show ``time`` on ``day`` (a skipped time moves forward, a repeated one is
    the first occurrence)."""
    return local_instant(dt.datetime.combine(day, time.replace(tzinfo=None)), zone, gap="shift", fold="earlier")


def day_start(day: dt.date, zone: str | ZoneInfo) -> dt.datetime:
    """The first instant of the local ``day`` (00:00, or the first instant after a gap that swallows midnight)."""
    return wall_time(day, dt.time(0, 0), zone)


def end_of_day(day: dt.date, zone: str | ZoneInfo, at: dt.time) -> dt.datetime:
    """The instant a day limit ending on local ``day`` ends: the wall-clock time ``at`` (e.g. 23:59:59) on ``day``."""
    return wall_time(day, at, zone)


def local_date(t: dt.datetime, zone: str | ZoneInfo) -> dt.date:
    """The calendar date of an instant in ``zone`` (a naive time is already a local date-time: its date)."""
    return t.astimezone(zone_of(zone)).date() if is_aware(t) else t.date()


# --- hours and calendar days ------------------------------------------------------------------------------------


def add_hours(start: dt.datetime, hours: float | dt.timedelta, zone: str | ZoneInfo | None = None) -> dt.datetime:
    """Elapsed time after the instant ``start``, shown in ``zone`` (default: the zone of ``start``).

    A DST change in between moves the local wall-clock result (72 hours from 09:00 EST is 10:00 EDT)."""
    delta = hours if isinstance(hours, dt.timedelta) else dt.timedelta(hours=hours)
    tz = zone_of(zone) if zone is not None else aware(start, "start").tzinfo
    return (aware(start, "start").astimezone(UTC) + delta).astimezone(tz)


def add_calendar_days(t: dt.datetime, days: int, zone: str | ZoneInfo) -> dt.datetime:
    """``days`` calendar days later on the local wall clock of ``zone`` (same local time; a DST change keeps it)."""
    local = aware(t, "time").astimezone(zone_of(zone))
    return wall_time(local.date() + dt.timedelta(days=days), local.time(), zone)


def calendar_days_deadline(start: dt.datetime, days: int, zone: str | ZoneInfo, *, at: dt.time,
                           count: DayCount = "start_day_is_day_0", ends: DayEnd = "end_of_local_day",
                           roll: Roll = "none") -> dt.datetime:
    """The end of a limit of ``days`` calendar days counted from the local date of ``start``.

    ``count``: the start day is day 0 (the limit ends on start date + ``days``) or day 1 (+ ``days`` - 1, never
    before the start date). ``ends``: at the wall-clock time ``at`` of the last day, or at the local time of
    ``start``. ``roll="forward"`` moves a last day that is not a business day to the next business day.
    """
    local = aware(start, "start").astimezone(zone_of(zone))
    n = days if count == "start_day_is_day_0" else max(days - 1, 0)
    last = roll_to_business_day(local.date() + dt.timedelta(days=n), roll)
    return end_of_day(last, zone, at) if ends == "end_of_local_day" else wall_time(last, local.time(), zone)


def days_before(action: dt.date, days: int, zone: str | ZoneInfo, *, at: dt.time, roll: Roll = "none") -> dt.datetime:
    """The end (``at``, local) of the last day that is at least ``days`` calendar days before ``action``.

    ``roll="backward"`` moves a day that is not a business day to the business day before it."""
    return end_of_day(roll_to_business_day(action - dt.timedelta(days=days), roll), zone, at)


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months later (or earlier when negative); the day is clamped to the month's end (Jan 31 + 1 = Feb 28/29)."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return dt.date(year, month, min(day.day, days_in_month(year, month)))


def days_in_month(year: int, month: int) -> int:
    """Number of days of ``month`` in ``year`` (February 29 in leap years)."""
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return (following - _ONE_DAY).day


# --- "later of" and "earlier of" ------------------------------------------------------------------------------------


@overload
def later_of(*items: dt.datetime) -> dt.datetime: ...
@overload
def later_of(*items: _T, key: Callable[[_T], dt.datetime]) -> _T: ...
def later_of(*items: Any, key: Callable[[Any], dt.datetime] | None = None) -> Any:
    """The latest of the instants (or of the items by ``key``), compared in UTC; on a tie the first given wins."""
    return _pick(items, key, later=True)


@overload
def earlier_of(*items: dt.datetime) -> dt.datetime: ...
@overload
def earlier_of(*items: _T, key: Callable[[_T], dt.datetime]) -> _T: ...
def earlier_of(*items: Any, key: Callable[[Any], dt.datetime] | None = None) -> Any:
    """The earliest of the instants (or of the items by ``key``), compared in UTC; on a tie the first given wins."""
    return _pick(items, key, later=False)


def _pick(items: tuple[Any, ...], key: Callable[[Any], dt.datetime] | None, *, later: bool) -> Any:
    if not items:
        raise RuleError("later_of / earlier_of need at least one instant")
    get: Callable[[Any], dt.datetime] = key if key is not None else _as_instant
    best, best_at = items[0], utc(get(items[0]))
    for item in items[1:]:
        at = utc(get(item))
        if (at > best_at) if later else (at < best_at):
            best, best_at = item, at
    return best


def _as_instant(item: object) -> dt.datetime:
    if not isinstance(item, dt.datetime):
        raise RuleError(f"not an instant: {item!r}")
    return aware(item, "instant")


# --- Federal holidays and business days -------------------------------------------------------------------------

#: First year computed: the Uniform Monday Holiday Act (Pub. L. 90-363) took effect on January 1, 1971.
FIRST_HOLIDAY_YEAR = 1971


def nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The ``n``-th ``weekday`` (0 = Monday) of the month; ``n = -1`` is the last one."""
    if n == -1:
        last = dt.date(year, month, days_in_month(year, month))
        return last - dt.timedelta(days=(last.weekday() - weekday) % 7)
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def thanksgiving_day(year: int) -> dt.date:
    """The fourth Thursday of November (5 U.S.C. 6103(a))."""
    return nth_weekday(year, 11, THURSDAY, 4)


def _holidays_on_their_days(year: int) -> list[tuple[dt.date, str]]:
    """The legal public holidays of 5 U.S.C. 6103(a) falling in ``year``, each on its own day."""
    days = [
        (dt.date(year, 1, 1), "New Year's Day"),
        (nth_weekday(year, 2, MONDAY, 3), "Washington's Birthday"),
        (nth_weekday(year, 5, MONDAY, -1), "Memorial Day"),
        (dt.date(year, 7, 4), "Independence Day"),
        (nth_weekday(year, 9, MONDAY, 1), "Labor Day"),
        (nth_weekday(year, 10, MONDAY, 2), "Columbus Day"),
        (thanksgiving_day(year), "Thanksgiving Day"),
        (dt.date(year, 12, 25), "Christmas Day"),
    ]
    if year >= 1986:  # Pub. L. 98-144: the third Monday in January, first observed in 1986
        days.append((nth_weekday(year, 1, MONDAY, 3), "Birthday of Martin Luther King, Jr."))
    if year >= 2021:  # Pub. L. 117-17, enacted June 17, 2021
        days.append((dt.date(year, 6, 19), "Juneteenth National Independence Day"))
    # Pub. L. 90-363 moved Veterans Day to the fourth Monday in October; Pub. L. 94-97 restored November 11 from 1978.
    days.append((dt.date(year, 11, 11) if year >= 1978 else nth_weekday(year, 10, MONDAY, 4), "Veterans Day"))
    return days


@cites("5 U.S.C. 6103(a)", "5 U.S.C. 6103(b)(1)", "Executive Order 11582 (February 11, 1971)")
def federal_holidays(year: int) -> Mapping[dt.date, str]:
    """The Federal holidays that fall in ``year``, in-lieu days included, as date -> name.

    5 U.S.C. 6103(a) lists eleven legal public holidays (New Year's Day, the Birthday of Martin Luther King, Jr.,
    Washington's Birthday, Memorial Day, Juneteenth National Independence Day, Independence Day, Labor Day,
    Columbus Day, Veterans Day, Thanksgiving Day, Christmas Day). One that falls on a Saturday is observed on the
    Friday before (6103(b)(1)); one on a Sunday on the Monday after (Executive Order 11582 of February 11, 1971,
    which the agencies follow for the Monday-Friday workweek). The in-lieu day is named "<holiday> (observed)" and
    belongs to the year it falls in: New Year's Day on a Saturday is observed on December 31 of the year before.
    Not listed: Inauguration Day (6103(c), a holiday only in the Washington area) and one-day closures ordered by
    the President (e.g. December 24, 2007), which are not legal public holidays.
    """
    if year < FIRST_HOLIDAY_YEAR:
        raise RuleError(f"Federal holidays are computed from {FIRST_HOLIDAY_YEAR} (Uniform Monday Holiday Act); "
                        f"got the year {year}", Cite(cfr="5 U.S.C. 6103(a)"))
    return _federal_holidays(year)


@functools.lru_cache(maxsize=256)
def _federal_holidays(year: int) -> Mapping[dt.date, str]:
    out: dict[dt.date, str] = {}
    for y in (year, year + 1):
        for day, name in _holidays_on_their_days(y):
            if day.year == year:
                out[day] = name
            observed = _in_lieu(day)
            if observed is not None and observed.year == year:
                out.setdefault(observed, f"{name} (observed)")
    return MappingProxyType(dict(sorted(out.items())))


def _in_lieu(day: dt.date) -> dt.date | None:
    if day.weekday() == SATURDAY:
        return day - _ONE_DAY
    if day.weekday() == SUNDAY:
        return day + _ONE_DAY
    return None


def federal_holiday(day: dt.date) -> str | None:
    """The name of the Federal holiday on ``day`` (observed in-lieu days included), or ``None``."""
    return federal_holidays(day.year).get(day)


def is_business_day(day: dt.date) -> bool:
    """Not a Saturday, Sunday or Federal holiday (in-lieu days included)."""
    return day.weekday() < SATURDAY and federal_holiday(day) is None


def roll_to_business_day(day: dt.date, roll: Roll) -> dt.date:
    """``day`` itself (``roll="none"``, or a business day), else the next (``forward``) or previous (``backward``)
    business day."""
    if roll == "none":
        return day
    step = _ONE_DAY if roll == "forward" else -_ONE_DAY
    while not is_business_day(day):
        day += step
    return day


def add_business_days(day: dt.date, n: int) -> dt.date:
    """The ``n``-th business day after ``day`` (``day`` itself does not count; ``n = 0`` is ``day``)."""
    if n < 0:
        raise RuleError(f"a number of business days must be >= 0, got {n}")
    counted = 0
    while counted < n:
        day += _ONE_DAY
        if is_business_day(day):
            counted += 1
    return day


def business_days_deadline(start: dt.datetime, n: int, zone: str | ZoneInfo) -> dt.datetime:
    """The end (24:00 local = the start of the next day) of the ``n``-th business day after the local date of
    the instant ``start`` in ``zone``."""
    first = local_date(aware(start, "start"), zone)
    return day_start(add_business_days(first, n) + _ONE_DAY, zone)


# --- text: ISO 8601 dates, instants and durations ---------------------------------------------------------------


def parse_date(text: str, where: Where = None) -> dt.date:
    """An ISO 8601 calendar date (``2021-03-20``)."""
    try:
        return dt.date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise problem(where, f"not an ISO 8601 date: {text!r} (e.g. {DATE_EXAMPLE})") from None


def parse_instant(text: str, where: Where = None, *, offset: OffsetRule = "optional") -> dt.datetime:
    """An ISO 8601 date-time; ``offset="required"`` refuses one without a UTC offset (it would not name an instant)."""
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        example = AWARE_EXAMPLE if offset == "required" else INSTANT_EXAMPLE
        raise problem(where, f"not an ISO 8601 date-time: {text!r} (e.g. {example})") from None
    if offset == "required" and not is_aware(value):
        raise problem(where, f"needs a UTC offset: {text!r} (e.g. {AWARE_EXAMPLE})")
    return value


def parse_local_date(text: str, zone: str | ZoneInfo, where: Where = None) -> dt.date:
    """A calendar date; a date-time is taken as its local date in ``zone`` (a naive one as written)."""
    try:
        return dt.date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        pass
    return local_date(parse_instant(text, where), zone)


_DURATION = re.compile(
    r"P(?:(?P<weeks>\d+(?:[.,]\d+)?)W)?(?:(?P<days>\d+(?:[.,]\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:[.,]\d+)?)H)?(?:(?P<minutes>\d+(?:[.,]\d+)?)M)?(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?")
_CALENDAR_UNITS = re.compile(r"P[^T]*\d[YM]")


def parse_duration(text: str, where: Where = None) -> dt.timedelta:
    """An ISO 8601 duration of fixed length: weeks, days, hours, minutes, seconds (``P15D``, ``PT72H``, ``P1DT12H``).

    Years and months are refused: they have no fixed length (use :func:`add_months` on dates)."""
    value = text.strip().upper() if isinstance(text, str) else ""
    match = _DURATION.fullmatch(value)
    if match is None or value in ("P", "PT") or value.endswith("T"):
        if _CALENDAR_UNITS.match(value):
            raise problem(where, f"not a fixed-length duration: {text!r} (years and months vary; "
                                 f"give days or hours, e.g. {DURATION_EXAMPLE})")
        raise problem(where, f"not an ISO 8601 duration: {text!r} (e.g. {DURATION_EXAMPLE})")
    parts = {k: float(v.replace(",", ".")) for k, v in match.groupdict().items() if v is not None}
    return dt.timedelta(**parts)


def format_duration(td: dt.timedelta, *, in_hours: bool = False) -> str:
    """ISO 8601 text of a duration: ``P15D``, ``P1DT12H``, ``PT0S``; ``in_hours`` writes days as hours (``PT48H``)."""
    secs = int(td.total_seconds())
    days, rest = divmod(secs, 86400)
    if in_hours:
        days, rest = 0, secs
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    out = "P" + (f"{days}D" if days else "")
    time = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + (f"{seconds}S" if seconds else "")
    return out + ("T" + time if time else "") if (days or time) else "PT0S"


def parse_zone(text: str, where: Where = None) -> ZoneInfo:
    """An IANA zone name (trimmed)."""
    return zone_of(text.strip(), where)

