"""§ 422.111(h)(1)(ii)-(iii), § 423.128(d)(1)(ii)-(v) - THE call-log pipeline: read -> validate -> derive ->
aggregate -> verdicts, engine-native on DuckDB or Spark (local, a cluster, or Spark Connect).

* read: the file, folder or glob natively in the engine, mapped through its profile
  (:func:`partcd.callcenter.readers.calllog.open_call_log`);
* validate: every rule an Ibis expression (:func:`partcd.callcenter.readers.calllog.rules`); the first broken rule
  of a row is its rejection. ONE aggregate query computes the metrics over the rows that pass AND counts the rows
  that do not, together with the distinct ``call_id`` count (the duplicate check). Only when something is wrong
  are the rows numbered, the duplicate window evaluated and either the first bad row raised (file, row, field,
  reason) or every bad row written by the engine to the quarantine file;
* derive and aggregate: additive integer counts per contract (x line) x period (hold sums in microseconds, so the
  engines agree exactly);
* verdicts: :func:`partcd.callcenter.rules.standards.period_figures` and the standards in force on each period's
  first day (shared/specs/callcenter.md §2; CAP letter L30).

The CLI (``partcd callcenter metrics``, ``daily-report``), the API, the CAP monitoring service
``call_log_findings``, the planning module and the demos call :func:`run_metrics` or :func:`call_log_findings`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from partcd.callcenter.pipelines import firstpass
from partcd.callcenter.pipelines.firstpass import (
    CACHE_KIND,
    PERIODS,
    Period,
    duckdb_rows,
    duckdb_schema,
    first_pass_key,
    ids_beside,
)
from partcd.callcenter.readers import timeexpr
from partcd.callcenter.readers.calllog import (
    CallLog,
    CheckedLog,
    check_call_log,
    id_check,
    id_sql,
    judged,
    open_call_log,
    passes,
    rules,
    settle,
    write_quarantine,
)
from partcd.callcenter.readers.calllog_files import (
    contract_problem,
    sorted_hashes_distinct,
)
from partcd.callcenter.readers.calllog_profiles import FilteredRows, GenericProfile, MappedProfile
from partcd.callcenter.rules.standards import (
    CallCenterParams,
    Judge,
    PeriodCounts,
    PeriodMetrics,
    PeriodVerdicts,
    compliant,
    evaluate,
    evaluate_shares,
    period_figures,
    results_by_line,
)
from partcd.core.errors import ConfigError
from partcd.core.params import ParamSet
from partcd.core.result import Verdict
from partcd.platform import frames, sqlcache
from partcd.platform.params import area_files, load_params

#: The additive counts the engine returns per group (see :class:`partcd.callcenter.rules.standards.PeriodCounts`).
COUNTS = ("calls", "queued", "answered", "answered_within", "dropped", "caller_hangups", "abandoned", "hold_sum_us",
          "max_hold_us", "waits", "wait_sum_us", "interpreter_calls", "interpreter_answered", "interpreter_within",
          "tty_calls", "tty_within")
#: Metric columns rounded to 1e-6 in records.
ROUNDED = ("avg_hold_time_s", "avg_hold_time_all_queued_s", "verdict_hold_time_s", "answered_within_30s_pct",
           "disconnect_rate_pct",
           "abandon_rate_pct", "max_hold_time_s", "interpreter_within_pct", "tty_within_pct")


def latest_params() -> ParamSet:
    """The latest parameter file: it names the pipeline-level definitions (no-IVR treatment, per-line default)."""
    files = area_files("callcenter")
    last = max(files.values(), key=lambda pf: pf.period_value)
    return load_params("callcenter", last.period_value)


def period_floor(day: int, by: str) -> int:
    """The first day of the day's period (days since 1970-01-01), as :func:`timeexpr.with_period_start` computes it."""
    if by == "day":
        return day
    if by == "week":
        return day - (day + 3) % 7
    date = timeexpr.date_of_day(day)
    first = date.replace(day=1) if by == "month" else dt.date(date.year, date.month - (date.month - 1) % 3, 1)
    return (first - dt.date(1970, 1, 1)).days


def _first_period_from(day: int, by: str) -> int:
    """The first day of the first period that starts on or after ``day``."""
    start = period_floor(day, by)
    return start if start == day else period_floor(start + {"day": 1, "week": 7, "month": 31, "quarter": 92}[by], by)


