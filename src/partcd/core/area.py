"""What an area declares about itself: one :class:`Area` in ``partcd/<area>/area.py`` (pure data, no imports).

The platform (CLI, HTTP API, web shell, demo, migrations, parameter loader) discovers every area from the one
list in :mod:`partcd.registry` and reads only these declarations. References are ``"module:attribute"`` strings,
imported when used, so ``partcd --help`` loads no area code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from partcd.core.errors import ConfigError

_REF = re.compile(r"^partcd(\.[a-z_][a-z0-9_]*)+:[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Command:
    """A top-level ``partcd <name>`` command group an area offers besides ``partcd <area>`` (e.g. ``partcd cap``)."""

    name: str
    app: str
    summary: str


@dataclass(frozen=True)
class NavItem:
    """A page link in the web dashboard's navigation."""

    title: str
    path: str


@dataclass(frozen=True)
class Area:
    """One regulatory area: its name, where its law is, and the edges it plugs into the platform.

    ``params_view`` is the typed view of its parameter files (``params/_area.yaml`` says the period kind);
    ``cli`` a Typer app (``partcd <name> ...``); ``router`` an API router; ``pages`` a web router with ``nav``;
    ``migrations`` whether ``<area>/migrations/`` holds an Alembic branch; ``demo`` a ``demo(ctx)`` function;
    ``provides`` named services other areas may use through the registry (never by importing this area).
    """

    name: str
    title: str
    summary: str
    params_view: str | None = None
    cli: str | None = None
    commands: tuple[Command, ...] = ()
    router: str | None = None
    pages: str | None = None
    nav: tuple[NavItem, ...] = ()
    migrations: bool = False
    demo: str | None = None
    provides: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", self.name):
            raise ConfigError(f"area name {self.name!r} must be a lower-case identifier")
        refs = [self.params_view, self.cli, self.router, self.pages, self.demo,
                *(c.app for c in self.commands), *self.provides.values()]
        for ref in refs:
            if ref is not None and not _REF.match(ref):
                raise ConfigError(f"area {self.name}: {ref!r} is not a 'partcd.module:attribute' reference")
            if ref is not None and not ref.startswith(f"partcd.{self.name}."):
                raise ConfigError(f"area {self.name}: {ref!r} lies outside the area's own folder")
