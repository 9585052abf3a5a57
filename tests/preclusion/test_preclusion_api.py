"""HTTP API of the preclusion area: the online check against the cached current list, uploads with history,
party dates, notices, the efforts log; 401 without a key, 403 by role, 422 for bad bodies and files, 409 without a list.

Hand-computed case used throughout: NPI 1234567893 revoked, effective and posted 2020-03-01, bar ends 2023-03-01.
A beneficiary noticed on 2020-03-10 may be denied from 2020-03-10 + 61 days = 2020-05-10 (March 10 -> 31 is 21
days, + April's 30 = 51, + 10 = 61) under the law in force; from + 60 = 2020-05-09 under the proposal's reading.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from partcd.platform.auth import create_key
from partcd.platform.server import create_app
from partcd.platform.settings import Settings
from partcd.platform.store.db import connect
from partcd.preclusion import api, store
from partcd.preclusion.rules.models import ListPosting

BASE = "/api/v1/preclusion"
LIST_V1 = ("npi,party_name,basis,effective_date,list_posting_date,reenrollment_bar_end,felony_conviction_date\n"
           "1234567893,Synthetic Clinic,revoked,2020-03-01,2020-03-01,2023-03-01,\n"
           "1111111112,Synthetic Felon,felony,2020-06-02,2020-06-02,,2020-01-02\n")
# the second version drops the clinic
LIST_V2 = ("npi,party_name,basis,effective_date,list_posting_date,felony_conviction_date\n"
           "1111111112,Synthetic Felon,felony,2020-06-02,2020-06-02,2020-01-02\n")
CLAIM: dict[str, Any] = {"claim_id": "C1", "program": "MA", "transaction": "MA_CLAIM", "npi": "1234567893",
                         "contracted": True, "beneficiary_notice_sent_date": "2020-03-10", "service_date": "2020-05-01",
                         "adjudication_date": "2020-05-10"}


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    app = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'api.db'}", data_dir=tmp_path))
    keys = {role: create_key(app.state.engine, f"{role}-key", role) for role in ("viewer", "analyst", "admin")}
    with TestClient(app) as c:
        yield c, keys


def _h(keys: dict[str, str], role: str) -> dict[str, str]:
    return {"X-API-Key": keys[role]}


def _upload(c: TestClient, keys: dict[str, str], text: str, role: str = "analyst", name: str = "PreclusionList_202003.csv",
            **data: str) -> Any:
    return c.post(f"{BASE}/lists", files={"file": (name, text, "text/csv")}, data=data, headers=_h(keys, role))


def test_check_needs_a_key_and_a_list(client: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = client
    assert c.post(f"{BASE}/check", json=CLAIM).status_code == 401
    r = c.post(f"{BASE}/check", json=CLAIM, headers=_h(keys, "viewer"))
    assert r.status_code == 409 and "no preclusion list has been uploaded" in r.json()["message"]


def test_upload_roles_history_and_the_check_at_the_window_edge(client: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = client
    assert c.post(f"{BASE}/lists", files={"file": ("l.csv", LIST_V1, "text/csv")}).status_code == 401
    assert _upload(c, keys, LIST_V1, role="viewer").status_code == 403
    r = _upload(c, keys, LIST_V1, label="March 2020")
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["created"], body["version"]["row_count"], body["version"]["label"], body["added_episodes"]) == \
        (True, 2, "March 2020", 2)
    assert body["added_by_posting_date"] == {"2020-03-01": 1, "2020-06-02": 1}
    again = _upload(c, keys, LIST_V1, role="admin")
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["version"]["version_id"] == body["version"]["version_id"]

    # notice 2020-03-10: first denial on 2020-05-10 (notice + 61); the day before is inside the window
    r = c.post(f"{BASE}/check", json=CLAIM, headers=_h(keys, "viewer"))
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["decision"], out["on_list_for_service_date"], out["in_no_denial_window"]) == ("DENY_PAYMENT", True, False)
    assert out["reason"].startswith("S5") and "422.504(g)(1)(iv)" in out["citation"] and out["list_label"] == "March 2020"
    inside = c.post(f"{BASE}/check", json={**CLAIM, "adjudication_date": "2020-05-09"}, headers=_h(keys, "viewer")).json()
    assert (inside["decision"], inside["in_no_denial_window"]) == ("PAY", True) and inside["reason"].startswith("S4")
    proposal = c.post(f"{BASE}/check", params={"variant": "proposal-4185-p"},
                      json={**CLAIM, "adjudication_date": "2020-05-09"}, headers=_h(keys, "viewer")).json()
    assert proposal["decision"] == "DENY_PAYMENT"  # the proposal's reading: notice + 60
    rx = c.post(f"{BASE}/check", json={"claim_id": "R1", "program": "PART_D", "transaction": "PHARMACY_CLAIM",
                                       "npi": "1111111112", "service_date": "2021-01-04", "adjudication_date": "2021-01-04"},
                headers=_h(keys, "viewer")).json()
    # felony posted 2020-06-02, no notice: first rejection 2020-06-02 + 30 + 61 = 2020-09-01; 2021 is past it
    assert (rx["decision"], rx["reason"][:2]) == ("REJECT", "S6")

    # a new version drops the clinic: this process sees it at once
    r = _upload(c, keys, LIST_V2, name="PreclusionList_202007.csv")
    assert r.status_code == 201 and r.json()["removed_episodes"] == 1 and r.json()["previous_version_id"] == 1
    after = c.post(f"{BASE}/check", json=CLAIM, headers=_h(keys, "viewer")).json()
    assert (after["decision"], after["on_list_for_service_date"], after["list_version_id"]) == ("PAY", False, 2)
    versions = c.get(f"{BASE}/lists", headers=_h(keys, "viewer")).json()
    assert [(v["version_id"], v["label"], v["row_count"]) for v in versions] == \
        [(2, "PreclusionList_202007", 1), (1, "March 2020", 2)]
    cur = c.get(f"{BASE}/lists/current", headers=_h(keys, "viewer")).json()
    assert cur["version"]["version_id"] == 2 and cur["postings"][0]["felony"] == 1
    audit = c.get("/api/v1/audit", params={"entity_type": "preclusion_list_version"}, headers=_h(keys, "admin")).json()
    assert [(e["action"], e["actor"], e["after"]["row_count"]) for e in audit] == \
        [("create", "analyst-key", 1), ("create", "analyst-key", 2)]


@pytest.mark.parametrize(("change", "field"), [
    ({"claim_id": None}, "claim_id"),
    ({"program": "PART_C"}, "program"),
    ({"npi": "12345 67893"}, "npi"),
    ({"npi": "1" * 21}, "npi"),
    ({"service_date": "1999-12-31"}, "service_date"),
    ({"adjudication_date": "2020-02-30"}, "adjudication_date"),
    ({"member_name": "x"}, "member_name"),
])
def test_bad_bodies_are_422(client: tuple[TestClient, dict[str, str]], change: dict[str, Any], field: str) -> None:
    c, keys = client
    _upload(c, keys, LIST_V1)
    body = {k: v for k, v in {**CLAIM, **change}.items() if v is not None}
    r = c.post(f"{BASE}/check", json=body, headers=_h(keys, "viewer"))
    assert r.status_code == 422
    assert field in str(r.json()["detail"][0]["loc"])


@pytest.mark.parametrize(("change", "field", "reason"), [
    ({"program": "PART_D"}, None, "belongs to program MA"),
    ({"adjudication_date": "2020-04-30"}, None, "adjudication_date is before service_date"),
    ({"contracted": None}, None, "an MA claim needs contracted"),
    ({"service_date": "2018-06-01", "adjudication_date": "2018-06-02"}, None, "no parameters in force on 2018-06-02"),
])
def test_claims_the_rule_refuses_are_422_with_the_reason(client: tuple[TestClient, dict[str, str]],
                                                         change: dict[str, Any], field: str | None, reason: str) -> None:
    c, keys = client
    _upload(c, keys, LIST_V1)
    body = {k: v for k, v in {**CLAIM, **change}.items() if v is not None}
    r = c.post(f"{BASE}/check", json=body, headers=_h(keys, "viewer"))
    assert r.status_code == 422 and reason in r.json()["message"]


def test_bad_list_files_name_the_upload_row_and_field(client: tuple[TestClient, dict[str, str]],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    c, keys = client
    bad = LIST_V1.replace("1111111112,Synthetic Felon,felony,2020-06-02,2020-06-02,,2020-01-02",
                          "1111111112,Synthetic Felon,felony,2020-06-02,2020-06-02,,")
    r = _upload(c, keys, bad, name="march.csv")
    assert r.status_code == 422
    assert r.json()["pointer"] == {"file": "march.csv", "row": 3, "field": None}
    assert "needs felony_conviction_date" in r.json()["reason"]
    overlap = LIST_V1 + "1234567893,Synthetic Clinic,revoked,2022-03-01,2022-03-01,2024-03-01,\n"
    r = _upload(c, keys, overlap, name="overlap.csv")
    assert r.status_code == 422 and r.json()["pointer"] == {"file": "overlap.csv", "row": 4, "field": "effective_date"}
    assert "overlapping listing episodes" in r.json()["reason"]
    assert _upload(c, keys, LIST_V1, name="list.xlsx").status_code == 422
    monkeypatch.setattr(api, "MAX_LIST_BYTES", 100)
    assert _upload(c, keys, LIST_V1).status_code == 413
    assert c.get(f"{BASE}/lists", headers=_h(keys, "viewer")).json() == []  # nothing stored


def test_party_notices_due_and_notices(client: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = client
    assert c.get(f"{BASE}/parties/1234567893", headers=_h(keys, "viewer")).status_code == 409
    _upload(c, keys, LIST_V1)
    felon = c.get(f"{BASE}/parties/1111111112", params={"as_of": "2021-01-01"}, headers=_h(keys, "viewer")).json()
    # conviction 2020-01-02 + 10 years: first day off 2030-01-02; notice due 2020-06-02 + 30 = 2020-07-02
    assert (felon["on_list"], felon["effective_date"], felon["preclusion_period_end"], felon["notice_due_by"]) == \
        (True, "2020-06-02", "2030-01-02", "2020-07-02")
    assert c.get(f"{BASE}/parties/12345", headers=_h(keys, "viewer")).status_code == 422
    due = c.get(f"{BASE}/notices-due", params={"as_of": "2020-06-20"}, headers=_h(keys, "viewer")).json()
    # on 2020-06-20 the clinic's period (posting 2020-03-01 + 91 = 2020-05-31) is over; the felon's runs to 2020-09-01
    assert [(d["npi"], d["notice_due_by"], d["days_to_due"], d["first_permitted_denial"], d["efforts"]["status"])
            for d in due] == [("1111111112", "2020-07-02", 12, "2020-09-01", "none_recorded")]
    history = "beneficiary_id,npi,program,service_date\nB1,1111111112,PART_D,2020-05-01\nB2,1111111112,MA,2019-01-01\n"
    files = {"history": ("history.csv", history, "text/csv")}
    form = {"posting_date": "2020-06-02", "as_of": "2020-07-10"}
    assert c.post(f"{BASE}/notices", files=files, data=form, headers=_h(keys, "viewer")).status_code == 403
    r = c.post(f"{BASE}/notices", files=files, data=form, headers=_h(keys, "analyst"))
    assert r.status_code == 200, r.text
    # B2's service is before the 12-month look-back (2019-06-03 .. 2020-06-02): only B1, overdue on 2020-07-10
    assert [(n["beneficiary_id"], n["status"], n["window_start"], n["first_permitted_denial"]) for n in r.json()["notices"]] \
        == [("B1", "overdue", "2020-07-02", "2020-09-01")]
    bad = {"history": ("history.csv", "beneficiary_id,npi,program,service_date\nB1,1111111112,PART_C,2020-05-01\n",
                       "text/csv")}
    r = c.post(f"{BASE}/notices", files=bad, data=form, headers=_h(keys, "analyst"))
    assert r.status_code == 422 and r.json()["pointer"]["file"] == "history.csv"


def test_efforts_log_is_audited_and_locked(client: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = client
    effort = {"npi": "1111111112", "list_posting_date": "2020-06-02", "attempted_on": "2020-07-06", "method": "mail",
              "contact": "PECOS correspondence address", "beneficiaries_named_count": 1, "outcome": "sent"}
    assert c.post(f"{BASE}/efforts", json=effort, headers=_h(keys, "viewer")).status_code == 403
    assert c.post(f"{BASE}/efforts", json={**effort, "attempted_on": "2020-06-01"},
                  headers=_h(keys, "analyst")).status_code == 422  # before the posting
    assert c.post(f"{BASE}/efforts", json={**effort, "method": "pigeon"}, headers=_h(keys, "analyst")).status_code == 422
    r = c.post(f"{BASE}/efforts", json=effort, headers=_h(keys, "analyst"))
    assert r.status_code == 201, r.text
    effort_id = r.json()["effort_id"]
    r = c.patch(f"{BASE}/efforts/{effort_id}", json={"outcome": "returned", "expected_version": 1},
                headers=_h(keys, "admin"))
    assert r.status_code == 200 and (r.json()["effort"]["outcome"], r.json()["version"]) == ("returned", 2)
    stale = c.patch(f"{BASE}/efforts/{effort_id}", json={"outcome": "delivered", "expected_version": 1},
                    headers=_h(keys, "analyst"))
    assert stale.status_code == 409 and "changed by someone else" in stale.json()["message"]
    assert c.patch(f"{BASE}/efforts/999", json={"outcome": "delivered"}, headers=_h(keys, "analyst")).status_code == 404
    assert c.patch(f"{BASE}/efforts/{effort_id}", json={}, headers=_h(keys, "analyst")).status_code == 422
    listed = c.get(f"{BASE}/efforts", params={"npi": "1111111112"}, headers=_h(keys, "viewer")).json()
    assert [(e["effort_id"], e["effort"]["outcome"], e["recorded_by"]) for e in listed] == \
        [(effort_id, "returned", "analyst-key")]
    audit = c.get("/api/v1/audit", params={"entity_type": "preclusion_party_notification"}, headers=_h(keys, "admin")).json()
    assert [(e["action"], e["actor"]) for e in audit] == [("update", "admin-key"), ("create", "analyst-key")]
    assert audit[0]["before"]["outcome"] == "sent" and audit[0]["after"]["outcome"] == "returned"


def test_another_worker_sees_a_new_version_after_the_recheck_interval(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Two engines on one database stand for two server processes: an upload through one reaches the other's cache
    only when its re-check interval has passed."""
    url = f"sqlite:///{tmp_path / 'two.db'}"
    app = create_app(Settings(db_url=url, data_dir=tmp_path))
    key = create_key(app.state.engine, "pharmacy-system", "viewer")
    other = connect(url)
    posting = ListPosting(npi="1234567893", party_name="Synthetic Clinic", basis="revoked", effective_date=dt.date(2020, 3, 1),
                          list_posting_date=dt.date(2020, 3, 1), reenrollment_bar_end=dt.date(2023, 3, 1))
    store.save_list(other, [posting], label="v1", source_name="v1.csv", sha256="a" * 64, actor="other-worker")
    monkeypatch.setenv("PARTCD_PRECLUSION_LIST_RECHECK_S", "3600")
    with TestClient(app) as c:
        first = c.post(f"{BASE}/check", json=CLAIM, headers={"X-API-Key": key}).json()
        assert (first["list_version_id"], first["decision"]) == (1, "DENY_PAYMENT")
        store.save_list(other, [], label="v2 (empty)", source_name="v2.csv", sha256="b" * 64, actor="other-worker")
        assert c.post(f"{BASE}/check", json=CLAIM, headers={"X-API-Key": key}).json()["list_version_id"] == 1
        monkeypatch.setenv("PARTCD_PRECLUSION_LIST_RECHECK_S", "0")
        fresh = c.post(f"{BASE}/check", json=CLAIM, headers={"X-API-Key": key}).json()
        assert (fresh["list_version_id"], fresh["decision"]) == (2, "PAY")
    other.dispose()
