"""Parts 422 subpart M, 423 subpart M - appeal and grievance cases as state machines (4185-P L2685-L2966; current CFR).

Pure: every instant ("now", the time of an event) is an argument; no clock, no I/O. A :class:`Case` is a frozen
record of the § 422.629(h) fields plus what the timing rules need; :func:`apply` validates one :class:`CaseEvent`
against the state machine of its process (an illegal transition is a ``RuleError`` with the citation) and returns
the new case; :func:`advance` applies the rule's consequence of a missed deadline. The processes: the unified
process of applicable integrated plans (shared/specs/appeals.md §6: integrated grievance, organization
determination, reconsideration), Part D coverage determinations and exceptions, and the standard processes every MA
and Part D plan runs: Part C organization determinations (§§ 422.566-422.572), reconsiderations (§§ 422.578-422.590)
and grievances (§ 422.564), Part D redeterminations (§§ 423.580-423.590) and grievances (§ 423.564). Due times come
from :mod:`partcd.appeals.rules.clocks` and :mod:`partcd.appeals.rules.standard`.

Consequences of a missed deadline: an untimely IOD is a denial (§ 422.631(d)(1)); an untimely IR is adverse, Medicare
items go to the IRE (§ 422.634(a)); an untimely Part C organization determination is an adverse determination the
enrollee may appeal (§ 422.568(f)); an untimely Part C reconsideration is an affirmation forwarded to the IRE
(§ 422.590(d), (g)); an untimely Part D coverage determination or redetermination is adverse and forwarded to the IRE
within 24 hours (§§ 423.568(h), 423.572(d), 423.590(c), (e)); grievances have none (overdue in the queue only).

Back-dated entries: an event may say it happened up to ``event_backdate_max_h`` before it is recorded; an earlier
one - or one dated before a deemed-adverse consequence the system already recorded - needs a written reason and a
second person (``backdate_reason``, ``approved_by``). Every event keeps the time it was recorded (``recorded_at``).

Choices where the rule is silent are listed in :data:`CHOICES` (and in appeals/README.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from partcd.appeals.rules.clocks import (
    Extension,
    Obligation,
    adverse_determination_windows,
    filing_timeliness,
    integrated_grievance,
    integrated_organization_determination,
    integrated_reconsideration,
    partd_coverage_determination,
    partd_exception,
    reconsideration_resolution_windows,
    reversal_effectuation,
    zone_of,
)
from partcd.appeals.rules.parameters import AppealsParams, RuleCiteId
from partcd.appeals.rules.standard import (
    partc_effectuation,
    partc_grievance,
    partc_organization_determination,
    partc_reconsideration,
    partd_effectuation,
    partd_grievance,
    partd_redetermination,
)
from partcd.core.citation import Cite, cite_label, cites
from partcd.core.errors import ParameterError, RuleError
from partcd.core.params import Cited, ParamSet

UTC = dt.UTC
_M = TypeVar("_M", bound=BaseModel)

# Input bounds (design choices, not rules): texts fit the columns they are stored in (``partcd.appeals.store``:
# enrollee_name VARCHAR(120), actor VARCHAR(100)); free text (the reason, notes, justifications) is bounded so one
# request cannot make the stored case, its timeline and the audit log grow without limit.
#: Free text: the reason (§ 422.629(h)(1)), event notes and justifications.
FREE_TEXT_MAX_CHARS = 10_000
#: ``appeal_case.enrollee_name`` is VARCHAR(120).
ENROLLEE_NAME_MAX_CHARS = 120
#: ``case_event.actor`` and ``audit_event.actor`` are VARCHAR(100).
ACTOR_MAX_CHARS = 100
#: Short identifiers kept in the case data (zone names, references to another case, obligation ids).
ZONE_MAX_CHARS = 64
REFERENCE_MAX_CHARS = 40
#: The longest extension a request may name (the rules allow 14 days; a larger number is a typing error).
EXTENSION_MAX_CALENDAR_DAYS = 366

CaseType = Literal["integrated_grievance", "integrated_organization_determination", "integrated_reconsideration",
                   "partd_coverage_determination", "partd_exception", "partc_organization_determination",
                   "partc_reconsideration", "partc_grievance", "partd_redetermination", "partd_grievance"]
CASE_TYPES: tuple[CaseType, ...] = ("integrated_grievance", "integrated_organization_determination",
                                    "integrated_reconsideration", "partd_coverage_determination", "partd_exception",
                                    "partc_organization_determination", "partc_reconsideration", "partc_grievance",
                                    "partd_redetermination", "partd_grievance")
INTEGRATED_TYPES: frozenset[str] = frozenset({"integrated_grievance", "integrated_organization_determination",
                                              "integrated_reconsideration"})
GRIEVANCE_TYPES: frozenset[str] = frozenset({"integrated_grievance", "partc_grievance", "partd_grievance"})
Program = Literal["medicare", "medicaid"]
Channel = Literal["oral", "written", "state_forwarded"]
Requester = Literal["enrollee", "representative", "provider", "assignee", "estate"]
GrievanceSubject = Literal["extension", "expedite_refusal", "quality_of_care", "other"]
Decision = Literal["favorable", "partially_favorable", "adverse"]
NoticeKind = Literal["acknowledgement", "extension", "denial_of_expedite", "adverse_determination",
                     "reconsideration_resolution", "continuation", "standard_extension", "standard_denial_of_expedite",
                     "standard_denial", "grievance_resolution"]
NOTICE_KINDS: tuple[NoticeKind, ...] = ("acknowledgement", "extension", "denial_of_expedite", "adverse_determination",
                                        "reconsideration_resolution", "continuation", "standard_extension",
                                        "standard_denial_of_expedite", "standard_denial", "grievance_resolution")
Forum = Literal["state_fair_hearing", "external_medical_review", "independent_review_entity",
                "administrative_law_judge", "medicare_appeals_council"]
EventKind = Literal["review", "notice_sent", "noncontract_info_requested", "receive_in_writing", "grant_expedite",
                    "deny_expedite", "extend", "resolve", "decide", "request_continuation", "withdraw",
                    "forward_to_ire", "request_sfh", "later_decision", "effectuate", "supporting_statement",
                    "accept_good_cause", "deadline_passed", "received"]
EVENT_KINDS: tuple[EventKind, ...] = ("review", "notice_sent", "noncontract_info_requested", "receive_in_writing",
                                      "grant_expedite", "deny_expedite", "extend", "resolve", "decide",
                                      "request_continuation", "withdraw", "forward_to_ire", "request_sfh",
                                      "later_decision", "effectuate", "supporting_statement", "accept_good_cause")
Continuation = Literal["none", "continuing", "continuing_to_sfh", "ended"]


#: Where the rule is silent: the choice taken in this module (also in the appeals README).
CHOICES: dict[str, str] = {
    "late_decision": "a late decision is recorded (universe) but does not undo the deemed adverse consequence",
    "deemed_ir_continuation": "a deemed adverse IR keeps continued benefits: § 422.632(c)(2) needs an issued IR",
    "mixed_programs": "Medicare items drive the state (IRE); the Medicaid path is kept in fields (D-11)",
    "deemed_expedited_ir_t24": "T24 for a deemed adverse expedited IR starts at the expiry of the timeframe",
    "partd_missed_deadline": "a missed Part D deadline is an adverse determination forwarded to the IRE "
                             "(current CFR 423.568(h), 423.572(d); the hours are partd_missed_deadline_ire_forward_h)",
    "continuation_notice_due": "the rule sets no time for a continuation notice; it is tracked without a due time",
    "standard_extension_notice_due": "the written notice of an extension of a Part C organization determination or "
                                     "reconsideration (C7, C22) has no time of its own: due by the end of the extension",
    "payment_expedite_request": "an expedite asked for a payment request is not available (§§ 422.570(a), 423.570(a)):"
                                " the request is processed under the payment timeframe and the event says why",
    "provider_filed_extension": "§ 422.629(l)(2): a provider that filed the grievance or reconsideration is the "
                                "'enrollee' and may ask for the extension the enrollee may ask for",
    "acknowledgement_target": "T29 has no number in the rule: a miss of the federal target is 'target_missed', not "
                              "late; a State override of T29 binds",
    "backdated_events": "an event dated more than event_backdate_max_h before it is recorded, or before a recorded "
                        "deemed-adverse consequence, needs a written reason and a second person",
    "approved_backdated_decision": "an approved back-dated decision made before the deadline clears the deemed-adverse "
                                   "consequence the sweep recorded; the deadline_passed event stays in the timeline",
}

_WAITING_DECISION = ("STANDARD_PENDING", "EXPEDITED_PENDING", "EXTENDED")

#: States of each machine (shared/specs/appeals.md §6; Part D from §8 and the current CFR; the standard processes from
#: 42 CFR 422 subpart M and 423 subpart M).
STATES: dict[CaseType, tuple[str, ...]] = {
    "integrated_grievance": ("STANDARD_OPEN", "EXPEDITED_OPEN", "EXTENDED_OPEN", "RESOLVED"),
    "integrated_organization_determination": ("NOT_A_VALID_REQUEST", "RECEIVED", "STANDARD_PENDING",
                                              "EXPEDITED_PENDING", "EXTENDED", "APPROVED", "ADVERSE_NOTICED",
                                              "DEEMED_ADVERSE"),
    "integrated_reconsideration": ("REQUESTED", "UNTIMELY", "STANDARD_PENDING", "EXPEDITED_PENDING", "EXTENDED",
                                   "WITHDRAWN", "REVERSED", "UPHELD", "DEEMED_ADVERSE_IR", "IRE_FORWARDED",
                                   "SFH_ELIGIBLE", "MEDICAID_BENEFITS_CONTINUING_TO_SFH", "BOUND_BY_FAVORABLE"),
    "partd_coverage_determination": ("NOT_A_VALID_REQUEST", "RECEIVED", "STANDARD_PENDING", "EXPEDITED_PENDING",
                                     "APPROVED", "DENIED", "DEEMED_ADVERSE", "IRE_FORWARDED", "BOUND_BY_FAVORABLE"),
    "partd_exception": ("RECEIVED", "STANDARD_PENDING", "EXPEDITED_PENDING", "APPROVED", "DENIED", "DEEMED_ADVERSE",
                        "IRE_FORWARDED", "BOUND_BY_FAVORABLE"),
    "partc_organization_determination": ("NOT_A_VALID_REQUEST", "RECEIVED", "STANDARD_PENDING", "EXPEDITED_PENDING",
                                         "EXTENDED", "APPROVED", "DENIED", "DEEMED_ADVERSE", "WITHDRAWN"),
    "partc_reconsideration": ("UNTIMELY", "REQUESTED", "STANDARD_PENDING", "EXPEDITED_PENDING", "EXTENDED", "REVERSED",
                              "AFFIRMED", "DEEMED_AFFIRMED", "IRE_FORWARDED", "BOUND_BY_FAVORABLE", "WITHDRAWN"),
    "partc_grievance": ("STANDARD_OPEN", "EXPEDITED_OPEN", "EXTENDED_OPEN", "RESOLVED"),
    "partd_redetermination": ("UNTIMELY", "RECEIVED", "STANDARD_PENDING", "EXPEDITED_PENDING", "APPROVED", "DENIED",
                              "DEEMED_ADVERSE", "IRE_FORWARDED", "BOUND_BY_FAVORABLE", "WITHDRAWN"),
    "partd_grievance": ("STANDARD_OPEN", "EXPEDITED_OPEN", "EXTENDED_OPEN", "RESOLVED"),
}

#: The end states the specification names (terminal: no event changes the state any more).
SPEC_TERMINAL: dict[CaseType, frozenset[str]] = {
    "integrated_grievance": frozenset({"RESOLVED"}),
    "integrated_organization_determination": frozenset({"APPROVED", "ADVERSE_NOTICED"}),
    "integrated_reconsideration": frozenset({"WITHDRAWN", "REVERSED", "BOUND_BY_FAVORABLE"}),
    "partd_coverage_determination": frozenset({"APPROVED", "DENIED", "BOUND_BY_FAVORABLE"}),
    "partd_exception": frozenset({"APPROVED", "DENIED", "BOUND_BY_FAVORABLE"}),
    "partc_organization_determination": frozenset({"APPROVED", "DENIED", "WITHDRAWN"}),
    "partc_reconsideration": frozenset({"REVERSED", "BOUND_BY_FAVORABLE", "WITHDRAWN"}),
    "partc_grievance": frozenset({"RESOLVED"}),
    "partd_redetermination": frozenset({"APPROVED", "BOUND_BY_FAVORABLE", "WITHDRAWN"}),
    "partd_grievance": frozenset({"RESOLVED"}),
}

#: The recorded outcome of every state that is past a decision (None = still open).
OUTCOMES: dict[str, str] = {
    "RESOLVED": "resolved", "APPROVED": "approved", "ADVERSE_NOTICED": "adverse", "DEEMED_ADVERSE": "deemed_adverse",
    "DENIED": "adverse", "IRE_FORWARDED": "forwarded_to_ire", "WITHDRAWN": "withdrawn", "REVERSED": "reversed",
    "UPHELD": "upheld", "DEEMED_ADVERSE_IR": "deemed_adverse", "SFH_ELIGIBLE": "upheld",
    "MEDICAID_BENEFITS_CONTINUING_TO_SFH": "upheld", "BOUND_BY_FAVORABLE": "reversed_at_later_level",
    "UNTIMELY": "untimely_filing", "NOT_A_VALID_REQUEST": "not_a_valid_request", "AFFIRMED": "affirmed",
    "DEEMED_AFFIRMED": "deemed_affirmed",
}

_RECORD_ONLY: frozenset[str] = frozenset({"review", "notice_sent", "noncontract_info_requested", "effectuate"})
_PENDING = ("STANDARD_PENDING", "EXPEDITED_PENDING", "EXTENDED")
_GRIEVANCE_MACHINE: dict[str, frozenset[str]] = {
    "STANDARD_OPEN": frozenset({"extend", "resolve"}),
    "EXPEDITED_OPEN": frozenset({"resolve"}),
    "EXTENDED_OPEN": frozenset({"resolve"}),
    "RESOLVED": frozenset(),
}
_PARTD_CD_MACHINE: dict[str, frozenset[str]] = {
    "NOT_A_VALID_REQUEST": frozenset({"receive_in_writing"}),
    "RECEIVED": frozenset({"grant_expedite", "deny_expedite"}),
    "STANDARD_PENDING": frozenset({"decide", "supporting_statement"}),
    "EXPEDITED_PENDING": frozenset({"decide", "supporting_statement"}),
    "DEEMED_ADVERSE": frozenset({"forward_to_ire", "decide"}),
    "APPROVED": frozenset({"effectuate"}),
    "DENIED": frozenset(),
    "IRE_FORWARDED": frozenset({"later_decision"}),
    "BOUND_BY_FAVORABLE": frozenset({"effectuate"}),
}

#: Which events each state accepts (besides the record-only ones: review, notice_sent, noncontract_info_requested).
TRANSITIONS: dict[CaseType, dict[str, frozenset[str]]] = {
    "integrated_grievance": _GRIEVANCE_MACHINE,
    "integrated_organization_determination": {
        "NOT_A_VALID_REQUEST": frozenset({"receive_in_writing"}),
        "RECEIVED": frozenset({"grant_expedite", "deny_expedite"}),
        "STANDARD_PENDING": frozenset({"extend", "decide"}),
        "EXPEDITED_PENDING": frozenset({"extend", "decide"}),
        "EXTENDED": frozenset({"decide"}),
        "DEEMED_ADVERSE": frozenset({"decide"}),
        "APPROVED": frozenset({"effectuate"}),
        "ADVERSE_NOTICED": frozenset(),
    },
    "integrated_reconsideration": {
        "REQUESTED": frozenset({"grant_expedite", "deny_expedite", "request_continuation", "withdraw"}),
        "UNTIMELY": frozenset({"accept_good_cause"}),
        "STANDARD_PENDING": frozenset({"extend", "decide", "withdraw", "request_continuation"}),
        "EXPEDITED_PENDING": frozenset({"extend", "decide", "withdraw", "request_continuation"}),
        "EXTENDED": frozenset({"decide", "withdraw", "request_continuation"}),
        "UPHELD": frozenset({"forward_to_ire", "request_sfh", "later_decision"}),
        "DEEMED_ADVERSE_IR": frozenset({"forward_to_ire", "request_sfh", "decide", "later_decision"}),
        "IRE_FORWARDED": frozenset({"request_sfh", "later_decision"}),
        "SFH_ELIGIBLE": frozenset({"request_sfh", "later_decision"}),
        "MEDICAID_BENEFITS_CONTINUING_TO_SFH": frozenset({"later_decision", "withdraw"}),
        "REVERSED": frozenset({"effectuate"}),
        "BOUND_BY_FAVORABLE": frozenset({"effectuate"}),
        "WITHDRAWN": frozenset(),
    },
    "partd_coverage_determination": _PARTD_CD_MACHINE,
    "partd_exception": {k: v for k, v in _PARTD_CD_MACHINE.items() if k != "NOT_A_VALID_REQUEST"}
    | {"RECEIVED": frozenset({"grant_expedite", "deny_expedite", "supporting_statement"})},
    "partc_organization_determination": {
        "NOT_A_VALID_REQUEST": frozenset({"receive_in_writing"}),
        "RECEIVED": frozenset({"grant_expedite", "deny_expedite", "withdraw"}),
        "STANDARD_PENDING": frozenset({"extend", "decide", "withdraw"}),
        "EXPEDITED_PENDING": frozenset({"extend", "decide", "withdraw"}),
        "EXTENDED": frozenset({"decide", "withdraw"}),
        "DEEMED_ADVERSE": frozenset({"decide"}),
        "APPROVED": frozenset({"effectuate"}),
        "DENIED": frozenset(),
        "WITHDRAWN": frozenset(),
    },
    "partc_reconsideration": {
        "UNTIMELY": frozenset({"accept_good_cause"}),
        "REQUESTED": frozenset({"grant_expedite", "deny_expedite", "withdraw"}),
        "STANDARD_PENDING": frozenset({"extend", "decide", "withdraw"}),
        "EXPEDITED_PENDING": frozenset({"extend", "decide", "withdraw"}),
        "EXTENDED": frozenset({"decide", "withdraw"}),
        "REVERSED": frozenset({"effectuate"}),
        "AFFIRMED": frozenset({"forward_to_ire"}),
        "DEEMED_AFFIRMED": frozenset({"forward_to_ire", "decide"}),
        "IRE_FORWARDED": frozenset({"later_decision"}),
        "BOUND_BY_FAVORABLE": frozenset({"effectuate"}),
        "WITHDRAWN": frozenset(),
    },
    "partc_grievance": _GRIEVANCE_MACHINE,
    "partd_redetermination": {
        "UNTIMELY": frozenset({"accept_good_cause"}),
        "RECEIVED": frozenset({"grant_expedite", "deny_expedite", "withdraw"}),
        "STANDARD_PENDING": frozenset({"decide", "withdraw"}),
        "EXPEDITED_PENDING": frozenset({"decide", "withdraw"}),
        "APPROVED": frozenset({"effectuate"}),
        "DENIED": frozenset({"later_decision"}),
        "DEEMED_ADVERSE": frozenset({"forward_to_ire", "decide"}),
        "IRE_FORWARDED": frozenset({"later_decision"}),
        "BOUND_BY_FAVORABLE": frozenset({"effectuate"}),
        "WITHDRAWN": frozenset(),
    },
    "partd_grievance": _GRIEVANCE_MACHINE,
}

#: The citation shown when an event is refused in a state (the process's governing paragraph, a row of the
#: parameters' ``rule_citations_table``).
PROCESS_CITE: dict[CaseType, RuleCiteId] = {
    "integrated_grievance": "grievance_process",
    "integrated_organization_determination": "iod_process",
    "integrated_reconsideration": "ir_process",
    "partd_coverage_determination": "partd_process",
    "partd_exception": "partd_process",
    "partc_organization_determination": "partc_od_process",
    "partc_reconsideration": "partc_recon_process",
    "partc_grievance": "partc_grievance_process",
    "partd_redetermination": "partd_rd_process",
    "partd_grievance": "partd_grievance_process",
}


class Intake(BaseModel):
    """What intake staff record when a request arrives (§ 422.629(h)(1), (2), (6) and the timing facts)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    case_type: CaseType
    received: dt.datetime
    reason: str = Field(min_length=1, max_length=FREE_TEXT_MAX_CHARS, description="(h)(1) general description of the reason")
    enrollee_name: str = Field(min_length=1, max_length=ENROLLEE_NAME_MAX_CHARS,
                               description="(h)(6) the enrollee for whom it was filed")
    mbi: str = Field(min_length=11, max_length=11, description="Medicare Beneficiary Identifier (no hyphens)")
    contract_id: str = Field(pattern=r"^[A-Z][0-9]{4}$")
    plan_benefit_package: str = Field(default="001", pattern=r"^[0-9]{3}$")
    channel: Channel = "written"
    requester: Requester = "enrollee"
    aor_received: dt.date | None = None
    programs: tuple[Program, ...] = Field(default=("medicare", "medicaid"), max_length=2)
    zone: str | None = Field(default=None, max_length=ZONE_MAX_CHARS)
    expedite_requested: bool = False
    provider_indicates_jeopardy: bool = False
    grievance_subject: GrievanceSubject | None = None
    payment_request: bool = False
    oral_payment_policy: bool = False
    noncontract_info_needed: bool = False
    parent_ref: str | None = Field(default=None, max_length=REFERENCE_MAX_CHARS)
    adverse_notice_date: dt.date | None = None
    adverse_notice_sent: dt.datetime | None = None
    intended_effective_date: dt.date | None = None
    good_cause_in_writing: bool = False
    supporting_statement_at: dt.datetime | None = None
    part_b_drug: bool = False
    prior_authorization: bool = False
    adverse_notice_received: dt.date | None = Field(default=None, description="actual receipt of the notice appealed, "
                                                    "when there is evidence of it (else it is presumed)")
    grievance_event_date: dt.date | None = Field(default=None, description="the event or incident grieved (standard "
                                                 "grievances must be filed within 60 days of it)")
    drug_already_received: bool = Field(default=False, description="Part D grievance about a refused expedite: the "
                                        "enrollee already has the drug (no 24-hour response then, § 423.564(f))")


