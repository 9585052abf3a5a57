"""Parts 422 subpart M, 423 subpart M - timeliness audit universes in the CMS program-audit layout, with the self-check.

Tables (shared/specs/appeals.md §10.1, the CMS-10717 era ODAG and CDAG protocols): ODAG ``OD`` (pre-service
organization determinations: standard and integrated), ``RECON`` (pre-service reconsiderations), ``PYMT_C``
(payment organization determinations and reconsiderations), ``GRV_C`` (grievances), ``AIP`` (applicable integrated
plan reductions, suspensions and terminations); CDAG ``CD`` (coverage determinations), ``CDER`` (exception requests),
``RD`` (redeterminations), ``PYMT_D`` (payment coverage determinations and redeterminations) and ``GRV_D``
(grievances). Conventions of the protocols: dates ``CCYY/MM/DD`` and times ``HH:MM:SS`` in the plan's zone, ``None``
for not applicable, requester codes E / ER / CP / NCP, priority S / E, Y / N flags; a case is included by its date of
determination within the period and withdrawn requests are left out.

**Which columns are CMS's and which are ours.** The CMS record layouts were read only in part (the enrollee and
contract columns A-F, the request, AOR, disposition, priority, extension, determination and notification columns
of the OD layout, and the field names of the older CMS-10191 tables; spec §10.1). Column names from those sources
are used as they are. The rest is our reading, named in :data:`OUR_COLUMNS`: the Part B drug flag of RECON, the
IRE forwarding columns, the supporting-statement columns of CDER, the layouts of RD, PYMT_C, PYMT_D and GRV_D (built
from the fields the rules time), the recorded-at columns (when the determination was entered, for back-dated
entries, issue 11) and the computed timeliness columns (due time, turnaround, timely, obligation id, citation).
The self-check lists every late or overdue binding plan obligation: by how much and why (undecided cases past due are
findings although the universe leaves them out; a target the rule gives no number for, T29, is never a finding).
Every cell is text; a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written with a
leading apostrophe (CSV and Excel formula injection).
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from partcd.appeals.pipelines.cases import CaseView
from partcd.appeals.rules.clocks import TIMEFRAMES, zone_of
from partcd.appeals.rules.workflow import Case, Deadline, is_adverse
from partcd.platform.exports import safe_row, xlsx_row

NONE = "None"
TABLES: tuple[str, ...] = ("OD", "RECON", "PYMT_C", "GRV_C", "AIP", "CD", "CDER", "RD", "PYMT_D", "GRV_D")
TABLE_TITLES: dict[str, str] = {
    "OD": "ODAG Table 1: Standard and Expedited Pre-service Organization Determinations",
    "RECON": "ODAG Table 2: Standard and Expedited Pre-service Reconsiderations",
    "PYMT_C": "ODAG Table 3: Payment Organization Determinations and Reconsiderations",
    "GRV_C": "ODAG Grievances",
    "AIP": "ODAG Table 6: Applicable Integrated Plan reductions, suspensions and terminations",
    "CD": "CDAG Table 1: Standard and Expedited Coverage Determinations",
    "CDER": "CDAG Table 2: Standard and Expedited Coverage Determination Exception Requests",
    "RD": "CDAG Standard and Expedited Redeterminations",
    "PYMT_D": "CDAG Table 3: Payment Coverage Determinations and Redeterminations",
    "GRV_D": "CDAG Grievances",
}
_TYPE_TABLE = {"integrated_organization_determination": "OD", "integrated_reconsideration": "RECON",
               "integrated_grievance": "GRV_C", "partd_coverage_determination": "CD", "partd_exception": "CDER",
               "partc_organization_determination": "OD", "partc_reconsideration": "RECON", "partc_grievance": "GRV_C",
               "partd_redetermination": "RD", "partd_grievance": "GRV_D"}
#: Payment requests go to the payment tables.
_PAYMENT_TABLE = {"partc_organization_determination": "PYMT_C", "partc_reconsideration": "PYMT_C",
                  "integrated_organization_determination": "PYMT_C", "partd_coverage_determination": "PYMT_D",
                  "partd_redetermination": "PYMT_D"}
_RESOLUTION = ("T12", "T5", "T7", "T8", "T16", "T17", "T18", "T2", "T4", "P1", "P2", "P3", "P4", "P5", "C8", "C1",
               "C2", "C3", "C4", "C5", "C11", "C13", "C14", "C15", "C16", "C17", "C24", "C26", "D1", "D6", "D7", "D8",
               "D9", "D15", "D17")
_REQUESTER = {"enrollee": "E", "representative": "ER", "estate": "ER", "provider": "CP", "assignee": "CP"}

_ENROLLEE = ["Enrollee First Name", "Enrollee Last Name", "Enrollee ID", "Contract ID", "Plan Benefit Package (PBP)",
             "First Tier, Downstream, and Related Entity"]
_TIMELINESS = ["Obligation ID", "Due Date", "Due Time", "Turnaround Time (hours)", "Timely (Y/N)", "Late By (hours)",
               "Citation"]
_RECORDED = ["Date Determination Recorded", "Time Determination Recorded"]
COLUMNS: dict[str, list[str]] = {
    "OD": [*_ENROLLEE, "Authorization or Claim Number", "Request Received Date", "Request Received Time",
           "AOR Receipt Date", "Request Disposition", "Priority (S/E)",
           "Request made under the expedited timeframe but processed under the standard timeframe (Y/N)",
           "Timeframe Extension Taken (Y/N)", "Extension Notification Sent (Y/N/None)", "Date of Determination",
           "Time of Determination", "Date Oral Notification Provided to Enrollee",
           "Time Oral Notification Provided to Enrollee", "Date Written Notification Provided to Enrollee",
           "Time Written Notification Provided to Enrollee", "Date Effectuated", "Who Made the Request",
           "Untimely Determination (deemed adverse) (Y/N)", "Part B Drug Request (Y/N)", *_RECORDED, *_TIMELINESS],
    "RECON": [*_ENROLLEE, "Reconsideration Number", "Request Received Date", "Request Received Time",
              "AOR Receipt Date", "Request Disposition", "Priority (S/E)",
              "Request made under the expedited timeframe but processed under the standard timeframe (Y/N)",
              "Timeframe Extension Taken (Y/N)", "Extension Notification Sent (Y/N/None)", "Date of Resolution",
              "Time of Resolution", "Date Written Notification Provided to Enrollee",
              "Time Written Notification Provided to Enrollee", "Date Forwarded to IRE", "Time Forwarded to IRE",
              "IRE Forwarding Due", "IRE Forwarding Timely (Y/N/None)", "Medicare Item (Y/N)", "Medicaid Item (Y/N)",
              "Who Made the Request", "Part B Drug Request (Y/N)", *_RECORDED, *_TIMELINESS],
    "PYMT_C": [*_ENROLLEE, "Authorization or Claim Number", "Request Type (OD/RECON)", "Request Received Date",
               "Request Received Time", "AOR Receipt Date", "Request Disposition", "Date of Determination",
               "Time of Determination", "Date Written Notification Provided to Enrollee",
               "Time Written Notification Provided to Enrollee", "Date Paid", "Date Forwarded to IRE",
               "Who Made the Request", *_RECORDED, *_TIMELINESS],
    "GRV_C": [*_ENROLLEE, "Grievance ID", "Date Grievance Was Received", "Time Grievance Was Received",
              "How Was the Grievance Received (Oral/Written)", "Priority (S/E)", "Category of the Grievance",
              "Grievance Description", "Timeframe Extension Taken (Y/N)", "Date Oral Notification of Resolution",
              "Time Oral Notification of Resolution", "Date Written Notification of Resolution",
              "Time Written Notification of Resolution", "AOR Receipt Date", *_RECORDED, *_TIMELINESS],
    "AIP": [*_ENROLLEE, "Authorization Number", "Date on the Adverse Notice", "Date Adverse Notice Sent",
            "Date of Action", "Days of Advance Notice", "Advance Notice Timely (Y/N)",
            "Continuation Requested (Y/N)", "Continuation Timely (Y/N/None)", "Continuation Start Date",
            "Continuation End Date", "Continuation End Reason"],
    "CD": [*_ENROLLEE, "Case Number", "Request Received Date", "Request Received Time", "Request Disposition",
           "Priority (S/E)", "Request made under the expedited timeframe but processed under the standard timeframe (Y/N)",
           "Date of Plan Decision", "Time of Plan Decision", "Date Written Notification Provided to Enrollee",
           "Time Written Notification Provided to Enrollee", "Date Effectuated", "Who Made the Request",
           "Date Forwarded to IRE", *_RECORDED, *_TIMELINESS],
    "CDER": [*_ENROLLEE, "Case Number", "Request Received Date", "Request Received Time",
             "Date Prescriber Supporting Statement Received", "Time Prescriber Supporting Statement Received",
             "Request Disposition", "Priority (S/E)",
             "Request made under the expedited timeframe but processed under the standard timeframe (Y/N)",
             "Date of Plan Decision", "Time of Plan Decision", "Date Written Notification Provided to Enrollee",
             "Time Written Notification Provided to Enrollee", "Date Effectuated", "Who Made the Request",
             "Date Forwarded to IRE", *_RECORDED, *_TIMELINESS],
    "RD": [*_ENROLLEE, "Case Number", "Request Received Date", "Request Received Time", "AOR Receipt Date",
           "Request Disposition", "Priority (S/E)",
           "Request made under the expedited timeframe but processed under the standard timeframe (Y/N)",
           "Date of Plan Decision", "Time of Plan Decision", "Date Oral Notification Provided to Enrollee",
           "Time Oral Notification Provided to Enrollee", "Date Written Notification Provided to Enrollee",
           "Time Written Notification Provided to Enrollee", "Date Effectuated", "Who Made the Request",
           "Date Forwarded to IRE", "Untimely Redetermination (forwarded to IRE) (Y/N)", *_RECORDED, *_TIMELINESS],
    "PYMT_D": [*_ENROLLEE, "Case Number", "Request Type (CD/RD)", "Request Received Date", "Request Received Time",
               "Request Disposition", "Date of Plan Decision", "Time of Plan Decision",
               "Date Written Notification Provided to Enrollee", "Time Written Notification Provided to Enrollee",
               "Date Paid", "Who Made the Request", "Date Forwarded to IRE", *_RECORDED, *_TIMELINESS],
    "GRV_D": [*_ENROLLEE, "Grievance ID", "Date Grievance Was Received", "Time Grievance Was Received",
              "How Was the Grievance Received (Oral/Written)", "Priority (S/E)", "Category of the Grievance",
              "Grievance Description", "Timeframe Extension Taken (Y/N)", "Date Oral Notification of Resolution",
              "Time Oral Notification of Resolution", "Date Written Notification of Resolution",
              "Time Written Notification of Resolution", "AOR Receipt Date", *_RECORDED, *_TIMELINESS],
}

#: Columns that are our reading (not a CMS field name read in the sources; see the module docstring).
OUR_COLUMNS: dict[str, tuple[str, ...]] = {
    "OD": ("Untimely Determination (deemed adverse) (Y/N)", "Part B Drug Request (Y/N)", *_RECORDED, *_TIMELINESS),
    "RECON": ("IRE Forwarding Due", "IRE Forwarding Timely (Y/N/None)", "Medicare Item (Y/N)", "Medicaid Item (Y/N)",
              "Part B Drug Request (Y/N)", *_RECORDED, *_TIMELINESS),
    "PYMT_C": tuple(c for c in ("Request Type (OD/RECON)", "Date Paid", *_RECORDED, *_TIMELINESS)),
    "GRV_C": (*_RECORDED, *_TIMELINESS),
    "AIP": ("Days of Advance Notice", "Advance Notice Timely (Y/N)", "Continuation Timely (Y/N/None)"),
    "CD": (*_RECORDED, *_TIMELINESS),
    "CDER": ("Date Prescriber Supporting Statement Received", "Time Prescriber Supporting Statement Received",
             *_RECORDED, *_TIMELINESS),
    "RD": ("Untimely Redetermination (forwarded to IRE) (Y/N)", *_RECORDED, *_TIMELINESS),
    "PYMT_D": ("Request Type (CD/RD)", "Date Paid", *_RECORDED, *_TIMELINESS),
    "GRV_D": (*_RECORDED, *_TIMELINESS),
}


def columns(table: str) -> list[str]:
    return list(COLUMNS[table])


@dataclass(frozen=True)
class Finding:
    """One late or overdue plan obligation: the case, the obligation, due, done (or not), by how much and why."""

    table: str
    case_id: int
    obligation_id: str
    obligation: str
    due: dt.datetime
    met_at: dt.datetime | None
    late_by: dt.timedelta
    why: str
    cite: str

    def to_dict(self) -> dict[str, Any]:
        return {"table": self.table, "case_id": self.case_id, "obligation_id": self.obligation_id,
                "obligation": self.obligation, "due": self.due.isoformat(),
                "met_at": self.met_at.isoformat() if self.met_at else None,
                "late_by_hours": round(self.late_by.total_seconds() / 3600, 2), "late_by": _span(self.late_by),
                "why": self.why, "cite": self.cite}


@dataclass
class Universe:
    """The universe tables, the self-check findings and the period they cover."""

    date_from: dt.date | None
    date_to: dt.date | None
    tables: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def summary(self) -> dict[str, dict[str, int | float | None]]:
        out: dict[str, dict[str, int | float | None]] = {}
        for table, rows in self.tables.items():
            timed = [r for r in rows if r.get("Timely (Y/N)") in ("Y", "N")]
            on_time = sum(1 for r in timed if r["Timely (Y/N)"] == "Y")
            out[table] = {"rows": len(rows), "timely": on_time, "untimely": len(timed) - on_time,
                          "timely_pct": round(100 * on_time / len(timed), 1) if timed else None,
                          "findings": sum(1 for f in self.findings if f.table == table)}
        return out


def _span(td: dt.timedelta) -> str:
    secs = int(td.total_seconds())
    days, rest = divmod(secs, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    return (f"{days} d " if days else "") + f"{hours} h {minutes:02d} min"


def _d(t: dt.datetime | dt.date | None, zone: ZoneInfo) -> str:
    if t is None:
        return NONE
    if isinstance(t, dt.datetime):
        t = t.astimezone(zone).date()
    return t.strftime("%Y/%m/%d")


def _t(t: dt.datetime | None, zone: ZoneInfo) -> str:
    return t.astimezone(zone).strftime("%H:%M:%S") if t is not None else NONE


def _yn(flag: bool | None) -> str:
    return NONE if flag is None else ("Y" if flag else "N")


def _names(case: Case) -> tuple[str, str]:
    parts = case.enrollee_name.split()
    return (" ".join(parts[:-1]) or parts[0], parts[-1]) if parts else ("", "")


def _enrollee(case: Case) -> dict[str, str]:
    first, last = _names(case)
    return {"Enrollee First Name": first[:50], "Enrollee Last Name": last[:50], "Enrollee ID": case.mbi,
            "Contract ID": case.contract_id, "Plan Benefit Package (PBP)": case.plan_benefit_package,
            "First Tier, Downstream, and Related Entity": NONE}


def _disposition(case: Case) -> str:
    if case.decision == "favorable":
        return "Approved"
    if is_adverse(case):
        return "Denied"
    return NONE


def _resolution(deadlines: list[Deadline]) -> Deadline | None:
    by_id = {d.id: d for d in deadlines}
    return next((by_id[i] for i in _RESOLUTION if i in by_id), None)


def _timeliness(d: Deadline | None, case: Case, zone: ZoneInfo) -> dict[str, str]:
    if d is None:
        return dict.fromkeys(_TIMELINESS, NONE)
    done = d.met_at
    turnaround = NONE
    if done is not None:
        turnaround = f"{(done.astimezone(dt.UTC) - case.received.astimezone(dt.UTC)).total_seconds() / 3600:.2f}"
    late = d.late_by if d.state in ("late", "overdue") else None
    return {"Obligation ID": d.id, "Due Date": _d(d.due, zone), "Due Time": _t(d.due, zone),
            "Turnaround Time (hours)": turnaround, "Timely (Y/N)": "Y" if d.state == "met" else "N",
            "Late By (hours)": f"{late.total_seconds() / 3600:.2f}" if late else NONE, "Citation": d.cite}


def _determination_time(view: CaseView) -> dt.datetime | None:
    return view.case.decided_at


def _in_period(t: dt.datetime | None, zone: ZoneInfo, lo: dt.date | None, hi: dt.date | None) -> bool:
    if t is None:
        return False
    day = t.astimezone(zone).date()
    return (lo is None or day >= lo) and (hi is None or day <= hi)


def _why(d: Deadline, case: Case) -> str:
    tf = TIMEFRAMES.get(d.id)
    what = tf.obligation if tf else d.description
    if d.met_at is None:
        base = f"not done by the due time ({what})"
        if case.deemed_adverse_at is not None and d.id in ("T13", "T22", "T23", "T24"):
            base += "; the decision was not made in time, so it is an adverse determination"
        return base
    reasons = [f"done {_span(d.late_by or dt.timedelta(0))} after the due time"]
    if case.extension is not None and d.id in _RESOLUTION:
        reasons.append("even with the extension")
    if case.expedite_denied_at is not None and d.id in ("T8", "T18", "P5"):
        reasons.append("the standard clock kept the day the expedited request was received")
    if case.deemed_adverse_at is not None and d.id in _RESOLUTION:
        reasons.append("the timeframe expired first, so the case was deemed adverse")
    if case.supporting_statement_at is None and d.id in ("P2", "P4"):
        reasons.append("no supporting statement: the 14-day outer limit applied")
    return "; ".join(reasons)


def _table_of(case: Case) -> str:
    if case.payment_request and case.case_type in _PAYMENT_TABLE:
        return _PAYMENT_TABLE[case.case_type]
    return _TYPE_TABLE[case.case_type]


def _recorded(case: Case, zone: ZoneInfo) -> dict[str, str]:
    """When the determination (decide / resolve) was entered - for back-dated entries (issue 11)."""
    ev = next((e for e in reversed(case.events) if e.kind in ("decide", "resolve")), None)
    at = ev.recorded_at if ev is not None else None
    return {"Date Determination Recorded": _d(at, zone), "Time Determination Recorded": _t(at, zone)}


def build(views: list[CaseView], *, date_from: dt.date | None = None, date_to: dt.date | None = None) -> Universe:
    """The six tables (cases decided in the period, withdrawn left out) and the timeliness self-check."""
    uni = Universe(date_from=date_from, date_to=date_to, tables={t: [] for t in TABLES})
    for view in views:
        case = view.case
        zone = zone_of(case.zone or "America/New_York")
        table = _table_of(case)
        decided = _determination_time(view)
        for d in view.deadlines:
            if d.state not in ("late", "overdue") or d.party != "plan" or d.late_by is None or not d.binding:
                continue
            anchor = d.met_at or d.due
            if not _in_period(anchor, zone, date_from, date_to):
                continue
            uni.findings.append(Finding(table=table, case_id=view.id, obligation_id=d.id, obligation=d.description,
                                        due=d.due, met_at=d.met_at, late_by=d.late_by, why=_why(d, case), cite=d.cite))
        if case.status == "WITHDRAWN" or not _in_period(decided, zone, date_from, date_to):
            continue
        uni.tables[table].append(_ROW[table](view, zone))
        if table == "OD" and case.reduction:
            uni.tables["AIP"].append(_aip(view, zone, views))
    uni.findings.sort(key=lambda f: (f.table, f.due.astimezone(dt.UTC), f.case_id, f.obligation_id))
    return uni


def _request(c: Case, zone: ZoneInfo, ext_notice: Deadline | None) -> dict[str, str]:
    """The request columns the OD and RECON tables share, from receipt through the extension notice."""
    return {"Request Received Date": _d(c.received, zone), "Request Received Time": _t(c.received, zone),
            "AOR Receipt Date": _d(c.aor_received, zone), "Request Disposition": _disposition(c),
            "Priority (S/E)": "E" if c.expedited else "S",
            "Request made under the expedited timeframe but processed under the standard timeframe (Y/N)":
                _yn(c.expedite_denied_at is not None),
            "Timeframe Extension Taken (Y/N)": _yn(c.extension is not None),
            "Extension Notification Sent (Y/N/None)": NONE if c.extension is None else _yn(
                ext_notice is not None and ext_notice.met_at is not None)}


def _notified(c: Case, zone: ZoneInfo, oral: bool = True) -> dict[str, str]:
    """The notification columns: the oral one (in the tables that have it) and the written one, date and time."""
    spoken = {"Date Oral Notification Provided to Enrollee": _d(c.oral_notice_at, zone),
              "Time Oral Notification Provided to Enrollee": _t(c.oral_notice_at, zone)} if oral else {}
    return {**spoken, "Date Written Notification Provided to Enrollee": _d(c.enrollee_notified_at, zone),
            "Time Written Notification Provided to Enrollee": _t(c.enrollee_notified_at, zone)}


def _closing(view: CaseView, zone: ZoneInfo) -> dict[str, str]:
    """The recorded-at and timeliness columns every table ends with."""
    return {**_recorded(view.case, zone), **_timeliness(_resolution(view.deadlines), view.case, zone)}


def _partd_decision(view: CaseView, zone: ZoneInfo) -> dict[str, str]:
    """The request and decision columns the Part D tables (CD, CDER, RD) share."""
    c = view.case
    return {**_enrollee(c), "Case Number": str(view.id), "Request Received Date": _d(c.received, zone),
            "Request Received Time": _t(c.received, zone), "Request Disposition": _disposition(c),
            "Priority (S/E)": "E" if c.expedited else "S",
            "Request made under the expedited timeframe but processed under the standard timeframe (Y/N)":
                _yn(c.expedite_denied_at is not None),
            "Date of Plan Decision": _d(c.decided_at, zone), "Time of Plan Decision": _t(c.decided_at, zone)}


def _od(view: CaseView, zone: ZoneInfo) -> dict[str, str]:
    c = view.case
    ds = {d.id: d for d in view.deadlines}
    return {**_enrollee(c), "Authorization or Claim Number": str(view.id),
            **_request(c, zone, ds.get("T11") or ds.get("C7")),
            "Date of Determination": _d(c.decided_at, zone), "Time of Determination": _t(c.decided_at, zone),
            **_notified(c, zone), "Date Effectuated": _d(c.effectuated_at, zone),
            "Who Made the Request": _REQUESTER[c.requester],
            "Untimely Determination (deemed adverse) (Y/N)": _yn(c.deemed_adverse_at is not None),
            "Part B Drug Request (Y/N)": _yn(c.part_b_drug), **_closing(view, zone)}


def _recon(view: CaseView, zone: ZoneInfo) -> dict[str, str]:
    c = view.case
    ds = {d.id: d for d in view.deadlines}
    ire = ds.get("T24") or ds.get("T23") or ds.get("C21")
    return {**_enrollee(c), "Reconsideration Number": str(view.id), **_request(c, zone, ds.get("T21") or ds.get("C22")),
            "Date of Resolution": _d(c.decided_at, zone), "Time of Resolution": _t(c.decided_at, zone),
            **_notified(c, zone, oral=False), "Date Forwarded to IRE": _d(c.ire_forwarded_at, zone),
            "Time Forwarded to IRE": _t(c.ire_forwarded_at, zone),
            "IRE Forwarding Due": f"{_d(ire.due, zone)} {_t(ire.due, zone)}" if ire else NONE,
            "IRE Forwarding Timely (Y/N/None)": NONE if ire is None else _yn(ire.state == "met"),
            "Medicare Item (Y/N)": _yn("medicare" in c.programs), "Medicaid Item (Y/N)": _yn("medicaid" in c.programs),
            "Who Made the Request": _REQUESTER[c.requester], "Part B Drug Request (Y/N)": _yn(c.part_b_drug),
            **_closing(view, zone)}


def _grv(view: CaseView, zone: ZoneInfo) -> dict[str, str]:
    c = view.case
    written = c.enrollee_notified_at if c.response_mode == "written" else None
    oral = c.enrollee_notified_at if c.response_mode == "oral" else None
    return {**_enrollee(c), "Grievance ID": str(view.id), "Date Grievance Was Received": _d(c.received, zone),
            "Time Grievance Was Received": _t(c.received, zone),
            "How Was the Grievance Received (Oral/Written)": "Oral" if c.channel == "oral" else "Written",
            "Priority (S/E)": "E" if c.expedited else "S",
            "Category of the Grievance": (c.grievance_subject or "other").replace("_", " ").title(),
            "Grievance Description": c.reason[:2000], "Timeframe Extension Taken (Y/N)": _yn(c.extension is not None),
            "Date Oral Notification of Resolution": _d(oral, zone), "Time Oral Notification of Resolution": _t(oral, zone),
            "Date Written Notification of Resolution": _d(written, zone),
            "Time Written Notification of Resolution": _t(written, zone), "AOR Receipt Date": _d(c.aor_received, zone),
            **_closing(view, zone)}


def _partd(view: CaseView, zone: ZoneInfo) -> dict[str, str]:
    c = view.case
    row = {**_partd_decision(view, zone), **_notified(c, zone, oral=False),
           "Date Effectuated": _d(c.effectuated_at, zone), "Who Made the Request": _REQUESTER[c.requester],
           "Date Forwarded to IRE": _d(c.ire_forwarded_at, zone), **_closing(view, zone)}
    if c.case_type == "partd_exception":
        row["Date Prescriber Supporting Statement Received"] = _d(c.supporting_statement_at, zone)
        row["Time Prescriber Supporting Statement Received"] = _t(c.supporting_statement_at, zone)
    return row


def _rd(view: CaseView, zone: ZoneInfo) -> dict[str, str]:
    c = view.case
    return {**_partd_decision(view, zone), "AOR Receipt Date": _d(c.aor_received, zone), **_notified(c, zone),
            "Date Effectuated": _d(c.effectuated_at, zone), "Who Made the Request": _REQUESTER[c.requester],
            "Date Forwarded to IRE": _d(c.ire_forwarded_at, zone),
            "Untimely Redetermination (forwarded to IRE) (Y/N)": _yn(c.deemed_adverse_at is not None),
            **_closing(view, zone)}


def _payment(view: CaseView, zone: ZoneInfo) -> dict[str, str]:
    c = view.case
    part_c = c.case_type.startswith("partc") or c.case_type.startswith("integrated")
    kind = ("RECON" if c.case_type == "partc_reconsideration" else "OD") if part_c else (
        "RD" if c.case_type == "partd_redetermination" else "CD")
    number = "Authorization or Claim Number" if part_c else "Case Number"
    row = {**_enrollee(c), number: str(view.id), f"Request Type ({'OD/RECON' if part_c else 'CD/RD'})": kind,
           "Request Received Date": _d(c.received, zone), "Request Received Time": _t(c.received, zone),
           "Request Disposition": _disposition(c),
           ("Date of Determination" if part_c else "Date of Plan Decision"): _d(c.decided_at, zone),
           ("Time of Determination" if part_c else "Time of Plan Decision"): _t(c.decided_at, zone),
           **_notified(c, zone, oral=False), "Date Paid": _d(c.effectuated_at, zone),
           "Date Forwarded to IRE": _d(c.ire_forwarded_at, zone), "Who Made the Request": _REQUESTER[c.requester],
           **_closing(view, zone)}
    if part_c:
        row["AOR Receipt Date"] = _d(c.aor_received, zone)
    return row


def _aip(view: CaseView, zone: ZoneInfo, views: list[CaseView]) -> dict[str, str]:
    c = view.case
    child = next((v.case for v in views if v.case.parent_ref == str(view.id)), None)
    sent_day = c.notice_sent.astimezone(zone).date() if c.notice_sent else None
    days = (c.action_date - sent_day).days if c.action_date and sent_day else None
    t6 = next((d for d in view.deadlines if d.id == "T6"), None)
    requested = child is not None and child.continuation_requested_at is not None
    end = None
    if child is not None and child.continuation == "ended":
        end = next((e.at for e in reversed(child.events) if e.kind in ("decide", "withdraw", "later_decision",
                                                                        "request_sfh")), None)
    return {**_enrollee(c), "Authorization Number": str(view.id), "Date on the Adverse Notice": _d(c.notice_date, zone),
            "Date Adverse Notice Sent": _d(c.notice_sent, zone), "Date of Action": _d(c.action_date, zone),
            "Days of Advance Notice": NONE if days is None else str(days),
            "Advance Notice Timely (Y/N)": NONE if t6 is None else _yn(t6.state == "met"),
            "Continuation Requested (Y/N)": _yn(requested),
            "Continuation Timely (Y/N/None)": _yn(True) if requested else NONE,
            "Continuation Start Date": _d(child.continuation_requested_at if child else None, zone),
            "Continuation End Date": _d(end, zone),
            "Continuation End Reason": (child.continuation_end_reason or NONE) if child else NONE}


_ROW = {"OD": _od, "RECON": _recon, "GRV_C": _grv, "CD": _partd, "CDER": _partd, "RD": _rd, "PYMT_C": _payment,
        "PYMT_D": _payment, "GRV_D": _grv}


_FINDING_COLUMNS = ["table", "case_id", "obligation_id", "obligation", "due", "met_at", "late_by", "late_by_hours", "why",
                    "cite"]


def write(universe: Universe, out: Path, *, tables: list[str] | None = None, excel_csv: bool = False) -> list[Path]:
    """``.xlsx``: one sheet per table plus "Self-check"; ``.csv``: ``out`` for one table, else ``<stem>_<TABLE>.csv``
    per table and ``<stem>_self_check.csv`` (``excel_csv``: with a UTF-8 byte-order mark for Excel). Cells that a
    spreadsheet would run as a formula are neutralised and
    texts are string cells in ``.xlsx`` (:mod:`partcd.platform.exports`)."""
    chosen = tables or list(TABLES)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font

        wb = Workbook()
        first = True
        for table in chosen:
            ws = wb.active if first else wb.create_sheet()
            first = False
            ws.title = table
            xlsx_row(ws, COLUMNS[table])
            for cell in ws[1]:
                cell.font = Font(bold=True)
            for row in universe.tables[table]:
                xlsx_row(ws, [row.get(col, NONE) for col in COLUMNS[table]])
            ws.freeze_panes = "A2"
        ws = wb.create_sheet("Self-check")
        xlsx_row(ws, _FINDING_COLUMNS)
        for f in universe.findings:
            if f.table in chosen:
                d = f.to_dict()
                xlsx_row(ws, [d[c] for c in _FINDING_COLUMNS])
        wb.save(out)
        return [out]
    if out.suffix.lower() != ".csv":
        raise ValueError(f"universe output must end in .csv or .xlsx, got {out.name}")
    paths: list[Path] = []
    for table in chosen:
        path = out if len(chosen) == 1 else out.with_name(f"{out.stem}_{table}.csv")
        with path.open("w", newline="", encoding="utf-8-sig" if excel_csv else "utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=COLUMNS[table], restval=NONE)
            w.writeheader()
            w.writerows(safe_row(row) for row in universe.tables[table])
        paths.append(path)
    if len(chosen) > 1:
        path = out.with_name(f"{out.stem}_self_check.csv")
        with path.open("w", newline="", encoding="utf-8-sig" if excel_csv else "utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=_FINDING_COLUMNS)
            w.writeheader()
            for f in universe.findings:
                d = f.to_dict()
                w.writerow(safe_row({c: d[c] for c in _FINDING_COLUMNS}))
        paths.append(path)
    return paths
