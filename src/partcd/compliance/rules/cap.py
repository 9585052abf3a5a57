"""§ 422.510(c)(1), § 422.502(b)(1), § 422.504(m) / § 423.505(n) - corrective action plans and past performance.

The CAP letter (cap-request-call-center-2022) as data: contract, parent organization, legal entity, deficiency
("Failure to Provide Compliant Call Center Services", L24), authorities (L30, L38), detection source ("beneficiary
complaints", L32), self-disclosure (L40: "not ... self-disclosure"), the two required elements of L38 - (1) timely
access to a representative, (2) a business continuity plan restoring call-center functionality within 72 hours -
due dates, a status lifecycle, actions with owners and evidence, and closure "once CMS determines, through its
monitoring, that the affected contracts are compliant" (L38).

Pure: no I/O, no clock ("now" is always an argument). Design decisions (shared/specs/callcenter.md §4.1), all
named in :class:`CapSettings`:

* Closure needs, for **every** affected contract, a run of ``closure_compliant_periods`` consecutive compliant
  monitoring periods that start on or after the day the CAP entered ``monitoring``. The default, 20 business-day
  periods, is about one month of daily reports - the length of one CMS timeliness study ("conducted during one
  month each quarter", spec §2.7). A non-compliant period resets the run; a period with no measurable calls
  (``compliant is None``) neither counts nor breaks it; a missing business day is not filled in.
* The CAP window floor (≥ 30 calendar days, § 422.510(c)(1); a shorter date set by the letter is kept with a
  warning, since the floor applies before a termination) and the past-performance look-back (12 months,
  § 422.502(b)(1)) are regulation numbers, read from the parameters (``cap_window_min_calendar_days``,
  ``past_performance_lookback_months``).
* "Fails to complete a corrective action plan during the 12 months preceding the deadline" is read as: a CAP open
  at any time in the look-back window and not closed by the application deadline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from partcd.core.calendar import add_months as add_months  # re-exported for the compliance rules
from partcd.core.citation import Cite, cites
from partcd.core.errors import RuleError
from partcd.core.params import ParamSet

# Input bounds (design choices, not rules): texts fit the columns they are stored in (``partcd.compliance.store``),
# free text and lists are bounded so one request stays one short transaction (a CAP naming 150,000 contracts wrote
# 150,000 audited rows and held the SQLite write lock for a minute while every other writer waited).
#: Free text: deficiency, descriptions, notes, summaries, causes, root causes, plans.
FREE_TEXT_MAX_CHARS = 10_000
#: Organization, legal entity and owner names (VARCHAR(200) columns).
NAME_MAX_CHARS = 200
#: ``contract_id`` columns are VARCHAR(10) (a contract id is a letter and four digits).
CONTRACT_ID_MAX_CHARS = 10
#: Contracts one CAP names: the largest parent organizations hold a few hundred contracts.
CAP_CONTRACTS_MAX = 500
#: Items of a list field (authorities, root causes, evidence, plan lists) and the length of one short item.
LIST_MAX_ITEMS = 100
ITEM_MAX_CHARS = 500
#: Keys of required elements and essential functions (VARCHAR(60) columns).
KEY_MAX_CHARS = 60
#: Monitoring periods a CAP may require before closure, and days of "due soon" warnings.
PERIODS_MAX = 1000
DAYS_MAX = 366

ContractId = Annotated[str, Field(min_length=1, max_length=CONTRACT_ID_MAX_CHARS)]
ListItem = Annotated[str, Field(max_length=ITEM_MAX_CHARS)]
FreeText = Annotated[str, Field(max_length=FREE_TEXT_MAX_CHARS)]
Name = Annotated[str, Field(min_length=1, max_length=NAME_MAX_CHARS)]
#: A stored record's id (an INTEGER column: 32 bits on PostgreSQL).
RecordId = Annotated[int, Field(ge=1, le=2**31 - 1)]

CapStatus = Literal["requested", "submitted", "accepted", "revision_requested", "implementing", "monitoring", "closed"]
CAP_STATUSES: tuple[CapStatus, ...] = ("requested", "submitted", "accepted", "revision_requested", "implementing",
                                       "monitoring", "closed")
DetectionSource = Literal["beneficiary_complaints", "monitoring_study", "audit", "self_disclosure", "daily_reports", "other"]
Program = Literal["C", "D", "C&D"]
ComplianceActionKind = Literal["notice_of_non_compliance", "warning_letter", "cap", "intermediate_sanction",
                               "civil_money_penalty"]

#: Allowed moves of the lifecycle; ``closed`` is reached only through :func:`close`.
TRANSITIONS: dict[CapStatus, tuple[CapStatus, ...]] = {
    "requested": ("submitted",),
    "submitted": ("accepted", "revision_requested"),
    "revision_requested": ("submitted",),
    "accepted": ("implementing",),
    "implementing": ("monitoring",),
    "monitoring": ("implementing", "closed"),
    "closed": (),
}

#: The letter's authorities (L30, L38).
LETTER_AUTHORITIES: tuple[str, ...] = (
    "42 CFR 422.111(h)(1)", "42 CFR 423.128(d)(1)", "42 CFR 422.504(o)(2)", "42 CFR 423.505(p)(2)",
    "42 CFR 422.504(o)(1)", "42 CFR 423.505(p)(1)",
)


class RequiredElement(BaseModel):
    """What the CAP must address (CAP letter L38)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(min_length=1, max_length=KEY_MAX_CHARS)
    description: str = Field(min_length=1, max_length=FREE_TEXT_MAX_CHARS)
    cite: str = Field(max_length=ITEM_MAX_CHARS)


