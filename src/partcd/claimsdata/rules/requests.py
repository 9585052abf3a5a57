"""§ 423.153(g)(1), (g)(5) - who may request Parts A and B claims data, and the life of a request (4185-P L599,
L3105-L3109, L3139; final text 84 FR 15841).

* :func:`open_request` - a request is accepted only from a PDP sponsor active in Part D, for its PDP contracts, from
  the first day requests are accepted, for its whole enrollment (no subsets);
* :func:`apply_event` - the request's life as the preamble describes it: request -> executed attestation -> CMS's
  completeness review and approval; an approved request has no end date and stays in force until the sponsor
  withdraws, CMS cancels it because the sponsor leaves Part D, or CMS denies further access ((g)(1)(iii)). The
  states each event may come from are rows of ``lifecycle_table``; any other event is refused with its citation;
* :func:`check_attestation` - the attestation must name every permitted use ((g)(3)) and every limitation ((g)(4));
* :func:`eligible` - ELIG of the spec (§4.8): approved, attested and not ended on the day asked.

Pure: the date of each event is an argument; nothing reads a clock.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from partcd.claimsdata.rules.parameters import ACTIVE, ClaimsDataParams, EventKind, Status
from partcd.core.citation import cites
from partcd.core.errors import RuleError

CONTRACT_ID = r"^[A-Z][0-9]{4}$"


class Sponsor(BaseModel):
    """The requesting organization: its kind, whether it is in Part D, and the contracts the request covers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sponsor_id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=200)
    sponsor_type: Literal["PDP", "MA-PD", "other"]
    active_in_part_d: bool = True
    contract_ids: tuple[str, ...] = Field(min_length=1, max_length=200)

    @field_validator("contract_ids")
    @classmethod
    def _contracts(cls, contract_ids: tuple[str, ...]) -> tuple[str, ...]:
        bad = [c for c in contract_ids if not re.match(CONTRACT_ID, c)]
        if bad:
            raise ValueError(f"contract id {bad[0]!r} is not a CMS contract number (e.g. S1234)")
        if len(set(contract_ids)) != len(contract_ids):
            raise ValueError("a contract id is listed twice")
        return contract_ids


class RequestInput(BaseModel):
    """A new request: the sponsor, the day it is submitted, and its scope."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sponsor: Sponsor
    submitted_on: dt.date
    scope: Literal["all_enrollees", "subset"] = "all_enrollees"


class Attestation(BaseModel):
    """What the sponsor's authorized user attests: the permitted uses and limitations it will keep to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    signed_by: str = Field(min_length=1, max_length=120)
    title: str = Field(default="", max_length=120)
    permitted_uses: tuple[str, ...] = Field(max_length=50)
    limitations: tuple[str, ...] = Field(max_length=50)
    contractors_bound: bool


class Event(BaseModel):
    """One event of a request: its kind, its date, the attestation (for ``attest``) and a note."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: EventKind
    event_date: dt.date
    attestation: Attestation | None = None
    note: str = Field(default="", max_length=500)


class HistoryEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: str
    event_date: dt.date
    status_after: Status
    citation: str


class RequestState(BaseModel):
    """A request as of its last event."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sponsor: Sponsor
    status: Status
    submitted_on: dt.date
    attested_on: dt.date | None = None
    attestation: Attestation | None = None
    approved_on: dt.date | None = None
    ended_on: dt.date | None = None
    end_reason: str | None = None
    history: tuple[HistoryEntry, ...] = ()


@cites("42 CFR 423.153(g)(1)(i)")
def open_request(request: RequestInput, params: ClaimsDataParams) -> RequestState:
    """Accept a request or refuse it with the paragraph it fails (§ 423.153(g)(1)(i) L3105; preamble L599).

    Refused: a sponsor that is not a PDP sponsor (OQ-C2: MA-PD sponsors are not named), one no longer in Part D, a
    contract that is not a PDP contract, a day before requests are accepted, a request for a subset of enrollees.
    """
    s = request.sponsor
    if s.sponsor_type not in params.eligible_sponsor_types_list.value:
        raise RuleError(f"only a PDP sponsor may request Parts A and B claims data; {s.sponsor_id} is {s.sponsor_type}",
                        params.eligible_sponsor_types_list.cite)
    if not s.active_in_part_d:
        raise RuleError(f"{s.sponsor_id} is not in the Part D program", params.transition("leave_part_d").cite)
    prefix = params.pdp_contract_prefix_text.value
    other = [c for c in s.contract_ids if not c.startswith(prefix)]
    if other:
        raise RuleError(f"contract {other[0]} is not a prescription drug plan (PDP contracts are {prefix}####)",
                        params.pdp_contract_prefix_text.cite)
    first = params.requests_accepted_from_date_text.value
    if request.submitted_on < first:
        raise RuleError(f"requests are accepted from {first.isoformat()}; submitted {request.submitted_on.isoformat()}",
                        params.requests_accepted_from_date_text.cite)
    if request.scope != "all_enrollees" and params.whole_enrollment_only_bool.value:
        raise RuleError("a request covers all enrollees of the sponsor's PDPs, never a subset",
                        params.whole_enrollment_only_bool.cite)
    entry = HistoryEntry(kind="submit", event_date=request.submitted_on, status_after="submitted",
                         citation=params.eligible_sponsor_types_list.citation)
    return RequestState(sponsor=s, status="submitted", submitted_on=request.submitted_on, history=(entry,))


