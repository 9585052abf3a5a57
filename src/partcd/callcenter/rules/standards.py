"""§ 422.111(h)(1)(ii)-(iv), § 423.128(d)(1)(ii)-(v): the call-center performance standards as verdicts.

CAP letter L30: "limit callers' average hold time to 2 minutes, answer 80 percent of calls
within 30 seconds, and limit the call disconnect rate to 5 percent". "Limit to X" is read as
"<= X is compliant" (shared/specs/callcenter.md §1.1). Interpreters (S5): 80 % of calls
needing one within 8 minutes of reaching the representative; TTY (S6): 80 % connected to a
TTY operator within 7 minutes (measured from the start of the call, spec §2.5). "Within N
minutes" is inclusive.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, overload

from pydantic import BaseModel, ConfigDict, Field, model_validator

from partcd.core.citation import cites
from partcd.core.errors import RuleError
from partcd.core.params import ParamSet, ParamValue
from partcd.core.result import Verdict

_LEAP_YEAR_MONTH_DAYS: tuple[str, ...] = tuple(
    f"{d.month:02d}-{d.day:02d}" for d in (dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(366))
)

ClosureKind = Literal["thanksgiving_day", "christmas_day", "federal_holiday", "saturday", "sunday"]
HoldBasis = Literal["larger_of", "all_queued", "answered"]
AbandonPopulation = Literal["queued", "offered"]
NoIvrTreatment = Literal["refuse", "call_start"]


class ClosureSeason(BaseModel):
    """One row of ``closure_seasons_table``: a span of month-days and the closures it allows."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    season: str = Field(min_length=1)
    from_month_day: str = Field(pattern=r"^\d{2}-\d{2}$")
    through_month_day: str = Field(pattern=r"^\d{2}-\d{2}$")
    allowed_closures: tuple[ClosureKind, ...]
    requires_ivr_messages: bool

    @model_validator(mode="after")
    def _real_days(self) -> ClosureSeason:
        for md in (self.from_month_day, self.through_month_day):
            month, day = (int(x) for x in md.split("-"))
            dt.date(2024, month, day)  # raises ValueError for a day that does not exist in a leap year
        return self

    def contains(self, day: dt.date) -> bool:
        return self.contains_month_day(f"{day.month:02d}-{day.day:02d}")

    def contains_month_day(self, md: str) -> bool:
        if self.from_month_day <= self.through_month_day:
            return self.from_month_day <= md <= self.through_month_day
        return md >= self.from_month_day or md <= self.through_month_day

    def start_of(self, day: dt.date) -> dt.date:
        """First day of the season occurrence containing ``day`` (Jan-Mar -> the previous October 1)."""
        month, dom = (int(x) for x in self.from_month_day.split("-"))
        start = dt.date(day.year, month, dom)
        return start if start <= day else dt.date(day.year - 1, month, dom)

    def end_of(self, day: dt.date) -> dt.date:
        """Last day of the season occurrence containing ``day``."""
        month, dom = (int(x) for x in self.through_month_day.split("-"))
        end = dt.date(day.year, month, dom)
        return end if end >= day else dt.date(day.year + 1, month, dom)


