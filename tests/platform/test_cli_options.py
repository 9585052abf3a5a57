"""partcd.platform.cli.options: the one set of option parsers - values, refusals in one message style, light imports."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from partcd.core.errors import ConfigError
from partcd.platform.cli import options


def _refusal(call: object) -> str:
    assert callable(call)
    with pytest.raises(ConfigError) as exc:
        call()
    return str(exc.value)


def test_values_and_none_pass_through(tmp_path: Path) -> None:
    assert options.date("--on", "2024-02-29") == dt.date(2024, 2, 29)
    assert options.date("--on", None) is None
    assert options.today("--today", "2022-01-21") == dt.date(2022, 1, 21)
    assert options.instant("--at", "2021-03-12T09:30") == dt.datetime(2021, 3, 12, 9, 30)
    assert options.instant("--at", None, zone="America/New_York") is None
    # a naive time read in the zone; an aware one keeps its instant
    assert options.instant("--at", "2021-03-12T09:30", zone="America/Chicago").isoformat() == "2021-03-12T09:30:00-06:00"
    assert options.instant("--at", "2021-03-12T09:30Z", zone="America/Chicago").isoformat() == "2021-03-12T03:30:00-06:00"
    assert options.instant("--at", "2021-11-07T01:30", zone="America/New_York").isoformat() == "2021-11-07T01:30:00-04:00"
    assert options.local_date("--notice-date", "2021-03-13T03:00:00Z", "America/New_York") == dt.date(2021, 3, 12)
    assert options.duration("--state-override", "P15D") == dt.timedelta(days=15)
    assert options.duration("--x", None) is None
    assert options.zone("--tz", "America/Denver") is not None and options.zone("--tz", None) is None
    assert options.zone_names("--zones", " America/New_York, Pacific/Honolulu ,") == ["America/New_York", "Pacific/Honolulu"]
    f = tmp_path / "calls.csv"
    f.write_text("x\n", encoding="utf-8")
    assert options.existing_file("--calls", f) == f and options.existing_file("--calls", None) is None


def test_refusals_name_the_flag_give_the_reason_and_quote_the_value(tmp_path: Path) -> None:
    assert _refusal(lambda: options.date("--on", "2021-02-30")) == "--on: not an ISO 8601 date: '2021-02-30' (e.g. 2021-03-20)"
    assert _refusal(lambda: options.today("--today", "today")) == "--today: not an ISO 8601 date: 'today' (e.g. 2021-03-20)"
    assert _refusal(lambda: options.instant("--received", "yesterday")) == (
        "--received: not an ISO 8601 date-time: 'yesterday' (e.g. 2021-03-12T09:30 or 2021-03-12T09:30-05:00)")
    assert _refusal(lambda: options.instant("--now", "2022-02-01T12:00", offset="required")) == (
        "--now: needs a UTC offset: '2022-02-01T12:00' (e.g. 2021-03-12T09:30-05:00)")
    assert _refusal(lambda: options.instant("--received", "2021-03-14T02:30", zone="America/New_York")) == (
        "--received: local time 2021-03-14T02:30:00 does not exist in America/New_York "
        "(skipped when the clocks went forward)")
    assert _refusal(lambda: options.duration("--state-override", "15d")) == (
        "--state-override: not an ISO 8601 duration: '15d' (e.g. P15D, PT72H or P1DT12H)")
    assert _refusal(lambda: options.zone("--tz", "Mars/Olympus")) == (
        "--tz: unknown time zone 'Mars/Olympus' (an IANA name, e.g. America/New_York)")
    assert _refusal(lambda: options.zone_names("--zones", "America/New_York,Mars/Olympus")) == (
        "--zones: unknown time zone 'Mars/Olympus' (an IANA name, e.g. America/New_York)")
    assert _refusal(lambda: options.zone_names("--zones", " , ")).startswith("--zones: no time zone given: ' , '")
    assert _refusal(lambda: options.existing_file("--calls", tmp_path / "nope.csv")) == (
        f"--calls: {tmp_path / 'nope.csv'}: file not found")
    assert _refusal(lambda: options.existing_file("--calls", tmp_path)) == f"--calls: {tmp_path}: not a file"
    assert _refusal(lambda: options.local_date("--effective", "soon", "America/New_York")).startswith(
        "--effective: not an ISO 8601 date-time: 'soon'")


def test_the_parsers_import_no_heavy_module() -> None:
    """The module itself (loaded on its own, without the ``partcd.platform.cli`` package that imports every sub-app)."""
    code = ("import importlib.util, sys; "
            f"spec = importlib.util.spec_from_file_location('options_alone', {options.__file__!r}); "
            "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module); "
            "print(sorted(m for m in ('numpy', 'pyarrow', 'pandas', 'duckdb', 'typer', 'rich', 'holidays') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_json_file_bounds_depth_size_and_numbers(tmp_path: Path) -> None:
    ok = tmp_path / "ok.json"
    ok.write_text('{"reason": "[[[[ brackets in a string do not nest ]]]] \\" still a string [[[", "n": [1, [2]]}')
    assert options.json_file("--file", ok) == {"reason": '[[[[ brackets in a string do not nest ]]]] " still a string [[[',
                                                "n": [1, [2]]}
    assert options.json_object("--file", ok, "fields")["n"] == [1, [2]]
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 33 + "]" * 33)
    with pytest.raises(ConfigError, match=r"--file: .*deep.json: JSON nested 33 levels deep; at most 32 allowed"):
        options.json_file("--file", deep)
    deep.write_text("[" * 32 + "]" * 32)
    assert options.json_file("--file", deep) == [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]
    for text, reason in (('{"x": NaN}', "NaN is not a JSON number"), ('{"x": -Infinity}', "-Infinity is not a JSON number"),
                         ("{", "invalid JSON: Expecting property name"), ("[1]", "expected a JSON object of fields")):
        ok.write_text(text)
        with pytest.raises(ConfigError, match=reason):
            options.json_object("--file", ok, "fields")
    ok.write_text('{"x": "' + "y" * 100 + '"}')
    with pytest.raises(ConfigError, match="109 bytes is over the limit of 100 bytes"):  # 7 + 100 + 2
        options.json_file("--file", ok, max_bytes=100)
    ok.write_bytes(b'{"x": "\xff"}')
    with pytest.raises(ConfigError, match="not UTF-8 text"):
        options.json_file("--file", ok)
