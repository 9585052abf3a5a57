"""partcd.core.calendar: hand-computed examples for every function (DST both ways, month ends, leap days,
Federal holidays with their Friday / Monday in-lieu days) and hypothesis properties.

Equivalence with the code it replaced (appeals clocks, call-center hours, call-log profiles, CAP months) is in
``test_calendar_equivalence.py``.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from partcd.core import calendar as cal
from partcd.core.citation import cited
from partcd.core.errors import ConfigError, InputError, RuleError

NY = ZoneInfo("America/New_York")
LA = ZoneInfo("America/Los_Angeles")
UTC = dt.UTC
EOD = dt.time(23, 59, 59)
ZONES = ["America/New_York", "America/Chicago", "America/Phoenix", "America/Los_Angeles", "Pacific/Honolulu",
         "Europe/London", "Europe/Dublin", "Australia/Lord_Howe", "America/Santiago", "America/Havana", "Asia/Beirut",
         "UTC"]


def _t(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, tz: dt.tzinfo | None = NY) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, s, tzinfo=tz)


# --- zones and instants ----------------------------------------------------------------------------------------


def test_zone_of_accepts_iana_names_and_refuses_others_with_the_value() -> None:
    assert cal.zone_of("America/Chicago").key == "America/Chicago"
    assert cal.zone_of(NY) is NY
    for bad in ("Mars/Olympus", "", "../etc/passwd", "/etc/localtime", "America"):
        with pytest.raises(ConfigError, match=r"unknown time zone .* \(an IANA name, e.g. America/New_York\)"):
            cal.zone_of(bad)
    with pytest.raises(ConfigError) as exc:
        cal.zone_of("Mars/Olympus", "--tz")
    assert str(exc.value) == "--tz: unknown time zone 'Mars/Olympus' (an IANA name, e.g. America/New_York)"
    with pytest.raises(InputError) as cell:
        cal.zone_of("Mars/Olympus", cal.Cell("messages.csv", 3, "caller_time_zone"))
    assert str(cell.value) == ("messages.csv, row 3, field 'caller_time_zone': unknown time zone 'Mars/Olympus' "
                               "(an IANA name, e.g. America/New_York)")


def test_naive_time_in_the_spring_gap_is_refused_or_shifted_by_the_gap() -> None:
    # 2021-03-14: New York clocks go from 02:00 EST to 03:00 EDT; 02:30 never happens.
    naive = dt.datetime(2021, 3, 14, 2, 30)
    assert cal.wall_kind(naive, NY) == "gap"
    with pytest.raises(RuleError) as exc:
        cal.local_instant(naive, NY, what="receipt")
    assert exc.value.reason == ("receipt 2021-03-14T02:30:00 does not exist in America/New_York "
                                "(skipped when the clocks went forward)")
    # shift: read with the offset before the change (EST, -5): 07:30Z = 03:30 EDT (moved by the 1-hour gap)
    assert cal.local_instant(naive, NY, gap="shift").isoformat() == "2021-03-14T03:30:00-04:00"
    # a time at the start of the gap becomes the first instant after it
    assert cal.wall_time(dt.date(2021, 3, 14), dt.time(2, 0), NY).isoformat() == "2021-03-14T03:00:00-04:00"


def test_naive_time_in_the_fall_fold_is_the_first_occurrence_or_refused() -> None:
    # 2021-11-07: 01:00-02:00 happens twice in New York (EDT, then EST)
    naive = dt.datetime(2021, 11, 7, 1, 30)
    assert cal.wall_kind(naive, NY) == "fold"
    assert cal.local_instant(naive, NY).isoformat() == "2021-11-07T01:30:00-04:00"  # 05:30Z, the first
    assert cal.local_instant(naive.replace(fold=1), NY).isoformat() == "2021-11-07T01:30:00-04:00"
    assert cal.local_time_problem(naive, NY, shown="2021-11-07 01:30:00") == (
        "local time 2021-11-07 01:30:00 is ambiguous in America/New_York (repeated when the clocks went back)")
    with pytest.raises(RuleError) as exc:
        cal.local_instant(naive, NY, fold="refuse", what="call_start")
    assert exc.value.reason == ("call_start 2021-11-07T01:30:00 is ambiguous in America/New_York "
                                "(repeated when the clocks went back)")


def test_aware_times_keep_their_instant_and_naive_valid_times_are_read_in_the_zone() -> None:
    assert cal.local_instant(_t(2021, 6, 1, 9, tz=dt.timezone(dt.timedelta(hours=-4))), LA).isoformat() \
        == "2021-06-01T06:00:00-07:00"
    assert cal.local_instant(dt.datetime(2021, 6, 1, 9), LA).isoformat() == "2021-06-01T09:00:00-07:00"
    assert cal.wall_kind(dt.datetime(2021, 6, 1, 9), LA) == "valid"
    assert cal.local_time_problem(dt.datetime(2021, 6, 1, 9), LA) is None
    with pytest.raises(RuleError, match="must carry a time zone or UTC offset"):
        cal.add_hours(dt.datetime(2021, 6, 1, 9), 1)


def test_day_start_in_a_zone_whose_clocks_skip_midnight() -> None:
    # Santiago, 2022-09-11: the clocks go from 24:00 (-04) to 01:00 (-03); the day starts at 01:00.
    assert cal.day_start(dt.date(2022, 9, 11), "America/Santiago").isoformat() == "2022-09-11T01:00:00-03:00"
    assert cal.day_start(dt.date(2022, 9, 12), "America/Santiago").isoformat() == "2022-09-12T00:00:00-03:00"


def test_end_of_day_is_the_given_wall_clock_time_on_dst_days() -> None:
    assert cal.end_of_day(dt.date(2021, 3, 14), NY, EOD).isoformat() == "2021-03-14T23:59:59-04:00"
    assert cal.end_of_day(dt.date(2021, 11, 7), NY, EOD).isoformat() == "2021-11-07T23:59:59-05:00"
    assert cal.local_date(_t(2021, 1, 1, 2, tz=UTC), NY) == dt.date(2020, 12, 31)  # 02:00Z = 21:00 EST the day before
    assert cal.local_date(dt.datetime(2021, 1, 1, 2), NY) == dt.date(2021, 1, 1)  # naive: already local


# --- hours, days, months ----------------------------------------------------------------------------------------


def test_hours_are_elapsed_time_across_both_dst_changes() -> None:
    # 2021-03-13 09:00 EST (14:00Z) + 72 h = 2021-03-16 14:00Z = 10:00 EDT
    assert cal.add_hours(_t(2021, 3, 13, 9), 72).isoformat() == "2021-03-16T10:00:00-04:00"
    # 2021-11-06 09:00 EDT (13:00Z) + 24 h = 2021-11-07 13:00Z = 08:00 EST
    assert cal.add_hours(_t(2021, 11, 6, 9), 24).isoformat() == "2021-11-07T08:00:00-05:00"
    assert cal.add_hours(_t(2021, 6, 1, 9, tz=UTC), dt.timedelta(hours=1.5), LA).isoformat() == "2021-06-01T03:30:00-07:00"


def test_calendar_days_keep_the_local_time_across_dst() -> None:
    # an extension of 2 calendar days from 2021-03-13 09:00 EST is 2021-03-15 09:00 EDT (47 elapsed hours)
    assert cal.add_calendar_days(_t(2021, 3, 13, 9), 2, NY).isoformat() == "2021-03-15T09:00:00-04:00"
    assert cal.add_calendar_days(_t(2021, 11, 6, 9), 1, NY).isoformat() == "2021-11-07T09:00:00-05:00"


def test_calendar_day_limits_end_at_the_end_of_the_last_local_day() -> None:
    # receipt 2021-01-29 14:10 (day 0) + 30 calendar days = 2021-02-28, ends 23:59:59 EST
    due = cal.calendar_days_deadline(_t(2021, 1, 29, 14, 10), 30, NY, at=EOD)
    assert due.isoformat() == "2021-02-28T23:59:59-05:00"
    # receipt at 23:59 local on Jan 31: still day 0 = Jan 31; + 14 = Feb 14
    assert cal.calendar_days_deadline(_t(2021, 1, 31, 23, 59), 14, NY, at=EOD).date() == dt.date(2021, 2, 14)
    # 21:30 in Los Angeles on Jan 31 is Feb 1 in New York (00:30 EST): the plan's zone counts the days
    assert cal.calendar_days_deadline(_t(2021, 1, 31, 21, 30, tz=LA), 14, NY, at=EOD).date() == dt.date(2021, 2, 15)
    # day 1 convention: 14 days end on receipt + 13; 0 days never end before the receipt date
    assert cal.calendar_days_deadline(_t(2021, 1, 31, 9), 14, NY, at=EOD, count="start_day_is_day_1").date() \
        == dt.date(2021, 2, 13)
    assert cal.calendar_days_deadline(_t(2021, 1, 31, 9), 0, NY, at=EOD, count="start_day_is_day_1").date() \
        == dt.date(2021, 1, 31)
    # same local time: 2021-03-01 09:15 EST + 14 days = 2021-03-15 09:15 EDT
    assert cal.calendar_days_deadline(_t(2021, 3, 1, 9, 15), 14, NY, at=EOD, ends="same_local_time").isoformat() \
        == "2021-03-15T09:15:00-04:00"
    # leap year: 2024-02-15 + 14 = 2024-02-29
    assert cal.calendar_days_deadline(_t(2024, 2, 15, 9), 14, NY, at=EOD).date() == dt.date(2024, 2, 29)


def test_roll_over_is_explicit_and_skips_weekends_and_observed_holidays() -> None:
    # 2021-06-20 (Sunday) + 14 = 2021-07-04 (Sunday, Independence Day); Monday 07-05 is its in-lieu day -> Tue 07-06
    start = _t(2021, 6, 20, 10)
    assert cal.calendar_days_deadline(start, 14, NY, at=EOD).date() == dt.date(2021, 7, 4)
    assert cal.calendar_days_deadline(start, 14, NY, at=EOD, roll="forward").isoformat() == "2021-07-06T23:59:59-04:00"
    # 10 days before 2021-07-15 is Monday 07-05 (observed holiday): backward to Friday 07-02
    assert cal.days_before(dt.date(2021, 7, 15), 10, NY, at=EOD).isoformat() == "2021-07-05T23:59:59-04:00"
    assert cal.days_before(dt.date(2021, 7, 15), 10, NY, at=EOD, roll="backward").date() == dt.date(2021, 7, 2)
    assert cal.roll_to_business_day(dt.date(2021, 7, 4), "none") == dt.date(2021, 7, 4)
    assert cal.roll_to_business_day(dt.date(2021, 7, 7), "forward") == dt.date(2021, 7, 7)  # already a business day


@pytest.mark.parametrize(("day", "months", "expected"), [
    (dt.date(2021, 1, 31), 1, dt.date(2021, 2, 28)),    # clamped to the month's end
    (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),    # leap year
    (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),   # leap day + 1 year
    (dt.date(2024, 2, 29), 48, dt.date(2028, 2, 29)),   # leap day + 4 years
    (dt.date(2021, 3, 31), -1, dt.date(2021, 2, 28)),   # backwards
    (dt.date(2021, 12, 15), 1, dt.date(2022, 1, 15)),   # over the year end
    (dt.date(2022, 1, 15), -12, dt.date(2021, 1, 15)),  # a 12-month look-back
    (dt.date(2021, 5, 31), 0, dt.date(2021, 5, 31)),
])
def test_add_months(day: dt.date, months: int, expected: dt.date) -> None:
    assert cal.add_months(day, months) == expected


def test_days_in_month() -> None:
    assert [cal.days_in_month(2024, m) for m in (1, 2, 4, 12)] == [31, 29, 30, 31]
    assert cal.days_in_month(2100, 2) == 28 and cal.days_in_month(2000, 2) == 29  # century rules


# --- later of / earlier of --------------------------------------------------------------------------------------


def test_later_of_compares_instants_not_wall_clocks() -> None:
    first = _t(2021, 11, 7, 1, 30)  # 01:30 EDT = 05:30Z
    second = dt.datetime(2021, 11, 7, 1, 10, fold=1, tzinfo=NY)  # 01:10 EST = 06:10Z: earlier on the wall clock
    assert cal.later_of(first, second) is second
    assert cal.earlier_of(first, second) is first
    tie = first.astimezone(UTC)
    assert cal.later_of(first, tie) is first and cal.earlier_of(tie, first) is tie  # a tie keeps the first given
    # windows: § 422.632(a) "the later of" 10 days after the notice is sent and the intended effective date
    windows = [("notice sent + 10 days", _t(2021, 3, 11, 23, 59, 59)), ("effective date", _t(2021, 3, 15, 23, 59, 59))]
    assert cal.later_of(*windows, key=lambda w: w[1])[0] == "effective date"
    assert cal.earlier_of(*windows, key=lambda w: w[1])[0] == "notice sent + 10 days"
    with pytest.raises(RuleError):
        cal.later_of()


# --- Federal holidays -------------------------------------------------------------------------------------------


def test_federal_holidays_2021_with_in_lieu_days() -> None:
    days = cal.federal_holidays(2021)
    assert days[dt.date(2021, 1, 18)] == "Birthday of Martin Luther King, Jr."  # third Monday of January
    assert days[dt.date(2021, 6, 18)] == "Juneteenth National Independence Day (observed)"  # June 19 is a Saturday
    assert days[dt.date(2021, 7, 5)] == "Independence Day (observed)"  # July 4 is a Sunday -> Monday
    assert days[dt.date(2021, 12, 24)] == "Christmas Day (observed)"  # Saturday -> Friday
    assert days[dt.date(2021, 12, 31)] == "New Year's Day (observed)"  # 2022-01-01 is a Saturday
    assert days[dt.date(2021, 11, 25)] == "Thanksgiving Day"
    assert len(days) == 11 + 4  # eleven holidays, four of them on a weekend


def test_federal_holidays_across_the_statute_history() -> None:
    assert dt.date(2022, 6, 20) in cal.federal_holidays(2022)  # Juneteenth on a Sunday -> Monday
    assert dt.date(2021, 12, 31) not in cal.federal_holidays(2022)  # belongs to 2021
    assert cal.federal_holiday(dt.date(2020, 6, 19)) is None  # before Pub. L. 117-17
    assert cal.federal_holiday(dt.date(1985, 1, 21)) is None  # before the first MLK Day (1986)
    assert cal.federal_holiday(dt.date(1986, 1, 20)) == "Birthday of Martin Luther King, Jr."
    assert cal.federal_holiday(dt.date(1977, 10, 24)) == "Veterans Day"  # fourth Monday of October, 1971-1977
    assert cal.federal_holiday(dt.date(1977, 11, 11)) is None
    assert cal.federal_holiday(dt.date(1978, 11, 10)) == "Veterans Day (observed)"  # Nov 11 1978 is a Saturday
    assert cal.federal_holiday(dt.date(2007, 12, 24)) is None  # a one-day closure by executive order, not 6103
    assert [d.day for d in cal.federal_holidays(2026) if d.month == 5] == [25]  # last Monday of May
    assert cal.thanksgiving_day(2022) == dt.date(2022, 11, 24) and cal.thanksgiving_day(2023) == dt.date(2023, 11, 23)
    assert cal.nth_weekday(2021, 2, cal.MONDAY, 3) == dt.date(2021, 2, 15)
    assert cited(cal.federal_holidays)[0] == "5 U.S.C. 6103(a)"
    with pytest.raises(RuleError, match="computed from 1971"):
        cal.federal_holiday(dt.date(1970, 7, 3))


def test_business_days_and_the_one_business_day_callback() -> None:
    assert not cal.is_business_day(dt.date(2022, 12, 26))  # Christmas observed (Monday)
    assert not cal.is_business_day(dt.date(2022, 12, 24))  # Saturday
    assert cal.is_business_day(dt.date(2022, 12, 27))
    assert cal.add_business_days(dt.date(2022, 12, 23), 1) == dt.date(2022, 12, 27)  # Fri -> Sat, Sun, Mon (observed)
    assert cal.add_business_days(dt.date(2022, 12, 23), 0) == dt.date(2022, 12, 23)
    with pytest.raises(RuleError):
        cal.add_business_days(dt.date(2022, 12, 23), -1)
    # left Wed 2022-11-23 15:00 ET; Thanksgiving Thu 24; Fri 25 is the business day; ends 24:00 = Nov 26 00:00 EST
    assert cal.business_days_deadline(_t(2022, 11, 23, 15), 1, NY).isoformat() == "2022-11-26T00:00:00-05:00"
    # 03:30Z on Nov 24 is still Nov 23 in Los Angeles (19:30 PST): the caller's zone decides the day
    assert cal.business_days_deadline(_t(2022, 11, 24, 3, 30, tz=UTC), 1, LA).isoformat() == "2022-11-26T00:00:00-08:00"


# --- text -------------------------------------------------------------------------------------------------------


def test_parse_messages_name_the_option_quote_the_value_and_give_an_example() -> None:
    with pytest.raises(ConfigError) as exc:
        cal.parse_instant("2021-13-01T10:00", "--received")
    assert str(exc.value) == ("--received: not an ISO 8601 date-time: '2021-13-01T10:00' "
                              "(e.g. 2021-03-12T09:30 or 2021-03-12T09:30-05:00)")
    with pytest.raises(ConfigError) as exc:
        cal.parse_instant("2022-01-04T09:00:00", "--failure-start", offset="required")
    assert str(exc.value) == "--failure-start: needs a UTC offset: '2022-01-04T09:00:00' (e.g. 2021-03-12T09:30-05:00)"
    with pytest.raises(ConfigError) as exc:
        cal.parse_date("2021-02-30", "--on")
    assert str(exc.value) == "--on: not an ISO 8601 date: '2021-02-30' (e.g. 2021-03-20)"
    with pytest.raises(InputError) as cell:
        cal.parse_date("yesterday", cal.Cell("cases.csv", 2, "received"))
    assert (cell.value.file, cell.value.row, cell.value.field) == ("cases.csv", 2, "received")
    assert cell.value.reason == "not an ISO 8601 date: 'yesterday' (e.g. 2021-03-20)"


def test_parse_accepts_iso_8601() -> None:
    assert cal.parse_date(" 2024-02-29 ") == dt.date(2024, 2, 29)
    assert cal.parse_instant("2021-03-12T09:30") == dt.datetime(2021, 3, 12, 9, 30)
    assert cal.parse_instant("2021-03-12T09:30Z", offset="required") == _t(2021, 3, 12, 9, 30, tz=UTC)
    assert cal.parse_local_date("2021-03-12", NY) == dt.date(2021, 3, 12)
    assert cal.parse_local_date("2021-03-13T03:00:00Z", NY) == dt.date(2021, 3, 12)  # 22:00 EST the day before
    assert cal.parse_local_date("2021-03-13T03:00", NY) == dt.date(2021, 3, 13)
    assert cal.parse_zone(" America/Chicago ").key == "America/Chicago"


@pytest.mark.parametrize(("text", "expected"), [
    ("P15D", dt.timedelta(days=15)), ("PT72H", dt.timedelta(hours=72)), ("P1DT12H", dt.timedelta(days=1, hours=12)),
    ("P2W", dt.timedelta(days=14)), ("PT1.5H", dt.timedelta(minutes=90)), ("pt90m", dt.timedelta(minutes=90)),
    ("PT0,5S", dt.timedelta(milliseconds=500)), ("P0D", dt.timedelta(0)),
])
def test_parse_duration(text: str, expected: dt.timedelta) -> None:
    assert cal.parse_duration(text) == expected


@pytest.mark.parametrize(("text", "reason"), [
    ("P", "not an ISO 8601 duration: 'P'"), ("PT", "not an ISO 8601 duration: 'PT'"),
    ("P1DT", "not an ISO 8601 duration: 'P1DT'"), ("15 days", "not an ISO 8601 duration: '15 days'"),
    ("-P1D", "not an ISO 8601 duration: '-P1D'"),
    ("P1M", "not a fixed-length duration: 'P1M' (years and months vary"),
    ("P1Y2D", "not a fixed-length duration: 'P1Y2D'"),
])
def test_parse_duration_refuses_with_the_value(text: str, reason: str) -> None:
    with pytest.raises(ConfigError) as exc:
        cal.parse_duration(text, "--state-override")
    assert str(exc.value).startswith(f"--state-override: {reason}")


def test_format_duration() -> None:
    assert cal.format_duration(dt.timedelta(days=15)) == "P15D"
    assert cal.format_duration(dt.timedelta(days=2), in_hours=True) == "PT48H"
    assert cal.format_duration(dt.timedelta(days=1, hours=12)) == "P1DT12H"
    assert cal.format_duration(dt.timedelta(minutes=1, seconds=30)) == "PT1M30S"
    assert cal.format_duration(dt.timedelta(0)) == "PT0S"


# --- properties -------------------------------------------------------------------------------------------------

instants = st.datetimes(min_value=dt.datetime(1972, 1, 2), max_value=dt.datetime(2037, 12, 30)).map(
    lambda t: t.replace(tzinfo=UTC))
zones = st.sampled_from(ZONES)
dates = st.dates(min_value=dt.date(1972, 1, 1), max_value=dt.date(2099, 12, 1))


@settings(max_examples=300, deadline=None)
@given(t=instants, zone=zones)
def test_a_local_wall_time_reads_back_to_its_instant_or_the_earlier_of_two(t: dt.datetime, zone: str) -> None:
    wall = t.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    assert cal.wall_kind(wall, zone) != "gap"  # a wall time that some instant shows exists
    back = cal.local_instant(wall, zone)
    assert back.replace(tzinfo=None) == wall
    if cal.wall_kind(wall, zone) == "valid":
        assert cal.utc(back) == t
    else:
        assert cal.utc(back) <= t
        assert cal.utc(cal.local_instant(wall.replace(fold=1), zone)) == cal.utc(back)


@settings(max_examples=300, deadline=None)
@given(t=instants, zone=zones, minutes=st.integers(-180, 180))
def test_shifted_wall_times_never_move_backwards(t: dt.datetime, zone: str, minutes: int) -> None:
    wall = t.astimezone(ZoneInfo(zone)).replace(tzinfo=None) + dt.timedelta(minutes=minutes)
    kind = cal.wall_kind(wall, zone)
    shifted = cal.local_instant(wall, zone, gap="shift")
    assert shifted.replace(tzinfo=None) >= wall
    assert (shifted.replace(tzinfo=None) == wall) == (kind != "gap")
    if kind == "gap":
        with pytest.raises(RuleError, match="does not exist in"):
            cal.local_instant(wall, zone)


@settings(max_examples=200, deadline=None)
@given(t=instants, zone=zones, hours=st.floats(0, 2000, allow_nan=False))
def test_hours_are_exact_elapsed_time(t: dt.datetime, zone: str, hours: float) -> None:
    due = cal.add_hours(t.astimezone(ZoneInfo(zone)), hours)
    assert cal.utc(due) - t == dt.timedelta(hours=hours)
    assert due.tzinfo == ZoneInfo(zone)


@settings(max_examples=200, deadline=None)
@given(t=instants, zone=zones, days=st.integers(0, 400), roll=st.sampled_from(["none", "forward"]))
def test_day_limits_end_on_the_counted_local_date(t: dt.datetime, zone: str, days: int, roll: cal.Roll) -> None:
    due = cal.calendar_days_deadline(t, days, zone, at=EOD, roll=roll)
    counted = cal.local_date(t, zone) + dt.timedelta(days=days)
    if roll == "none":
        assert due.date() == counted
    else:
        assert due.date() >= counted and cal.is_business_day(due.date())
        assert all(not cal.is_business_day(counted + dt.timedelta(days=k)) for k in range((due.date() - counted).days))
    assert cal.utc(due) >= t or due.date() == counted == cal.local_date(t, zone)  # never before the start's day ends


@settings(max_examples=200, deadline=None)
@given(day=dates, n=st.integers(0, 30))
def test_add_business_days_counts_exactly_n(day: dt.date, n: int) -> None:
    end = cal.add_business_days(day, n)
    between = [day + dt.timedelta(days=k) for k in range(1, (end - day).days + 1)]
    assert sum(cal.is_business_day(d) for d in between) == n
    assert n == 0 or cal.is_business_day(end)


@settings(max_examples=300, deadline=None)
@given(day=dates, months=st.integers(-240, 240))
def test_add_months_moves_the_month_and_clamps_the_day(day: dt.date, months: int) -> None:
    later = cal.add_months(day, months)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months
    assert later.day == min(day.day, cal.days_in_month(later.year, later.month))
    if day.day <= 28:
        assert cal.add_months(later, -months) == day


@given(year=st.integers(1971, 2200))
def test_each_year_has_its_holidays_once_and_in_lieu_days_on_weekdays(year: int) -> None:
    days = cal.federal_holidays(year)
    names = [n for n in days.values() if not n.endswith("(observed)")]
    expected = 9 + (year >= 1986) + (year >= 2021)
    # New Year's Day is named once per year; the others too (an in-lieu day carries "(observed)")
    assert len(names) == expected and len(set(names)) == expected
    assert all(d.year == year for d in days)
    assert all(d.weekday() < cal.SATURDAY for d, n in days.items() if n.endswith("(observed)"))
    for d, n in days.items():
        if d.weekday() == cal.SATURDAY and n != "New Year's Day":
            assert days[d - dt.timedelta(days=1)] == f"{n} (observed)"


@settings(max_examples=200, deadline=None)
@given(ts=st.lists(instants, min_size=1, max_size=5), zone=zones)
def test_later_of_is_the_maximum_instant(ts: list[dt.datetime], zone: str) -> None:
    shown = [t.astimezone(ZoneInfo(zone)) for t in ts]
    assert cal.utc(cal.later_of(*shown)) == max(ts)
    assert cal.utc(cal.earlier_of(*shown)) == min(ts)
    assert cal.later_of(*shown) in shown


@given(td=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=3650)))
def test_duration_text_round_trips(td: dt.timedelta) -> None:
    whole = dt.timedelta(seconds=int(td.total_seconds()))
    assert cal.parse_duration(cal.format_duration(whole)) == whole
    assert cal.parse_duration(cal.format_duration(whole, in_hours=True)) == whole


@given(t=instants, zone=zones)
def test_instant_text_round_trips(t: dt.datetime, zone: str) -> None:
    shown = t.astimezone(ZoneInfo(zone))
    assume(shown.utcoffset() is not None)
    assert cal.parse_instant(shown.isoformat(), offset="required") == t