#: CAP letter L38: "(1) how your organization will ensure beneficiaries are able to reach a representative at your
#: call center in a timely manner and (2) the development of a business continuity plan ... restored within 72 hours".
LETTER_REQUIRED_ELEMENTS: tuple[RequiredElement, ...] = (
    RequiredElement(key="timely_access",
                    description="ensure beneficiaries are able to reach a representative at the call center in a timely manner",
                    cite="42 CFR 422.111(h)(1), 423.128(d)(1) [cap-letter-h1416-2022 L38]"),
    RequiredElement(key="bcp_72h",
                    description="a business continuity plan ensuring call center functionality is restored within 72 hours "
                                "of failure to function as usual",
                    cite="42 CFR 422.504(o)(1), 423.505(p)(1) [cap-letter-h1416-2022 L38]"),
)


class RegulatoryNumber(BaseModel):
    """A regulation number read from the parameter file, with its citation (shown in reports)."""

    model_config = ConfigDict(frozen=True)

    key: str
    value: float
    cite: str


def regulatory_number(params: ParamSet, key: str) -> RegulatoryNumber:
    """The value of ``key`` in the compliance parameters, with its citations."""
    pv = params[key]
    return RegulatoryNumber(key=key, value=float(pv.value), cite="; ".join(c.label() for c in pv.cite))


#: Design decision (not regulation): consecutive compliant monitoring periods before a CAP may close.
CLOSURE_COMPLIANT_PERIODS = 20
#: The letter's request to come into compliance: a CAP closes only after CMS sees compliance (L38).
_CAP_CLOSURE = Cite(cfr="CAP letter", source="cap-letter-h1416-2022", line=38)


