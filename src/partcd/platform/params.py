"""Load regulation parameter files shipped inside each area package (``<area>/params/*.yaml``); the areas are
those of :mod:`partcd.registry`.

Files are read lazily per area and cached; parsing and validation are delegated to the pure
schema in :mod:`partcd.core.params`. YAML duplicate keys are refused.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import os
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from partcd.core.errors import ConfigError, ParameterError
from partcd.core.params import AreaSpec, ParamFile, ParamSet, build_set, parse_param_file, period_label, resolve
from partcd.core.provisions import Provision, parse_provisions
from partcd.registry import AREAS

M = TypeVar("M", bound=BaseModel)



class Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    citation: str
    status: str
    file: str | None = None


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys (a silently shadowed value is a wrong rule)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(text: str, file: str) -> Any:
    """Parse YAML strictly; a syntax error or duplicate key names the file and line."""
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ParameterError(file + where, None, f"invalid YAML: {getattr(exc, 'problem', exc)}") from None


def load_model(path: Path, model: type[M]) -> M:
    """A YAML file validated against ``model``; errors name the file (and the key)."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParameterError(str(path), None, f"not UTF-8 text (byte {exc.start})") from None
    try:
        data = load_yaml(text, str(path))
    except RecursionError:
        raise ParameterError(str(path), None, "YAML nested too deeply") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ParameterError.from_validation(str(path), exc) from None


def _params_dir(area: str) -> Path:
    if area not in AREAS:
        raise ParameterError(area, None, f"unknown area; known: {', '.join(AREAS)}")
    try:
        root = importlib.resources.files(f"partcd.{area}")
    except ModuleNotFoundError:
        raise ParameterError(area, None, "area package is not installed") from None
    return Path(str(root)) / "params"


def areas_with_params() -> list[str]:
    return [a for a in AREAS if _has_params(a)]


def _has_params(area: str) -> bool:
    try:
        return (_params_dir(area) / "_area.yaml").is_file()
    except ParameterError:
        return False


@functools.cache
def area_spec(area: str) -> AreaSpec:
    path = _params_dir(area) / "_area.yaml"
    if not path.is_file():
        raise ParameterError(str(path), None, "missing _area.yaml")
    spec = load_model(path, AreaSpec)
    if spec.area != area:
        raise ParameterError(str(path), "area", f"says '{spec.area}', lives in '{area}'")
    return spec


@functools.cache
def area_files(area: str) -> dict[str, ParamFile]:
    """All period files of an area, validated; keyed by file name (e.g. ``2022-05-26.yaml``)."""
    spec = area_spec(area)
    out: dict[str, ParamFile] = {}
    seen: dict[str, str] = {}
    for path in sorted(_params_dir(area).glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        pf = parse_param_file(load_yaml(path.read_text(encoding="utf-8"), str(path)), str(path), area, spec)
        label = period_label(pf.period_value)
        if path.stem != label:
            raise ParameterError(str(path), "period", f"file name must be the period '{label}.yaml'")
        if label in seen:
            raise ParameterError(str(path), "period", f"period {label} also in {seen[label]}")
        seen[label] = path.name
        out[path.name] = pf
    return out


def variant_names(area: str) -> list[str]:
    """The named variants an area ships in ``params/variants/`` (file stems)."""
    return sorted(p.stem for p in (_params_dir(area) / "variants").glob("*.yaml"))


@functools.cache
def variant_file(area: str, name: str, label: str | None = None) -> ParamFile:
    """A named variant's parameter file, validated with the strict schema of the area's period files; it must name
    itself as its ``method``. ``label`` names the area in the error (default: the area's name)."""
    path = _params_dir(area) / "variants" / f"{name}.yaml"
    if not path.is_file():
        raise ParameterError(str(path), None, f"no such {label or area} variant; known: {', '.join(variant_names(area))}")
    pf = parse_param_file(load_yaml(path.read_text(encoding="utf-8"), str(path)), str(path), area, area_spec(area))
    if pf.method != name:
        raise ParameterError(str(path), "method", f"a variant file must name itself: method: {name}")
    return pf


def parse_period(area: str, text: str | int | dt.date) -> int | dt.date:
    """Read a period given on the command line in the area's kind (year or ISO date)."""
    spec = area_spec(area)
    if isinstance(text, (int, dt.date)):
        return text
    try:
        if spec.period_kind == "effective_date":
            return dt.date.fromisoformat(text)
        return int(text)
    except ValueError:
        kind = "an ISO date" if spec.period_kind == "effective_date" else "a year"
        raise ConfigError(f"{area}: period must be {kind} ({spec.period_kind}), got {text!r}") from None


@functools.lru_cache(maxsize=256)
def load_params(area: str, at: int | dt.date) -> ParamSet:
    """The parameter set that governs ``area`` at period ``at`` (no silent carry-forward)."""
    spec = area_spec(area)
    if isinstance(at, int) and not dt.MINYEAR <= at <= dt.MAXYEAR:
        raise ParameterError(area, None, f"no parameters for year {at}")
    name, pf = resolve(spec, area_files(area), at)
    return build_set(name, pf)


@functools.lru_cache(maxsize=1)
def sources() -> dict[str, Source]:
    path = Path(str(importlib.resources.files("partcd"))) / "sources.yaml"
    data = load_yaml(path.read_text(encoding="utf-8"), str(path))
    try:
        return {k: Source.model_validate(v) for k, v in data["sources"].items()}
    except (ValidationError, KeyError, TypeError) as exc:
        raise ParameterError(str(path), None, f"invalid sources file: {exc}") from None


def reference_dir() -> Path:
    """Where the source texts live: ``$PARTCD_REFERENCE_DIR`` or ``shared/reference`` beside the checkout."""
    env = os.environ.get("PARTCD_REFERENCE_DIR")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in [Path.cwd(), *Path.cwd().parents, *here.parents]:
        cand = parent.parent / "shared" / "reference"
        if cand.is_dir():
            return cand
        cand = parent / "shared" / "reference"
        if cand.is_dir():
            return cand
    raise ConfigError("cannot find shared/reference; set PARTCD_REFERENCE_DIR")


@functools.lru_cache(maxsize=1)
def provisions() -> tuple[Provision, ...]:
    """The provision coverage list (``src/partcd/provisions.yaml``): every paragraph of the sources, with its status."""
    path = Path(str(importlib.resources.files("partcd"))) / "provisions.yaml"
    return tuple(parse_provisions(load_yaml(path.read_text(encoding="utf-8"), str(path)), str(path)).provisions)
