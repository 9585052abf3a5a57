"""``partcd cap ...`` and ``partcd bcp ...`` (``partcd compliance cap|bcp`` is a hidden alias): corrective action plans
(§ 422.510(c), § 422.502(b)(1)) and business continuity (§ 422.504(o), § 423.505(p)).

Records live in the database of the global ``--db`` option (SQLite by default, migrations applied on use); every
change is audited with ``--actor``. Exit codes: 0 ran and compliant, 1 ran and found non-compliance (a
non-compliant day, a CAP that cannot close yet, a BCP problem), 2 bad input.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console, RenderableType
from rich.markup import escape

from partcd.compliance.area import AREA
from partcd.core.errors import ConfigError
from partcd.platform.cli import EXIT_NONCOMPLIANT, db_engine, options, output, state
from partcd.platform.cli.tables import Col, figure, fitted_table

if TYPE_CHECKING:
    from partcd.compliance.rules.continuity import ContinuityStatus

console = Console(highlight=False, soft_wrap=True)

cap_app = typer.Typer(help=AREA.commands[0].summary, no_args_is_help=True)
bcp_app = typer.Typer(help=AREA.commands[1].summary, no_args_is_help=True)
incident_app = typer.Typer(help="Essential-function incidents: open with the failure time, restore, 72-hour check.",
                           no_args_is_help=True)
bcp_app.add_typer(incident_app, name="incident")

AS_OF_INSTANT_HELP = "Judge as of this time: ISO 8601 with its UTC offset (default: now)."

ACTOR = typer.Option("cli", "--actor", envvar="PARTCD_ACTOR", help="Who makes the change (written to the audit log).")


app = typer.Typer(help=AREA.summary + " The commands are `partcd cap ...` and `partcd bcp ...`.", no_args_is_help=True)
# the canonical commands are `partcd cap|bcp` (area.py); `partcd compliance cap|bcp` stay as hidden aliases
app.add_typer(cap_app, name="cap", hidden=True)
app.add_typer(bcp_app, name="bcp", hidden=True)



def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str))


# --- CAP -----------------------------------------------------------------------------------------------------


@cap_app.command("create")
def cap_create(
    ctx: typer.Context,
    contract: list[str] = typer.Option(..., "--contract", help="Affected contract (repeat for several)."),
    parent: str = typer.Option(..., "--parent", help="Parent organization name."),
    legal_entity: str = typer.Option(..., "--legal-entity", help="Legal entity name."),
    issued_on: str = typer.Option(..., "--issued-on", help="Date of the CAP request (YYYY-MM-DD)."),
    deficiency: str = typer.Option("Failure to Provide Compliant Call Center Services", "--deficiency",
                                   help="The deficiency as the CMS letter names it."),
    authority: list[str] = typer.Option([], "--authority", help="Authority cited (repeat; default: the letter's six)."),
    detection_source: str = typer.Option("beneficiary_complaints", "--detection-source",
                                         help="beneficiary_complaints | monitoring_study | audit | self_disclosure | "
                                              "daily_reports | other"),
    cms_contacted_on: str | None = typer.Option(None, "--cms-contacted-on", help="Date CMS contacted the plan, YYYY-MM-DD."),
    program: str = typer.Option("C&D", "--program", help="C | D | C&D"),
    root_cause: list[str] = typer.Option([], "--root-cause", help="Root cause stated (repeat)."),
    submission_due: str | None = typer.Option(None, "--submission-due",
                                              help="The date the letter sets (default: issued + 30 calendar days, "
                                                   "cap_window_min_calendar_days); a shorter window is kept with a warning."),
    closure_periods: int | None = typer.Option(None, "--closure-periods",
                                               help="Consecutive compliant periods needed to close (default 20)."),
    actor: str = ACTOR,
    as_json: bool = output.JSON_ALWAYS,
) -> None:
    """Record a CAP request (the letter's fields); prints its id and any warnings on the record."""
    from partcd.compliance.pipelines import cap_params, create_cap
    from partcd.compliance.rules.cap import LETTER_AUTHORITIES, Cap, CapSettings, submission_window_warnings

    try:
        cap = Cap.model_validate({
            "contract_ids": tuple(contract), "parent_organization": parent, "legal_entity": legal_entity,
            "issued_on": options.date("--issued-on", issued_on), "deficiency": deficiency,
            "authorities": tuple(authority) or LETTER_AUTHORITIES, "detection_source": detection_source,
            "cms_contacted_on": options.date("--cms-contacted-on", cms_contacted_on or None),
            "self_disclosed": detection_source == "self_disclosure", "program": program, "root_causes": tuple(root_cause),
            "submission_due": options.date("--submission-due", submission_due or None)})
    except ValueError as exc:
        raise ConfigError(_first_error(exc)) from None
    settings = CapSettings(closure_compliant_periods=closure_periods) if closure_periods else CapSettings()
    cap_id = create_cap(db_engine(ctx), cap, actor=actor, settings=settings)
    warnings = submission_window_warnings(cap, cap_params(cap.issued_on)) if cap.submission_due else ()
    typer.echo(json.dumps({"cap_id": cap_id, "warnings": list(warnings)}))


@cap_app.command("show")
def cap_show(ctx: typer.Context, cap_id: int = typer.Argument(..., help="The CAP's id (from `cap list`)."),
             as_of: str | None = typer.Option(None, "--as-of", help="Judge overdue actions and closure as of "
                                              "this day (YYYY-MM-DD; default: today). Use the data's date for history."),
             today: str | None = output.alias("--today", "--as-of"),
             as_json: bool = typer.Option(False, "--json", help="Print the record as JSON.")) -> None:
    """One CAP with actions, monitoring, closure decision, as of a stated day. Exit 1 when actions are overdue."""
    from partcd.compliance.pipelines import get_cap

    detail = get_cap(db_engine(ctx), cap_id, options.today("--as-of", output.either("--as-of", as_of, "--today", today)))
    if as_json:
        _echo_json(detail.model_dump(mode="json"))
    else:
        c = detail.cap
        console.print(f"[bold]CAP {c.cap_id}[/] ({c.status}, version {detail.version}) {', '.join(c.contract_ids)} · "
                      f"{c.legal_entity} · parent {c.parent_organization}")
        console.print(f"issued {c.issued_on} · submission due {c.submission_due} · detected by {c.detection_source} · "
                      f"self-disclosed: {'yes' if c.self_disclosed else 'no'} · program {c.program}")
        console.print(f"as of {detail.today}")
        for w in detail.warnings:
            console.print(f"[yellow]WARNING:[/] {w}")
        console.print(f"deficiency: {c.deficiency}")
        for e in c.required_elements:
            console.print(f"  required: {e.key} - {e.description}")
        for a in detail.actions:
            flag = " [red]OVERDUE[/]" if a.overdue else ""
            console.print(f"  action {a.action_id} [{a.action.required_element or '-'}] {a.action.description} · "
                          f"{a.action.owner} · due {a.action.due_on} · done {a.action.done_on or '-'}{flag}")
        console.print(f"monitoring: {len(detail.monitoring)} periods; closure: "
                      f"{'possible' if detail.closure.closable else 'not yet'} - {'; '.join(detail.closure.reasons)}")
    if any(a.overdue for a in detail.actions):
        raise typer.Exit(EXIT_NONCOMPLIANT)


@cap_app.command("document")
def cap_document(ctx: typer.Context, cap_id: int = typer.Argument(..., help="The CAP's id."),
                 out: Path = typer.Option(..., "--out", help="Output file; its extension picks the format: .pdf "
                                          "(headless Chromium), .docx (Word) or .html."),
                 as_of: str | None = typer.Option(None, "--as-of", help="State action status and the closure run as of "
                                                  "this day (YYYY-MM-DD; default: today). Use the data's date for history."),
                 contact: str | None = typer.Option(None, "--contact", help="The plan's contact for this CAP (name, title, "
                                                    "e-mail, phone) shown on the cover.")) -> None:
    """The corrective action plan document the plan submits: cover data, deficiency and authorities, root causes, each
    required element with its actions, monitoring and closure, and the parent-organization roll-up."""
    from partcd.compliance.pipelines import cap_document as build
    from partcd.compliance.report import write_cap_document

    if contact is not None and len(contact) > 500:
        raise ConfigError("--contact: at most 500 characters")
    doc = build(db_engine(ctx), cap_id, options.today("--as-of", as_of or None), contact=contact)
    path = write_cap_document(doc, out)
    console.print(f"wrote {path} (as of {doc.as_of})")
    for w in doc.detail.warnings:
        console.print(f"[yellow]WARNING:[/] {w}")


@cap_app.command("list")
def cap_list(ctx: typer.Context, status: str | None = typer.Option(None, "--status", help="Only CAPs in this status."),
             contract: str | None = typer.Option(None, "--contract", help="Only CAPs covering this contract (e.g. H1234)."),
             parent: str | None = typer.Option(None, "--parent", help="Only CAPs of this parent organization."),
             as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """CAPs, newest first."""
    from partcd.compliance.pipelines import list_caps

    caps = list_caps(db_engine(ctx), status=status, contract_id=contract, parent_organization=parent)
    if as_json:
        _echo_json([{**c.model_dump(mode="json"), "version": v} for c, v in caps])
        return
    rows = [[str(c.cap_id), ", ".join(c.contract_ids), escape(c.parent_organization), str(c.issued_on), c.status,
             str(c.submission_due or "-"), str(c.closed_on or "-")] for c, _ in caps]
    console.print(fitted_table("corrective action plans", CAP_COLUMNS, rows, console.width))


CAP_COLUMNS = (Col("id", "key", "right"), Col("contracts", "key"), Col("parent", "secondary"), Col("issued", "key"),
               Col("status", "key"), Col("due", "key"), Col("closed", "secondary"))


@cap_app.command("status")
def cap_status(ctx: typer.Context, cap_id: int = typer.Argument(..., help="The CAP's id (from `cap list`)."),
               to: str = typer.Option(..., "--to", help="submitted | accepted | revision_requested | implementing | monitoring"),
               on: str = typer.Option(..., "--on", help="Date of the status change, YYYY-MM-DD."),
               note: str | None = typer.Option(None, "--note", help="Free-text note kept with the event."),
               expected_version: int | None = typer.Option(None, "--expected-version",
                                                           help="Version you last read (refused if the record changed)."),
               actor: str = ACTOR,
               as_json: bool = output.JSON_ALWAYS) -> None:
    """Move the CAP one step in its lifecycle (closing is `cap close`)."""
    from partcd.compliance.pipelines import set_status
    from partcd.compliance.rules.cap import CAP_STATUSES

    if to not in CAP_STATUSES:
        raise ConfigError(f"--to must be one of {', '.join(CAP_STATUSES)}")
    cap = set_status(db_engine(ctx), cap_id, to, options.date("--on", on), actor=actor, expected_version=expected_version,
                     note=note)
    typer.echo(json.dumps({"cap_id": cap_id, "status": cap.status}))


@cap_app.command("add-action")
def cap_add_action(ctx: typer.Context, cap_id: int = typer.Argument(..., help="The CAP's id (from `cap list`)."),
                   description: str = typer.Option(..., "--description", help="What the action does."),
                   owner: str = typer.Option(..., "--owner", help="Who is responsible for the action."),
                   due: str = typer.Option(..., "--due", help="Milestone date, YYYY-MM-DD."),
                   element: str | None = typer.Option(None, "--element", help="Required element: timely_access | bcp_72h"),
                   actor: str = ACTOR,
                   as_json: bool = output.JSON_ALWAYS) -> None:
    """Add a corrective action with its owner and due date."""
    from partcd.compliance.pipelines import add_action
    from partcd.compliance.rules.cap import CapAction

    action_id = add_action(db_engine(ctx), cap_id, CapAction(required_element=element, description=description, owner=owner,
                                                       due_on=options.date("--due", due)), actor=actor)
    typer.echo(json.dumps({"action_id": action_id}))


@cap_app.command("complete-action")
def cap_complete_action(ctx: typer.Context, action_id: int = typer.Argument(..., help="The action's id (from `cap show`)."),
                        on: str = typer.Option(..., "--on", help="Date the action was completed, YYYY-MM-DD."),
                        evidence: list[str] = typer.Option(..., "--evidence", help="Evidence reference (repeat)."),
                        expected_version: int | None = typer.Option(None, "--expected-version",
                                                                    help="Version you last read (refused if changed)."),
                        actor: str = ACTOR,
                        as_json: bool = output.JSON_ALWAYS) -> None:
    """Mark an action done, with its evidence."""
    from partcd.compliance.pipelines import complete_action

    done = complete_action(db_engine(ctx), action_id, options.date("--on", on), evidence, actor=actor,
                           expected_version=expected_version)
    typer.echo(json.dumps({"action_id": action_id, "done_on": str(done.done_on), "evidence": list(done.evidence)}))


@cap_app.command("record-monitoring")
def cap_record_monitoring(ctx: typer.Context, cap_id: int = typer.Argument(..., help="The CAP's id."),
                          calls: Path | None = typer.Option(None, "--calls", help="Call log of the monitoring days (the "
                                                            "call center's findings, by the CAP's monitoring period)."),
                          findings: Path | None = typer.Option(None, "--findings", help="Findings CSV of any area: "
                                                               "contract_id, period_start, compliant[, failed_standards, "
                                                               "metric columns]."),
                          tz: str = typer.Option("America/New_York", "--tz", help="Time zone of the call log's days."),
                          profile: str | None = typer.Option(None, "--profile", help="Mapping profile of the --calls log: "
                                                             "generic, amazon_connect, five9, genesys_cloud, nice_cxone, "
                                                             "or a profile YAML file (default: detected from the header)."),
                          as_of: str | None = typer.Option(None, "--as-of", help="Judge closure as of this day "
                                                           "(YYYY-MM-DD; default: the closure is not judged as of a day)."),
                          today: str | None = output.alias("--today", "--as-of"),
                          actor: str = ACTOR,
                          as_json: bool = output.JSON_ALWAYS) -> None:
    """Monitoring periods of the CAP's contracts from a call log or any area's findings. Exit 1 if any period fails."""
    from partcd.compliance.pipelines import record_monitoring_from_calls, record_monitoring_from_findings

    if (calls is None) == (findings is None):
        raise ConfigError("give exactly one of --calls FILE or --findings FILE")
    if profile is not None and calls is None:
        raise ConfigError("--profile reads a call log: give it with --calls FILE")
    day = options.date("--as-of", output.either("--as-of", as_of, "--today", today) or None)
    if findings is not None:
        res = record_monitoring_from_findings(db_engine(ctx), cap_id, options.existing_file("--findings", findings),
                                              actor=actor, today=day)
    else:
        assert calls is not None
        options.zone("--tz", tz)
        res = record_monitoring_from_calls(db_engine(ctx), cap_id, options.existing_file("--calls", calls), actor=actor,
                                           engine_name=state(ctx).engine, tz=tz, today=day, profile=profile)
    _echo_json(res.model_dump(mode="json"))
    if res.non_compliant_periods:
        raise typer.Exit(EXIT_NONCOMPLIANT)


@cap_app.command("close")
def cap_close(ctx: typer.Context, cap_id: int = typer.Argument(..., help="The CAP's id (from `cap list`)."),
              on: str = typer.Option(..., "--on", help="Date the CAP was closed, YYYY-MM-DD."),
              expected_version: int | None = typer.Option(None, "--expected-version",
                                                          help="Version you last read (refused if the record changed)."),
              actor: str = ACTOR,
              as_json: bool = output.JSON_ALWAYS) -> None:
    """Close the CAP once monitoring shows every affected contract compliant. Exit 1 (nothing changed) if not yet."""
    from partcd.compliance.pipelines import close_cap, get_cap

    engine = db_engine(ctx)
    day = options.date("--on", on)
    decision = get_cap(engine, cap_id, day).closure
    if not decision.closable:
        console.print(f"[red]CAP {cap_id} cannot close yet:[/] {'; '.join(decision.reasons)}")
        raise typer.Exit(EXIT_NONCOMPLIANT)
    cap = close_cap(engine, cap_id, day, actor=actor, expected_version=expected_version)
    typer.echo(json.dumps({"cap_id": cap_id, "status": cap.status, "closed_on": str(cap.closed_on)}))


@cap_app.command("past-performance")
def cap_past_performance(ctx: typer.Context, deadline: str = typer.Option(..., "--deadline", help="Application deadline."),
                         parent: str | None = typer.Option(None, "--parent", help="Only this parent organization."),
                         contract: str | None = typer.Option(None, "--contract",
                                                             help="Only this contract (e.g. H1234)."),
                         as_json: bool = output.JSON_ALWAYS) -> None:
    """Compliance actions in the 12 months before an application deadline (§ 422.502(b)(1)). Exit 1 if flagged."""
    from partcd.compliance.pipelines import past_performance_review

    review = past_performance_review(db_engine(ctx), options.date("--deadline", deadline), parent_organization=parent,
                                     contract_id=contract)
    _echo_json(review.model_dump(mode="json"))
    if review.flagged:
        raise typer.Exit(EXIT_NONCOMPLIANT)


# --- BCP -----------------------------------------------------------------------------------------------------


@bcp_app.command("create-plan")
def bcp_create_plan(
    ctx: typer.Context,
    org: str = typer.Option(..., "--org", help="Organization (parent or legal entity)."),
    label: str = typer.Option(..., "--label", help="Plan version label."),
    approved_on: str = typer.Option(..., "--approved-on", help="Date the plan was approved, YYYY-MM-DD."),
    parts: str = typer.Option("C,D", "--parts", help="C, D or C,D - seeds the regulatory minimum functions."),
    function: list[str] = typer.Option([], "--function", help="Extra function KEY|NAME|PART|RANK|RTO_HOURS (repeat)."),
    activation_event: list[str] = typer.Option([], "--activation-event", help="An event that activates the plan (repeat)."),
    alternate_site: list[str] = typer.Option([], "--alternate-site", help="An alternate site for essential functions (repeat)."),
    actor: str = ACTOR,
    as_json: bool = output.JSON_ALWAYS,
) -> None:
    """A plan version with the regulatory minimum essential functions of its parts (plus extra ones)."""
    from partcd.compliance.pipelines import create_plan
    from partcd.compliance.rules.continuity import EssentialFunction, PlanVersion

    extra = []
    for spec in function:
        bits = spec.split("|")
        if len(bits) != 5:
            raise ConfigError(f"--function {spec!r}: expected KEY|NAME|PART|RANK|RTO_HOURS")
        try:
            extra.append(EssentialFunction(key=bits[0], name=bits[1], part=bits[2], priority_rank=int(bits[3]),
                                           rto_hours=float(bits[4]) if bits[4] else None))
        except ValueError as exc:
            raise ConfigError(f"--function {spec!r}: {_first_error(exc)}") from None
    try:
        plan = PlanVersion.model_validate({
            "organization": org, "version_label": label, "approved_on": options.date("--approved-on", approved_on),
            "parts": tuple(p.strip() for p in parts.split(",") if p.strip()),
            "activation_events": tuple(activation_event), "alternate_sites": tuple(alternate_site)})
    except ValueError as exc:
        raise ConfigError(_first_error(exc)) from None
    plan_id = create_plan(db_engine(ctx), plan, actor=actor, extra_functions=extra)
    typer.echo(json.dumps({"plan_version_id": plan_id}))


@bcp_app.command("add-evidence")
def bcp_add_evidence(ctx: typer.Context, org: str = typer.Option(..., "--org", help="Organization (parent or legal entity)."),
                     kind: str = typer.Option(..., "--kind", help="test | training | revision"),
                     on: str = typer.Option(..., "--on", help="Date of the evidence (test, training, review), YYYY-MM-DD."),
                     description: str = typer.Option(..., "--description", help="What the evidence shows."),
                     record: list[str] = typer.Option([], "--record", help="Record reference (repeat)."),
                     actor: str = ACTOR,
                     as_json: bool = output.JSON_ALWAYS) -> None:
    """Yearly test / training / revision evidence ((o)(1)(iii)-(v))."""
    from partcd.compliance.pipelines import add_evidence
    from partcd.compliance.rules.continuity import Evidence

    try:
        ev = Evidence.model_validate({"kind": kind, "performed_on": options.date("--on", on), "description": description,
                                      "records": tuple(record)})
    except ValueError as exc:
        raise ConfigError(_first_error(exc)) from None
    typer.echo(json.dumps({"evidence_id": add_evidence(db_engine(ctx), org, ev, actor=actor)}))


@incident_app.command("open")
def incident_open(ctx: typer.Context, org: str = typer.Option(..., "--org", help="Organization (parent or legal entity)."),
                  function: str = typer.Option("C.call_center", "--function", help="Essential function key."),
                  failure_start: str = typer.Option(..., "--failure-start", help="When it failed (ISO 8601 + offset)."),
                  detected_at: str | None = typer.Option(None, "--detected-at", help="Default: the failure start."),
                  cause: str = typer.Option("", "--cause", help="What disrupted operations."),
                  activated_bcp: bool = typer.Option(False, "--activated-bcp/--no-activated-bcp",
                                                     help="Whether the business continuity plan was activated."),
                  actor: str = ACTOR,
                  as_json: bool = output.JSON_ALWAYS) -> None:
    """Open an incident: an essential function failed or stopped functioning as usual."""
    from partcd.compliance.pipelines import open_incident
    from partcd.compliance.rules.continuity import Incident

    start = options.instant("--failure-start", failure_start, offset="required")
    detected = options.instant("--detected-at", detected_at, offset="required") if detected_at else start
    try:
        inc = Incident(function_key=function, failure_start=start, detected_at=detected, cause=cause,
                       activated_bcp=activated_bcp)
    except ValueError as exc:
        raise ConfigError(_first_error(exc)) from None
    typer.echo(json.dumps({"incident_id": open_incident(db_engine(ctx), org, inc, actor=actor)}))


@incident_app.command("restore")
def incident_restore(ctx: typer.Context, incident_id: int = typer.Argument(..., help="The incident's id."),
                     restored_at: str = typer.Option(..., "--restored-at",
                                                     help="When essential functions were restored, ISO 8601 with offset."),
                     expected_version: int | None = typer.Option(None, "--expected-version",
                                                                 help="Version you last read (refused if the record changed)."),
                     actor: str = ACTOR,
                     as_json: bool = output.JSON_ALWAYS) -> None:
    """Record the restoration and check it against the 72-hour limit. Exit 1 when the limit was missed."""
    from partcd.compliance.pipelines import restore_incident
    from partcd.compliance.rules.continuity import restoration_check
    from partcd.platform.params import load_params

    when = options.instant("--restored-at", restored_at, offset="required")
    inc = restore_incident(db_engine(ctx), incident_id, when, actor=actor, expected_version=expected_version)
    check = restoration_check(inc, load_params("compliance", inc.failure_start.date()), when)
    _echo_json({"incident_id": incident_id, "hours_to_restore": check.hours_to_restore, "deadline": check.deadline.isoformat(),
                "compliant": check.compliant, "verdict": check.verdict.explain()})
    if check.compliant is False:
        raise typer.Exit(EXIT_NONCOMPLIANT)


@bcp_app.command("check")
def bcp_check(ctx: typer.Context, org: str = typer.Option(..., "--org", help="Organization (parent or legal entity)."),
              as_of: str | None = typer.Option(None, "--as-of", help=AS_OF_INSTANT_HELP),
              now: str | None = output.alias("--now", "--as-of"),
              as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """Minimum functions, yearly test and training, incidents vs 72 h. Exit 1 when anything fails."""
    from partcd.compliance.pipelines import bcp_report_data, bcp_status

    status = bcp_status(db_engine(ctx), org, _as_of_instant(as_of, now))
    if as_json:
        _echo_json(bcp_report_data(status))
    else:
        console.print(f"[bold]{org}[/] plan {status.plan.version_label if status.plan else '-'} as of {status.as_of.isoformat()}")
        for a in status.annual:
            console.print(f"  {a.kind}: last {a.last_on or '-'}, next due {a.next_due}"
                          f"{' [red]OVERDUE[/]' if a.overdue else (' due soon' if a.due_soon else '')}")
        if status.incidents:
            console.print(incidents_table(status, console.width))
        for p in status.problems():
            console.print(f"[red]problem:[/] {p}")
    if not status.compliant:
        raise typer.Exit(EXIT_NONCOMPLIANT)


@bcp_app.command("report")
def bcp_report(ctx: typer.Context, org: str = typer.Option(..., "--org", help="Organization (parent or legal entity)."),
               out: Path = typer.Option(..., "--out", help=output.folder_help("bcp_report.json and bcp_report.html")),
               as_of: str | None = typer.Option(None, "--as-of", help=AS_OF_INSTANT_HELP),
               now: str | None = output.alias("--now", "--as-of")) -> None:
    """The report for CMS on request: bcp_report.json and bcp_report.html. Exit 1 when problems are found."""
    from partcd.compliance.pipelines import bcp_status, write_bcp_report

    status = bcp_status(db_engine(ctx), org, _as_of_instant(as_of, now))
    for p in write_bcp_report(status, out):
        console.print(f"wrote {p}")
    if not status.compliant:
        raise typer.Exit(EXIT_NONCOMPLIANT)


def _as_of_instant(as_of: str | None, now: str | None) -> dt.datetime:
    """``--as-of`` (or its former name ``--now``): an ISO 8601 instant with its offset; the present when absent."""
    flag = "--now" if now is not None and as_of is None else "--as-of"
    value = options.instant(flag, output.either("--as-of", as_of, "--now", now), offset="required")
    return value or dt.datetime.now(dt.UTC)


INCIDENT_COLUMNS = (Col("incident", "key", "right"), Col("deadline", "key"), Col("hours open", justify="right"),
                    Col("hours left", "key", "right"), Col("verdict", "key"), Col("function", "secondary"),
                    Col("failure start", "secondary"), Col("why", "secondary"))


def incidents_table(status: ContinuityStatus, width: int) -> RenderableType:
    """Incidents against the 72-hour clock: an open incident shows the hours left before its deadline (``over by``
    once past it), with the decimals that keep a few minutes left from reading as zero."""
    rows = []
    for i in status.incidents:
        if i.hours_left is None:
            left = "restored"
        elif i.hours_left >= 0:
            left = f"{figure(i.hours_left, 0.0, at_most=False, digits=2)} h"
        else:
            left = f"over by {figure(-i.hours_left, 0.0, at_most=True, digits=2)} h"
        verdict = {True: "[green]met[/]", False: "[red]NOT MET[/]", None: "open"}[i.compliant]
        rows.append([str(i.incident_id or ""), i.deadline.isoformat(sep=" ", timespec="minutes"),
                     figure(i.hours_open, status.restore_limit_h, at_most=True, digits=2), left, verdict,
                     escape(i.function_key), i.failure_start.isoformat(sep=" ", timespec="minutes"),
                     escape(i.verdict.explain())])
    return fitted_table(f"incidents - restoration within {status.restore_limit_h:g} h of the failure", INCIDENT_COLUMNS,
                        rows, width)


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        err = errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ()))
        return f"{where}: {err['msg']}" if where else str(err["msg"])
    return str(exc)
