"""Appeals at scale (issue 5): decision clocks for 1,000,000 open cases and the work queue over 1,000,000 cases.

(a) ``clocks``: the per-case engine (``partcd.appeals.rules.clocks``, one call per case, the decision obligation picked
from its records; one pass) against ``partcd.appeals.rules.clocks_vector.decision_due`` (numpy, best of 3) on the same
seeded cases, same process; ``ratio`` = engine seconds / vector seconds. The first 10,000 due times are compared and
must be identical. If the engine would need more than ``ENGINE_FULL_MAX_S`` for all cases, it is timed on
``ENGINE_SAMPLE`` cases and extrapolated (``engine_extrapolated: true``).

(b) ``queue``: 1,000,000 open cases bulk-loaded with COPY into ``appeal_case`` of a fresh PostgreSQL schema (rows
built directly - case JSON from ``open_case`` templates, ``next_due_at`` from the vectorised clocks - not through the
audited case service, which would write an audit event, a timeline row and notices per case). Timed: the service's
``queue_counts`` (the API's counts by type and bucket) and ``queue`` (the first page, 500 rows, each re-read through
the workflow), without and with the queue index; baseline: one hand-written SQL query giving the same buckets by
type and status, and a hand-written SQL first page. ``ratio`` = baseline seconds / service seconds (below 1: the
service is slower). EXPLAIN ANALYZE of the counts and first-page SQL before / after the index. The schema is dropped.

``PARTCD_BENCH_PG`` (else ``PARTCD_TEST_PG``, else ``postgresql://postgres@127.0.0.1:5432/test``) names the server;
``PARTCD_BENCH_APPEALS_N`` the number of cases (default 1,000,000).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa

from partcd.appeals.pipelines import cases as svc
from partcd.appeals.rules import clocks
from partcd.appeals.rules.clocks_vector import CASE_TYPE_CODES, CASE_TYPES, DECISION_IDS, decision_due
from partcd.appeals.rules.workflow import Intake, open_case
from partcd.core.params import ParamSet
from partcd.platform.params import load_params
from partcd.platform.store.db import connect, upgrade

N = int(os.environ.get("PARTCD_BENCH_APPEALS_N", "1000000"))
ENGINE_SAMPLE = 100_000
ENGINE_FULL_MAX_S = 180.0
IDENTICAL_CHECK = 10_000
ZONE = "America/New_York"
NOW = dt.datetime(2021, 6, 1, 16, 0, tzinfo=dt.UTC)  # 12:00 EDT
WEIGHTS = (0.2, 0.35, 0.15, 0.18, 0.12)  # as in partcd.appeals.samples
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
PG = os.environ.get("PARTCD_BENCH_PG") or os.environ.get("PARTCD_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
QUEUE_INDEX = "ix_appeal_case_queue"


def open_cases(n: int, seed: int = 20210601) -> dict[str, npt.NDArray[Any]]:
    """``n`` open cases received in the 40 days before NOW: types as in the samples, 25 % expedited, 60 % of the
    Part D exceptions with a supporting statement (received before NOW)."""
    rng = np.random.default_rng(seed)
    now_s = int((NOW - EPOCH).total_seconds())
    received = (now_s - rng.integers(0, 40 * 86_400, n)).astype("datetime64[s]").astype("datetime64[us]")
    types = rng.choice(len(CASE_TYPES), size=n, p=WEIGHTS).astype(np.int8)
    expedited = rng.random(n) < 0.25
    ss = received + rng.integers(0, 13 * 86_400, n).astype("timedelta64[s]")
    no_statement = (types != CASE_TYPE_CODES["partd_exception"]) | (rng.random(n) >= 0.6) | (ss > np.datetime64(now_s, "s"))
    ss[no_statement] = np.datetime64("NaT")
    return {"received": received, "case_type": types, "expedited": expedited, "supporting_statement": ss}


def _aware(x: np.datetime64) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=int(x.astype("datetime64[us]").astype(np.int64)))


def _engine_due(case_type: str, rec: dt.datetime, expedited: bool, ss: dt.datetime | None, params: ParamSet) -> dt.datetime:
    if case_type == "integrated_grievance":
        obs = clocks.integrated_grievance(rec, params, expedited=expedited, zone=ZONE)
    elif case_type == "integrated_organization_determination":
        obs = clocks.integrated_organization_determination(rec, params, expedited=expedited, zone=ZONE)
    elif case_type == "integrated_reconsideration":
        obs = clocks.integrated_reconsideration(rec, params, expedited=expedited, zone=ZONE)
    elif case_type == "partd_coverage_determination":
        obs = clocks.partd_coverage_determination(rec, params, expedited=expedited, zone=ZONE)
    else:
        obs = clocks.partd_exception(rec, params, supporting_statement=ss, expedited=expedited, zone=ZONE)
    want = DECISION_IDS[(case_type, expedited)]
    return next(o.due for o in obs if o.id == want)


def _engine_inputs(cases: dict[str, npt.NDArray[Any]], n: int) -> list[tuple[str, dt.datetime, bool, dt.datetime | None]]:
    rec, types, fast, ss = (cases[k] for k in ("received", "case_type", "expedited", "supporting_statement"))
    return [(CASE_TYPES[int(types[i])], _aware(rec[i]), bool(fast[i]), None if np.isnat(ss[i]) else _aware(ss[i]))
            for i in range(n)]


def bench_clocks(cases: dict[str, npt.NDArray[Any]], params: ParamSet) -> dict[str, object]:
    n = cases["received"].size
    due = decision_due(cases["received"], cases["case_type"], cases["expedited"], params,
                       supporting_statement=cases["supporting_statement"], zone=ZONE)
    vector_s = _best(lambda: decision_due(cases["received"], cases["case_type"], cases["expedited"], params,
                                          supporting_statement=cases["supporting_statement"], zone=ZONE))
    sample = _engine_inputs(cases, min(n, ENGINE_SAMPLE))
    start = time.perf_counter()
    engine = [_engine_due(t, r, e, s, params) for t, r, e, s in sample]
    sample_s = time.perf_counter() - start
    mismatches = sum(1 for i in range(min(IDENTICAL_CHECK, len(engine))) if _aware(due[i]) != engine[i].astimezone(dt.UTC))
    extrapolated = n > len(sample) and sample_s * n / len(sample) > ENGINE_FULL_MAX_S
    if n > len(sample) and not extrapolated:
        rest = _engine_inputs({k: v[len(sample):] for k, v in cases.items()}, n - len(sample))
        start = time.perf_counter()
        for t, r, e, s in rest:
            _engine_due(t, r, e, s, params)
        engine_s = sample_s + time.perf_counter() - start
    else:
        engine_s = sample_s * n / len(sample)
    return {"case": "decision clocks", "n": n, "engine_s": round(engine_s, 2), "engine_extrapolated": extrapolated,
            "engine_us_per_case": round(1e6 * sample_s / len(sample), 1), "vector_s": round(vector_s, 3),
            "ratio": round(engine_s / vector_s, 1), "identical_on": min(IDENTICAL_CHECK, len(engine)),
            "mismatches": mismatches}


# --- (b) the work queue on PostgreSQL ---------------------------------------------------------------------

_REC, _ACK, _SS, _NOTICE = "2021-01-11T11:11:11Z", "2021-01-11T12:11:11Z", "2021-01-12T12:12:12Z", "2021-01-05"


def case_templates(params: ParamSet) -> dict[tuple[int, bool, bool], tuple[str, str]]:
    """For (type code, expedited, with statement): the stored status and the case JSON with placeholder instants."""
    rec = dt.datetime.fromisoformat(_REC)
    out: dict[tuple[int, bool, bool], tuple[str, str]] = {}
    for name, code in CASE_TYPE_CODES.items():
        for fast in (False, True):
            for with_ss in (False, True) if name == "partd_exception" else (False,):
                kw: dict[str, Any] = {"case_type": name, "received": rec, "reason": "benchmark request", "zone": ZONE,
                                      "enrollee_name": "Bench Enrollee", "mbi": "1EG4TE5MK73", "contract_id": "H1234"}
                if fast:
                    kw |= {"expedite_requested": True, "provider_indicates_jeopardy": True}
                if name == "integrated_grievance":
                    kw["grievance_subject"] = "extension" if fast else "other"
                if name == "integrated_reconsideration":
                    kw["adverse_notice_date"] = dt.date.fromisoformat(_NOTICE)
                if with_ss:
                    kw["supporting_statement_at"] = dt.datetime.fromisoformat(_SS)
                case = open_case(Intake(**kw), params, actor="bench", now=rec)
                if name in ("integrated_grievance", "integrated_reconsideration"):  # T29 met: the queue shows the decision
                    case = case.model_copy(update={"notices": {"acknowledgement": dt.datetime.fromisoformat(_ACK)}})
                out[(code, fast, with_ss)] = (case.status, json.dumps(case.model_dump(mode="json", exclude_defaults=True)))
    return out


def _iso(values: npt.NDArray[Any]) -> npt.NDArray[np.str_]:
    return np.char.add(np.datetime_as_string(values.astype("datetime64[s]"), unit="s"), "Z")


def copy_rows(cases: dict[str, npt.NDArray[Any]], due: npt.NDArray[np.datetime64], params: ParamSet,
              start_id: int = 1) -> Iterator[str]:
    """COPY text lines for ``appeal_case`` (one open case per line)."""
    templates = case_templates(params)
    rec = cases["received"]
    ss = cases["supporting_statement"]
    rec_s, ack_s = _iso(rec), _iso(rec + np.timedelta64(1, "h"))
    ss_s = _iso(np.where(np.isnat(ss), rec, ss))
    notice_s = np.datetime_as_string((rec - np.timedelta64(3, "D")).astype("datetime64[D]"))
    due_s = np.char.add(np.datetime_as_string(due, unit="us"), "+00")
    rec_ts = np.char.add(np.datetime_as_string(rec, unit="s"), "+00")
    types, fast = cases["case_type"], cases["expedited"]
    has_ss = ~np.isnat(ss)
    now = NOW.isoformat()
    for i in range(rec.size):
        code = int(types[i])
        status, data = templates[(code, bool(fast[i]), bool(has_ss[i]))]
        data = data.replace(_REC, rec_s[i]).replace(_ACK, ack_s[i]).replace(_SS, ss_s[i]).replace(_NOTICE, notice_s[i])
        yield "\t".join((str(start_id + i), CASE_TYPES[code], status, "H1234", "001", "1EG4TE5MK73", "Bench Enrollee",
                         "t" if fast[i] else "f", rec_ts[i], due_s[i], r"\N", r"\N", r"\N", data.replace("\\", "\\\\"),
                         now, now, "1")) + "\n"


COLUMNS = ("id, case_type, status, contract_id, plan_benefit_package, mbi, enrollee_name, expedited, received_at, "
           "next_due_at, decided_at, outcome, parent_id, data, created_at, updated_at, version")


def bulk_load(engine: sa.Engine, lines: Iterator[str], chunk: int = 50_000) -> None:
    """COPY the lines into appeal_case (psycopg 3), then VACUUM ANALYZE (visibility map and statistics)."""
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        assert conn is not None
        with conn.cursor() as cur, cur.copy(f"COPY appeal_case ({COLUMNS}) FROM STDIN") as copy:
            buf = io.StringIO()
            for k, line in enumerate(lines, 1):
                buf.write(line)
                if k % chunk == 0:
                    copy.write(buf.getvalue())
                    buf = io.StringIO()
            copy.write(buf.getvalue())
        conn.commit()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT setval(pg_get_serial_sequence('appeal_case', 'id'), (SELECT max(id) FROM appeal_case))")
            cur.execute("VACUUM ANALYZE appeal_case")
    finally:
        raw.close()


HAND_COUNTS = """
SELECT case_type, status,
       count(*) FILTER (WHERE next_due_at < :now) AS overdue,
       count(*) FILTER (WHERE next_due_at >= :now AND next_due_at <= :h24) AS due_24h,
       count(*) FILTER (WHERE next_due_at > :h24 AND next_due_at <= :h72) AS due_72h,
       count(*) FILTER (WHERE next_due_at > :h72) AS later
