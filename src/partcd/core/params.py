"""Regulation parameters as data: the file schema and period resolution (pure, no I/O).

One YAML file per (area, period) under ``src/partcd/<area>/params/``; ``_area.yaml`` says
which period kind the area uses and whether values may carry forward. The schema is strict
(unknown keys fail) and a period without a file fails instead of reusing an old value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Generic, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from partcd.core.citation import Cite, cite_label
from partcd.core.errors import ParameterError

PeriodKind = Literal["rating_year", "contract_year", "payment_year", "effective_date"]

#: Units a parameter may declare, each with the suffix its key ends with (checked by tests/law).
UNIT_SUFFIX: dict[str, str] = {
    "s": "_s", "min": "_min", "h": "_h",
    "calendar_days": "_calendar_days", "business_days": "_business_days", "days": "_days",
    "years": "_years", "months": "_months",
    "pct": "_pct", "pp": "_pp", "fraction": "_fraction", "ratio": "_ratio", "count": "_count", "usd": "_usd",
    "bool": "_bool", "text": "_text", "time_of_day": "_time_of_day",
    "weight": "_weight", "stars": "_stars", "score": "_score",
    "list": "_list", "table": "_table",
}
UNITS: frozenset[str] = frozenset(UNIT_SUFFIX)

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

_CITES: TypeAdapter[tuple[Cite, ...]] = TypeAdapter(tuple[Cite, ...])


def unit_of_key(key: str) -> str | None:
    """The unit a key's name announces: the unit with the longest suffix the key ends with (None if none)."""
    matches = [u for u, suffix in UNIT_SUFFIX.items() if key.endswith(suffix)]
    return max(matches, key=lambda u: len(UNIT_SUFFIX[u])) if matches else None


def key_unit_problem(key: str, unit: str) -> str | None:
    """Why ``key`` does not fit ``unit`` (its name must end with the unit's suffix, and with no longer one), or None."""
    named = unit_of_key(key)
    if named == unit:
        return None
    wanted = UNIT_SUFFIX.get(unit, "?")
    if named is None:
        return f"key '{key}' has unit {unit} but does not end with '{wanted}'"
    return f"key '{key}' ends with '{UNIT_SUFFIX[named]}' (unit {named}) but its unit is {unit} ('{wanted}')"


def nested_cites(value: Any, path: str = "value") -> list[tuple[str, Cite]]:
    """Every citation inside a structured value: each mapping with a ``cite`` key (a table row) cites itself.

    The ``cite`` list is validated like an entry's (strict :class:`Cite`, at least one); a malformed one raises
    ``ValueError`` naming its path. Returns ``(path, cite)`` pairs, e.g. ``("value.3.cite.0", Cite(...))``.
    """
    out: list[tuple[str, Cite]] = []
    if isinstance(value, Mapping):
        for k, v in value.items():
            where = f"{path}.{k}"
            if k == "cite":
                try:
                    cites = _CITES.validate_python(v)
                except ValidationError as exc:
                    err = exc.errors()[0]
                    raise ValueError(f"{'.'.join([where, *(str(p) for p in err['loc'])])}: {err['msg']}") from None
                if not cites:
                    raise ValueError(f"{where}: a row's cite needs at least 1 citation")
                out += [(f"{where}.{i}", c) for i, c in enumerate(cites)]
            else:
                out += nested_cites(v, where)
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            out += nested_cites(v, f"{path}.{i}")
    return out


class CitedRow(BaseModel):
    """A row of a ``table`` value that carries its own citation (quote checked by tests/law like an entry's).

    Areas extend it with their columns (``extra="forbid"``, frozen); ``id`` names the row within its table.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    cite: tuple[Cite, ...] = Field(min_length=1)

    @property
    def citation(self) -> str:
        return cite_label(self.cite)


class Cited(BaseModel, Generic[T]):
    """A typed-view field with its provenance: declare ``x_h: Cited[float]`` and the view hands out the key, the
    value and its citations together (``view.x_h.value``, ``view.x_h.cite``), so code names the value once."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    value: T
    cite: tuple[Cite, ...] = Field(min_length=1)

    @property
    def citation(self) -> str:
        return cite_label(self.cite)


