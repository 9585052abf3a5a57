"""§ 422.166(a)(2)(i), § 423.186(a)(2)(i) - non-CAHPS measure cut points, stage by stage (4185-P L2241, L3212).

Per measure and contract type (Part C: all contracts; Part D: MA-PD and PDP separately, CMS practice), the rating
year's methodology (``method:`` of the parameter file, see :mod:`partcd.stars.rules.methodology`) runs

1. outlier stage (none, or Tukey outer-fence deletion),
2. clustering (Ward into 5 levels; improvement measures by sign into 2 + 3 levels) - once, or by mean resampling
   with 10 leave-one-group-out runs and the mean per threshold (L2191),
3. optional projection of the mean onto an observed score (named choice; default none),
4. guardrail against the prior year's published cut points given as input (L2241).

Every threshold comes back with its clustered (unguarded) value, the cap, the final value and the reason.
Contracts excluded from the clustering are passed in explicitly; given the contracts' disaster shares, the 60 percent
rule of § 422.166(i)(9) / § 423.186(i)(7) (L2309, L3250) excludes the affected contracts itself in the rating years
whose parameters say it applies (``disaster_exclusion_bool``: 2023-2025; not 2022, § 422.166(i)(11); removed for
2026, Technical Notes change e). Only the numeric scores of the remaining contracts are clustered (L823); the
excluded contracts are still starred with the resulting cut points ((i)(9)(ii)).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from partcd.core.citation import Cite, cites
from partcd.core.errors import RuleError
from partcd.stars.rules.assign import contract_type_of, grid_threshold
from partcd.stars.rules.clustering import cluster_cut_points, improvement_cut_points
from partcd.stars.rules.guardrails import GuardedThreshold, GuardrailReason, describe_threshold, guard_cut_points, unguarded_as
from partcd.stars.rules.methodology import Methodology, StarsParams, methodology
from partcd.stars.rules.models import ContractType, CutPoints, Measure, MeasureScore, Part
from partcd.stars.rules.resampling import (
    FloatArray,
    ResamplingResult,
    mean_resampled_thresholds,
    project_threshold,
    single_run_thresholds,
)

_CITE = Cite(cfr="42 CFR 422.166(a)(2)(i), 423.186(a)(2)(i)")


@dataclass(frozen=True)
class MeasureCutPoints:
    """The cut points of one measure for one contract type, with every stage's value per threshold."""

    measure: Measure
    contract_type: ContractType
    methodology: str
    n_scores: int
    n_clustered: int
    thresholds: tuple[GuardedThreshold, ...]
    runs: tuple[dict[int, float], ...] = field(default=())

    def cut_points(self) -> CutPoints:
        """The final thresholds as a :class:`CutPoints` record (unrounded)."""
        return CutPoints(
            measure_key=self.measure.measure_key,
            higher_is_better=self.measure.higher_is_better,
            thresholds={t.threshold: t.final for t in self.thresholds},
            contract_type=self.contract_type,
            measure_id=self.measure.measure_id,
            notes={t.threshold: t.reason.value for t in self.thresholds},
            how={t.threshold: describe_threshold(t.reason.value, t.unguarded, t.prior, t.cap, t.final)
                 for t in self.thresholds},
        )


@dataclass(frozen=True)
class CutPointRow:
    """One output row: measure x contract type x threshold."""

    measure_id: str
    measure_key: str
    measure_name: str
    part: str
    contract_type: str
    threshold: int
    unguarded: float
    prior: float | None
    cap: float | None
    final: float
    reason: str
    display: float | None = None  # the final threshold on the measure's display grid (what CMS's tables show)


def contract_types_for(measure: Measure) -> tuple[ContractType, ...]:
    """Part C cut points cover all contracts; Part D cut points are set for MA-PD and PDP separately."""
    return (ContractType.MAPD, ContractType.PDP) if measure.part == Part.D else (ContractType.ALL,)


def part_d_contract_type(score: MeasureScore) -> ContractType:
    """The contract type of a Part D score; an untyped score is typed by its contract id (:func:`contract_type_of`:
    S -> PDP, H and R -> MA-PD; E and other letters refused - never a silent MA-PD).

    CMS's data tables apply the PDP rows to organization types "PDP" and "Employer/Union Only Direct Contract PDP";
    readers that know the organization type set ``contract_type`` themselves.
    """
    if score.contract_type != ContractType.ALL:
        return score.contract_type
    return contract_type_of(score.contract_id)


