"""``partcd preclusion ...`` through the root app: outputs in every format, exact column names, exit codes
(0 ran, 1 non-compliance or --fail-on-deny, 2 bad input naming file, row and field), formula-safe CSV, the stored list
and the efforts log.

Hand-computed list: NPI 1234567893 revoked, effective and posted 2020-03-01, bar end 2023-03-01 (first day off).
Claims: C1 an MA claim noticed 2020-03-10 and adjudicated 2020-05-10 = notice + 61: denied (S5); C2 the same on
2020-05-09: inside the window, paid (S4); C3 a pharmacy claim of an unlisted NPI: accepted (S2); C4 a PDE with a
malformed NPI: forbidden (S1).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from partcd.platform.cli import app

runner = CliRunner()
LIST = ("npi,party_name,basis,effective_date,list_posting_date,reenrollment_bar_end\n"
        "1234567893,Synthetic Clinic,revoked,2020-03-01,2020-03-01,2023-03-01\n")
CLAIMS = ("claim_id,program,transaction,npi,contracted,beneficiary_notice_sent_date,service_date,adjudication_date,"
          "prescriber_named_in_request,member_zip\n"
          "C1,MA,MA_CLAIM,1234567893,true,2020-03-10,2020-05-01,2020-05-10,,00000\n"
          "C2,MA,MA_CLAIM,1234567893,true,2020-03-10,2020-05-01,2020-05-09,,00000\n"
          "C3,PART_D,PHARMACY_CLAIM,1555555550,,,2020-05-01,2020-05-01,,00000\n"
          "C4,PART_D,PDE_SUBMISSION,1234567890,,,2020-05-01,2020-05-20,,00000\n")
COLUMNS = ["claim_id", "decision", "on_list_for_service_date", "in_no_denial_window", "reason", "citation"]
EXPECTED = [("C1", "DENY_PAYMENT", True, False, "S5"), ("C2", "PAY", True, True, "S4"), ("C3", "ACCEPT", False, False, "S2"),
            ("C4", "PDE_FORBIDDEN", False, False, "S1")]


def _files(tmp_path: Path, claims: str = CLAIMS) -> tuple[str, str]:
    (tmp_path / "list.csv").write_text(LIST)
    (tmp_path / "claims.csv").write_text(claims)
    return str(tmp_path / "list.csv"), str(tmp_path / "claims.csv")


def _run(*args: str, db: str | None = None) -> tuple[int, str]:
    r = runner.invoke(app, [*(["--db", db] if db else []), "preclusion", *args], env={"PARTCD_ACTOR": "eryn"})
    return r.exit_code, r.output


def _summary(records: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return sorted((r["claim_id"], r["decision"], r["on_list_for_service_date"], r["in_no_denial_window"],
                   str(r["reason"])[:3].rstrip(":")) for r in records)


def test_screen_json_on_stdout(tmp_path: Path) -> None:
    list_path, claims_path = _files(tmp_path)
    code, out = _run("screen", "--list", list_path, "--claims", claims_path, "--json")
    assert code == 0, out
    records = json.loads(out)
    assert list(records[0]) == COLUMNS
    assert _summary(records) == EXPECTED


def test_screen_out_picks_the_format_and_prints_counts(tmp_path: Path) -> None:
    list_path, claims_path = _files(tmp_path)
    for name in ("d.csv", "d.parquet", "d.json"):
        code, out = _run("screen", "--list", list_path, "--claims", claims_path, "--out", str(tmp_path / name), "--json")
        assert code == 0, out
        summary = json.loads(out)
        assert summary["by_decision"] == {"ACCEPT": 1, "DENY_PAYMENT": 1, "PAY": 1, "PDE_FORBIDDEN": 1}
        assert (summary["claims"], summary["denied"], summary["by_rule"]) == (4, 2, {"S1": 1, "S2": 1, "S4": 1, "S5": 1})
    with (tmp_path / "d.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == COLUMNS
    assert _summary([{**r, "on_list_for_service_date": r["on_list_for_service_date"] == "true",
                      "in_no_denial_window": r["in_no_denial_window"] == "true"} for r in rows]) == EXPECTED
    assert _summary(pq.read_table(tmp_path / "d.parquet").to_pylist()) == EXPECTED
    assert _summary(json.loads((tmp_path / "d.json").read_text())) == EXPECTED
    code, out = _run("screen", "--list", list_path, "--claims", claims_path, "--out", str(tmp_path / "d.csv"))
    assert code == 0 and "4 claim lines screened" in out and "DENY_PAYMENT 1" in out


def test_screen_text_table_and_exit_codes(tmp_path: Path) -> None:
    list_path, claims_path = _files(tmp_path)
    code, out = _run("screen", "--list", list_path, "--claims", claims_path)
    assert code == 0 and "DENY_PAYMENT" in out and "by rule:     S1 1, S2 1, S4 1, S5 1" in out
    code, out = _run("screen", "--list", list_path, "--claims", claims_path, "--fail-on-deny", "--out",
                     str(tmp_path / "x.parquet"))
    assert code == 1, out
    paid_only = CLAIMS.splitlines()[0] + "\n" + CLAIMS.splitlines()[2] + "\n"
    list_path, claims_path = _files(tmp_path, paid_only)
    code, out = _run("screen", "--list", list_path, "--claims", claims_path, "--fail-on-deny", "--json")
    assert code == 0 and _summary(json.loads(out)) == [("C2", "PAY", True, True, "S4")]


def test_screen_variant_and_engine_options(tmp_path: Path) -> None:
    list_path, claims_path = _files(tmp_path)
    code, out = _run("screen", "--list", list_path, "--claims", claims_path, "--json", "--variant", "proposal-4185-p",
                     "--engine", "duckdb")
    assert code == 0, out
    assert [r["decision"] for r in sorted(json.loads(out), key=lambda r: r["claim_id"])][:2] == ["DENY_PAYMENT"] * 2
    code, out = _run("screen", "--list", list_path, "--claims", claims_path, "--variant", "final-2019")
    assert code == 2 and "--variant: no such variant: 'final-2019'" in out
    code, out = _run("screen", "--list", list_path, "--claims", claims_path, "--engine", "oracle")
    assert code == 2 and "unknown engine 'oracle'" in out


def test_screen_bad_input_names_file_row_and_field(tmp_path: Path) -> None:
    bad = CLAIMS.replace("C3,PART_D,PHARMACY_CLAIM,1555555550,,,2020-05-01,2020-05-01",
                         "C3,PART_D,PHARMACY_CLAIM,1555555550,,,2020-05-01,2020-04-01")
    list_path, claims_path = _files(tmp_path, bad)
    code, out = _run("screen", "--list", list_path, "--claims", claims_path)
    assert code == 2
    assert f"{claims_path}, row 4, field 'adjudication_date': adjudication_date is before service_date" in out
    code, out = _run("screen", "--list", list_path, "--claims", str(tmp_path / "none.csv"))
    assert code == 2 and "none.csv: file not found" in out
    code, out = _run("screen", "--list", list_path, "--claims", claims_path, "--out", str(tmp_path / "d.txt"))
    assert code == 2 and "--out: " in out and "'.txt' is not a table format; use one of .csv, .json, .parquet or .xlsx" in out
    (tmp_path / "list.csv").write_text(LIST + "12345,Synthetic B,revoked,2020-03-01,2020-03-01,\n")
    code, out = _run("screen", "--list", list_path, "--claims", claims_path)
    assert code == 2 and f"{list_path}, row 3, field 'npi': a listed NPI must be 10 digits" in out


def test_csv_output_neutralises_formula_cells(tmp_path: Path) -> None:
    evil = CLAIMS.replace("C3,", "=HYPERLINK(\"http://x\"),").replace("C4,", "+C4,")
    list_path, claims_path = _files(tmp_path, evil)
    code, out = _run("screen", "--list", list_path, "--claims", claims_path, "--out", str(tmp_path / "d.csv"))
    assert code == 0, out
    with (tmp_path / "d.csv").open(newline="") as fh:
        ids = sorted(r["claim_id"] for r in csv.DictReader(fh))
    assert ids == ["'+C4", "'=HYPERLINK(\"http://x\")", "C1", "C2"]


def test_party_json_and_text(tmp_path: Path) -> None:
    list_path, _ = _files(tmp_path)
    code, out = _run("party", "--list", list_path, "--npi", "1234567893", "--as-of", "2021-01-01", "--json")
    assert code == 0, out
    party = json.loads(out)
    # notice due 2020-03-01 + 30 = 2020-03-31; no notice: first denial 2020-03-31 + 61 = 2020-05-31
    assert (party["effective_date"], party["preclusion_period_end"], party["notice_due_by"],
            party["first_permitted_denial"], party["on_list"]) == ("2020-03-01", "2023-03-01", "2020-03-31", "2020-05-31", True)
    code, out = _run("party", "--list", list_path, "--npi", "1555555550", "--as-of", "2021-01-01", "--json")
    assert code == 0 and json.loads(out)["preclusion_period_end"] is None and json.loads(out)["on_list"] is False
    code, out = _run("party", "--list", list_path, "--npi", "1234567893", "--as-of", "2021-01-01")
    assert code == 0 and "preclusion_period_end" in out and "2023-03-01" in out
    code, out = _run("party", "--list", list_path, "--npi", "123", "--json")
    assert code == 2 and "--npi: an NPI is 10 digits" in out
    code, out = _run("party", "--list", list_path, "--npi", "1234567893", "--as-of", "2021-02-30")
    assert code == 2 and "--as-of" in out


def test_notices_exit_1_when_overdue_and_out_file(tmp_path: Path) -> None:
    list_path, _ = _files(tmp_path)
    history = tmp_path / "history.csv"
    history.write_text("beneficiary_id,npi,program,service_date,claim_id\n"
                       "B1,1234567893,MA,2020-01-15,X1\nB2,1234567893,PART_D,2020-02-20,X2\n=B3,1234567893,MA,2020-02-21,X3\n"
                       "B4,1234567893,MA,2019-02-01,X4\n")
    sent = tmp_path / "sent.csv"
    sent.write_text("beneficiary_id,npi,sent_date\nB1,1234567893,2020-03-20\nB2,1234567893,2020-04-02\n")
    args = ["notices", "--list", list_path, "--claims", str(history), "--posting-date", "2020-03-01", "--sent", str(sent)]
    code, out = _run(*args, "--as-of", "2020-03-25", "--json")
    assert code == 1, out  # B2's notice was sent on 2020-04-02, after the due date 2020-03-31
    notices = {n["beneficiary_id"]: n for n in json.loads(out)["notices"]}
    # B4's service (2019-02-01) is before the 12-month look-back, which starts 2019-03-02
    assert sorted(notices) == ["=B3", "B1", "B2"] and json.loads(out)["lookback_start"] == "2019-03-02"
    assert (notices["B1"]["status"], notices["B1"]["first_permitted_denial"]) == ("sent", "2020-05-20")  # 03-20 + 61
    assert (notices["B2"]["status"], notices["B2"]["window_start"]) == ("sent_late", "2020-04-02")
    assert (notices["=B3"]["status"], notices["=B3"]["window_start"], notices["=B3"]["first_permitted_denial"]) == \
        ("due", "2020-03-31", "2020-05-31")
    code, out = _run(*args[:-2], "--as-of", "2020-03-25", "--out", str(tmp_path / "n.csv"))
    assert code == 0 and "3 notices to 3 beneficiaries about 1 parties; 0 overdue or late" in out  # none sent: all due
    with (tmp_path / "n.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["beneficiary_id"], r["status"]) for r in rows] == [("'=B3", "due"), ("B1", "due"), ("B2", "due")]
    assert list(rows[0]) == ["beneficiary_id", "npi", "party_name", "program", "list_posting_date", "last_service_date",
                             "notice_due_by", "notice_sent_date", "status", "window_start", "first_permitted_denial",
                             "citation"]
    code, out = _run(*args[:-2], "--as-of", "2020-04-01")
    assert code == 1 and "overdue" in out


def test_stored_list_and_efforts_log(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    list_path, _ = _files(tmp_path)
    code, out = _run("upload-list", "--list", list_path, "--label", "PreclusionList_202003", db=db)
    assert code == 0, out
    assert (json.loads(out)["created"], json.loads(out)["version"]["row_count"]) == (True, 1)
    code, out = _run("lists", "--json", db=db)
    assert [(v["label"], v["uploaded_by"]) for v in json.loads(out)] == [("PreclusionList_202003", "eryn")]
    code, out = _run("log-effort", "--npi", "1234567893", "--posting-date", "2020-03-01", "--on", "2020-04-02",
                     "--method", "mail", "--contact", "PECOS address", "--beneficiaries", "3", db=db)
    assert code == 0, out
    assert json.loads(out)["effort"]["outcome"] == "sent"
    code, out = _run("log-effort", "--npi", "1234567893", "--posting-date", "2020-03-01", "--on", "2020-04-02",
                     "--method", "pigeon", "--contact", "x", "--beneficiaries", "3", db=db)
    assert code == 2 and "--method:" in out
    code, out = _run("efforts", "--npi", "1234567893", "--json", db=db)
    assert code == 0 and [(e["effort"]["contact"], e["recorded_by"]) for e in json.loads(out)] == [("PECOS address", "eryn")]
    code, out = _run("efforts", db=db)
    assert code == 0 and "provider-notification efforts" in out and "1234567893" in out
    code, out = _run("upload-list", "--list", str(tmp_path / "claims.csv"), db=db)
    assert code == 2 and "required column missing" in out


@pytest.mark.spark
def test_screen_on_spark_writes_the_same_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Spark engine streams Arrow batches into one file of each format: the same decisions as DuckDB.
    (SPARK_LOCAL_IP: this machine's host name resolves to an address Spark's block manager cannot reach.)"""
    pytest.importorskip("pyspark")
    monkeypatch.setenv("SPARK_LOCAL_IP", "127.0.0.1")
    evil = CLAIMS.replace("C3,", "=C3,")
    list_path, claims_path = _files(tmp_path, evil)
    for name in ("s.csv", "s.parquet", "s.json"):
        code, out = _run("screen", "--list", list_path, "--claims", claims_path, "--engine", "spark",
                         "--out", str(tmp_path / name), "--json")
        assert code == 0, out
        assert json.loads(out)["by_rule"] == {"S1": 1, "S2": 1, "S4": 1, "S5": 1}
    assert _summary(pq.read_table(tmp_path / "s.parquet").to_pylist()) == \
        [("=C3", "ACCEPT", False, False, "S2"), *[e for e in EXPECTED if e[0] != "C3"]]
    with (tmp_path / "s.csv").open(newline="") as fh:
        assert sorted(r["claim_id"] for r in csv.DictReader(fh)) == ["'=C3", "C1", "C2", "C4"]
    assert len(json.loads((tmp_path / "s.json").read_text())) == 4


def test_duckdb_prints_no_progress_bar_into_stdout() -> None:
    """DuckDB draws a progress bar on stdout during queries over ~2 s; the area's connections turn it off so a
    ``--json`` stdout stays valid JSON on 100-million-line files."""
    from partcd.preclusion import pipelines

    con = pipelines.connect("duckdb")
    assert con.raw_sql("SELECT current_setting('enable_progress_bar')").fetchone() == (False,)