def _thresholds(period_day: Any, by: str | None = None) -> dict[str, Any]:
    """Per-row limits in microseconds from the parameter file in force on the period's first day (a comparison
    tree over the files' effective dates; one file = constants). ``by``: ``period_day`` is the call's local day,
    and a file applies from the first period that starts on or after its date (the same rows as comparing the
    period's first day)."""
    import ibis

    files = sorted(area_files("callcenter").values(), key=lambda pf: pf.period_value)
    views = [(pf.period_value, load_params("callcenter", pf.period_value).typed(CallCenterParams)) for pf in files]

    def pick(get: Any) -> Any:
        expr = ibis.literal(round(get(views[0][1]) * 1e6), "int64")
        for start, view in views[1:]:
            assert isinstance(start, dt.date)
            day = (start - dt.date(1970, 1, 1)).days
            if by is not None:
                day = _first_period_from(day, by)
            expr = ibis.ifelse(period_day >= day, round(get(view) * 1e6), expr)
        return expr

    return {"within_us": pick(lambda v: v.answer_within_s),
            "interpreter_us": pick(lambda v: v.interpreter_connect_max_min * 60),
            "tty_us": pick(lambda v: v.tty_connect_max_min * 60)}


def derived(calls: Any, *, by: str, tz: str, no_ivr: str, within: tuple[int, int] | None = None,
            by_day: bool = False) -> Any:
    """Per call: local day, period, queued, hold / wait (us), S5/S6 passes - each one projection over the last.

    ``by_day``: ``_period`` is the local day itself (the limits still those of the ``by`` period's first day):
    the engine then groups by day, and :func:`roll_up` sums the days into periods - the per-row period arithmetic
    of weeks, months and quarters is left out of the scan."""
    import ibis

    if by not in PERIODS:
        raise ConfigError(f"--by must be one of {', '.join(PERIODS)}")
    t = timeexpr.with_local_day(calls, "call_start_us", tz, "_day", within)
    t = timeexpr.with_period_start(t, "_day", "day" if by_day else by, "_period")
    start = t.ivr_end_us if no_ivr == "refuse" else t.ivr_end_us.fill_null(
        ibis.ifelse(t.answered_at_us.notnull(), t.call_start_us, ibis.null("int64")))
    t = t.mutate(_hold_start=start)
    limits = _thresholds(t._day, by) if by_day else _thresholds(t._period)
    t = t.mutate(_answered=t.answered_at_us.notnull(), _queued=t._hold_start.notnull(),
                 _hold=t.answered_at_us - t._hold_start, _within_us=limits["within_us"],
                 _interp_us=limits["interpreter_us"], _tty_us=limits["tty_us"])
    return t.mutate(
        _wait=ibis.ifelse(t._answered, t._hold, t.call_end_us - t._hold_start),
        _hangup=(t.end_reason == "caller_hangup") & ~t._answered,
        _interp_ok=t.interpreter_requested & (t.interpreter_connected_at_us - t.answered_at_us <= t._interp_us).fill_null(False),
        _tty_ok=t.tty & (t.tty_connected_at_us - t.call_start_us <= t._tty_us).fill_null(False))


def aggregate(t: Any, keys: list[str]) -> Any:
    """Additive counts per group and per ``_ok`` (the row passed every rule): one group-by, no per-aggregate filter
    on the verdict of the rules; the groups of rejected rows only give their count."""
    if "_ok" not in t.columns:
        t = t.mutate(_ok=t._rule.isnull())
    # a count of a column where it is not null, not a filtered count: _queued is _hold_start being set, _answered
    # is answered_at being set, and _wait is null exactly when the call never queued
    return t.group_by([*keys, "_ok"]).aggregate(
        calls=t.count(),
        queued=t._hold_start.count(),
        answered=t.answered_at_us.count(),
        answered_within=t.count(where=t._answered & (t._hold <= t._within_us)),
        dropped=t.count(where=t.end_reason == "dropped"),
        caller_hangups=t.count(where=t._hangup),
        abandoned=t.count(where=t._hangup & t._queued),
        hold_sum_us=t._hold.sum(),
        max_hold_us=t._hold.max(),
        waits=t._wait.count(),
        wait_sum_us=t._wait.sum(),
        interpreter_calls=t.count(where=t.interpreter_requested),
        interpreter_answered=t.count(where=t.interpreter_requested & t._answered),
        interpreter_within=t.count(where=t._interp_ok),
        tty_calls=t.count(where=t.tty),
        tty_within=t.count(where=t._tty_ok),
    )