class CapSettings(BaseModel):
    """Design decisions of CAP tracking (not regulation numbers), with documented defaults.

    ``closure_compliant_periods``: consecutive compliant monitoring periods each affected contract needs before the
    CAP may close (default 20 business days ≈ one month, the length of one CMS timeliness study).
    ``monitoring_period``: the period of the monitoring records (``day``: the daily reports CMS asked for, L34).
    ``action_due_soon_days``: actions due within this many days are flagged "due soon".
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    closure_compliant_periods: int = Field(default=CLOSURE_COMPLIANT_PERIODS, ge=1, le=PERIODS_MAX)
    monitoring_period: Literal["day", "week", "month"] = "day"
    action_due_soon_days: int = Field(default=7, ge=0, le=DAYS_MAX)


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    status: CapStatus
    on: dt.date
    note: FreeText | None = None


class Cap(BaseModel):
    """One corrective action plan request (spec §4.1)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cap_id: RecordId | None = None
    contract_ids: tuple[ContractId, ...] = Field(min_length=1, max_length=CAP_CONTRACTS_MAX)
    parent_organization: Name
    legal_entity: Name
    issued_on: dt.date
    deficiency: str = Field(min_length=1, max_length=FREE_TEXT_MAX_CHARS)
    authorities: tuple[ListItem, ...] = Field(min_length=1, max_length=LIST_MAX_ITEMS)
    detection_source: DetectionSource
    cms_contacted_on: dt.date | None = None
    self_disclosed: bool = False
    program: Program = "C&D"
    root_causes: tuple[FreeText, ...] = Field(default=(), max_length=LIST_MAX_ITEMS)
    required_elements: tuple[RequiredElement, ...] = Field(default=LETTER_REQUIRED_ELEMENTS, max_length=LIST_MAX_ITEMS)
    submission_due: dt.date | None = None
    implementation_due: dt.date | None = None
    status: CapStatus = "requested"
    history: tuple[StatusChange, ...] = ()
    closed_on: dt.date | None = None
    closure_compliant_periods: int = Field(default=CLOSURE_COMPLIANT_PERIODS, ge=1, le=PERIODS_MAX)

    @model_validator(mode="after")
    def _consistent(self) -> Cap:
        if self.self_disclosed != (self.detection_source == "self_disclosure"):
            raise ValueError("self_disclosed must be true exactly when detection_source is self_disclosure")
        if self.submission_due is not None and self.submission_due < self.issued_on:
            raise ValueError("submission_due is before issued_on")
        if self.implementation_due is not None and self.submission_due is not None \
                and self.implementation_due < self.submission_due:
            raise ValueError("implementation_due is before submission_due")
        if (self.status == "closed") != (self.closed_on is not None):
            raise ValueError("closed_on is set exactly when the status is closed")
        return self

    @property
    def monitoring_started_on(self) -> dt.date | None:
        """The day the CAP last entered ``monitoring`` (the closure run counts from there)."""
        starts = [h.on for h in self.history if h.status == "monitoring"]
        return starts[-1] if starts else None

    def status_on(self, day: dt.date) -> CapStatus | None:
        """The status in force on ``day`` (None before the CAP was issued)."""
        if day < self.issued_on:
            return None
        status: CapStatus = "requested"
        for change in self.history:
            if change.on <= day:
                status = change.status
        return status


class CapAction(BaseModel):
    """One corrective action: what, who owns it, by when, done when, the evidence."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action_id: RecordId | None = None
    required_element: str | None = Field(default=None, max_length=KEY_MAX_CHARS)
    description: str = Field(min_length=1, max_length=FREE_TEXT_MAX_CHARS)
    owner: Name
    due_on: dt.date
    done_on: dt.date | None = None
    evidence: tuple[ListItem, ...] = Field(default=(), max_length=LIST_MAX_ITEMS)

    @model_validator(mode="after")
    def _evidence_when_done(self) -> CapAction:
        if self.done_on is not None and not self.evidence:
            raise ValueError("a completed action needs evidence")
        return self


class MonitoringPeriod(BaseModel):
    """One monitoring record of one affected contract (a daily report row)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    contract_id: ContractId
    period_start: dt.date
    compliant: bool | None
    failed_standards: tuple[ListItem, ...] = Field(default=(), max_length=LIST_MAX_ITEMS)


class ContractRun(BaseModel):
    model_config = ConfigDict(frozen=True)

    contract_id: str
    run: int
    needed: int
    run_complete_on: dt.date | None
    last_period: dt.date | None
    last_failure: dt.date | None


class ClosureDecision(BaseModel):
    """Whether the CAP may close now, per contract run lengths and the reasons."""

    model_config = ConfigDict(frozen=True)

    closable: bool
    closable_on: dt.date | None
    needed: int
    contracts: tuple[ContractRun, ...]
    reasons: tuple[str, ...]


