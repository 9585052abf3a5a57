"""partcd.core.calendar gives exactly what the code it replaced gave, on generated inputs.

The oracles are that code itself, kept unchanged in ``_legacy_calendar.py``: the date-time helpers of
``appeals/clocks.py`` (``_local``, ``_wall``, ``_Clock``, ``_iso_duration``), ``callcenter/hours.py`` (``_due``,
``_local_window``, the holiday calendar of the ``holidays`` package), ``callcenter/cap.py`` (``add_months``) and the
zone lookups (the Arrow reading of naive export times it once compared is gone: the call-log reader now runs in the engine)
stays in that module and is compared live. Where a public function of an area now calls the calendar
(``callback_due``, ``required_windows``, ``federal_holiday``, ``is_business_day``) it is compared too. Naive times
are drawn around every offset change of fifteen zones (US zones, 30-minute DST, negative DST, zones whose clocks skip
midnight) so the gap and fold branches are exercised, not just reached by luck.
"""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

import _legacy_calendar as legacy
import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from partcd.appeals.rules.parameters import AppealsParams
from partcd.callcenter.rules.hours import callback_due, federal_holiday, is_business_day, required_windows
from partcd.callcenter.rules.standards import CallCenterParams
from partcd.core import calendar as cal
from partcd.core.errors import PartcdError, RuleError
from partcd.platform.params import load_params

UTC = dt.UTC
APPEALS = load_params("appeals", dt.date(2021, 1, 1))
APPEALS_VIEW = APPEALS.typed(AppealsParams)
CALLCENTER = load_params("callcenter", dt.date(2022, 1, 1))
CALLCENTER_VIEW = CALLCENTER.typed(CallCenterParams)
ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
         "America/Anchorage", "Pacific/Honolulu", "America/Puerto_Rico", "Europe/London", "Europe/Dublin",
         "Australia/Lord_Howe", "America/Santiago", "America/Havana", "Asia/Beirut", "America/Sao_Paulo"]
#: Zones whose offset rules are old and stable (the Arrow and Python copies of the tz database agree on them).
STABLE_ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
                "America/Anchorage", "Pacific/Honolulu", "Europe/London", "Australia/Lord_Howe"]
MLK = {"Birthday of Martin Luther King, Jr.": "Martin Luther King Jr. Day"}


@functools.cache
def _changes(zone: str, year: int) -> tuple[tuple[dt.datetime, dt.timedelta], ...]:
    """(first UTC instant of the new offset, offset before it) for every offset change of ``zone`` in ``year``."""
    tz = ZoneInfo(zone)
    out: list[tuple[dt.datetime, dt.timedelta]] = []
    step = dt.timedelta(hours=3)
    t, end = dt.datetime(year, 1, 1, tzinfo=UTC), dt.datetime(year + 1, 1, 1, tzinfo=UTC)
    while t < end:
        before, after = t.astimezone(tz).utcoffset(), (t + step).astimezone(tz).utcoffset()
        if before != after:
            lo, hi = t, t + step
            while hi - lo > dt.timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                lo, hi = (mid, hi) if mid.astimezone(tz).utcoffset() == before else (lo, mid)
            assert before is not None
            out.append((hi, before))
        t += step
    return tuple(out)


@st.composite
def near_changes(draw: st.DrawFn, zones: list[str] = ZONES) -> tuple[str, dt.datetime]:
    """A zone and a naive wall time, usually within two hours of one of the zone's offset changes."""
    zone = draw(st.sampled_from(zones))
    year = draw(st.integers(1995, 2030))
    changes = _changes(zone, year)
    if not changes or draw(st.integers(0, 4)) == 0:
        return zone, draw(st.datetimes(min_value=dt.datetime(year, 1, 1), max_value=dt.datetime(year, 12, 31, 23, 59)))
    at, before = draw(st.sampled_from(changes))
    wall = (at + before).replace(tzinfo=None)  # the wall clock at the change, read with the old offset
    return zone, wall + draw(st.timedeltas(min_value=dt.timedelta(hours=-2), max_value=dt.timedelta(hours=2)))


def _same(a: dt.datetime, b: dt.datetime) -> bool:
    """Same instant, same wall clock, same offset and zone (what a caller can observe)."""
    return a.isoformat() == b.isoformat() and cal.utc(a) == cal.utc(b) and a.tzinfo == b.tzinfo


def _clock(zone: str, **update: object) -> legacy.AppealsClock:
    return legacy.AppealsClock(view=APPEALS_VIEW.model_copy(update=update), zone=ZoneInfo(zone))


times_of_day = st.sampled_from([dt.time(23, 59, 59), dt.time(0, 0), dt.time(2, 30), dt.time(1, 30), dt.time(17, 0)])


