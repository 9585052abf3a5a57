"""Parts 422 subpart M, 423 subpart M - the appeals clock engine (4185-P L2677-L2966, L3266-L3289; current 42 CFR).

Pure functions: every input instant is an argument (no wall clock), the result is a list of
:class:`Obligation` records, one per timeframe id: T1-T32 and P1-P5 of shared/specs/appeals.md §5, extended by the
standard processes C1-C26 (Part C), D1-D17 (Part D) and the effectuation ids E1-E17 (appeals/README.md; the
functions of the standard processes are in :mod:`partcd.appeals.rules.standard`).

Conventions (named parameters, see appeals/README.md "Choices where the rule is silent"; the arithmetic is
:mod:`partcd.core.calendar`):

- a naive date-time is read in the plan's zone (``zone`` argument, else ``plan_time_zone_text``);
- hour limits are elapsed hours from the exact start instant (a DST change moves the wall-clock due time);
- day limits are local calendar dates: the start day is day 0 (``day_count_convention_text``) and the
  limit ends at ``end_of_day_time_of_day`` local time on the last day (``day_deadline_end_text``);
- a plan deadline does not roll over a weekend or holiday (``plan_deadline_rollover_bool``); an enrollee's filing
  window does (``enrollee_window_rollover_bool``): two settings, each with its reason;
- an extension adds calendar days on the local wall clock to the deadline it extends;
- State-specific timeframes (§ 422.629(c)) are an explicit ``state_overrides`` mapping of timeframe id to
  duration; one that is not more protective of the enrollee than the federal default is refused;
- the unified process (T ids) is answered only in a period that states it (from 2021-01-01, § 422.629(a)).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from partcd.appeals.rules.parameters import AppealsParams
from partcd.core import calendar
from partcd.core.citation import Cite, cite_label, cites
from partcd.core.errors import ConfigError, RuleError
from partcd.core.params import Cited, ParamSet

Party = Literal["plan", "enrollee"]
Kind = Literal["hours", "days", "days_before", "derived"]


@dataclass(frozen=True)
class Timeframe:
    """One row of the spec's timeframe table as the engine computes it: the obligation, who acts, from which event,
    how the limit counts and which parameter holds it.

    The law lives in the parameter files: the amount is the value of ``key`` and the paragraph that sets the
    obligation is the row ``id`` of ``timeframes_table`` (quote-checked by tests/law), both per period. ``detail``
    completes the description with the amounts (``{key}`` placeholders filled from the period's values).
    """

    id: str
    obligation: str
    party: Party
    start_event: str
    kind: Kind
    key: str | None = None
    detail: str | None = None

    @property
    def state_may_override(self) -> bool:
        """§ 422.629(c): a State may set more protective timeframes for §§ 422.629-422.634 (numbered T limits)."""
        return self.id.startswith("T") and self.kind != "derived" and self.id not in {"T30", "T31", "T32"}


def _tf(*rows: Timeframe) -> dict[str, Timeframe]:
    return {r.id: r for r in rows}


#: The timeframe table of shared/specs/appeals.md §5 (ids in its order); paragraphs and amounts are parameters.
TIMEFRAMES: dict[str, Timeframe] = _tf(
    Timeframe("T1", "File an integrated grievance (no time limit)", "enrollee", "the event grieved", "derived",
              "grievance_filing_any_time_bool"),
    Timeframe("T2", "Resolve the standard integrated grievance and notify the enrollee", "plan",
              "receipt of the integrated grievance", "days", "grievance_resolution_calendar_days"),
    Timeframe("T3", "Send written notice of the reasons for extending the grievance, with the right to grieve the "
              "delay (after reasonable efforts at prompt oral notice)", "plan", "decision to extend", "days",
              "grievance_extension_notice_calendar_days"),
    Timeframe("T4", "Respond to the expedited integrated grievance", "plan", "receipt of the integrated grievance",
              "hours", "expedited_grievance_response_h"),
    Timeframe("T5", "Send the standard integrated organization determination notice", "plan",
              "receipt of the request", "days", "iod_standard_calendar_days"),
    Timeframe("T6", "Send the notice reducing, suspending or terminating a previously approved service", "plan",
              "date of action (intended effective date)", "days_before",
              "reduction_notice_before_action_calendar_days",
              detail="at least {reduction_notice_before_action_calendar_days} days before the date of action"),
    Timeframe("T7", "Send the expedited integrated organization determination notice", "plan",
              "receipt of the request", "hours", "iod_expedited_h"),
    Timeframe("T8",
              "Send the integrated organization determination notice after denying expedited handling (standard "
              "timeframe, original receipt day)", "plan",
              "receipt of the expedited request (the original receipt day is kept)", "days",
              "iod_expedite_denied_calendar_days"),
    Timeframe("T9", "Deliver the written letter denying expedited handling (after prompt oral notice)", "plan",
              "decision not to expedite", "days", "iod_expedite_denial_letter_calendar_days"),
    Timeframe("T10", "Request the necessary medical information from noncontract providers", "plan",
              "receipt of the expedited request", "hours", "iod_noncontract_info_request_h"),
    Timeframe("T11", "Send written notice of the reasons for the extension, with the right to file an expedited "
              "grievance", "plan", "decision to extend", "derived"),
    Timeframe("T12", "Send the integrated organization determination notice (extended timeframe)", "plan",
              "end of the original timeframe", "derived"),
    Timeframe("T13",
              "Send the adverse notice on the date the timeframe expires (no determination in time is a denial)",
              "plan", "expiry of the timeframe", "derived"),
    Timeframe("T14", "File for continuation of benefits", "enrollee", "adverse notice sent", "days",
              "continuation_after_notice_sent_calendar_days",
              detail="timely files: the later of {continuation_after_notice_sent_calendar_days} days after the notice "
              "is sent and the intended effective date"),
    Timeframe("T15", "File an integrated reconsideration", "enrollee", "date on the adverse notice", "days",
              "ir_filing_calendar_days"),
    Timeframe("T16", "Resolve the standard integrated reconsideration", "plan", "receipt of the request", "days",
              "ir_standard_calendar_days"),
    Timeframe("T17",
              "Resolve the expedited integrated reconsideration (with reasonable efforts at prompt oral notice)",
              "plan", "receipt of the request", "hours", "ir_expedited_h"),
    Timeframe("T18", "Resolve the integrated reconsideration after denying expedited handling (standard timeframe, "
              "original receipt day)", "plan", "receipt of the expedited request (the original receipt day is kept)",
              "days", "ir_expedite_denied_calendar_days"),
    Timeframe("T19", "Give written notice denying expedited handling (after prompt oral notice)", "plan",
              "decision not to expedite", "days", "ir_expedite_denial_notice_calendar_days"),
    Timeframe("T20", "Request the necessary medical information from noncontract providers", "plan",
              "receipt of the expedited request", "hours", "ir_noncontract_info_request_h"),
    Timeframe("T21", "Give written notice of the extension, with the right to file an expedited grievance (after "
              "reasonable efforts at prompt oral notice)", "plan", "decision to extend", "days",
              "ir_extension_notice_calendar_days"),
    Timeframe("T22", "Send the integrated reconsideration resolution notice (every outcome)", "plan",
              "receipt of the request", "derived"),
    Timeframe("T23", "Forward the case file and a written explanation to the IRE", "plan", "receipt of the request",
              "days", "ire_forward_standard_calendar_days"),
    Timeframe("T24", "Forward the case file and a written explanation to the IRE", "plan",
              "affirmation of the adverse decision", "hours", "ire_forward_expedited_h"),
    Timeframe("T25", "Request a State fair hearing (Medicaid benefit)", "enrollee",
              "date of the notice of resolution", "days", "sfh_request_calendar_days"),
    Timeframe("T26", "Request a State fair hearing and continuation to keep Medicaid benefits during the hearing",
              "enrollee", "resolution notice sent", "days", "sfh_continuation_calendar_days"),
    Timeframe("T27", "Authorize or provide the disputed services after the reversal", "plan",
              "receipt of the notice reversing", "hours", "reversal_effectuation_h"),
    Timeframe("T28", "Effectuate an IRE, ALJ/attorney adjudicator or Medicare Appeals Council reversal", "plan",
              "receipt of the notice reversing", "derived"),
    Timeframe("T29", "Send the written acknowledgement", "plan", "receipt of the request", "days",
              "acknowledgement_target_calendar_days"),
    Timeframe("T30", "Cover nursing facility services under the capitated Medicaid contract (FIDE SNP)", "plan",
              "plan year", "derived", "fide_nursing_facility_min_days"),
    Timeframe("T31", "Notify the State of a hospital or skilled nursing facility admission (State-set timeframe)",
              "plan", "admission", "derived"),
    Timeframe("T32", "Enrollment sanction for a D-SNP failing every integration criterion", "plan", "plan year",
              "derived", "enrollment_sanction_plan_years_list"),
    Timeframe("P1", "Notify the Part D coverage determination", "plan", "receipt of the request", "hours",
              "partd_standard_h"),
    Timeframe("P2", "Notify the Part D exceptions decision", "plan", "receipt of the request / supporting statement",
              "derived", "partd_exception_supporting_statement_h",
              detail="{partd_exception_supporting_statement_h:g} h after the supporting statement, or after the end of "
              "{partd_exception_outer_calendar_days} calendar days from the request if none has arrived by then"),
    Timeframe("P3", "Notify the expedited Part D coverage determination", "plan", "receipt of the request", "hours",
              "partd_expedited_h"),
    Timeframe("P4", "Notify the expedited Part D exceptions decision", "plan",
              "receipt of the request / supporting statement", "derived",
              "partd_expedited_exception_supporting_statement_h",
              detail="{partd_expedited_exception_supporting_statement_h:g} h after the supporting statement, or after "
              "the end of {partd_exception_outer_calendar_days} calendar days from the request if none has arrived by then"),
    Timeframe("P5", "Notify the Part D determination after denying expedited handling", "plan",
              "receipt of the expedited request", "derived", "partd_expedite_denied_h",
              detail="standard {partd_expedite_denied_h:g} hours from the day the expedited request was received"),
    # --- standard Part C organization determinations, §§ 422.566-422.572 (C1-C11) ---------------------------
    Timeframe("C1", "Notify the standard organization determination", "plan", "receipt of the request", "days",
              "od_standard_calendar_days"),
    Timeframe("C2", "Notify the standard organization determination on a Part B drug (no extension)", "plan",
              "receipt of the request", "hours", "od_part_b_drug_h"),
    Timeframe("C3", "Notify the expedited organization determination", "plan", "receipt of the request", "hours",
              "od_expedited_h"),
    Timeframe("C4", "Notify the expedited organization determination on a Part B drug (no extension)", "plan",
              "receipt of the request", "hours", "od_expedited_part_b_drug_h"),
    Timeframe("C5", "Notify the organization determination after denying expedited handling (standard timeframe from "
              "the receipt of the expedited request)", "plan", "receipt of the expedited request", "derived"),
    Timeframe("C6", "Deliver the written letter denying expedited handling (after prompt oral notice)", "plan",
              "decision not to expedite", "days", "od_expedite_denial_letter_calendar_days"),
    Timeframe("C7", "Notify the enrollee in writing of the reasons for the extension and of the right to an expedited "
              "grievance", "plan", "decision to extend", "derived"),
    Timeframe("C8", "Notify the organization determination (extended timeframe)", "plan",
              "end of the original timeframe", "derived"),
    Timeframe("C9", "Request the necessary medical information from noncontract providers", "plan",
              "receipt of the expedited request", "hours", "od_noncontract_info_request_h"),
    Timeframe("C10", "Mail the written confirmation of an adverse expedited determination given orally", "plan",
              "oral notification", "days", "od_oral_notice_confirmation_calendar_days"),
    Timeframe("C11", "Decide the request for payment (prompt payment)", "plan", "receipt of the request", "days",
              "od_payment_calendar_days"),
    # --- standard Part C reconsiderations, §§ 422.578-422.590 (C12-C22) -------------------------------------
    Timeframe("C12", "File a request for reconsideration (later only for good cause, in writing)", "enrollee",
              "date of the notice of the organization determination", "days", "reconsideration_filing_calendar_days"),
    Timeframe("C13", "Issue the standard reconsidered determination, or forward an affirmation to the IRE", "plan",
              "receipt of the request", "days", "recon_standard_calendar_days"),
    Timeframe("C14", "Issue the reconsidered determination on a payment request, or forward an affirmation to the IRE",
              "plan", "receipt of the request", "days", "recon_payment_calendar_days"),
    Timeframe("C15", "Issue the reconsidered determination on a Part B drug, or forward an affirmation to the IRE (no "
              "extension)", "plan", "receipt of the request", "days", "recon_part_b_drug_calendar_days"),
    Timeframe("C16", "Complete the expedited reconsideration and notify the enrollee", "plan", "receipt of the request",
              "hours", "recon_expedited_h"),
    Timeframe("C17", "Issue the reconsidered determination after denying expedited handling (standard timeframe from "
              "the day the expedited request was received)", "plan", "receipt of the expedited request", "derived"),
    Timeframe("C18", "Deliver the written letter denying expedited handling (after prompt oral notice)", "plan",
              "decision not to expedite", "days", "recon_expedite_denial_letter_calendar_days"),
    Timeframe("C19", "Request the necessary medical information from noncontract providers", "plan",
              "receipt of the expedited request", "hours", "recon_noncontract_info_request_h"),
    Timeframe("C20", "Mail the written confirmation of a favorable expedited reconsideration given orally", "plan",
              "oral notification", "days", "recon_oral_notice_confirmation_calendar_days"),
    Timeframe("C21", "Send the case file and a written explanation to the IRE", "plan",
              "receipt of the request / affirmation / expiry", "derived"),
    Timeframe("C22", "Notify the enrollee in writing of the reasons for the extension and of the right to an expedited "
              "grievance", "plan", "decision to extend", "derived"),
    # --- standard Part C grievances, § 422.564 (C23-C26) ---------------------------------------------------
    Timeframe("C23", "File a grievance", "enrollee", "the event or incident grieved", "days",
              "partc_grievance_filing_calendar_days"),
    Timeframe("C24", "Resolve the grievance and notify the enrollee", "plan", "receipt of the grievance", "days",
              "partc_grievance_resolution_calendar_days"),
    Timeframe("C25", "Notify the enrollee in writing of the reasons for extending the grievance (immediately)", "plan",
              "decision to extend", "days", "grievance_extension_notice_immediately_calendar_days"),
    Timeframe("C26", "Respond to the expedited grievance", "plan", "receipt of the grievance", "hours",
              "partc_expedited_grievance_h"),
    # --- Part D coverage determinations, redeterminations, grievances (D1-D17) ----------------------------
    Timeframe("D1", "Notify the determination on a request for payment and pay (when applicable)", "plan",
              "receipt of the request", "days", "partd_payment_calendar_days"),
    Timeframe("D2", "Send the written follow-up of a coverage determination given orally", "plan", "oral notification",
              "days", "partd_oral_notice_confirmation_calendar_days"),
    Timeframe("D3", "Mail the written confirmation of an expedited coverage determination given orally", "plan",
              "oral notification", "days", "partd_oral_notice_confirmation_calendar_days"),
    Timeframe("D4", "Deliver the written notice denying expedited handling (after prompt oral notice)", "plan",
              "decision not to expedite", "days", "partd_expedite_denial_notice_calendar_days"),
    Timeframe("D5", "File a request for redetermination (later only for good cause, in writing)", "enrollee",
              "date of the notice of the coverage determination", "days", "redetermination_filing_calendar_days"),
    Timeframe("D6", "Notify the standard redetermination in writing", "plan", "receipt of the request", "days",
              "redetermination_standard_calendar_days"),
    Timeframe("D7", "Notify the redetermination on a request for payment in writing", "plan", "receipt of the request",
              "days", "redetermination_payment_calendar_days"),
    Timeframe("D8", "Complete the expedited redetermination and notify the enrollee", "plan", "receipt of the request",
              "hours", "redetermination_expedited_h"),
    Timeframe("D9", "Notify the redetermination after denying expedited handling (standard timeframe from the day the "
              "expedited request was received)", "plan", "receipt of the expedited request", "days",
              "redetermination_standard_calendar_days"),
    Timeframe("D10", "Deliver the written notice denying expedited handling (after prompt oral notice)", "plan",
              "decision not to expedite", "days", "redetermination_expedite_denial_notice_calendar_days"),
    Timeframe("D11", "Request the necessary medical information", "plan", "receipt of the expedited request", "hours",
              "redetermination_info_request_h"),
    Timeframe("D12", "Mail the written confirmation of an expedited redetermination given orally", "plan",
              "oral notification", "days", "redetermination_oral_notice_confirmation_calendar_days"),
    Timeframe("D13", "Forward the request to the IRE after a missed redetermination deadline", "plan",
              "expiry of the adjudication timeframe", "hours", "redetermination_missed_ire_forward_h"),
    Timeframe("D14", "File a grievance", "enrollee", "the event or incident grieved", "days",
              "partd_grievance_filing_calendar_days"),
    Timeframe("D15", "Resolve the grievance and notify the enrollee", "plan", "receipt of the grievance", "days",
              "partd_grievance_resolution_calendar_days"),
    Timeframe("D16", "Notify the enrollee in writing of the reasons for extending the grievance (immediately)", "plan",
              "decision to extend", "days", "grievance_extension_notice_immediately_calendar_days"),
    Timeframe("D17", "Respond to the expedited grievance", "plan", "receipt of the grievance", "hours",
              "partd_expedited_grievance_h"),
    # --- effectuation of reversals, §§ 422.618, 422.619, 423.636, 423.638 (E1-E17) ------------------------------
    Timeframe("E1", "Authorize or provide the service after reversing on standard reconsideration", "plan",
              "receipt of the reconsideration request", "days", "partc_plan_reversal_service_calendar_days"),
    Timeframe("E2", "Pay for the service after reversing a payment denial on reconsideration", "plan",
              "receipt of the reconsideration request", "days", "partc_plan_reversal_payment_calendar_days"),
    Timeframe("E3", "Effectuate the Part B drug decision after reversing on standard reconsideration", "plan",
              "receipt of the reconsideration request", "days", "recon_part_b_drug_calendar_days"),
    Timeframe("E4", "Authorize or provide the service after reversing on expedited reconsideration", "plan",
              "receipt of the reconsideration request", "hours", "partc_plan_reversal_expedited_h"),
    Timeframe("E5", "Authorize the service after the IRE reverses", "plan", "receipt of the notice reversing", "hours",
              "partc_ire_reversal_authorize_h"),
    Timeframe("E6", "Provide the service after the IRE reverses", "plan", "receipt of the notice reversing", "days",
              "partc_ire_reversal_provide_calendar_days"),
    Timeframe("E7", "Pay for the service after the IRE reverses a payment denial", "plan",
              "receipt of the notice reversing", "days", "partc_ire_reversal_payment_calendar_days"),
    Timeframe("E8", "Authorize or provide the service after the IRE reverses an expedited determination", "plan",
              "receipt of the notice reversing", "hours", "partc_ire_reversal_expedited_h"),
    Timeframe("E9", "Pay for, authorize or provide the service after an ALJ, attorney adjudicator or the Council "
              "reverses", "plan", "receipt of the notice reversing", "days", "partc_higher_level_reversal_calendar_days"),
    Timeframe("E10", "Authorize or provide the drug after reversing on standard redetermination", "plan",
              "receipt of the redetermination request", "days", "partd_plan_reversal_benefit_calendar_days"),
    Timeframe("E11", "Authorize payment after reversing a payment denial on redetermination", "plan",
              "receipt of the redetermination request", "days", "partd_plan_reversal_payment_authorize_calendar_days"),
    Timeframe("E12", "Make payment after reversing a payment denial on redetermination", "plan",
              "receipt of the redetermination request", "days", "partd_plan_reversal_payment_calendar_days"),
    Timeframe("E13", "Authorize or provide the drug after reversing on expedited redetermination", "plan",
              "receipt of the redetermination request", "hours", "partd_plan_reversal_expedited_h"),
    Timeframe("E14", "Authorize or provide the drug after the IRE or a higher level reverses", "plan",
              "receipt of the notice reversing", "hours", "partd_ire_reversal_benefit_h"),
    Timeframe("E15", "Authorize payment after the IRE or a higher level reverses a payment denial", "plan",
              "receipt of the notice reversing", "hours", "partd_ire_reversal_payment_authorize_h"),
    Timeframe("E16", "Make payment after the IRE or a higher level reverses a payment denial", "plan",
              "receipt of the notice reversing", "days", "partd_ire_reversal_payment_calendar_days"),
    Timeframe("E17", "Authorize or provide the drug after the IRE or a higher level reverses an expedited decision",
              "plan", "receipt of the notice reversing", "hours", "partd_ire_reversal_expedited_h"),
)


class Obligation(BaseModel):
    """One deadline that applies: the spec's timeframe id, who must act, by when, from which event, under which rule.

    ``cfr`` and ``line`` are those of the first citation of the timeframe's row in the parameter file (``line`` is
    None for a source without a text in shared/reference); ``cite`` is the label of all of them.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    description: str
    party: Party
    due: dt.datetime
    counts: Literal["after", "before"] = "after"
    start_event: str
    start: dt.datetime
    cfr: str
    line: int | None
    cite: str
    condition: str | None = None
    params_used: dict[str, Any] = Field(default_factory=dict)
    state_override: str | None = None

    @property
    def obligation(self) -> str:
        """The description with its condition, as one sentence (the CLI's ``obligation``)."""
        return self.description + (f" - {self.condition}" if self.condition else "")


