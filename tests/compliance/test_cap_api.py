"""HTTP API of CAPs, daily reports and business continuity: roles, 409 on rule refusals, audit actor = key name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from browser_fixtures import sign_in_client
from calllog_support import DAYS, HEADER
from partcd.platform.auth import create_key
from partcd.platform.server import create_app
from partcd.platform.settings import Settings

BASE = "/api/v1/callcenter"


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    app = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'api.db'}", data_dir=tmp_path))
    keys = {role: create_key(app.state.engine, f"{role}-key", role) for role in ("viewer", "analyst", "coordinator", "admin")}
    with TestClient(app) as c:
        yield c, keys


def _h(keys: dict[str, str], role: str) -> dict[str, str]:
    return {"X-API-Key": keys[role]}


def test_cap_flow_roles_and_refusals(client: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = client
    body = {"contract_ids": ["H1416"], "parent_organization": "Centene Corporation",
            "legal_entity": "HARMONY HEALTH PLAN, INC.", "issued_on": "2022-01-04", "closure_compliant_periods": 1}
    assert c.post(f"{BASE}/caps", json=body).status_code == 401
    assert c.post(f"{BASE}/caps", json=body, headers=_h(keys, "viewer")).status_code == 403
    r = c.post(f"{BASE}/caps", json=body, headers=_h(keys, "coordinator"))
    assert r.status_code == 201, r.text
    cap = r.json()["cap"]
    cap_id = cap["cap_id"]
    assert cap["submission_due"] == "2022-02-03" and cap["authorities"][0] == "42 CFR 422.111(h)(1)"
    assert [e["key"] for e in cap["required_elements"]] == ["timely_access", "bcp_72h"]
    assert r.json()["warnings"] == []  # 2022-01-04 + 30 days: no warning
    other = {**body, "contract_ids": ["H9999"], "parent_organization": "Other Parent", "submission_due": "2022-01-10"}
    r = c.post(f"{BASE}/caps", json=other, headers=_h(keys, "analyst"))
    # a letter date 6 days after issue is kept, with the § 422.510(c)(1) warning on the record
    assert r.status_code == 201 and r.json()["cap"]["submission_due"] == "2022-01-10", r.text
    (warning,) = r.json()["warnings"]
    assert "gives 6 calendar days, shorter than the 30 calendar days of 42 CFR 422.510(c)(1)" in warning

    r = c.post(f"{BASE}/caps/{cap_id}/status", json={"to": "monitoring", "on": "2022-01-05"}, headers=_h(keys, "analyst"))
    assert r.status_code == 409 and "cannot move to 'monitoring'" in r.json()["reason"]
    for to in ("submitted", "accepted", "implementing", "monitoring"):
        r = c.post(f"{BASE}/caps/{cap_id}/status", json={"to": to, "on": "2022-01-04"},
                   headers=_h(keys, "analyst"))
        assert r.status_code == 200, r.text
    r = c.post(f"{BASE}/caps/{cap_id}/status", json={"to": "implementing", "on": "2022-01-04", "expected_version": 1},
               headers=_h(keys, "analyst"))
    assert r.status_code == 409 and "changed by someone else" in r.json()["message"]
    r = c.post(f"{BASE}/caps/{cap_id}/actions", json={"required_element": "bcp_72h", "description": "BCP v1",
                                                      "owner": "COO", "due_on": "2022-02-01"}, headers=_h(keys, "analyst"))
    assert r.status_code == 201
    r = c.post(f"{BASE}/caps/actions/{r.json()['action_id']}/complete", json={"done_on": "2022-01-20", "evidence": ["bcp.pdf"]},
               headers=_h(keys, "analyst"))
    assert r.status_code == 200 and r.json()["evidence"] == ["bcp.pdf"]

    files = {"calls": ("calls.csv", HEADER + DAYS, "text/csv")}
    r = c.post(f"{BASE}/caps/{cap_id}/monitoring", files=files, headers=_h(keys, "analyst"))
    assert r.status_code == 200, r.text
    res = r.json()
    # monitoring from 2022-01-04: only the 01-04 period of H1416 counts, and it is non-compliant
    assert (res["added"], res["non_compliant_periods"], res["ignored_contracts"]) == (2, 1, ["H2001"])
    r = c.post(f"{BASE}/caps/{cap_id}/close", json={"on": "2022-01-05"}, headers=_h(keys, "analyst"))
    assert r.status_code == 409 and "H1416: 0 of 1" in r.json()["reason"]
    assert r.json()["details"]["contracts"][0]["last_failure"] == "2022-01-04"

    detail = c.get(f"{BASE}/caps/{cap_id}", params={"today": "2022-01-05"}, headers=_h(keys, "viewer")).json()
    assert len(detail["monitoring"]) == 2 and detail["closure"]["closable"] is False
    assert c.get(f"{BASE}/caps", params={"contract_id": "H1416"}, headers=_h(keys, "viewer")).json()[0]["version"] == 5
    pp = c.get(f"{BASE}/past-performance", params={"deadline": "2022-06-01", "parent_organization": "Centene Corporation"},
               headers=_h(keys, "viewer")).json()
    assert pp["flagged"] is True and pp["counts"] == {"cap": 1}

    audit = c.get("/api/v1/audit", params={"entity_type": "cap"}, headers=_h(keys, "admin")).json()
    assert {e["actor"] for e in audit} == {"coordinator-key", "analyst-key"}
    assert [e["action"] for e in audit].count("update") == 4


def test_daily_report_endpoint(client: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = client
    files = {"calls": ("calls.csv", HEADER + DAYS, "text/csv")}
    r = c.post(f"{BASE}/daily-report", files=files, params={"contract_id": "H1416"}, headers=_h(keys, "analyst"))
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["compliant"] is False and data["breach_days"] == [["H1416", "2022-01-04"]]
    assert [row["avg_hold_time_s"] for row in data["records"]] == [19.2, 150.0]
    bad = {"calls": ("calls.csv", HEADER + "x,H1416,not-a-time,,,,completed,false,,false,\n", "text/csv")}
    r = c.post(f"{BASE}/daily-report", files=bad, headers=_h(keys, "analyst"))
    assert r.status_code == 422 and r.json()["pointer"] == {"file": "calls.csv", "row": 2, "field": "call_start"}


def test_bcp_endpoints_and_72_hours(client: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = client
    r = c.post(f"{BASE}/bcp/plans", json={"organization": "Centene", "version_label": "v1", "approved_on": "2021-06-01",
                                          "parts": ["C", "D"]}, headers=_h(keys, "coordinator"))
    assert r.status_code == 201, r.text
    assert c.post(f"{BASE}/bcp/evidence", json={"organization": "Centene", "kind": "training", "performed_on": "2021-09-01",
                                                "description": "CSR drill"}, headers=_h(keys, "coordinator")).status_code == 201
    r = c.post(f"{BASE}/bcp/incidents", json={"organization": "Centene", "failure_start": "2022-01-04T09:00:00-05:00",
                                              "detected_at": "2022-01-04T10:00:00-05:00"}, headers=_h(keys, "coordinator"))
    inc = r.json()["incident_id"]
    r = c.post(f"{BASE}/bcp/incidents/{inc}/restore", json={"restored_at": "2022-01-07T08:59:00-05:00"},
               headers=_h(keys, "coordinator"))
    assert r.status_code == 200 and (r.json()["hours_to_restore"], r.json()["compliant"]) == (71.98, True)
    assert r.json()["detection_delay_h"] == 1.0
    status = c.get(f"{BASE}/bcp/Centene/status", params={"now": "2022-01-10T00:00:00-05:00"},
                   headers=_h(keys, "viewer")).json()
    assert status["compliant"] is True and len(status["plan"]["functions"]) == 7
    html = c.get(f"{BASE}/bcp/Centene/report", params={"now": "2022-07-01T00:00:00-05:00"}, headers=_h(keys, "viewer"))
    assert html.status_code == 200 and "OVERDUE" in html.text  # the yearly test was due 2022-06-01


def test_web_pages(client: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = client
    assert c.get("/callcenter/caps", follow_redirects=False).status_code == 303
    body = {"contract_ids": ["H1416"], "parent_organization": "Centene Corporation",
            "legal_entity": "HARMONY HEALTH PLAN, INC.", "issued_on": "2022-05-26", "root_causes": ["typhoon"]}
    cap_id = c.post(f"{BASE}/caps", json=body, headers=_h(keys, "analyst")).json()["cap"]["cap_id"]
    c.post(f"{BASE}/bcp/plans", json={"organization": "Centene", "version_label": "v1", "approved_on": "2022-02-01",
                                      "parts": ["C"]}, headers=_h(keys, "analyst"))
    c.cookies.set("partcd_key", keys["viewer"])  # the raw key as a cookie opens nothing (no more key cookies)
    assert c.get("/callcenter/caps", follow_redirects=False).status_code == 303
    sign_in_client(c, keys["viewer"])
    page = c.get("/callcenter/caps", params={"status": "requested"})
    assert page.status_code == 200 and f"/callcenter/caps/{cap_id}" in page.text and "HARMONY HEALTH PLAN, INC." in page.text
    assert 'href="/callcenter/bcp"' in page.text  # NAV
    detail = c.get(f"/callcenter/caps/{cap_id}", params={"today": "2022-06-01"})
    assert detail.status_code == 200 and "timely_access" in detail.text and "Not closable yet" in detail.text
    assert "no action yet" in detail.text and "2022-06-25" in detail.text
    assert "does not exist" in c.get("/callcenter/caps/999").text
    bcp = c.get("/callcenter/bcp")
    assert bcp.status_code == 200 and "Centene" in bcp.text and "restore_essential_functions_max_h" in bcp.text
