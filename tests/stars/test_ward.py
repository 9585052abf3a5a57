"""§ 422.166(a)(2)(i) / § 423.186(a)(2)(i) - 1-D Ward clustering equals scipy's Ward (4185-P L2241 / L3212)."""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.cluster.hierarchy import fcluster, linkage

from partcd.stars.rules.ward import (
    SCIPY_TIE_MAX_N,
    ClusterRange,
    _scipy_core,
    _scipy_labels,
    ward_cluster_ranges,
    ward_cut,
    ward_labels,
    ward_linkage_1d,
)

# --------------------------------------------------------------------------- helpers


def scipy_labels(x: npt.ArrayLike, k: int) -> npt.NDArray[np.int32]:
    arr = np.asarray(x, dtype=np.float64)
    return np.asarray(fcluster(linkage(arr.reshape(-1, 1), "ward"), k, "maxclust"))


def same_partition(a: npt.ArrayLike, b: npt.ArrayLike) -> bool:
    """True when two label vectors describe the same partition (labels may be numbered differently)."""
    la, lb = np.asarray(a).tolist(), np.asarray(b).tolist()
    pairs = set(zip(la, lb, strict=True))
    return len(pairs) == len(set(la)) == len(set(lb))


def numbered_ascending(x: npt.ArrayLike, labels: npt.ArrayLike) -> bool:
    """Labels are 0..k-1 and never decrease when the scores are sorted."""
    arr, lab = np.asarray(x, dtype=np.float64), np.asarray(labels)
    in_order = lab[np.lexsort((np.arange(len(arr)), arr))]
    return bool(np.all(np.diff(in_order) >= 0)) and set(lab.tolist()) == set(range(int(lab.max()) + 1))


def ward_cost(a: int, mean_a: float, b: int, mean_b: float) -> float:
    return a * b / (a + b) * (mean_a - mean_b) ** 2


def ranges_from(x: npt.ArrayLike, labels: npt.ArrayLike) -> list[tuple[float, float, int]]:
    arr, lab = np.asarray(x, dtype=np.float64), np.asarray(labels)
    out = [(float(arr[lab == c].min()), float(arr[lab == c].max()), int((lab == c).sum())) for c in set(lab.tolist())]
    return sorted(out)


# --------------------------------------------------------------------------- hand-computed cases

FIVE = [1.0, 2.0, 10.0, 11.0, 30.0]


def test_hand_example_three_clusters() -> None:
    # Heights: (1,2) and (10,11) at sqrt(2 * 1/2 * 1^2) = 1; {1,2}+{10,11}: sqrt(2 * 2*2/4 * 9^2) = sqrt(162);
    # {1,2,10,11}+{30}: sqrt(2 * 4*1/5 * 24^2) = sqrt(921.6). 3 clusters: cut at the 2nd smallest height (1).
    assert ward_labels(FIVE, 3).tolist() == [0, 0, 1, 1, 2]
    assert ward_cluster_ranges(FIVE, 3) == (ClusterRange(1.0, 2.0, 2), ClusterRange(10.0, 11.0, 2), ClusterRange(30.0, 30.0, 1))
    assert ward_labels(FIVE, 2).tolist() == [0, 0, 0, 0, 1]
    assert ward_labels(FIVE, 1).tolist() == [0, 0, 0, 0, 0]
    assert ward_labels(FIVE, 5).tolist() == [0, 1, 2, 3, 4]


def test_hand_example_input_order_kept() -> None:
    shuffled = [30.0, 10.0, 2.0, 11.0, 1.0]
    assert ward_labels(shuffled, 3).tolist() == [2, 1, 0, 1, 0]


def test_tied_heights_at_the_cut_give_fewer_clusters() -> None:
    # Asking for 4: the 1st smallest height is 1, but the 2nd is also 1, and maxclust keeps every merge with
    # height <= 1, so both pairs join: 3 clusters, exactly as scipy.
    labels = ward_labels(FIVE, 4)
    assert labels.tolist() == [0, 0, 1, 1, 2]
    assert same_partition(labels, scipy_labels(FIVE, 4))