class CaseEvent(BaseModel):
    """One event on a case: what happened, when, who recorded it, and its details."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: EventKind
    at: dt.datetime
    actor: str = Field(default="system", min_length=1, max_length=ACTOR_MAX_CHARS)
    note: str | None = Field(default=None, max_length=FREE_TEXT_MAX_CHARS)
    decision: Decision | None = None
    notice: NoticeKind | None = None
    notice_date: dt.date | None = None
    notice_sent: dt.datetime | None = None
    oral_notice: dt.datetime | None = None
    effective_date: dt.date | None = None
    reduction: bool = False
    requested_by: Literal["enrollee", "representative", "provider", "plan"] | None = None
    calendar_days: int | None = Field(default=None, ge=1, le=EXTENSION_MAX_CALENDAR_DAYS)
    enrollee_interest: bool = False
    needs_information: bool = False
    likely_approval: bool = False
    justification: str | None = Field(default=None, max_length=FREE_TEXT_MAX_CHARS)
    consent_on_file: bool = False
    previously_authorized: bool = False
    ordered_by_authorized_provider: bool = False
    authorization_period_unexpired: bool = False
    with_continuation: bool = False
    forum: Forum | None = None
    favorable: bool | None = None
    response_mode: Literal["oral", "written"] | None = None
    deadline_id: str | None = Field(default=None, max_length=REFERENCE_MAX_CHARS)
    recorded_at: dt.datetime | None = Field(default=None, description="when the event was recorded (set by apply)")
    backdate_reason: str | None = Field(default=None, max_length=500,
                                        description="why an event is recorded long after it happened")
    approved_by: str | None = Field(default=None, max_length=100,
                                    description="the second person who approved a back-dated entry")


class Case(Intake):
    """A case: the intake plus its state, its decisions and notices, and every event (the timeline)."""

    status: str
    expedited: bool = False
    expedite_denied_at: dt.datetime | None = None
    extension: Extension | None = None
    reviews: tuple[dt.datetime, ...] = ()
    decision: Decision | None = None
    decided_at: dt.datetime | None = None
    notice_date: dt.date | None = None
    notice_sent: dt.datetime | None = None
    oral_notice_at: dt.datetime | None = None
    enrollee_notified_at: dt.datetime | None = None
    reduction: bool = False
    action_date: dt.date | None = None
    response_mode: Literal["oral", "written"] | None = None
    affirmed_at: dt.datetime | None = None
    deemed_adverse_at: dt.datetime | None = None
    noncontract_info_requested_at: dt.datetime | None = None
    ire_forwarded_at: dt.datetime | None = None
    continuation: Continuation = "none"
    continuation_requested_at: dt.datetime | None = None
    continuation_end_reason: str | None = None
    sfh_requested_at: dt.datetime | None = None
    later_forum: Forum | None = None
    later_favorable: bool | None = None
    reversal_notice_at: dt.datetime | None = None
    effectuated_at: dt.datetime | None = None
    notices: dict[str, dt.datetime] = Field(default_factory=dict)
    events: tuple[CaseEvent, ...] = ()

    @property
    def outcome(self) -> str | None:
        return OUTCOMES.get(self.status)


class Deadline(BaseModel):
    """One obligation of a case with its state at ``now``: met (on time or late), open, overdue, the enrollee's, or
    ``target_missed`` - a target the rule gives no number for (T29 without a State number), never a late obligation."""

    model_config = ConfigDict(frozen=True)

    id: str
    description: str
    party: str
    due: dt.datetime
    cite: str
    met_at: dt.datetime | None
    state: Literal["met", "late", "open", "overdue", "enrollee", "target_missed"]
    late_by: dt.timedelta | None = None
    notice: NoticeKind | None = None
    binding: bool = True


# --- helpers ---------------------------------------------------------------------------------------------


def _u(t: dt.datetime) -> dt.datetime:
    return t.astimezone(UTC)


def _law(params: ParamSet) -> AppealsParams:
    return params.typed(AppealsParams)


def _cite(params: ParamSet, name: RuleCiteId) -> tuple[Cite, ...]:
    """A paragraph the workflow cites, from the period's ``rule_citations_table``."""
    return _law(params).rule_cite(name)


