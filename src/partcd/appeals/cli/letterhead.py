"""``partcd appeals letterhead set|show|list``: the letterhead and notice languages of each contract (what a member
letter shows at its head: plan name, address, phone, TTY, hours and their time zone, in English and in each other
notice language of the contract: ``--hours-in es=...``).

The command line works on the database directly (``--db`` / ``PARTCD_DB``), like ``partcd keys``: it is the
administrator's tool; over HTTP only the ``admin`` role may change a letterhead. Every change is audited;
``--expected-version``
refuses the change when someone else changed the letterhead since (exit 2).
"""

from __future__ import annotations

import json
import os
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from partcd.core.errors import ConfigError
from partcd.platform.cli import db_engine, output

console = Console(highlight=False)
letterhead_app = typer.Typer(help="The letterhead and notice languages of each contract (member notices): set, show, "
                                  "list.", no_args_is_help=True)


def _print(items: list[Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps([h.to_dict() for h in items], indent=2, ensure_ascii=False))
        return
    table = Table(title="notice letterheads")
    for col in ("contract", "plan", "address", "phone", "TTY", "hours", "time zone", "languages", "version", "by"):
        table.add_column(col, overflow="fold")
    for h in items:
        hours = "; ".join([h.hours, *(f"{k}: {v}" for k, v in h.hours_translations.items())])
        table.add_row(h.contract_id, escape(h.plan_name), escape(h.address.replace("\n", " / ")), h.phone, h.tty,
                      escape(hours), h.time_zone, ", ".join(h.languages), str(h.version), escape(h.updated_by))
    console.print(table)


@letterhead_app.command("set")
def letterhead_set(
    ctx: typer.Context,
    contract: str = typer.Option(..., "--contract", help="Contract id, e.g. H1234."),
    plan_name: str | None = typer.Option(None, "--plan-name", help="The plan's name as the member knows it."),
    address: str | None = typer.Option(None, "--address", help="Mailing address; separate lines with '\\n' or ' / '."),
    phone: str | None = typer.Option(None, "--phone", help="Member services phone number."),
    tty: str | None = typer.Option(None, "--tty", help="TTY number (e.g. 711)."),
    hours: str | None = typer.Option(None, "--hours", help="Hours, e.g. '8 a.m. to 8 p.m., 7 days a week'."),
    time_zone: str | None = typer.Option(None, "--time-zone", help="IANA zone of the hours, e.g. America/New_York."),
    language: list[str] = typer.Option([], "--language", help="A notice language besides English (repeat: --language "
                                                              "es --language zh); replaces the stored list when given."),
    hours_in: list[str] = typer.Option([], "--hours-in", help="The hours as a letter in another language writes them: "
                                                              "'es=de 8 a.m. a 8 p.m., los 7 días de la semana' (repeat "
                                                              "per language; added to the stored ones)."),
    expected_version: int | None = typer.Option(None, "--expected-version",
                                                help="Version you last read (refused if the letterhead changed since)."),
    version: int | None = output.alias("--version", "--expected-version"),
    actor: str | None = typer.Option(None, "--actor", help="Who makes the change (audit log; default $PARTCD_ACTOR or "
                                                           "$USER)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Create or change a contract's letterhead; a new one needs every field, a change only the fields it changes."""
    from partcd.appeals.pipelines import letterhead as svc

    engine = db_engine(ctx)
    key = contract.strip().upper()
    stored = svc.get_letterhead(engine, key)
    given: dict[str, Any] = {"plan_name": plan_name, "address": address.replace(" / ", "\n").replace("\\n", "\n")
                             if address is not None else None, "phone": phone, "tty": tty, "hours": hours,
                             "time_zone": time_zone, "languages": ["en", *language] if language else None,
                             "hours_translations": None}
    translations = dict(stored.hours_translations) if stored is not None else {}
    for item in hours_in:
        code, sep, text = item.partition("=")
        if not sep or not code.strip() or not text.strip():
            raise ConfigError(f"--hours-in: expected LANGUAGE=HOURS: {item[:60]!r}")
        translations[code.strip()] = text.strip()
    if hours_in:
        given["hours_translations"] = translations
    if stored is None:
        missing = [f"--{k.replace('_', '-')}" for k, v in given.items()
                   if v is None and k not in ("languages", "hours_translations")]
        if missing:
            raise ConfigError(f"contract {key} has no letterhead yet: give {', '.join(missing)}")
        request = {k: v for k, v in given.items() if v is not None}
    else:
        request = {**stored.model_dump(include=set(given)), **{k: v for k, v in given.items() if v is not None}}
        request["languages"] = list(request["languages"])
        if language and not hours_in:  # a language dropped from the list takes its hours with it
            request["hours_translations"] = {k: v for k, v in request["hours_translations"].items() if k in language}
    actor_name = actor or os.environ.get("PARTCD_ACTOR") or os.environ.get("USER") or "cli"
    _print([svc.set_letterhead(engine, {**request, "contract_id": key}, actor=actor_name,
                              expected_version=output.either("--expected-version", expected_version, "--version", version))],
           as_json)


@letterhead_app.command("show")
def letterhead_show(
    ctx: typer.Context,
    contract: str = typer.Option(..., "--contract", help="Contract id, e.g. H1234."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """One contract's letterhead (exit 2 naming the command that sets it when there is none)."""
    from partcd.appeals.pipelines import letterhead as svc

    _print([svc.require_letterhead(db_engine(ctx), contract.strip().upper())], as_json)


@letterhead_app.command("list")
def letterhead_list(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Every stored letterhead."""
    from partcd.appeals.pipelines import letterhead as svc

    _print(svc.list_letterheads(db_engine(ctx)), as_json)


def register(app: typer.Typer) -> None:
    """Add ``letterhead`` (set, show, list) to ``partcd appeals``."""
    app.add_typer(letterhead_app, name="letterhead")
