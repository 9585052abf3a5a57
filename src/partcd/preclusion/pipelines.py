"""§§ 422.222(a)(1), 423.120(c)(6) - batch screening on the tabular engine (DuckDB by default, Spark), through Ibis.

load -> validate -> compute -> report, one call each:

* :func:`screen` ``(list_path, claims_path, engine="duckdb") -> ibis.Table``: one decision per claim line, the same
  decisions as :func:`partcd.preclusion.rules.screen_claim`. Both files (CSV or Parquet, any size) are read by the
  engine and never pass through Python: aggregate queries validate them, the list's episodes are derived per
  parameter period as column expressions (:func:`episode_expr`, the pure :func:`episode_dates` written for the
  engine), then one join computes the decision table's booleans and the decision from the same
  :data:`~partcd.preclusion.rules.decision.DECISION_TABLE` rows. Parity with the pure code is tested.
* :func:`party` ``(list_path, npi, as_of) -> dict``: the derived dates of one party (:func:`party_of` for postings
  already in memory, e.g. the store's current list).
* :func:`notices` ``(list_path, history_path, posting_date, as_of) -> NoticeRun``: the beneficiary notices a
  posting triggers (the service history is filtered in the engine; :func:`notices_of` for loaded postings).
* :func:`check_claim`: one claim against loaded postings (the online check); :func:`validate_episodes` checks a
  loaded list as the engine does; :func:`write_decisions` / :func:`decision_counts` write and count a result.

Rows in error messages are numbered as in a spreadsheet (header = row 1); the engine's aggregate checks find an
example key and :func:`locate_row` finds its row.

Parameters: the file in force on each claim's adjudication date (several periods in one file are handled per row);
``variant="proposal-4185-p"`` swaps in the proposal's reading (``params/variants/``).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import functools
import hashlib
import itertools
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from partcd.core.errors import ConfigError, InputError, ParameterError
from partcd.core.params import ParamFile, build_set
from partcd.platform import frames
from partcd.platform import params as platform_params
from partcd.platform.params import area_files
from partcd.preclusion import store
from partcd.preclusion.rules.decision import DECISION_LABELS, DECISION_TABLE, FLAGS, DecisionRule, Flag
from partcd.preclusion.rules.efforts import EffortSummary, NotificationEffort, summarise_efforts
from partcd.preclusion.rules.models import TRANSACTIONS, Claim, ClaimDecision, ListPosting
from partcd.preclusion.rules.notices import NoticeRun, NoticeSent, ServiceRecord, beneficiary_notices
from partcd.preclusion.rules.params import PreclusionParams
from partcd.preclusion.rules.party import episode_dates, party_dates
from partcd.preclusion.rules.screening import screen_claim
from partcd.preclusion.store import ListVersion

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
AREA = "preclusion"
#: first day off the list for an open-ended episode inside the engine (a plain comparison keeps the join a hash join)
OPEN_END = dt.date(9999, 12, 31)

LIST_TYPES: dict[str, str] = {
    "npi": "VARCHAR", "party_name": "VARCHAR", "basis": "VARCHAR", "effective_date": "DATE",
    "list_posting_date": "DATE", "reenrollment_bar_end": "DATE", "felony_conviction_date": "DATE",
    "cms_shortened_end": "DATE", "oig_excluded": "BOOLEAN", "oig_exclusion_date": "DATE",
    "oig_reinstatement_date": "DATE",
}
LIST_REQUIRED = ("npi", "party_name", "basis", "effective_date", "list_posting_date")
CLAIM_TYPES: dict[str, str] = {
    "claim_id": "VARCHAR", "program": "VARCHAR", "transaction": "VARCHAR", "npi": "VARCHAR", "contracted": "BOOLEAN",
    "beneficiary_notice_sent_date": "DATE", "service_date": "DATE", "adjudication_date": "DATE",
    "prescriber_named_in_request": "BOOLEAN",
}
CLAIM_REQUIRED = ("claim_id", "program", "transaction", "npi", "service_date", "adjudication_date")
HISTORY_TYPES: dict[str, str] = {"beneficiary_id": "VARCHAR", "npi": "VARCHAR", "program": "VARCHAR",
                                 "service_date": "DATE"}
OUTPUT_COLUMNS = ("claim_id", "decision", "on_list_for_service_date", "in_no_denial_window", "reason", "citation")
#: rows are numbered as in a spreadsheet: the header is row 1, the first data row is row 2 (Parquet alike)
FIRST_DATA_ROW = 2


# --- parameters -------------------------------------------------------------------------------------------------------


def variant_names() -> list[str]:
    """The named variants shipped in ``params/variants/`` (file stems)."""
    return platform_params.variant_names(AREA)


def variant_file(name: str) -> ParamFile:
    """A named variant's parameter file (:func:`partcd.platform.params.variant_file`)."""
    return platform_params.variant_file(AREA, name)


@functools.cache
def law_periods(variant: str | None = None) -> tuple[tuple[dt.date, PreclusionParams], ...]:
    """Every period file as (in force from, typed parameters), oldest first; a variant replaces the file of its date."""
    files: dict[str, ParamFile] = dict(area_files(AREA))
    if variant is not None:
        vf = variant_file(variant)
        files = {n: f for n, f in files.items() if f.period_value != vf.period_value}
        files[f"variants/{variant}.yaml"] = vf
    out = []
    for name, pf in files.items():
        start = pf.period_value
        assert isinstance(start, dt.date)  # the area is keyed by effective date
        out.append((start, build_set(name, pf).typed(PreclusionParams)))
    return tuple(sorted(out, key=lambda item: item[0]))


def params_at(day: dt.date, variant: str | None = None) -> PreclusionParams:
    """The typed parameters in force on ``day`` (nothing before the first file: ``ParameterError``)."""
    periods = law_periods(variant)
    in_force = [params for start, params in periods if start <= day]
    if not in_force:
        raise ParameterError(AREA, None, f"no parameters in force on {day.isoformat()}; "
                                         f"available from {periods[0][0].isoformat()}")
    return in_force[-1]


