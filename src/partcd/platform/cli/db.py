"""``partcd db``: apply migrations, show the schema revision, read the audit log."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from partcd.platform.cli import PLATFORM_GROUPS, db_engine

app = typer.Typer(help=PLATFORM_GROUPS["db"][1], no_args_is_help=True)
console = Console(highlight=False)


@app.command()
def upgrade(ctx: typer.Context,
            revision: str = typer.Argument("heads", help="Alembic revision to migrate to (default: heads)."),
            as_json: bool = typer.Option(False, "--json", help="Print the database and its revision as JSON.")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from partcd.platform.store.db import current_revision
    from partcd.platform.store.db import upgrade as do_upgrade

    engine = db_engine(ctx, migrate=False)
    do_upgrade(engine, revision)
    where, revision_now = engine.url.render_as_string(hide_password=True), current_revision(engine)
    if as_json:
        typer.echo(json.dumps({"database": where, "revision": revision_now}))
    else:
        console.print(f"database {where} at revision {revision_now}")


@app.command()
def current(ctx: typer.Context,
            as_json: bool = typer.Option(False, "--json", help="Print {\"revision\": ...} (null: an empty database).")) -> None:
    """Print the schema revision of the database."""
    from partcd.platform.store.db import current_revision

    revision = current_revision(db_engine(ctx, migrate=False))
    typer.echo(json.dumps({"revision": revision}) if as_json else revision or "(empty database)")


@app.command()
def audit(
    ctx: typer.Context,
    entity_type: str | None = typer.Option(None, "--type", help="Only events of this entity type (e.g. cap, case)."),
    entity_id: str | None = typer.Option(None, "--id", help="Only events of this entity id."),
    limit: int = typer.Option(50, "--limit", help="Show at most this many events (newest first)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """The audit log, newest first."""
    from partcd.platform.store.audit import recent
    from partcd.platform.store.db import session_scope

    with session_scope(db_engine(ctx, migrate=False), read_only=True) as s:
        events = [{"id": e.id, "at": e.occurred_at.isoformat(), "actor": e.actor, "action": e.action,
                   "entity": f"{e.entity_type}/{e.entity_id}", "before": e.before, "after": e.after}
                  for e in recent(s, entity_type, entity_id, limit)]
    if as_json:
        typer.echo(json.dumps(events, indent=2, default=str))
        return
    table = Table(title="audit log")
    for col in ("id", "at", "actor", "action", "entity"):
        table.add_column(col)
    for e in events:
        table.add_row(str(e["id"]), str(e["at"]), str(e["actor"]), str(e["action"]), str(e["entity"]))
    console.print(table)
