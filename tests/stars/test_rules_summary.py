"""§§ 422.166(b)-(d), (g), (h); 423.186(b)-(d), (g), (h) - domain, summary and overall ratings (2026 TN L836-L1027)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partcd.core.errors import RuleError
from partcd.platform.params import load_params
from partcd.stars.rules.models import Measure, Part
from partcd.stars.rules.params import RATING_PARAM_KEYS, RatingParams, rating_params
from partcd.stars.rules.summary import (
    ContractKind,
    ContractStars,
    RatingType,
    domain_ratings,
    half_star,
    high_performer,
    highest_rating_type,
    improvement_hold_harmless,
    low_performer,
    measure_set,
    measure_weights,
    minimum_rated,
    rating_catalogue,
    weighted_rating,
)

P = rating_params(load_params("stars", 2025))


def _m(mid: str, key: str, part: Part, domain: str, weight: float, improvement: bool = False, source: str = "HEDIS",
       first: int = 2010) -> Measure:
    return Measure(mid, key, key, part, domain, "ratings" if improvement else source, True, True, 0, weight, first,
                   improvement=improvement)


# A small catalogue: 4 Part C measures (one improvement), 4 Part D (one improvement); complaints shared.
CAT = [
    _m("C01", "c_process", Part.C, "HD1", 1),
    _m("C02", "c_outcome", Part.C, "HD2", 3),
    _m("C03", "complaints_health_plan", Part.C, "HD4", 2, source="admin"),
    _m("C04", "c_improvement", Part.C, "HD4", 5, improvement=True),
    _m("D01", "complaints_drug_plan", Part.D, "DD2", 2, source="admin"),
    _m("D02", "d_adherence", Part.D, "DD4", 3, source="PDE"),
    _m("D03", "d_process", Part.D, "DD4", 1, source="PDE"),
    _m("D04", "d_improvement", Part.D, "DD2", 5, improvement=True),
]


def test_the_file_has_both_views_and_each_ignores_the_other() -> None:
    ps = load_params("stars", 2025)
    assert isinstance(rating_params(ps), RatingParams)
    assert "reward_factor_table" in RATING_PARAM_KEYS and "absolute_cap_pp" not in RATING_PARAM_KEYS
    bad = ps.model_copy(update={"values": {k: v for k, v in ps.values.items() if k != "summary_maximum_stars"}})
    with pytest.raises(Exception, match="summary_maximum_stars"):
        bad.typed(RatingParams)


@pytest.mark.parametrize(
    ("raw", "stars"),
    [
        (3.749999, 3.5),  # TN L1428: 3.749999 rounds down to 3.5
        (3.75, 4.0),  # ... and 3.750000 up to 4
        (3.7499996, 4.0),  # at six decimals 3.750000
        (4.25, 4.5),
        (4.2499, 4.0),
        (0.2, 0.0),
        (0.25, 0.5),
        (4.75, 5.0),
        (5.35, 5.0),  # a reward factor above 5 is capped (the table ends at 5.000000)
    ],
)
def test_half_star_rounding_table(raw: float, stars: float) -> None:
    assert half_star(raw, P) == stars


@given(st.floats(min_value=0.25, max_value=4.75, allow_nan=False))
def test_half_star_is_within_a_quarter(raw: float) -> None:
    s = half_star(raw, P)
    assert (s * 2).is_integer() and abs(s - raw) <= 0.25 + 1e-6


def test_weighted_mean_and_variance_by_hand() -> None:
    # stars 5 (w1), 3 (w3), 4 (w2): mean = (5 + 9 + 8) / 6 = 3.666667
    # SUMWX = 1*(5-11/3)^2 + 3*(3-11/3)^2 + 2*(4-11/3)^2 = 16/9 + 12/9 + 2/9 = 30/9; n = 3, W = 6
    # variance = 3 * (30/9) / (6 * 2) = 0.833333
    w = weighted_rating({"a": 5, "b": 3, "c": 4}, {"a": 1, "b": 3, "c": 2})
    assert w.mean == pytest.approx(22 / 6)
    assert w.variance == pytest.approx(3 * (30 / 9) / 12)
    assert (w.measures_count, w.weight_sum) == (3, 6)
    one = weighted_rating({"a": 4}, {"a": 2})
    assert one.variance is None and one.mean == 4
    with pytest.raises(RuleError):
        weighted_rating({"a": 4}, {"a": 0})


@given(st.dictionaries(st.sampled_from("abcdefgh"), st.integers(1, 5), min_size=1),
       st.lists(st.sampled_from([1.0, 2.0, 3.0, 5.0]), min_size=8, max_size=8))
def test_weighted_mean_between_extremes(stars: dict[str, int], ws: list[float]) -> None:
    weights = dict(zip("abcdefgh", ws, strict=True))
    w = weighted_rating(stars, weights)
    assert min(stars.values()) - 1e-9 <= w.mean <= max(stars.values()) + 1e-9
    assert w.variance is None or w.variance >= 0


@pytest.mark.parametrize(
    ("n", "rule", "expected"),
    [(13, "at-least-half", 7), (30, "at-least-half", 15), (29, "at-least-half", 15), (11, "at-least-half", 6),
     (3, "more-than-half", 2), (6, "more-than-half", 4), (2, "more-than-half", 2), (1, "more-than-half", 1)],
)
def test_minimum_counts_match_the_technical_notes_examples(n: int, rule: str, expected: int) -> None:
    # TN L919-L926 (13 -> 7, 30 -> 15), Table 6 (29 -> 15, 11 -> 6), L838-L850 (3 -> 2, 6 -> 4), Table 5 (2 of 2, 1 of 1)
    assert minimum_rated(n, rule) == expected


def test_measure_set_counts_attainment_only_and_needs_half() -> None:
    full = ContractStars("H0001", ContractKind.MA_PD, {"c_process": 4, "c_improvement": 1})
    ms = measure_set(full, CAT, RatingType.PART_C, P)
    # 3 required Part C attainment measures, 1 rated: 2 needed -> not rated
    assert (ms.required_count, ms.rated_count, ms.minimum_count, ms.eligible) == (3, 1, 2, False)
    assert "1 of 3" in (ms.reason or "")
    ok = ContractStars("H0001", ContractKind.MA_PD, {"c_process": 4, "c_outcome": 3, "c_improvement": 1})
    ms = measure_set(ok, CAT, RatingType.PART_C, P)
    assert ms.eligible and set(ms.used) == {"c_process", "c_outcome", "c_improvement"}
    assert set(measure_set(ok, CAT, RatingType.PART_C, P, with_improvement=False).used) == {"c_process", "c_outcome"}
    assert "c_outcome" not in measure_set(ok, CAT, RatingType.PART_C, P, excluded={"c_outcome"}).used


def test_not_required_measures_leave_the_count() -> None:
    c = ContractStars("H0001", ContractKind.MA_PD, {"c_process": 4}, frozenset({"c_outcome", "complaints_health_plan"}))
    ms = measure_set(c, CAT, RatingType.PART_C, P)
    assert (ms.required_count, ms.minimum_count, ms.eligible) == (1, 1, True)


def test_overall_counts_the_shared_complaints_measure_once_part_c_kept() -> None:
    keys = [m.measure_key for m in rating_catalogue(CAT, RatingType.OVERALL, P)]
    assert "complaints_health_plan" in keys and "complaints_drug_plan" not in keys
    assert len(keys) == len(CAT) - 1


def test_contract_kinds_have_their_ratings_only() -> None:
    stars = {m.measure_key: 4 for m in CAT}
    pdp = ContractStars("S0001", ContractKind.PDP, stars)
    assert not measure_set(pdp, CAT, RatingType.PART_C, P).eligible
    assert measure_set(pdp, CAT, RatingType.PART_D, P).eligible
    ma = ContractStars("H0002", ContractKind.MA_ONLY, stars)
    assert not measure_set(ma, CAT, RatingType.PART_D, P).eligible
    assert not measure_set(ma, CAT, RatingType.OVERALL, P).eligible
    assert highest_rating_type(ContractKind.MA_PD) is RatingType.OVERALL
    assert highest_rating_type(ContractKind.MA_ONLY) is RatingType.PART_C
    assert highest_rating_type(ContractKind.PDP) is RatingType.PART_D


def test_puerto_rico_only_contracts_weigh_adherence_zero() -> None:
    cat = [*CAT, _m("D05", "medication_adherence_diabetes", Part.D, "DD4", 3, source="PDE")]
    pr = ContractStars("H4000", ContractKind.MA_PD, {}, puerto_rico_only=True)
    assert measure_weights(cat, pr, P)["medication_adherence_diabetes"] == 0
    assert measure_weights(cat, ContractStars("H4001", ContractKind.MA_PD, {}), P)["medication_adherence_diabetes"] == 3


def test_domain_rating_unweighted_and_more_than_half() -> None:
    cat = [_m("C01", "a", Part.C, "HD1", 1), _m("C02", "b", Part.C, "HD1", 3), _m("C03", "c", Part.C, "HD1", 1)]
    # 2 of 3 rated (needed 2): mean (3 + 4) / 2 = 3.5 -> 4 (nearest integer, halves up; weights ignored)
    d = domain_ratings(ContractStars("H0001", ContractKind.MA_ONLY, {"a": 3, "b": 4}), cat, P)
    assert [(x.domain, x.stars) for x in d] == [("HD1", 4)]
    d = domain_ratings(ContractStars("H0001", ContractKind.MA_ONLY, {"a": 3}), cat, P)
    assert d[0].stars is None and "1 of 3" in (d[0].reason or "")


@pytest.mark.parametrize(
    ("with_imp", "without", "applies", "stars", "used_without"),
    [
        (3.5, 4.0, True, 4.0, True),  # 4 stars without, lower with: held harmless
        (4.5, 4.0, True, 4.5, False),  # improvement helps: used
        (3.0, 3.5, True, 3.0, False),  # below 4 stars without: no hold-harmless
        (3.5, 4.0, False, 3.5, False),  # not the highest rating
        (4.0, 4.0, True, 4.0, False),
    ],
)
def test_improvement_hold_harmless(with_imp: float, without: float, applies: bool, stars: float, used_without: bool) -> None:
    hh = improvement_hold_harmless(with_imp, without, applies, P)
    assert (hh.stars, hh.used_without) == (stars, used_without)


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        # TN Table 23 (L1458-L1466): (C, D) for 2024, 2025, 2026
        ([(2, 3), (2.5, 3), (2.5, 3)], True),  # HAAAA Part C
        ([(3, 2.5), (3, 2), (3, 2.5)], True),  # HBBBB Part D
        ([(3, 2.5), (2.5, 3), (3, 2.5)], True),  # HDDDD Part C or D
        ([(2.5, None), (2, None), (2.5, None)], True),  # HFFFF MA-only
        ([(3, 3), (2.5, 3), (2.5, 2.5)], False),
        ([(2.5, 2.5), (None, None), (2.5, 2.5)], None),  # no rating in one year: not considered
        ([(2.5, 2.5), (2.5, 2.5)], None),
    ],
)
def test_low_performing_icon(history: list[tuple[float | None, float | None]], expected: bool | None) -> None:
    assert low_performer(history, P) is expected


def test_high_performing_icon() -> None:
    assert high_performer(5.0, P) and not high_performer(4.5, P) and not high_performer(None, P)
