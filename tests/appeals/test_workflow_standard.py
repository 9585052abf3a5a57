"""State machines of the standard processes (Part C organization determinations, reconsiderations, grievances; Part D
redeterminations, grievances, payment requests), the review's fixes (Part D payment clock, 2020 Part D, provider-filed
extension, acknowledgement target, back-dated events) and hypothesis properties per new process."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partcd.appeals.rules import workflow as wf
from partcd.appeals.rules.workflow import CaseEvent, Intake, advance, apply, deadlines, obligations, open_case
from partcd.core.errors import RuleError
from partcd.core.params import ParamSet
from partcd.platform.params import load_params

NY = ZoneInfo("America/New_York")
P = load_params("appeals", dt.date(2021, 1, 1))
REC = dt.datetime(2021, 3, 1, 9, 0, tzinfo=NY)  # Monday; DST starts 2021-03-14
BASE: dict[str, Any] = {"reason": "knee brace", "enrollee_name": "Std Enrollee", "mbi": "1EG4TE5MK73",
                        "contract_id": "H1234"}
NOTICE = {"adverse_notice_date": dt.date(2021, 2, 26)}


def _params(received: dt.datetime) -> ParamSet:
    return load_params("appeals", received.date())


def _open(case_type: str, received: dt.datetime = REC, **kw: Any) -> wf.Case:
    return open_case(Intake(case_type=case_type, received=received, **{**BASE, **kw}), _params(received),
                     actor="intake", now=received)


def _ev(case: wf.Case, kind: str, at: dt.datetime, now: dt.datetime | None = None, actor: str = "reviewer",
        **kw: Any) -> wf.Case:
    return apply(case, CaseEvent(kind=kind, at=at, actor=actor, **kw), _params(case.received), now=now or at)


def _due(case: wf.Case, ob_id: str) -> dt.datetime:
    return next(o.due for o in obligations(case, _params(case.received)) if o.id == ob_id)


def _ids(case: wf.Case) -> list[str]:
    return [o.id for o in obligations(case, _params(case.received))]


def _states(case: wf.Case, now: dt.datetime) -> dict[str, str]:
    return {d.id: d.state for d in deadlines(case, _params(case.received), now)}


def _h(hours: float) -> dt.timedelta:
    return dt.timedelta(hours=hours)


def _d(days: int) -> dt.timedelta:
    return dt.timedelta(days=days)


# --- Part C organization determinations (§§ 422.566-422.572) ------------------------------------------------


def test_od_standard_favorable_then_effectuated() -> None:
    """§ 422.568(b)(1): 14 calendar days; a favorable decision is carried out (the E ids apply on reconsideration)."""
    case = _open("partc_organization_determination")
    assert (case.status, _ids(case)) == ("STANDARD_PENDING", ["C1"])
    assert _due(case, "C1") == dt.datetime(2021, 3, 15, 23, 59, 59, tzinfo=NY)
    done = _ev(case, "decide", REC + _d(3), decision="favorable")
    assert (done.status, done.outcome) == ("APPROVED", "approved")
    assert _states(done, REC + _d(4))["C1"] == "met"
    assert _ev(done, "effectuate", REC + _d(4)).effectuated_at == REC + _d(4)


def test_od_missed_deadline_is_an_adverse_determination() -> None:
    """§ 422.568(f): failure to notify in time is an adverse organization determination the enrollee may appeal."""
    case = _open("partc_organization_determination")
    due = dt.datetime(2021, 3, 15, 23, 59, 59, tzinfo=NY)
    assert advance(case, P, due).status == "STANDARD_PENDING"
    late = advance(case, P, due + dt.timedelta(seconds=1))
    assert (late.status, late.deemed_adverse_at, late.outcome) == ("DEEMED_ADVERSE", due, "deemed_adverse")
    assert "422.568(f)" in (late.events[-1].note or "")
    with pytest.raises(RuleError, match="extend is not allowed"):
        _ev(late, "extend", due + _h(2), requested_by="enrollee")


def test_od_extension_expedite_and_part_b_drug() -> None:
    """§ 422.568(b)(1)(i) extension asked by the enrollee; § 422.568(b)(2) and § 422.572(a)(2): Part B drugs, no
    extension; § 422.570(c)(2): a physician's jeopardy statement forces expedited handling."""
    case = _open("partc_organization_determination")
    ext = _ev(case, "extend", REC + _d(5), requested_by="enrollee")
    assert ext.status == "EXTENDED" and _due(ext, "C8") == dt.datetime(2021, 3, 29, 23, 59, 59, tzinfo=NY)
    assert "C7" in _ids(ext)
    with pytest.raises(RuleError, match="extend is not allowed"):  # one extension
        _ev(ext, "extend", REC + _d(6), requested_by="enrollee")
    drug = _open("partc_organization_determination", part_b_drug=True)
    assert _due(drug, "C2") == REC + _h(72)
    with pytest.raises(RuleError, match="may not be extended"):
        _ev(drug, "extend", REC + _h(5), requested_by="enrollee")
    fast = _open("partc_organization_determination", expedite_requested=True, provider_indicates_jeopardy=True,
                 part_b_drug=True)
    assert (fast.status, _due(fast, "C4")) == ("EXPEDITED_PENDING", REC + _h(24))
    asked = _open("partc_organization_determination", expedite_requested=True)
    assert asked.status == "RECEIVED"
    denied = _ev(asked, "deny_expedite", REC + _h(3))
    assert denied.status == "STANDARD_PENDING" and set(_ids(denied)) >= {"C5", "C6"}


