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


def _dates(table: Any, columns: tuple[str, ...], file: Path) -> Any:
    """The date columns as dates; a value that is not an ISO date refuses the file (count only, no value shown)."""
    import ibis

    casts = {c: table[c].cast("string").try_cast("date") for c in columns if c in table.columns}
    if not casts:
        return table
    checks = {f"bad_{c}": ibis.ifelse(table[c].notnull() & (table[c].cast("string") != "") & casts[c].isnull(), 1, 0).sum()
              for c in casts}
    bad = table.aggregate(**checks).to_pyarrow().to_pylist()[0]
    for c in casts:
        if bad[f"bad_{c}"]:
            raise InputError(str(file), None, c, f"{bad[f'bad_{c}']} rows do not hold an ISO date (YYYY-MM-DD)")
    return table.mutate(**casts)


def build_extract(enrollment: Path, claims: Path, *, contract_ids: list[str], release: Release,
                  params: ClaimsDataParams, out: Path | None = None, engine: str | None = None) -> ExtractSummary:
    """Build the extract of ``release`` for the enrollees of ``contract_ids`` (§ 423.153(g)(2)); write it to ``out``
    (``.parquet`` or ``.csv``) when given."""
    import ibis

    con = frames.connect(engine)
    enr = _read(con, enrollment, "claimsdata_enrollment")
    clm = _read(con, claims, "claimsdata_claims")
    _require(enr, ENROLLMENT_COLUMNS, enrollment, "enrollment layout")
    plan = column_plan(list(clm.columns), params)
    if plan.missing_required:
        raise InputError(str(claims), 1, plan.missing_required[0], "missing column (a required data element)")
    enr = _dates(enr, ("enrollment_start", "enrollment_end"), enrollment)
    clm = _dates(clm, DATE_COLUMNS, claims)
    day = population_date(release, params)
    on = ibis.literal(day)
    population = (enr.filter(enr.contract_id.cast("string").isin(contract_ids), enr.enrollment_start <= on,
                             enr.enrollment_end.isnull() | (enr.enrollment_end >= on))
                  .select(enrollee_id=enr.enrollee_id.cast("string")).distinct())
    clm = clm.mutate(enrollee_id=clm.enrollee_id.cast("string"), claim_type=clm.claim_type.cast("string"))
    of_type = clm.claim_type.isin(list(params.claim_types_list.value))
    in_period = (clm.from_date >= ibis.literal(release.period_start)) & (clm.from_date <= ibis.literal(release.period_end))
    enrolled = clm.enrollee_id.isin(population.enrollee_id)
    keep = of_type & in_period & enrolled
    one = ibis.literal(1)
    stats = clm.aggregate(
        all=clm.count(), of_type=ibis.ifelse(of_type, one, 0).sum(),
        in_period=ibis.ifelse(of_type & in_period, one, 0).sum(), kept=ibis.ifelse(keep, one, 0).sum(),
        enrollees=clm.enrollee_id.nunique(where=keep)).to_pyarrow().to_pylist()[0]
    counts = {k: int(v or 0) for k, v in stats.items()}
    counts["population"] = int(population.count().to_pyarrow().as_py())
    kept = clm.filter(keep)
    result = (kept.select(**{c: kept[c] if c in DATE_COLUMNS else kept[c].cast("string") for c in plan.keep})
              .order_by(["enrollee_id", "from_date", "claim_id"]))
    by_type = {r["claim_type"]: r["n"] for r in kept.group_by("claim_type").aggregate(n=kept.count()).to_pyarrow().to_pylist()}
    summary = ExtractSummary(
        contract_ids=list(contract_ids), release_date=release.release_date.isoformat(),
        period_start=release.period_start.isoformat(), period_end=release.period_end.isoformat(),
        population_date=day.isoformat(), enrollees_in_population=int(counts["population"]),
        claims_in_file=int(counts["all"]), excluded_claim_type=int(counts["all"] - counts["of_type"]),
        excluded_outside_period=int(counts["of_type"] - counts["in_period"]),
        excluded_not_enrolled=int(counts["in_period"] - counts["kept"]), claims_out=int(counts["kept"]),
        enrollees_with_claims=int(counts["enrollees"]), columns=list(plan.keep), dropped_columns=list(plan.dropped),
        claim_types={k: int(v) for k, v in sorted(by_type.items())})
    log.info("claims-data extract for release %s: %d claims read, %d kept for %d enrollees; dropped columns: %s",
             summary.release_date, summary.claims_in_file, summary.claims_out, summary.enrollees_with_claims,
             ", ".join(summary.dropped_columns) or "none")
    if out is None:
        return summary
    path = write_extract(result.to_pyarrow(), out)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return ExtractSummary(**{**summary.to_dict(), "output": str(path), "file_format": frames.file_format(path),
                             "sha256": digest})


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


def write_extract(table: Any, out: Path) -> Path:
    """Write the extract: Parquet as is, CSV neutralised."""
    fmt = frames.file_format(out)
    if fmt not in ("parquet", "csv"):
        raise InputError(str(out), None, None, "an extract is written as .parquet or .csv")
    return frames.write_table(neutralise(table) if fmt == "csv" else table, out)
