"""Engines, migrations and the unit of work. URLs: ``sqlite:///file.db`` (default) or ``postgresql://...``."""

from __future__ import annotations

import importlib.resources
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from partcd.core.errors import ConfigError


def normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg 3; a SQLite file's folder is created."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(f"not a database URL: {url!r} (e.g. sqlite:///partcd.db or postgresql://host/db)") from None
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    elif not parsed.drivername.startswith(("sqlite", "postgresql")):
        raise ConfigError(f"unsupported database {parsed.drivername!r}: use sqlite or postgresql")
    return parsed.render_as_string(hide_password=False)


#: How long a SQLite writer waits for another one to finish before giving up (``PRAGMA busy_timeout``).
SQLITE_BUSY_TIMEOUT_S = 30


def connect(url: str) -> Engine:
    """An Engine that never writes SQL parameters (MBIs, names) into logs or error messages (``hide_parameters``).

    SQLite: foreign keys on, write-ahead log (readers never wait for a writer, a writer never waits for readers),
    a busy timeout, and every unit of work started with ``BEGIN IMMEDIATE``: one that reads and then writes takes
    the write lock at its start and waits its turn (up to :data:`SQLITE_BUSY_TIMEOUT_S`) instead of failing with
    "database is locked" when it upgrades a read lock while another writer holds the database. Units of work that
    only read say so (``session_scope(engine, read_only=True)``) and begin DEFERRED: they never wait.
    """
    url = normalise_url(url)
    engine: Engine
    if url.startswith("sqlite"):
        engine = create_engine(url, hide_parameters=True, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
        in_memory = make_url(url).database in (None, "", ":memory:")

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # pysqlite's own BEGIN is deferred; _begin below issues IMMEDIATE
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
            if not in_memory:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("partcd_read_only") else "BEGIN IMMEDIATE")

    else:
        engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)

        @event.listens_for(engine, "begin")
        def _read_only(conn: Any) -> None:
            if conn.get_execution_options().get("partcd_read_only"):
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
    event.listen(engine, "handle_error", _first_line_only)
    return engine


def _first_line_only(context: Any) -> DBAPIError | None:
    """A database error keeps only the driver's first line: PostgreSQL adds a DETAIL line that repeats the values
    of the row (``Failing row contains (..., 1EG4TE5MK73, Quinn Zebulon, ...)``, ``Key (mbi)=(...)``), which would
    put PHI into every log that records the error or its cause. The driver's exception keeps its class and
    diagnostics (``sqlstate``, ``diag``) but its text becomes the first line; the statement stays, its parameters
    are hidden."""
    error = context.sqlalchemy_exception
    original = context.original_exception
    text = str(original).strip()
    if not isinstance(error, DBAPIError) or "\n" not in text:
        return None
    original.args = (text.splitlines()[0],)
    return type(error)(error.statement, None, original, hide_parameters=True,
                       connection_invalidated=error.connection_invalidated)


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(str(importlib.resources.files("partcd.platform.store"))) / "migrations"))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", os.pathsep.join(str(p) for p in version_locations()))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def version_locations() -> list[Path]:
    """The base history (``platform/store/migrations/versions``) and each area's branch (``<area>/migrations``)."""
    from partcd import registry

    base = Path(str(importlib.resources.files("partcd.platform.store"))) / "migrations" / "versions"
    return [base, *(Path(str(importlib.resources.files(f"partcd.{a.name}"))) / "migrations"
                    for a in registry.areas() if a.migrations)]


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Apply migrations up to ``revision`` (idempotent). Each area's tables are a branch off ``0001_base``
    (``branch_labels=("<area>",)``), so ``heads`` applies all of them."""
    from alembic import command

    cfg = alembic_config(engine)
    with engine.begin() as conn, _known_revision(revision):
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    cfg = alembic_config(engine)
    with engine.begin() as conn, _known_revision(revision):
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


@contextmanager
def _known_revision(revision: str) -> Iterator[None]:
    """Alembic's "can't locate revision" is a ``ConfigError`` (a user typed it)."""
    from alembic.util.exc import CommandError

    try:
        yield
    except CommandError as exc:
        raise ConfigError(f"database revision {revision!r}: {exc}") from None


def current_revision(engine: Engine) -> str | None:
    """The applied revisions (comma-separated heads), or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    return ",".join(sorted(heads)) or None


def head_revisions(engine: Engine) -> str:
    """The newest revisions the code knows (comma-separated)."""
    from alembic.script import ScriptDirectory

    return ",".join(sorted(ScriptDirectory.from_config(alembic_config(engine)).get_heads()))


@contextmanager
def session_scope(engine: Engine, *, read_only: bool = False) -> Iterator[Session]:
    """Unit of work: commit on success, roll back everything on any error (nothing half-written).

    ``read_only``: a unit of work that only reads (lists, queues, universes). On SQLite it begins DEFERRED, so in
    write-ahead-log mode it neither waits for writers nor holds them up however long it reads; on PostgreSQL it is
    a READ ONLY transaction (a write in it is an error)."""
    factory = sessionmaker(engine.execution_options(partcd_read_only=True) if read_only else engine,
                           expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
