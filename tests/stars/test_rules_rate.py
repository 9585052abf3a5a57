"""§§ 422.166(c)-(g), (i); 423.186(c)-(g), (i) - rate(): summaries, overall, reward factor, CAI, hold-harmless rules."""

from __future__ import annotations

import pytest

from partcd.platform.params import load_params
from partcd.stars.rules.models import Measure, Part
from partcd.stars.rules.params import rating_params
from partcd.stars.rules.rate import rate
from partcd.stars.rules.reward import RewardThresholds, ThresholdKey
from partcd.stars.rules.summary import ContractKind, ContractStars, RatingType

P = rating_params(load_params("stars", 2025))


def _m(mid: str, key: str, part: Part, weight: float, improvement: bool = False, first: int = 2010,
       source: str = "HEDIS") -> Measure:
    return Measure(mid, key, key, part, "HD1" if part is Part.C else "DD1", "ratings" if improvement else source, True,
                   True, 0, weight, first, improvement=improvement)


CAT = [
    _m("C01", "c_process", Part.C, 1),
    _m("C02", "c_outcome", Part.C, 3),
    _m("C03", "complaints_health_plan", Part.C, 2, source="admin"),
    _m("C04", "c_improvement", Part.C, 5, improvement=True),
    _m("D01", "complaints_drug_plan", Part.D, 2, source="admin"),
    _m("D02", "d_adherence", Part.D, 3, source="PDE"),
    _m("D03", "d_process", Part.D, 1, source="PDE"),
    _m("D04", "d_improvement", Part.D, 5, improvement=True),
]
FIXED = {ThresholdKey(r, imp, True): RewardThresholds(3.7, 4.0, 0.8, 1.25, 0, "published")
         for r in ("part_c", "part_d_mapd", "part_d_pdp", "overall") for imp in (True, False)}
A = ContractStars("H0001", ContractKind.MA_PD, {
    "c_process": 5, "c_outcome": 4, "complaints_health_plan": 5, "c_improvement": 2,
    "complaints_drug_plan": 5, "d_adherence": 4, "d_process": 5, "d_improvement": 2})


def test_ma_pd_contract_by_hand() -> None:
    run = rate([A], CAT, 2025, P, reward_thresholds=FIXED)
    r = run.by_contract()["H0001"]
    # Part C with the improvement measure: (5 + 12 + 10 + 10) / 11 = 3.3636, no reward -> 3.5 (not the highest rating,
    # so no hold-harmless even though without it the Part C mean is 4.5)
    assert r.part_c.stars == 3.5 and r.part_c.chosen is not None and r.part_c.chosen.with_improvement
    assert r.part_c.chosen.weighted.mean == pytest.approx(37 / 11)
    assert r.part_d.stars == 3.5
    # Overall (complaints once): with (5+12+10+10+12+5+10)/20 = 3.2 -> 3.0; without (5+12+10+12+5)/10 = 4.4,
    # variance 5 * 2.4 / (10 * 4) = 0.3 (low), mean >= 4.0 (high) -> reward 0.4 -> 4.8 -> 5.0; held harmless.
    assert r.overall.stars == 5.0 and r.overall.chosen is not None and not r.overall.chosen.with_improvement
    assert r.overall.chosen.weighted.variance == pytest.approx(0.3)
    assert r.overall.reward_factor == 0.4
    assert any("hold-harmless" in n for n in r.overall.notes)
    assert (r.highest_rating_type, r.highest_rating, r.high_performer) == (RatingType.OVERALL, 5.0, True)
    assert "CAI values for rating year 2025 unknown" in run.notes[0]


def test_cai_is_added_to_the_chosen_rating() -> None:
    run = rate([A], CAT, 2025, P, reward_thresholds=FIXED, cai_categories={"H0001": {"overall": 1, "part_c": 2}},
               cai_values={"overall": {1: -0.1}, "part_c": {1: 0.0, 2: 0.2}})
    r = run.by_contract()["H0001"]
    assert r.overall.stars == 4.5 and r.overall.cai == -0.1  # 4.4 + 0.4 - 0.1 = 4.7 -> 4.5
    assert r.part_c.stars == 3.5 and r.part_c.cai == 0.2  # 3.3636 + 0.2 = 3.5636 -> 3.5
    assert r.part_d.cai is None and any("category" in n for n in r.part_d.notes)


