"""``partcd claimsdata``: PDP sponsors' Parts A and B claims-data extracts (42 CFR 423.153(g)) - requests and their
life, CMS's release calendar, purpose checks, extracts built from enrollment and claims files, the access log.

The stored commands use the database of ``--db`` (SQLite by default); every access to data is audited. Exit codes:
0 ran; 1 ran and found a refusal or a finding (a forbidden purpose, a release calendar that misses the rule);
2 bad input (one line naming the file, row and field).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
from pathlib import Path

import typer

from partcd.claimsdata.area import AREA
from partcd.platform.cli import EXIT_NONCOMPLIANT, db_engine, output
from partcd.platform.cli import options as opt

app = typer.Typer(help=AREA.summary, no_args_is_help=True)
ACTOR = typer.Option(None, "--actor", help="Who records this (default: the operating-system user).")
AS_OF = typer.Option(None, "--as-of", help="The 'as of' date, YYYY-MM-DD (default: today).")
ON_ALIAS = output.alias("--on", "--as-of")


def _as_of(as_of: str | None, on: str | None) -> dt.date:
    """``--as-of`` (or its former name ``--on``): a date; the machine's date when absent."""
    flag = "--on" if on is not None and as_of is None else "--as-of"
    return opt.today(flag, output.either("--as-of", as_of, "--on", on))


@app.callback()
def _claimsdata() -> None:
    """Parts A and B claims data for PDP sponsors."""


def _actor(value: str | None) -> str:
    return value or getpass.getuser()


def _echo(data: object, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(data, indent=2, default=str))
    elif isinstance(data, dict):
        for key, value in data.items():
            typer.echo(f"{key:<24} {value}")
    else:
        typer.echo(str(data))


