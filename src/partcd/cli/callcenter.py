"""``partcd callcenter``: call-log metrics and verdicts, CAPs, continuity, staffing."""

from __future__ import annotations

import importlib
import importlib.util

import typer

app = typer.Typer(help="Call-center compliance (42 CFR 422.111(h)(1), 423.128(d)(1)).", no_args_is_help=True)

# Command groups living in their own modules register themselves here: ``register(app)``.
for _mod in ("callcenter_metrics", "callcenter_staffing", "callcenter_sim", "callcenter_monitoring", "callcenter_cap"):
    if importlib.util.find_spec(f"partcd.cli.{_mod}") is not None:
        importlib.import_module(f"partcd.cli.{_mod}").register(app)
