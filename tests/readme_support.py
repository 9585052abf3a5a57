"""Docs that run (issue 13, item 7): the commands and the example files of a README's fenced blocks.

A fenced block is shell unless its info string names a file (```` ```csv forecast.csv ````): such a block is an
example input, written to that path of the scratch checkout before the commands run. In a shell block every
``partcd`` command is collected: ``\\`` continuations joined, ``NAME=value`` lines substituted for ``$NAME``,
``;`` separating commands, ``# ... exit 1 ...`` allowing exit 1 (non-compliance found).
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest


def _blocks(text: str) -> list[tuple[str, int, list[str]]]:
    """(info string, first line number, lines) of each fenced block."""
    blocks: list[tuple[str, int, list[str]]] = []
    info, start, lines, inside = "", 0, [], False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("```"):
            if inside:
                blocks.append((info, start, lines))
            else:
                info, start, lines = line[3:].strip(), number + 1, []
            inside = not inside
            continue
        if inside:
            lines.append(line)
    return blocks


def readme_files(text: str) -> dict[str, str]:
    """``path -> content`` of the blocks whose info string names a file (``csv forecast.csv``)."""
    return {info.split()[1]: "\n".join(lines) + "\n" for info, _, lines in _blocks(text) if len(info.split()) == 2}


def readme_commands(text: str) -> list[tuple[int, str, bool]]:
    """(line, command after ``partcd``, may exit 1) for each ``partcd`` command of each shell block of ``text``."""
    commands: list[tuple[int, str, bool]] = []
    variables: dict[str, str] = {}
    for info, first, lines in _blocks(text):
        if len(info.split()) == 2:
            continue  # an example file
        pending, start = "", first
        for number, line in enumerate(lines, start=first):
            if not pending:
                start = number
            pending += line.rstrip()
            if pending.endswith("\\"):
                pending = pending[:-1] + " "
                continue
            logical, pending = pending, ""
            assignment = re.fullmatch(r"\s*([A-Z_]+)=(\S+)(?:\s+#.*)?", logical)
            if assignment:
                variables[assignment[1]] = assignment[2]
                continue
            if not re.match(r"\s*(?:\S*bin/)?partcd\s", logical):
                continue  # make, YAML and layout listings
            may_fail = "exit 1" in logical
            for part in logical.split(" ; "):
                words = shlex.split(part, comments=True)
                if words and (words[0].endswith("bin/partcd") or words[0] == "partcd"):
                    command = " ".join(shlex.quote(w) for w in words[1:])
                    for name, value in variables.items():
                        command = command.replace(f"${name}", value)
                    commands.append((start, command, may_fail))
    return commands


def shared_or_skip(command: str, line: int, shared: Path) -> None:
    """A command reading ``../shared`` runs when the CMS tables are there; otherwise it is skipped by name, except
    under CI (``CI=true``), where missing data fails the run (as the PostgreSQL fixture does)."""
    if "../shared/" not in command or (shared / "data" / "star-ratings").is_dir():
        return
    msg = f"README line {line} reads ../shared/data/star-ratings, not present at {shared} (set PARTCD_SHARED_DIR)"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(msg)
    pytest.skip(msg)


def readme_env(folder: Path) -> dict[str, str]:
    """The environment a README command runs in: a database in ``folder``, a wide terminal, a named actor."""
    return {"PARTCD_DB": f"sqlite:///{folder / 'partcd.db'}", "COLUMNS": "160", "PARTCD_ACTOR": "readme-test"}


def run_demo(folder: Path) -> Path:
    """``partcd demo --out partcd-demo`` run inside ``folder`` (the demo files the READMEs' commands read)."""
    from typer.testing import CliRunner

    from partcd.platform.cli import app

    cwd = Path.cwd()
    os.chdir(folder)
    try:
        result = CliRunner().invoke(app, ["demo", "--out", "partcd-demo"], env=readme_env(folder))
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    return folder / "partcd-demo"
