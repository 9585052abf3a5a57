"""Appeal case store on SQLite and PostgreSQL: migration, create -> transition -> timeline, audit trail per case,
optimistic locking (two sessions; 20 parallel writers), nothing lost or half-written on a crash, MBI and PHI rules."""

from __future__ import annotations

import datetime as dt
import json
import logging
import signal
import subprocess
import sys
import textwrap
import threading
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from partcd.appeals.pipelines import cases as ac
from partcd.appeals.rules.workflow import FREE_TEXT_MAX_CHARS
from partcd.appeals.store import AppealCase, CaseEvent, Notice
from partcd.core.errors import InputError, RuleError
from partcd.platform.store import audit
from partcd.platform.store.db import connect, current_revision, downgrade, head_revisions, session_scope, upgrade
from partcd.platform.store.tables import AuditEvent

NY = ZoneInfo("America/New_York")
REC = dt.datetime(2021, 3, 1, 9, 0, tzinfo=NY)
MBI = "1EG4TE5MK73"
NAME = "Quinn Zebulon"
IOD: dict[str, Any] = {"case_type": "integrated_organization_determination", "received": REC, "reason": "home health",
                       "enrollee_name": NAME, "mbi": "1eg4-te5-mk73", "contract_id": "H1234"}


@pytest.fixture()
def engine(db_url: str) -> sa.Engine:
    eng = connect(db_url)
    upgrade(eng)
    return eng


def test_migration_adds_the_appeals_branch_and_goes_down_cleanly(db_url: str) -> None:
    eng = connect(db_url)
    upgrade(eng)
    assert current_revision(eng) == head_revisions(eng)
    assert "0008_appeals_assignee" in (current_revision(eng) or "")  # the appeals branch: 0002 -> 0007 -> 0008
    tables = {"appeal_case", "case_event", "notice", "contract_clock_override", "appeal_obligation", "appeal_queue_tally",
              "notice_letterhead"}
    assert tables <= set(sa.inspect(eng).get_table_names())
    assert "assignee" in {c["name"] for c in sa.inspect(eng).get_columns("appeal_case")}
    downgrade(eng, "0007_appeals_letterhead")
    assert "assignee" not in {c["name"] for c in sa.inspect(eng).get_columns("appeal_case")}
    downgrade(eng, "0005_appeals_overrides")
    names = set(sa.inspect(eng).get_table_names())
    assert "appeal_case" in names and not names & {"appeal_obligation", "appeal_queue_tally"}
    downgrade(eng, "base")
    assert "appeal_case" not in sa.inspect(eng).get_table_names()
    upgrade(eng)
    assert "appeal_case" in sa.inspect(eng).get_table_names()


def test_create_transition_timeline_notices_and_audit_trail(engine: sa.Engine) -> None:
    v = ac.create_case(engine, IOD, actor="ina", now=REC + dt.timedelta(minutes=5))
    assert (v.version, v.case.status, v.case.mbi) == (1, "STANDARD_PENDING", MBI)
    assert v.next_due == dt.datetime(2021, 3, 15, 23, 59, 59, tzinfo=NY)
    v2 = ac.transition(engine, v.id, {"kind": "decide", "decision": "adverse", "at": REC + dt.timedelta(days=2),
                                      "reduction": True, "effective_date": dt.date(2021, 3, 20)},
                       actor="rev", expected_version=1, now=REC + dt.timedelta(days=2))
    assert (v2.version, v2.case.status, v2.next_due) == (2, "ADVERSE_NOTICED", None)
    tl = ac.timeline(engine, v.id)
    assert [(e["seq"], e["kind"], e["actor"], e["status_after"]) for e in tl] == [
        (1, "received", "ina", "STANDARD_PENDING"), (2, "decide", "rev", "ADVERSE_NOTICED")]
    assert tl[1]["at"] == "2021-03-03T14:00:00+00:00"
    assert ac.case_notices(engine, v.id) == [{"kind": "adverse_determination", "obligation_id": "T6",
                                              "due": "2021-03-11T04:59:59+00:00", "sent": "2021-03-03T14:00:00+00:00"}]
    ir = ac.create_case(engine, {"received": REC + dt.timedelta(days=5), "reason": "appeal of the reduction"},
                        actor="ina", now=REC + dt.timedelta(days=5), parent_id=v.id)
    assert ir.case.case_type == "integrated_reconsideration" and ir.case.adverse_notice_date == dt.date(2021, 3, 3)
    assert ir.parent_id == v.id and ir.case.intended_effective_date == dt.date(2021, 3, 20)
    with session_scope(engine) as s:
        trail = audit.history(s, "appeal_case", str(v.id))
        assert [(e.action, e.actor, e.reason) for e in trail] == [("create", "ina", "case received"),
                                                                  ("update", "rev", "decide")]
        assert trail[1].before is not None and trail[1].before["status"] == "STANDARD_PENDING"
        assert trail[1].after is not None and trail[1].after["status"] == "ADVERSE_NOTICED"
        assert trail[1].after["version"] == 2
        events = s.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == v.id)).all()
        assert all(audit.history(s, "case_event", str(e.id)) for e in events)


