"""Call-log validation and metric definitions, hand-computed (shared/specs/callcenter.md §2; CAP letter L30)."""

from __future__ import annotations

from pathlib import Path

import pytest

from partcd.callcenter.pipelines.metrics import compute_metrics, read_call_log
from partcd.core.errors import InputError

HEADER = ("call_id,contract_id,call_start,ivr_end,answered_at,call_end,end_reason,interpreter_requested,"
          "interpreter_connected_at,tty,tty_connected_at\n")


def _log(tmp_path: Path, *rows: str) -> Path:
    p = tmp_path / "calls.csv"
    p.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return p


def _call(cid: str, start: str, ivr: str, answered: str, end: str, reason: str = "completed",
          contract: str = "H1416", interp: str = "false,", tty: str = "false,") -> str:
    return f"{cid},{contract},{start},{ivr},{answered},{end},{reason},{interp},{tty}"


def test_hand_computed_day(tmp_path: Path) -> None:
    d = "2022-01-03T"
    rows = [
        _call("a", d + "09:00:00-05:00", d + "09:00:30-05:00", d + "09:01:00-05:00", d + "09:05:00-05:00"),  # hold 30
        _call("b", d + "09:10:00-05:00", d + "09:10:30-05:00", d + "09:11:00.5-05:00", d + "09:15:00-05:00"),  # 30.5
        _call("c", d + "09:20:00-05:00", d + "09:20:30-05:00", d + "09:22:30-05:00", d + "09:25:00-05:00"),  # hold 120
        _call("d", d + "09:30:00-05:00", d + "09:30:30-05:00", "", d + "09:33:00-05:00", "caller_hangup"),
        _call("e", d + "09:40:00-05:00", d + "09:40:30-05:00", "", d + "09:41:00-05:00", "dropped"),
        _call("f", d + "09:50:00-05:00", "", "", d + "09:50:20-05:00", "dropped"),  # dropped in the IVR
    ]
    rep = compute_metrics(read_call_log(_log(tmp_path, *rows)), by="day")
    [r] = rep.records
    # hold over answered calls: (30 + 30.5 + 120) / 3 = 60.1666..
    assert r["avg_hold_time_s"] == pytest.approx(180.5 / 3, abs=1e-6)
    # within 30 s: only "a" (exactly 30 s counts) over the 5 calls that finished the IVR = 20 %
    assert (r["queued"], r["answered_within"], r["answered_within_30s_pct"]) == (5, 1, 20.0)
    # disconnects: e and f (plan side) over all 6 calls made; the caller hang-up d is not one
    assert (r["dropped"], r["disconnect_rate_pct"]) == (2, pytest.approx(100 * 2 / 6, abs=1e-6))
    assert (r["caller_hangups"], r["abandon_rate_pct"]) == (1, 20.0)
    assert r["max_hold_time_s"] == 120.0
    assert r["compliant"] is False
    assert r["failed_standards"] == ["answered within 30 s (%)", "disconnect rate (%)"]


