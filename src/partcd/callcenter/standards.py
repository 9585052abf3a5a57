"""§ 422.111(h)(1)(ii), § 423.128(d)(1)(ii): the call-center performance standards as verdicts.

CAP letter L30: "limit callers' average hold time to 2 minutes, answer 80 percent of calls
within 30 seconds, and limit the call disconnect rate to 5 percent". "Limit to X" is read as
"<= X is compliant" (shared/specs/callcenter.md §1.1).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from partcd.core.citation import cites
from partcd.core.params import ParamSet, ParamValue
from partcd.core.result import Verdict


class CallCenterParams(BaseModel):
    """Typed view of ``callcenter/params/*.yaml``: every key the code reads, nothing else."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    avg_hold_time_max_s: float
    answer_within_s: float
    answered_within_min_pct: float
    disconnect_rate_max_pct: float
    restore_essential_functions_max_h: float


class PeriodMetrics(BaseModel):
    """Measured performance of one contract (and line) over one monitoring period."""

    model_config = ConfigDict(frozen=True)

    contract_id: str
    period_start: str
    calls: int
    avg_hold_time_s: float | None
    answered_within_pct: float | None
    disconnect_rate_pct: float | None


@cites("42 CFR 422.111(h)(1)(ii)", "42 CFR 423.128(d)(1)(ii)")
def evaluate(metrics: PeriodMetrics, params: ParamSet) -> list[Verdict]:
    """The three verdicts (hold time, speed of answer, disconnects) for one period.

    A metric with no eligible calls is "not measurable" (``compliant=None``), never a pass.
    """
    p = params.typed(CallCenterParams)
    return [
        _upper("average hold time (s)", metrics.avg_hold_time_s, p.avg_hold_time_max_s, params["avg_hold_time_max_s"]),
        _lower(f"answered within {p.answer_within_s:g} s (%)", metrics.answered_within_pct,
               p.answered_within_min_pct, params["answered_within_min_pct"]),
        _upper("disconnect rate (%)", metrics.disconnect_rate_pct, p.disconnect_rate_max_pct,
               params["disconnect_rate_max_pct"]),
    ]


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
