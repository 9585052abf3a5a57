"""``partcd callcenter hours | secret-shopper | star-measure``: hours of operation (§ 422.111(h)(1)(i)(B),
§ 423.128(d)(1)(i)(A)) and the CMS monitoring view (secret-shopper studies, the interpreter/TTY Star measure).

Input files are CSV (read here with the csv module); a bad row stops the command with
``InputError(file, row, field, reason)`` (row = 1-based data row). Exit 1 = ran fine, found non-compliance.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

if TYPE_CHECKING:
    from partcd.callcenter.rules.hours import IvrMessage, TimeWindow
    from partcd.callcenter.rules.monitoring import (
        CallRecord,
        TestCallOutcome,
    )
import typer
from rich.console import Console
from rich.markup import escape

from partcd.callcenter.cli.metrics import PROFILE_HELP
from partcd.core.errors import ConfigError, InputError, PartcdError
from partcd.platform.cli import EXIT_NONCOMPLIANT, options, output, state
from partcd.platform.cli.tables import Col, figure, fitted_table, verdict_cell
from partcd.platform.exports import safe_row

console = Console(highlight=False)

HOURS_COLUMNS = (Col("date", "key"), Col("required min", justify="right"), Col("uncovered min", justify="right"),
                 Col("compliant", "key"), Col("season", "secondary"), Col("closure", "secondary"))
STUDY_COLUMNS = (Col("contract", "key"), Col("line", "key"), Col("quarter", "key"), Col("sampled", justify="right"),
                 Col("avg hold s", justify="right"), Col("disconnect %", justify="right"), Col("compliant", "key"))
SCORE_COLUMNS = (Col("contract", "key"), Col("part", "key"), Col("attempted", justify="right"),
                 Col("completed", justify="right"), Col("score %", justify="right"), Col("star", "key", "right"))

SCHEDULE_COLUMNS = ("open_from", "open_until")
MESSAGE_COLUMNS = ("message_id", "left_at", "caller_time_zone")
CALL_COLUMNS = ("call_id", "contract_id", "call_start", "ivr_end", "answered_at", "call_end", "end_reason",
                "interpreter_requested", "interpreter_connected_at", "tty", "tty_connected_at")
TEST_CALL_COLUMNS = ("contract_id", "kind", "connect_s")
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}


def register(app: typer.Typer) -> None:
    app.command("hours")(hours)
    app.command("secret-shopper")(secret_shopper)
    app.command("star-measure")(star_measure_cmd)


# --- commands ------------------------------------------------------------------------------------------


def hours(
    schedule: Path = typer.Option(..., "--schedule", help="CSV of open intervals: open_from, open_until (ISO 8601 + offset)."),
    zones: str = typer.Option(..., "--zones", help="IANA time zones of the service area, comma-separated."),
    date_from: str = typer.Option(..., "--from", help="First date (YYYY-MM-DD)."),
    date_to: str = typer.Option(..., "--to", help="Last date (YYYY-MM-DD), inclusive."),
    no_ivr_messages: bool = typer.Option(False, "--no-ivr-messages",
                                         help="The IVR does not record messages: no closure is allowed."),
    messages: Path | None = typer.Option(None, "--messages",
                                         help="CSV of IVR messages: message_id, left_at, caller_time_zone, returned_at."),
    as_of: str | None = typer.Option(None, "--as-of", help="Judge unreturned messages at this time (default: end of --to, UTC)."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of a table."),
) -> None:
    """Required hours (union of 08:00-20:00 in every zone) against the schedule, per day; exit 1 if any gap."""
    from partcd.callcenter.rules.hours import check_callbacks, check_coverage, zone
    from partcd.platform.params import load_params

    start, end = options.date("--from", date_from), options.date("--to", date_to)
    zone_list = [z.strip() for z in zones.split(",") if z.strip()]
    for z in zone_list:
        zone(z)
    params = load_params("callcenter", start)
    days = check_coverage(_read_schedule(options.existing_file("--schedule", schedule)), zone_list, start, end, params,
                          after_hours_messaging=not no_ivr_messages)
    callbacks = None
    if messages is not None:
        end_of_period = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.UTC)
        judged_at = options.instant("--as-of", as_of, offset="required") if as_of else end_of_period
        callbacks = check_callbacks(_read_messages(options.existing_file("--messages", messages)), params, as_of=judged_at)
    day_rows: list[dict[str, Any]] = [{
        "date": d.date.isoformat(), "season": d.closure.season, "closure_allowed": d.closure.allowed,
        "closure_applied": d.closure_applied, "closure_reasons": list(d.closure.reasons), "required_min": d.required_min,
        "covered_min": d.covered_min, "uncovered_min": d.uncovered_min, "coverage_pct": d.coverage_pct,
        "compliant": d.verdict.compliant,
        "uncovered": [{"start": w.start.isoformat(), "end": w.end.isoformat()} for w in d.uncovered],
    } for d in days]
    cb_out: dict[str, Any] | None = None
    if callbacks is not None:
        cb_out = {"late": callbacks.late, "pending": callbacks.pending, "compliant": callbacks.verdict.compliant,
                  "messages": [{"message_id": c.message_id, "due_by": c.due_by.isoformat(), "on_time": c.on_time,
                                "late_by_min": c.late_by_min} for c in callbacks.checks]}
    ok = all(d.verdict.compliant for d in days) and (callbacks is None or callbacks.verdict.compliant is not False)
    if as_json:
        typer.echo(json.dumps({"zones": zone_list, "compliant": ok, "days": day_rows, "callbacks": cb_out}, indent=2))
    else:
        cells = [[r["date"], f"{r['required_min']:g}", f"{r['uncovered_min']:g}", verdict_cell(r["compliant"]),
                  r["season"], escape(", ".join(r["closure_reasons"]) or "-")] for r in day_rows]
        console.print(fitted_table(f"hours of operation - {', '.join(zone_list)}", HOURS_COLUMNS, cells, console.width))
        if cb_out is not None:
            console.print(f"IVR messages: {cb_out['late']} returned late, {cb_out['pending']} pending")
    if not ok:
        raise typer.Exit(EXIT_NONCOMPLIANT)


def secret_shopper(
    ctx: typer.Context,
    calls: Path = typer.Option(..., "--calls", help="Call log, generic CSV (optional columns: line, time_zone, part), or "
                                                   "a platform export read through --profile."),
    profile: str | None = typer.Option(None, "--profile", help=PROFILE_HELP + " Without it the generic CSV is read "
                                                                               "with its optional columns."),
    tz: str = typer.Option("America/New_York", "--tz", help="With --profile: the callers' time zone (a mapped export "
                                                            "has no time_zone or part column; part C is assumed)."),
    seed: int = typer.Option(..., "--seed", help="Seed of the sampling generator."),
    timeliness_calls: int = typer.Option(50, "--timeliness-calls", help="Test calls per contract x line x quarter."),
    interpreter_calls: int = typer.Option(10, "--interpreter-calls", help="Interpreter test calls per contract x part x year."),
    tty_calls: int = typer.Option(10, "--tty-calls", help="TTY test calls per contract x part x year."),
    study_month: int | None = typer.Option(None, "--study-month", help="Month within each quarter (1-3); drawn if omitted."),
    test_calls_out: Path | None = typer.Option(None, "--test-calls-out",
                                               help="Write the interpreter/TTY test calls (input of star-measure)."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of tables."),
) -> None:
    """Simulate CMS's timeliness and accessibility test calls from a call log; exit 1 if a timeliness verdict fails."""
    import numpy as np

    from partcd.callcenter.rules.monitoring import accessibility_study, star_measure, timeliness_study
    from partcd.callcenter.rules.standards import CallCenterParams
    from partcd.platform.params import load_params

    options.existing_file("--calls", calls)
    records = _read_calls(calls) if profile is None else _read_mapped_calls(calls, profile, options.zone("--tz", tz).key,
                                                                            state(ctx).engine)
    if not records:
        raise InputError(str(calls), None, None, "no calls")
    params = load_params("callcenter", min(r.local_start().date() for r in records))
    rng = np.random.default_rng(seed)
    timeliness = timeliness_study(records, params, rng, timeliness_calls, study_month)
    tests = accessibility_study(records, params, rng, interpreter_calls, tty_calls)
    scores = star_measure(tests, params)
    t_rows: list[dict[str, Any]] = [{
        "contract_id": r.contract_id, "line": r.line, "quarter": r.quarter, "study_month": r.study_month,
        "calls_in_frame": r.calls_in_frame, "sampled": r.sampled, "answered": r.answered,
        "disconnected": r.disconnected, "censored": r.censored, "avg_hold_time_s": r.avg_hold_time_s,
        "avg_hold_time_incl_censored_s": r.avg_hold_time_incl_censored_s, "disconnect_rate_pct": r.disconnect_rate_pct,
        "compliant": _all_ok([v.compliant for v in r.verdicts]),
        "failed_standards": [v.standard for v in r.verdicts if v.compliant is False],
    } for r in timeliness]
    if test_calls_out is not None:
        _write_test_calls(test_calls_out, tests)
    ok = all(r["compliant"] is not False for r in t_rows)
    if as_json:
        typer.echo(json.dumps({"seed": seed, "timeliness": t_rows, "accessibility": [_score_row(s) for s in scores],
                               "test_calls": [_test_call_row(t) for t in tests]}, indent=2))
    else:
        p = params.typed(CallCenterParams)
        cells = [[r["contract_id"], r["line"], r["quarter"], str(r["sampled"]),
                  figure(r["avg_hold_time_s"], p.avg_hold_time_max_s, at_most=True),
                  figure(r["disconnect_rate_pct"], p.disconnect_rate_max_pct, at_most=True), verdict_cell(r["compliant"])]
                 for r in t_rows]
        console.print(fitted_table(f"timeliness study (seed {seed})", STUDY_COLUMNS, cells, console.width))
        _print_scores(scores)
    if not ok:
        raise typer.Exit(EXIT_NONCOMPLIANT)


