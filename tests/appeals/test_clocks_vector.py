"""§§ 422.630, 422.631(d)(2), 422.633(f), 423.568(b), 423.572(a): the vectorised decision due times are IDENTICAL to
the per-case clock engine (clocks.py) on a seeded 10,000-case sample (every type, standard and expedited, receipts
across both DST changes of 2021, at 23:59 and 00:00 local, month ends and the leap day of 2024, Part D exceptions with
and without a supporting statement, before or after receipt), plus hand-computed rows."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from partcd.appeals.rules import clocks
from partcd.appeals.rules.clocks_vector import CASE_TYPE_CODES, CASE_TYPES, DECISION_IDS, decision_due
from partcd.core.errors import RuleError
from partcd.core.params import ParamSet
from partcd.platform.params import load_params

P = load_params("appeals", dt.date(2021, 1, 1))
UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)


def _engine(case_type: str, rec: dt.datetime, expedited: bool, ss: dt.datetime | None, zone: str | None,
            params: ParamSet = P) -> dt.datetime:
    if case_type == "integrated_grievance":
        obs = clocks.integrated_grievance(rec, params, expedited=expedited, zone=zone)
    elif case_type == "integrated_organization_determination":
        obs = clocks.integrated_organization_determination(rec, params, expedited=expedited, zone=zone)
    elif case_type == "integrated_reconsideration":
        obs = clocks.integrated_reconsideration(rec, params, expedited=expedited, zone=zone)
    elif case_type == "partd_coverage_determination":
        obs = clocks.partd_coverage_determination(rec, params, expedited=expedited, zone=zone)
    else:
        obs = clocks.partd_exception(rec, params, supporting_statement=ss, expedited=expedited, zone=zone)
    want = DECISION_IDS[(case_type, expedited)]
    return next(o.due for o in obs if o.id == want)


def _sample(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    start = int((dt.datetime(2021, 1, 1, tzinfo=UTC) - EPOCH).total_seconds())
    end = int((dt.datetime(2024, 12, 31, tzinfo=UTC) - EPOCH).total_seconds())
    secs = rng.integers(start, end, n)
    # a quarter of the receipts sit on the instants where the rules are delicate (DST changes, local day edges)
    edges = [dt.datetime(2021, 3, 14, 6, 59, 59, tzinfo=UTC), dt.datetime(2021, 3, 14, 7, 0, tzinfo=UTC),
             dt.datetime(2021, 11, 7, 5, 30, tzinfo=UTC), dt.datetime(2021, 11, 7, 6, 30, tzinfo=UTC),
             dt.datetime(2024, 2, 29, 4, 59, 59, tzinfo=UTC), dt.datetime(2024, 2, 29, 5, 0, tzinfo=UTC),
             dt.datetime(2021, 1, 31, 4, 59, tzinfo=UTC), dt.datetime(2021, 10, 31, 3, 59, 59, tzinfo=UTC)]
    pick = rng.random(n) < 0.25
    secs[pick] = np.array([int((e - EPOCH).total_seconds()) for e in edges])[rng.integers(len(edges), size=int(pick.sum()))]
    received = (secs * 1_000_000 + rng.integers(0, 1_000_000, n)).astype("datetime64[us]")
    types = rng.integers(0, len(CASE_TYPES), n).astype(np.int8)
    expedited = rng.random(n) < 0.3
    offset_h = rng.uniform(-30, 24 * 16, n)  # some statements before receipt, some after the 14-day limit
    ss = received + (offset_h * 3_600_000_000).astype("timedelta64[us]")
    ss[rng.random(n) < 0.3] = np.datetime64("NaT")
    return received, types, expedited, ss


def _aware(x: np.datetime64) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=int(x.astype("datetime64[us]").astype(np.int64)))


@pytest.mark.parametrize("zone", ["America/New_York", "America/Los_Angeles", "Pacific/Honolulu"])
def test_vector_due_times_equal_the_engine_on_10000_cases(zone: str) -> None:
    received, types, expedited, ss = _sample(10_000, seed=20210101)
    got = decision_due(received, types, expedited, P, supporting_statement=ss, zone=zone)
    assert got.dtype == np.dtype("datetime64[us]")
    mismatches = []
    for i in range(received.size):
        case_type = CASE_TYPES[int(types[i])]
        stmt = None if np.isnat(ss[i]) else _aware(ss[i])
        want = _engine(case_type, _aware(received[i]), bool(expedited[i]), stmt, zone)
        if _aware(got[i]) != want.astimezone(UTC):
            mismatches.append((i, case_type, received[i], want))
    assert mismatches == []


def test_vector_follows_the_named_day_choices() -> None:
    """Weekend / federal-holiday roll-over and the receipt-day-is-day-1 count go through the engine's own day arithmetic."""
    params = P.with_overrides({"weekend_holiday_rollover_bool": True, "day_count_convention_text": "receipt_day_is_day_1"})
    received, types, expedited, ss = _sample(2_000, seed=7)
    got = decision_due(received, types, expedited, params, supporting_statement=ss)
    for i in range(received.size):
        case_type = CASE_TYPES[int(types[i])]
        stmt = None if np.isnat(ss[i]) else _aware(ss[i])
        want = _engine(case_type, _aware(received[i]), bool(expedited[i]), stmt, None, params)
        assert _aware(got[i]) == want.astimezone(UTC), (i, case_type)


