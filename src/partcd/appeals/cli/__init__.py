"""``partcd appeals``: deadlines of the standard Part C and Part D processes (42 CFR 422 subpart M, 423 subpart M), the
unified grievance and appeal process (42 CFR 422.629-422.634), Part D coverage determinations and exceptions, the
effectuation of reversals, and D-SNP classification (42 CFR 422.2, 422.561). ``clock --cases FILE --out FILE``
computes the decision due time of every case of a file (the vectorised clocks)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from partcd.appeals.area import AREA
from partcd.appeals.cli import cases, letterhead
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
    reversal_effectuation,
    standard,
)
from partcd.core.errors import ConfigError, InputError
from partcd.core.params import ParamSet
from partcd.platform.cli import options, output
from partcd.platform.cli.tables import Col, fitted_table
from partcd.platform.params import load_params

app = typer.Typer(help=AREA.summary, no_args_is_help=True)
console = Console(highlight=False)

CLOCK_COLUMNS = (Col("id", "key"), Col("due", "key"), Col("obligation", "wrap"), Col("citation", "wrap"))

TYPES = ("integrated_grievance", "integrated_organization_determination", "integrated_reconsideration",
         "partd_coverage_determination", "partd_exception", "partc_organization_determination", "partc_reconsideration",
         "partc_grievance", "partd_redetermination", "partd_grievance")

#: Which optional events and facts each request type accepts.
_ACCEPTS: dict[str, set[str]] = {
    "integrated_grievance": {"--expedited", "--extended"},
    "integrated_organization_determination": {"--expedited", "--extended", "--expedite-denied", "--notice-date",
                                              "--notice-sent", "--effective"},
    "integrated_reconsideration": {"--expedited", "--extended", "--expedite-denied", "--affirmed", "--notice-date",
                                   "--notice-sent", "--reversed-by", "--reversal-notice"},
    "partd_coverage_determination": {"--expedited", "--expedite-denied", "--payment", "--oral-notice"},
    "partd_exception": {"--expedited", "--expedite-denied", "--supporting-statement", "--oral-notice"},
    "partc_organization_determination": {"--expedited", "--extended", "--expedite-denied", "--payment",
                                         "--part-b-drug", "--prior-authorization", "--oral-notice"},
    "partc_reconsideration": {"--expedited", "--extended", "--expedite-denied", "--payment", "--part-b-drug",
                              "--affirmed", "--oral-notice", "--notice-date", "--reversed-by", "--reversal-notice"},
    "partc_grievance": {"--expedited", "--extended"},
    "partd_redetermination": {"--expedited", "--expedite-denied", "--payment", "--oral-notice", "--notice-date",
                              "--reversed-by", "--reversal-notice"},
    "partd_grievance": {"--expedited", "--extended"},
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
    payment: bool = False,
    part_b_drug: bool = False,
    prior_authorization: bool = False,
    oral_notice: str | None = None,
    reversed_by: str | None = None,
    reversal_notice: str | None = None,
    tz: str | None = None,
    state_overrides: list[str] | None = None,
) -> list[Obligation]:
    """Parse the command-line values and run the clocks that apply to ``request_type``."""
    if request_type not in TYPES:
        raise ConfigError(f"--type must be one of {', '.join(TYPES)}; got {request_type!r}")
    given = {"--expedited": expedited, "--extended": extended, "--supporting-statement": supporting_statement,
             "--notice-date": notice_date, "--notice-sent": notice_sent, "--effective": effective,
             "--affirmed": affirmed, "--expedite-denied": expedite_denied, "--payment": payment,
             "--part-b-drug": part_b_drug, "--prior-authorization": prior_authorization, "--oral-notice": oral_notice,
             "--reversed-by": reversed_by, "--reversal-notice": reversal_notice}
    wrong = [opt for opt, v in given.items() if v not in (None, False) and opt not in _ACCEPTS[request_type]]
    if wrong:
        raise ConfigError(f"{', '.join(wrong)} does not apply to --type {request_type}")
    if extension_decided is not None and not extended:
        raise ConfigError("--extension-decided needs --extended")
    if (reversed_by is None) != (reversal_notice is None) and reversed_by not in (None, "plan"):
        raise ConfigError("--reversed-by needs --reversal-notice (when the plan received the notice reversing)")
    options.zone("--tz", tz)
    params, zone = _params_for(options.instant("--received", received), tz)
    rec = options.instant("--received", received, zone=zone)
    overrides = _overrides(state_overrides or [])
    extension = None
    if extended:
        if extension_by not in ("enrollee", "representative", "provider", "filing_provider"):
            raise ConfigError("--extension-by must be enrollee, representative, provider or filing_provider (a "
                              "plan-initiated extension needs its justification: record it in the case)")
        extension = Extension(requested_by="provider" if extension_by in ("provider", "filing_provider")
                              else extension_by,  # type: ignore[arg-type]
                              filed_by_requester=extension_by == "filing_provider",
                              decided=options.instant("--extension-decided", extension_decided, zone=zone))
    denied = options.instant("--expedite-denied", expedite_denied, zone=zone)
    oral = options.instant("--oral-notice", oral_notice, zone=zone)
    common: dict[str, Any] = {"zone": zone}
    if overrides and not request_type.startswith("integrated"):
        raise ConfigError("--state-override applies only to the integrated (42 CFR 422.629-422.634) timeframes")
    out = _standard_obligations(request_type, rec, params, zone, expedited=expedited, extension=extension,
                                denied=denied, oral=oral, payment=payment, part_b_drug=part_b_drug,
                                prior_authorization=prior_authorization,
                                supporting_statement=options.instant("--supporting-statement", supporting_statement,
                                                                     zone=zone),
                                affirmed=options.instant("--affirmed", affirmed, zone=zone),
                                notice_date=options.local_date("--notice-date", notice_date, zone))
    if out is None:
        if request_type == "integrated_grievance":
            out = integrated_grievance(rec, params, expedited=expedited, extension=extension, state_overrides=overrides,
                                       **common)
        elif request_type == "integrated_organization_determination":
            out = integrated_organization_determination(rec, params, expedited=expedited, expedite_denied=denied,
                                                        extension=extension, state_overrides=overrides, **common)
            out += adverse_determination_windows(params, notice_date=options.local_date("--notice-date", notice_date, zone),
                                                 notice_sent=options.instant("--notice-sent", notice_sent, zone=zone),
                                                 effective=options.local_date("--effective", effective, zone),
                                                 state_overrides=overrides, **common)
        else:
            out = integrated_reconsideration(rec, params, expedited=expedited, expedite_denied=denied,
                                             extension=extension, affirmed=options.instant("--affirmed", affirmed, zone=zone),
                                             state_overrides=overrides, **common)
            out += reconsideration_resolution_windows(params, notice_date=options.local_date("--notice-date", notice_date,
                                                                                             zone),
                                                      notice_sent=options.instant("--notice-sent", notice_sent, zone=zone),
                                                      state_overrides=overrides, **common)
    if reversed_by is not None:
        out += _effectuation(request_type, rec, params, zone, reversed_by, options.instant("--reversal-notice",
                                                                                          reversal_notice, zone=zone),
                             expedited=expedited, payment=payment, part_b_drug=part_b_drug)
    return _sort(out)


def _standard_obligations(request_type: str, rec: dt.datetime, params: ParamSet, zone: str, *, expedited: bool,
                          extension: Extension | None, denied: dt.datetime | None, oral: dt.datetime | None,
                          payment: bool, part_b_drug: bool, prior_authorization: bool,
                          supporting_statement: dt.datetime | None, affirmed: dt.datetime | None,
                          notice_date: dt.date | None) -> list[Obligation] | None:
    """The clocks of the standard processes and Part D (None: an integrated type); the filing window when the date
    of the notice appealed is given (C12, D5)."""
    if request_type == "partd_coverage_determination":
        return partd_coverage_determination(rec, params, expedited=expedited, expedite_denied=denied, payment=payment,
                                            oral_notice=oral, zone=zone)
    if request_type == "partd_exception":
        return partd_exception(rec, params, supporting_statement=supporting_statement, expedited=expedited,
                               expedite_denied=denied, oral_notice=oral, zone=zone)
    if request_type == "partc_organization_determination":
        return standard.partc_organization_determination(rec, params, expedited=expedited, expedite_denied=denied,
                                                         part_b_drug=part_b_drug, payment=payment,
                                                         prior_authorization=prior_authorization, extension=extension,
                                                         oral_notice=oral, zone=zone)
    if request_type in ("partc_grievance", "partd_grievance"):
        fn = standard.partc_grievance if request_type == "partc_grievance" else standard.partd_grievance
        return fn(rec, params, expedited=expedited, extension=extension, zone=zone)
    out: list[Obligation]
    if request_type == "partc_reconsideration":
        out = standard.partc_reconsideration(rec, params, expedited=expedited, expedite_denied=denied,
                                             part_b_drug=part_b_drug, payment=payment, extension=extension,
                                             affirmed=affirmed, oral_notice=oral, zone=zone)
    elif request_type == "partd_redetermination":
        if extension is not None:
            raise ConfigError("--extended does not apply to --type partd_redetermination (the rule has no extension)")
        out = standard.partd_redetermination(rec, params, expedited=expedited, expedite_denied=denied, payment=payment,
                                             oral_notice=oral, zone=zone)
    else:
        return None
    if notice_date is not None:
        filing = "partc_reconsideration" if request_type == "partc_reconsideration" else "partd_redetermination"
        from partcd.appeals.rules.clocks import _clock, standard_filing_window

        out.append(standard_filing_window(_clock(params, zone, None), filing, notice_date, None, None))
    return out


def _effectuation(request_type: str, rec: dt.datetime, params: ParamSet, zone: str, reversed_by: str,
                  notice: dt.datetime | None, *, expedited: bool, payment: bool, part_b_drug: bool) -> list[Obligation]:
    """E1-E17 / T27: effectuating a reversal (``--reversed-by plan`` runs from the request's receipt)."""
    forums = ("plan", "state_fair_hearing", "independent_review_entity", "administrative_law_judge",
              "medicare_appeals_council")
    if reversed_by not in forums:
        raise ConfigError(f"--reversed-by must be one of {', '.join(forums)}; got {reversed_by!r}")
    by: Any = reversed_by
    if request_type == "integrated_reconsideration":
        if notice is None:
            raise ConfigError("--reversed-by needs --reversal-notice for an integrated reconsideration")
        return reversal_effectuation(notice, params, reversed_by=by, expedited=expedited, payment=payment, zone=zone)
    if request_type == "partc_reconsideration":
        return standard.partc_effectuation(params, by, request_received=rec, notice_received=notice, expedited=expedited,
                                           payment=payment, part_b_drug=part_b_drug, zone=zone)
    return standard.partd_effectuation(params, by, request_received=rec, notice_received=notice, expedited=expedited,
                                       payment=payment, zone=zone)


def as_record(o: Obligation) -> dict[str, str]:
    """The output contract of ``partcd appeals clock --json`` (issue 5, item 7)."""
    return {"id": o.id, "obligation": o.obligation, "due": o.due.isoformat(), "citation": o.cite}


@app.command("clock")
def clock(
    request_type: str | None = typer.Option(None, "--type", help=f"One of: {', '.join(TYPES)}."),
    received: str | None = typer.Option(None, "--received", help="Receipt of the request (ISO 8601; naive = plan's zone)."),
    cases_file: Path | None = typer.Option(None, "--cases", help="Bulk: a case CSV (see the appeals README); writes the "
                                                                 "decision due time of every case to --out."),
    out: Path | None = typer.Option(None, "--out", help="Bulk: " + output.out_help("every case's decision due time")),
    excel_csv: bool = typer.Option(False, "--excel-csv", help=output.EXCEL_CSV_HELP),
    expedited: bool = typer.Option(False, "--expedited", help="Expedited handling requested (and granted)."),
    extended: bool = typer.Option(False, "--extended", help="The timeframe is extended (full extension)."),
    extension_by: str = typer.Option("enrollee", "--extension-by", help="Who asked for the extension: enrollee, "
                                     "representative, provider, or filing_provider (the provider that filed the request)."),
    extension_decided: str | None = typer.Option(None, "--extension-decided", help="When the plan decided to extend."),
    supporting_statement: str | None = typer.Option(None, "--supporting-statement",
                                                    help="Receipt of the prescriber's supporting statement (Part D)."),
    notice_date: str | None = typer.Option(None, "--notice-date", help="Date on the adverse / resolution notice."),
    notice_sent: str | None = typer.Option(None, "--notice-sent", help="When the adverse / resolution notice was sent."),
    effective: str | None = typer.Option(None, "--effective", help="Intended effective date of a reduction, "
                                                                   "suspension or termination (date of action)."),
    affirmed: str | None = typer.Option(None, "--affirmed", help="When the plan affirmed its adverse decision (IR)."),
    expedite_denied: str | None = typer.Option(None, "--expedite-denied", help="When the plan denied expedited handling."),
    payment: bool = typer.Option(False, "--payment", help="A request for payment (never expedited)."),
    part_b_drug: bool = typer.Option(False, "--part-b-drug", help="The request is for a Part B drug (Part C)."),
    prior_authorization: bool = typer.Option(False, "--prior-authorization",
                                             help="A service or item subject to prior authorization (7 days from 2026)."),
    oral_notice: str | None = typer.Option(None, "--oral-notice", help="When the decision was first given orally."),
    reversed_by: str | None = typer.Option(None, "--reversed-by", help="Who reversed: plan, independent_review_entity, "
                                                                     "administrative_law_judge, medicare_appeals_council."),
    reversal_notice: str | None = typer.Option(None, "--reversal-notice", help="When the notice reversing was received."),
    tz: str | None = typer.Option(None, "--tz", help="The plan's IANA time zone (default: the parameter value)."),
    state_override: list[str] = typer.Option([], "--state-override",
                                             help="More protective State timeframe, ID=ISO duration (e.g. T16=P15D)."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list instead of a table."),
) -> None:
    """The obligations (timeframe ids) that apply to one request, with their due times and citations; or, with
    ``--cases FILE --out FILE``, the decision due time of every case of a file (vectorised)."""
    if cases_file is not None or out is not None:
        if cases_file is None or out is None or request_type is not None or received is not None:
            raise ConfigError("the bulk form is --cases FILE --out FILE (with --tz at most)")
        from partcd.appeals.pipelines.bulk import bulk_clocks

        output.check_out(out, excel_csv=excel_csv)
        summary = bulk_clocks(options.existing_file("--cases", cases_file), out, tz=tz, excel_csv=excel_csv)
        typer.echo(json.dumps(summary, indent=2) if as_json else
                   f"{summary['cases']} cases, due times written to {summary['out']} ({summary['seconds']:.2f} s)")
        return
    if request_type is None or received is None:
        raise ConfigError("give --type and --received (or --cases FILE --out FILE)")
    obligations = obligations_for(
        request_type, received, expedited=expedited, extended=extended, extension_by=extension_by,
        extension_decided=extension_decided, supporting_statement=supporting_statement, notice_date=notice_date,
        notice_sent=notice_sent, effective=effective, affirmed=affirmed, expedite_denied=expedite_denied,
        payment=payment, part_b_drug=part_b_drug, prior_authorization=prior_authorization, oral_notice=oral_notice,
        reversed_by=reversed_by, reversal_notice=reversal_notice, tz=tz, state_overrides=state_override)
    records = [as_record(o) for o in obligations]
    if as_json:
        typer.echo(json.dumps(records, indent=2, ensure_ascii=False))
        return
    cells = [[escape(r[k]) for k in ("id", "due", "obligation", "citation")] for r in records]
    console.print(fitted_table(f"{request_type} received {received}", CLOCK_COLUMNS, cells, console.width))


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
letterhead.register(app)  # partcd appeals letterhead set | show | list (partcd.appeals.cli.letterhead)
