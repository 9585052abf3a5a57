"""Clock engine (§§ 422.629-422.634, 423.568-423.572): the timeframe table is complete and cited, plus properties.

Properties: a deadline never exceeds receipt + the outside limit; expedited <= standard; an extension only
lengthens, by exactly the extension (local wall clock); deadlines are monotone in the receipt time; the Part D
exception deadline follows the final § 423.568(b) (the earlier of the statement and the end of day 14, plus the
hours); a State override is accepted iff it is more protective.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from partcd.appeals.rules import (
    TIMEFRAMES,
    AppealsParams,
    Extension,
    Obligation,
    adverse_determination_windows,
    integrated_grievance,
    integrated_organization_determination,
    integrated_reconsideration,
    partd_coverage_determination,
    partd_exception,
    reconsideration_resolution_windows,
    reversal_effectuation,
)
from partcd.core.citation import cited
from partcd.core.errors import RuleError
from partcd.platform.params import area_files, load_params

PARAMS = load_params("appeals", dt.date(2021, 1, 1))
NY = ZoneInfo("America/New_York")
UTC = dt.UTC
SPEC_IDS = [f"T{i}" for i in range(1, 33)] + [f"P{i}" for i in range(1, 6)]
#: The ids issue 11 adds for the standard processes and effectuation (appeals README).
STANDARD_IDS = [f"C{i}" for i in range(1, 27)] + [f"D{i}" for i in range(1, 18)] + [f"E{i}" for i in range(1, 18)]

receipts = st.datetimes(min_value=dt.datetime(2021, 1, 1, 5), max_value=dt.datetime(2030, 12, 31)).map(
    lambda t: t.replace(tzinfo=UTC).astimezone(NY))
gaps = st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=20))


def _by_id(obligations: list[Obligation]) -> dict[str, Obligation]:
    return {o.id: o for o in obligations}


def _u(t: dt.datetime) -> dt.datetime:
    """Instants are compared in UTC (same-zone comparison in Python is by wall clock)."""
    return t.astimezone(UTC)


def _naive(t: dt.datetime) -> dt.datetime:
    return t.astimezone(NY).replace(tzinfo=None)


# --- the table --------------------------------------------------------------------------------------------


def test_every_timeframe_id_of_the_spec_is_in_the_catalogue() -> None:
    assert list(TIMEFRAMES) == SPEC_IDS + STANDARD_IDS


@pytest.mark.parametrize("name", sorted(area_files("appeals")))
def test_every_period_file_cites_exactly_the_timeframes_of_the_table(name: str) -> None:
    """Both ways: each timeframe id in force has its row (paragraph, quote - checked by tests/law), no row is unknown.
    A period without the unified process (2020) has no T rows; every period has the P, C, D and E rows."""
    view = load_params("appeals", area_files("appeals")[name].period_value).typed(AppealsParams)
    wanted = (SPEC_IDS if view.unified_in_force else SPEC_IDS[32:]) + STANDARD_IDS
    assert sorted(row.id for row in view.timeframes_table) == sorted(wanted)


def test_every_limit_key_is_a_typed_parameter() -> None:
    keys = {tf.key for tf in TIMEFRAMES.values() if tf.key}
    assert keys <= set(AppealsParams.model_fields)
    assert set(PARAMS.values) == set(AppealsParams.model_fields)


def test_public_rule_functions_are_cited() -> None:
    for fn in (integrated_grievance, integrated_organization_determination, integrated_reconsideration,
               adverse_determination_windows, reconsideration_resolution_windows, reversal_effectuation,
               partd_coverage_determination, partd_exception):
        assert cited(fn), fn.__name__


def test_hand_worked_standard_iod_over_leap_day() -> None:
    # Feb 15 2024 + 14 calendar days = Feb 29 2024 (leap day), ending 23:59:59 EST.
    t5 = _by_id(integrated_organization_determination(dt.datetime(2024, 2, 15, 8), PARAMS))["T5"]
    assert t5.due.isoformat() == "2024-02-29T23:59:59-05:00"
    assert (t5.cfr, t5.line, t5.params_used) == ("42 CFR 422.631(d)(2)(i)(B)", 2813, {"iod_standard_calendar_days": 14})


def test_naive_time_in_the_repeated_fall_hour_is_the_first_occurrence() -> None:
    # 01:30 on Nov 7 2021 occurs twice in New York; the earlier (EDT) instant is taken: the more protective reading.
    t7 = _by_id(integrated_organization_determination(dt.datetime(2021, 11, 7, 1, 30), PARAMS, expedited=True))["T7"]
    assert t7.start.isoformat() == "2021-11-07T01:30:00-04:00"
    assert t7.due.isoformat() == "2021-11-10T00:30:00-05:00"  # 05:30Z + 72 h = Nov 10 05:30Z = 00:30 EST


def test_unknown_time_zone_is_refused() -> None:
    with pytest.raises(RuleError, match="unknown time zone 'Mars/Olympus'"):
        integrated_grievance(dt.datetime(2021, 5, 1, 9), PARAMS, zone="Mars/Olympus")


def test_override_landing_in_the_repeated_fall_hour_is_compared_as_an_instant() -> None:
    # received Nov 4 2021 01:30 EDT (05:30Z): T7 = Nov 7 05:30Z = 01:30 EDT (first 01:30).
    # 72 h 30 min = Nov 7 06:00Z = 01:00 EST: earlier on the wall clock but 30 minutes LATER - refused.
    received = dt.datetime(2021, 11, 4, 1, 30)
    t7 = _by_id(integrated_organization_determination(received, PARAMS, expedited=True))["T7"]
    assert t7.due.isoformat() == "2021-11-07T01:30:00-04:00"
    with pytest.raises(RuleError, match="less protective"):
        integrated_organization_determination(received, PARAMS, expedited=True,
                                              state_overrides={"T7": dt.timedelta(hours=72, minutes=30)})
    shorter = _by_id(integrated_organization_determination(received, PARAMS, expedited=True,
                                                           state_overrides={"T7": dt.timedelta(hours=71, minutes=45)}))
    assert shorter["T7"].due.isoformat() == "2021-11-07T01:15:00-04:00"


def test_state_override_in_hours_for_a_day_limit_is_refused() -> None:
    with pytest.raises(RuleError, match="whole calendar days"):
        integrated_grievance(dt.datetime(2021, 5, 1, 9), PARAMS, state_overrides={"T2": dt.timedelta(hours=36)})


# --- properties -------------------------------------------------------------------------------------------

DAY = dt.timedelta(days=1)
DST_SLACK = dt.timedelta(hours=1)


def _outer(days: int) -> dt.timedelta:
    """A day limit of N calendar days from receipt ends at most N+1 days after the receipt instant (plus a DST hour)."""
    return days * DAY + DAY + DST_SLACK


@settings(max_examples=150, deadline=None)
@given(received=receipts)
def test_deadline_never_exceeds_receipt_plus_the_outside_limit(received: dt.datetime) -> None:
    ext = Extension(requested_by="enrollee")
    cases: list[tuple[dt.datetime, dt.timedelta]] = [
        (_by_id(integrated_grievance(received, PARAMS))["T2"].due, _outer(30)),
        (_by_id(integrated_grievance(received, PARAMS, extension=ext))["T2"].due, _outer(44)),
        (_by_id(integrated_grievance(received, PARAMS, expedited=True))["T4"].due, dt.timedelta(hours=24)),
        (_by_id(integrated_organization_determination(received, PARAMS))["T5"].due, _outer(14)),
        (_by_id(integrated_organization_determination(received, PARAMS, extension=ext))["T12"].due, _outer(28)),
        (_by_id(integrated_organization_determination(received, PARAMS, expedited=True))["T7"].due, dt.timedelta(hours=72)),
        (_by_id(integrated_organization_determination(received, PARAMS, expedited=True, extension=ext))["T12"].due,
         dt.timedelta(hours=72) + 14 * DAY + DST_SLACK),
        (_by_id(integrated_reconsideration(received, PARAMS))["T16"].due, _outer(30)),
        (_by_id(integrated_reconsideration(received, PARAMS, extension=ext))["T16"].due, _outer(44)),
        (_by_id(integrated_reconsideration(received, PARAMS, expedited=True))["T17"].due, dt.timedelta(hours=72)),
        (partd_coverage_determination(received, PARAMS)[0].due, dt.timedelta(hours=72)),
        (partd_coverage_determination(received, PARAMS, expedited=True)[0].due, dt.timedelta(hours=24)),
        (partd_exception(received, PARAMS)[0].due, _outer(14) + dt.timedelta(hours=72)),
    ]
    start = _u(received)
    for due, limit in cases:
        assert start <= _u(due) <= start + limit


@settings(max_examples=150, deadline=None)
@given(received=receipts, ss_after=gaps)
def test_expedited_never_later_than_standard(received: dt.datetime, ss_after: dt.timedelta) -> None:
    ss = received + ss_after
    pairs = [
        (_by_id(integrated_grievance(received, PARAMS, expedited=True))["T4"],
         _by_id(integrated_grievance(received, PARAMS))["T2"]),
        (_by_id(integrated_organization_determination(received, PARAMS, expedited=True))["T7"],
         _by_id(integrated_organization_determination(received, PARAMS))["T5"]),
        (_by_id(integrated_reconsideration(received, PARAMS, expedited=True))["T17"],
         _by_id(integrated_reconsideration(received, PARAMS))["T16"]),
        (partd_coverage_determination(received, PARAMS, expedited=True)[0], partd_coverage_determination(received, PARAMS)[0]),
        (partd_exception(received, PARAMS, supporting_statement=ss, expedited=True)[0],
         partd_exception(received, PARAMS, supporting_statement=ss)[0]),
    ]
    for fast, slow in pairs:
        assert _u(fast.due) <= _u(slow.due), (fast.id, slow.id)


def _wall(target: dt.datetime, tz: dt.tzinfo | None) -> dt.datetime:
    """The wall-clock time ``target`` in ``tz``, or the first instant after a spring-forward gap it falls in."""
    return _naive(target.replace(tzinfo=tz).astimezone(dt.UTC).astimezone(tz))


@settings(max_examples=150, deadline=None)
@given(received=receipts, days=st.integers(min_value=1, max_value=14), expedited=st.booleans())
@example(received=dt.datetime(2027, 3, 8, 2, 0, tzinfo=NY), days=3, expedited=True)  # lands in the spring-forward gap
@example(received=dt.datetime(2029, 2, 22, 7, 0, tzinfo=dt.UTC).astimezone(NY), days=1, expedited=True)  # 14-day IR gap
def test_extension_lengthens_by_exactly_the_extension(received: dt.datetime, days: int, expedited: bool) -> None:
    ext = Extension(requested_by="enrollee", calendar_days=days)
    base = _by_id(integrated_organization_determination(received, PARAMS, expedited=expedited))["T7" if expedited else "T5"]
    extended = _by_id(integrated_organization_determination(received, PARAMS, expedited=expedited, extension=ext))["T12"]
    assert _naive(extended.due) == _wall(_naive(base.due) + days * DAY, base.due.tzinfo)
    full = Extension(requested_by="enrollee")
    for fn, tf_id in ((integrated_reconsideration, "T17" if expedited else "T16"), (integrated_grievance, "T2")):
        if fn is integrated_grievance and expedited:
            continue
        plain = _by_id(fn(received, PARAMS, expedited=expedited))[tf_id]
        longer = _by_id(fn(received, PARAMS, expedited=expedited, extension=full))[tf_id]
        assert _u(longer.due) > _u(plain.due)
        assert _naive(longer.due) == _wall(_naive(plain.due) + 14 * DAY, plain.due.tzinfo)


@settings(max_examples=150, deadline=None)
@given(first=receipts, gap=gaps, expedited=st.booleans())
def test_deadlines_are_monotone_in_receipt_time(first: dt.datetime, gap: dt.timedelta, expedited: bool) -> None:
    later = first + gap
    for fn in (integrated_grievance, integrated_organization_determination, integrated_reconsideration,
               partd_coverage_determination, partd_exception):
        a = _by_id(fn(first, PARAMS, expedited=expedited))
        b = _by_id(fn(later, PARAMS, expedited=expedited))
        assert a.keys() == b.keys()
        for tf_id in a:
            assert _u(a[tf_id].due) <= _u(b[tf_id].due), (fn.__name__, tf_id)


@settings(max_examples=150, deadline=None)
@given(received=receipts, ss_after=gaps, expedited=st.booleans())
def test_partd_exception_follows_the_final_rule(received: dt.datetime, ss_after: dt.timedelta, expedited: bool) -> None:
    """§ 423.568(b), § 423.572(a) as CMS-4185-F wrote them: hours after the statement, or after the end of day 14
    when none has arrived by then - never earlier than without a statement, and never later than without one."""
    ss = received + ss_after
    hours = dt.timedelta(hours=24 if expedited else 72)
    outer = dt.datetime.combine(received.date() + 14 * DAY, dt.time(23, 59, 59), tzinfo=NY)
    due = partd_exception(received, PARAMS, supporting_statement=ss, expedited=expedited)[0].due
    assert _u(due) == min(_u(ss), _u(outer)) + hours
    assert _u(due) <= _u(partd_exception(received, PARAMS, expedited=expedited)[0].due)
    proposal = PARAMS.with_overrides({"partd_exception_missing_statement_text": "whichever_first"})
    proposed = partd_exception(received, proposal, supporting_statement=ss, expedited=expedited)[0].due
    assert _u(proposed) == min(_u(ss) + hours, _u(outer))  # CMS-4185-P L3266: whichever occurs first
    assert _u(proposed) <= _u(due)


@settings(max_examples=100, deadline=None)
@given(received=receipts, denied_after=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(hours=72)))
def test_denied_expedite_keeps_the_original_receipt_day(received: dt.datetime, denied_after: dt.timedelta) -> None:
    denied = received + denied_after
    iod = _by_id(integrated_organization_determination(received, PARAMS, expedited=True, expedite_denied=denied))
    assert iod["T8"].due == _by_id(integrated_organization_determination(received, PARAMS))["T5"].due
    ir = _by_id(integrated_reconsideration(received, PARAMS, expedited=True, expedite_denied=denied))
    assert ir["T18"].due == _by_id(integrated_reconsideration(received, PARAMS))["T16"].due
    assert _u(iod["T9"].due) >= _u(denied) and _u(ir["T19"].due) >= _u(denied)


@settings(max_examples=100, deadline=None)
@given(received=receipts, expedited=st.booleans(), extended=st.booleans(), denied=st.booleans(),
       affirmed_after=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=10)))
def test_every_obligation_is_due_no_earlier_than_its_start(received: dt.datetime, expedited: bool, extended: bool,
                                                           denied: bool, affirmed_after: dt.timedelta) -> None:
    ext = Extension(requested_by="enrollee", decided=received) if extended else None
    deny = received + dt.timedelta(hours=1) if denied else None
    out = [*integrated_organization_determination(received, PARAMS, expedited=expedited, expedite_denied=deny, extension=ext),
           *integrated_reconsideration(received, PARAMS, expedited=expedited, expedite_denied=deny, extension=ext,
                                       affirmed=received + affirmed_after),
           *adverse_determination_windows(PARAMS, notice_date=received.date(), notice_sent=received),
           *reconsideration_resolution_windows(PARAMS, notice_date=received.date(), notice_sent=received),
           *reversal_effectuation(received, PARAMS)]
    if not expedited:
        out += integrated_grievance(received, PARAMS, extension=ext)
    for o in out:
        assert o.counts == "after" and _u(o.due) >= _u(o.start), o.id
        assert o.due.tzinfo is not None and o.cite.startswith("42 CFR ")


@settings(max_examples=100, deadline=None)
@given(received=receipts, days=st.integers(min_value=1, max_value=60))
def test_state_override_accepted_iff_more_protective(received: dt.datetime, days: int) -> None:
    override = {"T16": dt.timedelta(days=days)}
    default = _by_id(integrated_reconsideration(received, PARAMS))["T16"]
    if days <= 30:
        shorter = _by_id(integrated_reconsideration(received, PARAMS, state_overrides=override))["T16"]
        assert _u(shorter.due) <= _u(default.due) and shorter.state_override == f"P{days}D"
    else:
        with pytest.raises(RuleError, match="less protective"):
            integrated_reconsideration(received, PARAMS, state_overrides=override)
    window = {"T25": dt.timedelta(days=days + 90)}
    if days + 90 >= 120:
        longer = _by_id(reconsideration_resolution_windows(PARAMS, notice_date=received.date(), state_overrides=window))
        default_window = _by_id(reconsideration_resolution_windows(PARAMS, notice_date=received.date()))["T25"]
        assert _u(longer["T25"].due) >= _u(default_window.due)
    else:
        with pytest.raises(RuleError, match="less protective"):
            reconsideration_resolution_windows(PARAMS, notice_date=received.date(), state_overrides=window)


def test_hour_limit_is_elapsed_across_spring_forward_regression() -> None:
    # Found by hypothesis: Mar 7 2024 19:00 EST (Mar 8 00:00Z) + 72 elapsed hours = Mar 11 00:00Z = Mar 10 20:00 EDT,
    # one wall-clock hour later than "Mar 10 19:00" (DST began Mar 10 2024).
    received = dt.datetime(2024, 3, 8, tzinfo=UTC)
    assert partd_coverage_determination(received, PARAMS)[0].due.isoformat() == "2024-03-10T20:00:00-04:00"
