"""Issue 10 "Done when": the 2025 and 2024 summary and overall ratings recomputed from CMS's published Measure Stars and
CAI tables, compared with CMS's published Summary Ratings - agreement per rating and the cause of each disagreement.

What is known to differ (see the issue-10 note in the final report):

* CAI values: the CMS CAI table gives each contract's final adjustment category, the values per category are in that
  year's Technical Notes, which are not in shared/reference -> no CAI is applied. A disagreement whose published half
  star lies within the largest |CAI| of the raw value (the 2026 values as a yardstick, TN Tables 12/15/18/21) is
  attributed to the CAI; with one fitted constant per category the agreement rises to about 96-99 percent.
* Minimum measure counts depend on the contract type (TN Table 6: e.g. "CCP with Only I-SNP" 9 of 18), which the
  public tables do not show (only SNP Yes/No); here the required count is read from the "not required" statuses.
  ``rate --org-types`` declares the types, but the 2025 Tables 6/7 are not in shared/reference (refused for 2025).
* Reward-factor thresholds are percentiles over CMS's full population (incl. contracts missing from the public file).
* 2024: the July 2024 re-release kept, per contract, the higher of the October 2023 and the recalculated ratings.
"""

from __future__ import annotations

import csv
import os
from collections import defaultdict
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from partcd.platform.params import load_params
from partcd.stars.pipelines.rate import Agreement, RateResult, compare_with_published, rate_files, summarize
from partcd.stars.readers.ratings import SummaryTable, disaster_shares_from_summary, read_cai_categories, read_summary_ratings
from partcd.stars.rules.params import rating_params
from partcd.stars.rules.summary import RatingType, rating_key

STAR_DATA = Path(os.environ["PARTCD_SHARED_DIR"]) / "data" / "star-ratings"  # set by tests/conftest.py

#: Largest |CAI| per rating type in the 2026 Technical Notes (Tables 12 L1229, 15 L1284, 18, 21) - a yardstick
#: for naming a disagreement "CAI", not a rule value.
CAI_REACH = {"overall": 0.145515, "part_c": 0.102370, "part_d_mapd": 0.128476, "part_d_pdp": 0.227881}

#: The agreement this implementation defends (measured: 2025 91.7 / 88.5 / 89.1 percent, 2024 92.6 / 85.9 / 89.4).
FLOOR = {2025: {"part_c": 0.91, "part_d": 0.88, "overall": 0.88}, 2024: {"part_c": 0.92, "part_d": 0.85, "overall": 0.89}}
#: Disagreements per rating left without a named cause (measured: none in either year).
UNEXPLAINED_MAX = 0
#: With one fitted CAI constant per final adjustment category (diagnostic upper bound of everything but the CAI).
#: Measured: 2025 96.0 / 97.5 / 96.7 percent, 2024 96.2 / 98.1 / 95.8 percent.
FITTED_FLOOR = {2025: {"part_c": 0.955, "part_d": 0.97, "overall": 0.96},
                2024: {"part_c": 0.955, "part_d": 0.975, "overall": 0.955}}


def _file(year: int, kind: str) -> Path:
    d = STAR_DATA / str(year)
    if not d.is_dir():
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"{d} not found (CI must have ../shared)")
        pytest.skip(f"{d} not found: ../shared is absent")
    found = sorted(d.glob(f"* - {kind}*"))
    if not found:
        pytest.fail(f"{kind} file for {year} not found under {d}")
    return found[0]


_CACHE: dict[int, tuple[RateResult, SummaryTable, dict[str, Agreement]]] = {}


