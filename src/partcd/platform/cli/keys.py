"""``partcd keys``: API keys with roles (the key is shown once; only its hash is stored)."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from partcd.platform.cli import PLATFORM_GROUPS, db_engine

app = typer.Typer(help=PLATFORM_GROUPS["keys"][1], no_args_is_help=True)
console = Console(highlight=False)


@app.command()
def create(ctx: typer.Context, name: str = typer.Option(..., "--name", help="Name of the key's holder (unique)."),
           role: str = typer.Option(..., "--role", help="Role of the key: viewer, analyst or admin."),
           as_json: bool = typer.Option(False, "--json", help="Print the name, role and key as JSON.")) -> None:
    """Create a key and print it (store it now: it cannot be shown again)."""
    from partcd.platform.auth import create_key

    key = create_key(db_engine(ctx), name, role)
    typer.echo(json.dumps({"name": name, "role": role, "key": key}) if as_json else key)


@app.command("list")
def list_keys(ctx: typer.Context,
              as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """Keys by name, role and prefix (never the key)."""
    from partcd.platform.auth import list_keys as do_list

    if as_json:
        typer.echo(json.dumps([{"name": k.name, "role": k.role, "prefix": k.prefix, "created_at": k.created_at.isoformat(),
                                "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None}
                               for k in do_list(db_engine(ctx))], indent=2))
        return
    table = Table(title="API keys")
    for col in ("name", "role", "prefix", "created", "revoked"):
        table.add_column(col)
    for k in do_list(db_engine(ctx)):
        table.add_row(k.name, k.role, k.prefix + "...", k.created_at.isoformat(timespec="seconds"),
                      k.revoked_at.isoformat(timespec="seconds") if k.revoked_at else "")
    console.print(table)


@app.command()
def revoke(ctx: typer.Context, name: str = typer.Argument(..., help="Name of the key to revoke."),
           as_json: bool = typer.Option(False, "--json", help="Print {\"revoked\": NAME} as JSON.")) -> None:
    """Revoke a key (audited)."""
    from partcd.platform.auth import revoke_key

    revoke_key(db_engine(ctx), name)
    typer.echo(json.dumps({"revoked": name}) if as_json else f"revoked {name}")
