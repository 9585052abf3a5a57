"""§ 422.164(f)(1), § 423.184(f)(1) - improvement measures (4185-P L739, L815, L2212, L3183; 2026 TN Attachment I)."""

from __future__ import annotations

import pytest

from partcd.core.errors import RuleError
from partcd.platform.params import load_params
from partcd.stars.rules.improvement import (
    MeasureChange,
    change_significance,
    change_standard_error,
    exclusion_reason,
    improvement_score,
    improvement_stars,
    reverted_measures,
)
from partcd.stars.rules.models import CutPoints, Part
from partcd.stars.rules.params import rating_params

P = rating_params(load_params("stars", 2025))


def _m(key: str, prior: float | None, current: float | None, weight: float = 1, se: float = 1.0, r: float = 0.0,
       higher: bool = True, **kw: object) -> MeasureChange:
    return MeasureChange(key, Part.C, higher, weight, prior, current, se, se, r, **kw)  # type: ignore[arg-type]


def test_standard_error_worked_example() -> None:
    # TN L5709: sqrt(2.805^2 + 3.000^2 - 2 * 0.901 * 2.805 * 3.000) = 1.305
    assert change_standard_error(2.805, 3.0, 0.901) == pytest.approx(1.305, abs=5e-4)


@pytest.mark.parametrize(
    ("prior", "current", "higher", "change"),
    [
        (70, 73, True, 1),  # +3 / sqrt(2) = 2.12 > 1.96
        (70, 72.7, True, 0),  # 2.7 / 1.414 = 1.909
        (73, 70, True, -1),
        (0.5, 0.2, False, 1),  # lower is better: prior - current = 0.3; se 0.1 * sqrt 2 -> z 2.12
    ],
)
def test_significance_two_sided_at_1_96(prior: float, current: float, higher: bool, change: int) -> None:
    se = 0.1 if not higher else 1.0
    c, z, _ = change_significance(_m("m", prior, current, se=se, higher=higher), P)
    assert c == change and z is not None


def test_five_star_hold_harmless_for_a_significant_decline() -> None:
    declined = _m("m", 90, 80, prior_stars=5, current_stars=5)
    assert change_significance(declined, P)[0] == 0
    assert change_significance(_m("m", 90, 80, prior_stars=5, current_stars=4), P)[0] == -1


def test_weighted_net_improvement_by_hand() -> None:
    # process (w1) improved, outcome (w3) declined, patient experience (w2) no change, access (w2) improved:
    # (1 - 3 + 0 + 2) / (1 + 3 + 2 + 2) = 0 / 8 = 0; with the outcome unchanged: (1 + 0 + 0 + 2) / 8 = 0.375
    ms = [_m("p", 70, 75, 1), _m("o", 70, 65, 3), _m("x", 70, 70, 2), _m("a", 70, 75, 2)]
    assert improvement_score(ms, P).score == 0
    ms[1] = _m("o", 70, 70, 3)
    s = improvement_score(ms, P)
    assert s.score == pytest.approx(3 / 8) and (s.eligible_count, s.counted_count, s.minimum_count) == (4, 4, 2)


def test_at_least_half_of_the_measures_in_both_years() -> None:
    ms = [_m("a", 70, 75), _m("b", None, 70), _m("c", 70, None), _m("d", 70, 71)]
    assert improvement_score(ms, P).score is not None  # 2 of 4
    ms[3] = _m("d", None, 71)
    out = improvement_score(ms, P)
    assert out.score is None and "1 of 4" in (out.reason or "")


def test_data_integrity_reduction_excludes_the_measure_from_the_calculation() -> None:
    # § 422.164(f)(1)(v): reduced in the current or prior year -> not in the improvement measure
    counted, why = exclusion_reason(_m("a", 70, 90, integrity_reduced=True))
    assert counted and "data integrity" in (why or "")
    s = improvement_score([_m("a", 70, 90, integrity_reduced=True), _m("b", 70, 70), _m("c", 70, 70)], P)
    assert s.score == 0 and s.eligible_count == 2 and s.counted_count == 3


def test_disaster_reverted_measure_leaves_the_count_too() -> None:
    # § 422.166(i)(7): out of the count and the calculation; with it 1 of 3 would fail, without it 1 of 2 passes
    ms = [_m("a", 70, 75, disaster_reverted=True), _m("b", 70, 75), _m("c", None, 70)]
    s = improvement_score(ms, P)
    assert (s.counted_count, s.eligible_count, s.score) == (2, 1, 1.0)
    assert reverted_measures(ms) == {"a"}


def test_significance_needs_standard_errors() -> None:
    with pytest.raises(RuleError, match="standard errors"):
        change_significance(MeasureChange("m", Part.D, True, 1, 70, 75), P)


def test_improvement_star_from_cut_points() -> None:
    # 2024 C27: < -0.262671 | >= -0.262671 to < 0 | >= 0 to < 0.190622 | ... | >= 0.385631
    cp = CutPoints("health_plan_quality_improvement", True, {2: -0.262671, 3: 0.0, 4: 0.190622, 5: 0.385631})
    assert [improvement_stars(s, cp) for s in (-0.3, -0.1, 0.0, 0.2, 0.4)] == [1, 2, 3, 4, 5]