class Extension(BaseModel):
    """An extension taken on a grievance, organization determination or reconsideration.

    ``requested_by``: who asked (``plan`` = taken on the plan's own justification). ``filed_by_requester``: the
    provider (or representative) asking is the one that filed the request on the enrollee's behalf - for the
    unified process such a provider is the "enrollee" (§ 422.629(l)(2)), so it may ask where only the enrollee may.
    ``decided`` is when the plan decided to extend (starts the extension-notice clocks T3, T21, C7, C22, C25, D16).
    The plan's own extension needs the showing its paragraph lists and a written ``justification``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    requested_by: Literal["enrollee", "representative", "provider", "plan"] = "enrollee"
    filed_by_requester: bool = False
    calendar_days: int | None = Field(default=None, ge=1)
    decided: dt.datetime | None = None
    enrollee_interest: bool = False
    needs_information: bool = False
    likely_approval: bool = False
    justification: str | None = None


# --- time arithmetic -----------------------------------------------------------------------------------


def zone_of(name: str) -> ZoneInfo:
    """The IANA zone (:func:`partcd.core.calendar.zone_of`); an unknown name is refused as a rule error."""
    try:
        return calendar.zone_of(name)
    except ConfigError as exc:
        raise RuleError(exc.message()) from None


@dataclass(frozen=True)
class _Clock:
    params: ParamSet
    view: AppealsParams
    zone: ZoneInfo
    overrides: Mapping[str, dt.timedelta]

    def local(self, t: dt.datetime, what: str) -> dt.datetime:
        return calendar.local_instant(t, self.zone, what=what)

    def day_start(self, d: dt.date) -> dt.datetime:
        return calendar.day_start(d, self.zone)

    def end_of_day(self, d: dt.date) -> dt.datetime:
        return calendar.end_of_day(d, self.zone, self.view.end_of_day_time_of_day)

    def after_days(self, start: dt.datetime, days: int, party: Party = "plan") -> dt.datetime:
        """The end of a limit of ``days`` calendar days counted from the local date of ``start``; a plan deadline and
        an enrollee's window each follow their own roll-over setting."""
        day_0 = self.view.day_count_convention_text == "receipt_day_is_day_0"
        roll = self.view.plan_deadline_rollover_bool if party == "plan" else self.view.enrollee_window_rollover_bool
        return calendar.calendar_days_deadline(
            start, days, self.zone, at=self.view.end_of_day_time_of_day,
            count="start_day_is_day_0" if day_0 else "start_day_is_day_1", ends=self.view.day_deadline_end_text,
            roll="forward" if roll else "none")

    def before_days(self, action: dt.date, days: int) -> dt.datetime:
        """The end of the last local day that is at least ``days`` calendar days before ``action`` (a plan notice)."""
        return calendar.days_before(action, days, self.zone, at=self.view.end_of_day_time_of_day,
                                    roll="backward" if self.view.plan_deadline_rollover_bool else "none")

    def after_hours(self, start: dt.datetime, hours: float) -> dt.datetime:
        """Elapsed hours from the exact instant (a DST change shifts the local wall-clock time)."""
        return calendar.add_hours(start, hours, self.zone)

    def plus_days(self, due: dt.datetime, days: int) -> dt.datetime:
        """An extension: ``days`` calendar days added on the local wall clock."""
        return calendar.add_calendar_days(due, days, self.zone)

    def value(self, key: str) -> Any:
        v = getattr(self.view, key)
        if v is None:
            raise RuleError(f"{key} is not in force in the period of {self.params.file} (the unified process of "
                            "applicable integrated plans applies from 2021-01-01)", self.view.rule_cite("unified_from_2021"))
        return v.value if isinstance(v, Cited) else v

    def cited(self, key: str) -> Cited[int]:
        """An integer limit with its citation (a unified-process limit is a plain field: its citation is the file's)."""
        v = getattr(self.view, key)
        if isinstance(v, Cited):
            return v  # type: ignore[return-value]
        return Cited[int](key=key, value=int(self.value(key)), cite=self.params.cite(key))

    def require_unified(self, what: str) -> None:
        """The unified process of applicable integrated plans is answered only in a period that states it."""
        if not self.view.unified_in_force:
            raise RuleError(f"{what}: the unified grievance and appeal process of applicable integrated plans applies "
                            f"from January 1, 2021; {self.params.file} (in force {self.params.period}) has no "
                            "integrated timeframes", self.view.rule_cite("unified_from_2021"))

    def cite(self, tf_id: str) -> tuple[Cite, ...]:
        """The paragraph(s) of a timeframe, from the period's ``timeframes_table``."""
        return self.view.timeframe_cite(tf_id)

    def make(self, tf: Timeframe, due: dt.datetime, start: dt.datetime, *, start_event: str | None = None,
             condition: str | None = None, used: dict[str, Any] | None = None, override: str | None = None,
             description: str | None = None, counts: Literal["after", "before"] = "after") -> Obligation:
        """The obligation record of ``tf``: its citation from the parameters, its description with the amounts."""
        cite = self.cite(tf.id)
        return Obligation(id=tf.id, description=description or self.describe(tf), party=tf.party, due=due,
                          counts=counts, start_event=start_event or tf.start_event, start=start, cfr=cite[0].cfr,
                          line=cite[0].line, cite=cite_label(cite), condition=condition, params_used=dict(used or {}),
                          state_override=override)

    def describe(self, tf: Timeframe) -> str:
        """The obligation, with its ``detail`` filled in from the period's amounts."""
        if tf.detail is None:
            return tf.obligation
        values = {k: v.value if isinstance(v, Cited) else v for k, v in self.view}
        return f"{tf.obligation} ({tf.detail.format_map(values)})"

    def limit(self, tf: Timeframe, start: dt.datetime, *, action: dt.date | None = None, key: str | None = None
              ) -> tuple[dt.datetime, dict[str, Any], str | None]:
        """Due time of ``tf`` from ``start``: the federal default, or a more protective State override. ``key`` names
        the amount when the row's own key is not the one that applies (a variant of the same obligation)."""
        amount_key = key or tf.key
        assert amount_key is not None
        value = self.value(amount_key)
        used: dict[str, Any] = {amount_key: value}
        default = self._apply(tf, start, value, action)
        override = self.overrides.get(tf.id)
        if override is None:
            return default, used, None
        text = calendar.format_duration(override, in_hours=tf.kind == "hours")
        if tf.kind == "hours":
            candidate = calendar.add_hours(start, override, self.zone)
        else:
            if override % dt.timedelta(days=1):
                raise RuleError(f"State override for {tf.id} must be whole calendar days, got {text}",
                                self.view.rule_cite("state_flexibility"))
            candidate = self._apply(tf, start, override.days, action)
        target_only = tf.id == "T29" and not self.value("acknowledgement_binding_bool")
        # Compared by amount, not by instant: a roll-over can make a shorter window end on the same day as the
        # federal one, but the State timeframe is still shorter (less protective) in general.
        amount = override / dt.timedelta(hours=1) if tf.kind == "hours" else override / dt.timedelta(days=1)
        if tf.kind == "days_before":
            protective = amount >= float(value)
        elif tf.party == "plan":
            protective = amount <= float(value)
        else:
            protective = amount >= float(value)
        protective = target_only or protective
        if not protective:
            federal = f"{value} {'h' if tf.kind == 'hours' else 'calendar days'}"
            raise RuleError(
                f"State override {text} for {tf.id} is less protective of the enrollee than the "
                f"federal {federal} ({cite_label(self.cite(tf.id))}); a State may only set more protective timeframes",
                self.view.rule_cite("state_flexibility"))
        used["state_override"] = text
        return candidate, used, text

    def _apply(self, tf: Timeframe, start: dt.datetime, value: float, action: dt.date | None) -> dt.datetime:
        if tf.kind == "hours":
            return self.after_hours(start, float(value))
        if tf.kind == "days_before":
            assert action is not None
            return self.before_days(action, int(value))
        return self.after_days(start, int(value), tf.party)

    def obligation(self, tf_id: str, start: dt.datetime, *, start_event: str | None = None, condition: str | None = None,
                   action: dt.date | None = None, key: str | None = None, description: str | None = None) -> Obligation:
        tf = TIMEFRAMES[tf_id]
        due, used, override = self.limit(tf, start, action=action, key=key)
        return self.make(tf, due, start, start_event=start_event, condition=condition, used=used, override=override,
                         counts="before" if tf.kind == "days_before" else "after", description=description)


