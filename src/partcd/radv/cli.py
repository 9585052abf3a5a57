"""``partcd radv``: the contract-level sample, enrollee payment errors and their extrapolation, with its audit report
(42 CFR 422.310(e), 422.311(a)).

The three commands chain: ``sample`` (frame file -> selected enrollees and the strata file) -> medical record review
-> ``payment-error`` (reviewed HCCs + coefficient table -> ``stratum,payment_error`` per enrollee) -> ``extrapolate``
(that file + the strata file -> the nine figures, the recovery and the report). Heavy imports (numpy, scipy) stay
inside the commands so ``partcd --help`` imports none of them. Each command is one call into
:mod:`partcd.radv.pipelines`; ``--report FILE.html`` writes :mod:`partcd.radv.report`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypeVar

import typer

from partcd.core.errors import ConfigError
from partcd.platform.cli import output
from partcd.radv.area import AREA

app = typer.Typer(help=AREA.summary, no_args_is_help=True)


@app.callback()
def _radv() -> None:
    """Risk adjustment data validation: sample selection, enrollee payment errors, extrapolation."""


@app.command("sample")
def sample(
    frame: Path = typer.Option(..., "--frame", help="The contract's enrollment frame, CSV or Parquet: enrollee_id, "
                                                    "risk_score, enrolled_months, part_b_months, payment_hcc_count "
                                                    "(+ esrd_months, hospice_months, contract_id)."),
    seed: int = typer.Option(..., "--seed", min=0, max=2**32 - 1, help="Seed of numpy.random.default_rng: the same "
                                                                       "frame and seed give the same sample."),
    strata: int | None = typer.Option(None, "--strata", help="Number of risk-score strata (default: the payment "
                                                             "year's, 3)."),
    per_stratum: int | None = typer.Option(None, "--n-per-stratum", help="Enrollees drawn per stratum (default: the "
                                                                          "payment year's 201 split equally, 67)."),
    payment_year: int = typer.Option(2018, "--payment-year", help="Audited payment year: eligibility over its data "
                                                                  "collection year and January (radv/params/<year>.yaml)."),
    contract: str | None = typer.Option(None, "--contract", help="The audited contract, when the frame's contract_id "
                                                                 "column names several."),
    out: Path = typer.Option(..., "--out", help=output.out_help("the selected enrollees (stratum, selection_order, "
                                                                "enrollee_id, contract_id, risk_score)")),
    strata_out: Path | None = typer.Option(None, "--strata-out", help=output.out_help(
        "the strata (stratum, population - the --strata file of extrapolate - allocation, risk-score bounds)")),
    excel_csv: bool = typer.Option(False, "--excel-csv", help=output.EXCEL_CSV_HELP),
    as_json: bool = typer.Option(False, "--json", help="JSON (counts, strata, selection, steps) instead of text."),
) -> None:
    """Contract-level RADV sample: eligible enrollees, risk-score strata, a seeded draw per stratum."""
    from partcd.radv.pipelines import select_frame_file

    output.check_out(out, excel_csv=excel_csv)
    output.check_out(strata_out, "--strata-out")
    strata_bom = excel_csv and strata_out is not None and strata_out.suffix.lower() == ".csv"
    found = select_frame_file(frame, payment_year, seed, strata=strata, per_stratum=per_stratum, contract=contract)
    output.write_table(found.selected_rows(), out, excel_csv=excel_csv, sheet="selection",
                       columns=["stratum", "selection_order", "enrollee_id", "contract_id", "risk_score"])
    if strata_out is not None:
        output.write_table(found.strata_rows(), strata_out, flag="--strata-out", sheet="strata", excel_csv=strata_bom)
    if as_json:
        typer.echo(json.dumps(found.body(), indent=2))
        return
    sel, design = found.selection, found.design
    typer.echo(f"payment year {sel.payment_year} (data collection year {sel.data_collection_year}), seed {found.seed}"
               + (f", contract {found.contract_id}" if found.contract_id else ""))
    typer.echo(f"frame {sel.frame_count:,} enrollees, eligible {sel.eligible_count:,}; excluded: "
               + ", ".join(f"{k} {v:,}" for k, v in sel.excluded_by_criterion.items()))
    typer.echo(f"design {design.strata_count} strata x {design.per_stratum} = {design.sample_size}"
               + (" (custom: differs from the payment year's design)" if design.custom else ""))
    typer.echo(f"{'stratum':<8} {'risk score from':>15} {'to':>10} {'N_h':>9} {'n_h':>5}")
    for s in sel.strata:
        typer.echo(f"{s.stratum:<8} {s.min_risk_score:>15.3f} {s.max_risk_score:>10.3f} {s.population:>9,} "
                   f"{s.sampled:>5}" + ("  census" if s.census else ""))
    typer.echo(f"{sel.sample_size} enrollees selected -> {out}" + (f"; strata -> {strata_out}" if strata_out else ""))


@app.command("payment-error")
def payment_error(
    enrollees: Path = typer.Option(..., "--enrollees", help="Reviewed enrollees, CSV or Parquet: enrollee_id, stratum, "
                                                            "demographic_score, hcc_submitted, hcc_validated, months, "
                                                            "monthly_base_rate_usd (or monthly_base_rates_usd)."),
    coefficients: Path = typer.Option(..., "--coefficients", help="The payment year's HCC coefficient table, CSV or "
                                                                  "Parquet: hcc, coefficient (+ drops, interaction_of)."),
    payment_year: int = typer.Option(2018, "--payment-year", help="Audited payment year (its offset and netting "
                                                                  "choices: radv/params/<year>.yaml)."),
    normalization_factor: float = typer.Option(1.0, "--normalization-factor", help="The payment year's normalization "
                                                                                   "factor (Rate Announcement)."),
    coding_intensity: float = typer.Option(0.0, "--coding-intensity", help="The payment year's MA coding-intensity "
                                                                           "adjustment as a fraction (e.g. 0.059)."),
    out: Path = typer.Option(..., "--out", help=output.out_help("one row per enrollee (enrollee_id, stratum, "
                                                                "payment_error, scores, factors, months)")),
    excel_csv: bool = typer.Option(False, "--excel-csv", help=output.EXCEL_CSV_HELP),
    explain: bool = typer.Option(False, "--explain", help="Add each enrollee's steps (formula and numbers)."),
    as_json: bool = typer.Option(False, "--json", help="JSON (settings, totals, enrollees) instead of text."),
) -> None:
    """Each sampled enrollee's payment error from submitted vs. validated HCCs; the --out CSV is extrapolate's --sample."""
    from partcd.radv.pipelines import payment_errors_files

    output.check_out(out, excel_csv=excel_csv)
    found = payment_errors_files(enrollees, coefficients, payment_year, normalization_factor=normalization_factor,
                                 coding_intensity_adjustment=coding_intensity)
    output.write_table(found.rows(), out, excel_csv=excel_csv, sheet="payment_errors")
    if as_json:
        typer.echo(json.dumps(found.body(explain), indent=2))
        return
    typer.echo(f"payment year {found.payment_year}; model {found.model.name}: normalization "
               f"{found.model.normalization_factor:g}, coding intensity {found.model.coding_intensity_adjustment:g}; "
               f"offset {found.params.offset_additional_hccs_text}")
    typer.echo(f"{'stratum':<10} {'n':>5} {'payment error':>15}")
    for label, (n, total) in found.by_stratum().items():
        typer.echo(f"{label or '-':<10} {n:>5} {total:>15,.2f}")
    typer.echo(f"{len(found.found)} enrollees, total {found.total:,.2f} USD -> {out}")
    if explain:
        for r, e in found.found:
            typer.echo(f"{r.enrollee.enrollee_id}:")
            for step in e.steps:
                typer.echo(f"  {step.text()}")


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
