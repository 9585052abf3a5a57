"""Parts 422 subpart M, 423 subpart M: the vectorised decision due times are IDENTICAL to the per-case clock engine
(clocks.py, standard.py) on seeded 10,000-case samples - every case type, standard and expedited, payment, Part B drug
and prior-authorization variants, receipts across both DST changes, at 23:59 and 00:00 local, month ends and the leap
day of 2024, Part D exceptions with and without a supporting statement (before or after receipt, before or after the
end of day 14), in the 2021 and the 2026 (CMS-0057-F) periods - plus hand-computed rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pytest

from partcd.appeals.rules import clocks, standard
from partcd.appeals.rules.clocks_vector import CASE_TYPE_CODES, decision_due, decision_id
from partcd.appeals.rules.workflow import CASE_TYPES
from partcd.core.errors import RuleError
from partcd.core.params import ParamSet
from partcd.platform.params import load_params

P = load_params("appeals", dt.date(2021, 1, 1))
P2026 = load_params("appeals", dt.date(2026, 1, 1))
UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
PARTC = ("partc_organization_determination", "partc_reconsideration")
PAYMENT = ("partc_organization_determination", "partc_reconsideration", "partd_coverage_determination",
           "partd_redetermination")


def _engine(case_type: str, rec: dt.datetime, expedited: bool, ss: dt.datetime | None, zone: str | None,
            params: ParamSet = P, payment: bool = False, part_b: bool = False, pa: bool = False) -> dt.datetime:
    fast = expedited and not payment
    kw = {"zone": zone}
    if case_type == "integrated_grievance":
        obs = clocks.integrated_grievance(rec, params, expedited=fast, **kw)
    elif case_type == "integrated_organization_determination":
        obs = clocks.integrated_organization_determination(rec, params, expedited=fast, **kw)
    elif case_type == "integrated_reconsideration":
        obs = clocks.integrated_reconsideration(rec, params, expedited=fast, **kw)
    elif case_type == "partd_coverage_determination":
        obs = clocks.partd_coverage_determination(rec, params, expedited=fast, payment=payment, **kw)
    elif case_type == "partd_exception":
        obs = clocks.partd_exception(rec, params, supporting_statement=ss, expedited=fast, **kw)
    elif case_type == "partc_organization_determination":
        obs = standard.partc_organization_determination(rec, params, expedited=fast, payment=payment,
                                                        part_b_drug=part_b, prior_authorization=pa, **kw)
    elif case_type == "partc_reconsideration":
        obs = standard.partc_reconsideration(rec, params, expedited=fast, payment=payment, part_b_drug=part_b, **kw)
    elif case_type == "partd_redetermination":
        obs = standard.partd_redetermination(rec, params, expedited=fast, payment=payment, **kw)
    elif case_type == "partc_grievance":
        obs = standard.partc_grievance(rec, params, expedited=fast, **kw)
    else:
        obs = standard.partd_grievance(rec, params, expedited=fast, **kw)
    want = decision_id(case_type, expedited, payment, part_b, pa)
    return next(o.due for o in obs if o.id == want)


Sample = tuple[npt.NDArray[np.datetime64], npt.NDArray[np.int8], npt.NDArray[np.bool_], npt.NDArray[np.datetime64],
               dict[str, npt.NDArray[np.bool_]]]


def _sample(n: int, seed: int, years: tuple[int, int] = (2021, 2024)) -> Sample:
    rng = np.random.default_rng(seed)
    start = int((dt.datetime(years[0], 1, 1, tzinfo=UTC) - EPOCH).total_seconds())
    end = int((dt.datetime(years[1], 12, 31, tzinfo=UTC) - EPOCH).total_seconds())
    secs = rng.integers(start, end, n)
    # a quarter of the receipts sit on the instants where the rules are delicate (DST changes, local day edges)
    edges = [dt.datetime(years[0], 3, 14, 6, 59, 59, tzinfo=UTC), dt.datetime(years[0], 3, 14, 7, 0, tzinfo=UTC),
             dt.datetime(years[0], 11, 7, 5, 30, tzinfo=UTC), dt.datetime(years[0], 11, 7, 6, 30, tzinfo=UTC),
             dt.datetime(2024, 2, 29, 4, 59, 59, tzinfo=UTC), dt.datetime(2024, 2, 29, 5, 0, tzinfo=UTC),
             dt.datetime(years[0], 1, 31, 4, 59, tzinfo=UTC), dt.datetime(years[0], 10, 31, 3, 59, 59, tzinfo=UTC)]
    edges = [e for e in edges if years[0] <= e.year <= years[1]]
    pick = rng.random(n) < 0.25
    secs[pick] = np.array([int((e - EPOCH).total_seconds()) for e in edges])[rng.integers(len(edges), size=int(pick.sum()))]
    received = (secs * 1_000_000 + rng.integers(0, 1_000_000, n)).astype("datetime64[us]")
    types = rng.integers(0, len(CASE_TYPES), n).astype(np.int8)
    names = np.array(CASE_TYPES)[types]
    expedited = rng.random(n) < 0.3
    offset_h = rng.uniform(-30, 24 * 16, n)  # some statements before receipt, some after the end of day 14
    ss = received + (offset_h * 3_600_000_000).astype("timedelta64[us]")
    ss[rng.random(n) < 0.3] = np.datetime64("NaT")
    flags = {"payment": (rng.random(n) < 0.2) & np.isin(names, PAYMENT),
             "part_b_drug": (rng.random(n) < 0.2) & np.isin(names, PARTC),
             "prior_authorization": (rng.random(n) < 0.4) & (names == "partc_organization_determination")}
    return received, types, expedited, ss, flags


def _aware(x: np.datetime64) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=int(x.astype("datetime64[us]").astype(np.int64)))


def _mismatches(sample: Sample, params: ParamSet, zone: str | None) -> list[tuple[int, str]]:
    received, types, expedited, ss, flags = sample
    got = decision_due(received, types, expedited, params, supporting_statement=ss, zone=zone, **flags)
    assert got.dtype == np.dtype("datetime64[us]")
    out = []
    for i in range(received.size):
        case_type = CASE_TYPES[int(types[i])]
        stmt = None if np.isnat(ss[i]) else _aware(ss[i])
        want = _engine(case_type, _aware(received[i]), bool(expedited[i]), stmt, zone, params,
                       bool(flags["payment"][i]), bool(flags["part_b_drug"][i]), bool(flags["prior_authorization"][i]))
        if _aware(got[i]) != want.astimezone(UTC):
            out.append((i, case_type))
    return out


@pytest.mark.parametrize("zone", ["America/New_York", "America/Los_Angeles", "Pacific/Honolulu"])
def test_vector_due_times_equal_the_engine_on_10000_cases(zone: str) -> None:
    assert _mismatches(_sample(10_000, seed=20210101), P, zone) == []


def test_vector_equals_the_engine_in_the_2026_period() -> None:
    """CMS-0057-F: a prior-authorization organization determination is 7 calendar days from 2026 (C1 with
    od_prior_authorization_calendar_days); the vector reads the same period file as the engine."""
    assert _mismatches(_sample(5_000, seed=2026, years=(2026, 2026)), P2026, "America/Chicago") == []


def test_vector_follows_the_named_day_choices() -> None:
    """Plan-deadline roll-over, the receipt-day-is-day-1 count and the proposal's exception reading go through the
    engine's own arithmetic."""
    params = P.with_overrides({"plan_deadline_rollover_bool": True, "day_count_convention_text": "receipt_day_is_day_1",
                               "partd_exception_missing_statement_text": "whichever_first"})
    assert _mismatches(_sample(2_000, seed=7), params, None) == []


