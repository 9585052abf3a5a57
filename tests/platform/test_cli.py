"""CLI contract: one-line errors with exit 2 (file/row/field), --debug tracebacks, exit 1 = non-compliance."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from partcd.platform.cli import app

runner = CliRunner()
HEADER = ("call_id,contract_id,call_start,ivr_end,answered_at,call_end,end_reason,interpreter_requested,"
          "interpreter_connected_at,tty,tty_connected_at\n")
GOOD = ("c1,H1416,2022-01-03T09:00:00-05:00,2022-01-03T09:00:40-05:00,2022-01-03T09:01:00-05:00,"
        "2022-01-03T09:05:00-05:00,completed,false,,false,\n")


def _write(tmp_path: Path, body: str, name: str = "calls.csv") -> Path:
    p = tmp_path / name
    p.write_text(HEADER + body, encoding="utf-8")
    return p


def test_params_list_and_show() -> None:
    r = runner.invoke(app, ["params", "list", "callcenter", "--json"])
    assert r.exit_code == 0, r.output
    rows = {x["name"]: x for x in json.loads(r.output)}
    assert rows["callcenter.avg_hold_time_max_s"]["value"] == 120
    assert rows["callcenter.disconnect_rate_max_pct"]["cite"][0].endswith("[cap-letter-h1416-2022 L30]")
    r = runner.invoke(app, ["params", "show", "callcenter.answered_within_min_pct", "--at", "2022-05-26"])
    assert r.exit_code == 0
    assert "= 80 pct" in r.output and "answer 80 percent of calls within 30 seconds" in r.output


def test_unknown_parameter_is_one_line_exit_2() -> None:
    r = runner.invoke(app, ["params", "show", "callcenter.hold"])
    assert r.exit_code == 2
    assert "error: callcenter/params, key 'hold': no period file defines this parameter" in r.output
    assert "Traceback" not in r.output


def test_period_without_file_exit_2() -> None:
    r = runner.invoke(app, ["params", "show", "callcenter.avg_hold_time_max_s", "--at", "2020-01-01"])
    assert r.exit_code == 2 and "no parameters in force on 2020-01-01" in r.output


def test_bad_row_names_file_row_field(tmp_path: Path) -> None:
    bad = GOOD + "c2,H1416,2022-01-03T09:10:00-05:00,2022-01-03T09:10:20-05:00,2022-01-03T09:10:10-05:00," \
                 "2022-01-03T09:15:00-05:00,completed,false,,false,\n"
    path = _write(tmp_path, bad)
    r = runner.invoke(app, ["callcenter", "metrics", "--calls", str(path)])
    assert r.exit_code == 2
    assert f"{path}, row 3, field 'answered_at': answered_at is before ivr_end" in r.output.replace("\n", "")
    assert "Traceback" not in r.output


def test_debug_shows_traceback(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("completed", "finished"))
    r = runner.invoke(app, ["--debug", "callcenter", "metrics", "--calls", str(path)])
    assert r.exit_code != 0 and r.exception is not None
    assert type(r.exception).__name__ == "InputError"


def test_missing_file_exit_2(tmp_path: Path) -> None:
    r = runner.invoke(app, ["callcenter", "metrics", "--calls", str(tmp_path / "nope.csv")])
    assert r.exit_code == 2 and "nope.csv: file not found" in r.output


def test_compliant_exit_0_noncompliant_exit_1(tmp_path: Path) -> None:
    r = runner.invoke(app, ["callcenter", "metrics", "--calls", str(_write(tmp_path, GOOD)), "--json"])
    assert r.exit_code == 0, r.output
    rec = json.loads(r.output)[0]
    assert (rec["avg_hold_time_s"], rec["answered_within_30s_pct"], rec["compliant"]) == (20.0, 100.0, True)
    slow = GOOD.replace("2022-01-03T09:01:00-05:00", "2022-01-03T09:02:41-05:00")  # hold 121 s
    r = runner.invoke(app, ["callcenter", "metrics", "--calls", str(_write(tmp_path, slow, "slow.csv")), "--json"])
    assert r.exit_code == 1
    rec = json.loads(r.output)[0]
    assert rec["avg_hold_time_s"] == 121.0 and rec["failed_standards"] == ["average hold time (s)", "answered within 30 s (%)"]


def test_quarantine_keeps_good_rows(tmp_path: Path) -> None:
    body = GOOD + GOOD + GOOD.replace("c1", "c3").replace("H1416", "X1")
    path = _write(tmp_path, body)
    q = tmp_path / "rejected.csv"
    r = runner.invoke(app, ["callcenter", "metrics", "--calls", str(path), "--quarantine", str(q), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)[0]["calls"] == 1
    lines = q.read_text().splitlines()
    assert len(lines) == 3
    assert lines[1].startswith('"3","call_id","duplicate call_id \'c1\' (first at row 2)"')
    assert lines[2].startswith('"4","contract_id"')


def test_db_and_keys_commands(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'k.db'}"
    r = runner.invoke(app, ["--db", db, "keys", "create", "--name", "ana", "--role", "analyst"])
    assert r.exit_code == 0 and r.output.startswith("pcd_")
    r = runner.invoke(app, ["--db", db, "keys", "create", "--name", "ana", "--role", "analyst"])
    assert r.exit_code == 2 and "already exists" in r.output
    r = runner.invoke(app, ["--db", db, "db", "current"])
    from partcd.platform.store.db import connect, head_revisions

    assert r.output.strip() == head_revisions(connect(db))
    r = runner.invoke(app, ["--db", db, "db", "audit", "--json"])
    assert json.loads(r.output)[0]["entity"] == "api_key/1"
    r = runner.invoke(app, ["--db", "nonsense", "db", "current"])
    assert r.exit_code == 2 and "not a database URL" in r.output


def test_unknown_engine_exit_2(tmp_path: Path) -> None:
    r = runner.invoke(app, ["--engine", "polars", "callcenter", "metrics", "--calls", str(_write(tmp_path, GOOD))])
    assert r.exit_code == 2 and "unknown engine 'polars'" in r.output


def test_error_text_in_brackets_is_printed_verbatim() -> None:
    """Citations like [cms-4185-p L2815] must not be eaten as Rich markup."""
    r = runner.invoke(app, ["params", "show", "callcenter.[bold]x[/bold]"])
    assert r.exit_code == 2
    assert "key '[bold]x[/bold]'" in r.output


def test_cap_and_bcp_also_at_top_level(tmp_path: Path) -> None:
    """Issue 4 names ``partcd cap ...`` and ``partcd bcp ...``: the same groups as under ``partcd compliance``."""
    db = f"sqlite:///{tmp_path / 'c.db'}"
    top = runner.invoke(app, ["--db", db, "cap", "list", "--json"])
    nested = runner.invoke(app, ["--db", db, "compliance", "cap", "list", "--json"])
    assert top.exit_code == nested.exit_code == 0, top.output
    assert json.loads(top.output) == json.loads(nested.output) == []
    assert "Minimum functions, yearly test and training" in runner.invoke(app, ["bcp", "--help"]).output


def test_a_search_for_any_paragraph_never_dead_ends() -> None:
    """Issue 8 item 5: ``partcd params provision`` answers for every paragraph (implemented, planned or out of scope)."""
    r = runner.invoke(app, ["params", "provision", "§ 422.629(k)", "--json"])
    assert r.exit_code == 0, r.output
    found = json.loads(r.output)
    assert found[0]["paragraph"] == "42 CFR 422.629(k)" and found[0]["status"] == "out_of_scope" and found[0]["reason"]
    assert {p["paragraph"] for p in found} >= {"42 CFR 422.629(k)", "42 CFR 422.629(k)(1)"}
    implemented = json.loads(runner.invoke(app, ["params", "provision", "422.166(a)(2)(i)", "--json"]).output)
    assert implemented[0]["status"] == "implemented" and implemented[0]["module"].startswith("partcd.stars.rules.")
    missing = runner.invoke(app, ["params", "provision", "999.1"])
    assert missing.exit_code == 2 and "no such paragraph" in missing.output
