"""Engine-neutral time arithmetic for call logs, as Ibis expressions (§ 422.111(h)(1)(ii): hold and speed of answer
are differences of instants; monitoring periods are local days of the plan).

Instants are carried as int64 microseconds since 1970-01-01T00:00Z ("epoch us"), so DuckDB and Spark compute the
same integers: hold = answered - IVR end, exact; sums of holds are exact integers. The local day of an instant
uses the zone's UTC offsets from the IANA database (``zoneinfo``), tabulated here for 1970-2100 and applied as a
balanced tree of comparisons, so no engine time-zone function (whose rules and speed differ between engines) is
involved. Local wall times without an offset (some exports) are turned into instants with the same table; a wall
time the clocks skipped or repeated is flagged, never shifted silently.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any

from partcd.core import calendar

US = 1_000_000
DAY_US = 86_400 * US
_FIRST_YEAR, _LAST_YEAR = 1970, 2100
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_BEFORE = -(2**62)  # the start of the first piece of offsets: it covers every earlier instant
_FIRST_DAY = (dt.date(_FIRST_YEAR, 1, 1) - dt.date(1970, 1, 1)).days
_LAST_DAY = (dt.date(_LAST_YEAR, 1, 1) - dt.date(1970, 1, 1)).days

#: Wall-time kinds (:func:`instant_of_wall`): a valid time, one in a gap (skipped), one in a fold (repeated).
VALID, GAP, FOLD = 0, 1, 2


def epoch_us(con: Any, stamp: Any) -> Any:
    """A timestamp column as epoch microseconds (int64): DuckDB ``epoch_us``, Spark ``unix_micros``."""
    import ibis

    if con.name == "duckdb":
        return _duckdb_epoch_us(stamp)
    return _spark_epoch_us(stamp.cast(ibis.dtype("timestamp")))


@functools.cache
def _builtins() -> tuple[Any, Any]:
    import ibis

    @ibis.udf.scalar.builtin(name="epoch_us")  # type: ignore[untyped-decorator]
    def duckdb_epoch_us(t: dt.datetime) -> int:  # type: ignore[empty-body]
        """DuckDB's epoch_us."""

    @ibis.udf.scalar.builtin(name="unix_micros")  # type: ignore[untyped-decorator]
    def spark_epoch_us(t: dt.datetime) -> int:  # type: ignore[empty-body]
        """Spark's unix_micros."""

    return duckdb_epoch_us, spark_epoch_us


def _duckdb_epoch_us(stamp: Any) -> Any:
    return _builtins()[0](stamp).cast("int64")


def _spark_epoch_us(stamp: Any) -> Any:
    return _builtins()[1](stamp).cast("int64")


@functools.cache
def utc_offsets(zone: str) -> tuple[tuple[int, int], ...]:
    """``(from_epoch_us, offset_us)`` pieces: the zone's UTC offset from each instant on (1970-2100; the first
    piece also covers earlier instants, the last later ones)."""
    tz = calendar.zone_of(zone)
    start = dt.datetime(_FIRST_YEAR, 1, 1, tzinfo=dt.UTC)
    return ((_BEFORE, _offset_us(tz, start)), *_changes(tz, start, dt.datetime(_LAST_YEAR, 1, 1, tzinfo=dt.UTC)))


def _offset_us(tz: Any, at: dt.datetime) -> int:
    off = at.astimezone(tz).utcoffset()
    assert off is not None
    return int(off.total_seconds()) * US


def _changes(tz: Any, start: dt.datetime, end: dt.datetime) -> list[tuple[int, int]]:
    """The offset changes after ``start`` (a UTC midnight) up to ``end``: ``(epoch_us, new offset_us)``, to the
    second. The zone is read at every UTC midnight and a change bisected within its day, so a window scanned from
    any UTC midnight finds the very instants a scan from 1970 finds."""
    pieces: list[tuple[int, int]] = []
    t = start
    current = _offset_us(tz, t)
    step = dt.timedelta(days=1)
    while t < end:
        nxt = t + step
        if _offset_us(tz, nxt) != current:
            lo, hi = t, nxt  # the change is in (lo, hi]: bisect to the second
            while hi - lo > dt.timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(microsecond=0)
                if _offset_us(tz, mid) == current:
                    lo = mid
                else:
                    hi = mid
            current = _offset_us(tz, hi)
            pieces.append((int((hi - _EPOCH).total_seconds()) * US, current))
        t = nxt
    return pieces