def _records_cite(case: Intake, params: ParamSet) -> tuple[Cite, ...]:
    """The paragraph a refusal about the record itself cites: § 422.629(h) for an integrated case, else the process's."""
    if case.case_type in INTEGRATED_TYPES:
        return _cite(params, "records")
    return _cite(params, PROCESS_CITE[case.case_type])


def _zone(case: Intake, params: ParamSet) -> str:
    return case.zone or _law(params).plan_time_zone_text


def _aware(t: dt.datetime, zone: str, what: str) -> dt.datetime:
    """An aware instant; a naive ``what`` is read in the plan's zone (as the clocks do)."""
    if t.tzinfo is not None and t.utcoffset() is not None:
        return t
    return t.replace(tzinfo=zone_of(zone))


def _article(case_type: str) -> str:
    words = case_type.replace("_", " ")
    return ("an " if words[0] in "aeiou" else "a ") + words


def _localized(model: _M, zone: str) -> _M:
    """The model with every naive date-time read in the plan's zone (as the clocks read them)."""
    naive = {k: _aware(v, zone, k) for k, v in model if isinstance(v, dt.datetime) and v.tzinfo is None}
    return model.model_copy(update=naive) if naive else model


def _refuse(case: Case, params: ParamSet, kind: str, why: str | None = None,
            cite: tuple[Cite, ...] | None = None) -> RuleError:
    allowed = sorted(TRANSITIONS[case.case_type][case.status] | (_RECORD_ONLY - {"effectuate"}))
    reason = why or (f"{kind.replace('_', ' ')} is not allowed for {_article(case.case_type)} in state "
                     f"{case.status}; allowed: {', '.join(allowed)}")
    return RuleError(reason, cite or _cite(params, PROCESS_CITE[case.case_type]),
                     details={"status": case.status, "event": kind, "allowed": allowed})


# --- intake ----------------------------------------------------------------------------------------------

_PARTC_ONLY = ("partc_organization_determination", "partc_reconsideration")
_PAYMENT_TYPES = ("integrated_organization_determination", "partd_coverage_determination",
                  "partc_organization_determination", "partc_reconsideration", "partd_redetermination")