def test_od_prior_authorization_2026_uses_the_period_in_force_on_receipt() -> None:
    """§ 422.568(b)(1)(ii) (CMS-0057-F): 7 calendar days for a prior-authorization item received from 2026-01-01;
    a request received on 2025-12-31 keeps 14."""
    new = _open("partc_organization_determination", dt.datetime(2026, 1, 5, 10, tzinfo=NY), prior_authorization=True)
    assert _due(new, "C1") == dt.datetime(2026, 1, 12, 23, 59, 59, tzinfo=NY)
    old = _open("partc_organization_determination", dt.datetime(2025, 12, 31, 10, tzinfo=NY), prior_authorization=True)
    assert _due(old, "C1") == dt.datetime(2026, 1, 14, 23, 59, 59, tzinfo=NY)


def test_od_payment_request_is_never_expedited() -> None:
    """§ 422.570(a): expedited handling excludes payment for services already furnished; § 422.568(c): 60 days."""
    case = _open("partc_organization_determination", payment_request=True, expedite_requested=True,
                 provider_indicates_jeopardy=True)
    assert (case.status, case.expedited, _ids(case)) == ("STANDARD_PENDING", False, ["C11"])
    assert "expedited handling is not available" in (case.events[-1].note or "")
    assert _due(case, "C11") == dt.datetime(2021, 4, 30, 23, 59, 59, tzinfo=NY)


# --- Part C reconsiderations (§§ 422.582-422.590) ------------------------------------------------------------


def test_recon_affirmed_is_forwarded_to_the_ire_and_a_favorable_ire_decision_is_effectuated() -> None:
    """§ 422.590(a)(2): an affirmation goes to the IRE within the 30 days; § 422.618(b)(1): IRE reversal, authorize
    within 72 h and provide within 14 calendar days of its notice."""
    case = _open("partc_reconsideration", **NOTICE)
    assert case.status == "STANDARD_PENDING" and _due(case, "C13") == dt.datetime(2021, 3, 31, 23, 59, 59, tzinfo=NY)
    affirmed = _ev(case, "decide", REC + _d(10), decision="adverse")
    assert (affirmed.status, affirmed.outcome) == ("AFFIRMED", "affirmed")
    assert _states(affirmed, REC + _d(11))["C21"] == "open"
    with pytest.raises(RuleError, match="later decision is not allowed"):
        _ev(affirmed, "later_decision", REC + _d(11), forum="independent_review_entity", favorable=True)
    sent = _ev(affirmed, "forward_to_ire", REC + _d(12))
    assert sent.status == "IRE_FORWARDED" and _states(sent, REC + _d(13))["C21"] == "met"
    rev_at = REC + _d(40)
    won = _ev(sent, "later_decision", rev_at, forum="independent_review_entity", favorable=True)
    assert won.status == "BOUND_BY_FAVORABLE"
    assert {"E5": rev_at + _h(72), "E6": dt.datetime(2021, 4, 24, 23, 59, 59, tzinfo=NY)}.items() <= {
        o.id: o.due for o in obligations(won, P)}.items()


