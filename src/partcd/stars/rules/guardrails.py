"""§ 422.166(a)(2)(i), § 423.186(a)(2)(i) - cut-point guardrails (4185-P L2241, L3212; definitions L2179-L2197, L3150-L3168).

"a guardrail so that the measure-threshold-specific cut points for non-CAHPS measures do not increase or decrease more
than the value of the cap from one year to the next. The cap is equal to 5 percentage points for measures having a 0
to 100 scale (absolute percentage cap) or 5 percent of the restricted range for measures not having a 0 to 100 scale
(restricted range cap). New measures that have been in the Part C and D Star Rating program for three years or less
use the hierarchal clustering methodology with mean resampling with no guardrail for the first three years in the
program." (L2241 = L3212)

* Bidirectional (L2187): d = current - prior; |d| <= cap keeps the current value, otherwise prior +/- cap in the
  direction of the movement. Capped thresholds are kept unrounded.
* The prior year's cut points are always an explicit input (the published values; *SCAN Health Plan v. HHS*, 2024).
* Restricted range (L2195): max - min of the prior year's scores without outer-fence outliers; cap = 5 % of it.
* "Three years or less" is counted in rating years: rating_year - first_rating_year + 1 <= 3 -> no guardrail.
* Improvement measures are never guardrailed (CMS practice; shared/specs/stars.md §2.5, §9).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from partcd.core.citation import Cite, cites
from partcd.core.errors import RuleError
from partcd.stars.rules.assign import exact_text
from partcd.stars.rules.tukey import QuartileMethod, delete_outer_fence_outliers

FloatArray = npt.NDArray[np.float64]

_CITE = Cite(cfr="42 CFR 422.166(a)(2)(i), 423.186(a)(2)(i)")


class GuardrailReason(StrEnum):
    """Why a threshold's final value is what it is."""

    CAPPED_UP = "capped_up"  # rose by more than the cap: prior + cap
    CAPPED_DOWN = "capped_down"  # fell by more than the cap: prior - cap
    WITHIN_CAP = "within_cap"  # |current - prior| <= cap: current value kept
    NEW_MEASURE = "new_measure"  # in the program three years or less: no guardrail
    IMPROVEMENT_MEASURE = "improvement_measure"  # improvement measures are not guardrailed
    NO_PRIOR = "no_prior"  # no published prior-year cut point for this threshold
    METHOD_UNGUARDED = "method_unguarded"  # the chosen methodology has no guardrail (e.g. cms-2022)


#: How each reason sets a threshold, in words (explanations, reports).
REASON_WORDS: dict[str, str] = {
    GuardrailReason.CAPPED_UP.value: "capped: the clustered value rose more than the cap above last year's cut point",
    GuardrailReason.CAPPED_DOWN.value: "capped: the clustered value fell more than the cap below last year's cut point",
    GuardrailReason.WITHIN_CAP.value: "clustered, within the guardrail cap of last year's cut point",
    GuardrailReason.NEW_MEASURE.value: "clustered; a new measure (3 rating years or less) has no guardrail",
    GuardrailReason.IMPROVEMENT_MEASURE.value: "clustered; improvement measures have no guardrail",
    GuardrailReason.NO_PRIOR.value: "clustered; no published cut point of last year to guard against",
    GuardrailReason.METHOD_UNGUARDED.value: "clustered; the methodology has no guardrail",
}


def describe_threshold(reason: str, unguarded: float | None, prior: float | None, cap: float | None, final: float) -> str:
    """How one threshold was set, in words with its numbers (values without float noise)."""
    words = REASON_WORDS.get(reason, reason)
    capped = reason in (GuardrailReason.CAPPED_UP.value, GuardrailReason.CAPPED_DOWN.value)
    if capped and unguarded is not None and prior is not None and cap is not None:
        sign = "+" if reason == GuardrailReason.CAPPED_UP.value else "-"
        return (f"{words} (clustered {exact_text(unguarded)}, last year {exact_text(prior)}, cap {exact_text(cap)}: "
                f"{exact_text(prior)} {sign} {exact_text(cap)} = {exact_text(final)})")
    if reason == GuardrailReason.WITHIN_CAP.value and prior is not None and cap is not None:
        return f"{words} (clustered {exact_text(final)}, last year {exact_text(prior)}, cap {exact_text(cap)})"
    return f"{words} ({exact_text(final)})" if reason in REASON_WORDS else words


class CapKind(StrEnum):
    ABSOLUTE = "absolute_percentage_cap"
    RESTRICTED_RANGE = "restricted_range_cap"


@dataclass(frozen=True)
class GuardedThreshold:
    """One threshold (lower bound of ``threshold`` stars; upper bound when lower is better) through the guardrail."""

    threshold: int
    unguarded: float
    prior: float | None
    cap: float | None
    final: float
    reason: GuardrailReason


@dataclass(frozen=True)
class Cap:
    kind: CapKind
    value: float
    restricted_range: float | None = None


@cites("42 CFR 422.162(a)", "42 CFR 423.182(a)")
def restricted_range(
    prior_scores: Sequence[float] | FloatArray, fence_multiplier: float, quartile_method: QuartileMethod
) -> float:
    """Max - min of the prior year's scores after removing outer-fence outliers (L2195)."""
    x = np.asarray(prior_scores, dtype=np.float64)
    if x.size == 0:
        raise RuleError("the restricted range needs the prior year's measure scores", Cite(cfr="42 CFR 422.162(a), 423.182(a)"))
    kept = delete_outer_fence_outliers(x, fence_multiplier, quartile_method)
    return float(kept.max() - kept.min())


