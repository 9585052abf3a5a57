"""``partcd appeals case|queue|universe`` on the global --db: intake, transitions (exit 2 with the citation when the
rule refuses), show, queue without PHI, universes (exit 1 when the self-check finds late cases), notices."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from partcd.platform.cli import app

runner = CliRunner()
CREATE = ["appeals", "case", "create", "--type", "integrated_organization_determination", "--received",
          "2021-03-01T09:00", "--reason", "home health", "--name", "Cli Person", "--mbi", "1EG4-TE5-MK73",
          "--contract", "H1234", "--actor", "ina", "--json"]


def _run(db: str, *args: str) -> tuple[int, str]:
    r = runner.invoke(app, ["--db", db, *args])
    return r.exit_code, r.output


def test_case_lifecycle_queue_and_universe(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    code, out = _run(db, *CREATE)
    assert code == 0, out
    case = json.loads(out)
    assert (case["id"], case["case"]["mbi"], case["timeline"][0]["actor"]) == (1, "1EG4TE5MK73", "ina")
    decide = ["appeals", "case", "transition", "1", "--event", "decide", "--decision", "adverse", "--at",
              "2021-03-03T10:00", "--set", "reduction=true", "--set", "effective_date=2021-03-20", "--version", "1",
              "--actor", "rev", "--json"]
    code, out = _run(db, *decide)  # entered years after the date it gives: the back-dating guard
    assert code == 2 and "backdate_reason" in out and "approved_by" in out
    code, out = _run(db, *decide, "--set", "backdate_reason=paper file keyed late", "--set", "approved_by=rev")
    assert code == 2 and "second person" in out
    code, out = _run(db, *decide, "--set", "backdate_reason=paper file keyed late", "--set", "approved_by=sup")
    assert code == 0, out
    done = json.loads(out)
    assert (done["status"], done["version"]) == ("ADVERSE_NOTICED", 2)
    assert {d["id"]: d["due"] for d in done["deadlines"]}["T14"] == "2021-03-20T23:59:59-04:00"
    # entered in 2026, the case was stored deemed adverse (its deadline had long passed); the approved back-dated
    # decision follows that event in the timeline, which keeps both and when each was recorded
    assert done["timeline"][1] == {**done["timeline"][1], "kind": "deadline_passed", "actor": "system"}
    assert done["timeline"][2] == {**done["timeline"][2], "kind": "decide", "actor": "rev", "at": "2021-03-03T15:00:00+00:00"}
    code, out = _run(db, "appeals", "case", "transition", "1", "--event", "extend", "--at", "2021-03-04T10:00")
    assert code == 2 and "extend is not allowed" in out and "422.631(d)(2)(ii)" in out
    code, out = _run(db, "appeals", "case", "transition", "1", "--event", "review", "--version", "1")
    assert code == 2 and "changed by someone else" in out
    code, out = _run(db, "appeals", "case", "create", "--parent", "1", "--received", "2021-03-08T10:00", "--reason",
                     "appeal", "--json")
    assert code == 0, out
    ir = json.loads(out)
    assert (ir["case_type"], ir["parent_id"], ir["case"]["adverse_notice_date"]) == (
        "integrated_reconsideration", 1, "2021-03-03")
    code, out = _run(db, "appeals", "case", "show", "2", "--json")
    assert code == 0 and json.loads(out)["status"] == "DEEMED_ADVERSE_IR"  # 30 days passed long ago
    code, out = _run(db, "appeals", "queue", "--json")
    assert code == 0
    items = json.loads(out)
    assert [(i["id"], i["bucket"]) for i in items] == [(2, "overdue")]
    assert "Cli Person" not in out and "1EG4TE5MK73" not in out
    code, out = _run(db, "appeals", "universe", "--out", str(tmp_path / "u.xlsx"))
    assert code == 1, out  # the reconsideration missed its deadlines
    assert (tmp_path / "u.xlsx").exists() and "late: RECON case 2" in out
    code, out = _run(db, "appeals", "universe", "--out", str(tmp_path / "od.csv"), "--table", "OD", "--from",
                     "2021-03-01", "--to", "2021-03-31")
    assert code == 0, out
    lines = (tmp_path / "od.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and lines[0].startswith("Enrollee First Name,Enrollee Last Name,Enrollee ID")
    code, out = _run(db, "appeals", "case", "notice", "1", "--kind", "adverse_determination", "--out",
                     str(tmp_path / "n.html"))
    assert code == 2 and "partcd appeals letterhead set --contract H1234" in out  # no letterhead: refused, not blank
    code, out = _run(db, "appeals", "letterhead", "set", "--contract", "H1234", "--plan-name", "Sunrise Health Plan",
                     "--address", "100 Main St / Columbus, OH 43215", "--phone", "1-800-555-0100", "--tty", "711",
                     "--hours", "8 a.m. to 8 p.m., 7 days a week", "--time-zone", "America/New_York")
    assert code == 0, out
    code, out = _run(db, "appeals", "case", "notice", "1", "--kind", "adverse_determination", "--out",
                     str(tmp_path / "n.html"))
    assert code == 0 and 'data-element="continuation_right"' in (tmp_path / "n.html").read_text(encoding="utf-8")
    code, out = _run(db, "appeals", "case", "notice", "1", "--kind", "extension", "--out", str(tmp_path / "x.html"))
    assert code == 2 and "has no extension notice" in out


def test_bad_input_is_one_line_exit_2(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    code, out = _run(db, *[("1SG4TE5MK73" if a == "1EG4-TE5-MK73" else a) for a in CREATE])
    assert code == 2 and "field 'mbi'" in out and "1SG4TE5MK73" not in out
    code, out = _run(db, "appeals", "case", "create", "--type", "partd_exception", "--reason", "x")
    assert code == 2 and "--received is required" in out
    code, out = _run(db, "appeals", "queue", "--bucket", "soon")
    assert code == 2 and "--bucket must be one of" in out
    code, out = _run(db, "appeals", "universe", "--out", str(tmp_path / "u.txt"))
    assert code == 2 and "--out must end in .csv or .xlsx" in out
