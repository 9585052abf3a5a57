"""Mean-per-unit estimators against hand computations (arithmetic in the comments; t-values from printed tables).

The t and z quantiles are compared with the values of a printed Student t table (3 decimals), not with scipy, so these
tests also check the quantile level chosen for two-sided and one-sided limits.
"""

from __future__ import annotations

import math

import pytest

from partcd.core.errors import ConfigError, RuleError
from partcd.radv.rules.estimators import StratumSample, satterthwaite_df, stratified_mpu, unrestricted_mpu

# Student t table: t(0.95, 3) = 2.353, t(0.90, 3) = 1.638, t(0.95, 5) = 2.015, t(0.995, 198) ~ 2.601; z(0.95) = 1.645
T_95_3, T_90_3, T_95_5, Z_95 = 2.353, 1.638, 2.015, 1.645


def test_unrestricted_two_sided_by_hand() -> None:
    # y = 100, 200, 300, 400; N = 10; c = 0.90 two-sided
    # ybar = 1000/4 = 250; deviations -150, -50, 50, 150 -> squares 22,500 + 2,500 + 2,500 + 22,500 = 50,000
    # s^2 = 50,000 / 3 = 16,666.67; f = 1 - 4/10 = 0.6
    # SE = 10 * sqrt(0.6 * 16,666.67 / 4) = 10 * sqrt(2,500) = 500; T = 10 * 250 = 2,500
    # df = 3; t(0.95, 3) = 2.353 -> precision = 1,176.7; limits 1,323.3 .. 3,676.7; precision % = 47.07
    e = unrestricted_mpu([100, 200, 300, 400], 10, 0.90)
    assert e.point_estimate == pytest.approx(2500.0)
    assert e.standard_error == pytest.approx(500.0)
    assert e.df == 3
    assert e.t_value == pytest.approx(T_95_3, abs=5e-4)
    assert e.t_value is not None
    assert e.lower_limit == pytest.approx(2500 - 500 * e.t_value)
    assert e.lower_limit == pytest.approx(1323.3, abs=0.3)
    assert e.upper_limit == pytest.approx(3676.7, abs=0.3)
    assert e.precision_amount == pytest.approx(1176.7, abs=0.3)
    assert e.precision_percent == pytest.approx(47.07, abs=0.01)


def test_unrestricted_one_sided_lower_and_normal() -> None:
    # one-sided 90 %: t(0.90, 3) = 1.638 -> lower = 2,500 - 1.638 * 500 = 1,681.1; no upper limit
    e = unrestricted_mpu([100, 200, 300, 400], 10, 0.90, sidedness="one_sided_lower")
    assert e.t_value == pytest.approx(T_90_3, abs=5e-4)
    assert e.lower_limit == pytest.approx(1681.1, abs=0.3)
    assert e.upper_limit is None
    # normal: z(0.95) = 1.645 -> precision = 822.4; df is None
    z = unrestricted_mpu([100, 200, 300, 400], 10, 0.90, df_method="normal")
    assert z.df is None
    assert z.t_value == pytest.approx(Z_95, abs=5e-4)
    assert z.precision_amount == pytest.approx(822.4, abs=0.3)


def test_unrestricted_without_fpc() -> None:
    # no FPC: SE = 10 * sqrt(16,666.67 / 4) = 10 * 64.55 = 645.5
    e = unrestricted_mpu([100, 200, 300, 400], 10, 0.90, fpc=False)
    assert e.standard_error == pytest.approx(10 * math.sqrt(50000 / 3 / 4))
    assert e.standard_error == pytest.approx(645.5, abs=0.05)


def _two_strata() -> list[StratumSample]:
    return [StratumSample(stratum="low", population=10, values=(100, 200, 300)),
            StratumSample(stratum="high", population=20, values=(0, 50, 100, 150))]


def test_stratified_by_hand() -> None:
    # stratum low: N=10, y = 100, 200, 300 -> ybar = 200, SS = 10,000 + 0 + 10,000 = 20,000, s^2 = 10,000
    #   f = 1 - 3/10 = 0.7; T_h = 2,000; v_h = 10^2 * 0.7 * 10,000 / 3 = 233,333.33
    # stratum high: N=20, y = 0, 50, 100, 150 -> ybar = 75, SS = 5,625 + 625 + 625 + 5,625 = 12,500, s^2 = 4,166.67
    #   f = 1 - 4/20 = 0.8; T_h = 1,500; v_h = 20^2 * 0.8 * 4,166.67 / 4 = 333,333.33
    # T = 3,500; V = 566,666.67; SE = 752.77; df = n - L = 7 - 2 = 5; t(0.95, 5) = 2.015
    # precision = 2.015 * 752.77 = 1,516.9; limits 1,983.1 .. 5,016.9
    e = stratified_mpu(_two_strata(), 0.90)
    assert [s.total for s in e.strata] == pytest.approx([2000.0, 1500.0])
    assert [s.variance_of_total for s in e.strata] == pytest.approx([233333.333, 333333.333])
    assert e.point_estimate == pytest.approx(3500.0)
    assert e.standard_error == pytest.approx(752.77, abs=0.01)
    assert (e.n, e.df, e.population, e.strata_count) == (7, 5, 30, 2)
    assert e.t_value == pytest.approx(T_95_5, abs=5e-4)
    assert e.lower_limit == pytest.approx(1983.1, abs=0.3)
    assert e.upper_limit == pytest.approx(5016.9, abs=0.3)


