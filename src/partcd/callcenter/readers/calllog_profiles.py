"""§§ 422.111(h)(1)(ii), 423.128(d)(1)(ii) - mapping profiles: contact-center exports -> the generic call log.

The metrics of shared/specs/callcenter.md §2 need, per call, the IVR end, the moment a live person answered, the
end and who ended it. Platforms export these under their own names and conventions. A profile
(``partcd/callcenter/readers/profiles/<name>.yaml``, or any YAML file) is data that says how to map one export: column renames,
timestamps given directly (with or without a UTC offset) or derived as another timestamp + duration columns,
end-reason tables that depend on how far the call got (IVR, queue, answered by a live person), boolean mappings,
the contract, and row filters. Filtered rows are counted and reported, never silently lost; a value the profile
does not map is a per-row error naming the file, the row and the source column - never a guess.

:func:`apply_profile` returns the calls in the generic schema plus ``_row`` (the spreadsheet row of the source,
header = row 1) and ``_reject_field`` / ``_reject_reason`` (the first mapping problem of the row, else null);
:mod:`partcd.callcenter.readers.calllog` then applies the generic validation to the mapped rows.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator, model_validator

from partcd.core import calendar
from partcd.core.errors import ConfigError, InputError, ParameterError
from partcd.platform.params import load_yaml

EndReason = Literal["completed", "caller_hangup", "dropped"]
Stamp = Literal["call_start", "ivr_end", "answered_at", "call_end", "interpreter_connected_at", "tty_connected_at"]
STAMPS: tuple[Stamp, ...] = ("call_start", "ivr_end", "answered_at", "call_end", "interpreter_connected_at",
                             "tty_connected_at")
DurationUnit = Literal["seconds", "hh:mm:ss"]
UTC = pa.timestamp("us", tz="UTC")
ROW, REJECT_FIELD, REJECT_REASON = "_row", "_reject_field", "_reject_reason"
_FILTERED_KEY = b"partcd.filtered"
_HAS_OFFSET = r"[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)$"
_HHMMSS = r"^(?P<h>\d+):(?P<m>[0-5]\d):(?P<s>[0-5]\d(?:\.\d+)?)$"
_SECONDS = r"^\d+(\.\d+)?$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class When(_Strict):
    """A per-row condition on one source column (exactly one test)."""

    column: str
    nonempty: bool | None = Field(None, description="true: the cell has a value; false: the cell is empty")
    positive: DurationUnit | None = Field(None, description="the cell is a duration > 0 in this unit")
    values: list[str] | None = Field(None, description="the cell is one of these (exact, after trimming)")

    @model_validator(mode="after")
    def _exactly_one_test(self) -> When:
        if sum(x is not None for x in (self.nonempty, self.positive, self.values)) != 1:
            raise ValueError("a condition needs exactly one of nonempty, positive, values")
        return self


class Duration(_Strict):
    column: str
    unit: DurationUnit


class TimestampSpec(_Strict):
    """One generic timestamp: a column, a date + a time column, or another timestamp + durations."""

    column: str | None = None
    date_column: str | None = None
    time_column: str | None = None
    format: str | None = Field(None, description="strptime format of a local (naive) time; default ISO 8601")
    naive: Literal["local", "utc", "refuse"] = Field(
        "local", description="a value without a UTC offset is local time in the profile/CLI zone, UTC, or an error")
    after: Stamp | None = Field(None, description="derived: this (earlier) generic timestamp + the durations in plus")
    plus: list[Duration] = Field(default_factory=list)
    when: When | None = Field(None, description="only rows meeting this condition get a value; others stay empty")
    optional: bool = Field(False, description="the column may be absent from the export (then the field is empty)")
    note: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> TimestampSpec:
        kinds = [self.column is not None, self.date_column is not None or self.time_column is not None,
                 self.after is not None]
        if sum(kinds) != 1:
            raise ValueError("give exactly one of column, date_column + time_column, after")
        if (self.date_column is None) != (self.time_column is None):
            raise ValueError("date_column and time_column go together")
        if self.date_column is not None and self.format is None:
            raise ValueError("date_column + time_column need format (applied to '<date> <time>')")
        if self.after is None and self.plus:
            raise ValueError("plus is only used with after")
        if self.after is not None and not self.plus:
            raise ValueError("after needs at least one duration in plus")
        return self


class TextSpec(_Strict):
    column: str
    optional: bool = False
    note: str | None = None


class ContractSpec(_Strict):
    column: str | None = None
    constant: str | None = None
    values: dict[str, str] | None = Field(None, description="source value -> contract id (other values are errors)")
    note: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> ContractSpec:
        if (self.column is None) == (self.constant is None):
            raise ValueError("give exactly one of column, constant")
        if self.values is not None and self.column is None:
            raise ValueError("values maps a column")
        return self


class FlagSpec(_Strict):
    column: str | None = None
    constant: bool | None = None
    true_values: list[str] = Field(default_factory=list)
    false_values: list[str] = Field(default_factory=list)
    when_absent: bool | None = Field(None, description="the column may be absent from the export: use this value")
    note: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> FlagSpec:
        if (self.column is None) == (self.constant is None):
            raise ValueError("give exactly one of column, constant")
        if self.column is not None and not self.true_values:
            raise ValueError("a flag column needs true_values (and false_values)")
        overlap = {v.lower() for v in self.true_values} & {v.lower() for v in self.false_values}
        if overlap:
            raise ValueError(f"values both true and false: {sorted(overlap)}")
        return self


class Outcome(_Strict):
    """The generic end reason by how far the call got; a missing state is unmapped (an error)."""

    answered: EndReason | None = Field(None, description="a live person answered (answered_at is set)")
    queued: EndReason | None = Field(None, description="the IVR ended (ivr_end is set) but nobody answered")
    ivr: EndReason | None = Field(None, description="the call never left the IVR")
    note: str | None = None


class EndReasonSpec(_Strict):
    column: str
    map: dict[str, EndReason | Outcome] = Field(description="source value ('' = empty cell) -> end reason")
    refuse: dict[str, str] = Field(default_factory=dict, description="source value -> why it cannot be mapped")
    otherwise: Outcome | None = Field(None, description="values in neither map nor refuse (e.g. custom dispositions)")
    note: str | None = None

    @model_validator(mode="after")
    def _disjoint(self) -> EndReasonSpec:
        both = set(self.map) & set(self.refuse)
        if both:
            raise ValueError(f"values both mapped and refused: {sorted(both)}")
        return self


class RowFilter(_Strict):
    column: str
    keep: list[str] = Field(min_length=1)
    note: str


class GenericColumn(_Strict):
    required: bool = True
    note: str


class GenericProfile(_Strict):
    """The generic schema itself: no mapping; the columns are validated by :mod:`partcd.callcenter.readers.calllog`."""

    kind: Literal["generic"]
    name: str
    title: str
    source: list[str]
    note: str
    columns: dict[str, GenericColumn]

    @property
    def detect(self) -> list[str]:
        return [c for c, spec in self.columns.items() if spec.required]


class MappedProfile(_Strict):
    kind: Literal["mapped"]
    name: str
    title: str
    source: list[str] = Field(min_length=1)
    note: str
    status: Literal["verified", "unverified"] = Field(
        description="verified: every column name and value is in the cited documentation; "
                    "unverified: check them against a real export before relying on it")
    detect: list[str] = Field(min_length=1, description="header columns that identify this export")
    timezone: str | None = Field(None, description="IANA zone of naive local times (default: the CLI --tz)")
    filters: list[RowFilter] = Field(default_factory=list)
    call_id: TextSpec
    contract_id: ContractSpec
    line: TextSpec | None = None
    call_start: TimestampSpec
    ivr_end: TimestampSpec
    answered_at: TimestampSpec
    call_end: TimestampSpec
    interpreter_connected_at: TimestampSpec | None = None
    tty_connected_at: TimestampSpec | None = None
    interpreter_requested: FlagSpec
    tty: FlagSpec
    end_reason: EndReasonSpec

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            calendar.zone_of(value)
        return value

    @model_validator(mode="after")
    def _derived_from_earlier(self) -> MappedProfile:
        for i, name in enumerate(STAMPS):
            spec = self.stamp(name)
            if spec is not None and spec.after is not None and spec.after not in STAMPS[:i]:
                raise ValueError(f"{name}: after must name an earlier timestamp ({', '.join(STAMPS[:i]) or 'none'})")
        return self

    def stamp(self, name: Stamp) -> TimestampSpec | None:
        spec: TimestampSpec | None = getattr(self, name)
        return spec

    def required_columns(self) -> list[str]:
        """Source columns the export must have (in profile order, without duplicates)."""
        cols: list[str] = [f.column for f in self.filters]
        cols.append(self.call_id.column)
        if self.contract_id.column is not None:
            cols.append(self.contract_id.column)
        if self.line is not None and not self.line.optional:
            cols.append(self.line.column)
        for name in STAMPS:
            spec = self.stamp(name)
            if spec is None or spec.optional:
                continue
            cols += [c for c in (spec.column, spec.date_column, spec.time_column) if c is not None]
            cols += [d.column for d in spec.plus]
            if spec.when is not None:
                cols.append(spec.when.column)
        for flag in (self.interpreter_requested, self.tty):
            if flag.column is not None and flag.when_absent is None:
                cols.append(flag.column)
        cols.append(self.end_reason.column)
        return list(dict.fromkeys(cols))


Profile = Annotated[GenericProfile | MappedProfile, Field(discriminator="kind")]
_PROFILE = TypeAdapter(Profile)


@dataclass(frozen=True)
class FilteredRows:
    """Rows a profile filter left out: reported with the CLI's --report-filtered, never silently lost."""

    column: str
    keep: tuple[str, ...]
    count: int
    rows: tuple[int, ...]
    values: dict[str, int]
    note: str


