"""Properties of the pure MPF rules (hypothesis) and the refusals the scenario files do not show."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partcd.core.errors import InvalidValue
from partcd.mpf import pipelines
from partcd.mpf.rules import (
    BidSupply,
    ContractTotals,
    MpfPrice,
    Pde,
    PharmacyCost,
    assess_pde,
    compare_costs,
    contract_score,
    contract_totals,
    round_half_up,
)
from partcd.mpf.rules.eligibility import bid_by_plan, supply_months_for, supply_windows

LAW = pipelines.params_for(2026)
PROPOSAL = pipelines.params_for(2022)
cents = st.integers(min_value=0, max_value=10_000_000).map(lambda c: Decimal(c).scaleb(-2))


@given(pde_cost=cents, mpf_cost=cents, law=st.booleans())
def test_only_increases_from_the_threshold_count_and_they_count_whole(pde_cost: Decimal, mpf_cost: Decimal,
                                                                      law: bool) -> None:
    params = LAW if law else PROPOSAL
    c = compare_costs(pde_cost, mpf_cost, params)
    assert c.difference == pde_cost - mpf_cost
    assert c.price_increase_counted == (c.difference >= params.min_excess_counted_usd)
    assert c.amount_above_mpf == (c.difference if c.price_increase_counted else 0)
    assert c.claim_counted == c.price_increase_counted  # the threshold also decides the frequency (both years)


@given(eligible=st.integers(30, 10_000), counted_share=st.floats(0, 1), total=cents.filter(lambda c: c > 0),
       above_share=st.floats(0, 3))
def test_the_score_is_the_mean_of_the_two_scores_and_100_at_best(eligible: int, counted_share: float, total: Decimal,
                                                                 above_share: float) -> None:
    counted = int(eligible * counted_share)
    above = round_half_up(total * Decimal(str(above_share)), 2)
    s = contract_score(ContractTotals(contract_id="S1234", pdes=eligible, eligible_claims=eligible,
                                      total_pde_cost=total, total_amount_above_mpf=above,
                                      price_increase_claims=counted, counted_claims=counted), LAW)
    assert s.scored and s.price_accuracy_score is not None and s.claim_percentage_score is not None
    assert s.measure_score_unrounded == pytest.approx(0.5 * s.price_accuracy_score + 0.5 * s.claim_percentage_score)
    assert s.measure_score is not None and s.measure_score <= 100
    assert abs(s.measure_score - s.measure_score_unrounded) <= 0.5
    assert (s.measure_score == 100) == (s.measure_score_unrounded >= 99.5)
    if counted == 0 and above == 0:
        assert (s.price_accuracy_index, s.claim_percentage_index, s.measure_score) == (1.0, 0.0, 100.0)


@given(base=st.integers(30, 500), more=st.integers(1, 50), above=st.integers(0, 10_000))
def test_one_more_pde_above_mpf_never_raises_the_score(base: int, more: int, above: int) -> None:
    def score(counted: int, amount: int) -> float:
        s = contract_score(ContractTotals(contract_id="S1234", pdes=base, eligible_claims=base,
                                          total_pde_cost=Decimal(100_000), total_amount_above_mpf=Decimal(amount),
                                          price_increase_claims=counted, counted_claims=counted), LAW)
        assert s.measure_score_unrounded is not None
        return s.measure_score_unrounded

    assert score(0, above) >= score(min(more, base), above + more)


@given(value=st.integers(0, 10**9), decimals=st.integers(0, 5))
def test_round_half_up_is_decimal_half_up(value: int, decimals: int) -> None:
    amount = Decimal(value).scaleb(-6)
    assert round_half_up(amount, decimals) == amount.quantize(Decimal(10) ** -decimals, rounding=ROUND_HALF_UP)
    assert round_half_up(Decimal("10.237"), 2) == Decimal("10.24")
    assert round_half_up(Decimal("2.985"), 2) == Decimal("2.99")


@given(days=st.integers(1, 200))
def test_a_bid_only_widens_a_window(days: int) -> None:
    plain = supply_months_for(days, supply_windows(LAW))
    widened = supply_months_for(days, supply_windows(LAW, {3: 100}))
    if plain is not None:
        assert widened == plain
    assert (widened == 3) == (90 <= days <= 100)
    assert supply_months_for(days, supply_windows(PROPOSAL, {3: 120})) == supply_months_for(days, supply_windows(PROPOSAL))


def _pde(**kw: object) -> Pde:
    base: dict[str, object] = {"pde_id": "X", "contract_id": "S1234", "plan_id": "001", "date_of_service": dt.date(2024, 3, 1),
                               "pharmacy_npi": "1000000001", "pharmacy_service_type": "01", "ndc": "00000000011",
                               "days_supply": 30, "quantity_dispensed": "30", "ingredient_cost_paid": "18.00",
                               "dispensing_fee_paid": "2.25"}
    return Pde.model_validate({**base, **kw})


PHARMACY = PharmacyCost(contract_id="S1234", plan_id="001", pharmacy_npi="1000000001", supply_months=1, price_id="P1",
                        pharmacy_type="retail_only", dispensing_fee_brand=Decimal("2.25"),
                        dispensing_fee_generic=Decimal("1.75"), period_start=dt.date(2024, 1, 1),
                        period_end=dt.date(2024, 12, 31))
PRICE = MpfPrice(contract_id="S1234", plan_id="001", price_id="P1", ndc="00000000011", supply_months=1,
                 unit_cost=Decimal("0.6"), brand_generic="B", period_start=dt.date(2024, 1, 1),
                 period_end=dt.date(2024, 12, 31))


def test_two_postings_covering_one_day_are_refused() -> None:
    twice = PRICE.model_copy(update={"unit_cost": Decimal("0.7"), "period_start": dt.date(2024, 3, 1)})
    with pytest.raises(InvalidValue, match="2 MPF price rows are posted for the same day"):
        assess_pde(_pde(), [PHARMACY], [PRICE, twice], LAW, 2024)
    other_day = twice.model_copy(update={"period_start": dt.date(2024, 3, 2)})
    assert assess_pde(_pde(), [PHARMACY], [PRICE.model_copy(update={"period_end": dt.date(2024, 3, 1)}), other_day],
                      LAW, 2024).mpf_total_cost == Decimal("20.25")


def test_a_bid_given_twice_is_refused() -> None:
    bid = BidSupply(contract_id="S1234", plan_id="001", supply_months=3, bid_days_supply=100)
    with pytest.raises(InvalidValue, match="given twice for 3 month"):
        bid_by_plan([bid, bid])


@pytest.mark.parametrize(("field", "value"), [
    ("ingredient_cost_paid", "1.234"), ("quantity_dispensed", "0"), ("pharmacy_npi", "12345"), ("ndc", "1234-5678-90"),
    ("days_supply", 0), ("plan_id", "1"), ("contract_id", "s1234"), ("compound_code", "3"),
])
def test_the_records_refuse_what_the_readers_refuse(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        _pde(**{field: value})


def test_contract_totals_count_each_pde_once_by_reason() -> None:
    outcomes = [assess_pde(_pde(pde_id=str(i), ingredient_cost_paid=f"{18 + i}.00",
                                date_of_service=dt.date(2024, 3 if i < 4 else 11, 1)), [PHARMACY], [PRICE], LAW, 2024)
                for i in range(6)]
    totals = contract_totals(outcomes)["S1234"]
    # 4 eligible (i = 0..3): PDE costs 20.25, 21.25, 22.25, 23.25 = 87.00; above 20.25: 0 + 1 + 2 + 3 = 6.00
    assert (totals.pdes, totals.eligible_claims, totals.counted_claims) == (6, 4, 3)
    assert (totals.total_pde_cost, totals.total_amount_above_mpf) == (Decimal("87.00"), Decimal("6.00"))
    assert totals.excluded["outside_measurement_period"] == 2 and sum(totals.excluded.values()) == 2
