"""``partcd telehealth``: classify services under 42 CFR 422.135 and work a bid between basic and supplemental
benefits (§§ 422.252, 422.254(b), 422.264(a)).

Exit codes: 0 ran; 1 ran and found a service the plan offers as an additional telehealth benefit that is not one;
2 bad input (one line naming the file, row and field).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from partcd.core.errors import ConfigError
from partcd.platform.cli import EXIT_NONCOMPLIANT
from partcd.platform.cli import options as opt
from partcd.telehealth.area import AREA

app = typer.Typer(help=AREA.summary, no_args_is_help=True)


@app.callback()
def _telehealth() -> None:
    """Additional telehealth benefits: classification and the bid."""


def _reading(value: str | None) -> str | None:
    if value is not None and value not in ("final", "proposed"):
        raise ConfigError(f"--reading: 'final' or 'proposed', got {value!r}")
    return value


@app.command("classify")
def classify(
    services: Path = typer.Option(..., "--services", help="YAML (contract_year, plan_compliance, services) or CSV."),
    plan: Path | None = typer.Option(None, "--plan", help="YAML with plan_compliance (and contract_year for a CSV)."),
    year: int | None = typer.Option(None, "--year", help="Contract year (default: the file's)."),
    reading: str | None = typer.Option(None, "--reading", help="final (default, 84 FR 15829) | proposed (CMS-4185-P)"),
    report: Path | None = typer.Option(None, "--report", help="Also write an HTML report to this file."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of text lines."),
) -> None:
    """Classify each service: additional telehealth benefit, § 1834(m) telehealth, supplemental or in person."""
    from partcd.telehealth.pipelines import load_services, run_classify

    opt.existing_file("--services", services)
    opt.existing_file("--plan", plan)
    contract_year, compliance, items = load_services(services, plan=plan, year=year)
    result = run_classify(contract_year, compliance, items, _reading(reading))  # type: ignore[arg-type]
    if report is not None:
        from partcd.telehealth.report import write_classifications

        write_classifications(result, report, year=contract_year)
    if as_json:
        typer.echo(json.dumps([c.model_dump(mode="json") for c in result], indent=2))
    else:
        for c in result:
            flag = "" if c.consistent_with_offer is not False else f"  [offered as {c.offered_as}: not allowed]"
            typer.echo(f"{c.service_id:<24} {c.category:<30} {c.reason}{flag}")
            typer.echo(f"{'':<24} {c.citation}")
    if any(c.consistent_with_offer is False for c in result):
        raise typer.Exit(EXIT_NONCOMPLIANT)


@app.command("bid")
def bid(
    worksheet: Path | None = typer.Argument(None, help="YAML worksheet or CSV lines (default: the worked example)."),
    assumptions: Path | None = typer.Option(None, "--assumptions", help="YAML with plan, assumptions, "
                                            "plan_compliance for a CSV worksheet (default: the worked example's)."),
    settings: list[str] = typer.Option([], "--set", help="KEY=VALUE, e.g. --set rebate_pct=50 "
                                       "--set plan_compliance.information_available_to_cms=false"),
    report: Path | None = typer.Option(None, "--report", help="Also write the HTML report to this file."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of text lines."),
) -> None:
    """Work the bid line by line, as classified and with telehealth as supplemental benefits, and the difference."""
    from partcd.telehealth.pipelines import load_worksheet, run_bid

    opt.existing_file("WORKSHEET", worksheet)
    opt.existing_file("--assumptions", assumptions)
    sheet = load_worksheet(worksheet, assumptions=assumptions, settings=settings)
    comparison = run_bid(sheet)
    if report is not None:
        from partcd.telehealth.report import write_bid

        write_bid(comparison, report)
    if as_json:
        typer.echo(json.dumps(comparison.model_dump(mode="json"), indent=2))
        return
    typer.echo(f"{comparison.plan_name}, contract year {comparison.contract_year}")
    for k in comparison.as_classified.classifications:
        typer.echo(f"  service {k.service_id}: {k.category_title}")
    typer.echo(f"{'line':<5} {'as classified':>14} {'as suppl.':>11} {'diff':>9}  formula")
    for line, other, diff in zip(comparison.as_classified.lines, comparison.telehealth_as_supplemental.lines,
                                 comparison.differences, strict=True):
        typer.echo(f"{line.id:<5} {line.value_usd:>14.2f} {other.value_usd:>11.2f} {diff.value_usd:>+9.2f}  "
                   f"{line.label}: {line.arithmetic}")
    typer.echo(comparison.summary)


@app.command("example")
def example(
    out: Path = typer.Option(..., "--out", help="Write the worked example to this file (.yaml) to edit."),
) -> None:
    """Write the worked example worksheet (YAML) to change and run with ``partcd telehealth bid FILE``."""
    import yaml

    from partcd.telehealth.samples import example_worksheet

    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(example_worksheet(), sort_keys=False), encoding="utf-8")
    typer.echo(f"wrote {out}")
