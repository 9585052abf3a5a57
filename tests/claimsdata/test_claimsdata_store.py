"""The claims-data store on SQLite and PostgreSQL: the migration branch, the request's life as audited updates,
optimistic locking, every access (permitted and refused) in the append-only log and the audit log, no identifiers."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from partcd.claimsdata.pipelines import requests as service
from partcd.claimsdata.samples import RELEASES, write_files
from partcd.claimsdata.store import ClaimsDataAccess, ClaimsDataRequest
from partcd.core.errors import InputError, RuleError
from partcd.platform.store import audit
from partcd.platform.store.db import connect, current_revision, downgrade, head_revisions, session_scope, upgrade

ON = dt.date(2021, 3, 1)
ATTESTATION: dict[str, Any] = {
    "signed_by": "A. Officer", "contractors_bound": True,
    "permitted_uses": ["medication_outcomes", "care_coordination", "health_care_operations_1",
                       "health_care_operations_2", "fraud_abuse_compliance", "required_by_law"],
    "limitations": ["coverage_determinations", "retroactive_indication_reviews", "enrollment_steering", "marketing"]}
REQUEST = {"sponsor": {"sponsor_id": "PDP-ACME", "name": "Acme Drug Plans", "sponsor_type": "PDP",
                       "contract_ids": ["S5601", "S5602"]}, "submitted_on": "2020-01-06"}


@pytest.fixture()
def engine(db_url: str) -> sa.Engine:
    eng = connect(db_url)
    upgrade(eng)
    return eng


def _approved(engine: sa.Engine) -> int:
    view = service.create_request(engine, REQUEST, actor="ana")
    service.record_event(engine, view.id, {"kind": "attest", "event_date": "2020-01-07", "attestation": ATTESTATION},
                         actor="ana", expected_version=1)
    service.record_event(engine, view.id, {"kind": "approve", "event_date": "2020-02-03"}, actor="rev",
                         expected_version=2)
    for release in RELEASES:
        service.set_release(engine, release, actor="rev")
    return view.id


def test_migration_branch_up_and_down(db_url: str) -> None:
    eng = connect(db_url)
    upgrade(eng)
    assert current_revision(eng) == head_revisions(eng) and "claimsdata_0001" in (current_revision(eng) or "")
    tables = set(sa.inspect(eng).get_table_names())
    assert {"claims_data_request", "claims_data_release", "claims_data_extract", "claims_data_access"} <= tables
    downgrade(eng, "claimsdata@-1")  # one step down the claimsdata branch: back to 0001_base
    assert "claims_data_request" not in sa.inspect(eng).get_table_names()
    assert "audit_event" in sa.inspect(eng).get_table_names()  # the other branches stay
    upgrade(eng)
    assert "claims_data_access" in sa.inspect(eng).get_table_names()


def test_lifecycle_is_audited_and_locked(engine: sa.Engine) -> None:
    request_id = _approved(engine)
    view = service.get_request(engine, request_id, on=ON)
    assert (view.version, view.state.status, view.to_dict()["eligible"]) == (3, "approved", True)
    with session_scope(engine) as s:
        trail = audit.history(s, "claims_data_request", str(request_id))
        assert [e.action for e in trail] == ["create", "update", "update"]
        assert trail[1].after is not None and trail[1].after["status"] == "attested"
        assert "L3139" in (trail[1].reason or "") and "L599" in (trail[2].reason or "")
    with pytest.raises(RuleError, match="changed by someone else"):
        service.record_event(engine, request_id, {"kind": "withdraw", "event_date": "2020-06-30"}, actor="ana",
                             expected_version=2)
    with pytest.raises(RuleError, match="cannot attest a request that is approved"):
        service.record_event(engine, request_id, {"kind": "attest", "event_date": "2020-06-30",
                                                  "attestation": ATTESTATION}, actor="ana")
    with pytest.raises(InputError, match="no claims-data request 999"):
        service.get_request(engine, 999, on=ON)
    with pytest.raises(RuleError, match="only a PDP sponsor"):
        service.create_request(engine, {**REQUEST, "sponsor": {**REQUEST["sponsor"], "sponsor_type": "MA-PD"}},
                               actor="ana")
    assert [v.id for v in service.list_requests(engine, on=ON, status="approved")] == [request_id]


def test_every_access_is_logged_permitted_or_refused(engine: sa.Engine, tmp_path: Path) -> None:
    request_id = _approved(engine)
    enrollment, claims = write_files(tmp_path / "in", seed=4, enrollees=120)
    built = service.create_extract(engine, request_id, enrollment=enrollment, claims=claims,
                                   release_date=RELEASES[0].release_date, use={"purpose": "care_coordination"}, on=ON,
                                   actor="ana", role="analyst", folder=tmp_path / "out")
    assert built["claims_out"] > 0 and built["paragraph"] == "423.153(g)(3)(ii)"
    for use, release, match in (({"purpose": "marketing"}, RELEASES[1], "inform marketing of benefits"),
                                ({"purpose": "research"}, RELEASES[1], "not a purpose of \\(g\\)\\(3\\)"),
                                ({"purpose": "care_coordination", "recipient": "downstream"}, RELEASES[1], "bound")):
        with pytest.raises(RuleError, match=match):
            service.create_extract(engine, request_id, enrollment=enrollment, claims=claims,
                                   release_date=release.release_date, use=use, on=ON, actor="ana", role="analyst",
                                   folder=tmp_path / "out")
    path = service.open_extract(engine, built["extract_id"], {"purpose": "medication_outcomes"}, on=ON, actor="ana",
                                role="analyst")
    assert path.is_file()
    with pytest.raises(RuleError, match="coverage determinations"):
        service.open_extract(engine, built["extract_id"], {"purpose": "coverage_determinations"}, on=ON, actor="bob",
                             role="analyst")
    log = list(reversed(service.access_log(engine, request_id=request_id)))
    assert [(a["action"], a["decision"], a["paragraph"]) for a in log] == [
        ("build", "permitted", "423.153(g)(3)(ii)"), ("build", "refused", "423.153(g)(4)(iv)"),
        ("build", "refused", "423.153(g)(3)"), ("build", "refused", "423.153(g)(4)(v)"),
        ("read", "permitted", "423.153(g)(3)(i)"), ("read", "refused", "423.153(g)(4)(i)")]
    assert log[1]["citation"] == "42 CFR 423.153(g)(4)(iv) [cms-4185-p L3135]"
    with session_scope(engine) as s:
        events = [e for e in audit.recent(s, "claims_data_request", str(request_id)) if e.action.startswith("data_")]
        assert sorted(e.action for e in events) == sorted(["data_build", "data_build_refused", "data_build_refused",
                                                           "data_build_refused", "data_read", "data_read_refused"])
        stored = json.dumps([e.after for e in events]) + json.dumps(log)
    # counts and paragraphs only: no enrollee identifier, name or claim id anywhere in the logs
    enrollee_ids = [line.split(",")[0] for line in enrollment.read_text().splitlines()[1:]]
    assert not any(i in stored for i in enrollee_ids) and "Synthetic Member" not in stored and "C0000" not in stored


def test_the_access_log_is_append_only(engine: sa.Engine) -> None:
    request_id = _approved(engine)
    with pytest.raises(RuleError):
        service.authorize(engine, request_id, {"purpose": "marketing"}, release_date=RELEASES[0].release_date, on=ON,
                          actor="ana", role="analyst", action="read")
    for statement in ("UPDATE claims_data_access SET decision = 'permitted'", "DELETE FROM claims_data_access"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(sa.text(statement))
    with session_scope(engine) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(ClaimsDataAccess)) == 1
        assert s.get(ClaimsDataRequest, request_id) is not None


def test_no_retroactive_extract_and_no_access_after_the_end(engine: sa.Engine, tmp_path: Path) -> None:
    late = service.create_request(engine, {**REQUEST, "submitted_on": "2020-08-01"}, actor="ana")
    service.record_event(engine, late.id, {"kind": "attest", "event_date": "2020-08-10", "attestation": ATTESTATION},
                         actor="ana")
    service.record_event(engine, late.id, {"kind": "approve", "event_date": "2020-08-20"}, actor="rev")
    for release in RELEASES:
        service.set_release(engine, release, actor="rev")
    assert [r.release_date for r in service.received(engine, late.id, on=ON)] == [
        dt.date(2020, 11, 15), dt.date(2021, 2, 15)]
    with pytest.raises(RuleError, match="not eligible on the release date 2020-08-15"):
        service.authorize(engine, late.id, {"purpose": "care_coordination"}, release_date=RELEASES[0].release_date,
                          on=ON, actor="ana", role="analyst", action="build")
    service.record_event(engine, late.id, {"kind": "deny_further_access", "event_date": "2021-01-05"}, actor="rev")
    with pytest.raises(RuleError, match="ended on 2021-01-05"):
        service.authorize(engine, late.id, {"purpose": "care_coordination"}, release_date=RELEASES[1].release_date,
                          on=ON, actor="ana", role="analyst", action="build")
    with pytest.raises(InputError, match="no CMS release on 2020-09-01"):
        service.authorize(engine, late.id, {"purpose": "care_coordination"}, release_date=dt.date(2020, 9, 1),
                          on=ON, actor="ana", role="analyst", action="build")
    refused = [a for a in service.access_log(engine, request_id=late.id) if a["decision"] == "refused"]
    assert len(refused) == 2 and {a["paragraph"] for a in refused} == {"423.153(g)(1)"}
