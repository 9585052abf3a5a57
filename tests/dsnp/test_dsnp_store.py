"""The dsnp Alembic branch on SQLite and PostgreSQL: up and down cleanly, one head per branch, optimistic locking under
two sessions, nothing half-written when a write fails, PHI columns kept out of the audit log."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from partcd.core.errors import InputError, RuleError
from partcd.dsnp import pipelines as svc
from partcd.dsnp import samples
from partcd.dsnp.store import AdmissionRow, AssistanceRow, StateContractRow
from partcd.platform.store import audit
from partcd.platform.store.db import connect, current_revision, downgrade, head_revisions, session_scope, upgrade

DSNP_TABLES = {"dsnp_state_contract", "dsnp_term_evidence", "dsnp_cms_list_row", "dsnp_admission", "dsnp_assistance"}


def test_migration_adds_the_dsnp_branch_and_goes_down_cleanly(db_url: str) -> None:
    engine = connect(db_url)
    upgrade(engine)
    assert "0006_dsnp" in (current_revision(engine) or "").split(",")
    assert current_revision(engine) == head_revisions(engine)
    assert set(sa.inspect(engine).get_table_names()) >= DSNP_TABLES
    downgrade(engine, "dsnp@0001_base")
    names = set(sa.inspect(engine).get_table_names())
    assert not DSNP_TABLES & names and "audit_event" in names and "appeal_case" in names
    upgrade(engine)
    assert set(sa.inspect(engine).get_table_names()) >= DSNP_TABLES


def test_two_sessions_editing_one_contract_the_second_is_refused(engine: sa.Engine) -> None:
    cid = svc.create_contract(engine, samples.contracts(2021)[0], actor="lead").id
    # user two loads the contract and keeps it on screen (one short transaction: on SQLite every writing
    # transaction takes the write lock at BEGIN, so two open sessions in one thread would wait for each other)
    with session_scope(engine) as s2:
        b = s2.get(StateContractRow, cid)
        assert b is not None
    with session_scope(engine) as first:
        a = first.get(StateContractRow, cid)
        assert a is not None
        audit.update(first, a, {"notice_method": "HIE"}, actor="one", expected_version=1)
    with session_scope(engine) as second, pytest.raises(RuleError, match="changed by someone else"):
        stale = second.merge(b, load=False)  # the version user two saw, not re-read: the database refuses it
        audit.update(second, stale, {"notice_method": "fax"}, actor="two", expected_version=1)
    assert svc.get_contract(engine, cid).notice_method == "HIE"


def test_a_bad_row_in_an_admissions_feed_writes_nothing(engine: sa.Engine, tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    cid = svc.create_contract(engine, samples.contracts(2021)[2], actor="lead").id
    feed = folder / "feed.csv"
    feed.write_text("admission_ref,mbi,setting,admitted_at,plan_aware_at\n"
                    "R1,1EG4TE5MK73,hospital,2021-03-01T08:00:00-06:00,2021-03-01T08:00:00-06:00\n"
                    "R2,1EG4TE5MK73,hospital,2021-03-01T08:00:00,\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        svc.import_admissions(engine, cid, feed, actor="adt", now=dt.datetime(2021, 3, 5, tzinfo=dt.UTC))
    assert (exc.value.row, exc.value.field) == (3, "admitted_at") and "needs a UTC offset" in exc.value.reason
    with session_scope(engine) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(AdmissionRow)) == 0


def test_phi_columns_are_stored_but_not_audited(engine: sa.Engine) -> None:
    assert AdmissionRow.audit_excluded == frozenset({"mbi"})
    assert AssistanceRow.audit_excluded == frozenset({"mbi", "need", "notes"})
    cid = svc.create_contract(engine, samples.contracts(2021)[2], actor="lead").id
    view = svc.record_admission(engine, cid, {"admission_ref": "A1", "mbi": "1eg4-te5-mk73", "setting": "hospital",
                                              "admitted_at": "2021-03-01T08:00:00-06:00",
                                              "plan_aware_at": "2021-03-01T08:00:00-06:00"}, actor="adt",
                                now=dt.datetime(2021, 3, 5, tzinfo=dt.UTC))
    with session_scope(engine) as s:
        [event] = audit.history(s, "dsnp_admission", str(view.id))
        stored = s.get(AdmissionRow, view.id)
        assert stored is not None and stored.mbi == "1EG4TE5MK73"
    assert event.after is not None and "mbi" not in event.after and event.after["admission_ref"] == "A1"
    # the due time is stored (UTC) for the queue: admitted 08:00 CST, aware = admission, 3 calendar days -> March 4 23:59:59 CST
    assert stored.due_at is not None
    due = stored.due_at if stored.due_at.tzinfo else stored.due_at.replace(tzinfo=dt.UTC)
    assert due == dt.datetime(2021, 3, 5, 5, 59, 59, tzinfo=dt.UTC)