def roll_up(rows: list[dict[str, Any]], by: str) -> list[dict[str, Any]]:
    """Day rows of :func:`aggregate` (``derived(..., by_day=True)``) summed into ``by`` periods: every count and sum
    is additive, the longest hold is the largest; an empty sum stays empty (null)."""
    if by == "day":
        return rows
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        r = {**row, "_period": period_floor(int(row["_period"]), by)}
        key = tuple(v for k, v in r.items() if k not in COUNTS)
        have = out.get(key)
        if have is None:
            out[key] = r
            continue
        for k in COUNTS:
            a, b = have[k], r[k]
            have[k] = b if a is None else a if b is None else max(a, b) if k == "max_hold_us" else a + b
    return list(out.values())


@dataclass(frozen=True)
class MetricsReport:
    file: str
    by: str
    engine: str
    records: list[dict[str, Any]]
    verdicts: Sequence[list[Verdict]]
    rejected: int
    profile: str = "generic"
    filtered: list[FilteredRows] = field(default_factory=list)
    absent_columns: list[str] = field(default_factory=list)
    by_line: bool = False
    counts: list[PeriodCounts] = field(default_factory=list)
    #: "hit": the first pass ran from cached SQL; "stored": its SQL was compiled and kept; "" otherwise.
    sql_cache: str = ""

    @property
    def filtered_count(self) -> int:
        """Rows the call-log profile's filters left out (e.g. chats, outbound calls): counted, never lost."""
        return sum(f.count for f in self.filtered)

    @property
    def compliant(self) -> bool:
        return all(r["compliant"] is not False for r in self.records)


def records_from(rows: list[dict[str, Any]], keys: list[str], unmeasured: frozenset[str]
                 ) -> tuple[list[dict[str, Any]], PeriodVerdicts, list[PeriodCounts]]:
    """Engine rows (counts) -> records with figures and all five verdicts (S2-S6), sorted by the keys; the verdict
    objects are built when read (:class:`PeriodVerdicts`), the records say whether each period complied.
    ``unmeasured``: the connection stamps the log cannot show (S5/S6 then have no figure)."""
    records: list[dict[str, Any]] = []
    verdicts = PeriodVerdicts()
    all_counts: list[PeriodCounts] = []
    rows = [r for r in rows if r["_ok"] and r["calls"]]
    rows.sort(key=lambda r: tuple("" if r[k] is None else r[k] for k in keys))
    params_of: dict[dt.date, ParamSet] = {}  # one parameter set (and its typed view) per period, not per group
    judges: dict[str, Judge] = {}  # the standards of each parameter file, resolved once
    for row in rows:
        start = timeexpr.date_of_day(row["_period"])
        params = params_of.get(start) or params_of.setdefault(start, load_params("callcenter", start))
        counts = PeriodCounts(**{k: int(row[k] or 0) if k != "max_hold_us" else row[k]
                                 for k in COUNTS if k != "interpreter_answered"})
        fig = period_figures(counts, params)
        interp = None if "interpreter_connected_at" in unmeasured else fig.interpreter_within_pct
        tty = None if "tty_connected_at" in unmeasured else fig.tty_within_pct
        judge = judges.get(params.file) or judges.setdefault(params.file, Judge.of(params))
        measured = (fig.verdict_hold_time_s, fig.answered_within_30s_pct, fig.disconnect_rate_pct, interp, tty)
        ok, failed = judge.failed(measured)
        record: dict[str, Any] = {"contract_id": row["contract_id"]}
        if "line" in keys:
            record["line"] = row["line"]
        record.update({
            "period_start": start.isoformat(),
            **{k: int(row[k] or 0) for k in ("calls", "queued", "answered", "answered_within", "dropped",
                                             "caller_hangups", "abandoned", "interpreter_calls", "interpreter_answered",
                                             "interpreter_within", "tty_calls", "tty_within")},
            "max_hold_time_s": fig.max_hold_time_s, "avg_hold_time_s": fig.avg_hold_time_s,
            "avg_hold_time_all_queued_s": fig.avg_hold_time_all_queued_s, "hold_time_basis": fig.hold_time_basis,
            "verdict_hold_time_s": fig.verdict_hold_time_s,
            "answered_within_30s_pct": fig.answered_within_30s_pct, "disconnect_rate_pct": fig.disconnect_rate_pct,
            "abandon_rate_pct": fig.abandon_rate_pct, "abandon_population": fig.abandon_population,
            "interpreter_within_pct": interp, "tty_within_pct": tty,
            "compliant": ok, "failed_standards": failed,
            "params_file": f"callcenter/params/{params.file}",
        })
        for k in ROUNDED:
            if record[k] is not None:
                record[k] = round(float(record[k]), 6)
        records.append(record)
        verdicts.append(judge, measured)
        all_counts.append(counts)
    return records, verdicts, all_counts