# --- reading ------------------------------------------------------------------------------------------------------------


def connect(engine: str | None = None) -> Any:
    """:func:`partcd.platform.frames.connect`, with DuckDB's progress bar off: it prints to stdout during long
    queries, which would corrupt the JSON a command writes there."""
    con = frames.connect(engine)
    if con.name == "duckdb":
        con.raw_sql("SET enable_progress_bar = false")
    return con


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh), [])


def read_typed(con: Any, path: Path, types: Mapping[str, str], required: Sequence[str], name: str) -> Any:
    """A CSV or Parquet file as an Ibis table with exactly ``types``' columns, typed; unknown columns dropped,
    optional ones missing from the file added as NULL. Read by the engine; a bad value names the file.
    ``name`` gets a random suffix, so two reads on one connection never replace each other."""
    import ibis

    name = f"{name}_{uuid.uuid4().hex[:8]}"
    if not path.is_file():
        raise InputError(str(path), None, None, "file not found")
    fmt = frames.file_format(path)
    try:
        if fmt == "csv":
            present = [c.strip() for c in _header(path)]
            if con.name == "duckdb":
                table = con.read_csv(str(path), table_name=name, types={c: types[c] for c in present if c in types},
                                     header=True)
            else:  # Spark reads every CSV column as text; the casts below type them
                table = con.read_csv(str(path), table_name=name, header=True)
        elif fmt == "parquet":
            table = con.read_parquet(str(path), table_name=name)
        else:
            raise InputError(str(path), None, None, f"use CSV or Parquet, not {fmt}")
    except InputError:
        raise
    except Exception as exc:  # the engine's own parse error (bad date, bad boolean, ...), with its line number
        raise InputError(str(path), None, None, f"cannot read: {str(exc).splitlines()[0]}") from None
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise InputError(str(path), None, missing[0], "required column missing")
    cols = {}
    for column, sql_type in types.items():
        ibis_type = {"VARCHAR": "string", "DATE": "date", "BOOLEAN": "boolean"}[sql_type]
        cols[column] = table[column].cast(ibis_type) if column in table.columns else ibis.null(ibis_type)
    return table.select(**cols)


def _run(query: Callable[[], T], file: str) -> T:
    """Run an engine query over a user file; the engine's conversion errors (bad date, bad boolean) name the file."""
    try:
        return query()
    except (InputError, ParameterError):
        raise
    except Exception as exc:
        raise InputError(file, None, None, f"cannot read: {str(exc).splitlines()[0]}") from None


def _validated(model: type[M], rows: Sequence[dict[str, Any]], file: str, numbered: bool, key: str) -> list[M]:
    """Rows as models; a bad row is an ``InputError`` with its row as in a spreadsheet (header = row 1; ``numbered``)
    or its ``key`` value."""
    out = []
    for i, row in enumerate(rows, start=FIRST_DATA_ROW):
        try:
            out.append(model.model_validate({k: v for k, v in row.items() if v is not None}))
        except ValidationError as exc:
            error = InputError.from_validation(file, i if numbered else None, exc)
            if not numbered:
                error = InputError(file, None, error.field, f"{error.reason} ({key} {row.get(key)!r})")
            raise error from None
    return out


def read_postings(list_path: Path, engine: str | None = None, con: Any = None,
                  where: Callable[[Any], Any] | None = None) -> tuple[ListPosting, ...]:
    """The list file as validated postings. With ``where`` (a filter on the engine table, e.g. one NPI) only the
    matching rows leave the engine and an error names the NPI; without it, the 1-based data row. One listing per
    (npi, effective_date)."""
    con = con or connect(engine)
    table = read_typed(con, list_path, LIST_TYPES, LIST_REQUIRED, "partcd_preclusion_list_raw")
    if where is not None:
        table = table.filter(where(table))
    rows = _run(lambda: table.to_pyarrow().to_pylist(), str(list_path))
    postings = _validated(ListPosting, rows, str(list_path), where is None, "npi")
    seen: dict[tuple[str, dt.date], int] = {}
    for i, posting in enumerate(postings, start=FIRST_DATA_ROW):
        key = (posting.npi, posting.effective_date)
        if key in seen:
            raise InputError(str(list_path), i if where is None else None, "effective_date",
                             f"NPI {posting.npi} listed twice effective {posting.effective_date}")
        seen[key] = i
    return tuple(postings)


# --- the list in the engine: validation and derived dates per parameter period ---------------------------------------

#: (field, reason, bad-row predicate): the checks of ListPosting as column expressions
_LIST_CHECKS: tuple[tuple[str, str, Callable[[Any], Any]], ...] = (
    ("npi", "a listed NPI must be 10 digits", lambda t: t.npi.isnull() | ~t.npi.re_search(r"^[0-9]{10}$")),
    ("party_name", "empty party_name", lambda t: t.party_name.isnull() | (t.party_name == "")),
    ("basis", "basis must be revoked, not_enrolled or felony",
     lambda t: t.basis.isnull() | ~t.basis.isin(["revoked", "not_enrolled", "felony"])),
    ("effective_date", "missing effective_date", lambda t: t.effective_date.isnull()),
    ("list_posting_date", "missing list_posting_date", lambda t: t.list_posting_date.isnull()),
    ("felony_conviction_date", "basis felony needs felony_conviction_date (the 10-year period runs from it)",
     lambda t: (t.basis == "felony") & t.felony_conviction_date.isnull()),
    ("felony_conviction_date", "felony_conviction_date is after effective_date",
     lambda t: t.felony_conviction_date > t.effective_date),
    ("oig_exclusion_date", "oig_excluded is true but oig_exclusion_date is missing",
     lambda t: t.oig_excluded.fill_null(False) & t.oig_exclusion_date.isnull()),
    ("oig_excluded", "OIG dates given but oig_excluded is not true",
     lambda t: ~t.oig_excluded.fill_null(False) & (t.oig_exclusion_date.notnull() | t.oig_reinstatement_date.notnull())),
    ("oig_reinstatement_date", "oig_reinstatement_date is before oig_exclusion_date",
     lambda t: t.oig_reinstatement_date < t.oig_exclusion_date),
)