@functools.cache
def wall_pieces(zone: str) -> tuple[tuple[int, int, int], ...]:
    """``(from_wall_us, offset_us, kind)``: wall-clock microseconds (the local time read as if UTC) -> the offset
    that makes it an instant, and whether it is valid, skipped (gap) or repeated (fold; the earlier instant)."""
    offsets = utc_offsets(zone)
    out: list[tuple[int, int, int]] = [(_BEFORE, offsets[0][1], VALID)]
    for (at, new), (_, old) in zip(offsets[1:], offsets[:-1], strict=True):
        if new > old:  # clocks go forward: wall times [at+old, at+new) do not exist
            out.append((at + old, old, GAP))
            out.append((at + new, new, VALID))
        else:  # clocks go back: wall times [at+new, at+old) happen twice; the earlier is at offset old
            out.append((at + new, old, FOLD))
            out.append((at + old, new, VALID))
    return tuple(out)


def _tree(x: Any, starts: Sequence[int], values: Sequence[int]) -> Any:
    """values[i] for starts[i] <= x < starts[i+1], as nested comparisons (depth log2 of the pieces)."""
    import ibis

    if len(values) == 1:
        return ibis.literal(values[0], "int64")
    mid = len(values) // 2
    return ibis.ifelse(x < starts[mid], _tree(x, starts[:mid], values[:mid]), _tree(x, starts[mid:], values[mid:]))


def _merged(pieces: Sequence[tuple[int, int]]) -> tuple[list[int], list[int]]:
    starts: list[int] = []
    values: list[int] = []
    for start, value in pieces:
        if values and values[-1] == value:
            continue
        starts.append(start)
        values.append(value)
    return starts, values


def local_us(utc: Any, zone: str) -> Any:
    """Epoch us -> the same instant's wall clock in ``zone``, read as epoch us (for local days)."""
    starts, values = _merged(utc_offsets(zone))
    return utc + _tree(utc, starts, values)


