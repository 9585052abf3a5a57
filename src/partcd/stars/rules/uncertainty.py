"""How sure is a rating? Repeated rating of a year under score noise and alternative cut points (beyond CMS).

Not a CMS rule: CMS rates once. Each repetition draws every simulated score from N(score, standard error), rounds it
to the measure's display precision (half up, as CMS compares scores; shared/specs/stars.md §9), assigns measure stars
with one of the given cut-point sets (e.g. the mean-resampling results of different seeds), keeps the fixed stars of
measures that are not simulated (CAHPS, improvement, measures without a score), and rates the year with
:class:`~partcd.stars.rules.fastrate.RatingFrame` (§§ 422.166(c)-(g), 423.186(c)-(g)). The result is, per contract,
the share of repetitions giving each half-star rating and each measure star. Randomness only through the given
``numpy.random.Generator``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from partcd.core.citation import Cite, cites
from partcd.core.errors import RuleError
from partcd.stars.rules.fastrate import FloatArray, RatingFrame

#: Half-star ratings 0, 0.5, ..., 5 (index = 2 x rating).
HALF_STARS = tuple(i / 2 for i in range(11))


@dataclass(frozen=True)
class CutPointSet:
    """Thresholds of 2..5 stars per measure: ``thresholds[g, m, s - 2]`` for contract group g (0: MA-PD and MA-only,
    1: PDP - Part D cut points differ), NaN rows for measures without cut points."""

    thresholds: FloatArray  # (2, measures, 4)


@dataclass(frozen=True)
class ScoreModel:
    """What a repetition varies and what it keeps, in the frame's contract x measure order."""

    scores: FloatArray  # (contracts, measures) numeric scores, NaN where the star is fixed
    standard_errors: FloatArray | None  # same shape; None: no score noise (cut-point variation only)
    fixed_stars: FloatArray  # (contracts, measures) stars of the measures not simulated, NaN where simulated / none
    precision: npt.NDArray[np.int_]  # (measures,) display decimals
    higher_is_better: npt.NDArray[np.bool_]  # (measures,)


@dataclass(frozen=True)
class Uncertainty:
    """Per contract the share of repetitions with each overall / summary rating, and each measure star."""

    repetitions: int
    overall: FloatArray  # (contracts, 11) over HALF_STARS; rows sum to the share of repetitions with a rating
    part_c: FloatArray
    part_d: FloatArray
    highest: FloatArray
    measure_stars: FloatArray  # (contracts, measures, 5) shares of 1..5 stars


def _round_half_up(x: FloatArray, precision: npt.NDArray[np.int_]) -> FloatArray:
    scale = 10.0 ** precision.astype(np.float64)
    return np.floor(x * scale + 0.5) / scale


@cites("42 CFR 422.166(a)(2)", "42 CFR 423.186(a)(2)")
def assign_stars(scores: FloatArray, cut_points: CutPointSet, groups: npt.NDArray[np.int_],
                 higher_is_better: npt.NDArray[np.bool_]) -> FloatArray:
    """Measure stars of a score array: higher is better -> 1 + number of thresholds reached (score >= c), lower is
    better -> 1 + number of thresholds with score <= c; NaN where the score or the cut points are missing."""
    th = cut_points.thresholds[groups]  # (contracts, measures, 4)
    s = scores[:, :, None]
    reached = np.where(higher_is_better[None, :, None], s >= th, s <= th)
    stars = 1.0 + reached.sum(axis=2)
    missing = np.isnan(scores) | np.isnan(th).any(axis=2)
    return np.where(missing, np.nan, stars)


def _shares(values: FloatArray, repetitions: int) -> FloatArray:
    out = np.zeros((values.shape[1], len(HALF_STARS)))
    idx = np.round(values * 2)
    for k in range(len(HALF_STARS)):
        out[:, k] = (idx == k).sum(axis=0) / repetitions
    return out


@cites("42 CFR 422.166(c)", "42 CFR 423.186(c)")
def simulate(
    frame: RatingFrame,
    model: ScoreModel,
    cut_point_sets: Sequence[CutPointSet],
    rng: np.random.Generator,
    repetitions: int,
) -> Uncertainty:
    """Rate the year ``repetitions`` times (see the module docstring); repetition r uses cut-point set r mod len."""
    if repetitions < 1 or not cut_point_sets:
        raise RuleError("need at least one repetition and one cut-point set", Cite(cfr="42 CFR 422.166(a)(2)"))
    n, m = model.scores.shape
    if (n, m) != (len(frame.contract_ids), len(frame.measure_keys)):
        raise RuleError(f"score model is {n} x {m}, the frame {len(frame.contract_ids)} x {len(frame.measure_keys)}",
                        Cite(cfr="42 CFR 422.166(c)"))
    groups = (frame.kinds == 2).astype(np.int_)
    simulated = ~np.isnan(model.scores)
    results = {name: np.empty((repetitions, n)) for name in ("overall", "part_c", "part_d", "highest")}
    star_counts = np.zeros((n, m, 5))
    for r in range(repetitions):
        scores = model.scores
        if model.standard_errors is not None:
            noise = rng.standard_normal((n, m)) * np.nan_to_num(model.standard_errors)
            scores = _round_half_up(scores + noise, model.precision)
        stars = assign_stars(scores, cut_point_sets[r % len(cut_point_sets)], groups, model.higher_is_better)
        stars = np.where(simulated, stars, model.fixed_stars)
        for k in range(5):
            star_counts[:, :, k] += stars == k + 1
        rated = frame.rate(stars)
        results["overall"][r], results["part_c"][r], results["part_d"][r] = rated.overall, rated.part_c, rated.part_d
        results["highest"][r] = rated.highest(frame.kinds)
    return Uncertainty(
        repetitions=repetitions,
        overall=_shares(results["overall"], repetitions), part_c=_shares(results["part_c"], repetitions),
        part_d=_shares(results["part_d"], repetitions), highest=_shares(results["highest"], repetitions),
        measure_stars=star_counts / repetitions,
    )