def test_hand_linkage_matrix() -> None:
    z = ward_linkage_1d(FIVE)
    expected = np.array(
        [[0, 1, 1.0, 2], [2, 3, 1.0, 2], [5, 6, math.sqrt(162.0), 4], [4, 7, math.sqrt(921.6), 5]], dtype=np.float64
    )
    np.testing.assert_allclose(z, expected, rtol=1e-12)
    np.testing.assert_allclose(z, linkage(np.asarray(FIVE).reshape(-1, 1), "ward"), rtol=1e-12)


def test_nearest_neighbour_can_be_non_adjacent_but_the_merge_is_adjacent() -> None:
    # A = {0}, B = 100 scores at 8, C = {10}: D(A,B) = 100/101 * 64 = 63.37 > D(A,C) = 1/2 * 100 = 50, so A's nearest
    # cluster is C - yet the cheapest pair, D(B,C) = 100/101 * 4 = 3.96, is adjacent, and C joins B.
    assert ward_cost(1, 0.0, 100, 8.0) > ward_cost(1, 0.0, 1, 10.0) > ward_cost(100, 8.0, 1, 10.0)
    x = [0.0] + [8.0] * 100 + [10.0]
    labels = ward_labels(x, 2)
    assert labels[0] == 0 and labels[-1] == 1 and set(labels[1:-1].tolist()) == {1}
    assert same_partition(labels, scipy_labels(x, 2))


def test_overlapping_tie_follows_scipy() -> None:
    # {2,3} is exactly as far (Ward cost 2*2/4 * 2.5^2 = 6.25) from {0,0} as from {5,5}; Ward's tree is not unique
    # and scipy's choice comes from rounding in its distance updates. The chain flags the input and hands it to
    # scipy; without that it keeps its own deterministic (equally cheap) choice: the lower pair.
    x = [0.0, 0.0, 2.0, 3.0, 5.0, 5.0]
    cut = ward_cut(x, 2)
    assert cut.tie_sensitive and cut.method == "scipy"
    assert same_partition(cut.labels, scipy_labels(x, 2))
    own = ward_cut(x, 2, exact_ties=False)
    assert own.method == "chain" and own.tie_sensitive
    assert own.labels.tolist() == [0, 0, 0, 0, 1, 1]


def test_equal_scores_are_collapsed_into_weighted_blocks() -> None:
    # 500 integer percentages hold at most 101 distinct values: the chain runs over those blocks (weights = counts)
    # and gives scipy's clusters whenever no two merge costs tie; 5 blocks of 100 equal scores need no tie-break.
    x = np.repeat([10.0, 30.0, 50.0, 70.0, 90.0], 100)
    np.random.default_rng(4).shuffle(x)
    cut = ward_cut(x, 5)
    assert (cut.method, cut.tie_sensitive, cut.n_clusters) == ("chain", False, 5)
    assert same_partition(cut.labels, scipy_labels(x, 5))
    # blocks 1 (x3), 2 (x1), 10 (x2): Ward joins 2 to the 1s (3*1/4 * 1^2 = 0.75) before anything else
    assert ward_cut([10.0, 1.0, 2.0, 1.0, 10.0, 1.0], 2).labels.tolist() == [1, 0, 0, 0, 1, 0]


def test_equal_scores() -> None:
    assert ward_labels([7.0] * 6, 5).tolist() == [0] * 6
    assert ward_cluster_ranges([7.0] * 6, 5) == (ClusterRange(7.0, 7.0, 6),)
    # as many clusters as scores: scipy's maxclust makes every score its own cluster, equal or not
    assert ward_labels([7.0] * 3, 5).tolist() == [0, 1, 2]
    assert same_partition(ward_labels([7.0] * 3, 3), scipy_labels([7.0] * 3, 3))