# ---------------------------------------------------------------------------------------------------- loading

def profiles_dir() -> Path:
    return Path(str(importlib.resources.files("partcd.callcenter.readers"))) / "profiles"


def profile_names() -> list[str]:
    """The built-in profiles (``partcd/callcenter/readers/profiles/*.yaml``)."""
    return sorted(p.stem for p in profiles_dir().glob("*.yaml"))


def load_profile(name_or_path: str | Path) -> GenericProfile | MappedProfile:
    """A built-in profile by name, or a profile YAML file (strict schema; errors name the file and key)."""
    text = str(name_or_path)
    path = Path(text)
    if path.suffix.lower() in {".yaml", ".yml"} or path.is_file():
        if not path.is_file():
            raise ConfigError(f"call-log profile file not found: {path}")
        return _parse(path.read_text(encoding="utf-8"), str(path))
    if text not in profile_names():
        raise ConfigError(f"unknown call-log profile {text!r}; built in: {', '.join(profile_names())} "
                          "(or give a profile YAML file)")
    return _builtin(text)


@functools.cache
def _builtin(name: str) -> GenericProfile | MappedProfile:
    path = profiles_dir() / f"{name}.yaml"
    return _parse(path.read_text(encoding="utf-8"), f"partcd/callcenter/readers/profiles/{name}.yaml")