def run_metrics(path: Path | str, by: Period = "day", engine: str | None = None, tz: str = "America/New_York",
                quarantine: Path | None = None, *, profile: str | Path | GenericProfile | MappedProfile | None = None,
                known_contracts: frozenset[str] | None = None, by_line: bool | None = None, con: Any = None,
                try_cache: bool = True) -> MetricsReport:
    """The pipeline behind ``partcd callcenter metrics``, ``POST /callcenter/metrics`` and the daily report.

    ``path``: a file, a folder or a glob. ``by_line``: None = per line when the log has a line
    (``per_line_results_bool``), True/False to choose. Without ``quarantine`` the first bad row raises
    :class:`InputError` naming its file, row and field; with it, the bad rows are written there and left out.

    On DuckDB the first pass's SQL is kept in the user's cache (:mod:`partcd.platform.sqlcache`, keyed by
    :func:`partcd.callcenter.pipelines.firstpass.first_pass_key`): a later run on a log of the same schema runs it
    without importing Ibis (:func:`partcd.callcenter.pipelines.firstpass.cached_report`; ``try_cache=False`` when
    the caller has just tried it). A log that is not clean goes on to the exact pass below either way.
    """
    name = frames.engine_name(engine)
    if name == "duckdb" and con is None and try_cache:
        cached = firstpass.cached_report(path, by, tz, profile=profile, known_contracts=known_contracts,
                                         by_line=by_line)
        if cached is not None:
            return cached
    con = con or frames.connect(name)
    definitions = latest_params()
    no_ivr = definitions.typed(CallCenterParams).answered_without_ivr_end_text
    log = open_call_log(con, path, tz=tz, profile=profile)
    lines = results_by_line(log.has_line, by_line, definitions)
    keys = ["contract_id", *(["line"] if lines else []), "_period"]
    quick = rules(log, log.calls, known_contracts=known_contracts, no_ivr=no_ivr, duplicates=False, per_group=True)
    first_agg = aggregate(derived(passes(log.calls, quick), by=by, tz=tz, no_ivr=no_ivr, within=log.call_start_range,
                                  by_day=True), keys)
    early: Records | None = None
    if name == "duckdb":
        ids_sql = id_sql(con, log.calls)
        if _cacheable(log, profile):  # a second connection hashes the ids while Ibis compiles and DuckDB aggregates
            with ids_beside(con.con, ids_sql, log.files) as pending:
                first_sql = _compiled(con, first_agg)
                rows, early = _first_pass(con.con, first_sql, by, keys, log.unmeasured)
                ids, distinct = pending.result()
        else:
            first_sql = _compiled(con, first_agg)
            rows = roll_up(duckdb_rows(con.con, first_sql), by)
            ids, distinct = sorted_hashes_distinct(con.con, ids_sql, sum(int(r["calls"]) for r in rows))
    else:
        rows = roll_up(first_agg.to_pyarrow().to_pylist(), by)
        ids, distinct = id_check(con, log.calls, sum(int(r["calls"]) for r in rows))
    total = sum(int(r["calls"]) for r in rows)
    bad = sum(int(r["calls"]) for r in rows if not r["_ok"]) + (total - ids)
    bad += sum(int(r["calls"]) for r in rows if r["_ok"] and contract_problem(r["contract_id"], known_contracts))
    duplicates = not distinct
    rejected = 0
    cache = ""
    exact = bool(bad or duplicates or not total)
    if exact:
        rule_list = rules(log, log.calls, known_contracts=known_contracts, no_ivr=no_ivr, duplicates=False)
        checked = settle(log, judged(log.calls, rule_list), rule_list, n=total, bad=bad, duplicates=duplicates,
                         on_error="quarantine" if quarantine else "raise", known_contracts=known_contracts, no_ivr=no_ivr)
        if quarantine is not None and checked.rejected_count:
            write_quarantine(quarantine, checked)
        rejected = checked.rejected_count
        rows = aggregate(derived(checked.judged, by=by, tz=tz, no_ivr=no_ivr), keys).to_pyarrow().to_pylist()
    elif name == "duckdb" and sqlcache.cache_dir() is not None and _cacheable(log, profile):
        view = log.files_table.get_name()
        key = first_pass_key(duckdb_schema(con.con, view), by, tz, log.call_start_range, by_line)
        if sqlcache.store(CACHE_KIND, key, {"view": view, "aggregate": first_sql, "ids": ids_sql}):
            cache = "stored"
    records, verdicts, counts = early if early is not None and not exact else records_from(rows, keys, log.unmeasured)
    return MetricsReport(file=log.source, by=by, engine=name, records=records, verdicts=verdicts, rejected=rejected,
                         profile=log.profile, filtered=list(log.filtered), absent_columns=list(log.absent_columns),
                         by_line=lines, counts=counts, sql_cache=cache)


