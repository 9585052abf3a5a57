"""§ 422.111(h)(1), § 423.128(d)(1) as CMS monitors them; § 422.166(i)(6)(ii)-(iii), § 423.186(i)(4)(ii)-(iii)
(4185-P L2297-L2303, L3242-L3244) - secret-shopper studies, the call-center Star measure and its disaster exception.

shared/specs/callcenter.md §3:

* Timeliness study (§3.1): test calls to current-enrollee lines during one month of each quarter,
  Monday-Friday 8-8 in the time zone of the service area; measures average hold time and disconnect
  rate. CMS's test callers wait until they are answered or dropped, so a sampled log call the real
  caller abandoned is a *censored* test call (its hold is at least the wait observed).
* Accuracy & Accessibility study (§3.2): interpreter and TTY test calls to prospective-enrollee
  lines from February through May.
* Star measure "Call Center - Foreign Language Interpreter and TTY Availability" (§3.3): completed
  contacts / attempted contacts, interpreter and TTY pooled; an interpreter contact is complete when
  the interpreter is reached and the representative can answer the benefit question within 8
  minutes, a TTY contact within 7 minutes (the same minutes as the parameters of S5/S6).
* Disaster adjustments: the "higher of previous or current year" rule is not applied to these
  measures unless there were continuing communications issues from loss of electricity and damage
  to infrastructure during the call center study.

CMS publishes no sample size ("varies based on enrollment"), so sample sizes are arguments. Pure:
randomness only through the ``numpy.random.Generator`` argument.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

import numpy as np

from partcd.callcenter.rules.hours import closure_for, zone
from partcd.callcenter.rules.standards import CallCenterParams, CallTimes, queued_wait
from partcd.core.citation import cites
from partcd.core.errors import RuleError
from partcd.core.params import ParamSet
from partcd.core.result import Verdict

MEASURE_NAME = "Call Center - Foreign Language Interpreter and TTY Availability"

EndReason = Literal["completed", "caller_hangup", "dropped"]
TestCallKind = Literal["interpreter", "tty"]
Part = Literal["C", "D"]
TimelinessOutcome = Literal["answered", "disconnected", "censored"]

#: Lines CMS calls around the clock on weekdays ("Monday-Friday, 24 hours/day due to 24 hour pharmacies", 2011 deck).
AROUND_THE_CLOCK_LINES: frozenset[str] = frozenset({"pharmacy_technical_help_desk"})
#: Months of the Accuracy & Accessibility study ("February through May").
ACCESSIBILITY_MONTHS: tuple[int, ...] = (2, 3, 4, 5)


@dataclass(frozen=True)
class CallRecord:
    """One call of the per-call log (the fields the monitoring view needs).

    ``time_zone`` is the caller's IANA zone; without it the local time is the offset of ``call_start``.
    ``ivr_end`` missing means the call never left the IVR; an answered call without it is treated as the metrics
    treat it (``answered_without_ivr_end_text``: refused, or held from ``call_start``;
    :func:`partcd.callcenter.rules.standards.queued_wait`).
    """

    call_id: str
    contract_id: str
    call_start: dt.datetime
    call_end: dt.datetime
    end_reason: EndReason
    line: str = "customer_service"
    ivr_end: dt.datetime | None = None
    answered_at: dt.datetime | None = None
    interpreter_requested: bool = False
    interpreter_connected_at: dt.datetime | None = None
    tty: bool = False
    tty_connected_at: dt.datetime | None = None
    time_zone: str | None = None
    part: Part = "C"

    def local_start(self) -> dt.datetime:
        if self.call_start.tzinfo is None:
            raise RuleError(f"call {self.call_id}: call_start has no UTC offset")
        return self.call_start.astimezone(zone(self.time_zone)) if self.time_zone else self.call_start


@dataclass(frozen=True)
class TimelinessTestCall:
    """A sampled log call read as a CMS test call."""

    call_id: str
    outcome: TimelinessOutcome
    hold_s: float | None


@dataclass(frozen=True)
class TimelinessResult:
    """One contract x line x quarter of the timeliness study."""

    contract_id: str
    line: str
    quarter: str
    study_month: str
    calls_in_frame: int
    sampled: int
    answered: int
    disconnected: int
    censored: int
    avg_hold_time_s: float | None
    avg_hold_time_incl_censored_s: float | None
    disconnect_rate_pct: float | None
    verdicts: tuple[Verdict, ...]
    test_calls: tuple[TimelinessTestCall, ...]


@dataclass(frozen=True)
class TestCallOutcome:
    """One interpreter or TTY test call of the Accuracy & Accessibility study.

    ``connect_s``: interpreter - seconds from reaching the representative until the interpreter is on
    the line; TTY - seconds from the start of the call until a TTY operator answers; None = never.
    ``benefit_question_answered``: the representative could answer the question about the plan's benefit.
    """

    contract_id: str
    kind: TestCallKind
    connect_s: float | None
    benefit_question_answered: bool = True
    part: Part = "C"
    call_id: str = ""
    language: str | None = None


@dataclass(frozen=True)
class StarMeasureScore:
    """The measure for one contract and part: pooled score, per-kind figures, and the star if cut points are given."""

    contract_id: str
    part: Part
    measure: str
    attempted: int
    completed: int
    interpreter_attempted: int
    interpreter_completed: int
    tty_attempted: int
    tty_completed: int
    score_pct: float | None
    rounded_score: float | None
    star: int | None


@dataclass(frozen=True)
class MeasureRating:
    """A measure's star and score in one Star Ratings year."""

    star: int
    score: float


