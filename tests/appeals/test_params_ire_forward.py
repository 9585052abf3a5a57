"""42 CFR 423.568(h), 423.572(d) (current CFR, not CMS-4185-P): a missed Part D deadline is an adverse coverage
determination, and the sponsor forwards the request to the IRE within 24 hours of the expiration of the adjudication
timeframe (``partd_missed_deadline_ire_forward_h``, read by ``appeals.workflow`` as obligation PD-IRE)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from partcd.appeals.rules.parameters import AppealsParams
from partcd.appeals.rules.workflow import CaseEvent, Intake, advance, apply, deadlines, obligations, open_case
from partcd.platform.params import load_params

P = load_params("appeals", dt.date(2021, 1, 1))
NY = ZoneInfo("America/New_York")
REC = dt.datetime(2021, 3, 1, 9, 0, tzinfo=NY)
BASE = {"reason": "insulin pen", "enrollee_name": "Test Enrollee", "mbi": "1EG4TE5MK73", "contract_id": "H1234"}


def _h(hours: float) -> dt.timedelta:
    return dt.timedelta(hours=hours)


def test_parameter_is_typed_and_cited_as_current_cfr() -> None:
    assert P.typed(AppealsParams).partd_missed_deadline_ire_forward_h.value == 24
    entry = P["partd_missed_deadline_ire_forward_h"]
    assert entry.unit == "h"
    (cite,) = entry.cite
    assert (cite.source, cite.cfr, cite.line) == ("ecfr-42", "42 CFR 423.568(h), 423.572(d)", None)
    assert "within 24 hours of the expiration of the adjudication timeframe" in (cite.quote or "")
    assert "not line-checked" in (entry.note or "")


def test_deemed_adverse_standard_partd_gets_ire_forward_24h_after_the_deadline() -> None:
    case = open_case(Intake(case_type="partd_coverage_determination", received=REC, **BASE), P, actor="intake", now=REC)
    assert [o.id for o in obligations(case, P)] == ["P1"]  # no PD-IRE while the clock runs
    deadline = REC + _h(72)  # P1: 72 h after receipt, 2021-03-04 09:00 EST
    late = advance(case, P, deadline + dt.timedelta(seconds=1))
    assert (late.status, late.deemed_adverse_at) == ("DEEMED_ADVERSE", deadline)
    ire = next(o for o in obligations(late, P) if o.id == "PD-IRE")
    assert ire.due == dt.datetime(2021, 3, 5, 9, 0, tzinfo=NY)  # deadline + 24 h
    assert ire.params_used == {"partd_missed_deadline_ire_forward_h": 24.0}
    states = {d.id: d.state for d in deadlines(late, P, deadline + _h(25))}
    assert states["PD-IRE"] == "overdue"
    done = apply(late, CaseEvent(kind="forward_to_ire", at=deadline + _h(23), actor="cor"), P, now=deadline + _h(23))
    assert done.status == "IRE_FORWARDED"
    assert {d.id: d.state for d in deadlines(done, P, deadline + _h(30))}["PD-IRE"] == "met"


def test_deemed_adverse_expedited_exception_forwards_24h_after_the_outer_limit() -> None:
    """P4 without a supporting statement (§ 423.572(a) as CMS-4185-F wrote it): 24 h from the end of day 14
    (2021-03-15 23:59:59 EDT) = 2021-03-16 23:59:59 EDT; PD-IRE 24 h after that (§ 423.572(d))."""
    case = open_case(Intake(case_type="partd_exception", received=REC, expedite_requested=True,
                            provider_indicates_jeopardy=True, **BASE), P, actor="intake", now=REC)
    assert case.status == "EXPEDITED_PENDING"
    deadline = dt.datetime(2021, 3, 16, 23, 59, 59, tzinfo=NY)
    assert advance(case, P, deadline).status == "EXPEDITED_PENDING"  # not yet: the deadline is inclusive
    late = advance(case, P, deadline + _h(1))
    assert late.deemed_adverse_at == deadline
    ire = next(o for o in obligations(late, P) if o.id == "PD-IRE")
    assert ire.due == dt.datetime(2021, 3, 17, 23, 59, 59, tzinfo=NY)
