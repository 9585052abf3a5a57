"""Typed view of the rating-level keys of ``stars/params/<rating year>.yaml`` (42 CFR 422.166, 423.186).

The stars parameter file of a rating year carries two groups of keys: the cut-point keys read by
:class:`partcd.stars.rules.methodology.StarsParams` and the keys below, read by the summary, improvement, reward-factor,
CAI, disaster and data-integrity rules. Each view takes its own keys (``extra="forbid"`` on the rest of the file is
enforced by ``StarsParams``, which leaves :data:`RATING_PARAM_KEYS` to this view); a misspelt key here is a missing
field here and an unknown key there, so it fails either way.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from partcd.core.params import ParamSet
from partcd.stars.rules.models import OrganizationType

#: The four rating types a reward-factor threshold or a CAI value belongs to (CMS Technical Notes Tables 8, 9, 12-21).
RatingKey = Literal["part_c", "part_d_mapd", "part_d_pdp", "overall"]
RATING_KEYS: tuple[RatingKey, ...] = ("part_c", "part_d_mapd", "part_d_pdp", "overall")

PercentileMethod = Literal["sas-pctldef5", "linear"]


class RewardThresholdRow(BaseModel):
    """Published reward-factor thresholds of one rating type, with or without the improvement / new measures."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rating: RatingKey
    with_improvement: bool
    with_new_measures: bool
    mean_65th: float
    mean_85th: float
    variance_30th: float
    variance_70th: float


class RatingParams(BaseModel):
    """Every rating-level number of one rating year (summary, overall, improvement, reward factor, CAI, disaster,
    data integrity, performer icons)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # summary and overall ratings
    summary_minimum_rated_rule_text: Literal["at-least-half"]
    domain_minimum_rated_rule_text: Literal["more-than-half"]
    organization_type_minimum_rated_table: (
        dict[OrganizationType, dict[Literal["part_c", "part_d", "overall"], tuple[int, int] | None]] | None)
    summary_rounding_increment_stars: float = Field(gt=0)
    summary_precision_decimals_count: int = Field(ge=0)
    summary_maximum_stars: float = Field(gt=0)
    overall_shared_measures_list: tuple[tuple[str, str], ...]
    improvement_hold_harmless_min_stars: float
    improvement_hold_harmless_scope_text: Literal["highest-rating", "all-ratings"]
    new_measure_years_count: int = Field(ge=1)
    puerto_rico_zero_weight_measures_list: tuple[str, ...]
    # improvement measures
    improvement_significance_z_ratio: float = Field(gt=0)
    improvement_minimum_rule_text: Literal["at-least-half"]
    improvement_hold_harmless_measure_stars: int = Field(ge=1)
    # reward factor
    reward_mean_percentiles_list: tuple[float, float]
    reward_variance_percentiles_list: tuple[float, float]
    reward_factor_table: dict[Literal["high_mean", "relatively_high_mean"], dict[Literal["low", "medium", "high"], float]]
    reward_percentile_method_text: PercentileMethod
    reward_disaster_exclusion_min_pct: float | None = Field(ge=0, le=100)
    reward_published_thresholds_table: tuple[RewardThresholdRow, ...] | None
    # categorical adjustment index
    cai_values_table: dict[RatingKey, dict[int, float]] | None
    # extreme and uncontrollable circumstances
    disaster_adjustment_min_pct: float = Field(ge=0, le=100)
    disaster_tie_rule_text: Literal["most-recent-year", "prior-year"]
    disaster_year_offsets_table: dict[str, tuple[int, ...]]
    disaster_unadjusted_measures_list: tuple[str, ...]
    disaster_county_enrollment_rounding_text: Literal["half-even", "half-up", "none"]
    # data integrity and review of sponsors' data
    integrity_reduced_stars: int = Field(ge=1)
    integrity_appeals_measures_list: tuple[str, ...]
    review_request_deadline_text: str = Field(pattern=r"^\d{2}-\d{2}$")
    review_request_offset_years: int = Field(ge=0)
    reopening_cutoff_text: str = Field(pattern=r"^\d{2}-\d{2}$")
    # performer icons
    low_performer_max_stars: float
    low_performer_years_count: int = Field(ge=1)
    high_performer_stars: float

    @model_validator(mode="before")
    @classmethod
    def _own_keys(cls, data: Any) -> Any:
        """Keep this view's keys; the cut-point keys of the same file belong to ``StarsParams``."""
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k in cls.model_fields}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> RatingParams:
        low, high = self.reward_mean_percentiles_list
        v_low, v_high = self.reward_variance_percentiles_list
        if not (0 < low < high < 100 and 0 < v_low < v_high < 100):
            raise ValueError("reward percentiles must be increasing and inside (0, 100)")
        return self


#: Keys of the stars parameter files that :class:`RatingParams` reads (``StarsParams`` leaves them to this view).
RATING_PARAM_KEYS: frozenset[str] = frozenset(RatingParams.model_fields)


def rating_params(params: ParamSet | RatingParams) -> RatingParams:
    """The typed rating-level view of a stars parameter set (a view passes through)."""
    return params if isinstance(params, RatingParams) else params.typed(RatingParams)