def test_hand_computed_rows() -> None:
    ny = ZoneInfo("America/New_York")
    rec = dt.datetime(2021, 3, 1, 23, 59, tzinfo=ny)  # 2021-03-02 04:59 UTC, local date 2021-03-01
    names = ("integrated_grievance", "integrated_organization_determination", "integrated_reconsideration",
             "partd_coverage_determination", "partd_exception", "partc_organization_determination",
             "partc_reconsideration", "partc_grievance", "partd_redetermination", "partd_grievance")
    received = np.array([rec.astimezone(UTC).replace(tzinfo=None)] * len(names), dtype="datetime64[us]")
    types = np.array([CASE_TYPE_CODES[t] for t in names])
    got = [_aware(x).astimezone(ny) for x in decision_due(received, types, np.zeros(len(names), dtype=bool), P)]
    assert got == [
        dt.datetime(2021, 3, 31, 23, 59, 59, tzinfo=ny),  # T2: 30 cd, receipt day is day 0, end of local day (EDT)
        dt.datetime(2021, 3, 15, 23, 59, 59, tzinfo=ny),  # T5: 14 cd
        dt.datetime(2021, 3, 31, 23, 59, 59, tzinfo=ny),  # T16: 30 cd
        dt.datetime(2021, 3, 4, 23, 59, tzinfo=ny),  # P1: 72 elapsed hours
        dt.datetime(2021, 3, 18, 23, 59, 59, tzinfo=ny),  # P2 without a statement: end of day 14 (Mar 15) + 72 h
        dt.datetime(2021, 3, 15, 23, 59, 59, tzinfo=ny),  # C1: 14 cd
        dt.datetime(2021, 3, 31, 23, 59, 59, tzinfo=ny),  # C13: 30 cd
        dt.datetime(2021, 3, 31, 23, 59, 59, tzinfo=ny),  # C24: 30 days
        dt.datetime(2021, 3, 8, 23, 59, 59, tzinfo=ny),  # D6: 7 cd
        dt.datetime(2021, 3, 31, 23, 59, 59, tzinfo=ny),  # D15: 30 cd
    ]
    fast = [_aware(x).astimezone(ny) for x in decision_due(received, types, np.ones(len(names), dtype=bool), P)]
    assert fast[0] == fast[7] == fast[9] == dt.datetime(2021, 3, 2, 23, 59, tzinfo=ny)  # T4, C26, D17: 24 h
    assert fast[1] == fast[2] == fast[5] == fast[6] == fast[8] == dt.datetime(2021, 3, 4, 23, 59, tzinfo=ny)  # 72 h
    pay = np.array([n in PAYMENT for n in names])
    paid = [_aware(x).astimezone(ny) for x in decision_due(received, types, np.ones(len(names), dtype=bool), P,
                                                            payment=pay)]
    # payment is never expedited: C11 60 cd (Apr 30), C14 60 cd, D1 14 cd (Mar 15), D7 14 cd
    assert (paid[5], paid[6], paid[3], paid[8]) == (dt.datetime(2021, 4, 30, 23, 59, 59, tzinfo=ny),) * 2 + (
        dt.datetime(2021, 3, 15, 23, 59, 59, tzinfo=ny),) * 2


