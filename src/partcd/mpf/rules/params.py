"""§ 423.184 - typed view of the MPF Price Accuracy parameter files (4185-P L699-L731; 2026 Technical Notes L4117-L4200,
L7793-L7916).

Every key of ``mpf/params/*.yaml`` (and of the named variant in ``params/variants/``); nothing else. Code reads these
fields, never a literal: the days-supply windows, the retail identification, the rounding of the MPF cost, the
excess that counts, the 0.5/0.5 combination, the minimum number of PDEs and the rounding of the score.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from partcd.core.params import CitedRow

#: How the MPF Pharmacy Cost file describes a pharmacy (the ``pharmacy_type`` column of the pharmacies file).
PharmacyType = Literal["retail_only", "retail_and_limited_access", "retail_and_other", "non_retail"]
PHARMACY_TYPES: tuple[PharmacyType, ...] = ("retail_only", "retail_and_limited_access", "retail_and_other", "non_retail")


class DaysSupplyWindow(CitedRow):
    """One row of ``days_supply_windows_table``: PDE days supply ``min..max`` (inclusive) is priced at the
    ``supply_months``-month MPF supply."""

    supply_months: int = Field(ge=1, le=3)
    min_days_supply: int = Field(ge=1)
    max_days_supply: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> DaysSupplyWindow:
        if self.max_days_supply < self.min_days_supply:
            raise ValueError(f"window {self.id}: max_days_supply {self.max_days_supply} < min_days_supply "
                             f"{self.min_days_supply}")
        return self


class MpfParams(BaseModel):
    """Typed view of one MPF Price Accuracy parameter file (``extra="forbid"``, frozen)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: the variant name (``method:`` of the file); None for the law in force
    method: str | None = None
    measure_id_text: str = Field(min_length=1)
    # which dates of service
    measurement_year_lag_years: int = Field(ge=0, le=5)
    measurement_months_count: int = Field(ge=1, le=12)
    # which PDEs
    days_supply_windows_table: tuple[DaysSupplyWindow, ...] = Field(min_length=1)
    bid_days_supply_extends_window_bool: bool
    retail_pharmacy_types_list: tuple[PharmacyType, ...] = Field(min_length=1)
    service_type_checked_pharmacy_types_list: tuple[PharmacyType, ...]
    retail_service_types_list: tuple[str, ...] = Field(min_length=1)
    exclude_compound_bool: bool
    covered_drug_status_codes_list: tuple[Literal["C", "E", "O"], ...] = Field(min_length=1)
    # the MPF cost of a PDE and the comparison
    unknown_brand_generic_fee_text: Literal["higher", "brand", "generic"]
    mpf_cost_decimals_count: int = Field(ge=0, le=5)
    floor_price_applies_bool: bool
    min_excess_counted_usd: Decimal = Field(ge=0, le=1)
    excess_threshold_for_claim_percentage_bool: bool
    # the contract score
    min_eligible_claims_count: int = Field(ge=1)
    score_scale_score: Decimal = Field(gt=0)
    price_accuracy_weight_fraction: Decimal = Field(ge=0, le=1)
    claim_percentage_weight_fraction: Decimal = Field(ge=0, le=1)
    score_decimals_count: int = Field(ge=0, le=6)

    @model_validator(mode="after")
    def _consistent(self) -> MpfParams:
        if self.price_accuracy_weight_fraction + self.claim_percentage_weight_fraction != 1:
            raise ValueError("price_accuracy_weight_fraction + claim_percentage_weight_fraction must be 1, got "
                             f"{self.price_accuracy_weight_fraction} + {self.claim_percentage_weight_fraction}")
        months = [w.supply_months for w in self.days_supply_windows_table]
        if len(set(months)) != len(months):
            raise ValueError(f"days_supply_windows_table: one window per supply_months, got {months}")
        windows = sorted(self.days_supply_windows_table, key=lambda w: w.min_days_supply)
        for low, high in itertools.pairwise(windows):
            if high.min_days_supply <= low.max_days_supply:
                raise ValueError(f"days_supply_windows_table: windows {low.id} and {high.id} overlap")
        if not set(self.service_type_checked_pharmacy_types_list) <= set(self.retail_pharmacy_types_list):
            raise ValueError("service_type_checked_pharmacy_types_list must be retail types "
                             f"({', '.join(self.retail_pharmacy_types_list)})")
        return self
