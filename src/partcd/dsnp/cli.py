"""``partcd dsnp ...``: D-SNP integration from the command line (§§ 422.2, 422.107, 422.562(a)(5), 422.752(d)).

Records live in the database of the global ``--db`` option (SQLite by default, migrations applied on use); every
change is audited with ``--actor``. Exit codes: 0 ran and compliant, 1 ran and found non-compliance (a missing
contract term, no integration criterion met, a mandatory sanction, a difference with CMS's list, a late or missing
admission notice, an assistance record that is not compliant), 2 bad input (one line naming file, row and field).
No command prints PHI except ``admissions show`` and ``assistance show --phi``.
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

from partcd.core.errors import ConfigError, InputError
from partcd.dsnp.area import AREA
from partcd.platform.cli import EXIT_NONCOMPLIANT, db_engine, options, output
from partcd.platform.cli.tables import Col, fitted_table

console = Console(highlight=False, soft_wrap=True)

CONTRACT_COLUMNS = (Col("id", "key", "right"), Col("plan", "key"), Col("state", "key"), Col("period", "key"),
                    Col("notice window", "wrap"), Col("version", justify="right"), Col("State contract", "secondary"))
TERM_COLUMNS = (Col("term", "key"), Col("paragraph", "wrap"), Col("applies", "key"), Col("state", "key"),
                Col("evidence", "wrap"))
TIMELINESS_COLUMNS = (Col("plan", "key"), Col("state", "key"), Col("month", "key"),
                      *(Col(c, justify="right") for c in ("owed", "on time", "late", "overdue", "open", "on time %")),
                      Col("window", "secondary"))
ASSISTANCE_COLUMNS = (Col("case", "key"), Col("plan", "key"), Col("need found", "key"), Col("offered", "key"),
                      Col("help given", "key"), Col("status", "key"), Col("response", "secondary"), Col("findings", "wrap"))
app = typer.Typer(help=AREA.summary, no_args_is_help=True)
contract_app = typer.Typer(help="Plan x State Medicaid agency contracts (§ 422.107) and their term evidence.",
                           no_args_is_help=True)
cms_app = typer.Typer(help="CMS's yearly list of integrated D-SNPs: import, reconcile with partcd.", no_args_is_help=True)
admissions_app = typer.Typer(help="Hospital and SNF admissions and the notices to the State (§ 422.107(d)).",
                             no_args_is_help=True)
assistance_app = typer.Typer(help="§ 422.562(a)(5) Medicaid-assistance records, one per case.", no_args_is_help=True)
app.add_typer(contract_app, name="contract")
app.add_typer(cms_app, name="cms-list")
app.add_typer(admissions_app, name="admissions")
app.add_typer(assistance_app, name="assistance")

ACTOR = typer.Option(None, "--actor", help="Who makes the change (audit log; default $PARTCD_ACTOR or $USER).")
AS_JSON = typer.Option(False, "--json", help="Print JSON.")
AS_OF_NOW = typer.Option(None, "--as-of", help="The 'as of' time, ISO 8601 with offset (default: now).")
NOW = output.alias("--now", "--as-of")
AS_OF_TODAY = typer.Option(None, "--as-of", help="The 'as of' date, YYYY-MM-DD (default: today).")
TODAY = output.alias("--today", "--as-of")


def _actor(actor: str | None) -> str:
    return actor or os.environ.get("PARTCD_ACTOR") or os.environ.get("USER") or "cli"


def _json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))


def _object(file: Path) -> dict[str, Any]:
    path = options.existing_file("--file", file)
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(str(file), None, None, f"invalid JSON: {exc.msg} (line {exc.lineno})") from None
    if not isinstance(loaded, dict):
        raise InputError(str(file), None, None, "expected a JSON object")
    return loaded


def _now(as_of: str | None, now: str | None) -> dt.datetime:
    """``--as-of`` (or its former name ``--now``): an ISO 8601 instant with its offset; the present when absent."""
    flag = "--now" if now is not None and as_of is None else "--as-of"
    value = options.instant(flag, output.either("--as-of", as_of, "--now", now), offset="required")
    return value or dt.datetime.now(dt.UTC)


def _today(as_of: str | None, today: str | None) -> dt.date:
    """``--as-of`` (or its former name ``--today``): a date; the machine's date when absent."""
    flag = "--today" if today is not None and as_of is None else "--as-of"
    return options.today(flag, output.either("--as-of", as_of, "--today", today))


