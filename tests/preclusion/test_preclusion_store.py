"""The preclusion store on SQLite and PostgreSQL: list versions keep every posting (append-only), the current list
is cached per engine, the efforts log is audited with optimistic locking, and the branch migrates both ways."""

from __future__ import annotations

import datetime as dt
import gc

import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy import select

from partcd.core.errors import ConfigError, RuleError
from partcd.platform.store.db import connect, downgrade, session_scope, upgrade
from partcd.platform.store.tables import AuditEvent
from partcd.preclusion import store
from partcd.preclusion.rules.efforts import NotificationEffort, summarise_efforts
from partcd.preclusion.rules.models import ListPosting
from partcd.preclusion.samples import synthetic_list

POSTING = ListPosting(npi="1234567893", party_name="Synthetic Clinic", basis="revoked", effective_date=dt.date(2020, 3, 1),
                      list_posting_date=dt.date(2020, 3, 1), reenrollment_bar_end=dt.date(2023, 3, 1), oig_excluded=True,
                      oig_exclusion_date=dt.date(2020, 2, 1), oig_reinstatement_date=dt.date(2024, 1, 1))
EFFORT = NotificationEffort(npi="1234567893", list_posting_date=dt.date(2020, 3, 1), attempted_on=dt.date(2020, 4, 6),
                            method="fax", contact="+1 555 0100", beneficiaries_named_count=12, outcome="sent")


def test_versions_keep_every_posting_and_refuse_changes(db_url: str) -> None:
    engine = connect(db_url)
    upgrade(engine)
    postings = [ListPosting.model_validate(r) for r in synthetic_list(np.random.default_rng(3), 300).to_pylist()]
    v1, created = store.save_list(engine, [POSTING, *postings], label="PreclusionList_202003", source_name="a.csv",
                                  sha256="1" * 64, actor="ana")
    assert created and (v1.row_count, v1.first_posting_date) == (301, dt.date(2019, 1, 1))
    assert store.load_postings(engine, v1.version_id) == (POSTING, *postings)  # every field, in file order
    same, created_again = store.save_list(engine, [POSTING], label="x", source_name="a.csv", sha256="1" * 64, actor="bo")
    assert (same.version_id, created_again) == (v1.version_id, False)
    v2, _ = store.save_list(engine, postings[:10], label="PreclusionList_202004", source_name="b.csv", sha256="2" * 64,
                            actor="bo")
    assert [v.version_id for v in store.list_versions(engine)] == [v2.version_id, v1.version_id]
    assert len(store.load_postings(engine, v1.version_id)) == 301  # the older version is still whole
    loaded = store.current_list(engine)
    assert loaded is not None and loaded.version == v2 and loaded.index[postings[0].npi][0] == postings[0]
    with pytest.raises(sa.exc.DatabaseError), engine.begin() as conn:
        conn.execute(sa.text("UPDATE preclusion_list_posting SET party_name = 'changed'"))
    with pytest.raises(sa.exc.DatabaseError), engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM preclusion_list_version"))
    with session_scope(engine) as s:
        events = [(e.action, e.actor, e.after["row_count"] if e.after else None)
                  for e in s.scalars(select(AuditEvent).where(AuditEvent.entity_type == "preclusion_list_version")
                                     .order_by(AuditEvent.id))]
    assert events == [("create", "ana", 301), ("create", "bo", 10)]
    with pytest.raises(ConfigError, match="no preclusion list version 99"):
        store.get_version(engine, 99)
    engine.dispose()


