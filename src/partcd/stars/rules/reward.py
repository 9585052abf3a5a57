"""§ 422.166(f)(1), § 423.186(f)(1), (i)(10), (i)(8) - the reward factor and its thresholds.

The reward factor itself is REF-ONLY in CMS-4185-P (the April 2018 rule); the proposal adds only that affected
contracts with 60 percent or more of their enrollees in FEMA Individual Assistance areas are left out of the
performance-summary and variance thresholds while staying eligible (§ 422.166(i)(10), § 423.186(i)(8); L2313-L2315,
L3254-L3256; removed for the 2026 ratings, 2026 Technical Notes L461). The thresholds are percentiles of the
contracts' weighted means (65th, 85th) and weighted variances (30th, 70th) of the same rating type, computed with
and without the improvement measures (and, where the new-measure hold-harmless needs it, with and without the new
measures); the factor is 0.4 / 0.3 for a high mean with low / medium variance and 0.2 / 0.1 for a relatively high
mean (2026 Technical Notes L1031-L1071).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from partcd.core.citation import Cite, cites
from partcd.core.errors import RuleError
from partcd.stars.rules.params import PercentileMethod, RatingKey, RatingParams

CITE = "42 CFR 422.166(f)(1), 423.186(f)(1)"

VarianceCategory = Literal["low", "medium", "high"]
MeanCategory = Literal["high_mean", "relatively_high_mean", "other"]


@dataclass(frozen=True)
class ThresholdKey:
    """Which threshold set: rating type, with/without the improvement measures, with/without the new measures."""

    rating: RatingKey
    with_improvement: bool
    with_new_measures: bool = True


@dataclass(frozen=True)
class RewardThresholds:
    """Mean (65th, 85th) and variance (30th, 70th) percentiles of one rating type; ``contracts`` in the population."""

    mean_low: float
    mean_high: float
    variance_low: float
    variance_high: float
    contracts: int
    source: str  # "computed" or "published"


@dataclass(frozen=True)
class RewardFactor:
    value: float
    mean_category: MeanCategory
    variance_category: VarianceCategory


@cites("42 CFR 422.166(f)(1)", "42 CFR 423.186(f)(1)")
def percentile(values: Sequence[float], pct: float, method: PercentileMethod) -> float:
    """The ``pct``-th percentile of ``values``.

    ``sas-pctldef5`` (SAS default): with n * p = j + g, x(j+1) if g > 0, else (x(j) + x(j+1)) / 2 - for n = 4 and the
    30th percentile, n * p = 1.2 gives x(2); for the 50th, n * p = 2 gives (x(2) + x(3)) / 2. ``linear``: numpy's
    default interpolation x(1 + (n - 1) p).
    """
    x = sorted(values)
    n = len(x)
    if n == 0:
        raise RuleError("percentile of an empty population", Cite(cfr=CITE))
    if not 0 <= pct <= 100:
        raise RuleError(f"percentile must be in 0..100, got {pct}", Cite(cfr=CITE))
    p = pct / 100
    if method == "linear":
        pos = (n - 1) * p
        lo = math.floor(pos)
        hi = min(lo + 1, n - 1)
        return x[lo] + (x[hi] - x[lo]) * (pos - lo)
    np_ = n * p
    j = math.floor(np_ + 1e-12)
    g = np_ - j
    if g > 1e-12:
        return x[min(j, n - 1)]
    if j == 0:
        return x[0]
    if j >= n:
        return x[-1]
    return (x[j - 1] + x[j]) / 2


@cites("42 CFR 422.166(i)(10)(i)", "42 CFR 423.186(i)(8)(i)")
def excluded_from_thresholds(disaster_share_pct: float | None, params: RatingParams) -> bool:
    """An affected contract with 60 percent or more of its enrollees in Individual Assistance areas is left out of the
    threshold population (L2313, L3254); never when the rating year has no such rule (2026 on: null)."""
    limit = params.reward_disaster_exclusion_min_pct
    return limit is not None and disaster_share_pct is not None and disaster_share_pct >= limit


@cites("42 CFR 422.166(f)(1)", "42 CFR 423.186(f)(1)", "42 CFR 422.166(i)(10)", "42 CFR 423.186(i)(8)")
def reward_thresholds(
    population: Sequence[tuple[str, float, float | None]],
    params: RatingParams,
    excluded: Collection[str] = (),
) -> RewardThresholds:
    """Percentile thresholds over ``population`` = (contract_id, weighted mean, weighted variance) of one rating type,
    leaving out ``excluded`` contracts (the 60 percent rule). Contracts without a variance (a single measure) count for
    the mean only."""
    kept = [(c, m, v) for c, m, v in population if c not in excluded]
    if not kept:
        raise RuleError("no contracts left to compute reward-factor thresholds from", Cite(cfr=CITE))
    means = [m for _, m, _ in kept]
    variances = [v for _, _, v in kept if v is not None]
    method = params.reward_percentile_method_text
    m_low, m_high = params.reward_mean_percentiles_list
    v_low, v_high = params.reward_variance_percentiles_list
    if not variances:
        raise RuleError("no contract with two or more measures: no variance thresholds", Cite(cfr=CITE))
    return RewardThresholds(
        mean_low=percentile(means, m_low, method), mean_high=percentile(means, m_high, method),
        variance_low=percentile(variances, v_low, method), variance_high=percentile(variances, v_high, method),
        contracts=len(kept), source="computed",
    )


def published_thresholds(params: RatingParams) -> dict[ThresholdKey, RewardThresholds]:
    """The rating year's published thresholds (e.g. 2026 Technical Notes Tables 8 and 9), if the parameter file has them."""
    rows = params.reward_published_thresholds_table or ()
    return {
        ThresholdKey(r.rating, r.with_improvement, r.with_new_measures): RewardThresholds(
            r.mean_65th, r.mean_85th, r.variance_30th, r.variance_70th, 0, "published")
        for r in rows
    }


@cites("42 CFR 422.166(f)(1)", "42 CFR 423.186(f)(1)")
def reward_factor(mean: float, variance: float | None, thresholds: RewardThresholds, params: RatingParams) -> RewardFactor:
    """The reward factor of one rating: variance low (< 30th), medium (>= 30th, < 70th) or high (>= 70th); mean high
    (>= 85th) or relatively high (>= 65th, < 85th); 0.4 / 0.3 / 0.2 / 0.1 by the table, 0 otherwise (TN L1059-L1071)."""
    if variance is None or variance >= thresholds.variance_high:
        vcat: VarianceCategory = "high"
    elif variance >= thresholds.variance_low:
        vcat = "medium"
    else:
        vcat = "low"
    if mean >= thresholds.mean_high:
        return RewardFactor(params.reward_factor_table["high_mean"][vcat], "high_mean", vcat)
    if mean >= thresholds.mean_low:
        return RewardFactor(params.reward_factor_table["relatively_high_mean"][vcat], "relatively_high_mean", vcat)
    return RewardFactor(0.0, "other", vcat)


def thresholds_by_key(
    populations: Mapping[ThresholdKey, Sequence[tuple[str, float, float | None]]],
    params: RatingParams,
    excluded: Collection[str] = (),
) -> dict[ThresholdKey, RewardThresholds]:
    """Published thresholds where the parameter file has them, else computed from each population."""
    published = published_thresholds(params)
    out: dict[ThresholdKey, RewardThresholds] = {}
    for key, population in populations.items():
        if key in published:
            out[key] = published[key]
        elif population:
            out[key] = reward_thresholds(population, params, excluded)
    return out
