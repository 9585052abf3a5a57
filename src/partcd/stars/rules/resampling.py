"""§ 422.162(a), § 423.182(a) - mean resampling (4185-P L2191, L3162; preamble L632, L634, L681).

"measure-specific scores for the current year's Star Ratings are randomly separated into 10 equal-sized groups. The
hierarchal clustering algorithm is done 10 times, each time leaving one of the 10 groups out. The method results in
10 sets of measure-specific cut points. The mean cut point for each threshold per measure is calculated using the 10
values." (L2191)

Choices where the rule is silent (shared/specs/stars.md §2.5, §15): the groups are a simple random partition whose
sizes differ by at most 1 when n is not a multiple of 10 (a uniformly random permutation dealt out round-robin); the
random numbers come only from the ``numpy.random.Generator`` passed in (CMS's SAS SURVEYSELECT stream cannot be
reproduced); the averaged threshold is kept unrounded unless the ``observed-score`` projection is chosen.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt

from partcd.core.citation import Cite, cites
from partcd.core.errors import RuleError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: One clustering run on a subset of the scores -> thresholds by star level.
ClusterRun = Callable[[FloatArray], dict[int, float]]

Projection = Literal["none", "observed-score"]
PROJECTIONS: tuple[str, ...] = get_args(Projection)

_CITE = Cite(cfr="42 CFR 422.162(a), 423.182(a)")


@dataclass(frozen=True)
class ResamplingResult:
    """The mean threshold per star level and the per-run thresholds it was averaged from."""

    thresholds: dict[int, float]
    runs: tuple[dict[int, float], ...]
    group_sizes: tuple[int, ...]


@cites("42 CFR 422.162(a)", "42 CFR 423.182(a)")
def resampling_groups(n_scores: int, n_groups: int, rng: np.random.Generator) -> IntArray:
    """Random group index 0..n_groups-1 per score; group sizes differ by at most 1."""
    if n_groups < 2:
        raise RuleError(f"mean resampling needs at least 2 groups, got {n_groups}", _CITE)
    if n_scores < n_groups:
        raise RuleError(f"{n_scores} scores cannot be split into {n_groups} non-empty groups", _CITE)
    groups = np.empty(n_scores, dtype=np.intp)
    groups[rng.permutation(n_scores)] = np.arange(n_scores, dtype=np.intp) % n_groups
    return groups


@cites("42 CFR 422.162(a)", "42 CFR 423.182(a)")
def mean_resampled_thresholds(
    scores: Sequence[float] | FloatArray,
    cluster_run: ClusterRun,
    n_groups: int,
    rng: np.random.Generator,
) -> ResamplingResult:
    """Leave-one-group-out clustering ``n_groups`` times; each threshold is the mean of its ``n_groups`` values."""
    x = np.asarray(scores, dtype=np.float64)
    groups = resampling_groups(x.size, n_groups, rng)
    runs = tuple(cluster_run(x[groups != g]) for g in range(n_groups))
    levels = sorted(runs[0])
    if any(sorted(r) != levels for r in runs):
        raise RuleError("clustering runs returned different star levels", _CITE)
    means = {s: math.fsum(r[s] for r in runs) / len(runs) for s in levels}
    sizes = tuple(int(v) for v in np.bincount(groups, minlength=n_groups))
    return ResamplingResult(thresholds=means, runs=runs, group_sizes=sizes)


@cites("42 CFR 422.166(a)(2)(i)", "42 CFR 423.186(a)(2)(i)")
def single_run_thresholds(scores: Sequence[float] | FloatArray, cluster_run: ClusterRun) -> ResamplingResult:
    """The pre-2022 method: one clustering run on all scores (baseline methodology ``clustering-only``)."""
    x = np.asarray(scores, dtype=np.float64)
    run = cluster_run(x)
    return ResamplingResult(thresholds=dict(run), runs=(run,), group_sizes=(int(x.size),))


@cites("42 CFR 422.162(a)", "42 CFR 423.182(a)")
def project_threshold(
    threshold: float, scores: Sequence[float] | FloatArray, higher_is_better: bool, projection: Projection
) -> float:
    """``none``: the mean as is. ``observed-score``: the smallest observed score >= the mean (largest <= when lower
    is better), i.e. the threshold moved onto the scores actually seen without changing any contract's star."""
    if projection == "none":
        return threshold
    if projection != "observed-score":
        raise RuleError(f"unknown threshold projection {projection!r}; known: {', '.join(PROJECTIONS)}", _CITE)
    x = np.asarray(scores, dtype=np.float64)
    side = x[x >= threshold] if higher_is_better else x[x <= threshold]
    if side.size == 0:
        return threshold
    return float(side.min() if higher_is_better else side.max())
