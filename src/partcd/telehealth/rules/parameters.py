"""§ 422.135, §§ 422.252-422.264 - typed view of ``telehealth/params/*.yaml`` (4185-P L2135-L2163, L2375-L2467;
final text 84 FR 15829).

Every key of the period file, nothing else. Two readings of § 422.135 are kept side by side:

* ``final`` - the text in force (84 FR 15829, Apr. 16, 2019): (a)(2) adds that the practitioner is not in the
  enrollee's location, (c)(2) no longer names the Evidence of Coverage, the provider-directory listing is gone;
* ``proposed`` - CMS-4185-P as written (L2135-L2163): the EOC notice (c)(2), the directory (c)(3).

Each condition is a row of ``conditions_table`` (its paragraph, the fact that answers it, what a failure makes of the
service, the readings that contain it, and its citations checked by ``tests/law``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from partcd.core.errors import ParameterError
from partcd.core.params import Cited, CitedRow

#: The two readings of § 422.135: the final text in force, or the 2018 proposal as written.
Reading = Literal["final", "proposed"]
READINGS: tuple[Reading, ...] = ("final", "proposed")

#: The facts a classification reads: of the service (definition, (c)(1), (d)) or of the plan ((c)(2)-(c)(5)).
Fact = Literal[
    "part_b_benefit", "not_payable_under_1834m", "identified_clinically_appropriate", "practitioner_at_distant_site",
    "contracted_provider", "in_person_access_at_election", "enrollees_advised_of_choice",
    "advice_in_evidence_of_coverage", "provider_directory_identifies", "credentialing_and_state_licensing",
    "information_available_to_cms",
]

#: What a service through electronic exchange is: an additional telehealth benefit (basic), an original Medicare
#: telehealth service under § 1834(m) (basic), a supplemental benefit (§ 422.102), or an in-person service.
Category = Literal["additional_telehealth_benefit", "original_medicare_telehealth", "supplemental", "in_person"]

ExclusionScope = Literal["whole_bid", "basic_only"]


class Condition(CitedRow):
    """One condition of § 422.135 in deciding order (a row of ``conditions_table``)."""

    paragraph: str = Field(min_length=1)
    title: str = Field(min_length=1)
    fact: Fact
    on_failure: Category
    readings: tuple[Reading, ...] = Field(min_length=1)


class BidLineSpec(CitedRow):
    """One line of the worked bid (a row of ``bid_lines_table``): label, formula and the text it rests on."""

    label: str = Field(min_length=1)
    formula: str = Field(min_length=1)


class TelehealthParams(BaseModel):
    """Typed view of one contract year's telehealth parameter file (``extra="forbid"``, frozen)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reading_text: Reading
    conditions_table: tuple[Condition, ...] = Field(min_length=1)
    supplemental_needs_cms_approval_bool: Cited[bool]
    basic_benefit_bool: Cited[bool]
    cost_sharing_may_differ_bool: Cited[bool]
    capital_infrastructure_excluded_bool: Cited[bool]
    capital_infrastructure_cost_types_list: Cited[tuple[str, ...]]
    enrollee_items_not_allowed_list: Cited[tuple[str, ...]]
    capital_infrastructure_exclusion_scope_text: ExclusionScope
    bid_line_rounding_usd: float = Field(gt=0, le=1)
    bid_lines_table: tuple[BidLineSpec, ...] = Field(min_length=1)
    ria_transfer_pmpm_usd: float = Field(ge=0)
    ria_base_bid_year_count: int = Field(ge=2000)
    ria_medical_trend_pct: float
    ria_capital_infrastructure_share_pct: float = Field(ge=0, le=100)
    ria_average_rebate_pct: float = Field(ge=0, le=100)
    ria_part_b_premium_factor_pct: float = Field(ge=0, le=100)
    ria_ordinary_inflation_pct: float
    ria_net_cost_musd_list: tuple[float, ...]

    @model_validator(mode="after")
    def _readings_complete(self) -> TelehealthParams:
        ids = [c.id for c in self.conditions_table]
        if len(ids) != len(set(ids)):
            raise ValueError("conditions_table: duplicate id")
        for reading in READINGS:
            if not any(reading in c.readings for c in self.conditions_table):
                raise ValueError(f"conditions_table: no condition for the reading {reading!r}")
        return self

    def bid_line(self, line_id: str) -> BidLineSpec:
        """The label, formula and citation of one bid line (a line the file lacks is a ``ParameterError``)."""
        for row in self.bid_lines_table:
            if row.id == line_id:
                return row
        raise ParameterError("telehealth", "bid_lines_table", f"no row {line_id!r}")

    def conditions(self, reading: Reading) -> tuple[Condition, ...]:
        """The conditions of one reading, in deciding order."""
        return tuple(c for c in self.conditions_table if reading in c.readings)

    def cost_kind(self, cost_type: str) -> Literal["medical", "capital_infrastructure", "enrollee_item_not_allowed"]:
        """Whether a worksheet cost type is a service cost, a capital/infrastructure cost or an item not allowed."""
        if cost_type in self.capital_infrastructure_cost_types_list.value:
            return "capital_infrastructure"
        if cost_type in self.enrollee_items_not_allowed_list.value:
            return "enrollee_item_not_allowed"
        return "medical"
