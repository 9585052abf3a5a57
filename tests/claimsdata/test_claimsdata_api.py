"""Claims data over HTTP: 401 without a key, roles per side (sponsor events for analysts, CMS events for reviewers,
the access log for auditors), purpose-limited extracts (403 with the citation, logged), bounded uploads, the page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from browser_fixtures import sign_in_client
from partcd.claimsdata import api as claims_api
from partcd.claimsdata.demo import demo
from partcd.claimsdata.samples import RELEASES, write_files
from partcd.platform.auth import create_key
from partcd.platform.server import create_app
from partcd.platform.settings import Settings

ROLES = ("viewer", "analyst", "reviewer", "auditor", "intake", "admin")
Api = tuple[TestClient, dict[str, dict[str, str]], Path]
REQUEST = {"sponsor": {"sponsor_id": "PDP-ACME", "name": "Acme Drug Plans", "sponsor_type": "PDP",
                       "contract_ids": ["S5601", "S5602"]}, "submitted_on": "2020-01-06"}
ATTEST: dict[str, Any] = {"kind": "attest", "event_date": "2020-01-07", "attestation": {
    "signed_by": "A. Officer", "contractors_bound": True,
    "permitted_uses": ["medication_outcomes", "care_coordination", "health_care_operations_1",
                       "health_care_operations_2", "fraud_abuse_compliance", "required_by_law"],
    "limitations": ["coverage_determinations", "retroactive_indication_reviews", "enrollment_steering", "marketing"]}}


@pytest.fixture()
def api(tmp_path: Path) -> Iterator[Api]:
    app = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'api.db'}", data_dir=tmp_path / "data"))
    keys = {r: {"X-API-Key": create_key(app.state.engine, f"{r}-key", r)} for r in ROLES}
    enrollment, _ = write_files(tmp_path / "in", seed=9, enrollees=150)
    with TestClient(app) as c:
        yield c, keys, enrollment.parent


def _approved(c: TestClient, keys: dict[str, dict[str, str]]) -> int:
    r = c.post("/api/v1/claimsdata/requests", json=REQUEST, headers=keys["analyst"])
    assert r.status_code == 201, r.text
    rid = int(r.json()["id"])
    assert c.post(f"/api/v1/claimsdata/requests/{rid}/events", json=ATTEST, headers=keys["analyst"]).status_code == 200
    r = c.post(f"/api/v1/claimsdata/requests/{rid}/events", json={"kind": "approve", "event_date": "2020-02-03"},
               headers=keys["reviewer"])
    assert r.status_code == 200 and r.json()["status"] == "approved"
    for release in RELEASES:
        assert c.put("/api/v1/claimsdata/releases", json=release.model_dump(mode="json"),
                     headers=keys["reviewer"]).status_code == 200
    return rid


def _build(c: TestClient, keys: dict[str, dict[str, str]], folder: Path, rid: int, role: str = "analyst",
           **form: str) -> Any:
    with (folder / "enrollment.csv").open("rb") as e, (folder / "claims.csv").open("rb") as cl:
        return c.post(f"/api/v1/claimsdata/requests/{rid}/extracts", headers=keys[role],
                      files={"enrollment": ("enrollment.csv", e, "text/csv"), "claims": ("claims.csv", cl, "text/csv")},
                      data={"release_date": "2020-08-15", "purpose": "care_coordination", **form})


def test_every_endpoint_needs_a_key(api: Api) -> None:
    c, _, _ = api
    for method, path in (("get", "/api/v1/claimsdata/purposes"), ("post", "/api/v1/claimsdata/requests"),
                         ("get", "/api/v1/claimsdata/requests"), ("get", "/api/v1/claimsdata/requests/1"),
                         ("post", "/api/v1/claimsdata/requests/1/events"), ("get", "/api/v1/claimsdata/releases"),
                         ("put", "/api/v1/claimsdata/releases"), ("post", "/api/v1/claimsdata/requests/1/extracts"),
                         ("get", "/api/v1/claimsdata/extracts/1?purpose=care_coordination"),
                         ("get", "/api/v1/claimsdata/access-log")):
        assert c.request(method, path, json={} if method in ("post", "put") else None).status_code == 401, path


def test_roles_per_side(api: Api) -> None:
    c, keys, _ = api
    for role in ("viewer", "reviewer", "auditor", "intake"):
        assert c.post("/api/v1/claimsdata/requests", json=REQUEST, headers=keys[role]).status_code == 403, role
    rid = int(c.post("/api/v1/claimsdata/requests", json=REQUEST, headers=keys["analyst"]).json()["id"])
    r = c.post(f"/api/v1/claimsdata/requests/{rid}/events", json=ATTEST, headers=keys["reviewer"])
    assert r.status_code == 403 and "a sponsor event" in r.json()["detail"]
    assert c.post(f"/api/v1/claimsdata/requests/{rid}/events", json=ATTEST, headers=keys["analyst"]).status_code == 200
    r = c.post(f"/api/v1/claimsdata/requests/{rid}/events", json={"kind": "approve", "event_date": "2020-02-03"},
               headers=keys["analyst"])
    assert r.status_code == 403 and "a cms event" in r.json()["detail"]
    for role in ("viewer", "analyst", "reviewer", "auditor", "admin"):
        assert c.get(f"/api/v1/claimsdata/requests/{rid}", headers=keys[role]).status_code == 200, role
    assert c.get(f"/api/v1/claimsdata/requests/{rid}", headers=keys["intake"]).status_code == 403
    assert c.put("/api/v1/claimsdata/releases", json=RELEASES[0].model_dump(mode="json"),
                 headers=keys["analyst"]).status_code == 403
    assert c.get("/api/v1/claimsdata/access-log", headers=keys["analyst"]).status_code == 403
    assert c.get("/api/v1/claimsdata/access-log", headers=keys["auditor"]).status_code == 200


def test_rule_refusals_and_bad_input(api: Api) -> None:
    c, keys, _ = api
    r = c.post("/api/v1/claimsdata/requests", json={**REQUEST, "scope": "subset"}, headers=keys["analyst"])
    assert r.status_code == 409 and "L599" in r.json()["cite"]
    r = c.post("/api/v1/claimsdata/requests", json={**REQUEST, "sponsor": {**REQUEST["sponsor"], "contract_ids": ["X1"]}},
               headers=keys["analyst"])
    assert r.status_code == 422 and r.json()["pointer"]["field"] == "sponsor.contract_ids"
    rid = int(c.post("/api/v1/claimsdata/requests", json=REQUEST, headers=keys["analyst"]).json()["id"])
    r = c.post(f"/api/v1/claimsdata/requests/{rid}/events", json={"kind": "fly"}, headers=keys["analyst"])
    assert r.status_code == 422 and r.json()["field"] == "kind"
    r = c.post(f"/api/v1/claimsdata/requests/{rid}/events", json={"kind": "approve", "event_date": "2020-02-03"},
               headers=keys["reviewer"])
    assert r.status_code == 409 and "allowed from: attested" in r.json()["reason"]
    assert c.get("/api/v1/claimsdata/requests/77", headers=keys["viewer"]).status_code == 422


def test_purpose_limited_extracts_are_logged(api: Api) -> None:
    c, keys, folder = api
    rid = _approved(c, keys)
    r = _build(c, keys, folder, rid)
    assert r.status_code == 201, r.text
    built = r.json()
    assert built["claims_out"] > 0 and built["citation"] == "42 CFR 423.153(g)(3)(ii) [cms-4185-p L3117]"
    assert "beneficiary_name" in built["dropped_columns"] and "enrollee_id" not in str(built.get("output"))
    r = _build(c, keys, folder, rid, purpose="marketing")
    assert r.status_code == 403
    assert r.json()["detail"] == {"error": "purpose_or_access_refused",
                                  "reason": "the data may not be used to inform marketing of benefits",
                                  "cite": "42 CFR 423.153(g)(4)(iv) [cms-4185-p L3135]"}
    r = _build(c, keys, folder, rid, recipient="downstream", bound_by="contractor")
    assert r.status_code == 201  # final text: the contractor binds the downstream recipient
    r = c.get(f"/api/v1/claimsdata/extracts/{built['extract_id']}", params={"purpose": "care_coordination"},
              headers=keys["analyst"])
    assert r.status_code == 200 and r.headers["content-type"] == "application/vnd.apache.parquet"
    r = c.get(f"/api/v1/claimsdata/extracts/{built['extract_id']}", params={"purpose": "enrollment_steering"},
              headers=keys["analyst"])
    assert r.status_code == 403 and "(g)(4)(iii)" in r.json()["detail"]["cite"]
    assert _build(c, keys, folder, rid, role="viewer").status_code == 403  # the role check comes first: not logged
    log = c.get("/api/v1/claimsdata/access-log", params={"request_id": rid}, headers=keys["auditor"]).json()
    assert [(a["action"], a["decision"], a["purpose"]) for a in reversed(log)] == [
        ("build", "permitted", "care_coordination"), ("build", "refused", "marketing"),
        ("build", "permitted", "care_coordination"), ("read", "permitted", "care_coordination"),
        ("read", "refused", "enrollment_steering")]
    assert all(a["actor"] == "analyst-key" and a["role"] == "analyst" for a in log)
    detail = c.get(f"/api/v1/claimsdata/requests/{rid}", headers=keys["viewer"]).json()
    assert [r["release_date"] for r in detail["releases_received"]] == ["2020-08-15", "2020-11-15", "2021-02-15"]
    assert c.get("/api/v1/claimsdata/releases", headers=keys["viewer"]).json()["findings"] == []


def test_uploads_are_bounded_and_named(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    c, keys, folder = api
    rid = _approved(c, keys)
    monkeypatch.setattr(claims_api, "MAX_UPLOAD_BYTES", 1000)
    r = _build(c, keys, folder, rid)
    assert r.status_code == 422 and r.json()["file"] == "enrollment.csv" and "larger than 1000 bytes" in r.json()["reason"]
    monkeypatch.undo()
    (folder / "claims.csv").write_text("claim_id,enrollee_id\nC1,1AA0AA0AA00\n")
    r = _build(c, keys, folder, rid)
    # the first required element missing, in the order of data_elements_table: the dates of service
    assert r.status_code == 422 and r.json()["pointer"] == {"file": "claims.csv", "row": 1, "field": "from_date"}


def test_page_by_role(api: Api) -> None:
    c, keys, _ = api
    rid = _approved(c, keys)
    assert c.get("/claimsdata", follow_redirects=False).headers["location"] == "/login"
    sign_in_client(c, keys["viewer"]["X-API-Key"])
    page = c.get("/claimsdata").text
    assert f'data-request="{rid}"' in page and "2020-08-15" in page and 'id="access-log"' not in page
    assert "never: inform marketing of benefits" in page
    sign_in_client(c, keys["auditor"]["X-API-Key"])
    assert 'id="access-log"' in c.get("/claimsdata").text
    sign_in_client(c, keys["intake"]["X-API-Key"])
    assert c.get("/claimsdata").status_code == 403


def test_demo(tmp_path: Path) -> None:
    result = demo(tmp_path, 2022, "duckdb")
    assert result.headline.startswith("3 requests stored, 3 refused at submission; 3 extracts")
    assert "5 accesses refused with their citation" in result.headline
    html = (tmp_path / "claimsdata" / "index.html").read_text()
    assert "42 CFR 423.153(g)(4)(iv) [cms-4185-p L3135]" in html and "no extract is generated retroactively" in html
    assert "Synthetic Member" not in html and dt.date(2021, 3, 1).isoformat() in html
