"""``partcd appeals case|queue|universe|overrides``: the case store of §§ 422.629(h), 422.630-422.634, 423.568-423.572
from the command line - intake, transitions, a case with its deadlines and timeline, the work queue, the audit
universes and the State-specific timeframes of each contract (§ 422.629(c): ``overrides set|list|end``).

Registered on ``partcd appeals`` by :func:`register` (called from ``partcd.appeals.cli``). The database is the global
``--db`` (or ``PARTCD_DB``); migrations are applied first. Exit codes: 0 done, 1 the universe self-check found late
cases, 2 bad input, a transition the rule refuses or a less protective State override (one line with the citation).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from partcd.core.errors import ConfigError
from partcd.platform.cli import EXIT_NONCOMPLIANT, db_engine, err_console, options, output
from partcd.platform.cli.tables import Col, fitted_table, progress

console = Console(highlight=False)

DEADLINE_COLUMNS = (Col("id", "key"), Col("due", "key"), Col("state", "key"), Col("done", "wrap"), Col("obligation", "wrap"),
                    Col("citation", "secondary"))
QUEUE_COLUMNS = (Col("bucket", "key"), Col("due", "key"), Col("case", "key", "right"), Col("type", "key"),
                 Col("status", "wrap"), Col("next obligation", "wrap"))
OVERRIDE_COLUMNS = (Col("id", "key", "right"), Col("contract", "key"), Col("timeframe", "key"), Col("duration", "key"),
                    Col("State", "key"), Col("from", "key"), Col("to", "key"), Col("version", justify="right"),
                    Col("source", "secondary"))
UNIVERSE_COLUMNS = (Col("table", "key"), *(Col(c, justify="right") for c in ("rows", "timely", "untimely", "timely %")),
                    Col("late obligations", justify="right"))
case_app = typer.Typer(help="Appeal and grievance cases: create, transition, show (42 CFR 422.629-422.634, 423.568-423.572).",
                       no_args_is_help=True)



def _actor(actor: str | None) -> str:
    return actor or os.environ.get("PARTCD_ACTOR") or os.environ.get("USER") or "cli"


def json_object(file: Path, what: str) -> dict[str, Any]:
    """The JSON object in ``--file`` (bounded size and nesting, :func:`partcd.platform.cli.options.json_file`);
    anything else is a ``ConfigError`` naming the file."""
    return dict(options.json_object("--file", file, what))


def _fields(items: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set: expected FIELD=VALUE, got {item!r}")
        text = value.strip()
        out[key.strip()] = {"true": True, "false": False}.get(text.lower(), text)
    return out


def _print_case(view: Any, timeline: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({**view.to_dict(), "timeline": timeline}, indent=2, ensure_ascii=False))
        return
    c = view.case
    console.print(f"[bold]case {view.id}[/] {c.case_type} · {c.status}"
                  f"{' · outcome ' + c.outcome if c.outcome else ''} · version {view.version}")
    cells = []
    for d in view.deadlines:
        o = view.overridden.get(d.id)
        cite = d.cite + (f"; State override {o.iso} ({o.state}: {o.citation})" if o is not None else "")
        cells.append([d.id, d.due.isoformat(), d.state, d.met_at.isoformat() if d.met_at else "", escape(d.description),
                      escape(cite)])
    console.print(fitted_table("deadlines", DEADLINE_COLUMNS, cells, console.width))
    for e in timeline:
        console.print(f"  {e['seq']:>3} {e['at']} {escape(e['kind'])} by {escape(e['actor'])} -> {e['status_after']}")


@case_app.command("create")
def create(
    ctx: typer.Context,
    case_type: str | None = typer.Option(None, "--type", help="partc_organization_determination, partc_reconsideration, "
                                         "partc_grievance, partd_coverage_determination, partd_exception, "
                                         "partd_redetermination, partd_grievance, integrated_grievance, "
                                         "integrated_organization_determination or integrated_reconsideration."),
    received: str | None = typer.Option(None, "--received", help="Receipt (ISO 8601; naive = the plan's zone)."),
    reason: str | None = typer.Option(None, "--reason", help="General description of the reason (422.629(h)(2)(i))."),
    name: str | None = typer.Option(None, "--name", help="Enrollee name (stored, never logged)."),
    mbi: str | None = typer.Option(None, "--mbi", help="Medicare Beneficiary Identifier."),
    contract: str | None = typer.Option(None, "--contract", help="Contract id, e.g. H1234."),
    pbp: str = typer.Option("001", "--pbp", help="Plan benefit package number."),
    channel: str = typer.Option("written", "--channel", help="oral, written or state_forwarded."),
    requester: str = typer.Option("enrollee", "--requester", help="enrollee, representative, provider, assignee, estate."),
    expedite: bool = typer.Option(False, "--expedite", help="Expedited handling requested."),
    jeopardy: bool = typer.Option(False, "--provider-jeopardy", help="A provider indicates the standard time could "
                                                                     "seriously jeopardize the enrollee."),
    subject: str | None = typer.Option(None, "--subject", help="Grievance subject: extension, expedite_refusal, "
                                                               "quality_of_care, other."),
    payment: bool = typer.Option(False, "--payment", help="A request for payment (never expedited)."),
    part_b_drug: bool = typer.Option(False, "--part-b-drug", help="A Part B drug (Part C request)."),
    prior_authorization: bool = typer.Option(False, "--prior-authorization",
                                             help="A service or item subject to prior authorization (§ 422.122)."),
    event_date: str | None = typer.Option(None, "--event-date", help="Standard grievance: date of the event grieved."),
    program: list[str] = typer.Option([], "--program", help="medicare and/or medicaid (default both)."),
    parent: int | None = typer.Option(None, "--parent", help="The adverse IOD case this reconsideration appeals."),
    notice_date: str | None = typer.Option(None, "--notice-date", help="Reconsideration / redetermination: date on the "
                                                                      "notice appealed."),
    notice_sent: str | None = typer.Option(None, "--notice-sent", help="IR: when the adverse notice was sent."),
    effective: str | None = typer.Option(None, "--effective", help="IR: intended effective date of the action."),
    file: Path | None = typer.Option(None, "--file", help="JSON object with the intake fields (overridden by options)."),
    actor: str | None = typer.Option(None, "--actor", help="Who records this (default: $PARTCD_ACTOR or $USER)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Receive a request: stores the case, its first event and the notices it owes; prints its deadlines."""
    from partcd.appeals.pipelines import cases as svc

    data = json_object(options.existing_file("--file", file), "intake fields") if file is not None else {}
    from_options: dict[str, Any] = {
        "case_type": case_type, "received": options.instant("--received", received), "reason": reason,
        "enrollee_name": name, "mbi": mbi, "contract_id": contract, "programs": tuple(program) or None,
        "grievance_subject": subject, "adverse_notice_date": options.date("--notice-date", notice_date),
        "grievance_event_date": options.date("--event-date", event_date),
        "adverse_notice_sent": options.instant("--notice-sent", notice_sent),
        "intended_effective_date": options.date("--effective", effective),
    }
    defaults = {"plan_benefit_package": pbp, "channel": channel, "requester": requester, "expedite_requested": expedite,
                "provider_indicates_jeopardy": jeopardy, "payment_request": payment, "part_b_drug": part_b_drug,
                "prior_authorization": prior_authorization}
    merged = {**defaults, **data, **{k: v for k, v in from_options.items() if v is not None}}
    if parent is None and "received" not in merged:
        raise ConfigError("--received is required")
    if parent is not None:
        merged.setdefault("received", dt.datetime.now(dt.UTC))
        for key in ("case_type", "enrollee_name", "mbi", "contract_id"):
            if key in from_options and from_options[key] is None:
                merged.pop(key, None)
    engine = db_engine(ctx)
    view = svc.create_case(engine, merged, actor=_actor(actor), parent_id=parent)
    _print_case(view, svc.timeline(engine, view.id), as_json)


