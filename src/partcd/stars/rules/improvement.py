"""§ 422.164(f)(1), § 423.184(f)(1) - the Part C and Part D improvement measures (4185-P L739, L815, L2212, L3183).

The steps of (f)(1) are REF-ONLY in the proposal except the new exclusion: a measure whose measure-level star was
reduced for data-integrity concerns in the current or prior year is not used ((f)(1)(v) Part C, (f)(1)(iv) Part D;
the preamble's "(f)(1)(iv)" for Part C is a drafting slip, stars.md §8). With the disaster rule (i)(7) / (i)(5), a
measure that reverted to the previous year's data leaves both the count and the calculation. The arithmetic is CMS
practice per the 2026 Technical Notes Attachment I (L5623-L5712):

* a measure is eligible when scored in both years without a specification change; its change is current - prior
  (prior - current when lower is better), significant when change / SE > 1.96 or < -1.96 with
  SE = sqrt(se2^2 + se1^2 - 2 r se2 se1) and one correlation r per measure;
* a significant decline on a measure rated 5 stars in both years counts as no change (hold-harmless);
* score = sum(weight x net improvement) / sum(weight x eligible), weights of the newer year (L5654);
* a contract is rated when it has both years' scores on at least half of the measures (L5625, 4185-P L815).

The score becomes a star through the improvement cut points (negative scores 1-2 stars, non-negative 3-5;
:func:`partcd.stars.rules.clustering.improvement_cut_points`); :func:`improvement_stars` assigns it.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from partcd.core.citation import Cite, cites
from partcd.core.errors import RuleError
from partcd.stars.rules.assign import assign_star
from partcd.stars.rules.models import CutPoints, Part
from partcd.stars.rules.params import RatingParams
from partcd.stars.rules.summary import minimum_rated

CITE_C = "42 CFR 422.164(f)(1)"
CITE_D = "42 CFR 423.184(f)(1)"

Change = Literal[1, 0, -1]


@dataclass(frozen=True)
class MeasureChange:
    """One attainment measure of one contract in the two years the improvement measure compares."""

    measure_key: str
    part: Part
    higher_is_better: bool
    weight: float  # the newer year's weight
    prior_score: float | None
    current_score: float | None
    prior_se: float | None = None
    current_se: float | None = None
    correlation: float = 0.0  # across contracts, one per measure (TN Table I-1, I-2)
    prior_stars: int | None = None
    current_stars: int | None = None
    required: bool = True  # the contract must report the measure
    integrity_reduced: bool = False  # reduced for data integrity in the current or prior year
    disaster_reverted: bool = False  # reverted to prior-year data in the current or prior rating year
    specification_changed: bool = False


@dataclass(frozen=True)
class MeasureOutcome:
    measure_key: str
    eligible: bool
    counted: bool  # in the count for the "at least half" test
    change: Change
    z: float | None
    reason: str


@dataclass(frozen=True)
class ImprovementScore:
    """A contract's improvement score, or None with the reason; per-measure outcomes for the explanation."""

    score: float | None
    eligible_count: int
    counted_count: int
    minimum_count: int
    net_weighted: float
    eligible_weighted: float
    measures: tuple[MeasureOutcome, ...]
    reason: str | None = None


def _cite(part: Part) -> str:
    return CITE_C if part is Part.C else CITE_D


@cites("42 CFR 422.164(f)(1)(v)", "42 CFR 423.184(f)(1)(iv)", "42 CFR 422.166(i)(7)", "42 CFR 423.186(i)(5)")
def exclusion_reason(m: MeasureChange) -> tuple[bool, str | None]:
    """(still counted?, reason) for a measure left out of the calculation, or (True, None) when eligible.

    Reverted under the disaster rule: out of the count and the calculation ((i)(7), (i)(5)). Reduced for data
    integrity in either year: out of the calculation ((f)(1)(v), (f)(1)(iv); L739). Not scored in both years or
    re-specified: not eligible (L739: "Only measures that have a numeric score for each of the 2 years").
    """
    if not m.required:
        return False, "not required of the contract"
    if m.disaster_reverted:
        return False, "reverted to the prior year's data under the disaster rule: out of the count and the calculation"
    if m.integrity_reduced:
        return True, "measure-level star reduced for data integrity in the current or prior year"
    if m.specification_changed:
        return True, "significant specification change between the two years"
    if m.prior_score is None or m.current_score is None:
        return True, "no numeric score in both years"
    return True, None