def test_recon_missed_deadline_is_a_deemed_affirmation_to_forward() -> None:
    """§ 422.590(d): a missed deadline is an affirmation that must be forwarded (standard: C21 by the limit)."""
    case = _open("partc_reconsideration", **NOTICE)
    due = dt.datetime(2021, 3, 31, 23, 59, 59, tzinfo=NY)
    late = advance(case, P, due + _h(1))
    assert (late.status, late.outcome) == ("DEEMED_AFFIRMED", "deemed_affirmed")
    assert _states(late, due + _h(1))["C21"] == "overdue"
    assert _ev(late, "forward_to_ire", due + _h(2)).status == "IRE_FORWARDED"
    fast = _open("partc_reconsideration", expedite_requested=True, provider_indicates_jeopardy=True, **NOTICE)
    missed = advance(fast, P, REC + _h(73))
    assert _due(missed, "C21") == REC + _h(96)  # § 422.590(g): 24 h after the expiry of the 72 hours


def test_recon_filing_window_and_good_cause() -> None:
    """§ 422.582(b), (c): 60 calendar days from the date of the notice; later only for good cause in writing."""
    late = _open("partc_reconsideration", dt.datetime(2021, 5, 3, 9, tzinfo=NY), adverse_notice_date=dt.date(2021, 3, 1))
    assert (late.status, late.outcome) == ("UNTIMELY", "untimely_filing")
    assert _ev(late, "accept_good_cause", dt.datetime(2021, 5, 3, 10, tzinfo=NY)).status == "STANDARD_PENDING"
    with pytest.raises(RuleError, match="date on the notice"):
        _open("partc_reconsideration")


def test_recon_payment_and_part_b_drug_timeframes() -> None:
    pay = _open("partc_reconsideration", payment_request=True, **NOTICE)
    assert _due(pay, "C14") == dt.datetime(2021, 4, 30, 23, 59, 59, tzinfo=NY)  # § 422.590(b)(1): 60 cd
    drug = _open("partc_reconsideration", part_b_drug=True, **NOTICE)
    assert _due(drug, "C15") == dt.datetime(2021, 3, 8, 23, 59, 59, tzinfo=NY)  # § 422.590(c)(1): 7 cd


# --- grievances (§§ 422.564, 423.564) -----------------------------------------------------------------------


def test_partc_grievance_standard_extended_and_resolved() -> None:
    case = _open("partc_grievance", grievance_subject="other", grievance_event_date=dt.date(2021, 2, 20))
    assert case.status == "STANDARD_OPEN" and _due(case, "C24") == dt.datetime(2021, 3, 31, 23, 59, 59, tzinfo=NY)
    ext = _ev(case, "extend", REC + _d(10), requested_by="enrollee")
    assert ext.status == "EXTENDED_OPEN" and _due(ext, "C24") == dt.datetime(2021, 4, 14, 23, 59, 59, tzinfo=NY)
    assert _due(ext, "C25") == dt.datetime(2021, 3, 11, 23, 59, 59, tzinfo=NY)  # "immediately": the same day
    done = _ev(ext, "resolve", REC + _d(20))
    assert (done.status, done.outcome) == ("RESOLVED", "resolved")
    assert advance(case, P, REC + _d(200)).status == "STANDARD_OPEN"  # no regulatory consequence of a late grievance


def test_grievance_expedited_response_and_written_answer() -> None:
    """§ 422.564(f): 24 h for a refused expedite or an extension taken; § 423.564(f) only when the enrollee does not
    yet have the drug; § 422.564(e)(3): a written grievance gets a written answer."""
    fast = _open("partc_grievance", grievance_subject="expedite_refusal")
    assert (fast.status, _due(fast, "C26")) == ("EXPEDITED_OPEN", REC + _h(24))
    with pytest.raises(RuleError, match="extend is not allowed"):
        _ev(fast, "extend", REC + _h(2), requested_by="enrollee")
    with pytest.raises(RuleError, match="written response"):
        _ev(fast, "resolve", REC + _h(2), response_mode="oral")
    d_fast = _open("partd_grievance", grievance_subject="expedite_refusal")
    assert (d_fast.status, _due(d_fast, "D17")) == ("EXPEDITED_OPEN", REC + _h(24))
    has_drug = _open("partd_grievance", grievance_subject="expedite_refusal", drug_already_received=True)
    assert has_drug.status == "STANDARD_OPEN" and _ids(has_drug) == ["D15"]


def test_grievance_extension_by_a_provider_is_refused_outside_the_unified_process() -> None:
    case = _open("partd_grievance", grievance_subject="other", requester="provider")
    with pytest.raises(RuleError, match="asked by the enrollee"):
        _ev(case, "extend", REC + _d(2), requested_by="provider")


