"""``partcd scenarios run``: worked examples of the regulation (the same runner pytest uses)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from partcd.platform.cli import PLATFORM_GROUPS

if TYPE_CHECKING:
    pass

app = typer.Typer(help=PLATFORM_GROUPS["scenarios"][1], no_args_is_help=True)
console = Console(highlight=False)


@app.command("run")
def run(paths: list[Path] = typer.Argument(..., help="Scenario YAML files or folders."),
        as_json: bool = typer.Option(False, "--json", help="Print every case's file, name, result and detail as JSON.")
        ) -> None:
    """Run every case; exit 1 if any case disagrees with the rule."""
    from partcd.platform.testing import run_file

    files: list[Path] = []
    for p in paths:
        files.extend(sorted(p.rglob("*.yaml")) if p.is_dir() else [p])
    failed = 0
    total = 0
    if as_json:
        results = [res for f in files for res in run_file(f)]
        typer.echo(json.dumps([{"file": r.file, "name": r.name, "ok": r.ok, "detail": r.detail} for r in results], indent=2))
        if any(not r.ok for r in results):
            raise typer.Exit(1)
        return
    for f in files:
        for res in run_file(f):
            total += 1
            if res.ok:
                console.print(f"[green]ok[/]   {f.name} :: {res.name}")
            else:
                failed += 1
                console.print(f"[red]FAIL[/] {f.name} :: {res.name}\n{res.detail}")
    console.print(f"{total - failed} passed, {failed} failed")
    if failed:
        raise typer.Exit(1)
