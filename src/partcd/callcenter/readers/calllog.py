"""The per-call log read natively by the engine (DuckDB or Spark), and its validation rules as Ibis expressions.

Columns (generic schema): ``call_id, contract_id, call_start, ivr_end, answered_at, call_end, end_reason,
interpreter_requested, interpreter_connected_at, tty, tty_connected_at``; optional ``line``. Timestamps are ISO 8601
with a UTC offset (or typed instants in Parquet); ``answered_at`` is empty when no live person answered;
``end_reason`` is ``completed``, ``caller_hangup`` or ``dropped``. Rows are numbered as in a spreadsheet (the
header is row 1). The input is one file, a folder of files or a glob (CSV or Parquet, one format); platform exports
are mapped through a profile (:mod:`partcd.callcenter.readers.calllog_profiles`) by
:mod:`partcd.callcenter.readers.calllog_mapping`.

Nothing is collected to the driver: :func:`open_call_log` returns Ibis expressions. Each validation rule is an
expression (:func:`rules`); the first rule a row breaks is its rejection (field, reason). The duplicate ``call_id``
rule is folded into the same pass (:func:`with_duplicates`: a window over ``call_id`` ordered by file and row).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from partcd.callcenter.readers import calllog_mapping as mapping
from partcd.callcenter.readers.calllog_files import (
    CONTRACT_ID_PATTERN,
    END_REASONS,
    REQUIRED,
    TIMESTAMPS,
    parquet_start_range,
    resolve_inputs,
    sorted_hashes_distinct,
)
from partcd.callcenter.readers.calllog_profiles import (
    FilteredRows,
    GenericProfile,
    MappedProfile,
    detect_profile,
    load_profile,
)
from partcd.core import calendar
from partcd.core.errors import InputError
from partcd.platform import frames

NoIvrTreatment = Literal["refuse", "call_start"]

#: Internal columns: file index, record position (and Spark split), the source columns as _c0, _c1, ...
KEEP = (frames.FILE_INDEX, frames.POSITION)


@dataclass
class CallLog:
    """A call log as engine expressions: ``calls`` has one row per call (filtered rows removed) with the generic
    columns (instants as ``<stamp>_us``), the source columns (``_c<i>``) and the mapping problem (``_map_*``)."""

    source: str
    files: tuple[Path, ...]
    con: Any
    files_table: Any
    calls: Any
    columns: tuple[str, ...]
    internal: dict[str, str]
    profile: str = "generic"
    filtered: list[FilteredRows] = field(default_factory=list)
    absent_columns: list[str] = field(default_factory=list)
    unmeasured: frozenset[str] = frozenset()
    has_line: bool = False
    names: dict[str, str] = field(default_factory=dict)
    generic_bad: tuple[str, ...] = ()
    tz: str = "America/New_York"
    #: Generic fields read from typed columns (booleans, instants with a zone): they cannot be malformed.
    typed: frozenset[str] = frozenset()
    #: (min, max) epoch us of call_start from the file statistics, when the engine has them for free.
    call_start_range: tuple[int, int] | None = None

    @property
    def filtered_count(self) -> int:
        return sum(f.count for f in self.filtered)

    def file_of(self, index: int) -> str:
        return str(self.files[index])


def open_call_log(con: Any, spec: Path | str, *, tz: str = "America/New_York",
                  profile: str | Path | GenericProfile | MappedProfile | None = None) -> CallLog:
    """Read the input natively and map it to the generic columns (no row is validated or collected yet)."""
    calendar.zone_of(tz)
    paths = resolve_inputs(spec)
    fmt = frames.file_format(paths[0])
    source = str(spec)
    files = frames.read_files(con, paths, fmt)
    columns = tuple(c for c in files.columns if c not in (frames.FILE_INDEX, frames.POSITION, frames.SPLIT))
    internal = {c: f"_c{i}" for i, c in enumerate(columns)}
    renamed = files.rename({v: k for k, v in internal.items()})
    keep = [*KEEP, *([frames.SPLIT] if frames.SPLIT in files.columns else []), *internal.values()]
    prof = load_profile(profile) if isinstance(profile, (str, Path)) else profile
    if prof is None:
        prof = detect_profile(list(columns), source if len(paths) > 1 else str(paths[0]))
    file_name = str(paths[0]) if len(paths) == 1 else source
    if isinstance(prof, MappedProfile):
        return _mapped(con, paths, source, files, renamed, columns, internal, keep, prof, tz, file_name)
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise InputError(file_name, None, missing[0], f"missing column (required: {', '.join(REQUIRED)})")
    t = renamed
    out: dict[str, Any] = {
        "call_id": mapping.text(t[internal["call_id"]]),
        "contract_id": mapping.text(t[internal["contract_id"]]),
        "line": mapping.text(t[internal["line"]]) if "line" in internal else _null_text(),
        "end_reason": mapping.text(t[internal["end_reason"]]),
    }
    bad: list[str] = []
    for name in ("interpreter_requested", "tty"):
        value, wrong = mapping.flag(t[internal[name]])
        out[name] = value
        out[f"{name}_bad"] = wrong
        bad.append(name)
    for name in TIMESTAMPS:
        us, wrong = mapping.stamp_us(con, t[internal[name]])
        out[f"{name}_us"] = us
        out[f"{name}_bad"] = wrong
        bad.append(name)
    calls = t.select(*keep, **out, _map_field=_null_text(), _map_reason=_null_text())
    schema = files.schema()
    typed = frozenset(n for n in ("interpreter_requested", "tty") if schema[n].is_boolean()) | frozenset(
        n for n in TIMESTAMPS if mapping.is_instant(con, files[n]))
    return CallLog(typed=typed, call_start_range=_stat_range(con, paths, fmt, "call_start" in typed), source=file_name,
                   files=tuple(paths), con=con, files_table=files, calls=calls, columns=columns, internal=internal,
                   profile=prof.name if prof is not None else "generic", has_line="line" in internal,
                   generic_bad=tuple(bad), tz=tz)


def _stat_range(con: Any, paths: list[Path], fmt: str, typed: bool) -> tuple[int, int] | None:
    """(min, max) epoch us of a typed ``call_start`` in Parquet on DuckDB: answered from the row-group statistics."""
    if not typed or fmt != "parquet" or con.name != "duckdb":
        return None
    return parquet_start_range(con.con, paths)


def _null_text() -> Any:
    import ibis

    return ibis.null("string")


def _mapped(con: Any, paths: list[Path], source: str, files: Any, renamed: Any, columns: tuple[str, ...],
            internal: dict[str, str], keep: list[str], prof: MappedProfile, tz: str, file_name: str) -> CallLog:
    missing = [c for c in prof.required_columns() if c not in columns]
    if missing:
        raise InputError(file_name, None, missing[0], f"missing column required by call-log profile '{prof.name}' "
                         f"(needs: {', '.join(prof.required_columns())})")
    zone = prof.timezone or tz
    calendar.zone_of(zone)
    t = renamed
    report: list[FilteredRows] = []
    kept = None
    for f in prof.filters:
        value = mapping.text(t[internal[f.column]])
        hit = value.isin(f.keep).fill_null(False)
        out = t.filter(~hit if kept is None else kept & ~hit)
        report.append(_filter_report(con, files, out, internal[f.column], f))
        kept = hit if kept is None else kept & hit
    if kept is not None:
        t = t.filter(kept)
    calls = mapping.map_export(con, t, prof, internal, zone, keep)
    log = CallLog(source=file_name, files=tuple(paths), con=con, files_table=files, calls=calls, columns=columns,
                  internal=internal, profile=prof.name, filtered=report,
                  has_line=prof.line is not None and prof.line.column in internal, tz=tz)
    log.names = _source_names(prof)
    log.absent_columns = [c for c in _optional_columns(prof) if c not in internal]
    log.unmeasured = frozenset(
        stamp for stamp in ("interpreter_connected_at", "tty_connected_at")
        if (spec := prof.stamp(stamp)) is None or (spec.column is not None and spec.column not in internal))
    return log


def _filter_report(con: Any, files: Any, out: Any, column: str, f: Any) -> FilteredRows:
    """Rows one filter left out: their count, values and first 20 spreadsheet rows (engine aggregates)."""
    value = mapping.text(out[column]).fill_null("")
    valued = out.mutate(_v=value)
    counts = valued.group_by("_v").aggregate(_n=valued.count()).to_pyarrow().to_pylist()
    values = {str(r["_v"]): int(r["_n"]) for r in counts}
    total = sum(values.values())
    rows: tuple[int, ...] = ()
    if total:
        first = out.select(*[c for c in (frames.FILE_INDEX, frames.SPLIT, frames.POSITION) if c in out.columns])
        first = first.order_by([frames.FILE_INDEX, *([frames.SPLIT] if frames.SPLIT in out.columns else []),
                                frames.POSITION]).limit(20)
        numbered = frames.record_numbers(con, files, first).order_by([frames.FILE_INDEX, frames.ROW])
        rows = tuple(int(r) for r in numbered[frames.ROW].to_pyarrow().to_pylist())
    return FilteredRows(column=f.column, keep=tuple(f.keep), count=total, rows=rows, values=values, note=f.note)


def _source_names(prof: MappedProfile) -> dict[str, str]:
    """Generic field -> the export column it comes from (used to name the field in errors)."""
    names = {"call_id": prof.call_id.column, "end_reason": prof.end_reason.column}
    if prof.contract_id.column is not None:
        names["contract_id"] = prof.contract_id.column
    for flag in ("interpreter_requested", "tty"):
        col = getattr(prof, flag).column
        if col is not None:
            names[flag] = col
    for stamp in TIMESTAMPS:
        spec = prof.stamp(stamp)  # type: ignore[arg-type]
        if spec is not None and spec.after is None:
            name = spec.column or spec.time_column
            if name is not None:
                names[stamp] = name
    return names


def _optional_columns(prof: MappedProfile) -> list[str]:
    cols = [prof.line.column] if prof.line is not None and prof.line.optional else []
    for s in TIMESTAMPS:
        spec = prof.stamp(s)  # type: ignore[arg-type]
        if spec is not None and spec.optional and spec.column is not None:
            cols.append(spec.column)
    cols += [f.column for f in (prof.interpreter_requested, prof.tty) if f.column is not None and f.when_absent is not None]
    return cols


# ------------------------------------------------------------------------------------------------ validation

@dataclass(frozen=True)
class Rule:
    """One validation rule: rows where ``bad`` holds are rejected with ``field`` and ``reason`` (text or expression)."""

    bad: Any
    field: Any
    reason: Any


def rules(log: CallLog, t: Any, *, known_contracts: frozenset[str] | None, no_ivr: NoIvrTreatment,
          duplicates: bool, per_group: bool = False) -> list[Rule]:
    """The rules in the order a row is judged (its first broken rule is its rejection).

    With ``duplicates``, ``t`` must carry ``_first_row`` / ``_first_file`` (:func:`with_duplicates`): a non-empty
    ``call_id`` seen on an earlier row is rejected naming that row. ``per_group``: leave out the rules on
    ``contract_id`` alone (its form, the known contracts): the first pass checks them once per contract on the
    aggregated groups (:func:`contract_problem`) instead of once per row, and the empty ``call_id`` rule with the
    duplicate check (count of ids).
    """
    import ibis

    shown = log.names

    def name(f: str) -> str:
        return shown.get(f, f)

    out = [] if per_group and log.profile == "generic" else [Rule(t._map_field.notnull(), t._map_field, t._map_reason)]
    if not per_group:
        out.append(Rule(t.call_id.isnull(), name("call_id"), "empty call_id"))
    if duplicates:
        first = t._first_row.cast("string")
        where = ibis.ifelse(t._first_file == t[frames.FILE_INDEX], ibis.literal(""),
                            " of file " + t._first_file_name)
        out.append(Rule(t.call_id.notnull() & ((t._first_file != t[frames.FILE_INDEX]) | (t._first_row != t[frames.ROW])),
                        name("call_id"), "duplicate call_id '" + t.call_id + "' (first at row " + first + where + ")"))
    if not per_group:
        out.append(Rule(~t.contract_id.re_search(CONTRACT_ID_PATTERN).fill_null(False), name("contract_id"),
                        "contract_id must look like H1234, R1234, S1234 or E1234"))
    if known_contracts is not None and not per_group:
        out.append(Rule(~t.contract_id.isin(sorted(known_contracts)).fill_null(False), name("contract_id"),
                        "unknown contract"))
    out.append(Rule(~t.end_reason.isin(END_REASONS).fill_null(False), name("end_reason"),
                    f"end_reason must be one of {', '.join(END_REASONS)}"))
    for flag in ("interpreter_requested", "tty"):
        if flag in log.generic_bad and not (per_group and flag in log.typed):
            out.append(Rule(t[f"{flag}_bad"], flag, "must be true or false"))
    for stamp in TIMESTAMPS:
        if stamp in log.generic_bad and not (per_group and stamp in log.typed):
            out.append(Rule(t[f"{stamp}_bad"], stamp,
                            "not an ISO 8601 timestamp with a UTC offset (e.g. 2022-01-03T08:00:05-05:00)"))
    out.append(Rule(t.call_start_us.isnull(), name("call_start"), "call_start is required"))

    def order(later: str, earlier: str, reason: str) -> None:
        out.append(Rule(t[f"{later}_us"] < t[f"{earlier}_us"], name(later), reason))

    order("ivr_end", "call_start", "ivr_end is before call_start (negative IVR time)")
    order("answered_at", "ivr_end", "answered_at is before ivr_end (answered before the IVR ended)")
    if no_ivr == "refuse":
        out.append(Rule(t.answered_at_us.notnull() & t.ivr_end_us.isnull(), name("ivr_end"),
                        "a call answered by a live person needs ivr_end (a line without an IVR records "
                        "ivr_end = call_start)"))
    else:
        order("answered_at", "call_start", "answered_at is before call_start")
    for earlier in ("answered_at", "ivr_end", "call_start"):
        order("call_end", earlier, f"call_end is before {earlier} (negative duration)")
    order("interpreter_connected_at", "answered_at", "interpreter connected before a person answered")
    order("tty_connected_at", "call_start", "tty_connected_at is before call_start")
    return out


def id_hash(con: Any, call_id: Any) -> Any:
    """A 64-bit hash of ``call_id`` (DuckDB ``hash``, unsigned; Spark ``xxhash64``): equal ids have equal hashes, so
    as many distinct hashes as ids proves there is no duplicate (a collision only sends the run to the exact check)."""
    return _hash_builtins()[0 if con.name == "duckdb" else 1](call_id)


def id_check(con: Any, calls: Any, rows: int) -> tuple[int, bool]:
    """(non-empty ``call_id`` values, whether their 64-bit hashes are all distinct): the first pass's duplicate check.

    Spark counts the distinct hashes in the engine (``count(DISTINCT xxhash64(call_id))``). DuckDB runs in this
    process: :func:`sorted_hashes_distinct` streams the hashes and sorts them - the same exact answer as a distinct
    count, without the engine's hash table of one entry per call (a vectorised sort is several times cheaper).
    """
    if con.name != "duckdb":
        ids = calls.filter(calls.call_id.notnull())
        hashes = ids.select(_h=id_hash(con, ids.call_id))
        [row] = hashes.aggregate(_ids=hashes.count(), _distinct=hashes._h.nunique()).to_pyarrow().to_pylist()
        return int(row["_ids"] or 0), row["_ids"] == row["_distinct"]
    return sorted_hashes_distinct(con.con, id_sql(con, calls), rows)


def id_sql(con: Any, calls: Any) -> str:
    """DuckDB SQL of the 64-bit hashes of the non-empty ``call_id`` values (one column)."""
    ids = calls.filter(calls.call_id.notnull())
    hashes = ids.select(_h=id_hash(con, ids.call_id))
    con._run_pre_execute_hooks(hashes)
    return str(con.compile(hashes))


@functools.cache
def _hash_builtins() -> tuple[Any, Any]:
    import ibis

    @ibis.udf.scalar.builtin(name="hash", signature=(("string",), "uint64"))  # type: ignore[untyped-decorator]
    def duckdb_hash(value: str) -> int:  # type: ignore[empty-body]
        """DuckDB's 64-bit hash (UBIGINT)."""

    @ibis.udf.scalar.builtin(name="xxhash64")  # type: ignore[untyped-decorator]
    def spark_hash(value: str) -> int:  # type: ignore[empty-body]
        """Spark's 64-bit xxhash."""

    return duckdb_hash, spark_hash