def test_fewer_distinct_scores_than_clusters() -> None:
    x = [3.0, 1.0, 2.0, 1.0, 2.0, 3.0, 1.0]
    labels = ward_labels(x, 5)
    assert labels.tolist() == [2, 0, 1, 0, 1, 2, 0]
    assert same_partition(labels, scipy_labels(x, 5))
    assert ward_cluster_ranges(x, 5) == (ClusterRange(1.0, 1.0, 3), ClusterRange(2.0, 2.0, 2), ClusterRange(3.0, 3.0, 2))


def test_tiny_inputs() -> None:
    assert ward_labels([], 5).tolist() == []
    assert ward_cluster_ranges([], 5) == ()
    assert ward_labels([4.5], 5).tolist() == [0]
    assert ward_labels([4.5, 1.0], 1).tolist() == [0, 0]
    assert ward_labels([4.5, 1.0], 5).tolist() == [1, 0]


@pytest.mark.parametrize("bad", [[1.0, math.nan, 2.0], [1.0, math.inf], [-math.inf, 3.0]])
def test_non_finite_scores_are_refused(bad: list[float]) -> None:
    with pytest.raises(ValueError, match="finite"):
        ward_labels(bad, 2)
    with pytest.raises(ValueError, match="finite"):
        ward_linkage_1d(bad)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="n_clusters"):
        ward_labels([1.0, 2.0], 0)
    with pytest.raises(ValueError, match="n_clusters"):
        ward_labels([1.0, 2.0], True)
    with pytest.raises(ValueError, match="one-dimensional"):
        ward_labels([[1.0, 2.0]], 1)
    with pytest.raises(ValueError, match="at least 2"):
        ward_linkage_1d([1.0])


# --------------------------------------------------------------------------- the lemma behind the algorithm

size = st.integers(min_value=1, max_value=10_000)
gap = st.floats(min_value=0.0, max_value=1e3, allow_nan=False)


@settings(max_examples=500)
@given(a=size, b=size, c=size, x=gap, y=gap)
def test_lemma_non_adjacent_pair_never_cheapest(a: int, b: int, c: int, x: float, y: float) -> None:
    # Clusters A < B < C with means 0, x, x + y: D(A,C) > min(D(A,B), D(B,C)) unless all means are equal.
    d_ab, d_bc, d_ac = ward_cost(a, 0.0, b, x), ward_cost(b, x, c, x + y), ward_cost(a, 0.0, c, x + y)
    if x + y == 0.0:
        assert d_ac == d_ab == d_bc == 0.0
    else:
        assert d_ac > min(d_ab, d_bc) or math.isclose(d_ac, min(d_ab, d_bc), rel_tol=1e-12)
        # the proof's bound: ac (x+y)^2 / (sqrt(a) + sqrt(c))^2 is strictly below D(A,C)
        assert a * c * (x + y) ** 2 / (math.sqrt(a) + math.sqrt(c)) ** 2 <= d_ac


@settings(max_examples=300)
@given(a=size, b=size, far=size, x=st.floats(min_value=1e-3, max_value=1e3), y=st.floats(min_value=0.0, max_value=1e3))
def test_lemma_cost_grows_when_a_neighbour_absorbs_its_far_side(a: int, b: int, far: int, x: float, y: float) -> None:
    # L' < L < A: absorbing L' into L moves L's mean away from A and adds weight, so D(L u L', A) >= D(L, A).
    mean_l, mean_far = -x, -x - y
    merged_mean = (b * mean_l + far * mean_far) / (b + far)
    assert ward_cost(b + far, merged_mean, a, 0.0) >= ward_cost(b, mean_l, a, 0.0) * (1 - 1e-12)


# --------------------------------------------------------------------------- property tests against scipy

ks = st.integers(min_value=1, max_value=8)
n_scores = st.integers(min_value=1, max_value=400)