def locate_row(path: Path, column: str, value: Any) -> int | None:
    """The row (header = row 1) of the first line of ``path`` whose ``column`` equals ``value`` as text; None when
    not found. Only on the error path: a streamed pass over one column (CSV with the csv module, Parquet batch by
    batch), so a 10-million-line file costs seconds, never memory."""
    text = None if value is None else str(value)
    try:
        if frames.file_format(path) == "parquet":
            import pyarrow.compute as pc
            import pyarrow.parquet as pq

            offset = FIRST_DATA_ROW
            for batch in pq.ParquetFile(path).iter_batches(columns=[column], batch_size=1_000_000):
                col = batch.column(0).cast("string")
                hit = pc.index(col, text).as_py() if text is not None else pc.index(col.is_null(), True).as_py()
                if hit >= 0:
                    return offset + int(hit)
                offset += batch.num_rows
            return None
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = [c.strip() for c in next(reader, [])]
            if column not in header:
                return None
            at = header.index(column)
            for i, line in enumerate(reader, start=FIRST_DATA_ROW):
                cell = line[at].strip() if at < len(line) else ""
                if cell == (text or ""):
                    return i
    except (OSError, ValueError, InputError):
        return None
    return None


def _aggregate_checks(table: Any, checks: Sequence[tuple[str, str, Callable[[Any], Any]]], example: str, file: str,
                      **extra: Any) -> dict[str, Any]:
    """One aggregate query: the row count, the rows each check fails and any ``extra`` aggregates. When a check
    fails, a second query finds an example and ``InputError`` names the field, the count, the example and the row of
    the first line carrying the example's ``example`` value (:func:`locate_row`)."""
    bad = [check(table).fill_null(False) for _, _, check in checks]
    row: dict[str, Any] = _run(lambda: table.aggregate(n=table.count(), **{f"bad_{i}": b.sum() for i, b in enumerate(bad)},
                                                       **extra).to_pyarrow().to_pylist()[0], file)
    failed = [i for i in range(len(checks)) if row[f"bad_{i}"]]
    if failed:
        i = failed[0]
        field, reason, _ = checks[i]
        failing = table.filter(bad[i]).select(table[example]).limit(1)
        first: list[dict[str, Any]] = _run(lambda: failing.to_pyarrow().to_pylist(), file)
        value = first[0][example]
        raise InputError(file, locate_row(Path(file), example, value), field,
                         f"{reason}: {row[f'bad_{i}']} row(s), e.g. {example} {value!r}")
    return row


def _days(n: int) -> Any:
    import ibis

    return ibis.interval(days=n)


def episode_expr(t: Any, params: PreclusionParams) -> tuple[Any, Any]:
    """(effective date, first day off or NULL while open) of every list row: :func:`episode_dates` as columns."""
    import ibis

    def input_end(col: Any) -> Any:
        return col if params.input_end_dates_text == "first_day_off" else (col + _days(1)).cast("date")

    effective = t.effective_date
    if params.oig_effective_on_exclusion_date_bool:
        effective = ibis.ifelse(t.oig_excluded.fill_null(False) & t.oig_exclusion_date.notnull(),
                                ibis.least(t.effective_date, t.oig_exclusion_date), t.effective_date)
    shortened, bar = input_end(t.cms_shortened_end), input_end(t.reenrollment_bar_end)
    base = ibis.ifelse(shortened.notnull() & (bar.isnull() | (shortened <= bar)), shortened, bar)
    if params.felony_preclusion_period_years is not None:
        full = ((t.felony_conviction_date - _days(1)) + ibis.interval(years=params.felony_preclusion_period_years)
                + _days(1)).cast("date")
        base = ibis.ifelse(t.basis == "felony", ibis.ifelse(shortened.notnull() & (shortened <= full), shortened, full),
                           base)
    end = base
    if params.oig_reinstatement_later_of_bool:
        reinstated = input_end(t.oig_reinstatement_date)
        later = ibis.ifelse(reinstated.isnull() | base.isnull(), ibis.null("date"), ibis.greatest(base, reinstated))
        end = ibis.ifelse(t.oig_excluded.fill_null(False), later, base)
    return effective, end


@dataclasses.dataclass(frozen=True)
class Period:
    """A parameter file in use by a batch: its index among the law periods, where it starts, its values."""

    period_id: int
    start: dt.date
    params: PreclusionParams


def periods_in_use(periods: Sequence[tuple[dt.date, PreclusionParams]], first: dt.date, last: dt.date) -> list[Period]:
    """The parameter files in force on some day of [first, last] (the claims' adjudication dates)."""
    out = []
    for i, (start, params) in enumerate(periods):
        following = periods[i + 1][0] if i + 1 < len(periods) else None
        if start <= last and (following is None or following > first):
            out.append(Period(i, start, params))
    return out


