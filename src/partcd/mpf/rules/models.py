"""§ 423.184 - the records of the MPF Price Accuracy measure (4185-P L705-L731; 2026 Technical Notes L7811-L7916).

* :class:`Pde` - one final-action prescription drug event (the fields the measure reads);
* :class:`PharmacyCost` - one row of the MPF Pharmacy Cost file: a pharmacy of a plan, for one 1/2/3-month supply and
  one posting period: its price id, its pharmacy type and its brand and generic dispensing fees;
* :class:`MpfPrice` - one row of the MPF Price file: the unit cost of a drug under a price id, for one supply and
  posting period, with the drug's brand/generic status and an optional floor price;
* :class:`BidSupply` - a plan's bid days supply for a 1/2/3-month retail supply (widens a window where the year allows);
* :class:`PdeOutcome` - what the measure does with one PDE; :class:`ContractTotals` and :class:`ContractScore` - the
  contract's sums and its score.

Money is ``Decimal`` (exact cents); dumped (``model_dump``) as numbers for JSON and the scenario files.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, model_validator

from partcd.mpf.rules.params import PharmacyType

#: A Decimal that dumps as a float (JSON, scenario comparison); the attribute stays exact.
Money = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="always")]
OptionalMoney = Annotated[Decimal | None, PlainSerializer(lambda d: None if d is None else float(d),
                                                          return_type=float | None, when_used="always")]

#: Why a PDE is not in the measure, in the order the checks run (the first that applies is reported).
EXCLUSIONS: tuple[str, ...] = (
    "outside_measurement_period",
    "compound",
    "non_covered_drug",
    "days_supply",
    "pharmacy_not_on_mpf",
    "not_retail",
    "drug_not_on_mpf",
)
Exclusion = Literal["outside_measurement_period", "compound", "non_covered_drug", "days_supply", "pharmacy_not_on_mpf",
                    "not_retail", "drug_not_on_mpf"]

_CONTRACT = r"^[A-Z][0-9]{4}$"
_PLAN = r"^[0-9]{3}$"
_NPI = r"^[0-9]{10}$"
_NDC = r"^[0-9]{11}$"
#: Bounds on every number read (input sizes are bounded; no overflow in the engine's DECIMAL(18, k) columns).
MAX_AMOUNT = Decimal("1000000000")
MAX_UNIT_COST = Decimal("10000000")


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Pde(_Record):
    """One PDE: who paid for what, where, when, for how many days, at what total cost."""

    pde_id: str = Field(min_length=1, max_length=64)
    contract_id: str = Field(pattern=_CONTRACT)
    plan_id: str = Field(pattern=_PLAN)
    date_of_service: dt.date
    pharmacy_npi: str = Field(pattern=_NPI)
    pharmacy_service_type: str | None = Field(default=None, pattern=r"^[0-9]{2}$")
    ndc: str = Field(pattern=_NDC)
    #: the MPF reference NDC of ``ndc`` where it differs (Medi-Span/FDB mapping, done before partcd); else ``ndc``
    reference_ndc: str | None = Field(default=None, pattern=_NDC)
    days_supply: int = Field(ge=1, le=999)
    quantity_dispensed: Decimal = Field(gt=0, lt=MAX_AMOUNT, decimal_places=3)
    ingredient_cost_paid: Decimal = Field(ge=0, lt=MAX_AMOUNT, decimal_places=2)
    dispensing_fee_paid: Decimal = Field(ge=0, lt=MAX_AMOUNT, decimal_places=2)
    #: PDE compound code: 0 or 1 = not a compound, 2 = compound; absent = not a compound
    compound_code: Literal["0", "1", "2"] | None = None
    #: PDE drug coverage status code: C covered, E enhanced alternative, O OTC; absent = covered
    drug_coverage_status_code: Literal["C", "E", "O"] | None = None

    @property
    def mpf_ndc(self) -> str:
        """The NDC the MPF price file is searched for: the reference NDC when given."""
        return self.reference_ndc or self.ndc


class _Posted(_Record):
    """A row of an MPF file, valid for the posting period ``period_start .. period_end`` (both days included)."""

    contract_id: str = Field(pattern=_CONTRACT)
    plan_id: str = Field(pattern=_PLAN)
    supply_months: int = Field(ge=1, le=3)
    price_id: str = Field(min_length=1, max_length=32)
    period_start: dt.date
    period_end: dt.date

    @model_validator(mode="after")
    def _period(self) -> _Posted:
        if self.period_end < self.period_start:
            raise ValueError(f"period_end {self.period_end} is before period_start {self.period_start}")
        return self

    def posted_on(self, day: dt.date) -> bool:
        return self.period_start <= day <= self.period_end


class PharmacyCost(_Posted):
    """A pharmacy of a plan in the MPF Pharmacy Cost file."""

    pharmacy_npi: str = Field(pattern=_NPI)
    pharmacy_type: PharmacyType
    dispensing_fee_brand: Decimal = Field(ge=0, lt=MAX_UNIT_COST, decimal_places=5)
    dispensing_fee_generic: Decimal = Field(ge=0, lt=MAX_UNIT_COST, decimal_places=5)


class MpfPrice(_Posted):
    """A drug's unit cost under a price id in the MPF Price file (unit costs may have up to 5 decimals)."""

    ndc: str = Field(pattern=_NDC)
    unit_cost: Decimal = Field(ge=0, lt=MAX_UNIT_COST, decimal_places=5)
    #: B brand, G generic; absent = inconsistent in the reference data (the fee then follows the parameter)
    brand_generic: Literal["B", "G"] | None = None
    #: the plan-pharmacy floor price of the drug, as a total cost in dollars and cents
    floor_price: Decimal | None = Field(default=None, ge=0, lt=MAX_AMOUNT, decimal_places=2)