@cites("42 CFR 422.629(h)", "42 CFR 422.630(d)", "42 CFR 422.631(b)", "42 CFR 422.631(c)", "42 CFR 422.633(d)",
       "42 CFR 422.633(e)", "42 CFR 423.570", "42 CFR 422.564", "42 CFR 422.568(a)", "42 CFR 422.570",
       "42 CFR 422.582", "42 CFR 422.584", "42 CFR 423.564", "42 CFR 423.568(a)", "42 CFR 423.582", "42 CFR 423.584")
def open_case(intake: Intake, params: ParamSet, *, actor: str, now: dt.datetime) -> Case:
    """Receive a request: the first state of its machine, with the receipt recorded as the first event."""
    zone = _zone(intake, params)
    zone_of(zone)
    intake = _localized(intake, zone)
    received = intake.received
    t = intake.case_type
    law = _law(params)
    if t in INTEGRATED_TYPES and not law.unified_in_force:
        raise RuleError(f"{_article(t)} received {received.date()}: the unified process of applicable integrated plans "
                        f"applies from January 1, 2021 ({params.file} has none); use the standard process",
                        _cite(params, "unified_from_2021"))
    if _u(received) > _u(_aware(now, zone, "now")):
        raise RuleError(f"the receipt {received.isoformat()} is in the future", _records_cite(intake, params))
    if t in GRIEVANCE_TYPES and intake.grievance_subject is None:
        raise RuleError("a grievance needs its subject (extension, expedite_refusal, quality_of_care or other): it "
                        "decides the 24-hour expedited response", _cite(params, PROCESS_CITE[t]))
    if t != "partd_exception" and intake.supporting_statement_at is not None:
        raise RuleError("a supporting statement belongs to an exceptions request (partd_exception)",
                        _cite(params, "partd_process"))
    if (intake.part_b_drug or intake.prior_authorization) and t not in _PARTC_ONLY:
        raise RuleError("Part B drug and prior authorization are facts of a Part C organization determination or "
                        "reconsideration", _cite(params, PROCESS_CITE[t]))
    if intake.prior_authorization and t != "partc_organization_determination":
        raise RuleError("the prior-authorization timeframe is that of an organization determination",
                        _cite(params, "partc_od_process"))
    if intake.payment_request and t not in _PAYMENT_TYPES:
        raise RuleError(f"{_article(t)} is not a request for payment", _cite(params, PROCESS_CITE[t]))
    if t == "integrated_reconsideration" and intake.adverse_notice_date is None:
        raise RuleError("an integrated reconsideration needs the date on the adverse determination notice "
                        f"(it starts the {law.ir_filing_calendar_days}-day filing window)", _cite(params, "ir_filing"))
    if t in ("partc_reconsideration", "partd_redetermination") and intake.adverse_notice_date is None:
        rule: RuleCiteId = "partc_recon_filing" if t == "partc_reconsideration" else "partd_rd_filing"
        raise RuleError(f"{_article(t)} needs the date on the notice it appeals (it starts the filing window)",
                        _cite(params, rule))
    if not intake.programs:
        raise RuleError("a case needs the program of its disputed items (medicare, medicaid or both)",
                        _records_cite(intake, params))
    status, expedited = _triage(intake, params, received)
    events = [_receipt_event(received, actor, now)]
    if intake.payment_request and intake.expedite_requested:
        rule_pay: RuleCiteId = "partd_no_expedite_payment" if t.startswith("partd") else "partc_no_expedite_payment"
        events.append(CaseEvent(kind="review", at=received, actor=actor, recorded_at=now,
                                note=f"expedited handling is not available for a request for payment "
                                     f"({cite_label(_cite(params, rule_pay))}): processed under the payment timeframe"))
    case = Case(**{**intake.model_dump(), "zone": zone, "received": received}, status=status, expedited=expedited,
                events=tuple(events))
    # the clocks validate the facts (e.g. a supporting statement before receipt is moved to receipt)
    obligations(case, params)
    return case


def _receipt_event(received: dt.datetime, actor: str, now: dt.datetime | None = None) -> CaseEvent:
    return CaseEvent(kind="received", at=received, actor=actor, note="request received", recorded_at=now)


def _triage(intake: Intake, params: ParamSet, received: dt.datetime) -> tuple[str, bool]:
    t = intake.case_type
    if t in ("integrated_grievance", "partc_grievance"):
        expedited = intake.grievance_subject in ("extension", "expedite_refusal")
        return ("EXPEDITED_OPEN" if expedited else "STANDARD_OPEN"), expedited
    if t == "partd_grievance":
        expedited = intake.grievance_subject == "expedite_refusal" and not intake.drug_already_received
        return ("EXPEDITED_OPEN" if expedited else "STANDARD_OPEN"), expedited
    if (t in ("integrated_organization_determination", "partc_organization_determination", "partd_coverage_determination")
            and intake.payment_request and intake.channel == "oral" and not intake.oral_payment_policy):
        return "NOT_A_VALID_REQUEST", False
    if t in ("integrated_reconsideration", "partc_reconsideration", "partd_redetermination"):
        assert intake.adverse_notice_date is not None
        filing = "integrated_reconsideration" if t == "integrated_reconsideration" else t
        check = filing_timeliness(filing, received, params, notice_date=intake.adverse_notice_date,  # type: ignore[arg-type]
                                  notice_received=intake.adverse_notice_received,
                                  good_cause_in_writing=intake.good_cause_in_writing, zone=intake.zone)
        if not check.may_accept:
            return "UNTIMELY", False
        if intake.payment_request and t != "integrated_reconsideration":
            return "STANDARD_PENDING", False
        waiting = "REQUESTED" if t != "partd_redetermination" else "RECEIVED"
        if intake.expedite_requested and not intake.provider_indicates_jeopardy:
            return waiting, False
        return ("EXPEDITED_PENDING", True) if intake.expedite_requested else ("STANDARD_PENDING", False)
    if intake.payment_request and t != "integrated_organization_determination":
        return "STANDARD_PENDING", False  # a payment request is never expedited (§§ 422.570(a), 423.570(a))
    if intake.expedite_requested:
        if intake.provider_indicates_jeopardy:
            return "EXPEDITED_PENDING", True
        return "RECEIVED", False
    return "STANDARD_PENDING", False


# --- obligations -----------------------------------------------------------------------------------------

_RESOLUTION_IDS = frozenset({"T5", "T7", "T8", "T12", "T16", "T17", "T18", "P1", "P2", "P3", "P4", "P5", "C1", "C2",
                             "C3", "C4", "C5", "C8", "C11", "C13", "C14", "C15", "C16", "C17", "D1", "D6", "D7", "D8",
                             "D9"})
_GRIEVANCE_IDS = frozenset({"T2", "T4", "C24", "C26", "D15", "D17"})
#: The timeframe ids of the decisions (and grievance resolutions) a waiting case waits for.
DECISION_IDS = _RESOLUTION_IDS | _GRIEVANCE_IDS
_NOTICE_OF: dict[str, NoticeKind] = {
    "T29": "acknowledgement", "T3": "extension", "T11": "extension", "T21": "extension",
    "T9": "denial_of_expedite", "T19": "denial_of_expedite", "T13": "adverse_determination",
    "T6": "adverse_determination", "T22": "reconsideration_resolution",
    "C6": "standard_denial_of_expedite", "C18": "standard_denial_of_expedite", "D4": "standard_denial_of_expedite",
    "D10": "standard_denial_of_expedite", "C7": "standard_extension", "C22": "standard_extension",
    "C25": "standard_extension", "D16": "standard_extension",
}
_WRITTEN_FOLLOW_UP = frozenset({"C10", "C20", "D2", "D3", "D12"})
_IRE_IDS = frozenset({"T23", "T24", "PD-IRE", "C21", "D13"})
_EFFECTUATION_IDS = frozenset({"T27", *(f"E{i}" for i in range(1, 18))})


@cites("42 CFR 422.629(g)", "42 CFR 422.630(d)", "42 CFR 422.630(e)", "42 CFR 422.631(d)", "42 CFR 422.632(a)",
       "42 CFR 422.633(f)", "42 CFR 422.634(b)", "42 CFR 422.634(d)", "42 CFR 423.568(b)", "42 CFR 423.572(a)",
       "42 CFR 422.564", "42 CFR 422.568", "42 CFR 422.572", "42 CFR 422.590", "42 CFR 423.564", "42 CFR 423.590")
def obligations(case: Case, params: ParamSet) -> list[Obligation]:
    """The obligations that apply to the case as it stands (conditional ones only once their condition holds)."""
    zone = _zone(case, params)
    t = case.case_type
    if case.status in ("NOT_A_VALID_REQUEST",):
        return []
    out: list[Obligation]
    if t == "integrated_grievance":
        out = integrated_grievance(case.received, params, expedited=case.expedited, extension=case.extension, zone=zone)
    elif t in ("partc_grievance", "partd_grievance"):
        fn = partc_grievance if t == "partc_grievance" else partd_grievance
        out = fn(case.received, params, expedited=case.expedited, extension=case.extension, zone=zone)
    elif t == "integrated_organization_determination":
        expedited = case.expedited or case.status == "RECEIVED"
        out = integrated_organization_determination(case.received, params, expedited=expedited,
                                                    expedite_denied=case.expedite_denied_at, extension=case.extension,
                                                    zone=zone)
        out = [o for o in out if (o.id != "T13" or case.deemed_adverse_at is not None)
               and (o.id != "T10" or case.noncontract_info_needed)]
        if is_adverse(case):
            notice_date = case.notice_date or (case.deemed_adverse_at.astimezone(zone_of(zone)).date()
                                               if case.deemed_adverse_at else None)
            out += adverse_determination_windows(params, notice_date=notice_date,
                                                 notice_sent=case.notice_sent or case.deemed_adverse_at,
                                                 effective=case.action_date if case.reduction else None, zone=zone)
    elif t == "integrated_reconsideration":
        out = _ir_obligations(case, params, zone)
    elif t == "partc_organization_determination":
        out = _partc_od_obligations(case, params, zone)
    elif t == "partc_reconsideration":
        out = _partc_recon_obligations(case, params, zone)
    elif t == "partd_redetermination":
        out = _partd_rd_obligations(case, params, zone)
    else:
        out = _partd_obligations(case, params, zone)
    return sorted(out, key=lambda o: (_u(o.due), o.id))