FROM appeal_case WHERE next_due_at IS NOT NULL GROUP BY case_type, status
"""
HAND_PAGE = """
SELECT id, case_type, status, expedited, contract_id, next_due_at,
       CASE WHEN next_due_at < :now THEN 'overdue' WHEN next_due_at <= :h24 THEN 'due_24h'
            WHEN next_due_at <= :h72 THEN 'due_72h' ELSE 'later' END AS bucket
FROM appeal_case WHERE next_due_at IS NOT NULL ORDER BY next_due_at, id LIMIT 500
"""
# the SQL the service sends: queue_counts (one of its four statements; all four are timed) and queue's first page
SERVICE_COUNT_24H = """
SELECT case_type, count(*) FROM appeal_case
WHERE next_due_at IS NOT NULL AND next_due_at >= :now AND next_due_at <= :h24 GROUP BY case_type
"""
SERVICE_COUNT_LATER = """
SELECT case_type, count(*) FROM appeal_case WHERE next_due_at IS NOT NULL AND next_due_at > :h72 GROUP BY case_type
"""
SERVICE_PAGE = "SELECT * FROM appeal_case WHERE next_due_at IS NOT NULL ORDER BY next_due_at, id LIMIT 500"
SERVICE_TYPE_24H = """
SELECT * FROM appeal_case WHERE next_due_at IS NOT NULL AND case_type = 'partd_coverage_determination'
AND next_due_at >= :now AND next_due_at <= :h24 ORDER BY next_due_at, id LIMIT 500
"""


SERVICE_STATUS_72H = """
SELECT * FROM appeal_case WHERE next_due_at IS NOT NULL AND status = 'EXPEDITED_PENDING'
AND next_due_at > :h24 AND next_due_at <= :h72 ORDER BY next_due_at, id LIMIT 500
"""


def _best(fn: Callable[[], object], repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _bind() -> dict[str, dt.datetime]:
    return {"now": NOW, "h24": NOW + dt.timedelta(hours=24), "h72": NOW + dt.timedelta(hours=72)}


def _explain(engine: sa.Engine, sql: str) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("EXPLAIN (ANALYZE, BUFFERS OFF, TIMING ON) " + sql), _bind()).all()
    return [r[0] for r in rows]


def _plan_summary(lines: list[str]) -> str:
    """The plan's top node and every scan node (the access paths), with the execution time."""
    nodes = [ln.strip().removeprefix("->").strip().split("  (")[0] for ln in lines if "(cost=" in ln]
    shown = [nodes[0], *(n for n in nodes[1:] if "Scan" in n)]
    total = next((ln for ln in lines if ln.startswith("Execution Time")), "")
    return " / ".join(shown) + f" | {total}"