def _clock(params: ParamSet, zone: str | None, state_overrides: Mapping[str, dt.timedelta] | None) -> _Clock:
    view = params.typed(AppealsParams)
    overrides = dict(state_overrides or {})
    for tf_id, td in overrides.items():
        tf = TIMEFRAMES.get(tf_id)
        if tf is None or not tf.state_may_override:
            allowed = ", ".join(k for k, v in TIMEFRAMES.items() if v.state_may_override)
            raise RuleError(f"no State override for {tf_id!r}: § 422.629(c) covers the timeframes of §§ 422.629-422.634 "
                            f"({allowed})", view.rule_cite("state_flexibility") if view.unified_in_force
                            else view.rule_cite("unified_from_2021"))
        if td <= dt.timedelta(0):
            raise RuleError(f"State override for {tf_id} must be a positive duration", view.rule_cite("state_flexibility"))
    return _Clock(params=params, view=view, zone=zone_of(zone or view.plan_time_zone_text), overrides=overrides)


def _unified_clock(params: ParamSet, zone: str | None, state_overrides: Mapping[str, dt.timedelta] | None,
                   what: str) -> _Clock:
    """The clock of a unified-process function: refused in a period before the unified process (§ 422.629(a))."""
    c = _clock(params, zone, None)
    c.require_unified(what)
    return _clock(params, zone, state_overrides) if state_overrides else c


