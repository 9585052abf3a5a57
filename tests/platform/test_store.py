"""Migrations, CRUD, audit events, append-only log, optimistic locking and rollback - on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from partcd.core.errors import ConfigError, RuleError
from partcd.platform.store import audit
from partcd.platform.store.db import connect, current_revision, downgrade, head_revisions, normalise_url, session_scope, upgrade
from partcd.platform.store.tables import AuditEvent, Run


def test_migrations_up_down_up(db_url: str) -> None:
    engine = connect(db_url)
    upgrade(engine)
    assert current_revision(engine) == head_revisions(engine)
    assert "0001_base" in _applied(engine)
    tables = set(sa.inspect(engine).get_table_names())
    assert {"api_key", "run", "audit_event", "alembic_version"} <= tables
    downgrade(engine, "base")
    assert current_revision(engine) is None
    assert "audit_event" not in sa.inspect(engine).get_table_names()
    upgrade(engine)
    upgrade(engine)  # idempotent
    assert current_revision(engine) == head_revisions(engine)


def _applied(engine: sa.Engine) -> set[str]:
    """Every revision applied, following each head down to base."""
    from alembic.script import ScriptDirectory

    from partcd.platform.store.db import alembic_config

    script = ScriptDirectory.from_config(alembic_config(engine))
    heads = (current_revision(engine) or "").split(",")
    return {rev.revision for head in heads if head for rev in script.iterate_revisions(head, "base")}


def test_crud_writes_audit_events(db_url: str) -> None:
    engine = connect(db_url)
    upgrade(engine)
    with session_scope(engine) as s:
        run = audit.create(s, Run(kind="metrics", status="running", params={"by": "day"}, summary={}, created_by="ana"),
                           actor="ana")
        run_id = run.id
    with session_scope(engine) as s:
        run = s.get(Run, run_id)
        assert run is not None and run.version == 1
        audit.update(s, run, {"status": "done", "summary": {"records": 30}}, actor="ana", reason="finished")
    with session_scope(engine) as s:
        run = s.get(Run, run_id)
        assert run is not None and (run.status, run.summary, run.version) == ("done", {"records": 30}, 2)
        audit.delete(s, run, actor="admin", reason="cleanup")
    with session_scope(engine) as s:
        assert s.get(Run, run_id) is None
        events = audit.history(s, "run", str(run_id))
        assert [e.action for e in events] == ["create", "update", "delete"]
        assert [e.actor for e in events] == ["ana", "ana", "admin"]
        assert events[0].before is None and events[0].after is not None and events[0].after["status"] == "running"
        assert events[1].before is not None and events[1].before["status"] == "running"
        assert events[1].after is not None and events[1].after["status"] == "done" and events[1].reason == "finished"
        assert events[2].after is None and events[2].before is not None and events[2].before["version"] == 2
        assert all(e.occurred_at is not None for e in events)


def test_audit_log_is_append_only_in_the_database(db_url: str) -> None:
    engine = connect(db_url)
    upgrade(engine)
    with session_scope(engine) as s:
        audit.record(s, actor="x", action="note", entity_type="run", entity_id="1", after={"a": 1})
    for stmt in ("UPDATE audit_event SET actor = 'mallory'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(sa.text(stmt))
    with session_scope(engine) as s:
        assert [e.actor for e in s.scalars(sa.select(AuditEvent))] == ["x"]


def test_optimistic_locking_refuses_a_stale_edit(db_url: str) -> None:
    engine = connect(db_url)
    upgrade(engine)
    with session_scope(engine) as s:
        run_id = audit.create(s, Run(kind="k", status="a", params={}, summary={}, created_by="u"), actor="u").id
    # reviewer 1 loads the record and keeps it on screen (one request, one short transaction: on SQLite every
    # transaction takes the write lock at BEGIN, so two open sessions in one thread would wait for each other)
    with session_scope(engine) as s1:
        first = s1.get(Run, run_id)
        assert first is not None
        seen_version = first.version
    with session_scope(engine) as s2:
        second = s2.get(Run, run_id)
        assert second is not None
        audit.update(s2, second, {"status": "b"}, actor="reviewer-2", expected_version=seen_version)
    with session_scope(engine) as s3, pytest.raises(RuleError, match="changed by someone else"):
        stale = s3.merge(first, load=False)  # the version reviewer 1 saw, not re-read: the database refuses it
        audit.update(s3, stale, {"status": "c"}, actor="reviewer-1", expected_version=seen_version)
    with session_scope(engine) as s:
        run = s.get(Run, run_id)
        assert run is not None and (run.status, run.version) == ("b", 2)


def test_a_crash_mid_transaction_loses_nothing_and_writes_nothing(db_url: str) -> None:
    engine = connect(db_url)
    upgrade(engine)
    with session_scope(engine) as s:
        run_id = audit.create(s, Run(kind="k", status="a", params={}, summary={}, created_by="u"), actor="u").id
    with pytest.raises(RuntimeError), session_scope(engine) as s:
        run = s.get(Run, run_id)
        assert run is not None
        audit.update(s, run, {"status": "half"}, actor="u")
        raise RuntimeError("power cut")
    with session_scope(engine) as s:
        run = s.get(Run, run_id)
        assert run is not None and run.status == "a"
        assert [e.action for e in audit.history(s, "run", str(run_id))] == ["create"]


def test_unique_key_names_enforced(db_url: str) -> None:
    from partcd.platform.auth import create_key

    engine = connect(db_url)
    upgrade(engine)
    create_key(engine, "ana", "analyst")
    with pytest.raises(ConfigError, match="already exists"):
        create_key(engine, "ana", "viewer")
    with pytest.raises(ConfigError, match="unknown role"):
        create_key(engine, "bob", "superuser")
    assert IntegrityError  # the driver error is turned into ConfigError above


def test_url_handling() -> None:
    assert normalise_url("postgresql://u@h/db").startswith("postgresql+psycopg://")
    with pytest.raises(ConfigError, match="not a database URL"):
        normalise_url("nonsense")
    with pytest.raises(ConfigError, match="unsupported database"):
        normalise_url("mysql://u@h/db")


def test_an_update_event_stores_only_what_changed(db_url: str) -> None:
    engine = connect(db_url)
    upgrade(engine)
    long_note = "n" * 5000
    with session_scope(engine) as s:
        run = audit.create(s, Run(kind="k", status="running", params={"by": "day", "note": long_note, "ids": [1, 2]},
                                  summary={}, created_by="ana"), actor="ana")
        run_id = run.id
    with session_scope(engine) as s:
        run = s.get(Run, run_id)
        assert run is not None
        audit.update(s, run, {"status": "done", "params": {"by": "day", "note": long_note, "ids": [1, 2, 3]}}, actor="ana")
    with session_scope(engine) as s:
        created, updated = audit.history(s, "run", str(run_id))
        # the create event holds the record; the 5,000-character text as its keyed hash and length
        assert created.after is not None and created.after["params"]["note"]["chars"] == 5000
        assert len(created.after["params"]["note"]["hmac_sha256"]) == 64
        # the update holds the changed column values and, inside the JSON column, only the appended list item
        assert updated.before == {"status": "running", "params": {"ids": {}}, "version": 1}
        assert updated.after == {"status": "done", "params": {"ids": {"[2]": 3}}, "version": 2}


def test_diff_compares_objects_by_key_and_lists_by_item() -> None:
    old = {"a": 1, "b": {"x": [1, 2], "y": "same"}, "gone": True, "same": [1]}
    new = {"a": 2, "b": {"x": [1, 5, 6], "y": "same"}, "added": None, "same": [1]}
    assert audit.diff(old, new) == ({"a": 1, "b": {"x": {"[1]": 2}}, "gone": True},
                                    {"a": 2, "b": {"x": {"[1]": 5, "[2]": 6}}, "added": None})
    assert audit.diff(new, new) == ({}, {})


def test_phi_paths_are_keyed_hashes_and_the_input_is_untouched() -> None:
    key = b"k" * 32
    values = {"mbi": "1EG4TE5MK73", "data": {"events": [{"note": "called Quinn", "kind": "review"}, {"kind": "x"}]}}
    out = audit.protect(values, frozenset({"mbi", "data.events.*.note", "data.missing.path"}), key)
    assert out["mbi"] == audit.digest("1EG4TE5MK73", key) != audit.digest("1EG4TE5MK73", b"other key" * 4)
    assert out["data"]["events"] == [{"note": audit.digest("called Quinn", key), "kind": "review"}, {"kind": "x"}]
    assert values["data"]["events"][0]["note"] == "called Quinn"  # the record itself is not changed
    assert "Quinn" not in str(out) and "1EG4TE5MK73" not in str(out)


def test_the_audit_key_is_32_random_bytes_and_append_only(db_url: str) -> None:
    engine = connect(db_url)
    upgrade(engine)
    with session_scope(engine) as s:
        key = audit.audit_key(s)
    assert len(key) == 32
    for stmt in ("UPDATE audit_key SET secret_hex = 'x'", "DELETE FROM audit_key"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(sa.text(stmt))


def test_truncate_of_the_audit_log_is_refused_on_postgresql(pg_url: str) -> None:
    engine = connect(pg_url)
    upgrade(engine)
    with session_scope(engine) as s:
        audit.record(s, actor="x", action="note", entity_type="run", entity_id="1", after={"a": 1})
    for table in ("audit_event", "audit_key"):
        with pytest.raises(DBAPIError, match=f"{table} is append-only"), engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {table} CASCADE"))
    with session_scope(engine) as s:
        assert [e.actor for e in s.scalars(sa.select(AuditEvent))] == ["x"]
    assert "0007_audit_hardening" in _applied(engine)


def test_audit_reads_and_actors_are_bounded(db_url: str) -> None:
    engine = connect(db_url)
    upgrade(engine)
    with session_scope(engine) as s:
        for limit in (0, -1, audit.PAGE_MAX + 1):
            with pytest.raises(ConfigError, match="limit must be between 1 and 1000"):
                audit.recent(s, limit=limit)
        with pytest.raises(ConfigError, match="actor name must be 1 to 100 characters"):
            audit.record(s, actor="a" * 101, action="note", entity_type="run", entity_id="1")


def test_a_long_read_never_holds_up_a_writer(db_url: str) -> None:
    """SQLite in write-ahead-log mode: a read-only unit of work begins DEFERRED, so a writer goes ahead while it is
    open (a write unit of work begins IMMEDIATE and would wait for it); PostgreSQL refuses a write in it."""
    import time

    engine = connect(db_url)
    upgrade(engine)
    with session_scope(engine, read_only=True) as reader:
        assert list(reader.scalars(sa.select(Run))) == []
        started = time.perf_counter()
        with session_scope(engine) as writer:
            audit.create(writer, Run(kind="k", status="a", params={}, summary={}, created_by="u"), actor="u")
        assert time.perf_counter() - started < 5  # not the 30-second busy timeout
    if engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="read-only transaction"), session_scope(engine, read_only=True) as wrong:
            wrong.add(Run(kind="k", status="b", params={}, summary={}, created_by="u"))
            wrong.flush()
    with session_scope(engine, read_only=True) as again:
        assert [r.status for r in again.scalars(sa.select(Run))] == ["a"]