def _sql_timer(engine: sa.Engine, sql: str) -> Callable[[], object]:
    def run() -> object:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql), _bind()).all()
    return run


@contextmanager
def fresh_schema() -> Iterator[sa.Engine]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = connect(PG)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = connect(f"{PG}?options=-csearch_path%3D{schema}")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _measure(engine: sa.Engine, label: str) -> dict[str, object]:
    counts_s = _best(lambda: svc.queue_counts(engine, now=NOW))
    page_s = _best(lambda: svc.queue(engine, now=NOW, limit=500), 2)
    type_s = _best(lambda: svc.queue(engine, now=NOW, case_type="partd_coverage_determination", bucket="due_24h"), 2)
    status_s = _best(lambda: svc.queue(engine, now=NOW, status="EXPEDITED_PENDING", bucket="due_72h"), 2)
    hand_counts_s = _best(_sql_timer(engine, HAND_COUNTS))
    hand_page_s = _best(_sql_timer(engine, HAND_PAGE))
    service_page_sql_s = _best(_sql_timer(engine, SERVICE_PAGE))
    return {
        "case": f"work queue, {label}", "n": N,
        "queue_counts_s": round(counts_s, 3), "baseline_counts_sql_s": round(hand_counts_s, 3),
        "counts_ratio": round(hand_counts_s / counts_s, 2),
        "queue_first_page_s": round(page_s, 3), "queue_page_sql_only_s": round(service_page_sql_s, 4),
        "baseline_page_sql_s": round(hand_page_s, 4), "page_ratio": round(hand_page_s / page_s, 3),
        "queue_type_24h_s": round(type_s, 3), "queue_status_72h_s": round(status_s, 3),
        "explain_counts_24h": _plan_summary(_explain(engine, SERVICE_COUNT_24H)),
        "explain_counts_later": _plan_summary(_explain(engine, SERVICE_COUNT_LATER)),
        "explain_page": _plan_summary(_explain(engine, SERVICE_PAGE)),
        "explain_type_24h": _plan_summary(_explain(engine, SERVICE_TYPE_24H)),
        "explain_status_72h": _plan_summary(_explain(engine, SERVICE_STATUS_72H)),
        "explain_hand_counts": _plan_summary(_explain(engine, HAND_COUNTS)),
    }