def parties_expr(t: Any, params: PreclusionParams, period_id: int | None) -> Any:
    """One row per non-empty episode under one parameter file, with the dates the claim expressions need:
    effective date, first day off (``OPEN_END`` while open), the initial-list flag and its first denial, the floor
    (never deny before the effective date or the posting), the no-notice first denial, the OIG exclusion span.
    The same values as the pure :func:`first_permitted_denial` pieces (parity-tested)."""
    import ibis

    effective, end = episode_expr(t, params)
    e = t.mutate(eff=effective, fin=end)
    e = e.filter(e.fin.isnull() | (e.fin > e.eff))
    floor = ibis.greatest(e.eff, e.list_posting_date)
    initial_day = params.initial_list_posting_date_text
    initial_from = initial_day + dt.timedelta(days=params.initial_list_no_impact_calendar_days)
    due_plus_offset = (e.list_posting_date + _days(params.notice_due_after_posting_calendar_days
                                                   + params.first_denial_after_notice_calendar_days)).cast("date")
    excluded = e.oig_excluded.fill_null(False) & e.oig_exclusion_date.notnull()
    until = e.oig_reinstatement_date if params.input_end_dates_text == "first_day_off" \
        else (e.oig_reinstatement_date + _days(1)).cast("date")
    oig_on = params.oig_exclusion_overrides_window_bool
    columns: dict[str, Any] = {} if period_id is None else {"period_id": ibis.literal(period_id, "int32")}
    return e.select(
        **columns, npi=e.npi, list_posting_date=e.list_posting_date, effective_date=e.eff,
        period_end=e.fin.fill_null(OPEN_END), initial_list=e.list_posting_date <= initial_day,
        initial_deny_from=ibis.greatest(ibis.literal(initial_from), floor), floor=floor,
        no_notice_deny_from=ibis.greatest(due_plus_offset, floor)
        if params.no_notice_first_denial_text == "latest_timely_notice" else floor,
        oig_from=ibis.ifelse(excluded, e.oig_exclusion_date, ibis.null("date")) if oig_on else ibis.null("date"),
        oig_until=ibis.ifelse(excluded, until.fill_null(OPEN_END), ibis.null("date")) if oig_on else ibis.null("date"),
    )


def read_list(con: Any, list_path: Path) -> Any:
    """The list read by the engine and validated (the :class:`ListPosting` rules, one listing per NPI and date)."""
    file = str(list_path)
    raw = read_typed(con, list_path, LIST_TYPES, LIST_REQUIRED, "partcd_preclusion_list_raw")
    _aggregate_checks(raw, _LIST_CHECKS, "npi", file)
    dup = _run(lambda: raw.group_by(["npi", "effective_date"]).aggregate(n=raw.count()).filter(lambda g: g.n > 1)
               .order_by("npi").limit(1).to_pyarrow().to_pylist(), file)
    if dup:
        raise InputError(file, None, "effective_date",
                         f"NPI {dup[0]['npi']} listed {dup[0]['n']} times effective {dup[0]['effective_date']}")
    return raw


def episodes_table(con: Any, raw: Any, periods: Sequence[Period], file: str) -> Any:
    """The episodes of every period in use as one temporary table; two episodes of one NPI must not overlap."""
    import ibis

    multi = len(periods) > 1
    parts = [parties_expr(raw, p.params, p.period_id if multi else None) for p in periods]
    episodes = ibis.union(*parts) if multi else parts[0]
    name = f"partcd_preclusion_parties_{uuid.uuid4().hex[:8]}"
    if con.name == "duckdb":
        table = _run(lambda: con.create_table(name, episodes, temp=True), file)
    else:  # Spark: a temporary view (nothing written to disk), cached for the join and the overlap check
        table = _run(lambda: con.create_view(name, episodes).cache(), file)
    keys = [table.period_id, table.npi] if multi else [table.npi]
    w = ibis.window(group_by=keys, order_by=[table.effective_date, table.period_end])
    overlap = table.mutate(previous_end=table.period_end.lag().over(w))
    found = _run(lambda: overlap.filter(overlap.effective_date < overlap.previous_end).order_by("npi").limit(1)
                 .to_pyarrow().to_pylist(), file)
    if found:
        o = found[0]
        raise InputError(file, None, "npi", f"NPI {o['npi']} has overlapping listing episodes (one starts "
                                            f"{o['effective_date']} before the previous ends {o['previous_end']})")
    return table


# --- claims: validation and the decision expressions -----------------------------------------------------------------


def _claim_checks(first_start: dt.date) -> tuple[tuple[str, str, Callable[[Any], Any]], ...]:
    """(field, reason, bad-row predicate): the checks of :class:`Claim`, and a parameter file in force."""
    import ibis

    return (
        ("claim_id", "empty claim_id", lambda c: c.claim_id.isnull() | (c.claim_id == "")),
        ("program", "program must be MA or PART_D", lambda c: c.program.isnull() | ~c.program.isin(["MA", "PART_D"])),
        ("transaction", f"transaction must be one of {', '.join(TRANSACTIONS)}",
         lambda c: c.transaction.isnull() | ~c.transaction.isin(list(TRANSACTIONS))),
        ("program", "the transaction belongs to the other program",
         lambda c: (c.program == "MA") != (c.transaction == "MA_CLAIM")),
        ("npi", "missing npi", lambda c: c.npi.isnull() | (c.npi == "")),
        ("service_date", "missing service_date", lambda c: c.service_date.isnull()),
        ("adjudication_date", "missing adjudication_date", lambda c: c.adjudication_date.isnull()),
        ("adjudication_date", "adjudication_date is before service_date", lambda c: c.adjudication_date < c.service_date),
        ("contracted", "an MA claim needs contracted (true/false)",
         lambda c: (c.transaction == "MA_CLAIM") & c.contracted.isnull()),
        ("prescriber_named_in_request", "a reimbursement request needs prescriber_named_in_request (true/false)",
         lambda c: (c.transaction == "REIMBURSEMENT_REQUEST") & c.prescriber_named_in_request.isnull()),
        ("adjudication_date", f"adjudicated before {first_start}, when the first preclusion parameter file starts",
         lambda c: c.adjudication_date < ibis.literal(first_start)),
    )


def validate_claims(claims: Any, claims_file: str, first_start: dt.date) -> tuple[int, dt.date, dt.date]:
    """One aggregate query over the claims (the checks of :class:`Claim` + a parameter file in force);
    returns (rows, first adjudication date, last adjudication date)."""
    row = _aggregate_checks(claims, _claim_checks(first_start), "claim_id", claims_file,
                            first=claims.adjudication_date.min(), last=claims.adjudication_date.max())
    return int(row["n"]), row["first"], row["last"]


