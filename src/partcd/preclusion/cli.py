"""``partcd preclusion ...``: batch screening, one party's dates, beneficiary notices, the stored list and the
provider-notification efforts log (42 CFR 422.222, 423.120(c)(6)).

Heavy modules (ibis, duckdb, pyarrow, sqlalchemy) are imported inside the commands, so ``--help`` stays instant.

Exit codes: 0 the command ran (``screen``: whatever it decided; a denial is the screening doing its job, not a
failure), 1 it ran and found non-compliance (``notices``: a notice overdue or sent after its due date; ``screen
--fail-on-deny``: at least one claim denied, rejected or a PDE forbidden, for a pipeline that must stop there),
2 bad input (one line naming the file, row and field).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from partcd.core.errors import ConfigError
from partcd.platform.cli import EXIT_NONCOMPLIANT, db_engine, err_console, options, output, state
from partcd.platform.cli.tables import Col, fitted_table, progress
from partcd.preclusion.area import AREA

console = Console(highlight=False, soft_wrap=True)

#: Headers of the terminal tables (the files and --json keep the column names: on_list_for_service_date, ...).
SCREEN_COLUMNS = (Col("claim_id", "key"), Col("decision", "key"), Col("on list", "key"), Col("in window", "key"),
                  Col("reason", "wrap"), Col("citation", "secondary"))
NOTICE_COLUMNS = (Col("beneficiary", "key"), Col("npi", "key"), Col("due by", "key"), Col("sent", "key"),
                  Col("status", "key"), Col("first denial", "key"), Col("party", "secondary"), Col("program", "secondary"),
                  Col("window start", "secondary"))
app = typer.Typer(help=AREA.summary, no_args_is_help=True)

ACTOR = typer.Option("cli", "--actor", envvar="PARTCD_ACTOR", help="Who makes the change (written to the audit log).")
VARIANT = typer.Option(None, "--variant", help="A named reading of the law instead of the law in force, e.g. "
                                               "proposal-4185-p (params/variants/).")
#: the rows of one Excel worksheet below its header row
EXCEL_MAX_ROWS = 1_048_575
#: rows the text output of ``screen`` shows before pointing at --out
SHOWN_ROWS = 50


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str))


def _engine(ctx: typer.Context, engine: str | None) -> str:
    from partcd.platform.frames import engine_name

    return engine_name(engine or state(ctx).engine)


@app.command("screen")
def screen(
    ctx: typer.Context,
    list_file: Path = typer.Option(..., "--list", help="Preclusion list (CSV or Parquet): npi, party_name, basis, "
                                                       "effective_date, list_posting_date[, end and OIG dates]."),
    claims: Path = typer.Option(..., "--claims", help="Claim lines (CSV or Parquet); unknown extra columns are ignored."),
    engine: str | None = typer.Option(None, "--engine", help="duckdb (default) | spark (same as the global --engine)."),
    as_json: bool = typer.Option(False, "--json", help="JSON on stdout: the per-claim records, or with --out the summary."),
    out: Path | None = typer.Option(None, "--out", help=output.out_help("the per-claim decisions") + " A .xlsx file "
                                    "holds at most 1,048,575 claim lines; .csv and .parquet stream any number."),
    excel_csv: bool = typer.Option(False, "--excel-csv", help=output.EXCEL_CSV_HELP),
    variant: str | None = VARIANT,
    fail_on_deny: bool = typer.Option(False, "--fail-on-deny", help="Exit 1 when any claim is denied, rejected or a "
                                                                    "PDE forbidden."),
) -> None:
    """Decide every claim line against the list: claim_id, decision, on_list_for_service_date, in_no_denial_window,
    reason, citation (42 CFR 422.222(a)(1), 423.120(c)(6)).

    Without --out the decisions go to stdout (a table of the first rows, or all of them as JSON with --json); with
    --out they go to the file and stdout gets the counts by decision and by decision-table row.
    """
    from partcd.preclusion import pipelines

    list_file = options.existing_file("--list", list_file)
    claims = options.existing_file("--claims", claims)
    output.check_out(out, excel_csv=excel_csv)
    if variant is not None and variant not in pipelines.variant_names():
        raise ConfigError(f"--variant: no such variant: {variant!r} (known: {', '.join(pipelines.variant_names())})")
    excel_rows = out is not None and (out.suffix.lower() == ".xlsx" or excel_csv)
    with progress("preclusion screen", console=err_console, quiet=as_json or out is None):
        result = pipelines.screen(list_file, claims, engine=_engine(ctx, engine), variant=variant)
        if out is not None and excel_rows:  # Excel: the rows through Arrow (Excel's sheet has a row limit)
            n_claims = pipelines.counts_of(result)["claims"]
            if out.suffix.lower() == ".xlsx" and n_claims > EXCEL_MAX_ROWS:
                raise ConfigError(f"--out: {n_claims} claim lines do not fit an Excel sheet "
                                  f"({EXCEL_MAX_ROWS} rows); give --out FILE.csv or FILE.parquet")
            output.write_table(result.to_pyarrow(), out, excel_csv=excel_csv, sheet="decisions")
        elif out is not None:
            pipelines.write_decisions(result, out)
    if out is not None:
        counts = pipelines.counts_of(result) if excel_rows else pipelines.decision_counts(out)
        if as_json:
            _echo_json({"out": str(out), **counts})
        else:
            _print_counts(counts, f"{counts['claims']} claim lines screened -> {out}")
    elif as_json:
        counts = _stream_json(result, pipelines.DENIALS)
    else:
        counts = pipelines.counts_of(result)
        cells = [[escape(str(r["claim_id"])), f"[red]{r['decision']}[/]" if r["decision"] in pipelines.DENIALS
                  else r["decision"], _yes(r["on_list_for_service_date"]), _yes(r["in_no_denial_window"]),
                  escape(r["reason"]), escape(r["citation"])] for r in result.limit(SHOWN_ROWS).to_pyarrow().to_pylist()]
        console.print(fitted_table(f"preclusion screening ({counts['claims']} claim lines)", SCREEN_COLUMNS, cells,
                                   console.width))
        if counts["claims"] > SHOWN_ROWS:
            console.print(f"... {counts['claims'] - SHOWN_ROWS} more; --out FILE writes every decision")
        _print_counts(counts, "")
    if fail_on_deny and counts["denied"]:
        raise typer.Exit(EXIT_NONCOMPLIANT)


def _yes(value: bool | None) -> str:
    return "yes" if value else "no"


def _stream_json(result: Any, denials: frozenset[str]) -> dict[str, Any]:
    """The per-claim records as one JSON array on stdout, batch by batch (memory stays flat); returns the counts."""
    from partcd.preclusion.pipelines import record_batches

    out = sys.stdout
    out.write("[")
    first, claims, denied = True, 0, 0
    for batch in record_batches(result):
        for record in batch.to_pylist():
            out.write(("\n" if first else ",\n") + json.dumps(record))
            first = False
            claims += 1
            denied += record["decision"] in denials
    out.write("\n]\n")
    out.flush()
    return {"claims": claims, "denied": denied}


def _print_counts(counts: dict[str, Any], title: str) -> None:
    if title:
        console.print(title)
    console.print("by decision: " + ", ".join(f"{k} {v}" for k, v in counts["by_decision"].items()))
    console.print("by rule:     " + ", ".join(f"{k} {v}" for k, v in counts["by_rule"].items()))


@app.command("party")
def party(
    ctx: typer.Context,
    list_file: Path = typer.Option(..., "--list", help="Preclusion list (CSV or Parquet)."),
    npi: str = typer.Option(..., "--npi", help="The party's 10-digit NPI."),
    as_of: str | None = typer.Option(None, "--as-of", help="Date the dates are read for (default: today); its "
                                                           "parameter file applies."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of text lines."),
    variant: str | None = VARIANT,
) -> None:
    """One party's derived dates: effective_date, preclusion_period_end (the first day off the list; null while
    open-ended), notice_due_by, first permitted denial, the rule that ended the period and its citation."""
    from partcd.preclusion import pipelines
    from partcd.preclusion.rules.models import NPI_FORMAT

    if not NPI_FORMAT.fullmatch(npi):
        raise ConfigError(f"--npi: an NPI is 10 digits: {npi!r}")
    list_file = options.existing_file("--list", list_file)
    day = options.today("--as-of", as_of)
    result = pipelines.party(list_file, npi, day, variant=variant, engine=_engine(ctx, None))
    if as_json:
        _echo_json(result)
        return
    for key, value in result.items():
        typer.echo(f"{key:<24} {'-' if value is None or value == [] else value}")


@app.command("notices")
def notices(
    ctx: typer.Context,
    list_file: Path = typer.Option(..., "--list", help="Preclusion list (CSV or Parquet)."),
    claims: Path = typer.Option(..., "--claims", help="Claims / service history (CSV or Parquet) with beneficiary_id, "
                                                      "npi, program, service_date (extra columns ignored)."),
    posting_date: str = typer.Option(..., "--posting-date", help="The posting of the updated list (YYYY-MM-DD)."),
    as_of: str | None = typer.Option(None, "--as-of", help="Judge due vs overdue on this day (default: today)."),
    sent: Path | None = typer.Option(None, "--sent", help="Notices already sent: beneficiary_id, npi, sent_date."),
    out: Path | None = typer.Option(None, "--out", help=output.out_help("the notices")),
    excel_csv: bool = typer.Option(False, "--excel-csv", help=output.EXCEL_CSV_HELP),
    as_json: bool = typer.Option(False, "--json", help="JSON on stdout (the notices and the parties to tell)."),
    variant: str | None = VARIANT,
) -> None:
    """Beneficiaries to notify about the parties a posting adds: notice due (posting + 30 days) and the no-denial
    window per beneficiary x party [window_start, first_permitted_denial) (42 CFR 422.222(a)(1)(ii),
    423.120(c)(6)(iv)). Exit 1 when a notice is overdue or was sent after its due date."""
    from partcd.preclusion import pipelines

    list_file = options.existing_file("--list", list_file)
    claims = options.existing_file("--claims", claims)
    output.check_out(out, excel_csv=excel_csv)
    posted = options.date("--posting-date", posting_date)
    day = options.today("--as-of", as_of)
    engine = _engine(ctx, None)
    already = pipelines.read_sent(options.existing_file("--sent", sent), engine) if sent is not None else []
    run = pipelines.notices(list_file, claims, posted, day, sent=already, variant=variant, engine=engine)
    records = pipelines.notice_records(run)
    if out is not None:
        _write_notices(records, out, excel_csv)
    late = [r for r in records if r["status"] in {"overdue", "sent_late"}]
    if as_json:
        _echo_json({"posting_date": posted.isoformat(), "as_of": day.isoformat(),
                    "lookback_start": run.lookback_start.isoformat(), "notices": records,
                    "party_notifications": [p.model_dump(mode="json") for p in run.party_notifications]})
    else:
        cells = [[escape(r["beneficiary_id"]), r["npi"], r["notice_due_by"], r["notice_sent_date"] or "-",
                  f"[red]{r['status']}[/]" if r["status"] in {"overdue", "sent_late"} else r["status"],
                  r["first_permitted_denial"], escape(r["party_name"]), r["program"], r["window_start"]]
                 for r in records[:SHOWN_ROWS]]
        console.print(fitted_table(f"beneficiary notices for the posting of {posted} (as of {day}; look-back from "
                                   f"{run.lookback_start})", NOTICE_COLUMNS, cells, console.width))
        if len(records) > SHOWN_ROWS:
            console.print(f"... {len(records) - SHOWN_ROWS} more; --out FILE writes every notice")
        console.print(f"{len(records)} notices to {len({r['beneficiary_id'] for r in records})} beneficiaries about "
                      f"{len(run.party_notifications)} parties; {len(late)} overdue or late"
                      + (f"; written to {out}" if out is not None else ""))
    if late:
        raise typer.Exit(EXIT_NONCOMPLIANT)


def _write_notices(records: list[dict[str, Any]], out: Path, excel_csv: bool) -> None:
    """The notices, every column text (CSV and Excel cells through ``safe_cell``)."""
    import pyarrow as pa

    from partcd.preclusion.pipelines import NOTICE_COLUMNS

    schema = pa.schema([(c, pa.string()) for c in NOTICE_COLUMNS])
    output.write_table(pa.Table.from_pylist(records, schema=schema), out, excel_csv=excel_csv, sheet="notices")


# --- the stored list and the efforts log -------------------------------------------------------------------------------


@app.command("upload-list")
def upload_list(
    ctx: typer.Context,
    list_file: Path = typer.Option(..., "--list", help="Preclusion list (CSV or Parquet)."),
    label: str | None = typer.Option(None, "--label", help="A name for this version (default: the file name), "
                                                           "e.g. PreclusionList_202108."),
    actor: str = ACTOR,
    as_json: bool = output.JSON_ALWAYS,
) -> None:
    """Store a list file as a new version in the database of --db (history kept; the API's check uses the newest)."""
    from partcd.preclusion import pipelines

    result = pipelines.import_list(db_engine(ctx), options.existing_file("--list", list_file), actor=actor, label=label)
    _echo_json(result.model_dump(mode="json"))


@app.command("lists")
def lists(ctx: typer.Context,
          as_json: bool = typer.Option(False, "--json", help="JSON instead of a table.")) -> None:
    """The stored list versions, newest first."""
    from partcd.preclusion import store

    versions = store.list_versions(db_engine(ctx))
    if as_json:
        _echo_json([v.model_dump(mode="json") for v in versions])
        return
    table = Table(title="preclusion list versions")
    for column in ("version", "label", "rows", "postings", "uploaded by", "uploaded at"):
        table.add_column(column)
    for v in versions:
        table.add_row(str(v.version_id), escape(v.label), str(v.row_count),
                      f"{v.first_posting_date} .. {v.last_posting_date}", escape(v.uploaded_by),
                      v.uploaded_at.isoformat(timespec="seconds"))
    console.print(table)


@app.command("log-effort")
def log_effort(
    ctx: typer.Context,
    npi: str = typer.Option(..., "--npi", help="NPI of the precluded party (10 digits)."),
    posting_date: str = typer.Option(..., "--posting-date", help="The posting that added the party."),
    on: str = typer.Option(..., "--on", help="Date of the attempt."),
    method: str = typer.Option(..., "--method", help="mail | email | fax | phone | portal | in_person | other"),
    contact: str = typer.Option(..., "--contact", help="Address, number or portal used (the party's, never a "
                                                       "beneficiary's)."),
    beneficiaries: int = typer.Option(..., "--beneficiaries", help="How many notified beneficiaries it named."),
    outcome: str = typer.Option("sent", "--outcome", help="sent | delivered | acknowledged | returned | no_response | "
                                                          "refused | other"),
    notes: str | None = typer.Option(None, "--notes", help="Free text about the attempt (no beneficiary names)."),
    actor: str = ACTOR,
    as_json: bool = output.JSON_ALWAYS,
) -> None:
    """Log one effort to tell a newly precluded party which beneficiaries were notified (42 CFR
    422.222(a)(1)(ii)(B), 423.120(c)(6)(iv)(B)); audited."""
    from pydantic import ValidationError

    from partcd.core.errors import first_problem
    from partcd.preclusion import store
    from partcd.preclusion.rules.efforts import NotificationEffort

    try:
        effort = NotificationEffort.model_validate({
            "npi": npi, "list_posting_date": options.date("--posting-date", posting_date),
            "attempted_on": options.date("--on", on), "method": method, "contact": contact,
            "beneficiaries_named_count": beneficiaries, "outcome": outcome, "notes": notes})
    except ValidationError as exc:
        fld, reason = first_problem(exc)
        raise ConfigError(f"--{(fld or 'effort').replace('_', '-')}: {reason}") from None
    record = store.record_effort(db_engine(ctx), effort, actor=actor)
    _echo_json(record.model_dump(mode="json"))


@app.command("efforts")
def efforts(ctx: typer.Context, npi: str | None = typer.Option(None, "--npi", help="Only this party's efforts."),
            posting_date: str | None = typer.Option(None, "--posting-date", help="Only efforts for this posting."),
            as_json: bool = typer.Option(False, "--json", help="JSON instead of a table.")) -> None:
    """The provider-notification efforts log, newest first."""
    from partcd.preclusion import store

    records = store.list_efforts(db_engine(ctx), npi=npi, list_posting_date=options.date("--posting-date", posting_date))
    if as_json:
        _echo_json([r.model_dump(mode="json") for r in records])
        return
    table = Table(title="provider-notification efforts")
    for column in ("id", "npi", "posting", "on", "method", "contact", "beneficiaries", "outcome", "by"):
        table.add_column(column, min_width=10 if column in {"npi", "posting", "on"} else None, overflow="fold")
    for r in records:
        e = r.effort
        table.add_row(str(r.effort_id), e.npi, str(e.list_posting_date), str(e.attempted_on), e.method, escape(e.contact),
                      str(e.beneficiaries_named_count), e.outcome, escape(r.recorded_by))
    console.print(table)
