"""Security and reliability findings of issue 9 item 4, driven through the app: hostile uploads, bounds, database
conflicts, web sessions, CSRF, security headers, the login's rate limit. Each test fails on the code before the fix
(a frozen ``/health``, a 500, a cookie that is the API key, a cross-origin post that was processed ...).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from hostile_files import call_log_csv, parquet_bomb, xlsx_bomb

from browser_fixtures import same_origin, sign_in_client
from partcd.appeals.pipelines import cases
from partcd.core.errors import ConfigError
from partcd.platform.auth import create_key, revoke_key
from partcd.platform.server import create_app
from partcd.platform.settings import Settings
from partcd.platform.web import shell
from partcd.platform.web.security import same_origin as same_origin_check

ROLES = ("admin", "analyst", "coordinator", "intake", "viewer", "auditor")
CASE = {"case_type": "integrated_organization_determination", "received": "2021-03-01T09:00:00-05:00",
        "reason": "home health visits", "enrollee_name": "Pat Example", "mbi": "1EG4TE5MK73", "contract_id": "H1234"}
CAP = {"contract_ids": ["H1416"], "parent_organization": "Centene Corporation", "legal_entity": "HARMONY HEALTH PLAN, INC.",
       "issued_on": "2022-05-26"}
PLAN = {"organization": "Centene", "version_label": "v1", "approved_on": "2022-02-01", "parts": ["C"]}
FORECAST = "interval_start,calls_offered,aht_s\n2022-01-03T09:00:00,10,180\n2022-01-03T09:30:00,10,180\n"
#: Upload endpoints that read a call log (path, form field, extra form files).
CALL_LOG_UPLOADS = [
    ("/api/v1/callcenter/metrics", "calls", {}),
    ("/api/v1/callcenter/daily-report", "calls", {}),
    ("/api/v1/callcenter/early-warning?quarter_end=2022-03-31", "calls", {"forecast": ("forecast.csv", FORECAST)}),
]


def _app(tmp: Path, **limits: Any) -> Any:
    return create_app(Settings(db_url=f"sqlite:///{tmp / 'security.db'}", data_dir=tmp, **limits))


def _keys(app: Any) -> dict[str, str]:
    return {role: create_key(app.state.engine, f"{role}-key", role) for role in ROLES}


def _h(keys: dict[str, str], role: str = "admin") -> dict[str, str]:
    return {"X-API-Key": keys[role]}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    app = _app(tmp_path_factory.mktemp("security-api"))
    keys = _keys(app)
    with TestClient(app) as client:
        yield client, keys


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, serve: Callable[[Any], str]) -> tuple[str, dict[str, str]]:
    """A real uvicorn server (the event loop and the worker threads as in production)."""
    app = _app(tmp_path_factory.mktemp("security-live"))
    keys = _keys(app)
    return serve(app), keys


@pytest.fixture(scope="module")
def bomb_5m_rows() -> bytes:
    data = parquet_bomb(5_000_000)
    assert len(data) < 250_000, "the probe's file: 5 M rows in about 216 KB"
    return data


def _health_during(base: str, send: Callable[[], httpx.Response]) -> tuple[httpx.Response, float, list[float]]:
    """Poll ``/health`` every 50 ms while ``send`` runs in a thread: the answer, its seconds, the /health latencies."""
    out: dict[str, Any] = {}

    def upload() -> None:
        t0 = time.perf_counter()
        try:
            out["response"] = send()
        finally:
            out["seconds"] = time.perf_counter() - t0

    worker = threading.Thread(target=upload)
    worker.start()
    latencies: list[float] = []
    with httpx.Client(base_url=base, timeout=60) as client:
        while worker.is_alive() or len(latencies) < 5:
            t0 = time.perf_counter()
            assert client.get("/health").json()["status"] == "ok"
            latencies.append(time.perf_counter() - t0)
            time.sleep(0.05)
    worker.join()
    return out["response"], out["seconds"], latencies


def _post_file(base: str, key: str, path: str, field: str, name: str, data: bytes, timeout: float = 60) -> httpx.Response:
    return httpx.post(base + path, files={field: (name, data)}, headers={"X-API-Key": key}, timeout=timeout)


# --- hostile uploads --------------------------------------------------------------------------------------------


def test_dictionary_parquet_of_5m_rows_is_refused_at_once_and_health_answers(
        live: tuple[str, dict[str, str]], bomb_5m_rows: bytes) -> None:
    """The probe's 216 KB Parquet froze /health for 182 s at 8.9 GB: now 413 from its footer, before any row is read."""
    base, keys = live
    answer, seconds, health = _health_during(
        base, lambda: _post_file(base, keys["analyst"], "/api/v1/callcenter/metrics", "calls", "calls.parquet", bomb_5m_rows))
    assert answer.status_code == 413, answer.text
    assert answer.json() == {"error": "UploadRefused", "file": "calls.parquet", "limit": "upload_max_rows",
                             "message": "calls.parquet has 5,000,000 rows; the limit is 2,000,000"}
    assert seconds < 10 and max(health) < 2.0, (seconds, max(health))


