"""The decision table and the per-claim screening: completeness, row order, and the invariants of the window.

Properties (hypothesis): no list-only denial inside the no-denial window; decisions are monotone in the adjudication
date (once denied, later adjudication is denied too) and in the notice date (a later notice never denies earlier);
a claim for a date of service outside every episode is never denied on the list.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from preclusion_strategies import LISTED, claims, posting_and_claim, postings
from pydantic import ValidationError

from partcd.core.citation import cited
from partcd.core.errors import InputError, RuleError
from partcd.preclusion import pipelines
from partcd.preclusion.rules.decision import DECISION_LABELS, DECISION_TABLE, FLAGS, decide
from partcd.preclusion.rules.models import TRANSACTIONS, Claim, ListPosting, Transaction
from partcd.preclusion.rules.params import PreclusionParams
from partcd.preclusion.rules.party import episode_dates
from partcd.preclusion.rules.screening import claim_flags, screen_claim

P2020 = pipelines.params_at(dt.date(2021, 1, 1))
DENIALS = {labels[1] for labels in DECISION_LABELS.values()}


def _denied(decision: str) -> bool:
    return decision in DENIALS


@pytest.mark.parametrize("transaction", TRANSACTIONS)
def test_every_flag_combination_is_decided(transaction: Transaction) -> None:
    """2^9 combinations x 4 transactions: a row always matches and its label belongs to the transaction."""
    for values in itertools.product([False, True], repeat=len(FLAGS)):
        flags: dict[str, bool] = dict(zip(FLAGS, values, strict=True))
        assert decide(transaction, flags).decision(transaction) in DECISION_LABELS[transaction]


def test_rows_cite_and_name_their_rule() -> None:
    assert all(r.reason.startswith(f"{r.rule_id}: ") and r.citation for r in DECISION_TABLE)
    assert {r.rule_id for r in DECISION_TABLE} == {"S1", "S2", "S2b", "S3", "S4", "S4i", "S5", "S6", "S7", "S8"}
    assert "42 CFR 423.120(c)(6)" in cited(decide) and "42 CFR 422.504(g)(1)(iv)" in cited(screen_claim)


def test_unknown_flag_is_refused() -> None:
    with pytest.raises(RuleError, match="unknown screening flags"):
        decide("MA_CLAIM", {"on_list": True, "in_windw": True})


def test_order_pde_gate_before_list_lookup_and_oig_before_window() -> None:
    base: dict[str, bool] = dict.fromkeys(FLAGS, False)
    assert decide("PDE_SUBMISSION", base).rule_id == "S1"  # invalid NPI, not listed: still forbidden
    assert decide("PDE_SUBMISSION", {**base, "npi_valid": True}).rule_id == "S2"
    listed = {**base, "npi_valid": True, "on_list": True, "known": True, "in_window": True}
    assert decide("MA_CLAIM", listed).rule_id == "S4"
    assert decide("MA_CLAIM", {**listed, "oig_bar": True}).rule_id == "S8"
    assert decide("REIMBURSEMENT_REQUEST", {**listed, "oig_bar": True}).rule_id == "S7"  # not named: not triggered
    assert decide("PHARMACY_CLAIM", {**listed, "in_window": False}).rule_id == "S6"


def _claim(**changes: object) -> Claim:
    data: dict[str, object] = {"claim_id": "C1", "program": "MA", "transaction": "MA_CLAIM", "npi": "1234567893",
                               "contracted": True, "service_date": dt.date(2020, 5, 1),
                               "adjudication_date": dt.date(2020, 5, 10)}
    data.update(changes)
    return Claim.model_validate(data)


@pytest.mark.parametrize(("changes", "message"), [
    ({"program": "PART_D"}, "belongs to program MA"),
    ({"adjudication_date": dt.date(2020, 4, 30)}, "before service_date"),
    ({"contracted": None}, "needs contracted"),
    ({"program": "PART_D", "transaction": "REIMBURSEMENT_REQUEST"}, "prescriber_named_in_request"),
    ({"transaction": "PDE"}, "transaction"),
])
def test_bad_claims_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _claim(**changes)


def test_check_claim_turns_bad_input_into_input_error() -> None:
    with pytest.raises(InputError) as exc:
        pipelines.check_claim({"claim_id": "X", "program": "MA", "transaction": "MA_CLAIM", "npi": "1234567893",
                               "service_date": "2020-05-01", "adjudication_date": "2020-05-10"}, [])
    assert exc.value.file == "claim" and "contracted" in exc.value.reason


def test_overlapping_episodes_are_refused() -> None:
    a = ListPosting(npi="1234567893", party_name="A", basis="revoked", effective_date=dt.date(2020, 3, 1),
                    list_posting_date=dt.date(2020, 3, 1), reenrollment_bar_end=dt.date(2022, 3, 1))
    b = a.model_copy(update={"effective_date": dt.date(2021, 3, 1), "list_posting_date": dt.date(2021, 3, 1)})
    with pytest.raises(InputError, match="must not overlap"):
        screen_claim(_claim(service_date=dt.date(2021, 6, 1), adjudication_date=dt.date(2021, 6, 1)), [a, b], P2020)


def test_relisting_after_the_first_episode_uses_the_second_posting() -> None:
    a = ListPosting(npi="1234567893", party_name="A", basis="revoked", effective_date=dt.date(2020, 3, 1),
                    list_posting_date=dt.date(2020, 3, 1), reenrollment_bar_end=dt.date(2021, 3, 1))
    b = a.model_copy(update={"effective_date": dt.date(2021, 6, 1), "list_posting_date": dt.date(2021, 6, 1),
                             "reenrollment_bar_end": dt.date(2024, 6, 1)})
    between = screen_claim(_claim(service_date=dt.date(2021, 4, 1), adjudication_date=dt.date(2021, 4, 1)), [a, b], P2020)
    assert (between.decision, between.on_list_for_service_date) == ("PAY", False)
    # the old notice (2020) does not start the new posting's window: no notice -> 2021-06-01 + 91 = 2021-08-31
    old_notice = {"beneficiary_notice_sent_date": dt.date(2020, 3, 5)}
    inside = screen_claim(_claim(service_date=dt.date(2021, 8, 30), adjudication_date=dt.date(2021, 8, 30), **old_notice),
                          [a, b], P2020)
    after = screen_claim(_claim(service_date=dt.date(2021, 8, 31), adjudication_date=dt.date(2021, 8, 31), **old_notice),
                         [a, b], P2020)
    assert (inside.decision, after.decision) == ("PAY", "DENY_PAYMENT")


def _with_adjudication(claim: Claim, day: dt.date) -> Claim:
    return claim.model_copy(update={"adjudication_date": day})


@settings(max_examples=400)
@given(posting_and_claim(), st.sampled_from(["allowed", "forbidden"]), st.booleans())
def test_no_list_only_denial_inside_the_window(pair: tuple[ListPosting, Claim], pde: str, oig_override: bool) -> None:
    posting, claim = pair
    params = P2020.model_copy(update={"pde_in_no_denial_window_text": pde, "oig_exclusion_overrides_window_bool": oig_override})
    flags = claim_flags(claim, [posting], params)
    decision = screen_claim(claim, [posting], params)
    assert decision.in_no_denial_window == flags.in_window
    if flags.in_window and not flags.oig_bar and claim.transaction != "PDE_SUBMISSION":
        assert not _denied(decision.decision), decision
    if flags.in_window and claim.transaction == "PDE_SUBMISSION" and pde == "allowed" and flags.npi_valid:
        assert decision.decision == "PDE_ALLOWED"
    if not oig_override:
        assert not flags.oig_bar


@settings(max_examples=400)
@given(posting_and_claim(), st.integers(0, 400))
def test_decisions_are_monotone_in_the_adjudication_date(pair: tuple[ListPosting, Claim], later_by: int) -> None:
    posting, claim = pair
    later = _with_adjudication(claim, claim.adjudication_date + dt.timedelta(days=later_by))
    first = screen_claim(claim, [posting], P2020)
    second = screen_claim(later, [posting], P2020)
    assert first.on_list_for_service_date == second.on_list_for_service_date  # list status: date of service
    if _denied(first.decision):
        assert _denied(second.decision), (first, second)


@settings(max_examples=400)
@given(posting_and_claim(), st.integers(0, 120), st.integers(0, 120))
def test_a_later_notice_never_denies_earlier(pair: tuple[ListPosting, Claim], notice_after_posting: int,
                                             later_by: int) -> None:
    posting, claim = pair
    early = posting.list_posting_date + dt.timedelta(days=notice_after_posting)
    late = early + dt.timedelta(days=later_by)
    first = screen_claim(claim.model_copy(update={"beneficiary_notice_sent_date": early}), [posting], P2020)
    second = screen_claim(claim.model_copy(update={"beneficiary_notice_sent_date": late}), [posting], P2020)
    if _denied(second.decision):
        assert _denied(first.decision), (first, second)


@settings(max_examples=300)
@given(postings(npi=LISTED[0]), claims(npi=LISTED[0], first=dt.date(2019, 1, 1)))
def test_outside_every_episode_no_list_denial(posting: ListPosting, claim: Claim) -> None:
    params: PreclusionParams = pipelines.params_at(claim.adjudication_date)
    episode = episode_dates(posting, params)
    assume(not episode.covers(claim.service_date))
    decision = screen_claim(claim, [posting], params)
    assert not decision.on_list_for_service_date
    assert decision.reason.startswith(("S1:", "S2:"))


def test_variant_moves_the_first_denial_one_day_earlier() -> None:
    posting = ListPosting(npi="1234567893", party_name="A", basis="revoked", effective_date=dt.date(2020, 3, 1),
                          list_posting_date=dt.date(2020, 3, 1), reenrollment_bar_end=dt.date(2023, 3, 1))
    claim = _claim(beneficiary_notice_sent_date=dt.date(2020, 3, 10), adjudication_date=dt.date(2020, 5, 9))
    law = pipelines.check_claim(claim.model_dump(), pipelines.index_postings([posting]))
    proposal = pipelines.check_claim(claim.model_dump(), [posting], variant="proposal-4185-p")
    assert (law.decision, proposal.decision) == ("PAY", "DENY_PAYMENT")