@case_app.command("transition")
def transition(
    ctx: typer.Context,
    case_id: int = typer.Argument(..., help="Case id."),
    event: str = typer.Option(..., "--event", help="decide, extend, grant_expedite, deny_expedite, resolve, review, "
                                                   "notice_sent, request_continuation, withdraw, forward_to_ire, ..."),
    at: str | None = typer.Option(None, "--at", help="When it happened (ISO 8601; default now)."),
    decision: str | None = typer.Option(None, "--decision", help="favorable, partially_favorable or adverse."),
    notice: str | None = typer.Option(None, "--notice", help="For notice_sent: the notice kind."),
    requested_by: str | None = typer.Option(None, "--requested-by", help="For extend: enrollee, provider or plan."),
    days: int | None = typer.Option(None, "--days", help="For extend: calendar days (default the maximum)."),
    note: str | None = typer.Option(None, "--note", help="Free-text note kept with the event."),
    expected_version: int | None = typer.Option(None, "--expected-version",
                                                help="Version you last read (refused if the case changed since)."),
    version: int | None = output.alias("--version", "--expected-version"),
    fields: list[str] = typer.Option([], "--set", help="Any other event field, FIELD=VALUE (repeat)."),
    actor: str | None = typer.Option(None, "--actor",
                                     help="Who makes the change (recorded in the audit log; default: your user name)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Apply one event; a transition the rule does not allow exits 2 with the citation."""
    from partcd.appeals.pipelines import cases as svc

    ev: dict[str, Any] = {"kind": event, "at": options.instant("--at", at), "decision": decision, "notice": notice,
                          "requested_by": requested_by, "calendar_days": days, "note": note, **_fields(fields)}
    engine = db_engine(ctx)
    expected = output.either("--expected-version", expected_version, "--version", version)
    view = svc.transition(engine, case_id, ev, actor=_actor(actor), expected_version=expected)
    _print_case(view, svc.timeline(engine, case_id), as_json)


@case_app.command("show")
def show(ctx: typer.Context, case_id: int = typer.Argument(..., help="The case's id."),
         as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """The case as of now: state, deadlines (met, late, open, overdue) and timeline."""
    from partcd.appeals.pipelines import cases as svc

    engine = db_engine(ctx)
    _print_case(svc.get_case(engine, case_id), svc.timeline(engine, case_id), as_json)


@case_app.command("notice")
def notice_cmd(ctx: typer.Context, case_id: int = typer.Argument(..., help="The case's id."),
               kind: str = typer.Option(..., "--kind", help="acknowledgement, extension, denial_of_expedite, "
                                                            "adverse_determination, reconsideration_resolution, continuation, "
                                                            "standard_extension, standard_denial_of_expedite, standard_denial, "
                                                            "grievance_resolution."),
               out: Path = typer.Option(..., "--out", help="Write the notice to this file; its extension picks the "
                                                              "format: .html or .pdf (headless Chromium)."),
               language: str = typer.Option("en", "--language", help="A notice language of the contract's letterhead "
                                                                     "(en, es; see partcd appeals letterhead show)."),
               audit_copy: bool = typer.Option(False, "--audit-copy", help="Write the internal audit copy: the letter plus "
                                                                           "the citation of every element and the "
                                                                           "parameters (not for mailing).")) -> None:
    """Render one notice of the case as HTML or PDF: the member's letter (the contract's letterhead, every element the
    rule lists, dated by its event) or, with --audit-copy, the internal copy with citations and parameters."""
    from partcd.appeals.pipelines import cases as svc
    from partcd.appeals.pipelines import notices
    from partcd.appeals.pipelines.letterhead import require_letterhead

    engine = db_engine(ctx)
    view = svc.get_case(engine, case_id)
    if kind not in svc.notice_kinds_for(view.case):
        raise ConfigError(f"case {case_id} has no {kind} notice (state {view.case.status}); it has: "
                          f"{', '.join(svc.notice_kinds_for(view.case)) or 'none'}")
    html = notices.render_notice(view.case, kind, case_id=case_id,  # type: ignore[arg-type]
                                 letterhead=require_letterhead(engine, view.case.contract_id), language=language,
                                 audit_copy=audit_copy, state_overrides=view.state_overrides)
    if out.suffix.lower() == ".pdf":
        notices.write_notice_pdf(html, out)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(html, encoding="utf-8")
    typer.echo(str(out))


def queue_cmd(ctx: typer.Context,
              case_type: str | None = typer.Option(None, "--type", help="Only cases of this type."),
              status: str | None = typer.Option(None, "--status", help="Only cases in this status."),
              bucket: str | None = typer.Option(None, "--bucket", help="overdue, due_24h, due_72h or later."),
              rebuild: bool = typer.Option(False, "--rebuild", help="Recompute the stored queue of every case first "
                                                                    "(after an upgrade from before the queue table)."),
              as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """Open cases by their next due obligation: overdue, due within 24 h, within 72 h, later (no PHI shown)."""
    from partcd.appeals.pipelines import cases as svc

    if rebuild:
        typer.echo(f"queue rebuilt from {svc.rebuild_queue(db_engine(ctx))} stored cases", err=True)
    if bucket is not None and bucket not in svc.BUCKETS:
        raise ConfigError(f"--bucket must be one of {', '.join(svc.BUCKETS)}")
    items = svc.queue(db_engine(ctx), case_type=case_type, status=status, bucket=bucket)  # type: ignore[arg-type]
    if as_json:
        typer.echo(json.dumps([i.to_dict() for i in items], indent=2))
        return
    cells = [[i.bucket, i.next_due.isoformat(), str(i.id), i.case_type,
              i.status + (" (deadline passed: run sweep)" if i.consequence_pending else ""),
              escape(f"{i.obligation_id or ''} {i.obligation or ''}")] for i in items]
    console.print(fitted_table("appeals work queue", QUEUE_COLUMNS, cells, console.width))


def sweep_cmd(ctx: typer.Context,
              as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """Record the consequence of every decision deadline that has passed (deemed adverse / affirmed); run it often."""
    from partcd.appeals.pipelines import cases as svc

    changed = svc.sweep(db_engine(ctx), actor=_actor(None))
    typer.echo(json.dumps({"changed": changed}) if as_json else f"{len(changed)} case(s) changed: "
               + ", ".join(str(c) for c in changed))


def universe_cmd(ctx: typer.Context,
                 out: Path = typer.Option(..., "--out", help="Write the universes to this file; its extension picks the "
                                          "format: .xlsx (one sheet per table plus Self-check) or .csv (one table; for "
                                          "several, <stem>_<TABLE>.csv each and <stem>_self_check.csv)."),
                 excel_csv: bool = typer.Option(False, "--excel-csv", help=output.EXCEL_CSV_HELP),
                 as_json: bool = typer.Option(False, "--json", help="Print the timeliness summary, the late findings and "
                                                                    "the files written as JSON instead of a table."),
                 date_from: str | None = typer.Option(None, "--from", help="First date of determination (ISO date)."),
                 date_to: str | None = typer.Option(None, "--to", help="Last date of determination (ISO date)."),
                 table: list[str] = typer.Option([], "--table", help="OD, RECON, GRV_C, AIP, CD, CDER (default all).")) -> None:
    """Timeliness audit universes in the CMS layout plus the self-check; exit 1 when late cases are found."""
    from partcd.appeals.pipelines import cases as svc
    from partcd.appeals.pipelines import universes as uni

    unknown = [t for t in table if t not in uni.TABLES]
    if unknown:
        raise ConfigError(f"--table {', '.join(unknown)}: tables are {', '.join(uni.TABLES)}")
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise ConfigError(f"--out must end in .csv or .xlsx: {out}")
    if out.is_dir():
        raise ConfigError(f"--out: {out} is a folder; give a file name ending in .xlsx or .csv")
    if excel_csv and out.suffix.lower() != ".csv":
        raise ConfigError(f"--excel-csv: writes CSV; --out {out} is {out.suffix.lower()} (give --out FILE.csv)")
    with progress("appeals universes", console=err_console, quiet=as_json):
        built = uni.build(svc.all_cases(db_engine(ctx)), date_from=options.date("--from", date_from),
                          date_to=options.date("--to", date_to))
        paths = uni.write(built, out, tables=table or None, excel_csv=excel_csv)
    late = any(not table or f.table in table for f in built.findings)
    if as_json:
        typer.echo(json.dumps({"summary": {k: v for k, v in built.summary().items() if not table or k in table},
                               "findings": [f.to_dict() for f in built.findings if not table or f.table in table],
                               "files": [str(p) for p in paths]}, indent=2, default=str))
        if late:
            raise typer.Exit(EXIT_NONCOMPLIANT)
        return
    cells = [[name, *(str(s[k]) if s[k] is not None else "" for k in ("rows", "timely", "untimely", "timely_pct", "findings"))]
             for name, s in built.summary().items() if not table or name in table]
    console.print(fitted_table("universe timeliness", UNIVERSE_COLUMNS, cells, console.width))
    for f in built.findings[:20]:
        console.print(f"  late: {f.table} case {f.case_id} {f.obligation_id} by {f.to_dict()['late_by']} - {escape(f.why)}")
    for p in paths:
        typer.echo(str(p))
    if any(not table or f.table in table for f in built.findings):
        raise typer.Exit(EXIT_NONCOMPLIANT)


overrides_app = typer.Typer(help="State-specific, more protective timeframes per contract (42 CFR 422.629(c)): set, list, "
                                 "end.", no_args_is_help=True)


def _print_overrides(items: list[Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps([o.to_dict() for o in items], indent=2, ensure_ascii=False))
        return
    cells = [[str(o.id), o.contract_id, o.timeframe_id, o.iso, o.state, o.effective_from.isoformat(),
              o.effective_to.isoformat() if o.effective_to else "", str(o.version), escape(o.citation)] for o in items]
    console.print(fitted_table("State overrides (42 CFR 422.629(c))", OVERRIDE_COLUMNS, cells, console.width))


@overrides_app.command("set")
def override_set(
    ctx: typer.Context,
    contract: str = typer.Option(..., "--contract", help="Contract id, e.g. H1234."),
    timeframe: str = typer.Option(..., "--timeframe", help="Timeframe id of the spec's table (T2, T16, ...)."),
    days: int | None = typer.Option(None, "--days", help="The State's limit in calendar days."),
    hours: int | None = typer.Option(None, "--hours", help="The State's limit in hours."),
    state_code: str = typer.Option(..., "--state", help="The State (USPS code, e.g. OH)."),
    citation: str = typer.Option(..., "--citation", help="The legal source: State contract or rule."),
    source_text: str | None = typer.Option(None, "--source-text", help="The quoted text of the source."),
    date_from: str = typer.Option(..., "--from", help="First local receipt date it applies to (ISO date)."),
    date_to: str | None = typer.Option(None, "--to", help="Last local receipt date it applies to (default open)."),
    actor: str | None = typer.Option(None, "--actor", help="Who records this (default: $PARTCD_ACTOR or $USER)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Store a State timeframe for a contract; a less protective one exits 2 with 42 CFR 422.629(c)."""
    from partcd.appeals.pipelines import cases as svc

    if (days is None) == (hours is None):
        raise ConfigError("give exactly one of --days or --hours")
    request: dict[str, Any] = {
        "contract_id": contract, "timeframe_id": timeframe, "duration_value": days if days is not None else hours,
        "duration_unit": "calendar_days" if days is not None else "hours", "state": state_code, "citation": citation,
        "source_text": source_text, "effective_from": options.date("--from", date_from),
        "effective_to": options.date("--to", date_to),
    }
    _print_overrides([svc.set_override(db_engine(ctx), request, actor=_actor(actor))], as_json)


@overrides_app.command("list")
def override_list(
    ctx: typer.Context,
    contract: str | None = typer.Option(None, "--contract", help="Only this contract."),
    on: str | None = typer.Option(None, "--on", help="Only those in force on this local date (ISO date)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """The stored State timeframes."""
    from partcd.appeals.pipelines import cases as svc

    _print_overrides(svc.list_overrides(db_engine(ctx), contract_id=contract, on=options.date("--on", on)), as_json)


@overrides_app.command("end")
def override_end(
    ctx: typer.Context,
    override_id: int = typer.Argument(..., help="Override id (see list)."),
    on: str = typer.Option(..., "--on", help="Last local receipt date it applies to (ISO date)."),
    expected_version: int | None = typer.Option(None, "--expected-version",
                                                help="Version you last read (refused if the override changed since)."),
    version: int | None = output.alias("--version", "--expected-version"),
    actor: str | None = typer.Option(None, "--actor",
                                     help="Who makes the change (recorded in the audit log; default: your user name)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """End an override: later receipts get the federal limit (cases already stored keep theirs)."""
    from partcd.appeals.pipelines import cases as svc

    last = options.date("--on", on)
    assert last is not None
    _print_overrides([svc.end_override(db_engine(ctx), override_id, effective_to=last, actor=_actor(actor),
                                       expected_version=output.either("--expected-version", expected_version,
                                                                      "--version", version))], as_json)


def register(app: typer.Typer) -> None:
    """Add ``case`` (create, transition, show, notice), ``queue``, ``sweep``, ``universe`` and ``overrides`` (set, list,
    end) to ``partcd appeals``."""
    app.add_typer(case_app, name="case")
    app.add_typer(overrides_app, name="overrides")
    app.command("queue")(queue_cmd)
    app.command("sweep")(sweep_cmd)
    app.command("universe")(universe_cmd)
