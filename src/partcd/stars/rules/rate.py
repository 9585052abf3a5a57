"""§§ 422.166(c)-(g), (i); 423.186(c)-(g), (i) - a rating year's Part C summary, Part D summary and overall ratings.

:func:`rate` takes every contract's measure stars (after the measure-level disaster and data-integrity rules), the
contracts' CAI categories, the year's CAI values and the disaster shares, and returns per contract the three
ratings (half stars, or None with the reason), the highest rating, the reward factor and CAI applied and why. The
steps (2026 Technical Notes L965-L1101; references in the parameter file):

1. per rating and contract, the measure set and the minimum count (:func:`partcd.stars.rules.summary.measure_set`),
   with and without the improvement measures (and, for contracts at 25 percent or more of a disaster year of a new
   measure, with and without the new measures, § 422.166(i)(5), § 423.186(i)(3));
2. the weighted mean and variance of each variant;
3. reward-factor thresholds per rating type and variant from the rated contracts, leaving out contracts at 60 percent
   or more where the rating year has that rule (§ 422.166(i)(10), § 423.186(i)(8)), or the published thresholds;
4. mean + reward factor + CAI, rounded to half stars;
5. the improvement hold-harmless (4 stars or more) and the new-measure hold-harmless.

Pure: no I/O; the edge (:mod:`partcd.stars.pipelines.rate`) reads the files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from partcd.core.citation import cites
from partcd.stars.rules.cai import CaiAdjustment, CaiValues, cai_adjustment
from partcd.stars.rules.disaster import adjustment_applies, governing_share, new_measure_share, sixty_percent_years
from partcd.stars.rules.models import Measure
from partcd.stars.rules.params import RatingKey, RatingParams
from partcd.stars.rules.reward import (
    RewardFactor,
    RewardThresholds,
    ThresholdKey,
    excluded_from_thresholds,
    reward_factor,
    thresholds_by_key,
)
from partcd.stars.rules.summary import (
    ContractKind,
    ContractStars,
    DomainRating,
    MeasureSet,
    RatingType,
    WeightedRating,
    domain_ratings,
    half_star,
    high_performer,
    highest_rating_type,
    improvement_hold_harmless,
    low_performer,
    measure_set,
    measure_weights,
    rating_key,
    weighted_rating,
)


@dataclass(frozen=True)
class Variant:
    """One calculation of one rating: with or without the improvement / the new measures."""

    with_improvement: bool
    with_new_measures: bool
    weighted: WeightedRating
    reward: RewardFactor
    cai: CaiAdjustment
    raw: float  # mean + reward factor + CAI
    stars: float


@dataclass(frozen=True)
class RatingOutcome:
    """A contract's summary or overall rating: half stars or None with the reason, and how it was reached."""

    rating: RatingType
    stars: float | None
    reason: str | None
    chosen: Variant | None
    variants: tuple[Variant, ...]
    measures: MeasureSet | None
    notes: tuple[str, ...] = ()

    @property
    def reward_factor(self) -> float | None:
        return None if self.chosen is None else self.chosen.reward.value

    @property
    def cai(self) -> float | None:
        return None if self.chosen is None or not self.chosen.cai.applied else self.chosen.cai.value


@dataclass(frozen=True)
class ContractRating:
    contract_id: str
    kind: ContractKind
    part_c: RatingOutcome
    part_d: RatingOutcome
    overall: RatingOutcome
    highest_rating_type: RatingType
    highest_rating: float | None
    domains: tuple[DomainRating, ...]
    high_performer: bool
    low_performer: bool | None
    disaster_share_pct: float | None
    reasons: tuple[str, ...] = ()
    organization_type: str | None = None  # TN Table 6/7 type; None: the minimum is read from the data
    organization_type_source: str = "default"

    def outcome(self, rating: RatingType) -> RatingOutcome:
        return {RatingType.PART_C: self.part_c, RatingType.PART_D: self.part_d, RatingType.OVERALL: self.overall}[rating]