def passes(t: Any, rule_list: Sequence[Rule]) -> Any:
    """``t`` + ``_ok``: the row breaks none of the rules (one OR of the conditions; null counts as not broken)."""
    import ibis

    if not rule_list:
        return t.mutate(_ok=ibis.literal(True))
    broken = rule_list[0].bad
    for r in rule_list[1:]:
        broken = broken | r.bad
    return t.mutate(_ok=~broken.fill_null(False))


def judged(t: Any, rule_list: Sequence[Rule]) -> Any:
    """``t`` + ``_rule`` (index of the first broken rule, null = the row passes)."""
    import ibis

    return t.mutate(_rule=ibis.cases(*[(r.bad.fill_null(False), i) for i, r in enumerate(rule_list)],
                                     else_=ibis.null("int64")))


def rejection(t: Any, rule_list: Sequence[Rule]) -> Any:
    """``t`` (with ``_rule``) + ``_field`` and ``_reason`` of its rejection."""
    import ibis

    def lit(v: Any) -> Any:
        return ibis.literal(v) if isinstance(v, str) else v

    return t.mutate(_field=ibis.cases(*[(t._rule == i, lit(r.field)) for i, r in enumerate(rule_list)],
                                      else_=ibis.null("string")),
                    _reason=ibis.cases(*[(t._rule == i, lit(r.reason)) for i, r in enumerate(rule_list)],
                                       else_=ibis.null("string")))


