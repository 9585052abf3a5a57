"""The rating-level parameters: 2024 and 2025 files and the 2026 fragment (to be appended to 2026.yaml) are valid and
their quotes stand on the cited lines of the 2026 Technical Notes / 4185-P."""

from __future__ import annotations

import pytest

from partcd.platform.params import load_params
from partcd.stars.rules.params import RATING_PARAM_KEYS, rating_params


def test_2026_has_every_rating_key_and_validates() -> None:
    """The 2026 rating keys (Technical Notes Tables 8, 9, 12, 15, 18, 21); their quotes are checked by tests/law."""
    ps = load_params("stars", 2026)
    assert set(ps.values) >= RATING_PARAM_KEYS
    p = rating_params(ps)
    assert p.reward_disaster_exclusion_min_pct is None  # change e: the 60 percent rule removed
    assert p.cai_values_table is not None
    assert {k: len(v) for k, v in p.cai_values_table.items()} == {"overall": 9, "part_c": 8, "part_d_mapd": 6, "part_d_pdp": 3}
    assert p.cai_values_table["overall"][9] == 0.145515 and p.cai_values_table["part_d_pdp"][1] == -0.227881
    rows = p.reward_published_thresholds_table or ()
    assert len(rows) == 16
    first = next(r for r in rows if r.rating == "part_c" and r.with_improvement and r.with_new_measures)
    assert (first.mean_65th, first.mean_85th, first.variance_30th, first.variance_70th) == (3.695652, 4.0, 0.918435, 1.28517)
    assert p.disaster_year_offsets_table["CAHPS"] == (2, 1)


@pytest.mark.parametrize("year", [2024, 2025])
def test_2024_2025_rating_keys(year: int) -> None:
    p = rating_params(load_params("stars", year))
    assert p.reward_disaster_exclusion_min_pct == 60
    assert p.cai_values_table is None and p.reward_published_thresholds_table is None
    assert (p.reward_mean_percentiles_list, p.reward_variance_percentiles_list) == ((65, 85), (30, 70))
    assert p.reward_factor_table["high_mean"] == {"low": 0.4, "medium": 0.3, "high": 0.0}
    assert (p.disaster_adjustment_min_pct, p.improvement_hold_harmless_min_stars, p.integrity_reduced_stars) == (25, 4, 1)
    assert p.improvement_significance_z_ratio == 1.96