def _checked(year: int, tmp: Path) -> tuple[RateResult, SummaryTable, dict[str, Agreement]]:
    if year not in _CACHE:
        published = read_summary_ratings(_file(year, "Summary Rating"))
        shares = tmp / "shares.csv"
        with shares.open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["contract_id", "year", "percent"])
            for cid, by_year in disaster_shares_from_summary(published).items():
                w.writerows([cid, y, p] for y, p in by_year.items())
        result = rate_files(_file(year, "Measure Stars"), _file(year, "CAI"), year, disaster_shares=shares)
        params = rating_params(load_params("stars", year))
        _CACHE[year] = (result, published, compare_with_published(result, published, params, CAI_REACH))
    return _CACHE[year]


@pytest.mark.parametrize("year", [2025, 2024])
def test_agreement_with_published_summary_ratings(year: int, tmp_path: Path) -> None:
    result, _, agreements = _checked(year, tmp_path)
    print(f"\n{year}:\n" + "\n".join(summarize(agreements)))
    assert any("CAI values for rating year" in n for n in result.notes)
    for name, floor in FLOOR[year].items():
        a = agreements[name]
        assert a.compared > 500
        assert a.share >= floor, f"{year} {name}: {a.agree}/{a.compared}"
        causes = a.causes()
        # every disagreement has a named cause (CAI, reward-factor threshold, contract-type minimum, disaster)
        assert causes["unexplained"] <= UNEXPLAINED_MAX, causes


@pytest.mark.parametrize("year", [2025, 2024])
def test_cai_is_the_main_residual(year: int, tmp_path: Path) -> None:
    """With one constant per (rating type, final adjustment category), fitted to the published ratings, almost every
    rated contract agrees: what remains apart from the unknown CAI values is small. Diagnostic, not a rule."""
    result, published, _ = _checked(year, tmp_path)
    params = rating_params(load_params("stars", year))
    categories = read_cai_categories(_file(year, "CAI")).categories
    groups: dict[tuple[str, str, int | None], list[tuple[list[tuple[bool, float]], bool, float]]] = defaultdict(list)
    totals: dict[str, int] = defaultdict(int)
    for r in result.run.ratings:
        row = published.rows.get(r.contract_id)
        if row is None:
            continue
        for rating, attr in ((RatingType.PART_C, "part_c"), (RatingType.PART_D, "part_d"), (RatingType.OVERALL, "overall")):
            out, theirs = r.outcome(rating), getattr(row, attr)
            if out.stars is None and theirs is None:
                continue
            totals[attr] += 1
            if out.stars is None or theirs is None:
                continue
            key = rating_key(rating, r.kind)
            raws = [(v.with_improvement, v.raw) for v in out.variants if v.with_new_measures]
            groups[(attr, key, categories.get(r.contract_id, {}).get(key))].append(
                (raws, rating is r.highest_rating_type, theirs))
    agree: dict[str, int] = defaultdict(int)
    grid = np.arange(-300, 301) / 1000  # candidate CAI values, one per category
    for (attr, _, _), items in groups.items():
        with_imp = np.array([dict(raws).get(True, dict(raws).get(False)) for raws, _, _ in items])
        without = np.array([dict(raws).get(False, np.nan) for raws, _, _ in items])
        highest = np.array([h for _, h, _ in items])
        theirs = np.array([t for _, _, t in items])

        def halves(raw: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
            at6 = np.round(raw[:, None] + grid[None, :], params.summary_precision_decimals_count)
            return np.clip(np.floor(at6 / params.summary_rounding_increment_stars + 0.5)
                           * params.summary_rounding_increment_stars, 0, params.summary_maximum_stars)

        w, wo = halves(with_imp), halves(without)
        held = highest[:, None] & ~np.isnan(wo) & (wo >= params.improvement_hold_harmless_min_stars) & (w < wo)
        final = np.where(held, wo, w)
        agree[attr] += int((final == theirs[:, None]).sum(axis=0).max())
    print(f"\n{year} fitted CAI: " + ", ".join(f"{a} {agree[a]}/{totals[a]}" for a in totals))
    for attr, floor in FITTED_FLOOR[year].items():
        assert agree[attr] / totals[attr] >= floor, f"{year} {attr}: {agree[attr]}/{totals[attr]}"
