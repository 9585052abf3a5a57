"""One appeals case per notice kind, each reached through the state machine (shared by the notice tests in
tests/appeals); the free texts are the caller's, so a test can choose what the letter must print."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from partcd.appeals.rules import workflow as wf
from partcd.appeals.rules.workflow import CaseEvent, Intake, apply, open_case
from partcd.platform.params import load_params

P = load_params("appeals", dt.date(2021, 1, 1))
NY = ZoneInfo("America/New_York")
REC = dt.datetime(2021, 3, 1, 9, 0, tzinfo=NY)


def event(case: wf.Case, kind: str, at: dt.datetime, **kw: Any) -> wf.Case:
    return apply(case, CaseEvent(kind=kind, at=at, actor="reviewer", **kw), P, now=at)


def notice_cases(base: dict[str, Any], *, justification: str, adverse_note: str, resolved_after: dt.timedelta,
                 resolution_note: str) -> dict[str, wf.Case]:
    """A case for every kind in ``wf.NOTICE_KINDS``: an expedited integrated organization determination that was
    downgraded, extended and decided adversely (``justification``, ``adverse_note``); an integrated reconsideration
    with continued benefits, upheld; a Part C determination downgraded, extended by the enrollee and denied; a
    quality-of-care grievance resolved ``resolved_after`` receipt (``resolution_note``). ``base``: the intake's
    reason, enrollee and contract."""
    iod = open_case(Intake(case_type="integrated_organization_determination", received=REC, expedite_requested=True,
                           **base), P, actor="intake", now=REC)
    iod = event(iod, "deny_expedite", REC + dt.timedelta(hours=3))
    iod = event(iod, "extend", REC + dt.timedelta(days=5), requested_by="plan", enrollee_interest=True,
                needs_information=True, likely_approval=True, justification=justification)
    adverse = event(iod, "decide", REC + dt.timedelta(days=20), decision="adverse", reduction=True,
                    effective_date=dt.date(2021, 4, 5), note=adverse_note)
    ir = open_case(Intake(case_type="integrated_reconsideration", received=dt.datetime(2021, 3, 23, 10, tzinfo=NY),
                          adverse_notice_date=dt.date(2021, 3, 21), adverse_notice_sent=REC + dt.timedelta(days=20),
                          intended_effective_date=dt.date(2021, 4, 5), **base), P, actor="intake",
                   now=dt.datetime(2021, 3, 23, 10, tzinfo=NY))
    ir = event(ir, "request_continuation", dt.datetime(2021, 3, 23, 11, tzinfo=NY), previously_authorized=True,
               ordered_by_authorized_provider=True, authorization_period_unexpired=True)
    upheld = event(ir, "decide", dt.datetime(2021, 4, 15, 10, tzinfo=NY), decision="adverse")
    od = open_case(Intake(case_type="partc_organization_determination", received=REC, expedite_requested=True, **base),
                   P, actor="intake", now=REC)
    od = event(od, "deny_expedite", REC + dt.timedelta(hours=2))
    od = event(od, "extend", REC + dt.timedelta(days=3), requested_by="enrollee")
    denied = event(od, "decide", REC + dt.timedelta(days=20), decision="adverse", note="Not medically necessary.")
    quality = open_case(Intake(case_type="partc_grievance", received=REC, grievance_subject="quality_of_care", **base),
                        P, actor="intake", now=REC)
    resolved = event(quality, "resolve", REC + resolved_after, note=resolution_note)
    return {"acknowledgement": ir, "extension": iod, "denial_of_expedite": iod, "adverse_determination": adverse,
            "reconsideration_resolution": upheld, "continuation": ir, "standard_extension": od,
            "standard_denial_of_expedite": od, "standard_denial": denied, "grievance_resolution": resolved}
