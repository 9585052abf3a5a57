"""Top-level commands: ``partcd demo`` and ``partcd serve``."""

from __future__ import annotations

from pathlib import Path

import typer

from partcd.platform.cli import app, state


@app.command()
def demo(
    ctx: typer.Context,
    out: Path = typer.Option(Path("partcd-demo"), "--out",
                             help="Folder to write the demo into: index.html and one folder of reports (.html, .csv, .json) "
                                  "per area."),
    seed: int = typer.Option(2022, "--seed", help="Seed of the synthetic sample data."),
) -> None:
    """Run every area on the embedded synthetic sample data and write an HTML index of reports."""
    from partcd.platform.demo import print_summary, run_demo

    summary = run_demo(out, seed=seed, engine=state(ctx).engine)
    print_summary(summary)


@app.command()
def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
) -> None:
    """Start the HTTP API (OpenAPI at /docs) and the web dashboard."""
    import uvicorn

    from partcd.platform.server import create_app
    from partcd.platform.settings import Settings

    uvicorn.run(create_app(Settings.from_env(db=state(ctx).db)), host=host, port=port)