# --- Part D redeterminations and payment requests (§§ 423.568, 423.580-423.590) -----------------------------


def test_redetermination_adverse_goes_to_the_ire_at_the_enrollees_request() -> None:
    """§ 423.590(a): 7 calendar days; an adverse redetermination made in time is not forwarded (§ 423.600)."""
    case = _open("partd_redetermination", **NOTICE)
    assert _due(case, "D6") == dt.datetime(2021, 3, 8, 23, 59, 59, tzinfo=NY)
    denied = _ev(case, "decide", REC + _d(2), decision="adverse")
    assert denied.status == "DENIED" and "D13" not in _ids(denied)
    won = _ev(denied, "later_decision", REC + _d(30), forum="independent_review_entity", favorable=True)
    assert won.status == "BOUND_BY_FAVORABLE"
    assert _due(won, "E14") == REC + _d(30) + _h(72)  # § 423.636(b)(1)


def test_redetermination_missed_is_forwarded_within_24_hours() -> None:
    """§ 423.590(c): a missed deadline is an adverse redetermination forwarded within 24 hours of the expiry."""
    case = _open("partd_redetermination", **NOTICE)
    due = dt.datetime(2021, 3, 8, 23, 59, 59, tzinfo=NY)
    late = advance(case, P, due + _h(1))
    assert late.status == "DEEMED_ADVERSE" and _due(late, "D13") == due + _h(24)
    assert _ev(late, "forward_to_ire", due + _h(5)).status == "IRE_FORWARDED"


def test_redetermination_payment_is_14_days_and_not_expedited() -> None:
    case = _open("partd_redetermination", payment_request=True, expedite_requested=True, **NOTICE)
    assert (case.status, _ids(case)) == ("STANDARD_PENDING", ["D7"])
    assert _due(case, "D7") == dt.datetime(2021, 3, 15, 23, 59, 59, tzinfo=NY)


def test_partd_payment_request_gets_14_days_not_72_hours() -> None:
    """Review fix, § 423.568(c): a request for payment is decided within 14 calendar days, and § 423.570(a) excludes
    it from expedited handling (the workflow used to give it the 72-hour clock, ignoring ``payment_request``)."""
    case = _open("partd_coverage_determination", payment_request=True)
    assert _ids(case) == ["D1"] and _due(case, "D1") == dt.datetime(2021, 3, 15, 23, 59, 59, tzinfo=NY)
    asked = _open("partd_coverage_determination", payment_request=True, expedite_requested=True,
                  provider_indicates_jeopardy=True)
    assert (asked.status, _ids(asked)) == ("STANDARD_PENDING", ["D1"])
    with pytest.raises(RuleError, match="cannot be expedited"):
        _ev(asked.model_copy(update={"status": "RECEIVED"}), "grant_expedite", REC + _h(1))


def test_partd_cases_received_in_2020_use_the_2020_file() -> None:
    """Review fix: CMS-4185-F's Part D exception timeframes apply from 2020-01-01; the 2020 file has the Part D and
    standard keys, not the unified-process group (applicable integrated plans start 2021-01-01, § 422.629(a))."""
    rec = dt.datetime(2020, 6, 1, 9, tzinfo=NY)
    exc = _open("partd_exception", rec)
    assert _due(exc, "P2") == dt.datetime(2020, 6, 18, 23, 59, 59, tzinfo=NY)  # end of day 14 + 72 h
    assert _ids(_open("partd_coverage_determination", rec)) == ["P1"]
    with pytest.raises(RuleError, match="January 1, 2021") as err:
        _open("integrated_organization_determination", rec)
    assert "422.629(a)" in err.value.citation


# --- § 422.629(l)(2): a provider that files is the "enrollee" -------------------------------------------------


def test_filing_provider_may_ask_the_ir_extension() -> None:
    ir = {"adverse_notice_date": dt.date(2021, 2, 26)}
    filed = _open("integrated_reconsideration", requester="provider", **ir)
    ext = _ev(filed, "extend", REC + _d(2), requested_by="provider")
    assert ext.status == "EXTENDED" and _due(ext, "T16") == dt.datetime(2021, 4, 14, 23, 59, 59, tzinfo=NY)
    other = _open("integrated_reconsideration", requester="enrollee", **ir)
    with pytest.raises(RuleError, match=r"422.629\(l\)\(2\)"):
        _ev(other, "extend", REC + _d(2), requested_by="provider")


