"""An independent implementation on random samples, and the coverage of the intervals by simulation.

The reference below is written differently on purpose: plain Python loops over sampled units with expansion weights
``w_i = N_h / n_h`` (point estimate ``sum_i w_i y_i``), the variance as ``sum_h N_h (N_h - n_h) / n_h * s_h^2``
with ``s_h^2`` from :func:`statistics.variance`, the Student t quantile by bisection on scipy's CDF
(``scipy.special.stdtr``, not ``t.ppf``) and the normal quantile from :class:`statistics.NormalDist`.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from scipy import special

from partcd.radv.rules.estimators import StratumSample, stratified_mpu, unrestricted_mpu
from partcd.radv.samples import synthetic_audit


def _t_quantile(q: float, df: float) -> float:
    lo, hi = 0.0, 1000.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if special.stdtr(df, mid) < q:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _reference(strata: list[tuple[int, list[float]]], confidence: float, two_sided: bool,
               df_method: str) -> dict[str, float | None]:
    point = 0.0
    var = 0.0
    parts: list[tuple[float, int]] = []
    n = 0
    for big_n, ys in strata:
        n_h = len(ys)
        w = big_n / n_h
        for y in ys:
            point += w * y
        s2 = statistics.variance(ys) if n_h > 1 else 0.0
        a = big_n * (big_n - n_h) / n_h * s2
        var += a
        parts.append((a, n_h))
        n += n_h
    q = 1 - (1 - confidence) / 2 if two_sided else confidence
    if df_method == "normal":
        df: float | None = None
        crit = statistics.NormalDist().inv_cdf(q)
    else:
        if df_method == "n_minus_1":
            df = n - 1
        elif df_method == "n_minus_L":
            df = n - len(strata)
        else:
            df = var ** 2 / sum(a * a / (k - 1) for a, k in parts if k > 1)
        crit = _t_quantile(q, df)
    se = math.sqrt(var)
    return {"point": point, "se": se, "df": df, "t": crit, "lower": point - crit * se,
            "upper": point + crit * se if two_sided else None}


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("df_method", ["n_minus_1", "n_minus_L", "satterthwaite", "normal"])
def test_stratified_matches_the_independent_formulation(seed: int, df_method: str) -> None:
    rng = np.random.default_rng(seed)
    big_l = int(rng.integers(1, 6))
    strata: list[tuple[int, list[float]]] = []
    for _ in range(big_l):
        n_h = int(rng.integers(2, 40))
        big_n = n_h + int(rng.integers(0, 2000))
        ys = [round(float(v), 2) for v in rng.gamma(1.2, 900, n_h) * (rng.random(n_h) < 0.4) - rng.random(n_h) * 20]
        strata.append((big_n, ys))
    confidence = float(rng.choice([0.80, 0.90, 0.95, 0.99]))
    two_sided = bool(rng.integers(2))
    got = stratified_mpu([StratumSample(stratum=f"s{i}", population=big_n, values=tuple(ys))
                          for i, (big_n, ys) in enumerate(strata)], confidence,
                         "two_sided" if two_sided else "one_sided_lower", df_method)  # type: ignore[arg-type]
    ref = _reference(strata, confidence, two_sided, df_method)
    assert got.point_estimate == pytest.approx(ref["point"], rel=1e-10, abs=1e-6)
    assert got.standard_error == pytest.approx(ref["se"], rel=1e-10, abs=1e-6)
    assert got.t_value == pytest.approx(ref["t"], rel=1e-8)
    assert got.lower_limit == pytest.approx(ref["lower"], rel=1e-8, abs=1e-4)
    if ref["df"] is None:
        assert got.df is None
    else:
        assert got.df == pytest.approx(ref["df"], rel=1e-10)
    if two_sided:
        assert got.upper_limit == pytest.approx(ref["upper"], rel=1e-8, abs=1e-4)
    else:
        assert got.upper_limit is None


@pytest.mark.parametrize("seed", range(8))
def test_unrestricted_matches_the_independent_formulation(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(2, 300))
    big_n = n + int(rng.integers(0, 50_000))
    ys = [float(v) for v in np.round(rng.normal(500, 2000, n), 2)]
    got = unrestricted_mpu(ys, big_n, 0.95)
    ref = _reference([(big_n, ys)], 0.95, True, "n_minus_1")
    assert (got.point_estimate, got.standard_error) == pytest.approx((ref["point"], ref["se"]), rel=1e-10)
    assert got.lower_limit == pytest.approx(ref["lower"], rel=1e-8, abs=1e-4)


def test_interval_coverage_by_simulation() -> None:
    """Repeated 3 x 67 samples from one synthetic contract: the lower limits (the recovery side) hold the stated
    confidence - a two-sided 90 % lower limit is below the true total about 95 % of the time, a one-sided 90 % lower
    limit about 90 % - and the two-sided interval covers about 90 % (a little less: the errors are right-skewed, so the
    upper tail under-covers)."""
    audit = synthetic_audit(2024, strata_sizes=(3000, 3000, 3000), error_share=(0.25, 0.35, 0.45),
                            mean_error_usd=(800.0, 1500.0, 3000.0))
    truth = audit.true_total
    rng = np.random.default_rng(99)
    reps = 1500
    covered = two_sided_below = one_sided_below = 0
    for _ in range(reps):
        strata = []
        for label, errors in audit.population_errors.items():
            picked = rng.choice(errors.size, size=67, replace=False)
            strata.append(StratumSample(stratum=label, population=int(errors.size), values=tuple(errors[picked])))
        two = stratified_mpu(strata, 0.90)
        one = stratified_mpu(strata, 0.90, sidedness="one_sided_lower")
        assert two.upper_limit is not None
        covered += two.lower_limit <= truth <= two.upper_limit
        two_sided_below += two.lower_limit <= truth
        one_sided_below += one.lower_limit <= truth
    # 1,500 replications: the standard error of a proportion near 0.90 is about 0.008, near 0.95 about 0.006
    assert 0.93 <= two_sided_below / reps <= 0.975
    assert 0.87 <= one_sided_below / reps <= 0.93
    assert 0.85 <= covered / reps <= 0.93
