"""The Ibis batch pipeline gives the pure per-claim decisions (parity on seeded and hypothesis-generated data),
validates its inputs in the engine, and answers party() and notices() like the pure rules."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from preclusion_strategies import claims, postings

from partcd.core.errors import InputError
from partcd.platform import frames
from partcd.preclusion import pipelines
from partcd.preclusion.rules.models import Claim, ListPosting
from partcd.preclusion.rules.notices import NoticeSent, ServiceRecord, beneficiary_notices
from partcd.preclusion.rules.params import PreclusionParams
from partcd.preclusion.rules.party import episode_dates
from partcd.preclusion.rules.screening import screen_claim
from partcd.preclusion.samples import synthetic_claims, synthetic_history, synthetic_list, write_sample

SEED = 20200101


def _write(table: pa.Table, path: Path) -> Path:
    if path.suffix == ".csv":
        pacsv.write_csv(table, path)
    else:
        pq.write_table(table, path)
    return path


def _pure(claim_rows: Sequence[dict[str, Any]], postings_: Sequence[ListPosting],
          params_for: Any = None) -> list[dict[str, Any]]:
    index = pipelines.index_postings(postings_)
    out = []
    for row in claim_rows:
        claim = Claim.model_validate(row)
        params = params_for(claim.adjudication_date) if params_for else pipelines.params_at(claim.adjudication_date)
        out.append(screen_claim(claim, index.get(claim.npi, ()), params).model_dump())
    return sorted(out, key=lambda r: r["claim_id"])


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """3,000 list rows and 30,000 claims adjudicated 2019-2025 (both parameter files), CSV list, Parquet claims."""
    rng = np.random.default_rng(SEED)
    folder = tmp_path_factory.mktemp("preclusion")
    postings_table = synthetic_list(rng, 3000)
    claims_table = synthetic_claims(rng, 30000, postings_table, first_service=dt.date(2019, 1, 1))
    return {"list": _write(postings_table, folder / "list.csv"), "claims": _write(claims_table, folder / "claims.parquet"),
            "claims_table": claims_table, "postings_table": postings_table, "folder": folder,
            "postings": pipelines.read_postings(folder / "list.csv")}


def test_seeded_parity_over_both_periods(sample: dict[str, Any]) -> None:
    engine = pipelines.decisions_as_records(pipelines.screen(sample["list"], sample["claims"]))
    pure = _pure(sample["claims_table"].to_pylist(), sample["postings"])
    assert len(engine) == len(pure) == 30000
    assert engine == pure
    reasons = {r["reason"].split(":")[0] for r in pure}
    assert reasons == {"S1", "S2", "S2b", "S3", "S4", "S4i", "S5", "S6", "S7", "S8"}  # every row of the table is hit
    assert {r["decision"] for r in pure} == {"PAY", "DENY_PAYMENT", "ACCEPT", "REJECT", "DENY", "PDE_ALLOWED",
                                             "PDE_FORBIDDEN"}


def test_seeded_parity_with_the_proposal_variant(sample: dict[str, Any]) -> None:
    engine = pipelines.decisions_as_records(pipelines.screen(sample["list"], sample["claims"], variant="proposal-4185-p"))
    pure = _pure(sample["claims_table"].to_pylist(), sample["postings"],
                 lambda day: pipelines.params_at(day, "proposal-4185-p"))
    assert engine == pure


def test_the_variant_denies_on_notice_plus_60_in_the_engine(tmp_path: Path) -> None:
    (tmp_path / "list.csv").write_text(LIST_HEADER + "1234567893,A,revoked,2020-03-01,2020-03-01,,2023-03-01\n")
    (tmp_path / "claims.csv").write_text(
        "claim_id,program,transaction,npi,contracted,beneficiary_notice_sent_date,service_date,adjudication_date\n"
        "C1,MA,MA_CLAIM,1234567893,true,2020-03-10,2020-05-01,2020-05-09\n")  # notice + 60
    law = pipelines.decisions_as_records(pipelines.screen(tmp_path / "list.csv", tmp_path / "claims.csv"))
    proposal = pipelines.decisions_as_records(pipelines.screen(tmp_path / "list.csv", tmp_path / "claims.csv",
                                                               variant="proposal-4185-p"))
    assert (law[0]["decision"], proposal[0]["decision"]) == ("PAY", "DENY_PAYMENT")


def _custom_run(list_path: Path, claims_path: Path, params: PreclusionParams) -> list[dict[str, Any]]:
    """The engine path with one parameter file of our own (for the named choices)."""
    con = frames.connect("duckdb")
    raw = pipelines.read_list(con, list_path)
    claims_tbl = pipelines.read_typed(con, claims_path, pipelines.CLAIM_TYPES, pipelines.CLAIM_REQUIRED, "c")
    periods = [pipelines.Period(0, dt.date(2019, 1, 1), params)]
    parties = pipelines.episodes_table(con, raw, periods, str(list_path))
    return pipelines.decisions_as_records(pipelines.screen_expr(pipelines.with_period(claims_tbl, periods), parties, periods))


CHOICES: list[dict[str, Any]] = [
    {"list_status_date_text": "adjudication_date"},
    {"no_denial_window_date_text": "service_date"},
    {"input_end_dates_text": "last_day_on"},
    {"no_notice_first_denial_text": "effective_date"},
    {"notice_before_posting_counts_bool": True},
    {"pde_in_no_denial_window_text": "allowed", "oig_exclusion_overrides_window_bool": False},
    {"notice_required_before_denial_programs_list": ("PART_D",), "no_denial_window_calendar_days": 0,
     "first_denial_after_notice_calendar_days": 1, "felony_preclusion_period_years": None,
     "oig_effective_on_exclusion_date_bool": False, "oig_reinstatement_later_of_bool": False},
]


@pytest.mark.parametrize("changes", CHOICES, ids=[",".join(c) for c in CHOICES])
def test_parity_under_every_named_choice(sample: dict[str, Any], changes: dict[str, Any]) -> None:
    params = pipelines.params_at(dt.date(2021, 1, 1)).model_copy(update=changes)
    rows = sample["claims_table"].slice(0, 8000)
    path = _write(rows, sample["folder"] / f"claims_{abs(hash(str(changes)))}.parquet")
    engine = _custom_run(sample["list"], path, params)
    assert engine == _pure(rows.to_pylist(), sample["postings"], lambda _day: params)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(st.lists(postings(), min_size=1, max_size=6), st.lists(claims(), min_size=1, max_size=40),
       st.sampled_from(["csv", "parquet"]))
def test_hypothesis_parity(tmp_path: Path, listed: list[ListPosting], claim_list: list[Claim], fmt: str) -> None:
    """Random small lists (at most one episode per NPI kept) and random claims: engine == pure, row for row."""
    by_npi: dict[str, ListPosting] = {}
    for p in listed:
        by_npi.setdefault(p.npi, p)
    list_rows = [p.model_dump() for p in by_npi.values()]
    claim_rows = [c.model_copy(update={"claim_id": f"C{i:03d}"}).model_dump() for i, c in enumerate(claim_list)]
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    list_path = _write(pa.Table.from_pylist(list_rows), folder / f"list.{fmt}")
    claims_path = _write(pa.Table.from_pylist(claim_rows, schema=_claim_schema()), folder / f"claims.{fmt}")
    engine = pipelines.decisions_as_records(pipelines.screen(list_path, claims_path))
    assert engine == _pure(claim_rows, list(by_npi.values()))


def _claim_schema() -> pa.Schema:
    return pa.schema([("claim_id", pa.string()), ("program", pa.string()), ("transaction", pa.string()),
                      ("npi", pa.string()), ("contracted", pa.bool_()), ("beneficiary_notice_sent_date", pa.date32()),
                      ("service_date", pa.date32()), ("adjudication_date", pa.date32()),
                      ("prescriber_named_in_request", pa.bool_())])


@pytest.mark.parametrize("changes", [{}, *CHOICES[2:3], *CHOICES[6:]], ids=["law", "last_day_on", "2019"])
def test_engine_episodes_equal_the_pure_episode_dates(sample: dict[str, Any], changes: dict[str, Any]) -> None:
    params = pipelines.params_at(dt.date(2021, 1, 1)).model_copy(update=changes)
    con = frames.connect("duckdb")
    raw = pipelines.read_list(con, sample["list"])
    engine = {(r["npi"], r["effective_date"], r["period_end"])
              for r in pipelines.parties_expr(raw, params, None).to_pyarrow().to_pylist()}
    pure = set()
    for p in sample["postings"]:
        e = episode_dates(p, params)
        if e.period_end is None or e.period_end > e.effective_date:
            pure.add((p.npi, e.effective_date, e.period_end or pipelines.OPEN_END))
    assert engine == pure


def test_csv_and_parquet_agree_and_extra_columns_are_ignored(sample: dict[str, Any]) -> None:
    rows = sample["claims_table"].slice(0, 2000)
    extra = rows.append_column("member_zip", pa.array(["00000"] * rows.num_rows))
    csv_path = _write(extra, sample["folder"] / "extra.csv")
    parquet_path = _write(rows, sample["folder"] / "plain.parquet")
    assert pipelines.decisions_as_records(pipelines.screen(sample["list"], csv_path)) == \
        pipelines.decisions_as_records(pipelines.screen(sample["list"], parquet_path))


def test_optional_list_columns_may_be_absent(tmp_path: Path) -> None:
    (tmp_path / "list.csv").write_text(
        "npi,party_name,basis,effective_date,list_posting_date\n1234567893,Synthetic A,not_enrolled,2020-03-01,2020-03-01\n")
    (tmp_path / "claims.csv").write_text(
        "claim_id,program,transaction,npi,service_date,adjudication_date,contracted\n"
        "C1,MA,MA_CLAIM,1234567893,2020-06-01,2020-06-10,true\nC2,MA,MA_CLAIM,1234567893,2020-05-30,2020-05-30,false\n")
    out = pipelines.decisions_as_records(pipelines.screen(tmp_path / "list.csv", tmp_path / "claims.csv"))
    # no notice: first denial 2020-03-01 + 91 = 2020-05-31; an open-ended listing (no bar end known)
    assert [(r["claim_id"], r["decision"], r["in_no_denial_window"]) for r in out] == \
        [("C1", "DENY_PAYMENT", False), ("C2", "PAY", True)]


LIST_HEADER = "npi,party_name,basis,effective_date,list_posting_date,felony_conviction_date,reenrollment_bar_end\n"


@pytest.mark.parametrize(("rows", "field", "message"), [
    ("123456789,A,revoked,2020-03-01,2020-03-01,,\n", "npi", "10 digits"),
    ("1234567893,A,felony,2020-03-01,2020-03-01,,\n", "felony_conviction_date", "needs felony_conviction_date"),
    ("1234567893,A,suspended,2020-03-01,2020-03-01,,\n", "basis", "basis must be"),
    ("1234567893,A,revoked,2020-03-01,2020-03-01,,2022-01-01\n1234567893,B,revoked,2020-03-01,2020-04-01,,2022-01-01\n",
     "effective_date", "listed 2 times"),
    ("1234567893,A,revoked,2020-03-01,2020-03-01,,2022-01-01\n1234567893,B,revoked,2021-03-01,2021-03-01,,2023-01-01\n",
     "npi", "overlapping listing episodes"),
])
def test_bad_list_rows_are_input_errors(tmp_path: Path, rows: str, field: str, message: str) -> None:
    (tmp_path / "list.csv").write_text(LIST_HEADER + rows)
    (tmp_path / "claims.csv").write_text(
        "claim_id,program,transaction,npi,service_date,adjudication_date\nC1,PART_D,PHARMACY_CLAIM,1,2020-06-01,2020-06-01\n")
    with pytest.raises(InputError) as exc:
        pipelines.screen(tmp_path / "list.csv", tmp_path / "claims.csv")
    assert (exc.value.field, exc.value.file) == (field, str(tmp_path / "list.csv"))
    assert message in exc.value.reason


CLAIM_HEADER = "claim_id,program,transaction,npi,contracted,service_date,adjudication_date,prescriber_named_in_request\n"


@pytest.mark.parametrize(("row", "field", "message"), [
    ("C1,PART_D,MA_CLAIM,1234567893,true,2020-06-01,2020-06-01,", "program", "other program"),
    ("C1,MA,MA_CLAIM,1234567893,,2020-06-01,2020-06-01,", "contracted", "needs contracted"),
    ("C1,PART_D,REIMBURSEMENT_REQUEST,1234567893,,2020-06-01,2020-06-01,", "prescriber_named_in_request", "needs"),
    ("C1,PART_D,PHARMACY_CLAIM,1234567893,,2020-06-01,2020-05-01,", "adjudication_date", "before service_date"),
    ("C1,PART_D,PHARMACY_CLAIM,1234567893,,2018-06-01,2018-06-01,", "adjudication_date", "first preclusion parameter"),
    ("C1,PART_D,PDE,1234567893,,2020-06-01,2020-06-01,", "transaction", "transaction must be"),
    (",PART_D,PHARMACY_CLAIM,1234567893,,2020-06-01,2020-06-01,", "claim_id", "empty claim_id"),
])
def test_bad_claim_rows_are_input_errors(tmp_path: Path, row: str, field: str, message: str) -> None:
    (tmp_path / "list.csv").write_text(LIST_HEADER + "1234567893,A,revoked,2020-03-01,2020-03-01,,2022-01-01\n")
    (tmp_path / "claims.csv").write_text(CLAIM_HEADER + "C0,MA,MA_CLAIM,1111111112,true,2020-06-01,2020-06-02,\n" + row + "\n")
    with pytest.raises(InputError) as exc:
        pipelines.screen(tmp_path / "list.csv", tmp_path / "claims.csv")
    assert exc.value.field == field and message in exc.value.reason
    assert "row(s)" in exc.value.reason


def test_unreadable_values_and_missing_columns_name_the_file(tmp_path: Path) -> None:
    (tmp_path / "list.csv").write_text(LIST_HEADER + "1234567893,A,revoked,2020-13-45,2020-03-01,,\n")
    (tmp_path / "claims.csv").write_text("claim_id,program\nC1,MA\n")
    with pytest.raises(InputError, match="cannot read"):
        pipelines.screen(tmp_path / "list.csv", tmp_path / "claims.csv")
    (tmp_path / "list.csv").write_text(LIST_HEADER + "1234567893,A,revoked,2020-03-01,2020-03-01,,\n")
    with pytest.raises(InputError) as exc:
        pipelines.screen(tmp_path / "list.csv", tmp_path / "claims.csv")
    assert exc.value.field == "transaction" and "required column" in exc.value.reason
    with pytest.raises(InputError, match="file not found"):
        pipelines.screen(tmp_path / "nope.csv", tmp_path / "claims.csv")


def test_party_reports_the_episode_as_of_a_date(tmp_path: Path) -> None:
    (tmp_path / "list.csv").write_text(
        LIST_HEADER + "1234567893,Synthetic Physician,felony,2020-06-02,2020-06-02,2020-01-02,2022-06-02\n"
        "1111111112,Synthetic Clinic,revoked,2020-03-01,2020-03-01,,2021-03-01\n"
        "1111111112,Synthetic Clinic,revoked,2022-03-01,2022-03-15,,\n")
    felon = pipelines.party(tmp_path / "list.csv", "1234567893", dt.date(2021, 1, 1))
    assert (felon["on_list"], felon["effective_date"], felon["preclusion_period_end"], felon["notice_due_by"]) == \
        (True, "2020-06-02", "2030-01-02", "2020-07-02")
    # the same party under the 2019 law (no felony period): the reenrollment bar end
    assert pipelines.party(tmp_path / "list.csv", "1234567893", dt.date(2019, 12, 1))["preclusion_period_end"] == "2022-06-02"
    between = pipelines.party(tmp_path / "list.csv", "1111111112", dt.date(2021, 6, 1))
    assert (between["on_list"], between["preclusion_period_end"], between["episodes"]) == (False, "2021-03-01", 2)
    relisted = pipelines.party(tmp_path / "list.csv", "1111111112", dt.date(2022, 6, 1))
    assert (relisted["on_list"], relisted["preclusion_period_end"], relisted["notice_due_by"]) == \
        (True, None, "2022-04-14")
    absent = pipelines.party(tmp_path / "list.csv", "1555555550", dt.date(2022, 6, 1))
    assert (absent["on_list"], absent["effective_date"], absent["preclusion_period_end"]) == (False, None, None)


def test_notices_pipeline_equals_the_pure_rule(sample: dict[str, Any]) -> None:
    rng = np.random.default_rng(SEED + 1)
    history = synthetic_history(rng, 20000, sample["postings_table"])
    history_path = _write(history, sample["folder"] / "history.csv")
    posting_date = dt.date(2022, 5, 1)  # a monthly posting of the synthetic list (first of the month)
    sent = [NoticeSent(beneficiary_id=str(r["beneficiary_id"]), npi=str(r["npi"]),
                       sent_date=posting_date + dt.timedelta(days=10)) for r in history.slice(0, 50).to_pylist()]
    as_of = posting_date + dt.timedelta(days=45)
    run = pipelines.notices(sample["list"], history_path, posting_date, as_of, sent=sent)
    records = [ServiceRecord.model_validate(r) for r in history.to_pylist()]
    pure = beneficiary_notices(sample["postings"], records, posting_date, pipelines.params_at(posting_date), as_of, sent)
    assert run == pure
    assert run.notices and {n.status for n in run.notices} >= {"overdue"}


def test_write_sample_is_seeded(tmp_path: Path) -> None:
    a_list, a_claims = write_sample(tmp_path / "a", seed=7, n_list=200, n_claims=500)
    b_list, b_claims = write_sample(tmp_path / "b", seed=7, n_list=200, n_claims=500, fmt="parquet")
    assert pacsv.read_csv(a_list).num_rows == 200
    assert pipelines.read_postings(a_list) == pipelines.read_postings(b_list)
    assert pipelines.decisions_as_records(pipelines.screen(a_list, a_claims)) == \
        pipelines.decisions_as_records(pipelines.screen(b_list, b_claims))


@pytest.mark.spark
def test_spark_gives_the_duckdb_decisions(sample: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """The same expressions on a local Spark session: CSV list, Parquet claims (both periods), 3,000 claims.
    (SPARK_LOCAL_IP: this machine's host name resolves to an address Spark's block manager cannot reach.)"""
    pytest.importorskip("pyspark")
    monkeypatch.setenv("SPARK_LOCAL_IP", "127.0.0.1")
    rows = sample["claims_table"].slice(0, 3000)
    claims_path = _write(rows, sample["folder"] / "spark_claims.parquet")
    csv_claims = _write(rows.slice(0, 500), sample["folder"] / "spark_claims.csv")
    duck = pipelines.decisions_as_records(pipelines.screen(sample["list"], claims_path))
    assert pipelines.decisions_as_records(pipelines.screen(sample["list"], claims_path, engine="spark")) == duck
    assert pipelines.decisions_as_records(pipelines.screen(sample["list"], csv_claims, engine="spark")) == \
        pipelines.decisions_as_records(pipelines.screen(sample["list"], csv_claims))


def test_read_postings_names_the_row_or_the_npi(tmp_path: Path) -> None:
    (tmp_path / "list.csv").write_text(LIST_HEADER + "1234567893,A,revoked,2020-03-01,2020-03-01,,2022-01-01\n"
                                                     "1111111112,B,felony,2020-03-01,2020-03-01,,2022-01-01\n")
    with pytest.raises(InputError) as exc:
        pipelines.read_postings(tmp_path / "list.csv")
    assert (exc.value.row, exc.value.field) == (3, None) and "felony_conviction_date" in exc.value.reason  # header = row 1
    with pytest.raises(InputError, match=r"npi '1111111112'"):
        pipelines.party(tmp_path / "list.csv", "1111111112", dt.date(2021, 1, 1))
    assert pipelines.party(tmp_path / "list.csv", "1234567893", dt.date(2021, 1, 1))["on_list"] is True


def test_notices_refuse_a_bad_history_row(tmp_path: Path) -> None:
    (tmp_path / "list.csv").write_text(LIST_HEADER + "1234567893,A,revoked,2020-03-01,2020-03-01,,2022-01-01\n")
    (tmp_path / "history.csv").write_text("beneficiary_id,npi,program,service_date\nB1,1234567893,PART_C,2020-01-05\n")
    with pytest.raises(InputError) as exc:
        pipelines.notices(tmp_path / "list.csv", tmp_path / "history.csv", dt.date(2020, 3, 1), dt.date(2020, 3, 5))
    assert exc.value.field == "program" and "'B1'" in exc.value.reason
