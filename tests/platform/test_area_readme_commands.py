"""Docs that run (issue 13, item 7): every ``partcd`` command of every area's README.md (``src/partcd/*/README.md``),
executed in the order written, as ``tests/platform/test_readme_commands.py`` does for the root README.

Each area runs in its own scratch checkout after ``partcd demo --out partcd-demo`` (the demo's files are the
inputs the READMEs name), with its own database, this checkout's ``tests/`` linked in, and the README's example
files (blocks whose info string names a file) written. Commands reading ``../shared`` run when the CMS tables are
there, are skipped by name otherwise, and fail under ``CI=true``. Exit 0, or 1 where the README says ``exit 1``;
never 2 (the README would be wrong) or 3 (a defect).
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from partcd import registry
from partcd.platform.cli import app
from readme_support import readme_commands, readme_env, readme_files, run_demo, shared_or_skip

ROOT = Path(__file__).resolve().parents[2]
AREAS = ROOT / "src" / "partcd"

COMMANDS = [(area, line, command, may_fail) for area in registry.AREAS
            for line, command, may_fail in readme_commands((AREAS / area / "README.md").read_text(encoding="utf-8"))]


def test_the_area_readmes_have_their_commands() -> None:
    assert len({area for area, *_ in COMMANDS}) >= len(registry.AREAS) - 1  # one README documents a Python API only
    assert len(COMMANDS) >= 60


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_demo(tmp_path_factory.mktemp("demo"))


_CHECKOUTS: dict[str, Path] = {}


def _checkout(area: str, demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The area's scratch checkout, made on its first command and kept for the next ones (state carries over)."""
    if area not in _CHECKOUTS:
        folder = tmp_path_factory.mktemp(f"readme-{area}")
        (folder / "tests").symlink_to(ROOT / "tests")
        (folder / "partcd-demo").symlink_to(demo)
        for name, content in readme_files((AREAS / area / "README.md").read_text(encoding="utf-8")).items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(content, encoding="utf-8")
        _CHECKOUTS[area] = folder
    return _CHECKOUTS[area]


@pytest.mark.parametrize(("area", "line", "command", "may_fail"), COMMANDS,
                         ids=[f"{a}-L{n}:{c[:50]}" for a, n, c, _ in COMMANDS])
def test_area_readme_command_runs(area: str, line: int, command: str, may_fail: bool, demo: Path,
                                  tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = Path(os.environ.get("PARTCD_SHARED_DIR", str(ROOT.parent / "shared")))
    shared_or_skip(command, line, shared)
    args = [a.replace("../shared/", f"{shared}/") for a in shlex.split(command)]
    folder = _checkout(area, demo, tmp_path_factory)
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(app, args, env=readme_env(folder))
    allowed = {0, 1} if may_fail else {0}
    assert result.exit_code in allowed, f"src/partcd/{area}/README.md line {line}: partcd {command}\n{result.output}"