def test_ir_provider_jeopardy_must_be_expedited() -> None:
    """§ 422.633(e)(3): the plan must expedite an integrated reconsideration when a provider indicates that the
    standard time could seriously jeopardize the enrollee's life, health or ability to regain maximum function."""
    ir = {"adverse_notice_date": dt.date(2021, 2, 26)}
    case = _open("integrated_reconsideration", expedite_requested=True, provider_indicates_jeopardy=True, **ir)
    assert (case.status, case.expedited, _due(case, "T17")) == ("EXPEDITED_PENDING", True, REC + _h(72))
    pending = _open("integrated_reconsideration", expedite_requested=True, **ir).model_copy(
        update={"provider_indicates_jeopardy": True})
    with pytest.raises(RuleError, match="must expedite") as err:
        _ev(pending, "deny_expedite", REC + _h(1))
    assert "422.633(e)(3)" in err.value.citation


# --- acknowledgement target (T29) ----------------------------------------------------------------------------


def test_acknowledgement_is_a_target_unless_a_state_contract_sets_one() -> None:
    """§ 422.629(g) "upon receiving": read as the receipt day, but as a target - an acknowledgement sent the next day
    is "target_missed", not a late obligation; a State contract number (§ 422.629(c)) binds."""
    case = _open("integrated_grievance", grievance_subject="other")
    now = REC + _d(2)
    ack = {d.id: d for d in deadlines(case, P, now)}["T29"]
    assert (ack.state, ack.binding) == ("target_missed", False)
    sent = _ev(case, "notice_sent", REC + _d(1), notice="acknowledgement")
    assert _states(sent, now)["T29"] == "target_missed"
    strict = P.with_overrides({"acknowledgement_binding_bool": True})
    assert {d.id: d.state for d in deadlines(case, strict, now)}["T29"] == "overdue"


# --- back-dated events (issue 9) -----------------------------------------------------------------------------


def test_backdated_decision_after_a_recorded_deemed_adverse_needs_a_reason_and_a_second_person() -> None:
    """Issue 9: a case deemed adverse 40 days ago must not become APPROVED ("Timely = Y") by a decide event dated
    receipt + 1 day. Beyond ``event_backdate_max_h`` (72 h), or before the recorded deemed time, the entry needs a
    written reason and an approver who is not the recorder; the time it was recorded is kept."""
    rec = dt.datetime(2021, 1, 4, 9, tzinfo=NY)
    case = _open("integrated_organization_determination", rec)
    deemed_at = dt.datetime(2021, 1, 18, 23, 59, 59, tzinfo=NY)
    now = deemed_at + _d(40)
    stored = advance(case, P, now)
    assert stored.status == "DEEMED_ADVERSE" and stored.deemed_adverse_at == deemed_at
    at = rec + _d(1)
    with pytest.raises(RuleError, match="backdate_reason") as err:
        _ev(stored, "decide", at, now=now, decision="favorable")
    assert "more than 72 hours" in str(err.value) and err.value.citation
    with pytest.raises(RuleError, match="second person"):
        _ev(stored, "decide", at, now=now, decision="favorable", backdate_reason="paper file found", approved_by="reviewer")
    fixed = _ev(stored, "decide", at, now=now, decision="favorable", backdate_reason="paper file found",
                approved_by="supervisor")
    assert (fixed.status, fixed.deemed_adverse_at) == ("APPROVED", None)
    last = fixed.events[-1]
    assert (last.at, last.recorded_at, last.approved_by) == (at, now, "supervisor")
    # a recent entry (within 72 h) before any deemed consequence needs nothing more
    fresh = _open("integrated_organization_determination", rec)
    assert _ev(fresh, "decide", rec + _d(1), now=rec + _d(1) + _h(70), decision="favorable").status == "APPROVED"
    # but even a recent entry dated before a recorded deemed time needs the approval
    just = advance(fresh, P, deemed_at + _h(2))
    with pytest.raises(RuleError, match="deemed-adverse"):
        _ev(just, "decide", deemed_at - _h(1), now=deemed_at + _h(3), decision="favorable")


def test_backdate_limit_is_a_period_parameter() -> None:
    rec = dt.datetime(2021, 1, 4, 9, tzinfo=NY)
    case = _open("partc_organization_determination", rec)
    loose = P.with_overrides({"event_backdate_max_h": 24 * 30})
    done = apply(case, CaseEvent(kind="review", at=rec + _d(1), actor="r"), loose, now=rec + _d(20))
    assert done.reviews == (rec + _d(1),)
    with pytest.raises(RuleError, match="more than 72 hours"):
        apply(case, CaseEvent(kind="review", at=rec + _d(1), actor="r"), P, now=rec + _d(20))