def is_adverse(case: Case) -> bool:
    """Adverse in whole or in part, or deemed adverse by a missed deadline and not decided favorably since."""
    if case.decision is not None:
        return case.decision in ("adverse", "partially_favorable")
    return case.deemed_adverse_at is not None


def _ir_obligations(case: Case, params: ParamSet, zone: str) -> list[Obligation]:
    if case.status == "UNTIMELY":
        return [o for o in integrated_reconsideration(case.received, params, zone=zone) if o.id == "T29"]
    expedited = case.expedited or case.status == "REQUESTED"
    adverse = is_adverse(case)
    affirmed = None
    if expedited and adverse:
        affirmed = case.deemed_adverse_at or case.affirmed_at  # deemed first: the T24 clock ran from the expiry
    out = integrated_reconsideration(case.received, params, expedited=expedited, expedite_denied=case.expedite_denied_at,
                                     extension=case.extension, affirmed=affirmed, zone=zone)
    medicare = "medicare" in case.programs
    out = [o for o in out if (o.id not in ("T23", "T24") or (adverse and medicare))
           and (o.id != "T20" or case.noncontract_info_needed)]
    if adverse and "medicaid" in case.programs:
        sent = case.notice_sent or case.deemed_adverse_at
        notice_date = case.notice_date or (sent.astimezone(zone_of(zone)).date() if sent else None)
        out += reconsideration_resolution_windows(params, notice_date=notice_date, notice_sent=sent, zone=zone)
    if case.reversal_notice_at is not None:
        reverser = "plan" if case.later_forum is None else case.later_forum
        if reverser != "external_medical_review":
            out += reversal_effectuation(case.reversal_notice_at, params, reversed_by=reverser, expedited=case.expedited,
                                         payment=case.payment_request, zone=zone)
    return out


def _partc_od_obligations(case: Case, params: ParamSet, zone: str) -> list[Obligation]:
    expedited = case.expedited or case.status == "RECEIVED"
    oral = case.oral_notice_at if case.decision in ("adverse", "partially_favorable") else None
    out = partc_organization_determination(
        case.received, params, expedited=expedited, expedite_denied=case.expedite_denied_at,
        part_b_drug=case.part_b_drug, payment=case.payment_request, prior_authorization=case.prior_authorization,
        extension=case.extension, oral_notice=oral, zone=zone)
    return [o for o in out if o.id != "C9" or case.noncontract_info_needed]


def _partc_recon_obligations(case: Case, params: ParamSet, zone: str) -> list[Obligation]:
    if case.status == "UNTIMELY":
        return []
    expedited = case.expedited or case.status == "REQUESTED"
    adverse = is_adverse(case)
    oral = case.oral_notice_at if case.decision == "favorable" else None
    out = partc_reconsideration(
        case.received, params, expedited=expedited, expedite_denied=case.expedite_denied_at,
        part_b_drug=case.part_b_drug, payment=case.payment_request, extension=case.extension,
        affirmed=case.affirmed_at, missed=case.deemed_adverse_at is not None, oral_notice=oral, zone=zone)
    out = [o for o in out if (o.id != "C21" or adverse) and (o.id != "C19" or case.noncontract_info_needed)]
    if case.decision == "favorable" and case.deemed_adverse_at is None:
        extended = next((o.due for o in out if o.id in _RESOLUTION_IDS), None) if case.extension else None
        out += partc_effectuation(params, "plan", request_received=case.received, expedited=case.expedited,
                                  payment=case.payment_request, part_b_drug=case.part_b_drug, extended_due=extended,
                                  zone=zone)
    out += _later_effectuation(case, params, zone)
    return out


def _later_effectuation(case: Case, params: ParamSet, zone: str) -> list[Obligation]:
    """E5-E9 / E14-E17: the reversal by the IRE or a higher level of a standard case, from receipt of its notice."""
    if case.later_forum is None or not case.later_favorable or case.reversal_notice_at is None:
        return []
    fn = partc_effectuation if case.case_type.startswith("partc") else partd_effectuation
    return fn(params, case.later_forum, notice_received=case.reversal_notice_at,  # type: ignore[arg-type]
              expedited=case.expedited, payment=case.payment_request, zone=zone)


def _partd_rd_obligations(case: Case, params: ParamSet, zone: str) -> list[Obligation]:
    if case.status == "UNTIMELY":
        return []
    expedited = case.expedited or case.status == "RECEIVED"
    out = partd_redetermination(case.received, params, expedited=expedited, expedite_denied=case.expedite_denied_at,
                                payment=case.payment_request, oral_notice=case.oral_notice_at,
                                missed=case.deemed_adverse_at is not None and is_adverse(case), zone=zone)
    out = [o for o in out if o.id != "D11" or case.noncontract_info_needed]
    if case.decision == "favorable" and case.deemed_adverse_at is None:
        out += partd_effectuation(params, "plan", request_received=case.received, expedited=case.expedited,
                                  payment=case.payment_request, zone=zone)
    out += _later_effectuation(case, params, zone)
    return out


def _partd_obligations(case: Case, params: ParamSet, zone: str) -> list[Obligation]:
    expedited = case.expedited or case.status == "RECEIVED"
    if case.case_type == "partd_coverage_determination":
        out = partd_coverage_determination(case.received, params, expedited=expedited and not case.payment_request,
                                           expedite_denied=case.expedite_denied_at, payment=case.payment_request,
                                           oral_notice=case.oral_notice_at, zone=zone)
    else:
        out = partd_exception(case.received, params, supporting_statement=case.supporting_statement_at,
                              expedited=expedited, expedite_denied=case.expedite_denied_at,
                              oral_notice=case.oral_notice_at, zone=zone)
    if case.deemed_adverse_at is not None and is_adverse(case):
        limit = _law(params).partd_missed_deadline_ire_forward_h
        due = (_u(case.deemed_adverse_at) + dt.timedelta(hours=limit.value)).astimezone(zone_of(zone))
        out.append(Obligation(id="PD-IRE", description="Forward the request to the IRE after a missed deadline",
                              party="plan", due=due, start_event="expiry of the adjudication timeframe",
                              start=case.deemed_adverse_at, cfr=limit.cite[0].cfr, line=limit.cite[0].line,
                              cite=limit.citation, params_used={limit.key: limit.value}))
    out += _later_effectuation(case, params, zone)
    return out


def _met_at(case: Case, ob_id: str) -> dt.datetime | None:
    if ob_id in _NOTICE_OF:
        kind = _NOTICE_OF[ob_id]
        if ob_id == "T6":
            return case.notice_sent
        if ob_id in ("T13", "T22"):
            return case.notices.get(kind) or case.enrollee_notified_at
        return case.notices.get(kind)
    if ob_id in _RESOLUTION_IDS or ob_id in _GRIEVANCE_IDS or ob_id in _WRITTEN_FOLLOW_UP:
        return case.enrollee_notified_at
    if ob_id in ("T10", "T20", "C9", "C19", "D11"):
        return case.noncontract_info_requested_at
    if ob_id in _IRE_IDS:
        return case.ire_forwarded_at
    if ob_id in _EFFECTUATION_IDS:
        return case.effectuated_at
    return None


def _is_target(o: Obligation) -> bool:
    """T29 without a binding number: the plan's target (the rule names no time), not a deadline."""
    return o.id == "T29" and o.params_used.get("acknowledgement_binding_bool") is False


@cites("42 CFR 422.629(h)", "42 CFR 422.631(d)(1)", "42 CFR 422.634(a)")
def deadlines(case: Case, params: ParamSet, now: dt.datetime) -> list[Deadline]:
    """Every obligation with its state at ``now``; a plan obligation met after its due time is ``late`` - except a
    target the rule gives no number for (T29), whose miss is ``target_missed``."""
    out: list[Deadline] = []
    closed = case.status in ("WITHDRAWN",)
    for o in obligations(case, params):
        if o.id == "T13" and "adverse_determination" not in case.notices and case.enrollee_notified_at is not None:
            continue  # no separate notice on the expiry date: the late decision notice is judged on its own row
        met = _met_at(case, o.id)
        notice = _NOTICE_OF.get(o.id)
        binding = not _is_target(o)
        if o.party == "enrollee":
            out.append(Deadline(id=o.id, description=o.obligation, party=o.party, due=o.due, cite=o.cite, met_at=None,
                                state="enrollee"))
            continue
        if met is not None:
            late = _u(met) > _u(o.due)
            state: Literal["met", "late", "target_missed"] = ("met" if not late else "late" if binding
                                                              else "target_missed")
            out.append(Deadline(id=o.id, description=o.obligation, party=o.party, due=o.due, cite=o.cite, met_at=met,
                                state=state, late_by=(_u(met) - _u(o.due)) if late else None, notice=notice,
                                binding=binding))
            continue
        if closed or _superseded(case, o.id):
            continue
        overdue = _u(now) > _u(o.due)
        open_state: Literal["open", "overdue", "target_missed"] = ("open" if not overdue else "overdue" if binding
                                                                   else "target_missed")
        out.append(Deadline(id=o.id, description=o.obligation, party=o.party, due=o.due, cite=o.cite, met_at=None,
                            state=open_state, late_by=(_u(now) - _u(o.due)) if overdue else None, notice=notice,
                            binding=binding))
    return out


