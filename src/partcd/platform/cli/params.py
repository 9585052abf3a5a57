"""``partcd params``: the regulation values with their citations."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from partcd.core.errors import ParameterError
from partcd.platform.cli import PLATFORM_GROUPS
from partcd.platform.params import area_files, area_spec, areas_with_params, load_params, parse_period, sources
from partcd.registry import AREAS

app = typer.Typer(help=PLATFORM_GROUPS["params"][1], no_args_is_help=True)
console = Console(highlight=False)


@app.command("list")
def list_params(
    area: str | None = typer.Argument(None, help=f"One area ({', '.join(AREAS)}); all areas if omitted."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Every parameter of every period file, with unit and citation."""
    areas = [area] if area else areas_with_params()
    rows = []
    for a in areas:
        for name, pf in area_files(a).items():
            for key, entry in pf.values.items():
                rows.append({
                    "name": f"{a}.{key}", "period": str(pf.period_value), "value": entry.value, "unit": entry.unit,
                    "file": f"{a}/params/{name}", "cite": [c.label() for c in entry.cite],
                })
    if as_json:
        typer.echo(json.dumps(rows, indent=2, default=str))
        return
    table = Table(title="partcd parameters" + (f" - {area}" if area else ""))
    for col in ("name", "period", "value", "unit", "citation"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(*(escape(str(x)) for x in (r["name"], r["period"], r["value"], r["unit"], "; ".join(r["cite"]))))
    console.print(table)


@app.command("show")
def show(
    name: str = typer.Argument(..., help="AREA.KEY, e.g. callcenter.avg_hold_time_max_s"),
    at: str | None = typer.Option(None, "--at", help="Period (year or ISO date); every period if omitted."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """One parameter: its value in each period (or at --at), unit, citations and quotes."""
    area, _, key = name.partition(".")
    if not key:
        raise ParameterError(name, None, "name must be AREA.KEY, e.g. callcenter.avg_hold_time_max_s")
    spec = area_spec(area)
    if at is not None:
        ps = load_params(area, parse_period(area, at))
        values = [ps[key]]
    else:
        values = [load_params(area, pf.period_value)[key] for pf in area_files(area).values() if key in pf.values]
        if not values:
            raise ParameterError(f"{area}/params", key, "no period file defines this parameter")
    src = sources()
    if as_json:
        typer.echo(json.dumps([v.model_dump(mode="json") for v in values], indent=2))
        return
    for v in values:
        cited = sorted({c.source or v.source for c in v.cite})
        status = "; ".join(f"{s}: {src[s].status if s in src else 'unknown source'}" for s in cited)
        console.print(f"[bold]{area}.{key}[/] = [cyan]{escape(str(v.value))}[/] {v.unit}   "
                      f"({spec.period_kind} {v.period}, file {area}/params/{v.file}, source {escape(status)})")
        if v.note:
            console.print(f"  note: {escape(v.note)}")
        for c in v.cite:
            console.print(escape(f"  cite: {c.label()}" + (f'\n        "{c.quote}"' if c.quote else "")))


@app.command("provision")
def provision(
    paragraph: str = typer.Argument(..., help='A CFR paragraph or its start, e.g. "422.629(k)", "§ 423.568(b)", '
                                    '"42 CFR 422.166".'),
    as_json: bool = typer.Option(False, "--json", help="JSON entries instead of a table."),
) -> None:
    """Where a paragraph of the sources stands: implemented (module and scenario), planned (issue) or out of scope (why).

    A paragraph listed only through its parent finds the parent; exit 2 when no source partcd reads has it.
    """
    from partcd.core.provisions import find
    from partcd.platform.params import provisions

    found = find(provisions(), paragraph)
    if not found:
        raise ParameterError("provisions.yaml", paragraph, "no such paragraph in the sources partcd lists "
                             "(CMS-4185-P regulation text, the CAP letter's citations)")
    if as_json:
        typer.echo(json.dumps([p.model_dump(mode="json", exclude_none=True) for p in found], indent=2))
        return
    table = Table(title=f"{len(found)} provision(s) for {escape(paragraph)}")
    for col in ("paragraph", "status", "where", "title"):
        table.add_column(col, overflow="fold")
    for p in found:
        where = {"implemented": f"{p.module}\n{p.scenario}", "planned": f"issue {p.issue} ({p.area})",
                 "out_of_scope": p.reason or ""}[p.status]
        table.add_row(escape(p.paragraph), p.status, escape(where), escape(p.title))
    console.print(table)
