"""The ``partcd`` command line: one Typer app; the platform's commands and one sub-app per registered area.

Sub-apps are imported only when their command runs (``partcd --help`` lists them from the area declarations of
:mod:`partcd.registry`, importing no area code). Exit codes (the README's list):

- 0 ran and compliant; 1 ran and found non-compliance (only a command that finished its work returns 1);
- 2 bad input or configuration: user errors (:class:`~partcd.core.errors.PartcdError`), unreadable files, input that
  is not UTF-8 text, numbers or dates out of range, invalid fields, and a database that cannot be reached or used
  (one line naming the database URL without its password);
- 3 internal error: any other exception (a defect of partcd), one line naming it.

Every message is one line; ``--debug`` (or ``PARTCD_DEBUG=1``) shows the traceback instead. Every integer and
number option of every command is bounded before the command runs (:func:`bound_numbers`).
"""

from __future__ import annotations

import functools
import importlib
import math
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import typer
import typer.core
import typer.main
from rich.console import Console
from rich.markup import escape
from typer.exceptions import TyperException

from partcd.core.errors import PartcdError

if TYPE_CHECKING:
    from sqlalchemy import Engine

EXIT_NONCOMPLIANT = 1
EXIT_USER_ERROR = 2
EXIT_INTERNAL_ERROR = 3