def _superseded(case: Case, ob_id: str) -> bool:
    """Obligations that no longer bind: a resolution clock after forwarding to the IRE, or after a withdrawal."""
    if ob_id in _RESOLUTION_IDS | {"T22", "T13"} and case.ire_forwarded_at is not None:
        return True
    if ob_id in _RESOLUTION_IDS and case.deemed_adverse_at is not None:
        return True  # replaced by the adverse notice owed on the expiry date (T13), the IR notice (T22) or the IRE
    return ob_id in ("T10", "T20", "C9", "C19", "D11") and case.status not in (*_PENDING, "RECEIVED", "REQUESTED")


def next_due(case: Case, params: ParamSet, now: dt.datetime) -> dt.datetime | None:
    """The earliest open (or overdue) binding plan obligation: what the work queue sorts by."""
    dues = [d.due for d in deadlines(case, params, now) if d.state in ("open", "overdue")]
    return min(dues, key=_u) if dues else None


def resolution_due(case: Case, params: ParamSet) -> dt.datetime | None:
    """The due time of the decision (or grievance resolution) the current state waits for."""
    for o in obligations(case, params):
        if o.id in _RESOLUTION_IDS | _GRIEVANCE_IDS:
            return o.due
    return None


# --- missed deadlines ------------------------------------------------------------------------------------

#: The states a missed decision moves a case out of, the state it moves to and the rule that says so.
_DEEMED: dict[str, tuple[tuple[str, ...], str, RuleCiteId | None]] = {
    "integrated_organization_determination": (("RECEIVED", *_PENDING), "DEEMED_ADVERSE", "iod_untimely_is_denial"),
    "integrated_reconsideration": (("REQUESTED", *_PENDING), "DEEMED_ADVERSE_IR", "untimely_is_adverse"),
    "partd_coverage_determination": (("RECEIVED", "STANDARD_PENDING", "EXPEDITED_PENDING"), "DEEMED_ADVERSE", None),
    "partd_exception": (("RECEIVED", "STANDARD_PENDING", "EXPEDITED_PENDING"), "DEEMED_ADVERSE", None),
    "partc_organization_determination": (("RECEIVED", *_PENDING), "DEEMED_ADVERSE", "partc_od_untimely_is_adverse"),
    "partc_reconsideration": (("REQUESTED", *_PENDING), "DEEMED_AFFIRMED", "partc_recon_untimely_is_affirmation"),
    "partd_redetermination": (("RECEIVED", "STANDARD_PENDING", "EXPEDITED_PENDING"), "DEEMED_ADVERSE",
                              "partd_rd_untimely_is_adverse"),
}
#: The deemed-adverse states (a missed decision deadline), by any process.
DEEMED_STATES: frozenset[str] = frozenset(target for _, target, _ in _DEEMED.values())
#: The states waiting for a decision (a missed deadline moves a case out of them).
WAITING_STATES: frozenset[str] = frozenset(s for states, _, _ in _DEEMED.values() for s in states)


@cites("42 CFR 422.631(d)(1)", "42 CFR 422.634(a)", "42 CFR 423.568(h)", "42 CFR 422.568(f)", "42 CFR 422.590(d)",
       "42 CFR 422.590(g)", "42 CFR 423.590(c)", "42 CFR 423.590(e)")
def advance(case: Case, params: ParamSet, now: dt.datetime) -> Case:
    """Apply the rule's consequence of every deadline that passed before ``now`` (a pure function of ``now``).

    IOD: no decision by the due time is a denial (DEEMED_ADVERSE; the T13 notice is owed on that date). IR: an
    untimely IR is adverse (DEEMED_ADVERSE_IR; Medicare items must be forwarded to the IRE, Medicaid items open the
    State fair hearing). Part C OD: an adverse determination the enrollee may appeal. Part C reconsideration: an
    affirmation forwarded to the IRE (DEEMED_AFFIRMED). Part D: an adverse determination or redetermination to forward
    to the IRE. Grievances: no regulatory consequence (only overdue in the queue).
    """
    rule = _DEEMED.get(case.case_type)
    if rule is None or case.status not in rule[0]:
        return case
    due = resolution_due(case, params)
    if due is None or _u(now) <= _u(due):
        return case
    law = _law(params)
    cite = law.rule_cite(rule[2]) if rule[2] is not None else law.partd_missed_deadline_ire_forward_h.cite
    ev = CaseEvent(kind="deadline_passed", at=due, actor="system", deadline_id=_resolution_id(case, params),
                   note=f"no decision by the due time: an adverse determination ({cite_label(cite)})")
    return case.model_copy(update={"status": rule[1], "deemed_adverse_at": due, "events": (*case.events, ev)})


def _resolution_id(case: Case, params: ParamSet) -> str | None:
    for o in obligations(case, params):
        if o.id in _RESOLUTION_IDS | _GRIEVANCE_IDS:
            return o.id
    return None


# --- events ----------------------------------------------------------------------------------------------

_DECIDING = frozenset({"decide", "resolve", "forward_to_ire", "later_decision", "deny_expedite", "grant_expedite",
                       "extend"})


def _check_backdating(case: Case, event: CaseEvent, params: ParamSet, now: dt.datetime) -> None:
    """An event dated long before it is recorded, or before a deemed-adverse consequence already recorded, needs a
    written reason and a second person (``event_backdate_max_h``; appeals/README.md "Back-dated events")."""
    law = _law(params)
    lag = _u(now) - _u(event.at)
    limit = law.event_backdate_max_h
    too_old = lag > dt.timedelta(hours=limit)
    before_deemed = (case.deemed_adverse_at is not None and event.kind in _DECIDING
                     and _u(event.at) <= _u(case.deemed_adverse_at))
    if not (too_old or before_deemed):
        return
    why = (f"{event.kind.replace('_', ' ')} dated {event.at.isoformat()} is recorded {lag} later (more than "
           f"{limit:g} hours)" if too_old else
           f"{event.kind.replace('_', ' ')} dated {event.at.isoformat()} is before the deemed-adverse consequence "
           f"recorded at {case.deemed_adverse_at.isoformat() if case.deemed_adverse_at else ''}")
    if not event.backdate_reason:
        raise RuleError(f"{why}: a back-dated entry needs a written reason (backdate_reason) and a second person "
                        "(approved_by)", params.cite("event_backdate_max_h"))
    if not event.approved_by or event.approved_by.strip().lower() == event.actor.strip().lower():
        raise RuleError(f"{why}: a back-dated entry needs the approval of a second person (approved_by, not "
                        f"{event.actor})", params.cite("event_backdate_max_h"))


@cites("42 CFR 422.629(h)", "42 CFR 422.630", "42 CFR 422.631", "42 CFR 422.632", "42 CFR 422.633", "42 CFR 422.634",
       "42 CFR 423.568(b)", "42 CFR 423.570(d)(1)", "42 CFR 423.572(a)", "42 CFR 422.564", "42 CFR 422.568",
       "42 CFR 422.590", "42 CFR 423.564", "42 CFR 423.590")
def apply(case: Case, event: CaseEvent, params: ParamSet, *, now: dt.datetime) -> Case:
    """Validate ``event`` against the case's state machine and return the new case (RuleError if illegal).

    Deadlines that passed before the event are applied first (:func:`advance`), so a decision recorded after
    its due time meets a case that is already deemed adverse. The event keeps the time it is recorded (``now``).
    """
    zone = _zone(case, params)
    event = _localized(event, zone)
    now = _aware(now, zone, "now")
    at = event.at
    if _u(at) > _u(now):
        raise RuleError(f"{event.kind.replace('_', ' ')} at {at.isoformat()} is in the future", _records_cite(case, params))
    if _u(at) < _u(case.received):
        raise RuleError(f"{event.kind.replace('_', ' ')} at {at.isoformat()} is before the receipt "
                        f"{case.received.isoformat()}", _records_cite(case, params))
    if event.kind in ("deadline_passed", "received"):
        raise RuleError(f"{event.kind} is recorded by the rules and the intake, not as an event",
                        _records_cite(case, params))
    stored = case
    case = advance(case, params, at)
    record_only = event.kind in _RECORD_ONLY - {"effectuate"}
    if not record_only and event.kind not in TRANSITIONS[case.case_type][case.status]:
        raise _refuse(case, params, event.kind, cite=_refusal_cite(case, params, event.kind))
    _check_backdating(stored, event, params, now)  # a legal event dated too far back needs a reason and a 2nd person
    event = event.model_copy(update={"recorded_at": now})
    new = _record(case, event, params) if record_only else _HANDLERS[event.kind](case, event, params)
    new = new.model_copy(update={"events": (*new.events, event)})
    obligations(new, params)  # the clocks validate the new facts (extension rules, order of instants)
    return new


_EXTENSION_KEYS: dict[str, str] = {
    "integrated_grievance": "grievance_extension_calendar_days",
    "integrated_organization_determination": "iod_extension_max_calendar_days",
    "integrated_reconsideration": "ir_extension_calendar_days",
    "partc_organization_determination": "od_extension_max_calendar_days",
    "partc_reconsideration": "recon_extension_max_calendar_days",
    "partc_grievance": "partc_grievance_extension_calendar_days",
    "partd_grievance": "partd_grievance_extension_calendar_days",
}