def _sorted(obligations: list[Obligation]) -> list[Obligation]:
    order = list(TIMEFRAMES)
    return sorted(obligations, key=lambda o: (calendar.utc(o.due), order.index(o.id)))


def _not_before(later: dt.datetime, earlier: dt.datetime, what: str, cite: tuple[Cite, ...]) -> None:
    if calendar.utc(later) < calendar.utc(earlier):
        raise RuleError(f"{what} ({later.isoformat()}) is before the receipt of the request ({earlier.isoformat()})", cite)


def _expedite_denial(c: _Clock, rec: dt.datetime, expedite_denied: dt.datetime, tf_id: str, jeopardy: bool = False,
                     must: str = "", must_cite: tuple[Cite, ...] = ()) -> dt.datetime:
    """The local time expedited handling was denied: not before the receipt (cited to ``tf_id``), and refused with
    ``must`` (``must_cite``) when a provider indicated that the standard timeframe could seriously jeopardize the
    enrollee."""
    denied = c.local(expedite_denied, "denial of expedited handling")
    _not_before(denied, rec, "the denial of expedited handling", c.cite(tf_id))
    if jeopardy:
        raise RuleError(must, must_cite)
    return denied


def _oral_followup(c: _Clock, rec: dt.datetime, oral_notice: dt.datetime, tf_id: str, condition: str | None = None,
                   cite_id: str | None = None) -> Obligation:
    """The written follow-up ``tf_id`` of a decision first given orally (not before the receipt, cited to ``cite_id``,
    default ``tf_id``)."""
    oral = c.local(oral_notice, "oral notification")
    _not_before(oral, rec, "the oral notification", c.cite(cite_id or tf_id))
    return c.obligation(tf_id, oral, condition=condition)


