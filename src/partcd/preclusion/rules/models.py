"""§§ 422.2, 423.100, 422.222, 423.120(c)(6) - the records screened: a list posting, a claim line, the outputs.

Inputs ignore unknown fields (extra columns of a file are dropped); outputs are strict. Cross-field checks raise
``ValueError`` inside pydantic, which the edges turn into ``InputError`` naming the file, row and field.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from partcd.preclusion.rules.params import Program

Basis = Literal["revoked", "not_enrolled", "felony"]
Transaction = Literal["MA_CLAIM", "PHARMACY_CLAIM", "REIMBURSEMENT_REQUEST", "PDE_SUBMISSION"]
Decision = Literal["PAY", "DENY_PAYMENT", "ACCEPT", "REJECT", "DENY", "PDE_ALLOWED", "PDE_FORBIDDEN"]

TRANSACTIONS: tuple[Transaction, ...] = ("MA_CLAIM", "PHARMACY_CLAIM", "REIMBURSEMENT_REQUEST", "PDE_SUBMISSION")
BASES: tuple[Basis, ...] = ("revoked", "not_enrolled", "felony")
#: the program each transaction belongs to (an MA claim of a cost plan or PACE is program MA)
PROGRAM_OF: dict[Transaction, Program] = {
    "MA_CLAIM": "MA", "PHARMACY_CLAIM": "PART_D", "REIMBURSEMENT_REQUEST": "PART_D", "PDE_SUBMISSION": "PART_D",
}
NPI_FORMAT = re.compile(r"[0-9]{10}")


class ListPosting(BaseModel):
    """One listing episode of a party: the first posted list that carries it, and what CMS says about it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    npi: str
    party_name: str = Field(min_length=1)
    basis: Basis
    effective_date: dt.date
    list_posting_date: dt.date
    reenrollment_bar_end: dt.date | None = None
    felony_conviction_date: dt.date | None = None
    cms_shortened_end: dt.date | None = None
    oig_excluded: bool = False
    oig_exclusion_date: dt.date | None = None
    oig_reinstatement_date: dt.date | None = None

    @field_validator("npi")
    @classmethod
    def _ten_digits(cls, npi: str) -> str:
        if not NPI_FORMAT.fullmatch(npi):
            raise ValueError("a listed NPI must be 10 digits")
        return npi

    @model_validator(mode="after")
    def _consistent(self) -> ListPosting:
        if self.basis == "felony" and self.felony_conviction_date is None:
            raise ValueError("basis felony needs felony_conviction_date (the 10-year period runs from it)")
        if self.felony_conviction_date is not None and self.felony_conviction_date > self.effective_date:
            raise ValueError("felony_conviction_date is after effective_date")
        if self.oig_excluded and self.oig_exclusion_date is None:
            raise ValueError("oig_excluded is true but oig_exclusion_date is missing")
        if not self.oig_excluded and (self.oig_exclusion_date or self.oig_reinstatement_date):
            raise ValueError("OIG dates given but oig_excluded is not true")
        if self.oig_exclusion_date and self.oig_reinstatement_date and self.oig_reinstatement_date < self.oig_exclusion_date:
            raise ValueError("oig_reinstatement_date is before oig_exclusion_date")
        return self


class Claim(BaseModel):
    """One claim line (MA claim, pharmacy claim, reimbursement request) or one PDE to submit."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    claim_id: str = Field(min_length=1)
    program: Program
    transaction: Transaction
    npi: str = Field(min_length=1)
    contracted: bool | None = None
    beneficiary_notice_sent_date: dt.date | None = None
    service_date: dt.date
    #: the date the plan decides the claim; for a PDE, its submission date
    adjudication_date: dt.date
    prescriber_named_in_request: bool | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Claim:
        if PROGRAM_OF[self.transaction] != self.program:
            raise ValueError(f"transaction {self.transaction} belongs to program {PROGRAM_OF[self.transaction]}, "
                             f"not {self.program}")
        if self.adjudication_date < self.service_date:
            raise ValueError("adjudication_date is before service_date")
        if self.transaction == "MA_CLAIM" and self.contracted is None:
            raise ValueError("an MA claim needs contracted (true/false)")
        if self.transaction == "REIMBURSEMENT_REQUEST" and self.prescriber_named_in_request is None:
            raise ValueError("a reimbursement request needs prescriber_named_in_request (true/false)")
        return self


class ClaimDecision(BaseModel):
    """The screening answer for one claim line: the decision, the two window facts, why, and where the rule says so."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    claim_id: str
    decision: Decision
    on_list_for_service_date: bool
    in_no_denial_window: bool
    reason: str
    citation: str


class PartyDates(BaseModel):
    """Derived dates of one listing episode (D1, D2, D5 and the first permitted denial of the spec §1.9)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    npi: str
    party_name: str
    basis: Basis
    effective_date: dt.date
    #: the first day the party is off the list; None while open-ended
    preclusion_period_end: dt.date | None
    list_posting_date: dt.date
    initial_list: bool
    notice_due_by: dt.date
    #: for a beneficiary noticed on the last timely day (also the no-notice default); initial list: posting + 90
    first_permitted_denial: dt.date
    #: whole months from effective_date to preclusion_period_end (None while open-ended)
    time_on_list_months: int | None
    end_rule: str
    citation: str
    warnings: tuple[str, ...] = ()