def with_duplicates(log: CallLog, t: Any) -> Any:
    """``t`` (with ``_row``) + the first file and row of its ``call_id`` (a window over ``call_id``)."""
    import ibis

    order_key = t[frames.FILE_INDEX] * (2**40) + t[frames.ROW]
    t = t.mutate(_order=order_key)
    first = t._order.min().over(ibis.window(group_by=t.call_id))
    t = t.mutate(_first=first)
    names = ibis.cases(*[(t._first // (2**40) == i, ibis.literal(str(p))) for i, p in enumerate(log.files)],
                       else_=ibis.literal("")) if len(log.files) > 1 else ibis.literal(str(log.files[0]))
    return t.mutate(_first_file=(t._first // (2**40)).cast("int64"), _first_row=(t._first % (2**40)).cast("int64"),
                    _first_file_name=names)


@dataclass(frozen=True)
class Rejection:
    """A rejected row: its file, spreadsheet row, field and reason, and its cells as text."""

    file: str
    row: int
    field: str
    reason: str
    values: dict[str, str | None]


@dataclass
class CheckedLog:
    """A call log with every row judged: ``judged`` = the calls + ``_rule`` (null = the row passes every rule)."""

    log: CallLog
    judged: Any
    rules: list[Rule]
    rejected_count: int
    numbered: bool

    @property
    def good(self) -> Any:
        return self.judged.filter(self.judged._rule.isnull())

    def rejections(self, limit: int | None = None) -> list[Rejection]:
        """The rejected rows in file and row order (collected from the engine; ``limit`` bounds how many)."""
        rows = self.rejected_table()
        if limit is not None:
            rows = rows.limit(limit)
        out = []
        for r in rows.to_pyarrow().to_pylist():
            values = {c: r[self.log.internal[c]] for c in self.log.columns}
            out.append(Rejection(self.log.file_of(r[frames.FILE_INDEX]), int(r[frames.ROW]), r["_field"], r["_reason"],
                                 values))
        return out

    def rejected_table(self) -> Any:
        """Rejected rows (file index, row, field, reason, source cells as text), ordered by file and row."""
        import ibis

        judged = self.judged if self.numbered else frames.record_numbers(self.log.con, self.log.files_table, self.judged)
        bad = rejection(judged.filter(judged._rule.notnull()), self.rules)
        cells = {v: ibis.ifelse(bad[v].isnull(), ibis.null("string"), bad[v].cast("string")) for v in self.log.internal.values()}
        return bad.select(frames.FILE_INDEX, frames.ROW, "_field", "_reason", **cells).order_by(
            [frames.FILE_INDEX, frames.ROW])

    def rows(self) -> list[dict[str, Any]]:
        """The good calls as Python dicts (generic fields, instants as UTC datetimes, ``hold_s``): for small logs."""
        from partcd.callcenter.readers.timeexpr import datetime_of_us

        good = self.good
        if frames.ROW not in good.columns:
            good = frames.record_numbers(self.log.con, self.log.files_table, good)
        cols = ["call_id", "contract_id", "line", "end_reason", "interpreter_requested", "tty",
                *[f"{s}_us" for s in TIMESTAMPS], frames.ROW]
        out = []
        for r in good.order_by([frames.FILE_INDEX, frames.ROW]).select(*cols).to_pyarrow().to_pylist():
            row = {k: r[k] for k in cols[:6]}
            row["row"] = r[frames.ROW]
            for s in TIMESTAMPS:
                us = r[f"{s}_us"]
                row[s] = None if us is None else datetime_of_us(us)
            ans, ivr = r["answered_at_us"], r["ivr_end_us"]
            row["hold_s"] = None if ans is None or ivr is None else (ans - ivr) / 1e6
            out.append(row)
        return out


def check_call_log(con: Any, spec: Path | str, *, tz: str = "America/New_York",
                   on_error: Literal["raise", "quarantine"] = "raise", known_contracts: frozenset[str] | None = None,
                   profile: str | Path | GenericProfile | MappedProfile | None = None,
                   no_ivr: NoIvrTreatment = "refuse", log: CallLog | None = None) -> CheckedLog:
    """Open and judge a call log. One aggregate finds whether any row breaks a rule and whether any ``call_id``
    repeats; only then are rows numbered and the duplicate window evaluated. ``raise``: the first bad row (file and
    row order) raises :class:`InputError` naming it; ``quarantine``: the bad rows stay in ``judged`` for the
    caller to write (:func:`write_quarantine`) and to leave out."""
    log = log or open_call_log(con, spec, tz=tz, profile=profile)
    rule_list = rules(log, log.calls, known_contracts=known_contracts, no_ivr=no_ivr, duplicates=False)
    judged_calls = judged(log.calls, rule_list)
    stats = judged_calls.aggregate(n=judged_calls.count(), bad=judged_calls._rule.notnull().sum(),
                                   ids=judged_calls.call_id.count(), distinct=judged_calls.call_id.nunique())
    [row] = stats.to_pyarrow().to_pylist()
    return settle(log, judged_calls, rule_list, n=row["n"], bad=row["bad"] or 0,
                  duplicates=(row["ids"] or 0) != (row["distinct"] or 0), on_error=on_error,
                  known_contracts=known_contracts, no_ivr=no_ivr)


def settle(log: CallLog, judged_calls: Any, rule_list: list[Rule], *, n: int, bad: int, duplicates: bool,
           on_error: Literal["raise", "quarantine"], known_contracts: frozenset[str] | None,
           no_ivr: NoIvrTreatment) -> CheckedLog:
    """After the first pass: a clean log as is; otherwise number the rows, add the duplicate rule, and raise at the
    first bad row or keep them for the quarantine."""
    if n == 0:
        why = "; ".join(f"{f.count} filtered out by {f.column}" for f in log.filtered if f.count)
        raise InputError(log.source, None, None, "no calls in the file" + (f" ({why})" if why else ""))
    if not bad and not duplicates:
        return CheckedLog(log, judged_calls, rule_list, 0, numbered=False)
    rows = frames.record_numbers(log.con, log.files_table, log.calls)
    if duplicates:
        rows = with_duplicates(log, rows)
    full = rules(log, rows, known_contracts=known_contracts, no_ivr=no_ivr, duplicates=duplicates)
    checked = judged(rows, full)
    count = int(checked._rule.notnull().sum().to_pyarrow().as_py() or 0)
    result = CheckedLog(log, checked, full, count, numbered=True)
    if on_error == "raise" and count:
        [first] = result.rejections(limit=1)
        more = (f" ({count - 1} more rejected rows; give --quarantine FILE to keep the good rows and write the rejected "
                "ones to FILE)") if count > 1 else ""
        raise InputError(first.file, first.row, first.field, first.reason + more)
    return result


def write_quarantine(path: Path, checked: CheckedLog) -> Path:
    """The rejected rows, written BY THE ENGINE: ``row`` (spreadsheet row), ``file`` (when several), ``field``,
    ``reason`` and the export's own columns, every cell quoted text. DuckDB writes one CSV file; Spark writes
    ``path`` as a folder of CSV parts (its native output)."""
    import ibis

    bad = checked.rejected_table()
    names = {"row": bad[frames.ROW].cast("string")}
    if len(checked.log.files) > 1:
        names["file"] = ibis.cases(*[(bad[frames.FILE_INDEX] == i, ibis.literal(str(p)))
                                     for i, p in enumerate(checked.log.files)], else_=ibis.literal(""))
    cells = {c: _neutral(bad[checked.log.internal[c]]) for c in checked.log.columns
             if c not in {*names, "field", "reason"}}
    out = bad.select(**names, field=bad._field, reason=_neutral(bad._reason), **cells)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_csv(checked.log.con, out, path)
    return path


def _neutral(cell: Any) -> Any:
    """A cell a spreadsheet would read as a formula (= + - @ TAB CR first) is prefixed with an apostrophe."""
    import ibis

    return ibis.ifelse(cell.re_search("^[=+@\t\r-]").fill_null(False), "'" + cell, cell)


def _write_csv(con: Any, expr: Any, path: Path) -> None:
    """The engine writes the rows: DuckDB ``COPY ... TO`` one file; Spark its CSV writer (a folder of parts)."""
    con._run_pre_execute_hooks(expr)
    sql = con.compile(expr)
    if con.name == "duckdb":
        target = "'" + str(path.resolve()).replace("'", "''") + "'"
        con.raw_sql(f"COPY ({sql}) TO {target} (FORMAT CSV, HEADER, FORCE_QUOTE *)")
        return
    frame = con._session.sql(sql)
    frame.coalesce(1).write.mode("overwrite").option("header", "true").option("quoteAll", "true").csv(str(path.resolve()))
