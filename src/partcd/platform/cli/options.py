"""One set of command-line option parsers: dates, instants, durations, time zones and input files.

Every command reads its text options through these, so the same mistake gets the same message everywhere:
a :class:`~partcd.core.errors.ConfigError` (exit 2, one line) that names the flag, gives the reason and quotes the
value, with an example where one helps::

    --received: not an ISO 8601 date-time: '2021-13-01T10:00' (e.g. 2021-03-12T09:30 or 2021-03-12T09:30-05:00)
    --failure-start: needs a UTC offset: '2022-01-04T09:00:00' (e.g. 2021-03-12T09:30-05:00)
    --received: local time 2021-03-14T02:30:00 does not exist in America/New_York (skipped when the clocks went forward)
    --calls: /data/nope.csv: file not found

``None`` (an option not given) passes through unchanged. The text rules are those of :mod:`partcd.core.calendar`
(ISO 8601, ``fromisoformat``); this module adds the flag, the zone reading and the file checks. It imports only
the standard library and ``partcd.core``, so ``--help`` stays light.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import overload
from zoneinfo import ZoneInfo

from partcd.core import calendar
from partcd.core.errors import ConfigError, RuleError


@overload
def date(flag: str, text: str) -> dt.date: ...
@overload
def date(flag: str, text: str | None) -> dt.date | None: ...
def date(flag: str, text: str | None) -> dt.date | None:
    """An ISO 8601 calendar date (``2021-03-20``)."""
    return None if text is None else calendar.parse_date(text, flag)


def today(flag: str, text: str | None) -> dt.date:
    """The date given with ``flag``, else the machine's date (the command line is where "today" is read)."""
    return dt.date.today() if text is None else calendar.parse_date(text, flag)


@overload
def instant(flag: str, text: str, *, offset: calendar.OffsetRule = ..., zone: str | ZoneInfo | None = ...
            ) -> dt.datetime: ...
@overload
def instant(flag: str, text: str | None, *, offset: calendar.OffsetRule = ..., zone: str | ZoneInfo | None = ...
            ) -> dt.datetime | None: ...
def instant(flag: str, text: str | None, *, offset: calendar.OffsetRule = "optional",
            zone: str | ZoneInfo | None = None) -> dt.datetime | None:
    """An ISO 8601 date-time. ``offset="required"`` refuses one without a UTC offset; with ``zone`` the value is
    returned as an aware instant in that zone (a naive time read there, see :func:`in_zone`)."""
    if text is None:
        return None
    value = calendar.parse_instant(text, flag, offset=offset)
    return value if zone is None else in_zone(flag, value, zone)


def in_zone(flag: str, value: dt.datetime, zone: str | ZoneInfo) -> dt.datetime:
    """``value`` as an instant in ``zone``: a naive time is read on the zone's wall clock; a time the clocks skip
    is refused, a repeated one is its first occurrence (:func:`partcd.core.calendar.local_instant`)."""
    tz = calendar.zone_of(zone, flag)
    try:
        return calendar.local_instant(value, tz)
    except RuleError as exc:
        raise ConfigError(f"{flag}: {exc.reason}") from None


@overload
def local_date(flag: str, text: str, zone: str | ZoneInfo) -> dt.date: ...
@overload
def local_date(flag: str, text: str | None, zone: str | ZoneInfo) -> dt.date | None: ...
def local_date(flag: str, text: str | None, zone: str | ZoneInfo) -> dt.date | None:
    """A calendar date; a date-time is taken as its local date in ``zone`` (a naive one as written)."""
    return None if text is None else calendar.parse_local_date(text, zone, flag)


@overload
def duration(flag: str, text: str) -> dt.timedelta: ...
@overload
def duration(flag: str, text: str | None) -> dt.timedelta | None: ...
def duration(flag: str, text: str | None) -> dt.timedelta | None:
    """An ISO 8601 duration of fixed length (``P15D``, ``PT72H``, ``P1DT12H``)."""
    return None if text is None else calendar.parse_duration(text, flag)


@overload
def zone(flag: str, text: str) -> ZoneInfo: ...
@overload
def zone(flag: str, text: str | None) -> ZoneInfo | None: ...
def zone(flag: str, text: str | None) -> ZoneInfo | None:
    """An IANA time-zone name (``America/New_York``)."""
    return None if text is None else calendar.parse_zone(text, flag)


def zone_names(flag: str, text: str) -> list[str]:
    """A comma-separated list of IANA time-zone names (at least one), each checked."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise ConfigError(f"{flag}: no time zone given: {text!r} (e.g. America/New_York,America/Chicago)")
    for name in names:
        calendar.parse_zone(name, flag)
    return names


@overload
def existing_file(flag: str, path: Path) -> Path: ...
@overload
def existing_file(flag: str, path: Path | None) -> Path | None: ...
def existing_file(flag: str, path: Path | None) -> Path | None:
    """An input file that exists (a folder or a missing path is refused before any work starts)."""
    if path is None:
        return None
    if not path.exists():
        raise ConfigError(f"{flag}: {path}: file not found")
    if not path.is_file():
        raise ConfigError(f"{flag}: {path}: not a file")
    return path


#: Bounds of a JSON input file (``--file``): a request or a set of plan attributes is a few kilobytes; the limits
#: keep a hostile file from exhausting memory or Python's recursion limit (a design choice, not a rule).
JSON_MAX_BYTES = 1_000_000
JSON_MAX_DEPTH = 32


def json_file(flag: str, path: Path, *, max_bytes: int = JSON_MAX_BYTES, max_depth: int = JSON_MAX_DEPTH) -> object:
    """The JSON value in an input file: at most ``max_bytes`` bytes of UTF-8, nested at most ``max_depth`` arrays
    or objects deep, numbers finite (``NaN``/``Infinity`` are not JSON). Anything else is a ``ConfigError`` naming
    the flag and the file (the depth is checked before parsing, so no input reaches the parser's recursion)."""
    import json

    existing_file(flag, path)
    size = path.stat().st_size
    if size > max_bytes:
        raise ConfigError(f"{flag}: {path}: {size} bytes is over the limit of {max_bytes} bytes for a JSON file")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{flag}: {path}: not UTF-8 text (byte {exc.start})") from None
    depth = _json_depth(text)
    if depth > max_depth:
        raise ConfigError(f"{flag}: {path}: JSON nested {depth} levels deep; at most {max_depth} allowed")

    def _no_constant(name: str) -> object:
        raise ValueError(f"{name} is not a JSON number")

    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{flag}: {path}: invalid JSON: {exc.msg} (line {exc.lineno})") from None
    except ValueError as exc:  # NaN/Infinity, or an integer with more digits than Python converts
        raise ConfigError(f"{flag}: {path}: invalid JSON: {exc}") from None


def json_object(flag: str, path: Path, what: str) -> dict[str, object]:
    """:func:`json_file` that must hold one JSON object (``what`` names its fields in the message)."""
    loaded = json_file(flag, path)
    if not isinstance(loaded, dict):
        raise ConfigError(f"{flag}: {path}: expected a JSON object of {what}")
    return loaded


def _json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in ``text`` (brackets inside strings do not count)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest
