"""Call-center metrics per contract x line x period, and their verdicts against the standards (S2-S6).

One Ibis expression (:func:`metrics_expr`) runs on DuckDB or Spark. Definitions (shared/specs/callcenter.md §2):
hold = answered_at - ivr_end over calls a live person answered; answered within 30 s over all calls that
finished the IVR (the conservative denominator); disconnect rate = calls ``dropped`` by the plan's side over
all calls made (a caller hang-up is not a disconnect).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from partcd.callcenter.readers.calllog import CallLog, read_call_log
from partcd.callcenter.readers.calllog_profiles import FilteredRows, GenericProfile, MappedProfile
from partcd.callcenter.rules.standards import CallCenterParams, PeriodMetrics, compliant, evaluate, evaluate_shares
from partcd.core.errors import ConfigError
from partcd.core.result import Verdict
from partcd.platform import frames
from partcd.platform.params import load_params

Period = Literal["day", "week", "month", "quarter"]
PERIODS: dict[str, str] = {"day": "D", "week": "W", "month": "M", "quarter": "Q"}


def metrics_expr(calls: Any, by: Period, standards: CallCenterParams, *, by_line: bool = False) -> Any:
    """Ibis: one row per contract (x line with ``by_line``) x period with counts, the three standard metrics and the S5/S6 shares.

    ``calls`` needs ``contract_id, line, local_date, hold_s, queued, end_reason, interpreter_requested,
    interpreter_wait_s, tty, tty_wait_s``. Interpreter share: calls needing an interpreter that got one within
    ``interpreter_connect_max_min`` of reaching the representative (never connected = a miss); TTY share: TTY
    calls connected to an operator within ``tty_connect_max_min`` of the start of the call.
    """
    import ibis

    if by not in PERIODS:
        raise ConfigError(f"--by must be one of {', '.join(PERIODS)}")
    period_start = calls.local_date if by == "day" else calls.local_date.truncate(PERIODS[by])
    t = calls.mutate(period_start=period_start)
    answered = t.hold_s.notnull()
    within = answered & (t.hold_s <= standards.answer_within_s)
    interp = t.interpreter_requested
    tty = t.tty
    interp_within = interp & t.interpreter_wait_s.notnull() & (t.interpreter_wait_s <= standards.interpreter_connect_max_min * 60)
    tty_within = tty & t.tty_wait_s.notnull() & (t.tty_wait_s <= standards.tty_connect_max_min * 60)
    keys = ["contract_id", "line", "period_start"] if by_line else ["contract_id", "period_start"]
    agg = t.group_by(keys).aggregate(
        calls=t.count(),
        queued=t.queued.cast("int64").sum(),
        answered=answered.cast("int64").sum(),
        answered_within=within.cast("int64").sum(),
        dropped=(t.end_reason == "dropped").cast("int64").sum(),
        caller_hangups=((t.end_reason == "caller_hangup") & ~answered).cast("int64").sum(),
        hold_sum_s=t.hold_s.sum(),
        max_hold_time_s=t.hold_s.max(),
        interpreter_calls=interp.cast("int64").sum(),
        interpreter_answered=(interp & answered).cast("int64").sum(),
        interpreter_within=interp_within.cast("int64").sum(),
        tty_calls=tty.cast("int64").sum(),
        tty_within=tty_within.cast("int64").sum(),
    )
    return agg.mutate(
        avg_hold_time_s=ibis.ifelse(agg.answered > 0, agg.hold_sum_s / agg.answered, ibis.null()),
        answered_within_30s_pct=ibis.ifelse(agg.queued > 0, 100.0 * agg.answered_within / agg.queued, ibis.null()),
        disconnect_rate_pct=100.0 * agg.dropped / agg.calls,
        abandon_rate_pct=ibis.ifelse(agg.queued > 0, 100.0 * agg.caller_hangups / agg.queued, ibis.null()),
        interpreter_within_pct=ibis.ifelse(agg.interpreter_calls > 0,
                                           100.0 * agg.interpreter_within / agg.interpreter_calls, ibis.null()),
        tty_within_pct=ibis.ifelse(agg.tty_calls > 0, 100.0 * agg.tty_within / agg.tty_calls, ibis.null()),
    ).drop("hold_sum_s").order_by(keys)


#: Metric columns rounded to 1e-6 in records (engines sum floats in different orders).
ROUNDED = ("avg_hold_time_s", "answered_within_30s_pct", "disconnect_rate_pct", "abandon_rate_pct", "max_hold_time_s",
           "interpreter_within_pct", "tty_within_pct")


def verdict_records(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[list[Verdict]]]:
    """Metric rows -> records with all five verdicts (S2-S6), using the standards in force on each period's start."""
    records: list[dict[str, Any]] = []
    verdicts: list[list[Verdict]] = []
    for row in rows:
        start = row["period_start"]
        if isinstance(start, dt.datetime):
            start = start.date()
        params = load_params("callcenter", start)
        pm = PeriodMetrics(contract_id=row["contract_id"], period_start=start.isoformat(), calls=row["calls"],
                           avg_hold_time_s=row["avg_hold_time_s"], answered_within_pct=row["answered_within_30s_pct"],
                           disconnect_rate_pct=row["disconnect_rate_pct"])
        vs = evaluate(pm, params) + evaluate_shares(row["interpreter_within_pct"], row["tty_within_pct"], params)
        record = {**row, "period_start": start.isoformat(), "compliant": compliant(vs),
                  "failed_standards": [v.standard for v in vs if v.compliant is False],
                  "params_file": f"callcenter/params/{params.file}"}
        for k in ROUNDED:
            if record[k] is not None:
                record[k] = round(float(record[k]), 6)
        records.append(record)
        verdicts.append(vs)
    return records, verdicts


@dataclass(frozen=True)
class MetricsReport:
    file: str
    by: str
    engine: str
    records: list[dict[str, Any]]
    verdicts: list[list[Verdict]]
    rejected: int
    profile: str = "generic"
    filtered: list[FilteredRows] = field(default_factory=list)
    absent_columns: list[str] = field(default_factory=list)

    @property
    def filtered_count(self) -> int:
        """Rows the call-log profile's filters left out (e.g. chats, outbound calls): counted, never lost."""
        return sum(f.count for f in self.filtered)

    @property
    def compliant(self) -> bool:
        return all(r["compliant"] is not False for r in self.records)


def compute_metrics(calls: CallLog, by: Period = "day", engine: str | None = None, con: Any = None, *,
                    by_line: bool = False) -> MetricsReport:
    """Metrics and verdicts; the standards in force on each period's first day are applied.

    ``by_line``: one record per contract x line (the log's ``line``: member services, prospective enrollees,
    pharmacy help desk...) instead of per contract; a call with no line forms its own group.
    """
    name = frames.engine_name(engine)
    con = con or frames.connect(name)
    first_day = min(d for d in calls.table.column("local_date").to_pylist() if d is not None)
    standards = load_params("callcenter", first_day).typed(CallCenterParams)
    table = frames.to_engine(con, calls.table, "calls")
    rows = metrics_expr(table, by, standards, by_line=by_line).to_pyarrow().to_pylist()
    for field_name, share in (("interpreter_connected_at", "interpreter_within_pct"), ("tty_connected_at", "tty_within_pct")):
        if field_name in calls.unmeasured:
            for row in rows:
                row[share] = None
    records, verdicts = verdict_records(rows)
    return MetricsReport(file=calls.file, by=by, engine=name, records=records, verdicts=verdicts,
                         rejected=len(calls.rejected), profile=calls.profile, filtered=list(calls.filtered),
                         absent_columns=list(calls.absent_columns))


def run_metrics(path: Path, by: Period = "day", engine: str | None = None, tz: str = "America/New_York",
                quarantine: Path | None = None, *, profile: str | Path | GenericProfile | MappedProfile | None = None,
                known_contracts: frozenset[str] | None = None, by_line: bool = False) -> MetricsReport:
    """load -> validate -> compute: the job behind ``partcd callcenter metrics`` and ``POST /callcenter/metrics``.

    ``profile``: the call-log mapping profile (name or YAML file; None = detected from the header);
    ``known_contracts``: when given, a call of any other contract is a rejected row.
    """
    from partcd.callcenter.readers.calllog import write_quarantine

    log = read_call_log(path, tz=tz, on_error="quarantine" if quarantine else "raise", known_contracts=known_contracts,
                        profile=profile)
    if quarantine is not None and log.rejected:
        write_quarantine(quarantine, log)
    return compute_metrics(log, by=by, engine=engine, by_line=by_line)
