"""Hypothesis strategies for preclusion postings and claims (valid by construction; no PHI)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from partcd.preclusion.rules.dates import luhn_check_digit
from partcd.preclusion.rules.models import Claim, ListPosting

LISTED = ["1234567893", "1111111112", "2222222228", "1333333338"]
UNLISTED_VALID = "1555555550"
MALFORMED = ["1234567890", "12345678X3", "123456789", "12345678901", " 234567893"]


def days(start: dt.date, end: dt.date) -> st.SearchStrategy[dt.date]:
    return st.dates(min_value=start, max_value=end)


@st.composite
def postings(draw: st.DrawFn, npi: str | None = None, earliest: dt.date = dt.date(2018, 6, 1)) -> ListPosting:
    """One listing episode with consistent optional fields (felony -> conviction; OIG dates only when excluded)."""
    basis = draw(st.sampled_from(["revoked", "not_enrolled", "felony"]))
    effective = draw(days(earliest, dt.date(2024, 6, 30)))
    posting = effective + dt.timedelta(days=draw(st.integers(-20, 60)))
    data: dict[str, Any] = {
        "npi": npi or draw(st.sampled_from(LISTED)), "party_name": "Synthetic Party", "basis": basis,
        "effective_date": effective, "list_posting_date": posting,
    }
    if (draw(st.booleans()) or basis != "felony") and draw(st.integers(0, 9)) > 0:
        data["reenrollment_bar_end"] = effective + dt.timedelta(days=draw(st.integers(1, 3650)))
    if basis == "felony":
        data["felony_conviction_date"] = effective - dt.timedelta(days=draw(st.integers(0, 4000)))
    if draw(st.integers(0, 4)) == 0:
        data["cms_shortened_end"] = effective + dt.timedelta(days=draw(st.integers(1, 3000)))
    if draw(st.booleans()):
        data["oig_excluded"] = True
        data["oig_exclusion_date"] = effective + dt.timedelta(days=draw(st.integers(-120, 120)))
        if draw(st.booleans()):
            data["oig_reinstatement_date"] = data["oig_exclusion_date"] + dt.timedelta(days=draw(st.integers(0, 4000)))
    return ListPosting.model_validate(data)


TRANSACTIONS = {"MA_CLAIM": "MA", "PHARMACY_CLAIM": "PART_D", "REIMBURSEMENT_REQUEST": "PART_D", "PDE_SUBMISSION": "PART_D"}


@st.composite
def claims(draw: st.DrawFn, npi: str | None = None, first: dt.date = dt.date(2019, 1, 1),
           last: dt.date = dt.date(2026, 12, 31), claim_id: str = "C1") -> Claim:
    """A claim line; the NPI is listed, unlisted or malformed unless given."""
    tx = draw(st.sampled_from(sorted(TRANSACTIONS)))
    service = draw(days(first, last))
    adjudication = service + dt.timedelta(days=draw(st.integers(0, 200)))
    notice = draw(st.none() | days(first - dt.timedelta(days=60), last))
    chosen = npi or draw(st.sampled_from([*LISTED, UNLISTED_VALID, *MALFORMED]))
    return Claim.model_validate({
        "claim_id": claim_id, "program": TRANSACTIONS[tx], "transaction": tx, "npi": chosen,
        "contracted": draw(st.booleans()) if tx == "MA_CLAIM" else None,
        "beneficiary_notice_sent_date": notice, "service_date": service, "adjudication_date": adjudication,
        "prescriber_named_in_request": draw(st.booleans()) if tx == "REIMBURSEMENT_REQUEST" else None,
    })


def npi_with_check_digit(body: str) -> str:
    return body + luhn_check_digit(body)


@st.composite
def posting_and_claim(draw: st.DrawFn, earliest: dt.date = dt.date(2019, 6, 1)) -> tuple[ListPosting, Claim]:
    """A posting and a claim for its NPI dated around it, so the window and its edges are hit often."""
    posting = draw(postings(npi=LISTED[0], earliest=max(earliest, dt.date(2020, 1, 1))))
    claim = draw(claims(npi=LISTED[0], first=dt.date(2020, 1, 1)))
    service = max(posting.list_posting_date + dt.timedelta(days=draw(st.integers(-40, 150))), dt.date(2020, 1, 1))
    notice = draw(st.none() | st.integers(-10, 70).map(lambda d: posting.list_posting_date + dt.timedelta(days=d)))
    claim = claim.model_copy(update={
        "service_date": service, "adjudication_date": service + dt.timedelta(days=draw(st.integers(0, 120))),
        "beneficiary_notice_sent_date": notice})
    return posting, claim
