"""Spec §3: secret-shopper studies, the interpreter/TTY Star measure and its disaster exception (4185-P L2297-L2303)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from partcd.callcenter.rules.monitoring import (
    MEASURE_NAME,
    CallRecord,
    MeasureRating,
    accessibility_study,
    contact_completed,
    disaster_adjustment,
    star_for,
    star_measure,
    timeliness_study,
)
from partcd.callcenter.rules.monitoring import (
    TestCallOutcome as Outcome,
)
from partcd.core.citation import cited
from partcd.core.errors import RuleError
from partcd.platform.params import load_params

PS = load_params("callcenter", dt.date(2022, 1, 1))
ET = ZoneInfo("America/New_York")
CUTS = {2: 60.0, 3: 73.0, 4: 84.0, 5: 92.0}


def _t(mo: int, d: int, h: int, mi: int = 0, s: int = 0) -> dt.datetime:
    return dt.datetime(2022, mo, d, h, mi, s, tzinfo=ET)


def _call(cid: str, start: dt.datetime, *, hold: float | None = 60, reason: str = "completed", line: str = "customer_service",
          contract: str = "H1416", answered: bool = True, **kw: object) -> CallRecord:
    ivr_end = start + dt.timedelta(seconds=30)
    answered_at = ivr_end + dt.timedelta(seconds=hold) if answered and hold is not None else None
    end = (answered_at or ivr_end + dt.timedelta(seconds=hold or 0)) + dt.timedelta(minutes=5 if answered else 0)
    return CallRecord(call_id=cid, contract_id=contract, line=line, call_start=start, call_end=end,
                      end_reason=reason, ivr_end=ivr_end, answered_at=answered_at, **kw)  # type: ignore[arg-type]


# Wednesday 16 February 2022 (study month 2 of Q1), inside 08:00-20:00 Eastern
FEB = [
    _call("a", _t(2, 16, 9), hold=60),                                    # answered after 60 s
    _call("b", _t(2, 16, 10), hold=200),                                  # answered after 200 s
    _call("c", _t(2, 16, 11), hold=30, reason="dropped", answered=False),  # plan dropped it after 30 s in queue
    _call("d", _t(2, 16, 12), hold=90, reason="caller_hangup", answered=False),  # caller gave up after 90 s
]
OUTSIDE = [
    _call("e", _t(2, 19, 10)),        # Saturday
    _call("f", _t(2, 16, 20, 0)),     # 20:00 - window is [08:00, 20:00)
    _call("g", _t(2, 16, 7, 59)),     # before 08:00
    _call("h", _t(1, 12, 10)),        # January: not the study month
]


def test_timeliness_study_hand_computed() -> None:
    (r,) = timeliness_study(FEB + OUTSIDE, PS, np.random.default_rng(1), calls_per_line_quarter=10, study_month=2)
    assert (r.contract_id, r.line, r.quarter, r.study_month, r.calls_in_frame, r.sampled) == (
        "H1416", "customer_service", "2022Q1", "2022-02", 4, 4)
    assert (r.answered, r.disconnected, r.censored) == (2, 1, 1)
    assert r.avg_hold_time_s == 130.0  # (60 + 200) / 2
    assert r.avg_hold_time_incl_censored_s == 95.0  # (60 + 200 + 30 + 90) / 4
    assert r.disconnect_rate_pct == 25.0  # 1 / 4
    hold, disc = r.verdicts
    assert (hold.compliant, hold.limit, disc.compliant, disc.limit) == (False, 120, False, 5)
    assert [(t.call_id, t.outcome, t.hold_s) for t in r.test_calls] == [
        ("a", "answered", 60.0), ("b", "answered", 200.0), ("c", "disconnected", 30.0), ("d", "censored", 90.0)]


def test_presidents_day_is_a_test_day_in_oct_mar_and_pharmacy_desk_is_called_around_the_clock() -> None:
    calls = [_call("p1", _t(2, 21, 10)),  # Washington's Birthday: closure not allowed Oct-Mar
             _call("x1", _t(2, 16, 22), line="pharmacy_technical_help_desk"),
             _call("x2", _t(2, 20, 22), line="pharmacy_technical_help_desk")]  # Sunday: not called
    rs = timeliness_study(calls, PS, np.random.default_rng(0), calls_per_line_quarter=5, study_month=2)
    assert [(r.line, r.calls_in_frame) for r in rs] == [("customer_service", 1), ("pharmacy_technical_help_desk", 1)]


def test_sampling_is_seeded_and_bounded() -> None:
    calls = [_call(f"c{i:03d}", _t(2, 1 + i % 28, 8 + i % 12), hold=i) for i in range(200)]
    weekday_calls = [c for c in calls if c.call_start.weekday() < 5]
    a = timeliness_study(calls, PS, np.random.default_rng(7), calls_per_line_quarter=30, study_month=2)
    b = timeliness_study(calls, PS, np.random.default_rng(7), calls_per_line_quarter=30, study_month=2)
    c = timeliness_study(calls, PS, np.random.default_rng(8), calls_per_line_quarter=30, study_month=2)
    assert a == b and a != c
    (r,) = a
    ids = [t.call_id for t in r.test_calls]
    assert (r.calls_in_frame, r.sampled, len(set(ids))) == (len(weekday_calls), 30, 30)
    assert set(ids) <= {x.call_id for x in weekday_calls}


def test_study_month_drawn_from_the_generator_when_not_given() -> None:
    calls = [_call(f"{m}{d}", dt.datetime(2022, m, d, 10, tzinfo=ET)) for m in (1, 2, 3) for d in (3, 4, 5)]
    rs = timeliness_study(calls, PS, np.random.default_rng(3), calls_per_line_quarter=2)
    assert len(rs) == 1 and rs[0].study_month in {"2022-01", "2022-02", "2022-03"} and rs[0].sampled == 2


def test_bad_study_arguments() -> None:
    with pytest.raises(RuleError, match="1-3"):
        timeliness_study(FEB, PS, np.random.default_rng(0), calls_per_line_quarter=5, study_month=4)
    with pytest.raises(RuleError, match="at least 1"):
        timeliness_study(FEB, PS, np.random.default_rng(0), calls_per_line_quarter=0)


def _acc(cid: str, start: dt.datetime, *, interp_after_s: float | None = None, tty_after_s: float | None = None,
         part: str = "C") -> CallRecord:
    answered = start + dt.timedelta(seconds=60)
    return CallRecord(
        call_id=cid, contract_id="H1416", call_start=start, call_end=start + dt.timedelta(minutes=30),
        end_reason="completed", ivr_end=start + dt.timedelta(seconds=30), answered_at=answered, part=part,  # type: ignore[arg-type]
        interpreter_requested=interp_after_s is not None or cid.startswith("i"),
        interpreter_connected_at=None if interp_after_s is None else answered + dt.timedelta(seconds=interp_after_s),
        tty=tty_after_s is not None or cid.startswith("t"),
        tty_connected_at=None if tty_after_s is None else start + dt.timedelta(seconds=tty_after_s),
    )


def test_accessibility_study_outcomes() -> None:
    calls = [
        _acc("i1", _t(3, 2, 10), interp_after_s=480),  # exactly 8 min after the CSR: completed
        _acc("i2", _t(3, 2, 11), interp_after_s=481),  # 8 min 1 s: not completed
        _acc("i3", _t(3, 2, 12)),                      # interpreter never joined
        _acc("t1", _t(4, 6, 10), tty_after_s=420),     # TTY at exactly 7 min from the start: completed
        _acc("t2", _t(4, 6, 11), tty_after_s=421),
        _acc("i4", _t(1, 5, 10), interp_after_s=10),   # January: outside February-May
        _acc("t3", _t(6, 1, 10), tty_after_s=10),      # June: outside
    ]
    out = accessibility_study(calls, PS, np.random.default_rng(0), interpreter_calls_per_contract=10,
                              tty_calls_per_contract=10)
    assert [(o.call_id, o.kind, o.connect_s, contact_completed(o, PS)) for o in out] == [
        ("i1", "interpreter", 480.0, True), ("i2", "interpreter", 481.0, False), ("i3", "interpreter", None, False),
        ("t1", "tty", 420.0, True), ("t2", "tty", 421.0, False)]
    (score,) = star_measure(out, PS, CUTS)
    assert (score.attempted, score.completed, score.score_pct) == (5, 2, 40.0)
    assert (score.star, score.measure) == (1, MEASURE_NAME)


def test_star_measure_pools_interpreter_and_tty() -> None:
    # interpreter: 10 attempted, 7 completed; TTY: 5 attempted, 4 completed -> 11 / 15 = 73.33 % -> 73 -> 3 stars
    outs = [Outcome("H1416", "interpreter", 100.0 if i < 7 else None) for i in range(10)]
    outs += [Outcome("H1416", "tty", 400.0 if i < 4 else 500.0) for i in range(5)]
    (s,) = star_measure(outs, PS, CUTS)
    assert (s.interpreter_attempted, s.interpreter_completed, s.tty_attempted, s.tty_completed) == (10, 7, 5, 4)
    assert s.score_pct == pytest.approx(73.3333333) and (s.rounded_score, s.star) == (73.0, 3)


def test_rounding_is_half_up_before_the_cut_point() -> None:
    # 145 / 200 = 72.5 % -> 73 (half up; banker's rounding would give 72) -> 3 stars, where 72.5 alone is 2 stars
    outs = [Outcome("H0001", "interpreter", 60.0 if i < 145 else None) for i in range(200)]
    (s,) = star_measure(outs, PS, CUTS)
    assert (s.score_pct, s.rounded_score, s.star) == (72.5, 73.0, 3)
    (unrounded,) = star_measure(outs, PS, CUTS, precision=1)
    assert (unrounded.rounded_score, unrounded.star) == (72.5, 2)


def test_benefit_question_not_answered_is_not_completed_and_parts_are_separate() -> None:
    outs = [Outcome("H1416", "interpreter", 60.0, benefit_question_answered=False),
            Outcome("H1416", "interpreter", 60.0, part="D"),
            Outcome("H0001", "tty", 60.0)]
    scores = star_measure(outs, PS)
    assert [(s.contract_id, s.part, s.score_pct, s.star) for s in scores] == [
        ("H0001", "C", 100.0, None), ("H1416", "C", 0.0, None), ("H1416", "D", 100.0, None)]


def test_cut_points() -> None:
    assert [star_for(x, CUTS) for x in (0, 59.9, 60, 73, 84, 91.9, 92, 100)] == [1, 1, 2, 3, 4, 4, 5, 5]
    with pytest.raises(RuleError, match="2, 3, 4 and 5"):
        star_for(50, {2: 1.0, 3: 2.0})
    with pytest.raises(RuleError, match="must not decrease"):
        star_for(50, {2: 60.0, 3: 50.0, 4: 84.0, 5: 92.0})


@pytest.mark.parametrize(
    ("affected", "comms", "previous", "expect"),
    [
        (False, True, MeasureRating(5, 95.0), (3, 80.0, False)),  # not an affected contract
        (True, False, MeasureRating(5, 95.0), (3, 80.0, False)),  # affected, but the call-center exclusion holds
        (True, True, MeasureRating(5, 95.0), (5, 95.0, True)),    # exception: higher of previous or current
        (True, True, MeasureRating(2, 70.0), (3, 80.0, False)),   # current already higher
        (True, True, MeasureRating(3, 85.0), (3, 80.0, False)),   # same star: current year and its score
        (True, True, None, (3, 80.0, False)),                     # nothing to fall back to
    ],
)
def test_disaster_exception(affected: bool, comms: bool, previous: MeasureRating | None,
                            expect: tuple[int, float, bool]) -> None:
    r = disaster_adjustment(MeasureRating(3, 80.0), previous, affected_contract=affected,
                            continuing_communications_issues=comms)
    assert (r.star, r.score, r.used_previous_year) == expect
    assert any("4185-P L2297" in c for c in cited(disaster_adjustment))


OUTCOMES = st.lists(
    st.builds(Outcome, contract_id=st.sampled_from(["H1", "H2"]), kind=st.sampled_from(["interpreter", "tty"]),
              connect_s=st.one_of(st.none(), st.floats(min_value=0, max_value=1200, allow_nan=False)),
              benefit_question_answered=st.booleans()),
    min_size=1, max_size=50,
)


@given(outs=OUTCOMES, seed=st.integers(0, 2**32 - 1))
def test_star_measure_properties(outs: list[Outcome], seed: int) -> None:
    scores = star_measure(outs, PS, CUTS)
    assert sum(s.attempted for s in scores) == len(outs)
    for s in scores:
        assert 0 <= s.completed <= s.attempted and s.score_pct is not None and 0 <= s.score_pct <= 100
        assert s.star is not None and 1 <= s.star <= 5
    shuffled = list(np.random.default_rng(seed).permutation(len(outs)))
    assert star_measure([outs[int(i)] for i in shuffled], PS, CUTS) == scores