class CallCenterParams(BaseModel):
    """Typed view of ``callcenter/params/*.yaml``: every key the code reads, nothing else."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    avg_hold_time_max_s: float
    answer_within_s: float
    answered_within_min_pct: float
    disconnect_rate_max_pct: float
    open_from_time: dt.time
    open_until_time: dt.time
    closure_seasons_table: tuple[ClosureSeason, ...] = Field(min_length=1)
    ivr_callback_max_business_days: int = Field(ge=1)
    interpreter_connect_max_min: float = Field(gt=0)
    interpreter_within_min_pct: float = Field(ge=0, le=100)
    tty_connect_max_min: float = Field(gt=0)
    tty_within_min_pct: float = Field(ge=0, le=100)
    interpreter_tty_min_calls_count: int = Field(ge=1)
    interpreter_tty_small_sample_period_text: Literal["quarter"]
    avg_hold_time_basis_text: HoldBasis
    abandon_rate_population_text: AbandonPopulation
    answered_without_ivr_end_text: NoIvrTreatment
    per_line_results_bool: bool

    @model_validator(mode="after")
    def _seasons_cover_the_year_once(self) -> CallCenterParams:
        if self.open_from_time >= self.open_until_time:
            raise ValueError("open_from_time must be before open_until_time")
        for md in _LEAP_YEAR_MONTH_DAYS:
            n = sum(s.contains_month_day(md) for s in self.closure_seasons_table)
            if n != 1:
                raise ValueError(f"closure_seasons_table: {md} is in {n} seasons, must be in exactly one")
        return self

    def season_for(self, day: dt.date) -> ClosureSeason:
        """The closure season a date belongs to (exactly one, checked at load)."""
        return next(s for s in self.closure_seasons_table if s.contains(day))


class PeriodMetrics(BaseModel):
    """Measured performance of one contract (and line) over one monitoring period."""

    model_config = ConfigDict(frozen=True)

    contract_id: str
    period_start: str
    calls: int
    avg_hold_time_s: float | None
    answered_within_pct: float | None
    disconnect_rate_pct: float | None


@dataclass(frozen=True)
class Judge:
    """The five standards (S2-S6) of one parameter file resolved once - each one's name, limit and parameter - so
    that the verdicts of thousands of periods cost a comparison each (:func:`evaluate`, :func:`evaluate_shares` and
    the metrics pipeline's records all judge through it)."""

    hold: tuple[str, float, ParamValue]
    within: tuple[str, float, ParamValue]
    disconnect: tuple[str, float, ParamValue]
    interpreter: tuple[str, float, ParamValue]
    tty: tuple[str, float, ParamValue]

    @classmethod
    def of(cls, params: ParamSet) -> Judge:
        p = params.typed(CallCenterParams)
        return cls(hold=("average hold time (s)", float(p.avg_hold_time_max_s), params["avg_hold_time_max_s"]),
                   within=(f"answered within {p.answer_within_s:g} s (%)", float(p.answered_within_min_pct),
                           params["answered_within_min_pct"]),
                   disconnect=("disconnect rate (%)", float(p.disconnect_rate_max_pct), params["disconnect_rate_max_pct"]),
                   interpreter=(interpreter_standard(p), float(p.interpreter_within_min_pct),
                                params["interpreter_within_min_pct"]),
                   tty=(tty_standard(p), float(p.tty_within_min_pct), params["tty_within_min_pct"]))

    def standards(self, avg_hold_time_s: float | None, answered_within_pct: float | None,
                  disconnect_rate_pct: float | None) -> list[Verdict]:
        """S2-S4: hold time (<=), speed of answer (>=), disconnects (<=); None = not measurable."""
        return [_verdict(self.hold, avg_hold_time_s, "<="), _verdict(self.within, answered_within_pct, ">="),
                _verdict(self.disconnect, disconnect_rate_pct, "<=")]

    def shares(self, interpreter_within_pct: float | None, tty_within_pct: float | None) -> list[Verdict]:
        """S5-S6 from shares already computed over a period (>=); None = no eligible calls, not measurable."""
        return [_verdict(self.interpreter, interpreter_within_pct, ">="), _verdict(self.tty, tty_within_pct, ">=")]

    def all_five(self, measured: Measured) -> list[Verdict]:
        """S2-S6 of one period's figures (hold, 30 s, disconnects, interpreter, TTY)."""
        return self.standards(*measured[:3]) + self.shares(*measured[3:])

    def failed(self, measured: Measured) -> tuple[bool | None, list[str]]:
        """What :func:`compliant` and the failed standards' names of :meth:`all_five` are, without building the
        verdicts (the same comparisons: :func:`_meets`)."""
        flags = [_meets(std[1], value, op) for std, value, op in zip(self._five, measured, _OPS, strict=True)]
        known = [f for f in flags if f is not None]
        return (all(known) if known else None), [std[0] for std, f in zip(self._five, flags, strict=True) if f is False]

    @property
    def _five(self) -> tuple[tuple[str, float, ParamValue], ...]:
        return self.hold, self.within, self.disconnect, self.interpreter, self.tty


#: One period's figures in the order the five standards judge them (S2-S6); None = not measurable.
Measured = tuple[float | None, float | None, float | None, float | None, float | None]
_OPS = ("<=", ">=", "<=", ">=", ">=")


class PeriodVerdicts(Sequence[list[Verdict]]):
    """The five verdicts of each of many periods, built when read: a run over thousands of periods needs only
    whether each complied (:meth:`Judge.failed`) for its records, the verdict objects only where they are shown."""

    def __init__(self) -> None:
        self._judged: list[tuple[Judge, Measured]] = []
        self._built: dict[int, list[Verdict]] = {}

    def append(self, judge: Judge, measured: Measured) -> None:
        self._judged.append((judge, measured))

    def __len__(self) -> int:
        return len(self._judged)

    @overload
    def __getitem__(self, i: int) -> list[Verdict]: ...

    @overload
    def __getitem__(self, i: slice) -> list[list[Verdict]]: ...

    def __getitem__(self, i: int | slice) -> list[Verdict] | list[list[Verdict]]:
        if isinstance(i, slice):
            return [self[j] for j in range(len(self._judged))[i]]
        i = range(len(self._judged))[i]
        built = self._built.get(i)
        if built is None:
            judge, measured = self._judged[i]
            built = self._built[i] = judge.all_five(measured)
        return built

    def __eq__(self, other: object) -> bool:
        """Equal to another :class:`PeriodVerdicts` or a list of the same verdicts (as the list it replaces was)."""
        if not isinstance(other, (PeriodVerdicts, list)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]


def _meets(limit: float, measured: float | None, comparison: str) -> bool | None:
    """``measured`` against a limit (``<=`` or ``>=``); None is not measurable."""
    if measured is None:
        return None
    value = float(measured)
    return value <= limit if comparison == "<=" else value >= limit


def _verdict(standard: tuple[str, float, ParamValue], measured: float | None, comparison: str) -> Verdict:
    """One verdict: ``measured`` against the standard's limit (``<=`` or ``>=``); None is not measurable."""
    name, limit, param = standard
    value = None if measured is None else float(measured)
    return Verdict(standard=name, measured=value, limit=limit, comparison=comparison,
                   compliant=_meets(limit, value, comparison), param=param)


@cites("42 CFR 422.111(h)(1)(ii)", "42 CFR 423.128(d)(1)(ii)")
def evaluate(metrics: PeriodMetrics, params: ParamSet) -> list[Verdict]:
    """The three verdicts (hold time, speed of answer, disconnects) for one period.

    A metric with no eligible calls is "not measurable" (``compliant=None``), never a pass.
    """
    return Judge.of(params).standards(metrics.avg_hold_time_s, metrics.answered_within_pct, metrics.disconnect_rate_pct)


class InterpreterTtyWaits(BaseModel):
    """Waits of one contract (and line) over one period; ``None`` = never connected (counts as a miss).

    ``interpreter_waits_s``: interpreter joined minus representative reached, for every call needing an
    interpreter. ``tty_waits_s``: TTY operator connected minus start of the call, for every TTY call.
    """

    model_config = ConfigDict(frozen=True)

    contract_id: str
    period_start: str
    interpreter_waits_s: tuple[float | None, ...] = ()
    tty_waits_s: tuple[float | None, ...] = ()


@cites("42 CFR 422.111(h)(1)(iii)(B)", "42 CFR 423.128(d)(1)(iii)(B)")
def interpreter_verdict(waits_s: Sequence[float | None], params: ParamSet) -> Verdict:
    """S5: % of calls needing an interpreter that got one within 8 min of reaching the CSR, >= 80 %."""
    p = params.typed(CallCenterParams)
    return _share_within(interpreter_standard(p), waits_s, p.interpreter_connect_max_min * 60.0,
                         p.interpreter_within_min_pct, params["interpreter_within_min_pct"])


@cites("42 CFR 422.111(h)(1)(iv)(B)", "42 CFR 423.128(d)(1)(v)(B)")
def tty_verdict(waits_s: Sequence[float | None], params: ParamSet) -> Verdict:
    """S6: % of TTY calls connected to a TTY operator within 7 min of the start of the call, >= 80 %."""
    p = params.typed(CallCenterParams)
    return _share_within(tty_standard(p), waits_s, p.tty_connect_max_min * 60.0, p.tty_within_min_pct,
                         params["tty_within_min_pct"])


def interpreter_standard(p: CallCenterParams) -> str:
    return f"interpreter within {p.interpreter_connect_max_min:g} min of reaching the CSR (%)"


def tty_standard(p: CallCenterParams) -> str:
    return f"TTY operator within {p.tty_connect_max_min:g} min (%)"


@cites("42 CFR 422.111(h)(1)(iii)(B)", "42 CFR 423.128(d)(1)(iii)(B)", "42 CFR 422.111(h)(1)(iv)(B)",
       "42 CFR 423.128(d)(1)(v)(B)")
def evaluate_shares(interpreter_within_pct: float | None, tty_within_pct: float | None, params: ParamSet) -> list[Verdict]:
    """S5 and S6 from shares already computed over a period (None = no eligible calls, not measurable)."""
    return Judge.of(params).shares(interpreter_within_pct, tty_within_pct)


@cites("42 CFR 422.111(h)(1)(iii)(B)", "42 CFR 423.128(d)(1)(iii)(B)", "42 CFR 422.111(h)(1)(iv)(B)",
       "42 CFR 423.128(d)(1)(v)(B)")
def evaluate_interpreter_tty(waits: InterpreterTtyWaits, params: ParamSet) -> list[Verdict]:
    """The two verdicts (interpreter, TTY) for one period; no eligible calls -> not measurable."""
    return [interpreter_verdict(waits.interpreter_waits_s, params), tty_verdict(waits.tty_waits_s, params)]


class PeriodCounts(BaseModel):
    """Additive counts of one contract (x line) x period, as the engine aggregates them (instants in microseconds).

    ``queued``: calls that left the IVR; ``answered``: a live person answered; ``answered_within``: answered within
    ``answer_within_s`` of leaving the IVR; ``dropped``: ended unexpectedly on the plan's side; ``caller_hangups``:
    the caller hung up before a live person answered (in the IVR or in the queue); ``abandoned``: of those, the calls
    that had left the IVR; ``hold_sum_us`` / ``max_hold_us``: holds of answered calls; ``waits`` / ``wait_sum_us``:
    queued calls whose wait is known (answered: until the answer; abandoned or dropped: until the call ended).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    calls: int = Field(ge=0)
    queued: int = Field(ge=0)
    answered: int = Field(ge=0)
    answered_within: int = Field(ge=0)
    dropped: int = Field(ge=0)
    caller_hangups: int = Field(ge=0)
    abandoned: int = Field(ge=0)
    hold_sum_us: int = Field(ge=0)
    max_hold_us: int | None = None
    waits: int = Field(ge=0)
    wait_sum_us: int = Field(ge=0)
    interpreter_calls: int = Field(0, ge=0)
    interpreter_within: int = Field(0, ge=0)
    tty_calls: int = Field(0, ge=0)
    tty_within: int = Field(0, ge=0)


class PeriodFigures(BaseModel):
    """The figures of one period: both average holds, the one the verdict judges, the rates, the S5/S6 shares."""

    model_config = ConfigDict(frozen=True)

    avg_hold_time_s: float | None
    avg_hold_time_all_queued_s: float | None
    hold_time_basis: HoldBasis
    verdict_hold_time_s: float | None
    max_hold_time_s: float | None
    answered_within_30s_pct: float | None
    disconnect_rate_pct: float | None
    abandon_rate_pct: float | None
    abandon_population: AbandonPopulation
    interpreter_within_pct: float | None
    tty_within_pct: float | None


def _verdict_hold(basis: HoldBasis, answered: float | None, queued: float | None) -> float | None:
    """The average hold the verdict judges: one of the two, or the larger (both are lower bounds of the wait of a
    caller who keeps holding, as CMS's test callers do; the larger is the tighter bound)."""
    if basis == "answered":
        return answered
    if basis == "all_queued":
        return queued
    known = [v for v in (answered, queued) if v is not None]
    return max(known) if known else None


def _ratio(num: int | float, den: int, scale: float = 100.0) -> float | None:
    return None if den <= 0 else scale * num / den


@cites("42 CFR 422.111(h)(1)(ii)(A)-(C)", "42 CFR 423.128(d)(1)(ii)(A)-(C)")
def period_figures(counts: PeriodCounts, params: ParamSet) -> PeriodFigures:
    """Counts -> figures (shared/specs/callcenter.md §2; CAP letter L30, L32).

    Average hold over answered calls, and over all queued calls with abandoned and dropped waits counted until the
    call ended; the verdict judges the one named by ``avg_hold_time_basis_text`` (default: the larger of the two).
    Answered within 30 s over all
    queued calls. Disconnect rate: plan-side drops over all calls made. Abandon rate: one population
    (``abandon_rate_population_text``): queued calls abandoned / queued calls, or all hang-ups before an answer /
    all calls. A figure with no eligible calls is None (not measurable).
    """
    p = params.typed(CallCenterParams)
    if counts.abandoned > counts.caller_hangups or counts.answered_within > counts.answered or \
            counts.answered > counts.calls or counts.waits > counts.queued:
        raise RuleError("inconsistent period counts (a part is larger than its whole)", cite=params["avg_hold_time_max_s"].cite)
    answered_avg = _ratio(counts.hold_sum_us, counts.answered, 1e-6)
    queued_avg = _ratio(counts.wait_sum_us, counts.waits, 1e-6)
    basis = p.avg_hold_time_basis_text
    if p.abandon_rate_population_text == "queued":
        abandon = _ratio(counts.abandoned, counts.queued)
    else:
        abandon = _ratio(counts.caller_hangups, counts.calls)
    return PeriodFigures(
        avg_hold_time_s=answered_avg, avg_hold_time_all_queued_s=queued_avg, hold_time_basis=basis,
        verdict_hold_time_s=_verdict_hold(basis, answered_avg, queued_avg),
        max_hold_time_s=None if counts.max_hold_us is None else counts.max_hold_us / 1e6,
        answered_within_30s_pct=_ratio(counts.answered_within, counts.queued),
        disconnect_rate_pct=_ratio(counts.dropped, counts.calls), abandon_rate_pct=abandon,
        abandon_population=p.abandon_rate_population_text,
        interpreter_within_pct=_ratio(counts.interpreter_within, counts.interpreter_calls),
        tty_within_pct=_ratio(counts.tty_within, counts.tty_calls),
    )


class CallTimes(BaseModel):
    """The instants of one call that decide its hold (aware datetimes)."""

    model_config = ConfigDict(frozen=True)

    call_start: dt.datetime
    ivr_end: dt.datetime | None = None
    answered_at: dt.datetime | None = None
    call_end: dt.datetime | None = None


class QueuedWait(BaseModel):
    """Whether the call was queued (left the IVR), when its hold clock started, and its hold / wait in seconds."""

    model_config = ConfigDict(frozen=True)

    queued: bool
    hold_clock_start: dt.datetime | None
    hold_s: float | None
    wait_s: float | None


@cites("42 CFR 422.111(h)(1)(ii)(A)", "42 CFR 423.128(d)(1)(ii)(A)")
def queued_wait(call: CallTimes, params: ParamSet) -> QueuedWait:
    """The hold of one call "following the IVR ... before reaching a live person" (§ 422.111(h)(1)(ii)(A)).

    An empty ``ivr_end`` means the call never left the IVR. A call a live person answered with no ``ivr_end`` is
    refused, or (``answered_without_ivr_end_text: call_start``) held from ``call_start``. ``hold_s``: answered
    calls only; ``wait_s``: every queued call, until the answer or, unanswered, until the call ended (None when the
    end is unknown). The metrics pipeline computes the same in the engine; the monitoring study calls this.
    """
    p = params.typed(CallCenterParams)
    start = call.ivr_end
    if start is None and call.answered_at is not None:
        if p.answered_without_ivr_end_text == "refuse":
            raise RuleError("a call answered by a live person needs ivr_end (a line without an IVR records "
                            "ivr_end = call_start)", cite=params["answered_without_ivr_end_text"].cite)
        start = call.call_start
    if start is None:
        return QueuedWait(queued=False, hold_clock_start=None, hold_s=None, wait_s=None)
    if call.answered_at is not None:
        hold = (call.answered_at - start).total_seconds()
        if hold < 0:
            raise RuleError(f"hold time {hold:g} s is negative (answered before the hold clock started)",
                            cite=params["avg_hold_time_max_s"].cite)
        return QueuedWait(queued=True, hold_clock_start=start, hold_s=hold, wait_s=hold)
    wait = None if call.call_end is None else (call.call_end - start).total_seconds()
    if wait is not None and wait < 0:
        raise RuleError(f"wait {wait:g} s is negative (the call ended before the hold clock started)",
                        cite=params["avg_hold_time_max_s"].cite)
    return QueuedWait(queued=True, hold_clock_start=start, hold_s=None, wait_s=wait)


@cites("42 CFR 422.111(h)(1)(ii)", "42 CFR 423.128(d)(1)(ii)")
def results_by_line(log_has_line: bool, requested: bool | None, params: ParamSet) -> bool:
    """Per-line results? An explicit request wins; otherwise per line exactly when the log has a line and
    ``per_line_results_bool`` (CMS monitors each line: 2026 Technical Notes L3729, L6334)."""
    if requested is not None:
        return requested
    return log_has_line and params.typed(CallCenterParams).per_line_results_bool


class PooledShare(BaseModel):
    """A share standard (interpreter, TTY) of a day too small to judge alone, judged over the period to date."""

    model_config = ConfigDict(frozen=True)

    day_calls: int
    period_calls: int
    period_within: int
    period_within_pct: float | None
    compliant: bool | None


@cites("42 CFR 422.111(h)(1)(iii)(B)", "42 CFR 422.111(h)(1)(iv)(B)", "42 CFR 423.128(d)(1)(iii)(B)",
       "42 CFR 423.128(d)(1)(v)(B)")
def small_sample_share(day_calls: int, period_calls: int, period_within: int, min_calls: int,
                       min_pct: float) -> PooledShare | None:
    """None when the day has no eligible call or at least ``min_calls`` (interpreter_tty_min_calls_count): the day is
    judged alone. Otherwise the share is judged over the period to date (``period_*``, the day included): compliant
    when at least ``min_pct`` of its calls were served in time, not judged (None) while the period itself has fewer
    than ``min_calls``. 2 interpreter calls on a day, 1 late: small; 9 of 10 on time in the quarter -> 90 % >= 80."""
    if day_calls == 0 or day_calls >= min_calls:
        return None
    pct = 100.0 * period_within / period_calls if period_calls else None
    ok = None if pct is None or period_calls < min_calls else pct >= min_pct
    return PooledShare(day_calls=day_calls, period_calls=period_calls, period_within=period_within,
                       period_within_pct=pct, compliant=ok)


def compliant_flags(flags: Sequence[bool | None]) -> bool | None:
    """Per-standard flags -> overall: any False -> False; all known True -> True; none known -> None."""
    known = [f for f in flags if f is not None]
    return all(known) if known else None


def compliant(verdicts: list[Verdict]) -> bool | None:
    """All measurable verdicts pass -> True; any fails -> False; none measurable -> None."""
    known = [v.compliant for v in verdicts if v.compliant is not None]
    if not known:
        return None
    return all(known)


def _upper(name: str, measured: float | None, limit: float, param: ParamValue) -> Verdict:
    ok = None if measured is None else measured <= limit
    return Verdict(standard=name, measured=measured, limit=limit, comparison="<=", compliant=ok, param=param)


def _lower(name: str, measured: float | None, limit: float, param: ParamValue) -> Verdict:
    ok = None if measured is None else measured >= limit
    return Verdict(standard=name, measured=measured, limit=limit, comparison=">=", compliant=ok, param=param)


def _share_within(name: str, waits_s: Sequence[float | None], max_s: float, min_pct: float, param: ParamValue) -> Verdict:
    for w in waits_s:
        if w is not None and w < 0:
            raise RuleError(f"{name}: a wait of {w:g} s is negative (connected before the clock started)",
                            cite=param.cite)
    if not waits_s:
        return _lower(name, None, min_pct, param)
    passed = sum(1 for w in waits_s if w is not None and w <= max_s)
    return _lower(name, 100.0 * passed / len(waits_s), min_pct, param)
