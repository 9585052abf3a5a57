"""The pure MPF Price Accuracy rules: typed parameters, records, eligibility, the MPF cost and its comparison, the
contract score.

No file, database, network or clock access; the measurement year and every record are arguments.
"""

from partcd.mpf.rules.eligibility import measurement_period, retail_eligible, supply_months_for, supply_windows
from partcd.mpf.rules.measure import assess_pde, contract_score, contract_totals, score_contracts
from partcd.mpf.rules.models import (
    EXCLUSIONS,
    BidSupply,
    ContractScore,
    ContractTotals,
    MpfPrice,
    Pde,
    PdeOutcome,
    PharmacyCost,
)
from partcd.mpf.rules.params import MpfParams
from partcd.mpf.rules.pricing import compare_costs, mpf_total_cost, pde_total_cost, round_half_up

__all__ = [
    "EXCLUSIONS",
    "BidSupply",
    "ContractScore",
    "ContractTotals",
    "MpfParams",
    "MpfPrice",
    "Pde",
    "PdeOutcome",
    "PharmacyCost",
    "assess_pde",
    "compare_costs",
    "contract_score",
    "contract_totals",
    "measurement_period",
    "mpf_total_cost",
    "pde_total_cost",
    "retail_eligible",
    "round_half_up",
    "score_contracts",
    "supply_months_for",
    "supply_windows",
]
