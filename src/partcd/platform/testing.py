"""Scenario files: worked examples of the regulation as data, run by pytest and ``partcd scenarios run``.

A scenario file (``tests/scenarios/<area>/<rule>.yaml``)::

    rule: partcd.<area>.rules.<module>.<function>     # a function marked with @cites
    area: callcenter                               # whose params are passed to `params`
    cite: [{cfr: "42 CFR 422.111(h)(1)(ii)", source: cap-letter-h1416-2022, line: 30, quote: "..."}]
    cases:
      - name: hold time of 121 s - fails               # "<situation> - <expected outcome>"
        period: 2022-03-01                             # the area's period (year or date)
        params: {avg_hold_time_max_s: 150}             # optional what-if overrides
        input: {metrics: {...}}                        # keyword arguments of the rule
        expect: [{compliant: false}, ...]              # subset match on the JSON form of the result
        tolerance: 0.001                               # optional, numbers only
        expect_error: {type: RuleError, match: "..."}  # instead of expect

Arguments are built from the rule's type hints (pydantic validation), ``params`` gets the area's
:class:`~partcd.core.params.ParamSet` (or a typed view) for the case's period. Unknown keys fail.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import inspect
import math
import re
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from partcd.core.citation import Cite, cited
from partcd.core.errors import ParameterError, PartcdError
from partcd.core.params import ParamSet


class ExpectError(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str
    match: str | None = None


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    period: int | dt.date | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    input: dict[str, Any] = Field(default_factory=dict)
    expect: Any = None
    expect_error: ExpectError | None = None
    tolerance: float = 0.0


class ScenarioFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: str
    area: str | None = None
    cite: tuple[Cite, ...] = Field(min_length=1)
    description: str | None = None
    cases: list[Case] = Field(min_length=1)


@dataclasses.dataclass
class CaseResult:
    file: str
    name: str
    ok: bool
    detail: str = ""


def load_scenarios(path: Path) -> ScenarioFile:
    from partcd.platform.params import load_model

    return load_model(path, ScenarioFile)


def resolve_rule(dotted: str) -> Any:
    module, _, name = dotted.rpartition(".")
    try:
        fn = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        raise ParameterError(dotted, "rule", "rule function not found") from None
    if not cited(fn):
        raise ParameterError(dotted, "rule", "rule function has no @cites(...) citation")
    return fn


def run_case(sf: ScenarioFile, case: Case, file: str = "<scenario>") -> CaseResult:
    """Run one case; never raises for a wrong answer, returns the mismatch as text."""
    fn = resolve_rule(sf.rule)
    try:
        kwargs = _build_kwargs(fn, sf, case)
        result = fn(**kwargs)
    except PartcdError as exc:
        if case.expect_error is None:
            return CaseResult(file, case.name, False, f"unexpected {type(exc).__name__}: {exc}")
        return _check_error(file, case, exc)
    if case.expect_error is not None:
        return CaseResult(file, case.name, False, f"expected {case.expect_error.type}, got result {_plain(result)!r}")
    problems = list(_compare(_plain(case.expect), _plain(result), case.tolerance, "result"))
    if problems:
        cites = "; ".join(c.label() for c in sf.cite)
        return CaseResult(file, case.name, False, "\n".join(problems) + f"\n  rule: {sf.rule} ({cites})")
    return CaseResult(file, case.name, True)


def run_file(path: Path) -> list[CaseResult]:
    sf = load_scenarios(path)
    return [run_case(sf, c, str(path)) for c in sf.cases]


def _check_error(file: str, case: Case, exc: Exception) -> CaseResult:
    assert case.expect_error is not None
    if type(exc).__name__ != case.expect_error.type:
        return CaseResult(file, case.name, False, f"expected {case.expect_error.type}, got {type(exc).__name__}: {exc}")
    if case.expect_error.match and not re.search(case.expect_error.match, str(exc)):
        return CaseResult(file, case.name, False, f"error {exc} does not match {case.expect_error.match!r}")
    return CaseResult(file, case.name, True)


def _build_kwargs(fn: Any, sf: ScenarioFile, case: Case) -> dict[str, Any]:
    hints = typing.get_type_hints(fn)
    sig = inspect.signature(fn)
    kwargs: dict[str, Any] = {}
    unknown = set(case.input) - set(sig.parameters)
    if unknown:
        raise ParameterError(sf.rule, ",".join(sorted(unknown)), "input names no parameter of the rule")
    for name, p in sig.parameters.items():
        ann = hints.get(name, Any)
        if name == "params" or ann is ParamSet:
            kwargs[name] = _params_for(sf, case, ann)
        elif name in case.input:
            kwargs[name] = TypeAdapter(ann).validate_python(case.input[name]) if ann is not Any else case.input[name]
        elif p.default is inspect.Parameter.empty:
            raise ParameterError(sf.rule, name, f"case '{case.name}' gives no input for required argument")
    return kwargs


def _params_for(sf: ScenarioFile, case: Case, ann: Any) -> Any:
    from partcd.platform.params import load_params, parse_period

    if sf.area is None or case.period is None:
        raise ParameterError(sf.rule, "period", "rule takes params: the file needs `area` and the case `period`")
    ps = load_params(sf.area, parse_period(sf.area, case.period))
    if case.params:
        ps = ps.with_overrides(case.params)
    if isinstance(ann, type) and issubclass(ann, BaseModel) and ann is not ParamSet:
        return ps.typed(ann)
    return ps


def _plain(obj: Any) -> Any:
    """JSON-like form: models, dataclasses, dates, tuples, sets -> dicts, ISO strings, lists (sets sorted)."""
    if isinstance(obj, BaseModel):
        return _plain(obj.model_dump())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _plain({f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)})
    if isinstance(obj, dict):
        return {str(_plain(k)): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, (set, frozenset)):  # sets compare as sorted lists
        return sorted((_plain(v) for v in obj), key=str)
    if isinstance(obj, (dt.datetime, dt.date, dt.time)):
        return obj.isoformat()
    if isinstance(obj, dt.timedelta):
        return obj.total_seconds()
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalars
        return obj.item()
    if hasattr(obj, "value") and hasattr(obj, "name") and obj.__class__.__module__ != "builtins":  # enums
        return obj.value
    return obj


def _compare(expect: Any, actual: Any, tol: float, path: str) -> Iterator[str]:
    if isinstance(expect, dict):
        if not isinstance(actual, dict):
            yield f"  {path}: expected a mapping, got {actual!r}"
            return
        for k, v in expect.items():
            if k not in actual:
                yield f"  {path}.{k}: missing from result (has {sorted(actual)})"
            else:
                yield from _compare(v, actual[k], tol, f"{path}.{k}")
    elif isinstance(expect, list):
        if not isinstance(actual, list) or len(actual) != len(expect):
            yield f"  {path}: expected {len(expect)} items, got {actual!r}"
            return
        for i, (e, a) in enumerate(zip(expect, actual, strict=True)):
            yield from _compare(e, a, tol, f"{path}[{i}]")
    elif isinstance(expect, float | int) and not isinstance(expect, bool) and isinstance(actual, float | int) \
            and not isinstance(actual, bool):
        if not math.isclose(expect, actual, rel_tol=0.0, abs_tol=tol) and expect != actual:
            yield f"  {path}: expected {expect!r}, got {actual!r}" + (f" (tolerance {tol})" if tol else "")
    elif expect != actual:
        yield f"  {path}: expected {expect!r}, got {actual!r}"


# --- pytest plugin (registered through the ``pytest11`` entry point) -------------------------


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix in {".yaml", ".yml"} and "scenarios" in file_path.parts:
        return ScenarioYamlFile.from_parent(parent, path=file_path)
    return None


class ScenarioYamlFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        sf = load_scenarios(self.path)
        for case in sf.cases:
            yield ScenarioItem.from_parent(self, name=case.name, scenario=sf, case=case)


class ScenarioFailure(Exception):
    pass


class ScenarioItem(pytest.Item):
    def __init__(self, *, scenario: ScenarioFile, case: Case, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.case = case

    def runtest(self) -> None:
        res = run_case(self.scenario, self.case, str(self.path))
        if not res.ok:
            raise ScenarioFailure(res.detail)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFailure):
            return f"{self.path.name} :: {self.case.name}\n{excinfo.value}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"scenario: {self.case.name}"
