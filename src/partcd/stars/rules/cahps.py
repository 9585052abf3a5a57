"""§§ 422.166(a)(3), 423.186(a)(3) - CAHPS measure stars: base-group percentiles plus significance and reliability.

The proposed rule only points to the existing CAHPS method (REF-ONLY; 4185-P L646: "CAHPS measures use a
different method"); the method is § 422.166(a)(3) / § 423.186(a)(3) (eCFR text) and the Technical Notes
(2026: Attachment K, Tables K-7 to K-9). Its numbers are values of each rating year's parameter file
(``cahps_*`` keys of ``stars/params/<year>.yaml``, cited), read through :func:`cahps_method`:

* base-group cut points are the 15th, 30th, 60th and 80th percentiles of the contracts' case-mix adjusted
  means, rounded to integers on the 0-100 scale; all tests use the unrounded contract means;
* a contract is significantly above (below) the national mean when ``(mean - national) / SE`` is above
  ``z`` (below ``-z``);
* reliability below 0.60, or fewer than 11 respondents, gives no star; "low reliability" is
  0.60 <= reliability < 0.75 and among the lowest 12 % of the contracts' reliabilities;
* the star follows the rules of §9.1 (1 and 5 stars first, then 2, 3 and 4).

Named choices where the Technical Notes are silent (parameters with a ``note``): the percentile definition
(SAS QNTLDEF=5, or linear interpolation) and the significance level (two-sided 5 %); and, per call, the
national mean (given, or the unweighted mean of the rated contracts) and the low-reliability cut-off (given,
the year's published Table K-9 value via :meth:`CahpsMethod.low_reliability_cutoff`, or the 12th percentile
of the rated contracts' reliabilities). "Above the 30th percentile" in the 4-star rule is read as ">=" so
that every contract gets exactly one star. Pure: no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from statistics import NormalDist
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from partcd.core.citation import Cite, cites
from partcd.core.errors import RuleError
from partcd.stars.rules.assign import round_half_up
from partcd.stars.rules.methodology import PercentileDefinition, StarsParams
from partcd.stars.rules.models import ContractType

CITE = Cite(cfr="42 CFR 422.166(a)(3), 423.186(a)(3) (REF-ONLY; CMS practice, shared/specs/stars.md §9.1)")

Significance = Literal["above", "below", "not significant"]


class CahpsMethod(BaseModel):
    """The CAHPS star method's numbers of one rating year (built from its parameters by :func:`cahps_method`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_percentiles: tuple[float, float, float, float]
    percentile_definition: PercentileDefinition
    cut_point_decimals: int = Field(ge=0)
    z_critical: float = Field(gt=0)
    min_reliability: float = Field(ge=0, le=1)
    low_reliability_below: float = Field(ge=0, le=1)
    low_reliability_share_pct: float = Field(gt=0, lt=100)
    min_respondents_count: int = Field(ge=0)
    low_reliability_cutoffs: dict[str, float] = Field(default_factory=dict)

    def low_reliability_cutoff(self, measure_key: str, contract_type: ContractType = ContractType.ALL) -> float | None:
        """The year's published 12 % reliability cut-off of a measure (Part D: per contract type), if published."""
        if contract_type is not ContractType.ALL:
            typed = self.low_reliability_cutoffs.get(f"{measure_key}/{contract_type.value}")
            if typed is not None:
                return typed
        return self.low_reliability_cutoffs.get(measure_key)

    @model_validator(mode="after")
    def _ordered(self) -> CahpsMethod:
        p = list(self.base_percentiles)
        if p != sorted(p) or len(set(p)) != 4 or not (p[0] > 0 and p[-1] < 100):
            raise ValueError("base_percentiles must be 4 increasing values between 0 and 100")
        if self.low_reliability_below < self.min_reliability:
            raise ValueError("low_reliability_below must be >= min_reliability")
        return self


