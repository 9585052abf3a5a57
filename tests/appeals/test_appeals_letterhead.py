"""Notice letterheads: the store on SQLite and PostgreSQL (round trip, audit trail, optimistic locking, bad fields),
the CLI (set / show / list, the refusal naming the command), the API (admin-only PUT, stale versions), the admin web
page (sign-in, CSRF form, 403 for other roles) and a notice refused for a contract without a letterhead."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from browser_fixtures import same_origin, sign_in_client
from partcd.appeals.pipelines import letterhead as lh
from partcd.appeals.store import NoticeLetterhead
from partcd.core.errors import InputError, RuleError
from partcd.platform.auth import create_key
from partcd.platform.cli import app as cli_app
from partcd.platform.server import create_app
from partcd.platform.settings import Settings
from partcd.platform.store import audit
from partcd.platform.store.db import connect, session_scope, upgrade

HEAD: dict[str, Any] = {"contract_id": "H1234", "plan_name": "Sunrise Health Plan",
                        "address": "100 Main St\nColumbus, OH 43215", "phone": "1-800-555-0100", "tty": "711",
                        "hours": "8 a.m. to 8 p.m., 7 days a week", "time_zone": "America/New_York",
                        "languages": ["es", "en"]}


@pytest.fixture()
def engine(db_url: str) -> sa.Engine:
    eng = connect(db_url)
    upgrade(eng)
    return eng


def test_round_trip_audit_and_optimistic_locking(engine: sa.Engine) -> None:
    assert lh.get_letterhead(engine, "H1234") is None
    first = lh.set_letterhead(engine, HEAD, actor="admin-1", now=dt.datetime(2026, 12, 1, 15, tzinfo=dt.UTC))
    assert (first.version, first.languages, first.updated_by) == (1, ("en", "es"), "admin-1")  # en first
    got = lh.get_letterhead(engine, "h1234")
    assert got is not None and got.address == "100 Main St\nColumbus, OH 43215" and got.time_zone == "America/New_York"
    second = lh.set_letterhead(engine, {**HEAD, "phone": "1-800-555-0199"}, actor="admin-2", expected_version=1)
    assert (second.version, second.phone, second.updated_by) == (2, "1-800-555-0199", "admin-2")
    with pytest.raises(RuleError, match="changed by someone else"):
        lh.set_letterhead(engine, {**HEAD, "phone": "1-800-555-0111"}, actor="admin-3", expected_version=1)
    stored = lh.get_letterhead(engine, "H1234")
    assert stored is not None and stored.phone == "1-800-555-0199" and stored.version == 2  # the stale write changed nothing
    with session_scope(engine, read_only=True) as s:
        events = audit.history(s, "notice_letterhead", str(first.id))
        assert [e.action for e in events] == ["create", "update"]
        assert events[1].actor == "admin-2" and events[1].after["phone"] == "1-800-555-0199"
        assert s.scalar(sa.select(sa.func.count()).select_from(NoticeLetterhead)) == 1
    lh.set_letterhead(engine, {**HEAD, "contract_id": "H0001", "languages": ["en"]}, actor="admin-1")
    assert [h.contract_id for h in lh.list_letterheads(engine)] == ["H0001", "H1234"]


@pytest.mark.parametrize(("change", "field"), [
    ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ({"languages": ["es"]}, "languages"),
    ({"languages": ["en", "Spanish!"]}, "languages"),
    ({"contract_id": "1234"}, "contract_id"),
    ({"phone": ""}, "phone"),
    ({"hours": "   "}, "hours"),
    ({"hours_translations": {"zh": "8-20"}}, "hours_translations"),  # not one of the contract's languages
    ({"hours_translations": {"es": " "}}, "hours_translations"),
])
def test_bad_fields_are_refused_by_name(engine: sa.Engine, change: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as err:
        lh.set_letterhead(engine, {**HEAD, **change}, actor="admin")
    assert err.value.field.startswith(field)
    assert lh.list_letterheads(engine) == []


def test_missing_letterhead_names_the_command(engine: sa.Engine) -> None:
    with pytest.raises(lh.LetterheadMissing, match=r"partcd appeals letterhead set --contract H9999 --plan-name"):
        lh.require_letterhead(engine, "H9999")


def _run(db: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli_app, ["--db", db, *args])
    return result.exit_code, result.output


def test_cli_set_show_list(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    code, out = _run(db, "appeals", "letterhead", "show", "--contract", "H1234")
    assert code == 2 and "partcd appeals letterhead set --contract H1234" in out
    code, out = _run(db, "appeals", "letterhead", "set", "--contract", "H1234", "--plan-name", "Sunrise Health Plan")
    assert code == 2 and "--address, --phone, --tty, --hours, --time-zone" in out  # a new letterhead needs every field
    code, out = _run(db, "appeals", "letterhead", "set", "--contract", "h1234", "--plan-name", "Sunrise Health Plan",
                     "--address", "100 Main St / Columbus, OH 43215", "--phone", "1-800-555-0100", "--tty", "711",
                     "--hours", "8 a.m. to 8 p.m., 7 days a week", "--time-zone", "America/New_York",
                     "--language", "es", "--hours-in", "es=de 8 a.m. a 8 p.m., los 7 días de la semana", "--actor",
                     "ops-admin", "--json")
    assert code == 0, out
    saved = json.loads(out)[0]
    assert saved["address"] == "100 Main St\nColumbus, OH 43215" and saved["languages"] == ["en", "es"]
    assert saved["hours_translations"] == {"es": "de 8 a.m. a 8 p.m., los 7 días de la semana"}
    code, out = _run(db, "appeals", "letterhead", "set", "--contract", "H1234", "--tty", "1-800-555-0101",
                     "--expected-version", "1", "--json")
    assert code == 0 and json.loads(out)[0]["tty"] == "1-800-555-0101" and json.loads(out)[0]["version"] == 2
    assert json.loads(out)[0]["languages"] == ["en", "es"]  # kept when --language is not given
    assert json.loads(out)[0]["hours_translations"] == {"es": "de 8 a.m. a 8 p.m., los 7 días de la semana"}
    code, out = _run(db, "appeals", "letterhead", "set", "--contract", "H1234", "--hours-in", "es", "--expected-version", "2")
    assert code == 2 and "--hours-in: expected LANGUAGE=HOURS" in out
    code, out = _run(db, "appeals", "letterhead", "set", "--contract", "H1234", "--tty", "711", "--expected-version", "1")
    assert code == 2 and "changed by someone else" in out
    code, out = _run(db, "appeals", "letterhead", "list", "--json")
    assert code == 0 and [h["contract_id"] for h in json.loads(out)] == ["H1234"]
    code, out = _run(db, "appeals", "letterhead", "set", "--contract", "H1234", "--time-zone", "Eastern",
                     "--expected-version", "2")
    assert code == 2 and "time_zone" in out


ROLES = ("intake", "reviewer", "coordinator", "auditor", "admin")


@pytest.fixture()
def api(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    app = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'api.db'}", data_dir=tmp_path))
    keys = {r: create_key(app.state.engine, f"{r}-key", r) for r in ROLES}
    with TestClient(app) as c:
        yield c, keys


def test_api_put_is_admin_only(api: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = api
    body = {k: v for k, v in HEAD.items() if k != "contract_id"}
    url = "/api/v1/appeals/letterhead/H1234"
    assert c.put(url, json=body).status_code == 401
    for role in ("intake", "reviewer", "coordinator", "auditor"):
        assert c.put(url, json=body, headers={"X-API-Key": keys[role]}).status_code == 403, role
    missing = c.get(url, headers={"X-API-Key": keys["auditor"]})
    assert missing.status_code == 404 and "partcd appeals letterhead set --contract H1234" in missing.json()["detail"]
    admin = {"X-API-Key": keys["admin"]}
    created = c.put(url, json=body, headers=admin)
    assert created.status_code == 200 and created.json()["version"] == 1 and created.json()["languages"] == ["en", "es"]
    got = c.get(url, headers={"X-API-Key": keys["auditor"]})
    assert got.status_code == 200 and got.json()["plan_name"] == "Sunrise Health Plan"
    assert c.put(url, json={**body, "tty": "TTY 711"}, headers=admin).status_code == 409  # no expected_version
    changed = c.put(url, json={**body, "tty": "TTY 711", "expected_version": 1}, headers=admin)
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = c.put(url, json={**body, "tty": "711", "expected_version": 1}, headers=admin)
    assert stale.status_code == 409 and "changed by someone else" in stale.json()["message"]
    bad = c.put("/api/v1/appeals/letterhead/H0001", json={**body, "time_zone": "Nowhere/City"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["field"] == "time_zone"
    assert c.put("/api/v1/appeals/letterhead/h12", json=body, headers=admin).status_code == 422
    listed = c.get("/api/v1/appeals/letterhead", headers={"X-API-Key": keys["intake"]})
    assert [h["contract_id"] for h in listed.json()] == ["H1234"]


def test_admin_web_page(tmp_path: Path) -> None:
    app = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'web.db'}", data_dir=tmp_path))
    admin_key = create_key(app.state.engine, "admin-web", "admin")
    coordinator_key = create_key(app.state.engine, "coord-web", "coordinator")
    with TestClient(app) as c:
        assert c.get("/appeals/letterhead", follow_redirects=False).status_code == 303  # to the login page
        sign_in_client(c, coordinator_key)
        assert c.get("/appeals/letterhead").status_code == 403
    with TestClient(app) as c:
        csrf = sign_in_client(c, admin_key)
        page = c.get("/appeals/letterhead")
        assert page.status_code == 200 and "No letterhead yet." in page.text and 'id="letterhead-form"' in page.text
        form = {"contract_id": "H1234", "plan_name": "Sunrise Health Plan", "address": "100 Main St\r\nColumbus, OH 43215",
                "phone": "1-800-555-0100", "tty": "711", "hours": "8 a.m. to 8 p.m., 7 days a week",
                "time_zone": "America/New_York", "languages": "en, es",
                "hours_translations": "es=de 8 a.m. a 8 p.m., los 7 días de la semana\r\n"}
        refused = c.post("/appeals/letterhead", data=form, headers=same_origin(c), follow_redirects=False)
        assert refused.status_code == 403  # no CSRF token
        done = c.post("/appeals/letterhead", data={**form, "csrf_token": csrf}, headers=same_origin(c),
                      follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == "/appeals/letterhead/H1234?saved=true"
        edit = c.get(done.headers["location"])
        assert "Saved (version 1)" in edit.text and 'name="expected_version" value="1"' in edit.text
        assert re.search(r'<td>100 Main St<br>Columbus, OH 43215</td>', edit.text)
        assert "es=de 8 a.m. a 8 p.m., los 7 días de la semana" in edit.text  # the form shows the Spanish hours
        again = c.post("/appeals/letterhead", data={**form, "csrf_token": csrf, "tty": "1-800-555-0101",
                                                    "expected_version": "1"}, headers=same_origin(c), follow_redirects=False)
        assert again.status_code == 303 and "saved=true" in again.headers["location"]
        stale = c.post("/appeals/letterhead", data={**form, "csrf_token": csrf, "expected_version": "1"},
                       headers=same_origin(c), follow_redirects=False)
        assert stale.status_code == 303 and "changed%20by%20someone%20else" in stale.headers["location"]
        bad = c.post("/appeals/letterhead", data={**form, "csrf_token": csrf, "contract_id": "H0002",
                                                  "time_zone": "Mars/Base"}, headers=same_origin(c), follow_redirects=False)
        assert bad.status_code == 303 and "time_zone" in bad.headers["location"]
        assert "time_zone" in c.get(bad.headers["location"]).text
    stored = lh.get_letterhead(app.state.engine, "H1234")
    assert stored is not None and stored.tty == "1-800-555-0101" and stored.version == 2 and stored.updated_by == "admin-web"
    assert stored.hours_translations == {"es": "de 8 a.m. a 8 p.m., los 7 días de la semana"}