def check_against_scipy(x: npt.NDArray[np.float64], k: int) -> None:
    cut = ward_cut(x, k)
    assert numbered_ascending(x, cut.labels)
    assert cut.n_clusters == int(cut.labels.max()) + 1
    if len(x) >= 2:
        expected = scipy_labels(x, k)
        assert same_partition(cut.labels, expected)
        assert ward_cluster_ranges(x, k) == tuple(ClusterRange(*r) for r in ranges_from(x, expected))
    own = ward_cut(x, k, exact_ties=False)
    assert own.method == "chain"
    if not own.tie_sensitive:  # the chain alone is exact whenever it does not flag a tie
        assert cut.method == "chain"
        assert np.array_equal(own.labels, cut.labels)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), n=n_scores, k=ks)
def test_random_floats_match_scipy(data: st.DataObject, n: int, k: int) -> None:
    seed = data.draw(st.integers(min_value=0, max_value=2**32 - 1))
    x = np.random.default_rng(seed).normal(70.0, 12.0, n)
    check_against_scipy(x, k)
    assert ward_cut(x, k).method == "chain"  # distinct random floats never tie


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(x=st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=1, max_size=60), k=ks)
def test_hypothesis_floats_match_scipy(x: list[float], k: int) -> None:
    check_against_scipy(np.asarray(x, dtype=np.float64), k)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), n=n_scores, k=ks, top=st.integers(min_value=0, max_value=100))
def test_integer_scores_with_many_ties_match_scipy(data: st.DataObject, n: int, k: int, top: int) -> None:
    seed = data.draw(st.integers(min_value=0, max_value=2**32 - 1))
    x = np.random.default_rng(seed).integers(0, top + 1, n).astype(np.float64)
    check_against_scipy(x, k)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(x=st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=40), k=ks)
def test_small_integer_lists_match_scipy(x: list[int], k: int) -> None:
    check_against_scipy(np.asarray(x, dtype=np.float64), k)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), n=n_scores, k=ks, decimals=st.sampled_from([0, 1, 2]))
def test_cms_like_rounded_scores_match_scipy(data: st.DataObject, n: int, k: int, decimals: int) -> None:
    # percentages shown to 0 decimals, complaints-style rates to 2 decimals, skewed and clipped like CMS data
    seed = data.draw(st.integers(min_value=0, max_value=2**32 - 1))
    rng = np.random.default_rng(seed)
    raw = 100.0 * rng.beta(6.0, 2.0, n) if decimals == 0 else rng.gamma(2.0, 0.3, n)
    check_against_scipy(np.round(raw, decimals), k)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), n=st.integers(min_value=2, max_value=400))
def test_linkage_matrix_equals_scipy(data: st.DataObject, n: int) -> None:
    seed = data.draw(st.integers(min_value=0, max_value=2**32 - 1))
    x = np.random.default_rng(seed).uniform(0.0, 100.0, n)
    ours = ward_linkage_1d(x, exact_ties=False)
    theirs = linkage(x.reshape(-1, 1), "ward")
    assert np.array_equal(ours[:, [0, 1, 3]], theirs[:, [0, 1, 3]])
    np.testing.assert_allclose(ours[:, 2], theirs[:, 2], rtol=1e-9, atol=0.0)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(x=st.lists(st.integers(min_value=0, max_value=9), min_size=2, max_size=60))
def test_linkage_matrix_with_ties_equals_scipy(x: list[int]) -> None:
    arr = np.asarray(x, dtype=np.float64)
    ours, theirs = ward_linkage_1d(arr), linkage(arr.reshape(-1, 1), "ward")
    assert np.array_equal(ours[:, [0, 1, 3]], theirs[:, [0, 1, 3]])
    np.testing.assert_allclose(ours[:, 2], theirs[:, 2], rtol=1e-9, atol=0.0)


