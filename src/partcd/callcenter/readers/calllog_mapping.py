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


def stamp_us(con: Any, col: Any) -> tuple[Any, Any]:
    """A generic timestamp cell -> (epoch us, bad): a typed instant, or ISO 8601 text WITH a UTC offset."""
    import ibis

    dtype = col.type()
    if dtype.is_timestamp():
        if dtype.timezone is not None:
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
    """Maps one export step by step: every intermediate value becomes a column of ``self.table`` (so no expression
    is repeated in the engine's plan); ``source`` maps the export's column names to the table's internal names."""

    def __init__(self, con: Any, table: Any, source: Mapping[str, str], zone: str) -> None:
        self.con = con
        self.table = table
        self.source = source
        self.zone = zone
        self.problems: list[tuple[str, str, str | None, str]] = []  # (bad column, field, reason column, literal)
        self._n = 0

    def put(self, expr: Any, hint: str = "v") -> Any:
        """Materialize ``expr`` as a new column; returns the column (of the new table)."""
        self._n += 1
        name = f"_m{self._n}_{hint}"
        self.table = self.table.mutate(**{name: expr})
        return self.table[name]

    def ref(self, column: Any) -> Any:
        return self.table[column.get_name()]

    def problem(self, bad: Any, column: str, reason: Any) -> None:
        import ibis

        bad_col = self.put(ibis.ifelse(bad, True, False), "bad").get_name()
        if isinstance(reason, str):
            self.problems.append((bad_col, column, None, reason))
        else:
            self.problems.append((bad_col, column, self.put(reason, "why").get_name(), ""))

    def first_problem(self) -> tuple[Any, Any]:
        import ibis

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

    def contract(self, spec: ContractSpec) -> Any:
        import ibis

        if spec.constant is not None:
            return self.put(ibis.literal(spec.constant, "string"), "contract")
        assert spec.column is not None
        value = self.put(self.text(spec.column), "contract_text")
        if spec.values is None:
            return value
        mapped = self.put(value.substitute(dict(spec.values), else_=ibis.null("string")), "contract")
        value, mapped = self.ref(value), self.ref(mapped)
        self.problem(value.notnull() & mapped.isnull(), spec.column, "no contract mapping for '" + value + "' in the profile")
        return self.ref(mapped)

    def flag(self, spec: FlagSpec) -> Any:
        import ibis

        if spec.constant is not None:
            return self.put(ibis.literal(spec.constant), "flag")
        assert spec.column is not None
        if not self.has(spec.column):
            return self.put(ibis.literal(bool(spec.when_absent)), "flag")
        low = self.put(self.text(spec.column).lower().fill_null(""), "flag_text")
        is_true = self.put(low.isin([v.lower() for v in spec.true_values]), "flag")
        low, is_true = self.ref(low), self.ref(is_true)
        is_false = low.isin([v.lower() for v in spec.false_values]) if spec.false_values else ibis.literal(False)
        allowed = ", ".join(repr(v) for v in [*spec.true_values, *spec.false_values])
        self.problem(~is_true & ~is_false, spec.column, f"not a value the profile maps to true or false ({allowed})")
        return self.ref(is_true)

    def seconds(self, name: str, unit: DurationUnit) -> tuple[Any, Any]:
        """(seconds, null where empty or bad; bad) - bad cells are problems naming the column."""
        import ibis

        col = self.table[self.source[name]]
        scale = 1000.0 if unit == "milliseconds" else 1.0
        if col.type().is_numeric():
            secs = self.put(col.cast("float64") / scale, "secs")
            bad = self.put(secs.notnull() & (secs < 0), "neg")
            self.problem(self.ref(bad), name, "negative duration")
            secs = self.put(ibis.ifelse(self.ref(bad), ibis.null("float64"), self.ref(secs)), "secs")
            return secs, self.ref(bad)
        value = self.put(trim(self.text(name)), "dur_text")
        present = value.notnull() & (value != "")
        if unit == "hh:mm:ss":
            ok = self.put(present & value.re_search(_HHMMSS), "ok")
            value, ok = self.ref(value), self.ref(ok)
            parts = [value.re_extract(_HHMMSS, i).cast("float64") for i in (1, 2, 3)]
            secs = self.put(ibis.ifelse(ok, parts[0] * 3600 + parts[1] * 60 + parts[2], ibis.null("float64")), "secs")
            expected = "a duration in hh:mm:ss"
        else:
            ok = self.put(present & value.re_search(_NUMBER), "ok")
            value, ok = self.ref(value), self.ref(ok)
            secs = self.put(ibis.ifelse(ok, value.cast("float64") / scale, ibis.null("float64")), "secs")
            expected = "a number of milliseconds" if unit == "milliseconds" else "a number of seconds"
        value, ok = self.ref(value), self.ref(ok)
        bad = self.put((value.notnull() & (value != "") & ~ok).fill_null(False), "bad_dur")
        self.problem(self.ref(bad) & self.ref(value).startswith("-"), name, "negative duration")
        self.problem(self.ref(bad), name, f"not {expected}")
        return self.ref(secs), self.ref(bad)

    def condition(self, when: When) -> Any:
        if when.values is not None:
            return self.put(trim(self.text(when.column)).isin(when.values).fill_null(False), "when")
        if when.nonempty is not None:
            value = trim(self.text(when.column))
            filled = (value.notnull() & (value != "")).fill_null(False)
            return self.put(filled if when.nonempty else ~filled, "when")
        assert when.positive is not None
        secs, _ = self.seconds(when.column, when.positive)
        return self.put((secs.notnull() & (secs > 0)).fill_null(False), "when")

    def stamp(self, spec: TimestampSpec, done: Mapping[str, str]) -> str:
        """Map one timestamp; returns the name of its epoch-us column."""
        import ibis

        if spec.after is not None:
            active = self.condition(spec.when).get_name() if spec.when is not None else None
            durations = [self.seconds(d.column, d.unit) for d in spec.plus]
            names = [(s.get_name(), b.get_name()) for s, b in durations]
            t = self.table
            base = t[done[spec.after]]
            need = self.put(base.notnull() & (t[active] if active else ibis.literal(True)), "need")
            for (secs, bad), d in zip(names, spec.plus, strict=True):
                t = self.table
                self.problem(self.ref(need) & t[secs].isnull() & ~t[bad], d.column, "empty duration")
            t = self.table
            total = sum((t[secs] for secs, _ in names[1:]), t[names[0][0]])
            return self.put(ibis.ifelse(t[need.get_name()] & total.notnull(),
                                        t[done[spec.after]] + (total * 1e6).round().cast("int64"), ibis.null("int64")),
                            "us").get_name()
        if spec.column is not None and not self.has(spec.column):
            return self.put(ibis.null("int64"), "us").get_name()  # an optional column absent from the export
        shown = spec.column or spec.time_column
        assert shown is not None
        if spec.column is not None:
            col = self.table[self.source[spec.column]]
            if col.type().is_timestamp():
                utc = self._typed(col, spec, shown)
            else:
                utc = self._text_stamp(self.put(trim(self.text(spec.column)), "ts_text"), spec, shown)
        else:
            assert spec.date_column is not None and spec.time_column is not None
            both = trim(self.text(spec.date_column)) + " " + trim(self.text(spec.time_column))
            utc = self._text_stamp(self.put(both, "ts_text"), spec, shown)
        if spec.when is not None:
            cond = self.condition(spec.when)
            utc = self.put(ibis.ifelse(cond, self.ref(utc), ibis.null("int64")), "us")
        return utc.get_name()

    def _typed(self, col: Any, spec: TimestampSpec, shown: str) -> Any:
        if col.type().timezone is not None:
            return self.put(timeexpr.epoch_us(self.con, col), "us")
        wall = self.put(timeexpr.epoch_us(self.con, col), "wall")
        display = self.put(self.ref(col).cast("string"), "shown")
        return self._localize(wall, display, spec, shown)

    def _text_stamp(self, value: Any, spec: TimestampSpec, shown: str) -> Any:
        import ibis

        present = value.notnull() & (value != "")
        if spec.format is not None:
            layout = format_layout(spec.format)
            regex = "^" + "".join("[0-9]" * width if part.startswith("%") else _literal(part)
                                  for part, _, width in layout) + "$"
            pieces = {part: value.substr(start, width) for part, start, width in layout if part.startswith("%")}
            iso = (pieces["%Y"] + "-" + pieces["%m"] + "-" + pieces["%d"] + " " + pieces["%H"] + ":" + pieces["%M"]
                   + ":" + (pieces["%S"] if "%S" in pieces else ibis.literal("00")))
            display = self.put(ibis.ifelse(present & value.re_search(regex), iso, ibis.null("string")), "shown")
            wall = self.put(timeexpr.epoch_us(self.con, self.ref(display).try_cast("timestamp")), "wall")
            self.problem(self.ref(value).notnull() & (self.ref(value) != "") & self.ref(wall).isnull(), shown,
                         f"not a local time in the format {spec.format!r}")
            return self._localize(self.ref(wall), self.ref(display), spec, shown)
        offset = self.put((present & value.re_search(ISO_WITH_OFFSET)).fill_null(False), "has_offset")
        value = self.ref(value)
        naive_shape = (value.notnull() & value.re_search(ISO_NAIVE)).fill_null(False)
        with_offset = self.put(timeexpr.epoch_us(
            self.con, ibis.ifelse(self.ref(offset), value, ibis.null("string")).try_cast("timestamp('UTC')")), "utc")
        value = self.ref(value)
        wall = self.put(timeexpr.epoch_us(self.con, ibis.ifelse(naive_shape, value, ibis.null("string"))
                                          .try_cast("timestamp")), "wall")
        value = self.ref(value)
        self.problem(value.notnull() & (value != "") & self.ref(with_offset).isnull() & self.ref(wall).isnull(), shown,
                     "not an ISO 8601 timestamp (e.g. 2022-01-03T13:00:05Z)")
        display = self.put(self.ref(value).replace("T", " "), "shown")
        local = self._localize(self.ref(wall), display, spec, shown)
        return self.put(ibis.ifelse(self.ref(offset), self.ref(with_offset), self.ref(local)), "us")

    def _localize(self, wall: Any, display: Any, spec: TimestampSpec, shown: str) -> Any:
        import ibis

        if spec.naive == "refuse":
            self.problem(self.ref(wall).notnull(), shown, "timestamp has no UTC offset")
            return self.put(ibis.null("int64"), "us")
        if spec.naive == "utc":
            return self.ref(wall)
        instant, kind = timeexpr.instant_of_wall(self.ref(wall), self.zone)
        kind_col = self.put(kind, "kind")
        instant_col = self.put(instant, "instant")
        w, k, shown_text = self.ref(wall), self.ref(kind_col), self.ref(display)
        self.problem(w.notnull() & (k == timeexpr.GAP), shown,
                     "local time " + shown_text + f" does not exist in {self.zone} (skipped when the clocks went "
                     "forward); the export needs a UTC offset")
        w, k, shown_text = self.ref(wall), self.ref(kind_col), self.ref(display)
        self.problem(w.notnull() & (k == timeexpr.FOLD), shown,
                     "local time " + shown_text + f" is ambiguous in {self.zone} (repeated when the clocks went "
                     "back); the export needs a UTC offset")
        return self.put(ibis.ifelse(self.ref(wall).notnull(), self.ref(instant_col), ibis.null("int64")), "us")

    def end_reason(self, spec: EndReasonSpec, done: Mapping[str, str]) -> Any:
        import ibis

        t = self.table
        raw_col = self.put(trim(self.text(spec.column)).fill_null(""), "reason_text")
        t = self.table
        answered = t[done["answered_at"]].notnull()
        queued = ~answered & t[done["ivr_end"]].notnull()
        state = self.put(ibis.ifelse(answered, "answered", ibis.ifelse(queued, "queued", "ivr")), "state")
        t = self.table
        raw, st = t[raw_col.get_name()], t[state.get_name()]
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
                    reasons.append((other & (st == name), spec.column + " " + quoted + f" has no mapping for {_STATE_TEXT[name]}"))
                else:
                    results.append((other & (st == name), target))
        else:
            mapped = ", ".join(repr(k) for k in spec.map)
            reasons.append((other, spec.column + " " + quoted + f" is not mapped by the profile (mapped: {mapped})"))
        reason = self.put(ibis.cases(*[(c, r if not isinstance(r, str) else ibis.literal(r)) for c, r in reasons],
                                     else_=ibis.null("string")), "reason_problem")
        result = self.put(ibis.cases(*[(c, ibis.literal(r)) for c, r in results], else_=ibis.null("string")), "end")
        self.problem(self.ref(reason).notnull(), spec.column, self.ref(reason))
        return self.ref(result)


