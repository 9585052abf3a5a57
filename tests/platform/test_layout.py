"""The area layout (issue 8): one registry, one folder per area, contracts that name no area, an instant CLI."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from partcd import registry
from partcd.core.area import Area
from partcd.core.errors import ConfigError

SRC = Path(__file__).resolve().parents[2] / "src" / "partcd"
HEAVY = ("numpy", "scipy", "pyarrow", "duckdb", "pytest", "simpy", "pandas", "sqlalchemy", "ibis", "pyspark")


def _python_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*.py") if "__pycache__" not in p.parts]


@pytest.mark.parametrize("name", registry.AREAS)
def test_an_area_is_named_outside_its_folder_only_in_the_registry(name: str) -> None:
    """No module outside ``partcd/<area>/`` imports the area or names its module path; the registry lists it."""
    pattern = re.compile(rf"\bpartcd\.{name}\b|\bfrom partcd import [^\n]*\b{name}\b")
    offenders = [f"{p.relative_to(SRC)}:{i}" for p in _python_files(SRC) if not p.is_relative_to(SRC / name)
                 and p != SRC / "registry.py"
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert offenders == []
    platform_strings = [f"{p.relative_to(SRC)}:{i}" for p in _python_files(SRC / "platform")
                        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                        if re.search(rf"[\"']{name}[\"'./]", line)]
    assert platform_strings == [], "the platform names areas only through the registry"


@pytest.mark.parametrize("name", registry.AREAS)
def test_every_area_is_one_folder_with_its_declaration_law_rules_and_readme(name: str) -> None:
    folder = SRC / name
    area = registry.area(name)
    assert isinstance(area, Area) and area.name == name
    assert (folder / "README.md").is_file() and (folder / "rules" / "__init__.py").is_file()
    if area.params_view is not None:
        assert (folder / "params" / "_area.yaml").is_file()
    assert area.migrations == (folder / "migrations").is_dir()
    for ref in [area.params_view, area.cli, area.router, area.pages, area.demo, *(c.app for c in area.commands),
                *area.provides.values()]:
        if ref is not None:
            assert registry.load(ref) is not None


def test_a_listed_area_that_cannot_be_imported_is_a_loud_error(monkeypatch: pytest.MonkeyPatch) -> None:
    registry.area.cache_clear()
    registry.areas.cache_clear()
    monkeypatch.setattr(registry, "AREAS", (*registry.AREAS, "nosuch"))
    try:
        with pytest.raises(ConfigError, match=r"area 'nosuch' is listed in partcd.registry but partcd.nosuch.area"):
            registry.areas()
    finally:
        registry.area.cache_clear()
        registry.areas.cache_clear()


def test_a_reference_outside_the_area_is_refused() -> None:
    with pytest.raises(ConfigError, match="outside the area's own folder"):
        Area(name="stars", title="t", summary="s", cli="partcd.appeals.cli:app")
    with pytest.raises(ConfigError, match=r"not a 'partcd\.module:attribute' reference"):
        Area(name="stars", title="t", summary="s", cli="partcd.stars.cli")


def test_a_missing_service_names_itself() -> None:
    with pytest.raises(ConfigError, match="no area provides 'nosuch'"):
        registry.service("nosuch")


def _modules_after(argv: list[str]) -> set[str]:
    code = ("import sys, json\nsys.argv = " + repr(["partcd", *argv]) + "\nfrom partcd.platform.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\nsys.stderr.write(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(out.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize("argv", [["--help"], *[[a, "--help"] for a in registry.AREAS],
                                  *[[c.name, "--help"] for a in registry.areas() for c in a.commands]])
def test_help_imports_no_heavy_module(argv: list[str]) -> None:
    """``partcd --help`` and ``partcd <area> --help`` load no numeric, data-frame, database or test library."""
    loaded = _modules_after(argv)
    assert sorted(m for m in loaded if m.split(".")[0] in HEAVY) == []


def test_root_help_imports_no_area_code() -> None:
    """Only the declarations: ``partcd.<area>`` (a docstring) and ``partcd.<area>.area``."""
    loaded = _modules_after(["--help"])
    declared = {f"partcd.{a}" for a in registry.AREAS} | {f"partcd.{a}.area" for a in registry.AREAS}
    assert sorted(m for m in loaded if m.split(".")[0] == "partcd" and len(m.split(".")) > 1
                  and m.split(".")[1] in registry.AREAS and m not in declared) == []


def test_test_file_names_are_unique_across_areas() -> None:
    """pytest imports test modules by file name (no packages under tests/): ``tests/<area>/test_api.py`` next to
    ``tests/platform/test_api.py`` is an import-file mismatch. Prefix the area (``test_dsnp_api.py``)."""
    tests = Path(__file__).resolve().parents[1]
    names = [p.name for p in tests.rglob("*.py") if p.name != "conftest.py" and "__pycache__" not in p.parts]
    assert sorted({n for n in names if names.count(n) > 1}) == []