class BidSupply(_Record):
    """The days supply a plan's bid gives for a 1-, 2- or 3-month retail supply."""

    contract_id: str = Field(pattern=_CONTRACT)
    plan_id: str = Field(pattern=_PLAN)
    supply_months: int = Field(ge=1, le=3)
    bid_days_supply: int = Field(ge=1, le=999)


class PdeOutcome(_Record):
    """What the measure does with one PDE.

    ``exclusion`` is the first reason the PDE is left out (None = in the measure). For a PDE in the measure:
    ``mpf_total_cost`` (rounded, floor applied), ``difference`` = PDE total cost - MPF total cost (signed),
    ``amount_above_mpf`` (the claim-level score: the difference when it reaches the threshold, else 0),
    ``price_increase_counted`` (in the Price Accuracy numerator) and ``claim_counted`` (in the Claim Percentage
    numerator).
    """

    pde_id: str
    contract_id: str
    exclusion: Exclusion | None
    supply_months: int | None
    pde_total_cost: Money
    mpf_total_cost: OptionalMoney
    difference: OptionalMoney
    amount_above_mpf: Money
    price_increase_counted: bool
    claim_counted: bool

    @property
    def included(self) -> bool:
        return self.exclusion is None


class ContractTotals(_Record):
    """One contract's sums over its PDEs (the inputs of the score) and its exclusions by reason."""

    contract_id: str
    pdes: int = Field(ge=0)
    eligible_claims: int = Field(ge=0)
    total_pde_cost: Money = Field(ge=0)
    total_amount_above_mpf: Money = Field(ge=0)
    price_increase_claims: int = Field(ge=0)
    counted_claims: int = Field(ge=0)
    excluded: dict[str, int] = Field(default_factory=dict)


class ContractScore(_Record):
    """The contract's MPF Price Accuracy result: the two indexes, the two scores, the measure score (unrounded and
    rounded), or ``scored=False`` with the reason."""

    contract_id: str
    measure_id: str
    scored: bool
    reason: str | None
    eligible_claims: int
    counted_claims: int
    total_pde_cost: Money
    total_amount_above_mpf: Money
    price_accuracy_index: float | None
    claim_percentage_index: float | None
    price_accuracy_score: float | None
    claim_percentage_score: float | None
    measure_score_unrounded: float | None
    measure_score: float | None
    excluded: dict[str, int]
