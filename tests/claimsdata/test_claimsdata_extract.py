"""The extract on the tabular engine: a hand-built case with every filter, an independent Python implementation on
synthetic files, CSV = Parquet, text codes kept, formula cells neutralised, errors with the pointer, no identifier in
the logs, and DuckDB/Spark parity."""

from __future__ import annotations

import csv
import datetime as dt
import logging
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from partcd.claimsdata.pipelines.extract import build_extract
from partcd.claimsdata.rules.parameters import ClaimsDataParams
from partcd.claimsdata.rules.releases import Release
from partcd.claimsdata.samples import RELEASES, write_files
from partcd.core.errors import InputError
from partcd.platform.params import load_params

PARAMS = load_params("claimsdata", dt.date(2020, 8, 15)).typed(ClaimsDataParams)
FIRST = Release(release_date=dt.date(2020, 8, 15), period_start=dt.date(2020, 1, 1), period_end=dt.date(2020, 3, 31))
ENROLLMENT = """enrollee_id,contract_id,enrollment_start,enrollment_end
1AA0AA0AA00,S5601,2019-01-01,
1AA0AA0AA01,S5602,2020-01-01,2020-06-30
1AA0AA0AA02,S7001,2019-01-01,
1AA0AA0AA03,S5601,2020-09-01,
1AA0AA0AA04,S5602,2020-02-01,2020-08-15
"""
CLAIMS = """claim_id,enrollee_id,claim_type,from_date,thru_date,hcpcs_code,place_of_service,rendering_npi,paid_amount_usd,\
beneficiary_name
C1,1AA0AA0AA00,carrier,2020-01-15,2020-01-15,=HYPERLINK("x"),11,1234567893,80.10,Synthetic Member 1
C2,1AA0AA0AA00,part_d_event,2020-01-20,2020-01-20,,,,12.00,Synthetic Member 1
C3,1AA0AA0AA00,inpatient,2019-12-31,2020-01-03,,21,1234567893,9000.00,Synthetic Member 1
C4,1AA0AA0AA00,outpatient,2020-03-31,2020-03-31,99213,22,1234567893,150.00,Synthetic Member 1
C5,1AA0AA0AA01,carrier,2020-02-01,2020-02-01,99214,11,1234567893,90.00,Synthetic Member 2
C6,1AA0AA0AA02,carrier,2020-02-01,2020-02-01,99214,11,1234567893,90.00,Synthetic Member 3
C7,1AA0AA0AA04,hospice,2020-02-10,2020-02-28,,02,0123456789,4000.00,Synthetic Member 5
C8,1AA0AA0AA03,skilled_nursing_facility,2020-03-01,2020-03-05,,31,1234567893,7000.00,Synthetic Member 4
C9,1AA0AA0AA04,home_health,2020-04-01,2020-04-30,,12,1234567893,500.00,Synthetic Member 5
"""


@pytest.fixture()
def files(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "enrollment.csv").write_text(ENROLLMENT)
    (tmp_path / "claims.csv").write_text(CLAIMS)
    return tmp_path / "enrollment.csv", tmp_path / "claims.csv"


def test_every_filter_by_hand(files: tuple[Path, Path], tmp_path: Path) -> None:
    """Population on August 15, 2020: AA00 (open) and AA04 (ends that day); AA01 ended June 30, AA02 is another
    sponsor's, AA03 starts in September. Claims: C2 is no Parts A/B claim type; C3 (Dec 31) and C9 (Apr 1) fall
    outside January 1 - March 31; C5, C6, C8 are not the population's. Kept: C1, C4, C7."""
    s = build_extract(*files, contract_ids=["S5601", "S5602"], release=FIRST, params=PARAMS, out=tmp_path / "x.parquet")
    assert (s.population_date, s.enrollees_in_population, s.claims_in_file) == ("2020-08-15", 2, 9)
    assert (s.excluded_claim_type, s.excluded_outside_period, s.excluded_not_enrolled) == (1, 2, 3)
    assert (s.claims_out, s.enrollees_with_claims) == (3, 2)
    assert s.claim_types == {"carrier": 1, "hospice": 1, "outpatient": 1}
    assert s.dropped_columns == ["paid_amount_usd", "beneficiary_name"]
    rows = pq.read_table(tmp_path / "x.parquet").to_pylist()
    assert [r["claim_id"] for r in rows] == ["C1", "C4", "C7"]
    assert set(rows[0]) == {"enrollee_id", "hcpcs_code", "from_date", "thru_date", "place_of_service", "rendering_npi",
                            "claim_id", "claim_type"}
    assert rows[2]["place_of_service"] == "02" and rows[2]["rendering_npi"] == "0123456789"  # codes stay text
    assert rows[0]["from_date"] == dt.date(2020, 1, 15)
    assert len(s.sha256 or "") == 64


def test_population_on_the_period_end_is_the_named_alternative(files: tuple[Path, Path]) -> None:
    """On March 31, 2020 AA01 is enrolled too (January 1 - June 30): C5 joins, 4 claims for 3 enrollees."""
    alt = load_params("claimsdata", dt.date(2020, 8, 15)).with_overrides(
        {"population_date_text": "period_end"}).typed(ClaimsDataParams)
    s = build_extract(*files, contract_ids=["S5601", "S5602"], release=FIRST, params=alt)
    assert (s.population_date, s.enrollees_in_population, s.claims_out) == ("2020-03-31", 3, 4)