def test_local_day_boundaries_and_periods(tmp_path: Path) -> None:
    # 23:30 Eastern on Jan 3 is 04:30 UTC on Jan 4: it belongs to Jan 3 in the plan's time zone.
    late = _call("x", "2022-01-04T04:30:00+00:00", "2022-01-04T04:30:20+00:00", "2022-01-04T04:30:25+00:00",
                 "2022-01-04T04:40:00+00:00")
    # DST starts 2022-03-13 02:00 local: a call at 01:59 EST and one at 03:01 EDT are the same local day.
    dst1 = _call("y", "2022-03-13T01:59:00-05:00", "2022-03-13T01:59:30-05:00", "2022-03-13T01:59:40-05:00",
                 "2022-03-13T03:05:00-04:00")
    dst2 = _call("z", "2022-03-13T03:01:00-04:00", "2022-03-13T03:01:30-04:00", "2022-03-13T03:01:40-04:00",
                 "2022-03-13T03:09:00-04:00")
    log = read_call_log(_log(tmp_path, late, dst1, dst2))
    days = [(r["period_start"], r["calls"]) for r in compute_metrics(log, by="day").records]
    assert days == [("2022-01-03", 1), ("2022-03-13", 2)]
    weeks = [r["period_start"] for r in compute_metrics(log, by="week").records]
    assert weeks == ["2022-01-03", "2022-03-07"]  # ISO weeks start on Monday
    assert [r["period_start"] for r in compute_metrics(log, by="month").records] == ["2022-01-01", "2022-03-01"]
    quarter = compute_metrics(log, by="quarter").records
    assert [(r["period_start"], r["calls"]) for r in quarter] == [("2022-01-01", 3)]
    pacific = read_call_log(_log(tmp_path, late), tz="America/Los_Angeles")
    assert compute_metrics(pacific, by="day").records[0]["period_start"] == "2022-01-03"
    utc = read_call_log(_log(tmp_path, late), tz="UTC")
    assert compute_metrics(utc, by="day").records[0]["period_start"] == "2022-01-04"


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        (_call("a", "2022-01-03T09:00:00", "", "", "2022-01-03T09:01:00-05:00"), "call_start", "UTC offset"),
        (_call("a", "2022-01-03T09:00:00-05:00", "", "", "2022-01-03T08:01:00-05:00"), "call_end", "negative duration"),
        (_call("a", "2022-01-03T09:00:00-05:00", "", "2022-01-03T09:00:10-05:00", "2022-01-03T09:01:00-05:00"),
         "ivr_end", "needs ivr_end"),
        (_call("a", "2022-01-03T09:00:00-05:00", "", "", "2022-01-03T09:01:00-05:00", "hung_up"), "end_reason",
         "must be one of completed, caller_hangup, dropped"),
        (_call("a", "2022-01-03T09:00:00-05:00", "", "", "2022-01-03T09:01:00-05:00", contract="1416"), "contract_id",
         "must look like H1234"),
        (_call("a", "2022-01-03T09:00:00-05:00", "", "", "2022-01-03T09:01:00-05:00", tty="maybe,"), "tty",
         "true or false"),
    ],
)
def test_each_refusal_names_row_and_field(tmp_path: Path, row: str, field: str, reason: str) -> None:
    good = _call("g", "2022-01-03T08:00:00-05:00", "", "", "2022-01-03T08:01:00-05:00")
    with pytest.raises(InputError) as exc:
        read_call_log(_log(tmp_path, good, row))
    assert (exc.value.row, exc.value.field) == (3, field)
    assert reason in exc.value.reason


def test_missing_column_and_unknown_contract(tmp_path: Path) -> None:
    p = tmp_path / "short.csv"
    p.write_text("call_id,contract_id\nx,H1416\n", encoding="utf-8")
    with pytest.raises(InputError, match="field 'call_start': missing column"):
        read_call_log(p)
    row = _call("a", "2022-01-03T09:00:00-05:00", "", "", "2022-01-03T09:01:00-05:00")
    with pytest.raises(InputError, match="row 2, field 'contract_id': unknown contract"):
        read_call_log(_log(tmp_path, row), known_contracts=frozenset({"H9999"}))


def test_quarantine_reports_every_rejected_row(tmp_path: Path) -> None:
    ok = _call("a", "2022-01-03T09:00:00-05:00", "", "", "2022-01-03T09:01:00-05:00")
    dup = ok
    bad = _call("b", "nope", "", "", "2022-01-03T09:01:00-05:00")
    log = read_call_log(_log(tmp_path, ok, dup, bad), on_error="quarantine")
    assert len(log.rows()) == 1
    assert [(r.row, r.field) for r in log.rejections()] == [(3, "call_id"), (4, "call_start")]
    with pytest.raises(InputError, match=r"row 3, field 'call_id': duplicate call_id 'a' \(first at row 2\) \(1 more"):
        read_call_log(_log(tmp_path, ok, dup, bad))