@dataclass(frozen=True)
class DisasterAdjustment:
    """The rating used after the extreme-and-uncontrollable-circumstance rules."""

    star: int
    score: float
    used_previous_year: bool
    reason: str


# --- (a) secret-shopper studies ----------------------------------------------------------------------


def _quarter(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def _in_study_hours(call: CallRecord, local: dt.datetime, p: CallCenterParams, closed: dict[dt.date, bool]) -> bool:
    day = local.date()
    if day not in closed:
        closed[day] = closure_for(day, p).allowed
    if local.weekday() >= 5 or closed[day]:
        return False
    if call.line in AROUND_THE_CLOCK_LINES:
        return True
    return p.open_from_time <= local.time().replace(tzinfo=None) < p.open_until_time


def _timeliness_outcome(call: CallRecord, params: ParamSet) -> TimelinessTestCall:
    try:
        wait = queued_wait(CallTimes(call_start=call.call_start, ivr_end=call.ivr_end, answered_at=call.answered_at,
                                     call_end=call.call_end), params)
    except RuleError as exc:
        raise RuleError(f"call {call.call_id}: {exc.reason}", cite=exc.cite) from None
    hold = wait.wait_s
    if call.end_reason == "dropped":
        outcome: TimelinessOutcome = "disconnected"
    elif call.answered_at is not None:
        outcome = "answered"
    else:
        outcome = "censored"
    return TimelinessTestCall(call_id=call.call_id, outcome=outcome, hold_s=hold)


@cites("42 CFR 422.111(h)(1)(ii)(A)", "42 CFR 422.111(h)(1)(ii)(C)", "42 CFR 423.128(d)(1)(ii)(A)",
       "42 CFR 423.128(d)(1)(ii)(C)")
def timeliness_study(calls: Sequence[CallRecord], params: ParamSet, rng: np.random.Generator,
                     calls_per_line_quarter: int, study_month: int | None = None) -> list[TimelinessResult]:
    """Sample test calls per contract x line x quarter from one study month (1-3 within the quarter; drawn with
    ``rng`` per quarter when None), Monday-Friday 08:00-20:00 caller-local, allowed-closure days excluded.

    Outcomes: answered (hold = live person - IVR end), disconnected (``dropped``, before or after answer), censored
    (the real caller hung up; the test caller would have kept waiting). Average hold is over answered test calls;
    the second figure adds the censored and pre-answer disconnected waits at their end. Disconnect rate =
    disconnected / all sampled test calls.
    """
    if calls_per_line_quarter < 1:
        raise RuleError("calls_per_line_quarter must be at least 1")
    if study_month is not None and study_month not in (1, 2, 3):
        raise RuleError(f"study_month is the month within the quarter (1-3), got {study_month}")
    p = params.typed(CallCenterParams)
    closed: dict[dt.date, bool] = {}
    by_quarter: dict[tuple[int, int], list[tuple[CallRecord, dt.datetime]]] = defaultdict(list)
    for c in calls:
        local = c.local_start()
        by_quarter[_quarter(local.date())].append((c, local))
    results: list[TimelinessResult] = []
    for (year, q) in sorted(by_quarter):
        month_in_q = study_month if study_month is not None else int(rng.integers(1, 4))
        month = (q - 1) * 3 + month_in_q
        frames: dict[tuple[str, str], list[CallRecord]] = defaultdict(list)
        for c, local in by_quarter[(year, q)]:
            if local.month == month and _in_study_hours(c, local, p, closed):
                frames[(c.contract_id, c.line)].append(c)
        for (contract_id, line) in sorted(frames):
            frame = sorted(frames[(contract_id, line)], key=lambda c: c.call_id)
            n = min(calls_per_line_quarter, len(frame))
            picked = sorted(int(i) for i in rng.choice(len(frame), size=n, replace=False))
            tests = tuple(_timeliness_outcome(frame[i], params) for i in picked)
            results.append(_timeliness_result(contract_id, line, f"{year}Q{q}", dt.date(year, month, 1), len(frame),
                                              tests, params))
    return results


def _timeliness_result(contract_id: str, line: str, quarter: str, month: dt.date, frame: int,
                       tests: tuple[TimelinessTestCall, ...], params: ParamSet) -> TimelinessResult:
    p = params.typed(CallCenterParams)
    answered = [h for t in tests if t.outcome == "answered" and (h := t.hold_s) is not None]
    waits = [h for t in tests if (h := t.hold_s) is not None]
    disconnected = sum(1 for t in tests if t.outcome == "disconnected")
    avg_hold = sum(answered) / len(answered) if answered else None
    rate = 100.0 * disconnected / len(tests) if tests else None
    verdicts = (
        Verdict(standard="test calls: average hold time (s)", measured=avg_hold, limit=p.avg_hold_time_max_s,
                comparison="<=", compliant=None if avg_hold is None else avg_hold <= p.avg_hold_time_max_s,
                param=params["avg_hold_time_max_s"]),
        Verdict(standard="test calls: disconnect rate (%)", measured=rate, limit=p.disconnect_rate_max_pct,
                comparison="<=", compliant=None if rate is None else rate <= p.disconnect_rate_max_pct,
                param=params["disconnect_rate_max_pct"]),
    )
    return TimelinessResult(
        contract_id=contract_id, line=line, quarter=quarter, study_month=month.strftime("%Y-%m"), calls_in_frame=frame,
        sampled=len(tests), answered=len(answered), disconnected=disconnected,
        censored=sum(1 for t in tests if t.outcome == "censored"), avg_hold_time_s=avg_hold,
        avg_hold_time_incl_censored_s=sum(waits) / len(waits) if waits else None, disconnect_rate_pct=rate,
        verdicts=verdicts, test_calls=tests,
    )


def _accessibility_outcome(call: CallRecord, kind: TestCallKind) -> TestCallOutcome:
    connect: float | None = None
    if kind == "interpreter":
        if call.answered_at is not None and call.interpreter_connected_at is not None:
            connect = (call.interpreter_connected_at - call.answered_at).total_seconds()
    else:
        connect = (call.tty_connected_at - call.call_start).total_seconds() if call.tty_connected_at else None
    if connect is not None and connect < 0:
        raise RuleError(f"call {call.call_id}: {kind} connected before its clock started")
    return TestCallOutcome(contract_id=call.contract_id, kind=kind, connect_s=connect, part=call.part,
                           call_id=call.call_id)


@cites("42 CFR 422.111(h)(1)(iii)(B)", "42 CFR 422.111(h)(1)(iv)(B)", "42 CFR 423.128(d)(1)(iii)(B)",
       "42 CFR 423.128(d)(1)(v)(B)")
def accessibility_study(calls: Sequence[CallRecord], params: ParamSet, rng: np.random.Generator,
                        interpreter_calls_per_contract: int, tty_calls_per_contract: int) -> list[TestCallOutcome]:
    """Interpreter and TTY test calls per contract x part x year, sampled from log calls that requested an
    interpreter (or used TTY), placed February-May, Monday-Friday 08:00-20:00 caller-local.

    The log does not record whether the representative answered the benefit question; a call whose
    interpreter joined is taken as answered (``benefit_question_answered=True``).
    """
    if interpreter_calls_per_contract < 0 or tty_calls_per_contract < 0:
        raise RuleError("sample sizes cannot be negative")
    p = params.typed(CallCenterParams)
    closed: dict[dt.date, bool] = {}
    frames: dict[tuple[str, str, int, TestCallKind], list[CallRecord]] = defaultdict(list)
    for c in calls:
        local = c.local_start()
        if local.month not in ACCESSIBILITY_MONTHS or not _in_study_hours(c, local, p, closed):
            continue
        if c.interpreter_requested:
            frames[(c.contract_id, c.part, local.year, "interpreter")].append(c)
        if c.tty:
            frames[(c.contract_id, c.part, local.year, "tty")].append(c)
    out: list[TestCallOutcome] = []
    for key in sorted(frames):
        kind = key[3]
        frame = sorted(frames[key], key=lambda c: c.call_id)
        size = interpreter_calls_per_contract if kind == "interpreter" else tty_calls_per_contract
        n = min(size, len(frame))
        for i in sorted(int(i) for i in rng.choice(len(frame), size=n, replace=False)):
            out.append(_accessibility_outcome(frame[i], kind))
    return out


# --- (b) the Star measure ----------------------------------------------------------------------------


@cites("42 CFR 422.111(h)(1)(iii)(B)", "42 CFR 422.111(h)(1)(iv)(B)", "42 CFR 423.128(d)(1)(iii)(B)",
       "42 CFR 423.128(d)(1)(v)(B)")
def contact_completed(outcome: TestCallOutcome, params: ParamSet) -> bool:
    """Interpreter: reached and benefit question answered within 8 min; TTY: operator within 7 min (inclusive)."""
    return _completed(outcome, params.typed(CallCenterParams))


def _completed(outcome: TestCallOutcome, p: CallCenterParams) -> bool:
    limit_s = 60.0 * (p.interpreter_connect_max_min if outcome.kind == "interpreter" else p.tty_connect_max_min)
    if outcome.connect_s is not None and outcome.connect_s < 0:
        raise RuleError(f"test call {outcome.call_id or outcome.contract_id}: negative connect time")
    return outcome.connect_s is not None and outcome.connect_s <= limit_s and outcome.benefit_question_answered


def star_for(score: float, cut_points: dict[int, float]) -> int:
    """Stars from lower-bound cut points ``{2: t2, 3: t3, 4: t4, 5: t5}`` (higher is better): the most stars reached."""
    if sorted(cut_points) != [2, 3, 4, 5]:
        raise RuleError(f"cut points need thresholds for 2, 3, 4 and 5 stars, got {sorted(cut_points)}")
    if any(cut_points[s] > cut_points[s + 1] for s in (2, 3, 4)):
        raise RuleError("cut points must not decrease from 2 to 5 stars")
    return max([1] + [s for s, t in cut_points.items() if score >= t])


@cites("42 CFR 422.166(i)(6)(ii)(A)", "42 CFR 423.186(i)(4)(ii)")
def star_measure(outcomes: Sequence[TestCallOutcome], params: ParamSet,
                 cut_points: dict[int, float] | None = None, precision: int = 0) -> list[StarMeasureScore]:
    """Per contract and part: 100 x completed contacts / attempted contacts (interpreter and TTY pooled).

    Every placed test call is an attempted contact. The star compares the score rounded half-up to
    ``precision`` decimals (CMS shows this measure as whole percents) with the cut points.
    """
    p = params.typed(CallCenterParams)
    groups: dict[tuple[str, Part], list[TestCallOutcome]] = defaultdict(list)
    for o in outcomes:
        groups[(o.contract_id, o.part)].append(o)
    out: list[StarMeasureScore] = []
    for (contract_id, part) in sorted(groups):
        items = groups[(contract_id, part)]
        done = [_completed(o, p) for o in items]
        interp = [d for o, d in zip(items, done, strict=True) if o.kind == "interpreter"]
        tty = [d for o, d in zip(items, done, strict=True) if o.kind == "tty"]
        score = 100.0 * sum(done) / len(items)
        rounded = float(Decimal(repr(score)).quantize(Decimal(1).scaleb(-precision), rounding=ROUND_HALF_UP))
        out.append(StarMeasureScore(
            contract_id=contract_id, part=part, measure=MEASURE_NAME, attempted=len(items), completed=sum(done),
            interpreter_attempted=len(interp), interpreter_completed=sum(interp), tty_attempted=len(tty),
            tty_completed=sum(tty), score_pct=score, rounded_score=rounded,
            star=None if cut_points is None else star_for(rounded, cut_points),
        ))
    return out


# --- (c) disaster exception ----------------------------------------------------------------------------


@cites("42 CFR 422.166(i)(6)(ii)-(iii) (4185-P L2297-L2303)", "42 CFR 423.186(i)(4)(ii)-(iii) (4185-P L3242-L3244)")
def disaster_adjustment(current: MeasureRating, previous: MeasureRating | None, affected_contract: bool,
                        continuing_communications_issues: bool) -> DisasterAdjustment:
    """The call-center measure after the extreme-and-uncontrollable-circumstance rules.

    ``affected_contract``: at least 25 % of enrollees in a FEMA-designated Individual Assistance area
    (decided by the Star Ratings area). CMS "will not adjust" this measure (4185-P L2297) unless
    "there are continuing communications issues related to loss of electricity and damage to
    infrastructure during the call center study" (L2303); then the higher of the previous or current
    year's measure star is used, with its score (L2295). A tie keeps the current year.
    """
    if not affected_contract:
        return DisasterAdjustment(current.star, current.score, False, "not an affected contract: current year")
    if not continuing_communications_issues:
        return DisasterAdjustment(current.star, current.score, False,
                                  "call-center measure is not adjusted without continuing communications issues "
                                  "during the call center study: current year")
    if previous is None:
        return DisasterAdjustment(current.star, current.score, False, "exception applies but no previous-year rating")
    if previous.star > current.star:
        return DisasterAdjustment(previous.star, previous.score, True,
                                  "exception applies: previous year's star is higher")
    return DisasterAdjustment(current.star, current.score, False, "exception applies: current year's star is not lower")