def npi_valid_expr(npi: Any) -> Any:
    """:func:`partcd.preclusion.rules.dates.npi_check_digit_ok` as a column expression: exactly 10 ASCII digits,
    then the Luhn check digit over 80840 + the first nine. Each digit is read once (ASCII code - 48); a doubled
    digit is ``(2d - 1) % 9 + 1`` (0->0, 5->1, 9->9 with the engine's sign-keeping modulo), so no division or cast."""
    import ibis

    digits = [npi.substr(i, 1).ascii_str() - 48 for i in range(10)]
    total = ibis.literal(24, "int32")
    for position, d in enumerate(digits[:9]):
        total = total + (((d * 2 - 1) % 9 + 1) if position % 2 == 0 else d)
    return ibis.ifelse(npi.re_search(r"^[0-9]{10}$"), (10 - total % 10) % 10 == digits[9], False)


#: transaction -> small integer code, so each row condition compares integers
TX_CODE: dict[str, int] = {t: i for i, t in enumerate(TRANSACTIONS)}


def rule_condition(rule: DecisionRule, tx_code: Any, flags: Mapping[Flag, Any]) -> Any:
    """One decision-table row as a boolean column expression."""
    codes = sorted(TX_CODE[t] for t in rule.transactions)
    cond = tx_code == codes[0] if len(codes) == 1 else tx_code.isin(codes)
    for name, value in rule.when:
        cond = cond & (flags[name] if value else ~flags[name])
    return cond


def decision_columns(t: Any, table: Sequence[DecisionRule] = DECISION_TABLE) -> Any:
    """Add ``rule_idx`` (the first matching row, as :func:`decide`), then ``decision``, ``reason``, ``citation``.

    ``t`` has the flag columns of :data:`~partcd.preclusion.rules.decision.FLAGS` and ``tx_code``. Two steps, so
    the engine evaluates each row condition once.
    """
    import ibis

    flags = {name: t[name] for name in FLAGS}
    t = t.mutate(rule_idx=ibis.cases(*[(rule_condition(r, t.tx_code, flags), i) for i, r in enumerate(table)],
                                     else_=-1))
    allow = t.rule_idx.isin([i for i, r in enumerate(table) if r.outcome == "allow"])
    decision = ibis.cases(*[(t.tx_code == TX_CODE[tx], ibis.ifelse(allow, labels[0], labels[1]))
                            for tx, labels in DECISION_LABELS.items()])
    return t.mutate(decision=decision,
                    reason=ibis.cases(*[(t.rule_idx == i, r.reason) for i, r in enumerate(table)]),
                    citation=ibis.cases(*[(t.rule_idx == i, r.citation) for i, r in enumerate(table)]))


def _per_period(periods: Sequence[Period], period_id: Any, value: Callable[[PreclusionParams], Any]) -> Any:
    """A parameter as an expression: a literal when the periods in use agree, else a CASE on ``period_id``."""
    import ibis

    values = [value(p.params) for p in periods]
    if all(v == values[0] for v in values):
        return ibis.literal(values[0])
    return ibis.cases(*[(period_id == p.period_id, ibis.literal(v)) for p, v in zip(periods, values, strict=True)])


def with_period(claims: Any, periods: Sequence[Period]) -> Any:
    """Add ``period_id``: the parameter file in force on the adjudication date (only when several are in use)."""
    import ibis

    if len(periods) == 1:
        return claims
    branches = [(claims.adjudication_date >= ibis.literal(p.start), p.period_id) for p in reversed(periods)]
    return claims.mutate(period_id=ibis.cases(*branches).cast("int32"))


def screen_expr(claims: Any, parties: Any, periods: Sequence[Period]) -> Any:
    """The decision of every claim as Ibis expressions, in steps: the join on the list-status date, the first
    permitted denial, the flags, the decision. With one parameter file in use every parameter is a literal."""
    import ibis

    pid = claims.period_id if len(periods) > 1 else None

    def per(value: Callable[[PreclusionParams], Any]) -> Any:
        return _per_period(periods, pid, value)

    status = ibis.ifelse(per(lambda p: p.list_status_date_text == "service_date"), claims.service_date,
                         claims.adjudication_date)
    window = ibis.ifelse(per(lambda p: p.no_denial_window_date_text == "adjudication_date"), claims.adjudication_date,
                         claims.service_date)
    c = claims.mutate(status_date=status, window_date=window)
    keys = [c.npi == parties.npi, parties.effective_date <= c.status_date, c.status_date < parties.period_end]
    if pid is not None:
        keys.append(c.period_id == parties.period_id)
    j = c.left_join(parties, keys)
    j = j.select(*[j[name] for name in c.columns],
                 **{name: j[name] for name in ("list_posting_date", "initial_list", "initial_deny_from", "floor",
                                               "no_notice_deny_from", "oig_from", "oig_until")},
                 on_list=j.effective_date.notnull())
    if pid is not None:
        pid = j.period_id
    notice = j.beneficiary_notice_sent_date
    notice_ok = notice.notnull() & ((notice >= j.list_posting_date) | per(lambda p: p.notice_before_posting_counts_bool))
    required = ibis.ifelse(j.program == "MA", per(lambda p: "MA" in p.notice_required_before_denial_programs_list),
                           per(lambda p: "PART_D" in p.notice_required_before_denial_programs_list))
    offset = per(lambda p: p.first_denial_after_notice_calendar_days).cast("int32")
    j = j.mutate(
        known=(j.on_list & (j.adjudication_date >= j.list_posting_date)).fill_null(False),
        deny_from=ibis.cases(
            (j.initial_list, j.initial_deny_from),
            (~required, j.floor),
            (notice_ok, ibis.greatest((notice + offset.as_interval("D")).cast("date"), j.floor)),
            else_=j.no_notice_deny_from,
        ))
    j = j.mutate(in_window=(j.known & (j.window_date < j.deny_from)).fill_null(False))
    f = j.select(
        claim_id=j.claim_id, tx_code=ibis.cases(*[(j.transaction == tx, code) for tx, code in TX_CODE.items()]),
        on_list=j.on_list, in_window=j.in_window, known=j.known,
        npi_valid=ibis.ifelse(j.transaction == "PDE_SUBMISSION", npi_valid_expr(j.npi), False),
        initial_list=j.initial_list.fill_null(False),
        pde_window_exception=j.in_window & per(lambda p: p.pde_in_no_denial_window_text == "allowed"),
        oig_bar=(j.on_list & j.oig_from.notnull() & (j.service_date >= j.oig_from)
                 & (j.service_date < j.oig_until)).fill_null(False),
        prescriber_named=j.prescriber_named_in_request.fill_null(False), contracted=j.contracted.fill_null(False),
    )
    d = decision_columns(f)
    return d.select(claim_id=d.claim_id, decision=d.decision, on_list_for_service_date=d.on_list,
                    in_no_denial_window=d.in_window, reason=d.reason, citation=d.citation)