def test_scipy_fallback_calls_scipys_c_routines() -> None:
    # the installed scipy still has the routines linkage("ward") and fcluster("maxclust") end in, and they answer
    # like the public calls (labels numbered 1..k in scipy, 0..k-1 ascending here)
    assert _scipy_core() is not None
    x = np.asarray([0.0, 0.0, 2.0, 3.0, 5.0, 5.0])
    assert _scipy_labels(x, 2).tolist() == [0, 0, 1, 1, 1, 1]
    assert same_partition(_scipy_labels(x, 2), scipy_labels(x, 2))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(x=st.lists(st.integers(min_value=0, max_value=6), min_size=2, max_size=50), k=st.integers(min_value=1, max_value=55))
def test_scipy_fallback_equals_linkage_and_fcluster(x: list[int], k: int) -> None:
    # many ties, and k up to and beyond the number of scores: the direct C calls answer like the public functions
    arr = np.asarray(x, dtype=np.float64)
    assert same_partition(_scipy_labels(arr, k), scipy_labels(arr, k))


def test_large_tied_input_uses_the_chain() -> None:
    x = np.random.default_rng(3).integers(0, 100, SCIPY_TIE_MAX_N + 1).astype(np.float64)
    cut = ward_cut(x, 5)
    assert cut.method == "chain" and cut.n_clusters == 5
    assert numbered_ascending(x, cut.labels)


# --------------------------------------------------------------------------- CMS Measure Data, 2024 to 2026

NUMERIC = re.compile(r"^-?\d+(?:\.\d+)?%?$")
MEASURE_DATA = {
    "2024": "2024 Star Ratings Data Table - Measure Data (Jul 2 2024).csv",
    "2025": "2025 Star Ratings Data Table - Measure Data (Dec 2 2024).csv",
    "2026": "2026 Star Ratings Data Table - Measure Data (Oct 8 2025).csv",
}


def measure_scores(path: Path) -> dict[str, npt.NDArray[np.float64]]:
    """Numeric scores per measure id of a CMS "Measure Data" table (cp1252, 4 header rows; text statuses skipped)."""
    rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(path.read_bytes().decode("cp1252")))]
    scores: dict[str, npt.NDArray[np.float64]] = {}
    for col, label in enumerate(rows[2]):
        if col < 5 or ":" not in label:
            continue
        values = [float(row[col].rstrip("%")) for row in rows[4:] if len(row) > col and NUMERIC.match(row[col])]
        if values:
            scores[label.split(":", 1)[0].strip()] = np.asarray(values, dtype=np.float64)
    return scores


@pytest.mark.parametrize("year", sorted(MEASURE_DATA))
def test_cms_measure_data_five_clusters_equal_scipy(shared_dir: Path, year: str) -> None:
    scores = measure_scores(shared_dir / "data" / "star-ratings" / year / MEASURE_DATA[year])
    # 42 measures (2026: 45); the two improvement measures (C27 or C30, and D04) have no numeric scores
    assert len(scores) == {"2024": 40, "2025": 40, "2026": 43}[year]
    for measure_id, x in scores.items():
        expected = scipy_labels(x, 5)
        labels = ward_labels(x, 5)
        assert same_partition(labels, expected), measure_id
        assert numbered_ascending(x, labels), measure_id
        assert ward_cluster_ranges(x, 5) == tuple(ClusterRange(*r) for r in ranges_from(x, expected)), measure_id
        sas = ward_cut(x, 5, ties="sas")  # SAS's tie rule, scores in file order: always 5 clusters here
        assert sas.n_clusters == 5 and numbered_ascending(x, sas.labels), measure_id


# --------------------------------------------------------------------------- ties="sas": SAS PROC CLUSTER's rule