@dataclass(frozen=True)
class RatingRun:
    rating_year: int
    ratings: tuple[ContractRating, ...]
    thresholds: Mapping[ThresholdKey, RewardThresholds]
    excluded_from_thresholds: tuple[str, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    def by_contract(self) -> dict[str, ContractRating]:
        return {r.contract_id: r for r in self.ratings}


_VARIANTS = ((True, True), (False, True), (True, False), (False, False))


def _new_measures(measures: Sequence[Measure], rating_year: int, params: RatingParams) -> list[Measure]:
    first_new = rating_year - params.new_measure_years_count + 1
    return [m for m in measures if m.first_rating_year >= first_new and not m.improvement]


@cites("42 CFR 422.166(c)", "42 CFR 423.186(c)", "42 CFR 422.166(f)", "42 CFR 423.186(f)", "42 CFR 422.166(g)",
       "42 CFR 423.186(g)", "42 CFR 422.166(i)", "42 CFR 423.186(i)")
def rate(
    contracts: Sequence[ContractStars],
    measures: Sequence[Measure],
    rating_year: int,
    params: RatingParams,
    *,
    cai_categories: Mapping[str, Mapping[RatingKey, int | None]] | None = None,
    cai_values: CaiValues | None = None,
    disaster_shares: Mapping[str, Mapping[int, float]] | None = None,
    summary_history: Mapping[str, Sequence[tuple[float | None, float | None]]] | None = None,
    reward_thresholds: Mapping[ThresholdKey, RewardThresholds] | None = None,
) -> RatingRun:
    """Rate every contract of a rating year (see the module docstring for the steps).

    ``cai_values`` defaults to the parameter file's ``cai_values_table``; ``summary_history`` gives the previous
    years' (Part C, Part D) summaries, oldest first, for the low-performing icon; ``reward_thresholds`` replaces the
    computed thresholds (e.g. for what-if runs that keep the year's thresholds fixed).
    """
    categories = cai_categories or {}
    values = cai_values if cai_values is not None else params.cai_values_table
    shares = disaster_shares or {}
    new = _new_measures(measures, rating_year, params)
    new_keys = frozenset(m.measure_key for m in new)
    years_60 = sixty_percent_years(rating_year, params)

    sets: dict[tuple[str, RatingType, bool, bool], MeasureSet] = {}
    weighted: dict[tuple[str, RatingType, bool, bool], WeightedRating] = {}
    populations: dict[ThresholdKey, list[tuple[str, float, float | None]]] = {}
    for contract in contracts:
        weights = measure_weights(measures, contract, params)
        mine: dict[tuple[str, RatingType, bool, bool], WeightedRating] = {}
        for rating in RatingType:
            for with_imp, with_new in _VARIANTS:
                if not with_new and not new_keys:
                    continue
                ms = measure_set(contract, measures, rating, params, with_improvement=with_imp,
                                 excluded=() if with_new else new_keys)
                key = (contract.contract_id, rating, with_imp, with_new)
                sets[key] = ms
                if ms.eligible:
                    mine[key] = weighted_rating({k: contract.stars[k] for k in ms.used}, weights)
        summaries = all(sets[(contract.contract_id, r, True, True)].eligible for r in (RatingType.PART_C, RatingType.PART_D))
        for key, w in mine.items():
            if key[1] is RatingType.OVERALL and not summaries:
                continue  # the overall rating needs both summaries (TN L937)
            weighted[key] = w
            tk = ThresholdKey(rating_key(key[1], contract.kind), key[2], key[3])
            populations.setdefault(tk, []).append((contract.contract_id, w.mean, w.variance))

    excluded = tuple(sorted(c.contract_id for c in contracts
                            if excluded_from_thresholds(governing_share(shares.get(c.contract_id, {}), years_60), params)))
    thresholds = dict(reward_thresholds) if reward_thresholds is not None else thresholds_by_key(populations, params, excluded)

    results = [
        _rate_contract(contract, measures, rating_year, params, sets, weighted, thresholds, categories, values, shares,
                       new, summary_history)
        for contract in contracts
    ]
    notes: list[str] = []
    if values is None:
        notes.append(f"CAI values for rating year {rating_year} unknown: no CAI applied (give the year's CAI values)")
    if excluded:
        notes.append(f"{len(excluded)} contract(s) at {params.reward_disaster_exclusion_min_pct:g} percent or more left out "
                     "of the reward-factor thresholds (42 CFR 422.166(i)(10), 423.186(i)(8))")
    return RatingRun(rating_year, tuple(results), thresholds, excluded, tuple(notes))


def _variant(
    contract: ContractStars,
    rating: RatingType,
    with_imp: bool,
    with_new: bool,
    w: WeightedRating,
    thresholds: Mapping[ThresholdKey, RewardThresholds],
    categories: Mapping[str, Mapping[RatingKey, int | None]],
    values: CaiValues | None,
    params: RatingParams,
) -> Variant:
    rkey = rating_key(rating, contract.kind)
    th = thresholds.get(ThresholdKey(rkey, with_imp, with_new))
    rf = reward_factor(w.mean, w.variance, th, params) if th is not None else RewardFactor(0.0, "other", "high")
    cai = cai_adjustment(rkey, categories.get(contract.contract_id, {}).get(rkey), values)
    raw = w.mean + rf.value + cai.value
    return Variant(with_imp, with_new, w, rf, cai, raw, half_star(raw, params))


def _rate_contract(
    contract: ContractStars,
    measures: Sequence[Measure],
    rating_year: int,
    params: RatingParams,
    sets: Mapping[tuple[str, RatingType, bool, bool], MeasureSet],
    weighted: Mapping[tuple[str, RatingType, bool, bool], WeightedRating],
    thresholds: Mapping[ThresholdKey, RewardThresholds],
    categories: Mapping[str, Mapping[RatingKey, int | None]],
    values: CaiValues | None,
    shares: Mapping[str, Mapping[int, float]],
    new: Sequence[Measure],
    summary_history: Mapping[str, Sequence[tuple[float | None, float | None]]] | None,
) -> ContractRating:
    cid = contract.contract_id
    highest = highest_rating_type(contract.kind)
    contract_shares = shares.get(cid, {})
    new_share = new_measure_share(new, contract.stars, contract_shares, rating_year, params) if new else None
    new_hold_harmless = adjustment_applies(new_share, params) and any(m.measure_key in contract.stars for m in new)
    outcomes: dict[RatingType, RatingOutcome] = {}
    for rating in RatingType:
        ms = sets[(cid, rating, True, True)]
        if (cid, rating, True, True) not in weighted:
            reason = ms.reason
            if reason is None and rating is RatingType.OVERALL:
                reason = "Not enough data available: the overall rating needs both the Part C and Part D summaries"
            outcomes[rating] = RatingOutcome(rating, None, reason, None, (), ms)
            continue
        applies = params.improvement_hold_harmless_scope_text == "all-ratings" or rating is highest
        per_new: dict[bool, tuple[float | None, Variant | None, tuple[str, ...]]] = {}
        variants: list[Variant] = []
        for with_new in ((True, False) if new_hold_harmless else (True,)):
            made = {imp: _variant(contract, rating, imp, with_new, weighted[(cid, rating, imp, with_new)], thresholds,
                                  categories, values, params)
                    for imp in (True, False) if (cid, rating, imp, with_new) in weighted}
            variants += made.values()
            with_imp = made.get(True)
            without_imp = made.get(False)
            if with_imp is None or without_imp is None or \
                    with_imp.weighted.measures_count == without_imp.weighted.measures_count:
                only = with_imp or without_imp
                per_new[with_new] = (None if only is None else only.stars, only, ())
                continue
            hh = improvement_hold_harmless(with_imp.stars, without_imp.stars, applies, params)
            per_new[with_new] = (hh.stars, without_imp if hh.used_without else with_imp, hh.notes)
        stars, chosen, notes = per_new[True]
        if new_hold_harmless and False in per_new:
            without_new = per_new[False]
            if stars is not None and without_new[0] is not None and stars < without_new[0]:
                notes = (*without_new[2], f"new-measure hold-harmless: {without_new[0]:g} without the new measures > "
                         f"{stars:g} with them (disaster share {new_share:g} percent)")
                stars, chosen = without_new[0], without_new[1]
        if chosen is not None and not chosen.cai.applied and chosen.cai.reason:
            notes = (*notes, chosen.cai.reason)
        outcomes[rating] = RatingOutcome(rating, stars, None, chosen, tuple(variants), ms, notes)
    highest_stars = outcomes[highest].stars
    history = list((summary_history or {}).get(cid, ()))
    history.append((outcomes[RatingType.PART_C].stars, outcomes[RatingType.PART_D].stars))
    share_years = sixty_percent_years(rating_year, params)
    reasons = [f"highest rating: {highest.value}"]
    return ContractRating(
        contract_id=cid, kind=contract.kind, part_c=outcomes[RatingType.PART_C], part_d=outcomes[RatingType.PART_D],
        overall=outcomes[RatingType.OVERALL], highest_rating_type=highest, highest_rating=highest_stars,
        domains=tuple(domain_ratings(contract, measures, params)),
        high_performer=high_performer(highest_stars, params),
        low_performer=low_performer(history, params) if summary_history is not None else None,
        disaster_share_pct=governing_share(contract_shares, share_years), reasons=tuple(reasons),
        organization_type=None if contract.organization_type is None else contract.organization_type.value,
        organization_type_source=contract.organization_type_source.value,
    )
