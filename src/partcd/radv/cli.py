"""``partcd radv``: RADV extrapolation from a sample file (42 CFR 422.310(e), 422.311(a)).

Heavy imports (numpy, scipy) stay inside the command so ``partcd --help`` imports none of them. The command is one
call into :func:`partcd.radv.pipelines.extrapolate_files`.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from partcd.radv.area import AREA

app = typer.Typer(help=AREA.summary, no_args_is_help=True)


@app.callback()
def _radv() -> None:
    """Risk adjustment data validation: extrapolation of sampled payment errors."""


@app.command("extrapolate")
def extrapolate(
    sample: Path = typer.Option(..., "--sample", help="CSV: stratum,payment_error (stratum optional if unrestricted)."),
    population: int | None = typer.Option(None, "--population", help="Frame size N of an unrestricted sample."),
    strata: Path | None = typer.Option(None, "--strata", help="CSV: stratum,population (stratified sample)."),
    confidence: float = typer.Option(0.90, "--confidence", help="Confidence level as a fraction, e.g. 0.90 or 0.99."),
    sidedness: str = typer.Option("two_sided", "--sidedness", help="two_sided | one_sided_lower"),
    df: str | None = typer.Option(None, "--df", help="n_minus_1 | n_minus_L (default) | satterthwaite | normal"),
    explain: bool = typer.Option(False, "--explain", help="Add the step list (formula and numbers of each step)."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of text lines."),
) -> None:
    """Point estimate, standard error, limits and precision of the total payment error."""
    from partcd.radv.pipelines import extrapolate_files

    result = extrapolate_files(sample, population=population, strata=strata, confidence=confidence,
                               sidedness=sidedness, df=df, explain=explain)  # type: ignore[arg-type]
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    for key, value in result.items():
        if key == "steps":
            continue
        typer.echo(f"{key:<18} {'-' if value is None else value}")
    for line in result.get("steps", []):  # type: ignore[attr-defined]
        typer.echo(f"  {line}")
