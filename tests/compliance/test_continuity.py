"""§ 422.504(o), § 423.505(p): essential functions, yearly evidence, the 72-hour restoration check (hand-computed)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from partcd.compliance.rules.continuity import (
    ContinuitySettings,
    EssentialFunction,
    Evidence,
    Incident,
    PlanVersion,
    annual_checks,
    continuity_status,
    function_problems,
    missing_minimum,
    regulatory_minimum,
    restoration_check,
    seed_functions,
)
from partcd.core.errors import RuleError
from partcd.platform.params import load_params

ET = ZoneInfo("America/New_York")
PARAMS = load_params("compliance", dt.date(2022, 1, 4))


def _incident(restored: dt.datetime | None) -> Incident:
    return Incident(incident_id=1, function_key="C.call_center", failure_start=dt.datetime(2022, 1, 4, 9, 0, tzinfo=ET),
                    detected_at=dt.datetime(2022, 1, 4, 9, 30, tzinfo=ET), restored_at=restored, cause="typhoon")


def test_restored_after_71_98_hours_is_compliant() -> None:
    # 2022-01-04 09:00 -> 2022-01-07 08:59 = 3 days - 1 min = 71 h 59 min = 71.9833 h <= 72 h
    check = restoration_check(_incident(dt.datetime(2022, 1, 7, 8, 59, tzinfo=ET)), PARAMS,
                              dt.datetime(2022, 1, 10, tzinfo=ET))
    assert check.hours_to_restore == 71.98
    assert check.compliant is True
    assert check.deadline == dt.datetime(2022, 1, 7, 9, 0, tzinfo=ET)
    assert check.detection_delay_h == 0.5
    assert check.verdict.limit == 72 and check.verdict.param.key == "restore_essential_functions_max_h"
    assert "422.504(o)(2)" in check.verdict.citation


def test_restored_one_minute_late_is_not_compliant() -> None:
    # 09:00 -> 09:01 three days later = 72 h 1 min = 72.0167 h > 72 h
    check = restoration_check(_incident(dt.datetime(2022, 1, 7, 9, 1, tzinfo=ET)), PARAMS,
                              dt.datetime(2022, 1, 10, tzinfo=ET))
    assert check.hours_to_restore == 72.02
    assert check.compliant is False
    assert "FAILS" in check.verdict.explain()


def test_exactly_72_hours_passes() -> None:
    check = restoration_check(_incident(dt.datetime(2022, 1, 7, 9, 0, tzinfo=ET)), PARAMS, dt.datetime(2022, 2, 1, tzinfo=ET))
    assert (check.hours_to_restore, check.compliant) == (72.0, True)


def test_the_limit_comes_from_the_parameters() -> None:
    tighter = PARAMS.with_overrides({"restore_essential_functions_max_h": 48})
    check = restoration_check(_incident(dt.datetime(2022, 1, 6, 10, 0, tzinfo=ET)), tighter, dt.datetime(2022, 2, 1, tzinfo=ET))
    assert (check.hours_to_restore, check.compliant, check.verdict.limit) == (49.0, False, 48)


def test_open_incident_undetermined_then_failing() -> None:
    inc = _incident(None)
    early = restoration_check(inc, PARAMS, dt.datetime(2022, 1, 5, 9, 0, tzinfo=ET))
    assert (early.compliant, early.hours_to_restore, early.hours_open) == (None, None, 24.0)
    late = restoration_check(inc, PARAMS, dt.datetime(2022, 1, 7, 10, 0, tzinfo=ET))
    assert (late.compliant, late.hours_open) == (False, 73.0)


def test_dst_is_counted_in_real_hours() -> None:
    # 2022-03-12 12:00 EST -> 2022-03-15 12:00 EDT is 71 real hours (the clocks sprang forward on March 13)
    inc = Incident(function_key="C.call_center", failure_start=dt.datetime(2022, 3, 12, 12, tzinfo=ET),
                   detected_at=dt.datetime(2022, 3, 12, 12, tzinfo=ET), restored_at=dt.datetime(2022, 3, 15, 12, tzinfo=ET))
    assert restoration_check(inc, PARAMS, dt.datetime(2022, 4, 1, tzinfo=ET)).hours_to_restore == 71.0


def test_incident_validation() -> None:
    with pytest.raises(ValidationError, match="detected_at is before failure_start"):
        Incident(function_key="x", failure_start=dt.datetime(2022, 1, 4, 9, tzinfo=ET),
                 detected_at=dt.datetime(2022, 1, 4, 8, tzinfo=ET))
    with pytest.raises(ValidationError, match="needs a time zone"):
        Incident(function_key="x", failure_start=dt.datetime(2022, 1, 4, 9), detected_at=dt.datetime(2022, 1, 4, 9))
    with pytest.raises(RuleError, match="now needs a time zone"):
        restoration_check(_incident(None), PARAMS, dt.datetime(2022, 1, 5))


def test_regulatory_minimum_per_part() -> None:
    assert [f.key for f in regulatory_minimum(["C"])] == ["C.benefit_authorization", "C.call_center"]
    d = regulatory_minimum(["D"])
    assert len(d) == 5 and d[-1].key == "D.call_center" and d[-1].cite == "42 CFR 423.505(p)(2)(v)"
    assert len(regulatory_minimum(["C", "D"])) == 7
    extra = EssentialFunction(key="C.enrollment", name="Enrollment processing", part="C", priority_rank=3, rto_hours=96)
    funcs = seed_functions(["C"], [extra])
    assert [f.key for f in funcs] == ["C.benefit_authorization", "C.call_center", "C.enrollment"]
    with pytest.raises(RuleError, match="already in the regulatory minimum"):
        seed_functions(["C"], [EssentialFunction(key="C.call_center", name="x", part="C")])
    plan = PlanVersion(organization="Centene", version_label="v1", approved_on=dt.date(2022, 2, 1), parts=("C", "D"),
                       functions=funcs)
    assert [f.key for f in missing_minimum(plan)] == [f.key for f in regulatory_minimum(["D"])]
    assert [(p.function_key, p.problem) for p in function_problems(plan, PARAMS)] == \
        [("C.enrollment", "RTO 96 h exceeds the 72 h limit")]


def test_annual_test_and_training_due_and_overdue() -> None:
    ev = [Evidence(kind="test", performed_on=dt.date(2022, 3, 31), description="tabletop"),
          Evidence(kind="training", performed_on=dt.date(2021, 1, 31), description="CSR training")]
    checks = {c.kind: c for c in annual_checks(dt.date(2021, 1, 1), ev, dt.date(2022, 3, 31), PARAMS)}
    # training: 2021-01-31 + 12 months = 2022-01-31 < 2022-03-31 -> overdue
    assert (checks["training"].next_due, checks["training"].overdue) == (dt.date(2022, 1, 31), True)
    assert checks["test"].next_due == dt.date(2023, 3, 31) and not checks["test"].overdue
    assert checks["test"].interval.value == 12 and "423.505(p)(1)(iii)" in checks["test"].interval.cite
    # no evidence: due 12 months after the first approval; exactly on the due day is not overdue; 30 days -> due soon
    first = {c.kind: c for c in annual_checks(dt.date(2022, 2, 28), [], dt.date(2023, 2, 28), PARAMS)}
    assert first["test"].next_due == dt.date(2023, 2, 28) and not first["test"].overdue and first["test"].due_soon
    later = {c.kind: c for c in annual_checks(dt.date(2022, 2, 28), [], dt.date(2023, 3, 1), PARAMS,
                                              ContinuitySettings(due_soon_days=0))}
    assert later["test"].overdue and not later["test"].due_soon


def test_continuity_status_summarises_for_cms() -> None:
    plan = PlanVersion(organization="Centene", version_label="v1", approved_on=dt.date(2022, 2, 1), parts=("C",),
                       functions=seed_functions(["C"]))
    incidents = [_incident(dt.datetime(2022, 1, 7, 9, 1, tzinfo=ET))]
    status = continuity_status("Centene", [plan], [], incidents, PARAMS, dt.datetime(2022, 6, 1, tzinfo=ET))
    assert status.plan == plan and status.missing_minimum == () and status.restore_limit_h == 72
    assert not status.compliant
    assert status.problems() == [f"incident 1 (C.call_center): {status.incidents[0].verdict.explain()}"]
    empty = continuity_status("X", [], [], [], PARAMS, dt.datetime(2022, 6, 1, tzinfo=ET))
    assert empty.problems() == ["no business continuity plan on file"] and not empty.compliant
