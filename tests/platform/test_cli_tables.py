"""Issue 13 item 6: honest terminal tables - key columns whole at 80 and 120 columns, figures that never read as
compliant when the verdict says not (partcd.platform.cli.tables)."""

from __future__ import annotations

import io
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from calllog_support import write_log
from partcd.platform.cli.tables import Col, figure, fitted_table


def _render(renderable: object, width: int) -> str:
    console = Console(width=width, file=io.StringIO(), color_system=None, highlight=False)
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]


def test_disconnect_rate_just_over_five_shows_its_second_decimal() -> None:
    assert figure(5.04, 5.0, at_most=True) == "5.04"       # "5.0" would read as compliant beside NO
    assert figure(4.96, 5.0, at_most=True) == "4.96"       # "5.0" would read as sitting on the limit
    assert figure(5.0, 5.0, at_most=True) == "5.0"         # on the limit: compliant, shown as the limit
    assert figure(79.96, 80.0, at_most=False) == "79.96"   # a share just under 80 % never shows as "80.0"
    assert figure(120.004, 120.0, at_most=True) == "120.004"
    assert figure(3.14159, 5.0, at_most=True) == "3.1"     # far from the limit: the usual one decimal
    assert figure(None, 5.0, at_most=True) == "-"
    assert figure(5.0000000001, 5.0, at_most=True) == "5.0000000001"  # past 6 decimals: the exact shortest text


@given(value=st.floats(min_value=0, max_value=1000, allow_nan=False), limit=st.floats(min_value=0, max_value=1000),
       at_most=st.booleans(), digits=st.integers(min_value=0, max_value=3))
def test_the_shown_figure_is_on_the_side_of_the_limit_the_value_is(value: float, limit: float, at_most: bool,
                                                                    digits: int) -> None:
    shown = float(figure(value, limit, at_most=at_most, digits=digits))
    complies = (lambda x: x <= limit) if at_most else (lambda x: x >= limit)
    assert complies(shown) == complies(value)
    assert (shown == limit) == (value == limit)


COLUMNS = (Col("contract_id", "key"), Col("measure_id", "key"), Col("score", justify="right"),
           Col("cut point", justify="right"), Col("verdict", "key"), Col("measure name", "secondary"),
           Col("explanation", "secondary"))
ROWS = [["H1416-002", "C30-interpreter", "79.96", "80.0", "NOT MET",
         "Call Center - Foreign Language Interpreter and TTY Availability", "one late interpreter call in five " * 4]]


def test_key_columns_are_whole_at_80_and_120_columns() -> None:
    for width in (80, 120):
        text = _render(fitted_table("measures", COLUMNS, ROWS, width), width)
        assert max(len(line) for line in text.splitlines()) <= width
        for key in ("contract_id", "measure_id", "H1416-002", "C30-interpreter", "79.96", "NOT MET"):
            assert key in text, (width, key, text)


def test_secondary_columns_are_dropped_and_named_when_they_cannot_fit() -> None:
    narrow = _render(fitted_table("measures", COLUMNS, ROWS, 60), 60)
    assert "H1416-002" in narrow and "NOT MET" in narrow and "Call Center" not in narrow
    assert "not shown at this width: measure name, explanation" in " ".join(narrow.split())
    wide = _render(fitted_table("measures", COLUMNS, ROWS, 200), 200)
    assert "not shown" not in wide and "Call Center - Foreign Language Interpreter and TTY Availability" in wide


def test_callcenter_metrics_table_at_80_and_120(tmp_path: Path) -> None:
    from partcd.callcenter.cli.metrics import metrics_table
    from partcd.callcenter.pipelines.metrics import run_metrics

    report = run_metrics(write_log(tmp_path / "calls.csv"), by="day")
    for width in (80, 120):
        lines = _render(metrics_table(report, "day", width), width).splitlines()
        assert max(len(line) for line in lines) <= width
        rows = {line.split()[1]: line.split() for line in lines if line.startswith("H1416")}
        # 2022-01-04: hold 150 s (the larger of 150 answered, 131.5 all queued), 0 % within 30 s, 25 % dropped: NO
        assert rows["2022-01-04"][:6] == ["H1416", "2022-01-04", "4", "150.0", "0.0", "25.0"]
        assert "NO" in rows["2022-01-04"] and "yes" in rows["2022-01-03"]
        assert any(line.startswith("H2001") and "2022-01-03" in line for line in lines)


def test_too_narrow_for_the_key_columns_side_by_side_each_row_becomes_a_block() -> None:
    lines = [line.rstrip() for line in _render(fitted_table("measures", COLUMNS, ROWS, 40), 40).splitlines()]
    assert max(len(line) for line in lines) <= 40
    assert lines[:6] == ["measures", "contract_id   H1416-002", "measure_id    C30-interpreter", "score         79.96",
                         "cut point     80.0", "verdict       NOT MET"]


def test_progress_draws_only_on_a_terminal_and_never_with_json() -> None:
    from partcd.platform.cli.tables import progress

    def drawn(terminal: bool, quiet: bool) -> str:
        console = Console(file=io.StringIO(), force_terminal=terminal, width=80)
        with progress("call-center metrics by day (duckdb)", total=4, console=console, quiet=quiet) as update:
            update(completed=2)
        return console.file.getvalue()  # type: ignore[attr-defined]

    assert "call-center metrics by day (duckdb)" in drawn(terminal=True, quiet=False)
    assert drawn(terminal=True, quiet=True) == "" and drawn(terminal=False, quiet=False) == ""
