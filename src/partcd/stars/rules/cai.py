"""§ 422.166(f)(2), § 423.186(f)(2) - the Categorical Adjustment Index (CAI) added to summary and overall ratings.

Not in CMS-4185-P (shared/specs/stars.md §4: no mention of "categorical" or "CAI"); CMS practice per the 2026
Technical Notes (L1103-L1155): each contract falls in a final adjustment category (FAC) per rating type - Part C
summary, Part D summary (MA-PD and PDP separately) and overall - and every contract of a category gets that
category's CAI value, computed and published by CMS for the rating year (e.g. 2026 Tables 12, 15, 18, 21). CMS's CAI
data table lists each contract's categories, the Technical Notes the values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from partcd.core.citation import Cite, cites
from partcd.core.errors import RuleError
from partcd.stars.rules.params import RATING_KEYS, RatingKey

CITE = "42 CFR 422.166(f)(2), 423.186(f)(2)"

#: CAI value per rating type and final adjustment category.
CaiValues = Mapping[RatingKey, Mapping[int, float]]


@dataclass(frozen=True)
class CaiAdjustment:
    """The CAI applied to one rating, or why none was (``value`` 0 then)."""

    value: float
    category: int | None
    applied: bool
    reason: str | None = None


@cites("42 CFR 422.166(f)(2)", "42 CFR 423.186(f)(2)")
def cai_adjustment(rating: RatingKey, category: int | None, values: CaiValues | None) -> CaiAdjustment:
    """The CAI value of a contract's final adjustment category for a rating type (TN L1154: the same for every
    contract of the category). Without a category (CMS writes "N/A", e.g. for contracts not rated on that type) or
    without the year's values, no CAI is applied and the reason says which is missing."""
    if rating not in RATING_KEYS:
        raise RuleError(f"unknown rating type {rating!r}; known: {', '.join(RATING_KEYS)}", Cite(cfr=CITE))
    if category is None:
        return CaiAdjustment(0.0, None, False, f"no {rating} final adjustment category for the contract")
    if values is None:
        return CaiAdjustment(0.0, category, False,
                             "CAI values of this rating year unknown (published in its Technical Notes): CAI not applied")
    table = values.get(rating)
    if table is None or category not in table:
        raise RuleError(f"no CAI value for {rating} final adjustment category {category}", Cite(cfr=CITE))
    return CaiAdjustment(table[category], category, True)


def check_cai_values(values: Mapping[str, Mapping[int, float]]) -> dict[RatingKey, dict[int, float]]:
    """Validate a CAI value table: known rating types, categories numbered 1..n without gaps, values within +-1 star."""
    out: dict[RatingKey, dict[int, float]] = {}
    for rating, table in values.items():
        if rating not in RATING_KEYS:
            raise RuleError(f"unknown rating type {rating!r} in CAI values; known: {', '.join(RATING_KEYS)}", Cite(cfr=CITE))
        cats = sorted(table)
        if cats != list(range(1, len(cats) + 1)):
            raise RuleError(f"{rating}: final adjustment categories must be 1..n, got {cats}", Cite(cfr=CITE))
        bad = {c: v for c, v in table.items() if not -1 < v < 1}
        if bad:
            raise RuleError(f"{rating}: CAI values must be within (-1, 1) star, got {bad}", Cite(cfr=CITE))
        out[rating] = dict(table)
    return out