# --- appeals/clocks.py ----------------------------------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(case=near_changes())
def test_appeals_local_reading_of_naive_times(case: tuple[str, dt.datetime]) -> None:
    zone, naive = case
    try:
        old: dt.datetime | str = legacy.appeals_local(naive, ZoneInfo(zone), "receipt")
    except RuleError as exc:
        old = exc.reason.split(" (")[0]
    try:
        new: dt.datetime | str = cal.local_instant(naive, zone, gap="refuse", fold="earlier", what="receipt")
    except RuleError as exc:
        new = exc.reason.split(" (")[0]
    assert type(old) is type(new)
    assert old == new if isinstance(old, str) else _same(old, new)  # type: ignore[arg-type]


@settings(max_examples=400, deadline=None)
@given(case=near_changes())
def test_appeals_wall_clock_times(case: tuple[str, dt.datetime]) -> None:
    zone, naive = case
    assert _same(legacy.appeals_wall(naive, ZoneInfo(zone)), cal.wall_time(naive.date(), naive.time(), zone))
    assert _same(legacy.appeals_wall(naive, ZoneInfo(zone)), cal.local_instant(naive, zone, gap="shift"))


@settings(max_examples=400, deadline=None)
@given(case=near_changes(), days=st.integers(0, 45), at=times_of_day, day_0=st.booleans(), eod=st.booleans(),
       roll=st.booleans())
def test_appeals_day_limits(case: tuple[str, dt.datetime], days: int, at: dt.time, day_0: bool, eod: bool,
                            roll: bool) -> None:
    zone, naive = case
    clock = _clock(zone, day_count_convention_text="receipt_day_is_day_0" if day_0 else "receipt_day_is_day_1",
                   day_deadline_end_text="end_of_local_day" if eod else "same_local_time", end_of_day_time_of_day=at,
                   weekend_holiday_rollover_bool=roll)
    start = legacy.appeals_wall(naive, ZoneInfo(zone))
    new = cal.calendar_days_deadline(start, days, zone, at=at,
                                     count="start_day_is_day_0" if day_0 else "start_day_is_day_1",
                                     ends="end_of_local_day" if eod else "same_local_time",
                                     roll="forward" if roll else "none")
    assert _same(clock.after_days(start, days), new)
    action = naive.date()
    assert _same(clock.before_days(action, days), cal.days_before(action, days, zone, at=at,
                                                                   roll="backward" if roll else "none"))


@settings(max_examples=300, deadline=None)
@given(case=near_changes(), at=times_of_day)
def test_appeals_day_start_and_end_of_day(case: tuple[str, dt.datetime], at: dt.time) -> None:
    zone, naive = case
    clock = _clock(zone, end_of_day_time_of_day=at)
    assert _same(clock.day_start(naive.date()), cal.day_start(naive.date(), zone))
    assert _same(clock.end_of_day(naive.date()), cal.end_of_day(naive.date(), zone, at))


@settings(max_examples=300, deadline=None)
@given(case=near_changes(), hours=st.floats(0, 400, allow_nan=False), days=st.integers(0, 30))
def test_appeals_hours_and_extensions(case: tuple[str, dt.datetime], hours: float, days: int) -> None:
    zone, naive = case
    clock = _clock(zone)
    start = legacy.appeals_wall(naive, ZoneInfo(zone))
    assert _same(clock.after_hours(start, hours), cal.add_hours(start, hours, zone))
    assert _same(clock.plus_days(start, days), cal.add_calendar_days(start, days, zone))


@given(td=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=400)), in_hours=st.booleans())
def test_appeals_iso_duration_text(td: dt.timedelta, in_hours: bool) -> None:
    assert legacy.appeals_iso_duration(td, in_hours=in_hours) == cal.format_duration(td, in_hours=in_hours)


# --- callcenter/hours.py ----------------------------------------------------------------------------------------


def test_holiday_calendar_is_the_holidays_package_us_calendar_from_1971_to_2100() -> None:
    for year in range(1971, 2101):
        package = dict(holidays.country_holidays("US", years=year))
        ours = {day: MLK.get(name.removesuffix(" (observed)"), name.removesuffix(" (observed)"))
                + (" (observed)" if name.endswith(" (observed)") else "") for day, name in cal.federal_holidays(year).items()}
        assert ours == package, year


def test_callcenter_holidays_business_days_and_thanksgiving_for_every_date_1971_to_2100() -> None:
    day = dt.date(1971, 1, 1)
    while day.year <= 2100:
        name = cal.federal_holiday(day)
        old = legacy.callcenter_federal_holiday(day)
        assert (old is None) == (name is None) == (federal_holiday(day) is None), day
        if name is not None:
            assert old == MLK.get(name.removesuffix(" (observed)"), name.removesuffix(" (observed)")) + (
                " (observed)" if name.endswith(" (observed)") else ""), day
        assert legacy.callcenter_is_business_day(day) == cal.is_business_day(day) == is_business_day(day), day
        day += dt.timedelta(days=1)
    for year in range(1971, 2101):
        assert legacy.callcenter_thanksgiving_day(year) == cal.thanksgiving_day(year)