def test_unsupported_inputs_are_refused() -> None:
    one = np.array(["2021-03-01T14:00"], dtype="datetime64[us]")
    with pytest.raises(RuleError, match="unknown case type code 19"):
        decision_due(one, np.array([19]), np.array([False]), P)
    with pytest.raises(RuleError, match="NaT"):
        decision_due(np.array(["NaT"], dtype="datetime64[us]"), np.array([0]), np.array([False]), P)
    with pytest.raises(RuleError, match="per-case engine"):
        decision_due(one, np.array([0]), np.array([False]), P.with_overrides({"day_deadline_end_text": "same_local_time"}))
    with pytest.raises(RuleError, match="applies from January 1, 2021"):
        decision_due(np.array(["2020-03-01T14:00"], dtype="datetime64[us]"), np.array([0]), np.array([False]),
                     load_params("appeals", dt.date(2020, 3, 1)))


def test_bulk_file_equals_the_engine_case_by_case(tmp_path: Path) -> None:
    """``partcd appeals clock --cases FILE --out FILE`` (pipelines.bulk): the id, the local due time with its offset and
    the UTC time of every row equal the per-case engine's (2,000 seeded cases of every type and variant)."""
    import pandas as pd

    from partcd.appeals.pipelines.bulk import bulk_clocks

    received, types, expedited, ss, flags = _sample(2_000, seed=11)
    received = np.maximum(received, np.datetime64("2021-01-02T12:00:00", "us"))  # local 2021 in Chicago too
    iso = np.char.add(np.datetime_as_string(received, unit="us"), "Z")
    frame = pd.DataFrame({"case_id": [f"c{i}" for i in range(received.size)], "case_type": np.array(CASE_TYPES)[types],
                          "received": iso, "expedited": expedited, **flags,
                          "supporting_statement": np.where(np.isnat(ss), "",
                                                           np.char.add(np.datetime_as_string(ss, unit="us"), "Z"))})
    frame.to_csv(tmp_path / "cases.csv", index=False)
    bulk_clocks(tmp_path / "cases.csv", tmp_path / "due.csv", tz="America/Chicago")
    out = pd.read_csv(tmp_path / "due.csv", dtype=str)
    for i in range(received.size):
        case_type = CASE_TYPES[int(types[i])]
        p = load_params("appeals", _aware(received[i]).astimezone(ZoneInfo("America/Chicago")).date())
        args = (bool(flags["payment"][i]), bool(flags["part_b_drug"][i]), bool(flags["prior_authorization"][i]))
        want = _engine(case_type, _aware(received[i]), bool(expedited[i]), None if np.isnat(ss[i]) else _aware(ss[i]),
                       "America/Chicago", p, *args)
        assert out["due"][i] == want.isoformat(), (i, case_type)
        assert out["timeframe_id"][i] == decision_id(case_type, bool(expedited[i]), *args)