def _literal(ch: str) -> str:
    return ch if ch.isalnum() else "[" + ("\\\\" if ch == "\\" else ch) + "]"


def map_export(con: Any, table: Any, profile: MappedProfile, source: Mapping[str, str], zone: str,
               keep: list[str]) -> Any:
    """The export's rows in the generic columns (+ ``_map_field``, ``_map_reason``) and the ``keep`` columns."""
    import ibis

    m = ExportMapper(con, table, source, zone)
    call_id = m.put(m.text(profile.call_id.column), "call_id").get_name()
    contract = m.contract(profile.contract_id).get_name()
    line = (m.put(m.text(profile.line.column), "line") if profile.line is not None and m.has(profile.line.column)
            else m.put(ibis.null("string"), "line")).get_name()
    done: dict[str, str] = {}
    for name in STAMPS:
        spec = profile.stamp(name)
        done[name] = m.put(ibis.null("int64"), "us").get_name() if spec is None else m.stamp(spec, done)
    end = m.end_reason(profile.end_reason, done).get_name()
    interp = m.flag(profile.interpreter_requested).get_name()
    tty = m.flag(profile.tty).get_name()
    map_field, map_reason = m.first_problem()
    t = m.table
    return t.select(*keep, call_id=t[call_id], contract_id=t[contract], line=t[line], end_reason=t[end],
                    interpreter_requested=t[interp], tty=t[tty], **{f"{n}_us": t[done[n]] for n in STAMPS},
                    _map_field=map_field, _map_reason=map_reason)
