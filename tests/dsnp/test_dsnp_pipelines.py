"""D-SNP services end to end on SQLite and PostgreSQL: classification through the appeals area's service, checklist,
integration test and sanction per plan year, CMS list import and reconciliation, admissions and the timeliness
report, assistance records; audit events for every change, optimistic locking, no PHI in logs, lists or audit."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
import sqlalchemy as sa
from dsnp_data import NOW, assistance_record

from partcd import registry
from partcd.core.errors import ConfigError, InputError, RuleError
from partcd.dsnp import pipelines as svc
from partcd.dsnp import samples
from partcd.platform.store import audit
from partcd.platform.store.db import session_scope
from partcd.platform.store.tables import AuditEvent

MBI = "1EG4TE5MK73"


def test_the_classification_comes_from_the_appeals_service_not_an_import() -> None:
    assert [a.name for a in registry.areas() if "dsnp_classification" in a.provides] == ["appeals"]
    source = Path(svc.__file__).read_text(encoding="utf-8")
    assert "partcd.appeals" not in source and 'registry.service(SERVICE)' in source


def test_plan_year_status_of_the_four_tiers(seeded: tuple[sa.Engine, dict[str, int]]) -> None:
    engine, ids = seeded
    got = {c: svc.plan_year_status(engine, i, 2021) for c, i in ids.items()}
    levels = {c: s.classification["integration_level"] for c, s in got.items()}
    # MN: same organization MCO, full capitated coverage, 365 NF days, aligned care, approved procedures -> FIDE;
    # NJ: parent's MCO covers LTSS and BH -> HIDE; TX: only the (d) term; FL: (c)(5) missing -> no § 422.107 contract
    assert levels == {"H2001": "FIDE", "H2002": "HIDE", "H2003": "coordination_only", "H2004": "not_dsnp"}
    assert got["H2001"].classification["is_applicable_integrated_plan"] is True
    assert got["H2001"].checklist.complete and got["H2001"].integration.met_by == ("hide", "fide")
    assert got["H2002"].checklist.complete  # (d) not applicable to a HIDE SNP, (c)(9) not to a non-AIP
    assert [t.state for t in got["H2002"].checklist.terms if t.term_id == "d_admission_notification"] == ["not_applicable"]
    assert got["H2003"].integration.met_by == ("admission_notification_term",)
    assert got["H2004"].checklist.missing == ("c5_provider_participation", "d_admission_notification")
    assert got["H2004"].sanction.sanction_mandatory and got["H2004"].sanction.sanction_types == ("suspension_of_enrollment",)
    assert not any(got[c].sanction.sanction_mandatory for c in ("H2001", "H2002", "H2003"))
    # plan year 2022 (same contract period) reads the same law; a year outside the period is refused
    assert svc.plan_year_status(engine, ids["H2004"], 2022).sanction.sanction_mandatory
    with pytest.raises(RuleError, match=r"outside the contract period"):
        svc.plan_year_status(engine, ids["H2004"], 2023)


def test_adding_the_missing_term_changes_the_verdict(seeded: tuple[sa.Engine, dict[str, int]]) -> None:
    engine, ids = seeded
    fl = ids["H2004"]
    svc.add_evidence(engine, fl, {"term_id": "c5_provider_participation", "document": "FL SMAC", "location": "§ 7"},
                     actor="lead")
    assert svc.plan_year_status(engine, fl, 2021).classification["integration_level"] == "non_compliant"
    svc.add_evidence(engine, fl, {"term_id": "d_admission_notification", "document": "FL SMAC amendment 2"}, actor="lead")
    status = svc.plan_year_status(engine, fl, 2021)
    assert (status.classification["integration_level"], status.integration.meets, status.sanction.sanction_mandatory) == \
        ("coordination_only", True, False)
    with pytest.raises(InputError, match=r"unknown § 422\.107 term 'z9'"):
        svc.add_evidence(engine, fl, {"term_id": "z9", "document": "x"}, actor="lead")


def test_cms_list_import_and_reconciliation(seeded: tuple[sa.Engine, dict[str, int]], tmp_path: Path) -> None:
    engine, _ = seeded
    path = samples.write_cms_list(tmp_path / "cms.csv", 2021)
    assert svc.import_cms_list(engine, path, 2021, actor="lead").rows == 4
    rec = svc.reconcile_year(engine, 2021)
    kinds = {(d.key, d.kind) for d in rec.differences}
    # H2001: CMS lists no AIP flag, partcd says AIP; H2002: CMS FIDE, partcd HIDE; H2999 only on CMS's list;
    # H2004 is not a D-SNP for partcd (no complete § 422.107 contract) and absent from CMS's list: no difference
    assert kinds == {("H2001-001 MN", "aip"), ("H2002-002 NJ", "level"), ("H2999-001 WI", "missing_from_partcd")}
    level = next(d for d in rec.differences if d.kind == "level")
    assert any("FIDE (2): capitated contract does not cover acute_care, primary_care" in r for r in level.reasons)
    assert (rec.cms_rows, rec.matched, rec.agree) == (4, 3, 1)
    # a second import of the year replaces it (4 deletes + 4 creates audited)
    assert svc.import_cms_list(engine, path, 2021, actor="lead").replaced == 4
    with session_scope(engine) as s:
        actions = [e.action for e in audit.recent(s, "dsnp_cms_list_row", limit=100)]
    assert actions.count("create") == 8 and actions.count("delete") == 4


def test_bad_cms_row_refuses_the_whole_file(seeded: tuple[sa.Engine, dict[str, int]], tmp_path: Path) -> None:
    engine, _ = seeded
    path = tmp_path / "bad.csv"
    path.write_text("Contract Number,Plan ID,State,Integration Status\nH2001,1,MN,FIDE\nH2002,2,NJ,SUPER\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        svc.import_cms_list(engine, path, 2021, actor="lead")
    assert (exc.value.row, exc.value.field) == (3, "integration_status")
    assert svc.cms_rows(engine, 2021) == []


def test_admissions_notices_and_timeliness(seeded: tuple[sa.Engine, dict[str, int]]) -> None:
    engine, ids = seeded
    tx = ids["H2003"]  # 3 calendar days from the plan's awareness, America/Chicago
    base = {"mbi": MBI, "setting": "hospital", "admitted_at": "2021-03-01T08:00:00-06:00",
            "plan_aware_at": "2021-03-01T20:00:00-06:00"}
    on_time = svc.record_admission(engine, tx, {**base, "admission_ref": "A1"}, actor="adt", now=NOW)
    # aware March 1 (day 0) + 3 calendar days = March 4, 23:59:59 CST
    assert on_time.notice.due == dt.datetime(2021, 3, 4, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=-6)))
    assert on_time.notice.state == "overdue"
    sent = svc.record_notice(engine, on_time.id, {"notified_at": "2021-03-04T23:59:00-06:00", "notified_to": "TX HHSC",
                                                  "expected_version": 1}, actor="cc", now=NOW)
    assert (sent.notice.state, sent.version) == ("on_time", 2)
    with pytest.raises(RuleError, match="changed by someone else"):
        svc.record_notice(engine, on_time.id, {"notified_at": "2021-03-04T22:00:00-06:00", "notified_to": "TX HHSC",
                                               "expected_version": 1}, actor="cc", now=NOW)
    svc.record_admission(engine, tx, {**base, "admission_ref": "A2", "notified_at": "2021-03-05T00:00:01-06:00",
                                      "notified_to": "TX HHSC"}, actor="adt", now=NOW)
    svc.record_admission(engine, tx, {**base, "admission_ref": "A3", "setting": "emergency_department"}, actor="adt", now=NOW)
    svc.record_admission(engine, tx, {**base, "admission_ref": "A4", "admitted_at": "2021-03-30T08:00:00-06:00",
                                      "plan_aware_at": "2021-03-30T09:00:00-06:00"}, actor="adt", now=NOW)
    with pytest.raises(RuleError, match="already recorded"):
        svc.record_admission(engine, tx, {**base, "admission_ref": "A1"}, actor="adt", now=NOW)
    [row] = svc.timeliness_report(engine, now=NOW, contract_row_id=tx)
    # A1 on time, A2 one second late, A3 not owed (emergency department), A4 open until April 2
    s = row.summary
    assert (row.month, s.admissions, s.required, s.on_time, s.late, s.overdue, s.open, s.on_time_pct, s.compliant) == \
        ("2021-03", 4, 3, 1, 1, 0, 1, 50.0, False)


def test_a_contract_without_a_state_window_cannot_take_admissions(engine: sa.Engine) -> None:
    data = {**samples.contracts(2021)[2], "window_value": None, "window_unit": None, "window_start": None}
    cid = svc.create_contract(engine, data, actor="lead").id
    with pytest.raises(RuleError, match="the State sets the timeframe"):
        svc.record_admission(engine, cid, {"admission_ref": "A1", "mbi": MBI, "setting": "hospital",
                                           "admitted_at": "2021-03-01T08:00:00-06:00"}, actor="adt", now=NOW)


def test_contract_update_is_audited_and_locked(seeded: tuple[sa.Engine, dict[str, int]]) -> None:
    engine, ids = seeded
    cid = ids["H2002"]
    view = svc.update_contract(engine, cid, {"window_value": 24}, actor="lead", expected_version=1, reason="State amendment")
    assert (view.window_value, view.version) == (24, 2)
    with pytest.raises(RuleError, match="changed by someone else"):
        svc.update_contract(engine, cid, {"window_value": 12}, actor="other", expected_version=1)
    with pytest.raises(InputError, match="period_end is before period_start"):
        svc.update_contract(engine, cid, {"period_end": "2020-01-01"}, actor="lead", expected_version=2)
    with session_scope(engine) as s:
        history = audit.history(s, "dsnp_state_contract", str(cid))
    assert [e.action for e in history] == ["create", "update"]
    assert history[1].before is not None and history[1].after is not None
    assert (history[1].before["window_value"], history[1].after["window_value"], history[1].reason) == (48, 24, "State amendment")


def test_assistance_records_are_checked_and_audited_without_phi(engine: sa.Engine, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    view = svc.record_assistance(engine, assistance_record(), actor="cc", today=dt.date(2021, 3, 10))
    assert (view.check.status, [f.code for f in view.check.findings]) == ("non_compliant", ["assistance_owed"])
    done = svc.update_assistance(engine, "AG-1", {"provided_on": "2021-03-04", "kinds_provided": ["B_file_grievance_appeal"]},
                                 actor="cc", expected_version=1, today=dt.date(2021, 3, 10))
    assert (done.check.status, done.version) == ("compliant", 2)
    with pytest.raises(RuleError, match="already has"):
        svc.record_assistance(engine, assistance_record(), actor="cc", today=dt.date(2021, 3, 10))
    with pytest.raises(InputError) as bad:
        svc.record_assistance(engine, assistance_record(case_id="AG-2", mbi="123"), actor="cc", today=dt.date(2021, 3, 10))
    assert bad.value.field == "mbi" and "123" not in str(bad.value)
    with session_scope(engine) as s:
        events = list(s.scalars(sa.select(AuditEvent).where(AuditEvent.entity_type == "dsnp_assistance")))
    dumped = repr([(e.before, e.after) for e in events])
    assert len(events) == 2 and MBI not in dumped and "personal care" not in dumped
    assert MBI not in caplog.text and "personal care" not in caplog.text
    assert svc.assistance_phi(engine, "AG-1")["mbi"] == MBI


def test_assistance_report_for_cms_has_no_phi(engine: sa.Engine) -> None:
    """§ 422.562(a)(5)(iv): the documentation CMS may ask for - every record with its check, no MBI, need or notes."""
    svc.record_assistance(engine, assistance_record(), actor="cc", today=dt.date(2021, 3, 10))
    svc.record_assistance(engine, assistance_record(case_id="AG-2", offered_on=None, methods_offered=[], response="pending",
                                                    response_on=None), actor="cc", today=dt.date(2021, 3, 10))
    rows = svc.list_assistance(engine, today=dt.date(2021, 3, 10))
    assert [(r.case_id, r.check.status) for r in rows] == [("AG-1", "non_compliant"), ("AG-2", "non_compliant")]
    assert [f.code for f in rows[1].check.findings] == ["offer_missing"]
    text = repr([r.model_dump() for r in rows])
    assert MBI not in text and "personal care" not in text
    assert [r.case_id for r in svc.list_assistance(engine, today=dt.date(2021, 3, 10), status="compliant")] == []


def test_unknown_records_are_config_errors(engine: sa.Engine) -> None:
    with pytest.raises(ConfigError, match="no State contract 99"):
        svc.get_contract(engine, 99)
    with pytest.raises(ConfigError, match="no Medicaid-assistance record"):
        svc.get_assistance(engine, "nope", dt.date(2021, 1, 1))