# --- properties per new process ------------------------------------------------------------------------------

NEW_TYPES = ("partc_organization_determination", "partc_reconsideration", "partc_grievance", "partd_redetermination",
             "partd_grievance")


@st.composite
def standard_intakes(draw: st.DrawFn) -> Intake:
    case_type = draw(st.sampled_from(NEW_TYPES))
    received = draw(st.datetimes(min_value=dt.datetime(2020, 1, 2), max_value=dt.datetime(2027, 12, 1))).replace(
        tzinfo=dt.UTC).astimezone(NY)
    kw: dict[str, Any] = {"expedite_requested": draw(st.booleans()), "provider_indicates_jeopardy": draw(st.booleans()),
                          "requester": draw(st.sampled_from(["enrollee", "provider", "representative"]))}
    if case_type in ("partc_grievance", "partd_grievance"):
        kw["grievance_subject"] = draw(st.sampled_from(["extension", "expedite_refusal", "quality_of_care", "other"]))
        kw["drug_already_received"] = case_type == "partd_grievance" and draw(st.booleans())
    else:
        kw["payment_request"] = draw(st.booleans())
    if case_type in ("partc_organization_determination", "partc_reconsideration") and not kw["payment_request"]:
        kw["part_b_drug"] = draw(st.booleans())
        kw["prior_authorization"] = case_type == "partc_organization_determination" and draw(st.booleans())
    if case_type in ("partc_reconsideration", "partd_redetermination"):
        kw["adverse_notice_date"] = received.date() - dt.timedelta(days=draw(st.integers(0, 75)))
        kw["good_cause_in_writing"] = draw(st.booleans())
    return Intake(case_type=case_type, received=received, **{**BASE, **kw})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(intake=standard_intakes(), data=st.data())
def test_standard_processes_stay_legal_and_decisions_on_time_are_accepted(intake: Intake, data: st.DataObject) -> None:
    """Events drawn from those each state accepts: every state is the machine's, terminal states have an outcome, no
    obligation is due before it starts, a decision before its due time is never refused, and once every deadline
    has passed a determination or reconsideration is no longer waiting (deemed adverse / affirmed)."""
    params = _params(intake.received)
    case = open_case(intake, params, actor="intake", now=intake.received)
    t = case.received
    for _ in range(data.draw(st.integers(min_value=0, max_value=8))):
        kinds = [k for k in wf.allowed_events(case) if k != "notice_sent"] or ["review"]
        kind = data.draw(st.sampled_from(kinds))
        t = t + dt.timedelta(hours=data.draw(st.floats(min_value=0.0, max_value=200.0)))
        favorable = data.draw(st.booleans())
        ev = CaseEvent(kind=kind, at=t, actor="tester", decision=data.draw(st.sampled_from(
            ["favorable", "partially_favorable", "adverse"])), favorable=favorable, requested_by="enrollee",
            forum="independent_review_entity", response_mode="written")
        due = wf.resolution_due(advance(case, params, t), params)
        try:
            case = apply(case, ev, params, now=t)
        except RuleError as exc:
            assert exc.cite, f"refusal without a citation: {exc}"
            if kind == "decide" and due is not None and t.astimezone(dt.UTC) <= due.astimezone(dt.UTC) \
                    and case.status in ("STANDARD_PENDING", "EXPEDITED_PENDING", "EXTENDED"):
                raise AssertionError(f"an on-time decision was refused: {exc}") from exc
            continue
        assert case.status in wf.STATES[case.case_type]
        for o in obligations(case, params):
            assert o.due.astimezone(dt.UTC) >= o.start.astimezone(dt.UTC), o.id
    final = advance(case, params, t + dt.timedelta(days=400))
    assert final.status not in wf.WAITING_STATES
    if wf.is_terminal(final.case_type, final.status):
        assert final.status in wf.SPEC_TERMINAL[final.case_type] and final.outcome is not None
    if final.case_type not in wf.GRIEVANCE_TYPES and final.status != "NOT_A_VALID_REQUEST":
        assert final.outcome is not None, final.status
    if intake.payment_request:
        assert not final.expedited  # §§ 422.570(a), 422.584(a), 423.570(a), 423.584(a)
