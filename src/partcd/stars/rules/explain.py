"""§§ 422.166(a)(2)(i), 423.186(a)(2)(i) - how a contract's star on a measure was reached, in words (4185-P L652, L2241).

Pure: builds the sentence from the score, the cut points, the boundary rule of the measure's
direction and the display precision (see :mod:`partcd.stars.rules.assign`); no I/O.
"""

from __future__ import annotations

from partcd.core.citation import cites
from partcd.stars.rules.assign import assign_star, select_cut_points
from partcd.stars.rules.models import ContractType, CutPoints, Measure, MeasureScore

CITATION = (
    "42 CFR 422.166(a)(2)(i) and 423.186(a)(2)(i) (CMS-4185-P L2241 / L3212; cut points split the scores into "
    "non-overlapping groups, L652); boundary inclusivity and rounding are CMS practice (CMS Star Ratings Technical "
    "Notes; shared/specs/stars.md §9 item 5)"
)


def _num(value: float, precision: int | None) -> str:
    if precision is not None:
        return f"{value:.{precision}f}"
    return f"{value:g}"


@cites("42 CFR 422.166(a)(2)(i)", "42 CFR 423.186(a)(2)(i)")
def explain_star(score: MeasureScore, cut_points: list[CutPoints], measure: Measure | None = None,
                 rating_year: int | None = None) -> str:
    """A paragraph explaining ``score``'s star: the score, the thresholds, the boundary rule, precision, citation."""
    mid = measure.measure_id if measure is not None else None
    label = f"{mid} {measure.name}" if measure is not None else score.measure_key
    year = f" in the {rating_year} Star Ratings" if rating_year is not None else ""
    who = f"Contract {score.contract_id}"
    if score.score is None:
        reason = score.missing_reason or "no score"
        return f"{who} has no star on {label}{year}: CMS shows {reason!r} instead of a score, so no cut point applies."
    cp = select_cut_points(score, cut_points)
    precision = measure.precision if measure is not None else None
    decision = assign_star(score.score, cp, precision)
    ctype = "" if cp.contract_type is ContractType.ALL else f" ({cp.contract_type.value} cut points)"
    parts = [f"{who} scored {_num(score.score, precision)} on {label}{year}{ctype}."]
    if precision is not None:
        if decision.score != decision.raw_score:
            parts.append(f"At the measure's display precision ({precision} decimals, halves rounded up) the score compared "
                         f"is {_num(decision.score, precision)}.")
        else:
            parts.append(f"Scores are compared at the measure's display precision ({precision} decimals, halves rounded up).")
    ordered = sorted(cp.thresholds.items())
    op = ">=" if cp.higher_is_better else "<="
    listing = ", ".join(f"{s} stars {op} {v:g}" for s, v in ordered)
    parts.append(f"The cut points are: {listing}.")
    if decision.lower_bound is not None and decision.upper_bound is not None:
        how = (f"it is {decision.lower_bound[0]} {decision.lower_bound[1]:g} (the {decision.stars}-star bound) and "
               f"{decision.upper_bound[0]} {decision.upper_bound[1]:g} (the next level's bound)")
    elif decision.lower_bound is not None:
        how = f"it is {decision.lower_bound[0]} {decision.lower_bound[1]:g}, the {decision.stars}-star bound (the top level)"
    else:
        assert decision.upper_bound is not None
        how = f"it is {decision.upper_bound[0]} {decision.upper_bound[1]:g}, the lowest cut point"
    parts.append(f"So the contract gets {decision.stars} star{'s' if decision.stars != 1 else ''}: {how}.")
    parts.append(f"Rule: {decision.rule}.")
    if cp.notes:
        parts.append("Notes: " + "; ".join(f"{s} stars: {n}" for s, n in sorted(cp.notes.items())) + ".")
    if measure is not None and measure.cahps:
        parts.append("This is a CAHPS measure: the thresholds are base-group cut points, and CMS's final star also "
                     "depends on significance and reliability tests (shared/specs/stars.md §9.1).")
    parts.append(f"Citation: {CITATION}.")
    return " ".join(parts)
