"""§§ 422.629-422.634, 423.568-423.572 - the appeals demo: seeded synthetic cases replayed through the case service,
then the work queue, the timeliness universes (CSV and Excel) and the self-check as one HTML report.

Picked up by ``partcd demo`` (``demo(out, seed, engine)``). The cases live in a fresh SQLite file under
``<out>/appeals/``; "now" is fixed (the end of the synthetic quarter), so the report is reproducible from the seed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from partcd.appeals.pipelines import cases, universes
from partcd.appeals.samples import synthetic_cases
from partcd.core.errors import RuleError
from partcd.platform import report
from partcd.platform.demo import DemoResult, fresh_store

TZ = "America/New_York"
START = dt.date(2021, 4, 1)
DAYS = 90
AS_OF = dt.datetime(2021, 6, 30, 17, 0, tzinfo=ZoneInfo(TZ))


def demo(out: Path, seed: int, engine: str) -> DemoResult:
    """Replay ~120 synthetic cases up to ``AS_OF``; write the queue, universes and self-check under ``out/appeals``."""
    folder = out / "appeals"
    store = fresh_store(folder, "appeals.db")
    refused = 0
    for synthetic in synthetic_cases(seed=seed, start=START, days=DAYS, tz=TZ):
        if synthetic.intake.received > AS_OF:
            continue
        view = cases.create_case(store, synthetic.intake, actor="intake-demo", now=synthetic.intake.received)
        for event in synthetic.events:
            if event.at > AS_OF:
                break
            try:
                cases.transition(store, view.id, event, actor=event.actor, now=event.at)
            except RuleError:
                refused += 1
    cases.sweep(store, now=AS_OF)
    views = cases.all_cases(store, now=AS_OF)
    built = universes.build(views, date_from=START, date_to=AS_OF.date())
    files = [*universes.write(built, folder / "universe.xlsx"), *universes.write(built, folder / "universe.csv")]
    queue = cases.queue(store, now=AS_OF)
    zone = ZoneInfo(TZ)
    report.render("appeals/demo.html.j2", folder / "index.html", as_of=AS_OF, seed=seed, engine=engine,
                  queue=queue, counts=cases.queue_counts(store, now=AS_OF), summary=built.summary(),
                  findings=built.findings, titles=universes.TABLE_TITLES, total=len(views), refused=refused,
                  files=[p.name for p in files], local=lambda t: t.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z"))
    overdue = sum(1 for q in queue if q.bucket == "overdue")
    due_24 = sum(1 for q in queue if q.bucket == "due_24h")
    late = len(built.findings)
    rows = sum(len(r) for r in built.tables.values())
    return DemoResult("appeals", "Appeals & grievances: work queue, audit universes and timeliness self-check",
                      "appeals/index.html",
                      f"{len(views)} cases; queue: {overdue} overdue, {due_24} due within 24 h; "
                      f"{rows} universe rows, {late} late obligations",
                      details=[f"universes: appeals/{files[0].name} and CSV per table", f"as of {AS_OF.isoformat()}"])
