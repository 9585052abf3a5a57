"""CLI: ``partcd callcenter hours | secret-shopper | star-measure`` - real values, exit codes, row-level errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from partcd.platform.cli import app

runner = CliRunner()

CALL_HEADER = ("call_id,contract_id,call_start,ivr_end,answered_at,call_end,end_reason,interpreter_requested,"
               "interpreter_connected_at,tty,tty_connected_at")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _hours(tmp_path: Path, schedule: str, *extra: str) -> tuple[int, str]:
    f = _write(tmp_path, "schedule.csv", schedule)
    res = runner.invoke(app, ["callcenter", "hours", "--schedule", str(f), "--zones",
                              "America/New_York,America/Los_Angeles", "--from", "2022-03-14", "--to", "2022-03-14",
                              *extra])
    return res.exit_code, res.output


def test_hours_compliant_0800_to_2300_eastern(tmp_path: Path) -> None:
    code, out = _hours(tmp_path, "open_from,open_until\n2022-03-14T08:00:00-04:00,2022-03-14T23:00:00-04:00\n", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["compliant"] is True
    assert data["days"][0] | {"closure_reasons": []} == {
        "date": "2022-03-14", "season": "oct_mar", "closure_allowed": False, "closure_applied": False,
        "closure_reasons": [], "required_min": 900.0, "covered_min": 900.0, "uncovered_min": 0.0,
        "coverage_pct": 100.0, "compliant": True, "uncovered": []}


def test_hours_gap_exits_1_with_the_uncovered_hour(tmp_path: Path) -> None:
    code, out = _hours(tmp_path, "open_from,open_until\n2022-03-14T08:00:00-04:00,2022-03-14T22:00:00-04:00\n", "--json")
    assert code == 1
    day = json.loads(out)["days"][0]
    assert (day["uncovered_min"], day["uncovered"]) == (60.0, [{"start": "2022-03-15T02:00:00+00:00",
                                                                "end": "2022-03-15T03:00:00+00:00"}])


def test_hours_table_output(tmp_path: Path) -> None:
    code, out = _hours(tmp_path, "open_from,open_until\n2022-03-14T08:00:00-04:00,2022-03-14T22:00:00-04:00\n")
    assert code == 1 and "2022-03-14" in out and "NO" in out


def test_hours_with_late_callback_exits_1(tmp_path: Path) -> None:
    sched = _write(tmp_path, "s.csv", "open_from,open_until\n")
    msgs = _write(tmp_path, "m.csv", "message_id,left_at,caller_time_zone,returned_at\n"
                                     "m1,2022-11-24T10:00:00-05:00,America/New_York,2022-11-25T16:00:00-05:00\n"
                                     "m2,2022-11-24T11:00:00-05:00,America/New_York,2022-11-28T09:00:00-05:00\n")
    res = runner.invoke(app, ["callcenter", "hours", "--schedule", str(sched), "--zones", "America/New_York",
                              "--from", "2022-11-24", "--to", "2022-11-24", "--messages", str(msgs), "--json"])
    assert res.exit_code == 1
    data = json.loads(res.output)
    assert data["days"][0]["closure_applied"] is True and data["days"][0]["compliant"] is True
    # due end of Friday 25 Nov (Sat 00:00 EST = 05:00Z); m2 returned Mon 09:00 EST -> 2 days 9 h late = 3420 min
    assert data["callbacks"]["messages"] == [
        {"message_id": "m1", "due_by": "2022-11-26T00:00:00-05:00", "on_time": True, "late_by_min": 0.0},
        {"message_id": "m2", "due_by": "2022-11-26T00:00:00-05:00", "on_time": False, "late_by_min": 3420.0}]


def test_hours_bad_row_names_file_row_field(tmp_path: Path) -> None:
    code, out = _hours(tmp_path, "open_from,open_until\n2022-03-14T08:00:00-04:00,2022-03-14T22:00:00-04:00\n"
                                 "2022-03-15T08:00:00,2022-03-15T22:00:00-04:00\n")
    assert code == 2
    assert "schedule.csv, row 2, field 'open_from': '2022-03-15T08:00:00' has no UTC offset" in " ".join(out.split())
    code, out = _hours(tmp_path, "start,end\n")
    assert code == 2 and "field 'open_from': missing column" in out


def test_hours_unknown_zone_exit_2(tmp_path: Path) -> None:
    f = _write(tmp_path, "s.csv", "open_from,open_until\n")
    res = runner.invoke(app, ["callcenter", "hours", "--schedule", str(f), "--zones", "Mars/Olympus",
                              "--from", "2022-03-14", "--to", "2022-03-14"])
    assert res.exit_code == 2 and "unknown IANA time zone 'Mars/Olympus'" in res.output


def _calls_csv(tmp_path: Path) -> Path:
    rows = [
        # Wednesday 16 Feb 2022, Eastern: answered after 60 s / 200 s, dropped after 30 s in queue, hang-up after 90 s
        "a,H1416,2022-02-16T09:00:00-05:00,2022-02-16T09:00:30-05:00,2022-02-16T09:01:30-05:00,2022-02-16T09:06:30-05:00,"
        "completed,false,,false,",
        "b,H1416,2022-02-16T10:00:00-05:00,2022-02-16T10:00:30-05:00,2022-02-16T10:03:50-05:00,2022-02-16T10:08:50-05:00,"
        "completed,false,,false,",
        "c,H1416,2022-02-16T11:00:00-05:00,2022-02-16T11:00:30-05:00,,2022-02-16T11:01:00-05:00,dropped,false,,false,",
        "d,H1416,2022-02-16T12:00:00-05:00,2022-02-16T12:00:30-05:00,,2022-02-16T12:02:00-05:00,caller_hangup,false,,false,",
        # interpreter joined 480 s after the CSR answered (completed); TTY operator at 421 s (not completed)
        "i1,H1416,2022-03-02T10:00:00-05:00,2022-03-02T10:00:30-05:00,2022-03-02T10:01:00-05:00,2022-03-02T10:30:00-05:00,"
        "completed,true,2022-03-02T10:09:00-05:00,false,",
        "t1,H1416,2022-03-02T11:00:00-05:00,2022-03-02T11:00:30-05:00,2022-03-02T11:01:00-05:00,2022-03-02T11:30:00-05:00,"
        "completed,false,,true,2022-03-02T11:07:01-05:00",
    ]
    return _write(tmp_path, "calls.csv", CALL_HEADER + "\n" + "\n".join(rows) + "\n")


def test_secret_shopper_json_values_and_exit_1(tmp_path: Path) -> None:
    calls = _calls_csv(tmp_path)
    out_csv = tmp_path / "tests.csv"
    res = runner.invoke(app, ["callcenter", "secret-shopper", "--calls", str(calls), "--seed", "11", "--study-month", "2",
                              "--test-calls-out", str(out_csv), "--json"])
    assert res.exit_code == 1, res.output
    data = json.loads(res.output)
    (t,) = data["timeliness"]
    assert (t["quarter"], t["study_month"], t["calls_in_frame"], t["sampled"]) == ("2022Q1", "2022-02", 4, 4)
    assert (t["avg_hold_time_s"], t["avg_hold_time_incl_censored_s"], t["disconnect_rate_pct"]) == (130.0, 95.0, 25.0)
    assert (t["compliant"], t["failed_standards"]) == (False, ["test calls: average hold time (s)",
                                                              "test calls: disconnect rate (%)"])
    (acc,) = data["accessibility"]
    assert (acc["attempted"], acc["completed"], acc["interpreter_completed"], acc["tty_completed"], acc["score_pct"]) == (
        2, 1, 1, 0, 50.0)
    with out_csv.open(encoding="utf-8") as fh:
        written = list(csv.DictReader(fh))
    assert [(r["call_id"], r["kind"], r["connect_s"]) for r in written] == [("i1", "interpreter", "480"), ("t1", "tty", "421")]
    # the written test calls feed star-measure: 1 of 2 completed -> 50 % -> 1 star under 60/73/84/92
    res2 = runner.invoke(app, ["callcenter", "star-measure", "--test-calls", str(out_csv), "--cut-points", "60,73,84,92",
                               "--at", "2022-03-01", "--json"])
    assert res2.exit_code == 0 and json.loads(res2.output)[0] | {"measure": ""} == {
        "contract_id": "H1416", "part": "C", "measure": "", "attempted": 2, "completed": 1, "interpreter_attempted": 1,
        "interpreter_completed": 1, "tty_attempted": 1, "tty_completed": 0, "score_pct": 50.0, "rounded_score": 50.0,
        "star": 1}


def test_secret_shopper_same_seed_same_sample(tmp_path: Path) -> None:
    calls = _calls_csv(tmp_path)
    args = ["callcenter", "secret-shopper", "--calls", str(calls), "--seed", "5", "--timeliness-calls", "2", "--json"]
    a, b = runner.invoke(app, args), runner.invoke(app, args)
    assert a.output == b.output and json.loads(a.output)["timeliness"][0]["sampled"] in (1, 2)


def test_secret_shopper_bad_rows(tmp_path: Path) -> None:
    bad = _write(tmp_path, "bad.csv", CALL_HEADER + "\n"
                 "x,H1,2022-02-16T09:00:00-05:00,2022-02-16T09:00:30-05:00,2022-02-16T09:00:10-05:00,"
                 "2022-02-16T09:06:30-05:00,completed,false,,false,\n")
    res = runner.invoke(app, ["callcenter", "secret-shopper", "--calls", str(bad), "--seed", "1"])
    assert res.exit_code == 2
    assert "bad.csv, row 1, field 'answered_at': before the IVR ended" in " ".join(res.output.split())
    row = "y,H1,2022-02-16T09:00:00-05:00,,,2022-02-16T09:01:00-05:00,{reason},false,,false,"
    reason = _write(tmp_path, "reason.csv", CALL_HEADER + "\n" + row.format(reason="hung_up") + "\n")
    res = runner.invoke(app, ["callcenter", "secret-shopper", "--calls", str(reason), "--seed", "1"])
    assert res.exit_code == 2 and "field 'end_reason': must be one of completed, caller_hangup, dropped" in " ".join(
        res.output.split())
    dup = _write(tmp_path, "dup.csv", CALL_HEADER + "\n" + (row.format(reason="completed") + "\n") * 2)
    res = runner.invoke(app, ["callcenter", "secret-shopper", "--calls", str(dup), "--seed", "1"])
    assert res.exit_code == 2 and "dup.csv, row 2, field 'call_id': duplicate of row 1" in " ".join(res.output.split())


def test_star_measure_table_and_bad_input(tmp_path: Path) -> None:
    f = _write(tmp_path, "t.csv", "contract_id,part,kind,connect_s,benefit_question_answered\n"
                                  "H1,C,interpreter,480,true\nH1,C,interpreter,60,false\nH1,C,tty,420,\nH1,D,tty,,\n")
    res = runner.invoke(app, ["callcenter", "star-measure", "--test-calls", str(f), "--at", "2023-02-01", "--json"])
    assert res.exit_code == 0
    assert [(r["part"], r["attempted"], r["completed"], r["score_pct"], r["star"]) for r in json.loads(res.output)] == [
        ("C", 3, 2, 200 / 3, None), ("D", 1, 0, 0.0, None)]
    res = runner.invoke(app, ["callcenter", "star-measure", "--test-calls", str(f), "--at", "2023-02-01"])
    assert res.exit_code == 0 and "H1" in res.output
    bad = _write(tmp_path, "b.csv", "contract_id,kind,connect_s\nH1,fax,10\n")
    res = runner.invoke(app, ["callcenter", "star-measure", "--test-calls", str(bad), "--at", "2023-02-01"])
    assert res.exit_code == 2 and "b.csv, row 1, field 'kind': must be one of interpreter, tty" in " ".join(res.output.split())
    res = runner.invoke(app, ["callcenter", "star-measure", "--test-calls", str(f), "--cut-points", "1,2"])
    assert res.exit_code == 2 and "four numbers" in res.output


def test_secret_shopper_reads_the_log_through_a_profile(tmp_path: Path) -> None:
    """--profile reads the log through the metrics pipeline's mapping (instants in UTC, the callers in --tz): the
    generic profile on the same log draws the same sample and gives the same figures as the generic reader."""
    calls = _calls_csv(tmp_path)
    args = ["callcenter", "secret-shopper", "--calls", str(calls), "--seed", "11", "--study-month", "2", "--json"]
    plain = runner.invoke(app, args)
    mapped = runner.invoke(app, [*args, "--profile", "generic", "--tz", "America/New_York"])
    assert plain.exit_code == mapped.exit_code == 1, mapped.output
    (t,) = json.loads(mapped.stdout)["timeliness"]
    assert (t["calls_in_frame"], t["sampled"], t["avg_hold_time_s"], t["disconnect_rate_pct"]) == (4, 4, 130.0, 25.0)
    assert json.loads(mapped.stdout) == json.loads(plain.stdout)