def test_xlsx_zip_bomb_is_refused_at_once_and_health_answers(live: tuple[str, dict[str, str]]) -> None:
    """An .xlsx of ~1.4 MB whose sheet unpacks to 250 MiB (the probe's 4.5 MB bomb froze /health 280 s): 413 from the
    zip directory (the xlsx budget is the 200 MiB byte cap), nothing unpacked."""
    base, keys = live
    bomb = xlsx_bomb(250 * 2**20)
    assert len(bomb) < 2 * 2**20
    answer, seconds, health = _health_during(
        base, lambda: _post_file(base, keys["analyst"], "/api/v1/callcenter/metrics", "calls", "calls.xlsx", bomb))
    assert answer.status_code == 413, answer.text
    body = answer.json()
    assert (body["file"], body["limit"]) == ("calls.xlsx", "upload_max_unpacked_bytes")
    assert body["message"].endswith("the limit is 209,715,200")
    assert seconds < 10 and max(health) < 2.0, (seconds, max(health))


def test_a_slow_parse_runs_off_the_event_loop(live: tuple[str, dict[str, str]]) -> None:
    """60,000 bad rows (7.5 MB, under every cap) take seconds to validate; /health answers meanwhile (before the fix it
    waited for the whole parse: the endpoint was ``async def`` and parsed on the event loop)."""
    base, keys = live
    data = call_log_csv(60_000, bad=True)
    answer, seconds, health = _health_during(
        base, lambda: _post_file(base, keys["analyst"], "/api/v1/callcenter/metrics", "calls", "calls.csv", data))
    assert answer.status_code == 422
    assert answer.json()["pointer"] == {"file": "calls.csv", "row": 2, "field": "call_start"}
    assert seconds > 0.5, "the parse must take long enough to tell"
    assert max(health) < max(0.5 * seconds, 0.25), (seconds, sorted(health)[-3:])


def test_time_limit_answers_503_and_abandoned_work_still_counts(tmp_path: Path) -> None:
    """At the time limit the request answers 503 at once; the parse thread cannot be killed, so it keeps the upload
    worker (``upload_workers`` = 1) until it ends: a second upload waits for it instead of starting a second thread."""
    app = _app(tmp_path, upload_time_limit_s=0.3, upload_workers=1)
    keys = _keys(app)
    _, gate = app.state.upload_workers
    with TestClient(app) as c:
        t0 = time.perf_counter()
        r = c.post("/api/v1/callcenter/metrics", files={"calls": ("calls.csv", call_log_csv(150_000, bad=True))},
                   headers=_h(keys, "analyst"))
        assert r.status_code == 503 and time.perf_counter() - t0 < 5
        assert r.json()["message"].startswith("calls.csv was not processed within the time limit of 0.3 s")
        assert r.headers["retry-after"] == "60"
        assert c.get("/health").status_code == 200
        assert gate.acquire(blocking=False) is False, "the abandoned parse still holds the only worker"
        deadline = time.monotonic() + 60
        while not gate.acquire(blocking=False):
            assert time.monotonic() < deadline, "the abandoned parse ends and gives the worker back"
            time.sleep(0.05)
        gate.release()
        small = c.post("/api/v1/callcenter/staffing", params={"interval_min": 30},
                       files={"forecast": ("forecast.csv", FORECAST)}, headers=_h(keys, "analyst"))
        assert small.status_code == 200 and len(small.json()["intervals"]) == 2


