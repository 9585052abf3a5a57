"""Calendar arithmetic, the NPI check digit, episode dates and the rule's date errors (spec §5.1 E1-E3)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from preclusion_strategies import postings
from pydantic import ValidationError

from partcd.core.citation import cited
from partcd.preclusion import pipelines
from partcd.preclusion.rules.dates import (
    add_months,
    add_years,
    luhn_check_digit,
    npi_check_digit_ok,
    period_end_years,
    whole_months,
)
from partcd.preclusion.rules.models import ListPosting
from partcd.preclusion.rules.party import episode_dates, first_permitted_denial, inclusion_timeline, party_dates

P2020 = pipelines.params_at(dt.date(2021, 1, 1))
P2019 = pipelines.params_at(dt.date(2019, 6, 1))


def test_month_arithmetic_clamps_to_the_month_end() -> None:
    assert add_months(dt.date(2020, 1, 31), 1) == dt.date(2020, 2, 29)
    assert add_months(dt.date(2021, 3, 31), -1) == dt.date(2021, 2, 28)
    assert add_months(dt.date(2020, 3, 1), -12) == dt.date(2019, 3, 1)
    assert add_years(dt.date(2020, 2, 29), 10) == dt.date(2030, 2, 28)


def test_ten_year_period_from_the_conviction_e3() -> None:
    """E3: convicted 2 January 2020, added 2 June 2020 -> off on 2 January 2030 = 115 months (9 y 7 m), not 9 y 6 m."""
    end = period_end_years(dt.date(2020, 1, 2), 10)
    assert end == dt.date(2030, 1, 2)
    assert whole_months(dt.date(2020, 6, 2), end) == 115 == 9 * 12 + 7
    assert period_end_years(dt.date(2020, 2, 29), 10) == dt.date(2030, 3, 1)  # the full ten years run
    assert period_end_years(dt.date(2020, 3, 1), 10) == dt.date(2030, 3, 1)


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2080, 12, 31)), st.integers(1, 20))
@example(dt.date(2001, 3, 1), 3)  # the day before the start is 28 February; the end year is a leap year
def test_period_end_is_the_anniversary_or_the_day_after_feb_28(start: dt.date, years: int) -> None:
    end = period_end_years(start, years)
    if (start.month, start.day) == (2, 29) and end.year % 4 != 0:
        assert end == dt.date(start.year + years, 3, 1)
    else:
        assert end == start.replace(year=start.year + years)


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2080, 12, 31)),
       st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2080, 12, 31)))
def test_whole_months_is_the_largest_month_count_not_past_the_end(start: dt.date, end: dt.date) -> None:
    if end < start:
        start, end = end, start
    months = whole_months(start, end)
    assert add_months(start, months) <= end
    assert add_months(start, months + 1) > end or add_months(start, months + 1).day < start.day


def test_npi_check_digit() -> None:
    assert npi_check_digit_ok("1234567893")  # CMS's documented example
    assert not npi_check_digit_ok("1234567890")
    assert not npi_check_digit_ok("123456789")
    assert not npi_check_digit_ok("12345678X3")
    assert not npi_check_digit_ok("١٢٣٤٥٦٧٨٩٣")  # non-ASCII digits
    assert luhn_check_digit("123456789") == "3"


@given(st.integers(100_000_000, 299_999_999), st.integers(1, 9))
def test_a_changed_check_digit_always_fails(body: int, shift: int) -> None:
    npi = f"{body}{luhn_check_digit(str(body))}"
    assert npi_check_digit_ok(npi)
    assert not npi_check_digit_ok(npi[:9] + str((int(npi[9]) + shift) % 10))


def test_inclusion_timeline_e1_e2() -> None:
    """E1: July 29 + 60 days is September 27 (the rule says 28); E2: the sequential path is 300 days, not 'nearly 9 months'."""
    seq = inclusion_timeline(dt.date(2019, 3, 1), P2020, joint_appeal=False)
    assert [m.date for m in seq.milestones] == [dt.date(2019, 3, 1), dt.date(2019, 4, 30), dt.date(2019, 7, 29),
                                               dt.date(2019, 9, 27), dt.date(2019, 12, 26), dt.date(2019, 12, 26)]
    assert seq.elapsed_days == 300
    assert (dt.date(2019, 12, 27) - dt.date(2019, 3, 1)).days == 301  # the rule's own dates
    assert add_months(dt.date(2019, 3, 1), 9) < dt.date(2019, 12, 26)  # more than 9 months, not "nearly 9"
    joint = inclusion_timeline(dt.date(2019, 3, 1), P2020, joint_appeal=True)
    assert (joint.placed_on_list, joint.elapsed_days) == (dt.date(2019, 7, 29), 150)
    assert joint.placed_on_list < add_months(dt.date(2019, 3, 1), 5)  # "no more than 5 months"
    assert "42 CFR 498.5(n)(1)" in cited(inclusion_timeline)


def _posting(**changes: object) -> ListPosting:
    data: dict[str, object] = {"npi": "1234567893", "party_name": "Synthetic Party", "basis": "revoked",
                               "effective_date": dt.date(2020, 3, 1), "list_posting_date": dt.date(2020, 3, 1),
                               "reenrollment_bar_end": dt.date(2023, 3, 1)}
    data.update(changes)
    return ListPosting.model_validate(data)


@pytest.mark.parametrize(("changes", "message"), [
    ({"npi": "123456789"}, "10 digits"),
    ({"basis": "felony"}, "felony_conviction_date"),
    ({"basis": "felony", "felony_conviction_date": dt.date(2020, 4, 1)}, "after effective_date"),
    ({"oig_excluded": True}, "oig_exclusion_date is missing"),
    ({"oig_exclusion_date": dt.date(2020, 1, 1)}, "oig_excluded is not true"),
    ({"oig_excluded": True, "oig_exclusion_date": dt.date(2020, 1, 1), "oig_reinstatement_date": dt.date(2019, 1, 1)},
     "before oig_exclusion_date"),
    ({"basis": "suspended"}, "basis"),
])
def test_bad_postings_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _posting(**changes)


def test_shortened_end_that_is_not_shorter_is_ignored_and_said() -> None:
    e = episode_dates(_posting(cms_shortened_end=dt.date(2024, 1, 1)), P2020)
    assert e.period_end == dt.date(2023, 3, 1)
    assert "not shorter: ignored" in e.end_rule
    assert episode_dates(_posting(cms_shortened_end=dt.date(2022, 1, 1)), P2020).period_end == dt.date(2022, 1, 1)


def test_last_day_on_reading_adds_a_day_to_file_end_dates_only() -> None:
    params = P2020.model_copy(update={"input_end_dates_text": "last_day_on"})
    assert episode_dates(_posting(), params).period_end == dt.date(2023, 3, 2)
    felony = _posting(basis="felony", felony_conviction_date=dt.date(2020, 1, 2))
    assert episode_dates(felony, params).period_end == dt.date(2030, 1, 2)  # computed, not read from the file


@settings(max_examples=300)
@given(postings(), st.sampled_from([P2019, P2020]), st.sampled_from([None, dt.date(2020, 3, 15), dt.date(2021, 8, 1)]),
       st.sampled_from(["MA", "PART_D"]))
def test_first_permitted_denial_never_before_effective_date_or_posting(posting: ListPosting, params: object,
                                                                       notice: dt.date | None, program: str) -> None:
    assert isinstance(params, type(P2020))
    e = episode_dates(posting, params)
    deny_from = first_permitted_denial(posting, e, program, notice, params)  # type: ignore[arg-type]
    assert deny_from >= e.effective_date and deny_from >= posting.list_posting_date
    if program in params.notice_required_before_denial_programs_list and notice is not None \
            and notice >= posting.list_posting_date and posting.list_posting_date > params.initial_list_posting_date_text:
        assert deny_from == max(notice + dt.timedelta(days=params.first_denial_after_notice_calendar_days),
                                e.effective_date, posting.list_posting_date)


@settings(max_examples=300)
@given(postings())
def test_oig_reinstatement_later_than_the_cms_end_extends_the_period(posting: ListPosting) -> None:
    """§422.222(a)(5)(iv): never shorter than the CMS period; with a reinstatement, the later of the two."""
    cms_only = posting.model_copy(update={"oig_excluded": False, "oig_exclusion_date": None, "oig_reinstatement_date": None})
    with_oig = episode_dates(posting, P2020)
    without = episode_dates(cms_only, P2020)
    if not posting.oig_excluded:
        assert with_oig.period_end == without.period_end
    elif posting.oig_reinstatement_date is None or without.period_end is None:
        assert with_oig.period_end is None
    else:
        assert with_oig.period_end == max(without.period_end, posting.oig_reinstatement_date)


def test_party_dates_are_cited_and_report_the_felony_end() -> None:
    dates = party_dates(_posting(basis="felony", felony_conviction_date=dt.date(2020, 1, 2),
                                 effective_date=dt.date(2020, 6, 2), list_posting_date=dt.date(2020, 6, 2)), P2020)
    assert (dates.preclusion_period_end, dates.time_on_list_months) == (dt.date(2030, 1, 2), 115)
    assert "422.222(a)(5)(iii)" in dates.citation
    assert "42 CFR 422.222(a)(5)" in cited(party_dates)
