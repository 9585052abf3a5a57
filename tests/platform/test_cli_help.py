"""Every option and argument of every ``partcd`` command has help text (issue 13, item 4).

The walk starts at the root group (lazy: each name of ``list_commands`` is loaded with ``get_command``) and recurses
into every sub-group, so a new area's commands are checked without an edit here.
"""

from __future__ import annotations

import re
from typing import Any

import typer.main
from typer.testing import CliRunner

from partcd.platform.cli import app


def _walk(command: Any, ctx: Any, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any]]:
    found = [(path, command)]
    if hasattr(command, "list_commands"):
        for name in command.list_commands(ctx):
            found += _walk(command.get_command(ctx, name), ctx, (*path, name))
    return found


def _commands() -> list[tuple[tuple[str, ...], Any]]:
    root = typer.main.get_command(app)
    return _walk(root, root.make_context("partcd", [], resilient_parsing=True), ("partcd",))


def test_the_walk_reaches_every_area_and_nested_group() -> None:
    paths = {" ".join(path) for path, _ in _commands()}
    # a platform command, an area command, a nested group's command and an area's extra top-level group
    assert {"partcd serve", "partcd callcenter metrics", "partcd compliance bcp incident restore", "partcd cap show",
            "partcd keys create"} <= paths
    assert len(paths) > 100


def test_every_option_and_argument_has_help() -> None:
    missing = [f"{' '.join(path)} {param.opts[0] if param.opts else param.name}"
               for path, command in _commands() for param in command.params
               if not param.hidden and not (getattr(param, "help", None) or "").strip()]
    assert missing == []


def test_help_renders_the_new_help_texts() -> None:
    result = CliRunner().invoke(app, ["keys", "create", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Role of the key: viewer, analyst or admin." in result.output
    result = CliRunner().invoke(app, ["compliance", "cap", "close", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Date the CAP was closed, YYYY-MM-DD." in result.output


RAW_TYPE = re.compile(r"<(?:bool|str|int|float|path|file|dir|datetime|list\[[^\]]*\])(?: range)?>")


def test_help_shows_types_in_words_never_python_annotations() -> None:
    runner = CliRunner()
    rendered = {}
    for path, _ in _commands():
        result = runner.invoke(app, [*path[1:], "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, (path, result.output)
        rendered[" ".join(path)] = result.output
    raw = {name: RAW_TYPE.findall(text) for name, text in rendered.items() if RAW_TYPE.search(text)}
    assert raw == {}
    # flags show no type; values show it in words; a repeatable option says so
    assert _option_line(rendered["partcd callcenter metrics"], "--json").split()[:3] == ["--json", "JSON", "records"]
    assert _option_line(rendered["partcd callcenter metrics"], "--quarantine").split()[:2] == ["--quarantine", "PATH"]
    assert _option_line(rendered["partcd db audit"], "--limit").split()[:2] == ["--limit", "INTEGER"]
    assert _option_line(rendered["partcd db audit"], "--type").split()[:2] == ["--type", "TEXT"]
    assert "PATH (repeat)" in _option_line(rendered["partcd stars cutpoints"], "--prior-cut-points")
    assert "paths...      PATH " in rendered["partcd scenarios run"]


def _option_line(help_text: str, option: str) -> str:
    return next(line.strip("│ *") for line in help_text.splitlines() if line.strip("│ *").startswith(option + " "))
