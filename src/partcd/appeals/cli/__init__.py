"""``partcd appeals``: deadlines of the unified grievance and appeal process (42 CFR 422.629-422.634), Part D
coverage determinations and exceptions (42 CFR 423.568-423.572), and D-SNP classification (42 CFR 422.2, 422.561)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from partcd.appeals.area import AREA
from partcd.appeals.cli import cases
from partcd.appeals.rules import (
    TIMEFRAMES,
    AppealsParams,
    Extension,
    Obligation,
    PlanAttributes,
    adverse_determination_windows,
    classify,
    integrated_grievance,
    integrated_organization_determination,
    integrated_reconsideration,
    partd_coverage_determination,
    partd_exception,
    reconsideration_resolution_windows,
)
from partcd.core.errors import ConfigError, InputError
from partcd.core.params import ParamSet
from partcd.platform.cli import options
from partcd.platform.params import load_params

app = typer.Typer(help=AREA.summary, no_args_is_help=True)
console = Console(highlight=False)

TYPES = ("integrated_grievance", "integrated_organization_determination", "integrated_reconsideration",
         "partd_coverage_determination", "partd_exception")

#: Which optional events each request type accepts.
_ACCEPTS: dict[str, set[str]] = {
    "integrated_grievance": {"--expedited", "--extended"},
    "integrated_organization_determination": {"--expedited", "--extended", "--expedite-denied", "--notice-date",
                                              "--notice-sent", "--effective"},
    "integrated_reconsideration": {"--expedited", "--extended", "--expedite-denied", "--affirmed", "--notice-date",
                                   "--notice-sent"},
    "partd_coverage_determination": {"--expedited", "--expedite-denied"},
    "partd_exception": {"--expedited", "--expedite-denied", "--supporting-statement"},
}


def _overrides(items: list[str]) -> dict[str, dt.timedelta]:
    """``--state-override ID=DURATION`` (repeatable): timeframe id -> ISO 8601 duration."""
    out: dict[str, dt.timedelta] = {}
    for item in items:
        tf_id, sep, duration = item.partition("=")
        if not sep or not tf_id.strip():
            raise ConfigError(f"--state-override: expected ID=ISO-8601-duration (e.g. T16=P15D), got {item!r}")
        out[tf_id.strip()] = options.duration("--state-override", duration)
    return out


def _params_for(received: dt.datetime, tz: str | None) -> tuple[ParamSet, str]:
    """The parameters in force on the receipt's local date, and the plan's zone (``--tz`` or the parameter default)."""
    from partcd.appeals.pipelines.cases import params_for

    params = params_for(received, tz)
    return params, tz or params.typed(AppealsParams).plan_time_zone_text


def _sort(obligations: list[Obligation]) -> list[Obligation]:
    order = list(TIMEFRAMES)
    return sorted(obligations, key=lambda o: (o.due.astimezone(dt.UTC), order.index(o.id)))


def obligations_for(
    request_type: str,
    received: str,
    *,
    expedited: bool = False,
    extended: bool = False,
    extension_by: str = "enrollee",
    extension_decided: str | None = None,
    supporting_statement: str | None = None,
    notice_date: str | None = None,
    notice_sent: str | None = None,
    effective: str | None = None,
    affirmed: str | None = None,
    expedite_denied: str | None = None,
    tz: str | None = None,
    state_overrides: list[str] | None = None,
) -> list[Obligation]:
    """Parse the command-line values and run the clocks that apply to ``request_type``."""
    if request_type not in TYPES:
        raise ConfigError(f"--type must be one of {', '.join(TYPES)}; got {request_type!r}")
    given = {"--expedited": expedited, "--extended": extended, "--supporting-statement": supporting_statement,
             "--notice-date": notice_date, "--notice-sent": notice_sent, "--effective": effective,
             "--affirmed": affirmed, "--expedite-denied": expedite_denied}
    wrong = [opt for opt, v in given.items() if v not in (None, False) and opt not in _ACCEPTS[request_type]]
    if wrong:
        raise ConfigError(f"{', '.join(wrong)} does not apply to --type {request_type}")
    if extension_decided is not None and not extended:
        raise ConfigError("--extension-decided needs --extended")
    options.zone("--tz", tz)
    params, zone = _params_for(options.instant("--received", received), tz)
    rec = options.instant("--received", received, zone=zone)
    overrides = _overrides(state_overrides or [])
    extension = None
    if extended:
        if extension_by not in ("enrollee", "provider"):
            raise ConfigError("--extension-by must be enrollee or provider (a plan-initiated extension needs its "
                              "justification: record it in the case)")
        extension = Extension(requested_by="provider" if extension_by == "provider" else "enrollee",
                              decided=options.instant("--extension-decided", extension_decided, zone=zone))
    denied = options.instant("--expedite-denied", expedite_denied, zone=zone)
    common: dict[str, Any] = {"zone": zone}
    if request_type == "integrated_grievance":
        return integrated_grievance(rec, params, expedited=expedited, extension=extension, state_overrides=overrides,
                                    **common)
    if request_type == "integrated_organization_determination":
        out = integrated_organization_determination(rec, params, expedited=expedited, expedite_denied=denied,
                                                    extension=extension, state_overrides=overrides, **common)
        out += adverse_determination_windows(params, notice_date=options.local_date("--notice-date", notice_date, zone),
                                             notice_sent=options.instant("--notice-sent", notice_sent, zone=zone),
                                             effective=options.local_date("--effective", effective, zone),
                                             state_overrides=overrides, **common)
        return _sort(out)
    if request_type == "integrated_reconsideration":
        out = integrated_reconsideration(rec, params, expedited=expedited, expedite_denied=denied, extension=extension,
                                         affirmed=options.instant("--affirmed", affirmed, zone=zone), state_overrides=overrides,
                                         **common)
        out += reconsideration_resolution_windows(params, notice_date=options.local_date("--notice-date", notice_date, zone),
                                                  notice_sent=options.instant("--notice-sent", notice_sent, zone=zone),
                                                  state_overrides=overrides, **common)
        return _sort(out)
    if overrides:
        raise ConfigError("--state-override applies only to the integrated (42 CFR 422.629-422.634) timeframes")
    if request_type == "partd_coverage_determination":
        return partd_coverage_determination(rec, params, expedited=expedited, expedite_denied=denied, **common)
    return partd_exception(rec, params, supporting_statement=options.instant("--supporting-statement", supporting_statement,
                                                                             zone=zone),
                           expedited=expedited, expedite_denied=denied, **common)


def as_record(o: Obligation) -> dict[str, str]:
    """The output contract of ``partcd appeals clock --json`` (issue 5, item 7)."""
    return {"id": o.id, "obligation": o.obligation, "due": o.due.isoformat(), "citation": o.cite}


@app.command("clock")
def clock(
    request_type: str = typer.Option(..., "--type", help=f"One of: {', '.join(TYPES)}."),
    received: str = typer.Option(..., "--received", help="Receipt of the request (ISO 8601; naive = plan's zone)."),
    expedited: bool = typer.Option(False, "--expedited", help="Expedited handling requested (and granted)."),
    extended: bool = typer.Option(False, "--extended", help="The timeframe is extended (full extension)."),
    extension_by: str = typer.Option("enrollee", "--extension-by", help="Who asked for the extension: enrollee or provider."),
    extension_decided: str | None = typer.Option(None, "--extension-decided", help="When the plan decided to extend."),
    supporting_statement: str | None = typer.Option(None, "--supporting-statement",
                                                    help="Receipt of the prescriber's supporting statement (Part D)."),
    notice_date: str | None = typer.Option(None, "--notice-date", help="Date on the adverse / resolution notice."),
    notice_sent: str | None = typer.Option(None, "--notice-sent", help="When the adverse / resolution notice was sent."),
    effective: str | None = typer.Option(None, "--effective", help="Intended effective date of a reduction, "
                                                                   "suspension or termination (date of action)."),
    affirmed: str | None = typer.Option(None, "--affirmed", help="When the plan affirmed its adverse decision (IR)."),
    expedite_denied: str | None = typer.Option(None, "--expedite-denied", help="When the plan denied expedited handling."),
    tz: str | None = typer.Option(None, "--tz", help="The plan's IANA time zone (default: the parameter value)."),
    state_override: list[str] = typer.Option([], "--state-override",
                                             help="More protective State timeframe, ID=ISO duration (e.g. T16=P15D)."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list instead of a table."),
) -> None:
    """The obligations (timeframe ids of the spec) that apply to one request, with their due times and citations."""
    obligations = obligations_for(
        request_type, received, expedited=expedited, extended=extended, extension_by=extension_by,
        extension_decided=extension_decided, supporting_statement=supporting_statement, notice_date=notice_date,
        notice_sent=notice_sent, effective=effective, affirmed=affirmed, expedite_denied=expedite_denied, tz=tz,
        state_overrides=state_override)
    records = [as_record(o) for o in obligations]
    if as_json:
        typer.echo(json.dumps(records, indent=2, ensure_ascii=False))
        return
    table = Table(title=f"{request_type} received {received}")
    for col in ("id", "due", "obligation", "citation"):
        table.add_column(col, overflow="fold")
    for r in records:
        table.add_row(*(escape(r[k]) for k in ("id", "due", "obligation", "citation")))
    console.print(table)


@app.command("classify")
def classify_command(
    file: Path | None = typer.Option(None, "--file", help="JSON object of plan attributes (fields of PlanAttributes)."),
    plan_id: str | None = typer.Option(None, "--plan-id", help="Plan id (contract-PBP)."),
    plan_year: int | None = typer.Option(None, "--plan-year", help="Plan year."),
    holder: str = typer.Option("none", "--medicaid-contract-holder",
                               help="Who holds the capitated Medicaid contract: same_organization, parent_organization, "
                                    "sibling_entity or none."),
    medicaid_plan_type: str = typer.Option("none", "--medicaid-plan-type", help="MCO, PIHP, PAHP or none."),
    benefit: list[str] = typer.Option([], "--benefit", help="Capitated Medicaid benefit (repeat): primary_care, "
                                                             "acute_care, behavioral_health, ltss, nursing_facility."),
    nursing_days: int = typer.Option(0, "--nursing-facility-days", help="Nursing facility days the Medicaid contract covers."),
    aligned_care_management: bool = typer.Option(False, "--aligned-care-management",
                                                 help="The Medicaid plan provides aligned care management."),
    integrated_procedures: bool = typer.Option(False, "--integrated-procedures",
                                               help="The plan uses integrated appeals and grievance procedures."),
    exclusively_aligned: bool = typer.Option(False, "--exclusively-aligned",
                                             help="Only full-benefit duals of the aligned Medicaid plan enroll."),
    admission_term: bool = typer.Option(False, "--admission-notification-term",
                                        help="The State contract has the hospital/SNF admission notification term."),
    other_state: bool = typer.Option(False, "--contract-in-other-state", help="The plan also has a contract in another State."),
    not_dsnp: bool = typer.Option(False, "--no-state-medicaid-contract",
                                  help="The plan has no State Medicaid agency contract (not a D-SNP)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """FIDE / HIDE / coordination-only D-SNP, applicable integrated plan, and the grievance and appeal rules it uses."""
    file = options.existing_file("--file", file)
    source = str(file) if file else "command line"
    if file is not None:
        from partcd.appeals.cli.cases import json_object

        data = json_object(file, "plan attributes")
    else:
        if plan_id is None or plan_year is None:
            raise ConfigError("give --file or at least --plan-id and --plan-year")
        data = {
            "plan_id": plan_id, "plan_year": plan_year, "capitated_medicaid_contract_holder": holder,
            "medicaid_plan_type": medicaid_plan_type, "medicaid_benefits_covered": benefit,
            "nursing_facility_days_covered": nursing_days, "aligned_care_management": aligned_care_management,
            "integrated_procedures_approved_by_cms_and_state": integrated_procedures,
            "exclusively_aligned_enrollment": exclusively_aligned,
            "contract_has_admission_notification_term": admission_term,
            "capitated_contract_in_operating_state": not other_state,
            "state_medicaid_contract_meets_422_107": not not_dsnp,
        }
    try:
        plan = PlanAttributes.model_validate(data)
    except ValidationError as exc:
        raise InputError.from_validation(source, None, exc) from None
    result = classify(plan, load_params("appeals", dt.date(plan.plan_year, 1, 1)))
    if as_json:
        typer.echo(json.dumps(result.model_dump(mode="json"), indent=2))
        return
    aip = "yes" if result.is_applicable_integrated_plan else "no"
    console.print(f"[bold]{escape(plan.plan_id)}[/] {plan.plan_year}: {result.integration_level}, applicable integrated "
                  f"plan: {aip}, process: {result.process}")
    for reason in result.reasons:
        console.print(f"  - {escape(reason)}")
    for rule in result.rules:
        console.print(f"  rule: {escape(rule)}")


cases.register(app)  # partcd appeals case ... | queue | universe | overrides (partcd.appeals.cli.cases)