def _check_extension(c: _Clock, process: Literal["grievance", "iod", "ir"], ext: Extension) -> None:
    """Who may ask for an extension and what the plan must show when it extends on its own (D-8).

    § 422.629(l)(2): wherever §§ 422.629-422.634 say "enrollee", a provider that files the request and an authorized
    representative are included. So a provider who filed the grievance or reconsideration for the enrollee may ask
    for the extension the enrollee may ask for; a provider who did not file it may not (IG, IR). The IOD lets any
    provider ask (§ 422.631(d)(2)(ii)(A)).
    """
    provider_as_enrollee = ext.requested_by == "provider" and ext.filed_by_requester
    if process == "grievance":
        cite = c.cited("grievance_extension_calendar_days").cite
        if ext.requested_by == "provider" and not provider_as_enrollee:
            raise RuleError("only the enrollee (including a provider that filed the grievance for the enrollee, "
                            "§ 422.629(l)(2)) may request a grievance extension, or the plan on its own showing",
                            cite + c.view.rule_cite("enrollee_includes_filing_provider"))
        if ext.requested_by == "plan" and not (ext.needs_information and ext.enrollee_interest and ext.justification):
            raise RuleError("a plan-initiated grievance extension needs a justified need for additional information and "
                            "documentation of how the delay is in the enrollee's interest", cite)
        return
    if process == "iod":
        cite = c.view.rule_cite("iod_extension_requesters")
    else:
        cite = c.view.rule_cite("ir_extension_requesters")
        if ext.requested_by == "provider" and not provider_as_enrollee:
            raise RuleError("only the enrollee (including a provider that filed the reconsideration for the enrollee, "
                            "§ 422.629(l)(2)) may request an integrated reconsideration extension, or the plan on its "
                            "own showing", cite + c.view.rule_cite("enrollee_includes_filing_provider"))
    if ext.requested_by == "plan" and not (ext.enrollee_interest and ext.needs_information and ext.likely_approval
                                           and ext.justification):
        raise RuleError("a plan-initiated extension must show it is in the enrollee's interest, that additional "
                        "information is needed and that it would likely lead to approval (written justification)", cite)


def _extend(c: _Clock, ext: Extension, base: Obligation, received: dt.datetime,
            limit: Cited[int]) -> tuple[dt.datetime, int, dt.datetime | None]:
    """Validate an extension against its ``limit`` (the cited maximum); return the extended due time, the days
    added and the local decision time (who may ask is checked by the caller)."""
    days = ext.calendar_days or limit.value
    if days > limit.value:
        raise RuleError(f"an extension of {days} calendar days exceeds the {limit.value} the rule allows", limit.cite)
    cite = c.cite(base.id)
    decided = None
    if ext.decided is not None:
        decided = c.local(ext.decided, "extension decision")
        _not_before(decided, received, "the decision to extend", cite)
        if calendar.utc(decided) > calendar.utc(base.due):
            raise RuleError(f"the decision to extend ({decided.isoformat()}) comes after the timeframe expired "
                            f"({base.due.isoformat()}); an expired timeframe cannot be extended", cite)
    return c.plus_days(base.due, days), days, decided


def _extended(c: _Clock, base: Obligation, rec: dt.datetime, due: dt.datetime, days: int, limit: Cited[int]) -> Obligation:
    """``base`` (a resolution counted from ``rec``) extended to ``due`` by ``days`` calendar days under ``limit``."""
    return c.make(TIMEFRAMES[base.id], due, rec, used={**base.params_used, limit.key: days}, override=base.state_override,
                  description=f"{base.description} (extended by {days} calendar days)")


def _extension_notice(c: _Clock, tf_id: str, due: dt.datetime, rec: dt.datetime, decided: dt.datetime | None,
                      used: dict[str, Any], description: str | None = None) -> Obligation:
    """The written notice ``tf_id`` of an extension, due by the end of the extension, from the decision to extend (the
    receipt when its time is not given)."""
    return c.make(TIMEFRAMES[tf_id], due, decided or rec, used=used, description=description,
                  start_event="decision to extend" if decided else "decision to extend (time not given; receipt)")


def _extended_determination(c: _Clock, base: Obligation, rec: dt.datetime, due: dt.datetime, days: int,
                            decided: dt.datetime | None, limit: Cited[int], ids: tuple[str, str],
                            notice_description: str | None = None) -> tuple[Obligation, Obligation]:
    """A determination extended by ``days``: ``ids`` = (the determination in the extended timeframe, counted from the
    end of ``base``; the written notice of the extension)."""
    final_id, notice_id = ids
    used = {**base.params_used, limit.key: limit.value, "extension_calendar_days": days}
    final = c.make(TIMEFRAMES[final_id], due, base.due, used=used, override=base.state_override,
                   start_event=f"end of the original timeframe ({base.id}) + {days}-calendar-day extension")
    return final, _extension_notice(c, notice_id, due, rec, decided, used, notice_description)


_NONCONTRACT_INFO = "if medical information is needed from noncontract providers"
_JEOPARDY = "a provider indicated that the standard timeframe could seriously jeopardize the enrollee: "


def _first_timeframe(c: _Clock, rec: dt.datetime, ids: tuple[str, str, str, str, str], expedited: bool,
                     expedite_denied: dt.datetime | None, provider_indicates_jeopardy: bool, must: str,
                     must_cite: tuple[Cite, ...]) -> tuple[Obligation, Obligation | None]:
    """The decision timeframe by handling and the obligation that comes with it: ``ids`` = (standard, expedited,
    noncontract information request, standard after a denied expedite, written notice of the denial)."""
    standard, fast, info, after_denial, denial_notice = ids
    if expedite_denied is not None:
        denied = _expedite_denial(c, rec, expedite_denied, after_denial, provider_indicates_jeopardy, _JEOPARDY + must,
                                  must_cite)
        return c.obligation(after_denial, rec), c.obligation(denial_notice, denied)
    if expedited:
        return c.obligation(fast, rec), c.obligation(info, rec, condition=_NONCONTRACT_INFO)
    return c.obligation(standard, rec), None


def acknowledgement(c: _Clock, rec: dt.datetime, start_event: str) -> Obligation:
    """T29: the written acknowledgement "upon receiving the request" - the plan's target unless a State binds it.

    The rule gives no number (D-13), so the federal value is a target (``acknowledgement_binding_bool`` false): the
    obligation says so in its condition and the workflow reports a miss as "target missed", never as late. A State
    override of T29 (§ 422.629(c)) makes it a binding deadline.
    """
    ob = c.obligation("T29", rec, start_event=start_event)
    binding = bool(c.value("acknowledgement_binding_bool")) or ob.state_override is not None
    if binding:
        return ob
    return ob.model_copy(update={"condition": "target: the rule names no time for it (a miss is not a late obligation)",
                                 "params_used": {**ob.params_used, "acknowledgement_binding_bool": False}})


