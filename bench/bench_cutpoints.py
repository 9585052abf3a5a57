"""§ 422.166(a)(2)(i), § 423.186(a)(2)(i) - full-year non-CAHPS cut points, the partcd pipeline vs. a naive scipy loop (L2241).

For each rating year with a Measure Data file in shared/ (2024, 2025, 2026) both runs read the same scores, the
prior year's published cut points and scores where shared/ has them (2025: 2024's; 2026: 2025's; 2024 has none,
so its guardrail stage passes the clustered values through), use the same seed and the year's methodology
(cms-2024+: Tukey deletion, 10 leave-one-group-out Ward runs, mean per threshold, guardrail).
The baseline calls ``scipy.cluster.hierarchy.linkage(..., "ward")`` + ``fcluster`` directly for every run; the
pipeline uses :mod:`partcd.stars.rules.cutpoints` (exact 1-D Ward of :mod:`partcd.stars.rules.ward` over blocks of
equal scores; tie-sensitive runs go to scipy's C routines so the thresholds stay scipy's). Reported per year:
CPU seconds of each (``time.process_time``, best of ``REPEATS`` taken in turns, same process: the development VM is
shared, and CPU time leaves out the time other processes hold its 2 cores, which moved wall-clock ratios by up to
30 %), the ratio baseline / pipeline, whether every one of the 10 runs' thresholds is identical, the largest difference between
their final thresholds and whether the keys match; a second row runs the pipeline with the year's tie rule set to
``sas`` (SAS PROC CLUSTER's documented tie-break, no scipy) and counts the thresholds that differ from scipy's; a
third row breaks the Ward runs' cost down: per run, scipy's linkage + fcluster (the baseline's share), its C part
(pdist + nn_chain) on the runs partcd hands to scipy, and ``ward_cut`` as the pipeline calls it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy.cluster import _hierarchy
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist

from partcd.platform.params import load_params
from partcd.stars import readers as cms_tables
from partcd.stars.rules.cutpoints import MeasureCutPoints, compute_cut_points, contract_types_for, scores_for
from partcd.stars.rules.guardrails import guard_cut_points
from partcd.stars.rules.methodology import StarsParams, methodology
from partcd.stars.rules.models import CutPoints, Measure, MeasureScore
from partcd.stars.rules.resampling import resampling_groups
from partcd.stars.rules.ward import ward_cut

STAR_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "star-ratings"
YEARS = (2024, 2025, 2026)
SEED = 8675309
REPEATS = 5
WARD_CODE = 5  # scipy.cluster.hierarchy._LINKAGE_METHODS["ward"]

Inputs = tuple[int, list[Measure], list[MeasureScore], list[CutPoints], list[MeasureScore], StarsParams]
Thresholds = dict[tuple[str, str, int], float]


def _file(year: int, kind: str) -> Path | None:
    found = sorted((STAR_DATA / str(year)).glob(f"* - {kind}*"))
    return found[0] if found else None


def _read_scores(year: int) -> list[MeasureScore]:
    path = _file(year, "Measure Data")
    return list(cms_tables.read_scores(path).scores) if path else []


def _inputs(year: int) -> Inputs:
    measures = cms_tables.load_catalogue(year)
    prior = [c for k in ("Part C Cut", "Part D Cut") if (path := _file(year - 1, k))
             for c in cms_tables.read_cut_points(path).cut_points]
    return year, measures, _read_scores(year), prior, _read_scores(year - 1), load_params("stars", year).typed(StarsParams)


def _naive_cut(x: np.ndarray, k: int, higher: bool) -> dict[int, float]:
    v = x if higher else -x
    if np.unique(v).size < 2:
        lows = [float(v.min())]
    else:
        labels = fcluster(linkage(v.reshape(-1, 1), method="ward"), min(k, int(np.unique(v).size)), criterion="maxclust")
        lows = sorted(float(v[labels == lab].min()) for lab in np.unique(labels))
    top = len(lows) - 1
    return {1 + i: (lows[min(i, top)] if higher else -lows[min(i, top)]) for i in range(1, k)}


def _naive(inputs: Inputs, runs_out: list[np.ndarray] | None = None, per_run: list[dict[int, float]] | None = None
           ) -> Thresholds:
    """The same stages written as a plain loop around scipy (non-improvement measures: all that have scores).

    ``runs_out`` collects the oriented scores of every Ward run (for the cost breakdown), ``per_run`` each run's
    thresholds."""
    year, measures, scores, prior, prior_scores, params = inputs
    rng = np.random.default_rng(SEED)
    trim = methodology(params.method).trim
    priors = {(c.measure_key, c.contract_type): c.thresholds for c in prior}
    out: Thresholds = {}
    for m in measures:
        if m.cahps:
            continue
        for ctype in contract_types_for(m):
            x = scores_for(m, ctype, scores)
            if not x.size:
                continue
            kept = trim(x, m.improvement, params)
            groups = resampling_groups(kept.size, params.resampling_groups_count, rng)
            if runs_out is not None:
                runs_out.extend(kept[groups != g] * (1.0 if m.higher_is_better else -1.0)
                                for g in range(params.resampling_groups_count))
            runs = [_naive_cut(kept[groups != g], params.star_levels_count, m.higher_is_better)
                    for g in range(params.resampling_groups_count)]
            if per_run is not None:
                per_run.extend(runs)
            mean = {s: float(np.mean([r[s] for r in runs])) for s in runs[0]}
            before = scores_for(m, ctype, prior_scores)
            guarded = guard_cut_points(
                mean, priors.get((m.measure_key, ctype)), before if before.size else None, scale_0_100=m.scale_0_100,
                improvement=m.improvement, rating_year=year, first_rating_year=m.first_rating_year,
                unguarded_years=params.new_measure_unguarded_years, absolute_cap_pp=params.absolute_cap_pp,
                restricted_range_cap_pct=params.restricted_range_cap_pct,
                fence_multiplier=params.outer_fence_iqr_multiplier_ratio,
                quartile_method=params.restricted_range_quartile_method_text)
            out.update({(m.measure_key, ctype.value, t.threshold): t.final for t in guarded})
    return out


def _pipeline(inputs: Inputs, params: StarsParams | None = None, per_run: list[dict[int, float]] | None = None
              ) -> Thresholds:
    year, measures, scores, prior, prior_scores, own = inputs
    results: list[MeasureCutPoints] = compute_cut_points(measures, scores, prior, prior_scores, year, params or own,
                                                         np.random.default_rng(SEED))
    if per_run is not None:
        per_run.extend(run for r in results for run in r.runs)
    return {(r.measure.measure_key, r.contract_type.value, t.threshold): t.final for r in results for t in r.thresholds}


def _best(*fns: Callable[[], object]) -> list[float]:
    """Best of ``REPEATS`` CPU seconds of each function, the functions taking turns."""
    best = [float("inf")] * len(fns)
    for _ in range(REPEATS):
        for i, fn in enumerate(fns):
            t0 = time.process_time()
            fn()
            best[i] = min(best[i], time.process_time() - t0)
    return best


def _breakdown(year: int, runs: list[np.ndarray], k: int) -> dict[str, object]:
    """Per-run microseconds of the Ward step: scipy's public calls, their C part, and partcd's ``ward_cut``."""
    by_scipy = [x for x in runs if ward_cut(x, k).method == "scipy"]
    per_run = 1e6 / len(runs)
    public, ours, chain, c_part = _best(
        lambda: [fcluster(linkage(x.reshape(-1, 1), "ward"), k, "maxclust") for x in runs],
        lambda: [ward_cut(x, k) for x in runs],
        lambda: [ward_cut(x, k, exact_ties=False) for x in runs],
        lambda: [_hierarchy.nn_chain(pdist(x.reshape(-1, 1)), len(x), WARD_CODE) for x in by_scipy],
    )
    return {
        "case": f"{year} Ward runs: cost breakdown (microseconds per run, averaged over all runs)",
        "runs": len(runs),
        "runs_handed_to_scipy": len(by_scipy),
        "mean_n_scores": round(float(np.mean([len(x) for x in runs])), 1),
        "scipy_linkage_fcluster_us": round(public * per_run),
        "ward_cut_us": round(ours * per_run),
        "ward_cut_chain_only_us": round(chain * per_run),
        "scipy_c_part_of_handed_runs_us": round(c_part * per_run),
    }


def _year_rows(year: int) -> list[dict[str, object]]:
    inputs = _inputs(year)
    params = inputs[-1]
    ward_runs: list[np.ndarray] = []
    pipe_runs: list[dict[int, float]] = []
    naive_runs: list[dict[int, float]] = []
    pipe, naive = _pipeline(inputs, per_run=pipe_runs), _naive(inputs, ward_runs, naive_runs)
    sas = load_params("stars", year).with_overrides({"clustering_tie_rule_text": "sas"}).typed(StarsParams)
    by_sas = _pipeline(inputs, sas)
    t_pipe, t_naive, t_sas = _best(lambda: _pipeline(inputs), lambda: _naive(inputs), lambda: _pipeline(inputs, sas))
    diff = max(abs(pipe[k] - naive[k]) for k in pipe)
    sas_diff = [abs(by_sas[k] - naive[k]) for k in by_sas]
    return [{
        "case": f"{year} non-CAHPS cut points, {params.method}, {params.resampling_groups_count} resamples",
        "measure_sets": len({k[:2] for k in pipe}),
        "thresholds": len(pipe),
        "pipeline_cpu_s": round(t_pipe, 4),
        "naive_scipy_cpu_s": round(t_naive, 4),
        "ratio_naive_over_pipeline": round(t_naive / t_pipe, 2),
        "max_abs_threshold_difference": diff,
        "same_keys": set(pipe) == set(naive),
        "identical_per_run_thresholds": pipe_runs == naive_runs,
    }, {
        "case": f"{year} the same with tie rule 'sas' (no scipy; thresholds may differ from scipy's on tied runs)",
        "pipeline_cpu_s": round(t_sas, 4),
        "naive_scipy_cpu_s": round(t_naive, 4),
        "ratio_naive_over_pipeline": round(t_naive / t_sas, 2),
        "thresholds_differing_from_scipy": sum(d > 1e-9 for d in sas_diff),
        "max_abs_threshold_difference": max(sas_diff),
    }, _breakdown(year, ward_runs, params.star_levels_count)]


def run() -> list[dict[str, object]]:
    return [row for year in YEARS for row in _year_rows(year)]