def local_day(utc: Any, zone: str) -> Any:
    """The local calendar day of an instant, as days since 1970-01-01 (int64), by the comparison tree (small
    expressions; :func:`with_local_day` is the form for whole tables)."""
    return (local_us(utc, zone) // DAY_US).cast("int64")


@functools.cache
def day_offsets(zone: str) -> Any:
    """One row per UTC day 1970-2099: the zone's offset at the day's start, and the instant within the day when it
    changes (null if it does not) with the offset after. An Arrow table (about 47,500 rows)."""
    import numpy as np
    import pyarrow as pa

    pieces = utc_offsets(zone)
    starts = np.array([p[0] for p in pieces], dtype=np.int64)
    offsets = np.array([p[1] for p in pieces], dtype=np.int64)
    first = (dt.date(_FIRST_YEAR, 1, 1) - dt.date(1970, 1, 1)).days
    last = (dt.date(_LAST_YEAR, 1, 1) - dt.date(1970, 1, 1)).days
    days = np.arange(first, last, dtype=np.int64)
    day_start = days * DAY_US
    at_start = offsets[np.searchsorted(starts, day_start, side="right") - 1]
    at_end = offsets[np.searchsorted(starts, day_start + DAY_US - 1, side="right") - 1]
    change = np.searchsorted(starts, day_start, side="right")
    switch = np.where(change < len(starts), starts[np.minimum(change, len(starts) - 1)], 0)
    has_switch = (at_start != at_end) & (switch < day_start + DAY_US)
    return pa.table({"_uday": pa.array(days), "_off0": pa.array(at_start),
                     "_switch": pa.array(switch, mask=~has_switch), "_off1": pa.array(at_end)})


def offsets_within(zone: str, within: tuple[int, int]) -> tuple[list[int], list[int]]:
    """The zone's UTC offsets in force between two instants (epoch us): the starts and the offsets compared.

    Only the UTC days of the span (and the day before) are read, not 1970-2100 (:func:`utc_offsets`: ~0.1 s a
    process). The first start is always the same far-past instant (a comparison never reads it: :func:`_tree`), so
    logs of different spans under the same offsets give the same result - it is part of the metrics' SQL cache key."""
    tz = calendar.zone_of(zone)
    lo, hi = within
    days = [min(max(us // DAY_US, _FIRST_DAY), _LAST_DAY) for us in (lo, max(lo, hi))]  # the table's years
    first = _EPOCH + dt.timedelta(days=max(days[0] - 1, _FIRST_DAY))
    last = _EPOCH + dt.timedelta(days=min(days[1] + 1, _LAST_DAY))
    pieces = [(_BEFORE, _offset_us(tz, first)), *_changes(tz, first, last)]  # the first covers what came before
    at_lo = max(i for i, (at, _) in enumerate(pieces) if at <= lo)
    return _merged([p for i, p in enumerate(pieces) if i >= at_lo and p[0] <= hi])


def with_local_day(table: Any, utc: str, zone: str, name: str, within: tuple[int, int] | None = None) -> Any:
    """``table`` + ``name``: the local calendar day (days since 1970-01-01) of the instant in column ``utc``.

    ``within``: the (min, max) of the column when known (file statistics): then only the offsets in force in that
    span are compared (a few comparisons); otherwise a join with :func:`day_offsets` (a small table; the engine's
    hash join), so the plan stays small either way."""
    import ibis

    if within is not None:
        starts, values = offsets_within(zone, within)
        return table.mutate(**{name: ((table[utc] + _tree(table[utc], starts, values)) // DAY_US).cast("int64")})
    pieces = utc_offsets(zone)
    if len(pieces) == 1:
        return table.mutate(**{name: ((table[utc] + pieces[0][1]) // DAY_US).cast("int64")})
    lookup = ibis.memtable(day_offsets(zone))
    t = table.mutate(_uday=(table[utc] // DAY_US).cast("int64"))
    t = t.left_join(lookup, "_uday")
    offset = ibis.ifelse(t._switch.notnull() & (t[utc] >= t._switch), t._off1, t._off0).fill_null(pieces[-1][1])
    t = t.mutate(**{name: ((t[utc] + offset) // DAY_US).cast("int64")})
    return t.drop("_uday", "_off0", "_switch", "_off1")


def instant_of_wall(wall: Any, zone: str) -> tuple[Any, Any]:
    """Wall-clock us in ``zone`` -> (epoch us, kind VALID / GAP / FOLD)."""
    pieces = wall_pieces(zone)
    starts, offsets = _merged([(s, o) for s, o, _ in pieces])
    kind_starts, kinds = _merged([(s, k) for s, _, k in pieces])
    return wall - _tree(wall, starts, offsets), _tree(wall, kind_starts, kinds)


def with_period_start(table: Any, day: str, by: str, name: str = "period_day") -> Any:
    """``table`` + ``name``: the first day of the ISO week (Monday), month or quarter of column ``day`` (days since
    1970-01-01), by integer arithmetic (H. Hinnant's civil-from-days), one step per column so no expression is
    repeated."""
    import ibis

    t = table
    if by == "day":
        return t.mutate(**{name: t[day]})
    if by == "week":
        return t.mutate(**{name: t[day] - (t[day] + 3) % 7})  # 1970-01-01 was a Thursday (weekday 3)
    t = t.mutate(_z=t[day] + 719_468)
    t = t.mutate(_era=t._z // 146_097)
    t = t.mutate(_doe=t._z - t._era * 146_097)
    t = t.mutate(_yoe=(t._doe - t._doe // 1460 + t._doe // 36_524 - t._doe // 146_096) // 365)
    t = t.mutate(_doy=t._doe - (365 * t._yoe + t._yoe // 4 - t._yoe // 100))
    t = t.mutate(_mp=(5 * t._doy + 2) // 153)
    t = t.mutate(_dom=t._doy - (153 * t._mp + 2) // 5 + 1, _month=ibis.ifelse(t._mp < 10, t._mp + 3, t._mp - 9))
    helpers = ["_z", "_era", "_doe", "_yoe", "_doy", "_mp", "_dom", "_month"]
    if by == "month":
        return t.mutate(**{name: (t[day] - t._dom + 1).cast("int64")}).drop(*helpers)
    # the quarter's first day: days_from_civil(year, first month of the quarter, 1)
    t = t.mutate(_year=t._yoe + t._era * 400 + ibis.ifelse(t._month <= 2, 1, 0),
                 _m0=t._month - (t._month - 1) % 3)
    t = t.mutate(_y=t._year - ibis.ifelse(t._m0 <= 2, 1, 0))
    t = t.mutate(_era2=t._y // 400)
    t = t.mutate(_yoe2=t._y - t._era2 * 400,
                 _doy2=(153 * (t._m0 + ibis.ifelse(t._m0 > 2, -3, 9)) + 2) // 5)
    t = t.mutate(**{name: (t._era2 * 146_097 + t._yoe2 * 365 + t._yoe2 // 4 - t._yoe2 // 100 + t._doy2 - 719_468
                           ).cast("int64")})
    return t.drop(*helpers, "_year", "_m0", "_y", "_era2", "_yoe2", "_doy2")


def date_of_day(day: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=int(day))


def datetime_of_us(us: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=int(us))
