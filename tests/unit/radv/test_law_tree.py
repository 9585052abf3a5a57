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
from partcd.io.params import load_yaml, reference_dir, sources

ROOT = Path(__file__).resolve().parents[3]
SCENARIOS = sorted((ROOT / "tests" / "scenarios" / "radv").glob("*.yaml"))
RULES = ROOT / "src" / "partcd" / "radv" / "rules"
ALLOWED_TOP = {"numpy", "scipy", "pydantic", "__future__"} | set(sys.stdlib_module_names)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')).strip()


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_scenario_quotes_stand_on_their_lines(path: Path) -> None:
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


def test_every_radv_scenario_file_exists_for_the_readme_table() -> None:
    readme = (ROOT / "src" / "partcd" / "radv" / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`tests/scenarios/radv/([a-z_]+\.yaml)`", readme))
    assert named == {p.name for p in SCENARIOS}


@pytest.mark.parametrize("path", sorted(RULES.glob("*.py")), ids=lambda p: p.name)
def test_rule_modules_import_only_core_their_own_rules_and_numeric_libraries(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            ok = name.startswith(("partcd.core", "partcd.radv.rules")) or name.split(".")[0] in ALLOWED_TOP
            assert ok, f"{path.name} imports {name}"
            assert name.split(".")[0] not in {"random", "time", "os", "pathlib", "io", "socket", "subprocess"}, \
                f"{path.name} imports {name} (rules are pure)"


def test_every_public_rule_function_is_cited_with_a_docstring() -> None:
    for path in sorted(RULES.glob("*.py")):
        module = importlib.import_module(f"partcd.radv.rules.{path.stem}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or name.startswith("_") or not cited(fn):
                continue
            assert fn.__doc__ and re.search(r"§|L\d{3,4}", fn.__doc__), f"{module.__name__}.{name}: docstring cites nothing"
    assert cited(importlib.import_module("partcd.radv.rules.estimators").stratified_mpu) == (
        "42 CFR 422.310(e)", "42 CFR 422.311(a)")
