"""Properties of the pure D-SNP rules (hypothesis) and values read from the period files."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from partcd.core import calendar
from partcd.dsnp.pipelines import params_for_year
from partcd.dsnp.rules.admissions import Admission, NotificationWindow, admission_notice, timeliness
from partcd.dsnp.rules.integration import enrollment_sanction, minimum_integration

P21 = params_for_year(2021)
NY = ZoneInfo("America/New_York")
instants = st.datetimes(min_value=dt.datetime(2021, 1, 1), max_value=dt.datetime(2025, 12, 31), timezones=st.just(dt.UTC))
windows = st.builds(NotificationWindow, value=st.integers(1, 60),
                    unit=st.sampled_from(["hours", "calendar_days", "business_days"]),
                    zone=st.sampled_from(["America/New_York", "America/Chicago", "America/Los_Angeles", "Pacific/Honolulu"]))


@settings(max_examples=300, deadline=None)
@given(admitted=instants, window=windows, delay_h=st.floats(0, 2000))
def test_a_notice_is_on_time_exactly_when_sent_by_the_due_time(admitted: dt.datetime, window: NotificationWindow,
                                                                 delay_h: float) -> None:
    sent = admitted + dt.timedelta(hours=delay_h)
    notice = admission_notice(Admission(setting="hospital", admitted_at=admitted, notified_at=sent), window, P21, sent)
    assert notice.due is not None and notice.start is not None
    assert calendar.utc(notice.due) > calendar.utc(admitted)
    assert notice.state == ("on_time" if calendar.utc(sent) <= calendar.utc(notice.due) else "late")
    if window.unit == "hours":
        assert calendar.utc(notice.due) - calendar.utc(admitted) == dt.timedelta(hours=window.value)
    else:  # day windows end at 23:59:59 local, at least `value` local days after the admission's local date
        local = notice.due.astimezone(calendar.zone_of(window.zone))
        assert local.time() == dt.time(23, 59, 59)
        assert (local.date() - calendar.local_date(admitted, window.zone)).days >= window.value
        if window.unit == "business_days":
            assert calendar.is_business_day(local.date())


@settings(max_examples=200, deadline=None)
@given(states=st.lists(st.sampled_from(["on_time", "late", "open", "overdue", "not_required"]), max_size=40))
def test_timeliness_counts_add_up(states: list[str]) -> None:
    notices = [{"required": s != "not_required", "reason": "r", "start": None, "due": None, "state": s, "hours_late": None,
                "window": "w", "citation": "c"} for s in states]
    from partcd.dsnp.rules.admissions import AdmissionNotice

    t = timeliness([AdmissionNotice.model_validate(n) for n in notices])
    assert t.on_time + t.late + t.open + t.overdue == t.required == sum(s != "not_required" for s in states)
    assert t.compliant == (t.late == 0 and t.overdue == 0)
    decided = t.on_time + t.late + t.overdue
    assert t.on_time_pct == (round(100 * t.on_time / decided, 2) if decided else None)


@given(fide=st.booleans(), hide=st.booleans(), term=st.booleans(), year=st.integers(2021, 2030))
def test_one_or_more_criteria_and_the_sanction_follows(fide: bool, hide: bool, term: bool, year: int) -> None:
    params = params_for_year(year)
    test = minimum_integration(year, params, is_fide=fide, is_hide=hide, admission_term_documented=term)
    assert test.meets == (fide or hide or term)
    sanction = enrollment_sanction(year, test.meets, params)
    # mandatory exactly when no criterion is met in plan years 2021 through 2025 (the 2026 file ends it)
    assert sanction.sanction_mandatory == (not test.meets and year <= 2025)


def test_the_period_files_say_what_changed_in_2026() -> None:
    p26 = params_for_year(2026)
    assert (P21.enrollment_sanction_mandatory_bool.value, p26.enrollment_sanction_mandatory_bool.value) == (True, False)
    assert P21.enrollment_sanction_types_list.value == ("suspension_of_enrollment",)
    assert "422.752(b)" in p26.noncompliance_consequence_text.citation
    assert [t.id for t in P21.contract_terms_table.value] == [t.id for t in p26.contract_terms_table.value]
    assert len(P21.contract_terms_table.value) == 11
    assert P21.term("d_admission_notification").applies_to == "not_fide_or_hide"
    assert P21.admission_day_end_time_of_day.value == dt.time(23, 59, 59)


def test_a_day_window_over_the_fall_back_change_ends_at_local_23_59_59() -> None:
    # admitted Saturday Nov 6, 2021 at 12:00 EDT; 1 calendar day -> Sunday Nov 7 23:59:59 EST (clocks went back at 02:00)
    notice = admission_notice(Admission(setting="hospital", admitted_at=dt.datetime(2021, 11, 6, 12, tzinfo=NY)),
                              NotificationWindow(value=1, unit="calendar_days"), P21, dt.datetime(2021, 11, 6, 13, tzinfo=NY))
    assert notice.due is not None and notice.due.isoformat() == "2021-11-07T23:59:59-05:00"
