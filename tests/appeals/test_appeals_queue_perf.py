"""Stored work queue over bulk-loaded cases on SQLite and PostgreSQL (the correctness side of
``bench/bench_appeals.py``, not a timing).

5,000 open cases are inserted straight into ``appeal_case`` (executemany, as the benchmark's COPY does; not through
the audited service), 5 types x standard/expedited x 5 receipt lags x 100 copies, then the stored queue
(``appeal_obligation`` + ``appeal_queue_tally``, migration 0006) is rebuilt from them (:func:`rebuild_queue`). Each
group's case JSON comes from ``open_case`` with the acknowledgement sent, so the next due obligation is the decision.
The hand counts below are those of the stored state before the sweep; after :func:`sweep` records the missed
deadlines' consequences the queue is compared with a brute-force reading of every case (``advance`` + ``deadlines``).

NOW = 2021-06-01 16:00 UTC (12:00 EDT); lags 2 h, 30 h, 60 h, 6 d 2 h, 20 d, so the local
receipt dates are June 1, May 31, May 30 (00:00 EDT exactly), May 26 and May 12. By hand (x 100 cases each):

==================================  =========================================  ==========================
group                               due times                                  buckets (per lag, in order)
==================================  =========================================  ==========================
grievance standard (T2, 30 cd)      Jul 1, Jun 30, Jun 29, Jun 25, Jun 11       later x5
grievance expedited (T4, 24 h)      NOW +22 h, -6 h, -36 h, -5 d 2 h, -19 d     24h, overdue x4
IOD standard (T5, 14 cd)            Jun 15, Jun 14, Jun 13, Jun 9, May 26       later x4, overdue
IOD / IR expedited (T7 / T17, 72 h) NOW +70 h, +42 h, +12 h, -74 h, -17 d       72h, 72h, 24h, overdue x2
IR standard (T16, 30 cd)            as the standard grievance                  later x5
Part D CD standard (P1, 72 h)       as the expedited IOD                       72h, 72h, 24h, overdue x2
Part D CD expedited (P3, 24 h)      as the expedited grievance                 24h, overdue x4
Part D exception, no statement      end of day 14 + 72 h (§ 423.568(b), final)  later x4, overdue
==================================  =========================================  ==========================

Day limits end at 23:59:59 EDT of the local date; NOW + 24 h = Jun 2 12:00 EDT, NOW + 72 h = Jun 4 12:00 EDT.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa

from partcd.appeals.pipelines import cases as svc
from partcd.appeals.rules.workflow import Case, Intake, advance, deadlines, next_due, open_case
from partcd.appeals.store import AppealCase, AppealObligation, AppealQueueTally
from partcd.platform.params import load_params
from partcd.platform.store.db import connect, upgrade

NOW = dt.datetime(2021, 6, 1, 16, 0, tzinfo=dt.UTC)
LAGS = (dt.timedelta(hours=2), dt.timedelta(hours=30), dt.timedelta(hours=60), dt.timedelta(days=6, hours=2),
        dt.timedelta(days=20))
TYPES = ("integrated_grievance", "integrated_organization_determination", "integrated_reconsideration",
         "partd_coverage_determination", "partd_exception")
COPIES = 100
P = load_params("appeals", dt.date(2021, 6, 1))


def _case(case_type: str, expedited: bool, received: dt.datetime) -> Case:
    kw: dict[str, Any] = {"case_type": case_type, "received": received, "reason": "queue test", "zone": "America/New_York",
                          "enrollee_name": "Queue Tester", "mbi": "1EG4TE5MK73", "contract_id": "H1234"}
    if expedited:
        kw |= {"expedite_requested": True, "provider_indicates_jeopardy": True}
    if case_type == "integrated_grievance":
        kw["grievance_subject"] = "extension" if expedited else "other"
    if case_type == "integrated_reconsideration":
        kw["adverse_notice_date"] = (received - dt.timedelta(days=3)).date()
    case = open_case(Intake(**kw), P, actor="loader", now=received)
    if case_type in ("integrated_grievance", "integrated_reconsideration"):
        case = case.model_copy(update={"notices": {"acknowledgement": received + dt.timedelta(hours=1)}})
    return case


def _row(case: Case) -> dict[str, Any]:
    acked = case.received + dt.timedelta(hours=1)
    due = next_due(case, P, acked)
    assert due is not None
    return {"case_type": case.case_type, "status": case.status, "contract_id": "H1234", "plan_benefit_package": "001",
            "mbi": case.mbi, "enrollee_name": case.enrollee_name, "expedited": case.expedited,
            "received_at": case.received, "next_due_at": due.astimezone(dt.UTC), "data": case.model_dump(mode="json"),
            "created_at": case.received, "updated_at": acked, "version": 1}


GROUPS = [_case(t, e, NOW - lag) for t in TYPES for e in (False, True) for lag in LAGS]


@pytest.fixture()
def loaded(db_url: str) -> sa.Engine:
    engine = connect(db_url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(sa.insert(AppealCase), [_row(g) for g in GROUPS for _ in range(COPIES)])
    assert svc.rebuild_queue(engine, now=NOW) == 5_000
    return engine


EXPECTED = {  # hand counts from the module docstring, x 100 cases per group
    "integrated_grievance": {"overdue": 400, "due_24h": 100, "due_72h": 0, "later": 500},
    "integrated_organization_determination": {"overdue": 300, "due_24h": 100, "due_72h": 200, "later": 400},
    "integrated_reconsideration": {"overdue": 200, "due_24h": 100, "due_72h": 200, "later": 500},
    "partd_coverage_determination": {"overdue": 600, "due_24h": 200, "due_72h": 200, "later": 0},
    "partd_exception": {"overdue": 200, "due_24h": 0, "due_72h": 0, "later": 800},
}


def _brute_force(now: dt.datetime, *, swept: bool) -> tuple[dict[str, dict[str, int]], Counter[tuple[str, str]]]:
    """Counts by type and bucket, and by status and next obligation, from every case's own clocks (no SQL)."""
    counts: dict[str, dict[str, int]] = {}
    by_status: Counter[tuple[str, str]] = Counter()
    for g in GROUPS:
        case = advance(g, P, now) if swept else g
        open_ = [d for d in deadlines(case, P, now) if d.party == "plan" and d.met_at is None and d.binding
                 and d.state in ("open", "overdue")]
        if not open_:
            continue
        first = min(open_, key=lambda d: (d.due.astimezone(dt.UTC), d.id))
        row = counts.setdefault(case.case_type, {"overdue": 0, "due_24h": 0, "due_72h": 0, "later": 0})
        row[svc.bucket_of(first.due, now)] += COPIES
        by_status[(case.status, first.id)] += COPIES
    return counts, by_status