def star_measure_cmd(
    test_calls: Path = typer.Option(..., "--test-calls",
                                    help="CSV: contract_id, kind (interpreter|tty), connect_s; optional part, "
                                         "benefit_question_answered, call_id, language."),
    cut_points: str | None = typer.Option(None, "--cut-points", help="Lower bounds of 2,3,4,5 stars, e.g. 60,73,84,92."),
    as_of: str | None = typer.Option(None, "--as-of", help="Date whose parameters apply, YYYY-MM-DD (default: today)."),
    at: str | None = output.alias("--at", "--as-of"),
    precision: int = typer.Option(0, "--precision", help="Decimals the score is rounded to before the cut points."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of a table."),
) -> None:
    """The Star measure "Foreign Language Interpreter and TTY Availability" per contract and part."""
    from partcd.callcenter.rules.monitoring import star_measure
    from partcd.platform.params import load_params

    cuts = _cut_points(cut_points) if cut_points else None
    day = output.either("--as-of", as_of, "--at", at)
    params = load_params("callcenter", options.date("--at" if as_of is None else "--as-of", day) if day
                         else dt.datetime.now(dt.UTC).date())
    scores = star_measure(_read_test_calls(options.existing_file("--test-calls", test_calls)), params, cuts, precision)
    if as_json:
        typer.echo(json.dumps([_score_row(s) for s in scores], indent=2))
    else:
        _print_scores(scores)


# --- output helpers ----------------------------------------------------------------------------------------


def _score_row(s: Any) -> dict[str, Any]:
    return {"contract_id": s.contract_id, "part": s.part, "measure": s.measure, "attempted": s.attempted,
            "completed": s.completed, "interpreter_attempted": s.interpreter_attempted,
            "interpreter_completed": s.interpreter_completed, "tty_attempted": s.tty_attempted,
            "tty_completed": s.tty_completed, "score_pct": s.score_pct, "rounded_score": s.rounded_score, "star": s.star}


def _test_call_row(t: TestCallOutcome) -> dict[str, Any]:
    return {"call_id": t.call_id, "contract_id": t.contract_id, "part": t.part, "kind": t.kind,
            "connect_s": t.connect_s, "benefit_question_answered": t.benefit_question_answered}


def _write_test_calls(path: Path, tests: list[TestCallOutcome]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["call_id", "contract_id", "part", "kind", "connect_s",
                                           "benefit_question_answered"])
        w.writeheader()
        for t in tests:
            row = _test_call_row(t)
            w.writerow(safe_row({**row, "connect_s": "" if t.connect_s is None else f"{t.connect_s:g}",
                                 "benefit_question_answered": str(t.benefit_question_answered).lower()}))


def _print_scores(scores: list[Any]) -> None:
    cells = [[s.contract_id, s.part, str(s.attempted), str(s.completed), _fmt(s.score_pct),
              "-" if s.star is None else str(s.star)] for s in scores]
    console.print(fitted_table("Call Center - Foreign Language Interpreter and TTY Availability", SCORE_COLUMNS, cells,
                               console.width))


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}"


