"""§ 423.153(g)(1)(ii), (g)(2) - when extracts come, what period they cover, and which releases a sponsor receives
(4185-P L3107, L3111, L609).

The regulation says only "at least quarterly on a specified release date"; the preamble anticipates about a 3-month
lag after the quarter's last day plus up to 2 months to process and ship, a first extract no earlier than August 15,
2020 covering at least January 1 to March 1, 2020 (E12: the quarter ends March 31), one format and one release date
for every eligible sponsor, and no extract generated retroactively for a sponsor that becomes eligible after a
release date (it receives the next release).

* :func:`expected_window` - the window the preamble's timing gives a quarter's extract;
* :func:`check_calendar` - findings on a CMS release calendar (gaps over 3 months, a first release too early or
  covering too little, data not yet complete when released);
* :func:`releases_received` - RELEASE of the spec (§4.8): the releases a sponsor receives given its request;
* :func:`population_date` - POP's "at the time of the disclosure" (OQ-C3).
"""

from __future__ import annotations

import datetime as dt
import itertools

from pydantic import BaseModel, ConfigDict, model_validator

from partcd.claimsdata.rules.parameters import ClaimsDataParams
from partcd.claimsdata.rules.requests import RequestState, eligible
from partcd.core.calendar import add_months, days_in_month
from partcd.core.citation import Cite, cites
from partcd.core.errors import RuleError


class Release(BaseModel):
    """One CMS release: its date and the period of service dates its data covers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    release_date: dt.date
    period_start: dt.date
    period_end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> Release:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        if self.release_date <= self.period_end:
            raise ValueError("a release comes after the last day of the data it covers")
        return self


class Window(BaseModel):
    """The preamble's timing for one quarter: data complete, and the latest shipping day."""

    model_config = ConfigDict(frozen=True)

    quarter_end: dt.date
    data_available_on: dt.date
    shipped_by: dt.date
    citation: str


class Finding(BaseModel):
    """Something in a release calendar that does not meet the rule or the preamble's timing."""

    model_config = ConfigDict(frozen=True)

    release_date: dt.date
    problem: str
    citation: str


