"""Appeals at scale (issues 5 and 11): decision clocks for 1,000,000 open cases of every type, the bulk clock file, and
the stored work queue over 1,000,000 open cases on PostgreSQL.

(a) ``clocks``: the per-case engine (``rules.clocks`` / ``rules.standard``, one call per case, the decision obligation
picked from its records; one pass) against ``rules.clocks_vector.decision_due`` (numpy, best of 3) on the same seeded
cases - all ten case types, standard / expedited, payment, Part B drug and prior-authorization variants - same
process; ``ratio`` = engine seconds / vector seconds. The first 10,000 due times are compared and must be identical.
If the engine would need more than ``ENGINE_FULL_MAX_S`` for all cases, it is timed on ``ENGINE_SAMPLE`` cases and
extrapolated (``engine_extrapolated: true``). ``bulk``: ``partcd appeals clock --cases FILE --out FILE`` end to end
(``pipelines.bulk.bulk_clocks``: read the CSV, validate, compute, write the CSV) on the same cases.

(b) ``queue``: 1,000,000 open cases bulk-loaded with COPY into ``appeal_case`` and their open obligation (the decision,
``is_next``) into ``appeal_obligation`` of a fresh PostgreSQL schema, the tally ``appeal_queue_tally`` built by one
``INSERT ... SELECT`` (what ``rebuild_queue`` computes, without reading each case). Timed: the service's
``queue_counts`` and ``queue`` (first page of 500; by type and bucket; by status and bucket); baseline: one
hand-written SQL giving the same counts straight from ``appeal_obligation`` (no tally), and a hand-written first page.
``ratio`` = baseline seconds / service seconds. The SQL statements the service sends are captured and run under
EXPLAIN ANALYZE (summary: top node, scan nodes, execution time). Then ``TRANSITIONS`` case creations and decisions
through the audited service on the loaded store (the queue rows and the tally are written in the same transaction).
The schema is dropped.

``PARTCD_BENCH_PG`` (else ``PARTCD_TEST_PG``, else ``postgresql://postgres@127.0.0.1:5432/test``) names the server;
``PARTCD_BENCH_APPEALS_N`` the number of cases (default 1,000,000).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import sqlalchemy as sa

from partcd.appeals.pipelines import cases as svc
from partcd.appeals.pipelines.bulk import bulk_clocks
from partcd.appeals.rules import clocks, standard
from partcd.appeals.rules.clocks_vector import decision_due, decision_id
from partcd.appeals.rules.workflow import CASE_TYPES, Intake, deadlines, open_case
from partcd.core.params import ParamSet
from partcd.platform.params import load_params
from partcd.platform.store.db import connect, upgrade

N = int(os.environ.get("PARTCD_BENCH_APPEALS_N", "1000000"))
ENGINE_SAMPLE = 100_000
ENGINE_FULL_MAX_S = 180.0
IDENTICAL_CHECK = 10_000
TRANSITIONS = 50
ZONE = "America/New_York"
NOW = dt.datetime(2021, 6, 1, 16, 0, tzinfo=dt.UTC)  # 12:00 EDT
#: case mix: the five types of issue 5 (as in partcd.appeals.samples, 60 % of the cases) and the standard processes
WEIGHTS = {"integrated_grievance": 0.06, "integrated_organization_determination": 0.10,
           "integrated_reconsideration": 0.04, "partd_coverage_determination": 0.22, "partd_exception": 0.08,
           "partc_organization_determination": 0.25, "partc_reconsideration": 0.08, "partc_grievance": 0.05,
           "partd_redetermination": 0.08, "partd_grievance": 0.04}
PAYMENT_TYPES = ("partc_organization_determination", "partc_reconsideration", "partd_coverage_determination",
                 "partd_redetermination")
PARTC = ("partc_organization_determination", "partc_reconsideration")
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
PG = os.environ.get("PARTCD_BENCH_PG") or os.environ.get("PARTCD_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
Cases = dict[str, npt.NDArray[Any]]


def open_cases(n: int, seed: int = 20210601) -> Cases:
    """``n`` open cases received in the 40 days before NOW: types as :data:`WEIGHTS`, 25 % expedited, 10 % of the
    payment-capable types requests for payment, 10 % of Part C requests Part B drugs, 30 % of Part C organization
    determinations prior-authorization items, 60 % of the Part D exceptions with a supporting statement (before NOW)."""
    rng = np.random.default_rng(seed)
    now_s = int((NOW - EPOCH).total_seconds())
    received = (now_s - rng.integers(0, 40 * 86_400, n)).astype("datetime64[s]").astype("datetime64[us]")
    p = np.array([WEIGHTS[t] for t in CASE_TYPES])
    types = rng.choice(len(CASE_TYPES), size=n, p=p / p.sum()).astype(np.int8)
    names = np.array(CASE_TYPES)[types]
    expedited = rng.random(n) < 0.25
    payment = (rng.random(n) < 0.10) & np.isin(names, PAYMENT_TYPES)
    part_b = (rng.random(n) < 0.10) & np.isin(names, PARTC) & ~payment
    pa = (rng.random(n) < 0.30) & (names == "partc_organization_determination") & ~payment & ~part_b
    ss = received + rng.integers(0, 13 * 86_400, n).astype("timedelta64[s]")
    no_statement = (names != "partd_exception") | (rng.random(n) >= 0.6) | (ss > np.datetime64(now_s, "s"))
    ss[no_statement] = np.datetime64("NaT")
    return {"received": received, "case_type": types, "expedited": expedited & ~payment, "supporting_statement": ss,
            "payment": payment, "part_b_drug": part_b, "prior_authorization": pa}


def _vector(cases: Cases, params: ParamSet) -> npt.NDArray[np.datetime64]:
    return decision_due(cases["received"], cases["case_type"], cases["expedited"], params,
                        supporting_statement=cases["supporting_statement"], payment=cases["payment"],
                        part_b_drug=cases["part_b_drug"], prior_authorization=cases["prior_authorization"], zone=ZONE)


def _aware(x: np.datetime64) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=int(x.astype("datetime64[us]").astype(np.int64)))


Row = tuple[str, dt.datetime, bool, dt.datetime | None, bool, bool, bool]


def _engine_due(row: Row, params: ParamSet) -> dt.datetime:
    """The decision due time of one case from the per-case engine (as the workflow computes it)."""
    case_type, rec, fast, ss, payment, part_b, pa = row
    if case_type == "integrated_grievance":
        obs = clocks.integrated_grievance(rec, params, expedited=fast, zone=ZONE)
    elif case_type == "integrated_organization_determination":
        obs = clocks.integrated_organization_determination(rec, params, expedited=fast, zone=ZONE)
    elif case_type == "integrated_reconsideration":
        obs = clocks.integrated_reconsideration(rec, params, expedited=fast, zone=ZONE)
    elif case_type == "partd_coverage_determination":
        obs = clocks.partd_coverage_determination(rec, params, expedited=fast, payment=payment, zone=ZONE)
    elif case_type == "partd_exception":
        obs = clocks.partd_exception(rec, params, supporting_statement=ss, expedited=fast, zone=ZONE)
    elif case_type == "partc_organization_determination":
        obs = standard.partc_organization_determination(rec, params, expedited=fast, payment=payment, part_b_drug=part_b,
                                                        prior_authorization=pa, zone=ZONE)
    elif case_type == "partc_reconsideration":
        obs = standard.partc_reconsideration(rec, params, expedited=fast, payment=payment, part_b_drug=part_b, zone=ZONE)
    elif case_type == "partd_redetermination":
        obs = standard.partd_redetermination(rec, params, expedited=fast, payment=payment, zone=ZONE)
    elif case_type == "partc_grievance":
        obs = standard.partc_grievance(rec, params, expedited=fast, zone=ZONE)
    else:
        obs = standard.partd_grievance(rec, params, expedited=fast, zone=ZONE)
    want = decision_id(case_type, fast, payment, part_b, pa)
    return next(o.due for o in obs if o.id == want)


def _engine_inputs(cases: Cases, lo: int, hi: int) -> list[Row]:
    c = cases
    return [(CASE_TYPES[int(c["case_type"][i])], _aware(c["received"][i]), bool(c["expedited"][i]),
             None if np.isnat(c["supporting_statement"][i]) else _aware(c["supporting_statement"][i]),
             bool(c["payment"][i]), bool(c["part_b_drug"][i]), bool(c["prior_authorization"][i])) for i in range(lo, hi)]


def bench_clocks(cases: Cases, params: ParamSet) -> dict[str, object]:
    n = cases["received"].size
    due = _vector(cases, params)
    vector_s = _best(lambda: _vector(cases, params))
    sample = _engine_inputs(cases, 0, min(n, ENGINE_SAMPLE))
    start = time.perf_counter()
    engine = [_engine_due(r, params) for r in sample]
    sample_s = time.perf_counter() - start
    mismatches = sum(1 for i in range(min(IDENTICAL_CHECK, len(engine))) if _aware(due[i]) != engine[i].astimezone(dt.UTC))
    extrapolated = n > len(sample) and sample_s * n / len(sample) > ENGINE_FULL_MAX_S
    if n > len(sample) and not extrapolated:
        rest = _engine_inputs(cases, len(sample), n)
        start = time.perf_counter()
        for r in rest:
            _engine_due(r, params)
        engine_s = sample_s + time.perf_counter() - start
    else:
        engine_s = sample_s * n / len(sample)
    return {"case": "decision clocks, all case types", "n": n, "engine_s": round(engine_s, 2),
            "engine_extrapolated": extrapolated, "engine_us_per_case": round(1e6 * sample_s / len(sample), 1),
            "vector_s": round(vector_s, 3), "ratio": round(engine_s / vector_s, 1),
            "identical_on": min(IDENTICAL_CHECK, len(engine)), "mismatches": mismatches}


def bench_bulk(cases: Cases) -> dict[str, object]:
    """``partcd appeals clock --cases FILE --out FILE`` on the same cases: CSV in, CSV out."""
    n = cases["received"].size
    frame = pd.DataFrame({
        "case_id": np.char.add("C", np.arange(n).astype(str)),
        "case_type": np.array(CASE_TYPES)[cases["case_type"]],
        "received": np.char.add(np.datetime_as_string(cases["received"], unit="s"), "Z"),
        "expedited": cases["expedited"], "payment": cases["payment"], "part_b_drug": cases["part_b_drug"],
        "prior_authorization": cases["prior_authorization"],
        "supporting_statement": np.where(np.isnat(cases["supporting_statement"]), "",
                                         np.char.add(np.datetime_as_string(cases["supporting_statement"], unit="s"), "Z")),
    })
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "cases.csv", Path(tmp) / "due.csv"
        frame.to_csv(src, index=False)
        start = time.perf_counter()
        summary = bulk_clocks(src, out, tz=ZONE)
        total = time.perf_counter() - start
        size_mb = src.stat().st_size / 1e6
    return {"case": "bulk clock file (CSV -> CSV)", "n": n, "seconds": round(total, 1), "input_mb": round(size_mb, 1),
            "summary": {k: v for k, v in summary.items() if k in ("cases", "periods", "seconds")}}


# --- (b) the stored work queue on PostgreSQL ---------------------------------------------------------------

_REC, _ACK, _SS, _NOTICE = "2021-01-11T11:11:11Z", "2021-01-11T12:11:11Z", "2021-01-12T12:12:12Z", "2021-01-05"
Key = tuple[int, bool, bool, bool, bool, bool]


def _keys(cases: Cases) -> Iterator[Key]:
    c = cases
    has_ss = ~np.isnat(c["supporting_statement"])
    for i in range(c["received"].size):
        yield (int(c["case_type"][i]), bool(c["expedited"][i]), bool(has_ss[i]), bool(c["payment"][i]),
               bool(c["part_b_drug"][i]), bool(c["prior_authorization"][i]))


def case_templates(params: ParamSet, keys: set[Key]) -> dict[Key, tuple[str, str, str, str, str, bool]]:
    """For each combination of facts: the stored status, the case JSON with placeholder instants, and the decision
    obligation's id, description and citation (the one open obligation the queue stores), and whether expedited."""
    rec = dt.datetime.fromisoformat(_REC)
    out: dict[Key, tuple[str, str, str, str, str, bool]] = {}
    for key in sorted(keys):
        code, fast, with_ss, payment, part_b, pa = key
        name = CASE_TYPES[code]
        kw: dict[str, Any] = {"case_type": name, "received": rec, "reason": "benchmark request", "zone": ZONE,
                              "enrollee_name": "Bench Enrollee", "mbi": "1EG4TE5MK73", "contract_id": "H1234",
                              "payment_request": payment, "part_b_drug": part_b, "prior_authorization": pa}
        if fast:
            kw |= {"expedite_requested": True, "provider_indicates_jeopardy": True}
        if name in ("integrated_grievance", "partc_grievance", "partd_grievance"):
            kw["grievance_subject"] = "expedite_refusal" if fast else "other"
        if name in ("integrated_reconsideration", "partc_reconsideration", "partd_redetermination"):
            kw["adverse_notice_date"] = dt.date.fromisoformat(_NOTICE)
        if with_ss:
            kw["supporting_statement_at"] = dt.datetime.fromisoformat(_SS)
        case = open_case(Intake(**kw), params, actor="bench", now=rec)
        if name in ("integrated_grievance", "integrated_reconsideration"):  # T29 met: the queue shows the decision
            case = case.model_copy(update={"notices": {"acknowledgement": dt.datetime.fromisoformat(_ACK)}})
        want = decision_id(name, fast, payment, part_b, pa)
        ob = next(d for d in deadlines(case, params, rec) if d.id == want)
        out[key] = (case.status, json.dumps(case.model_dump(mode="json", exclude_defaults=True)), ob.id,
                    ob.description[:300], ob.cite[:300], case.expedited)
    return out


