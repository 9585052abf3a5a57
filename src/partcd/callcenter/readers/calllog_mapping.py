"""§§ 422.111(h)(1)(ii), 423.128(d)(1)(ii) - a call-log export in the engine -> the generic per-call columns.

Every step is an Ibis expression the engine evaluates (DuckDB or Spark): the generic schema is parsed and a
platform export is mapped through its profile (:mod:`partcd.callcenter.readers.calllog_profiles`). Instants come
out as epoch microseconds (``<stamp>_us``, :mod:`partcd.callcenter.readers.timeexpr`). A cell that cannot be read
is never guessed: its problem is kept per row (``_map_field``, ``_map_reason``: the first problem of the row, named
by the export's column) or, for the generic schema, as a ``<field>_bad`` flag that the validation rules of
:mod:`partcd.callcenter.readers.calllog` turn into the row's rejection.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from partcd.callcenter.readers import timeexpr
from partcd.callcenter.readers.calllog_profiles import (
    _HHMMSS,
    _NUMBER,
    ISO_NAIVE,
    ISO_WITH_OFFSET,
    STAMPS,
    ContractSpec,
    DurationUnit,
    EndReasonSpec,
    FlagSpec,
    MappedProfile,
    TimestampSpec,
    When,
    format_layout,
)

FLAG_TRUE = ("true", "1", "yes", "y", "t")
FLAG_FALSE = ("false", "0", "no", "n", "f", "")
_STATE_TEXT = {"answered": "a call a live person answered", "queued": "a call that left the IVR but was not answered",
               "ivr": "a call that never left the IVR"}


def text(col: Any) -> Any:
    """A column as text, empty cells as null."""
    import ibis

    value = col if col.type().is_string() else col.cast("string")
    return ibis.ifelse(value == "", ibis.null("string"), value)


def trim(value: Any) -> Any:
    """Leading and trailing white space removed (a regular expression: Ibis's strip() compiles to a Spark TRIM whose
    character list Spark reads differently)."""
    return value.re_replace(r"^\s+|\s+$", "")


def is_instant(con: Any, col: Any) -> bool:
    """A typed instant: a timestamp with a zone (DuckDB TIMESTAMPTZ), or Spark's TIMESTAMP (zone-based; Spark's
    zone-less TIMESTAMP_NTZ reaches the readers as text)."""
    dtype = col.type()
    return bool(dtype.is_timestamp() and (dtype.timezone is not None or con.name == "pyspark"))


def stamp_us(con: Any, col: Any) -> tuple[Any, Any]:
    """A generic timestamp cell -> (epoch us, bad): a typed instant, or ISO 8601 text WITH a UTC offset."""
    import ibis

    dtype = col.type()
    if dtype.is_timestamp():
        if is_instant(con, col):
            return timeexpr.epoch_us(con, col), ibis.literal(False)
        return ibis.null("int64"), col.notnull()  # a naive instant cannot be placed in time
    value = text(col)
    shaped = value.re_search(ISO_WITH_OFFSET)
    parsed = timeexpr.epoch_us(con, ibis.ifelse(shaped, value, ibis.null("string")).try_cast("timestamp('UTC')"))
    return parsed, value.notnull() & parsed.isnull()


def flag(col: Any) -> tuple[Any, Any]:
    """A generic true/false cell -> (value, bad); empty = false."""
    import ibis

    if col.type().is_boolean():
        return col.fill_null(False), ibis.literal(False)
    low = trim(text(col)).lower().fill_null("")
    return low.isin(FLAG_TRUE), ~low.isin(FLAG_FALSE + FLAG_TRUE)


class ExportMapper:
    """Maps one export step by step. Every intermediate value becomes a named column (so no expression is repeated in
    the engine's plan); columns are added in batches, a batch ending only when a later value reads one of its
    columns, which keeps the plan shallow. ``source`` maps the export's column names to the table's internal names."""

    def __init__(self, con: Any, table: Any, source: Mapping[str, str], zone: str) -> None:
        self.con = con
        self.table = table
        self.source = source
        self.zone = zone
        self.problems: list[tuple[str, str, str | None, str]] = []  # (bad column, field, reason column, literal)
        self.pending: dict[str, Any] = {}
        self._n = 0

    def put(self, expr: Any, hint: str = "v") -> str:
        """Name ``expr`` as a new column (added with the current batch); returns its name."""
        self._n += 1
        name = f"_m{self._n}_{hint}"
        self.pending[name] = expr
        return name

    def col(self, name: str) -> Any:
        """The column ``name`` (a batch holding it is added to the table first)."""
        if name in self.pending:
            self.flush()
        return self.table[name]

    def flush(self) -> None:
        if self.pending:
            self.table = self.table.mutate(**self.pending)
            self.pending = {}

    def problem(self, bad: Any, column: str, reason: Any) -> None:
        import ibis

        bad_col = self.put(ibis.ifelse(bad, True, False), "bad")
        if isinstance(reason, str):
            self.problems.append((bad_col, column, None, reason))
        else:
            self.problems.append((bad_col, column, self.put(reason, "why"), ""))

    def first_problem(self) -> tuple[Any, Any]:
        import ibis

        self.flush()
        t = self.table
        if not self.problems:
            return ibis.null("string"), ibis.null("string")
        fields = ibis.cases(*[(t[bad], ibis.literal(col)) for bad, col, _, _ in self.problems],
                            else_=ibis.null("string"))
        reasons = ibis.cases(*[(t[bad], t[why] if why is not None else ibis.literal(lit))
                               for bad, _, why, lit in self.problems], else_=ibis.null("string"))
        return fields, reasons

    def has(self, name: str) -> bool:
        return name in self.source

    def text(self, name: str) -> Any:
        return text(self.table[self.source[name]])

    def contract(self, spec: ContractSpec) -> str:
        import ibis

        if spec.constant is not None:
            return self.put(ibis.literal(spec.constant, "string"), "contract")
        assert spec.column is not None
        value = self.put(self.text(spec.column), "contract_text")
        if spec.values is None:
            return value
        mapped = self.put(self.col(value).substitute(dict(spec.values), else_=ibis.null("string")), "contract")
        v, m = self.col(value), self.col(mapped)
        self.problem(v.notnull() & m.isnull(), spec.column, "no contract mapping for '" + v + "' in the profile")
        return mapped

    def flag(self, spec: FlagSpec) -> str:
        import ibis

        if spec.constant is not None:
            return self.put(ibis.literal(spec.constant), "flag")
        assert spec.column is not None
        if not self.has(spec.column):
            return self.put(ibis.literal(bool(spec.when_absent)), "flag")
        low = trim(self.text(spec.column)).lower().fill_null("")
        is_true = low.isin([v.lower() for v in spec.true_values])
        is_false = low.isin([v.lower() for v in spec.false_values]) if spec.false_values else ibis.literal(False)
        allowed = ", ".join(repr(v) for v in [*spec.true_values, *spec.false_values])
        self.problem(~is_true & ~is_false, spec.column, f"not a value the profile maps to true or false ({allowed})")
        return self.put(is_true, "flag")

    def seconds(self, name: str, unit: DurationUnit) -> tuple[str, str]:
        """(seconds column, null where empty or bad; bad column) - bad cells are problems naming the column."""
        import ibis

        source = self.table[self.source[name]]
        scale = 1000.0 if unit == "milliseconds" else 1.0
        if source.type().is_numeric():
            raw = source.cast("float64") / scale
            bad = self.put((raw.notnull() & (raw < 0)).fill_null(False), "neg")
            self.problem(self.col(bad), name, "negative duration")
            return self.put(ibis.ifelse(self.col(bad), ibis.null("float64"), raw), "secs"), bad
        value = self.put(trim(self.text(name)), "dur_text")
        v = self.col(value)
        present = v.notnull() & (v != "")
        if unit == "hh:mm:ss":
            ok = (present & v.re_search(_HHMMSS)).fill_null(False)
            parts = [v.re_extract(_HHMMSS, i).cast("float64") for i in (1, 2, 3)]
            secs = ibis.ifelse(ok, parts[0] * 3600 + parts[1] * 60 + parts[2], ibis.null("float64"))
            expected = "a duration in hh:mm:ss"
        else:
            ok = (present & v.re_search(_NUMBER)).fill_null(False)
            secs = ibis.ifelse(ok, v.cast("float64") / scale, ibis.null("float64"))
            expected = "a number of milliseconds" if unit == "milliseconds" else "a number of seconds"
        bad = self.put((present & ~ok).fill_null(False), "bad_dur")
        secs_name = self.put(secs, "secs")
        b = self.col(bad)
        self.problem(b & self.col(value).startswith("-"), name, "negative duration")
        self.problem(b, name, f"not {expected}")
        return secs_name, bad

    def condition(self, when: When) -> str:
        if when.values is not None:
            return self.put(trim(self.text(when.column)).isin(when.values).fill_null(False), "when")
        if when.nonempty is not None:
            value = trim(self.text(when.column))
            filled = (value.notnull() & (value != "")).fill_null(False)
            return self.put(filled if when.nonempty else ~filled, "when")
        assert when.positive is not None
        secs, _ = self.seconds(when.column, when.positive)
        s = self.col(secs)
        return self.put((s.notnull() & (s > 0)).fill_null(False), "when")

    def stamp(self, spec: TimestampSpec, done: Mapping[str, str]) -> str:
        """Map one timestamp; returns the name of its epoch-us column."""
        import ibis

        if spec.after is not None:
            active = self.condition(spec.when) if spec.when is not None else None
            durations = [self.seconds(d.column, d.unit) for d in spec.plus]
            base = self.col(done[spec.after])
            need = self.put(base.notnull() & (self.col(active) if active else ibis.literal(True)), "need")
            n = self.col(need)
            for (secs, bad), d in zip(durations, spec.plus, strict=True):
                self.problem(n & self.col(secs).isnull() & ~self.col(bad), d.column, "empty duration")
            total = sum((self.col(secs) for secs, _ in durations[1:]), self.col(durations[0][0]))
            return self.put(ibis.ifelse(self.col(need) & total.notnull(),
                                        self.col(done[spec.after]) + (total * 1e6).round().cast("int64"),
                                        ibis.null("int64")), "us")
        if spec.column is not None and not self.has(spec.column):
            return self.put(ibis.null("int64"), "us")  # an optional column absent from the export
        shown = spec.column or spec.time_column
        assert shown is not None
        if spec.column is not None:
            source = self.table[self.source[spec.column]]
            if source.type().is_timestamp():
                utc = self._typed(source, spec, shown)
            else:
                utc = self._text_stamp(self.put(trim(self.text(spec.column)), "ts_text"), spec, shown)
        else:
            assert spec.date_column is not None and spec.time_column is not None
            both = trim(self.text(spec.date_column)) + " " + trim(self.text(spec.time_column))
            utc = self._text_stamp(self.put(both, "ts_text"), spec, shown)
        if spec.when is not None:
            cond = self.condition(spec.when)
            utc = self.put(ibis.ifelse(self.col(cond), self.col(utc), ibis.null("int64")), "us")
        return utc

    def _typed(self, source: Any, spec: TimestampSpec, shown: str) -> str:
        if is_instant(self.con, source):
            return self.put(timeexpr.epoch_us(self.con, source), "us")
        wall = self.put(timeexpr.epoch_us(self.con, source), "wall")
        display = self.put(source.cast("string"), "shown")
        return self._localize(wall, display, spec, shown)

    def _text_stamp(self, value_name: str, spec: TimestampSpec, shown: str) -> str:
        import ibis

        value = self.col(value_name)
        present = (value.notnull() & (value != "")).fill_null(False)
        if spec.format is not None:
            layout = format_layout(spec.format)
            regex = "^" + "".join("[0-9]" * width if part.startswith("%") else _literal(part)
                                  for part, _, width in layout) + "$"
            pieces = {part: value.substr(start, width) for part, start, width in layout if part.startswith("%")}
            iso = (pieces["%Y"] + "-" + pieces["%m"] + "-" + pieces["%d"] + " " + pieces["%H"] + ":" + pieces["%M"]
                   + ":" + (pieces["%S"] if "%S" in pieces else ibis.literal("00")))
            display = self.put(ibis.ifelse(present & value.re_search(regex), iso, ibis.null("string")), "shown")
            wall = self.put(timeexpr.epoch_us(self.con, self.col(display).try_cast("timestamp")), "wall")
            self.problem(present & self.col(wall).isnull(), shown, f"not a local time in the format {spec.format!r}")
            return self._localize(wall, display, spec, shown)
        offset = self.put((present & value.re_search(ISO_WITH_OFFSET)).fill_null(False), "has_offset")
        naive_shape = (present & value.re_search(ISO_NAIVE)).fill_null(False)
        with_offset = self.put(timeexpr.epoch_us(
            self.con, ibis.ifelse(self.col(offset), value, ibis.null("string")).try_cast("timestamp('UTC')")), "utc")
        wall = self.put(timeexpr.epoch_us(self.con, ibis.ifelse(naive_shape, value, ibis.null("string"))
                                          .try_cast("timestamp")), "wall")
        self.problem(present & self.col(with_offset).isnull() & self.col(wall).isnull(), shown,
                     "not an ISO 8601 timestamp (e.g. 2022-01-03T13:00:05Z)")
        display = self.put(self.col(value_name).replace("T", " "), "shown")
        local = self._localize(wall, display, spec, shown)
        return self.put(ibis.ifelse(self.col(offset), self.col(with_offset), self.col(local)), "us")

    def _localize(self, wall: str, display: str, spec: TimestampSpec, shown: str) -> str:
        import ibis

        if spec.naive == "refuse":
            self.problem(self.col(wall).notnull(), shown, "timestamp has no UTC offset")
            return self.put(ibis.null("int64"), "us")
        if spec.naive == "utc":
            return wall
        instant, kind = timeexpr.instant_of_wall(self.col(wall), self.zone)
        kind_col = self.put(kind, "kind")
        instant_col = self.put(instant, "instant")
        w, k, text_shown = self.col(wall), self.col(kind_col), self.col(display)
        self.problem(w.notnull() & (k == timeexpr.GAP), shown,
                     "local time " + text_shown + f" does not exist in {self.zone} (skipped when the clocks went "
                     "forward); the export needs a UTC offset")
        self.problem(w.notnull() & (k == timeexpr.FOLD), shown,
                     "local time " + text_shown + f" is ambiguous in {self.zone} (repeated when the clocks went "
                     "back); the export needs a UTC offset")
        return self.put(ibis.ifelse(self.col(wall).notnull(), self.col(instant_col), ibis.null("int64")), "us")

    def end_reason(self, spec: EndReasonSpec, done: Mapping[str, str]) -> str:
        import ibis

        raw_name = self.put(trim(self.text(spec.column)).fill_null(""), "reason_text")
        answered = self.col(done["answered_at"]).notnull()
        queued = ~answered & self.col(done["ivr_end"]).notnull()
        state_name = self.put(ibis.ifelse(answered, "answered", ibis.ifelse(queued, "queued", "ivr")), "state")
        raw, st = self.col(raw_name), self.col(state_name)
        quoted = "'" + raw + "'"
        results: list[tuple[Any, str]] = []
        reasons: list[tuple[Any, Any]] = []
        for value, why in spec.refuse.items():
            reasons.append((raw == value, f"{spec.column} {value!r} cannot be mapped: {why}"))
        for value, rule in spec.map.items():
            hit = raw == value
            if isinstance(rule, str):
                results.append((hit, rule))
                continue
            for name in ("answered", "queued", "ivr"):
                target = getattr(rule, name)
                if target is None:
                    reasons.append((hit & (st == name), f"{spec.column} {value!r} has no mapping for {_STATE_TEXT[name]}"))
                else:
                    results.append((hit & (st == name), target))
        known = [*spec.map, *spec.refuse]
        other = ~raw.isin(known) if known else ibis.literal(True)
        if spec.otherwise is not None:
            for name in ("answered", "queued", "ivr"):
                target = getattr(spec.otherwise, name)
                if target is None:
                    reasons.append((other & (st == name),
                                    spec.column + " " + quoted + f" has no mapping for {_STATE_TEXT[name]}"))
                else:
                    results.append((other & (st == name), target))
        else:
            mapped = ", ".join(repr(k) for k in spec.map)
            reasons.append((other, spec.column + " " + quoted + f" is not mapped by the profile (mapped: {mapped})"))
        reason = self.put(ibis.cases(*[(c, r if not isinstance(r, str) else ibis.literal(r)) for c, r in reasons],
                                     else_=ibis.null("string")), "reason_problem")
        result = self.put(ibis.cases(*[(c, ibis.literal(r)) for c, r in results], else_=ibis.null("string")), "end")
        self.problem(self.col(reason).notnull(), spec.column, self.col(reason))
        return result


def _literal(ch: str) -> str:
    return ch if ch.isalnum() else "[" + ("\\\\" if ch == "\\" else ch) + "]"


def map_export(con: Any, table: Any, profile: MappedProfile, source: Mapping[str, str], zone: str,
               keep: list[str]) -> Any:
    """The export's rows in the generic columns (+ ``_map_field``, ``_map_reason``) and the ``keep`` columns."""
    import ibis

    m = ExportMapper(con, table, source, zone)
    call_id = m.put(m.text(profile.call_id.column), "call_id")
    contract = m.contract(profile.contract_id)
    line = (m.put(m.text(profile.line.column), "line") if profile.line is not None and m.has(profile.line.column)
            else m.put(ibis.null("string"), "line"))
    done: dict[str, str] = {}
    for name in STAMPS:
        spec = profile.stamp(name)
        done[name] = m.put(ibis.null("int64"), "us") if spec is None else m.stamp(spec, done)
    end = m.end_reason(profile.end_reason, done)
    interp = m.flag(profile.interpreter_requested)
    tty = m.flag(profile.tty)
    map_field, map_reason = m.first_problem()
    t = m.table
    return t.select(*keep, call_id=t[call_id], contract_id=t[contract], line=t[line], end_reason=t[end],
                    interpreter_requested=t[interp], tty=t[tty], **{f"{n}_us": t[done[n]] for n in STAMPS},
                    _map_field=map_field, _map_reason=map_reason)