@cites("42 CFR 422.166(a)(3)", "42 CFR 423.186(a)(3)")
def cahps_method(params: StarsParams) -> CahpsMethod:
    """The CAHPS method of a rating year from its parameters (the ``cahps_*`` keys); the critical value of the
    two-sided significance test is the normal quantile of the year's significance level."""
    return CahpsMethod(
        base_percentiles=params.cahps_base_percentiles_list,
        percentile_definition=params.cahps_percentile_definition_text,
        cut_point_decimals=params.cahps_cut_point_decimals_count,
        z_critical=NormalDist().inv_cdf(1.0 - params.cahps_significance_level_pct / 200.0),
        min_reliability=params.cahps_min_reliability_fraction,
        low_reliability_below=params.cahps_low_reliability_below_fraction,
        low_reliability_share_pct=params.cahps_low_reliability_share_pct,
        min_respondents_count=params.cahps_min_respondents_count,
        low_reliability_cutoffs=dict(params.cahps_low_reliability_cutoffs_table or {}),
    )


@dataclass(frozen=True)
class CahpsScore:
    """A contract's case-mix adjusted CAHPS mean (0-100, unrounded) with its standard error and reliability."""

    contract_id: str
    mean: float
    standard_error: float
    reliability: float
    respondents: int | None = None


@dataclass(frozen=True)
class CahpsCutPoints:
    """Base-group cut points (percentile -> rounded score), the national mean and the low-reliability cut-off."""

    percentiles: dict[float, float]
    national_mean: float
    low_reliability_cutoff: float
    rated_count: int


@dataclass(frozen=True)
class CahpsStar:
    """A contract's CAHPS star, the facts that decided it and the criterion met (or why there is none)."""

    contract_id: str
    stars: int | None
    base_group: int | None
    significance: Significance | None
    low_reliability: bool | None
    criterion: str


def percentile(values: list[float], pct: float, definition: PercentileDefinition) -> float:
    """The ``pct`` percentile of ``values``.

    ``sas5`` (SAS QNTLDEF=5, empirical distribution with averaging): with n*p = j + g, the (j+1)-th order
    statistic if g > 0, else the mean of the j-th and (j+1)-th. ``linear``: numpy's default interpolation.
    """
    if not values:
        raise RuleError("percentile of no values", CITE)
    if not 0 < pct < 100:
        raise RuleError(f"percentile must be between 0 and 100, got {pct}", CITE)
    xs = sorted(values)
    n = len(xs)
    if definition == "sas5":
        np_ = Fraction(n) * Fraction(str(pct)) / 100
        j = math.floor(np_)
        if np_ - j > 0:
            return xs[j]  # (j+1)-th order statistic, 0-based index j
        return (xs[j - 1] + xs[j]) / 2 if j >= 1 else xs[0]
    h = (n - 1) * pct / 100
    lo = math.floor(h)
    hi = min(lo + 1, n - 1)
    return xs[lo] + (h - lo) * (xs[hi] - xs[lo])


def _rated(score: CahpsScore, method: CahpsMethod) -> str | None:
    """Why a contract gets no CAHPS star (None when it is rated)."""
    if score.respondents is not None and score.respondents < method.min_respondents_count:
        return f"fewer than {method.min_respondents_count} respondents ({score.respondents})"
    if score.reliability < method.min_reliability:
        return f"reliability {score.reliability:g} below {method.min_reliability:g}"
    return None


def _check(score: CahpsScore) -> None:
    if not (math.isfinite(score.mean) and math.isfinite(score.standard_error) and math.isfinite(score.reliability)):
        raise RuleError(f"{score.contract_id}: mean, standard error and reliability must be finite numbers", CITE)
    if score.standard_error <= 0:
        raise RuleError(f"{score.contract_id}: standard error must be positive, got {score.standard_error}", CITE)
    if not 0 <= score.reliability <= 1:
        raise RuleError(f"{score.contract_id}: reliability must be within 0..1, got {score.reliability}", CITE)


