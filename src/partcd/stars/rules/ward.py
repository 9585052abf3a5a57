"""§ 422.166(a)(2)(i) / § 423.186(a)(2)(i) - exact Ward clustering of one-dimensional measure scores (4185-P L2241 / L3212).

The rule clusters "the current year's data" hierarchically (4185-P L2241 = L3212); CMS practice is Ward's
minimum-variance method on the one-dimensional scores, cut into 5 levels (SAS ``proc tree ncl=5``), usually
reproduced as ``scipy.cluster.hierarchy.fcluster(linkage(x.reshape(-1, 1), "ward"), 5, "maxclust")``. scipy's Ward
is O(n^2) in time and memory; this module computes the same tree in one dimension in O(n log n) (a sort, then an
O(n) nearest-neighbour chain along the sorted line), and offers SAS's tie rule as a named alternative.

Why adjacent merges suffice (proof)
-----------------------------------
Ward's merge cost of clusters A, B (sizes a, b, means mA, mB) is ``D(A,B) = ab/(a+b) * (mA - mB)^2``; scipy
reports the height ``sqrt(2 * D)``. Suppose the current clusters are intervals of the sorted scores (true for
singletons). Lemma: for clusters A < B < C (in score order, a, b, c >= 1) with x = mB - mA >= 0,
y = mC - mB >= 0 and x + y > 0, ``D(A,C) > min(D(A,B), D(B,C))``. Proof: if x = 0 or y = 0 the minimum is 0 < D(A,C).
Otherwise ab/(a+b) < a and bc/(b+c) < c, so min(D(A,B), D(B,C)) < min(a x^2, c y^2) <= the value at
a x^2 = c y^2, which is ac (x+y)^2 / (sqrt(a) + sqrt(c))^2 < ac (x+y)^2 / (a+c) = D(A,C).
Applied along the clusters between two non-adjacent clusters (induction on how many lie between), every
non-adjacent pair costs strictly more than some adjacent pair, so Ward's global minimum is always an adjacent
pair: the merged cluster is again an interval, and by induction every Ward merge joins neighbours on the line.
(When all means are equal every cost is 0: the only ties this lemma leaves open, see below.)

Why a local minimum may be merged at once (nearest-neighbour chain): if an adjacent neighbour L of A absorbs the
cluster L' on its far side, ``D(L u L', A) >= D(L, A)``, because both |L| and |mA - mL| grow. So the costs around a pair
that is cheaper than both of its neighbouring pairs can only rise until that pair is merged; following a chain of
strictly cheaper adjacent pairs and merging each pair that is cheaper than its two neighbours therefore builds
Ward's tree (the reducibility argument of the NN-chain algorithm, restricted to the line).

Ties: scipy, SAS and the real data
----------------------------------
With distinct merge costs the tree is unique and this module's tree, heights (to rounding, about 1e-13 relative)
and flat clusters equal scipy's. When two overlapping adjacent pairs cost exactly the same - common with integer
percentages (counts 5, 8, 5 at 70, 71, 72) - Ward's tree is not unique, and on CMS data the choice cascades: in the
2024 and 2025 Measure Data all 80 numeric measure columns have such ties below the 5-cluster cut, and the tie-break
changes the 5 clusters of about a third of them (2025 C14, 531 scores: twelve random tie-breaks of exact greedy Ward
give ten different sets of cluster minima, the 5-star one anywhere from 81 to 91; scipy gives 89, ``ties="sas"``
in file order 91). scipy breaks these ties by the rounding noise of its
Lance-Williams updates (for ``[0, 0, 2, 3, 5, 5]`` into 2 clusters it puts ``2, 3`` with ``5, 5``, though ``0, 0``
costs exactly the same), which no method without its O(n^2) distance matrix can reproduce.
``fcluster(..., "maxclust")`` keeps every merge whose height does not exceed the (n-k)-th smallest height, so
merges tied at the cut stay together (fewer than k clusters).

Equal scores first: nothing is nearer than distance 0, so equal scores always join first at height 0 and a
block of equal scores is never split above the cut. ``ties="scipy"`` therefore runs the chain over the d distinct
scores weighted by their counts (d <= 101 for integer percentages, however many contracts) and reads fcluster's cut
off the d - 1 block heights. It flags "tie-sensitive" inputs: a merge at or below the cut whose cost is within
``TIE_TOLERANCE`` (relative) of an overlapping adjacent pair's cost - unless the three clusters merge next whichever
pair goes first and stay below the cut - or a first merge above the cut within that tolerance of the cut height
(exact-zero ties between equal scores never matter). Unflagged inputs need no tie-break: the chain's clusters are
scipy's. Flagged inputs of at most ``SCIPY_TIE_MAX_N`` scores are clustered by scipy itself (``exact_ties=True``),
so :func:`ward_labels` equals scipy's labels (up to numbering) on every input of that size; larger ones, and all
with ``exact_ties=False``, keep the chain's deterministic choice (the chain's previous pair, else the lower pair),
a valid Ward tree that may differ from scipy's anywhere above the first flagged tie.

How many CMS inputs are tie-sensitive, measured on the leave-one-group-out runs of the full cut points of 2024, 2025
and 2026 (400, 400 and 430 runs: 40, 40 and 43 measure x contract-type sets, Tukey deletion, seed 8675309): 268, 265
and 281 are flagged at the block level (2025: 377 were flagged before the collapse, scores one by one). An exact
search of every tie-break (greedy Ward over the blocks in integer arithmetic, every exactly tied overlapping merge
explored) shows that 209, 198 and 221 of them give different 5-cluster partitions under different tie-breaks (219,
205 and 230 if costs within ``TIE_TOLERANCE`` count as tied) - only scipy's rounding decides them - and the rest the
same clusters whichever way: the flag is conservative by about a quarter, and no flagged run is missed. That search
costs tens of milliseconds a run in Python, far more than the scipy call it would save. scipy's rounding cannot be
had more cheaply either: ``nn_chain`` redone in vectorised numpy (the same Lance-Williams operations in the same
order) gives its linkage bit for bit on every real run tried (138 of 138) but is about 12x slower than the C code,
and its result depends on every pairwise distance, so nothing short of the O(n^2) matrix reproduces it. Identical
thresholds therefore need scipy's C code on about half of the runs. :func:`_scipy_labels` calls it without
``linkage``'s and ``fcluster``'s Python wrappers (1.0 ms instead of 1.3 ms of CPU a run at ~370 scores); measured in
CPU time, the full year takes 1.5-1.6x less than a plain scipy loop, and at most about 1.8x would be possible with a
free, exact tie detector, because the C part of the 198-221 runs that need scipy is a third of the loop's time.
``ties="sas"`` needs no scipy (3.4-3.7x; 52-94 of the 160-172 thresholds differ from scipy's, by up to 2.8 points -
the same Ward criterion with another, documented, tie-break).

``ties="sas"`` is the reproducible alternative defined by CMS's own software: SAS PROC CLUSTER (SAS/STAT User's
Guide, "Ties") identifies a cluster by its smallest observation number and, among pairs tied for the minimum
distance, merges the pair with the smallest larger id, then the smallest smaller id; ``proc tree ncl=k`` takes the
k clusters present after n - k merges, and clusters sharing a score range are combined (spec § 9). This mode runs
the greedy in exact rational arithmetic (a heap of adjacent pairs, O(n log n)), so its ties are true ties; like
SAS's, its result depends on the order of the scores.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import math
from fractions import Fraction
from typing import Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from partcd.core.errors import InvalidValue

#: Relative gap below which two merge costs count as tied (scipy's own rounding noise is around 1e-13).
TIE_TOLERANCE = 1e-7
#: Largest input that ``exact_ties=True`` hands to scipy when the chain result is tie-sensitive (O(n^2) memory).
SCIPY_TIE_MAX_N = 5_000
#: ``ties="sas"``: float keys this close (relative) are compared exactly.
_SAS_NEAR = 1e-9

#: How tied merge costs are broken: ``"scipy"`` reproduces scipy (its rounding noise, see above); ``"sas"`` is SAS
#: PROC CLUSTER's documented rule in exact arithmetic (the pair with the smallest larger, then smaller, cluster id,
#: a cluster's id being its first observation) with ``proc tree ncl=k``'s cut and shared score ranges combined.
TieRule = Literal["scipy", "sas"]
#: The tie rule when a caller names none (the ``clustering_tie_rule_text`` of every rating year's file so far).
DEFAULT_TIE_RULE: TieRule = "scipy"

IntArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float64]


class ClusterRange(NamedTuple):
    """One flat cluster: lowest and highest score in it and how many scores it holds."""

    minimum: float
    maximum: float
    size: int


class WardCut(NamedTuple):
    """Flat Ward clusters of one score vector.

    ``labels[i]`` is the cluster of ``scores[i]`` (0 = lowest scores); ``method`` says which engine produced them
    (``"chain"``: the O(n log n) line algorithm; ``"scipy"``: scipy on a tie-sensitive input; ``"sas"``: the exact
    greedy with SAS's tie rule); ``tie_sensitive`` says whether tied merge costs could change the clusters (for
    ``"sas"``: whether SAS's tie rule decided a merge before the cut).
    """

    labels: IntArray
    n_clusters: int
    method: Literal["chain", "scipy", "sas"]
    tie_sensitive: bool


class _Tree(NamedTuple):
    """Merges of the chain algorithm in the order they were made (positions refer to the sorted scores)."""

    order: IntArray  # sorted position -> input index
    left: list[int]  # node id of the lower child (leaf: input index; merge j of this list: n + j)
    right: list[int]  # node id of the upper child
    height: FloatArray  # scipy height sqrt(2 * cost), made monotone along the tree
    size: list[int]
    boundary: list[int]  # the merge joins sorted positions boundary and boundary + 1
    tie_bound: list[float]  # 0: no tie; inf: unresolved tie; else the highest height inside a resolved tied triple


def _as_scores(scores: npt.ArrayLike) -> FloatArray:
    x = np.asarray(scores, dtype=np.float64)
    if x.ndim != 1:
        raise InvalidValue(f"scores must be one-dimensional, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        bad = int(np.flatnonzero(~np.isfinite(x))[0])
        raise InvalidValue(f"scores must be finite numbers; position {bad} is {x[bad]!r} (drop missing scores first)")
    return x


def _check_k(n_clusters: int) -> int:
    if isinstance(n_clusters, bool) or not isinstance(n_clusters, int | np.integer) or n_clusters < 1:
        raise InvalidValue(f"n_clusters must be a positive integer, got {n_clusters!r}")
    return int(n_clusters)


def _chain_tree(x: FloatArray, weights: IntArray | None = None) -> _Tree:
    """Ward's tree of the scores ``x`` (n >= 2) by a nearest-neighbour chain over adjacent clusters.

    With ``weights`` each ``x[i]`` is a block of ``weights[i]`` equal scores (distinct, ascending ``x``): the chain
    starts from those clusters, which is Ward's tree above the zero-cost merges inside the blocks.
    """
    n = len(x)
    order = np.argsort(x, kind="stable").astype(np.intp)
    xs = x[order]
    mean = xs.tolist()
    size = [1] * n if weights is None else np.asarray(weights, dtype=np.intp)[order].tolist()
    last = list(range(n))  # cluster starting at sorted position p ends at last[p]
    prev = list(range(-1, n - 1))  # start of the cluster to the left (-1: none)
    node = order.tolist()  # scipy-style id of each cluster's node: a leaf is its input index, merge j is n + j
    m_left: list[int] = []
    m_right: list[int] = []
    m_cost: list[float] = []
    m_size: list[int] = []
    m_boundary: list[int] = []
    m_tie: list[float] = []
    chain: list[int] = []
    inf = math.inf
    tol = 1.0 + TIE_TOLERANCE

    def ward_cost(s1: int, m1: float, s2: int, m2: float) -> float:
        d = m1 - m2
        return s1 * s2 / (s1 + s2) * d * d

    def pair_cost(p: int, q: int) -> float:
        return ward_cost(size[p], mean[p], size[q], mean[q])

    def triple_bound(p: int, q: int, r: int) -> float:
        """Adjacent clusters p < q < r whose pairs (p, q) and (q, r) tie. If, whichever pair is merged first, merging
        all three is next a strict local minimum (so p u q u r is a node of every Ward tree), the highest height
        inside p u q u r over both orders; otherwise inf."""
        before = prev[p]
        after = last[r] + 1
        sp, sq, sr = size[p], size[q], size[r]
        mp, mq, mr = mean[p], mean[q], mean[r]
        s_pq, s_qr = sp + sq, sq + sr
        m_pq = mp + (mq - mp) * (sq / s_pq)
        m_qr = mq + (mr - mq) * (sr / s_qr)
        pq_then_r = ward_cost(s_pq, m_pq, sr, mr)
        p_then_qr = ward_cost(sp, mp, s_qr, m_qr)
        if before >= 0 and (
            pq_then_r * tol >= ward_cost(size[before], mean[before], s_pq, m_pq) or p_then_qr * tol >= pair_cost(before, p)
        ):
            return inf
        if after < n and (
            pq_then_r * tol >= pair_cost(r, after) or p_then_qr * tol >= ward_cost(s_qr, m_qr, size[after], mean[after])
        ):
            return inf
        worst = max(pq_then_r, p_then_qr, ward_cost(sp, mp, sq, mq), ward_cost(sq, mq, sr, mr))
        return math.sqrt(2.0 * worst)

    for _ in range(n - 1):
        if not chain:
            chain.append(0)  # position 0 always starts the lowest cluster
        while True:
            a = chain[-1]
            sa = size[a]
            ma = mean[a]
            if len(chain) > 1:
                best = chain[-2]
                sb = size[best]
                d = ma - mean[best]
                best_cost = sa * sb / (sa + sb) * d * d
            else:
                best = -1
                best_cost = inf
            lo = prev[a]
            if lo >= 0 and lo != best:
                sb = size[lo]
                d = ma - mean[lo]
                c = sa * sb / (sa + sb) * d * d
                if c < best_cost:
                    best, best_cost = lo, c
            hi = last[a] + 1
            if hi < n and hi != best:
                sb = size[hi]
                d = ma - mean[hi]
                c = sa * sb / (sa + sb) * d * d
                if c < best_cost:
                    best, best_cost = hi, c
            if len(chain) > 1 and best == chain[-2]:
                break
            chain.append(best)
        chain.pop()
        chain.pop()
        lo, hi = (a, best) if a < best else (best, a)
        s_lo, s_hi = size[lo], size[hi]
        # Tie detection: the adjacent pairs overlapping this merge cost (nearly) the same.
        bound = 0.0
        if best_cost > 0.0:
            outer_lo = prev[lo]
            outer_hi = last[hi] + 1
            tie_lo = outer_lo >= 0 and pair_cost(outer_lo, lo) <= best_cost * tol
            tie_hi = outer_hi < n and pair_cost(hi, outer_hi) <= best_cost * tol
            if tie_lo and tie_hi:
                bound = inf
            elif tie_lo:
                bound = triple_bound(outer_lo, lo, hi)
            elif tie_hi:
                bound = triple_bound(lo, hi, outer_hi)
        m_left.append(node[lo])
        m_right.append(node[hi])
        m_cost.append(best_cost)
        m_size.append(s_lo + s_hi)
        m_boundary.append(last[lo])
        m_tie.append(bound)
        total = s_lo + s_hi
        mean[lo] += (mean[hi] - mean[lo]) * (s_hi / total)  # equal means stay exactly equal
        size[lo] = total
        last[lo] = last[hi]
        if last[lo] + 1 < n:
            prev[last[lo] + 1] = lo
        node[lo] = n + len(m_cost) - 1

    height = np.sqrt(2.0 * np.asarray(m_cost, dtype=np.float64))
    # Ward heights never decrease towards the root; keep that exact under rounding.
    for j in range(n - 1):
        for child in (m_left[j], m_right[j]):
            if child >= n and height[child - n] > height[j]:
                height[j] = height[child - n]
    return _Tree(order, m_left, m_right, height, m_size, m_boundary, m_tie)


def _ascending(x: FloatArray, raw: IntArray) -> IntArray:
    """Renumber cluster labels 0..k-1 by (lowest score, first input position) of each cluster."""
    order = np.lexsort((np.arange(len(x)), x))
    uniq, first = np.unique(raw[order], return_index=True)
    rank = np.empty(len(uniq), dtype=np.intp)
    rank[np.argsort(first, kind="stable")] = np.arange(len(uniq), dtype=np.intp)
    return rank[np.searchsorted(uniq, raw)]


def _scipy_labels(x: FloatArray, k: int) -> IntArray:
    """``fcluster(linkage(x.reshape(-1, 1), "ward"), k, "maxclust")``, renumbered by :func:`_ascending`.

    Calls the two C routines those functions end in - ``nn_chain`` on ``pdist``'s condensed distances and
    ``cluster_maxclust_dist`` - without their Python-side validation and array-API dispatch (about 0.3 ms a call,
    a sixth of the whole call at 450 scores): the same routines on the same arrays, so the same labels. If a scipy
    release moves them, the public functions are used.
    """
    n = len(x)
    core = _scipy_core()
    if core is None:
        from scipy.cluster.hierarchy import fcluster, linkage

        raw = np.asarray(fcluster(linkage(x.reshape(-1, 1), "ward"), k, "maxclust"), dtype=np.intp)
        return _ascending(x, raw)
    nn_chain, maxclust, ward_code, pdist = core
    z = nn_chain(pdist(x.reshape(-1, 1)), n, ward_code)  # rows sorted by height, scipy node ids: linkage's output
    labels = np.zeros(n, dtype=np.intc)
    maxclust(z, labels, n, k)
    return _ascending(x, labels.astype(np.intp))


@functools.cache
def _scipy_core() -> tuple[Any, Any, int, Any] | None:
    """scipy's C Ward routines (``linkage(..., "ward")`` and ``fcluster(..., "maxclust")`` end in them), or None.

    Imported on first use, like every scipy import of this module (scipy is needed only for tie-sensitive inputs).
    """
    try:
        from scipy.cluster import _hierarchy, hierarchy
        from scipy.spatial.distance import pdist

        return _hierarchy.nn_chain, _hierarchy.cluster_maxclust_dist, int(hierarchy._LINKAGE_METHODS["ward"]), pdist
    except (ImportError, AttributeError, KeyError):  # pragma: no cover - a scipy release that moved them
        return None


def _exact_integers(x: FloatArray) -> list[int]:
    """The scores as integers over one common power-of-two denominator (every finite double is m * 2**e)."""
    ratios = [v.as_integer_ratio() for v in x.tolist()]
    den = max(q for _, q in ratios)
    return [p * (den // q) for p, q in ratios]


def _sas_cut(x: FloatArray, k: int) -> WardCut:
    """Greedy Ward in exact arithmetic with SAS PROC CLUSTER's tie rule, cut like ``proc tree ncl=k``.

    Equal scores join first at cost 0 (their order cannot change any cluster once shared score ranges are
    combined), so the greedy runs over blocks of equal scores; by the lemma in the module docstring only adjacent
    blocks are ever cheapest. The heap is ordered by (cost, larger id, smaller id) - SAS's rule, a cluster's id being
    its first observation; pairs whose float costs are within ``_SAS_NEAR`` of the cheapest are re-ranked exactly.
    """
    n = len(x)
    order = np.lexsort((np.arange(n), x))
    values = _exact_integers(x[order])
    scale = 2 ** max(max(abs(v) for v in values).bit_length(), 1)  # float keys stay near 1
    gaps = [b - a for a, b in itertools.pairwise(values) if b != a]
    exact_keys = bool(gaps) and min(gaps) / scale < 1e-140  # squared keys would underflow: rank by Fractions
    first_obs = order.tolist()
    size: list[int] = []
    total: list[int] = []
    ident: list[int] = []
    block_of_position = [0] * n
    for pos, v in enumerate(values):
        if pos and v == values[pos - 1]:
            size[-1] += 1
            total[-1] += v
            ident[-1] = min(ident[-1], first_obs[pos])
        else:
            size.append(1)
            total.append(v)
            ident.append(first_obs[pos])
        block_of_position[pos] = len(size) - 1
    d = len(size)
    cluster_of_block = list(range(d))
    tied = False
    if d > k:
        prev = list(range(-1, d - 1))
        nxt = list(range(1, d + 1))
        version = [0] * d
        alive = [True] * d

        Entry = tuple[float | Fraction, int, int, int, int, int, int]

        def entry(a: int, b: int) -> Entry:
            key: float | Fraction
            if exact_keys:
                diff_exact = size[b] * total[a] - size[a] * total[b]
                key = Fraction(diff_exact * diff_exact, size[a] * size[b] * (size[a] + size[b]))
            else:  # float key from the exact integer difference (int / int is correctly rounded): a few ulps
                diff = (size[b] * total[a] - size[a] * total[b]) / scale
                key = diff * diff / (size[a] * size[b] * (size[a] + size[b]))
            return (key, max(ident[a], ident[b]), min(ident[a], ident[b]), a, b, version[a], version[b])

        def exact(e: Entry) -> tuple[Fraction, int, int]:
            a, b = e[3], e[4]
            diff = size[b] * total[a] - size[a] * total[b]
            return (Fraction(diff * diff, size[a] * size[b] * (size[a] + size[b])), e[1], e[2])

        def valid(e: Entry) -> bool:
            return alive[e[3]] and alive[e[4]] and version[e[3]] == e[5] and version[e[4]] == e[6]

        heap = [entry(a, a + 1) for a in range(d - 1)]
        heapq.heapify(heap)
        for _ in range(d - k):
            while not valid(heap[0]):
                heapq.heappop(heap)
            chosen = heapq.heappop(heap)
            near = [chosen]  # every pair whose float key could hide an exact cost <= the chosen one's
            reach = chosen[0] if exact_keys else chosen[0] * (1.0 + _SAS_NEAR)
            while heap and (not valid(heap[0]) or heap[0][0] <= reach):
                e = heapq.heappop(heap)
                if valid(e):
                    near.append(e)
            if len(near) > 1:
                ranked = sorted(near, key=exact)
                chosen = ranked[0]
                tied = tied or exact(ranked[1])[0] == exact(chosen)[0]
                for e in ranked[1:]:
                    heapq.heappush(heap, e)
            a, b = chosen[3], chosen[4]
            size[a] += size[b]
            total[a] += total[b]
            ident[a] = min(ident[a], ident[b])
            version[a] += 1
            alive[b] = False
            nxt[a] = nxt[b]
            if nxt[a] < d:
                prev[nxt[a]] = a
            if prev[a] >= 0:
                heapq.heappush(heap, entry(prev[a], a))
            if nxt[a] < d:
                heapq.heappush(heap, entry(a, nxt[a]))
        rank = 0
        for blk in range(d):
            if alive[blk]:
                rank += 1
            cluster_of_block[blk] = rank - 1
    labels = np.empty(n, dtype=np.intp)
    labels[order] = np.asarray([cluster_of_block[b] for b in block_of_position], dtype=np.intp)
    return WardCut(labels, min(d, k), "sas", tied)


def ward_cut(scores: npt.ArrayLike, n_clusters: int, *, ties: TieRule = DEFAULT_TIE_RULE, exact_ties: bool = True) -> WardCut:
    """Ward flat clusters and how they were obtained (see the module docstring and :data:`TieRule`)."""
    k = _check_k(n_clusters)
    x = _as_scores(scores)
    n = len(x)
    if ties not in ("scipy", "sas"):
        raise InvalidValue(f"ties must be 'scipy' or 'sas', got {ties!r}")
    if n == 0:
        return WardCut(np.zeros(0, dtype=np.intp), 0, "chain", False)
    if ties == "sas":
        return _sas_cut(x, k)
    if k >= n:  # fcluster: every score its own cluster
        labels = np.empty(n, dtype=np.intp)
        labels[np.lexsort((np.arange(n), x))] = np.arange(n, dtype=np.intp)
        return WardCut(labels, n, "chain", False)
    # Equal scores join first at height 0 (nothing is nearer than distance 0), so Ward's tree above them is the tree
    # of the d distinct scores weighted by their counts: fcluster's cut, the (n-k)-th smallest of the n - 1 heights,
    # is one of the d - 1 block heights when k < d and one of the n - d zero heights otherwise.
    values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1).astype(np.intp)
    d = len(values)
    if d == 1:
        return WardCut(inverse, 1, "chain", False)
    tree = _chain_tree(values, counts.astype(np.intp))
    sorted_heights = np.sort(tree.height)
    cut = float(sorted_heights[d - k - 1]) if k < d else 0.0
    above = float(sorted_heights[d - k]) if 1 < k <= d else (math.inf if k == 1 else 0.0)
    tie_sensitive = 0.0 < above <= cut * (1.0 + TIE_TOLERANCE)
    if not tie_sensitive:
        reach = cut * (1.0 + TIE_TOLERANCE)
        tie_sensitive = any(
            b > 0.0 and h <= reach and b * (1.0 + TIE_TOLERANCE) >= cut
            for b, h in zip(tree.tie_bound, tree.height.tolist(), strict=True)
        )
    if tie_sensitive and exact_ties and n <= SCIPY_TIE_MAX_N:
        labels = _scipy_labels(x, k)
        return WardCut(labels, int(labels.max()) + 1, "scipy", True)
    split = np.zeros(d - 1, dtype=np.intp)
    split[np.asarray(tree.boundary, dtype=np.intp)] = tree.height > cut  # underflowed heights (0) never split
    in_sorted = np.concatenate((np.zeros(1, dtype=np.intp), np.cumsum(split)))
    return WardCut(in_sorted[inverse], int(in_sorted[-1]) + 1, "chain", tie_sensitive)


def ward_labels(scores: npt.ArrayLike, n_clusters: int, *, ties: TieRule = DEFAULT_TIE_RULE, exact_ties: bool = True) -> IntArray:
    """Cluster index (0 = lowest scores) of each score, input order kept.

    With ``ties="scipy"``: equal, up to numbering, to ``fcluster(linkage(x.reshape(-1, 1), "ward"), n_clusters,
    "maxclust")`` - fewer than ``n_clusters`` clusters when heights tie at the cut or there are fewer distinct
    scores; more clusters than scores gives one cluster per score. With ``ties="sas"``: SAS's tie rule (scores in
    the order of the SAS data set) and exactly ``n_clusters`` clusters, or one per distinct score if fewer. NaN or
    infinite scores raise ``ValueError``.
    """
    return ward_cut(scores, n_clusters, ties=ties, exact_ties=exact_ties).labels


def ward_cluster_ranges(
    scores: npt.ArrayLike, n_clusters: int, *, ties: TieRule = DEFAULT_TIE_RULE, exact_ties: bool = True
) -> tuple[ClusterRange, ...]:
    """(minimum, maximum, size) of each Ward cluster, lowest cluster first.

    A higher-is-better measure's cut point for a level is its cluster's ``minimum``; a lower-is-better measure's
    is its ``maximum`` (CMS practice, spec § 9 item 3). ``ties="sas"`` combines clusters sharing a score range;
    ``ties="scipy"`` keeps scipy's clusters (equal scores share one unless there are more clusters than scores).
    """
    x = _as_scores(scores)
    labels = ward_labels(x, n_clusters, ties=ties, exact_ties=exact_ties)
    k = int(labels.max()) + 1 if len(labels) else 0
    lows = np.full(k, np.inf)
    highs = np.full(k, -np.inf)
    np.minimum.at(lows, labels, x)
    np.maximum.at(highs, labels, x)
    sizes = np.bincount(labels, minlength=k)
    return tuple(ClusterRange(float(lo), float(hi), int(s)) for lo, hi, s in zip(lows, highs, sizes, strict=True))


def ward_linkage_1d(scores: npt.ArrayLike, *, exact_ties: bool = True) -> FloatArray:
    """A scipy linkage matrix ``[id_a, id_b, height, size]`` for Ward on the one-dimensional scores.

    Rows are sorted by height and nodes renumbered as scipy does (new node ``n + row``, smaller id first), so the
    matrix equals ``linkage(x.reshape(-1, 1), "ward")`` with heights equal to rounding whenever no two merges tie.
    With tied heights (equal scores included) the pairing and row order among the tied merges follow scipy's
    rounding noise: with ``exact_ties=True`` and at most ``SCIPY_TIE_MAX_N`` scores such inputs are passed to
    scipy; otherwise the chain's (equally valid) Ward tree is returned.
    """
    x = _as_scores(scores)
    n = len(x)
    if n < 2:
        raise InvalidValue("a linkage needs at least 2 scores")
    tree = _chain_tree(x)
    h = tree.height
    srt = np.sort(h)
    tied = bool(np.any(srt[1:] <= srt[:-1] * (1.0 + TIE_TOLERANCE))) or any(b > 0.0 for b in tree.tie_bound)
    if tied and exact_ties and n <= SCIPY_TIE_MAX_N:
        from scipy.cluster.hierarchy import linkage

        return np.asarray(linkage(x.reshape(-1, 1), "ward"), dtype=np.float64)
    rows = np.argsort(h, kind="stable")
    new_id = np.empty(n - 1, dtype=np.intp)
    new_id[rows] = np.arange(n, 2 * n - 1, dtype=np.intp)
    out = np.empty((n - 1, 4), dtype=np.float64)
    for r, j in enumerate(rows.tolist()):
        a = tree.left[j]
        b = tree.right[j]
        ia = a if a < n else int(new_id[a - n])
        ib = b if b < n else int(new_id[b - n])
        out[r, 0] = min(ia, ib)
        out[r, 1] = max(ia, ib)
        out[r, 2] = h[j]
        out[r, 3] = tree.size[j]
    return out
