"""§§ 422.222(a)(3), (a)(5), 423.120(c)(6)(v)(C), (vii) - derived dates of a listing episode (spec §1.9 D1, D2, D5).

* effective date: the posted effective date; with the OIG rule (2020 on), the earlier of it and the exclusion date
  (4185-P L2348, L3074);
* period end (the first day off the list, None while open-ended): felony -> conviction + 10 years, or CMS's shorter
  period (L2356, L3084); revoked / not enrolled (and felony before 2020) -> the reenrollment bar end (L2352-L2354);
  then, for an OIG-excluded party (2020 on), the later of that and OIG reinstatement, open while not reinstated
  (L2364, L3092);
* notice due: posting + 30 days (L2328, L3054); first permitted denial for a beneficiary noticed on that day
  (L2332, L3058) or, for the initial list, initial posting + 90 days (L976).

Also the inclusion date from the appeal steps (§422.222(a)(3), L2342-L2348) and the preamble's appeal timeline,
computed with correct arithmetic (spec §5.1 E1, E2).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict

from partcd.core.citation import cites
from partcd.core.errors import InputError
from partcd.preclusion.rules.dates import ONE_DAY, period_end_years, whole_months
from partcd.preclusion.rules.models import ListPosting, PartyDates
from partcd.preclusion.rules.params import PreclusionParams, Program

_END_CITE = {
    "felony": "42 CFR 422.222(a)(5)(iii), 423.120(c)(6)(vii)(C)",
    "bar": "42 CFR 422.222(a)(5)(i)-(ii), 423.120(c)(6)(vii)(A)-(B)",
    "oig": "42 CFR 422.222(a)(5)(iv), 423.120(c)(6)(vii)(D)",
}


class EpisodeDates(BaseModel):
    """The interval [effective_date, period_end) of one posting under one parameter file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    effective_date: dt.date
    period_end: dt.date | None
    end_rule: str
    citation: str

    def covers(self, day: dt.date) -> bool:
        return self.effective_date <= day and (self.period_end is None or day < self.period_end)


def _input_end(day: dt.date | None, params: PreclusionParams) -> dt.date | None:
    """An end date from the file as the first day off the list (OQ-P6)."""
    if day is None or params.input_end_dates_text == "first_day_off":
        return day
    return day + ONE_DAY


@cites("42 CFR 422.222(a)(3)(ii)", "42 CFR 422.222(a)(5)", "42 CFR 423.120(c)(6)(v)(C)(2)", "42 CFR 423.120(c)(6)(vii)")
def episode_dates(posting: ListPosting, params: PreclusionParams) -> EpisodeDates:
    """§422.222(a)(3)(ii), (a)(5); §423.120(c)(6)(v)(C)(2), (vii) (4185-P L2348-L2364, L3074-L3092): the interval on the list.

    Precedence as in the text: the OIG paragraph over the felony paragraph over the revoked / not-enrolled ones.
    A CMS-shortened end only shortens: one later than the period it would shorten is ignored (and said so).
    """
    effective = posting.effective_date
    if params.oig_effective_on_exclusion_date_bool and posting.oig_excluded and posting.oig_exclusion_date is not None:
        effective = min(effective, posting.oig_exclusion_date)
    shortened = _input_end(posting.cms_shortened_end, params)
    base: dt.date | None
    if posting.basis == "felony" and params.felony_preclusion_period_years is not None:
        assert posting.felony_conviction_date is not None  # ListPosting requires it for basis felony
        full = period_end_years(posting.felony_conviction_date, params.felony_preclusion_period_years)
        base, rule, cite = full, f"felony: {params.felony_preclusion_period_years} years from the conviction", _END_CITE["felony"]
        if shortened is not None and shortened <= full:
            base, rule = shortened, "felony: shorter period set by CMS"
        elif shortened is not None:
            rule += f" (cms_shortened_end {shortened} is not shorter: ignored)"
    else:
        base = _input_end(posting.reenrollment_bar_end, params)
        rule = "reenrollment bar end" if base is not None else "open: no reenrollment bar end known"
        cite = _END_CITE["bar"]
        if shortened is not None and (base is None or shortened <= base):
            base, rule = shortened, "shorter period set by CMS"
        elif shortened is not None:
            rule += f" (cms_shortened_end {shortened} is not shorter: ignored)"
    end = base
    if params.oig_reinstatement_later_of_bool and posting.oig_excluded:
        reinstated = _input_end(posting.oig_reinstatement_date, params)
        cite = f"{cite}; {_END_CITE['oig']}"
        if reinstated is None:
            end, rule = None, "open: OIG-excluded and not reinstated"
        elif base is None:
            rule = f"{rule} (OIG reinstated {reinstated}, CMS period still open)"
        elif reinstated > base:
            end, rule = reinstated, "OIG reinstatement, later than the CMS period end"
        else:
            rule = f"{rule} (later than OIG reinstatement {reinstated})"
    return EpisodeDates(effective_date=effective, period_end=end, end_rule=rule, citation=cite)