def test_csv_output_neutralises_formula_cells(files: tuple[Path, Path], tmp_path: Path) -> None:
    build_extract(*files, contract_ids=["S5601", "S5602"], release=FIRST, params=PARAMS, out=tmp_path / "x.csv")
    rows = list(csv.DictReader((tmp_path / "x.csv").open()))
    assert rows[0]["hcpcs_code"] == "'=HYPERLINK(\"x\")" and rows[1]["hcpcs_code"] == "99213"


def test_errors_name_the_file_and_column(files: tuple[Path, Path], tmp_path: Path) -> None:
    enrollment, claims = files
    bad = tmp_path / "no_type.csv"
    bad.write_text(CLAIMS.replace("claim_type", "kind"))
    with pytest.raises(InputError) as err:
        build_extract(enrollment, bad, contract_ids=["S5601"], release=FIRST, params=PARAMS)
    assert (err.value.file, err.value.row, err.value.field) == (str(bad), 1, "claim_type")
    bad.write_text(CLAIMS.replace("2020-02-10", "10/02/2020"))
    with pytest.raises(InputError, match="1 rows do not hold an ISO date") as err:
        build_extract(enrollment, bad, contract_ids=["S5601"], release=FIRST, params=PARAMS)
    assert err.value.field == "from_date" and "10/02/2020" not in str(err.value)  # the value is not echoed
    with pytest.raises(InputError, match="missing column"):
        build_extract(claims, claims, contract_ids=["S5601"], release=FIRST, params=PARAMS)
    with pytest.raises(InputError, match="file not found"):
        build_extract(tmp_path / "none.csv", claims, contract_ids=["S5601"], release=FIRST, params=PARAMS)


def _reference(enrollment: Path, claims: Path, contracts: set[str], release: Release) -> set[str]:
    """An independent reading of § 423.153(g)(2) in plain Python (csv module), for comparison."""
    day = release.release_date
    population = set()
    for r in csv.DictReader(enrollment.open()):
        start = dt.date.fromisoformat(r["enrollment_start"])
        end = dt.date.fromisoformat(r["enrollment_end"]) if r["enrollment_end"] else None
        if r["contract_id"] in contracts and start <= day and (end is None or end >= day):
            population.add(r["enrollee_id"])
    types = set(PARAMS.claim_types_list.value)
    return {r["claim_id"] for r in csv.DictReader(claims.open())
            if r["claim_type"] in types and r["enrollee_id"] in population
            and release.period_start <= dt.date.fromisoformat(r["from_date"]) <= release.period_end}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_equals_an_independent_implementation_and_csv_equals_parquet(tmp_path: Path, seed: int) -> None:
    enrollment, claims = write_files(tmp_path / "csv", seed=seed, enrollees=300)
    for release in RELEASES:
        out = tmp_path / f"x{seed}.parquet"
        s = build_extract(enrollment, claims, contract_ids=["S5601", "S5602"], release=release, params=PARAMS, out=out)
        got = {r["claim_id"] for r in pq.read_table(out).to_pylist()}
        assert got == _reference(enrollment, claims, {"S5601", "S5602"}, release)
        assert s.claims_out == len(got) > 0
    p_enr, p_claims = write_files(tmp_path / "pq", seed=seed, enrollees=300, fmt="parquet")
    a = build_extract(enrollment, claims, contract_ids=["S5601"], release=RELEASES[1], params=PARAMS)
    b = build_extract(p_enr, p_claims, contract_ids=["S5601"], release=RELEASES[1], params=PARAMS)
    assert a == b


def test_no_identifier_reaches_the_log(files: tuple[Path, Path], caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        s = build_extract(*files, contract_ids=["S5601", "S5602"], release=FIRST, params=PARAMS)
    text = caplog.text + repr(s.to_dict())
    assert "3 kept for 2 enrollees" in caplog.text
    for secret in ("1AA0AA0AA0", "Synthetic Member", "C1,", "99213", "1234567893"):
        assert secret not in text


@pytest.mark.spark
def test_duckdb_spark_parity(tmp_path: Path) -> None:
    enrollment, claims = write_files(tmp_path, seed=5, enrollees=200)
    for release in RELEASES[:2]:
        duck = build_extract(enrollment, claims, contract_ids=["S5601", "S5602"], release=release, params=PARAMS,
                             engine="duckdb", out=tmp_path / "d.parquet")
        spark = build_extract(enrollment, claims, contract_ids=["S5601", "S5602"], release=release, params=PARAMS,
                              engine="spark", out=tmp_path / "s.parquet")
        assert {**duck.to_dict(), "output": None, "sha256": None} == {**spark.to_dict(), "output": None, "sha256": None}
        assert pq.read_table(tmp_path / "d.parquet").to_pylist() == pq.read_table(tmp_path / "s.parquet").to_pylist()