def screen(list_path: str | Path, claims_path: str | Path, engine: str = "duckdb", *, variant: str | None = None,
           con: Any = None) -> Any:
    """Screen every claim line of ``claims_path`` against the list: an Ibis table with :data:`OUTPUT_COLUMNS`.

    Validates the list and the claims in the engine first (a problem is an ``InputError`` naming the field, the
    number of rows and one NPI or claim_id), then builds the episodes of the parameter files the claims' adjudication
    dates fall in. The result is lazy: write it with ``.to_parquet(path)`` / ``.to_csv(path)`` or read it with
    ``.to_pyarrow()``.
    """
    con = con or connect(engine)
    list_path, claims_path = Path(list_path), Path(claims_path)
    law = law_periods(variant)
    raw_list = read_list(con, list_path)
    claims = read_typed(con, claims_path, CLAIM_TYPES, CLAIM_REQUIRED, "partcd_preclusion_claims_raw")
    n, first, last = validate_claims(claims, str(claims_path), law[0][0])
    periods = periods_in_use(law, first, last) if n else [Period(len(law) - 1, *law[-1])]
    parties = episodes_table(con, raw_list, periods, str(list_path))
    return screen_expr(with_period(claims, periods), parties, periods)


# --- one party, one claim, notices ---------------------------------------------------------------------------------


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def party(list_path: str | Path, npi: str, as_of: dt.date, *, variant: str | None = None,
          engine: str | None = None) -> dict[str, Any]:
    """The derived dates of ``npi`` in a list file (only its rows leave the engine): :func:`party_of`."""
    mine = read_postings(Path(list_path), engine, where=lambda t: t.npi == npi)
    return party_of(mine, npi, as_of, variant=variant)


def party_of(postings: Sequence[ListPosting], npi: str, as_of: dt.date, *,
             variant: str | None = None) -> dict[str, Any]:
    """The derived dates of ``npi`` under the parameters in force on ``as_of`` (JSON-ready).

    The episode covering ``as_of``, else the latest one that started before it, else the first one to come.
    ``on_list`` says whether ``as_of`` is inside it; ``preclusion_period_end`` is the first day off (null if open).
    """
    params = params_at(as_of, variant)
    mine = [p for p in postings if p.npi == npi]
    base: dict[str, Any] = {"npi": npi, "as_of": as_of.isoformat(), "episodes": len(mine),
                            "params_method": params.method}
    if not mine:
        return {**base, "on_list": False, "effective_date": None, "preclusion_period_end": None, "notice_due_by": None}
    dated = sorted(((episode_dates(p, params), p) for p in mine), key=lambda ep: ep[0].effective_date)
    covering = [p for e, p in dated if e.covers(as_of)]
    started = [p for e, p in dated if e.effective_date <= as_of]
    chosen = covering[0] if covering else (started[-1] if started else dated[0][1])
    dates = party_dates(chosen, params)
    return {**base, "on_list": bool(covering), **{k: _iso(v) for k, v in dates.model_dump().items()},
            "warnings": list(dates.warnings)}


def index_postings(postings: Sequence[ListPosting]) -> dict[str, tuple[ListPosting, ...]]:
    """The postings by NPI (for online checks: load the list once, look up each claim's NPI)."""
    index: dict[str, list[ListPosting]] = {}
    for p in postings:
        index.setdefault(p.npi, []).append(p)
    return {npi: tuple(ps) for npi, ps in index.items()}


def validate_episodes(postings: Sequence[ListPosting], file: str) -> None:
    """Two listing episodes of one NPI must not overlap under any parameter file (the engine's check of
    :func:`episodes_table`, in Python for a list that is loaded whole, e.g. an upload). Empty episodes are skipped.
    The error names the row (header = row 1) of the later episode."""
    rows = {id(p): i for i, p in enumerate(postings, start=FIRST_DATA_ROW)}
    for _, params in law_periods():
        for npi, mine in index_postings(postings).items():
            dated = sorted(((episode_dates(p, params), p) for p in mine), key=lambda ep: ep[0].effective_date)
            spans = [(e, p) for e, p in dated if e.period_end is None or e.period_end > e.effective_date]
            for (before, _), (after, posting) in itertools.pairwise(spans):
                if before.period_end is None or after.effective_date < before.period_end:
                    ends = "open-ended" if before.period_end is None else f"ending {before.period_end}"
                    raise InputError(file, rows[id(posting)], "effective_date",
                                     f"NPI {npi} has overlapping listing episodes (this one starts {after.effective_date}, "
                                     f"the previous one is {ends})")


def check_claim(claim: Mapping[str, Any], postings: Mapping[str, Sequence[ListPosting]] | Sequence[ListPosting], *,
                variant: str | None = None) -> ClaimDecision:
    """One claim (a mapping, e.g. a JSON body) screened by the pure rule with the parameters of its adjudication date.

    ``postings``: all postings, or :func:`index_postings` of them (faster).
    """
    try:
        model = Claim.model_validate(claim)
    except ValidationError as exc:
        raise InputError.from_validation("claim", None, exc) from None
    mine = postings.get(model.npi, ()) if isinstance(postings, Mapping) else [p for p in postings if p.npi == model.npi]
    return screen_claim(model, mine, params_at(model.adjudication_date, variant))