def _all_ok(flags: list[bool | None]) -> bool | None:
    known = [f for f in flags if f is not None]
    return all(known) if known else None


# --- input parsing ---------------------------------------------------------------------------------------


def _cut_points(text: str) -> dict[int, float]:
    parts = [p.strip() for p in text.split(",")]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise ConfigError(f"--cut-points: expected four numbers, got {text!r}") from None
    if len(values) != 4:
        raise ConfigError(f"--cut-points: expected four numbers (2, 3, 4, 5 stars), got {len(values)}")
    return dict(zip((2, 3, 4, 5), values, strict=True))


def _rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        for col in required:
            if col not in header:
                raise InputError(str(path), None, col, f"missing column (has {', '.join(header) or 'none'})")
        for i, row in enumerate(reader, start=1):
            if None in row:
                raise InputError(str(path), i, None, "more values than columns")
            yield i, {k: (v or "").strip() for k, v in row.items()}


class _Row:
    """Typed access to one CSV row; every error names file, row and field."""

    def __init__(self, path: Path, n: int, row: dict[str, str]) -> None:
        self.path, self.n, self.row = path, n, row

    def fail(self, field: str | None, reason: str) -> InputError:
        return InputError(str(self.path), self.n, field, reason)

    def text(self, field: str, required: bool = True) -> str:
        value = self.row.get(field, "")
        if required and not value:
            raise self.fail(field, "is empty")
        return value

    def at(self, field: str) -> dt.datetime:
        value = self.when(field)
        if value is None:
            raise self.fail(field, "is empty")
        return value

    def when(self, field: str, required: bool = True) -> dt.datetime | None:
        value = self.text(field, required)
        if not value:
            return None
        try:
            out = dt.datetime.fromisoformat(value)
        except ValueError:
            raise self.fail(field, f"not an ISO 8601 date-time: {value!r}") from None
        if out.tzinfo is None:
            raise self.fail(field, f"{value!r} has no UTC offset")
        return out

    def flag(self, field: str) -> bool:
        value = self.row.get(field, "").lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise self.fail(field, f"expected true/false, got {value!r}")

    def number(self, field: str) -> float | None:
        value = self.text(field, required=False)
        if not value:
            return None
        try:
            return float(value)
        except ValueError:
            raise self.fail(field, f"not a number: {value!r}") from None

    def choice(self, field: str, allowed: tuple[str, ...], default: str | None = None) -> str:
        value = self.row.get(field, "") or (default or "")
        if value not in allowed:
            raise self.fail(field, f"must be one of {', '.join(allowed)}, got {value!r}")
        return value

    def tz(self, field: str) -> str | None:
        value = self.text(field, required=False)
        if value:
            from partcd.callcenter.rules.hours import zone

            try:
                zone(value)
            except PartcdError:
                raise self.fail(field, f"unknown IANA time zone {value!r}") from None
        return value or None


