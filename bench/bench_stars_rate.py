"""§§ 422.166(c)-(g), 423.186(c)-(g) - a full year of summary and overall ratings, and 1,000 uncertainty repetitions.

Reads the 2025 CMS Measure Stars, Measure Data, CAI, Summary Ratings and cut-point tables once, then times:

* ``rate()``: the explained, contract-by-contract rating of all 762 rated contracts (best of ``REPEATS``);
* one repetition of the array rater (:class:`partcd.stars.rules.fastrate.RatingFrame`), the baseline of the ratio;
* ``simulate()`` x 1,000: score noise -> measure stars from the published 2025 cut points -> all ratings. The
  standard errors are illustrative (binomial with 400 cases for the 0-100 clustered measures; CMS's denominators are
  not public); CAHPS and improvement stars are held at their published values.

Reported: seconds, the 1,000-repetition time against one repetition and against one ``rate()``; goal < 60 s.

A second row times what the commands run, files in, records out: ``partcd stars rate`` (:func:`rate_files` +
:func:`rate_records`: read Measure Stars and CAI, rate, one record per contract) against the ``rate()`` of the first
row, and ``partcd stars uncertainty`` (:func:`uncertainty_files`: ``SEEDS`` resampling seeds' full-year cut points from
the 2025 Measure Data with the 2024 published cut points as prior, score noise, 1,000 repetitions) against one
full-year cut-point computation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from partcd.platform.params import load_params
from partcd.stars import readers as cms_tables
from partcd.stars.pipelines import run_cut_points
from partcd.stars.pipelines.rate import cut_point_set, rate_files, rate_records, score_model, uncertainty_files
from partcd.stars.readers.ratings import disaster_shares_from_summary, read_cai_categories, read_stars_input, read_summary_ratings
from partcd.stars.rules.fastrate import RatingFrame
from partcd.stars.rules.params import rating_params
from partcd.stars.rules.rate import rate
from partcd.stars.rules.uncertainty import ScoreModel, simulate

STAR_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "star-ratings"
YEAR = 2025
REPEATS = 3
REPETITIONS = 1000
ILLUSTRATIVE_CASES = 400
SEEDS = 10
T = TypeVar("T")


def _file(kind: str, year: int = YEAR) -> Path:
    return sorted((STAR_DATA / str(year)).glob(f"* - {kind}*"))[0]


def _best(fn: Callable[[], T], repeats: int = REPEATS) -> tuple[float, T]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    assert out is not None
    return best, out


def run() -> list[dict[str, object]]:
    params = rating_params(load_params("stars", YEAR))
    cai = read_cai_categories(_file("CAI"))
    stars = read_stars_input(_file("Measure Stars"), YEAR, cai.puerto_rico_only)
    shares = disaster_shares_from_summary(read_summary_ratings(_file("Summary Rating")))
    t_rate, _ = _best(lambda: rate(stars.contracts, stars.measures, YEAR, params, cai_categories=cai.categories,
                                   disaster_shares=shares))
    frame = RatingFrame(stars.contracts, stars.measures, YEAR, params, cai_categories=cai.categories,
                        disaster_shares=shares)
    published = frame.stars_array(stars.contracts)
    t_one, _ = _best(lambda: frame.rate(published), repeats=20)

    measures = list(stars.measures)
    cut_points = [c for kind in ("Part C Cut", "Part D Cut") for c in cms_tables.read_cut_points(_file(kind), YEAR).cut_points]
    scores = cms_tables.read_scores(_file("Measure Data"), YEAR).scores
    plain = score_model(frame, measures, scores, published)
    scale = np.array([m.scale_0_100 for m in measures])
    noisy = np.where(scale[None, :] & ~np.isnan(plain.scores),
                     np.sqrt(np.clip(plain.scores * (100 - plain.scores), 0, None) / ILLUSTRATIVE_CASES), 0.0)
    model = ScoreModel(plain.scores, noisy, plain.fixed_stars, plain.precision, plain.higher_is_better)
    th = cut_point_set(measures, cut_points)
    t_sim, u = _best(lambda: simulate(frame, model, [th], np.random.default_rng(8675309), REPETITIONS),
                     repeats=1)
    certain = int((u.highest.max(axis=1) >= 0.95).sum())
    t_files, records = _best(lambda: rate_records(rate_files(_file("Measure Stars"), _file("CAI"), YEAR,
                                                             disaster_shares=_file("Summary Rating"))))
    priors = [_file("Part C Cut", YEAR - 1), _file("Part D Cut", YEAR - 1)]
    t_cut, _ = _best(lambda: run_cut_points(_file("Measure Data"), YEAR, priors, _file("Measure Data", YEAR - 1)), repeats=1)
    errors = Path(__file__).with_name("_stars_rate_se.csv")
    ids = {m.measure_key: m.measure_id for m in measures}
    rows = ["contract_id,measure_id,standard_error"] + [
        f"{cid},{ids[measures[j].measure_key]},{noisy[i, j]:.6f}" for i, cid in enumerate(frame.contract_ids)
        for j in range(len(measures)) if noisy[i, j] > 0]
    errors.write_text("\n".join(rows) + "\n", encoding="utf-8")
    try:
        t_unc, result = _best(lambda: uncertainty_files(
            _file("Measure Data"), _file("Measure Stars"), YEAR, cai=_file("CAI"), prior_cut_points=priors,
            prior_scores=_file("Measure Data", YEAR - 1), standard_errors=errors, seeds=SEEDS,
            repetitions=REPETITIONS), repeats=1)
    finally:
        errors.unlink()
    return [{
        "case": f"{YEAR} ratings, {len(frame.contract_ids)} contracts",
        "rate_s": round(t_rate, 4),
        "array_rate_one_repetition_s": round(t_one, 5),
        "uncertainty_repetitions": REPETITIONS,
        "uncertainty_s": round(t_sim, 3),
        "ratio_uncertainty_over_one_repetition": round(t_sim / t_one, 1),
        "ratio_uncertainty_over_rate": round(t_sim / t_rate, 1),
        "under_60_s": t_sim < 60,
        "contracts_with_highest_rating_95pct_certain": certain,
    }, {
        "case": f"the commands: rate from files ({len(records)} records); uncertainty with {SEEDS} seeds x {REPETITIONS}",
        "rate_files_s": round(t_files, 3),
        "ratio_rate_files_over_rate": round(t_files / t_rate, 2),
        "full_year_cut_points_s": round(t_cut, 3),
        "uncertainty_pipeline_s": round(t_unc, 2),
        "ratio_uncertainty_pipeline_over_one_cut_point_run": round(t_unc / t_cut, 1),
        "under_60_s": t_unc < 60,
        "contracts_with_highest_rating_95pct_certain": int(sum((r["probability_most_likely"] or 0) >= 0.95
                                                               for r in result.records())),
    }]