SENT_TYPES: dict[str, str] = {"beneficiary_id": "VARCHAR", "npi": "VARCHAR", "sent_date": "DATE"}
#: the columns of a notices file (one row per beneficiary x newly added party)
NOTICE_COLUMNS = ("beneficiary_id", "npi", "party_name", "program", "list_posting_date", "last_service_date",
                  "notice_due_by", "notice_sent_date", "status", "window_start", "first_permitted_denial", "citation")


def notices(list_path: str | Path, history_path: str | Path, posting_date: dt.date, as_of: dt.date, *,
            sent: Sequence[NoticeSent] = (), variant: str | None = None,
            engine: str | None = None) -> NoticeRun:
    """The notices owed for the parties first posted on ``posting_date`` (history: beneficiary_id, npi, program,
    service_date). Only the postings of that date and the look-back rows of their NPIs leave the engine."""
    con = connect(engine)
    postings = read_postings(Path(list_path), con=con, where=lambda t: t.list_posting_date == posting_date)
    return notices_of(postings, history_path, posting_date, as_of, sent=sent, variant=variant, con=con)


def notices_of(postings: Sequence[ListPosting], history_path: str | Path, posting_date: dt.date, as_of: dt.date, *,
               sent: Sequence[NoticeSent] = (), variant: str | None = None, con: Any = None,
               engine: str | None = None) -> NoticeRun:
    """:func:`notices` for postings already loaded (e.g. the current list of the store)."""
    import ibis

    params = params_at(posting_date, variant)
    con = con or connect(engine)
    added_postings = [p for p in postings if p.list_posting_date == posting_date]
    added = sorted({p.npi for p in added_postings})
    history = read_typed(con, Path(history_path), HISTORY_TYPES, tuple(HISTORY_TYPES), "partcd_preclusion_history")
    start = ibis.literal(posting_date) - ibis.interval(months=params.notice_lookback_months)
    window = history.filter(history.npi.isin(added or [""]), history.service_date > start.cast("date"),
                            history.service_date <= ibis.literal(posting_date))
    rows = _run(lambda: window.to_pyarrow().to_pylist(), str(history_path))
    records = _validated(ServiceRecord, rows, str(history_path), False, "beneficiary_id")
    return beneficiary_notices(added_postings, records, posting_date, params, as_of, sent)


def read_sent(path: str | Path, engine: str | None = None) -> list[NoticeSent]:
    """A file of notices already sent (``beneficiary_id, npi, sent_date``; extra columns ignored)."""
    con = connect(engine)
    table = read_typed(con, Path(path), SENT_TYPES, tuple(SENT_TYPES), "partcd_preclusion_sent")
    rows = _run(lambda: table.to_pyarrow().to_pylist(), str(path))
    return _validated(NoticeSent, rows, str(path), True, "beneficiary_id")


def notice_records(run: NoticeRun) -> list[dict[str, Any]]:
    """The notices of a run as flat JSON-ready records with :data:`NOTICE_COLUMNS`."""
    return [{k: _iso(v) for k, v in n.model_dump().items()} for n in run.notices]


# --- writing results ------------------------------------------------------------------------------------------------

#: a CSV cell starting with one of these is read as a formula by spreadsheets: it gets a leading apostrophe
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    """A text cell safe to open in a spreadsheet (a leading ``'`` before = + - @ TAB CR); other values unchanged."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def _neutralised_expr(col: Any) -> Any:
    import ibis

    return ibis.ifelse(col.re_search(r"^[=+\-@\t\r]"), ibis.literal("'").concat(col), col)


def output_format(out: Path) -> str:
    """``csv``, ``parquet`` or ``json`` from the extension of an output file; anything else is a ``ConfigError``."""
    suffix = out.suffix.lower()
    formats = {".csv": "csv", ".parquet": "parquet", ".json": "json"}
    if suffix not in formats:
        raise ConfigError(f"--out: {out}: the extension picks the format: .csv, .parquet or .json")
    return formats[suffix]


def write_decisions(result: Any, out: Path) -> Path:
    """Write a :func:`screen` result to ``out``; the extension picks the format: ``.csv`` (claim_id neutralised for
    spreadsheets), ``.parquet`` or ``.json`` (one array of records). DuckDB writes straight from the query; another
    engine streams Arrow batches into one file."""
    import ibis
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    fmt = output_format(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        result = result.mutate(claim_id=_neutralised_expr(result.claim_id))
    backend = ibis.get_backend(result)
    if backend.name == "duckdb":
        if fmt == "csv":
            result.to_csv(out)
        elif fmt == "parquet":
            result.to_parquet(out)
        else:
            backend.to_json(result, out)
        return out
    batches = record_batches(result)
    schema = batches.schema
    if fmt == "parquet":
        with pq.ParquetWriter(out, schema) as pwriter:
            for batch in batches:
                pwriter.write_batch(batch)
    elif fmt == "csv":
        with pacsv.CSVWriter(out, schema) as cwriter:
            for batch in batches:
                cwriter.write_batch(batch)
    else:
        with out.open("w", encoding="utf-8") as fh:
            fh.write("[")
            first = True
            for batch in batches:
                for record in pa.Table.from_batches([batch]).to_pylist():
                    fh.write(("\n" if first else ",\n") + json.dumps(record))
                    first = False
            fh.write("\n]\n")
    return out


def record_batches(result: Any, batch_size: int = 250_000) -> Any:
    """A ``pyarrow.RecordBatchReader`` over a result, batch by batch (memory stays flat). On DuckDB the compiled
    query runs on the backend's own connection (its temporary tables are there); elsewhere Ibis streams."""
    import ibis

    backend = ibis.get_backend(result)
    if backend.name == "duckdb":
        return backend.con.sql(str(backend.compile(result))).to_arrow_reader(batch_size)
    return result.to_pyarrow_batches(chunk_size=batch_size)


def decision_counts(path: Path) -> dict[str, Any]:
    """Counts of a written screening result (read back by DuckDB): claims, by decision, by decision-table row."""
    con = connect("duckdb")
    fmt = frames.file_format(path)
    table = con.read_parquet(str(path)) if fmt == "parquet" else \
        con.read_csv(str(path)) if fmt == "csv" else con.read_json(str(path))
    return counts_of(table)


