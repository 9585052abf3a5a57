"""§422.222(a)(1)(ii)(A)-(C), §423.120(c)(6)(iv)(A)-(C) - beneficiary notices for the parties a posting adds.

For each party first posted on ``posting_date``: every beneficiary who received an item or service from it (MA) or
a drug it prescribed (Part D) in the look-back (``notice_lookback_months`` up to and including the posting date,
OQ-P4) is owed an advance written notice by posting + 30 days (4185-P L2328, L3054). Per beneficiary x party the
no-denial window runs from the notice actually sent (or, until then, from the due date): the first permitted denial
is notice + 61 days by default (L2332, L3058; OQ-P2). A notice sent after the due date is reported late; the window
still runs from it (OQ-P5). Programs without a notice duty in the period (MA before 2020) get no notice rows.
The party-side duty (B), reasonable efforts to tell the party whom the plan notified, is summarised per party.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from partcd.core.citation import cites
from partcd.preclusion.rules.dates import ONE_DAY, add_months
from partcd.preclusion.rules.models import ListPosting
from partcd.preclusion.rules.params import PreclusionParams, Program
from partcd.preclusion.rules.party import episode_dates, first_permitted_denial, notice_due_by

NoticeStatus = Literal["sent", "sent_late", "due", "overdue"]


class ServiceRecord(BaseModel):
    """One item, service or prescription a beneficiary received from (or was prescribed by) an NPI."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    beneficiary_id: str = Field(min_length=1)
    npi: str
    program: Program
    service_date: dt.date


class NoticeSent(BaseModel):
    """The date the plan sent one beneficiary the notice about one party."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    beneficiary_id: str = Field(min_length=1)
    npi: str
    sent_date: dt.date


class BeneficiaryNotice(BaseModel):
    """The notice owed to one beneficiary about one newly added party, and that pair's no-denial window."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    beneficiary_id: str
    npi: str
    party_name: str
    program: Program
    list_posting_date: dt.date
    last_service_date: dt.date
    notice_due_by: dt.date
    notice_sent_date: dt.date | None
    status: NoticeStatus
    #: the window is [window_start, first_permitted_denial); window_start is the notice date (or the due date)
    window_start: dt.date
    first_permitted_denial: dt.date
    citation: str


class PartyNotification(BaseModel):
    """Duty (B): the beneficiaries the plan must tell the newly added party about."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    npi: str
    party_name: str
    beneficiaries: tuple[str, ...]
    citation: str


class NoticeRun(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    posting_date: dt.date
    lookback_start: dt.date
    notices: tuple[BeneficiaryNotice, ...]
    party_notifications: tuple[PartyNotification, ...]


_CITE: dict[Program, str] = {
    "MA": "42 CFR 422.222(a)(1)(ii)(A), (C)",
    "PART_D": "42 CFR 423.120(c)(6)(iv)(A), (C)",
}


@cites("42 CFR 422.222(a)(1)(ii)", "42 CFR 423.120(c)(6)(iv)")
def beneficiary_notices(postings: Sequence[ListPosting], history: Sequence[ServiceRecord], posting_date: dt.date,
                        params: PreclusionParams, as_of: dt.date,
                        sent: Sequence[NoticeSent] = ()) -> NoticeRun:
    """§422.222(a)(1)(ii), §423.120(c)(6)(iv) (4185-P L2326-L2332, L3052-L3058): the notices a posting triggers.

    ``params`` are those in force on ``posting_date``; ``as_of`` (today) decides due vs overdue; ``sent`` holds the
    notices already sent (the earliest per beneficiary x party counts). Rows are sorted by NPI, then beneficiary.
    """
    added = {p.npi: p for p in postings if p.list_posting_date == posting_date}
    lookback_start = add_months(posting_date, -params.notice_lookback_months) + ONE_DAY
    sent_on: dict[tuple[str, str], dt.date] = {}
    for notice_sent in sent:
        pair = (notice_sent.beneficiary_id, notice_sent.npi)
        sent_on[pair] = min(sent_on.get(pair, notice_sent.sent_date), notice_sent.sent_date)
    last: dict[tuple[str, str, Program], dt.date] = {}
    for record in history:
        if record.npi not in added or record.program not in params.notice_required_before_denial_programs_list:
            continue
        if not lookback_start <= record.service_date <= posting_date:
            continue
        key = (record.npi, record.beneficiary_id, record.program)
        last[key] = max(last.get(key, record.service_date), record.service_date)
    notices: list[BeneficiaryNotice] = []
    for (npi, beneficiary, program), last_service in sorted(last.items()):
        posting = added[npi]
        due = notice_due_by(posting, params)
        notice = sent_on.get((beneficiary, npi))
        status: NoticeStatus = ("sent" if notice <= due else "sent_late") if notice is not None \
            else ("due" if as_of <= due else "overdue")
        deny_from = first_permitted_denial(posting, episode_dates(posting, params), program, notice, params)
        notices.append(BeneficiaryNotice(
            beneficiary_id=beneficiary, npi=npi, party_name=posting.party_name, program=program,
            list_posting_date=posting.list_posting_date, last_service_date=last_service, notice_due_by=due,
            notice_sent_date=notice, status=status, window_start=notice if notice is not None else due,
            first_permitted_denial=deny_from, citation=_CITE[program]))
    by_party: dict[str, list[str]] = {}
    for n in notices:
        by_party.setdefault(n.npi, [])
        if n.beneficiary_id not in by_party[n.npi]:
            by_party[n.npi].append(n.beneficiary_id)
    parties = tuple(PartyNotification(npi=npi, party_name=added[npi].party_name, beneficiaries=tuple(bens),
                                      citation="42 CFR 422.222(a)(1)(ii)(B), 423.120(c)(6)(iv)(B)")
                    for npi, bens in sorted(by_party.items()))
    return NoticeRun(posting_date=posting_date, lookback_start=lookback_start, notices=tuple(notices),
                     party_notifications=parties)
