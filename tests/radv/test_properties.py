"""Invariants of the estimators and the attribute bounds (hypothesis)."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from partcd.radv.rules.attribute import attribute_bounds, p_at_least, p_at_most
from partcd.radv.rules.estimators import StratumSample, stratified_mpu, unrestricted_mpu

money = st.floats(min_value=-5_000, max_value=50_000, allow_nan=False, allow_infinity=False).map(lambda x: round(x, 2))
samples = st.lists(money, min_size=2, max_size=40)
confidences = st.sampled_from([0.5, 0.8, 0.9, 0.95, 0.99, 0.999])
df_methods = st.sampled_from(["n_minus_1", "n_minus_L", "satterthwaite", "normal"])


@st.composite
def stratified(draw: st.DrawFn) -> list[StratumSample]:
    big_l = draw(st.integers(1, 4))
    out = []
    for h in range(big_l):
        ys = draw(samples)
        out.append(StratumSample(stratum=f"s{h}", population=len(ys) + draw(st.integers(0, 5000)), values=tuple(ys)))
    return out


@settings(max_examples=150, deadline=None)
@given(ys=samples, extra=st.integers(0, 10_000), c=confidences, df=df_methods,
       side=st.sampled_from(["two_sided", "one_sided_lower"]), fpc=st.booleans())
def test_one_stratum_equals_the_unrestricted_estimator(ys: list[float], extra: int, c: float, df: str, side: str,
                                                       fpc: bool) -> None:
    big_n = len(ys) + extra
    u = unrestricted_mpu(ys, big_n, c, side, df, fpc)  # type: ignore[arg-type]
    s = stratified_mpu([StratumSample(stratum="only", population=big_n, values=tuple(ys))], c, side, df, fpc)  # type: ignore[arg-type]
    assert s.point_estimate == pytest.approx(u.point_estimate, rel=1e-12, abs=1e-6)
    assert s.standard_error == pytest.approx(u.standard_error, rel=1e-9, abs=1e-6)
    assert s.n == u.n
    if u.standard_error > 0:
        if u.df is None:
            assert s.df is None
        else:
            assert s.df == pytest.approx(u.df, rel=1e-9)
        assert s.t_value == pytest.approx(u.t_value, rel=1e-9)
        assert s.lower_limit == pytest.approx(u.lower_limit, rel=1e-9, abs=1e-6)
    assert (s.upper_limit is None) == (u.upper_limit is None)


@settings(max_examples=150, deadline=None)
@given(strata=stratified(), c=confidences, df=df_methods)
def test_lower_limit_le_point_le_upper_limit(strata: list[StratumSample], c: float, df: str) -> None:
    e = stratified_mpu(strata, c, "two_sided", df)  # type: ignore[arg-type]
    assert e.upper_limit is not None
    assert e.lower_limit <= e.point_estimate <= e.upper_limit
    assert e.precision_amount >= 0
    assert e.upper_limit - e.point_estimate == pytest.approx(e.point_estimate - e.lower_limit, abs=1e-6)


@settings(max_examples=150, deadline=None)
@given(strata=stratified(), c=confidences, df=df_methods)
def test_one_sided_lower_limit_is_not_below_the_two_sided_one(strata: list[StratumSample], c: float, df: str) -> None:
    """One-sided uses t(1 - alpha) < t(1 - alpha/2): its lower limit is higher (or equal when SE = 0)."""
    two = stratified_mpu(strata, c, "two_sided", df)  # type: ignore[arg-type]
    one = stratified_mpu(strata, c, "one_sided_lower", df)  # type: ignore[arg-type]
    assert one.lower_limit >= two.lower_limit - 1e-9
    if two.standard_error > 1e-9:
        assert one.lower_limit > two.lower_limit
    # the two-sided lower limit at c is the one-sided lower limit at (1 + c)/2
    assert two.lower_limit == pytest.approx(
        stratified_mpu(strata, (1 + c) / 2, "one_sided_lower", df).lower_limit, rel=1e-9, abs=1e-6)  # type: ignore[arg-type]


@settings(max_examples=100, deadline=None)
@given(strata=stratified(), df=df_methods)
def test_higher_confidence_gives_a_lower_lower_limit(strata: list[StratumSample], df: str) -> None:
    limits = [stratified_mpu(strata, c, "two_sided", df).lower_limit for c in (0.8, 0.9, 0.95, 0.99)]  # type: ignore[arg-type]
    assert all(a >= b - 1e-9 for a, b in itertools.pairwise(limits))


@settings(max_examples=100, deadline=None)
@given(ys=samples)
def test_fpc_goes_to_zero_as_n_reaches_n(ys: list[float]) -> None:
    """SE with the FPC = SE without it x sqrt(1 - n/N): it shrinks as N falls to n and is 0 at a census."""
    n = len(ys)
    no_fpc = unrestricted_mpu(ys, n + 1000, 0.9, fpc=False).standard_error / (n + 1000)
    previous = math.inf
    for extra in (1000, 100, 10, 1, 0):
        big_n = n + extra
        e = unrestricted_mpu(ys, big_n, 0.9)
        per_unit = e.standard_error / big_n
        assert per_unit == pytest.approx(no_fpc * math.sqrt(1 - n / big_n), rel=1e-9, abs=1e-9)
        assert per_unit <= previous + 1e-12
        previous = per_unit
    census = unrestricted_mpu(ys, n, 0.9)
    assert census.standard_error == 0.0
    assert census.lower_limit == census.point_estimate == pytest.approx(sum(ys))


@settings(max_examples=100, deadline=None)
@given(strata=stratified(), k=st.floats(min_value=0.01, max_value=100), c=confidences)
def test_scaling_the_errors_scales_every_figure(strata: list[StratumSample], k: float, c: float) -> None:
    base = stratified_mpu(strata, c)
    scaled = stratified_mpu([s.model_copy(update={"values": tuple(v * k for v in s.values)}) for s in strata], c)
    assert scaled.point_estimate == pytest.approx(k * base.point_estimate, rel=1e-9, abs=1e-5)
    assert scaled.standard_error == pytest.approx(k * base.standard_error, rel=1e-9, abs=1e-5)
    assert scaled.lower_limit == pytest.approx(k * base.lower_limit, rel=1e-9, abs=1e-4)


@settings(max_examples=100, deadline=None)
@given(strata=stratified())
def test_satterthwaite_df_lies_between_the_smallest_stratum_and_n_minus_l(strata: list[StratumSample]) -> None:
    e = stratified_mpu(strata, 0.9, df_method="satterthwaite")
    assume(e.standard_error > 1e-6)
    assert e.df is not None
    sampled = [len(s.values) for s in strata if len(s.values) > 1]
    assert min(sampled) - 1 - 1e-9 <= e.df <= e.n - len(strata) + 1e-9


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_attribute_bounds_bracket_the_likeliest_count_and_match_brute_force(data: st.DataObject) -> None:
    big_n = data.draw(st.integers(1, 60))
    n = data.draw(st.integers(1, big_n))
    k = data.draw(st.integers(0, n))
    c = data.draw(st.sampled_from([0.8, 0.9, 0.95, 0.99]))
    a = attribute_bounds(big_n, n, k, c)
    assert a.lower_count is not None and a.upper_count is not None
    # The bounds bracket the most likely count floor(k (N + 1) / n) (the hypergeometric MLE of the errors in the
    # population); the unbiased point N k / n may lie above an integer upper bound (N = 21, n = 20, k = 1: 1.05 > 1).
    mle = min(max(k * (big_n + 1) // n, k), big_n - n + k)
    assert k <= a.lower_count <= mle <= a.upper_count <= big_n - n + k
    assert a.lower_count - 1 <= a.point_count <= a.upper_count + 1  # the MLE is within one of N k / n
    alpha = (1 - c) / 2
    brute_lower = 0 if k == 0 else min(m for m in range(k, big_n - n + k + 1) if p_at_least(k, big_n, m, n) >= alpha)
    brute_upper = max(m for m in range(k, big_n - n + k + 1) if p_at_most(k, big_n, m, n) >= alpha)
    assert (a.lower_count, a.upper_count) == (brute_lower, brute_upper)
    one = attribute_bounds(big_n, n, k, c, "one_sided_lower")
    assert one.upper_count is None and one.lower_count is not None and one.lower_count >= a.lower_count