@pytest.mark.parametrize(("path", "field", "extra"), CALL_LOG_UPLOADS)
def test_every_call_log_upload_checks_the_footer(api: tuple[TestClient, dict[str, str]], bomb_5m_rows: bytes, path: str,
                                                 field: str, extra: dict[str, tuple[str, str]]) -> None:
    c, keys = api
    r = c.post(path, files={field: ("calls.parquet", bomb_5m_rows), **extra}, headers=_h(keys))
    assert r.status_code == 413 and r.json()["limit"] == "upload_max_rows", r.text


def test_cap_monitoring_and_star_uploads_check_limits(api: tuple[TestClient, dict[str, str]], bomb_5m_rows: bytes) -> None:
    c, keys = api
    cap_id = c.post("/api/v1/callcenter/caps", json=CAP, headers=_h(keys)).json()["cap"]["cap_id"]
    r = c.post(f"/api/v1/callcenter/caps/{cap_id}/monitoring", files={"calls": ("calls.parquet", bomb_5m_rows)},
               headers=_h(keys))
    assert r.status_code == 413 and r.json()["file"] == "calls.parquet"
    r = c.post("/api/v1/stars/cutpoints", files={"scores": ("scores.parquet", bomb_5m_rows)}, data={"year": "2025"},
               headers=_h(keys))
    assert r.status_code == 413 and r.json()["file"] == "scores.parquet"


def test_dictionary_values_that_decode_to_gigabytes_are_refused(tmp_path: Path) -> None:
    """Under the row cap, but 20,000 rows x one 100 kB dictionary value = 2 GB once decoded (> 1 GiB): 413."""
    app = _app(tmp_path)
    keys = _keys(app)
    data = parquet_bomb(20_000, value_bytes=100_000)
    assert len(data) < 300_000
    with TestClient(app) as c:
        r = c.post("/api/v1/callcenter/metrics", files={"calls": ("calls.parquet", data)}, headers=_h(keys, "analyst"))
    assert r.status_code == 413
    assert r.json()["limit"] == "upload_max_unpacked_bytes" and "1,073,741,824" in r.json()["message"]


def test_byte_row_and_cell_caps(tmp_path: Path) -> None:
    app = _app(tmp_path, upload_max_bytes=2**20, upload_max_rows=1_000, upload_max_cells=5_000)
    keys = _keys(app)
    with TestClient(app) as c:
        big = b"x" * (2**20 + 1)
        r = c.post("/api/v1/callcenter/metrics", files={"calls": ("calls.csv", big)}, headers=_h(keys, "analyst"))
        assert r.status_code == 413 and r.json()["limit"] == "upload_max_bytes"  # declared Content-Length: refused unread

        def chunks() -> Iterator[bytes]:  # no Content-Length: cut off while streaming
            yield b"--b\r\nContent-Disposition: form-data; name=\"calls\"; filename=\"calls.csv\"\r\n\r\n"
            for _ in range(40):
                yield b"y" * 65536

        r = c.post("/api/v1/callcenter/metrics", content=chunks(),
                   headers={**_h(keys, "analyst"), "Content-Type": "multipart/form-data; boundary=b"})
        assert r.status_code == 413 and r.json()["limit"] == "upload_max_bytes"
        r = c.post("/api/v1/callcenter/metrics", files={"calls": ("calls.csv", call_log_csv(1_200))},
                   headers=_h(keys, "analyst"))
        assert r.status_code == 413 and r.json()["message"] == "calls.csv has 1,200 rows; the limit is 1,000"
        r = c.post("/api/v1/callcenter/metrics", files={"calls": ("calls.csv", call_log_csv(600))},
                   headers=_h(keys, "analyst"))
        # 600 rows x 11 columns = 6,600 cells > 5,000
        assert r.status_code == 413 and r.json()["limit"] == "upload_max_cells"
        assert c.get("/health").status_code == 200


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("calls.parquet", b"not a parquet file", "not a readable Parquet file (ArrowInvalid)"),
    ("calls.xlsx", b"PK\x03\x04 not a zip", "not a readable .xlsx file (not a zip archive)"),
])
def test_malformed_upload_names_the_upload_never_a_server_path(api: tuple[TestClient, dict[str, str]], name: str,
                                                               data: bytes, reason: str) -> None:
    """Before: the Parquet error showed '/tmp/tmp.../upload0.parquet' and the .xlsx one was a 500."""
    c, keys = api
    for path, field, extra in CALL_LOG_UPLOADS:
        r = c.post(path, files={field: (name, data), **extra}, headers=_h(keys))
        assert r.status_code == 422, r.text
        assert r.json()["pointer"] == {"file": name, "row": None, "field": None} and r.json()["reason"] == reason
        assert "/tmp" not in r.text and "upload0" not in r.text