def is_initial_list(posting: ListPosting, params: PreclusionParams) -> bool:
    """True for a party first posted on the initial list (April 2018 preamble, 4185-P L976)."""
    return posting.list_posting_date <= params.initial_list_posting_date_text


@cites("42 CFR 422.222(a)(1)(ii)(C)", "42 CFR 423.120(c)(6)(iv)(C)")
def first_permitted_denial(posting: ListPosting, episode: EpisodeDates, program: Program,
                           notice_sent: dt.date | None, params: PreclusionParams) -> dt.date:
    """§422.222(a)(1)(ii)(C), §423.120(c)(6)(iv)(C) (4185-P L2332, L3058): first day a list-only denial is allowed (D4).

    Initial list: initial posting + 90 days (L976). An update: with a notice, notice + the window offset (OQ-P2);
    without one (or a notice dated before the posting, which belongs to another posting), the no-notice choice
    (OQ-P4); a program without a notice duty (MA before 2020): the effective date. Never before the effective date
    or the posting.
    """
    floor = max(episode.effective_date, posting.list_posting_date)
    if is_initial_list(posting, params):
        start = params.initial_list_posting_date_text + dt.timedelta(days=params.initial_list_no_impact_calendar_days)
        return max(start, floor)
    if program not in params.notice_required_before_denial_programs_list:
        return floor
    notice = notice_sent
    if notice is not None and notice < posting.list_posting_date and not params.notice_before_posting_counts_bool:
        notice = None
    offset = dt.timedelta(days=params.first_denial_after_notice_calendar_days)
    if notice is not None:
        return max(notice + offset, floor)
    if params.no_notice_first_denial_text == "latest_timely_notice":
        return max(notice_due_by(posting, params) + offset, floor)
    return floor


def notice_due_by(posting: ListPosting, params: PreclusionParams) -> dt.date:
    """Posting of the update + 30 days (§422.222(a)(1)(ii)(A), §423.120(c)(6)(iv)(A); 4185-P L2328, L3054)."""
    return posting.list_posting_date + dt.timedelta(days=params.notice_due_after_posting_calendar_days)


@cites("42 CFR 422.222(a)(1)(ii)", "42 CFR 422.222(a)(5)", "42 CFR 423.120(c)(6)(iv)", "42 CFR 423.120(c)(6)(vii)")
def party_dates(posting: ListPosting, params: PreclusionParams) -> PartyDates:
    """§§ 422.222(a)(1)(ii), (a)(3), (a)(5); 423.120(c)(6)(iv), (v)(C), (vii) (4185-P L2324-L2364): the party's dates.

    ``first_permitted_denial`` is for a beneficiary noticed on the due date, which is also the no-notice default;
    a Part D program rule is used (both programs agree from 2020 on).
    """
    episode = episode_dates(posting, params)
    warnings: list[str] = []
    if episode.period_end is not None and episode.period_end <= episode.effective_date:
        warnings.append(f"the period ends ({episode.period_end}) on or before the effective date: on the list for no day")
    lookback = params.felony_conviction_lookback_years
    if posting.basis == "felony" and lookback is not None and posting.felony_conviction_date is not None \
            and period_end_years(posting.felony_conviction_date, lookback) <= posting.effective_date:
        warnings.append(f"conviction {posting.felony_conviction_date} is not within the previous {lookback} years "
                        f"of the effective date (42 CFR 422.2, 423.100, paragraph (3); OQ-P7)")
    months = None if episode.period_end is None else whole_months(episode.effective_date, episode.period_end)
    return PartyDates(
        npi=posting.npi, party_name=posting.party_name, basis=posting.basis,
        effective_date=episode.effective_date, preclusion_period_end=episode.period_end,
        list_posting_date=posting.list_posting_date, initial_list=is_initial_list(posting, params),
        notice_due_by=notice_due_by(posting, params),
        first_permitted_denial=first_permitted_denial(posting, episode, "PART_D", None, params),
        time_on_list_months=months, end_rule=episode.end_rule,
        citation=f"42 CFR 422.222(a)(3), 423.120(c)(6)(v)(C); {episode.citation}; "
                 "42 CFR 422.222(a)(1)(ii), 423.120(c)(6)(iv)",
        warnings=tuple(warnings),
    )


