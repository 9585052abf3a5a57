"""Appeals HTTP API: 401 without a key, 403 per role, intake -> transitions -> case + timeline, work queue buckets with
real due times, stale edits and illegal transitions (409 with the citation), notices (HTML/PDF), universes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from partcd.platform.auth import create_key
from partcd.platform.server import create_app
from partcd.platform.settings import Settings

NY = ZoneInfo("America/New_York")
ROLES = ("viewer", "analyst", "intake", "reviewer", "coordinator", "auditor", "admin")
BASE: dict[str, Any] = {"reason": "wheelchair repair", "enrollee_name": "Api Tester", "mbi": "1EG4TE5MK73",
                        "contract_id": "H1234"}


@pytest.fixture()
def api(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    app = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'api.db'}", data_dir=tmp_path))
    keys = {r: {"X-API-Key": create_key(app.state.engine, f"{r}-key", r)} for r in ROLES}
    with TestClient(app) as c:
        yield c, keys


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _create(c: TestClient, keys: dict[str, dict[str, str]], role: str = "intake", **kw: Any) -> dict[str, Any]:
    r = c.post("/api/v1/appeals/cases", json={**BASE, **kw}, headers=keys[role])
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def test_every_endpoint_needs_a_key(api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    c, _ = api
    for method, path in (("get", "/api/v1/appeals/queue"), ("get", "/api/v1/appeals/cases/1"),
                         ("post", "/api/v1/appeals/cases"), ("post", "/api/v1/appeals/cases/1/events"),
                         ("get", "/api/v1/appeals/cases/1/timeline"), ("get", "/api/v1/appeals/universe?table=OD"),
                         ("get", "/api/v1/appeals/universe/self-check"),
                         ("get", "/api/v1/appeals/cases/1/notices/acknowledgement")):
        r = c.request(method, path, json={} if method == "post" else None)
        assert r.status_code == 401, (method, path, r.status_code)


def test_roles(api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    c, keys = api
    received = (_now() - dt.timedelta(hours=2)).isoformat()
    body = {**BASE, "case_type": "integrated_organization_determination", "received": received}
    for role in ("viewer", "analyst", "reviewer", "auditor"):
        assert c.post("/api/v1/appeals/cases", json=body, headers=keys[role]).status_code == 403, role
    case = _create(c, keys, "intake", case_type="integrated_organization_determination", received=received)
    cid = case["id"]
    for role in ("viewer", "analyst"):
        assert c.get(f"/api/v1/appeals/cases/{cid}", headers=keys[role]).status_code == 403
        assert c.get("/api/v1/appeals/queue", headers=keys[role]).status_code == 403
    for role in ("intake", "reviewer", "coordinator", "auditor", "admin"):
        assert c.get(f"/api/v1/appeals/cases/{cid}", headers=keys[role]).status_code == 200, role
        assert c.get("/api/v1/appeals/queue", headers=keys[role]).status_code == 200, role
    r = c.post(f"/api/v1/appeals/cases/{cid}/events", json={"kind": "decide", "decision": "favorable"},
               headers=keys["intake"])
    assert r.status_code == 403 and "reviewer" in r.json()["detail"]
    assert c.post(f"/api/v1/appeals/cases/{cid}/events", json={"kind": "review"}, headers=keys["auditor"]).status_code == 403
    assert c.post(f"/api/v1/appeals/cases/{cid}/events", json={"kind": "review"}, headers=keys["intake"]).status_code == 200
    for role in ("intake", "reviewer"):
        assert c.get("/api/v1/appeals/universe?table=OD", headers=keys[role]).status_code == 403
    for role in ("auditor", "coordinator"):
        assert c.get("/api/v1/appeals/universe?table=OD", headers=keys[role]).status_code == 200


def test_intake_to_decision_with_real_due_times(api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    c, keys = api
    received = _now() - dt.timedelta(hours=2)
    partd = _create(c, keys, case_type="partd_coverage_determination", received=received.isoformat(),
                    expedite_requested=True, provider_indicates_jeopardy=True)
    assert partd["status"] == "EXPEDITED_PENDING"
    assert _t(partd["next_due"]) == received + dt.timedelta(hours=24)  # P3
    assert [(d["id"], d["state"]) for d in partd["deadlines"]] == [("P3", "open")]
    assert "423.572(a)" in partd["deadlines"][0]["cite"]
    iod_rec = (_now() - dt.timedelta(days=20)).astimezone(NY)
    iod = _create(c, keys, case_type="integrated_organization_determination", received=iod_rec.isoformat())
    assert iod["status"] == "DEEMED_ADVERSE", iod  # 14 calendar days passed without a decision
    t13 = next(d for d in iod["deadlines"] if d["id"] == "T13")
    due = dt.datetime.combine(iod_rec.date() + dt.timedelta(days=14), dt.time(23, 59, 59), NY)
    assert _t(t13["due"]) == due and t13["state"] == "overdue"
    ig = _create(c, keys, case_type="integrated_grievance", grievance_subject="other",
                 received=(_now() - dt.timedelta(days=5)).isoformat())
    q = c.get("/api/v1/appeals/queue", headers=keys["coordinator"]).json()
    by_id = {i["id"]: i for i in q["items"]}
    assert by_id[partd["id"]]["bucket"] == "due_24h" and by_id[partd["id"]]["obligation_id"] == "P3"
    assert by_id[iod["id"]]["bucket"] == "overdue" and by_id[iod["id"]]["status"] == "DEEMED_ADVERSE"
    # the T29 acknowledgement "upon receiving" is a target, not a deadline (acknowledgement_binding_bool): a missed
    # target is shown on the case but does not make the grievance overdue; the queue shows the T2 resolution
    assert (by_id[ig["id"]]["bucket"], by_id[ig["id"]]["obligation_id"]) == ("later", "T2")
    assert [d["state"] for d in ig["deadlines"] if d["id"] == "T29"] == ["target_missed"]
    assert q["items"][0]["id"] == iod["id"]  # earliest due first
    assert q["counts"]["partd_coverage_determination"]["due_24h"] == 1
    only = c.get("/api/v1/appeals/queue", params={"bucket": "due_24h"}, headers=keys["auditor"]).json()["items"]
    assert [i["id"] for i in only] == [partd["id"]]
    typed = c.get("/api/v1/appeals/queue", params={"case_type": "integrated_grievance"}, headers=keys["auditor"])
    assert [i["id"] for i in typed.json()["items"]] == [ig["id"]]
    by_status = c.get("/api/v1/appeals/queue", params={"status": "DEEMED_ADVERSE"}, headers=keys["auditor"])
    assert [i["id"] for i in by_status.json()["items"]] == [iod["id"]]
    assert "mbi" not in str(q) and "Api Tester" not in str(q)  # the queue carries no PHI
    # decide the Part D case: written notice now -> met
    r = c.post(f"/api/v1/appeals/cases/{partd['id']}/events",
               json={"kind": "decide", "decision": "adverse", "expected_version": 1}, headers=keys["reviewer"])
    assert r.status_code == 200, r.text
    done = r.json()
    assert (done["status"], done["version"], done["next_due"]) == ("DENIED", 2, None)
    assert done["deadlines"][0]["state"] == "met"
    assert [(e["kind"], e["actor"]) for e in done["timeline"]] == [("received", "intake-key"), ("decide", "reviewer-key")]
    # the adverse IOD is appealed: the IR takes the enrollee and the notice facts from it
    ir = c.post(f"/api/v1/appeals/cases?parent_id={iod['id']}", json={"reason": "appeal", "received": _now().isoformat()},
                headers=keys["intake"])
    assert ir.status_code == 201, ir.text
    assert ir.json()["case_type"] == "integrated_reconsideration" and ir.json()["parent_id"] == iod["id"]


def test_stale_and_illegal_transitions_are_409(api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    c, keys = api
    case = _create(c, keys, case_type="integrated_organization_determination",
                   received=(_now() - dt.timedelta(hours=1)).isoformat())
    path = f"/api/v1/appeals/cases/{case['id']}/events"
    assert c.post(path, json={"kind": "review", "expected_version": 1}, headers=keys["reviewer"]).status_code == 200
    stale = c.post(path, json={"kind": "decide", "decision": "favorable", "expected_version": 1}, headers=keys["reviewer"])
    assert stale.status_code == 409 and "changed by someone else" in stale.json()["message"]
    bad = c.post(path, json={"kind": "forward_to_ire"}, headers=keys["coordinator"])
    assert bad.status_code == 409
    assert bad.json()["error"] == "RuleError" and "422.631" in bad.json()["cite"]
    assert "decide" in bad.json()["details"]["allowed"]
    wrong = c.post(path, json={"kind": "decide", "decision": "maybe"}, headers=keys["reviewer"])
    assert wrong.status_code == 422 and wrong.json()["field"] == "decision"
    unknown = c.post(path, json={"kind": "teleport"}, headers=keys["reviewer"])
    assert unknown.status_code == 422
    bad_mbi = c.post("/api/v1/appeals/cases", json={**BASE, "mbi": "123", "case_type": "partd_exception",
                                                   "received": _now().isoformat()}, headers=keys["intake"])
    assert bad_mbi.status_code == 422 and bad_mbi.json()["field"] == "mbi" and "123" not in bad_mbi.json()["message"]


def test_notice_html_and_pdf(api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    c, keys = api
    case = _create(c, keys, case_type="integrated_grievance", grievance_subject="quality_of_care",
                   received=(_now() - dt.timedelta(hours=1)).isoformat())
    r = c.get(f"/api/v1/appeals/cases/{case['id']}/notices/acknowledgement", headers=keys["auditor"])
    assert r.status_code == 409 and "partcd appeals letterhead set --contract H1234" in r.json()["detail"]
    head = {"plan_name": "Sunrise Health Plan", "address": "100 Main St\nColumbus, OH 43215", "phone": "1-800-555-0100",
            "tty": "711", "hours": "8 a.m. to 8 p.m., 7 days a week", "time_zone": "America/New_York"}
    assert c.put("/api/v1/appeals/letterhead/H1234", json=head, headers=keys["admin"]).status_code == 200
    r = c.get(f"/api/v1/appeals/cases/{case['id']}/notices/acknowledgement", headers=keys["auditor"])
    assert r.status_code == 200 and 'data-element="written_acknowledgement"' in r.text
    assert c.get(f"/api/v1/appeals/cases/{case['id']}/notices/extension", headers=keys["auditor"]).status_code == 404
    if shutil.which("chromium") or Path("/usr/bin/chromium").exists():
        pdf = c.get(f"/api/v1/appeals/cases/{case['id']}/notices/acknowledgement?format=pdf", headers=keys["auditor"])
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_universe_csv_and_self_check(api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    c, keys = api
    received = _now() - dt.timedelta(days=4)
    case = _create(c, keys, case_type="partd_coverage_determination", received=received.isoformat())
    late = c.post(f"/api/v1/appeals/cases/{case['id']}/events",
                  json={"kind": "decide", "decision": "favorable", "at": (received + dt.timedelta(hours=80)).isoformat()},
                  headers=keys["reviewer"])
    assert late.status_code == 200 and late.json()["status"] == "APPROVED" and late.json()["case"]["deemed_adverse_at"]
    r = c.get("/api/v1/appeals/universe", params={"table": "CD", "format": "csv"}, headers=keys["auditor"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 1 and rows[0]["Timely (Y/N)"] == "N" and rows[0]["Late By (hours)"] == "8.00"
    assert rows[0]["Request Disposition"] == "Approved" and rows[0]["Obligation ID"] == "P1"
    check = c.get("/api/v1/appeals/universe/self-check", headers=keys["coordinator"]).json()
    assert check["summary"]["CD"] == {"rows": 1, "timely": 0, "untimely": 1, "timely_pct": 0.0, "findings": 1}
    assert check["findings"][0]["late_by"] == "8 h 00 min"
    xlsx = c.get("/api/v1/appeals/universe", params={"table": "CD", "format": "xlsx"}, headers=keys["auditor"])
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
