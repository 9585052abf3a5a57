"""Work queue over bulk-loaded cases on PostgreSQL (the correctness side of ``bench/bench_appeals.py``, not a timing).

5,000 open cases are inserted straight into ``appeal_case`` (executemany, as the benchmark's COPY does; not through
the audited service): 5 types x standard/expedited x 5 receipt lags x 100 copies. Each group's case JSON comes from
``open_case`` with the acknowledgement sent, and its stored ``next_due_at`` is the workflow's ``next_due`` at intake,
i.e. the decision due time. NOW = 2021-06-01 16:00 UTC (12:00 EDT); lags 2 h, 30 h, 60 h, 6 d 2 h, 20 d, so the local
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
Part D exception, no statement      14-day outer limit, as the standard IOD    later x4, overdue
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
from partcd.appeals.rules.workflow import Intake, next_due, open_case
from partcd.appeals.store import AppealCase
from partcd.platform.params import load_params
from partcd.platform.store.db import connect, upgrade

pytestmark = pytest.mark.postgres

NOW = dt.datetime(2021, 6, 1, 16, 0, tzinfo=dt.UTC)
LAGS = (dt.timedelta(hours=2), dt.timedelta(hours=30), dt.timedelta(hours=60), dt.timedelta(days=6, hours=2),
        dt.timedelta(days=20))
TYPES = ("integrated_grievance", "integrated_organization_determination", "integrated_reconsideration",
         "partd_coverage_determination", "partd_exception")
COPIES = 100
P = load_params("appeals", dt.date(2021, 6, 1))


def _group(case_type: str, expedited: bool, received: dt.datetime) -> dict[str, Any]:
    kw: dict[str, Any] = {"case_type": case_type, "received": received, "reason": "queue test", "zone": "America/New_York",
                          "enrollee_name": "Queue Tester", "mbi": "1EG4TE5MK73", "contract_id": "H1234"}
    if expedited:
        kw |= {"expedite_requested": True, "provider_indicates_jeopardy": True}
    if case_type == "integrated_grievance":
        kw["grievance_subject"] = "extension" if expedited else "other"
    if case_type == "integrated_reconsideration":
        kw["adverse_notice_date"] = (received - dt.timedelta(days=3)).date()
    case = open_case(Intake(**kw), P, actor="loader", now=received)
    acked = received + dt.timedelta(hours=1)
    if case_type in ("integrated_grievance", "integrated_reconsideration"):
        case = case.model_copy(update={"notices": {"acknowledgement": acked}})
    due = next_due(case, P, acked)
    assert due is not None
    return {"case_type": case_type, "status": case.status, "contract_id": "H1234", "plan_benefit_package": "001",
            "mbi": case.mbi, "enrollee_name": case.enrollee_name, "expedited": case.expedited, "received_at": received,
            "next_due_at": due.astimezone(dt.UTC), "data": case.model_dump(mode="json"), "created_at": received,
            "updated_at": acked, "version": 1}


@pytest.fixture()
def loaded(pg_url: str) -> sa.Engine:
    engine = connect(pg_url)
    upgrade(engine)
    groups = [_group(t, e, NOW - lag) for t in TYPES for e in (False, True) for lag in LAGS]
    with engine.begin() as conn:
        conn.execute(sa.insert(AppealCase), [g for g in groups for _ in range(COPIES)])
    return engine


EXPECTED = {  # hand counts from the module docstring, x 100 cases per group
    "integrated_grievance": {"overdue": 400, "due_24h": 100, "due_72h": 0, "later": 500},
    "integrated_organization_determination": {"overdue": 300, "due_24h": 100, "due_72h": 200, "later": 400},
    "integrated_reconsideration": {"overdue": 200, "due_24h": 100, "due_72h": 200, "later": 500},
    "partd_coverage_determination": {"overdue": 600, "due_24h": 200, "due_72h": 200, "later": 0},
    "partd_exception": {"overdue": 200, "due_24h": 0, "due_72h": 0, "later": 800},
}


def test_queue_counts_by_type_and_bucket(loaded: sa.Engine) -> None:
    assert svc.queue_counts(loaded, now=NOW) == EXPECTED
    with loaded.connect() as conn:
        total = conn.execute(sa.text("SELECT count(*) FROM appeal_case WHERE next_due_at IS NOT NULL")).scalar_one()
    assert total == 5_000


def test_queue_lists_each_bucket_by_type_and_status(loaded: sa.Engine) -> None:
    due_24h = svc.queue(loaded, now=NOW, bucket="due_24h", limit=5_000)
    assert Counter(i.case_type for i in due_24h) == {t: c["due_24h"] for t, c in EXPECTED.items() if c["due_24h"]}
    assert Counter(i.status for i in due_24h) == {"EXPEDITED_OPEN": 100, "EXPEDITED_PENDING": 300, "STANDARD_PENDING": 100}
    assert [i.next_due for i in due_24h] == sorted(i.next_due for i in due_24h)
    assert {i.bucket for i in due_24h} == {"due_24h"}
    due_72h = svc.queue(loaded, now=NOW, bucket="due_72h", limit=5_000)
    assert len(due_72h) == 600 and {i.status for i in due_72h} == {"EXPEDITED_PENDING", "STANDARD_PENDING"}
    pd_24h = svc.queue(loaded, now=NOW, case_type="partd_coverage_determination", bucket="due_24h")
    assert len(pd_24h) == 200 and {i.obligation_id for i in pd_24h} == {"P1", "P3"}
    expedited_24h = svc.queue(loaded, now=NOW, status="EXPEDITED_PENDING", bucket="due_24h")
    assert len(expedited_24h) == 300 and {i.obligation_id for i in expedited_24h} == {"T7", "T17", "P3"}


def test_status_filter_fills_the_page_past_cases_whose_deadline_changed_their_state(loaded: sa.Engine) -> None:
    """The 1,700 overdue rows sort first; read at NOW, the missed IOD, IR and Part D ones are deemed adverse, so a page
    of EXPEDITED_PENDING cases holds the 1,100 that are not overdue (T7 and T17: 300 each, P3: 100, P4: 400)."""
    page = svc.queue(loaded, now=NOW, status="EXPEDITED_PENDING", limit=500)
    assert len(page) == 500 and {i.status for i in page} == {"EXPEDITED_PENDING"}
    everything = svc.queue(loaded, now=NOW, status="EXPEDITED_PENDING", limit=5_000)
    assert len(everything) == 1_100
    assert everything[:500] == page
    deemed = svc.queue(loaded, now=NOW, status="DEEMED_ADVERSE", limit=5_000)
    assert Counter(i.case_type for i in deemed) == {  # every overdue IOD and Part D row; grievances have no consequence
        "integrated_organization_determination": 300, "partd_coverage_determination": 600, "partd_exception": 200}
    assert len(svc.queue(loaded, now=NOW, status="DEEMED_ADVERSE_IR", limit=5_000)) == 200
    assert len(svc.queue(loaded, now=NOW, status="EXPEDITED_OPEN", limit=5_000)) == 500  # 100 due in 24 h, 400 overdue
