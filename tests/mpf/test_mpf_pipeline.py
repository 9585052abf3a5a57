"""The batch pipeline: parity with the pure per-PDE rule on seeded samples (DuckDB; Spark under the ``spark`` mark),
CSV = Parquet, bad rows named by file, row and field (or quarantined), the reference-file checks, the service."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest

from partcd import registry
from partcd.core.errors import InputError, ParameterError
from partcd.mpf import pipelines
from partcd.mpf.rules import (
    BidSupply,
    MpfPrice,
    Pde,
    PdeOutcome,
    PharmacyCost,
    assess_pde,
    contract_score,
    contract_totals,
)
from partcd.mpf.rules.params import MpfParams
from partcd.mpf.samples import SampleFiles, synthetic_world, write_sample

SEED = 20240517
N = 4000


@pytest.fixture(scope="module")
def parquet(tmp_path_factory: pytest.TempPathFactory) -> SampleFiles:
    return write_sample(tmp_path_factory.mktemp("mpf_parquet"), np.random.default_rng(SEED), N)


@pytest.fixture(scope="module")
def csv_files(tmp_path_factory: pytest.TempPathFactory) -> SampleFiles:
    return write_sample(tmp_path_factory.mktemp("mpf_csv"), np.random.default_rng(SEED), N, fmt="csv")


def _records(path: Path) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if v is not None} for r in pq.read_table(path).to_pylist()]


def pure_outcomes(files: SampleFiles, params: MpfParams, measurement_year: int) -> dict[str, PdeOutcome]:
    """Every PDE through :func:`assess_pde`, handed the MPF rows of its plan and pharmacy (an index, for speed)."""
    pharmacies = [PharmacyCost.model_validate(r) for r in _records(files.pharmacies)]
    prices = [MpfPrice.model_validate(r) for r in _records(files.prices)]
    bids = [BidSupply.model_validate(r) for r in _records(files.bid_supply)]
    by_pharmacy: dict[tuple[str, str, str], list[PharmacyCost]] = defaultdict(list)
    for p in pharmacies:
        by_pharmacy[(p.contract_id, p.plan_id, p.pharmacy_npi)].append(p)
    by_drug: dict[tuple[str, str, str, str], list[MpfPrice]] = defaultdict(list)
    for q in prices:
        by_drug[(q.contract_id, q.plan_id, q.price_id, q.ndc)].append(q)
    out = {}
    for row in _records(files.pde):
        pde = Pde.model_validate(row)
        mine = by_pharmacy[(pde.contract_id, pde.plan_id, pde.pharmacy_npi)]
        candidates = [q for pid in {p.price_id for p in mine} for q in by_drug[(pde.contract_id, pde.plan_id, pid, pde.mpf_ndc)]]
        out[pde.pde_id] = assess_pde(pde, mine, candidates, params, measurement_year, bids)
    return out


def engine_outcomes(files: SampleFiles, params: MpfParams, measurement_year: int, engine: str = "duckdb",
                    pde: Path | None = None) -> dict[str, dict[str, Any]]:
    inputs = pipelines.read_inputs(pde or files.pde, files.prices, files.pharmacies, bid_supply=files.bid_supply,
                                   engine=engine)
    return {r["pde_id"]: r for r in pipelines.outcomes(inputs, params, measurement_year).to_pyarrow().to_pylist()}


def assert_same(pure: dict[str, PdeOutcome], engine: dict[str, dict[str, Any]]) -> None:
    assert set(pure) == set(engine)
    fields = ("contract_id", "exclusion", "supply_months", "pde_total_cost", "mpf_total_cost", "difference",
              "amount_above_mpf", "price_increase_counted", "claim_counted")
    differing = [(pde_id, f, getattr(o, f), engine[pde_id][f]) for pde_id, o in pure.items() for f in fields
                 if getattr(o, f) != engine[pde_id][f]]
    assert differing[:5] == []


@pytest.mark.parametrize(("year", "variant"), [(2026, None), (2022, None), (2026, "proposal-4185-p")])
def test_duckdb_gives_the_pure_outcome_of_every_pde(parquet: SampleFiles, year: int, variant: str | None) -> None:
    params = pipelines.params_for(year, variant)
    pure = pure_outcomes(parquet, params, 2024)
    assert_same(pure, engine_outcomes(parquet, params, 2024))
    reasons = {o.exclusion for o in pure.values()}
    assert reasons == {None, "outside_measurement_period", "compound", "non_covered_drug", "days_supply",
                       "pharmacy_not_on_mpf", "not_retail", "drug_not_on_mpf"}, "the sample exercises every branch"
    assert sum(o.price_increase_counted for o in pure.values()) > 100


def test_the_run_scores_the_pure_totals(parquet: SampleFiles) -> None:
    params = pipelines.params_for(2026)
    totals = contract_totals(pure_outcomes(parquet, params, 2024).values())
    run = pipelines.score(parquet.pde, parquet.prices, parquet.pharmacies, 2026, bid_supply=parquet.bid_supply)
    assert {t.contract_id: t for t in run.totals} == totals
    assert list(run.scores) == [contract_score(t, params) for t in totals.values()]
    assert all(s.scored and s.measure_id == "D07" and s.measure_score is not None for s in run.scores)
    assert (run.measurement_year, run.period_start, run.period_end) == (2024, dt.date(2024, 1, 1), dt.date(2024, 9, 30))
    assert run.pde_rows == N and run.quarantined_rows == 0 and run.unverified == ()


def test_the_proposal_and_the_2026_notes_give_different_scores_on_the_same_pdes(parquet: SampleFiles) -> None:
    law = pipelines.score(parquet.pde, parquet.prices, parquet.pharmacies, 2026, bid_supply=parquet.bid_supply)
    proposal = pipelines.score(parquet.pde, parquet.prices, parquet.pharmacies, 2026, bid_supply=parquet.bid_supply,
                               variant="proposal-4185-p")
    assert proposal.method == "proposal-4185-p"
    for a, b in zip(law.totals, proposal.totals, strict=True):
        # the proposal checks the service type at every retail pharmacy: more "not retail"
        assert b.excluded["not_retail"] > a.excluded["not_retail"]
    # 94-100 days count for every plan under the proposal, only for the plans that bid 100 days under the 2026 TN
    assert sum(t.excluded["days_supply"] for t in proposal.totals) < sum(t.excluded["days_supply"] for t in law.totals)
    assert [s.measure_score for s in law.scores] != [s.measure_score_unrounded for s in proposal.scores]


def test_csv_gives_the_parquet_result(parquet: SampleFiles, csv_files: SampleFiles) -> None:
    a = pipelines.score(parquet.pde, parquet.prices, parquet.pharmacies, 2026, bid_supply=parquet.bid_supply)
    b = pipelines.score(csv_files.pde, csv_files.prices, csv_files.pharmacies, 2026, bid_supply=csv_files.bid_supply)
    assert a.totals == b.totals and a.scores == b.scores


def test_a_drafted_year_scores_and_lists_its_unverified_values(parquet: SampleFiles) -> None:
    run = pipelines.score(parquet.pde, parquet.prices, parquet.pharmacies, 2024, measurement_year=2024)
    assert run.params_file == "2024.yaml" and len(run.unverified) == 19 and "min_excess_counted_usd" in run.unverified
    assert run.measurement_year == 2024
    default = pipelines.score(parquet.pde, parquet.prices, parquet.pharmacies, 2024)
    assert default.measurement_year == 2022 and all(not s.scored for s in default.scores)  # no PDE of 2022
    assert all(t.excluded["outside_measurement_period"] == t.pdes for t in default.totals)


def test_the_service_hands_the_stars_area_d07_per_contract(parquet: SampleFiles) -> None:
    service = registry.service("mpf_price_accuracy")
    records = service(parquet.pde, parquet.prices, parquet.pharmacies, 2026, bid_supply=parquet.bid_supply)
    run = pipelines.score(parquet.pde, parquet.prices, parquet.pharmacies, 2026, bid_supply=parquet.bid_supply)
    assert records == [{"contract_id": s.contract_id, "measure_id": "D07", "measure_key": "mpf_price_accuracy",
                        "rating_year": 2026, "score": s.measure_score, "scored": True, "reason": None,
                        "unverified_parameters": []} for s in run.scores]


# --- bad input ----------------------------------------------------------------------------------------------------------


def _corrupt(src: Path, dst: Path, changes: dict[int, dict[str, str]], drop: str | None = None) -> Path:
    """Copy a CSV, changing cells: ``{file row: {column: new text}}`` (header = row 1)."""
    with src.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    for row_number, cells in changes.items():
        for column, text in cells.items():
            rows[row_number - 1][header.index(column)] = text
    if drop is not None:
        i = header.index(drop)
        rows = [r[:i] + r[i + 1:] for r in rows]
    with dst.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return dst


BAD_ROWS = {5: {"days_supply": "30.5"}, 9: {"ingredient_cost_paid": "12.345"}, 12: {"pharmacy_npi": "12345"},
            15: {"date_of_service": "2024-02-30"}, 17: {"date_of_service": "1999-12-31"},
            20: {"quantity_dispensed": "0"}, 22: {"pde_id": ""}, 25: {"drug_coverage_status_code": "X"}}
BAD_FIELDS = {5: "days_supply", 9: "ingredient_cost_paid", 12: "pharmacy_npi", 15: "date_of_service",
              17: "date_of_service", 20: "quantity_dispensed", 22: "pde_id", 25: "drug_coverage_status_code"}


@pytest.mark.parametrize(("row", "field", "reason"), [
    (5, "days_supply", "must be a whole number from 1 to 999"),
    (9, "ingredient_cost_paid", "with at most 2 decimals"),
    (12, "pharmacy_npi", "must be 10 digits (an NPI)"),
    (15, "date_of_service", "must be a date (YYYY-MM-DD)"),
    (17, "date_of_service", "must be a date from 2000 to 2100"),
    (20, "quantity_dispensed", "a number above 0"),
    (22, "pde_id", "required value missing"),
    (25, "drug_coverage_status_code", "must be one of C, E, O"),
])
def test_a_bad_pde_row_is_named_by_file_row_and_field(csv_files: SampleFiles, tmp_path: Path, row: int, field: str,
                                                      reason: str) -> None:
    bad = _corrupt(csv_files.pde, tmp_path / "bad.csv", {row: BAD_ROWS[row]})
    with pytest.raises(InputError) as exc:
        pipelines.score(bad, csv_files.prices, csv_files.pharmacies, 2026)
    assert (exc.value.file, exc.value.row, exc.value.field) == (str(bad), row, field)
    assert reason in exc.value.reason


def test_the_first_bad_row_is_reported_and_quarantine_keeps_the_good_ones(csv_files: SampleFiles, tmp_path: Path) -> None:
    bad = _corrupt(csv_files.pde, tmp_path / "bad.csv", BAD_ROWS)
    with pytest.raises(InputError, match=r"row 5, field 'days_supply'"):
        pipelines.score(bad, csv_files.prices, csv_files.pharmacies, 2026)
    quarantine = tmp_path / "quarantine.csv"
    run = pipelines.score(bad, csv_files.prices, csv_files.pharmacies, 2026, quarantine=quarantine)
    with quarantine.open(newline="", encoding="utf-8") as fh:
        rejected = list(csv.DictReader(fh))
    assert {int(r["row"]): r["field"] for r in rejected} == BAD_FIELDS
    assert rejected[0]["days_supply"] == "30.5"
    assert run.quarantined_rows == len(BAD_FIELDS) and run.pde_rows == N
    assert sum(t.pdes for t in run.totals) == N - len(BAD_FIELDS)


def test_a_missing_required_column_is_row_1(csv_files: SampleFiles, tmp_path: Path) -> None:
    bad = _corrupt(csv_files.pde, tmp_path / "bad.csv", {}, drop="days_supply")
    with pytest.raises(InputError) as exc:
        pipelines.score(bad, csv_files.prices, csv_files.pharmacies, 2026)
    assert (exc.value.row, exc.value.field, exc.value.reason) == (1, "days_supply", "required column missing")


def test_optional_columns_may_be_absent(csv_files: SampleFiles, tmp_path: Path) -> None:
    lean = csv_files.pde
    for column in ("reference_ndc", "compound_code", "drug_coverage_status_code", "pharmacy_service_type"):
        lean = _corrupt(lean, tmp_path / f"lean_{column}.csv", {}, drop=column)
    run = pipelines.score(lean, csv_files.prices, csv_files.pharmacies, 2026)
    assert all(t.excluded["compound"] == 0 and t.excluded["non_covered_drug"] == 0 for t in run.totals)


def test_overlapping_postings_and_a_doubled_bid_are_refused(csv_files: SampleFiles, tmp_path: Path) -> None:
    prices = _corrupt(csv_files.prices, tmp_path / "prices.csv", {3: {"period_start": "2024-01-01"}})
    with pytest.raises(InputError, match=r"MPF price of contract_id S1000, plan_id 001, price_id P\d, ndc \d{11}, "
                                         r"supply_months \d: the posting period starting 2024-01-01 overlaps"):
        pipelines.score(csv_files.pde, prices, csv_files.pharmacies, 2026)
    bids = tmp_path / "bids.csv"
    bids.write_text("contract_id,plan_id,supply_months,bid_days_supply\nS1000,001,3,100\nS1000,001,3,95\n")
    with pytest.raises(InputError, match="bid supply of contract_id S1000, plan_id 001, supply_months 3 is given 2 times"):
        pipelines.score(csv_files.pde, csv_files.prices, csv_files.pharmacies, 2026, bid_supply=bids)


def test_a_bad_reference_row_is_named_too(csv_files: SampleFiles, tmp_path: Path) -> None:
    pharmacies = _corrupt(csv_files.pharmacies, tmp_path / "ph.csv", {7: {"pharmacy_type": "mail"}})
    with pytest.raises(InputError) as exc:
        pipelines.score(csv_files.pde, csv_files.prices, pharmacies, 2026)
    assert (exc.value.row, exc.value.field) == (7, "pharmacy_type")


def test_claims_out_neutralises_spreadsheet_formulas(csv_files: SampleFiles, tmp_path: Path) -> None:
    pde = _corrupt(csv_files.pde, tmp_path / "pde.csv", {2: {"pde_id": "=HYPERLINK(1)"}, 3: {"pde_id": "-7"}})
    out = tmp_path / "claims.csv"
    pipelines.score(pde, csv_files.prices, csv_files.pharmacies, 2026, claims_out=out)
    with out.open(newline="", encoding="utf-8") as fh:
        ids = {r["pde_id"] for r in csv.DictReader(fh)}
    assert {"'=HYPERLINK(1)", "'-7", "PDE2"} <= ids and "=HYPERLINK(1)" not in ids


def test_files_that_are_not_there_or_not_tables(csv_files: SampleFiles, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        pipelines.score(tmp_path / "nope.csv", csv_files.prices, csv_files.pharmacies, 2026)
    (tmp_path / "x.xlsx").write_text("x")
    with pytest.raises(InputError, match="use CSV or Parquet"):
        pipelines.score(tmp_path / "x.xlsx", csv_files.prices, csv_files.pharmacies, 2026)
    with pytest.raises(ParameterError, match="no parameters for rating_year 2030"):
        pipelines.score(csv_files.pde, csv_files.prices, csv_files.pharmacies, 2030)


def test_top_claims_are_the_largest_amounts_above_mpf(parquet: SampleFiles) -> None:
    run = pipelines.score(parquet.pde, parquet.prices, parquet.pharmacies, 2026, bid_supply=parquet.bid_supply,
                          top_claims=5)
    amounts = [r["amount_above_mpf"] for r in run.top_claims]
    assert len(amounts) == 5 and amounts == sorted(amounts, reverse=True) and amounts[-1] > Decimal(0)
    pure = pure_outcomes(parquet, pipelines.params_for(2026), 2024)
    assert amounts[0] == max(o.amount_above_mpf for o in pure.values())


@pytest.mark.spark
def test_spark_gives_the_pure_outcomes_and_the_same_bad_rows(parquet: SampleFiles, csv_files: SampleFiles,
                                                             tmp_path: Path) -> None:
    pytest.importorskip("pyspark")
    params = pipelines.params_for(2026)
    small = tmp_path / "small.parquet"
    pq.write_table(pq.read_table(parquet.pde).slice(0, 1500), small)
    pure = {k: v for k, v in pure_outcomes(parquet, params, 2024).items() if int(k[3:]) < 1500}
    assert_same(pure, engine_outcomes(parquet, params, 2024, engine="spark", pde=small))
    bad = _corrupt(csv_files.pde, tmp_path / "bad.csv", BAD_ROWS)
    with pytest.raises(InputError, match=r"row 5, field 'days_supply'"):
        pipelines.score(bad, csv_files.prices, csv_files.pharmacies, 2026, engine="spark")
    quarantine = tmp_path / "quarantine.csv"
    run = pipelines.score(bad, csv_files.prices, csv_files.pharmacies, 2026, engine="spark", quarantine=quarantine)
    duck = pipelines.score(bad, csv_files.prices, csv_files.pharmacies, 2026, quarantine=tmp_path / "q2.csv")
    assert run.totals == duck.totals and run.quarantined_rows == len(BAD_ROWS)
    with quarantine.open(newline="", encoding="utf-8") as fh:
        assert {int(r["row"]): r["field"] for r in csv.DictReader(fh)} == BAD_FIELDS


def test_the_sample_world_is_reproducible() -> None:
    a, b = synthetic_world(np.random.default_rng(1)), synthetic_world(np.random.default_rng(1))
    assert a.prices().equals(b.prices()) and a.pharmacies().equals(b.pharmacies())
