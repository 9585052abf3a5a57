"""RADV law tree: scenario quotes stand on their cited lines, rule modules stay pure, every rule function is cited."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import sys
from pathlib import Path

import pytest

from partcd.core.citation import cited
from partcd.platform.params import load_yaml, reference_dir, sources
from partcd.registry import AREAS

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted(p for area in AREAS for p in (ROOT / "tests" / area / "scenarios").glob("*.yaml"))
RULES = sorted(p for area in AREAS for p in (ROOT / "src" / "partcd" / area / "rules").glob("*.py"))
#: Pure computation libraries a rule may use (numbers, statistics, discrete-event simulation).
ALLOWED_TOP = {"numpy", "scipy", "pydantic", "simpy", "__future__"} | set(sys.stdlib_module_names)
IMPURE_STDLIB = {"random", "time", "os", "pathlib", "io", "socket", "subprocess", "tempfile", "shutil", "urllib", "http"}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')).strip()


def _area(path: Path) -> str:
    return path.relative_to(ROOT).parts[1] if path.is_relative_to(ROOT / "tests") else path.relative_to(ROOT).parts[2]


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: f"{_area(p)}/{p.name}")
def test_scenario_quotes_stand_on_their_lines(path: Path) -> None:
    """Every scenario file cites its rule, and each quote stands on its line of the reference text."""
    data = load_yaml(path.read_text(encoding="utf-8"), str(path))
    src = sources()
    assert data["cite"], path
    for cite in data["cite"]:
        source = src[cite["source"]]
        if source.file is None:
            assert cite.get("quote"), f"{path.name}: a cite of {cite['source']} needs a quote"
            continue
        lines = (reference_dir() / source.file).read_text(encoding="utf-8").splitlines()
        assert _norm(cite["quote"]) in _norm(lines[cite["line"] - 1]), f"{path.name}: {cite['quote']!r}"


@pytest.mark.parametrize("area", AREAS)
def test_every_scenario_file_is_in_the_area_readme(area: str) -> None:
    """The README's provision -> module -> scenario table names every scenario file of the area, and only those."""
    readme = (ROOT / "src" / "partcd" / area / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(rf"`tests/{area}/scenarios/([a-z0-9_]+\.yaml)`", readme))
    assert named == {p.name for p in SCENARIOS if _area(p) == area}


@pytest.mark.parametrize("path", RULES, ids=lambda p: f"{_area(p)}/{p.name}")
def test_rule_modules_import_only_core_their_own_rules_and_numeric_libraries(path: Path) -> None:
    own = f"partcd.{_area(path)}.rules"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            ok = name.startswith(("partcd.core", own)) or name.split(".")[0] in ALLOWED_TOP
            assert ok, f"{path.name} imports {name}"
            assert name.split(".")[0] not in IMPURE_STDLIB, f"{path.name} imports {name} (rules are pure)"


@pytest.mark.parametrize("path", RULES, ids=lambda p: f"{_area(p)}/{p.name}")
def test_every_cited_rule_function_has_a_docstring(path: Path) -> None:
    module = importlib.import_module(f"partcd.{_area(path)}.rules.{path.stem}")
    for name, fn in inspect.getmembers(module, inspect.isfunction):
        if fn.__module__ != module.__name__ or name.startswith("_") or not cited(fn):
            continue
        assert fn.__doc__ and fn.__doc__.strip(), f"{module.__name__}.{name}: a cited rule needs a docstring"


#: Raises of bare Python errors that are not user input: programming mistakes caught at import, or helpers that run
#: inside a pydantic validator (pydantic turns them into the file's ParameterError).
BARE_RAISE_ALLOWED = {
    ("core/errors.py", "__post_init__"),      # RuleError built with a str cite: a programming error
    ("core/citation.py", "cites"),            # @cites() without a paragraph: a programming error at import
    ("core/params.py", "nested_cites"),       # runs inside ParamFile's validator
    ("appeals/rules/parameters.py", "_unique"),  # runs inside AppealsParams' validators
}
BARE = {"ValueError", "TypeError", "KeyError", "RuntimeError", "Exception"}


def test_pure_code_raises_only_partcd_errors() -> None:
    """Issue 8 item 7: core and every area's rules raise PartcdError subclasses (with the value and the reason);
    a bare ValueError is allowed only inside pydantic validators, where it becomes the file's or model's error."""
    src = ROOT / "src" / "partcd"
    offenders = []
    for path in [*sorted((src / "core").glob("*.py")), *RULES]:
        rel = str(path.relative_to(src))
        for fn in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if any("validator" in ast.unparse(d) for d in fn.decorator_list) or (rel, fn.name) in BARE_RAISE_ALLOWED:
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and ast.unparse(node.exc.func) in BARE:
                    offenders.append(f"{rel}:{node.lineno} {fn.name}")
    assert offenders == []
