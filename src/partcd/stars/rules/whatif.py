"""What if a measure star, a disaster share or a parameter were different? Every rating that moves, with why.

Beyond CMS: two runs of :func:`partcd.stars.rules.rate.rate` (§§ 422.166(c)-(g), (i); 423.186(c)-(g), (i)) - the
baseline and the changed inputs - are compared contract by contract; for each summary or overall rating that moves
the explanation names what changed in its calculation (weighted mean, reward factor and its thresholds, CAI, the
improvement or new-measure hold-harmless, the minimum count). Measure stars are changed with :func:`with_stars`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from partcd.core.citation import Cite, cites
from partcd.core.errors import RuleError
from partcd.stars.rules.rate import RatingOutcome, RatingRun
from partcd.stars.rules.reward import ThresholdKey
from partcd.stars.rules.summary import ContractStars, RatingType, rating_key


@dataclass(frozen=True)
class RatingMove:
    contract_id: str
    rating: RatingType
    before: float | None
    after: float | None
    why: tuple[str, ...]


def with_stars(contracts: Sequence[ContractStars], changes: Mapping[str, Mapping[str, int | None]]) -> list[ContractStars]:
    """The contracts with some measure stars replaced (None removes a star); unknown contracts are refused."""
    known = {c.contract_id for c in contracts}
    unknown = sorted(set(changes) - known)
    if unknown:
        raise RuleError(f"what-if names contracts that are not rated: {', '.join(unknown)}", Cite(cfr="42 CFR 422.166(c)"))
    out = []
    for c in contracts:
        change = changes.get(c.contract_id)
        if not change:
            out.append(c)
            continue
        stars = dict(c.stars)
        for key, value in change.items():
            if value is None:
                stars.pop(key, None)
            else:
                stars[key] = value
        out.append(replace(c, stars=stars))
    return out


def _explain(before: RatingOutcome, after: RatingOutcome, tb: Mapping[ThresholdKey, object],
             ta: Mapping[ThresholdKey, object], key: ThresholdKey | None) -> list[str]:
    why: list[str] = []
    if before.chosen is None or after.chosen is None:
        why.append(f"rated: {before.reason or 'yes'} -> {after.reason or 'yes'}")
        return why
    b, a = before.chosen, after.chosen
    if abs(b.weighted.mean - a.weighted.mean) > 1e-9:
        why.append(f"weighted mean {b.weighted.mean:.6f} -> {a.weighted.mean:.6f}")
    if b.reward.value != a.reward.value:
        why.append(f"reward factor {b.reward.value:g} ({b.reward.mean_category}, {b.reward.variance_category} variance)"
                   f" -> {a.reward.value:g} ({a.reward.mean_category}, {a.reward.variance_category} variance)")
    if key is not None and tb.get(key) != ta.get(key):
        why.append("reward-factor thresholds moved (the population changed)")
    if b.cai.value != a.cai.value:
        why.append(f"CAI {b.cai.value:+g} -> {a.cai.value:+g}")
    if b.with_improvement != a.with_improvement:
        why.append("improvement hold-harmless " + ("lifted" if a.with_improvement else "applied"))
    if b.with_new_measures != a.with_new_measures:
        why.append("new-measure hold-harmless " + ("lifted" if a.with_new_measures else "applied"))
    why.append(f"raw {b.raw:.6f} -> {a.raw:.6f}")
    return why


@cites("42 CFR 422.166(c)", "42 CFR 423.186(c)")
def rating_moves(before: RatingRun, after: RatingRun) -> list[RatingMove]:
    """Every summary or overall rating that differs between two runs of the same year, with the reasons."""
    if before.rating_year != after.rating_year:
        raise RuleError("what-if compares runs of one rating year", Cite(cfr="42 CFR 422.166(c)"))
    a_by = after.by_contract()
    moves: list[RatingMove] = []
    for rb in before.ratings:
        ra = a_by.get(rb.contract_id)
        if ra is None:
            continue
        for rating in RatingType:
            ob, oa = rb.outcome(rating), ra.outcome(rating)
            if ob.stars == oa.stars:
                continue
            key = ThresholdKey(rating_key(rating, rb.kind), oa.chosen.with_improvement, oa.chosen.with_new_measures) \
                if oa.chosen is not None else None
            moves.append(RatingMove(rb.contract_id, rating, ob.stars, oa.stars,
                                    tuple(_explain(ob, oa, before.thresholds, after.thresholds, key))))
    return moves
