"""``partcd demo``: every area on seeded synthetic data -> ``partcd-demo/index.html`` linking each report.

Areas add a module ``partcd.pipelines.<area>_demo`` with ``demo(out: Path, seed: int, engine: str) -> DemoResult``;
it is picked up automatically after the built-in parts (parameters, call center).
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
import pyarrow.csv as pacsv
from rich.console import Console
from rich.table import Table

from partcd.io import frames
from partcd.io.params import area_files, areas_with_params, load_params, sources
from partcd.pipelines import report
from partcd.pipelines.callcenter import MetricsReport, run_metrics
from partcd.samples.callcenter import Outage, synthetic_call_log

AREA_DEMOS = ("stars", "callcenter_extra", "appeals", "preclusion", "radv", "dsnp", "telehealth", "claimsdata")


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


def run_demo(out: Path, *, seed: int = 2022, engine: str | None = None) -> DemoSummary:
    name = frames.engine_name(engine)
    out.mkdir(parents=True, exist_ok=True)
    report.ensure_plotly_js(out)
    results = [params_demo(out), callcenter_demo(out, seed, name)]
    for area in AREA_DEMOS:
        module = f"partcd.pipelines.{area}_demo"
        if importlib.util.find_spec(module) is not None:
            results.append(importlib.import_module(module).demo(out, seed, name))
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


def callcenter_demo(out: Path, seed: int, engine: str) -> DemoResult:
    """A synthetic January 2022 for two contracts; H1416 loses most representatives to a typhoon for 30 hours."""
    tz = "America/New_York"
    outage = Outage(start=dt.datetime(2022, 1, 11, 9, 0, tzinfo=ZoneInfo(tz)), hours=30.0)
    calls = synthetic_call_log(seed=seed, start=dt.date(2022, 1, 3), days=21, outage=outage, tz=tz)
    folder = out / "callcenter"
    folder.mkdir(parents=True, exist_ok=True)
    log_path = folder / "calls.csv"
    pacsv.write_csv(calls, log_path)
    daily = run_metrics(log_path, by="day", engine=engine, tz=tz)
    weekly = run_metrics(log_path, by="week", engine=engine, tz=tz)
    frames.write_table(_flat(daily), folder / "metrics_daily.csv")
    frames.write_table(_flat(daily), folder / "metrics_daily.json", "json")
    charts = [report.figure_html(fig, "../" + report.PLOTLY_JS) for fig in _charts(daily)]
    standards = daily.verdicts[0] if daily.verdicts else []
    report.render("callcenter_metrics.html.j2", folder / "daily.html", by="day", source="callcenter/calls.csv",
                  engine=engine, records=daily.records, compliant=daily.compliant, standards=standards, charts=charts)
    report.render("callcenter_metrics.html.j2", folder / "weekly.html", by="week", source="callcenter/calls.csv",
                  engine=engine, records=weekly.records, compliant=weekly.compliant, standards=standards, charts=[])
    breaches = [r for r in daily.records if r["compliant"] is False]
    days = sorted({r["period_start"] for r in breaches})
    headline = (f"{calls.num_rows} calls, {len(daily.records)} contract-days; "
                f"{len(breaches)} non-compliant ({', '.join(sorted({r['contract_id'] for r in breaches})) or 'none'}"
                f"{'; ' + days[0] + ' to ' + days[-1] if days else ''})")
    return DemoResult("callcenter", "Call-center daily compliance (typhoon scenario)", "callcenter/daily.html", headline,
                      details=[f"call log: {log_path}"],
                      links=[("weekly view", "callcenter/weekly.html"), ("daily metrics (CSV)", "callcenter/metrics_daily.csv")])


def _flat(rep: MetricsReport) -> object:
    import pyarrow as pa

    return pa.Table.from_pylist([{**r, "failed_standards": "; ".join(r["failed_standards"])} for r in rep.records])


def _charts(rep: MetricsReport) -> list[go.Figure]:
    """Hold time and service level per day against the thresholds; breach days marked."""
    figs = []
    limits = {v.standard: v.limit for v in (rep.verdicts[0] if rep.verdicts else [])}
    for metric, title, std in (("avg_hold_time_s", "Average hold time (s)", "average hold time (s)"),
                               ("answered_within_30s_pct", "Answered within 30 s (%)", "answered within 30 s (%)"),
                               ("disconnect_rate_pct", "Disconnect rate (%)", "disconnect rate (%)")):
        fig = go.Figure()
        for contract in sorted({r["contract_id"] for r in rep.records}):
            rows = [r for r in rep.records if r["contract_id"] == contract]
            fig.add_trace(go.Scatter(x=[r["period_start"] for r in rows], y=[r[metric] for r in rows],
                                     mode="lines+markers", name=contract,
                                     marker={"color": ["#b3261e" if r["compliant"] is False else "#1f5fbf" for r in rows]}))
        if std in limits:
            fig.add_hline(y=limits[std], line_dash="dash", line_color="#b3261e", annotation_text=f"standard {limits[std]:g}")
        fig.update_layout(title=title, height=320, margin={"l": 40, "r": 20, "t": 50, "b": 40})
        figs.append(fig)
    return figs


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