def scores_for(
    measure: Measure,
    contract_type: ContractType,
    scores: Sequence[MeasureScore],
    excluded_contracts: Collection[str] = (),
) -> FloatArray:
    """The numeric scores of one measure and contract type, in input order, without excluded contracts."""
    out = [
        s.score
        for s in scores
        if s.measure_key == measure.measure_key
        and s.score is not None
        and s.contract_id not in excluded_contracts
        and (contract_type == ContractType.ALL or part_d_contract_type(s) == contract_type)
    ]
    return np.asarray(out, dtype=np.float64)


def _index(
    scores: Sequence[MeasureScore], parts: Mapping[str, Part], excluded_contracts: Collection[str]
) -> dict[tuple[str, ContractType], list[float]]:
    """Numeric scores by (measure_key, contract type) in one pass, in input order (same as :func:`scores_for`)."""
    out: dict[tuple[str, ContractType], list[float]] = {}
    for s in scores:
        if s.score is None or s.contract_id in excluded_contracts:
            continue
        ctype = part_d_contract_type(s) if parts.get(s.measure_key) == Part.D else ContractType.ALL
        out.setdefault((s.measure_key, ctype), []).append(s.score)
    return out


@cites("42 CFR 422.166(i)(9)", "42 CFR 423.186(i)(7)")
def disaster_excluded_contracts(disaster_shares: Mapping[str, float], params: StarsParams) -> frozenset[str]:
    """Contracts left out of the clustering by the 60 percent rule: those with ``disaster_exclusion_min_pct`` percent
    or more (inclusive) of their enrollees in FEMA Individual Assistance areas, in years where the rule applies.

    ``disaster_shares`` maps contract_id to that percentage (0-100) for the disasters counting toward the rating year.
    """
    for contract_id, share in disaster_shares.items():
        if not (isinstance(share, int | float) and 0.0 <= float(share) <= 100.0):
            raise RuleError(f"{contract_id}: disaster share must be a percentage from 0 to 100, got {share!r}",
                            Cite(cfr="42 CFR 422.166(i)(1)(iii), 423.186(i)(1)(iii)"))
    if not params.disaster_exclusion_bool or params.disaster_exclusion_min_pct is None:
        return frozenset()
    return frozenset(c for c, share in disaster_shares.items() if share >= params.disaster_exclusion_min_pct)


def _cluster_run(measure: Measure, params: StarsParams) -> Callable[[FloatArray], dict[int, float]]:
    ties = params.clustering_tie_rule_text
    if measure.improvement:
        neg, nonneg, floor = (params.improvement_negative_levels_count, params.improvement_nonnegative_levels_count,
                              params.improvement_three_star_floor_score)
        return lambda x: improvement_cut_points(x, neg, nonneg, floor, ties=ties)
    levels, hib = params.star_levels_count, measure.higher_is_better
    return lambda x: cluster_cut_points(x, levels, hib, ties=ties)


@cites("42 CFR 422.166(a)(2)(i)", "42 CFR 423.186(a)(2)(i)")
def clustered_thresholds(
    measure: Measure, scores: FloatArray, params: StarsParams, rng: np.random.Generator, method: Methodology
) -> tuple[dict[int, float], ResamplingResult, int]:
    """Stages 1-3: outlier deletion, clustering (mean resampling or one run), projection. Returns the unguarded
    thresholds, the per-run detail and the number of scores clustered."""
    kept = method.trim(scores, measure.improvement, params)
    if kept.size == 0:
        raise RuleError(f"{measure.measure_key}: no scores left to cluster", _CITE)
    run = _cluster_run(measure, params)
    result = (mean_resampled_thresholds(kept, run, params.resampling_groups_count, rng) if method.resample
              else single_run_thresholds(kept, run))
    projected = {
        s: v if measure.improvement and s == params.improvement_negative_levels_count + 1
        else project_threshold(v, kept, measure.higher_is_better, params.threshold_projection_text)
        for s, v in result.thresholds.items()
    }
    return projected, result, int(kept.size)


def _guard(
    measure: Measure,
    unguarded: Mapping[int, float],
    prior: Mapping[int, float] | None,
    prior_scores: Sequence[float] | FloatArray | None,
    rating_year: int,
    params: StarsParams,
    method: Methodology,
) -> tuple[GuardedThreshold, ...]:
    if not method.guardrail:
        return unguarded_as(unguarded, GuardrailReason.METHOD_UNGUARDED, prior)
    return guard_cut_points(
        unguarded, prior, prior_scores,
        scale_0_100=measure.scale_0_100, improvement=measure.improvement, rating_year=rating_year,
        first_rating_year=measure.first_rating_year, unguarded_years=params.new_measure_unguarded_years,
        absolute_cap_pp=params.absolute_cap_pp, restricted_range_cap_pct=params.restricted_range_cap_pct,
        fence_multiplier=params.outer_fence_iqr_multiplier_ratio,
        quartile_method=params.restricted_range_quartile_method_text,
    )


