"""Call-center demo: a synthetic January 2022 whose typhoon breaks H1416's standards (CAP letter L28-L34)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
import pyarrow as pa
import pyarrow.csv as pacsv

from partcd.callcenter.pipelines.metrics import MetricsReport, run_metrics
from partcd.callcenter.samples import Outage, synthetic_call_log
from partcd.platform import frames, report
from partcd.platform.demo import DemoResult


def demo(out: Path, seed: int, engine: str) -> DemoResult:
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
    report.render("callcenter/metrics.html.j2", folder / "daily.html", by="day", source="callcenter/calls.csv",
                  engine=engine, records=daily.records, compliant=daily.compliant, standards=standards, charts=charts)
    report.render("callcenter/metrics.html.j2", folder / "weekly.html", by="week", source="callcenter/calls.csv",
                  engine=engine, records=weekly.records, compliant=weekly.compliant, standards=standards, charts=[])
    breaches = [r for r in daily.records if r["compliant"] is False]
    days = sorted({r["period_start"] for r in breaches})
    headline = (f"{calls.num_rows} calls, {len(daily.records)} contract-days; "
                f"{len(breaches)} non-compliant ({', '.join(sorted({r['contract_id'] for r in breaches})) or 'none'}"
                f"{'; ' + days[0] + ' to ' + days[-1] if days else ''})")
    return DemoResult("callcenter", "Call-center daily compliance (typhoon scenario)", "callcenter/daily.html", headline,
                      details=[f"call log: {log_path}"],
                      links=[("weekly view", "callcenter/weekly.html"), ("daily metrics (CSV)", "callcenter/metrics_daily.csv")])


def _flat(rep: MetricsReport) -> Any:
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


