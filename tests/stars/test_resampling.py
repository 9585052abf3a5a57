"""§ 422.162(a), § 423.182(a) - mean resampling: 10 random equal-size groups, leave one out, mean per threshold (4185-P L2191)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partcd.core.errors import RuleError
from partcd.stars.rules.clustering import cluster_cut_points
from partcd.stars.rules.resampling import (
    FloatArray,
    mean_resampled_thresholds,
    project_threshold,
    resampling_groups,
    single_run_thresholds,
)


def _size_run(x: FloatArray) -> dict[int, float]:
    return {2: float(x.size)}


def test_ten_groups_of_25_scores_sizes_3_and_2_mean_of_run_sizes() -> None:
    # 25 = 5 groups of 3 + 5 groups of 2; leaving out a group of 3 keeps 22, of 2 keeps 23 -> mean 22.5
    res = mean_resampled_thresholds(np.arange(25.0), _size_run, 10, np.random.default_rng(0))
    assert sorted(res.group_sizes) == [2] * 5 + [3] * 5
    assert sorted(r[2] for r in res.runs) == [22.0] * 5 + [23.0] * 5
    assert res.thresholds == {2: 22.5}


def test_each_run_uses_90_percent_of_the_scores() -> None:
    res = mean_resampled_thresholds(np.arange(100.0), _size_run, 10, np.random.default_rng(1))
    assert [r[2] for r in res.runs] == [90.0] * 10  # L634: 9 of the 10 groups, 90 percent


def test_well_separated_repeated_scores_give_the_same_cut_points_in_every_run() -> None:
    x = np.repeat([10.0, 30.0, 50.0, 70.0, 90.0], 20)
    res = mean_resampled_thresholds(x, lambda s: cluster_cut_points(s, 5, True, ties="scipy"), 10, np.random.default_rng(7))
    assert res.thresholds == {2: 30.0, 3: 50.0, 4: 70.0, 5: 90.0}
    assert len(res.runs) == 10


def test_mean_is_the_arithmetic_mean_of_the_run_values() -> None:
    x = np.linspace(0, 100, 57)
    res = mean_resampled_thresholds(x, lambda s: cluster_cut_points(s, 5, True, ties="scipy"), 10, np.random.default_rng(11))
    for level in (2, 3, 4, 5):
        assert res.thresholds[level] == pytest.approx(sum(r[level] for r in res.runs) / 10)


def test_same_seed_same_groups_other_seed_other_groups() -> None:
    a = resampling_groups(200, 10, np.random.default_rng(8675309))
    b = resampling_groups(200, 10, np.random.default_rng(8675309))
    c = resampling_groups(200, 10, np.random.default_rng(1))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_fewer_scores_than_groups_refused() -> None:
    with pytest.raises(RuleError, match="cannot be split into 10"):
        resampling_groups(9, 10, np.random.default_rng(0))
    with pytest.raises(RuleError, match="at least 2 groups"):
        resampling_groups(9, 1, np.random.default_rng(0))


def test_single_run_is_one_clustering_of_all_scores() -> None:
    res = single_run_thresholds([1, 2, 3, 10, 11, 12, 20, 21, 30, 31, 40], lambda s: cluster_cut_points(s, 5, True, ties="scipy"))
    assert res.thresholds == {2: 10.0, 3: 20.0, 4: 30.0, 5: 40.0}


def test_observed_score_projection() -> None:
    scores = [60.0, 62.0, 65.0, 70.0]
    assert project_threshold(62.4, scores, True, "observed-score") == 65.0
    assert project_threshold(62.4, scores, False, "observed-score") == 62.0
    assert project_threshold(62.0, scores, True, "observed-score") == 62.0
    assert project_threshold(62.4, scores, True, "none") == 62.4
    with pytest.raises(RuleError, match="unknown threshold projection"):
        project_threshold(1.0, scores, True, "nearest")  # type: ignore[arg-type]


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=12, max_value=2000), st.integers(min_value=2, max_value=12), st.integers(0, 2**32 - 1))
def test_group_sizes_differ_by_at_most_one(n: int, groups: int, seed: int) -> None:
    g = resampling_groups(n, groups, np.random.default_rng(seed))
    sizes = np.bincount(g, minlength=groups)
    assert sizes.sum() == n and sizes.max() - sizes.min() <= 1 and sizes.min() >= 1


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 100).map(float), min_size=10, max_size=120), st.integers(0, 2**32 - 1))
def test_deterministic_given_a_seed_and_monotone(xs: list[float], seed: int) -> None:
    def run(s: FloatArray) -> dict[int, float]:
        return cluster_cut_points(s, 5, True, ties="scipy")

    a = mean_resampled_thresholds(xs, run, 10, np.random.default_rng(seed))
    b = mean_resampled_thresholds(xs, run, 10, np.random.default_rng(seed))
    assert a == b
    values = [a.thresholds[s] for s in (2, 3, 4, 5)]
    assert values == sorted(values)