def test_stratified_satterthwaite_and_n_minus_1_by_hand() -> None:
    # Satterthwaite: V^2 / (v_1^2/2 + v_2^2/3) = 566,666.67^2 / (233,333.33^2/2 + 333,333.33^2/3)
    #              = 3.2111e11 / (2.7222e10 + 3.7037e10) = 3.2111e11 / 6.4259e10 = 4.9971
    sat = stratified_mpu(_two_strata(), 0.90, df_method="satterthwaite")
    assert sat.df == pytest.approx(4.9971, abs=1e-4)
    assert satterthwaite_df([233333.333, 333333.333], [3, 4]) == pytest.approx(4.9971, abs=1e-4)
    # n - 1 = 6
    assert stratified_mpu(_two_strata(), 0.90, df_method="n_minus_1").df == 6


def test_census_stratum_adds_its_total_without_variance() -> None:
    # stratum "all": N = n = 2, y = 5,000, 7,000 -> T_h = 12,000 exactly, f = 0, v_h = 0
    # stratum "rest": N = 10, y = 0, 100 -> ybar = 50, s^2 = 5,000, f = 0.8, v_h = 100 * 0.8 * 5,000 / 2 = 200,000
    # T = 12,000 + 500 = 12,500; SE = sqrt(200,000) = 447.21
    e = stratified_mpu([StratumSample(stratum="all", population=2, values=(5000, 7000)),
                        StratumSample(stratum="rest", population=10, values=(0, 100))], 0.90)
    assert e.strata[0].variance_of_total == 0.0
    assert e.point_estimate == pytest.approx(12500.0)
    assert e.standard_error == pytest.approx(447.21, abs=0.01)
    # a census stratum of a single unit is fine too
    one = stratified_mpu([StratumSample(stratum="x", population=1, values=(250,)),
                          StratumSample(stratum="y", population=4, values=(10, 30))], 0.90)
    assert one.point_estimate == pytest.approx(250 + 4 * 20)


def test_full_census_has_zero_error_and_equal_limits() -> None:
    e = unrestricted_mpu([10, 20, 30], 3, 0.99)
    assert e.standard_error == 0.0
    assert e.lower_limit == e.point_estimate == e.upper_limit == pytest.approx(60.0)
    assert e.precision_amount == 0.0


def test_radv_design_has_198_df_and_the_99_percent_t() -> None:
    strata = [StratumSample(stratum=str(h), population=5000, values=tuple(float(i % 7) * 100 * h for i in range(67)))
              for h in (1, 2, 3)]
    e = stratified_mpu(strata, 0.99)
    assert (e.n, e.df) == (201, 198)
    assert e.t_value == pytest.approx(2.601, abs=1e-3)  # t(0.995, 198)


def test_precision_percent_is_none_when_the_estimate_is_zero() -> None:
    e = unrestricted_mpu([-100, 100], 10, 0.90)
    assert e.point_estimate == 0.0
    assert e.precision_percent is None


def test_the_step_list_shows_each_formula_with_its_numbers() -> None:
    e = stratified_mpu(_two_strata(), 0.90)
    text = [s.text() for s in e.steps]
    assert "stratum low: variance of total: v_h = N_h^2 * f_h * s_h^2 / n_h; 10^2 x 0.7 x 10,000 / 3 = 233,333.333333" \
        in text
    assert "point estimate: T = sum_h T_h; 2,000 + 1,500 = 3,500" in text
    assert "degrees of freedom: n - L; 7 - 2 = 5" in text
    assert any(t.startswith("upper limit: T + t * SE; 3,500 + 1,516.") for t in text)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: unrestricted_mpu([1, 2], 10, 1.0), ConfigError, "strictly between 0 and 1"),
        (lambda: unrestricted_mpu([1, 2], 10, 0.9, sidedness="upper"), ConfigError, "sidedness"),  # type: ignore[arg-type]
        (lambda: unrestricted_mpu([1, 2], 10, 0.9, df_method="n"), ConfigError, "df method"),  # type: ignore[arg-type]
        (lambda: unrestricted_mpu([1, 2, 3], 2, 0.9), RuleError, "smaller than the 3 sampled"),
        (lambda: unrestricted_mpu([1], 5, 0.9), RuleError, "no variance estimate"),
        (lambda: unrestricted_mpu([], 5, 0.9), RuleError, "no sampled units"),
        (lambda: unrestricted_mpu([1, float("nan")], 5, 0.9), RuleError, "finite"),
        (lambda: stratified_mpu([], 0.9), RuleError, "at least one stratum"),
        (lambda: stratified_mpu([StratumSample(stratum="a", population=5, values=(1, 2)),
                                 StratumSample(stratum="a", population=5, values=(1, 2))], 0.9), RuleError, "more than once"),
        (lambda: stratified_mpu([StratumSample(stratum="a", population=5, values=(7,))], 0.9), RuleError,
         "one sampled unit out of 5"),
    ],
)
def test_refusals(call: object, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        call()  # type: ignore[operator]
