"""Verdicts built when read (``PeriodVerdicts``) and a record's compliance taken from the same comparisons
(``Judge.failed``): both must say what the five verdict objects say."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from partcd.callcenter.rules.standards import Judge, Measured, PeriodVerdicts, compliant
from partcd.platform.params import load_params

JUDGE = Judge.of(load_params("callcenter", dt.date(2022, 1, 3)))
FIGURE = st.one_of(st.none(), st.floats(min_value=0, max_value=1_000, allow_nan=False))


@given(measured=st.tuples(FIGURE, FIGURE, FIGURE, FIGURE, FIGURE))
def test_failed_is_what_the_verdicts_say(measured: Measured) -> None:
    verdicts = JUDGE.all_five(measured)
    ok, failed = JUDGE.failed(measured)
    assert ok == compliant(verdicts)
    assert failed == [v.standard for v in verdicts if v.compliant is False]


def test_hand_example_and_sequence_behaviour() -> None:
    """120 s hold is within the 2-minute limit, 79.9 % answered within 30 s is below 80 %, 5 % disconnects is at the
    limit; no interpreter or TTY calls (not measurable)."""
    verdicts = PeriodVerdicts()
    verdicts.append(JUDGE, (120.0, 79.9, 5.0, None, None))
    verdicts.append(JUDGE, (121.0, 80.0, 5.1, 100.0, 0.0))
    assert JUDGE.failed((120.0, 79.9, 5.0, None, None)) == (False, [JUDGE.within[0]])
    assert [v.compliant for v in verdicts[0]] == [True, False, True, None, None]
    assert [v.compliant for v in verdicts[-1]] == [False, True, False, True, False]
    assert verdicts[0:1] == [verdicts[0]] and verdicts[::-1] == [verdicts[1], verdicts[0]]
    assert verdicts == [JUDGE.all_five((120.0, 79.9, 5.0, None, None)), JUDGE.all_five((121.0, 80.0, 5.1, 100.0, 0.0))]
    assert verdicts[0] is verdicts[0]  # built once
    assert PeriodVerdicts() == [] and PeriodVerdicts() != () and PeriodVerdicts() != ""