#: The largest integer any command takes: record ids and versions are ``Integer`` columns (32-bit on PostgreSQL),
#: and no count, day number, seed or size the rules use comes near it.
INT_MAX = 2**31 - 1
#: The largest magnitude of a decimal option (seconds, calls per hour, percentages, fractions are far below it).
FLOAT_MAX = 1e9

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
    """Root group: lazy sub-apps with bounded numbers; every exception becomes one line and its exit code (2 or 3)."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return [*lazy_groups(), *(name for name in self.commands if name not in lazy_groups())]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands or cmd_name not in lazy_groups():
            found = self.commands.get(cmd_name)
            return found if found is None or self._listing else bound_numbers(found)
        ref, summary = lazy_groups()[cmd_name]
        if self._listing:  # the root --help shows the declared one-line help without importing the sub-app
            return typer.core.TyperCommand(cmd_name, help=summary, short_help=summary)
        from partcd import registry

        command = bound_numbers(typer.main.get_group(registry.load(ref)))
        command.name = cmd_name
        self.commands[cmd_name] = command
        return command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        readable_types(self)
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException):
            raise  # exits, aborts and usage errors (exit 2) are handled by Click
        except Exception as exc:
            if _debug(ctx):
                raise
            code, message = explain(exc, ctx)
            err_console.print(f"[bold red]{'internal error' if code == EXIT_INTERNAL_ERROR else 'error'}:[/] "
                              f"{escape(message)}", markup=True)
            raise typer.Exit(code) from None


def explain(exc: Exception, ctx: Any) -> tuple[int, str]:
    """The exit code and the one line for an exception that ended a command (see the module docstring)."""
    if isinstance(exc, PartcdError):
        return EXIT_USER_ERROR, exc.message()
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        return EXIT_USER_ERROR, f"{where}{exc.strerror or exc}"
    if isinstance(exc, UnicodeDecodeError):
        return EXIT_USER_ERROR, f"an input file is not UTF-8 text ({exc.reason} at byte {exc.start})"
    if isinstance(exc, OverflowError):
        return EXIT_USER_ERROR, f"a number or date is out of range ({_first_line(exc)})"
    database = _database_error(exc, ctx)
    if database is not None:
        return EXIT_USER_ERROR, database
    invalid = _validation_error(exc)
    if invalid is not None:
        return EXIT_USER_ERROR, invalid
    return EXIT_INTERNAL_ERROR, (f"{type(exc).__name__}: {_first_line(exc)} (a defect of partcd: please report it; "
                                 "--debug or PARTCD_DEBUG=1 shows the traceback)")


def _first_line(exc: BaseException, limit: int = 200) -> str:
    text = (str(exc).strip().splitlines() or [""])[0]
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _database_error(exc: Exception, ctx: Any) -> str | None:
    """A SQLAlchemy database error as one line naming the database (password hidden) and the driver's first line
    (never the SQL or its parameters, which may hold PHI; PostgreSQL's DETAIL lines are dropped too)."""
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is None or not isinstance(exc, sa_exc.DBAPIError | sa_exc.ArgumentError):
        return None
    where = database_label(ctx)
    orig = getattr(exc, "orig", None)
    reason = _first_line(orig if orig is not None else exc)
    if isinstance(exc, sa_exc.IntegrityError):
        return f"database {where}: the change conflicts with a stored record ({reason})"
    if isinstance(exc, sa_exc.DataError):
        return f"database {where}: a value does not fit its column ({reason})"
    return f"database {where}: cannot use it ({reason})"


def database_label(ctx: Any) -> str:
    """The database URL of ``--db`` / ``PARTCD_DB`` (or the default file) with the password masked."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from partcd.platform.settings import Settings

    url = Settings.from_env(db=state(ctx).db).db_url
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:  # an unparsable URL is named by its scheme only
        return url.split("://", 1)[0] + "://..."


def _validation_error(exc: Exception) -> str | None:
    """A pydantic ValidationError that escaped a command: the first field and reason (never the input value)."""
    pydantic_core = sys.modules.get("pydantic_core")
    if pydantic_core is None or not isinstance(exc, pydantic_core.ValidationError):
        return None
    errors = exc.errors(include_input=False, include_url=False)
    first = errors[0] if errors else {"loc": (), "msg": "invalid value"}
    field = ".".join(str(p) for p in first["loc"]) or exc.title
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{field}: {first['msg']}{more}"


def bound_numbers(command: Any) -> Any:
    """Refuse out-of-range numbers before ``command`` (and every sub-command) runs: an integer beyond
    :data:`INT_MAX` in magnitude, a decimal that is not finite or beyond :data:`FLOAT_MAX` (a usage error, exit 2)."""
    if getattr(command, "_partcd_bounded", False):
        return command
    command._partcd_bounded = True
    readable_types(command)
    for param in getattr(command, "params", ()):
        param.callback = _bounded(param.callback)
    for sub in getattr(command, "commands", {}).values():
        bound_numbers(sub)
    return command


#: The help's type column in words (Typer's default shows Python annotations such as ``<str>``, ``<list[Path]>``).
TYPE_WORDS = {"str": "TEXT", "int": "INTEGER", "int range": "INTEGER", "float": "NUMBER", "float range": "NUMBER",
              "path": "PATH", "Path": "PATH", "file": "FILE", "dir": "FOLDER", "datetime": "DATE-TIME"}


def readable_types(command: Any) -> None:
    """Show each option's type in words in ``--help``: none for a flag, ``TEXT``, ``INTEGER``, ``NUMBER``, ``FILE``,
    ``FOLDER``, ``PATH``, the choices as ``a|b``, and ``(repeat)`` after the type of an option given more than once
    (an argument taking many values shows ``...`` after its name instead)."""
    for param in getattr(command, "params", ()):
        param.display_type_rich = functools.partial(_readable_type, param)
    if hasattr(command, "get_help_option") and not getattr(command, "_partcd_readable", False):
        command._partcd_readable = True
        help_option = command.get_help_option

        def readable_help_option(ctx: Any) -> Any:  # --help is made on demand, after the walk above
            option = help_option(ctx)
            if option is not None:
                option.display_type_rich = functools.partial(_readable_type, option)
            return option

        command.get_help_option = readable_help_option


def _readable_type(param: Any, ctx: Any) -> str | None:
    if getattr(param, "is_flag", False):
        return None
    label = type(param).display_type_rich(param, ctx) or ""
    label = label.removeprefix("<").removesuffix(">")
    repeat = label.startswith("list[")
    if repeat:
        label = label.removeprefix("list[").removesuffix("]")
    word = TYPE_WORDS.get(label, label)
    return f"{word} (repeat)" if repeat and getattr(param, "param_type_name", "") == "option" else word


def _bounded(callback: Callable[..., Any] | None) -> Callable[..., Any]:
    def check(ctx: Any, param: Any, value: Any) -> Any:
        for item in value if isinstance(value, list | tuple) else (value,):
            if isinstance(item, bool):
                continue
            if isinstance(item, int) and abs(item) > INT_MAX:
                raise typer.BadParameter(f"{item} is out of range (at most {INT_MAX} in magnitude)", ctx, param)
            if isinstance(item, float) and not (math.isfinite(item) and abs(item) <= FLOAT_MAX):
                raise typer.BadParameter(f"{item} is not a finite number of at most {FLOAT_MAX:g} in magnitude",
                                         ctx, param)
        return value if callback is None else callback(ctx, param, value)

    return check


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
