"""§ 422.166(a)(2)(i), § 423.186(a)(2)(i) - non-CAHPS cut-point methodologies as named stage pipelines (4185-P L2241, L3212).

A rating year's parameter file names its methodology in ``method:``; the name maps to a pipeline of pure stages
(outlier deletion -> thresholds by clustering -> guardrail). Code never branches on the year.

* ``rule-2022``   - the proposed rule as written: mean resampling + guardrail, no outlier deletion (L2241).
* ``cms-2022``    - CMS practice for the 2022 Star Ratings: mean resampling only (guardrail delayed to 2023;
  shared/specs/stars.md §2.6, §11).
* ``cms-2024+``   - CMS practice from the 2024 Star Ratings: Tukey outer-fence deletion + mean resampling + guardrail
  (§2.5, §9).
* ``clustering-only`` - the pre-2022 single clustering run on all scores, no guardrail (for comparison).
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

FloatArray = npt.NDArray[np.float64]


class StarsParams(BaseModel):
    """Typed view of ``stars/params/<rating year>.yaml``: every key the cut-point stages read, nothing else."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: str
    star_levels_count: int = Field(ge=2)
    resampling_groups_count: int = Field(ge=2)
    clustering_linkage_text: Literal["ward"]
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
        Methodology("rule-2022", "proposed rule: mean resampling + guardrail", keep_all, True, True),
        Methodology("cms-2022", "CMS 2022: mean resampling, no guardrail", keep_all, True, False),
        Methodology("cms-2024+", "CMS 2024+: Tukey deletion + mean resampling + guardrail", tukey_deletion, True, True),
        Methodology("clustering-only", "pre-2022: one clustering run, no guardrail", keep_all, False, False),
    )
}


def methodology(name: str) -> Methodology:
    """The pipeline registered under ``name``; unknown names are a parameter error."""
    try:
        return METHODOLOGIES[name]
    except KeyError:
        raise ParameterError("stars methodology", name, f"unknown methodology; known: {', '.join(METHODOLOGIES)}") from None
