"""State-specific, more protective timeframes per contract (42 CFR 422.629(c), spec D-19) on SQLite and PostgreSQL:
stored and audited, checked against the clock engine (a less protective one is refused), pinned to the cases received
while in force (case view, queue, notices, universe self-check follow), ended for later receipts; API roles, CLI.

Hand arithmetic (America/New_York; the receipt day is day 0, a day limit ends at 23:59:59 local):
- grievance received Mon 2021-03-01 09:00 EST: federal T2 = 30 cd -> 2021-03-31 23:59:59 EDT;
  the State's 10 cd -> 2021-03-11 23:59:59 EST (16:59:59 UTC + 5 h = 2021-03-12T04:59:59Z);
- received 2021-03-15 (last day the override is in force) -> + 10 cd = 2021-03-25 23:59:59 EDT;
- received 2021-03-16 (after the end) -> federal + 30 cd = 2021-04-15 23:59:59 EDT.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from partcd.appeals.pipelines import cases as ac
from partcd.appeals.pipelines import universes as uni
from partcd.appeals.store import AppealCase
from partcd.core.errors import InputError, RuleError
from partcd.platform.auth import create_key
from partcd.platform.cli import app as cli_app
from partcd.platform.server import create_app
from partcd.platform.settings import Settings
from partcd.platform.store import audit
from partcd.platform.store.db import connect, session_scope, upgrade

NY = ZoneInfo("America/New_York")
REC = dt.datetime(2021, 3, 1, 9, 0, tzinfo=NY)
OHIO: dict[str, Any] = {"contract_id": "H1234", "timeframe_id": "T2", "duration_value": 10,
                        "duration_unit": "calendar_days", "state": "OH",
                        "citation": "Ohio MyCare three-way contract, appendix K (grievances)",
                        "source_text": "resolve standard grievances within 10 calendar days",
                        "effective_from": dt.date(2021, 1, 1)}


def _grievance(received: dt.datetime, contract: str = "H1234") -> dict[str, Any]:
    return {"case_type": "integrated_grievance", "received": received, "reason": "late transport",
            "enrollee_name": "Ohio Member", "mbi": "1EG4TE5MK73", "contract_id": contract, "grievance_subject": "other"}


def _due(view: ac.CaseView, ob_id: str) -> dt.datetime:
    return next(d.due for d in view.deadlines if d.id == ob_id)


@pytest.fixture()
def engine(db_url: str) -> sa.Engine:
    eng = connect(db_url)
    upgrade(eng)
    return eng


def test_migration_creates_the_table(engine: sa.Engine) -> None:
    assert "contract_clock_override" in sa.inspect(engine).get_table_names()


def test_state_limit_replaces_the_federal_one_and_is_recorded_on_the_case(engine: sa.Engine) -> None:
    o = ac.set_override(engine, OHIO, actor="coord", now=REC - dt.timedelta(days=1))
    assert (o.id, o.iso, o.version, o.created_by) == (1, "P10D", 1, "coord")
    ohio = ac.create_case(engine, _grievance(REC), actor="ina", now=REC + dt.timedelta(minutes=5))
    other = ac.create_case(engine, _grievance(REC, contract="H9999"), actor="ina", now=REC + dt.timedelta(minutes=5))
    assert _due(ohio, "T2") == dt.datetime(2021, 3, 11, 23, 59, 59, tzinfo=NY)
    assert _due(ohio, "T2").astimezone(dt.UTC) == dt.datetime(2021, 3, 12, 4, 59, 59, tzinfo=dt.UTC)
    assert _due(other, "T2") == dt.datetime(2021, 3, 31, 23, 59, 59, tzinfo=NY)  # federal 30 calendar days
    assert _due(ohio, "T29") == _due(other, "T29")  # only T2 is overridden
    # the case records which override, which State, which source
    data = ohio.to_dict()
    t2 = next(d for d in data["deadlines"] if d["id"] == "T2")
    assert t2["state_override"] == {"id": o.id, "timeframe_id": "T2", "duration": "P10D", "state": "OH",
                                    "citation": OHIO["citation"]}
    assert next(d for d in data["deadlines"] if d["id"] == "T29")["state_override"] is None
    assert [x["state"] for x in data["state_overrides"]] == ["OH"]
    assert other.to_dict()["state_overrides"] == []
    obs = {ob.id: ob for ob in ac.obligations_of(ohio)}
    assert obs["T2"].state_override == "P10D" and obs["T2"].params_used["state_override_state"] == "OH"
    assert obs["T2"].params_used["grievance_resolution_calendar_days"] == 10 and obs["T29"].state_override is None
    with session_scope(engine) as s:
        row = s.get(AppealCase, ohio.id)
        assert row is not None
        assert [(p["id"], p["state"], p["citation"]) for p in row.data[ac.OVERRIDES_KEY]] == [(1, "OH", OHIO["citation"])]
        created = audit.history(s, "appeal_case", str(ohio.id))[0]
        assert created.after is not None and created.after["data"][ac.OVERRIDES_KEY][0]["timeframe_id"] == "T2"
    # queue, transitions and the universe self-check follow the State's due time
    ack = ac.transition(engine, ohio.id, {"kind": "notice_sent", "notice": "acknowledgement", "at": REC + dt.timedelta(hours=1)},
                        actor="ina", now=REC + dt.timedelta(hours=1))
    assert ack.next_due == dt.datetime(2021, 3, 11, 23, 59, 59, tzinfo=NY) and ack.overridden["T2"].state == "OH"
    item = next(i for i in ac.queue(engine, now=REC + dt.timedelta(days=9)) if i.id == ohio.id)
    assert (item.obligation_id, item.bucket) == ("T2", "due_72h")  # 2021-03-10 09:00 -> due 2021-03-11 23:59:59
    late = dt.datetime(2021, 3, 20, 10, 0, tzinfo=NY)  # after the State's 10 days, within the federal 30
    ac.transition(engine, ohio.id, {"kind": "resolve", "at": late}, actor="rev", now=late)
    ac.transition(engine, other.id, {"kind": "resolve", "at": late}, actor="rev", now=late)
    built = uni.build(ac.all_cases(engine, now=late), date_from=dt.date(2021, 3, 1), date_to=dt.date(2021, 3, 31))
    rows = {r["Grievance ID"]: r for r in built.tables["GRV_C"]}
    assert rows[str(ohio.id)]["Timely (Y/N)"] == "N" and rows[str(other.id)]["Timely (Y/N)"] == "Y"
    assert rows[str(ohio.id)]["Due Date"] == "2021/03/11"
    finding = next(f for f in built.findings if f.case_id == ohio.id)
    assert finding.obligation_id == "T2"
    # 2021-03-12T04:59:59Z -> 2021-03-20T14:00:00Z (EDT from 2021-03-14): 8 d 9 h 00 min 01 s elapsed
    assert finding.late_by == dt.timedelta(days=8, hours=9, seconds=1)


def test_less_protective_override_is_refused_and_nothing_stored(engine: sa.Engine) -> None:
    with pytest.raises(RuleError, match="less protective") as err:
        ac.set_override(engine, {**OHIO, "duration_value": 40}, actor="coord")
    assert err.value.cite is not None and "422.629(c)" in err.value.citation
    for bad in ({"timeframe_id": "T15", "duration_value": 30},  # an enrollee window may only be longer
                {"timeframe_id": "T6", "duration_value": 5},  # notice before the action: only earlier
                {"timeframe_id": "T4", "duration_value": 48, "duration_unit": "hours"}):
        with pytest.raises(RuleError, match="less protective"):
            ac.set_override(engine, {**OHIO, **bad}, actor="coord")
    with pytest.raises(RuleError, match="no State override for 'P1'"):  # Part D clocks take none
        ac.set_override(engine, {**OHIO, "timeframe_id": "P1", "duration_value": 24, "duration_unit": "hours"}, actor="c")
    with pytest.raises(InputError) as bad_state:
        ac.set_override(engine, {**OHIO, "state": "Ohio"}, actor="coord")
    assert bad_state.value.field == "state"
    assert ac.list_overrides(engine) == []
    with session_scope(engine) as s:
        assert audit.history(s, "contract_clock_override", "1") == []
    longer_window = ac.set_override(engine, {**OHIO, "timeframe_id": "T15", "duration_value": 90}, actor="coord")
    assert longer_window.timeframe_id == "T15"  # more protective for an enrollee window: longer


def test_ended_override_no_longer_applies_to_later_receipts(engine: sa.Engine) -> None:
    o = ac.set_override(engine, OHIO, actor="coord")
    first = ac.create_case(engine, _grievance(REC), actor="ina", now=REC)
    with pytest.raises(RuleError, match="already has a State override for T2"):
        ac.set_override(engine, {**OHIO, "effective_from": dt.date(2021, 6, 1), "duration_value": 7}, actor="coord")
    ended = ac.end_override(engine, o.id, effective_to=dt.date(2021, 3, 15), actor="lead", expected_version=1)
    assert (ended.effective_to, ended.version) == (dt.date(2021, 3, 15), 2)
    with pytest.raises(RuleError, match="changed by someone else"):
        ac.end_override(engine, o.id, effective_to=dt.date(2021, 3, 14), actor="lead", expected_version=1)
    with pytest.raises(InputError, match="before the override's effective_from"):
        ac.end_override(engine, o.id, effective_to=dt.date(2020, 12, 31), actor="lead")
    last_day = dt.datetime(2021, 3, 15, 22, 0, tzinfo=NY)
    after = dt.datetime(2021, 3, 16, 0, 30, tzinfo=NY)
    on_last = ac.create_case(engine, _grievance(last_day), actor="ina", now=last_day)
    later = ac.create_case(engine, _grievance(after), actor="ina", now=after)
    assert _due(on_last, "T2") == dt.datetime(2021, 3, 25, 23, 59, 59, tzinfo=NY)
    assert _due(later, "T2") == dt.datetime(2021, 4, 15, 23, 59, 59, tzinfo=NY)
    assert later.state_overrides == () and later.to_dict()["state_overrides"] == []
    # a case stored while it was in force keeps it
    assert _due(ac.get_case(engine, first.id, now=after), "T2") == dt.datetime(2021, 3, 11, 23, 59, 59, tzinfo=NY)
    assert [x.id for x in ac.list_overrides(engine, contract_id="h1234", on=dt.date(2021, 3, 15))] == [o.id]
    assert ac.list_overrides(engine, on=dt.date(2021, 3, 16)) == []
    # a new period after the end is accepted
    again = ac.set_override(engine, {**OHIO, "effective_from": dt.date(2021, 6, 1), "duration_value": 7}, actor="coord")
    assert [x.id for x in ac.list_overrides(engine, contract_id="H1234")] == [o.id, again.id]


def test_every_change_is_an_audit_event(engine: sa.Engine) -> None:
    o = ac.set_override(engine, OHIO, actor="coord")
    ac.end_override(engine, o.id, effective_to=dt.date(2021, 6, 30), actor="lead")
    with session_scope(engine) as s:
        trail = audit.history(s, "contract_clock_override", str(o.id))
        assert [(e.action, e.actor) for e in trail] == [("create", "coord"), ("update", "lead")]
        assert trail[0].after is not None and trail[0].after["state"] == "OH" and trail[0].after["duration_value"] == 10
        assert trail[1].before is not None and trail[1].before["effective_to"] is None
        assert trail[1].after is not None and trail[1].after["effective_to"] == "2021-06-30"
        assert trail[1].after["version"] == 2


def test_api_roles_and_answers(db_url: str, tmp_path: Path) -> None:
    app = create_app(Settings(db_url=db_url, data_dir=tmp_path))
    keys = {r: {"X-API-Key": create_key(app.state.engine, f"{r}-key", r)}
            for r in ("viewer", "intake", "reviewer", "auditor", "coordinator", "admin")}
    body = {**OHIO, "effective_from": "2021-01-01"}
    with TestClient(app) as c:
        for method, path in (("get", "/api/v1/appeals/overrides"), ("post", "/api/v1/appeals/overrides"),
                             ("post", "/api/v1/appeals/overrides/1/end")):
            assert c.request(method, path, json={} if method == "post" else None).status_code == 401, path
        for role in ("viewer", "intake", "reviewer", "auditor"):
            assert c.post("/api/v1/appeals/overrides", json=body, headers=keys[role]).status_code == 403, role
            assert c.get("/api/v1/appeals/overrides", headers=keys[role]).status_code == 403, role
        made = c.post("/api/v1/appeals/overrides", json=body, headers=keys["coordinator"])
        assert made.status_code == 201, made.text
        assert (made.json()["duration"], made.json()["created_by"], made.json()["cite"]) == (
            "P10D", "coordinator-key", "42 CFR 422.629(c) [cms-4185-p L2677]")
        refused = c.post("/api/v1/appeals/overrides", json={**body, "timeframe_id": "T16", "duration_value": 45},
                         headers=keys["admin"])
        assert refused.status_code == 409 and "422.629(c)" in refused.json()["cite"]
        assert c.post("/api/v1/appeals/overrides", json={**body, "duration_unit": "weeks"},
                      headers=keys["admin"]).status_code == 422
        listed = c.get("/api/v1/appeals/overrides", params={"contract_id": "H1234"}, headers=keys["admin"])
        assert listed.status_code == 200 and [o["state"] for o in listed.json()] == ["OH"]
        oid = made.json()["id"]
        end = c.post(f"/api/v1/appeals/overrides/{oid}/end", json={"effective_to": "2021-03-15", "expected_version": 1},
                     headers=keys["coordinator"])
        assert end.status_code == 200 and end.json()["effective_to"] == "2021-03-15" and end.json()["version"] == 2
        assert c.post(f"/api/v1/appeals/overrides/{oid}/end", json={"effective_to": "2021-03-10"},
                      headers=keys["intake"]).status_code == 403
        assert c.post(f"/api/v1/appeals/overrides/{oid}/end", json={"effective_to": "soon"},
                      headers=keys["admin"]).status_code == 422
        case = c.post("/api/v1/appeals/cases", json={**_grievance(REC), "received": REC.isoformat()},
                      headers=keys["intake"])
        assert case.status_code == 201, case.text
        t2 = next(d for d in case.json()["deadlines"] if d["id"] == "T2")
        assert t2["due"] == "2021-03-11T23:59:59-05:00" and t2["state_override"]["state"] == "OH"


def test_cli_set_list_end_and_exit_codes(db_url: str) -> None:
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        r = runner.invoke(cli_app, ["--db", db_url, "appeals", "overrides", *args])
        return r.exit_code, r.output

    base = ["set", "--contract", "H1234", "--timeframe", "T2", "--state", "OH", "--citation", "Ohio contract K",
            "--from", "2021-01-01", "--actor", "coord", "--json"]
    code, out = run(*base, "--days", "10")
    assert code == 0, out
    made = json.loads(out)[0]
    assert (made["duration"], made["state"], made["created_by"]) == ("P10D", "OH", "coord")
    code, out = run(*base, "--days", "45", "--timeframe", "T16")
    assert code == 2 and "less protective" in out and "422.629(c)" in out
    code, out = run(*base, "--days", "10", "--hours", "24")
    assert code == 2 and "exactly one of --days or --hours" in out
    code, out = run("end", str(made["id"]), "--on", "2021-03-15", "--version", "1", "--actor", "lead", "--json")
    assert code == 0 and json.loads(out)[0]["effective_to"] == "2021-03-15"
    code, out = run("end", str(made["id"]), "--on", "2021-03-14", "--version", "1")
    assert code == 2 and "changed by someone else" in out
    code, out = run("list", "--contract", "H1234", "--on", "2021-03-15", "--json")
    assert code == 0 and [o["id"] for o in json.loads(out)] == [made["id"]]
    code, out = run("list", "--on", "2021-03-16", "--json")
    assert code == 0 and json.loads(out) == []
    code, out = run("list")
    assert code == 0 and "H1234" in out and "P10D" in out
    code, out = run("end", "99", "--on", "2021-03-15")
    assert code == 2 and "no State override 99" in out
