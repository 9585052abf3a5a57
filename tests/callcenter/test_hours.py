"""§ 422.111(h)(1)(i)(B), § 423.128(d)(1)(i)(A): hours across time zones, closure seasons, callbacks (hand-computed)."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partcd.callcenter.rules.hours import (
    IvrMessage,
    TimeWindow,
    callback_due,
    check_callbacks,
    check_coverage,
    closure_rule,
    federal_holiday,
    is_business_day,
    merge,
    required_windows,
    subtract,
    thanksgiving_day,
)
from partcd.core.citation import cited
from partcd.core.errors import ConfigError, ParameterError, RuleError
from partcd.platform.params import load_params

PS = load_params("callcenter", dt.date(2022, 1, 1))
ET = ZoneInfo("America/New_York")
PT = ZoneInfo("America/Los_Angeles")
UTC = dt.UTC
ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
         "America/Anchorage", "Pacific/Honolulu", "America/Puerto_Rico", "Pacific/Guam"]


def _z(y: int, mo: int, d: int, h: int, mi: int = 0, tz: dt.tzinfo = UTC) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, tzinfo=tz)


def _w(start: dt.datetime, end: dt.datetime) -> TimeWindow:
    return TimeWindow(start=start, end=end)


# --- calendars -------------------------------------------------------------------------------------


def test_juneteenth_is_a_federal_holiday_from_2021_only() -> None:
    assert federal_holiday(dt.date(2020, 6, 19)) is None
    assert "Juneteenth" in (federal_holiday(dt.date(2021, 6, 19)) or "")
    assert "Juneteenth" in (federal_holiday(dt.date(2021, 6, 18)) or "")  # Saturday -> observed Friday
    assert "Juneteenth" in (federal_holiday(dt.date(2022, 6, 20)) or "")  # Sunday -> observed Monday


def test_thanksgiving_is_the_fourth_thursday() -> None:
    assert [thanksgiving_day(y) for y in (2021, 2022, 2023, 2024)] == [
        dt.date(2021, 11, 25), dt.date(2022, 11, 24), dt.date(2023, 11, 23), dt.date(2024, 11, 28)]


def test_business_days() -> None:
    assert is_business_day(dt.date(2022, 11, 25))  # Friday after Thanksgiving
    assert not is_business_day(dt.date(2022, 11, 24))  # Thanksgiving
    assert not is_business_day(dt.date(2022, 11, 26))  # Saturday
    assert not is_business_day(dt.date(2022, 12, 26))  # Christmas observed


# --- seasons and closures ------------------------------------------------------------------------------


def test_thanksgiving_in_oct_mar_season_may_close() -> None:
    r = closure_rule(dt.date(2022, 11, 24), PS)
    assert (r.season, r.season_start, r.season_end, r.allowed, r.reasons) == (
        "oct_mar", dt.date(2022, 10, 1), dt.date(2023, 3, 31), True, ("Thanksgiving Day",))


def test_oct_mar_weekends_and_other_holidays_may_not_close() -> None:
    assert not closure_rule(dt.date(2022, 11, 26), PS).allowed  # Saturday
    assert not closure_rule(dt.date(2022, 11, 11), PS).allowed  # Veterans Day
    assert not closure_rule(dt.date(2022, 12, 26), PS).allowed  # Christmas observed is not Christmas Day
    assert closure_rule(dt.date(2022, 12, 25), PS).reasons == ("Christmas Day",)


def test_jan_to_mar_belongs_to_the_season_that_began_the_previous_october() -> None:
    r = closure_rule(dt.date(2022, 2, 14), PS)
    assert (r.season, r.season_start, r.season_end) == ("oct_mar", dt.date(2021, 10, 1), dt.date(2022, 3, 31))
    new_year = closure_rule(dt.date(2022, 1, 1), PS)  # a Saturday and a Federal holiday, but in Oct-Mar
    assert (new_year.season_start, new_year.allowed) == (dt.date(2021, 10, 1), False)
    assert closure_rule(dt.date(2022, 3, 31), PS).season == "oct_mar"
    assert closure_rule(dt.date(2022, 4, 1), PS).season == "apr_sep"
    assert closure_rule(dt.date(2022, 9, 30), PS).season_end == dt.date(2022, 9, 30)
    assert closure_rule(dt.date(2022, 10, 1), PS).season_start == dt.date(2022, 10, 1)


def test_juneteenth_in_apr_sep_may_close() -> None:
    r = closure_rule(dt.date(2022, 6, 20), PS)
    assert r.season == "apr_sep" and r.allowed and r.reasons[0].startswith("Federal holiday: Juneteenth")
    assert closure_rule(dt.date(2021, 6, 18), PS).allowed
    assert not closure_rule(dt.date(2020, 6, 19), PS).allowed  # a Friday before Juneteenth existed
    assert closure_rule(dt.date(2022, 4, 2), PS).reasons == ("Saturday",)
    assert closure_rule(dt.date(2022, 7, 4), PS).allowed


def test_broken_season_table_is_refused() -> None:
    gap = [{"season": "x", "from_month_day": "10-01", "through_month_day": "03-30",
            "allowed_closures": [], "requires_ivr_messages": True},
           {"season": "y", "from_month_day": "04-01", "through_month_day": "09-30",
            "allowed_closures": [], "requires_ivr_messages": True}]
    with pytest.raises(ParameterError, match="03-31 is in 0 seasons"):
        closure_rule(dt.date(2022, 1, 3), PS.with_overrides({"closure_seasons_table": gap}))
    with pytest.raises(ParameterError, match="open_from_time must be before"):
        closure_rule(dt.date(2022, 1, 3), PS.with_overrides({"open_from_time": "21:00"}))


# --- required windows ------------------------------------------------------------------------------------


def test_eastern_plus_pacific_must_open_0800_to_2300_eastern() -> None:
    (w,) = required_windows(dt.date(2022, 3, 14), ["America/New_York", "America/Los_Angeles"], PS)
    assert (w.start.astimezone(ET), w.end.astimezone(ET)) == (_z(2022, 3, 14, 8, tz=ET), _z(2022, 3, 14, 23, tz=ET))
    assert w.minutes == 900


@pytest.mark.parametrize(
    ("day", "zones", "start_utc", "end_utc"),
    [
        # spring forward (Sunday in Oct-Mar: no closure): 08:00 EDT = 12:00Z, 20:00 PDT = 03:00Z
        (dt.date(2022, 3, 13), ["America/New_York"], _z(2022, 3, 13, 12), _z(2022, 3, 14, 0)),
        (dt.date(2022, 3, 13), ["America/New_York", "America/Los_Angeles"], _z(2022, 3, 13, 12), _z(2022, 3, 14, 3)),
        # fall back: 08:00 EST = 13:00Z, 20:00 EST = 01:00Z
        (dt.date(2022, 11, 6), ["America/New_York"], _z(2022, 11, 6, 13), _z(2022, 11, 7, 1)),
        # Arizona keeps MST: 14 h in winter (13:00Z-03:00Z), 15 h in summer (12:00Z-03:00Z)
        (dt.date(2022, 1, 10), ["America/New_York", "America/Phoenix"], _z(2022, 1, 10, 13), _z(2022, 1, 11, 3)),
        (dt.date(2022, 7, 11), ["America/New_York", "America/Phoenix"], _z(2022, 7, 11, 12), _z(2022, 7, 12, 3)),
        (dt.date(2022, 3, 13), ["America/Phoenix", "America/New_York"], _z(2022, 3, 13, 12), _z(2022, 3, 14, 3)),
    ],
)
def test_dst_days_and_zones(day: dt.date, zones: list[str], start_utc: dt.datetime, end_utc: dt.datetime) -> None:
    (w,) = required_windows(day, zones, PS)
    assert (w.start, w.end) == (start_utc, end_utc)


def test_guam_and_eastern_are_two_disjoint_windows() -> None:
    ws = required_windows(dt.date(2022, 1, 10), ["Pacific/Guam", "America/New_York"], PS)
    assert [(w.start, w.end) for w in ws] == [(_z(2022, 1, 9, 22), _z(2022, 1, 10, 10)),
                                                (_z(2022, 1, 10, 13), _z(2022, 1, 11, 1))]
    assert sum(w.minutes for w in ws) == 1440


def test_allowed_closure_needs_ivr_messages() -> None:
    assert required_windows(dt.date(2022, 11, 24), ["America/New_York"], PS) == ()
    (w,) = required_windows(dt.date(2022, 11, 24), ["America/New_York"], PS, after_hours_messaging=False)
    assert w.minutes == 720


def test_bad_zones() -> None:
    with pytest.raises(ConfigError, match="unknown IANA time zone 'Mars/Olympus'"):
        required_windows(dt.date(2022, 3, 14), ["Mars/Olympus"], PS)
    with pytest.raises(RuleError, match="at least one time zone"):
        required_windows(dt.date(2022, 3, 14), [], PS)


# --- coverage ---------------------------------------------------------------------------------------------


def test_coverage_open_until_2200_eastern_misses_an_hour_of_pacific() -> None:
    schedule = [_w(_z(2022, 3, 14, 8, tz=ET), _z(2022, 3, 14, 22, tz=ET))]
    (day,) = check_coverage(schedule, ["America/New_York", "America/Los_Angeles"], dt.date(2022, 3, 14),
                            dt.date(2022, 3, 14), PS)
    assert (day.required_min, day.covered_min, day.uncovered_min) == (900, 840, 60)
    assert day.coverage_pct == pytest.approx(93.3333333)
    assert [(w.start, w.end) for w in day.uncovered] == [(_z(2022, 3, 15, 2), _z(2022, 3, 15, 3))]
    assert (day.verdict.compliant, day.verdict.limit, day.verdict.comparison) == (False, 0, "<=")
    assert "42 CFR 422.111(h)(1)(i)(B)" in day.verdict.citation


def test_coverage_over_thanksgiving_week() -> None:
    # open 07:00-21:00 Eastern on weekdays only; Wed 23 to Sat 26 November 2022
    schedule = [_w(_z(2022, 11, d, 7, tz=ET), _z(2022, 11, d, 21, tz=ET)) for d in (21, 22, 23, 25)]
    days = check_coverage(schedule, ["America/New_York"], dt.date(2022, 11, 23), dt.date(2022, 11, 26), PS)
    assert [(d.date.day, d.required_min, d.uncovered_min, d.closure_applied, d.verdict.compliant) for d in days] == [
        (23, 720, 0, False, True),
        (24, 0, 0, True, True),  # Thanksgiving: closed, allowed
        (25, 720, 0, False, True),
        (26, 720, 720, False, False),  # Saturday in Oct-Mar must be open
    ]
    assert days[1].coverage_pct is None


def test_coverage_refuses_reversed_period() -> None:
    with pytest.raises(RuleError, match="ends"):
        check_coverage([], ["America/New_York"], dt.date(2022, 3, 2), dt.date(2022, 3, 1), PS)


def test_merge_and_subtract() -> None:
    a = _w(_z(2022, 1, 1, 8), _z(2022, 1, 1, 10))
    b = _w(_z(2022, 1, 1, 10), _z(2022, 1, 1, 12))
    c = _w(_z(2022, 1, 1, 9), _z(2022, 1, 1, 9, 30))
    assert [(w.start.hour, w.end.hour) for w in merge([b, c, a])] == [(8, 12)]
    holes = subtract([_w(_z(2022, 1, 1, 8), _z(2022, 1, 1, 20))], [_w(_z(2022, 1, 1, 9), _z(2022, 1, 1, 10)),
                                                                   _w(_z(2022, 1, 1, 12), _z(2022, 1, 1, 21))])
    assert [(w.start.hour, w.end.hour) for w in holes] == [(8, 9), (10, 12)]


# --- IVR callbacks --------------------------------------------------------------------------------------


def test_thanksgiving_message_due_end_of_friday() -> None:
    due = callback_due(_z(2022, 11, 24, 10, tz=ET), "America/New_York", PS)
    assert due == _z(2022, 11, 26, 0, tz=ET)


def test_callback_deadline_is_in_the_callers_local_time() -> None:
    # Thursday 23:30 Pacific = Friday 02:30 Eastern: the caller's Thursday makes Friday the business day
    left = _z(2022, 11, 24, 23, 30, tz=PT)
    assert callback_due(left, "America/Los_Angeles", PS) == _z(2022, 11, 26, 0, tz=PT)
    assert callback_due(left, "America/New_York", PS) == _z(2022, 11, 29, 0, tz=ET)


def test_check_callbacks_over_independence_day_weekend() -> None:
    # Saturday 2 July 2022 (Apr-Sep, closed): Sunday, Monday 4 July holiday -> Tuesday 5 July is the business day
    left = _z(2022, 7, 2, 11, tz=ET)
    msgs = [
        IvrMessage(message_id="m1", left_at=left, caller_time_zone="America/New_York",
                   returned_at=_z(2022, 7, 5, 17, tz=ET)),
        IvrMessage(message_id="m2", left_at=left, caller_time_zone="America/New_York",
                   returned_at=_z(2022, 7, 6, 9, tz=ET)),
        IvrMessage(message_id="m3", left_at=left, caller_time_zone="America/New_York"),
    ]
    report = check_callbacks(msgs, PS, as_of=_z(2022, 7, 5, 20, tz=ET))
    assert [(c.due_by, c.on_time, c.late_by_min) for c in report.checks] == [
        (_z(2022, 7, 6, 0, tz=ET), True, 0.0), (_z(2022, 7, 6, 0, tz=ET), False, 540.0),
        (_z(2022, 7, 6, 0, tz=ET), None, None)]
    assert (report.late, report.pending, report.verdict.measured, report.verdict.compliant) == (1, 1, 1.0, False)
    later = check_callbacks(msgs[2:], PS, as_of=_z(2022, 7, 6, 1, tz=ET))
    assert (later.checks[0].on_time, later.checks[0].late_by_min) == (False, 60.0)
    assert check_callbacks([], PS, as_of=left).verdict.compliant is None


def test_public_functions_cite() -> None:
    for fn in (required_windows, check_coverage, closure_rule, callback_due, check_callbacks, federal_holiday):
        assert cited(fn)


# --- properties ---------------------------------------------------------------------------------------------

DATES = st.dates(min_value=dt.date(2021, 1, 1), max_value=dt.date(2030, 12, 31))
ZONE_SETS = st.lists(st.sampled_from(ZONES), min_size=1, max_size=4, unique=True)


@given(day=DATES, tz=st.sampled_from(ZONES))
def test_one_zone_requires_720_minutes_or_nothing(day: dt.date, tz: str) -> None:
    mins = sum(w.minutes for w in required_windows(day, [tz], PS))
    assert mins == (0 if closure_rule(day, PS).allowed else 720)


@settings(max_examples=60)
@given(day=DATES, zones=ZONE_SETS)
def test_union_bounds_and_order_invariance(day: dt.date, zones: list[str]) -> None:
    ws = required_windows(day, zones, PS, after_hours_messaging=False)
    total = sum(w.minutes for w in ws)
    assert 720 <= total <= 720 * len(zones)
    assert ws == required_windows(day, list(reversed(zones)), PS, after_hours_messaging=False)
    assert all(a.end < b.start for a, b in itertools.pairwise(ws))


@settings(max_examples=60)
@given(day=DATES, zones=ZONE_SETS)
def test_required_windows_as_schedule_cover_everything(day: dt.date, zones: list[str]) -> None:
    ws = list(required_windows(day, zones, PS))
    (full,) = check_coverage(ws, zones, day, day, PS)
    (none,) = check_coverage([], zones, day, day, PS)
    assert (full.uncovered_min, full.verdict.compliant) == (0, True)
    assert none.uncovered_min == none.required_min == full.required_min


@given(day=DATES)
def test_every_date_has_one_season_containing_it(day: dt.date) -> None:
    r = closure_rule(day, PS)
    assert r.season_start <= day <= r.season_end
    assert (r.season_start.month, r.season_start.day) in {(10, 1), (4, 1)}
    assert (r.season_end - r.season_start).days in {181, 182}  # 182 or 183 days inclusive


@given(day=DATES, hour=st.integers(0, 23), tz=st.sampled_from(ZONES))
def test_callback_due_is_end_of_the_next_business_day(day: dt.date, hour: int, tz: str) -> None:
    left = dt.datetime.combine(day, dt.time(hour), tzinfo=ZoneInfo(tz))
    due = callback_due(left, tz, PS)
    last = due.date() - dt.timedelta(days=1)
    assert due > left and due.time() == dt.time(0, 0) and is_business_day(last)
    gap = day + dt.timedelta(days=1)
    while gap < last:
        assert not is_business_day(gap)
        gap += dt.timedelta(days=1)