# --- bounds -----------------------------------------------------------------------------------------------------


def _api_routes(app: Any) -> list[tuple[str, set[str], Any]]:
    """Every API route of the app (routers included, prefixes applied): path, methods, dependant."""
    return [(ctx.path, set(ctx.methods), ctx.dependant) for ctx in iter_route_contexts(app.routes)
            if isinstance(ctx.original_route, APIRoute)]


def _int_path_routes(app: Any) -> list[tuple[str, str, list[str]]]:
    found = []
    for path, methods, dependant in _api_routes(app):
        ints = [p.name for p in dependant.path_params if p.field_info.annotation is int]
        if ints:
            found.append((sorted(methods)[0], path, ints))
    return found


@pytest.mark.parametrize("bad", [2**63, 2**31, -1, 0])
def test_every_id_in_a_path_is_bounded(api: tuple[TestClient, dict[str, str]], bad: int) -> None:
    """Ids >= 2**63 were a 500 (SQLite: Python int too large); every id path of every router is 1..2**31-1."""
    c, keys = api
    csrf = sign_in_client(c, keys["admin"])  # the web forms' routes check their token first
    routes = _int_path_routes(c.app)
    assert {p for _, p, _ in routes} >= {"/api/v1/appeals/cases/{case_id}", "/api/v1/callcenter/caps/{cap_id}",
                                         "/api/v1/callcenter/bcp/incidents/{incident_id}/restore",
                                         "/api/v1/appeals/overrides/{override_id}/end", "/appeals/cases/{case_id}"}
    for method, path, names in routes:
        url = path
        for name in names:
            url = url.replace("{" + name + "}", str(bad))
        url = re.sub(r"\{[^}]+\}", "x", url)
        if url.startswith("/api/"):
            r = c.request(method, url, headers=_h(keys), json={})
        else:
            r = c.request(method, url, headers=same_origin(c), data={"csrf_token": csrf} if method == "POST" else None)
        assert r.status_code == 422, (method, url, r.status_code)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e9", "1e308", "-1"])
def test_staffing_numbers_are_finite_and_bounded(api: tuple[TestClient, dict[str, str]], value: str) -> None:
    c, keys = api
    for body in (f'{{"calls_per_hour": {value}, "aht_s": 180}}', f'{{"calls_per_hour": 100, "aht_s": {value}}}',
                 f'{{"calls_per_hour": 100, "aht_s": 180, "patience_s": {value}}}'):
        r = c.post("/api/v1/callcenter/staff", content=body, headers={**_h(keys), "Content-Type": "application/json"})
        assert r.status_code == 422, (body, r.status_code)
    r = c.post(f"/api/v1/callcenter/simulate?constant_agents=3&aht_s={value}", files={"forecast": ("f.csv", FORECAST)},
               headers=_h(keys))
    assert r.status_code == 422


