"""§ 422.111(h)(1)(iii)(B), (iv)(B): a day with fewer interpreter calls than interpreter_tty_min_calls_count (5) is
flagged small-sample and judged over the quarter to date (interpreter_tty_small_sample_period_text); the table shows
the quarter's share marked ``*``."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from rich.console import Console

from calllog_support import HEADER
from partcd.callcenter.pipelines.daily import daily_report
from partcd.callcenter.rules.standards import CallCenterParams, small_sample_share
from partcd.platform.params import load_params


def interpreter_call(cid: str, day: str, hhmm: str, wait_s: int) -> str:
    """A call answered after 10 s on hold that asks for an interpreter, who joins ``wait_s`` after the answer."""
    start = dt.datetime.fromisoformat(f"{day}T{hhmm}:00-05:00")
    ivr, answered = start + dt.timedelta(seconds=40), start + dt.timedelta(seconds=50)
    joined, end = answered + dt.timedelta(seconds=wait_s), answered + dt.timedelta(seconds=wait_s + 300)
    return (f"{cid},H1416,{start.isoformat()},{ivr.isoformat()},{answered.isoformat()},{end.isoformat()},completed,"
            f"true,{joined.isoformat()},false,\n")


# 2022-01-03: 5 interpreter calls, all within 8 min (480 s)        -> 5 >= 5: judged alone, 100 %
# 2022-01-04: 2 calls, one waits 600 s                              -> day 50 %, small; quarter 6 of 7 = 85.71 % >= 80: ok
# 2022-01-05: 1 call, waits 600 s                                   -> day 0 %, small; quarter 6 of 8 = 75 % < 80: NO
# 2022-04-01: 2 calls, one waits 600 s (a new quarter)              -> day 50 %, small; quarter 2 calls < 5: not judged
LOG = (
    "".join(interpreter_call(f"a{i}", "2022-01-03", f"09:{10 * i:02d}", 60) for i in range(5))
    + interpreter_call("b1", "2022-01-04", "09:00", 60) + interpreter_call("b2", "2022-01-04", "09:30", 600)
    + interpreter_call("c1", "2022-01-05", "09:00", 600)
    + interpreter_call("d1", "2022-04-01", "09:00", 60) + interpreter_call("d2", "2022-04-01", "09:30", 600)
)


def test_the_minimum_is_the_smallest_count_where_one_late_call_can_still_pass() -> None:
    p = load_params("callcenter", dt.date(2022, 1, 3)).typed(CallCenterParams)
    assert (p.interpreter_tty_min_calls_count, p.interpreter_tty_small_sample_period_text) == (5, "quarter")
    assert 100 * (5 - 1) / 5 >= p.interpreter_within_min_pct > 100 * (4 - 1) / 4   # 80 % >= 80 > 75 %
    assert small_sample_share(5, 5, 4, 5, 80.0) is None and small_sample_share(0, 7, 6, 5, 80.0) is None


def test_small_sample_days_are_judged_over_the_quarter_to_date(tmp_path: Path) -> None:
    (tmp_path / "calls.csv").write_text(HEADER + LOG, encoding="utf-8")
    rep = daily_report(tmp_path / "calls.csv", tmp_path / "out")
    rows = {r["date"]: r for r in rep.records}
    full = rows["2022-01-03"]
    assert (full["interpreter_calls"], full["interpreter_within_pct"], full["interpreter_small_sample"],
            full["interpreter_ok"]) == (5, 100.0, False, True)
    ok = rows["2022-01-04"]
    assert (ok["interpreter_within_pct"], ok["interpreter_small_sample"], ok["interpreter_quarter_pct"]) == \
        (50.0, True, 85.714286)
    assert (ok["interpreter_ok"], ok["compliant"], ok["failed_standards"]) == (True, True, [])
    bad = rows["2022-01-05"]
    assert (bad["interpreter_within_pct"], bad["interpreter_quarter_pct"], bad["interpreter_ok"], bad["compliant"]) == \
        (0.0, 75.0, False, False)
    assert bad["failed_standards"] == ["interpreter within 8 min of reaching the CSR (%), quarter to date"]
    new_quarter = rows["2022-04-01"]
    assert (new_quarter["interpreter_quarter_pct"], new_quarter["interpreter_ok"], new_quarter["compliant"]) == (50.0, None, True)
    assert rep.breach_days == [("H1416", "2022-01-05")]


def test_the_table_shows_the_judged_quarter_share(tmp_path: Path) -> None:
    from partcd.callcenter.cli.daily import daily_table

    (tmp_path / "calls.csv").write_text(HEADER + LOG, encoding="utf-8")
    rep = daily_report(tmp_path / "calls.csv", tmp_path / "out")
    for width in (80, 120):
        console = Console(width=width, file=io.StringIO(), color_system=None)
        console.print(daily_table(rep, width))
        lines = {line.split()[1]: line.split() for line in console.file.getvalue().splitlines()  # type: ignore[attr-defined]
                 if line.startswith("H1416")}
        assert lines["2022-01-04"][6:8] == ["85.7*", "-"] and "yes" in lines["2022-01-04"]
        assert lines["2022-01-05"][6:8] == ["75.0*", "-"] and "NO" in lines["2022-01-05"]
        assert lines["2022-01-03"][6] == "100.0"
        if width == 120:
            assert "interp 0.0 (1 call)" in " ".join(lines["2022-01-05"])


def test_the_html_report_shows_the_digits_that_decide(tmp_path: Path) -> None:
    from calllog_support import call

    # 2022-01-03 H1416: 1 plan drop in 20 calls = 5.00 % (the limit: compliant, shown as 5.00);
    # 2022-01-04: 51 drops in 1019 calls = 5.00491 % > 5: "5.00" would read as compliant, so 5.005 is shown
    day3 = "".join(call(f"a{i}", "H1416", "2022-01-03", f"09:{i:02d}", 10) for i in range(19))
    day4 = "".join(call(f"b{i}", "H1416", "2022-01-04", f"{6 + i // 60 % 14:02d}:{i % 60:02d}", 10) for i in range(968))
    drops = call("a-drop", "H1416", "2022-01-03", "10:00", None, "dropped") + \
        "".join(call(f"b-drop{i}", "H1416", "2022-01-04", "20:00", None, "dropped") for i in range(51))
    (tmp_path / "calls.csv").write_text(HEADER + day3 + day4 + drops, encoding="utf-8")
    rep = daily_report(tmp_path / "calls.csv", tmp_path / "out")
    assert [(r["disconnect_rate_pct"], r["disconnect_ok"]) for r in rep.records] == [(5.0, True), (5.004907, False)]
    html = (tmp_path / "out" / "daily_report.html").read_text(encoding="utf-8")
    assert '<td class="num ">5.00</td>' in html and '<td class="num fail">5.005</td>' in html