Records = tuple[list[dict[str, Any]], PeriodVerdicts, list[PeriodCounts]]


def _compiled(con: Any, expr: Any) -> str:
    """DuckDB SQL of an Ibis expression (its memtables registered on ``con``)."""
    con._run_pre_execute_hooks(expr)
    return str(con.compile(expr))


def _first_pass(raw: Any, sql: str, by: str, keys: list[str], unmeasured: frozenset[str]
                ) -> tuple[list[dict[str, Any]], Records | None]:
    """The first pass's rows (rolled up to ``by``) and, ahead of the verdict on the log, their records (built while
    the ``call_id`` hashes are checked) - None when building them raised (the caller builds them again in order,
    where the error is reported)."""
    rows = roll_up(duckdb_rows(raw, sql), by)
    return rows, records_or_none(rows, keys, unmeasured)


def records_or_none(rows: list[dict[str, Any]], keys: list[str], unmeasured: frozenset[str]) -> Records | None:
    """:func:`records_from`, or None when it raised (the caller builds them again in order, where the error is
    reported)."""
    try:
        return records_from(rows, keys, unmeasured)
    except Exception:  # redone in order by the caller
        return None


def _cacheable(log: CallLog, profile: object) -> bool:
    """The first-pass SQL can be kept: the generic schema (no profile queries when the log is opened), DuckDB, and
    the local day from the file's statistics (the SQL then reads the files' view and nothing else)."""
    return (log.profile == "generic" and profile in (None, "generic") and log.call_start_range is not None
            and log.con.name == "duckdb")


def compute_metrics(checked: CheckedLog, by: Period = "day", *, by_line: bool | None = None) -> MetricsReport:
    """Metrics of an already checked log (its engine; rows that broke a rule left out)."""
    log = checked.log
    no_ivr = latest_params().typed(CallCenterParams).answered_without_ivr_end_text
    lines = results_by_line(log.has_line, by_line, latest_params())
    keys = ["contract_id", *(["line"] if lines else []), "_period"]
    rows = aggregate(derived(checked.judged, by=by, tz=log.tz, no_ivr=no_ivr), keys).to_pyarrow().to_pylist()
    records, verdicts, counts = records_from(rows, keys, log.unmeasured)
    return MetricsReport(file=log.source, by=by, engine="duckdb" if log.con.name == "duckdb" else "spark",
                         records=records, verdicts=verdicts, rejected=checked.rejected_count, profile=log.profile,
                         filtered=list(log.filtered), absent_columns=list(log.absent_columns), by_line=lines,
                         counts=counts)


def read_call_log(path: Path | str, *, tz: str = "America/New_York",
                  on_error: Literal["raise", "quarantine"] = "raise", known_contracts: frozenset[str] | None = None,
                  profile: str | Path | GenericProfile | MappedProfile | None = None, engine: str | None = None,
                  con: Any = None) -> CheckedLog:
    """Open and check a call log on an engine (for callers that look at rows: tests, planning, monitoring)."""
    con = con or frames.connect(engine)
    no_ivr = latest_params().typed(CallCenterParams).answered_without_ivr_end_text
    return check_call_log(con, path, tz=tz, on_error=on_error, known_contracts=known_contracts, profile=profile,
                          no_ivr=no_ivr)