def test_interpreter_and_tty_shares_and_verdicts(tmp_path: Path) -> None:
    """S5: interpreter within 8 min of reaching the CSR; S6: TTY operator within 7 min of the call's start (>= 80 %)."""
    d = "2022-01-03T"
    rows = [
        # interpreter 8:00 after the answer (480 s): passes, exactly at the limit
        _call("i1", d + "09:00:00-05:00", d + "09:00:30-05:00", d + "09:00:40-05:00", d + "09:20:00-05:00",
              interp="true," + d + "09:08:40-05:00"),
        # interpreter 8:01 after the answer: a miss
        _call("i2", d + "09:30:00-05:00", d + "09:30:30-05:00", d + "09:30:40-05:00", d + "09:50:00-05:00",
              interp="true," + d + "09:38:41-05:00"),
        # TTY operator 7:00 after the start: passes; a second TTY call never connected: a miss
        _call("t1", d + "10:00:00-05:00", d + "10:00:30-05:00", d + "10:00:40-05:00", d + "10:20:00-05:00",
              tty="true," + d + "10:07:00-05:00"),
        _call("t2", d + "10:30:00-05:00", d + "10:30:30-05:00", d + "10:30:40-05:00", d + "10:50:00-05:00", tty="true,"),
    ]
    rep = compute_metrics(read_call_log(_log(tmp_path, *rows)), by="day")
    [r] = rep.records
    assert (r["interpreter_calls"], r["interpreter_within"], r["interpreter_within_pct"]) == (2, 1, 50.0)
    assert (r["tty_calls"], r["tty_within"], r["tty_within_pct"]) == (2, 1, 50.0)
    assert r["failed_standards"] == ["interpreter within 8 min of reaching the CSR (%)", "TTY operator within 7 min (%)"]
    interp, tty = rep.verdicts[0][3:]
    assert (interp.limit, interp.param.key, tty.limit, tty.param.key) == \
        (80.0, "interpreter_within_min_pct", 80.0, "tty_within_min_pct")


def test_by_line_splits_records(tmp_path: Path) -> None:
    header = HEADER.rstrip("\n") + ",line\n"
    d = "2022-01-03T"
    a = _call("a", d + "09:00:00-05:00", d + "09:00:30-05:00", d + "09:00:40-05:00", d + "09:05:00-05:00") + ",member"
    b = _call("b", d + "09:10:00-05:00", d + "09:10:30-05:00", d + "09:12:40-05:00", d + "09:15:00-05:00") + ",prospect"
    p = tmp_path / "lines.csv"
    p.write_text(header + a + "\n" + b + "\n", encoding="utf-8")
    log = read_call_log(p)
    assert [(r["line"], r["avg_hold_time_s"]) for r in compute_metrics(log, by="day", by_line=True).records] == \
        [("member", 10.0), ("prospect", 130.0)]
    [whole] = compute_metrics(log, by="day", by_line=False).records
    assert whole["avg_hold_time_s"] == 70.0 and "line" not in whole


def test_id_check_sorts_the_hashes_exactly(tmp_path: Path) -> None:
    """The first pass's duplicate check on DuckDB: non-empty ids counted, a repeat found wherever it is, and a row
    count below the real one (the file grew between the passes) still checks every id."""
    from partcd.callcenter.readers.calllog import id_check, open_call_log
    from partcd.platform import frames

    d = "2022-01-03T09:00:00-05:00"
    clean = _log(tmp_path, *[_call(c, d, d, d, d) for c in ("a", "b", "", "c")])
    con = frames.connect("duckdb")
    assert id_check(con, open_call_log(con, clean).calls, 4) == (3, True)
    assert id_check(con, open_call_log(con, clean).calls, 1) == (3, True)
    (tmp_path / "dup").mkdir()
    dup = _log(tmp_path / "dup", *[_call(c, d, d, d, d) for c in ("a", "b", "c", "d", "b")])
    assert id_check(con, open_call_log(con, dup).calls, 5) == (5, False)
    assert id_check(con, open_call_log(con, dup).calls, 2) == (5, False)