def _extension_limit(case: Case, params: ParamSet) -> Cited[int] | None:
    """The cited maximum extension of the case's process (None: the Part D determinations have no extension)."""
    key = _EXTENSION_KEYS.get(case.case_type)
    if key is None:
        return None
    value = getattr(_law(params), key)
    if isinstance(value, Cited):
        return value  # type: ignore[return-value]
    return Cited[int](key=key, value=int(value), cite=params.cite(key))


def _refusal_cite(case: Case, params: ParamSet, kind: str) -> tuple[Cite, ...]:
    law = _law(params)
    if kind == "extend" and case.status == "EXPEDITED_OPEN":
        fast = {"integrated_grievance": "T4", "partc_grievance": "C26", "partd_grievance": "D17"}[case.case_type]
        return law.timeframe_cite(fast)
    limit = _extension_limit(case, params)
    if kind == "extend" and limit is not None:
        return limit.cite
    by_kind: dict[str, RuleCiteId] = {"forward_to_ire": "ire_review", "request_sfh": "sfh_request",
                                      "later_decision": "binding_decision", "request_continuation": "continuation_conditions",
                                      "accept_good_cause": "ir_filing"}
    if kind in by_kind and case.case_type == "integrated_reconsideration":
        return law.rule_cite(by_kind[kind])
    if kind == "decide" and case.status in ("ADVERSE_NOTICED", "APPROVED", "UPHELD", "REVERSED", "IRE_FORWARDED"):
        if case.case_type == "integrated_reconsideration":
            return law.rule_cite("ir_one_level")
        return _records_cite(case, params)
    return law.rule_cite(PROCESS_CITE[case.case_type])


def _record(case: Case, e: CaseEvent, params: ParamSet) -> Case:
    if e.kind == "review":
        return case.model_copy(update={"reviews": (*case.reviews, e.at)})
    if e.kind == "noncontract_info_requested":
        return case.model_copy(update={"noncontract_info_requested_at": case.noncontract_info_requested_at or e.at})
    if e.notice is None:
        raise RuleError("notice_sent needs the notice kind", _records_cite(case, params))
    notices = dict(case.notices)
    notices.setdefault(e.notice, e.at)
    return case.model_copy(update={"notices": notices})


def _grant_expedite(case: Case, e: CaseEvent, params: ParamSet) -> Case:
    if case.payment_request:
        rule: RuleCiteId = "partd_no_expedite_payment" if case.case_type.startswith("partd") else "partc_no_expedite_payment"
        raise _refuse(case, params, "grant_expedite", "a request for payment cannot be expedited", _cite(params, rule))
    return case.model_copy(update={"status": "EXPEDITED_PENDING", "expedited": True})


_MUST_EXPEDITE: dict[str, RuleCiteId] = {
    "integrated_organization_determination": "iod_must_expedite", "integrated_reconsideration": "ir_must_expedite",
    "partd_coverage_determination": "partd_must_expedite", "partd_exception": "partd_must_expedite",
    "partc_organization_determination": "partc_od_must_expedite", "partc_reconsideration": "partc_recon_must_expedite",
    "partd_redetermination": "partd_rd_must_expedite",
}


def _deny_expedite(case: Case, e: CaseEvent, params: ParamSet) -> Case:
    if case.provider_indicates_jeopardy:
        raise _refuse(case, params, "deny_expedite", "a provider indicated that the standard timeframe could seriously "
                      "jeopardize the enrollee: the plan must expedite", _cite(params, _MUST_EXPEDITE[case.case_type]))
    return case.model_copy(update={"status": "STANDARD_PENDING", "expedited": False, "expedite_denied_at": e.at})


def _extend(case: Case, e: CaseEvent, params: ParamSet) -> Case:
    if case.extension is not None:
        limit = _extension_limit(case, params)
        assert limit is not None  # only the processes with an extension accept "extend"
        raise _refuse(case, params, "extend", "the timeframe was already extended (one extension of at most "
                      f"{limit.value} calendar days)", limit.cite)
    requested_by = e.requested_by or "enrollee"
    # § 422.629(l)(2): a provider that filed the request for the enrollee is the "enrollee" of §§ 422.629-422.634
    filed = requested_by == "provider" and case.requester in ("provider", "assignee")
    ext = Extension(requested_by=requested_by, filed_by_requester=filed, calendar_days=e.calendar_days, decided=e.at,
                    enrollee_interest=e.enrollee_interest, needs_information=e.needs_information,
                    likely_approval=e.likely_approval, justification=e.justification)
    status = "EXTENDED_OPEN" if case.case_type in GRIEVANCE_TYPES else "EXTENDED"
    return case.model_copy(update={"status": status, "extension": ext})


def _resolve(case: Case, e: CaseEvent, params: ParamSet) -> Case:
    mode = e.response_mode or ("written" if case.channel != "oral" else "oral")
    if mode == "oral" and (case.channel == "written" or case.grievance_subject == "quality_of_care"):
        rule: RuleCiteId = {"integrated_grievance": "grievance_written_response",
                            "partc_grievance": "partc_grievance_written_response",
                            "partd_grievance": "partd_grievance_written_response"}[case.case_type]  # type: ignore[assignment]
        raise _refuse(case, params, "resolve", "a written grievance, or one about quality of care, needs a written response "
                      "(quality of care: with the right to complain to the QIO)", _cite(params, rule))
    sent = e.notice_sent or e.at
    local_day = sent.astimezone(zone_of(_zone(case, params))).date()
    return case.model_copy(update={"status": "RESOLVED", "decided_at": e.at, "enrollee_notified_at": sent,
                                   "response_mode": mode, "notice_sent": sent, "notice_date": e.notice_date or local_day})


_DECIDED_STATE: dict[str, tuple[str, str]] = {
    "partd_coverage_determination": ("APPROVED", "DENIED"), "partd_exception": ("APPROVED", "DENIED"),
    "partc_organization_determination": ("APPROVED", "DENIED"), "partc_reconsideration": ("REVERSED", "AFFIRMED"),
    "partd_redetermination": ("APPROVED", "DENIED"),
}


def _decide(case: Case, e: CaseEvent, params: ParamSet) -> Case:
    if e.decision is None:
        raise _refuse(case, params, "decide", "a decision needs its outcome: favorable, partially_favorable or adverse")
    sent = e.notice_sent or e.at
    if _u(sent) < _u(e.at):
        raise _refuse(case, params, "decide", "the notice cannot be sent before the decision", _records_cite(case, params))
    zone = zone_of(_zone(case, params))
    update: dict[str, object] = {"decision": e.decision, "decided_at": e.at, "notice_sent": sent,
                                 "notice_date": e.notice_date or sent.astimezone(zone).date(),
                                 "enrollee_notified_at": sent, "oral_notice_at": e.oral_notice}
    if case.deemed_adverse_at is not None and _u(e.at) <= _u(case.deemed_adverse_at):
        # an approved back-dated decision made before the deadline: the recorded deemed consequence was wrong
        update["deemed_adverse_at"] = None
    t = case.case_type
    favorable = e.decision == "favorable"
    if t == "integrated_organization_determination":
        if e.reduction and e.effective_date is None:
            raise _refuse(case, params, "decide", "a reduction, suspension or termination needs its date of action",
                          _law(params).timeframe_cite("T6"))
        update |= {"status": "APPROVED" if favorable else "ADVERSE_NOTICED", "reduction": e.reduction,
                   "action_date": e.effective_date}
    elif t == "integrated_reconsideration":
        if favorable:
            update |= {"status": "REVERSED", "reversal_notice_at": e.at}
            if case.continuation == "continuing":
                update |= {"continuation": "ended", "continuation_end_reason": "favorable reconsideration: benefits "
                           "as the decision says"}
        else:
            update |= {"affirmed_at": e.at}
            if "medicare" in case.programs:
                update["status"] = "UPHELD"
            else:
                update["status"] = "SFH_ELIGIBLE"
            if case.continuation == "continuing":
                medicaid_only = "medicare" not in case.programs
                update |= {"continuation": "continuing" if medicaid_only else "ended",
                           "continuation_end_reason": None if medicaid_only else
                           "unfavorable reconsideration issued: Medicare continuation ends "
                           f"({cite_label(_cite(params, 'continuation_duration'))})"}
    else:
        yes, no = _DECIDED_STATE[t]
        update["status"] = yes if favorable else no
        if t == "partc_reconsideration" and not favorable:
            update["affirmed_at"] = e.at
    return case.model_copy(update=update)


def _receive_in_writing(case: Case, e: CaseEvent, params: ParamSet) -> Case:
    intake = case.model_copy(update={"received": e.at, "channel": "written"})
    status, expedited = _triage(intake, params, e.at)
    return intake.model_copy(update={"status": status, "expedited": expedited})


def _request_continuation(case: Case, e: CaseEvent, params: ParamSet) -> Case:
    if case.continuation != "none":
        raise _refuse(case, params, "request_continuation", f"continuation was already {case.continuation}",
                      _cite(params, "continuation_conditions"))
    missing = [name for name, ok in (
        ("the appeal concerns the termination, suspension or reduction of previously authorized services",
         e.previously_authorized),
        ("the services were ordered by an authorized provider", e.ordered_by_authorized_provider),
        ("the original authorization period has not expired", e.authorization_period_unexpired)) if not ok]
    if case.adverse_notice_sent is None:
        missing.append("the time the adverse notice was sent is recorded (timely filing for continuation)")
    else:
        check = filing_timeliness("continuation", e.at, params, notice_sent=case.adverse_notice_sent,
                                  effective=case.intended_effective_date, zone=case.zone)
        if not check.timely:
            missing.append(f"the enrollee files for continuation on time ({check.reason})")
    if case.requester in ("provider", "representative", "assignee") and not e.consent_on_file:
        raise _refuse(case, params, "request_continuation", "a provider or representative asking for continued benefits "
                      "needs the enrollee's written consent", _cite(params, "party_consent"))
    if missing:
        raise _refuse(case, params, "request_continuation", "benefits must continue only if all conditions hold; not met: "
                      + "; ".join(missing), _cite(params, "continuation_conditions"))
    return case.model_copy(update={"continuation": "continuing", "continuation_requested_at": e.at})