def _parse(text: str, file: str) -> GenericProfile | MappedProfile:
    data = load_yaml(text, file)
    try:
        profile: GenericProfile | MappedProfile = _PROFILE.validate_python(data)
    except ValidationError as exc:
        raise ParameterError.from_validation(file, exc) from None
    return profile


def detect_profile(columns: Sequence[str], file: str) -> GenericProfile | MappedProfile | None:
    """The profile whose ``detect`` columns are all in the header: generic first; None when nothing matches."""
    present = set(columns)
    generic = _builtin("generic")
    if all(c in present for c in generic.detect):
        return generic
    matches = [p for p in (_builtin(n) for n in profile_names() if n != "generic")
               if isinstance(p, MappedProfile) and all(c in present for c in p.detect)]
    if len(matches) > 1:
        raise InputError(file, None, None, "the header matches several call-log profiles "
                         f"({', '.join(p.name for p in matches)}); choose one with --profile")
    return matches[0] if matches else None


def filtered_rows(table: pa.Table) -> list[FilteredRows]:
    """The filter report that :func:`apply_profile` stored in the table's metadata."""
    raw = (table.schema.metadata or {}).get(_FILTERED_KEY)
    if not raw:
        return []
    return [FilteredRows(column=d["column"], keep=tuple(d["keep"]), count=d["count"], rows=tuple(d["rows"]),
                         values=d["values"], note=d["note"]) for d in json.loads(raw)]