def counts_of(table: Any) -> dict[str, Any]:
    """Counts of a screening result table (an Ibis table with :data:`OUTPUT_COLUMNS`): one aggregate query."""
    rule = table.reason.split(":")[0]
    rows = table.group_by(decision=table.decision, rule=rule).aggregate(n=table.count()).to_pyarrow().to_pylist()
    by_decision: dict[str, int] = {}
    by_rule: dict[str, int] = {}
    for r in rows:
        by_decision[r["decision"]] = by_decision.get(r["decision"], 0) + int(r["n"])
        by_rule[r["rule"]] = by_rule.get(r["rule"], 0) + int(r["n"])
    return {"claims": sum(by_decision.values()), "by_decision": dict(sorted(by_decision.items())),
            "by_rule": dict(sorted(by_rule.items())),
            "denied": sum(n for d, n in by_decision.items() if d in DENIALS)}


#: the decisions that refuse a claim (for ``--fail-on-deny`` and the summaries)
DENIALS = frozenset({labels[1] for labels in DECISION_LABELS.values()})


def decisions_as_records(table: Any) -> list[dict[str, Any]]:
    """A screen result as plain records sorted by claim_id (for JSON output and tests)."""
    return sorted(table.to_pyarrow().to_pylist(), key=lambda r: r["claim_id"])


# --- the stored list: import, notices due ------------------------------------------------------------------------------

#: the most rows one uploaded list may have (CMS's list has thousands of rows; the benchmark list 100,000)
MAX_LIST_ROWS = 1_000_000


class ListImport(BaseModel):
    """The result of storing a list file: the version, whether it is new, and what changed against the previous one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: ListVersion
    created: bool
    previous_version_id: int | None
    #: listing episodes (npi, effective date) in this version and not in the previous one, and the reverse
    added_episodes: int
    removed_episodes: int
    #: the added episodes by the posting that carries them (ISO date -> count)
    added_by_posting_date: dict[str, int]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_list(engine: Any, list_path: Path, *, actor: str, label: str | None = None, source_name: str | None = None,
                max_rows: int = MAX_LIST_ROWS) -> ListImport:
    """Validate a list file as :func:`screen` does (row by row, then overlapping episodes under every parameter file)
    and store it as a new version (:func:`partcd.preclusion.store.save_list`), current from now on."""
    name = source_name or list_path.name
    postings = read_postings(list_path)
    if len(postings) > max_rows:
        raise InputError(str(list_path), None, None, f"{len(postings)} rows; a list may have at most {max_rows}")
    validate_episodes(postings, str(list_path))
    previous = store.current_list(engine)
    version, created = store.save_list(engine, postings, label=(label or Path(name).stem)[:120], source_name=name[:255],
                                       sha256=sha256_of(list_path), actor=actor)
    before = {(p.npi, p.effective_date) for p in (previous.postings if previous else ())}
    now = {(p.npi, p.effective_date) for p in postings}
    added: dict[str, int] = {}
    for p in postings:
        if (p.npi, p.effective_date) not in before:
            added[p.list_posting_date.isoformat()] = added.get(p.list_posting_date.isoformat(), 0) + 1
    same = previous is not None and previous.version.version_id == version.version_id
    return ListImport(version=version, created=created,
                      previous_version_id=None if previous is None or same else previous.version.version_id,
                      added_episodes=0 if same else len(now - before), removed_episodes=0 if same else len(before - now),
                      added_by_posting_date={} if same else dict(sorted(added.items())))


class PartyDue(BaseModel):
    """One party added by a recent posting: when the beneficiary notices are due, and the efforts to tell it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    npi: str
    party_name: str
    basis: str
    list_posting_date: dt.date
    notice_due_by: dt.date
    days_to_due: int
    #: first permitted denial for a beneficiary noticed on the due date (also the no-notice default)
    first_permitted_denial: dt.date
    efforts: EffortSummary


def notices_due(postings: Sequence[ListPosting], efforts: Sequence[NotificationEffort], as_of: dt.date, *,
                variant: str | None = None) -> list[PartyDue]:
    """The parties whose notice period is running on ``as_of``: posted on or before it, and ``as_of`` before the
    first permitted denial of a beneficiary noticed on the due date (posting + 30 + 61 by default). Initial-list
    parties owe no notice. Sorted by due date, then NPI."""
    out = []
    first_file = law_periods(variant)[0][0]
    for posting in postings:
        if posting.list_posting_date > as_of or posting.list_posting_date < first_file:
            continue  # not posted yet; or before the first parameter file: the initial list, which owes no notice
        params = params_at(posting.list_posting_date, variant)
        dates = party_dates(posting, params)
        if dates.initial_list or as_of >= dates.first_permitted_denial:
            continue
        out.append(PartyDue(npi=posting.npi, party_name=posting.party_name, basis=posting.basis,
                            list_posting_date=posting.list_posting_date, notice_due_by=dates.notice_due_by,
                            days_to_due=(dates.notice_due_by - as_of).days,
                            first_permitted_denial=dates.first_permitted_denial,
                            efforts=summarise_efforts(posting.npi, posting.list_posting_date, efforts)))
    return sorted(out, key=lambda d: (d.notice_due_by, d.npi))


def postings_by_date(postings: Sequence[ListPosting]) -> list[dict[str, Any]]:
    """Rows of a list by posting date (newest first): how many episodes each posting carries, by basis."""
    by: dict[dt.date, dict[str, int]] = {}
    for p in postings:
        counts = by.setdefault(p.list_posting_date, {"revoked": 0, "not_enrolled": 0, "felony": 0, "oig_excluded": 0})
        counts[p.basis] += 1
        counts["oig_excluded"] += int(p.oig_excluded)
    return [{"list_posting_date": d.isoformat(), "episodes": sum(v for k, v in c.items() if k != "oig_excluded"), **c}
            for d, c in sorted(by.items(), reverse=True)]
