"""The one list of areas. Everything else (CLI, API, web navigation, demo, migrations, parameters, tests)
discovers areas from here; an area declares itself once, in ``partcd/<area>/area.py`` (:class:`~partcd.core.area.Area`).

A listed area whose declaration is missing or broken is an error at start-up, never a silent skip.
"""

from __future__ import annotations

import functools
import importlib
from typing import Any

from partcd.core.area import Area
from partcd.core.errors import ConfigError

#: The areas, in the order the CLI, the navigation and the demo show them.
AREAS: tuple[str, ...] = ("callcenter", "stars", "compliance", "appeals", "radv", "preclusion", "dsnp", "telehealth",
                          "claimsdata", "mpf")


@functools.cache
def areas() -> tuple[Area, ...]:
    """Every area's declaration (imports only the small ``area`` modules)."""
    return tuple(area(name) for name in AREAS)


@functools.cache
def area(name: str) -> Area:
    """The declaration of area ``name``; an unknown, missing or broken area raises :class:`ConfigError`."""
    if name not in AREAS:
        raise ConfigError(f"unknown area {name!r}; known: {', '.join(AREAS)}")
    try:
        module = importlib.import_module(f"partcd.{name}.area")
    except ImportError as exc:
        raise ConfigError(f"area {name!r} is listed in partcd.registry but partcd.{name}.area cannot be imported: {exc}") from exc
    declared = getattr(module, "AREA", None)
    if not isinstance(declared, Area):
        raise ConfigError(f"partcd.{name}.area must define AREA = Area(...)")
    if declared.name != name:
        raise ConfigError(f"partcd.{name}.area declares area {declared.name!r}")
    return declared


def load(ref: str) -> Any:
    """Import a ``"module:attribute"`` reference of an area declaration; failure is loud."""
    module_name, _, attr = ref.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"cannot import {module_name} (declared as {ref}): {exc}") from exc
    try:
        return getattr(module, attr)
    except AttributeError:
        raise ConfigError(f"{module_name} has no {attr!r} (declared as {ref})") from None


def service(name: str) -> Any:
    """A service one area provides to others (``Area.provides``), e.g. ``findings`` of the call center."""
    providers = [a for a in areas() if name in a.provides]
    if not providers:
        raise ConfigError(f"no area provides {name!r}")
    return load(providers[0].provides[name])


def providers(name: str) -> dict[str, Any]:
    """Every area's implementation of service ``name``, by area."""
    return {a.name: load(a.provides[name]) for a in areas() if name in a.provides}
