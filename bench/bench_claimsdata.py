"""§ 423.153(g)(2) - the Parts A and B claims-data extract of N synthetic claims, on DuckDB, against one hand-written
query producing the same extract.

Compared in the same process on the same Parquet files (N claims - default 5,000,000 - of N/10 enrollees of four
contracts, two of them the sponsor's; the layout of :mod:`partcd.claimsdata.samples`: dates as ISO text, eight claim
types of which seven are Parts A and B, service dates over 15 months, payment, name and address columns the extract
drops), for the release of August 15, 2020, run alternately ``REPEATS`` times:

* ``pipeline``: :func:`partcd.claimsdata.pipelines.extract.build_extract` - the files read by the engine, the date
  columns checked, the population, every count of the summary, the extract written to Parquet and hashed;
* ``baseline``: ONE hand-written DuckDB ``COPY (SELECT ... WHERE ... IN (SELECT ...) ORDER BY ...) TO`` Parquet.

Each side's best wall and CPU seconds (the process's CPU time: every DuckDB thread counts) and peak resident memory
are reported with both ratios; the two extracts are checked to hold the same rows in the same order.
``PARTCD_BENCH_CLAIMSDATA_CLAIMS`` sets N, ``PARTCD_BENCH_CLAIMSDATA_REPEATS`` the repeats (default 3),
``PARTCD_BENCH_CLAIMSDATA_DATA`` a folder that keeps the generated files (default: a temporary folder).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bench import _measure
from partcd.claimsdata.pipelines.extract import DATE_COLUMNS, build_extract
from partcd.claimsdata.rules.extract import column_plan
from partcd.claimsdata.rules.parameters import ClaimsDataParams
from partcd.claimsdata.rules.releases import population_date
from partcd.claimsdata.samples import CLAIM_TYPES, RELEASES
from partcd.platform import frames
from partcd.platform.params import load_params

SEED = 20200815
N_CLAIMS = int(os.environ.get("PARTCD_BENCH_CLAIMSDATA_CLAIMS", "5000000"))
REPEATS = int(os.environ.get("PARTCD_BENCH_CLAIMSDATA_REPEATS", "3"))
SPONSOR = ["S5601", "S5602"]
CONTRACTS = [*SPONSOR, "S7001", "H1234"]
RELEASE = RELEASES[0]
EPOCH = dt.date(1970, 1, 1)


def _iso(days: np.ndarray) -> pa.Array:
    """ISO date texts from days since 1970-01-01."""
    return pa.array(days.astype("int32"), pa.int32()).cast(pa.date32()).cast(pa.string())


def _join(prefix: str, numbers: np.ndarray, width: int = 0, suffix: str = "") -> pa.Array:
    """``prefix`` + the numbers (left-padded with zeros to ``width``) + ``suffix``, in Arrow (no Python strings)."""
    text = pa.array(numbers.astype("int64"), pa.int64()).cast(pa.string())
    if width:
        text = pc.utf8_lpad(text, width=width, padding="0")
    return pc.binary_join_element_wise(prefix, text, suffix, "")


def _pick(values: list[str], index: np.ndarray) -> pa.Array:
    return pc.take(pa.array(values, pa.string()), pa.array(index.astype("int64")))


def write_files(folder: Path, rng: np.random.Generator, n_claims: int) -> tuple[Path, Path]:
    """Enrollment and claims Parquet files, vectorised (the layout of :func:`partcd.claimsdata.samples.write_files`)."""
    folder.mkdir(parents=True, exist_ok=True)
    n_enrollees = max(n_claims // 10, 1)
    ids = _join("1A", np.arange(n_enrollees), 9)
    start = (dt.date(2019, 1, 1) - EPOCH).days + rng.integers(0, 700, n_enrollees)
    ended = rng.random(n_enrollees) < 0.15
    end = pc.if_else(pa.array(ended), _iso(start + rng.integers(30, 400, n_enrollees)), "")
    enrollment = pa.table({"enrollee_id": ids, "contract_id": _pick(CONTRACTS, rng.integers(0, len(CONTRACTS), n_enrollees)),
                           "enrollment_start": _iso(start), "enrollment_end": end})
    types = [*CLAIM_TYPES, "part_d_event"]
    first = (dt.date(2019, 10, 1) - EPOCH).days + rng.integers(0, 450, n_claims)
    claims = pa.table({
        "claim_id": _join("C", np.arange(1, n_claims + 1), 9),
        "enrollee_id": pc.take(ids, pa.array(rng.integers(0, n_enrollees, n_claims))),
        "claim_type": _pick(types, rng.integers(0, len(types), n_claims)),
        "from_date": _iso(first),
        "thru_date": _iso(first + rng.integers(0, 5, n_claims)),
        "principal_diagnosis_code": _join("E11.", rng.integers(0, 10, n_claims)),
        "diagnosis_codes": _join("I10;E78.", rng.integers(0, 6, n_claims)),
        "hcpcs_code": _join("99", rng.integers(201, 216, n_claims)),
        "place_of_service": _pick(["11", "21", "22", "23", "12"], rng.integers(0, 5, n_claims)),
        "rendering_npi": _join("1", rng.integers(0, 10**9, n_claims), 9),
        "paid_amount_usd": np.round(rng.gamma(2.0, 80.0, n_claims), 2),
        "beneficiary_name": _join("Synthetic Member ", rng.integers(1, n_enrollees + 1, n_claims)),
        "street_address": _join("", rng.integers(1, 999, n_claims), suffix=" Example Street"),
    })
    e_path, c_path = folder / "enrollment.parquet", folder / "claims.parquet"
    pq.write_table(enrollment, e_path)
    pq.write_table(claims, c_path, row_group_size=1_000_000)
    return e_path, c_path


def _files(folder: Path) -> tuple[Path, Path]:
    e_path, c_path = folder / "enrollment.parquet", folder / "claims.parquet"
    if e_path.is_file() and c_path.is_file() and pq.ParquetFile(c_path).metadata.num_rows == N_CLAIMS:
        return e_path, c_path
    return write_files(folder, np.random.default_rng(SEED), N_CLAIMS)


def baseline_sql(enrollment: Path, claims: Path, out: Path, params: ClaimsDataParams) -> str:
    """The hand-written extract: the same population, filters, columns and order, straight to Parquet."""
    plan = column_plan(pq.read_schema(claims).names, params)
    day = population_date(RELEASE, params).isoformat()
    columns = ", ".join(f"CAST({c} AS DATE) AS {c}" if c in DATE_COLUMNS else f"CAST({c} AS VARCHAR) AS {c}"
                        for c in plan.keep)
    types = ", ".join(f"'{t}'" for t in params.claim_types_list.value)
    contracts = ", ".join(f"'{c}'" for c in SPONSOR)
    return f"""