# --- integrated grievances, § 422.630 --------------------------------------------------------------------


@cites("42 CFR 422.630(d)", "42 CFR 422.630(e)", "42 CFR 422.629(g)", "42 CFR 422.629(c)")
def integrated_grievance(
    received: dt.datetime,
    params: ParamSet,
    expedited: bool = False,
    extension: Extension | None = None,
    zone: str | None = None,
    state_overrides: dict[str, dt.timedelta] | None = None,
) -> list[Obligation]:
    """T29 acknowledgement; T2 standard resolution (+T3 when extended) or T4 expedited response (no extension)."""
    c = _unified_clock(params, zone, state_overrides, "an integrated grievance")
    rec = c.local(received, "receipt")
    out = [acknowledgement(c, rec, "receipt of the integrated grievance")]
    if expedited:
        if extension is not None:
            raise RuleError(f"an expedited grievance ({c.value('expedited_grievance_response_h'):g} hours) has no "
                            "extension in the rule", c.cite("T4"))
        t4 = c.obligation("T4", rec)
        t4 = t4.model_copy(update={"params_used": {**t4.params_used, "expedited_grievance_clock_start_text":
                                                   c.value("expedited_grievance_clock_start_text")}})
        return _sorted([*out, t4])
    base = c.obligation("T2", rec)
    if extension is None:
        return _sorted([*out, base])
    limit = c.cited("grievance_extension_calendar_days")
    _check_extension(c, "grievance", extension)
    due, days, decided = _extend(c, extension, base, rec, limit)
    out.append(_extended(c, base, rec, due, days, limit))
    if decided is not None:
        out.append(c.obligation("T3", decided))
    return _sorted(out)


# --- integrated organization determinations, § 422.631 -----------------------------------------------------


@cites("42 CFR 422.631(d)(1)", "42 CFR 422.631(d)(2)", "42 CFR 422.629(c)")
def integrated_organization_determination(
    received: dt.datetime,
    params: ParamSet,
    expedited: bool = False,
    expedite_denied: dt.datetime | None = None,
    provider_indicates_jeopardy: bool = False,
    extension: Extension | None = None,
    zone: str | None = None,
    state_overrides: dict[str, dt.timedelta] | None = None,
) -> list[Obligation]:
    """T5 standard, T7 expedited (+T10), or T8 after a denied expedite (+T9); T11/T12 when extended; T13 on expiry."""
    c = _unified_clock(params, zone, state_overrides, "an integrated organization determination")
    rec = c.local(received, "receipt")
    base, companion = _first_timeframe(c, rec, ("T5", "T7", "T10", "T8", "T9"), expedited, expedite_denied,
                                       provider_indicates_jeopardy, "the plan must expedite",
                                       c.view.rule_cite("iod_must_expedite"))
    out = [companion] if companion else []
    final = base
    if extension is not None:
        limit = c.cited("iod_extension_max_calendar_days")
        _check_extension(c, "iod", extension)
        due, days, decided = _extend(c, extension, base, rec, limit)
        final, notice = _extended_determination(c, base, rec, due, days, decided, limit, ("T12", "T11"))
        out.append(notice)
    out.append(final)
    out.append(c.make(TIMEFRAMES["T13"], c.end_of_day(final.due.date()), final.due, used=final.params_used,
                      start_event=f"expiry of the timeframe ({final.id})",
                      condition=f"if no determination has been made by the {final.id} deadline"))
    return _sorted(out)


@cites("42 CFR 422.631(d)(2)(i)(A)", "42 CFR 422.632(a)", "42 CFR 422.633(d)(1)")
def adverse_determination_windows(
    params: ParamSet,
    notice_date: dt.date | None = None,
    notice_sent: dt.datetime | None = None,
    effective: dt.date | None = None,
    zone: str | None = None,
    state_overrides: dict[str, dt.timedelta] | None = None,
) -> list[Obligation]:
    """After an adverse IOD: T6 advance notice (reductions), T14 timely continuation, T15 reconsideration filing."""
    c = _unified_clock(params, zone, state_overrides, "an adverse integrated organization determination")
    out: list[Obligation] = []
    if effective is not None:
        out.append(c.obligation("T6", c.day_start(effective), action=effective,
                                condition="if a previously approved service is reduced, suspended or terminated "
                                          "(unless §§ 431.213, 431.214 allow otherwise)"))
    if notice_sent is not None:
        sent = c.local(notice_sent, "notice sent")
        tf = TIMEFRAMES["T14"]
        after_sent, used, override = c.limit(tf, sent)
        windows = [(after_sent, sent, f"adverse notice sent (+{c.value(str(tf.key))} calendar days)")]
        if effective is not None:
            windows.append((c.end_of_day(effective), c.day_start(effective), "intended effective date (later)"))
        due, start, event = calendar.later_of(*windows, key=lambda w: w[0])
        out.append(c.make(tf, due, start, start_event=event, used=used, override=override,
                          condition="if continuation of benefits is wanted during the reconsideration"))
    if notice_date is not None:
        out.append(c.obligation("T15", c.day_start(notice_date),
                                condition="later only for good cause, by a written request that says why"))
    return _sorted(out)


# --- integrated reconsiderations, §§ 422.633, 422.634 ------------------------------------------------------


@cites("42 CFR 422.633(e)", "42 CFR 422.633(f)", "42 CFR 422.634(b)(1)", "42 CFR 422.629(g)", "42 CFR 422.629(c)")
def integrated_reconsideration(
    received: dt.datetime,
    params: ParamSet,
    expedited: bool = False,
    expedite_denied: dt.datetime | None = None,
    provider_indicates_jeopardy: bool = False,
    extension: Extension | None = None,
    affirmed: dt.datetime | None = None,
    zone: str | None = None,
    state_overrides: dict[str, dt.timedelta] | None = None,
) -> list[Obligation]:
    """T29; T16 / T17 (+T20) / T18 (+T19) resolution and T22 notice; T21 when extended; T23 / T24 IRE forwarding."""
    c = _unified_clock(params, zone, state_overrides, "an integrated reconsideration")
    rec = c.local(received, "receipt")
    out = [acknowledgement(c, rec, "receipt of the integrated reconsideration request")]
    granted = expedited and expedite_denied is None
    base, companion = _first_timeframe(c, rec, ("T16", "T17", "T20", "T18", "T19"), expedited, expedite_denied,
                                       provider_indicates_jeopardy, "the plan must grant the expedited reconsideration",
                                       c.view.rule_cite("ir_must_expedite"))
    if companion:
        out.append(companion)
    resolution = base
    ext_due: dt.datetime | None = None
    if extension is not None:
        limit = c.cited("ir_extension_calendar_days")
        _check_extension(c, "ir", extension)
        ext_due, days, decided = _extend(c, extension, base, rec, limit)
        resolution = _extended(c, base, rec, ext_due, days, limit)
        if decided is not None:
            out.append(c.obligation("T21", decided))
    out.append(resolution)
    out.append(c.make(TIMEFRAMES["T22"], resolution.due, rec, used=resolution.params_used,
                      start_event=f"receipt of the request (within the {resolution.id} resolution timeframe)"))
    medicare = "if the reconsideration affirms, in whole or in part, an adverse decision on a Medicare benefit"
    if not granted:
        t23 = c.obligation("T23", rec, condition=medicare)
        if ext_due is not None:
            t23 = t23.model_copy(update={"due": ext_due, "params_used": {**t23.params_used, **resolution.params_used},
                                         "start_event": "receipt of the request (no later than the end of the extension)"})
        out.append(t23)
    elif affirmed is not None:
        aff = c.local(affirmed, "affirmation")
        _not_before(aff, rec, "the affirmation", c.cite("T24"))
        t24 = c.obligation("T24", aff, condition=medicare)
        if ext_due is not None:
            rule = c.value("ire_forward_expedited_extended_text")
            due = calendar.earlier_of(t24.due, ext_due) if rule == "earlier_of" else ext_due
            t24 = t24.model_copy(update={"due": due, "params_used": {**t24.params_used, **resolution.params_used,
                                                                     "ire_forward_expedited_extended_text": rule}})
        out.append(t24)
    return _sorted(out)


