"""The ``partcd`` command line: one Typer app, one sub-app per area (``partcd.cli.<area>``).

User errors (:class:`~partcd.core.errors.PartcdError`) print one readable line and exit 2;
``--debug`` shows the traceback. Exit 1 means "ran fine, found non-compliance".
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from typing import TYPE_CHECKING, Any

import typer
import typer.core
from rich.console import Console
from rich.markup import escape

from partcd.core.errors import PartcdError

if TYPE_CHECKING:
    from sqlalchemy import Engine

EXIT_NONCOMPLIANT = 1
EXIT_USER_ERROR = 2

err_console = Console(stderr=True, highlight=False, soft_wrap=True)


class _Group(typer.core.TyperGroup):
    """Root group: turns user errors into one line + exit 2 (unless --debug)."""

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
    from partcd.settings import Settings
    from partcd.store.db import connect, upgrade

    engine = connect(Settings.from_env(db=state(ctx).db).db_url)
    if migrate:
        upgrade(engine)
    return engine


#: Sub-apps: core commands first, then each area's ``partcd.cli.<area>`` module if present.
_SUBAPPS = ("params", "scenarios", "db", "keys", "stars", "callcenter", "appeals", "preclusion", "radv", "dsnp",
            "telehealth", "claimsdata")

for _name in _SUBAPPS:
    if importlib.util.find_spec(f"partcd.cli.{_name}") is not None:
        _mod = importlib.import_module(f"partcd.cli.{_name}")
        app.add_typer(_mod.app, name=_name)

importlib.import_module("partcd.cli.commands")  # top-level commands: demo, serve

# The CAP letter's two deliverables also stand at the top level: ``partcd cap ...`` and ``partcd bcp ...``
# (the same groups as ``partcd callcenter cap|bcp``).
if importlib.util.find_spec("partcd.cli.callcenter_cap") is not None:
    _cap = importlib.import_module("partcd.cli.callcenter_cap")
    app.add_typer(_cap.cap_app, name="cap")
    app.add_typer(_cap.bcp_app, name="bcp")


def main() -> None:
    """Console-script entry point."""
    sys.exit(app(standalone_mode=True))