def test_cache_is_per_engine_and_invalidated(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = connect(db_url), connect(db_url)
    upgrade(first)
    assert store.current_list(first) is None
    monkeypatch.setenv("PARTCD_PRECLUSION_LIST_RECHECK_S", "3600")
    store.save_list(first, [POSTING], label="v1", source_name="v1.csv", sha256="1" * 64, actor="ana")
    gc.unfreeze()
    loaded = store.current_list(second)
    assert loaded is not None and loaded.version.label == "v1"
    assert gc.get_freeze_count() > 0  # the loaded list is out of the cyclic collector's view (no p99 pauses)
    store.save_list(first, [], label="v2", source_name="v2.csv", sha256="2" * 64, actor="ana")
    assert store.current_list(first).version.label == "v2"  # type: ignore[union-attr]  # installed by the upload
    assert store.current_list(second).version.label == "v1"  # type: ignore[union-attr]  # until its re-check
    store.invalidate(second)
    assert store.current_list(second).version.label == "v2"  # type: ignore[union-attr]
    monkeypatch.setenv("PARTCD_PRECLUSION_LIST_RECHECK_S", "0")
    store.save_list(first, [POSTING], label="v3", source_name="v3.csv", sha256="3" * 64, actor="ana")
    cache = store._cache(second)
    with cache.lock:  # another thread is re-checking: this one answers from the list it has, without waiting
        assert store.current_list(second).version.label == "v2"  # type: ignore[union-attr]
    assert store.current_list(second).version.label == "v3"  # type: ignore[union-attr]
    monkeypatch.setenv("PARTCD_PRECLUSION_LIST_RECHECK_S", "soon")
    store.invalidate(second)
    with pytest.raises(ConfigError, match="not a number of seconds"):
        store.current_list(second)
    first.dispose()
    second.dispose()


def test_efforts_are_audited_validated_and_locked(db_url: str) -> None:
    engine = connect(db_url)
    upgrade(engine)
    record = store.record_effort(engine, EFFORT, actor="ana")
    assert (record.effort, record.version, record.recorded_by) == (EFFORT, 1, "ana")
    changed = store.update_effort(engine, record.effort_id, {"outcome": "delivered"}, actor="bo", expected_version=1)
    assert (changed.effort.outcome, changed.version) == ("delivered", 2)
    with pytest.raises(RuleError, match="changed by someone else"):
        store.update_effort(engine, record.effort_id, {"outcome": "returned"}, actor="cy", expected_version=1)
    with pytest.raises(ValueError, match="attempted_on is before the list posting"):
        store.update_effort(engine, record.effort_id, {"attempted_on": dt.date(2020, 2, 1)}, actor="cy")
    with pytest.raises(ConfigError, match="no provider-notification effort 999"):
        store.update_effort(engine, 999, {"outcome": "returned"}, actor="cy")
    store.record_effort(engine, EFFORT.model_copy(update={"attempted_on": dt.date(2020, 4, 20), "method": "phone",
                                                          "outcome": "no_response"}), actor="ana")
    efforts = [r.effort for r in store.list_efforts(engine, npi="1234567893")]
    assert [e.attempted_on for e in efforts] == [dt.date(2020, 4, 20), dt.date(2020, 4, 6)]  # newest first
    summary = summarise_efforts("1234567893", dt.date(2020, 3, 1), efforts)
    # reached (the fax was delivered) even though the later phone call got no answer; the last outcome is the call's
    assert (summary.attempts, summary.status, summary.last_outcome, summary.first_attempt) == \
        (2, "reached", "no_response", dt.date(2020, 4, 6))
    assert store.list_efforts(engine, list_posting_date=dt.date(2021, 1, 1)) == []
    with session_scope(engine) as s:
        actions = [(e.action, e.actor) for e in s.scalars(
            select(AuditEvent).where(AuditEvent.entity_type == "preclusion_party_notification").order_by(AuditEvent.id))]
    assert actions == [("create", "ana"), ("update", "bo"), ("create", "ana")]
    engine.dispose()


def test_the_branch_downgrades_and_upgrades(tmp_path: object) -> None:
    engine = connect(f"sqlite:///{tmp_path}/branch.db")
    upgrade(engine)
    downgrade(engine, "preclusion@base")
    assert "preclusion_list_version" not in sa.inspect(engine).get_table_names()
    upgrade(engine)
    assert {"preclusion_list_version", "preclusion_list_posting", "preclusion_party_notification"} <= \
        set(sa.inspect(engine).get_table_names())
    engine.dispose()
