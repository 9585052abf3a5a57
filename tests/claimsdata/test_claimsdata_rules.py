"""§ 423.153(g) rules as properties: the request's life under any sequence of events, purposes under any label,
releases under any approval date and calendar."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from partcd.claimsdata.rules.parameters import ACTIVE, ClaimsDataParams, EventKind
from partcd.claimsdata.rules.releases import Release, check_calendar, releases_received
from partcd.claimsdata.rules.requests import (
    Attestation,
    Event,
    RequestInput,
    RequestState,
    Sponsor,
    apply_event,
    eligible,
    open_request,
)
from partcd.claimsdata.rules.uses import UseRequest, decide_use
from partcd.core.calendar import add_months
from partcd.core.errors import RuleError
from partcd.platform.params import load_params

PARAMS = load_params("claimsdata", dt.date(2020, 1, 1)).typed(ClaimsDataParams)
SPONSOR = Sponsor(sponsor_id="PDP-ACME", name="Acme Drug Plans", sponsor_type="PDP", contract_ids=("S5601",))
ATTESTATION = Attestation(signed_by="A. Officer", contractors_bound=True,
                          permitted_uses=tuple(p.id for p in PARAMS.permitted_purposes_table.value),
                          limitations=tuple(p.id for p in PARAMS.forbidden_purposes_table.value))
KINDS: tuple[str, ...] = EventKind.__args__  # type: ignore[attr-defined]


def test_the_lifecycle_table_covers_every_event_and_cites_it() -> None:
    assert {t.id for t in PARAMS.lifecycle_table} == set(KINDS)
    assert all(t.cite and t.citation for t in PARAMS.lifecycle_table)
    assert {t.to_state for t in PARAMS.lifecycle_table if t.to_state not in ACTIVE} == {
        "withdrawn", "cancelled", "denied_further_access"}


def test_the_final_text_keeps_every_proposed_purpose() -> None:
    """84 FR 15841 keeps (g)(3)(i)-(vi) and (g)(4)(i)-(iv): six permitted, four forbidden, each with a line-checked cite."""
    assert [p.paragraph for p in PARAMS.permitted_purposes_table.value] == [
        f"423.153(g)(3)({n})" for n in ("i", "ii", "iii", "iv", "v", "vi")]
    assert [p.paragraph for p in PARAMS.forbidden_purposes_table.value] == [
        f"423.153(g)(4)({n})" for n in ("i", "ii", "iii", "iv")]
    assert all(any(c.source == "cms-4185-p" and c.line for c in p.cite)
               for p in (*PARAMS.permitted_purposes_table.value, *PARAMS.forbidden_purposes_table.value))


events = st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 40)), max_size=12)


@settings(max_examples=300, deadline=None)
@given(events)
def test_any_sequence_of_events_keeps_the_request_consistent(steps: list[tuple[str, int]]) -> None:
    state = open_request(RequestInput(sponsor=SPONSOR, submitted_on=dt.date(2020, 1, 6)), PARAMS)
    day = dt.date(2020, 1, 6)
    for kind, gap in steps:
        day = day + dt.timedelta(days=gap)
        before = state
        try:
            state = apply_event(state, Event(kind=kind, event_date=day,  # type: ignore[arg-type]
                                             attestation=ATTESTATION if kind == "attest" else None), PARAMS)
        except RuleError as exc:
            assert state is before and exc.cites  # a refusal changes nothing and cites its paragraph
            allowed = PARAMS.transition(kind).from_states
            assert before.status not in allowed
            continue
        assert state.history[-1].kind == kind and state.history[-1].status_after == state.status
        assert (state.ended_on is not None) == (state.status not in ACTIVE)
        if state.status == "approved":
            assert state.attested_on is not None and state.approved_on is not None
            assert state.attested_on <= state.approved_on
        if state.status not in ACTIVE:  # nothing revives an ended request
            for other in KINDS:
                try:
                    apply_event(state, Event(kind=other, event_date=day, attestation=ATTESTATION), PARAMS)  # type: ignore[arg-type]
                except RuleError:
                    continue
                raise AssertionError(f"{other} revived a {state.status} request")
    # eligibility is exactly: approved (after attesting) and not ended on the day
    for probe in (day - dt.timedelta(days=1), day, day + dt.timedelta(days=1)):
        expected = (state.approved_on is not None and state.attested_on is not None and state.approved_on <= probe
                    and (state.ended_on is None or state.ended_on > probe))
        assert eligible(state, probe) == expected


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=40),
       st.sampled_from(("sponsor", "contractor", "downstream")),
       st.sampled_from((None, "sponsor", "contractor", "downstream")),
       st.sampled_from(("final", "proposed")))
def test_only_a_listed_purpose_to_a_bound_recipient_is_permitted(purpose: str, recipient: str, bound_by: str | None,
                                                                  reading: str) -> None:
    decision = decide_use(UseRequest(purpose=purpose, recipient=recipient, bound_by=bound_by),  # type: ignore[arg-type]
                          PARAMS, reading)  # type: ignore[arg-type]
    permitted = {p.id for p in PARAMS.permitted_purposes_table.value}
    binders = {"sponsor": {None, "sponsor", "contractor", "downstream"}, "contractor": {"sponsor"},
               "downstream": {"sponsor", "contractor"} if reading == "final" else {"sponsor"}}[recipient]
    assert decision.permitted == (purpose in permitted and bound_by in binders)
    assert decision.citation and decision.paragraph.startswith("423.153(g)")


@given(st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2021, 6, 30)),
       st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2021, 6, 30)))
def test_a_later_approval_never_receives_more_releases(first: dt.date, second: dt.date) -> None:
    early, late = sorted((first, second))
    calendar = [Release(release_date=add_months(dt.date(2020, 8, 15), 3 * k), period_start=add_months(dt.date(2020, 1, 1), 3 * k),
                        period_end=add_months(dt.date(2020, 3, 31), 3 * k)) for k in range(5)]

    def state(approved: dt.date) -> RequestState:
        return RequestState(sponsor=SPONSOR, status="approved", submitted_on=dt.date(2020, 1, 1),
                            attested_on=dt.date(2020, 1, 1), approved_on=approved)

    got_early = releases_received(state(early), calendar, PARAMS, dt.date(2022, 1, 1))
    got_late = releases_received(state(late), calendar, PARAMS, dt.date(2022, 1, 1))
    assert {r.release_date for r in got_late} <= {r.release_date for r in got_early}
    assert all(r.release_date >= late for r in got_late)  # nothing before eligibility: no retroactive extract
    assert [r for r in calendar if r.release_date >= late] == got_late


@given(st.lists(st.integers(1, 3), min_size=1, max_size=8))
def test_a_quarterly_back_to_back_calendar_has_no_finding(gaps: list[int]) -> None:
    releases, release, start = [], dt.date(2020, 8, 15), dt.date(2020, 1, 1)
    for months in gaps:
        end = add_months(start, months) - dt.timedelta(days=1)
        releases.append(Release(release_date=max(release, end + dt.timedelta(days=1)), period_start=start, period_end=end))
        start, release = end + dt.timedelta(days=1), add_months(release, months)
    if releases[0].period_end >= dt.date(2020, 3, 1):
        assert check_calendar(releases, PARAMS) == []
