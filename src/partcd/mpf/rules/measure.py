"""§ 423.184 - MPF Price Accuracy from PDEs: one PDE's outcome, a contract's totals and its score (4185-P L703-L731;
2026 Technical Notes L4137-L4147, L7854-L7916, Table M-1).

* :func:`assess_pde` - the per-PDE rule: the first exclusion, or the MPF cost, the difference and whether it counts;
* :func:`contract_totals` - the sums of the outcomes by contract;
* :func:`contract_score` - Price Accuracy Index = (total amount above MPF + total PDE cost) / total PDE cost; Claim
  Percentage Index = counted PDEs / eligible PDEs; Price Accuracy Score = 100 - (index - 1) x 100; Claim Percentage
  Score = (1 - index) x 100; measure score = 0.5 x the first + 0.5 x the second, rounded to a whole number, for
  contracts with at least 30 eligible PDEs;
* :func:`score_contracts` - all three on lists of records (the worked examples).

The batch pipeline (``partcd.mpf.pipelines``) computes the same outcomes and totals in the engine and scores the
totals with :func:`contract_score`; the parity tests hold the two together.
"""

from __future__ import annotations

import dataclasses
import decimal
from collections.abc import Iterable, Sequence
from decimal import Decimal

from partcd.core.citation import cites
from partcd.mpf.rules.eligibility import (
    bid_by_plan,
    measurement_period,
    pharmacy_on_mpf,
    price_on_mpf,
    retail_eligible,
    supply_months_for,
    supply_windows,
)
from partcd.mpf.rules.models import (
    EXCLUSIONS,
    BidSupply,
    ContractScore,
    ContractTotals,
    Exclusion,
    MpfPrice,
    Pde,
    PdeOutcome,
    PharmacyCost,
)
from partcd.mpf.rules.params import MpfParams
from partcd.mpf.rules.pricing import compare_costs, mpf_total_cost, pde_total_cost, round_half_up

ZERO = Decimal("0.00")


def _excluded(pde: Pde, reason: Exclusion, supply_months: int | None) -> PdeOutcome:
    return PdeOutcome(pde_id=pde.pde_id, contract_id=pde.contract_id, exclusion=reason, supply_months=supply_months,
                      pde_total_cost=pde_total_cost(pde), mpf_total_cost=None, difference=None, amount_above_mpf=ZERO,
                      price_increase_counted=False, claim_counted=False)


@cites("42 CFR 423.184")
def assess_pde(pde: Pde, pharmacies: Sequence[PharmacyCost], prices: Sequence[MpfPrice], params: MpfParams,
               measurement_year: int, bid_supply: Sequence[BidSupply] = ()) -> PdeOutcome:
    """One PDE against the MPF price posted on its date of service (4185-P L705; TN L7832-L7833).

    Exclusions in order (TN L4172-L4189, L7815-L7852; 4185-P L725-L727): outside the measurement period (Q1-Q3),
    compound, non-covered drug, days supply in no window, pharmacy not on the plan's MPF that day, pharmacy not
    retail (or service type not Community/Retail or MCO where checked), drug not on MPF under the pharmacy's price
    id that day. A PDE in the measure gets its MPF total cost and the comparison of :func:`compare_costs`.
    """
    first, last = measurement_period(measurement_year, params)
    if not first <= pde.date_of_service <= last:
        return _excluded(pde, "outside_measurement_period", None)
    if params.exclude_compound_bool and pde.compound_code == "2":
        return _excluded(pde, "compound", None)
    if (pde.drug_coverage_status_code or "C") not in params.covered_drug_status_codes_list:
        return _excluded(pde, "non_covered_drug", None)
    bid = bid_by_plan(bid_supply).get((pde.contract_id, pde.plan_id))
    months = supply_months_for(pde.days_supply, supply_windows(params, bid))
    if months is None:
        return _excluded(pde, "days_supply", None)
    pharmacy = pharmacy_on_mpf(pde, months, pharmacies)
    if pharmacy is None:
        return _excluded(pde, "pharmacy_not_on_mpf", months)
    if not retail_eligible(pharmacy, pde.pharmacy_service_type, params):
        return _excluded(pde, "not_retail", months)
    price = price_on_mpf(pde, pharmacy, prices)
    if price is None:
        return _excluded(pde, "drug_not_on_mpf", months)
    pde_cost = pde_total_cost(pde)
    mpf_cost = mpf_total_cost(pde, pharmacy, price, params)
    comparison = compare_costs(pde_cost, mpf_cost, params)
    return PdeOutcome(pde_id=pde.pde_id, contract_id=pde.contract_id, exclusion=None, supply_months=months,
                      pde_total_cost=pde_cost, mpf_total_cost=mpf_cost, difference=comparison.difference,
                      amount_above_mpf=comparison.amount_above_mpf,
                      price_increase_counted=comparison.price_increase_counted, claim_counted=comparison.claim_counted)