@cites("42 CFR 422.166(a)(2)(i)", "42 CFR 423.186(a)(2)(i)")
def cap_for_measure(
    scale_0_100: bool,
    absolute_cap_pp: float,
    restricted_range_cap_pct: float,
    prior_scores: Sequence[float] | FloatArray | None,
    fence_multiplier: float,
    quartile_method: QuartileMethod,
) -> Cap:
    """Absolute cap (percentage points) on 0-100 measures, else the percentage of the prior restricted range."""
    if scale_0_100:
        return Cap(CapKind.ABSOLUTE, float(absolute_cap_pp))
    if prior_scores is None or len(prior_scores) == 0:
        raise RuleError("a measure not on a 0 to 100 scale needs the prior year's scores for its restricted range cap",
                        _CITE)
    rr = restricted_range(prior_scores, fence_multiplier, quartile_method)
    return Cap(CapKind.RESTRICTED_RANGE, restricted_range_cap_pct / 100.0 * rr, rr)


@cites("42 CFR 422.166(a)(2)(i)", "42 CFR 423.186(a)(2)(i)")
def guard_threshold(threshold: int, unguarded: float, prior: float, cap: float) -> GuardedThreshold:
    """Bidirectional cap of one threshold against the prior year's cut point (difference equal to the cap is kept)."""
    if not (math.isfinite(unguarded) and math.isfinite(prior) and math.isfinite(cap)) or cap < 0:
        raise RuleError(f"guardrail needs finite values and a cap >= 0 (threshold {threshold})", _CITE)
    diff = unguarded - prior
    if diff > cap:
        return GuardedThreshold(threshold, unguarded, prior, cap, prior + cap, GuardrailReason.CAPPED_UP)
    if -diff > cap:
        return GuardedThreshold(threshold, unguarded, prior, cap, prior - cap, GuardrailReason.CAPPED_DOWN)
    return GuardedThreshold(threshold, unguarded, prior, cap, unguarded, GuardrailReason.WITHIN_CAP)


@cites("42 CFR 422.166(a)(2)(i)", "42 CFR 423.186(a)(2)(i)")
def apply_guardrail(
    unguarded: Mapping[int, float], prior: Mapping[int, float] | None, cap: float
) -> tuple[GuardedThreshold, ...]:
    """Every threshold capped against its prior-year value; thresholds without a prior value pass as ``no_prior``."""
    out = []
    for s in sorted(unguarded):
        p = None if prior is None else prior.get(s)
        if p is None:
            out.append(GuardedThreshold(s, unguarded[s], None, None, unguarded[s], GuardrailReason.NO_PRIOR))
        else:
            out.append(guard_threshold(s, unguarded[s], p, cap))
    return tuple(out)


def unguarded_as(
    unguarded: Mapping[int, float], reason: GuardrailReason, prior: Mapping[int, float] | None = None
) -> tuple[GuardedThreshold, ...]:
    """Thresholds that are not guardrailed, with the reason (new measure, improvement measure, ...)."""
    return tuple(
        GuardedThreshold(s, unguarded[s], None if prior is None else prior.get(s), None, unguarded[s], reason)
        for s in sorted(unguarded)
    )


@cites("42 CFR 422.166(a)(2)(i)", "42 CFR 423.186(a)(2)(i)")
def years_in_program(rating_year: int, first_rating_year: int) -> int:
    """Rating years the measure has been in the Star Ratings, counting the current one."""
    return rating_year - first_rating_year + 1


@cites("42 CFR 422.166(a)(2)(i)", "42 CFR 423.186(a)(2)(i)")
def guardrail_exemption(
    improvement: bool, rating_year: int, first_rating_year: int, unguarded_years: int
) -> GuardrailReason | None:
    """Why a measure gets no guardrail at all (improvement measure; new measure), or None when it is guarded."""
    if improvement:
        return GuardrailReason.IMPROVEMENT_MEASURE
    if years_in_program(rating_year, first_rating_year) <= unguarded_years:
        return GuardrailReason.NEW_MEASURE
    return None


@cites("42 CFR 422.166(a)(2)(i)", "42 CFR 423.186(a)(2)(i)")
def guard_cut_points(
    unguarded: Mapping[int, float],
    prior: Mapping[int, float] | None,
    prior_scores: Sequence[float] | FloatArray | None,
    *,
    scale_0_100: bool,
    improvement: bool,
    rating_year: int,
    first_rating_year: int,
    unguarded_years: int,
    absolute_cap_pp: float,
    restricted_range_cap_pct: float,
    fence_multiplier: float,
    quartile_method: QuartileMethod,
) -> tuple[GuardedThreshold, ...]:
    """The guardrail stage for one measure (and contract type): exemptions, cap size, bidirectional cap."""
    exempt = guardrail_exemption(improvement, rating_year, first_rating_year, unguarded_years)
    if exempt is not None:
        return unguarded_as(unguarded, exempt, prior)
    if not prior:
        return unguarded_as(unguarded, GuardrailReason.NO_PRIOR)
    cap = cap_for_measure(scale_0_100, absolute_cap_pp, restricted_range_cap_pct, prior_scores, fence_multiplier,
                          quartile_method)
    return apply_guardrail(unguarded, prior, cap.value)
