"""CLI: `partcd callcenter daily-report`, `partcd cap ...`, `partcd bcp ...` - outputs, exit codes (1 = non-compliance), audit."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from calllog_support import compliant_days, write_log
from partcd.platform.cli import app
from partcd.platform.store.db import connect, session_scope
from partcd.platform.store.tables import AuditEvent

runner = CliRunner()


def _run(db: str, *args: str) -> tuple[int, str]:
    r = runner.invoke(app, ["--db", db, *args], env={"PARTCD_ACTOR": "eryn"})
    return r.exit_code, r.output


def _events(db: str) -> list[tuple[str, str, str]]:
    with session_scope(connect(db)) as s:
        return [(e.action, e.entity_type, e.actor) for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_daily_report_exit_codes(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    log = write_log(tmp_path / "calls.csv")
    code, out = _run(db, "callcenter", "daily-report", "--calls", str(log), "--out", str(tmp_path / "rep"))
    assert code == 1, out
    assert "1 non-compliant contract-day(s)" in out and (tmp_path / "rep" / "daily_report.html").exists()
    code, out = _run(db, "callcenter", "daily-report", "--calls", str(log), "--out", str(tmp_path / "rep2"),
                     "--contract", "H2001",
                     "--no-caps")
    assert code == 0, out
    code, out = _run(db, "callcenter", "daily-report", "--calls", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "x"))
    assert code == 2 and "missing.csv: file not found" in out


def test_cap_lifecycle_from_the_command_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    code, out = _run(db, "cap", "create", "--contract", "H1416", "--parent", "Centene Corporation",
                     "--legal-entity", "HARMONY HEALTH PLAN, INC.", "--issued-on", "2022-01-04",
                     "--cms-contacted-on", "2022-01-04", "--root-cause", "typhoon", "--closure-periods", "3")
    assert code == 0, out
    cap_id = json.loads(out)["cap_id"]
    code, out = _run(db, "cap", "create", "--contract", "H1416", "--parent", "P", "--legal-entity", "L",
                     "--issued-on", "2022-01-04", "--submission-due", "2022-01-10")
    # the letter's date is kept (6 days after issue) and warned about, not refused (issue 13)
    assert code == 0 and "gives 6 calendar days, shorter than the 30 calendar days" in out, out
    short_id = json.loads(out)["cap_id"]
    code, out = _run(db, "cap", "show", str(short_id), "--as-of", "2022-01-05")
    assert code == 0 and "WARNING: submission due 2022-01-10 gives 6 calendar days" in out, out
    code, out = _run(db, "cap", "add-action", str(cap_id), "--description", "hire CSRs", "--owner", "WFM",
                     "--due", "2022-01-20", "--element", "timely_access")
    assert code == 0, out
    action_id = json.loads(out)["action_id"]
    code, out = _run(db, "cap", "show", str(cap_id), "--today", "2022-01-21")
    assert code == 1 and "OVERDUE" in out and "hire CSRs" in out
    code, out = _run(db, "cap", "complete-action", str(action_id), "--on", "2022-01-20", "--evidence", "roster.xlsx")
    assert code == 0, out
    for to in ("submitted", "accepted", "implementing", "monitoring"):
        code, out = _run(db, "cap", "status", str(cap_id), "--to", to, "--on", "2022-01-24")
        assert code == 0, out
    code, out = _run(db, "cap", "status", str(cap_id), "--to", "submitted", "--on", "2022-01-24")
    assert code == 2 and "cannot move to 'submitted'" in out

    # monitoring: 2 compliant weekdays then a non-compliant one -> exit 1, not closable
    bad = write_log(tmp_path / "m1.csv", compliant_days(dt.date(2022, 1, 24), 2)
                    + "".join(f"x{i},H1416,2022-01-26T09:0{i}:00-05:00,2022-01-26T09:0{i}:40-05:00,,"
                              f"2022-01-26T09:0{i}:50-05:00,dropped,false,,false,\n" for i in range(3)))
    code, out = _run(db, "cap", "record-monitoring", str(cap_id), "--calls", str(bad))
    assert code == 1, out
    res = json.loads(out)
    assert (res["added"], res["non_compliant_periods"], res["closure"]["closable"]) == (3, 1, False)
    code, out = _run(db, "cap", "close", str(cap_id), "--on", "2022-01-27")
    assert code == 1 and "cannot close yet" in out and "H1416: 0 of 3" in out
    good = write_log(tmp_path / "m2.csv", compliant_days(dt.date(2022, 1, 27), 3))
    code, out = _run(db, "cap", "record-monitoring", str(cap_id), "--calls", str(good))
    assert code == 0 and json.loads(out)["closure"]["closable"] is True
    code, out = _run(db, "cap", "close", str(cap_id), "--on", "2022-02-01")
    assert code == 0 and json.loads(out) == {"cap_id": cap_id, "status": "closed", "closed_on": "2022-02-01"}
    code, out = _run(db, "cap", "list", "--json", "--parent", "Centene Corporation")
    assert json.loads(out)[0]["status"] == "closed"
    code, out = _run(db, "cap", "past-performance", "--deadline", "2022-02-15", "--parent", "Centene Corporation")
    assert code == 0 and json.loads(out)["counts"] == {"cap": 1}

    events = _events(db)
    assert all(actor == "eryn" for _, _, actor in events)
    assert events.count(("update", "cap", "eryn")) == 5  # four status moves + close
    assert events.count(("create", "cap_monitoring_period", "eryn")) == 6


def test_bcp_commands_and_the_72_hour_rule(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    code, out = _run(db, "bcp", "create-plan", "--org", "Centene", "--label", "v1", "--approved-on", "2021-01-15",
                     "--parts", "C", "--function", "C.enrollment|Enrollment|C|3|72")
    assert code == 0, out
    code, out = _run(db, "bcp", "add-evidence", "--org", "Centene", "--kind", "test", "--on", "2021-12-01",
                     "--description", "failover test", "--record", "t.pdf")
    assert code == 0, out
    code, out = _run(db, "bcp", "incident", "open", "--org", "Centene", "--failure-start", "2022-01-04T09:00:00-05:00",
                     "--detected-at", "2022-01-04T09:15:00-05:00", "--cause", "typhoon", "--activated-bcp")
    assert code == 0, out
    first = json.loads(out)["incident_id"]
    code, out = _run(db, "bcp", "incident", "restore", str(first), "--restored-at", "2022-01-07T08:59:00-05:00")
    assert code == 0, out
    assert json.loads(out)["hours_to_restore"] == 71.98 and json.loads(out)["compliant"] is True
    code, out = _run(db, "bcp", "incident", "open", "--org", "Centene", "--failure-start", "2022-01-04T09:00:00-05:00")
    second = json.loads(out)["incident_id"]
    code, out = _run(db, "bcp", "incident", "restore", str(second), "--restored-at", "2022-01-07T09:01:00-05:00")
    assert code == 1 and json.loads(out)["hours_to_restore"] == 72.02 and "FAILS" in json.loads(out)["verdict"]
    code, out = _run(db, "bcp", "incident", "open", "--org", "Centene", "--failure-start", "2022-01-04T09:00:00")
    assert code == 2 and "needs a UTC offset" in out
    # training never happened: due 2022-01-15 (12 months after approval) -> overdue on 2022-02-01
    code, out = _run(db, "bcp", "check", "--org", "Centene", "--now", "2022-02-01T12:00:00-05:00", "--json")
    assert code == 1
    data = json.loads(out)
    assert "training overdue since 2022-01-15" in data["problems"] and data["restore_limit_h"] == 72
    code, out = _run(db, "bcp", "report", "--org", "Centene", "--out", str(tmp_path / "bcp"), "--now",
                     "2022-02-01T12:00:00-05:00")
    assert code == 1 and (tmp_path / "bcp" / "bcp_report.html").exists()
    kinds = [(a, t) for a, t, _ in _events(db)]
    assert kinds.count(("create", "bcp_function")) == 3 and kinds.count(("update", "bcp_incident")) == 2
