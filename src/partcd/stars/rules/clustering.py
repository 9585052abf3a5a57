"""§ 422.166(a)(2)(i), § 423.186(a)(2)(i) - hierarchical clustering of a measure's scores into star levels (4185-P L2241, L3212).

The rule names "hierarchal clustering" only (L2241); the linkage (Ward's minimum variance on the 1-D scores) and the
read-off of the cut points are CMS practice (shared/specs/stars.md §2.5, §9):

* the scores are cut into ``n_levels`` clusters (``star_levels_count`` of the rating year's parameters); clusters
  whose score ranges overlap are merged, so fewer levels can result;
* clusters are ordered by performance; the cut point of a star level is the **minimum** score of that level's cluster
  (the **maximum** when lower is better);
* with fewer clusters than levels the best cluster still gets the top level and the missing levels are the ones just
  below it: their thresholds coincide with the top cluster's (named choice ``top-aligned``; the rule is silent).

Improvement measures (CMS practice, §3 and §9 of the spec) are clustered separately for negative scores (1-2 stars)
and non-negative scores (3-5 stars) with the 3-star lower bound fixed at 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from partcd.core.citation import Cite, cites
from partcd.core.errors import RuleError
from partcd.stars.rules.ward import DEFAULT_TIE_RULE, TieRule
from partcd.stars.rules.ward import ward_labels as exact_ward_labels

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

_CITE = Cite(cfr="42 CFR 422.166(a)(2)(i), 423.186(a)(2)(i)")


def ward_labels(scores: FloatArray, n_clusters: int, *, ties: TieRule = DEFAULT_TIE_RULE) -> IntArray:
    """Ward clustering of 1-D scores: per-score cluster index 0..k-1, numbered in ascending score order.

    The one switch point for the Ward implementation used by every stage: the exact 1-D Ward of
    :mod:`partcd.stars.rules.ward` with the rating year's tie rule (``clustering_tie_rule_text``): ``"scipy"`` gives the same
    partition as scipy's ``fcluster(linkage(x, 'ward'), k, 'maxclust')``, ``"sas"`` SAS PROC CLUSTER's tie rule.
    Every clustering function here takes ``ties``; callers with a rating year pass its ``clustering_tie_rule_text``
    (the default, :data:`~partcd.stars.rules.ward.DEFAULT_TIE_RULE`, is the setting of every year's file so far).
    """
    return np.asarray(exact_ward_labels(scores, n_clusters, ties=ties), dtype=np.intp)


def scipy_ward_labels(scores: FloatArray, n_clusters: int) -> IntArray:
    """scipy's general O(n^2) Ward, labels 0..k-1 in ascending score order (reference for tests and benchmarks)."""
    from scipy.cluster.hierarchy import fcluster, linkage

    x = np.asarray(scores, dtype=np.float64)
    if x.size < 2:
        return np.zeros(x.size, dtype=np.intp)
    raw = fcluster(linkage(x.reshape(-1, 1), method="ward"), n_clusters, criterion="maxclust")
    return _relabel_ascending(x, np.asarray(raw, dtype=np.intp))


def _relabel_ascending(x: FloatArray, raw: IntArray) -> IntArray:
    labels = np.unique(raw)
    order = sorted(labels.tolist(), key=lambda lab: float(x[raw == lab].min()))
    mapping = {lab: i for i, lab in enumerate(order)}
    return np.array([mapping[int(v)] for v in raw], dtype=np.intp)


def cluster_ranges(scores: Sequence[float] | FloatArray, n_clusters: int, *, ties: TieRule = DEFAULT_TIE_RULE
                   ) -> list[tuple[float, float]]:
    """Score ranges ``(min, max)`` of the Ward clusters, ascending; clusters sharing a score range are merged."""
    x = np.asarray(scores, dtype=np.float64)
    if x.size == 0:
        raise RuleError("no scores to cluster", _CITE)
    if not np.all(np.isfinite(x)):
        raise RuleError("scores to cluster must be finite numbers", _CITE)
    if n_clusters < 1:
        raise RuleError(f"number of clusters must be at least 1, got {n_clusters}", _CITE)
    k = min(n_clusters, int(np.unique(x).size))
    labels = ward_labels(x, k, ties=ties) if k > 1 else np.zeros(x.size, dtype=np.intp)
    ranges = sorted((float(x[labels == lab].min()), float(x[labels == lab].max())) for lab in np.unique(labels))
    merged: list[tuple[float, float]] = [ranges[0]]
    for lo, hi in ranges[1:]:
        if lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


@cites("42 CFR 422.166(a)(2)(i)", "42 CFR 423.186(a)(2)(i)")
def cluster_cut_points(
    scores: Sequence[float] | FloatArray,
    n_levels: int,
    higher_is_better: bool = True,
    first_level: int = 1,
    *,
    ties: TieRule = DEFAULT_TIE_RULE,
) -> dict[int, float]:
    """One clustering run: thresholds for levels ``first_level + 1 .. first_level + n_levels - 1``.

    ``thresholds[s]`` is the lower bound of ``s`` stars (upper bound when lower is better): the minimum (maximum)
    score of the level-``s`` cluster.
    """
    x = np.asarray(scores, dtype=np.float64)
    oriented = x if higher_is_better else -x
    ranges = cluster_ranges(oriented, n_levels, ties=ties)
    lows = [lo for lo, _ in ranges]
    top = len(lows) - 1
    out: dict[int, float] = {}
    for i in range(1, n_levels):
        value = lows[min(i, top)]
        out[first_level + i] = value if higher_is_better else -value
    return out


@cites("42 CFR 422.166(a)(2)(i)", "42 CFR 423.186(a)(2)(i)")
def improvement_cut_points(
    scores: Sequence[float] | FloatArray,
    negative_levels: int,
    nonnegative_levels: int,
    floor: float,
    *,
    ties: TieRule = DEFAULT_TIE_RULE,
) -> dict[int, float]:
    """Improvement measures: scores below ``floor`` give levels 1..negative_levels, the others the levels above.

    The threshold of the first non-negative level is ``floor`` itself (3 stars at ">= 0"). Without negative scores the
    2-star threshold coincides with ``floor``; without non-negative scores the upper thresholds coincide with it too.
    """
    x = np.asarray(scores, dtype=np.float64)
    if x.size == 0:
        raise RuleError("no improvement scores to cluster", _CITE)
    neg, nonneg = x[x < floor], x[x >= floor]
    out: dict[int, float] = {}
    if neg.size:
        out.update(cluster_cut_points(neg, negative_levels, True, first_level=1, ties=ties))
    else:
        out.update(dict.fromkeys(range(2, negative_levels + 1), floor))
    out[negative_levels + 1] = floor
    if nonneg.size:
        out.update(cluster_cut_points(nonneg, nonnegative_levels, True, first_level=negative_levels + 1, ties=ties))
    else:
        out.update(dict.fromkeys(range(negative_levels + 2, negative_levels + nonnegative_levels + 1), floor))
    return out
