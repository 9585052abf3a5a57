"""§§ 422.310(e), 422.311(a) - typed view of the RADV parameters (4185-P L1197, L2487, L2497; 4185-F2, 88 FR 6643).

Every key of ``radv/params/*.yaml``; nothing else. Two readings of the law are kept side by side in each payment
year's file:

* ``in_force`` - the final rule CMS-4185-F2: extrapolation from PY 2018 (none for PY 2011-2017), no FFS Adjuster;
* ``proposed_2018`` - the proposal CMS-4185-P as written: extrapolation from PY 2011 (L2487, L2497), sub-cohort
  extrapolation not before PY 2014 (L1219), no FFS Adjuster (L1247).

The sample design (201 enrollees, three equal risk-score strata, 99 % confidence) is the February 2012 methodology as
the proposal summarizes it (L1197); the ``*_text`` / ``*_bool`` choices are where the rule is silent (README).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

#: The two readings of §§ 422.310(e), 422.311(a): the final rule in force, or the 2018 proposal as written.
Reading = Literal["in_force", "proposed_2018"]
READINGS: tuple[Reading, ...] = ("in_force", "proposed_2018")

DfMethod = Literal["n_minus_1", "n_minus_L", "satterthwaite", "normal"]
Sidedness = Literal["two_sided", "one_sided_lower"]
RecoveryBound = Literal["lower_limit", "point"]
AdditionalHccOffset = Literal["none", "same_enrollee_substantiated", "all"]
AuditScope = Literal["contract", "sub_cohort"]


class RadvParams(BaseModel):
    """Typed view of one payment year's RADV parameter file (``extra="forbid"``, frozen)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # law in force (CMS-4185-F2; § 422.311(a)(2))
    extrapolation_allowed_bool: bool
    ffs_adjuster_bool: bool
    # the proposal's reading (CMS-4185-P)
    proposed_extrapolation_allowed_bool: bool
    proposed_sub_cohort_extrapolation_bool: bool
    proposed_ffs_adjuster_bool: bool
    # the 2012 contract-level sample design (L1197)
    sample_size_max_count: int = Field(ge=1)
    strata_count: int = Field(ge=1)
    equal_allocation_bool: bool
    confidence_level_pct: float = Field(gt=0, lt=100)
    data_collection_year_lag_years: int = Field(ge=0)
    payment_year_months_required_count: int = Field(ge=0, le=12)
    exclude_esrd_bool: bool
    exclude_hospice_bool: bool
    part_b_entire_dcy_bool: bool
    min_payment_hcc_count: int = Field(ge=0)
    # choices where the rule is silent
    stratum_tie_break_text: Literal["enrollee_id"]
    stratum_remainder_text: Literal["highest_strata", "lowest_strata"]
    small_stratum_text: Literal["census"]
    sidedness_text: Sidedness
    df_method_text: DfMethod
    recovery_bound_text: RecoveryBound
    fpc_bool: bool
    offset_additional_hccs_text: AdditionalHccOffset
    net_underpayments_bool: bool

    @property
    def confidence(self) -> float:
        """The confidence level as a fraction (99 % -> 0.99)."""
        return self.confidence_level_pct / 100.0