@cites("42 CFR 422.634(b)(2)", "42 CFR 422.632(c)(3)(i)")
def reconsideration_resolution_windows(
    params: ParamSet,
    notice_date: dt.date | None = None,
    notice_sent: dt.datetime | None = None,
    zone: str | None = None,
    state_overrides: dict[str, dt.timedelta] | None = None,
) -> list[Obligation]:
    """After an adverse IR on a Medicaid benefit: T25 State fair hearing request, T26 continuation into the hearing."""
    c = _unified_clock(params, zone, state_overrides, "an integrated reconsideration")
    out: list[Obligation] = []
    medicaid = "if the reconsideration affirms, in whole or in part, an adverse decision on a Medicaid benefit"
    if notice_date is not None:
        out.append(c.obligation("T25", c.day_start(notice_date), condition=medicaid))
    if notice_sent is not None:
        out.append(c.obligation("T26", c.local(notice_sent, "notice sent"), condition=medicaid))
    return _sorted(out)


Reverser = Literal["plan", "state_fair_hearing", "independent_review_entity", "administrative_law_judge",
                   "medicare_appeals_council"]


@cites("42 CFR 422.634(d)", "42 CFR 422.618(b)", "42 CFR 422.618(c)", "42 CFR 422.619(b)", "42 CFR 422.619(c)")
def reversal_effectuation(
    notice_received: dt.datetime,
    params: ParamSet,
    reversed_by: Reverser = "plan",
    expedited: bool = False,
    payment: bool = False,
    zone: str | None = None,
    state_overrides: dict[str, dt.timedelta] | None = None,
) -> list[Obligation]:
    """T27: a plan or State fair hearing reversal of services not furnished is carried out within 72 hours.

    T28: a reversal by the IRE, an ALJ or attorney adjudicator, or the Medicare Appeals Council is effectuated "under
    same timelines applicable to other MA plans as specified in §§ 422.618 and 422.619" (§ 422.634(d)): the E ids of
    :func:`partcd.appeals.rules.standard.partc_effectuation` - IRE: authorize within 72 h (E5) and provide within
    14 cd (E6), pay within 30 cd (E7), expedited 72 h (E8); ALJ / Council: 60 cd (E9).
    """
    c = _unified_clock(params, zone, state_overrides, "an integrated reversal")
    received = c.local(notice_received, "receipt of the reversal notice")
    if reversed_by in ("plan", "state_fair_hearing"):
        return [c.obligation("T27", received)]
    return _higher_level_reversal(c, received, reversed_by, expedited, payment)


def _higher_level_reversal(c: _Clock, received: dt.datetime, reversed_by: Reverser, expedited: bool,
                           payment: bool) -> list[Obligation]:
    """E5-E9: a Part C reversal by the IRE or a higher level (§§ 422.618(b)-(c), 422.619(b)-(c))."""
    by = reversed_by.replace("_", " ")
    event = f"receipt of the notice reversing (the {by})"
    if reversed_by != "independent_review_entity":
        return [c.obligation("E9", received, start_event=event)]
    if payment:
        return [c.obligation("E7", received, start_event=event)]
    if expedited:
        return [c.obligation("E8", received, start_event=event)]
    return _sorted([c.obligation("E5", received, start_event=event),
                    c.obligation("E6", received, start_event=event, condition="if the service is not provided "
                                 "within the authorization deadline E5, it must be provided by this one")])


@cites("42 CFR 422.107(d)")
def admission_notification(
    admitted: dt.datetime,
    params: ParamSet,
    state_timeframe: dt.timedelta,
    zone: str | None = None,
) -> list[Obligation]:
    """T31: notice of a hospital or SNF admission within the timeframe the State Medicaid agency sets (no default)."""
    c = _unified_clock(params, zone, None, "an admission notification")
    start = c.local(admitted, "admission")
    if state_timeframe <= dt.timedelta(0):
        raise RuleError("the State-set admission notification timeframe must be positive", c.cite("T31"))
    due = calendar.add_hours(start, state_timeframe, c.zone)
    return [c.make(TIMEFRAMES["T31"], due, start, used={"state_timeframe": calendar.format_duration(state_timeframe)},
                   condition="for the State-identified group of high-risk full-benefit dual eligible individuals")]


# --- Part D coverage determinations and exceptions ----------------------------------------------------------


def _denied_start(c: _Clock, rec: dt.datetime) -> tuple[dt.datetime, str]:
    if c.view.denied_expedite_hour_clock_start_text == "start_of_receipt_day":
        return c.day_start(rec.date()), "start of the day the expedited request was received"
    return rec, "receipt of the expedited request (the clock is not restarted at the denial)"


def _partd_followups(c: _Clock, rec: dt.datetime, expedited: bool, expedite_denied: dt.datetime | None,
                     oral_notice: dt.datetime | None) -> list[Obligation]:
    """D4 written notice of a denied expedite; D2 / D3 written follow-up of a decision first given orally."""
    out: list[Obligation] = []
    if expedite_denied is not None:
        out.append(c.obligation("D4", c.local(expedite_denied, "denial of expedited handling")))
    if oral_notice is not None:
        out.append(_oral_followup(c, rec, oral_notice, "D3" if expedited and expedite_denied is None else "D2",
                                  cite_id="D2"))
    return out


@cites("42 CFR 423.568(b)", "42 CFR 423.568(c)", "42 CFR 423.568(d)", "42 CFR 423.570(a)", "42 CFR 423.570(d)",
       "42 CFR 423.572(a)", "42 CFR 423.572(b)")
def partd_coverage_determination(
    received: dt.datetime,
    params: ParamSet,
    expedited: bool = False,
    expedite_denied: dt.datetime | None = None,
    payment: bool = False,
    oral_notice: dt.datetime | None = None,
    zone: str | None = None,
) -> list[Obligation]:
    """P1 standard (72 h), P3 expedited (24 h), P5 expedite denied (72 h from the day of the expedited request, +D4);
    D1 a request for payment (14 calendar days; never expedited); D2 / D3 the written follow-up of an oral notice."""
    c = _clock(params, zone, None)
    rec = c.local(received, "receipt")
    if payment:
        if expedited or expedite_denied is not None:
            raise RuleError("a request for payment of drugs already furnished cannot be expedited: it is decided in "
                            f"{c.value('partd_payment_calendar_days')} calendar days (D1)",
                            c.view.rule_cite("partd_no_expedite_payment"))
        return _sorted([c.obligation("D1", rec), *_partd_followups(c, rec, False, None, oral_notice)])
    if expedite_denied is not None:
        _expedite_denial(c, rec, expedite_denied, "P5")
        start, event = _denied_start(c, rec)
        hours = c.view.partd_expedite_denied_h
        decision = c.make(TIMEFRAMES["P5"], c.after_hours(start, hours), start, start_event=event,
                          used={"partd_expedite_denied_h": hours,
                                "denied_expedite_hour_clock_start_text": c.view.denied_expedite_hour_clock_start_text})
    else:
        decision = c.obligation("P3" if expedited else "P1", rec)
    return _sorted([decision, *_partd_followups(c, rec, expedited, expedite_denied, oral_notice)])