def test_staffing_load_and_dates_are_bounded(api: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = api
    # 1,000,000 calls/h x 14,400 s / 3,600 = 4,000,000 Erlangs > 100,000
    r = c.post("/api/v1/callcenter/staff", json={"calls_per_hour": 1e6, "aht_s": 14_400}, headers=_h(keys))
    assert r.status_code == 422 and "Erlangs exceeds" in r.json()["detail"][0]["msg"]
    r = c.post("/api/v1/callcenter/staff", json={"calls_per_hour": 100, "aht_s": 180, "at": "9999-12-31"}, headers=_h(keys))
    assert r.status_code == 422
    ok = c.post("/api/v1/callcenter/staff", json={"calls_per_hour": 100, "aht_s": 180, "at": "2022-06-01"}, headers=_h(keys))
    assert ok.status_code == 200 and ok.json()["agents"] == 8


def test_dates_where_meaningless_are_422(api: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = api
    assert c.post("/api/v1/callcenter/caps", json={**CAP, "issued_on": "9999-12-31"}, headers=_h(keys)).status_code == 422
    assert c.post("/api/v1/appeals/cases", json={**CASE, "received": "9999-12-31T23:59:00-05:00"},
                  headers=_h(keys)).status_code == 422
    assert c.get("/api/v1/callcenter/past-performance", params={"deadline": "9999-12-31"}, headers=_h(keys)).status_code == 422
    assert c.get("/api/v1/appeals/universe", params={"table": "OD", "from": "0001-01-01"}, headers=_h(keys)).status_code == 422
    r = c.post("/api/v1/callcenter/bcp/incidents", json={"organization": "O", "failure_start": "9999-12-31T23:00:00+00:00"},
               headers=_h(keys))
    assert r.status_code == 422


@pytest.mark.parametrize("limit", [-1, 0, 1001])
def test_audit_limit_cannot_bypass_the_cap(api: tuple[TestClient, dict[str, str]], limit: int) -> None:
    c, keys = api
    assert c.get("/api/v1/audit", params={"limit": limit}, headers=_h(keys)).status_code == 422


@pytest.mark.parametrize("version", ["abc", 2**70, -1, True, 1.5])
def test_expected_version_is_a_whole_number(api: tuple[TestClient, dict[str, str]], version: object) -> None:
    c, keys = api
    case_id = c.post("/api/v1/appeals/cases", json=CASE, headers=_h(keys)).json()["id"]
    r = c.post(f"/api/v1/appeals/cases/{case_id}/events", json={"kind": "review", "expected_version": version},
               headers=_h(keys))
    assert r.status_code == 422 and "expected_version" in r.text
    r = c.post("/api/v1/appeals/overrides/1/end", json={"effective_to": "2021-06-30", "expected_version": version},
               headers=_h(keys))
    assert r.status_code == 422
    cap_id = c.post("/api/v1/callcenter/caps", json=CAP, headers=_h(keys)).json()["cap"]["cap_id"]
    r = c.post(f"/api/v1/callcenter/caps/{cap_id}/status", json={"to": "submitted", "on": "2022-06-01",
                                                                 "expected_version": version}, headers=_h(keys))
    assert r.status_code == 422


def test_a_cap_of_150k_contracts_is_refused_at_once(api: tuple[TestClient, dict[str, str]]) -> None:
    """Before: 60 s holding SQLite (a concurrent intake got 'database is locked'); now 422 from the list's bound."""
    c, keys = api
    t0 = time.perf_counter()
    r = c.post("/api/v1/callcenter/caps", json={**CAP, "contract_ids": [f"H{i % 10_000:04d}" for i in range(150_000)]},
               headers=_h(keys))
    assert r.status_code == 422 and time.perf_counter() - t0 < 5
    assert r.json()["detail"][0]["loc"] == ["body", "contract_ids"] and len(r.content) < 1000, "the input is not echoed"
    assert c.post("/api/v1/appeals/cases", json=CASE, headers=_h(keys, "intake")).status_code == 201


def test_json_bodies_are_capped(api: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = api
    r = c.post("/api/v1/appeals/cases", json={**CASE, "reason": "x" * (3 * 2**20)}, headers=_h(keys))
    assert r.status_code == 413 and r.json()["limit"] == "json_max_bytes"


def test_a_domain_model_refusal_inside_a_handler_is_422(tmp_path: Path) -> None:
    """A pydantic model validated inside a handler (not by FastAPI) used to escape as a 500."""
    from pydantic import BaseModel, Field

    class Small(BaseModel):
        n: int = Field(le=5)

    app = _app(tmp_path)

    @app.get("/api/v1/probe-model")
    def probe() -> dict[str, int]:
        return {"n": Small.model_validate({"n": 6}).n}

    with TestClient(app) as c:
        r = c.get("/api/v1/probe-model")
    assert r.status_code == 422 and r.json()["detail"] == [{"type": "less_than_equal", "loc": ["n"],
                                                           "msg": "Input should be less than or equal to 5"}]


def test_bad_limit_settings_are_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARTCD_UPLOAD_MAX_BYTES", "-5")
    with pytest.raises(ConfigError, match="PARTCD_UPLOAD_MAX_BYTES: Input should be greater than or equal to 1"):
        Settings.from_env(db="sqlite://")
    monkeypatch.setenv("PARTCD_UPLOAD_MAX_BYTES", "1048576")
    monkeypatch.setenv("PARTCD_TRUSTED_ORIGINS", "https://partcd.example.org/, https://b.example")
    settings = Settings.from_env(db="sqlite://")
    assert settings.upload_max_bytes == 2**20
    assert settings.trusted_origins == ("https://partcd.example.org", "https://b.example")


def test_duplicate_plan_version_is_409_without_sql_or_values(api: tuple[TestClient, dict[str, str]],
                                                             caplog: pytest.LogCaptureFixture) -> None:
    c, keys = api
    plan = {**PLAN, "organization": "Dup Health"}
    assert c.post("/api/v1/callcenter/bcp/plans", json=plan, headers=_h(keys)).status_code == 201
    with caplog.at_level(logging.DEBUG):
        r = c.post("/api/v1/callcenter/bcp/plans", json=plan, headers=_h(keys))
    assert r.status_code == 409
    assert r.json()["constraint"] == ("UNIQUE constraint failed: bcp_plan_version.organization, "
                                      "bcp_plan_version.version_label")
    logged = caplog.text
    for text in (r.text, logged):
        assert "INSERT" not in text and "Dup Health" not in text


def test_postgres_value_too_long_is_422_without_phi(pg_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A 135-character name does not fit VARCHAR(120): the probe saw the MBI and name in the server log; now the answer
    is 422 and neither the answer nor the log holds them."""
    app = create_app(Settings(db_url=pg_url, data_dir=tmp_path))
    key = create_key(app.state.engine, "intake-key", "intake")
    name = "Zebedee " + "Q" * 127
    with TestClient(app) as c, caplog.at_level(logging.DEBUG):
        r = c.post("/api/v1/appeals/cases", json={**CASE, "enrollee_name": name}, headers={"X-API-Key": key})
    assert r.status_code == 422
    for text in (r.text, caplog.text):
        assert "Zebedee" not in text and CASE["mbi"] not in text


# --- web sessions -----------------------------------------------------------------------------------------------


@pytest.fixture()
def web(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    app = _app(tmp_path, login_failures_per_min=3)
    keys = _keys(app)
    with TestClient(app) as client:
        yield client, keys


def _sessions(client: TestClient) -> list[Any]:
    with client.app.state.engine.connect() as conn:  # type: ignore[attr-defined]
        return list(conn.execute(sa.text("SELECT token_hash, principal, expires_at, revoked_at FROM web_session")))


def test_login_opens_a_server_side_session_not_a_key_cookie(web: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = web
    sign_in_client(c, keys["viewer"])
    token = c.cookies[shell.COOKIE]
    assert token != keys["viewer"] and keys["viewer"] not in str(c.cookies)
    (row,) = _sessions(c)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and row.principal == "viewer-key"
    assert row.revoked_at is None
    lifetime = dt.datetime.fromisoformat(str(row.expires_at)) - dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert dt.timedelta(hours=7, minutes=59) < lifetime <= dt.timedelta(hours=8)
    with c.app.state.engine.connect() as conn:  # type: ignore[attr-defined]
        stored = " ".join(str(v) for r in conn.execute(sa.text("SELECT * FROM audit_event")) for v in r)
    assert token not in stored and row.token_hash not in stored, "the audit log holds neither the token nor its hash"


def test_the_session_cookie_is_httponly_strict_and_secure_over_https(tmp_path: Path) -> None:
    app = _app(tmp_path)
    keys = _keys(app)
    with TestClient(app, base_url="https://testserver") as c:
        form = c.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]*)"', form.text)
        assert token is not None
        r = c.post("/login", data={"api_key": keys["viewer"], "csrf_token": token.group(1)}, headers=same_origin(c),
                   follow_redirects=False)
    cookie = next(v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith(shell.COOKIE + "="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" in cookie and "Max-Age=28800" in cookie
    assert r.headers["strict-transport-security"] == "max-age=31536000"


def test_cookies_do_not_open_the_api(web: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = web
    sign_in_client(c, keys["admin"])
    assert c.get("/").status_code == 200
    assert c.get("/api/v1/me").status_code == 401, "the web session does not authenticate the API"
    fresh = TestClient(c.app)
    fresh.cookies.set("partcd_key", keys["admin"])  # the old cookie carried the raw key
    assert fresh.get("/api/v1/me").status_code == 401
    assert fresh.get("/", follow_redirects=False).headers["location"] == "/login"
    assert c.get("/api/v1/me", headers=_h(keys)).json() == {"name": "admin-key", "role": "admin"}


def test_login_rotates_and_logout_revokes_on_the_server(web: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = web
    sign_in_client(c, keys["viewer"])
    first = c.cookies[shell.COOKIE]
    csrf = sign_in_client(c, keys["viewer"])
    second = c.cookies[shell.COOKIE]
    assert second != first
    replay = TestClient(c.app)
    replay.cookies.set(shell.COOKIE, first)
    assert replay.get("/", follow_redirects=False).status_code == 303, "the previous session was revoked at login"
    r = c.post("/logout", data={"csrf_token": csrf}, headers=same_origin(c), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    replay.cookies.set(shell.COOKIE, second)
    assert replay.get("/", follow_redirects=False).status_code == 303, "logout revoked the session on the server"
    assert [row.revoked_at is not None for row in _sessions(c)] == [True, True]


def test_sessions_expire_and_die_with_their_key(web: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = web
    sign_in_client(c, keys["viewer"])
    assert c.get("/", follow_redirects=False).status_code == 200
    with c.app.state.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(sa.text("UPDATE web_session SET expires_at = :t"), {"t": dt.datetime(2020, 1, 1)})
    assert c.get("/", follow_redirects=False).status_code == 303
    sign_in_client(c, keys["analyst"])
    assert c.get("/", follow_redirects=False).status_code == 200
    revoke_key(c.app.state.engine, "analyst-key")  # type: ignore[attr-defined]
    assert c.get("/", follow_redirects=False).status_code == 303


# --- CSRF, origin, headers, login rate limit ---------------------------------------------------------------------


def test_every_form_handler_checks_the_csrf_token(api: tuple[TestClient, dict[str, str]]) -> None:
    def dependencies(dependant: Any) -> Iterator[Any]:
        for sub in dependant.dependencies:
            yield sub.call
            yield from dependencies(sub)

    posts = [(path, dependant) for path, methods, dependant in _api_routes(api[0].app)
             if "POST" in methods and not path.startswith("/api/") and path != "/login"]
    assert {path for path, _ in posts} >= {"/logout", "/appeals/cases/{case_id}/events/{kind}", "/appeals/new",
                                           "/callcenter/caps/{cap_id}/actions/{action_id}", "/stars"}
    for path, dependant in posts:
        assert shell.require_csrf in set(dependencies(dependant)), path


def test_form_posts_need_the_token_and_the_same_origin(web: tuple[TestClient, dict[str, str]]) -> None:
    """The probe's cross-origin form POST was processed; now the origin check and the token both refuse it."""
    c, keys = web
    engine = c.app.state.engine  # type: ignore[attr-defined]
    case_id = cases.create_case(engine, {**CASE, "received": dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)},
                                actor="ina").id
    csrf = sign_in_client(c, keys["coordinator"])
    url = f"/appeals/cases/{case_id}/events/review"
    form = {"kind": "review", "expected_version": "1", "csrf_token": csrf}
    evil = {"Origin": "https://evil.example"}
    assert c.post(url, data=form, headers=evil, follow_redirects=False).status_code == 403
    assert c.post(url, data=form, headers={"Referer": "https://evil.example/x"}, follow_redirects=False).status_code == 403
    assert c.post(url, data=form, follow_redirects=False).status_code == 403, "neither Origin nor Referer"
    assert c.post(url, data={**form, "csrf_token": "forged"}, headers=same_origin(c),
                  follow_redirects=False).status_code == 403
    assert c.post(url, data={k: v for k, v in form.items() if k != "csrf_token"}, headers=same_origin(c),
                  follow_redirects=False).status_code == 403
    assert cases.get_case(engine, case_id, now=dt.datetime.now(dt.UTC)).version == 1, "nothing was recorded"
    ok = c.post(url, data=form, headers={"Referer": f"{c.base_url}/appeals/cases/{case_id}"}, follow_redirects=False)
    assert ok.status_code == 303 and "error" not in ok.headers["location"]
    assert cases.get_case(engine, case_id, now=dt.datetime.now(dt.UTC)).version == 2
    assert c.post("/logout", data={"csrf_token": csrf}, headers=evil).status_code == 403
    assert c.get("/", follow_redirects=False).status_code == 200, "still signed in"


def test_login_form_has_its_own_token_and_origin_check(web: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = web
    c.get("/login")
    r = c.post("/login", data={"api_key": keys["viewer"], "csrf_token": "guess"}, headers=same_origin(c),
               follow_redirects=False)
    assert r.status_code == 401 and "expired" in r.text and shell.COOKIE not in r.cookies
    r = c.post("/login", data={"api_key": keys["viewer"]}, headers={"Origin": "null"}, follow_redirects=False)
    assert r.status_code == 403


def test_same_origin_rules() -> None:
    def scope(**headers: str) -> dict[str, Any]:
        return {"scheme": "http", "headers": [(b"host", b"127.0.0.1:8000"),
                                              *((k.encode(), v.encode()) for k, v in headers.items())]}

    trusted = ("https://partcd.example.org",)
    assert same_origin_check(scope(origin="http://127.0.0.1:8000"), ())
    assert not same_origin_check(scope(origin="http://127.0.0.1:8001"), ())
    assert not same_origin_check(scope(origin="https://127.0.0.1:8000"), ())  # another scheme is another origin
    assert same_origin_check(scope(origin="https://partcd.example.org"), trusted)
    assert same_origin_check(scope(referer="http://127.0.0.1:8000/appeals/cases/1"), ())
    assert not same_origin_check(scope(origin="https://evil.example", referer="http://127.0.0.1:8000/"), ())
    assert not same_origin_check(scope(origin="null"), ()) and not same_origin_check(scope(), ())


def test_security_headers_on_every_answer(web: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = web
    sign_in_client(c, keys["admin"])
    for path in ("/", "/login", "/law", "/appeals", "/callcenter/caps", "/callcenter/bcp", "/stars", "/health",
                 "/api/v1/me", "/api/v1/law", "/static/partcd.css", "/no-such-page"):
        r = c.get(path, headers=_h(keys) if path.startswith("/api/") else {})
        assert r.headers["x-frame-options"] == "DENY", path
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["referrer-policy"] == "same-origin", path
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0], path
        assert (r.headers.get("cache-control") == "no-store") == (not path.startswith("/static/")), path


def test_web_templates_need_no_inline_code() -> None:
    """The pages' CSP allows no inline script or style: the templates of the web pages (.html) carry none."""
    root = Path(shell.__file__).resolve().parents[2]
    pages = list(root.glob("*/templates/*.html"))
    assert len(pages) >= 10
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), page
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=", text), page


def test_login_is_rate_limited_per_address(web: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = web
    for _ in range(3):
        c.get("/login")
        token = c.cookies[shell.LOGIN_COOKIE]
        r = c.post("/login", data={"api_key": "pcd_wrong", "csrf_token": token}, headers=same_origin(c))
        assert r.status_code == 401 and "That key is not valid." in r.text
    c.get("/login")
    r = c.post("/login", data={"api_key": keys["viewer"], "csrf_token": c.cookies[shell.LOGIN_COOKIE]},
               headers=same_origin(c), follow_redirects=False)
    assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 61
    assert shell.COOKIE not in r.cookies, "a right key does not get through while the address is throttled"


@pytest.mark.browser
def test_pages_run_under_their_csp_in_chromium(live: tuple[str, dict[str, str]], login: Callable[[str, str], Any]) -> None:
    """Real Chromium reports no Content-Security-Policy violation on the dashboard's pages."""
    base, keys = live
    page = login(base, keys["admin"])
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    for path in ("/", "/law", "/appeals", "/callcenter/caps", "/callcenter/bcp", "/stars"):
        answer = page.goto(base + path)
        assert answer is not None and answer.status == 200, path
    assert problems == []
    css = page.evaluate("getComputedStyle(document.querySelector('header')).display")
    assert css == "flex", "the stylesheet loaded"
    page.close()


def test_openapi_and_docs_still_render(api: tuple[TestClient, dict[str, str]]) -> None:
    c, _ = api
    assert c.get("/openapi.json").status_code == 200
    docs = c.get("/docs")
    assert docs.status_code == 200 and "cdn.jsdelivr.net" in docs.headers["content-security-policy"]
