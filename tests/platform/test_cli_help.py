"""Every option and argument of every ``partcd`` command has help text (issue 13, item 4).

The walk starts at the root group (lazy: each name of ``list_commands`` is loaded with ``get_command``) and recurses
into every sub-group, so a new area's commands are checked without an edit here.
"""

from __future__ import annotations

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