@cites("42 CFR 423.153(g)(5)", "42 CFR 423.153(g)(3)", "42 CFR 423.153(g)(4)")
def check_attestation(attestation: Attestation, params: ClaimsDataParams) -> None:
    """An attestation that leaves out a permitted use or a limitation, or does not bind contractors, is refused
    (§ 423.153(g)(5) L3139: "adhere to the permitted uses and limitations ... listed in paragraphs (g)(3) and (4)")."""
    missing_uses = [p.id for p in params.permitted_purposes_table.value if p.id not in attestation.permitted_uses]
    unknown_uses = [u for u in attestation.permitted_uses if u not in {p.id for p in params.permitted_purposes_table.value}]
    missing_limits = [p.id for p in params.forbidden_purposes_table.value if p.id not in attestation.limitations]
    if unknown_uses:
        raise RuleError(f"attestation names a use that (g)(3) does not permit: {unknown_uses[0]}",
                        params.attestation_required_bool.cite)
    if missing_uses or missing_limits:
        raise RuleError("the attestation must cover every permitted use and limitation; missing: "
                        + ", ".join(missing_uses + missing_limits), params.attestation_required_bool.cite)
    if not attestation.contractors_bound:
        raise RuleError("the sponsor must attest that it contractually binds its contractors to the terms of (g)",
                        params.contractors_bound_by_list.cite)


@cites("42 CFR 423.153(g)(1)", "42 CFR 423.153(g)(1)(iii)", "42 CFR 423.153(g)(5)")
def apply_event(state: RequestState, event: Event, params: ClaimsDataParams) -> RequestState:
    """The request after ``event`` (rows of ``lifecycle_table``; § 423.153(g)(1) L3105-L3109, preamble L599, (g)(5)
    L3139). An event from a state its row does not list, an event dated before the last one, or an attestation
    that does not cover (g)(3) and (g)(4) is a ``RuleError`` with the citation."""
    row = params.transition(event.kind)
    if state.status not in row.from_states:
        ended = f" (ended {state.ended_on.isoformat()}: {state.end_reason})" if state.ended_on else ""
        raise RuleError(f"cannot {event.kind.replace('_', ' ')} a request that is {state.status}{ended}; "
                        f"allowed from: {', '.join(row.from_states)}", row.cite)
    last = state.history[-1].event_date if state.history else state.submitted_on
    if event.event_date < last:
        raise RuleError(f"{event.kind} dated {event.event_date.isoformat()} is before the request's last event "
                        f"({last.isoformat()})", row.cite)
    changes: dict[str, object] = {"status": row.to_state}
    if event.kind == "attest":
        if event.attestation is None:
            raise RuleError("attest needs the attestation", params.attestation_required_bool.cite)
        check_attestation(event.attestation, params)
        changes.update(attested_on=event.event_date, attestation=event.attestation)
    elif event.kind == "approve":
        changes["approved_on"] = event.event_date
    elif event.kind == "resubmit":
        changes.update(attested_on=None, attestation=None)
    if row.to_state not in ACTIVE:
        changes.update(ended_on=event.event_date, end_reason=event.kind)
    entry = HistoryEntry(kind=event.kind, event_date=event.event_date, status_after=row.to_state, citation=row.citation)
    return state.model_copy(update={**changes, "history": (*state.history, entry)})


@cites("42 CFR 423.153(g)(1)(ii)", "42 CFR 423.153(g)(1)(iii)")
def eligible(state: RequestState, day: dt.date) -> bool:
    """Whether the sponsor is an *eligible PDP sponsor* on ``day`` ((g)(1)(ii) L3107): its request was approved (after
    the attestation) on or before ``day`` and had not ended by then."""
    if state.approved_on is None or state.attested_on is None or state.approved_on > day:
        return False
    return state.ended_on is None or state.ended_on > day