@cites("42 CFR 423.568(b)", "42 CFR 423.570(d)(1)", "42 CFR 423.572(a)")
def partd_exception(
    received: dt.datetime,
    params: ParamSet,
    supporting_statement: dt.datetime | None = None,
    expedited: bool = False,
    expedite_denied: dt.datetime | None = None,
    oral_notice: dt.datetime | None = None,
    zone: str | None = None,
) -> list[Obligation]:
    """P2 / P4 / P5: hours after the supporting statement; without one by the end of day 14, the same hours after that.

    Current § 423.568(b) (CMS-4185-F, ``partd_exception_missing_statement_text = outer_limit_then_hours``): due =
    (the earlier of the statement's receipt and the end of the 14th calendar day after the request) + 72 h (24 h
    expedited). The proposal's reading (``whichever_first``): the earlier of statement + hours and the end of day 14.
    A statement that arrives with (or before) the request starts its hours at the request's receipt.
    """
    c = _clock(params, zone, None)
    rec = c.local(received, "receipt")
    if expedite_denied is not None:
        _expedite_denial(c, rec, expedite_denied, "P5")
        tf_id, key = "P5", "partd_exception_supporting_statement_h"
    elif expedited:
        tf_id, key = "P4", "partd_expedited_exception_supporting_statement_h"
    else:
        tf_id, key = "P2", "partd_exception_supporting_statement_h"
    outer_days = c.view.partd_exception_outer_calendar_days
    outer = c.after_days(rec, outer_days)
    hours = float(c.value(key))
    rule = c.view.partd_exception_missing_statement_text
    used: dict[str, Any] = {"partd_exception_outer_calendar_days": outer_days, key: hours,
                            "partd_exception_missing_statement_text": rule}
    ss = (calendar.later_of(c.local(supporting_statement, "supporting statement receipt"), rec)
          if supporting_statement is not None else None)
    if rule == "whichever_first":
        due, start, event = outer, rec, f"receipt of the request ({outer_days}-calendar-day outer limit)"
        if ss is not None:
            due, start, event = calendar.earlier_of(
                (due, start, event), (c.after_hours(ss, hours), ss, f"receipt of the supporting statement (+{hours:g} h, "
                                                                    "earlier)"), key=lambda w: w[0])
    elif ss is not None and calendar.utc(ss) <= calendar.utc(outer):
        due, start, event = c.after_hours(ss, hours), ss, f"receipt of the supporting statement (+{hours:g} h)"
    else:
        late = "" if ss is None else f"; the statement came after day {outer_days}"
        due, start, event = (c.after_hours(outer, hours), outer,
                             f"end of calendar day {outer_days} after the request (+{hours:g} h{late})")
    decision = c.make(TIMEFRAMES[tf_id], due, start, start_event=event, used=used)
    return _sorted([decision, *_partd_followups(c, rec, expedited, expedite_denied, oral_notice)])


# --- filing windows (the enrollee's side) -------------------------------------------------------------------


class FilingCheck(BaseModel):
    """Whether a filing by the enrollee is on time, and whether the plan may still accept it."""

    model_config = ConfigDict(frozen=True)

    id: str
    filing: str
    filed: dt.datetime
    deadline: dt.datetime | None
    timely: bool
    may_accept: bool
    reason: str
    cite: str


Filing = Literal["integrated_grievance", "integrated_reconsideration", "continuation", "state_fair_hearing",
                 "state_fair_hearing_continuation", "partc_reconsideration", "partd_redetermination", "partc_grievance",
                 "partd_grievance"]
#: The standard filings: the window's timeframe id, and whether late filing may be accepted for good cause in writing.
_STANDARD_FILINGS: dict[str, tuple[str, bool]] = {
    "partc_reconsideration": ("C12", True), "partd_redetermination": ("D5", True),
    "partc_grievance": ("C23", False), "partd_grievance": ("D14", False),
}


def standard_filing_window(c: _Clock, filing: str, notice_date: dt.date | None, notice_received: dt.date | None,
                           event_date: dt.date | None) -> Obligation:
    """C12 / D5 (from the notice: its date, or its receipt - actual, else presumed) and C23 / D14 (from the event)."""
    tf_id, _ = _STANDARD_FILINGS[filing]
    if tf_id in ("C23", "D14"):
        if event_date is None:
            raise RuleError(f"{filing.replace('_', ' ')}: the date of the event grieved is needed", c.cite(tf_id))
        return c.obligation(tf_id, c.day_start(event_date), start_event="the event or incident grieved")
    if notice_date is None:
        raise RuleError(f"{filing.replace('_', ' ')}: the date on the notice is needed", c.cite(tf_id))
    presumed = int(c.view.notice_receipt_presumed_calendar_days)
    if presumed == 0:
        return c.obligation(tf_id, c.day_start(notice_date), start_event="date of the notice")
    if notice_received is not None and notice_received >= notice_date:
        start, event = notice_received, "receipt of the notice (evidence of the actual receipt)"
    else:
        start = notice_date + dt.timedelta(days=presumed)
        event = f"receipt of the notice (presumed {presumed} calendar days after its date)"
    ob = c.obligation(tf_id, c.day_start(start), start_event=event)
    return ob.model_copy(update={"params_used": {**ob.params_used, "notice_receipt_presumed_calendar_days": presumed}})


@cites("42 CFR 422.630(b)", "42 CFR 422.633(d)", "42 CFR 422.632(a)", "42 CFR 422.634(b)(2)", "42 CFR 422.632(c)(3)(i)",
       "42 CFR 422.582(b)", "42 CFR 422.582(c)", "42 CFR 423.582(b)", "42 CFR 422.564(d)(2)", "42 CFR 423.564(d)(2)")
def filing_timeliness(
    filing: Filing,
    filed: dt.datetime,
    params: ParamSet,
    notice_date: dt.date | None = None,
    notice_sent: dt.datetime | None = None,
    effective: dt.date | None = None,
    good_cause_in_writing: bool = False,
    notice_received: dt.date | None = None,
    event_date: dt.date | None = None,
    zone: str | None = None,
    state_overrides: dict[str, dt.timedelta] | None = None,
) -> FilingCheck:
    """T1 (integrated grievance: any time), T15 (integrated reconsideration, good cause), T14 / T26 (continuation), T25
    (fair hearing); C12 / D5 (reconsideration / redetermination, good cause in writing), C23 / D14 (grievances)."""
    if filing in _STANDARD_FILINGS:
        c = _clock(params, zone, None)
        at = c.local(filed, "filing")
        window = standard_filing_window(c, filing, notice_date, notice_received, event_date)
        good_cause_ok = _STANDARD_FILINGS[filing][1]
    else:
        c = _unified_clock(params, zone, state_overrides, filing.replace("_", " "))
        at = c.local(filed, "filing")
        if filing == "integrated_grievance":
            return FilingCheck(id="T1", filing=filing, filed=at, deadline=None, timely=True, may_accept=True,
                               reason="an integrated grievance may be filed at any time", cite=cite_label(c.cite("T1")))
        if filing in ("integrated_reconsideration", "state_fair_hearing"):
            if notice_date is None:
                raise RuleError(f"{filing.replace('_', ' ')}: the date on the notice is needed")
            obligations = (adverse_determination_windows(params, notice_date=notice_date, zone=zone,
                                                         state_overrides=state_overrides)
                           if filing == "integrated_reconsideration" else
                           reconsideration_resolution_windows(params, notice_date=notice_date, zone=zone,
                                                              state_overrides=state_overrides))
        else:
            if notice_sent is None:
                raise RuleError(f"{filing.replace('_', ' ')}: the time the notice was sent is needed")
            obligations = (adverse_determination_windows(params, notice_sent=notice_sent, effective=effective, zone=zone,
                                                         state_overrides=state_overrides)
                           if filing == "continuation" else
                           reconsideration_resolution_windows(params, notice_sent=notice_sent, zone=zone,
                                                              state_overrides=state_overrides))
        window = next(o for o in obligations if o.party == "enrollee")
        good_cause_ok = filing == "integrated_reconsideration"
    timely = calendar.utc(at) <= calendar.utc(window.due)
    may_accept = timely
    reason = f"filed by the deadline {window.due.isoformat()}" if timely else f"filed after the deadline {window.due.isoformat()}"
    if not timely and good_cause_ok:
        may_accept = good_cause_in_writing
        reason += ("; a written request stating why it was late may be accepted for good cause"
                   if good_cause_in_writing else "; only a written request stating good cause may extend the filing time")
    elif not timely and filing in ("partc_grievance", "partd_grievance"):
        reason += "; the rule gives no good-cause extension for a late grievance"
    return FilingCheck(id=window.id, filing=filing, filed=at, deadline=window.due, timely=timely, may_accept=may_accept,
                       reason=reason, cite=window.cite)
