"""The rating-level parameters: 2024 and 2025 files and the 2026 fragment (to be appended to 2026.yaml) are valid and
their quotes stand on the cited lines of the 2026 Technical Notes / 4185-P."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import partcd.stars
from partcd.core.params import ParamEntry
from partcd.platform.params import load_params, load_yaml, reference_dir, sources
from partcd.stars.rules.params import RATING_PARAM_KEYS, RatingParams, rating_params

FRAGMENT = Path(partcd.stars.__file__).parent / "params" / "_rating_keys_2026.yaml"


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')).strip()


def _fragment() -> dict[str, ParamEntry]:
    data = load_yaml(FRAGMENT.read_text(encoding="utf-8"), str(FRAGMENT))
    return {k: ParamEntry.model_validate(v) for k, v in data["values"].items()}


def test_2026_fragment_has_exactly_the_rating_keys_and_validates() -> None:
    entries = _fragment()
    assert set(entries) == RATING_PARAM_KEYS
    p = RatingParams.model_validate({k: e.value for k, e in entries.items()})
    assert p.reward_disaster_exclusion_min_pct is None  # change e: the 60 percent rule removed
    assert p.cai_values_table is not None
    assert {k: len(v) for k, v in p.cai_values_table.items()} == {"overall": 9, "part_c": 8, "part_d_mapd": 6, "part_d_pdp": 3}
    assert p.cai_values_table["overall"][9] == 0.145515 and p.cai_values_table["part_d_pdp"][1] == -0.227881
    rows = p.reward_published_thresholds_table or ()
    assert len(rows) == 16
    first = next(r for r in rows if r.rating == "part_c" and r.with_improvement and r.with_new_measures)
    assert (first.mean_65th, first.mean_85th, first.variance_30th, first.variance_70th) == (3.695652, 4.0, 0.918435, 1.28517)
    assert p.disaster_year_offsets_table["CAHPS"] == (2, 1)


def test_2026_fragment_quotes_stand_on_their_lines() -> None:
    src = sources()
    for key, entry in _fragment().items():
        for cite in entry.cite:
            assert cite.source in src and cite.line is not None and cite.quote, key
            file = src[cite.source].file
            assert file is not None
            lines = (reference_dir() / file).read_text(encoding="utf-8").splitlines()
            assert _norm(cite.quote) in _norm(lines[cite.line - 1]), f"{key}: {cite.quote!r} not on line {cite.line}"


@pytest.mark.parametrize("year", [2024, 2025])
def test_2024_2025_rating_keys(year: int) -> None:
    p = rating_params(load_params("stars", year))
    assert p.reward_disaster_exclusion_min_pct == 60
    assert p.cai_values_table is None and p.reward_published_thresholds_table is None
    assert (p.reward_mean_percentiles_list, p.reward_variance_percentiles_list) == ((65, 85), (30, 70))
    assert p.reward_factor_table["high_mean"] == {"low": 0.4, "medium": 0.3, "high": 0.0}
    assert (p.disaster_adjustment_min_pct, p.improvement_hold_harmless_min_stars, p.integrity_reduced_stars) == (25, 4, 1)
    assert p.improvement_significance_z_ratio == 1.96
