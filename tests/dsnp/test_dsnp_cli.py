"""``partcd dsnp ...``: the compliance lead's commands end to end, exit codes (1 = non-compliance, 2 = bad input with
file/row/field), the audit actor, and no PHI printed outside ``admissions show`` / ``assistance show --phi``."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from partcd.dsnp import samples
from partcd.platform.cli import app
from partcd.platform.store.db import connect, session_scope
from partcd.platform.store.tables import AuditEvent

runner = CliRunner()
MBI = "1EG4TE5MK73"


def _run(db: str, *args: str) -> tuple[int, str]:
    r = runner.invoke(app, ["--db", db, "dsnp", *args], env={"PARTCD_ACTOR": "lee"})
    return r.exit_code, r.output


def _contract(tmp_path: Path, index: int) -> Path:
    data = samples.contracts(2021)[index]
    path = tmp_path / f"contract{index}.json"
    path.write_text(json.dumps(data, default=str), encoding="utf-8")
    return path


def test_contract_checklist_status_and_sanction(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    code, out = _run(db, "contract", "add", "--file", str(_contract(tmp_path, 2)))
    assert code == 0, out
    cid = str(json.loads(out)["contract_row_id"])
    for term in samples.EVIDENCE["H2003"][:-1]:  # everything but the (d) term
        assert _run(db, "contract", "evidence", cid, "--term", term, "--document", "TX SMAC")[0] == 0
    code, out = _run(db, "contract", "status", cid, "--year", "2021", "--json")
    status = json.loads(out)
    assert code == 1 and status["classification"]["integration_level"] == "non_compliant"
    assert status["sanction"]["sanction_mandatory"] is True and status["checklist"]["missing"] == ["d_admission_notification"]
    assert _run(db, "contract", "evidence", cid, "--term", "d_admission_notification", "--document", "TX SMAC amdt 1")[0] == 0
    code, out = _run(db, "contract", "status", cid, "--year", "2021")
    assert code == 0 and "coordination_only" in out and "minimum integration: met" in out
    code, out = _run(db, "contract", "update", cid, "--set", "window_value=5", "--expected-version", "7")
    assert code == 2 and "changed by someone else" in out
    with session_scope(connect(db)) as s:
        actors = {e.actor for e in s.scalars(select(AuditEvent).where(AuditEvent.entity_type.like("dsnp_%")))}
    assert actors == {"lee"}


def test_sanction_alone_and_bad_input(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    code, out = _run(db, "sanction", "--year", "2025", "--integration-not-met")
    assert code == 1 and json.loads(out)["sanction_types"] == ["suspension_of_enrollment"]
    code, out = _run(db, "sanction", "--year", "2026", "--integration-not-met")
    assert code == 0 and json.loads(out)["within_window"] is False
    code, out = _run(db, "sanction", "--year", "2020", "--integration-not-met")
    assert code == 2 and "no parameters in force on 2020-01-01" in out
    code, out = _run(db, "contract", "add", "--file", str(tmp_path / "nope.json"))
    assert code == 2 and "nope.json" in out


def test_cms_list_reconcile_admissions_timeliness_assistance(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    ids = []
    for i in range(3):
        _, out = _run(db, "contract", "add", "--file", str(_contract(tmp_path, i)))
        cid = json.loads(out)["contract_row_id"]
        ids.append(cid)
        for ev in samples.evidence(samples.CONTRACTS[i]["contract_id"]):
            _run(db, "contract", "evidence", str(cid), "--term", ev["term_id"], "--document", ev["document"])
    bad = tmp_path / "bad.csv"
    bad.write_text("Contract Number,Plan ID,State,Integration Status\nH2001,1,MN,FIDE\nH2002,2,NJ,TOTAL\n", encoding="utf-8")
    code, out = _run(db, "cms-list", "import", str(bad), "--year", "2021")
    assert code == 2 and "bad.csv, row 3, field 'integration_status'" in out
    code, out = _run(db, "cms-list", "import", str(samples.write_cms_list(tmp_path / "cms.csv", 2021)), "--year", "2021")
    assert code == 0 and json.loads(out)["rows"] == 4
    code, out = _run(db, "cms-list", "reconcile", "--year", "2021", "--json")
    assert code == 1 and sorted(d["kind"] for d in json.loads(out)["differences"]) == ["aip", "level", "missing_from_partcd"]
    feed = tmp_path / "adt.csv"
    feed.write_text("admission_ref,mbi,setting,admitted_at,plan_aware_at,notified_at,notified_to\n"
                    f"T1,{MBI},hospital,2021-03-01T08:00:00-06:00,2021-03-01T09:00:00-06:00,2021-03-02T09:00:00-06:00,TX HHSC\n"
                    f"T2,{MBI},hospital,2021-03-01T08:00:00-06:00,2021-03-01T09:00:00-06:00,,\n", encoding="utf-8")
    code, out = _run(db, "admissions", "import", str(ids[2]), str(feed), "--now", "2021-03-10T00:00:00-06:00")
    assert code == 0 and json.loads(out) == {"admissions": 2, "owed": 2}
    code, out = _run(db, "timeliness", "--now", "2021-03-10T00:00:00-06:00", "--json")
    [row] = json.loads(out)
    assert code == 1 and (row["summary"]["on_time"], row["summary"]["overdue"]) == (1, 1) and MBI not in out
    code, out = _run(db, "admissions", "notice", "2", "--at", "2021-03-05T09:00", "--to", "TX HHSC")
    assert code == 2 and "--at: needs a UTC offset" in out
    record = tmp_path / "help.json"
    record.write_text(json.dumps({"case_id": "AG-9", "contract_id": "H2003", "plan_benefit_package": "003", "mbi": MBI,
                                  "need_identified_on": "2021-03-01", "need": "home modification"}), encoding="utf-8")
    code, out = _run(db, "assistance", "add", "--file", str(record), "--today", "2021-03-10")
    assert code == 0 and json.loads(out)["status"] == "non_compliant"
    code, out = _run(db, "assistance", "list", "--today", "2021-03-10", "--json")
    assert code == 1 and MBI not in out and "home modification" not in out
    code, out = _run(db, "assistance", "show", "AG-9", "--phi", "--today", "2021-03-10")
    assert code == 0 and json.loads(out)["mbi"] == MBI
