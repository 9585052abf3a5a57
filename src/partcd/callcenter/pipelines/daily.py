"""§ 422.111(h)(1)(ii), § 423.128(d)(1)(ii) - the daily call-center report CMS asks for during a CAP (CAP letter L34).

"CMS requested daily reports about call center performance to monitor compliance with regulatory requirements"
(L34). One row per contract per day: the three metrics (average hold time, % answered within 30 s, disconnect
rate) beside their limits from the parameters in force that day, the interpreter and TTY shares (a day with fewer
eligible calls than ``interpreter_tty_min_calls_count`` is flagged small-sample and judged over the quarter to
date), one pass/fail flag per standard, the overall verdict, and the status of the contract's CAP on that day
(from the database when one is given). Written as CSV, JSON and an HTML report with Plotly charts (hold time and
service level over time against the thresholds, breach days shaded). Metric definitions are those of
:mod:`partcd.callcenter.pipelines.metrics`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import pyarrow as pa
from sqlalchemy import Engine

from partcd import registry
from partcd.callcenter.pipelines.metrics import MetricsReport, run_metrics
from partcd.callcenter.rules.standards import CallCenterParams, compliant_flags, small_sample_share
from partcd.core.errors import InputError
from partcd.core.result import Verdict
from partcd.platform import frames, report
from partcd.platform.exports import write_records
from partcd.platform.params import load_params

COLUMNS = ("contract_id", "line", "date", "calls", "avg_hold_time_s", "avg_hold_time_max_s", "hold_time_ok",
           "avg_hold_time_all_queued_s", "hold_time_basis", "verdict_hold_time_s",
           "answered_within_30s_pct", "answered_within_min_pct", "service_level_ok", "disconnect_rate_pct",
           "disconnect_rate_max_pct", "disconnect_ok", "interpreter_calls", "interpreter_within_pct",
           "interpreter_small_sample", "interpreter_quarter_pct", "interpreter_ok", "tty_calls", "tty_within_pct",
           "tty_small_sample", "tty_quarter_pct", "tty_ok", "compliant", "failed_standards", "cap_id", "cap_status",
           "params_file")


@dataclass(frozen=True)
class DailyReport:
    """The rows of the daily report and the files written."""

    records: list[dict[str, Any]]
    engine: str
    source: str
    paths: list[Path] = field(default_factory=list)
    rejected: int = 0

    @property
    def compliant(self) -> bool:
        return all(r["compliant"] is not False for r in self.records)

    @property
    def breach_days(self) -> list[tuple[str, str]]:
        return [(r["contract_id"], r["date"]) for r in self.records if r["compliant"] is False]


#: ``(contract_id, day) -> (cap_id, status)`` of the CAP covering the contract that day, or None.
CapStatusLookup = Callable[[str, dt.date], "tuple[int | None, str | None] | None"]


def daily_records(metrics: MetricsReport, cap_status: CapStatusLookup | None = None,
                  contract: str | None = None) -> list[dict[str, Any]]:
    """Metrics by day -> daily-report rows (limits and per-standard flags from each day's verdicts, CAP status)."""
    if metrics.by != "day":
        raise InputError(metrics.file, None, "by", "the daily report needs metrics by day")
    rows: list[dict[str, Any]] = []
    to_date: dict[tuple[Any, ...], list[int]] = {}
    for rec, verdicts in zip(metrics.records, metrics.verdicts, strict=True):
        if contract is not None and rec["contract_id"] != contract:
            continue
        hold, within, disc, interpreter, tty = verdicts
        day = dt.date.fromisoformat(rec["period_start"])
        cap_id, status = (cap_status(rec["contract_id"], day) if cap_status else None) or (None, None)
        rows.append({
            "contract_id": rec["contract_id"], "line": rec.get("line"), "date": rec["period_start"], "calls": rec["calls"],
            "avg_hold_time_s": rec["avg_hold_time_s"], "avg_hold_time_all_queued_s": rec["avg_hold_time_all_queued_s"],
            "hold_time_basis": rec["hold_time_basis"], "verdict_hold_time_s": rec["verdict_hold_time_s"],
            "avg_hold_time_max_s": hold.limit, "hold_time_ok": hold.compliant,
            "answered_within_30s_pct": rec["answered_within_30s_pct"], "answered_within_min_pct": within.limit,
            "service_level_ok": within.compliant, "disconnect_rate_pct": rec["disconnect_rate_pct"],
            "disconnect_rate_max_pct": disc.limit, "disconnect_ok": disc.compliant,
            "interpreter_calls": rec["interpreter_calls"], "interpreter_within_pct": rec["interpreter_within_pct"],
            "interpreter_small_sample": False, "interpreter_quarter_pct": None, "interpreter_ok": interpreter.compliant,
            "tty_calls": rec["tty_calls"], "tty_within_pct": rec["tty_within_pct"], "tty_small_sample": False,
            "tty_quarter_pct": None, "tty_ok": tty.compliant, "compliant": rec["compliant"],
            "failed_standards": list(rec["failed_standards"]), "cap_id": cap_id,
            "cap_status": status, "params_file": rec["params_file"],
        })
        _judge_small_samples(rows[-1], rec, (interpreter, tty), to_date)
    return rows


def _judge_small_samples(row: dict[str, Any], rec: dict[str, Any], verdicts: tuple[Verdict, Verdict],
                         to_date: dict[tuple[Any, ...], list[int]]) -> None:
    """Interpreter and TTY shares of a day with fewer eligible calls than interpreter_tty_min_calls_count: flagged
    small-sample and judged over the quarter to date (interpreter_tty_small_sample_period_text) of the contract
    [x line]; the day's overall verdict and failed standards follow. ``to_date`` carries the running sums (the
    records come in contract, line, day order)."""
    day = dt.date.fromisoformat(rec["period_start"])
    p = load_params("callcenter", day).typed(CallCenterParams)
    quarter = (day.year, (day.month - 1) // 3)
    for kind, verdict in zip(("interpreter", "tty"), verdicts, strict=True):
        sums = to_date.setdefault((kind, rec["contract_id"], rec.get("line"), quarter), [0, 0])
        sums[0] += int(rec[f"{kind}_calls"])
        sums[1] += int(rec[f"{kind}_within"])
        if rec[f"{kind}_within_pct"] is None:
            continue
        pooled = small_sample_share(int(rec[f"{kind}_calls"]), sums[0], sums[1], p.interpreter_tty_min_calls_count,
                                    verdict.limit)
        if pooled is None:
            continue
        row[f"{kind}_small_sample"] = True
        row[f"{kind}_quarter_pct"] = None if pooled.period_within_pct is None else round(pooled.period_within_pct, 6)
        row[f"{kind}_ok"] = pooled.compliant
        failed = [s for s in row["failed_standards"] if s != verdict.standard]
        if pooled.compliant is False:
            failed.append(f"{verdict.standard}, quarter to date")
        row["failed_standards"] = failed
    row["compliant"] = compliant_flags([row["hold_time_ok"], row["service_level_ok"], row["disconnect_ok"],
                                        row["interpreter_ok"], row["tty_ok"]])


def daily_report(calls: Path | str, out: Path, *, contract: str | None = None, engine: str | None = None,
                 tz: str = "America/New_York", db: Engine | None = None, quarantine: Path | None = None,
                 by_line: bool | None = None, profile: str | None = None, excel_csv: bool = False) -> DailyReport:
    """The call-log pipeline by day (:func:`run_metrics`; per line when the log has one; ``profile`` reads a
    platform export) -> daily rows -> ``daily_report.csv|xlsx|json|html`` in ``out``. Both average holds are shown;
    ``hold_time_ok`` judges the one named by ``hold_time_basis``. ``excel_csv``: the CSV with a UTF-8 byte-order mark."""
    metrics = run_metrics(calls, by="day", engine=engine, tz=tz, quarantine=quarantine, by_line=by_line, profile=profile)
    lookup = registry.service("cap_status_lookup")(db) if db is not None else None
    rows = daily_records(metrics, lookup, contract)
    if contract is not None and not rows:
        raise InputError(str(calls), None, "contract_id", f"no calls for contract {contract}")
    if not metrics.by_line:
        for r in rows:
            r.pop("line", None)
    rep = DailyReport(records=rows, engine=metrics.engine, source=Path(str(calls)).name, rejected=metrics.rejected)
    return DailyReport(records=rows, engine=rep.engine, source=rep.source, rejected=rep.rejected,
                       paths=write(rep, out, excel_csv=excel_csv))


def write(rep: DailyReport, out: Path, *, excel_csv: bool = False) -> list[Path]:
    """``daily_report.csv`` and ``daily_report.xlsx`` (the CSV columns, exact values), ``.json`` and ``.html``."""
    out.mkdir(parents=True, exist_ok=True)
    flat = pa.Table.from_pylist([{**r, "failed_standards": "; ".join(r["failed_standards"])} for r in rep.records]) \
        if rep.records else pa.table({c: pa.array([], pa.string()) for c in COLUMNS if c != "line"})
    columns = [c for c in COLUMNS if c in flat.column_names]
    csv_path = write_records(flat, out / "daily_report.csv", columns=columns, excel_csv=excel_csv)
    xlsx_path = write_records(flat, out / "daily_report.xlsx", columns=columns, sheet="daily report")
    json_path = frames.write_table(pa.Table.from_pylist(rep.records) if rep.records else flat, out / "daily_report.json", "json")
    report.ensure_plotly_js(out)
    charts = [report.figure_html(fig, report.PLOTLY_JS) for fig in charts_for(rep.records)]
    contracts = sorted({r["contract_id"] for r in rep.records})
    html_path = report.render("callcenter/daily.html.j2", out / "daily_report.html", rep=rep, records=rep.records,
                              contracts=contracts, charts=charts, limits=_limits(rep.records))
    return [csv_path, xlsx_path, json_path, html_path]


def charts_for(records: list[dict[str, Any]]) -> list[go.Figure]:
    """Hold time and service level (and disconnects) per day against the thresholds; breach days shaded red."""
    figs = []
    limits = _limits(records)
    breach_days = sorted({r["date"] for r in records if r["compliant"] is False})
    for metric, limit_key, title in (("avg_hold_time_s", "avg_hold_time_max_s", "Average hold time (s)"),
                                     ("answered_within_30s_pct", "answered_within_min_pct", "Answered within 30 s (%)"),
                                     ("disconnect_rate_pct", "disconnect_rate_max_pct", "Disconnect rate (%)")):
        fig = go.Figure()
        for day in breach_days:
            noon = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(12))
            fig.add_vrect(x0=(noon - dt.timedelta(hours=12)).isoformat(), x1=(noon + dt.timedelta(hours=12)).isoformat(),
                          fillcolor="#b3261e", opacity=0.15, line_width=0, layer="below")
        for contract in sorted({r["contract_id"] for r in records}):
            rows = [r for r in records if r["contract_id"] == contract]
            fig.add_trace(go.Scatter(x=[r["date"] for r in rows], y=[r[metric] for r in rows], mode="lines+markers",
                                     name=contract, marker={"size": 5}))
        breach = [r for r in records if r["compliant"] is False]
        if breach:
            fig.add_trace(go.Scatter(x=[r["date"] for r in breach], y=[r[metric] for r in breach], mode="markers",
                                     name="non-compliant day", text=[r["contract_id"] for r in breach],
                                     marker={"color": "#b3261e", "size": 11, "symbol": "x"}))
        if limit_key in limits:
            fig.add_hline(y=limits[limit_key], line_dash="dash", line_color="#b3261e",
                          annotation_text=f"standard {limits[limit_key]:g}")
        fig.update_layout(title=title + (" — shaded: breach days" if breach_days else ""), height=320,
                          margin={"l": 40, "r": 20, "t": 50, "b": 40})
        figs.append(fig)
    return figs


def _limits(records: list[dict[str, Any]]) -> dict[str, float]:
    """The limits of the latest day (a parameter change mid-report shows in each row's own limit columns)."""
    if not records:
        return {}
    last = max(records, key=lambda r: r["date"])
    return {k: float(last[k]) for k in ("avg_hold_time_max_s", "answered_within_min_pct", "disconnect_rate_max_pct")}
