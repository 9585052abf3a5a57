"""§ 423.153(g) - typed view of ``claimsdata/params/*.yaml`` (4185-P L599-L609, L3105-L3139; final text 84 FR 15841).

Every key of the period file, nothing else. Two readings are kept: ``final`` (the text in force) and ``proposed``
(CMS-4185-P as written); they differ in who binds a downstream data recipient ((g)(4)(v)). Purposes, limitations,
request events and data elements are table rows that cite themselves (quotes checked by ``tests/law``).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from partcd.core.citation import Cite
from partcd.core.errors import ParameterError
from partcd.core.params import Cited, CitedRow

Reading = Literal["final", "proposed"]
READINGS: tuple[Reading, ...] = ("final", "proposed")

Status = Literal["submitted", "attested", "returned", "approved", "withdrawn", "cancelled", "denied_further_access"]
ACTIVE: tuple[Status, ...] = ("submitted", "attested", "returned", "approved")
EventKind = Literal["attest", "approve", "return_incomplete", "resubmit", "withdraw", "leave_part_d", "deny_further_access"]
Party = Literal["sponsor", "contractor", "downstream"]
PopulationDate = Literal["release_date", "period_end"]


class Transition(CitedRow):
    """One event of a request's life (a row of ``lifecycle_table``)."""

    id: EventKind
    from_states: tuple[Status, ...] = Field(min_length=1)
    to_state: Status
    actor: Literal["sponsor", "cms"]


class Purpose(CitedRow):
    """A permitted ((g)(3)) or forbidden ((g)(4)) use of the data."""

    paragraph: str = Field(min_length=1)
    title: str = Field(min_length=1)


class DataElement(CitedRow):
    """An element of the standard extract and the columns of the claims layout that carry it."""

    columns: tuple[str, ...] = Field(min_length=1)
    required: tuple[str, ...] = ()


class ClaimsDataParams(BaseModel):
    """Typed view of one claims-data parameter file (``extra="forbid"``, frozen)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reading_text: Reading
    eligible_sponsor_types_list: Cited[tuple[str, ...]]
    pdp_contract_prefix_text: Cited[str]
    requests_accepted_from_date_text: Cited[dt.date]
    whole_enrollment_only_bool: Cited[bool]
    attestation_required_bool: Cited[bool]
    lifecycle_table: tuple[Transition, ...] = Field(min_length=1)
    permitted_purposes_table: Cited[tuple[Purpose, ...]]
    forbidden_purposes_table: Cited[tuple[Purpose, ...]]
    contractors_bound_by_list: Cited[tuple[Party, ...]]
    downstream_bound_by_list: Cited[tuple[Party, ...]]
    proposed_downstream_bound_by_list: Cited[tuple[Party, ...]]
    release_interval_max_months: Cited[int]
    data_lag_months: Cited[int]
    processing_max_months: Cited[int]
    first_extract_earliest_date_text: Cited[dt.date]
    first_extract_period_start_date_text: Cited[dt.date]
    first_extract_period_end_date_text: Cited[dt.date]
    eligible_on_release_day_included_bool: Cited[bool]
    population_date_text: Cited[PopulationDate]
    claim_types_list: Cited[tuple[str, ...]]
    data_elements_table: Cited[tuple[DataElement, ...]]

    @model_validator(mode="after")
    def _distinct(self) -> ClaimsDataParams:
        permitted = {p.id for p in self.permitted_purposes_table.value}
        forbidden = {p.id for p in self.forbidden_purposes_table.value}
        if permitted & forbidden:
            raise ValueError(f"a purpose is both permitted and forbidden: {sorted(permitted & forbidden)}")
        events = [t.id for t in self.lifecycle_table]
        if len(events) != len(set(events)):
            raise ValueError("lifecycle_table: duplicate event")
        return self

    def transition(self, kind: str) -> Transition:
        for row in self.lifecycle_table:
            if row.id == kind:
                return row
        raise ParameterError("claimsdata", "lifecycle_table", f"no event {kind!r}")

    def downstream_bound_by(self, reading: Reading) -> Cited[tuple[Party, ...]]:
        """Who may bind a downstream recipient under ``reading`` ((g)(4)(v))."""
        return self.downstream_bound_by_list if reading == "final" else self.proposed_downstream_bound_by_list

    def limitation_cites(self) -> tuple[Cite, ...]:
        """The citations of every limitation, (g)(4)(i)-(v)."""
        return (*(c for p in self.forbidden_purposes_table.value for c in p.cite), *self.contractors_bound_by_list.cite)
