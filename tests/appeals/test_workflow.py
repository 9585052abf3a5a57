"""Case state machines (spec §6; §§ 422.630-422.634, 423.568-423.572): each transition, each refusal, the missed-deadline
consequences, the § 422.629(h) record, and hypothesis properties over random event sequences."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partcd.appeals.rules import workflow as wf
from partcd.appeals.rules.workflow import CaseEvent, Intake, advance, apply, deadlines, obligations, open_case
from partcd.core.citation import cited
from partcd.core.errors import RuleError
from partcd.platform.params import load_params

P = load_params("appeals", dt.date(2021, 1, 1))
NY = ZoneInfo("America/New_York")
REC = dt.datetime(2021, 3, 1, 9, 0, tzinfo=NY)  # Monday; DST starts 2021-03-14
BASE: dict[str, Any] = {"reason": "home health visits", "enrollee_name": "Test Enrollee", "mbi": "1EG4TE5MK73",
                        "contract_id": "H1234"}


def _open(case_type: str, received: dt.datetime = REC, **kw: Any) -> wf.Case:
    return open_case(Intake(case_type=case_type, received=received, **{**BASE, **kw}), P, actor="intake", now=received)


def _ev(case: wf.Case, kind: str, at: dt.datetime, **kw: Any) -> wf.Case:
    return apply(case, CaseEvent(kind=kind, at=at, actor="reviewer", **kw), P, now=at)


def _due(case: wf.Case, ob_id: str) -> dt.datetime:
    return next(o.due for o in obligations(case, P) if o.id == ob_id)


def _h(hours: float) -> dt.timedelta:
    return dt.timedelta(hours=hours)


# --- integrated organization determination (§ 422.631) ----------------------------------------------------


def test_iod_standard_due_and_favorable_decision() -> None:
    case = _open("integrated_organization_determination")
    assert case.status == "STANDARD_PENDING" and case.events[0].kind == "received"
    assert _due(case, "T5") == dt.datetime(2021, 3, 15, 23, 59, 59, tzinfo=NY)  # 14 cd, end of local day (EDT)
    done = _ev(case, "decide", REC + dt.timedelta(days=3), decision="favorable")
    assert (done.status, done.outcome) == ("APPROVED", "approved")
    assert [d.state for d in deadlines(done, P, REC + dt.timedelta(days=3)) if d.id == "T5"] == ["met"]


def test_iod_missed_deadline_is_a_denial_with_the_notice_owed_that_day() -> None:
    """§ 422.631(d)(1): a decision not made in time is adverse; the notice is due the date the timeframe expires."""
    case = _open("integrated_organization_determination")
    due = dt.datetime(2021, 3, 15, 23, 59, 59, tzinfo=NY)
    assert advance(case, P, due).status == "STANDARD_PENDING"  # on time up to the second
    late = advance(case, P, due + dt.timedelta(seconds=1))
    assert late.status == "DEEMED_ADVERSE" and late.deemed_adverse_at == due
    assert late.events[-1].kind == "deadline_passed" and "422.631(d)(1)" in (late.events[-1].note or "")
    ds = {d.id: d for d in deadlines(late, P, due + _h(1))}
    assert ds["T13"].state == "overdue" and ds["T13"].due == due
    assert "T5" not in ds  # replaced by T13
    assert ds["T15"].state == "enrollee" and ds["T15"].due == dt.datetime(2021, 5, 14, 23, 59, 59, tzinfo=NY)
    with pytest.raises(RuleError, match="extend is not allowed") as err:
        _ev(case, "extend", due + _h(2), requested_by="enrollee")
    assert "422.631(d)(2)(ii)" in err.value.citation
    # a late decision is still recorded (universe), the T13 notice stays owed
    decided = _ev(late, "decide", due + _h(5), decision="adverse")
    assert decided.status == "ADVERSE_NOTICED" and decided.deemed_adverse_at == due


def test_iod_expedite_denied_keeps_original_receipt_day_and_letter_in_3_days() -> None:
    case = _open("integrated_organization_determination", expedite_requested=True)
    assert case.status == "RECEIVED"
    assert _due(case, "T7") == REC + _h(72)
    denied = _ev(case, "deny_expedite", REC + _h(5))
    assert denied.status == "STANDARD_PENDING"
    assert _due(denied, "T8") == dt.datetime(2021, 3, 15, 23, 59, 59, tzinfo=NY)
    assert _due(denied, "T9") == dt.datetime(2021, 3, 4, 23, 59, 59, tzinfo=NY)
    ext = _ev(denied, "extend", REC + dt.timedelta(days=10), requested_by="provider")
    assert ext.status == "EXTENDED" and _due(ext, "T12") == dt.datetime(2021, 3, 29, 23, 59, 59, tzinfo=NY)
    with pytest.raises(RuleError, match=r"not allowed .* state EXTENDED"):
        _ev(ext, "extend", REC + dt.timedelta(days=11), requested_by="enrollee")


def test_iod_provider_jeopardy_must_be_expedited() -> None:
    case = _open("integrated_organization_determination", expedite_requested=True, provider_indicates_jeopardy=True)
    assert case.status == "EXPEDITED_PENDING" and case.expedited
    pending = _open("integrated_organization_determination", expedite_requested=True).model_copy(
        update={"provider_indicates_jeopardy": True})
    with pytest.raises(RuleError, match="must expedite") as err:
        _ev(pending, "deny_expedite", REC + _h(1))
    assert "422.631(c)(3)" in err.value.citation


def test_iod_oral_payment_request_waits_for_writing() -> None:
    case = _open("integrated_organization_determination", payment_request=True, channel="oral")
    assert case.status == "NOT_A_VALID_REQUEST" and obligations(case, P) == []
    written = _ev(case, "receive_in_writing", REC + dt.timedelta(days=2))
    assert written.status == "STANDARD_PENDING" and written.received == REC + dt.timedelta(days=2)
    assert _due(written, "T5") == dt.datetime(2021, 3, 17, 23, 59, 59, tzinfo=NY)


def test_iod_reduction_needs_a_date_of_action_and_opens_continuation_window() -> None:
    case = _open("integrated_organization_determination")
    with pytest.raises(RuleError, match="date of action"):
        _ev(case, "decide", REC + _h(30), decision="adverse", reduction=True)
    done = _ev(case, "decide", REC + _h(30), decision="adverse", reduction=True, effective_date=dt.date(2021, 3, 20))
    ds = {d.id: d for d in deadlines(done, P, REC + _h(30))}
    assert ds["T6"].state == "met" and ds["T6"].due == dt.datetime(2021, 3, 10, 23, 59, 59, tzinfo=NY)
    assert ds["T14"].due == dt.datetime(2021, 3, 20, 23, 59, 59, tzinfo=NY)  # later of sent + 10 cd and effective date


def test_illegal_transition_is_a_rule_error_with_cite_and_allowed_events() -> None:
    case = _open("integrated_organization_determination")
    with pytest.raises(RuleError) as err:
        _ev(case, "forward_to_ire", REC + _h(1))
    assert err.value.cite and "422.631" in err.value.citation
    assert "decide" in err.value.details["allowed"] and err.value.details["status"] == "STANDARD_PENDING"
    with pytest.raises(RuleError, match="in the future"):
        apply(case, CaseEvent(kind="decide", at=REC + _h(5), decision="favorable"), P, now=REC + _h(1))
    with pytest.raises(RuleError, match="before the receipt"):
        _ev(case, "review", REC - _h(1))
    with pytest.raises(RuleError, match="recorded by the rules"):
        _ev(case, "deadline_passed", REC + _h(1))


# --- integrated grievance (§ 422.630) ---------------------------------------------------------------------


def test_grievance_about_an_extension_is_expedited_24h_without_extension() -> None:
    case = _open("integrated_grievance", grievance_subject="extension", channel="oral")
    assert case.status == "EXPEDITED_OPEN" and _due(case, "T4") == REC + _h(24)
    with pytest.raises(RuleError) as err:
        _ev(case, "extend", REC + _h(1), requested_by="enrollee")
    assert "422.630(d)" in err.value.citation
    done = _ev(case, "resolve", REC + _h(20), response_mode="oral")
    assert (done.status, done.outcome, done.response_mode) == ("RESOLVED", "resolved", "oral")


def test_grievance_standard_extension_and_written_response_rule() -> None:
    case = _open("integrated_grievance", grievance_subject="quality_of_care", received=dt.datetime(2024, 2, 1, 10, tzinfo=NY))
    assert case.status == "STANDARD_OPEN" and _due(case, "T2") == dt.datetime(2024, 3, 2, 23, 59, 59, tzinfo=NY)  # leap
    ext = _ev(case, "extend", dt.datetime(2024, 2, 20, 10, tzinfo=NY), requested_by="enrollee")
    assert ext.status == "EXTENDED_OPEN" and _due(ext, "T2") == dt.datetime(2024, 3, 16, 23, 59, 59, tzinfo=NY)
    assert _due(ext, "T3") == dt.datetime(2024, 2, 22, 23, 59, 59, tzinfo=NY)
    with pytest.raises(RuleError, match="written response") as err:
        _ev(ext, "resolve", dt.datetime(2024, 3, 1, tzinfo=NY), response_mode="oral")
    assert "422.630(e)" in err.value.citation
    # no regulatory consequence when late: still open, overdue in the queue
    late = advance(ext, P, dt.datetime(2024, 4, 1, tzinfo=NY))
    assert late.status == "EXTENDED_OPEN"
    assert [d.state for d in deadlines(late, P, dt.datetime(2024, 4, 1, tzinfo=NY)) if d.id == "T2"] == ["overdue"]


def test_grievance_filed_years_later_is_accepted() -> None:
    case = _open("integrated_grievance", grievance_subject="other", received=dt.datetime(2029, 7, 1, 12, tzinfo=NY))
    assert case.status == "STANDARD_OPEN"


def test_grievance_needs_a_subject() -> None:
    with pytest.raises(RuleError, match="subject"):
        _open("integrated_grievance")


# --- integrated reconsideration and continuation (§§ 422.632-422.634) -----------------------------------------

IR_BASE: dict[str, Any] = {"adverse_notice_date": dt.date(2021, 3, 3),
                           "adverse_notice_sent": dt.datetime(2021, 3, 3, 16, tzinfo=NY),
                           "intended_effective_date": dt.date(2021, 3, 20)}
IR_REC = dt.datetime(2021, 3, 8, 11, 0, tzinfo=NY)
CONT = {"previously_authorized": True, "ordered_by_authorized_provider": True, "authorization_period_unexpired": True}


def _ir(**kw: Any) -> wf.Case:
    return _open("integrated_reconsideration", received=kw.pop("received", IR_REC), **{**IR_BASE, **kw})


def test_ir_untimely_filing_and_good_cause() -> None:
    """§ 422.633(d)(1): 60 calendar days from the date on the notice. Day 60 (2021-05-02) is a Sunday; the enrollee
    window rolls to Monday (``enrollee_window_rollover_bool``), so Monday is on time and Tuesday is late."""
    late = _ir(received=dt.datetime(2021, 5, 4, 9, tzinfo=NY))  # 62 days after the date on the notice
    assert late.status == "UNTIMELY" and late.outcome == "untimely_filing"
    assert [o.id for o in obligations(late, P)] == ["T29"]
    accepted = _ev(late, "accept_good_cause", dt.datetime(2021, 5, 5, 9, tzinfo=NY))
    assert accepted.status == "STANDARD_PENDING"
    for day60 in (dt.datetime(2021, 5, 2, 23, 30, tzinfo=NY), dt.datetime(2021, 5, 3, 23, 30, tzinfo=NY)):
        assert _ir(received=day60).status == "STANDARD_PENDING"
    strict = P.with_overrides({"enrollee_window_rollover_bool": False})
    no_roll = open_case(Intake(case_type="integrated_reconsideration", received=dt.datetime(2021, 5, 3, 9, tzinfo=NY),
                               **{**BASE, **IR_BASE}), strict, actor="intake", now=dt.datetime(2021, 5, 3, 9, tzinfo=NY))
    assert no_roll.status == "UNTIMELY"


def test_ir_continuation_conditions_and_consent() -> None:
    case = _ir()
    with pytest.raises(RuleError, match="not met: the services were ordered") as err:
        _ev(case, "request_continuation", IR_REC + _h(1), previously_authorized=True, authorization_period_unexpired=True)
    assert "422.632(b)" in err.value.citation
    with pytest.raises(RuleError, match="on time"):
        _ev(case, "request_continuation", dt.datetime(2021, 3, 21, 9, tzinfo=NY), **CONT)
    rep = _ir(requester="provider")
    with pytest.raises(RuleError, match="written consent") as err:
        _ev(rep, "request_continuation", IR_REC + _h(1), **CONT)
    assert "422.629(l)(1)(ii)" in err.value.citation
    cont = _ev(case, "request_continuation", IR_REC + _h(1), **CONT)
    assert cont.continuation == "continuing"


def test_ir_upheld_medicare_forwarded_to_ire_then_bound_by_favorable() -> None:
    case = _ev(_ir(), "request_continuation", IR_REC + _h(1), **CONT)
    assert _due(case, "T16") == dt.datetime(2021, 4, 7, 23, 59, 59, tzinfo=NY)
    up = _ev(case, "decide", dt.datetime(2021, 3, 30, 10, tzinfo=NY), decision="adverse")
    assert up.status == "UPHELD" and up.continuation == "ended" and "Medicare" in (up.continuation_end_reason or "")
    ds = {d.id: d for d in deadlines(up, P, dt.datetime(2021, 3, 30, 11, tzinfo=NY))}
    assert ds["T23"].state == "open" and ds["T23"].due == dt.datetime(2021, 4, 7, 23, 59, 59, tzinfo=NY)
    assert ds["T25"].due == dt.datetime(2021, 7, 28, 23, 59, 59, tzinfo=NY)  # 120 cd from the notice date
    fwd = _ev(up, "forward_to_ire", dt.datetime(2021, 3, 31, 10, tzinfo=NY))
    assert fwd.status == "IRE_FORWARDED" and fwd.outcome == "forwarded_to_ire"
    won = _ev(fwd, "later_decision", dt.datetime(2021, 5, 1, 10, tzinfo=NY), forum="independent_review_entity",
              favorable=True)
    assert won.status == "BOUND_BY_FAVORABLE" and wf.is_terminal(won.case_type, won.status)


def test_ir_medicaid_only_continues_into_the_fair_hearing() -> None:
    case = _ev(_ir(programs=("medicaid",)), "request_continuation", IR_REC + _h(1), **CONT)
    up = _ev(case, "decide", dt.datetime(2021, 3, 30, 10, tzinfo=NY), decision="adverse")
    assert up.status == "SFH_ELIGIBLE" and up.continuation == "continuing"
    with pytest.raises(RuleError, match=r"not allowed .* SFH_ELIGIBLE") as err:
        _ev(up, "forward_to_ire", dt.datetime(2021, 3, 31, tzinfo=NY))
    assert "422.634(b)(1)" in err.value.citation
    assert _due(up, "T26") == dt.datetime(2021, 4, 9, 23, 59, 59, tzinfo=NY)
    sfh = _ev(up, "request_sfh", dt.datetime(2021, 4, 9, 20, tzinfo=NY), with_continuation=True)
    assert sfh.status == "MEDICAID_BENEFITS_CONTINUING_TO_SFH" and sfh.continuation == "continuing_to_sfh"
    lost = _ev(sfh, "later_decision", dt.datetime(2021, 6, 1, tzinfo=NY), forum="state_fair_hearing", favorable=False)
    assert lost.status == "UPHELD" and lost.continuation == "ended" and "422.632(c)(3)(iii)" in (
        lost.continuation_end_reason or "")


def test_ir_late_sfh_continuation_ends_benefits() -> None:
    case = _ev(_ir(programs=("medicaid",)), "request_continuation", IR_REC + _h(1), **CONT)
    up = _ev(case, "decide", dt.datetime(2021, 3, 30, 10, tzinfo=NY), decision="adverse")
    sfh = _ev(up, "request_sfh", dt.datetime(2021, 4, 10, 9, tzinfo=NY), with_continuation=True)
    assert sfh.status == "SFH_ELIGIBLE" and sfh.continuation == "ended"


def test_ir_missed_deadline_is_adverse_and_goes_to_the_ire() -> None:
    """§ 422.634(a), (b)(1)(ii): T23 by 30 cd from receipt."""
    case = _ir()
    due = dt.datetime(2021, 4, 7, 23, 59, 59, tzinfo=NY)
    late = advance(case, P, due + _h(1))
    assert late.status == "DEEMED_ADVERSE_IR" and late.outcome == "deemed_adverse"
    ds = {d.id: d for d in deadlines(late, P, due + _h(1))}
    assert ds["T23"].state == "overdue" and ds["T23"].due == due
    assert ds["T22"].state == "overdue"  # the resolution notice is still owed
    fwd = _ev(late, "forward_to_ire", due + _h(2))
    assert fwd.status == "IRE_FORWARDED"
    assert [d.state for d in deadlines(fwd, P, due + _h(3)) if d.id == "T23"] == ["late"]


def test_ir_late_favorable_decision_needs_no_ire_forwarding() -> None:
    late = advance(_ir(), P, dt.datetime(2021, 4, 8, 9, tzinfo=NY))
    assert late.status == "DEEMED_ADVERSE_IR" and wf.is_adverse(late)
    won = _ev(late, "decide", dt.datetime(2021, 4, 8, 10, tzinfo=NY), decision="favorable")
    assert won.status == "REVERSED" and not wf.is_adverse(won)
    ids = {d.id: d.state for d in deadlines(won, P, dt.datetime(2021, 4, 8, 11, tzinfo=NY))}
    assert "T23" not in ids and ids["T16"] == "late" and ids["T27"] == "open"


def test_ir_expedited_affirmed_forward_within_24h_and_reversal_effectuation() -> None:
    case = _ir(expedite_requested=True)
    assert case.status == "REQUESTED"
    exp = _ev(case, "grant_expedite", IR_REC + _h(1))
    assert exp.status == "EXPEDITED_PENDING" and _due(exp, "T17") == IR_REC + _h(72)
    up = _ev(exp, "decide", IR_REC + _h(50), decision="adverse")
    assert _due(up, "T24") == IR_REC + _h(74)
    rev = _ev(exp, "decide", IR_REC + _h(50), decision="favorable")
    assert rev.status == "REVERSED" and _due(rev, "T27") == IR_REC + _h(122)
    done = _ev(rev, "effectuate", IR_REC + _h(60))
    assert [d.state for d in deadlines(done, P, IR_REC + _h(61)) if d.id == "T27"] == ["met"]


def test_ir_withdrawal_ends_continuation() -> None:
    case = _ev(_ir(), "request_continuation", IR_REC + _h(1), **CONT)
    gone = _ev(case, "withdraw", IR_REC + _h(2))
    assert gone.status == "WITHDRAWN" and gone.continuation == "ended"
    assert [d for d in deadlines(gone, P, IR_REC + dt.timedelta(days=60)) if d.state == "overdue"] == []


# --- Part D (§§ 423.568(b), 423.570(d)(1), 423.572(a)) --------------------------------------------------------


def test_partd_exception_statement_on_day_12_gets_its_72_hours() -> None:
    """§ 423.568(b) as CMS-4185-F finalised it: 72 hours after the supporting statement; with none by the end of the
    14th calendar day, 72 hours after the end of that day (not "whichever is first" as proposed)."""
    case = _open("partd_exception")
    assert _due(case, "P2") == dt.datetime(2021, 3, 18, 23, 59, 59, tzinfo=NY)  # end of day 14 + 72 h
    ss = _ev(case, "supporting_statement", dt.datetime(2021, 3, 13, 10, tzinfo=NY))
    assert _due(ss, "P2") == dt.datetime(2021, 3, 16, 11, tzinfo=NY)  # 72 elapsed hours across the DST change
    early = _ev(case, "supporting_statement", dt.datetime(2021, 3, 2, 10, tzinfo=NY))
    assert _due(early, "P2") == dt.datetime(2021, 3, 5, 10, tzinfo=NY)


def test_partd_missed_deadline_is_adverse_and_forwarded() -> None:
    case = _open("partd_coverage_determination", expedite_requested=True)
    assert case.status == "RECEIVED" and _due(case, "P3") == REC + _h(24)
    std = _ev(case, "deny_expedite", REC + _h(2))
    assert _due(std, "P5") == REC + _h(72)
    late = advance(std, P, REC + _h(73))
    assert late.status == "DEEMED_ADVERSE"
    assert _ev(late, "forward_to_ire", REC + _h(80)).status == "IRE_FORWARDED"
    with pytest.raises(RuleError, match="supporting statement"):
        _open("partd_coverage_determination", supporting_statement_at=REC)


# --- records, notices, citations ---------------------------------------------------------------------------


def test_record_has_the_seven_422_629_h_elements() -> None:
    case = _ev(_open("integrated_organization_determination"), "review", REC + _h(3))
    case = _ev(case, "decide", REC + _h(30), decision="adverse", notice_sent=REC + _h(31))
    rec = wf.record_fields(case)
    assert rec == {"reason": "home health visits", "date_of_receipt": "2021-03-01", "review_dates": ["2021-03-01"],
                   "resolution": "adverse", "resolution_date": "2021-03-02", "enrollee_name": "Test Enrollee",
                   "enrollee_notified": "2021-03-02"}


def test_notice_elements_are_cited_and_cover_every_kind() -> None:
    notice_elements = wf.notice_elements(P)
    assert set(notice_elements) == set(wf.NOTICE_KINDS)
    for kind, elements in notice_elements.items():
        assert elements, kind
        for e in elements:
            assert e.cite.startswith("42 CFR 42"), (kind, e)
            assert ("cms-4185-p L" in e.cite) == (not kind.startswith("standard_")), (kind, e)
    assert [e.id for e in notice_elements["adverse_determination"]][:8] == [
        "determination", "date_made", "date_effective", "reasons", "right_to_reconsideration",
        "reconsideration_procedure", "expedited_availability", "continuation_right"]


def test_public_functions_cite_their_paragraphs() -> None:
    for fn in (wf.open_case, wf.apply, wf.advance, wf.obligations, wf.deadlines, wf.record_fields, wf.allowed_events):
        assert cited(fn), fn.__name__


def test_terminal_states_are_those_the_spec_lists() -> None:
    for case_type, states in wf.STATES.items():
        assert set(wf.TRANSITIONS[case_type]) == set(states)
        terminal = {s for s in states if wf.is_terminal(case_type, s)}
        assert terminal == wf.SPEC_TERMINAL[case_type]


# --- properties ------------------------------------------------------------------------------------------

_KINDS = list(wf.EVENT_KINDS)
events_st = st.lists(st.tuples(
    st.sampled_from(_KINDS),
    st.floats(min_value=0.0, max_value=400.0),
    st.sampled_from(["favorable", "partially_favorable", "adverse"]),
    st.booleans(),
    st.sampled_from(["enrollee", "provider", "plan"]),
    st.sampled_from(["state_fair_hearing", "independent_review_entity", "external_medical_review"]),
    st.sampled_from(list(wf.NOTICE_KINDS)),
), max_size=12)


@st.composite
def intakes(draw: st.DrawFn) -> Intake:
    case_type = draw(st.sampled_from(list(wf.CASE_TYPES)))
    received = draw(st.datetimes(min_value=dt.datetime(2021, 1, 2), max_value=dt.datetime(2027, 12, 1))).replace(
        tzinfo=dt.UTC).astimezone(NY)
    kw: dict[str, Any] = {
        "expedite_requested": draw(st.booleans()), "provider_indicates_jeopardy": draw(st.booleans()),
        "programs": draw(st.sampled_from([("medicare",), ("medicaid",), ("medicare", "medicaid")])),
        "channel": draw(st.sampled_from(["oral", "written"])),
        "requester": draw(st.sampled_from(["enrollee", "provider", "representative"])),
    }
    if case_type in wf.GRIEVANCE_TYPES:
        kw["grievance_subject"] = draw(st.sampled_from(["extension", "expedite_refusal", "quality_of_care", "other"]))
        if case_type != "integrated_grievance":
            kw["grievance_event_date"] = received.date() - dt.timedelta(days=draw(st.integers(0, 90)))
            kw["drug_already_received"] = case_type == "partd_grievance" and draw(st.booleans())
    if case_type in _PAYMENT:
        kw["payment_request"] = draw(st.booleans())
    if case_type in ("partc_organization_determination", "partc_reconsideration"):
        kw["part_b_drug"] = not kw.get("payment_request") and draw(st.booleans())
    if case_type == "partc_organization_determination":
        kw["prior_authorization"] = not kw.get("payment_request") and draw(st.booleans())
    if case_type in ("integrated_reconsideration", "partc_reconsideration", "partd_redetermination"):
        sent = received - dt.timedelta(days=draw(st.integers(min_value=0, max_value=70)))
        kw |= {"adverse_notice_sent": sent, "adverse_notice_date": sent.date(),
               "good_cause_in_writing": draw(st.booleans())}
        if case_type == "integrated_reconsideration":
            kw["intended_effective_date"] = sent.date() + dt.timedelta(days=draw(st.integers(0, 20)))
    return Intake(case_type=case_type, received=received, **{**BASE, **kw})


_PAYMENT = ("integrated_organization_determination", "partd_coverage_determination", "partc_organization_determination",
            "partc_reconsideration", "partd_redetermination")


def _period(intake: Intake) -> Any:
    """The parameters in force on the receipt date (a 2026 case uses the CMS-0057-F period file)."""
    return load_params("appeals", intake.received.date())


def _check(case: wf.Case, now: dt.datetime, params: Any = P) -> None:
    assert case.status in wf.STATES[case.case_type]
    if wf.is_terminal(case.case_type, case.status):
        assert case.status in wf.SPEC_TERMINAL[case.case_type]
        assert case.outcome is not None
    for o in obligations(case, params):
        assert o.due.astimezone(dt.UTC) >= o.start.astimezone(dt.UTC) or o.counts == "before", o.id
    deadlines(case, params, now)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(intake=intakes(), events=events_st)
def test_random_event_sequences_stay_legal_and_end_with_an_outcome(intake: Intake, events: list[tuple[Any, ...]]) -> None:
    """Any sequence of events: every state is a state of the machine, every terminal state is one the spec lists and
    has an outcome, every obligation is due no earlier than its start, and once every deadline has passed no
    determination or reconsideration is left pending without an outcome."""
    pp = _period(intake)
    case = open_case(intake, pp, actor="intake", now=intake.received)
    _check(case, case.received, pp)
    t = case.received
    for kind, gap_h, decision, flag, who, forum, notice in events:
        t = t + dt.timedelta(hours=gap_h)
        ev = CaseEvent(kind=kind, at=t, actor="tester", decision=decision, favorable=flag, with_continuation=flag,
                       requested_by=who, forum=forum, notice=notice, reduction=False, response_mode="written",
                       consent_on_file=flag, previously_authorized=True, ordered_by_authorized_provider=True,
                       authorization_period_unexpired=True, enrollee_interest=True, needs_information=True,
                       likely_approval=True, justification="need records" if who == "plan" else None)
        before = case
        try:
            case = apply(case, ev, pp, now=t)
        except RuleError as exc:
            assert exc.cite, f"refusal without a citation: {exc}"
            case = before
            continue
        _check(case, t, pp)
    final = advance(case, pp, t + dt.timedelta(days=400))
    _check(final, t + dt.timedelta(days=400), pp)
    if final.case_type not in wf.GRIEVANCE_TYPES and final.status != "NOT_A_VALID_REQUEST":
        assert final.outcome is not None, final.status


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(intake=intakes(), data=st.data())
def test_guided_sequences_reach_every_end_state_legally(intake: Intake, data: st.DataObject) -> None:
    """Events drawn from those the state accepts (so paths go deep): the same invariants, and a decision made before
    its due time is always accepted (a legal path is never refused)."""
    pp = _period(intake)
    case = open_case(intake, pp, actor="intake", now=intake.received)
    t = case.received
    for _ in range(data.draw(st.integers(min_value=0, max_value=10))):
        kinds = [k for k in wf.allowed_events(case) if k != "notice_sent"] or ["review"]
        kind = data.draw(st.sampled_from(kinds))
        t = t + dt.timedelta(hours=data.draw(st.floats(min_value=0.0, max_value=200.0)))
        favorable = data.draw(st.booleans())
        ev = CaseEvent(kind=kind, at=t, actor="tester", decision=data.draw(st.sampled_from(
            ["favorable", "partially_favorable", "adverse"])), favorable=favorable, with_continuation=favorable,
            requested_by="enrollee", forum=data.draw(st.sampled_from(["state_fair_hearing", "independent_review_entity"])),
            response_mode="written", consent_on_file=True, previously_authorized=True,
            ordered_by_authorized_provider=True, authorization_period_unexpired=True)
        due = wf.resolution_due(advance(case, pp, t), pp)
        try:
            case = apply(case, ev, pp, now=t)
        except RuleError as exc:
            assert exc.cite, f"refusal without a citation: {exc}"
            if kind == "decide" and due is not None and t.astimezone(dt.UTC) <= due.astimezone(dt.UTC) \
                    and case.status in ("STANDARD_PENDING", "EXPEDITED_PENDING", "EXTENDED"):
                raise AssertionError(f"an on-time decision was refused: {exc}") from exc
            continue
        _check(case, t, pp)
    final = advance(case, pp, t + dt.timedelta(days=400))
    _check(final, t + dt.timedelta(days=400), pp)
    if final.case_type not in wf.GRIEVANCE_TYPES and final.status != "NOT_A_VALID_REQUEST":
        assert final.outcome is not None, final.status