# ---------------------------------------------------------------------------------------------------- mapping

def apply_profile(table: pa.Table, profile: GenericProfile | MappedProfile, file: str, *,
                  tz: str = "America/New_York") -> pa.Table:
    """The export in the generic schema (+ ``_row``, ``_reject_field``, ``_reject_reason``), filters applied.

    Missing columns raise :class:`InputError` at once; per-row problems (unmapped end reason, bad duration,
    ambiguous or nonexistent local time, ...) are returned in ``_reject_*`` so the caller can stop at the first
    one or quarantine the rows. ``tz`` is the zone of naive local times unless the profile sets ``timezone``.
    """
    if isinstance(profile, GenericProfile):
        return table
    missing = [c for c in profile.required_columns() if c not in table.column_names]
    if missing:
        raise InputError(file, None, missing[0], f"missing column required by call-log profile '{profile.name}' "
                         f"(needs: {', '.join(profile.required_columns())})")
    zone = profile.timezone or tz
    calendar.zone_of(zone)
    rows = np.arange(table.num_rows, dtype=np.int64) + 2
    table, rows, report = _filter(table, rows, profile.filters)
    mapper = _Mapper(table, zone)
    n = table.num_rows
    out: dict[str, pa.Array] = {
        "call_id": mapper.text(profile.call_id.column),
        "contract_id": mapper.contract(profile.contract_id),
        "line": (mapper.text(profile.line.column) if profile.line is not None and profile.line.column in mapper.names
                 else pa.nulls(n, pa.string())),
    }
    for name in STAMPS:
        spec = profile.stamp(name)
        out[name] = pa.nulls(n, UTC) if spec is None else mapper.stamp(spec, out)
    out["end_reason"] = mapper.end_reason(profile.end_reason, out)
    out["interpreter_requested"] = mapper.flag(profile.interpreter_requested)
    out["tty"] = mapper.flag(profile.tty)
    out[ROW] = pa.array(rows, pa.int64())
    out[REJECT_FIELD] = pa.array(mapper.err_field.tolist(), pa.string())
    out[REJECT_REASON] = pa.array(mapper.err_reason.tolist(), pa.string())
    meta = json.dumps([{"column": f.column, "keep": list(f.keep), "count": f.count, "rows": list(f.rows),
                        "values": f.values, "note": f.note} for f in report])
    return pa.table(out).replace_schema_metadata({_FILTERED_KEY: meta.encode()})


def _filter(table: pa.Table, rows: np.ndarray, filters: list[RowFilter]
            ) -> tuple[pa.Table, np.ndarray, list[FilteredRows]]:
    keep = np.ones(table.num_rows, dtype=bool)
    report: list[FilteredRows] = []
    for f in filters:
        text = _text(table.column(f.column))
        hit = np.asarray(pc.fill_null(pc.is_in(text, value_set=pa.array(f.keep, pa.string())), False), dtype=bool)
        out = keep & ~hit
        counts = pc.value_counts(pc.fill_null(pc.filter(text, pa.array(out)), "")).to_pylist()
        values = {str(c["values"]): int(c["counts"]) for c in counts}
        report.append(FilteredRows(column=f.column, keep=tuple(f.keep), count=int(out.sum()),
                                   rows=tuple(int(r) for r in rows[out][:20]), values=values, note=f.note))
        keep &= hit
    return table.filter(pa.array(keep)), rows[keep], report


