"""§§ 422.222(a)(1), 423.120(c)(6)(i)-(iv) - screening one claim line against the preclusion list (spec §1.10).

Two steps, so the batch engine can follow the same path: :func:`claim_flags` derives the booleans of the decision
table from the claim, the listing episode that covers its list-status date and the parameters in force on the
adjudication date; :func:`partcd.preclusion.rules.decision.decide` picks the first matching row.

Dates (OQ-P3): list status on the date of service, the no-denial window on the adjudication date (both settings).
A claim adjudicated before the posting that added the party is not denied on it (S2b): the plan could not know.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from partcd.core.citation import cites
from partcd.core.errors import InputError
from partcd.preclusion.rules.dates import npi_check_digit_ok
from partcd.preclusion.rules.decision import decide
from partcd.preclusion.rules.models import Claim, ClaimDecision, ListPosting
from partcd.preclusion.rules.params import PreclusionParams
from partcd.preclusion.rules.party import EpisodeDates, episode_dates, first_permitted_denial, is_initial_list


class ClaimFlags(BaseModel):
    """The derived booleans of one claim (the decision table's inputs) and the dates behind them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    npi_valid: bool
    on_list: bool
    known: bool
    in_window: bool
    initial_list: bool
    pde_window_exception: bool
    oig_bar: bool
    prescriber_named: bool
    contracted: bool
    #: the matching episode's first permitted denial (None when not on the list)
    first_permitted_denial: dt.date | None = None

    def table_flags(self) -> dict[str, bool]:
        return self.model_dump(exclude={"first_permitted_denial"})


def list_status_date(claim: Claim, params: PreclusionParams) -> dt.date:
    return claim.service_date if params.list_status_date_text == "service_date" else claim.adjudication_date


def window_date(claim: Claim, params: PreclusionParams) -> dt.date:
    return claim.adjudication_date if params.no_denial_window_date_text == "adjudication_date" else claim.service_date


def covering_episode(claim: Claim, postings: Sequence[ListPosting],
                     params: PreclusionParams) -> tuple[ListPosting, EpisodeDates] | None:
    """The listing episode of the claim's NPI that covers its list-status date (at most one may)."""
    day = list_status_date(claim, params)
    found = [(p, e) for p in postings if p.npi == claim.npi for e in [episode_dates(p, params)] if e.covers(day)]
    if len(found) > 1:
        raise InputError("list", None, "npi", f"NPI {claim.npi} has {len(found)} listing episodes covering {day}; "
                                              "episodes of one NPI must not overlap")
    return found[0] if found else None


def _oig_excluded_on(posting: ListPosting, day: dt.date, params: PreclusionParams) -> bool:
    if not posting.oig_excluded or posting.oig_exclusion_date is None or day < posting.oig_exclusion_date:
        return False
    reinstated = posting.oig_reinstatement_date
    if reinstated is not None and params.input_end_dates_text == "last_day_on":
        reinstated += dt.timedelta(days=1)
    return reinstated is None or day < reinstated


@cites("42 CFR 422.222(a)(1)", "42 CFR 423.120(c)(6)")
def claim_flags(claim: Claim, postings: Sequence[ListPosting], params: PreclusionParams) -> ClaimFlags:
    """§422.222(a)(1), §423.120(c)(6)(i)-(iv) (4185-P L2324-L2332, L3046-L3058): the decision table's booleans.

    ``params`` are those in force on the claim's adjudication date; ``postings`` may hold any NPIs.
    """
    match = covering_episode(claim, postings, params)
    npi_valid = npi_check_digit_ok(claim.npi)
    named = bool(claim.prescriber_named_in_request)
    contracted = bool(claim.contracted)
    if match is None:
        return ClaimFlags(npi_valid=npi_valid, on_list=False, known=False, in_window=False, initial_list=False,
                          pde_window_exception=False, oig_bar=False, prescriber_named=named, contracted=contracted)
    posting, episode = match
    known = claim.adjudication_date >= posting.list_posting_date
    deny_from = first_permitted_denial(posting, episode, claim.program, claim.beneficiary_notice_sent_date, params)
    in_window = known and window_date(claim, params) < deny_from
    return ClaimFlags(
        npi_valid=npi_valid, on_list=True, known=known, in_window=in_window,
        initial_list=is_initial_list(posting, params),
        pde_window_exception=in_window and params.pde_in_no_denial_window_text == "allowed",
        oig_bar=params.oig_exclusion_overrides_window_bool and _oig_excluded_on(posting, claim.service_date, params),
        prescriber_named=named, contracted=contracted, first_permitted_denial=deny_from,
    )


@cites("42 CFR 422.222(a)(1)", "42 CFR 422.504(g)(1)(iv)", "42 CFR 423.120(c)(6)")
def screen_claim(claim: Claim, postings: Sequence[ListPosting], params: PreclusionParams) -> ClaimDecision:
    """§§ 422.222(a)(1), (a)(4), 422.504(g)(1)(iv), 423.120(c)(6)(i)-(iv), (viii) (4185-P L2324-L2350, L3046-L3094).

    The decision for one claim line: PAY / DENY_PAYMENT (MA claim), ACCEPT / REJECT (pharmacy claim), PAY / DENY
    (reimbursement request), PDE_ALLOWED / PDE_FORBIDDEN, with the reason and the citation of the row that decided.
    """
    flags = claim_flags(claim, postings, params)
    rule = decide(claim.transaction, flags.table_flags())
    return ClaimDecision(claim_id=claim.claim_id, decision=rule.decision(claim.transaction),
                         on_list_for_service_date=flags.on_list, in_no_denial_window=flags.in_window,
                         reason=rule.reason, citation=rule.citation)
