"""§§ 422.630(d)-(e), 422.631(d)(2), 422.633(f), 423.568(b), 423.572(a) - decision due times of many cases (4185-P L2761-L3289).

The per-case engine (:mod:`partcd.appeals.rules.clocks`) returns every obligation of one case as a record; a work
queue or a nightly re-computation over a million open cases needs one number per case: when the decision (or
the grievance resolution) is due. :func:`decision_due` computes that number with numpy for the common cases and
gives the same instant as the engine (checked by ``tests/unit/appeals/test_clocks_vector.py``):

============================== ================== ====================================================
case type                      standard           expedited
============================== ================== ====================================================
integrated_grievance           T2 (30 cd)         T4 (24 h)
integrated_organization_det.   T5 (14 cd)         T7 (72 h)
integrated_reconsideration     T16 (30 cd)        T17 (72 h)
partd_coverage_determination   P1 (72 h)          P3 (24 h)
partd_exception                P2 (72 h after the supporting statement or 14 cd, whichever comes first;
                               P4 with 24 h when expedited)
============================== ================== ====================================================

Hour limits are elapsed microseconds added to the UTC instant. Day limits depend only on the local date of
receipt, so each distinct date is handed once to the engine's own day arithmetic (``_Clock.after_days``:
day counting, end of the local day, weekend roll-over, DST) and the answer is broadcast back. The local date
of an instant uses the zone's UTC offset looked up once per distinct quarter hour (a bucket whose two ends
disagree, i.e. holds an offset change, is resolved instant by instant).

Not covered (use the engine): extensions, denied expedites, State overrides, the other obligations (T29, T10,
...), and ``day_deadline_end_text = same_local_time`` (a day limit that depends on the time of receipt).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy.typing as npt

from partcd.appeals.rules.clocks import TIMEFRAMES, _clock
from partcd.appeals.rules.parameters import AppealsParams
from partcd.core.citation import cites
from partcd.core.errors import RuleError
from partcd.core.params import ParamSet

CASE_TYPES: tuple[str, ...] = ("integrated_grievance", "integrated_organization_determination",
                               "integrated_reconsideration", "partd_coverage_determination", "partd_exception")
#: Integer code of each case type (the ``case_type`` array holds these codes).
CASE_TYPE_CODES: dict[str, int] = {name: code for code, name in enumerate(CASE_TYPES)}
#: The timeframe id of the decision for (case type, expedited); the Part D exception is P2 / P4.
DECISION_IDS: dict[tuple[str, bool], str] = {
    ("integrated_grievance", False): "T2", ("integrated_grievance", True): "T4",
    ("integrated_organization_determination", False): "T5", ("integrated_organization_determination", True): "T7",
    ("integrated_reconsideration", False): "T16", ("integrated_reconsideration", True): "T17",
    ("partd_coverage_determination", False): "P1", ("partd_coverage_determination", True): "P3",
    ("partd_exception", False): "P2", ("partd_exception", True): "P4",
}

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
       "42 CFR 423.572(a)")
def decision_due(
    received: Instants,
    case_type: npt.NDArray[np.integer],
    expedited: npt.NDArray[np.bool_],
    params: ParamSet,
    *,
    supporting_statement: Instants | None = None,
    zone: str | None = None,
) -> Instants:
    """The decision due time of each open case as ``datetime64[us]`` UTC (the engine's T2/T4/T5/T7/T16/T17/P1-P4).

    ``received`` and ``supporting_statement`` are UTC instants (``datetime64``; ``NaT`` = no supporting statement,
    read for ``partd_exception`` rows only); ``case_type`` holds :data:`CASE_TYPE_CODES`; ``zone`` is the plan's
    zone (default ``plan_time_zone_text``). A statement received before the request starts its hours at receipt.
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

    for name, code in CASE_TYPE_CODES.items():
        for is_fast in (False, True):
            rows = (types == code) & (fast == is_fast)
            if not rows.any():
                continue
            tf = TIMEFRAMES[DECISION_IDS[(name, is_fast)]]
            if name == "partd_exception":
                due[rows] = _exception_due(rec, rows, after_days(rows, view.partd_exception_outer_calendar_days),
                                           view, is_fast, supporting_statement)
            elif tf.kind == "hours":
                assert tf.key is not None
                due[rows] = rec[rows] + _hours_us(float(getattr(view, tf.key)))
            else:
                assert tf.key is not None
                due[rows] = after_days(rows, int(getattr(view, tf.key)))
    return due.astype("datetime64[us]")


def _exception_due(rec: npt.NDArray[np.int64], rows: npt.NDArray[np.bool_], outer: npt.NDArray[np.int64],
                   view: AppealsParams, expedited: bool, supporting_statement: Instants | None) -> npt.NDArray[np.int64]:
    """P2 / P4: hours after the supporting statement or the 14-day outer limit, whichever comes first."""
    if supporting_statement is None:
        return outer
    ss = _to_us(supporting_statement)
    if ss.shape != rec.shape:
        raise RuleError("supporting_statement must have one entry per case (NaT = none)")
    ss = ss[rows]
    has = ss != _NAT
    hours = view.partd_expedited_exception_supporting_statement_h if expedited else view.partd_exception_supporting_statement_h
    ss_due = np.maximum(ss, rec[rows]) + _hours_us(float(hours))
    return np.where(has & (ss_due < outer), ss_due, outer)
