"""The zone offsets a call log's span compares (``offsets_within``) are read from the span's own days, and they are
exactly the offsets of the 1970-2100 table (``utc_offsets``) in force over that span."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from partcd.callcenter.readers import timeexpr

ZONES = ["America/New_York", "UTC", "Asia/Kolkata", "Australia/Lord_Howe", "Europe/London", "America/Sao_Paulo",
         "Pacific/Apia", "Asia/Tehran", "America/Phoenix", "Africa/Casablanca", "America/Anchorage"]
DAY = timeexpr.DAY_US


def _from_table(zone: str, lo: int, hi: int) -> tuple[list[int], list[int]]:
    """The same span read from the whole table: the piece in force at ``lo`` and every piece starting up to ``hi``."""
    pieces = timeexpr.utc_offsets(zone)
    first = max(i for i, (start, _) in enumerate(pieces) if start <= lo) if pieces[0][0] <= lo else 0
    starts: list[int] = []
    values: list[int] = []
    for start, value in (p for i, p in enumerate(pieces) if i >= first and p[0] <= hi):
        if not values or values[-1] != value:
            starts.append(start)
            values.append(value)
    return starts, values


@settings(max_examples=300, deadline=None)
@given(zone=st.sampled_from(ZONES), lo=st.integers(-40_000 * DAY, 60_000 * DAY),
       span=st.sampled_from([0, 1, DAY - 1, DAY, 90 * DAY, 400 * DAY, 3_000 * DAY]))
def test_span_offsets_equal_the_whole_table(zone: str, lo: int, span: int) -> None:
    starts, values = timeexpr.offsets_within(zone, (lo, lo + span))
    want_starts, want_values = _from_table(zone, lo, lo + span)
    assert values == want_values
    assert starts[1:] == want_starts[1:]  # the first start is never compared (_tree reads starts[1:])
    assert starts[0] <= lo


def test_new_york_2022_spring_forward_to_the_second() -> None:
    """2022-03-13 07:00 UTC (2 a.m. EST): -5 h -> -4 h; a 90-day span from 2022-01-03 holds that one change."""
    lo = 1_641_168_000 * 1_000_000  # 2022-01-03T00:00Z
    starts, values = timeexpr.offsets_within("America/New_York", (lo, lo + 90 * DAY))
    assert values == [-5 * 3600 * 1_000_000, -4 * 3600 * 1_000_000]
    assert starts[1] == 1_647_154_800 * 1_000_000


def test_spans_under_the_same_offsets_give_the_same_result() -> None:
    """The result is part of the metrics' SQL cache key: a log of another week under the same offsets (or any log
    in UTC) must give the same starts and offsets, whatever its first day."""
    jan = 1_641_168_000 * 1_000_000  # 2022-01-03T00:00Z
    ny = [timeexpr.offsets_within("America/New_York", (jan + k * DAY, jan + (k + 20) * DAY)) for k in (0, 7, 30)]
    assert ny[0] == ny[1] == ny[2] == ([ny[0][0][0]], [-5 * 3600 * 1_000_000])
    utc = [timeexpr.offsets_within("UTC", (jan + k * DAY, jan + (k + 400) * DAY)) for k in (-9_000, 0, 20_000)]
    assert utc[0] == utc[1] == utc[2]
