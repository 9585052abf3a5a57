"""§§ 422.166(a)(3), 423.186(a)(3) - CAHPS stars: base-group percentiles, significance and reliability (stars.md §9.1).

All expected values are computed by hand in the comments.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from partcd.core.errors import RuleError
from partcd.platform.params import load_params
from partcd.stars.rules.cahps import (
    CahpsCutPoints,
    CahpsMethod,
    CahpsScore,
    base_cut_points,
    cahps_method,
    cahps_star,
    cahps_stars,
    percentile,
)
from partcd.stars.rules.methodology import StarsParams
from partcd.stars.rules.models import ContractType

METHOD = cahps_method(load_params("stars", 2026).typed(StarsParams))


def test_method_from_the_rating_years_parameters() -> None:
    assert METHOD.base_percentiles == (15, 30, 60, 80)
    assert (METHOD.min_reliability, METHOD.low_reliability_below, METHOD.low_reliability_share_pct) == (0.60, 0.75, 12)
    assert METHOD.min_respondents_count == 11 and METHOD.cut_point_decimals == 0
    # two-sided 5 %: the 97.5th percentile of the standard normal
    assert METHOD.z_critical == pytest.approx(1.959964, abs=1e-6)
    # the 2026 Technical Notes' Table K-9 cut-offs, Part D per contract type; 2025 publishes none here
    assert METHOD.low_reliability_cutoff("getting_needed_care") == 0.725813
    assert METHOD.low_reliability_cutoff("rating_of_drug_plan", ContractType.PDP) == 0.926741
    assert METHOD.low_reliability_cutoff("rating_of_drug_plan", ContractType.MAPD) == 0.719340
    assert METHOD.low_reliability_cutoff("no_such_measure") is None
    earlier = cahps_method(load_params("stars", 2025).typed(StarsParams))
    assert earlier.low_reliability_cutoffs == {} and earlier.base_percentiles == METHOD.base_percentiles
    with pytest.raises(ValidationError, match="4 increasing values"):
        CahpsMethod.model_validate({**METHOD.model_dump(), "base_percentiles": (30, 15, 60, 80)})
    with pytest.raises(ValidationError, match="Extra inputs"):
        CahpsMethod.model_validate({**METHOD.model_dump(), "weights": 1})


@pytest.mark.parametrize(
    ("pct", "sas5", "linear"),
    [
        # n = 5, values 1..5. sas5: n*p = j + g -> x(j+1) if g > 0 else (x(j) + x(j+1)) / 2; linear: x at (n-1)*p
        (15, 1.0, 1.6),  # 0.75 -> x1;  0.6 -> 1 + 0.6
        (30, 2.0, 2.2),  # 1.5 -> x2;   1.2 -> 2 + 0.2
        (60, 3.5, 3.4),  # 3.0 -> (x3 + x4) / 2;  2.4 -> 3 + 0.4
        (80, 4.5, 4.2),  # 4.0 -> (x4 + x5) / 2;  3.2 -> 4 + 0.2
    ],
)
def test_percentile_definitions(pct: float, sas5: float, linear: float) -> None:
    values = [5.0, 3.0, 1.0, 4.0, 2.0]
    assert percentile(values, pct, "sas5") == sas5
    assert percentile(values, pct, "linear") == pytest.approx(linear)


def test_percentile_refuses_nonsense() -> None:
    with pytest.raises(RuleError, match="percentile of no values"):
        percentile([], 15, "sas5")
    with pytest.raises(RuleError, match="between 0 and 100"):
        percentile([1.0], 100, "sas5")


def _ten() -> list[CahpsScore]:
    # means 70..79, SE 1, reliability 0.9 (never low), 100 respondents
    return [CahpsScore(f"H00{i:02d}", 70.0 + i, 1.0, 0.9, 100) for i in range(10)]


def test_base_cut_points_by_hand() -> None:
    """n = 10: p15 1.5 -> x2 = 71; p30 3 -> (72+73)/2 = 72.5 -> 73; p60 6 -> (75+76)/2 = 75.5 -> 76; p80 8 -> 77.5 -> 78."""
    cps = base_cut_points(_ten(), METHOD)
    assert cps.percentiles == {15: 71, 30: 73, 60: 76, 80: 78}
    assert cps.national_mean == 74.5  # unweighted mean of 70..79
    assert cps.rated_count == 10
    assert cps.low_reliability_cutoff == 0.9


def test_stars_by_hand() -> None:
    """National mean 74.5, SE 1: significantly above when mean > 76.46, below when mean < 72.54.

    70: < p15 71 and significantly below -> 1; 71, 72: < p30 73, reliability not low -> 2;
    73-75: p30..p60, not significant -> 3; 76, 77: >= p60, reliability not low -> 4; 78, 79: >= p80 and
    significantly above -> 5.
    """
    _, stars = cahps_stars(_ten(), METHOD)
    assert [s.stars for s in stars] == [1, 2, 2, 3, 3, 3, 4, 4, 5, 5]
    assert [s.base_group for s in stars] == [1, 2, 2, 3, 3, 3, 4, 4, 5, 5]
    assert stars[0].significance == "below" and stars[4].significance == "not significant" and stars[9].significance == "above"
    assert stars[0].criterion == "below the 15th percentile, significantly below the national mean"


def test_unreliable_contracts_get_no_star_and_stay_out_of_the_percentiles() -> None:
    scores = [*_ten(), CahpsScore("H0100", 10.0, 1.0, 0.59, 100), CahpsScore("H0101", 99.0, 1.0, 0.95, 10)]
    cps, stars = cahps_stars(scores, METHOD)
    assert cps.percentiles == {15: 71, 30: 73, 60: 76, 80: 78} and cps.rated_count == 10
    assert (stars[-2].stars, stars[-2].criterion) == (None, "not rated: reliability 0.59 below 0.6")
    assert (stars[-1].stars, stars[-1].criterion) == (None, "not rated: fewer than 11 respondents (10)")


CPS = CahpsCutPoints(percentiles={15: 70, 30: 75, 60: 80, 80: 85}, national_mean=78.0, low_reliability_cutoff=0.70,
                     rated_count=100)


@pytest.mark.parametrize(
    ("mean", "se", "reliability", "stars", "why"),
    [
        # < p15 70, significantly below (z = (68-78)/2 = -5), low reliability (0.65 in [0.60, 0.75) and <= 0.70):
        # needs more than 1 SE below p15 -> 70 - 68 = 2 is not more than SE 2 -> not 1 star; < p15 with low reliability -> 2
        (68.0, 2.0, 0.65, 2, "below the 15th percentile with low reliability"),
        (67.9, 2.0, 0.65, 1, "more than 1 SE below the 15th percentile (low reliability)"),  # 2.1 > 2
        (67.9, 2.0, 0.80, 1, "below the 15th percentile, significantly below the national mean"),
        # >= p80 85, significantly above (z = 4), low reliability: 86 - 85 = 1 is not more than SE 2 -> 4 stars
        (86.0, 2.0, 0.65, 4, "at or above the 80th percentile with low reliability"),
        (88.0, 2.0, 0.65, 5, "more than 1 SE above the 80th percentile (low reliability)"),  # 3 > 2
        (86.0, 2.0, 0.80, 5, "at or above the 80th percentile, significantly above the national mean"),
        # p15..p30 (72): low reliability, significantly below (z = -3) -> 2; not significant (SE 4, z = -1.5) -> 3
        (72.0, 2.0, 0.65, 2, "significantly below the national mean and below the 60th percentile"),
        (72.0, 4.0, 0.65, 3, "15th to 30th percentile, low reliability, not significantly below the national mean"),
        (72.0, 4.0, 0.80, 2, "below the 30th percentile, reliability not low"),
        (72.0, 4.0, 0.72, 2, "below the 30th percentile, reliability not low"),  # 0.72 above the 12 % cut-off 0.70
        # p60..p80 (82): low reliability, not significant (z = 1) -> 3; significant above (SE 1, z = 4) -> 4
        (82.0, 4.0, 0.65, 3, "60th to 80th percentile, low reliability, not significantly above the national mean"),
        (82.0, 1.0, 0.65, 4, "significantly above the national mean and at or above the 30th percentile"),
        (82.0, 4.0, 0.80, 4, "at or above the 60th percentile, reliability not low"),
        # p30..p60 (77 / 79): not significant -> 3; significantly below (z = -2) -> 2; significantly above (z = 2) -> 4
        (77.0, 4.0, 0.80, 3, "30th to 60th percentile, not significantly different from the national mean"),
        (77.0, 0.5, 0.80, 2, "significantly below the national mean and below the 60th percentile"),
        (79.0, 0.5, 0.80, 4, "significantly above the national mean and at or above the 30th percentile"),
        # exactly on p30 = 75 with SE 1: z = (75 - 78) / 1 = -3, significantly below and under p60 -> 2
        (75.0, 1.0, 0.80, 2, "significantly below the national mean and below the 60th percentile"),
        # < p15 but not significant and reliability not low -> 2 (below p30)
        (69.0, 10.0, 0.80, 2, "below the 30th percentile, reliability not low"),
    ],
)
def test_star_grid(mean: float, se: float, reliability: float, stars: int, why: str) -> None:
    star = cahps_star(CahpsScore("H0001", mean, se, reliability, 200), CPS, METHOD)
    assert star.stars == stars
    assert why in star.criterion


def test_on_the_30th_percentile_and_significantly_above_is_4_stars() -> None:
    """Reading 'above the 30th percentile' as '>=': 75 = p30 with national mean 70 (z = 5) -> 4, not unassigned."""
    cps = CahpsCutPoints({15: 70, 30: 75, 60: 80, 80: 85}, 70.0, 0.7, 50)
    assert cahps_star(CahpsScore("H0001", 75.0, 1.0, 0.9), cps, METHOD).stars == 4


@given(
    st.floats(0, 100, allow_nan=False),
    st.floats(0.01, 20, allow_nan=False),
    st.floats(0.6, 1.0, allow_nan=False),
    st.floats(0, 100, allow_nan=False),
)
def test_every_rated_contract_gets_exactly_one_star(mean: float, se: float, reliability: float, national: float) -> None:
    cps = CahpsCutPoints({15: 70, 30: 75, 60: 80, 80: 85}, national, 0.7, 50)
    star = cahps_star(CahpsScore("H0001", mean, se, reliability), cps, METHOD)
    assert star.stars in (1, 2, 3, 4, 5)
    assert (star.stars == 1) <= (mean < 70) and (star.stars == 5) <= (mean >= 85)


def test_explicit_national_mean_and_cutoff() -> None:
    cps, stars = cahps_stars(_ten(), METHOD, national_mean=80.0, low_reliability_cutoff=0.95)
    assert cps.national_mean == 80.0 and cps.low_reliability_cutoff == 0.95
    # 79 vs 80 with SE 1: not significant, so >= p80 78 is 4 stars (reliability 0.9 is not < 0.75, so not low)
    assert stars[-1].stars == 4 and stars[-1].low_reliability is False


@pytest.mark.parametrize(
    ("score", "match"),
    [
        (CahpsScore("H0001", 80.0, 0.0, 0.9), "standard error must be positive"),
        (CahpsScore("H0001", 80.0, 1.0, 1.5), "reliability must be within 0..1"),
        (CahpsScore("H0001", float("nan"), 1.0, 0.9), "must be finite"),
    ],
)
def test_bad_inputs_refused(score: CahpsScore, match: str) -> None:
    with pytest.raises(RuleError, match=match):
        cahps_star(score, CPS, METHOD)


def test_duplicates_and_nobody_rated_refused() -> None:
    with pytest.raises(RuleError, match="H0000 appears twice"):
        cahps_stars([*_ten(), _ten()[0]], METHOD)
    with pytest.raises(RuleError, match="no contract has a reliable CAHPS score"):
        base_cut_points([CahpsScore("H0001", 80.0, 1.0, 0.5)], METHOD)