def _read_schedule(path: Path) -> list[TimeWindow]:
    from partcd.callcenter.rules.hours import TimeWindow

    out: list[TimeWindow] = []
    for n, raw in _rows(path, SCHEDULE_COLUMNS):
        r = _Row(path, n, raw)
        start, end = r.at("open_from"), r.at("open_until")
        if end <= start:
            raise r.fail("open_until", "must be after open_from")
        out.append(TimeWindow(start=start, end=end))
    return out


def _read_messages(path: Path) -> list[IvrMessage]:
    from partcd.callcenter.rules.hours import IvrMessage

    out: list[IvrMessage] = []
    for n, raw in _rows(path, MESSAGE_COLUMNS):
        r = _Row(path, n, raw)
        left, returned = r.at("left_at"), r.when("returned_at", required=False)
        if returned is not None and returned < left:
            raise r.fail("returned_at", "before left_at")
        tz = r.tz("caller_time_zone")
        if tz is None:
            raise r.fail("caller_time_zone", "is empty")
        out.append(IvrMessage(message_id=r.text("message_id"), left_at=left, caller_time_zone=tz, returned_at=returned))
    return out


def _read_mapped_calls(path: Path, profile: str, tz: str, engine: str | None) -> list[CallRecord]:
    """A platform export read through its mapping profile (the metrics pipeline's checked log; a bad row stops with
    file, row and field) as call records in the callers' zone ``tz``."""
    from partcd.callcenter.pipelines.metrics import read_call_log
    from partcd.callcenter.rules.monitoring import CallRecord

    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

    def at(micros: int | None) -> dt.datetime | None:
        return None if micros is None else epoch + dt.timedelta(microseconds=micros)

    good = read_call_log(path, tz=tz, profile=profile, engine=engine).good
    rows = good.order_by(["_file", "_pos"]).to_pyarrow().to_pylist()
    out: list[CallRecord] = []
    for r in rows:
        start, end = at(r["call_start_us"]), at(r["call_end_us"])
        assert start is not None and end is not None  # the checked log refuses a call without them
        out.append(CallRecord(
            call_id=r["call_id"], contract_id=r["contract_id"], call_start=start, call_end=end, end_reason=r["end_reason"],
            line=r["line"] or "customer_service", ivr_end=at(r["ivr_end_us"]), answered_at=at(r["answered_at_us"]),
            interpreter_requested=bool(r["interpreter_requested"]),
            interpreter_connected_at=at(r["interpreter_connected_at_us"]), tty=bool(r["tty"]),
            tty_connected_at=at(r["tty_connected_at_us"]), time_zone=tz))
    return out


