"""§422.222(a)(1)(ii)(B), §423.120(c)(6)(iv)(B) - the log of efforts to tell a newly precluded party (4185-P L2330, L3056).

For each party added in an updated list the plan "must ensure that reasonable efforts are made to notify" the
provider (MA) or prescriber (Part D) of the beneficiaries who were sent a notice. The rule sets no deadline and no
number of attempts: partcd records each attempt (method, contact used, how many beneficiaries it named, outcome) and
summarises them per party and posting; it judges nothing beyond "none recorded / attempted / reached". The log
names no beneficiary (a count only): the names the party was given live in the letter, not in this log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from partcd.core.citation import cites

EffortMethod = Literal["mail", "email", "fax", "phone", "portal", "in_person", "other"]
EffortOutcome = Literal["sent", "delivered", "acknowledged", "returned", "no_response", "refused", "other"]
EffortStatus = Literal["none_recorded", "attempted", "reached"]

#: outcomes that show the party got the message
REACHED: frozenset[str] = frozenset({"delivered", "acknowledged"})
CITATION = "42 CFR 422.222(a)(1)(ii)(B), 423.120(c)(6)(iv)(B)"


class NotificationEffort(BaseModel):
    """One attempt to tell a newly precluded party which beneficiaries the plan notified."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    npi: str = Field(pattern=r"^[0-9]{10}$")
    #: the posting of the updated list that added the party
    list_posting_date: dt.date
    attempted_on: dt.date
    method: EffortMethod
    #: the address, number or portal used (the party's business contact; never a beneficiary's)
    contact: str = Field(min_length=1, max_length=300)
    beneficiaries_named_count: int = Field(ge=0, le=10_000_000)
    outcome: EffortOutcome
    notes: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _after_posting(self) -> NotificationEffort:
        if self.attempted_on < self.list_posting_date:
            raise ValueError("attempted_on is before the list posting that added the party")
        return self


class EffortSummary(BaseModel):
    """The efforts recorded for one party and posting."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    npi: str
    list_posting_date: dt.date
    attempts: int
    first_attempt: dt.date | None
    last_attempt: dt.date | None
    last_outcome: EffortOutcome | None
    status: EffortStatus
    citation: str = CITATION


@cites("42 CFR 422.222(a)(1)(ii)(B)", "42 CFR 423.120(c)(6)(iv)(B)")
def summarise_efforts(npi: str, list_posting_date: dt.date, efforts: Sequence[NotificationEffort]) -> EffortSummary:
    """§422.222(a)(1)(ii)(B), §423.120(c)(6)(iv)(B) (4185-P L2330, L3056): the attempts for one party and posting.

    ``reached`` once any attempt was delivered or acknowledged; ``attempted`` with attempts but none reached;
    ``none_recorded`` without attempts. The last outcome is that of the latest attempt (ties: the later entry).
    """
    mine = [e for e in efforts if e.npi == npi and e.list_posting_date == list_posting_date]
    if not mine:
        return EffortSummary(npi=npi, list_posting_date=list_posting_date, attempts=0, first_attempt=None,
                             last_attempt=None, last_outcome=None, status="none_recorded")
    ordered = sorted(enumerate(mine), key=lambda ie: (ie[1].attempted_on, ie[0]))
    last = ordered[-1][1]
    status: EffortStatus = "reached" if any(e.outcome in REACHED for e in mine) else "attempted"
    return EffortSummary(npi=npi, list_posting_date=list_posting_date, attempts=len(mine),
                         first_attempt=ordered[0][1].attempted_on, last_attempt=last.attempted_on,
                         last_outcome=last.outcome, status=status)
