"""Write safety (issue 9, items 4-5): audit-log growth, one big request against concurrent writers, kill -9 bursts.

(a) ``audit_growth``: bytes one one-word event adds to ``audit_event`` on a case whose stored data holds a note of
``PARTCD_BENCH_NOTE_CHARS`` characters (default 1,000,000; the row is written past the model edge, which refuses
notes over 10,000 characters, as a case stored before the bound would be). Baseline in the same process: the bytes
the former full before/after snapshots would have stored for the same event (``audit.snapshot`` without hashing,
as JSON). ``ratio`` = snapshot bytes / stored-diff bytes.

(b) ``big_request``: the largest CAP the edge accepts (500 contracts, one audited compliance-history row each)
written while 20 threads each store an appeal case; ``ratio`` = the slowest intake during the CAP / the slowest
intake alone. Every intake must be stored (no "database is locked").

(c) ``kill_9``: ``PARTCD_BENCH_KILL_ROUNDS`` rounds (default 10) of a writer process storing and transitioning
cases, killed with SIGKILL after a random number of acknowledged writes; then every acknowledged write must be
stored and the audit log must match the cases (one create per case, one update per later version, one timeline row
per event). ``ratio`` = lost writes / acknowledged writes (must be 0).

Each runs on SQLite (a temp file) and on PostgreSQL (``PARTCD_BENCH_PG``, else ``PARTCD_TEST_PG``, else
``postgresql://postgres@127.0.0.1:5432/test``, a fresh schema, dropped afterwards; skipped with a note if absent).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from partcd.appeals.pipelines import cases as ac
from partcd.appeals.store import AppealCase, CaseEvent
from partcd.compliance import pipelines as compliance
from partcd.compliance.rules.cap import CAP_CONTRACTS_MAX, LETTER_AUTHORITIES, Cap
from partcd.platform.store import audit
from partcd.platform.store.db import connect, session_scope, upgrade
from partcd.platform.store.tables import AuditEvent

PG = os.environ.get("PARTCD_BENCH_PG") or os.environ.get("PARTCD_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
NOTE_CHARS = int(os.environ.get("PARTCD_BENCH_NOTE_CHARS", "1000000"))
KILL_ROUNDS = int(os.environ.get("PARTCD_BENCH_KILL_ROUNDS", "10"))
NY = ZoneInfo("America/New_York")
REC = dt.datetime(2021, 3, 1, 9, 0, tzinfo=NY)
IOD: dict[str, Any] = {"case_type": "integrated_organization_determination", "received": REC, "reason": "bench",
                       "enrollee_name": "Bench Enrollee", "mbi": "1EG4TE5MK73", "contract_id": "H1234"}
WRITER = Path(__file__).with_name("_burst_writer.py")


@contextmanager
def databases() -> Iterator[list[tuple[str, str]]]:
    """(name, URL) of a SQLite file and, when the server answers, a fresh PostgreSQL schema."""
    with tempfile.TemporaryDirectory() as tmp:
        urls = [("sqlite", f"sqlite:///{tmp}/bench.db")]
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(PG.replace("postgresql://", "postgresql+psycopg://"))
        try:
            with admin.begin() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            urls.append(("postgresql", f"{PG}?options=-csearch_path%3D{schema}"))
        except sa.exc.OperationalError:
            admin = None  # type: ignore[assignment]
        try:
            yield urls
        finally:
            if admin is not None:
                with admin.begin() as conn:
                    conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()


def _audit_bytes(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(
            "SELECT coalesce(sum(length(CAST(before AS TEXT))), 0) + coalesce(sum(length(CAST(after AS TEXT))), 0) "
            "FROM audit_event")).scalar_one())


def audit_growth(engine: sa.Engine) -> dict[str, Any]:
    case = ac.create_case(engine, IOD, actor="bench", now=REC)
    with session_scope(engine) as s:  # a note longer than the edge allows, as a case stored before the bound holds
        row = s.get(AppealCase, case.id)
        assert row is not None
        data = dict(row.data)
        data["events"] = [*data["events"], {"kind": "review", "at": REC.isoformat(), "actor": "bench",
                                            "note": "n" * NOTE_CHARS}]
        audit.update(s, row, {"data": data}, actor="bench", reason="long note")
    start = _audit_bytes(engine)  # (outside the unit of work: on SQLite it holds the write lock)
    with session_scope(engine) as s:
        row = s.get(AppealCase, case.id)
        assert row is not None
        full_before = audit.snapshot(row)
        data = dict(row.data)
        data["events"] = [*data["events"], {"kind": "review", "at": REC.isoformat(), "actor": "bench", "note": "ok"}]
        audit.update(s, row, {"data": data, "status": "STANDARD_PENDING"}, actor="bench", reason="review")
        full_after = audit.snapshot(row)
    stored = _audit_bytes(engine) - start
    snapshots = len(json.dumps(full_before)) + len(json.dumps(full_after))
    return {"note_chars": NOTE_CHARS, "diff_bytes": stored, "snapshot_bytes": snapshots,
            "ratio": round(snapshots / stored, 1)}


def _letter(contracts: int) -> Cap:
    return Cap.model_validate({
        "contract_ids": [f"H{i:04d}" for i in range(contracts)], "parent_organization": "Bench Org",
        "legal_entity": "Bench Entity", "issued_on": dt.date(2022, 5, 26), "deficiency": "bench",
        "authorities": LETTER_AUTHORITIES, "detection_source": "beneficiary_complaints"})


def _intakes(engine: sa.Engine, n: int = 20) -> tuple[float, int, list[str]]:
    """The slowest of ``n`` concurrent intakes (seconds), how many were stored, and the failures."""
    latencies: list[float] = []
    failures: list[str] = []
    barrier = threading.Barrier(n)

    def intake() -> None:
        barrier.wait()
        started = time.perf_counter()
        try:
            ac.create_case(engine, IOD, actor="bench", now=REC)
            latencies.append(time.perf_counter() - started)
        except Exception as exc:
            failures.append(type(exc).__name__)

    threads = [threading.Thread(target=intake) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return max(latencies, default=0.0), len(latencies), failures


def big_request(engine: sa.Engine) -> dict[str, Any]:
    alone_s, _, _ = _intakes(engine)
    started = time.perf_counter()
    cap_thread = threading.Thread(target=compliance.create_cap, args=(engine, _letter(CAP_CONTRACTS_MAX)),
                                  kwargs={"actor": "bench"})
    cap_thread.start()
    during_s, stored, failures = _intakes(engine)
    cap_thread.join()
    cap_s = time.perf_counter() - started
    return {"cap_contracts": CAP_CONTRACTS_MAX, "cap_with_intakes_s": round(cap_s, 3),
            "slowest_intake_alone_s": round(alone_s, 3), "slowest_intake_during_cap_s": round(during_s, 3),
            "intakes_stored": stored, "intake_failures": failures, "ratio": round(during_s / alone_s, 1)}


def kill_9(engine: sa.Engine, url: str, rounds: int, seed: int = 9) -> dict[str, Any]:
    rng = random.Random(seed)
    acknowledged: dict[int, int] = {}
    for _ in range(rounds):
        stop_after = rng.randint(1, 40)
        writer = subprocess.Popen([sys.executable, str(WRITER), url], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  text=True)
        assert writer.stdout is not None
        for seen, line in enumerate(writer.stdout, start=1):
            case_id, version = map(int, line.split())
            acknowledged[case_id] = max(version, acknowledged.get(case_id, 0))
            if seen >= stop_after:
                break
        writer.send_signal(signal.SIGKILL)
        for line in writer.stdout:
            case_id, version = map(int, line.split())
            acknowledged[case_id] = max(version, acknowledged.get(case_id, 0))
        writer.wait(timeout=120)
    with session_scope(engine) as s:
        stored = {row.id: row.version for row in s.scalars(sa.select(AppealCase))}
        trail: dict[str, list[str]] = {}
        for e in s.scalars(sa.select(AuditEvent).where(AuditEvent.entity_type == "appeal_case").order_by(AuditEvent.id)):
            trail.setdefault(e.entity_id, []).append(e.action)
        events = dict(s.execute(sa.select(CaseEvent.case_id, sa.func.count()).group_by(CaseEvent.case_id)).all())
    lost = sum(stored.get(case_id, 0) < version for case_id, version in acknowledged.items())
    mismatched = sum(trail.get(str(case_id)) != ["create"] + ["update"] * (version - 1) or events.get(case_id) != version
                     for case_id, version in stored.items())
    return {"rounds": rounds, "acknowledged_writes": sum(acknowledged.values()), "lost": lost,
            "audit_mismatches": mismatched + len(set(trail) - {str(i) for i in stored}),
            "ratio": round(lost / max(1, sum(acknowledged.values())), 4)}


def run() -> Iterator[dict[str, Any]]:
    with databases() as urls:
        for name, url in urls:
            engine = connect(url)
            upgrade(engine)
            yield {"case": "kill_9", "database": name, **kill_9(engine, url, KILL_ROUNDS)}  # first: only its cases
            yield {"case": "audit_growth", "database": name, **audit_growth(engine)}
            yield {"case": "big_request", "database": name, **big_request(engine)}
            engine.dispose()
        if len(urls) == 1:
            yield {"case": "postgresql", "skipped": f"no server at {PG}"}