def _withdraw(case: Case, e: CaseEvent, params: ParamSet) -> Case:
    update: dict[str, object] = {"status": "WITHDRAWN"}
    if case.continuation in ("continuing", "continuing_to_sfh"):
        update |= {"continuation": "ended",
                   "continuation_end_reason": f"withdrawn ({cite_label(_cite(params, 'continuation_duration'))})"}
    return case.model_copy(update=update)


def _forward(case: Case, e: CaseEvent, params: ParamSet) -> Case:
    if case.case_type == "integrated_reconsideration" and "medicare" not in case.programs:
        raise _refuse(case, params, "forward_to_ire", "only Medicare items go to the IRE; Medicaid items go to a State "
                      "fair hearing", _cite(params, "ire_review"))
    return case.model_copy(update={"status": "IRE_FORWARDED", "ire_forwarded_at": e.at})


def _request_sfh(case: Case, e: CaseEvent, params: ParamSet) -> Case:
    if "medicaid" not in case.programs:
        raise _refuse(case, params, "request_sfh", "a State fair hearing is for Medicaid items", _cite(params, "sfh_request"))
    if case.sfh_requested_at is not None:
        raise _refuse(case, params, "request_sfh", "a State fair hearing was already requested",
                      _cite(params, "sfh_request"))
    window = cite_label(_law(params).timeframe_cite("T26"))
    update: dict[str, object] = {"sfh_requested_at": e.at}
    if e.with_continuation and case.continuation == "continuing":
        sent = case.notice_sent or case.deemed_adverse_at
        assert sent is not None
        check = filing_timeliness("state_fair_hearing_continuation", e.at, params, notice_sent=sent, zone=case.zone)
        if check.timely:
            update["continuation"] = "continuing_to_sfh"
            if case.status == "SFH_ELIGIBLE":
                update["status"] = "MEDICAID_BENEFITS_CONTINUING_TO_SFH"
        else:
            update |= {"continuation": "ended", "continuation_end_reason": f"SFH and continuation not requested "
                       f"within the window ({check.reason}; {window})"}
    elif case.continuation == "continuing":
        update |= {"continuation": "ended", "continuation_end_reason": f"continuation not requested with the SFH "
                   f"({window})"}
    return case.model_copy(update=update)


def _later_decision(case: Case, e: CaseEvent, params: ParamSet) -> Case:
    integrated = case.case_type in INTEGRATED_TYPES
    cite = _cite(params, "binding_decision") if integrated else _cite(params, PROCESS_CITE[case.case_type])
    if e.forum is None or e.favorable is None:
        raise _refuse(case, params, "later_decision", "a later decision needs its forum and whether it is favorable", cite)
    medicaid_forums = ("state_fair_hearing", "external_medical_review")
    if e.forum in medicaid_forums and (not integrated or "medicaid" not in case.programs):
        raise _refuse(case, params, "later_decision", f"{e.forum.replace('_', ' ')} decides Medicaid items of an "
                      "applicable integrated plan only", _cite(params, "sfh_request") if integrated else cite)
    # an adverse Part D redetermination reaches the IRE at the enrollee's request (§ 423.600), not by forwarding
    if e.forum not in medicaid_forums and case.ire_forwarded_at is None and case.case_type != "partd_redetermination":
        raise _refuse(case, params, "later_decision", "the IRE and later Medicare levels decide only a forwarded case",
                      _cite(params, "ire_review") if integrated else cite)
    update: dict[str, object] = {"later_forum": e.forum, "later_favorable": e.favorable}
    if e.favorable:
        update |= {"status": "BOUND_BY_FAVORABLE", "reversal_notice_at": e.at}
        if case.continuation in ("continuing", "continuing_to_sfh"):
            update |= {"continuation": "ended", "continuation_end_reason": "favorable decision at a later level"}
    elif e.forum == "state_fair_hearing":
        if case.continuation == "continuing_to_sfh":
            update |= {"continuation": "ended", "continuation_end_reason": f"adverse State fair hearing decision "
                       f"({cite_label(_cite(params, 'sfh_adverse_decision'))})"}
        if case.status in ("SFH_ELIGIBLE", "MEDICAID_BENEFITS_CONTINUING_TO_SFH"):
            update["status"] = "UPHELD"
    return case.model_copy(update=update)


def _effectuate(case: Case, e: CaseEvent, params: ParamSet) -> Case:
    return case.model_copy(update={"effectuated_at": case.effectuated_at or e.at})


def _supporting_statement(case: Case, e: CaseEvent, params: ParamSet) -> Case:
    if case.supporting_statement_at is not None:
        raise _refuse(case, params, "supporting_statement", "the supporting statement was already received",
                      _cite(params, "partd_process"))
    return case.model_copy(update={"supporting_statement_at": e.at})


def _accept_good_cause(case: Case, e: CaseEvent, params: ParamSet) -> Case:
    accepted = case.model_copy(update={"good_cause_in_writing": True})
    status, expedited = _triage(accepted, params, case.received)
    return accepted.model_copy(update={"status": status, "expedited": expedited})


_HANDLERS: dict[str, Callable[[Case, CaseEvent, ParamSet], Case]] = {
    "grant_expedite": _grant_expedite, "deny_expedite": _deny_expedite, "extend": _extend, "resolve": _resolve,
    "decide": _decide, "receive_in_writing": _receive_in_writing, "request_continuation": _request_continuation,
    "withdraw": _withdraw, "forward_to_ire": _forward, "request_sfh": _request_sfh, "later_decision": _later_decision,
    "effectuate": _effectuate, "supporting_statement": _supporting_statement, "accept_good_cause": _accept_good_cause,
}


@cites("42 CFR 422.629(h)")
def allowed_events(case: Case) -> list[str]:
    """The events the case accepts in its state (for forms and the API)."""
    return sorted(TRANSITIONS[case.case_type][case.status] | (_RECORD_ONLY - {"effectuate"}))


def is_terminal(case_type: CaseType, status: str) -> bool:
    """No event can change the state any more (record-only events aside)."""
    return not (TRANSITIONS[case_type][status] - _RECORD_ONLY)


def leaves_queue(case: Case, obligation_id: str) -> bool:
    """A resolved case (an end state of its process, :data:`SPEC_TERMINAL`) leaves the work queue: of its open
    obligations only the effectuation of a favorable decision (T27, E1-E17) is still work to do."""
    return case.status in SPEC_TERMINAL[case.case_type] and obligation_id not in _EFFECTUATION_IDS


# --- § 422.629(h) record --------------------------------------------------------------------------------


@cites("42 CFR 422.629(h)")
def record_fields(case: Case) -> dict[str, object]:
    """The seven § 422.629(h)(2) elements (L2689-L2703) of the case; dates are local dates in the plan's zone."""
    zone = zone_of(case.zone or "UTC")

    def day(t: dt.datetime | None) -> str | None:
        return t.astimezone(zone).date().isoformat() if t is not None else None

    return {
        "reason": case.reason,
        "date_of_receipt": day(case.received),
        "review_dates": [day(t) for t in case.reviews],
        "resolution": case.outcome,
        "resolution_date": day(case.decided_at or case.deemed_adverse_at),
        "enrollee_name": case.enrollee_name,
        "enrollee_notified": day(case.enrollee_notified_at),
    }


# --- notices: the elements the rule lists (law in the parameters' notice_elements_table) ---------------------


class NoticeElement(BaseModel):
    """One element a notice must contain, with the label of the paragraph(s) that require it."""

    model_config = ConfigDict(frozen=True)

    id: str
    text: str
    cite: str


@cites("42 CFR 422.629(g)", "42 CFR 422.631(d)(1)", "42 CFR 422.631(d)(2)", "42 CFR 422.632", "42 CFR 422.633(e)(4)",
       "42 CFR 422.633(f)(4)", "42 CFR 422.568(b)(1)(ii)", "42 CFR 422.568(e)", "42 CFR 422.570(d)(2)")
def notice_elements(params: ParamSet) -> dict[NoticeKind, tuple[NoticeElement, ...]]:
    """For each notice kind of the period, every element the rule lists (a test renders each template and checks each).

    The elements, their order and their citations are the period's ``notice_elements_table``; a day count in a
    text is the parameter's value. The unified process's notices exist only in a period that states it; every kind
    must be one of the workflow's (:data:`NOTICE_KINDS`).
    """
    law = _law(params)
    table = law.notice_elements_table
    unknown = sorted(set(table) - set(NOTICE_KINDS))
    wanted = [k for k in NOTICE_KINDS if k in table]
    if unknown or ("acknowledgement" in table) != law.unified_in_force:
        raise ParameterError(params.file, "notice_elements_table",
                             f"notice kinds {sorted(table)} are not the workflow's {sorted(NOTICE_KINDS)}")
    return {kind: tuple(NoticeElement(id=row.id, text=law.notice_text(row), cite=row.citation) for row in table[kind])
            for kind in wanted}
