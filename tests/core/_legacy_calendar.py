"""The date-time code that ``partcd.core.calendar`` replaced, kept unchanged as the oracle of the equivalence tests.

Copied from commit 64743e1 (before the switch): ``appeals/clocks.py`` (``zone_of``, ``_local``, ``_wall``, the time
methods of ``_Clock``, ``_iso_duration``), ``callcenter/hours.py`` (``zone``, the ``holidays``-package calendar,
``thanksgiving_day``, ``is_business_day``, ``_local_window``, ``_due``), ``io/calllog_profiles.py`` (``_zone``) and
``callcenter/cap.py`` (``add_months``). Only the names changed (``AppealsClock`` for ``_Clock``, a prefix per module)
and each function takes the typed view it used to read. Not used by any production code.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from partcd.appeals.rules.parameters import AppealsParams
from partcd.callcenter.rules.hours import TimeWindow
from partcd.callcenter.rules.standards import CallCenterParams
from partcd.core.errors import ConfigError, RuleError

UTC = dt.UTC


# --- appeals/clocks.py ------------------------------------------------------------------------------------------


def appeals_zone_of(name: str) -> ZoneInfo:
    """The IANA zone; an unknown name is refused."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RuleError(f"unknown time zone {name!r} (expected an IANA name such as America/Chicago)") from None


def appeals_local(t: dt.datetime, zone: ZoneInfo, what: str) -> dt.datetime:
    """An aware instant in the plan's zone; a naive time is read in the zone (a time skipped by DST is refused)."""
    if t.tzinfo is not None and t.utcoffset() is not None:
        return t.astimezone(zone)
    aware = t.replace(tzinfo=zone, fold=0)
    back = aware.astimezone(UTC).astimezone(zone)
    if back.replace(tzinfo=None) != t:
        raise RuleError(f"{what} {t.isoformat()} does not exist in {zone.key} (skipped by the daylight-saving change)")
    return aware


def appeals_wall(naive: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """A local wall-clock time as an aware instant; a time skipped by DST moves forward, an ambiguous one is the first."""
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC).astimezone(zone)


@dataclass(frozen=True)
class AppealsClock:
    view: AppealsParams
    zone: ZoneInfo

    def local(self, t: dt.datetime, what: str) -> dt.datetime:
        return appeals_local(t, self.zone, what)

    def day_start(self, d: dt.date) -> dt.datetime:
        return appeals_wall(dt.datetime.combine(d, dt.time(0, 0)), self.zone)

    def end_of_day(self, d: dt.date) -> dt.datetime:
        return appeals_wall(dt.datetime.combine(d, self.view.end_of_day_time_of_day), self.zone)

    def _business(self, d: dt.date, step: int) -> dt.date:
        if not self.view.weekend_holiday_rollover_bool:
            return d
        us = holidays.country_holidays("US", years=range(d.year - 1, d.year + 2))
        while d.weekday() >= 5 or d in us:
            d += dt.timedelta(days=step)
        return d

    def after_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """The end of a limit of ``days`` calendar days counted from the local date of ``start``."""
        n = days if self.view.day_count_convention_text == "receipt_day_is_day_0" else max(days - 1, 0)
        last = self._business(start.date() + dt.timedelta(days=n), +1)
        if self.view.day_deadline_end_text == "end_of_local_day":
            return self.end_of_day(last)
        return appeals_wall(dt.datetime.combine(last, start.time()), self.zone)

    def before_days(self, action: dt.date, days: int) -> dt.datetime:
        """The end of the last local day that is at least ``days`` calendar days before ``action``."""
        return self.end_of_day(self._business(action - dt.timedelta(days=days), -1))

    def after_hours(self, start: dt.datetime, hours: float) -> dt.datetime:
        """Elapsed hours from the exact instant (a DST change shifts the local wall-clock time)."""
        return (start.astimezone(UTC) + dt.timedelta(hours=hours)).astimezone(self.zone)

    def plus_days(self, due: dt.datetime, days: int) -> dt.datetime:
        """An extension: ``days`` calendar days added on the local wall clock."""
        d = due.astimezone(self.zone)
        return appeals_wall(dt.datetime.combine(d.date() + dt.timedelta(days=days), d.time()), self.zone)


def appeals_iso_duration(td: dt.timedelta, *, in_hours: bool = False) -> str:
    """ISO 8601 duration text: ``P15D``, ``PT48H`` (hour limits are written in hours)."""
    secs = int(td.total_seconds())
    days, rest = divmod(secs, 86400)
    if in_hours:
        days, rest = 0, secs
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    out = "P" + (f"{days}D" if days else "")
    time = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + (f"{seconds}S" if seconds else "")
    return out + ("T" + time if time else "") if (days or time) else "PT0S"


# --- callcenter/hours.py ----------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _us_holidays(year: int) -> dict[dt.date, str]:
    return dict(holidays.country_holidays("US", years=year).items())


def callcenter_federal_holiday(day: dt.date) -> str | None:
    """The name of the Federal holiday on ``day`` (observed in-lieu days included), or None."""
    return _us_holidays(day.year).get(day)


def callcenter_thanksgiving_day(year: int) -> dt.date:
    """The fourth Thursday of November (5 U.S.C. 6103(a))."""
    first = dt.date(year, 11, 1)
    return first + dt.timedelta(days=(3 - first.weekday()) % 7 + 21)


def callcenter_is_business_day(day: dt.date) -> bool:
    """Not a Saturday, Sunday or Federal holiday (design decision, spec §1.1)."""
    return day.weekday() < 5 and callcenter_federal_holiday(day) is None


def callcenter_zone(name: str) -> ZoneInfo:
    """An IANA time zone; an unknown name is a configuration error."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown IANA time zone {name!r}") from None


def callcenter_local_window(day: dt.date, tz: ZoneInfo, p: CallCenterParams) -> TimeWindow:
    start = dt.datetime.combine(day, p.open_from_time, tzinfo=tz)
    end = dt.datetime.combine(day, p.open_until_time, tzinfo=tz)
    return TimeWindow(start=start.astimezone(UTC), end=end.astimezone(UTC))


def callcenter_due(left_at: dt.datetime, caller_time_zone: str, p: CallCenterParams) -> dt.datetime:
    if left_at.tzinfo is None:
        raise RuleError("left_at must carry a time zone or UTC offset")
    tz = callcenter_zone(caller_time_zone)
    day = left_at.astimezone(tz).date()
    counted = 0
    while counted < p.ivr_callback_max_business_days:
        day += dt.timedelta(days=1)
        if callcenter_is_business_day(day):
            counted += 1
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=tz)


# --- io/calllog_profiles.py -------------------------------------------------------------------------------------


def calllog_zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown time zone {name!r} (use an IANA name such as America/New_York)") from None


# --- callcenter/cap.py ------------------------------------------------------------------------------------------


def cap_add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months later (day clamped to the month's end: Jan 31 + 1 month = Feb 28/29)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    next_month = dt.date(year + (month == 12), month % 12 + 1, 1)
    last = (next_month - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))