def fold_lines(report: MetricsReport) -> list[dict[str, Any]]:
    """One record per contract x period from per-line records: the lines' counts summed (figures recomputed), and
    compliant only if the pooled figures AND every line comply; a failing line is named in ``failed_standards``."""
    if not report.by_line:
        return report.records
    groups: dict[tuple[str, str], list[tuple[dict[str, Any], PeriodCounts]]] = {}
    for line_rec, counts in zip(report.records, report.counts, strict=True):
        groups.setdefault((line_rec["contract_id"], line_rec["period_start"]), []).append((line_rec, counts))
    out = []
    for (contract, start), items in sorted(groups.items()):
        params = load_params("callcenter", dt.date.fromisoformat(start))
        parts = [c for _, c in items]
        maxima = [c.max_hold_us for c in parts if c.max_hold_us is not None]
        summed = PeriodCounts(**{k: sum(getattr(c, k) for c in parts) for k in PeriodCounts.model_fields
                                 if k != "max_hold_us"}, max_hold_us=max(maxima) if maxima else None)
        fig = period_figures(summed, params)
        pm = PeriodMetrics(contract_id=contract, period_start=start, calls=summed.calls,
                           avg_hold_time_s=fig.verdict_hold_time_s, answered_within_pct=fig.answered_within_30s_pct,
                           disconnect_rate_pct=fig.disconnect_rate_pct)
        interp = None if all(r["interpreter_within_pct"] is None for r, _ in items) else fig.interpreter_within_pct
        tty = None if all(r["tty_within_pct"] is None for r, _ in items) else fig.tty_within_pct
        vs = evaluate(pm, params) + evaluate_shares(interp, tty, params)
        failed = [v.standard for v in vs if v.compliant is False]
        failed += [f"{r['line'] or '(no line)'}: {s}" for r, _ in items for s in r["failed_standards"]]
        verdict = False if any(r["compliant"] is False for r, _ in items) else compliant(vs)
        rec: dict[str, Any] = {
            "contract_id": contract, "period_start": start, "lines": len(items),
            **{k: getattr(summed, k) for k in ("calls", "queued", "answered", "answered_within", "dropped",
                                               "caller_hangups", "abandoned", "interpreter_calls", "interpreter_within",
                                               "tty_calls", "tty_within")},
            "max_hold_time_s": fig.max_hold_time_s, "avg_hold_time_s": fig.avg_hold_time_s,
            "avg_hold_time_all_queued_s": fig.avg_hold_time_all_queued_s, "hold_time_basis": fig.hold_time_basis,
            "verdict_hold_time_s": fig.verdict_hold_time_s,
            "answered_within_30s_pct": fig.answered_within_30s_pct, "disconnect_rate_pct": fig.disconnect_rate_pct,
            "abandon_rate_pct": fig.abandon_rate_pct, "abandon_population": fig.abandon_population,
            "interpreter_within_pct": interp, "tty_within_pct": tty, "compliant": verdict, "failed_standards": failed,
            "params_file": f"callcenter/params/{params.file}"}
        for k in ROUNDED:
            if rec[k] is not None:
                rec[k] = round(float(rec[k]), 6)
        out.append(rec)
    return out


@dataclass(frozen=True)
class Findings:
    """The CAP monitoring view of a call log (registry service ``call_log_findings``): one record per contract x
    period (lines folded: compliant only if every line is), and the engine."""

    records: list[dict[str, Any]]
    engine: str
    by: str
    file: str
    per_line: list[dict[str, Any]]


def call_log_findings(path: Path | str, by: Period = "day", engine: str | None = None,
                      tz: str = "America/New_York", profile: str | None = None) -> Findings:
    """The registry service ``call_log_findings``: :func:`run_metrics`, lines folded per contract-period."""
    report = run_metrics(path, by=by, engine=engine, tz=tz, profile=profile)
    return Findings(records=fold_lines(report), engine=report.engine, by=by, file=report.file,
                    per_line=report.records if report.by_line else [])
