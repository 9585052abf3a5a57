"""Extrapolation per payment year and reading, recovery with and without an FFS Adjuster, MARx offsets, attribute
bounds by hand."""

from __future__ import annotations

import pytest

from partcd.core.errors import ConfigError, ParameterError, RuleError
from partcd.platform.params import load_params
from partcd.radv.rules.attribute import attribute_bounds
from partcd.radv.rules.estimators import StratumSample, stratified_mpu
from partcd.radv.rules.parameters import RadvParams
from partcd.radv.rules.recovery import contract_recovery, extrapolation_decision, marx_offsets, radv_recovery


def _p(py: int) -> RadvParams:
    return load_params("radv", py).typed(RadvParams)


@pytest.mark.parametrize(
    ("py", "reading", "scope", "allowed"),
    [
        (2011, "in_force", "contract", False),        # final rule: no extrapolation for PYs 2011-2017
        (2017, "in_force", "contract", False),
        (2018, "in_force", "contract", True),         # final rule: from PY 2018
        (2031, "in_force", "contract", True),         # carried forward: "and subsequent payment years"
        (2018, "in_force", "sub_cohort", True),       # any statistically valid method
        (2011, "proposed_2018", "contract", True),    # proposal: PY 2011 forward (L2487, L2497)
        (2013, "proposed_2018", "sub_cohort", False),  # proposal: no sub-cohort before PY 2014 (L1219)
        (2014, "proposed_2018", "sub_cohort", True),
    ],
)
def test_extrapolation_decision(py: int, reading: str, scope: str, allowed: bool) -> None:
    d = extrapolation_decision(py, _p(py), reading, scope)  # type: ignore[arg-type]
    assert d.extrapolation_allowed is allowed
    assert d.ffs_adjuster is False
    assert ("88 FR 6643" in d.citation) is (reading == "in_force")


def test_no_parameters_before_payment_year_2011() -> None:
    with pytest.raises(ParameterError, match="no parameters for payment_year 2010"):
        load_params("radv", 2010)


def test_bad_reading_is_refused() -> None:
    with pytest.raises(ConfigError, match="reading must be one of"):
        extrapolation_decision(2018, _p(2018), "final")  # type: ignore[arg-type]


STRATA = [StratumSample(stratum="1", population=1000, values=(0, 0, 500, 1500)),
          StratumSample(stratum="2", population=1000, values=(0, 1000, 3000, 4000))]
# T = 1000 x 500 + 1000 x 2000 = 2,500,000; sum of the 8 sampled errors = 10,000


def test_recovery_py2018_is_the_lower_limit_and_py2017_the_sampled_errors() -> None:
    est = stratified_mpu(STRATA, 0.99)
    errors = [y for s in STRATA for y in s.values]
    r18 = contract_recovery(est, errors, 2018, _p(2018))
    assert r18.basis == "extrapolated"
    assert r18.recovery == pytest.approx(max(0.0, est.lower_limit))
    r17 = contract_recovery(est, errors, 2017, _p(2017))
    assert r17.basis == "sampled_enrollees_only"
    assert r17.recovery == pytest.approx(10000.0)
    r17p = contract_recovery(est, errors, 2017, _p(2017), reading="proposed_2018")
    assert r17p.basis == "extrapolated"
    point = contract_recovery(est, errors, 2018, _p(2018), recovery_bound="point")
    assert point.recovery == pytest.approx(2_500_000.0)


def test_ffs_adjuster_is_a_comparison_only() -> None:
    # one-sided lower limit used as the bound; FFS Adjuster 2 % of $20,000,000 = $400,000 off the bound
    est = stratified_mpu(STRATA, 0.90, sidedness="one_sided_lower")
    errors = [y for s in STRATA for y in s.values]
    r = contract_recovery(est, errors, 2018, _p(2018), ffs_adjuster_rate=0.02, contract_payments_usd=20_000_000)
    assert r.ffs_adjuster_offset == pytest.approx(400_000.0)
    assert r.recovery_with_ffs_adjuster == pytest.approx(max(0.0, est.lower_limit - 400_000))
    assert r.recovery == r.recovery_without_ffs_adjuster == pytest.approx(max(0.0, est.lower_limit))
    with pytest.raises(ConfigError, match="both a rate"):
        contract_recovery(est, errors, 2018, _p(2018), ffs_adjuster_rate=0.02)


def test_a_negative_bound_recovers_nothing() -> None:
    est = stratified_mpu([StratumSample(stratum="1", population=100, values=(-500, 10, 20))], 0.99)
    r = contract_recovery(est, [-500, 10, 20], 2018, _p(2018))
    assert est.lower_limit < 0 and r.recovery == 0.0


def test_radv_recovery_uses_the_payment_year_settings() -> None:
    audit = radv_recovery(STRATA, 2018, _p(2018))
    assert audit.estimate.confidence == pytest.approx(0.99)
    assert audit.estimate.sidedness == "two_sided" and audit.estimate.df == 6  # n - L = 8 - 2
    assert audit.recovery.recovery == pytest.approx(max(0.0, audit.estimate.lower_limit))


def test_marx_offsets_spread_a_recovery_over_months() -> None:
    # $2,500,000 against $1,000,000 a month: 1,000,000 + 1,000,000 + 500,000 (L1227)
    offsets = marx_offsets(2_500_000, [1_000_000] * 6)
    assert [o.offset for o in offsets] == [1_000_000, 1_000_000, 500_000]
    assert offsets[-1].remaining_after == 0
    assert marx_offsets(0, [10.0]) == []
    with pytest.raises(RuleError, match="still to recover"):
        marx_offsets(2_500_000, [1_000_000, 1_000_000])


def test_attribute_bounds_by_hand() -> None:
    # N = 10, n = 5, k = 0, 90 % one-sided upper: P(X = 0 | M) = C(10 - M, 5) / C(10, 5) = C(10 - M, 5) / 252
    #   M = 1: 126/252 = 0.500; M = 2: 56/252 = 0.222; M = 3: 21/252 = 0.083 < 0.10 -> upper bound 2
    a = attribute_bounds(10, 5, 0, 0.90, "one_sided_upper")
    assert (a.lower_count, a.upper_count, a.point_count) == (None, 2, 0.0)
    # k = 5 of 5, 90 % one-sided lower: P(X = 5 | M) = C(M, 5) / 252; M = 7: 21/252 = 0.083; M = 8: 56/252 = 0.222
    b = attribute_bounds(10, 5, 5, 0.90, "one_sided_lower")
    assert (b.lower_count, b.upper_count) == (8, None)
    # two-sided 80 % = one-sided 90 % on each side
    c = attribute_bounds(10, 5, 0, 0.80)
    assert (c.lower_count, c.upper_count) == (0, 2)
    assert c.upper_rate == pytest.approx(0.2)


def test_attribute_bounds_refusals() -> None:
    with pytest.raises(RuleError, match="between 0 and the sample size"):
        attribute_bounds(10, 5, 6, 0.9)
    with pytest.raises(RuleError, match="between 1 and the population"):
        attribute_bounds(10, 11, 0, 0.9)
    with pytest.raises(ConfigError, match="strictly between"):
        attribute_bounds(10, 5, 1, 0)
