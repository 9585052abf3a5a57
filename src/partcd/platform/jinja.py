"""One Jinja2 template loader for reports and web pages: the platform's ``templates/`` plus each area's
``<area>/templates/`` under the area's name (a page ``queue.html`` of area ``a`` is ``"a/queue.html"``)."""

from __future__ import annotations

import functools
import importlib.resources
from pathlib import Path

from jinja2 import BaseLoader, ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, select_autoescape

from partcd import registry
from partcd.platform.figures import figure

PLATFORM_TEMPLATES = Path(str(importlib.resources.files("partcd.platform"))) / "templates"


def area_template_dirs() -> dict[str, Path]:
    """``{area: <area>/templates}`` for every registered area that has templates."""
    dirs = {}
    for area in registry.areas():
        folder = Path(str(importlib.resources.files(f"partcd.{area.name}"))) / "templates"
        if folder.is_dir():
            dirs[area.name] = folder
    return dirs


def loader() -> BaseLoader:
    return ChoiceLoader([FileSystemLoader(str(PLATFORM_TEMPLATES)),
                         PrefixLoader({name: FileSystemLoader(str(d)) for name, d in area_template_dirs().items()})])


@functools.cache
def environment() -> Environment:
    """The report environment (HTML autoescaped, ``.j2`` templates trimmed)."""
    env = Environment(loader=loader(), autoescape=select_autoescape(["html", "j2"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["figure"] = figure  # value|figure(limit, at_most=True): the digits that show its side of the limit
    return env