@cites("42 CFR 422.166(a)(2)(i)", "42 CFR 423.186(a)(2)(i)")
def measure_cut_points(
    measure: Measure,
    contract_type: ContractType,
    scores: Sequence[float] | FloatArray,
    prior: Mapping[int, float] | None,
    prior_scores: Sequence[float] | FloatArray | None,
    rating_year: int,
    params: StarsParams,
    rng: np.random.Generator,
    methodology_name: str | None = None,
) -> MeasureCutPoints:
    """All stages for one measure and contract type."""
    if measure.cahps:
        raise RuleError(f"{measure.measure_key} is a CAHPS measure; its stars are not set by clustering", _CITE)
    method = methodology(methodology_name or params.method)
    x = np.asarray(scores, dtype=np.float64)
    try:
        unguarded, result, n_clustered = clustered_thresholds(measure, x, params, rng, method)
        guarded = _guard(measure, unguarded, prior, prior_scores, rating_year, params, method)
    except RuleError as exc:
        where = f"{measure.measure_id} {measure.name} ({contract_type.value})"
        raise RuleError(f"{where}: {exc.reason}", exc.cite, exc.details) from None
    return MeasureCutPoints(measure, contract_type, method.name, int(x.size), n_clustered, guarded, result.runs)


@cites("42 CFR 422.166(a)(2)(i)", "42 CFR 423.186(a)(2)(i)")
def compute_cut_points(
    measures: Sequence[Measure],
    scores: Sequence[MeasureScore],
    prior_cut_points: Sequence[CutPoints],
    prior_scores: Sequence[MeasureScore],
    rating_year: int,
    params: StarsParams,
    rng: np.random.Generator,
    *,
    methodology_name: str | None = None,
    excluded_contracts: Collection[str] = (),
    disaster_shares: Mapping[str, float] | None = None,
    on_measure: Callable[[Measure, ContractType], None] | None = None,
) -> list[MeasureCutPoints]:
    """Cut points of every non-CAHPS measure with scores, in the order given (the generator is consumed in order).

    Prior cut points are matched on ``measure_key`` and contract type, never on the per-year ``measure_id``. Left out
    of the clustering: ``excluded_contracts`` and, when ``disaster_shares`` (contract_id -> percent of enrollees in
    FEMA Individual Assistance areas) are given, the contracts the year's 60 percent rule excludes
    (:func:`disaster_excluded_contracts`).
    """
    priors = {(c.measure_key, c.contract_type): c.thresholds for c in prior_cut_points}
    parts = {m.measure_key: m.part for m in measures}
    excluded = frozenset(excluded_contracts) | disaster_excluded_contracts(disaster_shares or {}, params)
    current_by = _index(scores, parts, excluded)
    before_by = _index(prior_scores, parts, ())
    out: list[MeasureCutPoints] = []
    for measure in measures:
        if measure.cahps:
            continue
        for ctype in contract_types_for(measure):
            current = np.asarray(current_by.get((measure.measure_key, ctype), []), dtype=np.float64)
            if current.size == 0:
                continue
            if on_measure is not None:
                on_measure(measure, ctype)
            prior = priors.get((measure.measure_key, ctype))
            before = np.asarray(before_by.get((measure.measure_key, ctype), []), dtype=np.float64)
            out.append(measure_cut_points(measure, ctype, current, prior, before if before.size else None,
                                          rating_year, params, rng, methodology_name))
    return out


@cites("42 CFR 422.166(a)(2)(i)", "42 CFR 423.186(a)(2)(i)")
def guard_measure(
    measure: Measure,
    unguarded: dict[int, float],
    prior: dict[int, float] | None,
    rating_year: int,
    params: StarsParams,
    prior_scores: list[float] | None = None,
    methodology_name: str | None = None,
) -> list[GuardedThreshold]:
    """The guardrail stage alone for one measure's given unguarded thresholds (CLI ``guardrail``, scenarios)."""
    method = methodology(methodology_name or params.method)
    return list(_guard(measure, unguarded, prior, prior_scores, rating_year, params, method))


def to_rows(results: Sequence[MeasureCutPoints]) -> list[CutPointRow]:
    """Flat rows, measure x contract type x threshold, for tables and files."""
    return [
        CutPointRow(
            measure_id=r.measure.measure_id, measure_key=r.measure.measure_key, measure_name=r.measure.name,
            part=r.measure.part.value, contract_type=r.contract_type.value, threshold=t.threshold,
            unguarded=t.unguarded, prior=t.prior, cap=t.cap, final=t.final, reason=t.reason.value,
            display=grid_threshold(t.final, r.measure.precision, r.measure.higher_is_better),
        )
        for r in results
        for t in r.thresholds
    ]
