"""A writer process for ``bench_write_safety``'s kill -9 rounds: stores and transitions appeal cases in a loop and
prints ``<case id> <version>`` after each commit (the acknowledgement), until it is killed."""

from __future__ import annotations

import datetime as dt
import sys
from zoneinfo import ZoneInfo

from partcd.appeals.pipelines import cases as ac
from partcd.platform.store.db import connect


def main(url: str) -> None:
    engine = connect(url)
    rec = dt.datetime(2021, 3, 1, 9, tzinfo=ZoneInfo("America/New_York"))
    intake = {"case_type": "integrated_organization_determination", "received": rec, "reason": "burst",
              "enrollee_name": "Bench Enrollee", "mbi": "1EG4TE5MK73", "contract_id": "H1234"}
    for i in range(100_000):
        case = ac.create_case(engine, intake, actor="burst", now=rec)
        print(case.id, case.version, flush=True)
        if i % 2:
            case = ac.transition(engine, case.id, {"kind": "review", "at": rec + dt.timedelta(hours=1)}, actor="burst",
                                 now=rec + dt.timedelta(hours=1))
            print(case.id, case.version, flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
