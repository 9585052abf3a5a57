"""§§ 422.222, 423.120(c)(6) - the preclusion demo: a seeded synthetic list (2,000 episodes posted monthly from the
initial list of 2019), 20,000 claim lines of all four transactions and a service history, screened on the chosen
engine (claim decisions as CSV), the beneficiary notices of one monthly posting (CSV) and one HTML report with the
decisions by decision-table row, an example claim for each row, the notices and one party's dates.

Picked up by ``partcd demo`` (``demo(out, seed, engine)``). No real NPI, name or beneficiary: every value comes from
:mod:`partcd.preclusion.samples` and the seed; "today" is fixed, so the report is reproducible.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.csv as pacsv

from partcd.platform import frames, report
from partcd.platform.demo import DemoResult
from partcd.preclusion import pipelines
from partcd.preclusion.rules.decision import DECISION_TABLE
from partcd.preclusion.rules.notices import NoticeSent
from partcd.preclusion.samples import synthetic_claims, synthetic_history, synthetic_list

N_LIST = 2_000
N_CLAIMS = 20_000
N_HISTORY = 20_000
#: the monthly posting whose notices the demo works through, and the day it looks at them
POSTING_DATE = dt.date(2022, 5, 1)
AS_OF = dt.date(2022, 6, 15)


def demo(out: Path, seed: int, engine: str) -> DemoResult:
    folder = out / "preclusion"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    postings = synthetic_list(rng, N_LIST)
    claims = synthetic_claims(rng, N_CLAIMS, postings, first_service=dt.date(2019, 1, 1))
    history = synthetic_history(rng, N_HISTORY, postings)
    list_path, claims_path, history_path = folder / "preclusion_list.csv", folder / "claims.csv", folder / "history.csv"
    for table, path in ((postings, list_path), (claims, claims_path), (history, history_path)):
        pacsv.write_csv(table, path)

    screening = pipelines.write_decisions(pipelines.screen(list_path, claims_path, engine=engine),
                                          folder / "screening.csv")
    counts = pipelines.decision_counts(screening)
    examples = _examples(screening, claims_path)

    # notices of one posting: most beneficiaries noticed on day 10, a few late (day 35), the rest not yet
    first = pipelines.notices(list_path, history_path, POSTING_DATE, AS_OF, engine=engine)
    sent = []
    for i, n in enumerate(first.notices):
        if i % 5 < 3:
            sent.append(NoticeSent(beneficiary_id=n.beneficiary_id, npi=n.npi,
                                   sent_date=POSTING_DATE + dt.timedelta(days=10)))
        elif i % 5 == 3:
            sent.append(NoticeSent(beneficiary_id=n.beneficiary_id, npi=n.npi,
                                   sent_date=POSTING_DATE + dt.timedelta(days=35)))
    run = pipelines.notices(list_path, history_path, POSTING_DATE, AS_OF, sent=sent, engine=engine)
    notice_rows = pipelines.notice_records(run)
    frames.write_table(_as_table(notice_rows), folder / "notices.csv")
    status: dict[str, int] = {}
    for r in notice_rows:
        status[r["status"]] = status.get(r["status"], 0) + 1

    felon = next(str(r["npi"]) for r in postings.to_pylist() if r["basis"] == "felony" and not r["oig_excluded"])
    party = pipelines.party(list_path, felon, AS_OF, engine=engine)
    report.render("preclusion/demo.html.j2", folder / "index.html", seed=seed, engine=engine, counts=counts,
                  examples=examples, notices=notice_rows[:40], notice_total=len(notice_rows), status=status,
                  parties=run.party_notifications, posting_date=POSTING_DATE, as_of=AS_OF, party=party,
                  lookback_start=run.lookback_start, n_list=postings.num_rows, n_claims=N_CLAIMS)
    late = status.get("overdue", 0) + status.get("sent_late", 0)
    return DemoResult(
        "preclusion", "Preclusion list: claim screening and beneficiary notices", "preclusion/index.html",
        f"{counts['claims']} claim lines screened on {engine}: {counts['denied']} denied, rejected or PDE forbidden; "
        f"{len(notice_rows)} notices for the {POSTING_DATE} posting, {late} overdue or late on {AS_OF}",
        details=["decisions: preclusion/screening.csv", "notices: preclusion/notices.csv",
                 f"inputs: preclusion/{list_path.name}, {claims_path.name}, {history_path.name}"])


def _as_table(rows: list[dict[str, Any]]) -> Any:
    import pyarrow as pa

    schema = pa.schema([(c, pa.string()) for c in pipelines.NOTICE_COLUMNS])
    return pa.Table.from_pylist([{k: pipelines.neutralise_cell(v) for k, v in r.items()} for r in rows], schema=schema)


def _examples(screening: Path, claims_path: Path) -> list[dict[str, Any]]:
    """One claim line per decision-table row and outcome: the first claim_id that row decided, with its inputs."""
    con = pipelines.connect("duckdb")
    decided = con.read_csv(str(screening))
    rule = decided.reason.split(":")[0]
    firsts = decided.group_by(rule=rule, decision=decided.decision, reason=decided.reason,
                              citation=decided.citation).aggregate(
        claims=decided.count(), claim_id=decided.claim_id.min())
    inputs = con.read_csv(str(claims_path), types={"npi": "VARCHAR", "claim_id": "VARCHAR"})
    joined = firsts.join(inputs, "claim_id")
    order = {r.rule_id: i for i, r in enumerate(DECISION_TABLE)}
    rows: list[dict[str, Any]] = joined.to_pyarrow().to_pylist()
    return sorted(rows, key=lambda r: (order.get(r["rule"], 99), r["reason"], r["decision"]))