def test_queue_counts_by_type_and_bucket(loaded: sa.Engine) -> None:
    assert svc.queue_counts(loaded, now=NOW) == EXPECTED == _brute_force(NOW, swept=False)[0]
    with loaded.connect() as conn:
        nxt = conn.execute(sa.select(sa.func.count()).select_from(AppealObligation).where(AppealObligation.is_next))
        tally = conn.execute(sa.select(sa.func.sum(AppealQueueTally.open_cases)))
        assert (nxt.scalar_one(), tally.scalar_one()) == (5_000, 5_000)
    for later in (dt.timedelta(hours=5), dt.timedelta(days=3, minutes=7), dt.timedelta(days=40)):  # hour edges
        assert svc.queue_counts(loaded, now=NOW + later) == _brute_force(NOW + later, swept=False)[0]


def test_queue_lists_each_bucket_by_type_and_status(loaded: sa.Engine) -> None:
    due_24h = svc.queue(loaded, now=NOW, bucket="due_24h", limit=5_000)
    assert Counter(i.case_type for i in due_24h) == {t: c["due_24h"] for t, c in EXPECTED.items() if c["due_24h"]}
    assert Counter(i.status for i in due_24h) == {"EXPEDITED_OPEN": 100, "EXPEDITED_PENDING": 300, "STANDARD_PENDING": 100}
    assert [(i.next_due, i.id) for i in due_24h] == sorted((i.next_due, i.id) for i in due_24h)
    assert {i.bucket for i in due_24h} == {"due_24h"}
    due_72h = svc.queue(loaded, now=NOW, bucket="due_72h", limit=5_000)
    assert len(due_72h) == 600 and {i.status for i in due_72h} == {"EXPEDITED_PENDING", "STANDARD_PENDING"}
    pd_24h = svc.queue(loaded, now=NOW, case_type="partd_coverage_determination", bucket="due_24h")
    assert len(pd_24h) == 200 and {i.obligation_id for i in pd_24h} == {"P1", "P3"}
    expedited_24h = svc.queue(loaded, now=NOW, status="EXPEDITED_PENDING", bucket="due_24h")
    assert len(expedited_24h) == 300 and {i.obligation_id for i in expedited_24h} == {"T7", "T17", "P3"}
    first = svc.queue(loaded, now=NOW, limit=50)
    assert len(first) == 50 and all(i.bucket == "overdue" for i in first)
    # before the sweep a waiting case past its decision deadline is flagged, not re-derived
    overdue = svc.queue(loaded, now=NOW, bucket="overdue", limit=5_000)
    assert len(overdue) == 1_700
    assert sum(i.consequence_pending for i in overdue) == 1_300  # all but the 400 grievances (no consequence)


def test_sweep_stores_the_consequences_and_the_queue_follows(loaded: sa.Engine) -> None:
    """The sweep records each missed decision's consequence (deemed adverse, § 422.631(d)(1), § 422.633(f)(2),
    § 423.568(j)/§ 423.572(b)...) in the same transaction as the queue rows; the stored queue then equals a brute-force
    reading of every case advanced to NOW, state by state."""
    changed = svc.sweep(loaded, now=NOW)
    assert len(changed) == 1_300
    counts, by_status = _brute_force(NOW, swept=True)
    assert svc.queue_counts(loaded, now=NOW) == counts
    everything = svc.queue(loaded, now=NOW, limit=5_000)
    assert Counter((i.status, i.obligation_id) for i in everything) == by_status
    assert not any(i.consequence_pending for i in everything)
    deemed = svc.queue(loaded, now=NOW, status="DEEMED_ADVERSE", limit=5_000)
    assert Counter(i.case_type for i in deemed) == {
        "integrated_organization_determination": 300, "partd_coverage_determination": 600, "partd_exception": 200}
    assert len(svc.queue(loaded, now=NOW, status="DEEMED_ADVERSE_IR", limit=5_000)) == 200
    assert svc.sweep(loaded, now=NOW) == []  # nothing left to do
    with loaded.connect() as conn:
        tally = conn.execute(sa.select(sa.func.sum(AppealQueueTally.open_cases))).scalar_one()
        nxt = conn.execute(sa.select(sa.func.count()).select_from(AppealObligation).where(AppealObligation.is_next))
    assert tally == nxt.scalar_one() == sum(sum(c.values()) for c in counts.values())
