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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator, model_validator

from partcd.core import calendar
from partcd.core.errors import ConfigError, InputError, ParameterError
from partcd.platform.params import load_yaml

EndReason = Literal["completed", "caller_hangup", "dropped"]
Stamp = Literal["call_start", "ivr_end", "answered_at", "call_end", "interpreter_connected_at", "tty_connected_at"]
STAMPS: tuple[Stamp, ...] = ("call_start", "ivr_end", "answered_at", "call_end", "interpreter_connected_at",
                             "tty_connected_at")
DurationUnit = Literal["seconds", "milliseconds", "hh:mm:ss"]
#: ISO 8601 date-time with a UTC offset / without one (the shapes the engines' casts then read).
ISO_WITH_OFFSET = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?[ ]*(Z|[+-][0-9]{2}(:?[0-9]{2})?)$"
ISO_NAIVE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?$"
_HHMMSS = r"^([0-9]+):([0-5][0-9]):([0-5][0-9]([.][0-9]+)?)$"
_NUMBER = r"^[0-9]+([.][0-9]+)?$"
#: strptime directives a ``format`` may use (fixed width, so the engines read them by position).
_FORMAT_WIDTH = {"%Y": 4, "%m": 2, "%d": 2, "%H": 2, "%M": 2, "%S": 2}


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
        if self.format is not None:
            format_layout(self.format)
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




def format_layout(fmt: str) -> list[tuple[str, int, int]]:
    """``(directive or literal, start, width)`` of a fixed-width strptime format (``%Y %m %d %H %M %S``, literals)."""
    out: list[tuple[str, int, int]] = []
    i = pos = 0
    while i < len(fmt):
        if fmt[i] == "%":
            directive = fmt[i:i + 2]
            if directive not in _FORMAT_WIDTH:
                raise ValueError(f"format {fmt!r}: {directive!r} is not supported (use {' '.join(_FORMAT_WIDTH)} "
                                 "and literal characters: zero-padded, fixed width)")
            out.append((directive, pos, _FORMAT_WIDTH[directive]))
            pos += _FORMAT_WIDTH[directive]
            i += 2
        else:
            out.append((fmt[i], pos, 1))
            pos += 1
            i += 1
    if not all(d in {x for x, _, _ in out} for d in ("%Y", "%m", "%d", "%H", "%M")):
        raise ValueError(f"format {fmt!r} needs at least %Y %m %d %H %M")
    return out