@cites("42 CFR 422.166(a)(3)", "42 CFR 423.186(a)(3)")
def base_cut_points(scores: list[CahpsScore], method: CahpsMethod, national_mean: float | None = None,
                    low_reliability_cutoff: float | None = None) -> CahpsCutPoints:
    """Base-group cut points from the rated contracts' unrounded means (rounded half up to the method's decimals)."""
    for s in scores:
        _check(s)
    rated = [s for s in scores if _rated(s, method) is None]
    if not rated:
        raise RuleError("no contract has a reliable CAHPS score; no cut points", CITE)
    means = [s.mean for s in rated]
    pcts = {p: round_half_up(percentile(means, p, method.percentile_definition), method.cut_point_decimals)
            for p in method.base_percentiles}
    mean = national_mean if national_mean is not None else math.fsum(means) / len(means)
    cutoff = (low_reliability_cutoff if low_reliability_cutoff is not None
              else percentile([s.reliability for s in rated], method.low_reliability_share_pct, method.percentile_definition))
    return CahpsCutPoints(pcts, mean, cutoff, len(rated))


@cites("42 CFR 422.166(a)(3)", "42 CFR 423.186(a)(3)")
def cahps_star(score: CahpsScore, cut_points: CahpsCutPoints, method: CahpsMethod) -> CahpsStar:
    """One contract's CAHPS star under the §9.1 rules."""
    _check(score)
    why_not = _rated(score, method)
    if why_not is not None:
        return CahpsStar(score.contract_id, None, None, None, None, f"not rated: {why_not}")
    p15, p30, p60, p80 = (cut_points.percentiles[p] for p in method.base_percentiles)
    x, se = score.mean, score.standard_error
    z = (x - cut_points.national_mean) / se
    sig: Significance = "above" if z > method.z_critical else "below" if z < -method.z_critical else "not significant"
    hi, lo = sig == "above", sig == "below"
    low = (method.min_reliability <= score.reliability < method.low_reliability_below
           and score.reliability <= cut_points.low_reliability_cutoff)
    group = 1 if x < p15 else 2 if x < p30 else 3 if x < p60 else 4 if x < p80 else 5

    def done(stars: int, criterion: str) -> CahpsStar:
        return CahpsStar(score.contract_id, stars, group, sig, low, criterion)

    if x < p15 and lo and (not low or p15 - x > se):
        return done(1, "below the 15th percentile, significantly below the national mean"
                    + (", more than 1 SE below the 15th percentile (low reliability)" if low else ""))
    if x >= p80 and hi and (not low or x - p80 > se):
        return done(5, "at or above the 80th percentile, significantly above the national mean"
                    + (", more than 1 SE above the 80th percentile (low reliability)" if low else ""))
    if x < p30 and not low:
        return done(2, "below the 30th percentile, reliability not low")
    if x < p15 and low:
        return done(2, "below the 15th percentile with low reliability")
    if lo and x < p60:
        return done(2, "significantly below the national mean and below the 60th percentile")
    if p30 <= x < p60 and not hi and not lo:
        return done(3, "30th to 60th percentile, not significantly different from the national mean")
    if p15 <= x < p30 and low and not lo:
        return done(3, "15th to 30th percentile, low reliability, not significantly below the national mean")
    if p60 <= x < p80 and low and not hi:
        return done(3, "60th to 80th percentile, low reliability, not significantly above the national mean")
    if x >= p60 and not low:
        return done(4, "at or above the 60th percentile, reliability not low")
    if x >= p80 and low:
        return done(4, "at or above the 80th percentile with low reliability")
    if hi and x >= p30:
        return done(4, "significantly above the national mean and at or above the 30th percentile")
    raise RuleError(f"{score.contract_id}: no CAHPS star rule applies (group {group}, {sig}, low reliability {low})", CITE)


@cites("42 CFR 422.166(a)(3)", "42 CFR 423.186(a)(3)")
def cahps_stars(scores: list[CahpsScore], method: CahpsMethod, national_mean: float | None = None,
                low_reliability_cutoff: float | None = None) -> tuple[CahpsCutPoints, list[CahpsStar]]:
    """Base-group cut points of one measure and every contract's star on it."""
    seen: set[str] = set()
    for s in scores:
        if s.contract_id in seen:
            raise RuleError(f"{s.contract_id} appears twice", CITE)
        seen.add(s.contract_id)
    cps = base_cut_points(scores, method, national_mean, low_reliability_cutoff)
    return cps, [cahps_star(s, cps, method) for s in scores]
