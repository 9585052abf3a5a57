"""§ 422.111(h)(1)(iii)(B), (iv)(B); § 423.128(d)(1)(iii)(B), (v)(B): interpreter within 8 min, TTY within 7 min."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partcd.callcenter.rules.standards import (
    CallCenterParams,
    InterpreterTtyWaits,
    evaluate_interpreter_tty,
    interpreter_verdict,
    tty_verdict,
)
from partcd.core.citation import cited
from partcd.core.errors import ParameterError, RuleError
from partcd.platform.params import load_params

PS = load_params("callcenter", dt.date(2022, 6, 1))


def test_typed_view_has_the_new_standards() -> None:
    p = PS.typed(CallCenterParams)
    assert (p.open_from_time, p.open_until_time) == (dt.time(8), dt.time(20))
    assert (p.interpreter_connect_max_min, p.interpreter_within_min_pct, p.tty_connect_max_min, p.tty_within_min_pct,
            p.ivr_callback_max_business_days) == (8, 80, 7, 80, 1)
    assert [(s.season, s.allowed_closures) for s in p.closure_seasons_table] == [
        ("oct_mar", ("thanksgiving_day", "christmas_day")), ("apr_sep", ("federal_holiday", "saturday", "sunday"))]
    assert all(c.source == "ecfr-42" for c in PS["tty_connect_max_min"].cite)


def test_interpreter_exactly_8_minutes_passes_and_one_second_more_fails() -> None:
    # 480 s, 480 s, 100 s, 0 s pass; 481 s fails -> 4/5 = 80 % -> meets ">= 80"
    v = interpreter_verdict([480, 480, 100, 0, 481], PS)
    assert (v.measured, v.limit, v.comparison, v.compliant) == (80.0, 80, ">=", True)
    assert v.standard == "interpreter within 8 min of reaching the CSR (%)"
    assert "42 CFR 422.111(h)(1)(iii)(B)" in v.citation


def test_interpreter_never_connected_counts_as_a_miss() -> None:
    # 3 of 5 within 8 min (None = never joined) -> 60 % fails
    v = interpreter_verdict([480, 481, None, 100, 0], PS)
    assert (v.measured, v.compliant) == (60.0, False)


def test_tty_exactly_7_minutes_passes() -> None:
    assert tty_verdict([420.0] * 4 + [420.001], PS).compliant is True  # 4/5 = 80 %
    v = tty_verdict([420.0] * 3 + [420.001, None], PS)  # 3/5 = 60 %
    assert (v.measured, v.compliant, v.standard) == (60.0, False, "TTY operator within 7 min (%)")


def test_no_calls_is_not_measurable_never_a_pass() -> None:
    v = interpreter_verdict([], PS)
    assert (v.measured, v.compliant) == (None, None)
    assert "not measurable" in v.explain()


def test_negative_wait_refused() -> None:
    with pytest.raises(RuleError, match="negative"):
        tty_verdict([-1.0], PS)


def test_evaluate_both_and_what_if() -> None:
    waits = InterpreterTtyWaits(contract_id="H1416", period_start="2022-02-01",
                                interpreter_waits_s=(300, 500, 200, 100), tty_waits_s=(60, 400, 430))
    interp, tty = evaluate_interpreter_tty(waits, PS)
    assert (interp.measured, interp.compliant) == (75.0, False)  # 3/4
    assert tty.measured == pytest.approx(66.6666667) and tty.compliant is False  # 2/3
    lenient = PS.with_overrides({"interpreter_connect_max_min": 9, "tty_within_min_pct": 60})
    interp2, tty2 = evaluate_interpreter_tty(waits, lenient)
    assert (interp2.measured, interp2.compliant, interp2.standard) == (100.0, True,
                                                                       "interpreter within 9 min of reaching the CSR (%)")
    assert (tty2.limit, tty2.compliant) == (60, True)
    for fn in (interpreter_verdict, tty_verdict, evaluate_interpreter_tty):
        assert cited(fn)


def test_bad_parameter_values_refused() -> None:
    with pytest.raises(ParameterError, match="tty_within_min_pct"):
        tty_verdict([1.0], PS.with_overrides({"tty_within_min_pct": 120}))


WAITS = st.lists(st.one_of(st.none(), st.floats(min_value=0, max_value=3600, allow_nan=False)), min_size=1, max_size=40)


@given(waits=WAITS)
def test_share_is_the_hand_count(waits: list[float | None]) -> None:
    v = interpreter_verdict(waits, PS)
    passed = sum(1 for w in waits if w is not None and w <= 480)
    assert v.measured == pytest.approx(100 * passed / len(waits))
    assert v.compliant == (100 * passed / len(waits) >= 80)


@given(waits=WAITS, i=st.integers(min_value=0))
def test_a_shorter_wait_never_lowers_the_share(waits: list[float | None], i: int) -> None:
    k = i % len(waits)
    better = list(waits)
    better[k] = 0.0
    before, after = tty_verdict(waits, PS).measured, tty_verdict(better, PS).measured
    assert before is not None and after is not None and after >= before
