"""D-SNP HTTP API: 401 without a key, 403 per role, contracts -> evidence -> plan-year status, CMS upload and
reconciliation, admissions (PHI only for coordinator and auditor), 422 with the pointer for bad input, 409 for a
stale version or a rule refusal."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from partcd.dsnp import samples
from partcd.platform.auth import create_key
from partcd.platform.server import create_app
from partcd.platform.settings import Settings

ROLES = ("viewer", "analyst", "intake", "reviewer", "coordinator", "auditor", "admin")
MBI = "1EG4TE5MK73"
Keys = dict[str, dict[str, str]]


@pytest.fixture()
def api(tmp_path: Path) -> Iterator[tuple[TestClient, Keys]]:
    app = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'api.db'}", data_dir=tmp_path))
    keys = {r: {"X-API-Key": create_key(app.state.engine, f"{r}-key", r)} for r in ROLES}
    with TestClient(app) as c:
        yield c, keys


def _contract(c: TestClient, keys: Keys, index: int) -> dict[str, Any]:
    body = json.loads(json.dumps(samples.contracts(2021)[index], default=str))
    r = c.post("/api/v1/dsnp/contracts", json=body, headers=keys["analyst"])
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    for ev in samples.evidence(out["contract_id"]):
        assert c.post(f"/api/v1/dsnp/contracts/{out['id']}/evidence", json=ev, headers=keys["coordinator"]).status_code == 201
    return out


def test_authentication_and_roles(api: tuple[TestClient, Keys]) -> None:
    c, keys = api
    assert c.get("/api/v1/dsnp/contracts").status_code == 401
    body = json.loads(json.dumps(samples.contracts(2021)[0], default=str))
    assert c.post("/api/v1/dsnp/contracts", json=body, headers=keys["viewer"]).status_code == 403
    assert c.post("/api/v1/dsnp/contracts", json=body, headers=keys["intake"]).status_code == 403
    assert c.get("/api/v1/dsnp/contracts", headers=keys["viewer"]).json() == []


def test_contract_status_and_stale_update(api: tuple[TestClient, Keys]) -> None:
    c, keys = api
    mn = _contract(c, keys, 0)
    r = c.get(f"/api/v1/dsnp/contracts/{mn['id']}/status", params={"year": 2021}, headers=keys["viewer"])
    assert r.status_code == 200
    status = r.json()
    assert (status["classification"]["integration_level"], status["classification"]["is_applicable_integrated_plan"],
            status["checklist"]["complete"], status["integration"]["met_by"]) == ("FIDE", True, True, ["hide", "fide"])
    r = c.patch(f"/api/v1/dsnp/contracts/{mn['id']}", json={"changes": {"notice_method": "fax"}, "expected_version": 1},
                headers=keys["coordinator"])
    assert r.status_code == 200 and r.json()["version"] == 2
    r = c.patch(f"/api/v1/dsnp/contracts/{mn['id']}", json={"changes": {"notice_method": "HIE"}, "expected_version": 1},
                headers=keys["coordinator"])
    assert r.status_code == 409 and "changed by someone else" in r.json()["message"]
    r = c.post("/api/v1/dsnp/contracts", json={**json.loads(json.dumps(samples.contracts(2021)[1], default=str)),
                                               "state": "New Jersey"}, headers=keys["analyst"])
    assert r.status_code == 422
    r = c.get(f"/api/v1/dsnp/contracts/{mn['id']}/status", params={"year": 2019}, headers=keys["viewer"])
    assert r.status_code == 422


def test_cms_upload_reconciliation_and_bad_row_pointer(api: tuple[TestClient, Keys], tmp_path: Path) -> None:
    c, keys = api
    for i in range(3):
        _contract(c, keys, i)
    bad = "Contract Number,Plan ID,State,Integration Status\nH2001,1,MN,FIDE\nH2002,x,NJ,HIDE\n"
    r = c.post("/api/v1/dsnp/cms-list/2021", files={"file": ("cms-2021.csv", bad, "text/csv")}, headers=keys["analyst"])
    assert r.status_code == 422
    assert r.json()["pointer"] == {"file": "cms-2021.csv", "row": 3, "field": "plan_benefit_package"}
    good = samples.write_cms_list(tmp_path / "cms.csv", 2021).read_bytes()
    r = c.post("/api/v1/dsnp/cms-list/2021", files={"file": ("cms-2021.csv", good, "text/csv")}, headers=keys["analyst"])
    assert r.status_code == 201 and r.json() == {"year": 2021, "rows": 4, "replaced": 0, "source_file": "cms-2021.csv"}
    rec = c.get("/api/v1/dsnp/reconciliation/2021", headers=keys["viewer"]).json()
    assert sorted((d["key"], d["kind"]) for d in rec["differences"]) == [
        ("H2001-001 MN", "aip"), ("H2002-002 NJ", "level"), ("H2999-001 WI", "missing_from_partcd")]


def test_admissions_phi_only_for_coordinator_and_auditor(api: tuple[TestClient, Keys]) -> None:
    c, keys = api
    nj = _contract(c, keys, 1)  # 48 hours from the admission, shown in the contract zone (America/Chicago)
    body = {"admission_ref": "NJ-1", "mbi": MBI, "setting": "hospital", "admitted_at": "2021-03-01T10:00:00-05:00"}
    url = f"/api/v1/dsnp/contracts/{nj['id']}/admissions"
    assert c.post(url, json=body, headers=keys["viewer"]).status_code == 403
    r = c.post(url, json=body, params={"now": "2021-03-02T00:00:00-05:00"}, headers=keys["intake"])
    assert r.status_code == 201 and r.json()["notice"]["due"] == "2021-03-03T09:00:00-06:00" and MBI not in r.text
    adm = r.json()["id"]
    listed = c.get("/api/v1/dsnp/admissions", params={"now": "2021-03-04T00:00:00-05:00"}, headers=keys["viewer"])
    assert listed.status_code == 200 and MBI not in listed.text and listed.json()[0]["notice"]["state"] == "overdue"
    assert c.get(f"/api/v1/dsnp/admissions/{adm}", headers=keys["viewer"]).status_code == 403
    assert c.get(f"/api/v1/dsnp/admissions/{adm}", headers=keys["auditor"]).json()["mbi"] == MBI
    r = c.post(f"/api/v1/dsnp/admissions/{adm}/notice", json={"notified_at": "2021-03-03T09:00:00-05:00",
                                                              "notified_to": "NJ DMAHS", "expected_version": 1},
               params={"now": "2021-03-04T00:00:00-05:00"}, headers=keys["coordinator"])
    assert r.status_code == 200 and r.json()["notice"]["state"] == "on_time"
    r = c.post(url, json={**body, "admission_ref": "NJ-2", "mbi": "not-an-mbi"}, headers=keys["intake"])
    assert r.status_code == 422 and "not-an-mbi" not in r.text
    t = c.get("/api/v1/dsnp/timeliness", params={"now": "2021-03-04T00:00:00-05:00"}, headers=keys["viewer"]).json()
    assert t[0]["summary"]["on_time_pct"] == 100.0


def test_assistance_records(api: tuple[TestClient, Keys]) -> None:
    c, keys = api
    record = {"case_id": "AG-1", "contract_id": "H2003", "plan_benefit_package": "003", "mbi": MBI,
              "need_identified_on": "2021-03-01", "need": "home modification", "offered_on": "2021-03-01",
              "methods_offered": ["telephone", "in_person"], "response": "accepted", "response_on": "2021-03-01"}
    assert c.post("/api/v1/dsnp/assistance", json=record, headers=keys["viewer"]).status_code == 403
    r = c.post("/api/v1/dsnp/assistance", json=record, params={"today": "2021-03-10"}, headers=keys["reviewer"])
    assert r.status_code == 201 and r.json()["check"]["status"] == "non_compliant"
    r = c.patch("/api/v1/dsnp/assistance/AG-1", json={"changes": {"provided_on": "2021-03-03",
                                                                  "kinds_provided": ["A3_make_contact"]}, "expected_version": 1},
                params={"today": "2021-03-10"}, headers=keys["coordinator"])
    assert r.status_code == 200 and r.json()["check"]["status"] == "compliant"
    listed = c.get("/api/v1/dsnp/assistance", params={"today": "2021-03-10"}, headers=keys["viewer"])
    assert MBI not in listed.text and "home modification" not in listed.text
    assert c.get("/api/v1/dsnp/assistance/AG-1/phi", headers=keys["viewer"]).status_code == 403
    assert c.get("/api/v1/dsnp/assistance/AG-1/phi", headers=keys["coordinator"]).json()["need"] == "home modification"
    r = c.post("/api/v1/dsnp/assistance", json={**record, "case_id": "AG-2", "offered_on": "2021-02-01"},
               params={"today": "2021-03-10"}, headers=keys["reviewer"])
    assert r.status_code == 409 and "before the plan became aware" in r.json()["message"]