def _read_calls(path: Path) -> list[CallRecord]:
    from partcd.callcenter.rules.monitoring import CallRecord, EndReason

    out: list[CallRecord] = []
    seen: dict[str, int] = {}
    reasons: tuple[str, ...] = get_args(EndReason)
    for n, raw in _rows(path, CALL_COLUMNS):
        r = _Row(path, n, raw)
        call_id = r.text("call_id")
        if call_id in seen:
            raise r.fail("call_id", f"duplicate of row {seen[call_id]}")
        seen[call_id] = n
        start, end = r.at("call_start"), r.at("call_end")
        ivr_end, answered = r.when("ivr_end", required=False), r.when("answered_at", required=False)
        interp_at, tty_at = r.when("interpreter_connected_at", required=False), r.when("tty_connected_at", required=False)
        if end < start:
            raise r.fail("call_end", "before call_start (negative duration)")
        if ivr_end is not None and not start <= ivr_end <= end:
            raise r.fail("ivr_end", "outside call_start..call_end")
        if answered is not None and (answered < (ivr_end or start) or answered > end):
            raise r.fail("answered_at", "before the IVR ended or after the call ended")
        if interp_at is not None and (answered is None or interp_at < answered):
            raise r.fail("interpreter_connected_at", "before a representative answered")
        if tty_at is not None and tty_at < start:
            raise r.fail("tty_connected_at", "before call_start")
        out.append(CallRecord(
            call_id=call_id, contract_id=r.text("contract_id"), call_start=start, call_end=end,
            end_reason=r.choice("end_reason", reasons),  # type: ignore[arg-type]
            line=r.text("line", required=False) or "customer_service", ivr_end=ivr_end, answered_at=answered,
            interpreter_requested=r.flag("interpreter_requested"), interpreter_connected_at=interp_at,
            tty=r.flag("tty"), tty_connected_at=tty_at, time_zone=r.tz("time_zone"),
            part=r.choice("part", ("C", "D"), default="C"),  # type: ignore[arg-type]
        ))
    return out


def _read_test_calls(path: Path) -> list[TestCallOutcome]:
    from partcd.callcenter.rules.monitoring import TestCallOutcome

    out: list[TestCallOutcome] = []
    for n, raw in _rows(path, TEST_CALL_COLUMNS):
        r = _Row(path, n, raw)
        connect = r.number("connect_s")
        if connect is not None and connect < 0:
            raise r.fail("connect_s", "negative")
        answered = r.flag("benefit_question_answered") if raw.get("benefit_question_answered") else True
        out.append(TestCallOutcome(
            contract_id=r.text("contract_id"), kind=r.choice("kind", ("interpreter", "tty")),  # type: ignore[arg-type]
            connect_s=connect, benefit_question_answered=answered,
            part=r.choice("part", ("C", "D"), default="C"),  # type: ignore[arg-type]
            call_id=r.text("call_id", required=False) or f"row {n}", language=r.text("language", required=False) or None,
        ))
    return out
