"""The ``partcd`` command line: one Typer app; the platform's commands and one sub-app per registered area.

Sub-apps are imported only when their command runs (``partcd --help`` lists them from the area declarations of
:mod:`partcd.registry`, importing no area code). User errors (:class:`~partcd.core.errors.PartcdError`) print one
readable line and exit 2; ``--debug`` shows the traceback. Exit 1 means "ran fine, found non-compliance".
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
from typing import TYPE_CHECKING, Any

import typer
import typer.core
import typer.main
from rich.console import Console
from rich.markup import escape

from partcd.core.errors import PartcdError

if TYPE_CHECKING:
    from sqlalchemy import Engine

EXIT_NONCOMPLIANT = 1
EXIT_USER_ERROR = 2

err_console = Console(stderr=True, highlight=False, soft_wrap=True)


#: The platform's own command groups: name -> (module:attribute, one-line help).
PLATFORM_GROUPS: dict[str, tuple[str, str]] = {
    "params": ("partcd.platform.cli.params:app", "Regulation parameters: every value with its unit, period and citation."),
    "scenarios": ("partcd.platform.cli.scenarios:app", "Run scenario files (worked examples of the regulation)."),
    "db": ("partcd.platform.cli.db:app", "Database: migrate, show the revision, read the audit log."),
    "keys": ("partcd.platform.cli.keys:app", "API keys and roles (the key is printed once, stored hashed)."),
}


@functools.cache
def lazy_groups() -> dict[str, tuple[str, str]]:
    """Every command group by name: the platform's, each area's ``partcd <area>`` and its extra top-level groups."""
    from partcd import registry

    groups = dict(PLATFORM_GROUPS)
    for area in registry.areas():
        if area.cli is not None:
            groups[area.name] = (area.cli, area.summary)
        for command in area.commands:
            if command.name in groups:
                raise ValueError(f"command {command.name!r} of area {area.name} is already taken")
            groups[command.name] = (command.app, command.summary)
    return groups


class _Group(typer.core.TyperGroup):
    """Root group: lazy sub-apps; turns user errors into one line + exit 2 (unless --debug)."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return [*lazy_groups(), *(name for name in self.commands if name not in lazy_groups())]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands or cmd_name not in lazy_groups():
            return self.commands.get(cmd_name)
        ref, summary = lazy_groups()[cmd_name]
        if self._listing:  # the root --help shows the declared one-line help without importing the sub-app
            return typer.core.TyperCommand(cmd_name, help=summary, short_help=summary)
        from partcd import registry

        command = typer.main.get_group(registry.load(ref))
        command.name = cmd_name
        self.commands[cmd_name] = command
        return command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except PartcdError as exc:
            if _debug(ctx):
                raise
            err_console.print(f"[bold red]error:[/] {escape(exc.message())}", markup=True)
            raise typer.Exit(EXIT_USER_ERROR) from None
        except OSError as exc:
            if _debug(ctx):
                raise
            where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            err_console.print(f"[bold red]error:[/] {escape(f'{where}{exc.strerror or exc}')}", markup=True)
            raise typer.Exit(EXIT_USER_ERROR) from None


def _debug(ctx: typer.Context) -> bool:
    obj = ctx.find_root().obj
    return bool(getattr(obj, "debug", False)) or os.environ.get("PARTCD_DEBUG") == "1"


class State:
    """Options shared by every command (set by the root callback)."""

    def __init__(self, debug: bool, db: str | None, engine: str | None) -> None:
        self.debug = debug
        self.db = db
        self.engine = engine


app = typer.Typer(
    cls=_Group,
    help="partcd: Medicare Advantage (Part C) and Part D rules as code.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


@app.callback()
def _root(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks instead of one-line errors."),
    db: str | None = typer.Option(None, "--db", envvar="PARTCD_DB", help="Database URL (default: SQLite file)."),
    engine: str | None = typer.Option(None, "--engine", envvar="PARTCD_ENGINE", help="duckdb (default) or spark."),
) -> None:
    ctx.obj = State(debug=debug, db=db, engine=engine)


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, State) else State(False, None, None)


def db_engine(ctx: typer.Context, *, migrate: bool = True) -> Engine:
    """The database of ``--db`` / ``PARTCD_DB`` (SQLite file by default), migrated to the newest revision unless
    ``migrate`` is False."""
    from partcd.platform.settings import Settings
    from partcd.platform.store.db import connect, upgrade

    engine = connect(Settings.from_env(db=state(ctx).db).db_url)
    if migrate:
        upgrade(engine)
    return engine


importlib.import_module("partcd.platform.cli.commands")  # top-level commands: demo, serve


def main() -> None:
    """Console-script entry point."""
    sys.exit(app(standalone_mode=True))