def test_parent_must_be_an_adverse_iod(engine: sa.Engine) -> None:
    v = ac.create_case(engine, IOD, actor="ina", now=REC)
    with pytest.raises(RuleError, match="not an adverse integrated organization determination"):
        ac.create_case(engine, {"received": REC + dt.timedelta(days=1), "reason": "x"}, actor="ina",
                       now=REC + dt.timedelta(days=1), parent_id=v.id)


def test_illegal_transition_changes_nothing(engine: sa.Engine) -> None:
    v = ac.create_case(engine, IOD, actor="ina", now=REC)
    with pytest.raises(RuleError, match="not allowed") as err:
        ac.transition(engine, v.id, {"kind": "forward_to_ire", "at": REC + dt.timedelta(hours=1)}, actor="rev",
                      now=REC + dt.timedelta(hours=1))
    assert err.value.cite and "422.631" in err.value.citation
    again = ac.get_case(engine, v.id, now=REC + dt.timedelta(hours=1))
    assert (again.version, again.case.status, len(again.case.events)) == (1, "STANDARD_PENDING", 1)


def test_concurrent_edit_from_two_sessions_is_refused(engine: sa.Engine) -> None:
    v = ac.create_case(engine, IOD, actor="ina", now=REC)
    with session_scope(engine) as s1:  # bob loads the case (version 1) and keeps it on screen
        b = s1.get(AppealCase, v.id)
        assert b is not None and b.version == 1
    with session_scope(engine) as s2:
        a = s2.get(AppealCase, v.id)
        assert a is not None and a.version == 1
        audit.update(s2, a, {"status": "APPROVED"}, actor="ana", expected_version=1)
    with session_scope(engine) as s3, pytest.raises(RuleError, match="changed by someone else"):
        audit.update(s3, s3.merge(b, load=False), {"status": "ADVERSE_NOTICED"}, actor="bob", expected_version=1)
    with session_scope(engine) as s:
        row = s.get(AppealCase, v.id)
        assert row is not None and (row.status, row.version) == ("APPROVED", 2)
    # the service refuses a stale version a user had on screen
    with pytest.raises(RuleError, match="version 2, you had 1"):
        ac.transition(engine, v.id, {"kind": "review", "at": REC + dt.timedelta(hours=2)}, actor="bob",
                      expected_version=1, now=REC + dt.timedelta(hours=2))


def test_twenty_parallel_writers_lose_no_update(engine: sa.Engine) -> None:
    v = ac.create_case(engine, IOD, actor="ina", now=REC)
    ok: list[int] = []
    refused: list[str] = []
    barrier = threading.Barrier(20)

    def writer(i: int) -> None:
        barrier.wait()
        try:
            ac.transition(engine, v.id, {"kind": "review", "at": REC + dt.timedelta(hours=1, minutes=i)},
                          actor=f"w{i}", now=REC + dt.timedelta(hours=2))
            ok.append(i)
        except RuleError as exc:
            refused.append(str(exc))
        except DBAPIError as exc:  # SQLite may time out a writer; never a lost update
            refused.append(type(exc).__name__)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert ok and len(ok) + len(refused) == 20
    if engine.dialect.name == "sqlite":  # BEGIN IMMEDIATE: writers wait their turn instead of "database is locked"
        assert refused == []
    final = ac.get_case(engine, v.id, now=REC + dt.timedelta(hours=3))
    assert final.version == 1 + len(ok)
    assert len(final.case.reviews) == len(ok) and len(final.case.events) == 1 + len(ok)
    assert len(ac.timeline(engine, v.id)) == 1 + len(ok)
    with session_scope(engine) as s:  # the audit log matches: one update event per acknowledged write
        trail = audit.history(s, "appeal_case", str(v.id))
        assert [e.action for e in trail] == ["create"] + ["update"] * len(ok)
        assert sorted(e.actor for e in trail[1:]) == sorted(f"w{i}" for i in ok)


