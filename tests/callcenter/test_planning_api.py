"""HTTP API of call-center planning: staff (spec vector E1), staffing, simulate, early warning; 401/403; 422 pointers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from partcd.callcenter.pipelines.planning import sim_call_rows
from partcd.callcenter.rules.simulation import SimInterval, simulate
from partcd.callcenter.rules.standards import CallCenterParams
from partcd.platform.auth import create_key
from partcd.platform.params import load_params
from partcd.platform.server import create_app
from partcd.platform.settings import Settings

#: The speed-of-answer standard the simulations measure (30 s, CAP letter L30; callcenter params).
WITHIN_S = load_params("callcenter", dt.date(2022, 1, 3)).typed(CallCenterParams).answer_within_s

BASE = "/api/v1/callcenter"
CALL_COLUMNS = ("call_id,contract_id,call_start,ivr_end,answered_at,call_end,end_reason,interpreter_requested,"
                "interpreter_connected_at,tty,tty_connected_at")


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    app = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'api.db'}", data_dir=tmp_path))
    keys = {role: create_key(app.state.engine, f"{role}-key", role) for role in ("viewer", "analyst", "admin")}
    with TestClient(app) as c:
        yield c, keys


def _h(keys: dict[str, str], role: str = "analyst") -> dict[str, str]:
    return {"X-API-Key": keys[role]}


def _forecast(day: dt.date, calls: int = 100) -> str:
    rows = ["interval_start,calls_offered"]
    rows += [f"{(dt.datetime.combine(day, dt.time(8)) + dt.timedelta(minutes=30 * i)).isoformat()},{calls}"
             for i in range(24)]
    return "\n".join(rows) + "\n"


def test_staff_spec_vector_e1(client: tuple[TestClient, dict[str, str]]) -> None:
    """E1 (spec §7.2): 100 calls / 30 min at 180 s = 10 Erlangs; at n = 14 P(wait) = 0.1741319 and ASA 7.8359 s
    (R ErlangC, pyworkforce); at n = 11 P(wait) = 0.6821182. At the rule's 30 s the minimum is 13 (SL 82.70 %)."""
    c, keys = client
    body = {"calls_per_hour": 200, "aht_s": 180, "at": "2022-01-03"}
    r = c.post(f"{BASE}/staff", json={**body, "agents": 14}, headers=_h(keys))
    assert r.status_code == 200, r.text
    out = r.json()
    assert {"agents", "p_wait", "service_level", "asa_s", "abandon_rate", "binding_standard"} <= set(out)
    assert out["agents"] == 14 and round(out["p_wait"], 7) == 0.1741319 and round(out["asa_s"], 4) == 7.8359
    assert round(out["occupancy"], 7) == 0.7142857 and out["breaches"] == [] and out["model"] == "erlang_c"
    assert round(c.post(f"{BASE}/staff", json={**body, "agents": 11}, headers=_h(keys)).json()["p_wait"], 7) == 0.6821182
    out = c.post(f"{BASE}/staff", json=body, headers=_h(keys)).json()
    assert out["agents"] == 13 and out["binding_standard"] == "answered_within"
    assert out["service_level"] == pytest.approx(0.8269747239232539, abs=1e-12)


def test_staff_erlang_a_vector_a1(client: tuple[TestClient, dict[str, str]]) -> None:
    """A1 (spec §7.5): 13 agents, patience 5 min: P(wait) 0.2265, P(abandon) 0.0253 (pyworkforce, +/- 2e-3)."""
    c, keys = client
    r = c.post(f"{BASE}/staff", json={"calls_per_hour": 200, "aht_s": 180, "patience_s": 300, "agents": 13,
                                      "at": "2022-01-03"}, headers=_h(keys))
    out = r.json()
    assert out["model"] == "erlang_a" and out["p_wait"] == pytest.approx(0.2265, abs=2e-3)
    assert out["abandon_rate"] == pytest.approx(0.0253, abs=2e-3)


