"""Parts 422 subpart M, 423 subpart M - decision due times of many cases at once (4185-P L2761-L3289; current CFR).

The per-case engine (:mod:`partcd.appeals.rules.clocks`, :mod:`partcd.appeals.rules.standard`) returns every
obligation of one case as a record; a bulk clock file or a nightly re-computation over a million open cases needs one
number per case: when the decision (or the grievance resolution) is due. :func:`decision_due` computes that number
with numpy and gives the same instant as the engine (checked by ``tests/appeals/test_clocks_vector.py``). Which
timeframe a case follows is :func:`partcd.appeals.rules.standard.decision_timeframe` of its type, expedited, payment,
Part B drug and prior-authorization flags - the same function the engine uses - so every process is covered: the
unified process (T2/T4, T5/T7, T16/T17), Part D (P1/P3, D1, P2/P4 exceptions with the final or the proposed reading of
the missing supporting statement), Part C organization determinations (C1-C4, C11), reconsiderations (C13-C16),
grievances (C24/C26, D15/D17) and Part D redeterminations (D6-D8).

Hour limits are elapsed microseconds added to the UTC instant. Day limits depend only on the local date of
receipt, so each distinct date is handed once to the engine's own day arithmetic (``_Clock.after_days``:
day counting, end of the local day, roll-over, DST) and the answer is broadcast back. The local date of an instant
uses the zone's UTC offset looked up once per distinct quarter hour (a bucket whose two ends disagree, i.e. holds an
offset change, is resolved instant by instant).

Not covered (use the engine): extensions, denied expedites, State overrides, the other obligations (T29, C9, ...),
and ``day_deadline_end_text = same_local_time`` (a day limit that depends on the time of receipt).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy.typing as npt

from partcd.appeals.rules.clocks import TIMEFRAMES, _clock
from partcd.appeals.rules.parameters import AppealsParams
from partcd.appeals.rules.standard import decision_timeframe
from partcd.appeals.rules.workflow import CASE_TYPES, INTEGRATED_TYPES
from partcd.core.citation import cites
from partcd.core.errors import RuleError
from partcd.core.params import ParamSet

#: Integer code of each case type (the ``case_type`` array holds these codes; the order of workflow.CASE_TYPES).
CASE_TYPE_CODES: dict[str, int] = {name: code for code, name in enumerate(CASE_TYPES)}


def decision_id(case_type: str, expedited: bool, payment: bool = False, part_b_drug: bool = False,
                prior_authorization: bool = False) -> str:
    """The timeframe id of the decision a case of these facts waits for (as the engine names it)."""
    return decision_timeframe(case_type, expedited=expedited and not payment, payment=payment, part_b_drug=part_b_drug,
                              prior_authorization=prior_authorization)[0]


_US = dt.timedelta(microseconds=1)
_DAY_US = 86_400_000_000
_QUARTER_US = 900_000_000
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_DATE = dt.date(1970, 1, 1)
_NAT = np.iinfo(np.int64).min

Instants = npt.NDArray[np.datetime64]


def _hours_us(hours: float) -> int:
    """Hours as whole microseconds, rounded as ``datetime.timedelta(hours=...)`` rounds them in the engine."""
    return dt.timedelta(hours=hours) // _US


def _offset_us(utc_us: int, zone: dt.tzinfo) -> int:
    offset = (_EPOCH + dt.timedelta(microseconds=utc_us)).astimezone(zone).utcoffset()
    assert offset is not None
    return offset // _US


def _local_days(utc_us: npt.NDArray[np.int64], zone: dt.tzinfo) -> npt.NDArray[np.int64]:
    """The local calendar date (days since 1970-01-01) of each UTC instant in ``zone``."""
    buckets, inverse = np.unique(np.floor_divide(utc_us, _QUARTER_US), return_inverse=True)
    first = np.array([_offset_us(int(b) * _QUARTER_US, zone) for b in buckets], dtype=np.int64)
    last = np.array([_offset_us(int(b) * _QUARTER_US + _QUARTER_US - 1, zone) for b in buckets], dtype=np.int64)
    offsets = first[inverse]
    changing = (first != last)[inverse]
    for i in np.flatnonzero(changing):
        offsets[i] = _offset_us(int(utc_us[i]), zone)
    days: npt.NDArray[np.int64] = np.floor_divide(utc_us + offsets, _DAY_US)
    return days


def _to_us(values: Instants) -> npt.NDArray[np.int64]:
    out: npt.NDArray[np.int64] = np.asarray(values, dtype="datetime64[us]").astype(np.int64)
    return out


@cites("42 CFR 422.630(d)", "42 CFR 422.630(e)(1)", "42 CFR 422.631(d)(2)", "42 CFR 422.633(f)", "42 CFR 423.568(b)",
       "42 CFR 423.568(c)", "42 CFR 423.572(a)", "42 CFR 422.564", "42 CFR 422.568", "42 CFR 422.572", "42 CFR 422.590",
       "42 CFR 423.564", "42 CFR 423.590")
def decision_due(
    received: Instants,
    case_type: npt.NDArray[np.integer],
    expedited: npt.NDArray[np.bool_],
    params: ParamSet,
    *,
    payment: npt.NDArray[np.bool_] | None = None,
    part_b_drug: npt.NDArray[np.bool_] | None = None,
    prior_authorization: npt.NDArray[np.bool_] | None = None,
    supporting_statement: Instants | None = None,
    zone: str | None = None,
) -> Instants:
    """The decision due time of each open case as ``datetime64[us]`` UTC (the engine's decision obligation).

    ``received`` and ``supporting_statement`` are UTC instants (``datetime64``; ``NaT`` = no supporting statement,
    read for ``partd_exception`` rows only); ``case_type`` holds :data:`CASE_TYPE_CODES`; the flag arrays (default
    all false) say which variant applies; ``zone`` is the plan's zone (default ``plan_time_zone_text``). A payment
    request is never expedited: its ``expedited`` flag is ignored, as the workflow ignores the request to expedite.
    """
    clock = _clock(params, zone, None)
    view: AppealsParams = clock.view
    if view.day_deadline_end_text != "end_of_local_day":
        raise RuleError(f"the vectorised clocks compute day limits that end at the end of the local day; "
                        f"day_deadline_end_text={view.day_deadline_end_text!r} needs the per-case engine")
    rec = _to_us(received)
    types = np.asarray(case_type)
    fast = np.asarray(expedited, dtype=bool)
    if not (rec.shape == types.shape == fast.shape):
        raise RuleError("received, case_type and expedited must have the same length")
    flags = [np.zeros(rec.shape, dtype=bool) if a is None else np.asarray(a, dtype=bool)
             for a in (payment, part_b_drug, prior_authorization)]
    if any(f.shape != rec.shape for f in flags):
        raise RuleError("payment, part_b_drug and prior_authorization must have one entry per case")
    pay, partb, pa = flags
    if rec.size and (rec == _NAT).any():
        raise RuleError("every open case needs its receipt time (NaT found)")
    unknown = ~np.isin(types, np.arange(len(CASE_TYPES)))
    if unknown.any():
        raise RuleError(f"unknown case type code {int(types[unknown][0])} (expected 0-{len(CASE_TYPES) - 1})")
    local_day = _local_days(rec, clock.zone)
    due = np.empty_like(rec)
    day_limits: dict[int, dict[int, int]] = {}

    def after_days(rows: npt.NDArray[np.bool_], days: int) -> npt.NDArray[np.int64]:
        cache = day_limits.setdefault(days, {})
        uniq, inverse = np.unique(local_day[rows], return_inverse=True)
        out = np.empty(uniq.shape, dtype=np.int64)
        for j, d in enumerate(uniq.tolist()):
            if d not in cache:
                start = clock.day_start(_EPOCH_DATE + dt.timedelta(days=d))
                cache[d] = (clock.after_days(start, days) - _EPOCH) // _US
            out[j] = cache[d]
        return out[inverse]

    combo = types.astype(np.int64) * 16 + (fast & ~pay) * 8 + pay * 4 + partb * 2 + pa
    for value in np.unique(combo).tolist():
        rows = combo == value
        code, bits = divmod(int(value), 16)
        name = CASE_TYPES[code]
        if name in INTEGRATED_TYPES:
            clock.require_unified(name.replace("_", " "))
        is_fast, is_pay, is_partb, is_pa = bool(bits & 8), bool(bits & 4), bool(bits & 2), bool(bits & 1)
        tf_id, key = decision_timeframe(name, expedited=is_fast, payment=is_pay, part_b_drug=is_partb,
                                        prior_authorization=is_pa)
        if name == "partd_exception":
            due[rows] = _exception_due(rec, rows, after_days(rows, view.partd_exception_outer_calendar_days),
                                       view, is_fast, supporting_statement)
        elif TIMEFRAMES[tf_id].kind == "hours":
            due[rows] = rec[rows] + _hours_us(float(clock.value(key)))
        else:
            due[rows] = after_days(rows, int(clock.value(key)))
    return due.astype("datetime64[us]")


def _exception_due(rec: npt.NDArray[np.int64], rows: npt.NDArray[np.bool_], outer: npt.NDArray[np.int64],
                   view: AppealsParams, expedited: bool, supporting_statement: Instants | None) -> npt.NDArray[np.int64]:
    """P2 / P4: final reading - (the earlier of the statement and the end of day 14) + hours; the proposal's reading
    (``whichever_first``) - the earlier of statement + hours and the end of day 14."""
    hours = _hours_us(float(view.partd_expedited_exception_supporting_statement_h if expedited
                            else view.partd_exception_supporting_statement_h))
    final = view.partd_exception_missing_statement_text == "outer_limit_then_hours"
    if supporting_statement is None:
        return outer + hours if final else outer
    ss = _to_us(supporting_statement)
    if ss.shape != rec.shape:
        raise RuleError("supporting_statement must have one entry per case (NaT = none)")
    ss = ss[rows]
    has = ss != _NAT
    ss_start = np.maximum(ss, rec[rows])
    if final:
        return np.where(has & (ss_start <= outer), ss_start, outer) + hours
    ss_due = ss_start + hours
    return np.where(has & (ss_due < outer), ss_due, outer)