def quarter_end(day: dt.date) -> dt.date:
    """The last day of the calendar quarter of ``day``."""
    month = ((day.month - 1) // 3) * 3 + 3
    return dt.date(day.year, month, days_in_month(day.year, month))


@cites("42 CFR 423.153(g)(1)(ii)")
def expected_window(any_day_of_quarter: dt.date, params: ClaimsDataParams) -> Window:
    """The preamble's timing for a quarter (L609): data complete ``data_lag_months`` after the quarter's last day,
    shipped within ``processing_max_months`` more. Q1 2020: March 31 -> June 30 -> August 31, 2020."""
    end = quarter_end(any_day_of_quarter)
    available = add_months(end, params.data_lag_months.value)
    available = dt.date(available.year, available.month, days_in_month(available.year, available.month))
    shipped = add_months(available, params.processing_max_months.value)
    shipped = dt.date(shipped.year, shipped.month, days_in_month(shipped.year, shipped.month))
    return Window(quarter_end=end, data_available_on=available, shipped_by=shipped,
                  citation=f"{params.data_lag_months.citation}; {params.processing_max_months.citation}")


@cites("42 CFR 423.153(g)(1)(ii)", "42 CFR 423.153(g)(2)")
def check_calendar(releases: list[Release], params: ClaimsDataParams) -> list[Finding]:
    """Findings on a release calendar ((g)(1)(ii) L3107 "at least quarterly"; preamble L609): the first release before
    August 15, 2020 or covering less than January 1 - March 1, 2020; more than 3 months between release dates;
    a period that starts after the previous one ended plus a day (a gap in the data)."""
    out: list[Finding] = []
    ordered = sorted(releases, key=lambda r: r.release_date)
    if not ordered:
        return out
    first = ordered[0]
    earliest = params.first_extract_earliest_date_text
    if first.release_date < earliest.value:
        out.append(Finding(release_date=first.release_date, citation=earliest.citation,
                           problem=f"the first extract may not come before {earliest.value.isoformat()}"))
    start, end = params.first_extract_period_start_date_text, params.first_extract_period_end_date_text
    if first.period_start > start.value or first.period_end < end.value:
        out.append(Finding(release_date=first.release_date, citation=f"{start.citation}; {end.citation}",
                           problem=(f"the first extract covers {first.period_start.isoformat()} to "
                                    f"{first.period_end.isoformat()}; at a minimum {start.value.isoformat()} to "
                                    f"{end.value.isoformat()}")))
    gap = params.release_interval_max_months
    for before, after in itertools.pairwise(ordered):
        if after.release_date > add_months(before.release_date, gap.value):
            out.append(Finding(release_date=after.release_date, citation=gap.citation,
                               problem=(f"{(after.release_date - before.release_date).days} days after the release of "
                                        f"{before.release_date.isoformat()}: releases come at least quarterly")))
        if after.period_start > before.period_end + dt.timedelta(days=1):
            out.append(Finding(release_date=after.release_date, citation=gap.citation,
                               problem=(f"data from {before.period_end + dt.timedelta(days=1)} to "
                                        f"{after.period_start - dt.timedelta(days=1)} is in no release")))
    return out


@cites("42 CFR 423.153(g)(1)(ii)")
def releases_received(state: RequestState, releases: list[Release], params: ClaimsDataParams,
                      as_of: dt.date) -> list[Release]:
    """The releases up to ``as_of`` that the sponsor receives: those on whose date it is eligible ((g)(1)(ii) L3107;
    no retroactive extract, L609). With ``eligible_on_release_day_included_bool`` false the sponsor must have been
    eligible the day before the release."""
    same_day = params.eligible_on_release_day_included_bool.value
    out = []
    for release in sorted(releases, key=lambda r: r.release_date):
        if release.release_date > as_of:
            break
        day = release.release_date if same_day else release.release_date - dt.timedelta(days=1)
        if eligible(state, day) and eligible(state, release.release_date):
            out.append(release)
    return out


@cites("42 CFR 423.153(g)(2)")
def population_date(release: Release, params: ClaimsDataParams) -> dt.date:
    """The day whose enrollment defines the extract's population (§ 423.153(g)(2) L3111, "at the time of the
    disclosure"; OQ-C3): the release date (default) or the last day of the data's period."""
    return release.release_date if params.population_date_text.value == "release_date" else release.period_end


@cites("42 CFR 423.153(g)(1)(ii)", "42 CFR 423.153(g)(1)(iii)")
def check_access(state: RequestState, release: Release, releases: list[Release], params: ClaimsDataParams,
                 day: dt.date) -> None:
    """Refuse (``RuleError`` with the citation) data access on ``day`` to ``release`` unless the request is in force
    on ``day`` and the sponsor receives that release ((g)(1)(ii) L3107 "eligible PDP sponsors", (g)(1)(iii) L3109,
    no retroactive extract L609)."""
    if state.ended_on is not None and state.ended_on <= day:
        row = params.transition(state.end_reason or "withdraw")
        raise RuleError(f"the request ended on {state.ended_on.isoformat()} ({state.status}); no further access", row.cite)
    if state.approved_on is None or state.approved_on > day:
        cites_: tuple[Cite, ...] = (*params.attestation_required_bool.cite, *params.transition("approve").cite)
        raise RuleError(f"the request is {state.status}: data only after the attestation and CMS's approval", cites_)
    if release.release_date > day:
        raise RuleError(f"the release of {release.release_date.isoformat()} has not been made yet",
                        params.release_interval_max_months.cite)
    if release not in releases_received(state, releases, params, as_of=day):
        raise RuleError(f"the sponsor was not eligible on the release date {release.release_date.isoformat()}; "
                        "no extract is generated retroactively (the next release is the first)",
                        params.eligible_on_release_day_included_bool.cite)