def test_auth_401_403_and_body_validation(client: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = client
    body = {"calls_per_hour": 200, "aht_s": 180}
    assert c.post(f"{BASE}/staff", json=body).status_code == 401
    assert c.post(f"{BASE}/staff", json=body, headers=_h(keys, "viewer")).status_code == 403
    files = {"forecast": ("fc.csv", _forecast(dt.date(2022, 1, 3)), "text/csv")}
    for path in ("staffing", "simulate"):
        assert c.post(f"{BASE}/{path}", files=files).status_code == 401
        assert c.post(f"{BASE}/{path}", files=files, headers=_h(keys, "viewer")).status_code == 403
    assert c.post(f"{BASE}/staff", json={**body, "aht_s": 0}, headers=_h(keys)).status_code == 422
    assert c.post(f"{BASE}/staff", json={**body, "agents": 13}, headers=_h(keys, "admin")).status_code == 200


def test_staffing_upload(client: tuple[TestClient, dict[str, str]]) -> None:
    """Same numbers as ``partcd callcenter staffing``: 100 -> 13 agents, 200 -> 24; 19 / 35 scheduled at 0.3."""
    c, keys = client
    text = "interval_start,calls_offered,aht_s\n2022-01-03T09:00:00,100,180\n2022-01-03T09:30:00,200,\n"
    r = c.post(f"{BASE}/staffing", files={"forecast": ("fc.csv", text, "text/csv")},
               params={"aht_s": 180, "shrinkage": 0.3}, headers=_h(keys))
    assert r.status_code == 200, r.text
    plan = r.json()
    assert [i["agents"] for i in plan["intervals"]] == [13, 24]
    assert [i["scheduled_agents"] for i in plan["intervals"]] == [19, 35]
    assert plan["params_file"] == "2022-01-01.yaml"


def test_bad_forecast_row_is_422_with_file_row_field(client: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = client
    text = "interval_start,calls_offered\n2022-01-03T09:00:00,100\n2022-01-03T09:30:00,-5\n"
    for path in ("staffing", "simulate"):
        r = c.post(f"{BASE}/{path}", files={"forecast": ("jan.csv", text, "text/csv")},
                   params={"aht_s": 180, "constant_agents": 13}, headers=_h(keys))
        assert r.status_code == 422, r.text
        assert r.json()["pointer"] == {"file": "jan.csv", "row": 2, "field": "calls_offered"}
        assert r.json()["reason"] == "must be >= 0, got -5"
    fc = _forecast(dt.date(2022, 1, 3))
    bad_agents = "interval_start,agents\n2022-01-03T08:00:00,2.5\n"
    r = c.post(f"{BASE}/simulate", files={"forecast": ("fc.csv", fc, "text/csv"), "agents": ("ag.csv", bad_agents, "text/csv")},
               params={"aht_s": 180}, headers=_h(keys))
    assert r.status_code == 422 and r.json()["pointer"] == {"file": "ag.csv", "row": 1, "field": "agents"}
    r = c.post(f"{BASE}/simulate", files={"forecast": ("fc.csv", fc, "text/csv")}, params={"aht_s": 180}, headers=_h(keys))
    assert r.status_code == 422 and "constant_agents" in r.json()["message"]


def test_simulate_seeded(client: tuple[TestClient, dict[str, str]]) -> None:
    """The CLI's seeded day (seed 7, 13 agents): 2401 calls, 1974 within 30 s, 6 intervals below 80 %."""
    c, keys = client
    files = {"forecast": ("fc.csv", _forecast(dt.date(2022, 1, 3)), "text/csv")}
    r = c.post(f"{BASE}/simulate", files=files, params={"aht_s": 180, "constant_agents": 13, "seed": 7}, headers=_h(keys))
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["period"]["offered"], out["period"]["answered_within"]) == (2401, 1974)
    assert out["breached_intervals"] == 6 and out["compliant"] is False
    agents = "interval_start,agents\n" + "".join(
        f"{(dt.datetime(2022, 1, 3, 8) + dt.timedelta(minutes=30 * i)).isoformat()},13\n" for i in range(24))
    r2 = c.post(f"{BASE}/simulate", files={**files, "agents": ("ag.csv", agents, "text/csv")},
                params={"aht_s": 180, "seed": 7}, headers=_h(keys))
    assert r2.json() == out


def test_early_warning_upload(client: tuple[TestClient, dict[str, str]]) -> None:
    """A compliant 30 March (82.2 % within 30 s) and one day left at 10 agents: the alarm goes off (0.99425)."""
    c, keys = client
    sched = [SimInterval(length_s=1800.0, arrival_rate_per_s=100 / 1800, agents=13)] * 24
    sim = simulate(sched, 180.0, np.random.default_rng(7), answer_within_s=WITHIN_S)
    rows = sim_call_rows(sim.calls, dt.datetime(2022, 3, 30, 8), contract_id="H1416", tz="America/New_York")
    log = CALL_COLUMNS + "\n" + "".join(",".join(r.values()) + "\n" for r in rows)
    files = {"calls": ("q1.csv", log, "text/csv"), "forecast": ("fc.csv", _forecast(dt.date(2022, 3, 31)), "text/csv"),
             "agents": ("ag.csv", "interval_start,agents\n" + "".join(
                 f"{(dt.datetime(2022, 3, 31, 8) + dt.timedelta(minutes=30 * i)).isoformat()},10\n" for i in range(24)),
                 "text/csv")}
    params = {"quarter_end": "2022-03-31", "aht_s": 180, "seed": 1}
    assert c.post(f"{BASE}/early-warning", files=files, params=params, headers=_h(keys, "viewer")).status_code == 403
    r = c.post(f"{BASE}/early-warning", files=files, params=params, headers=_h(keys))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["to_date"]["calls"] == 2401 and out["to_date"]["answered_within"] == 1974
    assert out["warning"]["probability_fail"] == 0.99425 and out["warning"]["alert"] is True
    assert out["agents_source"] == "file" and out["contract_id"] == "H1416"
    bad = {**files, "calls": ("q1.csv", log.replace(",H1416,", ",X1,", 1), "text/csv")}
    r = c.post(f"{BASE}/early-warning", files=bad, params=params, headers=_h(keys))
    assert r.status_code == 422 and r.json()["pointer"] == {"file": "q1.csv", "row": 2, "field": "contract_id"}


def test_openapi_lists_planning(client: tuple[TestClient, dict[str, str]]) -> None:
    c, _ = client
    paths = c.get("/openapi.json").json()["paths"]
    assert {f"{BASE}/{p}" for p in ("staff", "staffing", "simulate", "early-warning")} <= set(paths)
