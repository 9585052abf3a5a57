"""§ 422.166(i)(2)-(6), (i)(9); § 423.186(i)(2)-(4), (i)(7) - public scores that may be carried over, and what they do to
the cut points (4185-P L2245-L2311, L3216-L3252).

For a contract with 25 percent or more of its enrollees in FEMA Individual Assistance areas, the higher-of rules give
each measure the star *and the score* of the better of the two years (TN 2026 L759-L769), and CMS's public Measure Data
shows that adjusted score. CMS clusters the current year's actual scores of those contracts (the 60 percent rule, where
the rating year has it, leaves out only the contracts at 60 percent or more; from 2026 nobody is left out), so cut
points re-derived from the public file see the better of two years where CMS saw this year's score: the low tail CMS
clustered can be missing, and the lowest thresholds come out too high.

This module makes that visible (the issue-10 note on held-out years):

* :func:`possibly_carried_over` - per contract, the clustered measures whose public score may be the adjusted one
  (affected for the measure's disaster years, not an unadjusted call-center measure, not already left out by the 60
  percent rule, not replaced by the plan's own actual score), and - given the prior year's public scores - which of
  them equal last year's public score exactly (the visible trace of a carried-over score);
* :func:`without_pairs` - the scores without those contract x measure pairs, for a sensitivity run whose threshold
  shifts say how much the cut points could move (:func:`threshold_shifts`);
* :func:`replace_scores` - the public scores with a plan's own actual scores put in their place.

Pure functions over records already read; the pipeline (:func:`partcd.stars.pipelines.run_cut_points`) calls them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from partcd.core.errors import InputError
from partcd.stars.rules.cutpoints import MeasureCutPoints
from partcd.stars.rules.disaster import adjustment_applies, disaster_years, governing_share
from partcd.stars.rules.models import Measure, MeasureScore
from partcd.stars.rules.params import RatingParams

CITATION = ("42 CFR 422.166(i)(2)(iv), (i)(3)(iv), (i)(4)(v), (i)(6)(i) and 423.186(i)(2)(iv), (i)(4)(i): the higher of "
            "the two years' stars with that year's score; 42 CFR 422.166(i)(9), 423.186(i)(7): the 60 percent rule")


@dataclass(frozen=True)
class CarriedOver:
    """A disaster-affected contract whose public scores on ``measures`` may be the adjusted (higher-of) ones."""

    contract_id: str
    share_pct: float  # the largest governing share over its flagged measures
    measures: tuple[str, ...]  # measure ids (of the rating year) whose public score may be carried over
    same_as_prior: tuple[str, ...]  # of those, the ones equal to the prior year's public score (None: no prior scores)
    prior_scores_given: bool

    def to_dict(self) -> dict[str, object]:
        return {"contract_id": self.contract_id, "share_pct": self.share_pct, "measures": list(self.measures),
                "same_as_prior": list(self.same_as_prior) if self.prior_scores_given else None}


@dataclass(frozen=True)
class ThresholdShift:
    """One threshold computed from the public scores and again without the possibly carried-over scores."""

    measure_id: str
    measure_key: str
    contract_type: str
    threshold: int
    value: float
    unguarded: float
    without_value: float
    without_unguarded: float
    clustered: int
    without_clustered: int
    reseeded_value: float  # the public-score run again with the next seed

    @property
    def seed_noise(self) -> float:
        """How much the same threshold moves under another seed alone (the resampling groups differ)."""
        return self.reseeded_value - self.value

    @property
    def shift(self) -> float:
        return self.without_value - self.value

    @property
    def unguarded_shift(self) -> float:
        return self.without_unguarded - self.unguarded


def possibly_carried_over(
    measures: Sequence[Measure],
    scores: Sequence[MeasureScore],
    shares: Mapping[str, Mapping[int, float]],
    rating_year: int,
    params: RatingParams,
    *,
    excluded_contracts: Collection[str] = (),
    replaced: Collection[tuple[str, str]] = (),
    prior_scores: Sequence[MeasureScore] | None = None,
) -> list[CarriedOver]:
    """Contracts whose public scores may be the disaster-adjusted ones (see the module docstring), by contract id.

    Only clustered measures count (not CAHPS, not improvement; CAHPS scores are adjusted too but not clustered).
    ``excluded_contracts`` are already out of the clustering (60 percent rule, ``--exclude``); ``replaced`` pairs
    (contract_id, measure_key) carry the plan's own actual score.
    """
    by_key = {m.measure_key: m for m in measures}
    prior = {(s.contract_id, s.measure_key): s.score for s in prior_scores or () if s.score is not None}
    out: dict[str, tuple[float, list[str], list[str]]] = {}
    for s in scores:
        m = by_key.get(s.measure_key)
        if (m is None or s.score is None or m.cahps or m.improvement or s.contract_id in excluded_contracts
                or (s.contract_id, s.measure_key) in replaced or m.measure_key in params.disaster_unadjusted_measures_list):
            continue
        share = governing_share(shares.get(s.contract_id, {}), disaster_years(m, rating_year, params))
        if not adjustment_applies(share, params):
            continue
        assert share is not None
        top, flagged, same = out.setdefault(s.contract_id, (share, [], []))
        flagged.append(m.measure_id)
        if prior.get((s.contract_id, s.measure_key)) == s.score:
            same.append(m.measure_id)
        out[s.contract_id] = (max(top, share), flagged, same)
    return [CarriedOver(cid, share, tuple(flagged), tuple(same), prior_scores is not None)
            for cid, (share, flagged, same) in sorted(out.items())]


def flagged_pairs(carried: Sequence[CarriedOver], measures: Sequence[Measure]) -> frozenset[tuple[str, str]]:
    """The (contract_id, measure_key) pairs of :func:`possibly_carried_over`."""
    key_of = {m.measure_id: m.measure_key for m in measures}
    return frozenset((c.contract_id, key_of[mid]) for c in carried for mid in c.measures)


def without_pairs(scores: Sequence[MeasureScore], pairs: Collection[tuple[str, str]]) -> list[MeasureScore]:
    """The scores without the given (contract_id, measure_key) pairs."""
    return [s for s in scores if (s.contract_id, s.measure_key) not in pairs]


def threshold_shifts(public: Sequence[MeasureCutPoints], without: Sequence[MeasureCutPoints],
                     reseeded: Sequence[MeasureCutPoints]) -> list[ThresholdShift]:
    """Every threshold of the public-score run next to the same threshold of the run without the flagged pairs (same
    seed) and of the public-score run with the next seed (the resampling noise a shift must exceed to mean much)."""
    other = {(r.measure.measure_key, r.contract_type): r for r in without}
    noise = {(r.measure.measure_key, r.contract_type): {t.threshold: t.final for t in r.thresholds} for r in reseeded}
    out: list[ThresholdShift] = []
    for r in public:
        key = (r.measure.measure_key, r.contract_type)
        alt = other.get(key)
        if alt is None:
            continue
        alt_by = {t.threshold: t for t in alt.thresholds}
        out.extend(
            ThresholdShift(r.measure.measure_id, r.measure.measure_key, r.contract_type.value, t.threshold, t.final,
                           t.unguarded, alt_by[t.threshold].final, alt_by[t.threshold].unguarded, r.n_clustered,
                           alt.n_clustered, noise.get(key, {}).get(t.threshold, t.final))
            for t in r.thresholds if t.threshold in alt_by
        )
    return out


def replace_scores(scores: Sequence[MeasureScore], actual: Sequence[MeasureScore], file: str,
                   ) -> tuple[list[MeasureScore], list[tuple[str, str, float | None, float | None]]]:
    """The public scores with the plan's own actual scores in their place; every actual score must name a contract
    and measure of the public file. Returns the scores and (contract_id, measure_key, public, actual) per replacement."""
    index = {(s.contract_id, s.measure_key): i for i, s in enumerate(scores)}
    out = list(scores)
    done: list[tuple[str, str, float | None, float | None]] = []
    for a in actual:
        i = index.get((a.contract_id, a.measure_key))
        if i is None:
            raise InputError(file, None, "contract_id",
                             f"{a.contract_id} {a.measure_key}: not in the public scores (an actual score replaces one)")
        public = out[i]
        out[i] = replace(public, score=a.score, missing_reason=a.missing_reason)
        done.append((a.contract_id, a.measure_key, public.score, a.score))
    return out, done
