"""The appeals law as data: timeframe paragraphs, refusal citations and notice elements come from the period file,
and every count a message or a description states is the parameter's value (change the value, the text follows)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from partcd.appeals.rules import AppealsParams, partd_exception
from partcd.appeals.rules.parameters import RULE_CITE_IDS
from partcd.appeals.rules.workflow import CaseEvent, Intake, apply, notice_elements, open_case
from partcd.core.citation import Cite
from partcd.core.errors import ParameterError, RuleError
from partcd.platform.params import load_params

P = load_params("appeals", dt.date(2021, 1, 1))
NY = ZoneInfo("America/New_York")
REC = dt.datetime(2021, 3, 1, 9, 0, tzinfo=NY)
BASE = {"reason": "home health visits", "enrollee_name": "Test Enrollee", "mbi": "1EG4TE5MK73", "contract_id": "H1234"}


def test_refusal_citations_are_cited_rows_with_one_label_shape() -> None:
    view = P.typed(AppealsParams)
    assert view.rule_cite("state_flexibility") == (Cite(
        cfr="42 CFR 422.629(c)", source="cms-4185-p", line=2677,
        quote="implement standards for timeframes or notice requirements that are more protective for the enrollee"),)
    assert [c.line for c in view.rule_cite("iod_extension_requesters")] == [2817, 2821, 2823]  # (A), (B)(1), (B)(2)
    assert len(RULE_CITE_IDS) == len(view.rule_citations_table) == 46  # 22 unified + 24 standard
    assert len(load_params("appeals", dt.date(2020, 6, 1)).typed(AppealsParams).rule_citations_table) == 24


def test_a_file_without_a_named_citation_is_refused() -> None:
    rows = [r for r in P["rule_citations_table"].value if r["id"] != "party_consent"]
    with pytest.raises(ParameterError, match=r"rule_citations_table: missing \['party_consent'\], unknown \[\]"):
        P.with_overrides({"rule_citations_table": rows}).typed(AppealsParams)
    duplicated = [*P["timeframes_table"].value, P["timeframes_table"].value[0]]
    with pytest.raises(ParameterError, match="row id 'T1' appears twice"):
        P.with_overrides({"timeframes_table": duplicated}).typed(AppealsParams)


def test_notice_elements_read_their_day_count_from_the_parameters() -> None:
    # T26: "within 10 calendar days after the applicable integrated plan sends the notice" (L2876)
    window = {e.id: e for e in notice_elements(P)["continuation"]}["sfh_continuation_window"]
    assert "within 10 calendar days after the reconsideration notice is sent" in window.text
    assert window.cite == "42 CFR 422.632(c)(3)(i) [cms-4185-p L2876]"
    shorter = {e.id: e for e in notice_elements(P.with_overrides({"sfh_continuation_calendar_days": 7}))["continuation"]}
    assert "within 7 calendar days" in shorter["sfh_continuation_window"].text


def test_notice_kinds_must_match_the_workflow() -> None:
    table = {k: v for k, v in P["notice_elements_table"].value.items() if k != "continuation"}
    with pytest.raises(ParameterError, match="notice kinds"):
        notice_elements(P.with_overrides({"notice_elements_table": table}))


def test_extension_refusals_cite_the_limit_and_state_its_value() -> None:
    case = open_case(Intake(case_type="integrated_organization_determination", received=REC, **BASE), P,
                     actor="intake", now=REC)
    ten = P.with_overrides({"iod_extension_max_calendar_days": 10})
    at = REC + dt.timedelta(days=2)
    extend = CaseEvent(kind="extend", at=at, requested_by="enrollee")
    extended = apply(case, extend, ten, now=at)
    with pytest.raises(RuleError, match="in state EXTENDED") as refused:
        apply(extended, extend, ten, now=at)
    assert refused.value.cites == P.cite("iod_extension_max_calendar_days")
    assert refused.value.citation == "42 CFR 422.631(d)(2)(ii) [cms-4185-p L2815]"
    # a case that carries an extension in a state that still lists "extend" is told the limit in force
    pending_again = extended.model_copy(update={"status": "STANDARD_PENDING"})
    with pytest.raises(RuleError, match=r"one extension of at most 10 calendar days\)"):
        apply(pending_again, extend, ten, now=at)


def test_obligation_descriptions_state_the_amounts_in_force() -> None:
    (p2,) = partd_exception(REC, P)
    assert p2.description == ("Notify the Part D exceptions decision (72 h after the supporting statement, or after the "
                              "end of 14 calendar days from the request if none has arrived by then)")
    assert (p2.cfr, p2.line) == ("42 CFR 423.568(b)", None)  # current CFR (ecfr-42): not line-checked
    (ten,) = partd_exception(REC, P.with_overrides({"partd_exception_outer_calendar_days": 10}))
    assert "after the end of 10 calendar days from the request" in ten.description
    # Mar 1 + 10 cd = Mar 11 23:59:59 EST (04:59:59Z Mar 12); + 72 elapsed hours = Mar 15 04:59:59Z = 00:59:59 EDT
    # (the clocks sprang forward on Mar 14)
    assert ten.due.isoformat() == "2021-03-15T00:59:59-04:00"
