"""§ 422.166(a)(2)(i), § 423.186(a)(2)(i) - non-CAHPS cut-point methodologies as named stage pipelines (4185-P L2241, L3212).

A rating year's parameter file names its methodology in ``method:``; the name maps to a pipeline of pure stages
(outlier deletion -> thresholds by clustering -> guardrail). Code never branches on the year.

The law in force is the eCFR text of § 422.166(a)(2)(i) / § 423.186(a)(2)(i) as amended after the proposal: mean
resampling from the 2022 Star Ratings, the guardrail "effective for the Star Ratings issued in October 2022" (the 2023
ratings) and Tukey outer-fence deletion "effective for the Star Ratings issued in October 2023" (the 2024 ratings). Each
year's file states its profile as cited values (``mean_resampling_bool``, ``guardrail_bool``, ``tukey_deletion_bool``)
and its ``method:`` must be the pipeline with that profile (checked when the file is read).

* ``cms-2022``    - the 2022 Star Ratings: mean resampling only (no guardrail, no outlier deletion).
* ``cms-2023``    - the 2023 Star Ratings: mean resampling + guardrail, no outlier deletion.
* ``cms-2024+``   - the 2024 Star Ratings on: Tukey outer-fence deletion + mean resampling + guardrail.
* ``rule-2022``   - the proposed rule CMS-4185-P as written (L2241): mean resampling + guardrail from the 2022 ratings,
  no outlier deletion (the same stages as ``cms-2023``, kept as the proposal's reading of 2022).
* ``clustering-only`` - the pre-2022 single clustering run on all scores, no guardrail (for comparison).

The tie rule of Ward's merges (``clustering_tie_rule_text``: ``scipy`` or ``sas``, :mod:`partcd.stars.rules.ward`) is a
named setting of each year's file; the methodology runs with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, model_validator

from partcd.core.errors import ParameterError
from partcd.stars.rules.params import RATING_PARAM_KEYS
from partcd.stars.rules.resampling import Projection
from partcd.stars.rules.tukey import QuartileMethod, delete_outer_fence_outliers, delete_outliers_by_sign
from partcd.stars.rules.ward import TieRule

PercentileDefinition = Literal["sas5", "linear"]

FloatArray = npt.NDArray[np.float64]


class StarsParams(BaseModel):
    """Typed view of ``stars/params/<rating year>.yaml``: every key the measure-star stages read, nothing else."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: str
    mean_resampling_bool: bool
    guardrail_bool: bool
    tukey_deletion_bool: bool
    star_levels_count: int = Field(ge=2)
    resampling_groups_count: int = Field(ge=2)
    clustering_linkage_text: Literal["ward"]
    clustering_tie_rule_text: TieRule
    threshold_projection_text: Projection
    improvement_negative_levels_count: int = Field(ge=1)
    improvement_nonnegative_levels_count: int = Field(ge=1)
    improvement_three_star_floor_score: float
    absolute_cap_pp: float = Field(ge=0)
    restricted_range_cap_pct: float = Field(ge=0)
    new_measure_unguarded_years: int = Field(ge=0)
    outer_fence_iqr_multiplier_ratio: float = Field(gt=0)
    restricted_range_quartile_method_text: QuartileMethod
    tukey_iqr_multiplier_ratio: float | None = Field(default=None, gt=0)
    tukey_quartile_method_text: QuartileMethod | None = None
    disaster_exclusion_bool: bool
    disaster_exclusion_min_pct: float | None = Field(default=None, gt=0, le=100)
    cahps_base_percentiles_list: tuple[float, float, float, float]
    cahps_percentile_definition_text: PercentileDefinition
    cahps_cut_point_decimals_count: int = Field(ge=0)
    cahps_significance_level_pct: float = Field(gt=0, lt=100)
    cahps_min_reliability_fraction: float = Field(ge=0, le=1)
    cahps_low_reliability_below_fraction: float = Field(ge=0, le=1)
    cahps_low_reliability_share_pct: float = Field(gt=0, lt=100)
    cahps_min_respondents_count: int = Field(ge=0)
    cahps_low_reliability_cutoffs_table: dict[str, float] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> StarsParams:
        if self.disaster_exclusion_bool and self.disaster_exclusion_min_pct is None:
            raise ValueError("disaster_exclusion_bool is true but disaster_exclusion_min_pct is missing")
        if not self.disaster_exclusion_bool and self.disaster_exclusion_min_pct is not None:
            raise ValueError("disaster_exclusion_min_pct is given but the exclusion does not apply (disaster_exclusion_bool)")
        if self.tukey_deletion_bool and (self.tukey_iqr_multiplier_ratio is None or self.tukey_quartile_method_text is None):
            raise ValueError("tukey_deletion_bool is true but the tukey_* multiplier or quartile method is missing")
        method = METHODOLOGIES.get(self.method)
        if method is None:
            raise ValueError(f"unknown methodology {self.method!r}; known: {', '.join(METHODOLOGIES)}")
        profile = (method.resample, method.guardrail, method.trim is tukey_deletion)
        stated = (self.mean_resampling_bool, self.guardrail_bool, self.tukey_deletion_bool)
        if profile != stated:
            raise ValueError(f"methodology {self.method!r} (mean resampling, guardrail, Tukey deletion = {profile}) does "
                             f"not match the year's cited profile {stated}")
        return self

    @model_validator(mode="before")
    @classmethod
    def _without_rating_keys(cls, data: Any) -> Any:
        """The rating-level keys of the same file are read by ``partcd.stars.rules.params.RatingParams``."""
        return {k: v for k, v in data.items() if k not in RATING_PARAM_KEYS} if isinstance(data, dict) else data