class ComplianceAction(BaseModel):
    """One entry of the compliance history (spec §4.1: NONC, warning letter, CAP, sanction, CMP)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ComplianceActionKind
    issued_on: dt.date
    contract_id: ContractId
    parent_organization: Name
    program: Program = "C&D"
    cap_id: RecordId | None = None
    self_disclosed: bool = False
    summary: FreeText = ""
    closed_on: dt.date | None = None


class PastPerformanceReview(BaseModel):
    """What an application reviewer sees for one organization at one application deadline."""

    model_config = ConfigDict(frozen=True)

    application_deadline: dt.date
    window_start: dt.date
    lookback: RegulatoryNumber
    actions_in_window: tuple[ComplianceAction, ...]
    counts: dict[str, int]
    incomplete_caps: tuple[ComplianceAction, ...]
    flagged: bool
    reasons: tuple[str, ...]


@cites("42 CFR 422.510(c)(1)")
def earliest_submission_due(issued_on: dt.date, params: ParamSet) -> dt.date:
    """The first allowed due date: issue date + the ≥ 30 calendar days of § 422.510(c)(1)."""
    floor = regulatory_number(params, "cap_window_min_calendar_days")
    return issued_on + dt.timedelta(days=int(floor.value))


@cites("42 CFR 422.510(c)(1)")
def submission_window_warnings(cap: Cap, params: ParamSet) -> tuple[str, ...]:
    """Warnings on the submission due date the letter set: shorter than the ≥ 30 calendar days of § 422.510(c)(1).

    The letter sets the date and the plan must meet it; the 30-day minimum is the window CMS gives before a
    termination (§ 422.510(c)(1)), so a shorter CAP window is recorded and warned about, not refused.
    """
    if cap.submission_due is None:
        return ()
    floor = earliest_submission_due(cap.issued_on, params)
    if cap.submission_due >= floor:
        return ()
    days = (cap.submission_due - cap.issued_on).days
    minimum = (floor - cap.issued_on).days
    return (f"submission due {cap.submission_due.isoformat()} gives {days} calendar days, shorter than the "
            f"{minimum} calendar days of 42 CFR 422.510(c)(1) (that minimum applies before a termination); "
            f"the letter's date is kept",)


@cites("42 CFR 422.510(c)(1)")
def new_cap(cap: Cap, params: ParamSet, settings: CapSettings | None = None) -> Cap:
    """Validate a new CAP: status ``requested``; the due date defaults to the 30-day floor of § 422.510(c)(1).

    A due date the letter sets earlier than that floor is accepted (see :func:`submission_window_warnings`).
    """
    settings = settings or CapSettings()
    if cap.status != "requested" or cap.history or cap.closed_on is not None:
        raise RuleError("a new CAP starts in status 'requested' with no history",
                        cite=Cite(cfr="CAP letter", source="cap-letter-h1416-2022", line=28))
    due = cap.submission_due or earliest_submission_due(cap.issued_on, params)
    return cap.model_copy(update={"submission_due": due, "closure_compliant_periods": settings.closure_compliant_periods,
                                  "history": (StatusChange(status="requested", on=cap.issued_on),)})


def transition(cap: Cap, to: CapStatus, on: dt.date, note: str | None = None) -> Cap:
    """Move the lifecycle one legal step; ``closed`` must go through :func:`close`."""
    if to == "closed":
        raise RuleError("a CAP closes only through the closure check (close), after CMS monitoring shows compliance",
                        cite=_CAP_CLOSURE)
    if to not in TRANSITIONS[cap.status]:
        allowed = ", ".join(TRANSITIONS[cap.status]) or "none (closed)"
        raise RuleError(f"a CAP in status '{cap.status}' cannot move to '{to}' (allowed: {allowed})")
    _not_before_last_change(cap, on)
    return cap.model_copy(update={"status": to, "history": (*cap.history, StatusChange(status=to, on=on, note=note))})


@cites("42 CFR 422.504(m)(1)", "42 CFR 423.505(n)(1)")
def closure_decision(cap: Cap, periods: Iterable[MonitoringPeriod], now: dt.date) -> ClosureDecision:
    """May the CAP close on ``now``? Every affected contract needs its run of compliant periods (see module notes)."""
    needed = cap.closure_compliant_periods
    start = cap.monitoring_started_on
    reasons: list[str] = []
    if cap.status != "monitoring" or start is None:
        reasons.append(f"status is '{cap.status}'; closure is decided only while the CAP is in 'monitoring'")
    by_contract: dict[str, list[MonitoringPeriod]] = {c: [] for c in cap.contract_ids}
    for p in periods:
        if p.contract_id in by_contract and start is not None and start <= p.period_start <= now:
            by_contract[p.contract_id].append(p)
    runs: list[ContractRun] = []
    for contract, rows in by_contract.items():
        run, complete_on, last_failure = 0, None, None
        for p in sorted(rows, key=lambda r: r.period_start):
            if p.compliant is False:
                run, complete_on, last_failure = 0, None, p.period_start
            elif p.compliant is True:
                run += 1
                if run == needed:
                    complete_on = p.period_start
        runs.append(ContractRun(contract_id=contract, run=run, needed=needed, run_complete_on=complete_on,
                                last_period=max((r.period_start for r in rows), default=None), last_failure=last_failure))
        if run < needed:
            reasons.append(f"{contract}: {run} of {needed} consecutive compliant periods")
    closable = not reasons
    closable_on = max(r.run_complete_on for r in runs if r.run_complete_on) if closable else None
    if closable:
        reasons.append(f"every affected contract has {needed} consecutive compliant periods since "
                       f"{start.isoformat() if start else '-'}")
    return ClosureDecision(closable=closable, closable_on=closable_on, needed=needed, contracts=tuple(runs),
                           reasons=tuple(reasons))


def close(cap: Cap, periods: Iterable[MonitoringPeriod], on: dt.date) -> Cap:
    """Close the CAP on ``on`` - refused unless :func:`closure_decision` allows it."""
    decision = closure_decision(cap, periods, on)
    if not decision.closable:
        raise RuleError("the CAP cannot close yet: " + "; ".join(decision.reasons), cite=_CAP_CLOSURE,
                        details={"contracts": [r.model_dump(mode="json") for r in decision.contracts]})
    _not_before_last_change(cap, on)
    return cap.model_copy(update={"status": "closed", "closed_on": on,
                                  "history": (*cap.history, StatusChange(status="closed", on=on))})


def overdue_actions(actions: Sequence[CapAction], now: dt.date) -> list[CapAction]:
    """Open actions whose due date has passed on ``now``."""
    return [a for a in actions if a.done_on is None and a.due_on < now]


def due_soon_actions(actions: Sequence[CapAction], now: dt.date, settings: CapSettings | None = None) -> list[CapAction]:
    days = (settings or CapSettings()).action_due_soon_days
    return [a for a in actions if a.done_on is None and now <= a.due_on <= now + dt.timedelta(days=days)]


def elements_without_actions(cap: Cap, actions: Sequence[CapAction]) -> list[RequiredElement]:
    """Required elements no action addresses yet (both letter elements need at least one)."""
    covered = {a.required_element for a in actions}
    return [e for e in cap.required_elements if e.key not in covered]


def cap_compliance_action(cap: Cap) -> list[ComplianceAction]:
    """The compliance-history entries of a CAP: one per affected contract (the letter goes on each record, L40)."""
    return [ComplianceAction(kind="cap", issued_on=cap.issued_on, contract_id=c, parent_organization=cap.parent_organization,
                             program=cap.program, cap_id=cap.cap_id, self_disclosed=cap.self_disclosed,
                             summary=cap.deficiency, closed_on=cap.closed_on) for c in cap.contract_ids]


@cites("42 CFR 422.502(b)(1)")
def past_performance(actions: Iterable[ComplianceAction], application_deadline: dt.date,
                     params: ParamSet) -> PastPerformanceReview:
    """Compliance actions in the look-back window before an application deadline; CAPs not completed are flagged."""
    lookback = regulatory_number(params, "past_performance_lookback_months")
    window_start = add_months(application_deadline, -int(lookback.value))
    in_window = tuple(sorted((a for a in actions if _in_window(a, window_start, application_deadline)),
                             key=lambda a: (a.issued_on, a.contract_id)))
    incomplete = tuple(a for a in in_window if a.kind == "cap" and (a.closed_on is None or a.closed_on > application_deadline))
    counts: dict[str, int] = {}
    for a in in_window:
        counts[a.kind] = counts.get(a.kind, 0) + 1
    reasons = [f"CAP {a.cap_id} ({a.contract_id}, issued {a.issued_on.isoformat()}) not completed by "
               f"{application_deadline.isoformat()}" for a in incomplete]
    return PastPerformanceReview(application_deadline=application_deadline, window_start=window_start, lookback=lookback,
                                 actions_in_window=in_window, counts=counts, incomplete_caps=incomplete,
                                 flagged=bool(incomplete), reasons=tuple(reasons))


def _in_window(action: ComplianceAction, start: dt.date, deadline: dt.date) -> bool:
    """Issued in [start, deadline]; a CAP also counts while it was open during the window."""
    if action.issued_on > deadline:
        return False
    if action.kind == "cap":
        return action.closed_on is None or action.closed_on >= start
    return action.issued_on >= start


def _not_before_last_change(cap: Cap, on: dt.date) -> None:
    last = cap.history[-1].on if cap.history else cap.issued_on
    if on < last:
        raise RuleError(f"a status change on {on.isoformat()} is before the last change ({last.isoformat()})")