COPY (
  SELECT {columns} FROM read_parquet('{claims}')
  WHERE claim_type IN ({types})
    AND CAST(from_date AS DATE) BETWEEN DATE '{RELEASE.period_start}' AND DATE '{RELEASE.period_end}'
    AND enrollee_id IN (
      SELECT enrollee_id FROM read_parquet('{enrollment}')
      WHERE contract_id IN ({contracts}) AND CAST(enrollment_start AS DATE) <= DATE '{day}'
        AND (nullif(enrollment_end, '') IS NULL OR CAST(nullif(enrollment_end, '') AS DATE) >= DATE '{day}'))
  ORDER BY enrollee_id, from_date, claim_id
) TO '{out}' (FORMAT PARQUET)
"""


def run() -> list[dict[str, Any]]:
    params = load_params("claimsdata", RELEASE.release_date).typed(ClaimsDataParams)
    keep = os.environ.get("PARTCD_BENCH_CLAIMSDATA_DATA")
    with tempfile.TemporaryDirectory(prefix="partcd-bench-claimsdata-") as tmp:
        folder = Path(keep) if keep else Path(tmp)
        t0 = time.perf_counter()
        enrollment, claims = _files(folder)
        generate_s = time.perf_counter() - t0
        mine_out, base_out = Path(tmp) / "pipeline.parquet", Path(tmp) / "baseline.parquet"

        def pipeline() -> Any:
            return build_extract(enrollment, claims, contract_ids=SPONSOR, release=RELEASE, params=params, out=mine_out)

        def baseline() -> None:
            con = duckdb.connect()
            con.execute("SET enable_progress_bar = false")
            con.execute(baseline_sql(enrollment, claims, base_out, params))
            con.close()

        frames.connect("duckdb")  # import ibis and duckdb once, outside the timings
        load_before = _measure.load_average()
        runs = _measure.interleaved({"baseline": baseline, "pipeline": pipeline}, REPEATS)
        mine_best, base_best = _measure.best(runs["pipeline"]), _measure.best(runs["baseline"])
        summary = runs["pipeline"][-1].value
        same = pq.read_table(mine_out).equals(pq.read_table(base_out).cast(pq.read_schema(mine_out)))
        return [{
            "claims": N_CLAIMS, "enrollment_rows": pq.ParquetFile(enrollment).metadata.num_rows,
            "claims_out": summary.claims_out, "enrollees_with_claims": summary.enrollees_with_claims,
            "generate_s": round(generate_s, 2), "repeats": REPEATS, "baseline": base_best, "pipeline": mine_best,
            **_measure.ratios(mine_best, base_best),
            "runs": {k: [[round(r.wall_s, 2), round(r.cpu_s, 2)] for r in v] for k, v in runs.items()},
            "extracts_identical": same, "load_average": [load_before, _measure.load_average()],
            "cores": os.cpu_count(),
        }]