class AreaSpec(BaseModel):
    """``_area.yaml``: how an area's parameter files are keyed in time."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    area: str
    period_kind: PeriodKind
    carry_forward: bool
    description: str


class ParamEntry(BaseModel):
    """One regulatory value with its unit and at least one citation.

    ``unverified: true`` marks a value carried from another period's file (a drafted year) that nobody has yet
    checked against this period's text; outputs computed with it must say so (:meth:`ParamSet.unverified`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: Any
    unit: str
    cite: tuple[Cite, ...] = Field(min_length=1)
    note: str | None = None
    applies_to: str | None = None
    unverified: bool = False

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, unit: str) -> str:
        if unit not in UNITS:
            raise ValueError(f"unknown unit {unit!r}; known: {', '.join(sorted(UNITS))}")
        return unit

    @model_validator(mode="after")
    def _rows_cite_strictly(self) -> ParamEntry:
        nested_cites(self.value)
        return self


class ParamFile(BaseModel):
    """A parameter file: area, period, source document, optional method name, values."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    area: str
    period: dict[PeriodKind, int | dt.date]
    source: str
    method: str | None = None
    last_reviewed: dt.date | None = None
    description: str | None = None
    values: dict[str, ParamEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_period(self) -> ParamFile:
        if len(self.period) != 1:
            raise ValueError("period must have exactly one key (e.g. {rating_year: 2022})")
        return self

    @property
    def period_kind(self) -> PeriodKind:
        return next(iter(self.period))

    @property
    def period_value(self) -> int | dt.date:
        return next(iter(self.period.values()))


class ParamValue(BaseModel):
    """A resolved value with its provenance (which file, which key) for reports and --explain."""

    model_config = ConfigDict(frozen=True)

    area: str
    key: str
    value: Any
    unit: str
    cite: tuple[Cite, ...]
    file: str
    period: str
    source: str
    note: str | None = None
    unverified: bool = False


class ParamSet(BaseModel):
    """All values of one area for one period, as read from exactly one file."""

    model_config = ConfigDict(frozen=True)

    area: str
    file: str
    period: str
    source: str
    method: str | None
    values: dict[str, ParamValue]
    _typed: dict[tuple[type[BaseModel], int, str | None], tuple[dict[str, ParamValue], BaseModel]] = PrivateAttr(
        default_factory=dict)

    def __getitem__(self, key: str) -> ParamValue:
        try:
            return self.values[key]
        except KeyError:
            raise ParameterError(self.file, key, f"no such parameter in area '{self.area}'") from None

    def cite(self, key: str) -> tuple[Cite, ...]:
        """The citations of one value (``ParameterError`` for an unknown key)."""
        return self[key].cite

    def raw(self) -> dict[str, Any]:
        return {k: v.value for k, v in self.values.items()}

    def unverified(self) -> tuple[str, ...]:
        """Keys whose values were carried from another period and are not yet verified (empty for a checked file)."""
        return tuple(k for k, v in self.values.items() if v.unverified)

    def typed(self, model: type[M]) -> M:
        """Validate the values against an area's typed view (``extra='forbid'`` models); cached per view.

        Fields declared ``Cited[T]`` receive the value with its key and citations (:class:`Cited`).
        """
        # copies (overrides, model_copy) share this dict: the entry keeps its values object alive and is used
        # only for that very object, so a reused id() can never hand out another copy's view; the method is part
        # of the key (a copy with another method never shares a view)
        key = (model, id(self.values), self.method)
        cached = self._typed.get(key)
        if cached is not None and cached[0] is self.values:
            return cached[1]  # type: ignore[return-value]
        view = self._validate_view(model)
        self._typed[key] = (self.values, view)
        return view

    def _validate_view(self, model: type[M]) -> M:
        data: dict[str, Any] = self.raw()
        for name, field in model.model_fields.items():
            ann = field.annotation
            if name in self.values and isinstance(ann, type) and issubclass(ann, Cited):
                pv = self.values[name]
                data[name] = {"key": name, "value": pv.value, "cite": pv.cite}
        if self.method is not None and "method" in model.model_fields:
            data["method"] = self.method
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise ParameterError.from_validation(self.file, exc, f" (typed view {model.__name__})") from None

    def with_overrides(self, overrides: Mapping[str, Any]) -> ParamSet:
        """A what-if copy with some values replaced (scenario ``params:``); unknown keys fail."""
        values = dict(self.values)
        for key, new in overrides.items():
            if key not in values:
                raise ParameterError(self.file, key, "override of an unknown parameter")
            values[key] = values[key].model_copy(update={"value": new, "note": "override"})
        return self.model_copy(update={"values": values})


def parse_param_file(data: object, file: str, area: str, spec: AreaSpec) -> ParamFile:
    """Validate one parsed YAML document; errors name the file and the key."""
    try:
        pf = ParamFile.model_validate(data)
    except ValidationError as exc:
        raise ParameterError.from_validation(file, exc) from None
    if pf.area != area:
        raise ParameterError(file, "area", f"file says area '{pf.area}' but lives in '{area}'")
    if pf.period_kind != spec.period_kind:
        raise ParameterError(file, "period", f"area '{area}' is keyed by {spec.period_kind}, not {pf.period_kind}")
    return pf


def period_label(value: int | dt.date) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def resolve(spec: AreaSpec, files: Mapping[str, ParamFile], at: int | dt.date) -> tuple[str, ParamFile]:
    """Pick the file that governs period ``at``.

    Year-keyed areas without carry-forward need an exact file; effective-date areas take the
    latest file in force on ``at``. Nothing before the first file is ever answered.
    """
    if not files:
        raise ParameterError(spec.area, None, "no parameter files")
    items = sorted(files.items(), key=lambda kv: _sort_key(kv[1].period_value))
    available = ", ".join(period_label(f.period_value) for _, f in items)
    if spec.period_kind == "effective_date":
        if not isinstance(at, dt.date):
            raise ParameterError(spec.area, None, f"area is keyed by effective date; got {at!r}")
        in_force = [(n, f) for n, f in items if _as_date(f.period_value) <= at]
        if not in_force:
            raise ParameterError(spec.area, None, f"no parameters in force on {at.isoformat()}; available from {available}")
        return in_force[-1]
    if isinstance(at, dt.date):
        raise ParameterError(spec.area, None, f"area is keyed by {spec.period_kind}; give a year, not a date")
    exact = [(n, f) for n, f in items if f.period_value == at]
    if exact:
        return exact[0]
    earlier = [(n, f) for n, f in items if _sort_key(f.period_value) < _sort_key(at)]
    if spec.carry_forward and earlier:
        return earlier[-1]
    raise ParameterError(spec.area, None, f"no parameters for {spec.period_kind} {at}; available: {available}")


def build_set(name: str, pf: ParamFile) -> ParamSet:
    label = period_label(pf.period_value)
    return ParamSet(
        area=pf.area,
        file=name,
        period=label,
        source=pf.source,
        method=pf.method,
        values={
            k: ParamValue(area=pf.area, key=k, value=e.value, unit=e.unit, cite=e.cite, file=name,
                          period=label, source=pf.source, note=e.note, unverified=e.unverified)
            for k, e in pf.values.items()
        },
    )


def _as_date(v: int | dt.date) -> dt.date:
    return v if isinstance(v, dt.date) else dt.date(v, 1, 1)


def _sort_key(v: int | dt.date) -> dt.date:
    return _as_date(v)
