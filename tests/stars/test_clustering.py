"""§ 422.166(a)(2)(i), § 423.186(a)(2)(i) - Ward clustering into star levels and the cut-point read-off (4185-P L2241)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partcd.core.errors import RuleError
from partcd.stars.rules.clustering import (
    cluster_cut_points,
    cluster_ranges,
    improvement_cut_points,
    scipy_ward_labels,
    ward_labels,
)

# Five groups with wide gaps (7, 8, 9, 9) and spreads of at most 2: Ward's 5-cluster cut is the five groups.
GROUPS = [1, 2, 3, 10, 11, 12, 20, 21, 30, 31, 40]

scores_lists = st.lists(st.integers(min_value=0, max_value=100).map(float), min_size=1, max_size=80)


def test_hand_clusters_higher_is_better_take_each_level_minimum() -> None:
    assert cluster_cut_points(GROUPS, 5, ties="scipy") == {2: 10.0, 3: 20.0, 4: 30.0, 5: 40.0}


def test_hand_clusters_lower_is_better_take_each_level_maximum() -> None:
    # worst (highest) cluster {40} = 1 star; 2 stars {30, 31} -> upper bound 31; ... 5 stars {1, 2, 3} -> 3
    assert cluster_cut_points(GROUPS, 5, higher_is_better=False, ties="scipy") == {2: 31.0, 3: 21.0, 4: 12.0, 5: 3.0}


def test_input_order_does_not_matter() -> None:
    rng = np.random.default_rng(3)
    shuffled = rng.permutation(np.array(GROUPS, dtype=float))
    assert cluster_cut_points(shuffled, 5, ties="scipy") == cluster_cut_points(GROUPS, 5, ties="scipy")


def test_fewer_distinct_values_than_levels_best_cluster_is_top_level() -> None:
    # two clusters {5,5,5} and {7,7}: 1 star and 5 stars; the thresholds of 2..5 stars coincide at 7
    assert cluster_cut_points([5, 5, 5, 7, 7], 5, ties="scipy") == {2: 7.0, 3: 7.0, 4: 7.0, 5: 7.0}
    assert cluster_cut_points([5, 5, 5, 7, 7], 5, higher_is_better=False, ties="scipy") == {2: 5.0, 3: 5.0, 4: 5.0, 5: 5.0}
    assert cluster_cut_points([3.0], 5, ties="scipy") == {2: 3.0, 3: 3.0, 4: 3.0, 5: 3.0}


def test_three_clusters_fill_levels_one_two_and_top() -> None:
    assert cluster_cut_points([0, 0, 50, 50, 100, 100], 5, ties="scipy") == {2: 50.0, 3: 100.0, 4: 100.0, 5: 100.0}


def test_ties_are_never_split_across_clusters() -> None:
    ranges = cluster_ranges([1, 1, 1, 2, 2, 9, 9, 9, 9, 20], 5, ties="scipy")
    assert ranges == [(1.0, 1.0), (2.0, 2.0), (9.0, 9.0), (20.0, 20.0)]


def test_improvement_measure_clusters_by_sign_with_three_star_floor_at_zero() -> None:
    # negatives {-0.5,-0.4} | {-0.1,-0.05} -> 2 stars from -0.1; 3 stars from 0;
    # non-negatives {0, 0.1, 0.11} | {0.5, 0.52} | {0.9} -> 4 stars from 0.5, 5 stars from 0.9
    x = [-0.5, -0.4, -0.1, -0.05, 0, 0.1, 0.11, 0.5, 0.52, 0.9]
    assert improvement_cut_points(x, 2, 3, 0.0, ties="scipy") == {2: -0.1, 3: 0.0, 4: 0.5, 5: 0.9}


def test_improvement_measure_without_negative_scores() -> None:
    # {0, 0.1} | {0.5} | {0.9}; nobody below 0, so the 2-star bound coincides with the floor
    assert improvement_cut_points([0.0, 0.1, 0.5, 0.9], 2, 3, 0.0, ties="scipy") == {2: 0.0, 3: 0.0, 4: 0.5, 5: 0.9}


def test_improvement_measure_without_nonnegative_scores() -> None:
    # {-0.9, -0.8} | {-0.1}; nobody at or above 0, so 4 and 5 stars coincide with the floor
    assert improvement_cut_points([-0.9, -0.8, -0.1], 2, 3, 0.0, ties="scipy") == {2: -0.1, 3: 0.0, 4: 0.0, 5: 0.0}


def test_empty_or_non_finite_scores_refused() -> None:
    with pytest.raises(RuleError, match="no scores"):
        cluster_cut_points([], 5, ties="scipy")
    with pytest.raises(RuleError, match="finite"):
        cluster_cut_points([1.0, float("nan")], 5, ties="scipy")
    with pytest.raises(RuleError, match="no improvement scores"):
        improvement_cut_points([], 2, 3, 0.0, ties="scipy")


@settings(max_examples=60, deadline=None)
@given(scores_lists)
def test_ward_labels_same_partition_as_scipy(xs: list[float]) -> None:
    x = np.array(xs)
    k = min(5, len(set(xs)))
    a, b = ward_labels(x, k, ties="scipy"), scipy_ward_labels(x, k)
    assert set(zip(a.tolist(), b.tolist(), strict=True)) == {(i, i) for i in set(a.tolist())}


@settings(max_examples=80, deadline=None)
@given(scores_lists, st.booleans())
def test_thresholds_are_observed_scores_and_monotone_in_star_level(xs: list[float], higher: bool) -> None:
    cuts = cluster_cut_points(xs, 5, higher, ties="scipy")
    values = [cuts[s] for s in (2, 3, 4, 5)]
    assert set(values) <= set(xs)
    assert values == sorted(values, reverse=not higher)


@settings(max_examples=60, deadline=None)
@given(scores_lists)
def test_clusters_are_contiguous_ranges(xs: list[float]) -> None:
    ranges = cluster_ranges(xs, 5, ties="scipy")
    assert all(hi < lo for (_, hi), (lo, _) in itertools.pairwise(ranges))
    assert ranges[0][0] == min(xs) and ranges[-1][1] == max(xs)
