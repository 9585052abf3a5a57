"""§ 423.153(g)(2) - build a standard extract on the tabular engine: the claims of the sponsor's own enrollees, the seven
claim types of Parts A and B, the release's period of service dates, and the data elements only (4185-P L603-L609,
L3111).

The enrollment and claims files are read natively by the engine (DuckDB by default, Spark at scale, through Ibis;
CSV or Parquet), never row by row in Python. Steps, each counted:

1. population: enrollees of the request's PDP contracts enrolled on the population date (the release date by
   default, OQ-C3) - the whole enrollment, never a subset;
2. claims of the seven claim types (other rows are counted and left out);
3. a first date of service within the release's period;
4. claims of an enrollee of the population (a semi join);
5. the columns of the data elements only (every other column dropped and named in the summary).

The output is Parquet (or CSV with formula-like cells neutralised). Logs and the returned summary hold counts and
column names only - never an enrollee identifier, a claim or a code.

Enrollment layout: ``enrollee_id, contract_id, enrollment_start, enrollment_end`` (ISO dates; an empty end is open).
Claims layout: ``enrollee_id, claim_id, claim_type, from_date`` and the optional element columns of
``data_elements_table`` (``thru_date, principal_diagnosis_code, diagnosis_codes, hcpcs_code, procedure_codes,
place_of_service, rendering_npi, billing_npi, facility_npi``); any other column is dropped.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from partcd.claimsdata.rules.extract import column_plan
from partcd.claimsdata.rules.parameters import ClaimsDataParams
from partcd.claimsdata.rules.releases import Release, population_date
from partcd.core.errors import InputError
from partcd.platform import frames

log = logging.getLogger("partcd.claimsdata")

ENROLLMENT_COLUMNS = ("enrollee_id", "contract_id", "enrollment_start", "enrollment_end")
DATE_COLUMNS = ("from_date", "thru_date")
FORMULA_START = r"^[=+\-@\t\r]"


@dataclass(frozen=True)
class ExtractSummary:
    """What an extract holds, in counts and column names (no identifiers)."""

    contract_ids: list[str]
    release_date: str
    period_start: str
    period_end: str
    population_date: str
    enrollees_in_population: int
    claims_in_file: int
    excluded_claim_type: int
    excluded_outside_period: int
    excluded_not_enrolled: int
    claims_out: int
    enrollees_with_claims: int
    columns: list[str]
    dropped_columns: list[str]
    claim_types: dict[str, int] = field(default_factory=dict)
    output: str | None = None
    file_format: str | None = None
    sha256: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _read(con: Any, path: Path, name: str) -> Any:
    """A file read natively by the engine; CSV cells stay text (codes such as place of service "02" or an NPI keep
    their digits), dates are parsed later."""
    if frames.file_format(path) != "csv":
        return frames.read_table(con, path, name)
    if not path.is_file():
        raise InputError(str(path), None, None, "file not found")
    if con.name == "duckdb":
        return con.read_csv(str(path), table_name=name, all_varchar=True)
    return con.read_csv(str(path), table_name=name, inferSchema=False)


def _require(table: Any, columns: tuple[str, ...] | list[str], file: Path, why: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(str(file), 1, missing[0], f"missing column ({why})")


def _dates(table: Any, columns: tuple[str, ...]) -> tuple[Any, list[str]]:
    """The date columns as dates (a date column as it is, a timestamp cut to its date, text parsed) and, per text
    column, a ``_bad_<column>`` column: 1 where the value is not an ISO date (for the caller to count in a pass it
    makes anyway). Returns the table and the names of the checked columns."""
    import ibis

    casts: dict[str, Any] = {}
    bad: dict[str, Any] = {}
    for c in (c for c in columns if c in table.columns):
        dtype = table[c].type()
        if dtype.is_date():
            continue
        if dtype.is_timestamp():
            casts[c] = table[c].cast("date")
            continue
        casts[c] = table[c].cast("string").try_cast("date")
        bad[f"_bad_{c}"] = ibis.ifelse(table[c].notnull() & (table[c].cast("string") != "") & casts[c].isnull(), 1, 0)
    return (table.mutate(**casts, **bad) if casts else table), [name.removeprefix("_bad_") for name in bad]


def _refuse_bad_dates(counts: dict[str, Any], columns: Any, file: Path) -> None:
    """A text value that is not an ISO date refuses the file (the count only, no value shown)."""
    for c in columns:
        if counts[f"bad_{c}"]:
            raise InputError(str(file), None, c, f"{counts[f'bad_{c}']} rows do not hold an ISO date (YYYY-MM-DD)")


def _checked_dates(table: Any, columns: tuple[str, ...], file: Path) -> Any:
    """:func:`_dates` with the check run at once (one aggregate over the file)."""
    typed, checked = _dates(table, columns)
    if checked:
        _refuse_bad_dates(typed.aggregate(**{f"bad_{c}": typed[f"_bad_{c}"].sum() for c in checked})
                          .to_pyarrow().to_pylist()[0], checked, file)
    return typed


def build_extract(enrollment: Path, claims: Path, *, contract_ids: list[str], release: Release,
                  params: ClaimsDataParams, out: Path | None = None, engine: str | None = None) -> ExtractSummary:
    """Build the extract of ``release`` for the enrollees of ``contract_ids`` (§ 423.153(g)(2)); write it to ``out``
    (``.parquet`` or ``.csv``) when given.

    Work on the engine: one grouped pass over the claims (rows and rows in the period by claim type, the date
    checks; no join), one pass for the output (written by DuckDB itself; through Arrow on Spark), the kept claims by
    type and their enrollees counted from the written extract on DuckDB (from the kept rows on Spark or without
    ``out``), the population counted once.
    """
    import ibis

    con = frames.connect(engine)
    enr = _read(con, enrollment, "claimsdata_enrollment")
    clm = _read(con, claims, "claimsdata_claims")
    _require(enr, ENROLLMENT_COLUMNS, enrollment, "enrollment layout")
    plan = column_plan(list(clm.columns), params)
    if plan.missing_required:
        raise InputError(str(claims), 1, plan.missing_required[0], "missing column (a required data element)")
    enr = _checked_dates(enr, ("enrollment_start", "enrollment_end"), enrollment)
    clm = clm.mutate(enrollee_id=clm.enrollee_id.cast("string"), claim_type=clm.claim_type.cast("string"))
    clm, bad_dates = _dates(clm, DATE_COLUMNS)
    day = population_date(release, params)
    on = ibis.literal(day)
    population = (enr.filter(enr.contract_id.cast("string").isin(contract_ids), enr.enrollment_start <= on,
                             enr.enrollment_end.isnull() | (enr.enrollment_end >= on))
                  .select(enrollee_id=enr.enrollee_id.cast("string")).distinct())
    types = list(params.claim_types_list.value)
    in_period = (clm.from_date >= ibis.literal(release.period_start)) & (clm.from_date <= ibis.literal(release.period_end))
    # one pass over the claims without the join: rows and rows in the period by claim type, and the date checks
    grouped = (clm.mutate(_p=ibis.ifelse(in_period, 1, 0)).group_by("claim_type")
               .aggregate(n=ibis._.count(), p=ibis._._p.sum(), **{f"bad_{c}": ibis._[f"_bad_{c}"].sum() for c in bad_dates})
               .to_pyarrow().to_pylist())
    _refuse_bad_dates({f"bad_{c}": sum(g[f"bad_{c}"] or 0 for g in grouped) for c in bad_dates}, bad_dates, claims)
    kept = clm.filter(clm.claim_type.isin(types), in_period, clm.enrollee_id.isin(population.enrollee_id))
    result = (kept.select(**{c: kept[c] if c in DATE_COLUMNS else kept[c].cast("string") for c in plan.keep})
              .order_by(["enrollee_id", "from_date", "claim_id"]))
    path = None
    if out is not None:
        path = write_extract(con, result, out)
    if path is not None and con.name == "duckdb":
        # the kept claims by type and their enrollees, read back from the written extract (small next to the claims)
        by_type, enrollees = _written_counts(path)
    else:
        by_type = {r["claim_type"]: int(r["k"]) for r in
                   kept.group_by("claim_type").aggregate(k=ibis._.count()).to_pyarrow().to_pylist()}
        enrollees = kept.enrollee_id.nunique().to_pyarrow().as_py()
    listed = [g for g in grouped if g["claim_type"] in types]
    counts = {"all": sum(g["n"] for g in grouped), "of_type": sum(g["n"] for g in listed),
              "in_period": sum(g["p"] or 0 for g in listed), "kept": sum(by_type.values()),
              "population": population.count().to_pyarrow().as_py()}
    summary = ExtractSummary(
        contract_ids=list(contract_ids), release_date=release.release_date.isoformat(),
        period_start=release.period_start.isoformat(), period_end=release.period_end.isoformat(),
        population_date=day.isoformat(), enrollees_in_population=int(counts["population"]),
        claims_in_file=int(counts["all"]), excluded_claim_type=int(counts["all"] - counts["of_type"]),
        excluded_outside_period=int(counts["of_type"] - counts["in_period"]),
        excluded_not_enrolled=int(counts["in_period"] - counts["kept"]), claims_out=int(counts["kept"]),
        enrollees_with_claims=int(enrollees or 0), columns=list(plan.keep), dropped_columns=list(plan.dropped),
        claim_types={t: by_type[t] for t in sorted(by_type) if by_type[t]},
        output=str(path) if path else None, file_format=frames.file_format(path) if path else None,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest() if path else None)
    log.info("claims-data extract for release %s: %d claims read, %d kept for %d enrollees; dropped columns: %s",
             summary.release_date, summary.claims_in_file, summary.claims_out, summary.enrollees_with_claims,
             ", ".join(summary.dropped_columns) or "none")
    return summary


def _written_counts(path: Path) -> tuple[dict[str, int], int]:
    """The claims of a written extract by claim type and its distinct enrollees (one DuckDB query over the file)."""
    import duckdb

    source = "read_parquet($1)" if frames.file_format(path) == "parquet" else "read_csv($1, header = true, all_varchar = true)"
    with duckdb.connect() as db:
        rows = db.execute(f"SELECT claim_type, count(*), (SELECT count(DISTINCT enrollee_id) FROM {source}) "
                          f"FROM {source} GROUP BY claim_type", [str(path)]).fetchall()
    return {str(r[0]): int(r[1]) for r in rows}, int(rows[0][2]) if rows else 0


def neutralise(table: Any) -> Any:
    """A copy of an Arrow table whose text cells that start with = + - @ TAB or CR begin with a quote (CSV/Excel safe)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    for name in table.column_names:
        col = table[name]
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            risky = pc.fill_null(pc.match_substring_regex(col, FORMULA_START), False)
            col = pc.if_else(risky, pc.binary_join_element_wise("'", col, ""), col)
        columns.append(col)
    return pa.table(columns, names=table.column_names)


def write_extract(con: Any, result: Any, out: Path) -> Path:
    """Write the extract: Parquet as is, CSV neutralised; DuckDB writes the file itself, Spark through Arrow."""
    fmt = frames.file_format(out)
    if fmt not in ("parquet", "csv"):
        raise InputError(str(out), None, None, "an extract is written as .parquet or .csv")
    out.parent.mkdir(parents=True, exist_ok=True)
    if con.name != "duckdb":
        table = result.to_pyarrow()
        return frames.write_table(neutralise(table) if fmt == "csv" else table, out)
    if fmt == "parquet":
        result.to_parquet(str(out))
        return out
    safe = result.mutate(**{c: result[c].re_search(FORMULA_START).ifelse("'" + result[c], result[c])
                            for c in result.columns if result[c].type().is_string()})
    safe.to_csv(str(out))
    return out
