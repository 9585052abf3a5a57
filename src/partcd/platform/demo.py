"""``partcd demo``: every area on seeded synthetic data -> ``partcd-demo/index.html`` linking each report.

Each area declares ``demo="partcd.<area>.demo:demo"`` in its ``area.py``: ``demo(out: Path, seed: int, engine: str)
-> DemoResult``. The demos run in registry order after the parameters report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

from partcd import registry
from partcd.platform import frames, report
from partcd.platform.params import area_files, areas_with_params, load_params, sources
from partcd.platform.store.db import connect, upgrade


@dataclass(frozen=True)
class DemoResult:
    area: str
    title: str
    href: str
    headline: str
    details: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (title, href relative to the demo folder)


@dataclass(frozen=True)
class DemoSummary:
    out: Path
    seed: int
    engine: str
    results: list[DemoResult]


def fresh_store(folder: Path, name: str) -> Engine:
    """An empty SQLite store ``folder/name`` migrated to the head (the folder is created, an earlier run's file
    removed): where an area's demo keeps its records."""
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / name
    db.unlink(missing_ok=True)
    store = connect(f"sqlite:///{db}")
    upgrade(store)
    return store


def run_demo(out: Path, *, seed: int = 2022, engine: str | None = None) -> DemoSummary:
    name = frames.engine_name(engine)
    out.mkdir(parents=True, exist_ok=True)
    report.ensure_plotly_js(out)
    results = [params_demo(out)]
    for area in registry.areas():
        if area.demo is not None:
            results.append(registry.load(area.demo)(out, seed, name))
    report.render("index.html.j2", out / "index.html", results=results, seed=seed, engine=name)
    return DemoSummary(out=out, seed=seed, engine=name, results=results)


def params_demo(out: Path) -> DemoResult:
    """The law tree as a report: every value with its citation."""
    src = sources()
    tables = []
    count = 0
    for area in areas_with_params():
        for pf in area_files(area).values():
            ps = load_params(area, pf.period_value)
            count += len(ps.values)
            tables.append({"area": area, "period": ps.period, "file": f"{area}/params/{ps.file}", "source": ps.source,
                           "status": src[ps.source].status if ps.source in src else "", "values": list(ps.values.values())})
    report.render("params.html.j2", out / "params.html", tables=tables)
    return DemoResult("parameters", "Regulation parameters with citations", "params.html",
                      f"{count} cited values in {len(tables)} period files")


def print_summary(summary: DemoSummary, console: Console | None = None) -> None:
    console = console or Console(highlight=False)
    table = Table(title=f"partcd demo (seed {summary.seed}, engine {summary.engine})")
    table.add_column("area")
    table.add_column("result")
    table.add_column("report")
    for r in summary.results:
        table.add_row(r.area, r.headline, str(summary.out / r.href))
    console.print(table)
    console.print(f"open {summary.out / 'index.html'}")