def test_overall_needs_both_summaries() -> None:
    b = ContractStars("H0002", ContractKind.MA_PD, {"c_process": 5, "c_outcome": 4, "complaints_health_plan": 5,
                                                     "d_process": 5})
    r = rate([b], CAT, 2025, P, reward_thresholds=FIXED).by_contract()["H0002"]
    assert r.part_c.stars is not None and r.part_d.stars is None
    assert r.overall.stars is None and "both" in (r.overall.reason or "")
    assert r.highest_rating is None and not r.high_performer


def test_pdp_highest_rating_is_part_d_with_hold_harmless() -> None:
    s = ContractStars("S0001", ContractKind.PDP, {"complaints_drug_plan": 5, "d_adherence": 4, "d_process": 5,
                                                   "d_improvement": 1}, frozenset({"c_process", "c_outcome",
                                                                                   "complaints_health_plan"}))
    r = rate([s], CAT, 2025, P, reward_thresholds=FIXED).by_contract()["S0001"]
    # without improvement: (10 + 12 + 5) / 6 = 4.5, variance 3 * 1.5 / 12 = 0.375 -> +0.4 -> 4.9 -> 5.0
    # with: (10 + 12 + 5 + 5) / 11 = 2.909 -> 3.0; 5.0 >= 4 and 3.0 < 5.0 -> 5.0
    assert (r.part_c.stars, r.part_d.stars, r.overall.stars) == (None, 5.0, None)
    assert r.highest_rating_type is RatingType.PART_D and r.highest_rating == 5.0


def _population(n: int) -> list[ContractStars]:
    out = []
    for i in range(n):
        hi = 3 + i % 3
        out.append(ContractStars(f"H{i:04d}", ContractKind.MA_PD, {
            "c_process": hi, "c_outcome": 1 + i % 5, "complaints_health_plan": hi, "c_improvement": 3,
            "complaints_drug_plan": hi, "d_adherence": 1 + (i * 7) % 5, "d_process": hi, "d_improvement": 3}))
    return out


def test_sixty_percent_contracts_leave_the_thresholds_and_keep_the_reward() -> None:
    pop = _population(30)
    shares = {"H0004": {2023: 60.0}, "H0005": {2022: 75.0}, "H0006": {2023: 59.9}}
    run = rate(pop, CAT, 2025, P, disaster_shares=shares)
    assert run.excluded_from_thresholds == ("H0004", "H0005")
    assert run.thresholds[ThresholdKey("overall", True)].contracts == 28
    no_rule = P.model_copy(update={"reward_disaster_exclusion_min_pct": None})
    assert rate(pop, CAT, 2025, no_rule, disaster_shares=shares).excluded_from_thresholds == ()
    # the excluded contracts are still rated with a reward factor from the others' thresholds
    r = run.by_contract()["H0004"]
    assert r.overall.stars is not None and r.overall.reward_factor is not None


def test_new_measure_hold_harmless_for_an_affected_contract() -> None:
    cat = [*CAT, _m("C05", "c_new", Part.C, 1, first=2025)]
    stars = {**A.stars, "c_new": 1}
    affected = ContractStars("H0009", ContractKind.MA_PD, stars)
    run = rate([affected], cat, 2025, P, reward_thresholds={**FIXED, **{
        ThresholdKey(k.rating, k.with_improvement, False): v for k, v in FIXED.items()}},
        disaster_shares={"H0009": {2023: 30.0}})
    r = run.by_contract()["H0009"]
    # Part C with the new measure: (5 + 12 + 10 + 10 + 1) / 12 = 3.1667 -> 3.0; without: 3.3636 -> 3.5
    assert r.part_c.stars == 3.5 and r.part_c.chosen is not None and not r.part_c.chosen.with_new_measures
    assert any("new-measure hold-harmless" in n for n in r.part_c.notes)
    unaffected = rate([affected], cat, 2025, P, reward_thresholds=FIXED, disaster_shares={"H0009": {2023: 24.9}})
    assert unaffected.by_contract()["H0009"].part_c.stars == 3.0
