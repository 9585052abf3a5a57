"""Universes of the standard processes, column by column: Part C ODs, reconsiderations, payment requests and grievances
(ODAG OD, RECON, PYMT_C, GRV_C); Part D redeterminations, payment requests and grievances (CDAG RD, PYMT_D, GRV_D);
the recorded-at columns of a back-dated decision; the acknowledgement target is never a finding; formula-safe cells."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from partcd.appeals.pipelines.cases import CaseView
from partcd.appeals.pipelines.universes import COLUMNS, NONE, OUR_COLUMNS, TABLES, build, write
from partcd.appeals.rules import workflow as wf
from partcd.appeals.rules.workflow import CaseEvent, Intake, apply, open_case
from partcd.platform.params import load_params

P = load_params("appeals", dt.date(2021, 1, 1))
NY = ZoneInfo("America/New_York")
REC = dt.datetime(2021, 3, 1, 9, 0, tzinfo=NY)
NOW = dt.datetime(2021, 6, 1, 12, tzinfo=NY)
BASE: dict[str, Any] = {"reason": "walker", "enrollee_name": "Jo Standard", "mbi": "1EG4TE5MK73", "contract_id": "H5678"}


def _case(case_type: str, received: dt.datetime = REC, **kw: Any) -> wf.Case:
    return open_case(Intake(case_type=case_type, received=received, **{**BASE, **kw}), P, actor="intake", now=received)


def _ev(case: wf.Case, kind: str, at: dt.datetime, now: dt.datetime | None = None, **kw: Any) -> wf.Case:
    return apply(case, CaseEvent(kind=kind, at=at, actor="rev", **kw), P, now=now or at)


def _view(case_id: int, case: wf.Case) -> CaseView:
    current = wf.advance(case, P, NOW)
    return CaseView(id=case_id, version=1, case=current, deadlines=wf.deadlines(current, P, NOW),
                    next_due=wf.next_due(current, P, NOW), allowed=wf.allowed_events(current))


NOTICE = {"adverse_notice_date": dt.date(2021, 2, 26)}


def _views() -> dict[int, CaseView]:
    od = _ev(_case("partc_organization_determination", part_b_drug=True), "decide", REC + dt.timedelta(hours=70),
             decision="adverse")  # C2 72 h: on time
    # decided 2021-03-20 10:00 but keyed in 2021-03-25 11:00 with a reason and a second person
    od_late = _case("partc_organization_determination")
    od_late = _ev(od_late, "decide", dt.datetime(2021, 3, 20, 10, tzinfo=NY), now=dt.datetime(2021, 3, 25, 11, tzinfo=NY),
                  decision="favorable", backdate_reason="entered from the paper log", approved_by="lead")
    recon = _case("partc_reconsideration", requester="provider", **NOTICE)
    recon = _ev(recon, "decide", dt.datetime(2021, 3, 20, 10, tzinfo=NY), decision="adverse")
    recon = _ev(recon, "forward_to_ire", dt.datetime(2021, 3, 22, 10, tzinfo=NY))
    pay_c = _ev(_case("partc_organization_determination", payment_request=True), "decide",
                dt.datetime(2021, 4, 1, 12, tzinfo=NY), decision="favorable")
    grv_c = _ev(_case("partc_grievance", grievance_subject="other"), "resolve", dt.datetime(2021, 3, 10, 15, tzinfo=NY))
    rd = _ev(_case("partd_redetermination", **NOTICE), "decide", dt.datetime(2021, 3, 9, 10, tzinfo=NY),
             decision="favorable")  # D6 due Mar 8: late by 1 day 10 h 00 min 01 s
    pay_d = _ev(_case("partd_redetermination", payment_request=True, **NOTICE), "decide",
                dt.datetime(2021, 3, 10, 10, tzinfo=NY), decision="adverse")
    grv_d = _ev(_case("partd_grievance", grievance_subject="expedite_refusal", channel="oral", reason="=HYPERLINK(x)"),
                "resolve", REC + dt.timedelta(hours=20), response_mode="oral")
    ack = _case("integrated_grievance", grievance_subject="other")  # acknowledgement never sent: a target only
    ack = _ev(ack, "resolve", dt.datetime(2021, 3, 12, 9, tzinfo=NY))
    cases = [od, od_late, recon, pay_c, grv_c, rd, pay_d, grv_d, ack]
    return {i: _view(i, c) for i, c in enumerate(cases, start=1)}


VIEWS = _views()
UNI = build(list(VIEWS.values()))


def _row(table: str, key: str, case_id: int) -> dict[str, str]:
    return next(r for r in UNI.tables[table] if r[key] == str(case_id))


def test_our_columns_are_columns_of_their_tables() -> None:
    assert set(OUR_COLUMNS) == set(TABLES)
    for table, ours in OUR_COLUMNS.items():
        assert set(ours) <= set(COLUMNS[table]), table
    for table, rows in UNI.tables.items():
        for row in rows:
            assert list(row) == COLUMNS[table] or set(row) == set(COLUMNS[table]), table


def test_od_standard_rows_column_by_column() -> None:
    row = _row("OD", "Authorization or Claim Number", 1)
    assert row == {
        "Enrollee First Name": "Jo", "Enrollee Last Name": "Standard", "Enrollee ID": "1EG4TE5MK73",
        "Contract ID": "H5678", "Plan Benefit Package (PBP)": "001", "First Tier, Downstream, and Related Entity": NONE,
        "Authorization or Claim Number": "1", "Request Received Date": "2021/03/01", "Request Received Time": "09:00:00",
        "AOR Receipt Date": NONE, "Request Disposition": "Denied", "Priority (S/E)": "S",
        "Request made under the expedited timeframe but processed under the standard timeframe (Y/N)": "N",
        "Timeframe Extension Taken (Y/N)": "N", "Extension Notification Sent (Y/N/None)": NONE,
        "Date of Determination": "2021/03/04", "Time of Determination": "07:00:00",
        "Date Oral Notification Provided to Enrollee": NONE, "Time Oral Notification Provided to Enrollee": NONE,
        "Date Written Notification Provided to Enrollee": "2021/03/04",
        "Time Written Notification Provided to Enrollee": "07:00:00", "Date Effectuated": NONE,
        "Who Made the Request": "E", "Untimely Determination (deemed adverse) (Y/N)": "N",
        "Part B Drug Request (Y/N)": "Y", "Date Determination Recorded": "2021/03/04",
        "Time Determination Recorded": "07:00:00", "Obligation ID": "C2", "Due Date": "2021/03/04",
        "Due Time": "09:00:00", "Turnaround Time (hours)": "70.00", "Timely (Y/N)": "Y", "Late By (hours)": NONE,
        "Citation": "42 CFR 422.568(b)(2)"}


def test_backdated_decision_shows_when_it_was_recorded() -> None:
    """Issue 9 / 11: the determination date is the one the entry gives; the recorded-at columns show when it was
    keyed in (five days later), so an auditor sees the back-dating."""
    row = _row("OD", "Authorization or Claim Number", 2)
    assert (row["Date of Determination"], row["Time of Determination"]) == ("2021/03/20", "10:00:00")
    assert (row["Date Determination Recorded"], row["Time Determination Recorded"]) == ("2021/03/25", "11:00:00")
    assert (row["Obligation ID"], row["Timely (Y/N)"], row["Request Disposition"]) == ("C1", "N", "Approved")
    assert row["Late By (hours)"] == "106.00"  # due Mar 15 23:59:59 EDT; decided Mar 20 10:00 -> 106 h 0 min 1 s


def test_recon_row_with_ire_forwarding() -> None:
    row = _row("RECON", "Reconsideration Number", 3)
    expect = {"Request Disposition": "Denied", "Priority (S/E)": "S", "Who Made the Request": "CP",
              "Date of Resolution": "2021/03/20", "Time of Resolution": "10:00:00",
              "Date Forwarded to IRE": "2021/03/22", "Time Forwarded to IRE": "10:00:00",
              "IRE Forwarding Due": "2021/03/31 23:59:59", "IRE Forwarding Timely (Y/N/None)": "Y",
              "Part B Drug Request (Y/N)": "N", "Obligation ID": "C13", "Due Date": "2021/03/31",
              "Due Time": "23:59:59", "Timely (Y/N)": "Y", "Citation": "42 CFR 422.590(a)(1)"}
    assert {k: row[k] for k in expect} == expect


def test_payment_tables() -> None:
    c = _row("PYMT_C", "Authorization or Claim Number", 4)
    expect_c = {"Request Type (OD/RECON)": "OD", "Request Disposition": "Approved", "Date of Determination": "2021/04/01",
                "Time of Determination": "12:00:00", "Date Paid": NONE, "Obligation ID": "C11", "Due Date": "2021/04/30",
                "Timely (Y/N)": "Y", "Turnaround Time (hours)": "746.00",  # 31 days less the DST hour
                "Citation": "42 CFR 422.568(c)"}
    assert {k: c[k] for k in expect_c} == expect_c
    assert set(c) == set(COLUMNS["PYMT_C"])
    d = _row("PYMT_D", "Case Number", 7)
    expect_d = {"Request Type (CD/RD)": "RD", "Request Disposition": "Denied", "Date of Plan Decision": "2021/03/10",
                "Obligation ID": "D7", "Due Date": "2021/03/15", "Due Time": "23:59:59", "Timely (Y/N)": "Y",
                "Citation": "42 CFR 423.590(b)"}
    assert {k: d[k] for k in expect_d} == expect_d
    assert set(d) == set(COLUMNS["PYMT_D"])
    assert [r["Case Number"] for r in UNI.tables["RD"]] == ["6"]  # the payment redetermination is in PYMT_D only


def test_rd_row_and_its_finding() -> None:
    row = _row("RD", "Case Number", 6)
    expect = {"Request Received Date": "2021/03/01", "Request Disposition": "Approved", "Priority (S/E)": "S",
              "Date of Plan Decision": "2021/03/09", "Time of Plan Decision": "10:00:00",
              "Untimely Redetermination (forwarded to IRE) (Y/N)": "Y", "Obligation ID": "D6", "Due Date": "2021/03/08",
              "Timely (Y/N)": "N", "Late By (hours)": "10.00", "Citation": "42 CFR 423.590(a)"}
    assert {k: row[k] for k in expect} == expect
    found = {(f.case_id, f.obligation_id): f for f in UNI.findings}
    assert found[(6, "D6")].table == "RD" and "deemed adverse" in found[(6, "D6")].why


def test_grievance_tables_and_the_acknowledgement_target() -> None:
    grv_c = _row("GRV_C", "Grievance ID", 5)
    assert (grv_c["Obligation ID"], grv_c["Due Date"], grv_c["Timely (Y/N)"]) == ("C24", "2021/03/31", "Y")
    assert grv_c["Category of the Grievance"] == "Other" and grv_c["Date Written Notification of Resolution"] == "2021/03/10"
    grv_d = _row("GRV_D", "Grievance ID", 8)
    expect = {"Priority (S/E)": "E", "How Was the Grievance Received (Oral/Written)": "Oral",
              "Category of the Grievance": "Expedite Refusal", "Date Oral Notification of Resolution": "2021/03/02",
              "Time Oral Notification of Resolution": "05:00:00", "Date Written Notification of Resolution": NONE,
              "Obligation ID": "D17", "Due Time": "09:00:00", "Timely (Y/N)": "Y", "Citation": "42 CFR 423.564(f)"}
    assert {k: grv_d[k] for k in expect} == expect
    assert not [f for f in UNI.findings if f.case_id == 9]  # the acknowledgement was never sent: not a finding
    assert {d.id: d.state for d in VIEWS[9].deadlines}["T29"] == "target_missed"


def test_cells_that_look_like_formulas_are_neutralised(tmp_path: Path) -> None:
    (path,) = write(UNI, tmp_path / "grv_d.csv", tables=["GRV_D"])
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["Grievance Description"] == "'=HYPERLINK(x)"