@cites("42 CFR 422.164(f)(1)", "42 CFR 423.184(f)(1)")
def change_standard_error(current_se: float, prior_se: float, correlation: float) -> float:
    """sqrt(se2^2 + se1^2 - 2 r se2 se1) (TN L5681, worked example L5709: 2.805, 3.000, 0.901 -> 1.305)."""
    if current_se < 0 or prior_se < 0 or not -1 <= correlation <= 1:
        raise RuleError("standard errors must be >= 0 and the correlation in [-1, 1]", Cite(cfr=CITE_C))
    return math.sqrt(max(current_se**2 + prior_se**2 - 2 * correlation * current_se * prior_se, 0.0))


@cites("42 CFR 422.164(f)(1)", "42 CFR 423.184(f)(1)")
def change_significance(m: MeasureChange, params: RatingParams) -> tuple[Change, float | None, str]:
    """+1 significant improvement, -1 significant decline, 0 otherwise (two-sided at 1.96, TN L5638-L5639); a
    significant decline on a measure at 5 stars in both years counts as no change (TN L5640-L5642)."""
    if m.prior_score is None or m.current_score is None:
        raise RuleError(f"{m.measure_key}: a change needs both years' scores", Cite(cfr=_cite(m.part)))
    change = m.current_score - m.prior_score if m.higher_is_better else m.prior_score - m.current_score
    if m.current_se is None or m.prior_se is None:
        raise RuleError(f"{m.measure_key}: a significance test needs both years' standard errors", Cite(cfr=_cite(m.part)))
    se = change_standard_error(m.current_se, m.prior_se, m.correlation)
    z = change / se if se > 0 else math.copysign(math.inf, change) if change else 0.0
    limit = params.improvement_significance_z_ratio
    if z > limit:
        return 1, z, f"significant improvement (z = {z:.3f} > {limit:g})"
    if z < -limit:
        top = params.improvement_hold_harmless_measure_stars
        if m.prior_stars == top and m.current_stars == top:
            return 0, z, f"significant decline held harmless: {top} stars in both years"
        return -1, z, f"significant decline (z = {z:.3f} < -{limit:g})"
    return 0, z, f"no significant change (|z| = {abs(z):.3f} <= {limit:g})"


@cites("42 CFR 422.164(f)(1)", "42 CFR 423.184(f)(1)")
def improvement_score(measures: Sequence[MeasureChange], params: RatingParams) -> ImprovementScore:
    """sum(w x net improvement) / sum(w x eligible) over the eligible measures (TN L5645-L5660), when the contract has
    both years on at least half of the counted measures (L5625)."""
    outcomes: list[MeasureOutcome] = []
    net = eligible_w = 0.0
    eligible = counted = 0
    for m in measures:
        in_count, why = exclusion_reason(m)
        counted += in_count
        if why is not None:
            outcomes.append(MeasureOutcome(m.measure_key, False, in_count, 0, None, why))
            continue
        change, z, reason = change_significance(m, params)
        eligible += 1
        net += m.weight * change
        eligible_w += m.weight
        outcomes.append(MeasureOutcome(m.measure_key, True, True, change, z, reason))
    minimum = minimum_rated(counted, params.improvement_minimum_rule_text)
    if counted == 0 or eligible < minimum or eligible_w == 0:
        why_not = f"Not enough data available: both years on {eligible} of {counted} measures, {minimum} needed"
        return ImprovementScore(None, eligible, counted, minimum, net, eligible_w, tuple(outcomes), why_not)
    return ImprovementScore(net / eligible_w, eligible, counted, minimum, net, eligible_w, tuple(outcomes))


@cites("42 CFR 422.164(f)(1)", "42 CFR 423.184(f)(1)")
def improvement_stars(score: float, cut_points: CutPoints) -> int:
    """The improvement star of a score from the improvement cut points (3 stars from 0 up; TN L5672-L5676)."""
    return assign_star(score, cut_points).stars


def reverted_measures(measures: Collection[MeasureChange]) -> frozenset[str]:
    """Keys of the measures the disaster rule took out of the count."""
    return frozenset(m.measure_key for m in measures if m.disaster_reverted)