# --- effective date of inclusion and the preamble's appeal timeline (§1.3, E1, E2) -----------------------------------


class InclusionDate(BaseModel):
    """When a party goes on the list after CMS's notice (D1)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    last_day_to_request_reconsideration: dt.date
    effective_date: dt.date
    basis: Literal["oig_exclusion", "reconsideration_denied", "no_reconsideration"]
    citation: str


@cites("42 CFR 422.222(a)(3)", "42 CFR 423.120(c)(6)(v)(C)", "42 CFR 498.22(b)(3)")
def inclusion_effective_date(notice_received: dt.date, params: PreclusionParams,
                             reconsideration_denied: dt.date | None = None,
                             oig_exclusion_date: dt.date | None = None) -> InclusionDate:
    """§422.222(a)(3), §423.120(c)(6)(v)(C) (4185-P L2342-L2348, L3068-L3074): the effective date of inclusion.

    OIG exclusion: the exclusion date (2020 on). A reconsideration denied: that date. Otherwise the day after the
    last day to ask (receipt + 60 is the last day; "upon the expiration" of the window is the next day).
    Receipt is an input: the rule sets no presumption (OQ-P11).
    """
    last_day = notice_received + dt.timedelta(days=params.reconsideration_request_calendar_days)
    if oig_exclusion_date is not None and params.oig_effective_on_exclusion_date_bool:
        return InclusionDate(last_day_to_request_reconsideration=last_day, effective_date=oig_exclusion_date,
                             basis="oig_exclusion", citation="42 CFR 422.222(a)(3)(ii), 423.120(c)(6)(v)(C)(2)")
    if reconsideration_denied is not None:
        if reconsideration_denied < notice_received:
            raise InputError("inclusion", None, "reconsideration_denied", "the denial is before the notice was received")
        return InclusionDate(last_day_to_request_reconsideration=last_day, effective_date=reconsideration_denied,
                             basis="reconsideration_denied",
                             citation="42 CFR 422.222(a)(3)(i)(B), 423.120(c)(6)(v)(C)(1)(ii)")
    return InclusionDate(last_day_to_request_reconsideration=last_day, effective_date=last_day + ONE_DAY,
                         basis="no_reconsideration", citation="42 CFR 422.222(a)(3)(i)(A), 423.120(c)(6)(v)(C)(1)(i)")


class Milestone(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    step: str
    date: dt.date


class InclusionTimeline(BaseModel):
    """The longest path from a revocation notice to the listing, step by step (preamble example, 4185-P L914-L923)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: Literal["sequential", "joint"]
    milestones: tuple[Milestone, ...]
    placed_on_list: dt.date
    elapsed_days: int


@cites("42 CFR 498.5(n)(1)", "42 CFR 422.222(a)(2)(ii)", "42 CFR 423.120(c)(6)(v)(B)")
def inclusion_timeline(revocation_notice_received: dt.date, params: PreclusionParams, joint_appeal: bool) -> InclusionTimeline:
    """§498.5(n)(1), §422.222(a)(2)(ii) (4185-P L914-L923, L3392): latest listing after a revocation notice.

    Each step uses its full time: 60 days to ask, 90 days to decide. Sequential (before the joint appeals): the
    revocation's reconsideration, then the preclusion's. Joint: one reconsideration of both. Computed dates, not the
    preamble's: July 29 + 60 days is September 27, not September 28 (spec E1), and the sequential path is 300 days
    (301 with the preamble's dates), not "nearly 9 months" (E2); the joint path is 150 days ("no more than 5 months").
    """
    ask = dt.timedelta(days=params.reconsideration_request_calendar_days)
    decide = dt.timedelta(days=params.reconsideration_decision_calendar_days)
    steps = [Milestone(step="revocation notice received", date=revocation_notice_received)]
    request = revocation_notice_received + ask
    steps.append(Milestone(step="last day to request reconsideration" + (" (joint)" if joint_appeal else " of the revocation"),
                           date=request))
    decision = request + decide
    steps.append(Milestone(step="CMS denies the reconsideration" + (" (joint)" if joint_appeal else " of the revocation"),
                           date=decision))
    if not joint_appeal:
        request = decision + ask
        steps.append(Milestone(step="last day to request reconsideration of the preclusion", date=request))
        decision = request + decide
        steps.append(Milestone(step="CMS denies the reconsideration of the preclusion", date=decision))
    steps.append(Milestone(step="placed on the preclusion list", date=decision))
    return InclusionTimeline(path="joint" if joint_appeal else "sequential", milestones=tuple(steps),
                             placed_on_list=decision, elapsed_days=(decision - revocation_notice_received).days)
