"""CAP and BCP records in the database (SQLite and PostgreSQL): migration 0003, audit events, locking, one transaction."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from partcd.compliance import pipelines as svc
from partcd.compliance.rules.cap import LETTER_AUTHORITIES, Cap, CapAction, CapSettings, ComplianceAction
from partcd.compliance.rules.continuity import EssentialFunction, Evidence, Incident, PlanVersion
from partcd.core.errors import ConfigError, RuleError
from partcd.platform.store.db import connect, current_revision, downgrade, session_scope, upgrade
from partcd.platform.store.tables import AuditEvent

ET = ZoneInfo("America/New_York")
TABLES = {"cap", "cap_action", "cap_monitoring_period", "compliance_action", "bcp_plan_version", "bcp_function",
          "bcp_evidence", "bcp_incident"}


def _letter(**kw: object) -> Cap:
    base: dict[str, object] = {
        "contract_ids": ("H1416", "H2001"), "parent_organization": "Centene Corporation",
        "legal_entity": "HARMONY HEALTH PLAN, INC.", "issued_on": dt.date(2022, 5, 26),
        "deficiency": "Failure to Provide Compliant Call Center Services", "authorities": LETTER_AUTHORITIES,
        "detection_source": "beneficiary_complaints", "cms_contacted_on": dt.date(2022, 1, 4)}
    base.update(kw)
    return Cap.model_validate(base)


def _events(engine: sa.Engine) -> list[tuple[str, str, str]]:
    with session_scope(engine) as s:
        return [(e.action, e.entity_type, e.actor) for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def _record(contract: str, day: dt.date, ok: bool | None) -> dict[str, object]:
    return {"contract_id": contract, "period_start": day.isoformat(), "compliant": ok, "calls": 100,
            "failed_standards": [] if ok else ["average hold time (s)"], "avg_hold_time_s": 30.0 if ok else 300.0}


@pytest.fixture()
def engine(db_url: str) -> sa.Engine:
    e = connect(db_url)
    upgrade(e)
    return e


def test_migration_0003_is_a_branch_of_base(engine: sa.Engine) -> None:
    assert "0003_callcenter" in (current_revision(engine) or "").split(",")
    assert set(sa.inspect(engine).get_table_names()) >= TABLES
    downgrade(engine, "compliance@0001_base")
    assert not TABLES & set(sa.inspect(engine).get_table_names())
    assert "audit_event" in sa.inspect(engine).get_table_names()
    upgrade(engine)
    assert set(sa.inspect(engine).get_table_names()) >= TABLES


def test_cap_lifecycle_with_audit_events_and_locking(engine: sa.Engine) -> None:
    cap_id = svc.create_cap(engine, _letter(), actor="cms-analyst", settings=CapSettings(closure_compliant_periods=2))
    assert _events(engine) == [("create", "cap", "cms-analyst"), ("create", "compliance_action", "cms-analyst"),
                               ("create", "compliance_action", "cms-analyst")]
    detail = svc.get_cap(engine, cap_id, dt.date(2022, 5, 27))
    assert detail.cap.submission_due == dt.date(2022, 6, 25) and detail.version == 1
    assert [e.key for e in detail.elements_without_actions] == ["timely_access", "bcp_72h"]
    assert [(c.kind, c.contract_id) for c in detail.compliance_actions] == [("cap", "H1416"), ("cap", "H2001")]

    action_id = svc.add_action(engine, cap_id, CapAction(required_element="bcp_72h", description="write the BCP",
                                                         owner="COO", due_on=dt.date(2022, 7, 1)), actor="plan")
    with pytest.raises(RuleError, match="no required element 'x'"):
        svc.add_action(engine, cap_id, CapAction(required_element="x", description="d", owner="o",
                                                 due_on=dt.date(2022, 7, 1)), actor="plan")
    assert svc.get_cap(engine, cap_id, dt.date(2022, 7, 2)).actions[0].overdue
    svc.complete_action(engine, action_id, dt.date(2022, 6, 30), ["bcp-v1.pdf"], actor="plan", expected_version=1)
    with pytest.raises(RuleError, match="changed by someone else"):
        svc.complete_action(engine, action_id, dt.date(2022, 6, 30), ["again.pdf"], actor="plan", expected_version=1)

    svc.set_status(engine, cap_id, "submitted", dt.date(2022, 6, 20), actor="plan", expected_version=1)
    with pytest.raises(RuleError, match="changed by someone else"):
        svc.set_status(engine, cap_id, "accepted", dt.date(2022, 6, 27), actor="cms", expected_version=1)
    with pytest.raises(RuleError, match="cannot move to 'monitoring'"):
        svc.set_status(engine, cap_id, "monitoring", dt.date(2022, 6, 27), actor="cms")
    for to, day in (("accepted", 27), ("implementing", 28), ("monitoring", 30)):
        svc.set_status(engine, cap_id, to, dt.date(2022, 6, day), actor="cms")  # type: ignore[arg-type]

    days = [dt.date(2022, 7, d) for d in (1, 5, 6)]
    res = svc.record_monitoring(engine, cap_id, [_record("H1416", days[0], False), _record("H1416", days[1], True),
                                                 _record("H2001", days[0], True), _record("H2001", days[1], True),
                                                 _record("H9999", days[0], True)], source="daily.csv", actor="plan")
    assert (res.added, res.ignored_contracts, res.non_compliant_periods) == (4, ("H9999",), 1)
    assert not res.closure.closable
    with pytest.raises(RuleError, match="cannot close yet: H1416: 1 of 2"):
        svc.close_cap(engine, cap_id, dt.date(2022, 7, 6), actor="cms")
    # a corrected report for 07-01 and the next day: re-recorded periods are audited updates
    res = svc.record_monitoring(engine, cap_id, [_record("H1416", days[0], True), _record("H1416", days[1], True),
                                                 _record("H1416", days[2], True)], source="daily-fixed.csv", actor="plan")
    assert (res.added, res.updated, res.unchanged) == (1, 1, 1)
    assert res.closure.closable and res.closure.closable_on == dt.date(2022, 7, 5)
    closed = svc.close_cap(engine, cap_id, dt.date(2022, 7, 7), actor="cms")
    assert (closed.status, closed.closed_on) == ("closed", dt.date(2022, 7, 7))
    assert [a.closed_on for a in svc.compliance_history(engine, parent_organization="Centene Corporation")] == \
        [dt.date(2022, 7, 7)] * 2
    assert svc.list_caps(engine, status="closed", contract_id="H2001")[0][0].cap_id == cap_id
    assert svc.list_caps(engine, contract_id="H0000") == []

    events = _events(engine)
    assert events.count(("update", "cap", "cms")) == 4  # accepted, implementing, monitoring, closed
    assert ("update", "cap_monitoring_period", "plan") in events
    assert events.count(("update", "compliance_action", "cms")) == 2


def test_a_refused_close_writes_nothing(engine: sa.Engine) -> None:
    cap_id = svc.create_cap(engine, _letter(contract_ids=("H1416",)), actor="a")
    before = len(_events(engine))
    with pytest.raises(RuleError):
        svc.close_cap(engine, cap_id, dt.date(2022, 6, 1), actor="a")
    assert len(_events(engine)) == before
    assert svc.get_cap(engine, cap_id, dt.date(2022, 6, 1)).cap.status == "requested"
    with pytest.raises(ConfigError, match="no CAP 999"):
        svc.get_cap(engine, 999, dt.date(2022, 6, 1))


def test_past_performance_from_the_stored_history(engine: sa.Engine) -> None:
    svc.create_cap(engine, _letter(contract_ids=("H1416",)), actor="cms")
    svc.add_compliance_action(engine, ComplianceAction(kind="warning_letter", issued_on=dt.date(2022, 3, 1),
                                                       contract_id="H1416", parent_organization="Centene Corporation"),
                              actor="cms")
    review = svc.past_performance_review(engine, dt.date(2023, 2, 15), parent_organization="Centene Corporation")
    assert review.counts == {"warning_letter": 1, "cap": 1} and review.flagged


def test_bcp_plan_evidence_incidents(engine: sa.Engine, tmp_path: Path) -> None:
    plan = PlanVersion(organization="Centene Corporation", version_label="2022.1", approved_on=dt.date(2022, 2, 1),
                       parts=("C", "D"), activation_events=("site loss", "typhoon warning"))
    extra = EssentialFunction(key="C.enrollment", name="Enrollment", part="C", priority_rank=3, rto_hours=72)
    svc.create_plan(engine, plan, actor="coo", extra_functions=[extra])
    svc.add_evidence(engine, "Centene Corporation", Evidence(kind="test", performed_on=dt.date(2022, 3, 15),
                                                             description="tabletop exercise", records=("t.pdf",)), actor="coo")
    inc = Incident(function_key="C.call_center", failure_start=dt.datetime(2022, 1, 4, 9, 0, tzinfo=ET),
                   detected_at=dt.datetime(2022, 1, 4, 9, 20, tzinfo=ET), cause="typhoon", activated_bcp=True)
    inc_id = svc.open_incident(engine, "Centene Corporation", inc, actor="ops")
    with pytest.raises(RuleError, match="unknown essential function"):
        svc.open_incident(engine, "Centene Corporation", inc.model_copy(update={"function_key": "x"}), actor="ops")
    status = svc.bcp_status(engine, "Centene Corporation", dt.datetime(2022, 1, 5, 9, 0, tzinfo=ET))
    assert status.incidents[0].compliant is None and status.incidents[0].hours_open == 24.0
    svc.restore_incident(engine, inc_id, dt.datetime(2022, 1, 7, 9, 1, tzinfo=ET), actor="ops", expected_version=1)
    with pytest.raises(RuleError, match="already restored"):
        svc.restore_incident(engine, inc_id, dt.datetime(2022, 1, 7, 9, 1, tzinfo=ET), actor="ops")
    status = svc.bcp_status(engine, "Centene Corporation", dt.datetime(2022, 6, 1, 12, tzinfo=ET))
    check = status.incidents[0]
    assert (check.hours_to_restore, check.compliant) == (72.02, False)
    assert check.restored_at == dt.datetime(2022, 1, 7, 14, 1, tzinfo=dt.UTC)
    assert status.plan is not None and len(status.plan.functions) == 8 and status.missing_minimum == ()
    annual = {a.kind: a for a in status.annual}
    assert annual["test"].last_on == dt.date(2022, 3, 15) and annual["training"].next_due == dt.date(2023, 2, 1)
    assert not status.compliant
    paths = svc.write_bcp_report(status, tmp_path)
    assert "NOT MET" in paths[1].read_text() and '"compliant": false' in paths[0].read_text()
    assert svc.organizations(engine) == ["Centene Corporation"]
    kinds = [(a, t) for a, t, _ in _events(engine)]
    assert kinds.count(("create", "bcp_function")) == 8 and ("update", "bcp_incident") in kinds