def sas_reference(x: list[float], k: int) -> list[int]:
    """Brute force: greedy Ward over ALL pairs in exact arithmetic, SAS's tie rule, ``ncl=k``, shared ranges combined."""
    from fractions import Fraction

    clusters = [[i] for i in range(len(x))]  # members by observation number
    exact = [Fraction(v) for v in x]

    def cost(a: list[int], b: list[int]) -> Fraction:
        ma = sum(exact[i] for i in a) / len(a)
        mb = sum(exact[i] for i in b) / len(b)
        return Fraction(len(a) * len(b), len(a) + len(b)) * (ma - mb) ** 2

    while len(clusters) > k:
        best = min(
            (
                (cost(a, b), max(min(a), min(b)), min(min(a), min(b)), i, j)
                for i, a in enumerate(clusters)
                for j, b in enumerate(clusters)
                if i < j
            )
        )
        _, _, _, i, j = best
        clusters[i] = clusters[i] + clusters[j]
        del clusters[j]
    ranges = sorted({(min(x[m] for m in c), max(x[m] for m in c)) for c in clusters})
    return [ranges.index((min(x[m] for m in c), max(x[m] for m in c))) for i in range(len(x)) for c in clusters if i in c]


def test_sas_tie_rule_by_hand() -> None:
    # {2,3} (id 2) ties between {0,0} (id 0) and {5,5} (id 4): SAS merges the pair with the smaller larger id.
    assert ward_labels([0.0, 0.0, 2.0, 3.0, 5.0, 5.0], 2, ties="sas").tolist() == [0, 0, 0, 0, 1, 1]
    # the same scores in reverse order: now {5,5} has id 0 and wins the tie
    assert ward_labels([5.0, 5.0, 3.0, 2.0, 0.0, 0.0], 2, ties="sas").tolist() == [1, 1, 1, 1, 0, 0]
    # ncl=4 takes the state after one merge: (1,2) and (10,11) tie at cost 1/2, (1,2) has the smaller larger id
    assert ward_labels(FIVE, 4, ties="sas").tolist() == [0, 0, 1, 2, 3]
    cut = ward_cut(FIVE, 4, ties="sas")
    assert cut.method == "sas" and cut.tie_sensitive and cut.n_clusters == 4


def test_sas_combines_shared_score_ranges() -> None:
    assert ward_labels([7.0, 7.0, 7.0], 5, ties="sas").tolist() == [0, 0, 0]
    assert ward_labels([3.0, 1.0, 2.0, 1.0, 2.0, 3.0, 1.0], 5, ties="sas").tolist() == [2, 0, 1, 0, 1, 2, 0]
    assert ward_cluster_ranges([4.0, 4.0, 9.0], 5, ties="sas") == (ClusterRange(4.0, 4.0, 2), ClusterRange(9.0, 9.0, 1))


def test_unknown_tie_rule() -> None:
    with pytest.raises(ValueError, match="ties"):
        ward_labels([1.0, 2.0], 1, ties="R")  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(x=st.lists(st.sampled_from([0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 0.5, 2.5]), min_size=1, max_size=24), k=ks)
def test_sas_rule_equals_brute_force(x: list[float], k: int) -> None:
    labels = ward_labels(x, k, ties="sas")
    assert labels.tolist() == sas_reference(x, k)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), n=st.integers(min_value=2, max_value=400), k=ks)
def test_sas_rule_equals_scipy_without_ties(data: st.DataObject, n: int, k: int) -> None:
    seed = data.draw(st.integers(min_value=0, max_value=2**32 - 1))
    x = np.random.default_rng(seed).normal(0.0, 1.0, n)
    assert same_partition(ward_labels(x, k, ties="sas"), scipy_labels(x, k))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    x=st.lists(st.sampled_from([0.0, 5e-324, 1e-300, -3e-300, 2e-300, 1e300, 3e300, 7e300, 1e300]), min_size=1, max_size=16),
    k=ks,
)
def test_sas_rule_exact_over_extreme_ranges(x: list[float], k: int) -> None:
    # gaps of 1e-300 next to scores of 1e300: float keys would underflow, the heap then ranks by exact fractions
    assert ward_labels(x, k, ties="sas").tolist() == sas_reference(x, k)
