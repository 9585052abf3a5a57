"""§ 423.184 - the MPF cost of one PDE and its comparison with the PDE cost (4185-P L705, L729-L731; 2026 Technical
Notes L7860-L7893).

PDE total cost = ingredient cost paid + dispensing fee paid (2 decimals). MPF total cost = quantity dispensed x MPF
unit cost (up to 5 decimals, not rounded) + the pharmacy's brand or generic MPF dispensing fee, rounded to the cent
(half up), raised to the floor price where one applies. The PDE counts only by what it exceeds the MPF cost, and only
from the year's threshold up (2022: $0.01; 2026: $0.02); PDEs at or below the MPF cost count zero.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, ConfigDict

from partcd.core.citation import cites
from partcd.mpf.rules.models import Money, MpfPrice, Pde, PharmacyCost
from partcd.mpf.rules.params import MpfParams


@cites("42 CFR 423.184")
def round_half_up(amount: Decimal, decimals: int) -> Decimal:
    """``amount`` rounded to ``decimals`` places, ties away from zero (TN L7884: $10.237 -> $10.24; the tie rule is
    not stated: half up, the "nearest cent" of money and the Star Ratings' rounding of scores)."""
    return amount.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


@cites("42 CFR 423.184")
def pde_total_cost(pde: Pde) -> Decimal:
    """PDE total cost = ingredient cost paid + dispensing fee paid (TN L7861-L7862; 4185-P L729: always 2 decimals)."""
    return pde.ingredient_cost_paid + pde.dispensing_fee_paid


@cites("42 CFR 423.184")
def mpf_dispensing_fee(pharmacy: PharmacyCost, price: MpfPrice, params: MpfParams) -> Decimal:
    """The MPF dispensing fee for the drug's brand (B) or generic (G) status; a drug of inconsistent status gets the
    higher fee in 2026 (TN L7886-L7887; ``unknown_brand_generic_fee_text``)."""
    if price.brand_generic == "B":
        return pharmacy.dispensing_fee_brand
    if price.brand_generic == "G":
        return pharmacy.dispensing_fee_generic
    rule = params.unknown_brand_generic_fee_text
    if rule == "brand":
        return pharmacy.dispensing_fee_brand
    if rule == "generic":
        return pharmacy.dispensing_fee_generic
    return max(pharmacy.dispensing_fee_brand, pharmacy.dispensing_fee_generic)


@cites("42 CFR 423.184")
def mpf_total_cost(pde: Pde, pharmacy: PharmacyCost, price: MpfPrice, params: MpfParams) -> Decimal:
    """MPF total cost of the PDE: quantity x unit cost + dispensing fee, rounded to ``mpf_cost_decimals_count``
    (4185-P L729; TN L7884: unit costs are not rounded), then at least the floor price where floors apply (TN L7892)."""
    raw = pde.quantity_dispensed * price.unit_cost + mpf_dispensing_fee(pharmacy, price, params)
    total = round_half_up(raw, params.mpf_cost_decimals_count)
    if params.floor_price_applies_bool and price.floor_price is not None and total < price.floor_price:
        return price.floor_price
    return total


class Comparison(BaseModel):
    """PDE cost against MPF cost: the signed difference, the claim-level score and the two numerator flags."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    difference: Money
    amount_above_mpf: Money
    price_increase_counted: bool
    claim_counted: bool


@cites("42 CFR 423.184")
def compare_costs(pde_cost: Decimal, mpf_cost: Decimal, params: MpfParams) -> Comparison:
    """The claim-level score: PDE cost - MPF cost when that reaches ``min_excess_counted_usd`` (4185-P L729: one cent;
    TN L7888: two cents, "$10.25 and ... $10.23" counts $0.02), else zero - only increases count (4185-P L731; TN
    L7866). The Claim Percentage numerator takes the PDEs whose claim-level score is above zero
    (``excess_threshold_for_claim_percentage_bool``; false = every PDE above the MPF cost)."""
    difference = pde_cost - mpf_cost
    counted = difference > 0 and difference >= params.min_excess_counted_usd
    above = difference if counted else Decimal("0.00")
    claim = counted if params.excess_threshold_for_claim_percentage_bool else difference > 0
    return Comparison(difference=difference, amount_above_mpf=above, price_increase_counted=counted, claim_counted=claim)
