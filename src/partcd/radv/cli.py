"""``partcd radv``: RADV extrapolation from a sample file, and its audit report (42 CFR 422.310(e), 422.311(a)).

Heavy imports (numpy, scipy) stay inside the command so ``partcd --help`` imports none of them. The command is one
call into :func:`partcd.radv.pipelines.audit_files`; ``--report FILE.html`` writes :mod:`partcd.radv.report`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypeVar

import typer

from partcd.core.errors import ConfigError
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
    report: Path | None = typer.Option(None, "--report", help="Also write the auditor's HTML report to this file."),
    payment_year: int | None = typer.Option(None, "--payment-year",
                                            help="Audited payment year: adds the recovery and that year's law "
                                                 "(radv/params/<year>.yaml) to the report."),
    reading: str = typer.Option("in_force", "--reading", help="in_force (final rule) | proposed_2018 (CMS-4185-P)"),
    recovery_bound: str | None = typer.Option(None, "--recovery-bound",
                                              help="lower_limit | point (default: the payment year's file)"),
    ffs_adjuster_rate: float | None = typer.Option(None, "--ffs-adjuster-rate",
                                                   help="FFS Adjuster comparison: fraction of the contract's payments "
                                                        "(with --contract-payments)."),
    contract_payments: float | None = typer.Option(None, "--contract-payments",
                                                   help="The contract's payments for the year, USD (FFS comparison)."),
) -> None:
    """Point estimate, standard error, limits and precision of the total payment error."""
    from partcd.radv.pipelines import audit_files
    from partcd.radv.rules.estimators import DF_METHODS, SIDEDNESS
    from partcd.radv.rules.parameters import READINGS, RecoveryBound

    chosen_sidedness = _choice("--sidedness", sidedness, SIDEDNESS)
    chosen_df = None if df is None else _choice("--df", df, DF_METHODS)
    chosen_reading = _choice("--reading", reading, READINGS)
    bounds: tuple[RecoveryBound, ...] = ("lower_limit", "point")
    bound = None if recovery_bound is None else _choice("--recovery-bound", recovery_bound, bounds)
    result = audit_files(sample, population=population, strata=strata, confidence=confidence,
                         sidedness=chosen_sidedness, df=chosen_df, payment_year=payment_year, reading=chosen_reading,
                         recovery_bound=bound, ffs_adjuster_rate=ffs_adjuster_rate,
                         contract_payments_usd=contract_payments)
    if report is not None:
        from partcd.radv.report import write_report

        written = write_report(result, report, title=f"RADV extrapolation of {sample.name}")
        typer.echo(f"report written to {written}", err=True)
    out: dict[str, object] = dict(result.estimate.summary())
    steps = [s.text() for s in result.estimate.steps] if explain else []
    if explain:
        out["steps"] = steps
    if as_json:
        typer.echo(json.dumps(out, indent=2))
        return
    for key, value in result.estimate.summary().items():
        typer.echo(f"{key:<18} {'-' if value is None else value}")
    for line in steps:
        typer.echo(f"  {line}")
    if result.recovery is not None:
        typer.echo(f"{'recovery':<18} {result.recovery.recovery} ({result.recovery.decision.reason})")


T = TypeVar("T", bound=str)


def _choice(flag: str, value: str, allowed: tuple[T, ...]) -> T:
    """``value`` if it is one of ``allowed`` (typed as the choice), else a ConfigError naming the flag."""
    for option in allowed:
        if value == option:
            return option
    raise ConfigError(f"{flag}: must be one of {', '.join(allowed)}: {value!r}")