def _iso(values: npt.NDArray[Any]) -> npt.NDArray[np.str_]:
    return np.char.add(np.datetime_as_string(values.astype("datetime64[s]"), unit="s"), "Z")


def _tsv(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def copy_lines(cases: Cases, due: npt.NDArray[np.datetime64], params: ParamSet) -> tuple[Iterator[str], Iterator[str]]:
    """COPY text lines for ``appeal_case`` and ``appeal_obligation`` (one open case, one open obligation per line)."""
    keys = list(_keys(cases))
    templates = case_templates(params, set(keys))
    rec = cases["received"]
    ss = cases["supporting_statement"]
    rec_s, ack_s = _iso(rec), _iso(rec + np.timedelta64(1, "h"))
    ss_s = _iso(np.where(np.isnat(ss), rec, ss))
    notice_s = np.datetime_as_string((rec - np.timedelta64(3, "D")).astype("datetime64[D]"))
    due_s = np.char.add(np.datetime_as_string(due, unit="us"), "+00")
    due_hour = (due.astype("datetime64[h]").astype(np.int64)).astype(str)
    rec_ts = np.char.add(np.datetime_as_string(rec, unit="s"), "+00")
    now = NOW.isoformat()

    def cases_() -> Iterator[str]:
        for i, key in enumerate(keys):
            status, data, _, _, _, fast = templates[key]
            data = data.replace(_REC, rec_s[i]).replace(_ACK, ack_s[i]).replace(_SS, ss_s[i]).replace(_NOTICE, notice_s[i])
            yield "\t".join((str(i + 1), CASE_TYPES[key[0]], status, "H1234", "001", "1EG4TE5MK73", "Bench Enrollee",
                             "t" if fast else "f", rec_ts[i], due_s[i], r"\N", r"\N", r"\N",
                             data.replace("\\", "\\\\"), now, now, "1")) + "\n"

    def obligations_() -> Iterator[str]:
        for i, key in enumerate(keys):
            status, _, ob_id, description, cite, fast = templates[key]
            yield "\t".join((str(i + 1), ob_id, CASE_TYPES[key[0]], status, "t" if fast else "f", "H1234", due_s[i],
                             due_hour[i], "t", "t", _tsv(description), _tsv(cite))) + "\n"

    return cases_(), obligations_()


CASE_COLUMNS = ("id, case_type, status, contract_id, plan_benefit_package, mbi, enrollee_name, expedited, received_at, "
                "next_due_at, decided_at, outcome, parent_id, data, created_at, updated_at, version")
OBLIGATION_COLUMNS = ("case_id, obligation_id, case_type, status, expedited, contract_id, due_at, due_hour, is_next, "
                      "binding, description, cite")


def _copy(conn: Any, table: str, columns: str, lines: Iterator[str], chunk: int = 50_000) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        buf = io.StringIO()
        for k, line in enumerate(lines, 1):
            buf.write(line)
            if k % chunk == 0:
                copy.write(buf.getvalue())
                buf = io.StringIO()
        copy.write(buf.getvalue())


def bulk_load(engine: sa.Engine, case_lines: Iterator[str], obligation_lines: Iterator[str]) -> None:
    """COPY the cases and their obligations (psycopg 3), build the tally, then VACUUM ANALYZE."""
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        assert conn is not None
        _copy(conn, "appeal_case", CASE_COLUMNS, case_lines)
        _copy(conn, "appeal_obligation", OBLIGATION_COLUMNS, obligation_lines)
        with conn.cursor() as cur:
            cur.execute("INSERT INTO appeal_queue_tally (case_type, due_hour, open_cases) "
                        "SELECT case_type, due_hour, count(*) FROM appeal_obligation WHERE is_next "
                        "GROUP BY case_type, due_hour")
        conn.commit()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT setval(pg_get_serial_sequence('appeal_case', 'id'), (SELECT max(id) FROM appeal_case))")
            for table in ("appeal_case", "appeal_obligation", "appeal_queue_tally"):
                cur.execute(f"VACUUM ANALYZE {table}")
    finally:
        raw.close()


HAND_COUNTS = """
SELECT case_type,
       count(*) FILTER (WHERE due_at < :now) AS overdue,
       count(*) FILTER (WHERE due_at >= :now AND due_at <= :h24) AS due_24h,
       count(*) FILTER (WHERE due_at > :h24 AND due_at <= :h72) AS due_72h,
       count(*) FILTER (WHERE due_at > :h72) AS later
FROM appeal_obligation WHERE is_next GROUP BY case_type
"""
HAND_PAGE = """
SELECT case_id, case_type, status, expedited, contract_id, due_at, obligation_id, description
FROM appeal_obligation WHERE is_next ORDER BY due_at, case_id LIMIT 500
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


def _captured(engine: sa.Engine, call: Callable[[], object]) -> list[tuple[str, Any]]:
    """The SELECT statements (with their parameters) the service sends during ``call``."""
    seen: list[tuple[str, Any]] = []

    def listen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", listen)
    try:
        call()
    finally:
        sa.event.remove(engine, "before_cursor_execute", listen)
    return seen


def _explain(engine: sa.Engine, statements: list[tuple[str, Any]]) -> list[str]:
    out = []
    with engine.connect() as conn:
        for statement, parameters in statements:
            rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS OFF, TIMING ON) " + statement, parameters).all()
            out.append(_plan_summary([r[0] for r in rows]))
    return out


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


def _measure(engine: sa.Engine) -> dict[str, object]:
    counts = svc.queue_counts(engine, now=NOW)
    with engine.connect() as conn:
        hand = {r[0]: {"overdue": r[1], "due_24h": r[2], "due_72h": r[3], "later": r[4]}
                for r in conn.execute(sa.text(HAND_COUNTS), _bind())}
    assert counts == {t: c for t, c in hand.items() if sum(c.values())}, "queue_counts differs from the baseline SQL"
    page = svc.queue(engine, now=NOW, limit=500)
    with engine.connect() as conn:
        assert [i.id for i in page] == [r[0] for r in conn.execute(sa.text(HAND_PAGE), _bind())]
    counts_s = _best(lambda: svc.queue_counts(engine, now=NOW), 5)
    page_s = _best(lambda: svc.queue(engine, now=NOW, limit=500), 5)
    type_s = _best(lambda: svc.queue(engine, now=NOW, case_type="partd_coverage_determination", bucket="due_24h"), 5)
    status_s = _best(lambda: svc.queue(engine, now=NOW, status="EXPEDITED_PENDING", bucket="due_72h"), 5)
    hand_counts_s = _best(_sql_timer(engine, HAND_COUNTS))
    hand_page_s = _best(_sql_timer(engine, HAND_PAGE), 5)
    return {
        "case": "stored work queue", "n": N, "open_cases": sum(sum(c.values()) for c in counts.values()),
        "queue_counts_s": round(counts_s, 4), "baseline_counts_sql_s": round(hand_counts_s, 3),
        "counts_ratio": round(hand_counts_s / counts_s, 1),
        "queue_first_page_s": round(page_s, 4), "baseline_page_sql_s": round(hand_page_s, 4),
        "page_ratio": round(hand_page_s / page_s, 2),
        "queue_type_24h_s": round(type_s, 4), "queue_status_72h_s": round(status_s, 4),
        "explain_counts": _explain(engine, _captured(engine, lambda: svc.queue_counts(engine, now=NOW))),
        "explain_page": _explain(engine, _captured(engine, lambda: svc.queue(engine, now=NOW, limit=500))),
        "explain_type_24h": _explain(engine, _captured(engine, lambda: svc.queue(
            engine, now=NOW, case_type="partd_coverage_determination", bucket="due_24h"))),
        "explain_status_72h": _explain(engine, _captured(engine, lambda: svc.queue(
            engine, now=NOW, status="EXPEDITED_PENDING", bucket="due_72h"))),
        "explain_baseline_counts": _explain(engine, [(HAND_COUNTS.replace(":now", "%(now)s").replace(
            ":h24", "%(h24)s").replace(":h72", "%(h72)s"), _bind())]),
    }


def _transitions(engine: sa.Engine) -> dict[str, object]:
    """Create and decide cases through the audited service on the loaded store (queue rows + tally in the same
    transaction as the case, its events, notices and audit trail)."""
    base = {"case_type": "partc_organization_determination", "reason": "bench", "enrollee_name": "Bench Enrollee",
            "mbi": "1EG4TE5MK73", "contract_id": "H1234", "zone": ZONE}
    create, decide = [], []
    for k in range(TRANSITIONS):
        received = NOW - dt.timedelta(hours=2 + k)
        start = time.perf_counter()
        view = svc.create_case(engine, {**base, "received": received}, actor="bench", now=NOW)
        create.append(time.perf_counter() - start)
        start = time.perf_counter()
        svc.transition(engine, view.id, {"kind": "decide", "decision": "favorable", "at": NOW}, actor="bench",
                       expected_version=view.version, now=NOW)
        decide.append(time.perf_counter() - start)
    return {"case": "service writes on the loaded store", "n": TRANSITIONS,
            "create_case_ms_median": round(1000 * float(np.median(create)), 1),
            "decide_ms_median": round(1000 * float(np.median(decide)), 1)}


def bench_queue(cases: Cases, due: npt.NDArray[np.datetime64], params: ParamSet) -> list[dict[str, object]]:
    with fresh_schema() as engine:
        upgrade(engine)
        start = time.perf_counter()
        bulk_load(engine, *copy_lines(cases, due, params))
        load_s = time.perf_counter() - start
        with engine.connect() as conn:
            sizes = {t: conn.execute(sa.text(f"SELECT pg_size_pretty(pg_total_relation_size('{t}'))")).scalar_one()
                     for t in ("appeal_case", "appeal_obligation", "appeal_queue_tally")}
        row = {**_measure(engine), "copy_load_s": round(load_s, 1), "table_sizes": sizes}
        return [row, _transitions(engine)]


def run() -> list[dict[str, object]]:
    params = load_params("appeals", NOW.date())
    cases = open_cases(N)
    rows: list[dict[str, object]] = [bench_clocks(cases, params), bench_bulk(cases)]
    rows += bench_queue(cases, _vector(cases, params), params)
    return rows