@dataclasses.dataclass
class _Sums:
    pdes: int = 0
    eligible_claims: int = 0
    total_pde_cost: Decimal = ZERO
    total_amount_above_mpf: Decimal = ZERO
    price_increase_claims: int = 0
    counted_claims: int = 0
    excluded: dict[str, int] = dataclasses.field(default_factory=lambda: dict.fromkeys(EXCLUSIONS, 0))


@cites("42 CFR 423.184")
def contract_totals(outcomes: Iterable[PdeOutcome]) -> dict[str, ContractTotals]:
    """The sums the score needs, by contract (TN L7869-L7872): eligible PDEs, their total cost, the total amount above
    MPF, the PDEs counted in each numerator, and the excluded PDEs by reason."""
    acc: dict[str, _Sums] = {}
    for o in outcomes:
        a = acc.setdefault(o.contract_id, _Sums())
        a.pdes += 1
        if o.exclusion is not None:
            a.excluded[o.exclusion] += 1
            continue
        a.eligible_claims += 1
        a.total_pde_cost += o.pde_total_cost
        a.total_amount_above_mpf += o.amount_above_mpf
        a.price_increase_claims += int(o.price_increase_counted)
        a.counted_claims += int(o.claim_counted)
    return {c: ContractTotals(contract_id=c, **dataclasses.asdict(a)) for c, a in sorted(acc.items())}


@cites("42 CFR 423.184")
def contract_score(totals: ContractTotals, params: MpfParams) -> ContractScore:
    """The contract's indexes, scores and measure score (4185-P L707-L721; TN L4137-L4147, L7909-L7916).

    Price Accuracy Index = (total above MPF + total PDE cost) / total PDE cost (best 1); Claim Percentage Index =
    counted PDEs / eligible PDEs (best 0); the scores on the ``score_scale_score`` scale; measure score =
    ``price_accuracy_weight_fraction`` x PAS + ``claim_percentage_weight_fraction`` x CPS, rounded half up to
    ``score_decimals_count``. Fewer than ``min_eligible_claims_count`` eligible PDEs (TN L7808) or a zero total cost:
    not scored (the indexes are still shown when they can be computed). Exact decimal arithmetic, 28 digits.
    """
    base = {"contract_id": totals.contract_id, "measure_id": params.measure_id_text,
            "eligible_claims": totals.eligible_claims, "counted_claims": totals.counted_claims,
            "total_pde_cost": totals.total_pde_cost, "total_amount_above_mpf": totals.total_amount_above_mpf,
            "excluded": totals.excluded}
    if totals.eligible_claims == 0 or totals.total_pde_cost == 0:
        reason = "no eligible PDEs" if totals.eligible_claims == 0 else "the eligible PDEs' total cost is zero"
        return ContractScore(scored=False, reason=reason, price_accuracy_index=None, claim_percentage_index=None,
                             price_accuracy_score=None, claim_percentage_score=None, measure_score_unrounded=None,
                             measure_score=None, **base)  # type: ignore[arg-type]
    scale = params.score_scale_score
    with decimal.localcontext(prec=28):
        pai = (totals.total_amount_above_mpf + totals.total_pde_cost) / totals.total_pde_cost
        cpi = Decimal(totals.counted_claims) / Decimal(totals.eligible_claims)
        pas = scale - (pai - 1) * scale
        cps = (1 - cpi) * scale
        unrounded = params.price_accuracy_weight_fraction * pas + params.claim_percentage_weight_fraction * cps
    enough = totals.eligible_claims >= params.min_eligible_claims_count
    return ContractScore(
        scored=enough,
        reason=None if enough else (f"{totals.eligible_claims} eligible PDEs, fewer than the "
                                    f"{params.min_eligible_claims_count} the measure needs"),
        price_accuracy_index=float(pai), claim_percentage_index=float(cpi), price_accuracy_score=float(pas),
        claim_percentage_score=float(cps), measure_score_unrounded=float(unrounded) if enough else None,
        measure_score=float(round_half_up(unrounded, params.score_decimals_count)) if enough else None,
        **base)  # type: ignore[arg-type]


@cites("42 CFR 423.184")
def score_contracts(pdes: Sequence[Pde], pharmacies: Sequence[PharmacyCost], prices: Sequence[MpfPrice],
                    params: MpfParams, measurement_year: int, bid_supply: Sequence[BidSupply] = ()) -> list[ContractScore]:
    """Every contract's score from records: :func:`assess_pde` on each PDE, :func:`contract_totals`,
    :func:`contract_score` (TN Table M-1, L7922-L7961)."""
    outcomes = [assess_pde(p, pharmacies, prices, params, measurement_year, bid_supply) for p in pdes]
    return [contract_score(t, params) for t in contract_totals(outcomes).values()]