class _Mapper:
    """Column-wise mapping of one (filtered) export; the first problem of each row is kept."""

    def __init__(self, table: pa.Table, zone: str) -> None:
        self.table = table
        self.names = set(table.column_names)
        self.zone = zone
        self.n = table.num_rows
        self.err_field = np.full(self.n, None, dtype=object)
        self.err_reason = np.full(self.n, None, dtype=object)

    def reject(self, mask: np.ndarray, field: str, reason: str | np.ndarray) -> None:
        idx = np.nonzero(mask & (self.err_field == None))[0]  # noqa: E711 - element-wise on an object array
        self.err_field[idx] = field
        self.err_reason[idx] = reason if isinstance(reason, str) else reason[idx]

    def text(self, column: str) -> pa.Array:
        return _text(self.table.column(column))

    def contract(self, spec: ContractSpec) -> pa.Array:
        if spec.constant is not None:
            return pa.array([spec.constant] * self.n, pa.string())
        assert spec.column is not None
        text = self.text(spec.column)
        if spec.values is None:
            return text
        keys = pa.array(list(spec.values), pa.string())
        idx = pc.index_in(text, value_set=keys)
        mapped = pc.take(pa.array(list(spec.values.values()), pa.string()), idx)
        unknown = np.asarray(pc.is_null(idx), dtype=bool) & np.asarray(pc.is_valid(text), dtype=bool)
        if unknown.any():
            self.reject(unknown, spec.column, np.array([f"no contract mapping for {v!r} in the profile"
                                                        for v in text.to_pylist()], dtype=object))
        return mapped

    def flag(self, spec: FlagSpec) -> pa.Array:
        if spec.constant is not None:
            return pa.array([spec.constant] * self.n, pa.bool_())
        assert spec.column is not None
        if spec.column not in self.names:
            return pa.array([bool(spec.when_absent)] * self.n, pa.bool_())
        low = pc.utf8_lower(pc.fill_null(self.text(spec.column), ""))
        is_true = np.asarray(pc.is_in(low, value_set=pa.array([v.lower() for v in spec.true_values])), dtype=bool)
        is_false = np.asarray(pc.is_in(low, value_set=pa.array([v.lower() for v in spec.false_values], pa.string())),
                              dtype=bool)
        allowed = ", ".join(repr(v) for v in [*spec.true_values, *spec.false_values])
        self.reject(~is_true & ~is_false, spec.column, f"not a value the profile maps to true or false ({allowed})")
        return pa.array(is_true)

    def seconds(self, column: str, unit: DurationUnit) -> tuple[np.ndarray, np.ndarray]:
        """(seconds with NaN where empty or bad, bad mask); bad cells are rejected naming the column."""
        col = self.table.column(column)
        if pa.types.is_integer(col.type) or pa.types.is_floating(col.type):
            secs = np.array(pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
            bad = ~np.isnan(secs) & (secs < 0)
            self.reject(bad, column, "negative duration")
            secs[bad] = np.nan
            return secs, bad
        text = pc.utf8_trim_whitespace(self.text(column))
        present = np.asarray(pc.fill_null(pc.not_equal(text, ""), False), dtype=bool)
        if unit == "seconds":
            ok = np.asarray(pc.fill_null(pc.match_substring_regex(text, _SECONDS), False), dtype=bool)
            secs = np.full(self.n, np.nan)
            if ok.any():
                secs[ok] = np.asarray(pc.cast(pc.filter(text, pa.array(ok)), pa.float64()), dtype=np.float64)
            expected = "a number of seconds"
        else:
            parts = pc.extract_regex(text, _HHMMSS)
            ok = present & np.asarray(parts.is_valid(), dtype=bool)
            secs = np.full(self.n, np.nan)
            if ok.any():
                good = pc.filter(parts, pa.array(ok))
                h, m, s = (np.asarray(pc.cast(pc.struct_field(good, [i]), pa.float64()), dtype=np.float64)
                           for i in range(3))
                secs[ok] = h * 3600 + m * 60 + s
            expected = "a duration in hh:mm:ss"
        negative = np.asarray(pc.fill_null(pc.starts_with(text, "-"), False), dtype=bool)
        bad = present & ~ok
        self.reject(bad & negative, column, "negative duration")
        self.reject(bad, column, f"not {expected}")
        return secs, bad

    def condition(self, when: When) -> np.ndarray:
        if when.values is not None:
            text = pc.utf8_trim_whitespace(self.text(when.column))
            return np.asarray(pc.fill_null(pc.is_in(text, value_set=pa.array(when.values, pa.string())), False),
                              dtype=bool)
        if when.nonempty is not None:
            text = pc.utf8_trim_whitespace(self.text(when.column))
            filled = np.asarray(pc.fill_null(pc.not_equal(text, ""), False), dtype=bool)
            return filled if when.nonempty else ~filled
        assert when.positive is not None
        secs, _ = self.seconds(when.column, when.positive)
        with np.errstate(invalid="ignore"):
            return np.asarray(~np.isnan(secs) & (secs > 0), dtype=bool)

    def stamp(self, spec: TimestampSpec, done: dict[str, pa.Array]) -> pa.Array:
        if spec.after is not None:
            base = _epoch_us(done[spec.after])
            active = self.condition(spec.when) if spec.when is not None else np.ones(self.n, dtype=bool)
            need = active & ~np.isnan(base)
            total = np.zeros(self.n)
            for d in spec.plus:
                secs, bad = self.seconds(d.column, d.unit)
                self.reject(need & np.isnan(secs) & ~bad, d.column, "empty duration")
                total = total + secs
            value = base + np.round(total * 1e6)
            value[~need | np.isnan(total)] = np.nan
            return _from_epoch_us(value)
        if spec.column is not None and spec.column not in self.names:
            return pa.nulls(self.n, UTC)  # an optional column absent from the export
        field = spec.column or spec.time_column
        assert field is not None
        if spec.column is not None:
            col = self.table.column(spec.column)
            if pa.types.is_timestamp(col.type):
                utc = self._typed_stamp(col.combine_chunks(), spec, field)
            else:
                utc = self._text_stamp(self.text(spec.column), spec, field)
        else:
            assert spec.date_column is not None and spec.time_column is not None
            both = pc.binary_join_element_wise(pc.utf8_trim_whitespace(self.text(spec.date_column)),
                                               pc.utf8_trim_whitespace(self.text(spec.time_column)), " ")
            utc = self._text_stamp(both, spec, field)
        if spec.when is not None:
            utc = pc.if_else(pa.array(self.condition(spec.when)), utc, pa.nulls(self.n, UTC))
        return utc

    def _typed_stamp(self, col: pa.Array, spec: TimestampSpec, field: str) -> pa.Array:
        if col.type.tz is not None:
            return pc.cast(col, UTC)
        return self._localize(pc.cast(col, pa.timestamp("us")), spec, field)

    def _text_stamp(self, text: pa.Array, spec: TimestampSpec, field: str) -> pa.Array:
        text = pc.utf8_trim_whitespace(text)
        present = np.asarray(pc.fill_null(pc.not_equal(text, ""), False), dtype=bool)
        if spec.format is not None:
            naive = pc.strptime(text, format=spec.format, unit="us", error_is_null=True)
            bad = present & np.asarray(pc.is_null(naive), dtype=bool)
            self.reject(bad, field, f"not a local time in the format {spec.format!r}")
            return self._localize(naive, spec, field)
        offset = present & np.asarray(pc.fill_null(pc.match_substring_regex(text, _HAS_OFFSET), False), dtype=bool)
        with_offset, bad_offset = _cast_each(pc.if_else(pa.array(offset), text, pa.nulls(self.n, pa.string())), UTC)
        naive_text = pc.if_else(pa.array(present & ~offset), text, pa.nulls(self.n, pa.string()))
        naive, bad_naive = _cast_each(naive_text, pa.timestamp("us"))
        self.reject(bad_offset | bad_naive, field, "not an ISO 8601 timestamp (e.g. 2022-01-03T13:00:05Z)")
        local = self._localize(naive, spec, field)
        return pc.if_else(pa.array(offset), with_offset, local)

    def _localize(self, naive: pa.Array, spec: TimestampSpec, field: str) -> pa.Array:
        given = np.asarray(pc.is_valid(naive), dtype=bool)
        if spec.naive == "refuse":
            self.reject(given, field, "timestamp has no UTC offset")
            return pa.nulls(self.n, UTC)
        zone = "UTC" if spec.naive == "utc" else self.zone
        early = pc.assume_timezone(naive, timezone=zone, ambiguous="earliest", nonexistent="earliest")
        late = pc.assume_timezone(naive, timezone=zone, ambiguous="latest", nonexistent="latest")
        moved = given & ~np.asarray(pc.fill_null(pc.equal(pc.local_timestamp(early), naive), True), dtype=bool)
        split = given & ~moved & ~np.asarray(pc.fill_null(pc.equal(early, late), True), dtype=bool)
        flagged = np.flatnonzero(moved | split)  # Arrow finds the candidates fast; the calendar judges each one
        if flagged.size:
            values = naive.to_pylist()
            reasons = np.full(self.n, None, dtype=object)
            for i in flagged:
                problem = calendar.local_time_problem(values[i], zone, shown=values[i].isoformat(sep=" "))
                reasons[i] = None if problem is None else f"{problem}; the export needs a UTC offset"
            self.reject(reasons != None, field, reasons)  # noqa: E711 - element-wise on an object array
        return pc.cast(early, UTC)

    def end_reason(self, spec: EndReasonSpec, done: dict[str, pa.Array]) -> pa.Array:
        raw = pc.fill_null(pc.utf8_trim_whitespace(self.text(spec.column)), "")
        answered = np.asarray(pc.is_valid(done["answered_at"]), dtype=bool)
        queued = ~answered & np.asarray(pc.is_valid(done["ivr_end"]), dtype=bool)
        states = {"answered": answered, "queued": queued, "ivr": ~answered & ~queued}
        where = {"answered": "a call a live person answered", "queued": "a call that left the IVR but was not answered",
                 "ivr": "a call that never left the IVR"}
        distinct = pc.unique(raw)
        code = np.asarray(pc.index_in(raw, value_set=distinct), dtype=np.int64)
        result = np.full(self.n, None, dtype=object)
        reason = np.full(self.n, None, dtype=object)
        for k, value in enumerate(distinct.to_pylist()):  # one pass per distinct export value, not per row
            rows = code == k
            rule = spec.map.get(value, spec.otherwise)
            if value in spec.refuse:
                reason[rows] = f"{spec.column} {value!r} cannot be mapped: {spec.refuse[value]}"
            elif rule is None:
                reason[rows] = (f"{spec.column} {value!r} is not mapped by the profile (mapped: "
                                f"{', '.join(repr(key) for key in spec.map)})")
            elif isinstance(rule, str):
                result[rows] = rule
            else:
                for st, in_state in states.items():
                    target = getattr(rule, st)
                    if target is None:
                        reason[rows & in_state] = f"{spec.column} {value!r} has no mapping for {where[st]}"
                    else:
                        result[rows & in_state] = target
        self.reject(reason != None, spec.column, reason)  # noqa: E711 - element-wise on an object array
        return pa.array(result.tolist(), pa.string())


# ---------------------------------------------------------------------------------------------------- helpers

def _text(col: pa.ChunkedArray) -> pa.Array:
    """A column as strings, empty cells as null."""
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    text = arr if pa.types.is_string(arr.type) else pc.cast(arr, pa.string())
    return pc.if_else(pc.fill_null(pc.equal(text, ""), True), pa.nulls(len(text), pa.string()), text)


def _cast_each(text: pa.Array, to: pa.DataType) -> tuple[pa.Array, np.ndarray]:
    """Cast strings to a timestamp type; values that fail become null and are flagged (fast path: all at once)."""
    try:
        return pc.cast(text, to), np.zeros(len(text), dtype=bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        parsed: list[object] = []
        bad = np.zeros(len(text), dtype=bool)
        for i, v in enumerate(text.to_pylist()):
            try:
                parsed.append(None if v is None else pc.cast(pa.scalar(v), to).as_py())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                parsed.append(None)
                bad[i] = True
        return pa.array(parsed, to), bad


def _epoch_us(arr: pa.Array) -> np.ndarray:
    us = np.asarray(pc.cast(arr, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.float64)
    us[np.asarray(pc.is_null(arr), dtype=bool)] = np.nan
    return us


def _from_epoch_us(us: np.ndarray) -> pa.Array:
    mask = np.isnan(us)
    ints = pa.array(np.where(mask, 0, us).astype(np.int64), pa.int64(), mask=mask)
    return pc.cast(ints, UTC)
