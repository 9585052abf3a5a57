"""§ 422.162(a), § 423.182(a) - quartiles (footnote 19, SAS QNTLDEF=5) and outer fences Q1 - 3*IQR, Q3 + 3*IQR (4185-P L2195)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partcd.core.errors import RuleError
from partcd.stars.rules.tukey import (
    delete_outer_fence_outliers,
    delete_outliers_by_sign,
    outer_fences,
    quartiles,
    within_fences,
)


@pytest.mark.parametrize(
    ("n", "method", "expected"),
    [
        # even n = 8: halves [1..4] and [5..8] -> 2.5, 6.5 by every method
        (8, "fn19-halves-exclusive", (2.5, 6.5)),
        (8, "fn19-halves-inclusive", (2.5, 6.5)),
        (8, "sas-qntldef5", (2.5, 6.5)),  # 8*.25 = 2 -> (x2+x3)/2; 8*.75 = 6 -> (x6+x7)/2
        # odd n = 7: exclusive halves [1,2,3], [5,6,7]; inclusive [1..4], [4..7]
        (7, "fn19-halves-exclusive", (2.0, 6.0)),
        (7, "fn19-halves-inclusive", (2.5, 5.5)),
        (7, "sas-qntldef5", (2.0, 6.0)),  # 1.75 -> x2; 5.25 -> x6
        # odd n = 9: exclusive [1..4], [6..9]; inclusive [1..5], [5..9]
        (9, "fn19-halves-exclusive", (2.5, 7.5)),
        (9, "fn19-halves-inclusive", (3.0, 7.0)),
        (9, "sas-qntldef5", (3.0, 7.0)),  # 2.25 -> x3; 6.75 -> x7
        # n = 4: halves [1,2], [3,4] -> 1.5, 3.5; SAS 4*.25 = 1 -> (x1+x2)/2
        (4, "fn19-halves-exclusive", (1.5, 3.5)),
        (4, "sas-qntldef5", (1.5, 3.5)),
    ],
)
def test_quartiles_small_samples(n: int, method: str, expected: tuple[float, float]) -> None:
    data = list(np.random.default_rng(n).permutation(np.arange(1.0, n + 1)))
    assert quartiles(data, method) == expected  # type: ignore[arg-type]


def test_fences_at_the_boundary_kept_just_beyond_deleted() -> None:
    # [1..8, x], x >= 8: exclusive halves [1,2,3,4] -> Q1 2.5; [6,7,8,x] -> Q3 7.5; IQR 5; fences -12.5 and 22.5
    assert outer_fences([1, 2, 3, 4, 5, 6, 7, 8, 22.5], 3, "fn19-halves-exclusive") == (-12.5, 22.5)
    assert within_fences([1, 2, 3, 4, 5, 6, 7, 8, 22.5], 3, "fn19-halves-exclusive").all()
    kept = delete_outer_fence_outliers([1, 2, 3, 4, 5, 6, 7, 8, 22.51], 3, "fn19-halves-exclusive")
    assert kept.tolist() == [1, 2, 3, 4, 5, 6, 7, 8]


def test_lower_fence_outlier_deleted() -> None:
    # [x, 10..17]: exclusive halves [x,10,11,12] -> Q1 10.5; [14..17] -> Q3 15.5; IQR 5; lower fence -4.5
    assert delete_outer_fence_outliers([-4.5, 10, 11, 12, 13, 14, 15, 16, 17], 3, "fn19-halves-exclusive").size == 9
    assert delete_outer_fence_outliers([-4.6, 10, 11, 12, 13, 14, 15, 16, 17], 3, "fn19-halves-exclusive").size == 8


def test_improvement_scores_fenced_separately_by_sign() -> None:
    neg = [-0.2, -0.21, -0.22, -0.23, -0.24, -0.25, -0.26, -0.27, -3.0]  # -3.0 far below the negatives' fence
    nonneg = [0.0, 0.1, 0.1, 0.2, 0.2, 0.3]
    kept = delete_outliers_by_sign(neg + nonneg, 3, "sas-qntldef5")
    assert sorted(kept.tolist()) == sorted(neg[:-1] + nonneg)


def test_empty_and_unknown_method_refused() -> None:
    with pytest.raises(RuleError, match="empty"):
        quartiles([], "sas-qntldef5")
    with pytest.raises(RuleError, match="unknown quartile method"):
        quartiles([1.0], "type7")  # type: ignore[arg-type]
    assert quartiles([4.0], "fn19-halves-exclusive") == (4.0, 4.0)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-1000, 1000, allow_nan=False), min_size=1, max_size=60))
def test_sas_qntldef5_is_numpy_averaged_inverted_cdf(xs: list[float]) -> None:
    q1, q3 = quartiles(xs, "sas-qntldef5")
    expected = np.percentile(np.array(xs), [25, 75], method="averaged_inverted_cdf")
    assert q1 == pytest.approx(expected[0]) and q3 == pytest.approx(expected[1])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-1000, 1000, allow_nan=False), min_size=1, max_size=60),
       st.sampled_from(["fn19-halves-exclusive", "fn19-halves-inclusive", "sas-qntldef5"]))
def test_quartiles_ordered_and_fences_keep_the_middle_half(xs: list[float], method: str) -> None:
    q1, q3 = quartiles(xs, method)  # type: ignore[arg-type]
    assert min(xs) <= q1 <= q3 <= max(xs)
    kept = delete_outer_fence_outliers(xs, 3, method)  # type: ignore[arg-type]
    inside = [v for v in xs if q1 <= v <= q3]
    assert all(v in kept for v in inside)
