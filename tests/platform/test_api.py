"""HTTP API: authentication (401), roles (403), health, the law endpoint, call-center metrics, error shape."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from partcd.platform.auth import create_key
from partcd.platform.server import create_app
from partcd.platform.settings import Settings

CSV_HEADER = ("call_id,contract_id,call_start,ivr_end,answered_at,call_end,end_reason,interpreter_requested,"
              "interpreter_connected_at,tty,tty_connected_at\n")


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings = Settings(db_url=f"sqlite:///{tmp_path / 'api.db'}", data_dir=tmp_path)
    app = create_app(settings)
    keys = {role: create_key(app.state.engine, f"{role}-key", role) for role in ("viewer", "analyst", "admin")}
    with TestClient(app) as c:
        yield c, keys


def test_health_needs_no_key(client: tuple[TestClient, dict[str, str]]) -> None:
    c, _ = client
    r = c.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "version": "0.1.0", "database": "ok"}


def test_no_key_is_401_and_bad_key_is_401(client: tuple[TestClient, dict[str, str]]) -> None:
    c, _ = client
    assert c.get("/api/v1/me").status_code == 401
    assert c.get("/api/v1/me", headers={"X-API-Key": "pcd_not-a-real-key"}).status_code == 401
    assert c.get("/api/v1/law/callcenter").status_code == 401


def test_wrong_role_is_403(client: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = client
    r = c.get("/api/v1/audit", headers={"X-API-Key": keys["viewer"]})
    assert r.status_code == 403
    assert "needs one of: admin" in r.json()["detail"]
    files = {"calls": ("calls.csv", CSV_HEADER, "text/csv")}
    assert c.post("/api/v1/callcenter/metrics", files=files, headers={"X-API-Key": keys["viewer"]}).status_code == 403


def test_roles_and_bearer(client: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = client
    assert c.get("/api/v1/me", headers={"Authorization": f"Bearer {keys['analyst']}"}).json() == \
        {"name": "analyst-key", "role": "analyst"}
    events = c.get("/api/v1/audit", headers={"X-API-Key": keys["admin"]}, params={"entity_type": "api_key"}).json()
    assert sorted(e["after"]["name"] for e in events) == ["admin-key", "analyst-key", "viewer-key"]
    assert all(key not in str(e) for e in events for key in keys.values()), "the audit log never holds a key"
    assert all("key_hash" not in e["after"] for e in events), "nor the hash that verifies it"


def test_law_endpoint_cites(client: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = client
    r = c.get("/api/v1/law/callcenter", params={"at": "2022-05-26"}, headers={"X-API-Key": keys["viewer"]})
    assert r.status_code == 200
    body = r.json()
    assert body["file"] == "2022-01-01.yaml" and body["source_status"] == "compliance-letter"
    hold = body["values"]["avg_hold_time_max_s"]
    assert hold["value"] == 120 and hold["unit"] == "s"
    assert hold["cite"][0]["line"] == 30 and "2 minutes" in hold["cite"][0]["quote"]
    r = c.get("/api/v1/law/callcenter", params={"at": "2021-06-01"}, headers={"X-API-Key": keys["viewer"]})
    assert r.status_code == 422 and "no parameters in force on 2021-06-01" in r.json()["message"]


def test_metrics_upload(client: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = client
    rows = [
        "a1,H1416,2022-01-03T09:00:00-05:00,2022-01-03T09:00:40-05:00,2022-01-03T09:01:10-05:00,2022-01-03T09:05:00-05:00,"
        "completed,false,,false,",
        "a2,H1416,2022-01-03T09:02:00-05:00,2022-01-03T09:02:30-05:00,,2022-01-03T09:03:00-05:00,dropped,false,,false,",
    ]
    files = {"calls": ("jan.csv", CSV_HEADER + "\n".join(rows) + "\n", "text/csv")}
    r = c.post("/api/v1/callcenter/metrics", files=files, headers={"X-API-Key": keys["analyst"]})
    assert r.status_code == 200, r.text
    body = r.json()
    rec = body["records"][0]
    # hold 30 s (exactly the limit counts as within); 1 of 2 queued within 30 s = 50 %; 1 of 2 dropped = 50 %
    assert (rec["calls"], rec["avg_hold_time_s"], rec["answered_within_30s_pct"], rec["disconnect_rate_pct"]) == \
        (2, 30.0, 50.0, 50.0)
    assert body["compliant"] is False
    assert rec["failed_standards"] == ["answered within 30 s (%)", "disconnect rate (%)"]


def test_bad_upload_names_file_row_field(client: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = client
    bad = "b1,H1416,2022-01-03T09:00:00-05:00,2022-01-03T08:59:00-05:00,,2022-01-03T09:05:00-05:00,completed,false,,false,\n"
    files = {"calls": ("feb.csv", CSV_HEADER + bad, "text/csv")}
    r = c.post("/api/v1/callcenter/metrics", files=files, headers={"X-API-Key": keys["analyst"]})
    assert r.status_code == 422
    assert r.json()["pointer"] == {"file": "feb.csv", "row": 2, "field": "ivr_end"}
    assert "ivr_end is before call_start" in r.json()["reason"]


def test_openapi_lists_security(client: tuple[TestClient, dict[str, str]]) -> None:
    c, _ = client
    spec = c.get("/openapi.json").json()
    assert "/api/v1/callcenter/metrics" in spec["paths"]
    assert "APIKeyHeader" in spec["components"]["securitySchemes"]
    assert c.get("/docs").status_code == 200
