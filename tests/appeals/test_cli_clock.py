"""CLI: ``partcd appeals clock`` and ``partcd appeals classify`` - exact due times, the JSON contract, exit codes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from partcd.platform.cli import app

runner = CliRunner()


def _clock(*args: str) -> list[dict[str, str]]:
    res = runner.invoke(app, ["appeals", "clock", *args, "--json"])
    assert res.exit_code == 0, res.output
    data: list[dict[str, str]] = json.loads(res.stdout)
    return data


def _due(records: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [(r["id"], r["due"]) for r in records]


def _error(*args: str) -> str:
    res = runner.invoke(app, ["appeals", "clock", *args])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, res.stderr
    return lines[0]


def test_output_contract_is_id_obligation_due_citation() -> None:
    records = _clock("--type", "integrated_grievance", "--received", "2021-01-29T14:10")
    assert [list(r) for r in records] == [["id", "obligation", "due", "citation"]] * 2
    assert records[1] == {
        "id": "T2",
        "obligation": "Resolve the standard integrated grievance and notify the enrollee",
        "due": "2021-02-28T23:59:59-05:00",  # Jan 29 + 30 calendar days, end of the local day
        "citation": "42 CFR 422.630(e)(1) [cms-4185-p L2767]",
    }


def test_expedited_iod_across_spring_dst_with_adverse_notice_windows() -> None:
    records = _clock("--type", "integrated_organization_determination", "--received", "2021-03-12T09:30", "--expedited",
                     "--notice-date", "2021-03-15", "--notice-sent", "2021-03-15T12:00", "--effective", "2021-04-01")
    # T10 +24 h; T7 +72 h = 10:30 EDT; T13 end of Mar 15; T6 Apr 1 - 10 = Mar 22; T14 later of Mar 25 and Apr 1;
    # T15 Mar 15 + 60 = May 14.
    assert _due(records) == [
        ("T10", "2021-03-13T09:30:00-05:00"), ("T7", "2021-03-15T10:30:00-04:00"), ("T13", "2021-03-15T23:59:59-04:00"),
        ("T6", "2021-03-22T23:59:59-04:00"), ("T14", "2021-04-01T23:59:59-04:00"), ("T15", "2021-05-14T23:59:59-04:00"),
    ]


def test_iod_denied_expedite_then_extended_keeps_original_receipt_day() -> None:
    records = _clock("--type", "integrated_organization_determination", "--received", "2021-04-30T16:00", "--expedited",
                     "--expedite-denied", "2021-05-01T10:00", "--extended", "--extension-by", "provider")
    # T9 May 1 + 3; T8 Apr 30 + 14 = May 14, + 14 = May 28 (T11, T12, T13).
    assert _due(records) == [("T9", "2021-05-04T23:59:59-04:00"), ("T11", "2021-05-28T23:59:59-04:00"),
                             ("T12", "2021-05-28T23:59:59-04:00"), ("T13", "2021-05-28T23:59:59-04:00")]


def test_expedited_reconsideration_affirmed_and_resolution_windows() -> None:
    records = _clock("--type", "integrated_reconsideration", "--received", "2021-03-12T09:30", "--expedited",
                     "--affirmed", "2021-03-14T09:00", "--notice-date", "2021-03-15", "--notice-sent", "2021-03-15T11:00")
    # T26 Mar 15 + 10 = Mar 25; T25 Mar 15 + 120 = Jul 13 (Mar 31 +16, Apr 30 +46, May 31 +77, Jun 30 +107, Jul 13 +120).
    assert _due(records) == [
        ("T29", "2021-03-12T23:59:59-05:00"), ("T20", "2021-03-13T09:30:00-05:00"), ("T24", "2021-03-15T09:00:00-04:00"),
        ("T17", "2021-03-15T10:30:00-04:00"), ("T22", "2021-03-15T10:30:00-04:00"), ("T26", "2021-03-25T23:59:59-04:00"),
        ("T25", "2021-07-13T23:59:59-04:00"),
    ]


def test_standard_reconsideration_with_state_override() -> None:
    records = _clock("--type", "integrated_reconsideration", "--received", "2021-01-15T11:00", "--state-override", "T16=P15D")
    assert _due(records) == [("T29", "2021-01-15T23:59:59-05:00"), ("T16", "2021-01-30T23:59:59-05:00"),
                             ("T22", "2021-01-30T23:59:59-05:00"), ("T23", "2021-02-14T23:59:59-05:00")]


def test_partd_exception_supporting_statement_on_day_12() -> None:
    # § 423.568(b) as CMS-4185-F wrote it: the statement came before the end of day 14 -> 72 h after it (Jan 16 09:00)
    records = _clock("--type", "partd_exception", "--received", "2021-01-01T10:00", "--supporting-statement",
                     "2021-01-13T09:00")
    assert _due(records) == [("P2", "2021-01-16T09:00:00-05:00")]
    assert records[0]["citation"] == "42 CFR 423.568(b)"
    # 2020 receipts are answered from the 2020 file (the review: they were refused)
    assert _due(_clock("--type", "partd_exception", "--received", "2020-06-01T10:00")) == [
        ("P2", "2020-06-18T23:59:59-04:00")]  # end of Jun 15 + 72 h


def test_partd_coverage_determination_expedited_and_denied() -> None:
    assert _due(_clock("--type", "partd_coverage_determination", "--received", "2021-03-13T12:00", "--expedited")) == \
        [("P3", "2021-03-14T13:00:00-04:00")]
    assert _due(_clock("--type", "partd_coverage_determination", "--received", "2021-07-01T18:00", "--expedited",
                       "--expedite-denied", "2021-07-02T08:00")) == [("P5", "2021-07-04T18:00:00-04:00"),
                                                                    ("D4", "2021-07-05T23:59:59-04:00")]
    # a payment request: 14 calendar days (§ 423.568(c)), not the 72 hours of a drug benefit request
    assert _due(_clock("--type", "partd_coverage_determination", "--received", "2021-07-01T18:00", "--payment")) == [
        ("D1", "2021-07-15T23:59:59-04:00")]
    assert "cannot be expedited" in _error("--type", "partd_coverage_determination", "--received", "2021-07-01T18:00",
                                           "--payment", "--expedited")


def test_tz_option_reads_naive_times_in_the_plan_zone() -> None:
    records = _clock("--type", "partd_coverage_determination", "--received", "2021-06-01T09:00", "--tz", "America/Los_Angeles")
    assert _due(records) == [("P1", "2021-06-04T09:00:00-07:00")]
    aware = _clock("--type", "partd_coverage_determination", "--received", "2021-06-01T09:00:00-04:00",
                   "--tz", "America/Los_Angeles")
    assert _due(aware) == [("P1", "2021-06-04T06:00:00-07:00")]


def test_bad_iso_time_exits_2_with_one_line() -> None:
    line = _error("--type", "integrated_grievance", "--received", "2021-13-01T10:00")
    assert line == ("error: --received: not an ISO 8601 date-time: '2021-13-01T10:00' "
                    "(e.g. 2021-03-12T09:30 or 2021-03-12T09:30-05:00)")


def test_bad_iso_for_an_event_option_exits_2() -> None:
    line = _error("--type", "partd_exception", "--received", "2021-01-01T10:00", "--supporting-statement", "yesterday")
    assert line.startswith("error: --supporting-statement: not an ISO 8601 date-time: 'yesterday'")


def test_unknown_type_and_misplaced_options_exit_2() -> None:
    assert "--type must be one of" in _error("--type", "appeal", "--received", "2021-01-01T10:00")
    assert _error("--type", "integrated_grievance", "--received", "2021-01-01T10:00", "--affirmed", "2021-01-02T10:00") \
        == "error: --affirmed does not apply to --type integrated_grievance"


def test_refusals_of_the_rule_exit_2() -> None:
    assert "applies from January 1, 2021" in _error("--type", "integrated_grievance", "--received", "2020-12-31T10:00")
    assert "no parameters in force on 2019-12-31" in _error("--type", "partd_coverage_determination", "--received",
                                                             "2019-12-31T10:00")
    assert "less protective" in _error("--type", "integrated_reconsideration", "--received", "2021-01-15T11:00",
                                       "--state-override", "T16=P45D")
    assert "unknown time zone" in _error("--type", "integrated_grievance", "--received", "2021-01-15T11:00",
                                         "--tz", "Nowhere/City")
    assert "does not exist in America/New_York" in _error("--type", "integrated_grievance", "--received",
                                                          "2021-03-14T02:30")


def test_table_output_without_json() -> None:
    res = runner.invoke(app, ["appeals", "clock", "--type", "integrated_grievance", "--received", "2021-01-29T14:10"])
    assert res.exit_code == 0 and "T2" in res.stdout and "2021-02-28" in res.stdout


def test_classify_from_flags_and_file(tmp_path: Path) -> None:
    res = runner.invoke(app, ["appeals", "classify", "--plan-id", "H5678-003", "--plan-year", "2022",
                              "--medicaid-contract-holder", "parent_organization", "--medicaid-plan-type", "MCO",
                              "--benefit", "ltss", "--exclusively-aligned", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert (data["integration_level"], data["is_applicable_integrated_plan"], data["process"]) == ("HIDE", True, "unified")
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"plan_id": "H1111-001", "plan_year": 2023}), encoding="utf-8")
    res = runner.invoke(app, ["appeals", "classify", "--file", str(plan), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["enrollment_sanction_applies"] is True
    plan.write_text(json.dumps({"plan_id": "H1", "plan_year": 2023, "fide": True}), encoding="utf-8")
    res = runner.invoke(app, ["appeals", "classify", "--file", str(plan)])
    assert res.exit_code == 2
    assert res.stderr.strip() == f"error: {plan}, field 'fide': Extra inputs are not permitted"


# --- the standard processes (issue 11): --type, --payment, --part-b-drug, --expedited, --extended ----------------


def test_partc_organization_determination_types_and_flags() -> None:
    # C1: Mar 1 + 14 = Mar 15 (§ 422.568(b)(1)); C2 Part B drug 72 h; C3 expedited 72 h; C4 expedited Part B 24 h
    assert _due(_clock("--type", "partc_organization_determination", "--received", "2021-03-01T09:00")) == [
        ("C1", "2021-03-15T23:59:59-04:00")]
    assert _due(_clock("--type", "partc_organization_determination", "--received", "2021-03-01T09:00",
                       "--part-b-drug")) == [("C2", "2021-03-04T09:00:00-05:00")]
    assert [i for i, _ in _due(_clock("--type", "partc_organization_determination", "--received", "2021-03-01T09:00",
                                      "--expedited"))] == ["C9", "C3"]
    assert _due(_clock("--type", "partc_organization_determination", "--received", "2021-03-01T09:00", "--expedited",
                       "--part-b-drug")) == [("C4", "2021-03-02T09:00:00-05:00")]
    # --extended: C8 = C1 + 14 days (Mar 29), C7 the written notice by then
    ext = _due(_clock("--type", "partc_organization_determination", "--received", "2021-03-01T09:00", "--extended"))
    assert ext == [("C7", "2021-03-29T23:59:59-04:00"), ("C8", "2021-03-29T23:59:59-04:00")]
    assert "may not be extended" in _error("--type", "partc_organization_determination", "--received",
                                           "2021-03-01T09:00", "--part-b-drug", "--extended")


def test_prior_authorization_is_seven_days_from_2026() -> None:
    """CMS-0057-F, § 422.568(b)(1)(ii): a receipt on 2025-12-31 keeps 14 days; 2026-01-02 gets 7."""
    before = _clock("--type", "partc_organization_determination", "--received", "2025-12-31T09:00",
                    "--prior-authorization")
    after = _clock("--type", "partc_organization_determination", "--received", "2026-01-02T09:00",
                   "--prior-authorization")
    assert _due(before) == [("C1", "2026-01-14T23:59:59-05:00")]
    assert _due(after) == [("C1", "2026-01-09T23:59:59-05:00")]
    assert "422.568(b)(1)(i), (ii)" in after[0]["citation"]
    # a service without prior authorization keeps 14 days in 2026
    assert _due(_clock("--type", "partc_organization_determination", "--received", "2026-01-02T09:00")) == [
        ("C1", "2026-01-16T23:59:59-05:00")]


def test_partc_reconsideration_grievance_and_partd_redetermination() -> None:
    recon = _due(_clock("--type", "partc_reconsideration", "--received", "2021-03-01T09:00", "--notice-date",
                        "2021-02-26"))
    # C13 30 cd (Mar 31), C21 by the same limit, C12 the enrollee's window: Feb 26 + 60 = Apr 27
    assert recon == [("C13", "2021-03-31T23:59:59-04:00"), ("C21", "2021-03-31T23:59:59-04:00"),
                     ("C12", "2021-04-27T23:59:59-04:00")]
    assert _due(_clock("--type", "partc_reconsideration", "--received", "2021-03-01T09:00", "--payment")) == [
        ("C14", "2021-04-30T23:59:59-04:00"), ("C21", "2021-04-30T23:59:59-04:00")]
    assert _due(_clock("--type", "partc_grievance", "--received", "2021-03-01T09:00", "--expedited")) == [
        ("C26", "2021-03-02T09:00:00-05:00")]
    assert _due(_clock("--type", "partd_redetermination", "--received", "2021-03-01T09:00")) == [
        ("D6", "2021-03-08T23:59:59-05:00")]
    assert _due(_clock("--type", "partd_grievance", "--received", "2021-03-01T09:00", "--extended")) == [
        ("D15", "2021-04-14T23:59:59-04:00")]
    assert "does not apply" in _error("--type", "partd_grievance", "--received", "2021-03-01T09:00", "--payment")


def test_effectuation_by_reverser() -> None:
    """§ 423.638(b): an IRE reversal of an expedited redetermination is effectuated within 24 hours of its notice."""
    rd = _due(_clock("--type", "partd_redetermination", "--received", "2021-03-01T09:00", "--expedited",
                     "--reversed-by", "independent_review_entity", "--reversal-notice", "2021-03-10T12:00"))
    assert ("E17", "2021-03-11T12:00:00-05:00") in rd
    recon = _due(_clock("--type", "integrated_reconsideration", "--received", "2021-03-01T09:00",
                        "--reversed-by", "administrative_law_judge", "--reversal-notice", "2021-06-01T12:00"))
    assert ("E9", "2021-07-31T23:59:59-04:00") in recon  # Jun 1 + 60 calendar days (§ 422.618(c)(1))


def test_bulk_clock_file(tmp_path: Path) -> None:
    """``--cases FILE --out FILE``: the vectorised path, each case with the period in force on its receipt date."""
    cases = tmp_path / "cases.csv"
    cases.write_text("case_id,case_type,received,expedited,payment,part_b_drug,prior_authorization,supporting_statement\n"
                     "a1,partc_organization_determination,2026-03-02T09:00:00,false,false,false,true,\n"
                     "a2,partd_exception,2020-03-02T09:00:00,false,false,false,false,\n"
                     "a3,partd_coverage_determination,2021-03-13T12:00:00-05:00,false,true,false,false,\n"
                     "a4,integrated_reconsideration,2021-05-01T10:00:00,true,false,false,false,\n"
                     "a5,partd_exception,2021-01-01T10:00:00,false,false,false,false,2021-01-13T09:00:00\n",
                     encoding="utf-8")
    out = tmp_path / "due.csv"
    res = runner.invoke(app, ["appeals", "clock", "--cases", str(cases), "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["cases"] == 5
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["case_id"], r["timeframe_id"], r["due"], r["parameters"]) for r in rows] == [
        ("a1", "C1", "2026-03-09T23:59:59-04:00", "2026-01-01"),  # 7 cd (CMS-0057-F), DST began Mar 8
        ("a2", "P2", "2020-03-19T23:59:59-04:00", "2020-01-01"),  # end of Mar 16 + 72 h
        ("a3", "D1", "2021-03-27T23:59:59-04:00", "2021-01-01"),  # payment: 14 cd
        ("a4", "T17", "2021-05-04T10:00:00-04:00", "2021-01-01"),  # 72 h
        ("a5", "P2", "2021-01-16T09:00:00-05:00", "2021-01-01"),  # statement + 72 h
    ]
    assert rows[0]["due_utc"] == "2026-03-10T03:59:59Z"


def test_bulk_clock_refuses_bad_rows_with_the_row_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("case_id,case_type,received\nx1,partc_grievance,2021-03-01T09:00\nx2,appeal,2021-03-01T09:00\n",
                   encoding="utf-8")
    res = runner.invoke(app, ["appeals", "clock", "--cases", str(bad), "--out", str(tmp_path / "o.csv")])
    assert res.exit_code == 2
    assert "row 3" in res.output and "case_type" in res.output
    early = tmp_path / "early.csv"
    early.write_text("case_id,case_type,received\nx1,partd_coverage_determination,2019-05-01T09:00\n", encoding="utf-8")
    res = runner.invoke(app, ["appeals", "clock", "--cases", str(early), "--out", str(tmp_path / "o.csv")])
    assert res.exit_code == 2 and "before the first appeals parameters" in res.output