#: Outlier stage: (scores, is improvement measure, params) -> the scores kept for clustering.
TrimStage = Callable[[FloatArray, bool, StarsParams], FloatArray]


def keep_all(scores: FloatArray, improvement: bool, params: StarsParams) -> FloatArray:
    """No outlier deletion before clustering (the proposed rule: fences serve only the restricted range)."""
    return scores


def tukey_deletion(scores: FloatArray, improvement: bool, params: StarsParams) -> FloatArray:
    """Tukey outer-fence deletion of the current year's scores (CMS practice from 2024; by sign for improvement)."""
    if params.tukey_iqr_multiplier_ratio is None or params.tukey_quartile_method_text is None:
        raise ParameterError(f"stars {params.method}", "tukey_iqr_multiplier_ratio",
                             "this methodology deletes Tukey outliers but the rating year's file has no Tukey values")
    if improvement:
        return delete_outliers_by_sign(scores, params.tukey_iqr_multiplier_ratio, params.tukey_quartile_method_text,
                                       params.improvement_three_star_floor_score)
    return delete_outer_fence_outliers(scores, params.tukey_iqr_multiplier_ratio, params.tukey_quartile_method_text)


@dataclass(frozen=True)
class Methodology:
    """A named pipeline: outlier stage, threshold stage (mean resampling or one run), guardrail on/off."""

    name: str
    description: str
    trim: TrimStage
    resample: bool
    guardrail: bool


METHODOLOGIES: dict[str, Methodology] = {
    m.name: m
    for m in (
        Methodology("cms-2022", "2022 Star Ratings: mean resampling, no guardrail", keep_all, True, False),
        Methodology("cms-2023", "2023 Star Ratings: mean resampling + guardrail", keep_all, True, True),
        Methodology("cms-2024+", "2024 Star Ratings on: Tukey deletion + mean resampling + guardrail", tukey_deletion, True,
                    True),
        Methodology("rule-2022", "proposed rule CMS-4185-P: mean resampling + guardrail from 2022", keep_all, True, True),
        Methodology("clustering-only", "pre-2022: one clustering run, no guardrail", keep_all, False, False),
    )
}


def methodology(name: str) -> Methodology:
    """The pipeline registered under ``name``; unknown names are a parameter error."""
    try:
        return METHODOLOGIES[name]
    except KeyError:
        raise ParameterError("stars methodology", name, f"unknown methodology; known: {', '.join(METHODOLOGIES)}") from None