@settings(max_examples=400, deadline=None)
@given(case=near_changes(), business_days=st.integers(1, 5), caller=st.sampled_from(ZONES))
def test_callcenter_ivr_callback_deadline(case: tuple[str, dt.datetime], business_days: int, caller: str) -> None:
    zone, naive = case
    left_at = legacy.appeals_wall(naive, ZoneInfo(zone))
    view = CALLCENTER_VIEW.model_copy(update={"ivr_callback_max_business_days": business_days})
    old = legacy.callcenter_due(left_at, caller, view)
    new = cal.business_days_deadline(left_at, business_days, caller)
    assert cal.utc(old) == cal.utc(new)
    if business_days == CALLCENTER_VIEW.ivr_callback_max_business_days:
        assert _same(callback_due(left_at, caller, CALLCENTER), new)
    midnight = dt.datetime.combine(new.date(), dt.time(0))
    if cal.wall_kind(midnight, caller) == "valid":  # the old code showed a skipped midnight as a non-existent wall time
        assert _same(old, new)


@settings(max_examples=300, deadline=None)
@given(case=near_changes(), opens=times_of_day, closes=times_of_day)
def test_callcenter_required_window_of_a_day(case: tuple[str, dt.datetime], opens: dt.time, closes: dt.time) -> None:
    zone, naive = case
    view = CALLCENTER_VIEW.model_copy(update={"open_from_time": opens, "open_until_time": closes})
    window = legacy.callcenter_local_window(naive.date(), ZoneInfo(zone), view)
    assert window.start == cal.utc(cal.wall_time(naive.date(), opens, zone))
    assert window.end == cal.utc(cal.wall_time(naive.date(), closes, zone))
    live = required_windows(naive.date(), [zone], CALLCENTER, after_hours_messaging=False)
    p = CALLCENTER_VIEW
    assert [(w.start, w.end) for w in live] == [(cal.utc(cal.wall_time(naive.date(), p.open_from_time, zone)),
                                                 cal.utc(cal.wall_time(naive.date(), p.open_until_time, zone)))]


# --- zone names, months, durations, option text --------------------------------------------------------------------

NAMES = ["America/New_York", "US/Eastern", "EST5EDT", "UTC", "Etc/GMT+5", "Mars/Olympus", "", "America", "../x",
         "/etc/localtime", "america/new_york", "Europe/Kyiv", "Pacific/Guam"]


@pytest.mark.parametrize("name", NAMES)
def test_every_zone_lookup_accepts_and_refuses_the_same_names(name: str) -> None:
    """One intended difference: a folder of the tz database ("America") made the old lookups crash with
    ``IsADirectoryError`` where the ``tzdata`` package provides the zones; the shared lookup refuses it."""
    results = []
    for lookup in (cal.zone_of, legacy.appeals_zone_of, legacy.callcenter_zone, legacy.calllog_zone):
        try:
            results.append(lookup(name).key)
        except PartcdError as exc:
            results.append(f"refused: {name!r}" if repr(name) in str(exc) else str(exc))
        except IsADirectoryError:
            assert name == "America" and lookup is not cal.zone_of
            results.append(f"refused: {name!r}")
    assert len(set(results)) == 1, results


@settings(max_examples=400, deadline=None)
@given(day=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31)), months=st.integers(-600, 600))
def test_cap_add_months(day: dt.date, months: int) -> None:
    assert legacy.cap_add_months(day, months) == cal.add_months(day, months)


@given(td=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=400)), in_hours=st.booleans())
def test_iso_durations_read_as_pydantic_reads_them(td: dt.timedelta, in_hours: bool) -> None:
    """The appeals CLI read --state-override durations with pydantic; the ISO 8601 forms read the same."""
    text = cal.format_duration(dt.timedelta(seconds=int(td.total_seconds())), in_hours=in_hours)
    assert cal.parse_duration(text) == TypeAdapter(dt.timedelta).validate_python(text)


@given(text=st.one_of(st.text(max_size=30), st.datetimes().map(dt.datetime.isoformat), st.dates().map(dt.date.isoformat)))
def test_instant_and_date_text_read_as_fromisoformat_reads_it(text: str) -> None:
    """Every CLI option parser used ``fromisoformat`` (some after ``strip``); the shared one strips and reads the same."""
    for parse, ref in ((cal.parse_instant, dt.datetime.fromisoformat), (cal.parse_date, dt.date.fromisoformat)):
        try:
            expected: object = ref(text.strip())
        except ValueError:
            expected = ValidationError
        try:
            got: object = parse(text, "--x")
        except PartcdError:
            got = ValidationError
        assert got == expected