def bench_queue(cases: dict[str, npt.NDArray[Any]], due: npt.NDArray[np.datetime64], params: ParamSet) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    with fresh_schema() as engine:
        upgrade(engine)
        start = time.perf_counter()
        bulk_load(engine, copy_rows(cases, due, params))
        load_s = time.perf_counter() - start
        with engine.connect() as conn:
            size = conn.execute(sa.text("SELECT pg_size_pretty(pg_total_relation_size('appeal_case'))")).scalar_one()
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP INDEX {QUEUE_INDEX}"))
            conn.execute(sa.text("ANALYZE appeal_case"))
        rows.append({**_measure(engine, f"without {QUEUE_INDEX}"), "copy_load_s": round(load_s, 1), "table_size": size})
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE INDEX {QUEUE_INDEX} ON appeal_case (next_due_at, case_type, status)"))
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE appeal_case"))
        rows.append(_measure(engine, f"with {QUEUE_INDEX}"))
    return rows


def run() -> list[dict[str, object]]:
    params = load_params("appeals", NOW.date())
    cases = open_cases(N)
    rows: list[dict[str, object]] = [bench_clocks(cases, params)]
    due = decision_due(cases["received"], cases["case_type"], cases["expedited"], params,
                       supporting_statement=cases["supporting_statement"], zone=ZONE)
    rows += bench_queue(cases, due, params)
    return rows
