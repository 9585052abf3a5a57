"""§ 422.166(a)(2)(i), § 423.186(a)(2)(i) - full 2025 non-CAHPS cut points, the partcd pipeline vs. a naive scipy loop (L2241).

Both runs read the same 2025 Measure Data, 2024 published cut points and 2024 scores, use the same seed and the
same methodology (cms-2024+: Tukey deletion, 10 leave-one-group-out Ward runs, mean per threshold, guardrail).
The baseline calls ``scipy.cluster.hierarchy.linkage(..., "ward")`` + ``fcluster`` directly for every run; the
pipeline uses :mod:`partcd.stars.rules.cutpoints` (exact 1-D Ward of :mod:`partcd.stars.rules.ward` over blocks of equal scores;
tie-sensitive runs go to scipy so the thresholds stay scipy's). Reported: seconds of each (best of ``REPEATS``), the
ratio baseline / pipeline and the largest difference between their final thresholds; a second row runs the pipeline
with the year's tie rule set to ``sas`` (SAS PROC CLUSTER's documented tie-break, no scipy) and counts the thresholds
that differ from scipy's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from partcd.platform.params import load_params
from partcd.stars import readers as cms_tables
from partcd.stars.rules.cutpoints import MeasureCutPoints, compute_cut_points, contract_types_for, scores_for
from partcd.stars.rules.guardrails import guard_cut_points
from partcd.stars.rules.methodology import StarsParams, methodology
from partcd.stars.rules.models import CutPoints, Measure, MeasureScore
from partcd.stars.rules.resampling import resampling_groups

STAR_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "star-ratings"
SEED = 8675309
REPEATS = 3


def _file(year: int, kind: str) -> Path:
    return sorted((STAR_DATA / str(year)).glob(f"* - {kind}*"))[0]


def _inputs() -> tuple[list[Measure], list[MeasureScore], list[CutPoints], list[MeasureScore], StarsParams]:
    measures = cms_tables.load_catalogue(2025)
    scores = list(cms_tables.read_scores(_file(2025, "Measure Data")).scores)
    prior_scores = list(cms_tables.read_scores(_file(2024, "Measure Data")).scores)
    prior = [c for k in ("Part C Cut", "Part D Cut") for c in cms_tables.read_cut_points(_file(2024, k)).cut_points]
    return measures, scores, prior, prior_scores, load_params("stars", 2025).typed(StarsParams)


def _naive_cut(x: np.ndarray, k: int, higher: bool) -> dict[int, float]:
    v = x if higher else -x
    if np.unique(v).size < 2:
        lows = [float(v.min())]
    else:
        labels = fcluster(linkage(v.reshape(-1, 1), method="ward"), min(k, int(np.unique(v).size)), criterion="maxclust")
        lows = sorted(float(v[labels == lab].min()) for lab in np.unique(labels))
    top = len(lows) - 1
    return {1 + i: (lows[min(i, top)] if higher else -lows[min(i, top)]) for i in range(1, k)}


def _naive(measures: list[Measure], scores: list[MeasureScore], prior: list[CutPoints], prior_scores: list[MeasureScore],
           params: StarsParams) -> dict[tuple[str, str, int], float]:
    """The same stages written as a plain loop around scipy (non-improvement measures: all that have scores)."""
    rng = np.random.default_rng(SEED)
    trim = methodology("cms-2024+").trim
    priors = {(c.measure_key, c.contract_type): c.thresholds for c in prior}
    out: dict[tuple[str, str, int], float] = {}
    for m in measures:
        if m.cahps:
            continue
        for ctype in contract_types_for(m):
            x = scores_for(m, ctype, scores)
            if not x.size:
                continue
            kept = trim(x, m.improvement, params)
            groups = resampling_groups(kept.size, params.resampling_groups_count, rng)
            runs = [_naive_cut(kept[groups != g], params.star_levels_count, m.higher_is_better)
                    for g in range(params.resampling_groups_count)]
            mean = {s: float(np.mean([r[s] for r in runs])) for s in runs[0]}
            before = scores_for(m, ctype, prior_scores)
            guarded = guard_cut_points(
                mean, priors.get((m.measure_key, ctype)), before if before.size else None, scale_0_100=m.scale_0_100,
                improvement=m.improvement, rating_year=2025, first_rating_year=m.first_rating_year,
                unguarded_years=params.new_measure_unguarded_years, absolute_cap_pp=params.absolute_cap_pp,
                restricted_range_cap_pct=params.restricted_range_cap_pct,
                fence_multiplier=params.outer_fence_iqr_multiplier_ratio,
                quartile_method=params.restricted_range_quartile_method_text)
            out.update({(m.measure_key, ctype.value, t.threshold): t.final for t in guarded})
    return out


def _pipeline(measures: list[Measure], scores: list[MeasureScore], prior: list[CutPoints],
              prior_scores: list[MeasureScore], params: StarsParams) -> dict[tuple[str, str, int], float]:
    results: list[MeasureCutPoints] = compute_cut_points(measures, scores, prior, prior_scores, 2025, params,
                                                         np.random.default_rng(SEED))
    return {(r.measure.measure_key, r.contract_type.value, t.threshold): t.final for r in results for t in r.thresholds}


def _best(fn: Callable[[], dict[tuple[str, str, int], float]]) -> tuple[float, dict[tuple[str, str, int], float]]:
    best, result = float("inf"), {}
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def run() -> list[dict[str, object]]:
    measures, scores, prior, prior_scores, params = _inputs()
    t_pipe, pipe = _best(lambda: _pipeline(measures, scores, prior, prior_scores, params))
    t_naive, naive = _best(lambda: _naive(measures, scores, prior, prior_scores, params))
    sas = load_params("stars", 2025).with_overrides({"clustering_tie_rule_text": "sas"}).typed(StarsParams)
    t_sas, by_sas = _best(lambda: _pipeline(measures, scores, prior, prior_scores, sas))
    diff = max(abs(pipe[k] - naive[k]) for k in pipe)
    sas_diff = [abs(by_sas[k] - naive[k]) for k in by_sas]
    sizes = sorted({k[:2] for k in pipe})
    return [{
        "case": "2025 non-CAHPS cut points, cms-2024+, 10 resamples",
        "measure_sets": len(sizes),
        "thresholds": len(pipe),
        "pipeline_s": round(t_pipe, 4),
        "naive_scipy_s": round(t_naive, 4),
        "ratio_naive_over_pipeline": round(t_naive / t_pipe, 2),
        "max_abs_threshold_difference": diff,
        "same_keys": set(pipe) == set(naive),
    }, {
        "case": "the same with tie rule 'sas' (no scipy; thresholds may differ from scipy's on tied runs)",
        "pipeline_s": round(t_sas, 4),
        "naive_scipy_s": round(t_naive, 4),
        "ratio_naive_over_pipeline": round(t_naive / t_sas, 2),
        "thresholds_differing_from_scipy": sum(d > 1e-9 for d in sas_diff),
        "max_abs_threshold_difference": max(sas_diff),
    }]