@app.command("check-use")
def check_use(
    purpose: str = typer.Option(..., "--purpose", help="e.g. care_coordination, marketing (see `purposes`)"),
    recipient: str = typer.Option("sponsor", "--recipient", help="sponsor | contractor | downstream"),
    bound_by: str | None = typer.Option(None, "--bound-by", help="sponsor | contractor (who bound the recipient)"),
    reading: str | None = typer.Option(None, "--reading", help="final (default) | proposed"),
    as_of: str | None = AS_OF, on: str | None = ON_ALIAS,
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """May the data be used for PURPOSE by RECIPIENT? (§ 423.153(g)(3), (g)(4)); exit 1 when refused."""
    from partcd.claimsdata.pipelines.requests import params_on
    from partcd.claimsdata.rules.uses import UseRequest, decide_use
    from partcd.core.errors import ConfigError

    if reading not in (None, "final", "proposed"):
        raise ConfigError(f"--reading: 'final' or 'proposed', got {reading!r}")
    if recipient not in ("sponsor", "contractor", "downstream") or bound_by not in (None, "sponsor", "contractor",
                                                                                      "downstream"):
        raise ConfigError("--recipient / --bound-by: sponsor, contractor or downstream")
    use = UseRequest(purpose=purpose, recipient=recipient, bound_by=bound_by)  # type: ignore[arg-type]
    decision = decide_use(use, params_on(_as_of(as_of, on)), reading)  # type: ignore[arg-type]
    _echo(decision.model_dump(mode="json"), as_json)
    if not decision.permitted:
        raise typer.Exit(EXIT_NONCOMPLIANT)


@app.command("purposes")
def list_purposes(as_of: str | None = AS_OF, on: str | None = ON_ALIAS,
                  as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """The permitted and forbidden purposes with their paragraphs and citations."""
    from partcd.claimsdata.pipelines.requests import purposes

    data = purposes(_as_of(as_of, on))
    if as_json:
        _echo(data, True)
        return
    for kind in ("permitted", "forbidden"):
        for p in data[kind]:
            typer.echo(f"{kind:<9} {p['id']:<32} § {p['paragraph']:<20} {p['title']}")


@app.command("request")
def create_request(
    ctx: typer.Context,
    file: Path = typer.Option(..., "--file", help="YAML/JSON: sponsor {sponsor_id, name, sponsor_type, contract_ids}, "
                              "submitted_on"),
    actor: str | None = ACTOR,
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Submit a request (refused with the paragraph when the sponsor may not ask)."""
    from partcd.claimsdata.pipelines.requests import create_request as create
    from partcd.platform.params import load_yaml

    opt.existing_file("--file", file)
    view = create(db_engine(ctx), load_yaml(file.read_text(encoding="utf-8"), str(file)), actor=_actor(actor))
    _echo(view.to_dict(), as_json)


@app.command("event")
def event(
    ctx: typer.Context,
    request_id: int = typer.Argument(..., help="The request's id."),
    kind: str = typer.Option(..., "--kind", help="attest | approve | return_incomplete | resubmit | withdraw | "
                             "leave_part_d | deny_further_access"),
    on: str | None = typer.Option(None, "--on", help="Date of the event (default today)."),
    attestation: Path | None = typer.Option(None, "--attestation", help="YAML of the attestation (for attest)."),
    note: str = typer.Option("", "--note", help="Free-text note kept with the event."),
    expected_version: int | None = typer.Option(None, "--expected-version",
                                                help="Version you last read (refused if the request changed since)."),
    version: int | None = output.alias("--version", "--expected-version"),
    actor: str | None = ACTOR,
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Record an event of a request's life."""
    from partcd.claimsdata.pipelines.requests import record_event
    from partcd.platform.params import load_yaml

    opt.existing_file("--attestation", attestation)
    body: dict[str, object] = {"kind": kind, "event_date": opt.today("--on", on).isoformat(), "note": note}
    if attestation is not None:
        body["attestation"] = load_yaml(attestation.read_text(encoding="utf-8"), str(attestation))
    expected = output.either("--expected-version", expected_version, "--version", version)
    view = record_event(db_engine(ctx), request_id, body, actor=_actor(actor), expected_version=expected)
    _echo(view.to_dict(), as_json)


@app.command("show")
def show(ctx: typer.Context, request_id: int = typer.Argument(..., help="The data request's id."),
         as_of: str | None = AS_OF, on: str | None = ON_ALIAS,
         as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """One request with its history and the releases its sponsor receives."""
    from partcd.claimsdata.pipelines.requests import get_request, received

    day = _as_of(as_of, on)
    engine = db_engine(ctx)
    data = {**get_request(engine, request_id, on=day).to_dict(),
            "releases_received": [r.model_dump(mode="json") for r in received(engine, request_id, on=day)]}
    _echo(data, as_json)


@app.command("release")
def release(
    ctx: typer.Context,
    date: str = typer.Option(..., "--date", help="CMS's release date."),
    period_start: str = typer.Option(..., "--period-start", help="First service date the release covers, YYYY-MM-DD."),
    period_end: str = typer.Option(..., "--period-end", help="Last service date the release covers, YYYY-MM-DD."),
    actor: str | None = ACTOR,
    as_json: bool = typer.Option(False, "--json", help="Print the release as JSON."),
) -> None:
    """Record one CMS release (its date and the period of service dates it covers)."""
    from partcd.claimsdata.pipelines.requests import set_release

    r = set_release(db_engine(ctx), {"release_date": opt.date("--date", date), "period_start":
                                     opt.date("--period-start", period_start),
                                     "period_end": opt.date("--period-end", period_end)}, actor=_actor(actor))
    typer.echo(json.dumps(r.model_dump(mode="json")) if as_json else
               f"release {r.release_date} covers {r.period_start} to {r.period_end}")


@app.command("releases")
def releases(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """The release calendar and its findings (exit 1 when there is a finding)."""
    from partcd.claimsdata.pipelines.requests import calendar_findings, list_releases

    engine = db_engine(ctx)
    items, findings = list_releases(engine), calendar_findings(engine)
    if as_json:
        _echo({"releases": [r.model_dump(mode="json") for r in items],
               "findings": [f.model_dump(mode="json") for f in findings]}, True)
    else:
        for r in items:
            typer.echo(f"{r.release_date}  {r.period_start} .. {r.period_end}")
        for f in findings:
            typer.echo(f"finding {f.release_date}: {f.problem} ({f.citation})")
    if findings:
        raise typer.Exit(EXIT_NONCOMPLIANT)


@app.command("extract")
def extract(
    ctx: typer.Context,
    request_id: int = typer.Argument(..., help="The data request's id."),
    release_date: str = typer.Option(..., "--release", help="The release date (one of `releases`)."),
    purpose: str = typer.Option(..., "--purpose", help="The purpose the data are used for (one the request names)."),
    enrollment: Path = typer.Option(..., "--enrollment", help="enrollee_id, contract_id, enrollment_start, enrollment_end"),
    claims: Path = typer.Option(..., "--claims", help="Parts A and B claims (CSV or Parquet)"),
    out: Path = typer.Option(..., "--out", help=output.folder_help("the extract: request-ID/release-DATE.parquet or .csv "
                                                                   "(by --format)")),
    recipient: str = typer.Option("sponsor", "--recipient", help="Who receives the extract: sponsor or a contractor."),
    bound_by: str | None = typer.Option(None, "--bound-by", help="The agreement that binds a contractor recipient."),
    file_format: str = typer.Option("parquet", "--format", help="parquet | csv"),
    on: str | None = typer.Option(None, "--on", help="Date of the access (default today)."),
    actor: str | None = ACTOR,
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Build a release's extract for the request (checked for purpose and eligibility, audited)."""
    from partcd.claimsdata.pipelines.requests import create_extract
    from partcd.platform.cli import state

    opt.existing_file("--enrollment", enrollment)
    opt.existing_file("--claims", claims)
    summary = create_extract(db_engine(ctx), request_id, enrollment=enrollment, claims=claims,
                             release_date=opt.date("--release", release_date),
                             use={"purpose": purpose, "recipient": recipient, "bound_by": bound_by},
                             on=opt.today("--on", on), actor=_actor(actor), role="cli", folder=out,
                             file_format=file_format, tabular_engine=state(ctx).engine)
    _echo(summary, as_json)


@app.command("access-log")
def access_log(ctx: typer.Context,
               request_id: int | None = typer.Option(None, "--request", help="Only accesses for this data request id."),
               limit: int = typer.Option(100, "--limit", min=1, max=5000, help="Show at most this many entries."),
               as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
               ) -> None:
    """Every access to the data, permitted and refused, newest first."""
    from partcd.claimsdata.pipelines.requests import access_log as log

    rows = log(db_engine(ctx), request_id=request_id, limit=limit)
    if as_json:
        _echo(rows, True)
        return
    for a in rows:
        typer.echo(f"{a['occurred_at']}  #{a['request_id']} {a['action']:<6} {a['decision']:<9} {a['purpose']:<28} "
                   f"{a['actor']} ({a['role']})  {a['citation']}")


@app.command("report")
def report(ctx: typer.Context, out: Path = typer.Option(..., "--out", help="Write the HTML report to this file (.html)."),
           as_of: str | None = AS_OF, on: str | None = ON_ALIAS) -> None:
    """An HTML report of the store: requests with their history, the calendar and its findings, the extracts built,
    every access (counts and citations, never identifiers)."""
    from partcd.claimsdata.pipelines import requests as service
    from partcd.claimsdata.report import write_report

    day = _as_of(as_of, on)
    engine = db_engine(ctx)
    write_report(out, title="Parts A and B claims data for PDP sponsors", as_of=day.isoformat(),
                 requests=[v.to_dict() for v in service.list_requests(engine, on=day)], refused_requests=[],
                 releases=[r.model_dump(mode="json") for r in service.list_releases(engine)],
                 findings=[f.model_dump(mode="json") for f in service.calendar_findings(engine)],
                 extracts=service.list_extracts(engine), accesses=list(reversed(service.access_log(engine))),
                 purposes=service.purposes(day))
    typer.echo(f"wrote {out}")


@app.command("window")
def window(quarter: str = typer.Option(..., "--quarter", help="Any day of the quarter, e.g. 2020-01-01."),
           as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """The preamble's timing of a quarter's extract: data complete, shipped by."""
    from partcd.claimsdata.pipelines.requests import params_on
    from partcd.claimsdata.rules.releases import expected_window

    day = opt.date("--quarter", quarter)
    _echo(expected_window(day, params_on(day)).model_dump(mode="json"), as_json)