def test_hand_computed_rows() -> None:
    ny = ZoneInfo("America/New_York")
    rec = dt.datetime(2021, 3, 1, 23, 59, tzinfo=ny)  # 2021-03-02 04:59 UTC, local date 2021-03-01
    received = np.array([rec.astimezone(UTC).replace(tzinfo=None)] * 5, dtype="datetime64[us]")
    types = np.array([CASE_TYPE_CODES[t] for t in ("integrated_grievance", "integrated_organization_determination",
                                                   "integrated_reconsideration", "partd_coverage_determination",
                                                   "partd_exception")])
    got = [_aware(x).astimezone(ny) for x in decision_due(received, types, np.zeros(5, dtype=bool), P)]
    assert got == [
        dt.datetime(2021, 3, 31, 23, 59, 59, tzinfo=ny),  # T2: 30 cd, receipt day is day 0, end of local day (EDT)
        dt.datetime(2021, 3, 15, 23, 59, 59, tzinfo=ny),  # T5: 14 cd
        dt.datetime(2021, 3, 31, 23, 59, 59, tzinfo=ny),  # T16: 30 cd
        dt.datetime(2021, 3, 4, 23, 59, tzinfo=ny),  # P1: 72 elapsed hours
        dt.datetime(2021, 3, 15, 23, 59, 59, tzinfo=ny),  # P2 without a statement: 14-day outer limit
    ]
    fast = [_aware(x).astimezone(ny) for x in decision_due(received, types, np.ones(5, dtype=bool), P)]
    assert fast[0] == dt.datetime(2021, 3, 2, 23, 59, tzinfo=ny)  # T4: 24 h
    assert fast[1] == fast[2] == dt.datetime(2021, 3, 4, 23, 59, tzinfo=ny)  # T7, T17: 72 h


def test_unsupported_inputs_are_refused() -> None:
    one = np.array(["2021-03-01T14:00"], dtype="datetime64[us]")
    with pytest.raises(RuleError, match="unknown case type code 9"):
        decision_due(one, np.array([9]), np.array([False]), P)
    with pytest.raises(RuleError, match="NaT"):
        decision_due(np.array(["NaT"], dtype="datetime64[us]"), np.array([0]), np.array([False]), P)
    with pytest.raises(RuleError, match="per-case engine"):
        decision_due(one, np.array([0]), np.array([False]), P.with_overrides({"day_deadline_end_text": "same_local_time"}))