def _sets(items: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set: expected FIELD=VALUE, got {item!r}")
        text = value.strip()
        try:
            out[key.strip()] = json.loads(text)
        except json.JSONDecodeError:
            out[key.strip()] = text
    return out


# --- contracts -----------------------------------------------------------------------------------------------------


@contract_app.command("add")
def contract_add(ctx: typer.Context, file: Path = typer.Option(..., "--file", help="The contract as a JSON object."),
                 actor: str | None = ACTOR,
                 as_json: bool = output.JSON_ALWAYS) -> None:
    """Record a plan x State contract (fields: see ``partcd.dsnp.pipelines.ContractIn``); prints its id."""
    from partcd.dsnp.pipelines import create_contract

    view = create_contract(db_engine(ctx), _object(file), actor=_actor(actor))
    _json({"contract_row_id": view.id, "version": view.version})


@contract_app.command("list")
def contract_list(ctx: typer.Context, year: int | None = typer.Option(None, "--year", help="Only this plan year."),
                  state: str | None = typer.Option(None, "--state", help="Only this State (two-letter code)."),
                  as_json: bool = AS_JSON) -> None:
    from partcd.dsnp.pipelines import list_contracts

    rows = list_contracts(db_engine(ctx), year=year, state=state)
    if as_json:
        _json([c.model_dump(mode="json") for c in rows])
        return
    cells = [[str(c.id), c.plan_id, c.state, f"{c.period_start} - {c.period_end}", c.window.label() if c.window else "-",
              str(c.version), escape(c.state_contract_reference)] for c in rows]
    console.print(fitted_table("State Medicaid agency contracts", CONTRACT_COLUMNS, cells, console.width))


@contract_app.command("update")
def contract_update(ctx: typer.Context,
                    contract_row_id: int = typer.Argument(...,
                                                          help="The D-SNP contract record's id (from `dsnp contract list`)."),
                    set_: list[str] = typer.Option(..., "--set", help="FIELD=VALUE (JSON values accepted); repeat."),
                    expected_version: int | None = typer.Option(None, "--expected-version",
                                                                help="Version you last read (refused if the record changed)."),
                    reason: str | None = typer.Option(None, "--reason", help="Why the record changes (kept in the audit log)."),
                    actor: str | None = ACTOR,
                    as_json: bool = output.JSON_ALWAYS) -> None:
    from partcd.dsnp.pipelines import update_contract

    view = update_contract(db_engine(ctx), contract_row_id, _sets(set_), actor=_actor(actor),
                           expected_version=expected_version, reason=reason)
    _json({"contract_row_id": view.id, "version": view.version})


@contract_app.command("evidence")
def contract_evidence(ctx: typer.Context,
                      contract_row_id: int = typer.Argument(...,
                                                            help="The D-SNP contract record's id (from `dsnp contract list`)."),
                      term: str = typer.Option(..., "--term", help="Term id, e.g. d_admission_notification."),
                      document: str = typer.Option(..., "--document", help="The document that shows the element."),
                      location: str = typer.Option("", "--location", help="Where in the document (page, section)."),
                      excerpt: str | None = typer.Option(None, "--excerpt", help="The words that show the element."),
                      actor: str | None = ACTOR,
                      as_json: bool = output.JSON_ALWAYS) -> None:
    """Record where a § 422.107 term stands in the State contract."""
    from partcd.dsnp.pipelines import add_evidence

    view = add_evidence(db_engine(ctx), contract_row_id, {"term_id": term, "document": document, "location": location,
                                                          "excerpt": excerpt}, actor=_actor(actor))
    _json({"evidence_id": view.id})


@contract_app.command("status")
def contract_status(ctx: typer.Context,
                    contract_row_id: int = typer.Argument(...,
                                                          help="The D-SNP contract record's id (from `dsnp contract list`)."),
                    year: int = typer.Option(..., "--year", help="Plan year."),
                    reading: str = typer.Option("final", "--reading", help="final | proposed (§ 422.752(d) sanctions)"),
                    as_json: bool = AS_JSON) -> None:
    """Checklist, classification, minimum-integration test and § 422.752(d); exit 1 when something is missing or failed."""
    from partcd.dsnp.pipelines import plan_year_status

    if reading not in ("final", "proposed"):
        raise ConfigError(f"--reading: final or proposed, got {reading!r}")
    s = plan_year_status(db_engine(ctx), contract_row_id, year, reading=reading)  # type: ignore[arg-type]
    if as_json:
        _json(s.model_dump(mode="json"))
    else:
        console.print(f"[bold]{s.contract.plan_id} {s.contract.state}[/] plan year {year}: "
                      f"{s.classification['integration_level']}"
                      f"{' (applicable integrated plan)' if s.classification['is_applicable_integrated_plan'] else ''}")
        cells = [[t.term_id, t.paragraph, "yes" if t.applies else "no", t.state,
                  escape("; ".join(f"{e.document} {e.location}".strip() for e in t.evidence))] for t in s.checklist.terms]
        console.print(fitted_table("§ 422.107 contract terms", TERM_COLUMNS, cells, console.width))
        console.print(f"minimum integration: {'met' if s.integration.meets else 'NOT met'} - {escape(s.integration.reason)}")
        console.print(f"§ 422.752(d): {escape(s.sanction.consequence)}")
    if not s.checklist.complete or not s.integration.meets or s.sanction.sanction_mandatory:
        raise typer.Exit(EXIT_NONCOMPLIANT)


@app.command("sanction")
def sanction(year: int = typer.Option(..., "--year", help="Plan year."),
             integration_met: bool = typer.Option(..., "--integration-met/--integration-not-met",
                                                  help="Whether the plan met the minimum integration criteria."),
             reading: str = typer.Option("final", "--reading", help="Which reading of § 422.752(d): final or proposed."),
             as_json: bool = output.JSON_ALWAYS) -> None:
    """The § 422.752(d) determination for a plan year (pure rule, no database); exit 1 when a sanction is mandatory."""
    from partcd.dsnp.pipelines import params_for_year
    from partcd.dsnp.rules.integration import enrollment_sanction

    if reading not in ("final", "proposed"):
        raise ConfigError(f"--reading: final or proposed, got {reading!r}")
    result = enrollment_sanction(year, integration_met, params_for_year(year), reading=reading)  # type: ignore[arg-type]
    _json(result.model_dump(mode="json"))
    if result.sanction_mandatory:
        raise typer.Exit(EXIT_NONCOMPLIANT)


# --- CMS's list --------------------------------------------------------------------------------------------------


@cms_app.command("import")
def cms_import(ctx: typer.Context, file: Path = typer.Argument(..., help="CMS's list (CSV)."),
               year: int = typer.Option(..., "--year", help="Plan year."), actor: str | None = ACTOR,
               as_json: bool = output.JSON_ALWAYS) -> None:
    """Replace the year's stored list (every row checked first; one bad row refuses the file)."""
    from partcd.dsnp.pipelines import import_cms_list

    path = options.existing_file("FILE", file)
    _json(import_cms_list(db_engine(ctx), path, year, actor=_actor(actor)).model_dump(mode="json"))


@cms_app.command("reconcile")
def cms_reconcile(ctx: typer.Context, year: int = typer.Option(..., "--year", help="Plan year."),
                  as_json: bool = AS_JSON) -> None:
    """CMS's list against partcd's classification; exit 1 when they differ."""
    from partcd.dsnp.pipelines import reconcile_year

    rec = reconcile_year(db_engine(ctx), year)
    if as_json:
        _json(rec.model_dump(mode="json"))
    else:
        console.print(f"CMS {year}: {rec.cms_rows} rows; partcd: {rec.partcd_plans} D-SNPs; {rec.matched} matched, "
                      f"{rec.agree} agree")
        for d in rec.differences:
            console.print(f"[bold]{d.key}[/] {d.kind}: CMS {d.cms or '-'} / partcd {d.partcd or '-'}")
            for r in d.reasons:
                console.print(f"    {escape(r)}")
    if rec.differences:
        raise typer.Exit(EXIT_NONCOMPLIANT)


# --- admissions --------------------------------------------------------------------------------------------------


@admissions_app.command("import")
def admissions_import(ctx: typer.Context,
                      contract_row_id: int = typer.Argument(..., help="The D-SNP contract record the admissions belong to."),
                      file: Path = typer.Argument(..., help="Admissions feed (CSV)."),
                      as_of: str | None = AS_OF_NOW, now: str | None = NOW,
                      actor: str | None = ACTOR,
                      as_json: bool = output.JSON_ALWAYS) -> None:
    from partcd.dsnp.pipelines import import_admissions

    path = options.existing_file("FILE", file)
    views = import_admissions(db_engine(ctx), contract_row_id, path, actor=_actor(actor), now=_now(as_of, now))
    _json({"admissions": len(views), "owed": sum(1 for v in views if v.notice.required)})


@admissions_app.command("notice")
def admissions_notice(ctx: typer.Context, admission_id: int = typer.Argument(..., help="The admission's id."),
                      at: str = typer.Option(..., "--at", help="When the notice was sent (ISO 8601 with offset)."),
                      to: str = typer.Option(..., "--to", help="The State agency or designee notified."),
                      method: str | None = typer.Option(None, "--method",
                                                        help="How the notice was sent (e.g. fax, portal, email)."),
                      by: str | None = typer.Option(None, "--by", help="Who sent the notice."),
                      expected_version: int | None = typer.Option(None, "--expected-version",
                                                                  help="Version you last read (refused if the record changed)."),
                      as_of: str | None = AS_OF_NOW, now: str | None = NOW,
                      actor: str | None = ACTOR,
                      as_json: bool = output.JSON_ALWAYS) -> None:
    from partcd.dsnp.pipelines import record_notice

    view = record_notice(db_engine(ctx), admission_id, {
        "notified_at": options.instant("--at", at, offset="required"), "notified_to": to, "notice_method": method,
        "notified_by": by, "expected_version": expected_version}, actor=_actor(actor), now=_now(as_of, now))
    _json({"admission_id": view.id, "state": view.notice.state, "due": view.notice.due})


@admissions_app.command("show")
def admissions_show(ctx: typer.Context, admission_id: int = typer.Argument(..., help="The admission's id."),
                    as_of: str | None = AS_OF_NOW, now: str | None = NOW,
                    as_json: bool = output.JSON_ALWAYS) -> None:
    """One admission with the enrollee's MBI (PHI: printed only here)."""
    from partcd.dsnp.pipelines import admission_detail

    view, mbi = admission_detail(db_engine(ctx), admission_id, _now(as_of, now))
    _json({**view.model_dump(mode="json"), "mbi": mbi})


@app.command("timeliness")
def timeliness(ctx: typer.Context,
               contract_row_id: int | None = typer.Option(None, "--contract", help="Only this D-SNP contract record id."),
               date_from: str | None = typer.Option(None, "--from", help="First admission date, YYYY-MM-DD."),
               date_to: str | None = typer.Option(None, "--to", help="Last admission date, YYYY-MM-DD."),
               as_of: str | None = AS_OF_NOW, now: str | None = NOW,
               as_json: bool = AS_JSON) -> None:
    """On-time admission notices per contract and month; exit 1 when one is late or overdue."""
    from partcd.dsnp.pipelines import timeliness_report

    rows = timeliness_report(db_engine(ctx), now=_now(as_of, now), contract_row_id=contract_row_id,
                             date_from=options.date("--from", date_from), date_to=options.date("--to", date_to))
    if as_json:
        _json([r.model_dump(mode="json") for r in rows])
    else:
        cells = [[r.plan, r.state, r.month, str(r.summary.required), str(r.summary.on_time), str(r.summary.late),
                  str(r.summary.overdue), str(r.summary.open),
                  "-" if r.summary.on_time_pct is None else f"{r.summary.on_time_pct:.1f}", r.window] for r in rows]
        console.print(fitted_table("admission notices to the State (42 CFR 422.107(d))", TIMELINESS_COLUMNS, cells,
                                   console.width))
    if any(not r.summary.compliant for r in rows):
        raise typer.Exit(EXIT_NONCOMPLIANT)


# --- assistance --------------------------------------------------------------------------------------------------


@assistance_app.command("add")
def assistance_add(ctx: typer.Context, file: Path = typer.Option(..., "--file", help="The record as a JSON object."),
                   as_of: str | None = AS_OF_TODAY, today: str | None = TODAY,
                   actor: str | None = ACTOR,
                   as_json: bool = output.JSON_ALWAYS) -> None:
    from partcd.dsnp.pipelines import record_assistance

    view = record_assistance(db_engine(ctx), _object(file), actor=_actor(actor), today=_today(as_of, today))
    _json({"case_id": view.case_id, "version": view.version, "status": view.check.status})


@assistance_app.command("update")
def assistance_update(ctx: typer.Context, case_id: str = typer.Argument(..., help="The case's id."),
                      set_: list[str] = typer.Option(..., "--set", help="FIELD=VALUE; repeat."),
                      expected_version: int | None = typer.Option(None, "--expected-version",
                                                                  help="Version you last read (refused if the record changed)."),
                      as_of: str | None = AS_OF_TODAY, today: str | None = TODAY,
                      actor: str | None = ACTOR,
                      as_json: bool = output.JSON_ALWAYS) -> None:
    from partcd.dsnp.pipelines import update_assistance

    view = update_assistance(db_engine(ctx), case_id, _sets(set_), actor=_actor(actor), expected_version=expected_version,
                             today=_today(as_of, today))
    _json({"case_id": view.case_id, "version": view.version, "status": view.check.status})


@assistance_app.command("list")
def assistance_list(ctx: typer.Context,
                    contract: str | None = typer.Option(None, "--contract", help="Only this contract (e.g. H1234)."),
                    status: str | None = typer.Option(None, "--status", help="Only cases in this status."),
                    as_of: str | None = AS_OF_TODAY, today: str | None = TODAY,
                    as_json: bool = AS_JSON) -> None:
    """The records for CMS (§ 422.562(a)(5)(iv)), no PHI; exit 1 when one is non-compliant."""
    from partcd.dsnp.pipelines import list_assistance

    rows = list_assistance(db_engine(ctx), today=_today(as_of, today), contract_id=contract, status=status)
    if as_json:
        _json([r.model_dump(mode="json") for r in rows])
    else:
        cells = [[escape(r.case_id), f"{r.contract_id}-{r.plan_benefit_package}", str(r.need_identified_on),
                  str(r.offered_on or "-"), str(r.provided_on or "-"), r.check.status, r.response,
                  escape("; ".join(f.text for f in r.check.findings))] for r in rows]
        console.print(fitted_table("Medicaid assistance (42 CFR 422.562(a)(5))", ASSISTANCE_COLUMNS, cells, console.width))
    if any(r.check.status == "non_compliant" for r in rows):
        raise typer.Exit(EXIT_NONCOMPLIANT)


@assistance_app.command("show")
def assistance_show(ctx: typer.Context, case_id: str = typer.Argument(..., help="The case's id."),
                    as_of: str | None = AS_OF_TODAY, today: str | None = TODAY,
                    phi: bool = typer.Option(False, "--phi", help="Also print the MBI, the need and the notes."),
                    as_json: bool = output.JSON_ALWAYS) -> None:
    from partcd.dsnp.pipelines import assistance_phi, get_assistance

    engine = db_engine(ctx)
    data = get_assistance(engine, case_id, _today(as_of, today)).model_dump(mode="json")
    _json({**data, **assistance_phi(engine, case_id)} if phi else data)