def test_twenty_concurrent_intakes_are_all_stored(engine: sa.Engine) -> None:
    """A concurrent intake never gets "database is locked" (issue 9): every acknowledged case is stored, with its
    timeline and its audit event."""
    acknowledged: list[int] = []
    failed: list[str] = []
    barrier = threading.Barrier(20)

    def intake(i: int) -> None:
        barrier.wait()
        try:
            acknowledged.append(ac.create_case(engine, {**IOD, "reason": f"request {i}"}, actor=f"i{i}", now=REC).id)
        except Exception as exc:
            failed.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=intake, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failed == [] and len(acknowledged) == 20
    with session_scope(engine) as s:
        stored = set(s.scalars(sa.select(AppealCase.id)))
        created = {e.entity_id for e in s.scalars(sa.select(AuditEvent).where(AuditEvent.entity_type == "appeal_case"))}
    assert stored == set(acknowledged) and created == {str(i) for i in acknowledged}
    assert all(len(ac.timeline(engine, i)) == 1 for i in acknowledged)


def test_crash_mid_transaction_loses_nothing(engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    v = ac.create_case(engine, IOD, actor="ina", now=REC)

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(ac, "_store_notices", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        ac.transition(engine, v.id, {"kind": "decide", "decision": "favorable", "at": REC + dt.timedelta(days=1)},
                      actor="rev", now=REC + dt.timedelta(days=1))
    monkeypatch.undo()
    after = ac.get_case(engine, v.id, now=REC + dt.timedelta(days=1))
    assert (after.version, after.case.status) == (1, "STANDARD_PENDING")
    assert len(ac.timeline(engine, v.id)) == 1
    with session_scope(engine) as s:
        assert len(audit.history(s, "appeal_case", str(v.id))) == 1
    done = ac.transition(engine, v.id, {"kind": "decide", "decision": "favorable", "at": REC + dt.timedelta(days=1)},
                         actor="rev", now=REC + dt.timedelta(days=1))
    assert (done.version, done.case.status) == (2, "APPROVED")


def test_killed_process_mid_write_leaves_the_case_intact(engine: sa.Engine) -> None:
    v = ac.create_case(engine, IOD, actor="ina", now=REC)
    url = engine.url.render_as_string(hide_password=False)
    script = textwrap.dedent(f"""
        import datetime as dt, os
        from zoneinfo import ZoneInfo
        from partcd.appeals.pipelines import cases as ac
        from partcd.platform.store.db import connect
        real = ac._store_notices
        def die(*a, **k):
            real(*a, **k)
            os._exit(9)   # killed after every row of the transaction was flushed, before COMMIT
        ac._store_notices = die
        rec = dt.datetime(2021, 3, 1, 9, tzinfo=ZoneInfo("America/New_York"))
        ac.transition(connect({url!r}), {v.id}, {{"kind": "decide", "decision": "adverse", "at": rec + dt.timedelta(days=1)}},
                      actor="rev", now=rec + dt.timedelta(days=1))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120, check=False)
    assert done.returncode == 9, done.stderr.decode()[-2000:]
    after = ac.get_case(engine, v.id, now=REC + dt.timedelta(days=1))
    assert (after.version, after.case.status) == (1, "STANDARD_PENDING")
    assert len(ac.timeline(engine, v.id)) == 1
    assert ac.transition(engine, v.id, {"kind": "review", "at": REC + dt.timedelta(days=1)}, actor="rev",
                         now=REC + dt.timedelta(days=1)).version == 2


def test_timeline_is_append_only_in_the_database(engine: sa.Engine) -> None:
    ac.create_case(engine, IOD, actor="ina", now=REC)
    for stmt in ("UPDATE case_event SET actor = 'mallory'", "DELETE FROM case_event"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(sa.text(stmt))


def test_sweep_stores_deemed_adverse_cases(engine: sa.Engine) -> None:
    v = ac.create_case(engine, IOD, actor="ina", now=REC)
    assert ac.sweep(engine, now=REC + dt.timedelta(days=10)) == []
    assert ac.sweep(engine, now=REC + dt.timedelta(days=15)) == [v.id]
    after = ac.get_case(engine, v.id, now=REC + dt.timedelta(days=15))
    assert (after.version, after.case.status) == (2, "DEEMED_ADVERSE")
    assert ac.timeline(engine, v.id)[-1]["kind"] == "deadline_passed"
    assert ac.timeline(engine, v.id)[-1]["actor"] == "system"
    with session_scope(engine) as s:
        n = s.scalars(sa.select(Notice).where(Notice.case_id == v.id)).one()
        assert (n.kind, n.obligation_id) == ("adverse_determination", "T13")


def test_invalid_mbi_is_refused_without_echoing_it(engine: sa.Engine) -> None:
    with pytest.raises(InputError, match="not a valid Medicare Beneficiary Identifier") as err:
        ac.create_case(engine, {**IOD, "mbi": "1SG4TE5MK73"}, actor="ina", now=REC)  # S is never used
    assert "1SG4TE5MK73" not in str(err.value) and err.value.field == "mbi"
    for bad in ("0EG4TE5MK73", "1EG4TE5MK7", "1EG4TE5MK7A", "1EGATE5MK73"):
        with pytest.raises(InputError):
            ac.normalise_mbi(bad)
    assert ac.normalise_mbi(" 1eg4-te5-mk73 ") == MBI


def test_phi_is_never_logged(engine: sa.Engine, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    v = ac.create_case(engine, IOD, actor="ina", now=REC)
    ac.transition(engine, v.id, {"kind": "decide", "decision": "adverse", "at": REC + dt.timedelta(days=1)},
                  actor="rev", now=REC + dt.timedelta(days=1))
    assert f"appeal case {v.id}" in caplog.text
    assert MBI not in caplog.text and NAME not in caplog.text and "Quinn" not in caplog.text


LONG_NAME = "Quinn Zebulon " * 10  # 140 characters > VARCHAR(120)


def test_a_failed_write_never_logs_phi(engine: sa.Engine, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # statement logging on: parameters must stay hidden
    with pytest.raises(InputError, match="enrollee_name") as refused:  # refused at the model edge
        ac.create_case(engine, {**IOD, "enrollee_name": LONG_NAME}, actor="ina", now=REC)
    assert "Quinn" not in str(refused.value)
    # forced past the model: both databases refuse a missing case type (IntegrityError), PostgreSQL the long name
    forced: list[dict[str, Any]] = [{"case_type": None, "enrollee_name": NAME}]
    if engine.dialect.name == "postgresql":
        forced.append({"case_type": "integrated_grievance", "enrollee_name": LONG_NAME})  # DataError
    log = logging.getLogger("partcd.test")
    for values in forced:
        with pytest.raises(DBAPIError) as failed, session_scope(engine) as s:
            s.add(AppealCase(status="RECEIVED", contract_id="H1234", plan_benefit_package="001", mbi=MBI,
                             received_at=REC, data={}, **values))
            s.flush()
        log.error("write failed", exc_info=failed.value)  # what a server's error log shows
        assert MBI not in str(failed.value) and "Quinn" not in str(failed.value)
    assert "INSERT INTO appeal_case" in caplog.text  # the statements were logged ...
    assert MBI not in caplog.text and "Quinn" not in caplog.text  # ... without their parameters


def test_the_audit_log_holds_no_phi(engine: sa.Engine) -> None:
    v = ac.create_case(engine, IOD, actor="ina", now=REC)
    ac.transition(engine, v.id, {"kind": "review", "note": f"spoke with {NAME}, MBI {MBI}", "at": REC + dt.timedelta(hours=1)},
                  actor="rev", now=REC + dt.timedelta(hours=1))
    twin = ac.create_case(engine, {**IOD, "reason": "another request"}, actor="ina", now=REC)
    with session_scope(engine) as s:
        events = list(s.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))
        dumped = json.dumps([[e.before, e.after, e.reason] for e in events])
        assert MBI not in dumped and "Quinn" not in dumped and "Zebulon" not in dumped and "home health" not in dumped
        first, second = (audit.history(s, "appeal_case", str(i))[0].after for i in (v.id, twin.id))
        assert first is not None and second is not None
        assert first["mbi"] == second["mbi"] and len(first["mbi"]["hmac_sha256"]) == 64  # same enrollee, same hash
        assert first["data"]["reason"] != second["data"]["reason"]
        assert first["contract_id"] == "H1234" and first["status"] == "STANDARD_PENDING"  # what is not PHI stays
        update = audit.history(s, "appeal_case", str(v.id))[1]
        assert update.after is not None and set(update.after["data"]["events"]) == {"[1]"}  # the new event only
        assert update.after["data"]["events"]["[1]"]["note"].keys() == {"hmac_sha256"}
    assert ac.timeline(engine, v.id)[1]["details"]["note"] == f"spoke with {NAME}, MBI {MBI}"  # the record keeps it


def _audit_bytes(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(
            "SELECT coalesce(sum(length(CAST(before AS TEXT))), 0) + coalesce(sum(length(CAST(after AS TEXT))), 0) "
            "FROM audit_event")).scalar_one())


def test_a_one_word_event_adds_little_to_the_audit_log(engine: sa.Engine) -> None:
    """Issue 9: with full before/after snapshots a one-word event on a case holding a 20 MB note added 40 MB; here
    the longest note the edge accepts (10,000 characters) is on the case. Measured: full snapshots 27,166 bytes per
    one-word event on SQLite; stored diffs 1,328 bytes (appeal_case update + case_event create)."""
    v = ac.create_case(engine, IOD, actor="ina", now=REC)
    ac.transition(engine, v.id, {"kind": "review", "note": "n" * FREE_TEXT_MAX_CHARS, "at": REC + dt.timedelta(hours=1)},
                  actor="rev", now=REC + dt.timedelta(hours=1))
    with pytest.raises(InputError, match="note"):
        ac.transition(engine, v.id, {"kind": "review", "note": "n" * (FREE_TEXT_MAX_CHARS + 1),
                                     "at": REC + dt.timedelta(hours=1)}, actor="rev", now=REC + dt.timedelta(hours=1))
    before = _audit_bytes(engine)
    ac.transition(engine, v.id, {"kind": "review", "note": "ok", "at": REC + dt.timedelta(hours=2)}, actor="rev",
                  now=REC + dt.timedelta(hours=2))
    added = _audit_bytes(engine) - before
    assert added < 2_000 < 2 * FREE_TEXT_MAX_CHARS, added


BURST = textwrap.dedent("""
    import datetime as dt, sys
    from zoneinfo import ZoneInfo
    from partcd.appeals.pipelines import cases as ac
    from partcd.platform.store.db import connect
    engine = connect(sys.argv[1])
    rec = dt.datetime(2021, 3, 1, 9, tzinfo=ZoneInfo("America/New_York"))
    intake = {"case_type": "integrated_organization_determination", "received": rec, "reason": "burst",
              "enrollee_name": "Quinn Zebulon", "mbi": "1EG4TE5MK73", "contract_id": "H1234"}
    for i in range(10_000):
        case = ac.create_case(engine, intake, actor="burst", now=rec)
        print(case.id, case.version, flush=True)  # acknowledged: committed
        if i % 2:
            case = ac.transition(engine, case.id, {"kind": "review", "at": rec + dt.timedelta(hours=1)}, actor="burst",
                                 now=rec + dt.timedelta(hours=1))
            print(case.id, case.version, flush=True)
""")


def test_kill_9_during_a_burst_loses_no_acknowledged_write(engine: sa.Engine) -> None:
    """A writer process is killed (SIGKILL) in the middle of a burst of case writes: every write it acknowledged
    (printed after its commit) is stored, and the audit log matches the stored cases exactly (one create per case,
    one update per version after the first, one timeline row per event) - nothing half-written."""
    url = engine.url.render_as_string(hide_password=False)
    writer = subprocess.Popen([sys.executable, "-c", BURST, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    assert writer.stdout is not None and writer.stderr is not None
    acknowledged: dict[int, int] = {}
    for line in writer.stdout:
        case_id, version = map(int, line.split())
        acknowledged[case_id] = version
        if len(acknowledged) >= 12:
            break
    writer.send_signal(signal.SIGKILL)
    for line in writer.stdout:  # acknowledgements already written before the kill
        case_id, version = map(int, line.split())
        acknowledged[case_id] = version
    assert writer.wait(timeout=60) == -signal.SIGKILL, writer.stderr.read()[-2000:]
    with session_scope(engine) as s:
        stored = {row.id: row.version for row in s.scalars(sa.select(AppealCase))}
        trail: dict[str, list[str]] = {}
        for e in s.scalars(sa.select(AuditEvent).where(AuditEvent.entity_type == "appeal_case").order_by(AuditEvent.id)):
            trail.setdefault(e.entity_id, []).append(e.action)
        events = dict(s.execute(sa.select(CaseEvent.case_id, sa.func.count()).group_by(CaseEvent.case_id)).all())
    assert len(acknowledged) >= 12
    assert all(stored.get(case_id, 0) >= version for case_id, version in acknowledged.items())  # none lost
    assert set(trail) == {str(case_id) for case_id in stored}
    for case_id, version in stored.items():
        assert trail[str(case_id)] == ["create"] + ["update"] * (version - 1)
        assert events[case_id] == version  # the receipt event, then one review per update
