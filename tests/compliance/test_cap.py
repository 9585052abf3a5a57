"""CAP lifecycle, 30-day window (§ 422.510(c)(1)), closure by monitoring (letter L38), past performance (§ 422.502(b)(1))."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from partcd.compliance.rules.cap import (
    LETTER_AUTHORITIES,
    LETTER_REQUIRED_ELEMENTS,
    Cap,
    CapAction,
    CapSettings,
    ComplianceAction,
    MonitoringPeriod,
    add_months,
    cap_compliance_action,
    close,
    closure_decision,
    due_soon_actions,
    earliest_submission_due,
    elements_without_actions,
    new_cap,
    overdue_actions,
    past_performance,
    submission_window_warnings,
    transition,
)
from partcd.core.errors import RuleError
from partcd.platform.params import load_params

PARAMS = load_params("compliance", dt.date(2022, 5, 26))


def letter(**kw: object) -> Cap:
    """The CAP letter of May 26, 2022 as data (L7-L40)."""
    base: dict[str, object] = {
        "contract_ids": ("H1416",), "parent_organization": "Centene Corporation", "legal_entity": "HARMONY HEALTH PLAN, INC.",
        "issued_on": dt.date(2022, 5, 26), "deficiency": "Failure to Provide Compliant Call Center Services",
        "authorities": LETTER_AUTHORITIES, "detection_source": "beneficiary_complaints", "cms_contacted_on": dt.date(2022, 1, 4),
        "self_disclosed": False, "program": "C&D",
        "root_causes": ("higher than expected enrollment", "CSR shortage due to a typhoon", "technology issues")}
    base.update(kw)
    return Cap.model_validate(base)


def _days(start: dt.date, n: int) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range(n)]


def _monitoring(cap: Cap, on: dt.date) -> Cap:
    for status, day in (("submitted", on), ("accepted", on), ("implementing", on), ("monitoring", on)):
        cap = transition(cap, status, day)  # type: ignore[arg-type]
    return cap


def test_letter_fields_and_defaults() -> None:
    cap = new_cap(letter(), PARAMS, CapSettings(closure_compliant_periods=5))
    assert cap.status == "requested" and cap.history[0].on == dt.date(2022, 5, 26)
    assert cap.submission_due == dt.date(2022, 6, 25)  # May 26 + 30 calendar days
    assert cap.closure_compliant_periods == 5
    assert [e.key for e in cap.required_elements] == ["timely_access", "bcp_72h"]
    assert not cap.self_disclosed and cap.detection_source == "beneficiary_complaints"
    assert earliest_submission_due(dt.date(2022, 1, 31), PARAMS) == dt.date(2022, 3, 2)


def test_due_date_earlier_than_30_days_is_kept_with_a_warning() -> None:
    # the letter sets the date; 2022-06-24 is 29 days after 2022-05-26, one short of the 30 of § 422.510(c)(1)
    short = new_cap(letter(submission_due=dt.date(2022, 6, 24)), PARAMS)
    assert short.submission_due == dt.date(2022, 6, 24)
    (warning,) = submission_window_warnings(short, PARAMS)
    assert "gives 29 calendar days" in warning and "30 calendar days of 42 CFR 422.510(c)(1)" in warning
    exact = new_cap(letter(submission_due=dt.date(2022, 6, 25)), PARAMS)
    assert exact.submission_due == dt.date(2022, 6, 25) and submission_window_warnings(exact, PARAMS) == ()


def test_self_disclosure_must_match_the_source() -> None:
    with pytest.raises(ValidationError, match="self_disclosed"):
        letter(self_disclosed=True)
    assert letter(detection_source="self_disclosure", self_disclosed=True).self_disclosed


def test_lifecycle_legal_and_illegal_moves() -> None:
    cap = new_cap(letter(), PARAMS)
    cap = transition(cap, "submitted", dt.date(2022, 6, 20))
    cap = transition(cap, "revision_requested", dt.date(2022, 6, 27), note="add staffing detail")
    cap = transition(cap, "submitted", dt.date(2022, 7, 5))
    cap = transition(cap, "accepted", dt.date(2022, 7, 8))
    with pytest.raises(RuleError, match=r"cannot move to 'monitoring'.*allowed: implementing"):
        transition(cap, "monitoring", dt.date(2022, 7, 9))
    with pytest.raises(RuleError, match="closes only through the closure check"):
        transition(cap, "closed", dt.date(2022, 7, 9))
    with pytest.raises(RuleError, match="before the last change"):
        transition(cap, "implementing", dt.date(2022, 7, 1))
    cap = transition(cap, "implementing", dt.date(2022, 7, 8))
    cap = transition(cap, "monitoring", dt.date(2022, 8, 1))
    assert cap.monitoring_started_on == dt.date(2022, 8, 1)
    assert cap.status_on(dt.date(2022, 5, 25)) is None
    assert cap.status_on(dt.date(2022, 6, 30)) == "revision_requested"
    assert cap.status_on(dt.date(2022, 8, 2)) == "monitoring"


def test_closure_needs_the_run_in_every_contract() -> None:
    cap = _monitoring(new_cap(letter(contract_ids=("H1416", "H2001")), PARAMS, CapSettings(closure_compliant_periods=3)),
                      dt.date(2022, 8, 1))
    days = _days(dt.date(2022, 8, 1), 5)
    periods = [MonitoringPeriod(contract_id="H1416", period_start=d, compliant=ok)
               for d, ok in zip(days, [True, False, True, None, True], strict=True)]
    periods += [MonitoringPeriod(contract_id="H2001", period_start=d, compliant=True) for d in days[:3]]
    periods.append(MonitoringPeriod(contract_id="H1416", period_start=dt.date(2022, 7, 30), compliant=True))  # before monitoring
    d = closure_decision(cap, periods, dt.date(2022, 8, 5))
    # H1416: T F T None T -> the False on 08-02 resets; 08-03 and 08-05 count, the None on 08-04 is neutral -> 2 of 3
    runs = {r.contract_id: r for r in d.contracts}
    assert (runs["H1416"].run, runs["H1416"].last_failure) == (2, dt.date(2022, 8, 2))
    assert (runs["H2001"].run, runs["H2001"].run_complete_on) == (3, dt.date(2022, 8, 3))
    assert not d.closable and d.reasons == ("H1416: 2 of 3 consecutive compliant periods",)
    with pytest.raises(RuleError, match="cannot close yet: H1416: 2 of 3"):
        close(cap, periods, dt.date(2022, 8, 5))
    periods.append(MonitoringPeriod(contract_id="H1416", period_start=dt.date(2022, 8, 8), compliant=True))
    d = closure_decision(cap, periods, dt.date(2022, 8, 8))
    assert d.closable and d.closable_on == dt.date(2022, 8, 8)
    closed = close(cap, periods, dt.date(2022, 8, 9))
    assert (closed.status, closed.closed_on) == ("closed", dt.date(2022, 8, 9))
    with pytest.raises(RuleError, match="cannot move"):
        transition(closed, "monitoring", dt.date(2022, 8, 10))


def test_closure_only_while_monitoring() -> None:
    cap = new_cap(letter(), PARAMS, CapSettings(closure_compliant_periods=1))
    periods = [MonitoringPeriod(contract_id="H1416", period_start=dt.date(2022, 6, 1), compliant=True)]
    d = closure_decision(cap, periods, dt.date(2022, 6, 2))
    assert not d.closable and "status is 'requested'" in d.reasons[0]


def test_actions_due_overdue_and_elements() -> None:
    cap = new_cap(letter(), PARAMS)
    actions = [CapAction(required_element="timely_access", description="hire 40 CSRs", owner="workforce manager",
                         due_on=dt.date(2022, 7, 1)),
               CapAction(required_element="timely_access", description="overflow vendor", owner="vendor manager",
                         due_on=dt.date(2022, 7, 10), done_on=dt.date(2022, 7, 2), evidence=("contract-2022-07.pdf",))]
    assert [a.description for a in overdue_actions(actions, dt.date(2022, 7, 2))] == ["hire 40 CSRs"]
    assert [a.description for a in due_soon_actions(actions, dt.date(2022, 6, 25))] == ["hire 40 CSRs"]
    assert [e.key for e in elements_without_actions(cap, actions)] == ["bcp_72h"]
    with pytest.raises(ValidationError, match="needs evidence"):
        CapAction(description="x", owner="y", due_on=dt.date(2022, 7, 1), done_on=dt.date(2022, 7, 1))
    assert LETTER_REQUIRED_ELEMENTS[1].cite.startswith("42 CFR 422.504(o)(1)")


def test_past_performance_window_and_incomplete_caps() -> None:
    cap = new_cap(letter(contract_ids=("H1416", "H2001"), cap_id=7), PARAMS).model_copy(update={"cap_id": 7})
    history = cap_compliance_action(cap)
    assert [(a.kind, a.contract_id, a.cap_id) for a in history] == [("cap", "H1416", 7), ("cap", "H2001", 7)]
    history += [
        ComplianceAction(kind="warning_letter", issued_on=dt.date(2021, 2, 14), contract_id="H1416",
                         parent_organization="Centene Corporation"),  # before the window
        ComplianceAction(kind="notice_of_non_compliance", issued_on=dt.date(2022, 1, 10), contract_id="H1416",
                         parent_organization="Centene Corporation"),
    ]
    # deadline 2023-02-15: window 2022-02-15 .. 2023-02-15; the CAP (open) is in it and not completed -> flagged
    review = past_performance(history, dt.date(2023, 2, 15), PARAMS)
    assert review.window_start == dt.date(2022, 2, 15) and review.lookback.value == 12
    assert review.lookback.cite == "42 CFR 422.502(b)(1)"
    assert review.counts == {"cap": 2} and review.flagged
    assert review.reasons[0] == "CAP 7 (H1416, issued 2022-05-26) not completed by 2023-02-15"
    done = [a.model_copy(update={"closed_on": dt.date(2022, 9, 1)}) if a.kind == "cap" else a for a in history]
    review = past_performance(done, dt.date(2023, 2, 15), PARAMS)
    assert review.counts == {"cap": 2} and not review.flagged
    # deadline 2022-03-01: the NONC of 2022-01-10 is in the window, the CAP was not issued yet
    early = past_performance(history, dt.date(2022, 3, 1), PARAMS)
    assert early.counts == {"notice_of_non_compliance": 1} and not early.flagged


def test_add_months_clamps() -> None:
    assert add_months(dt.date(2022, 1, 31), 1) == dt.date(2022, 2, 28)
    assert add_months(dt.date(2023, 2, 15), -12) == dt.date(2022, 2, 15)
    assert add_months(dt.date(2022, 12, 31), 2) == dt.date(2023, 2, 28)
    assert add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
