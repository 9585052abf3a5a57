"""§ 422.166(a)(2)(i), § 423.186(a)(2)(i) - seeded synthetic Star Ratings measure scores and prior-year cut points.

For the demo and tests only: no real contract, no real member. The measures themselves are real (ids, keys, directions,
scales and display precision come from the rating year's catalogue, passed in by the caller); each score distribution
is shaped after the public 2025 CMS Measure Data (median, quartiles, range and share of contracts without a score, read
off ``shared/data/star-ratings/2025`` once and written down in :data:`SCORE_SHAPES`):

* a contract-level quality effect shared by all measures (good plans tend to be good on every measure), plus noise;
* a skewed body (different spread below and above the median), a small tail of poor performers (low scores, or high
  ones when lower is better) that Tukey outer-fence deletion may remove, clipped to the observed range and rounded to
  the measure's display precision as CMS publishes it;
* "Plan too small to be measured" for a share of contracts instead of a score.

The prior year's scores are drawn the same way with the median shifted back by the measure's ``drift`` (performance
rises on most measures), and the prior year's "published" cut points are one Ward clustering run on those scores
after Tukey outer-fence deletion (rounded to display precision) - so measures that moved more than the cap from one
year to the next get capped by the guardrail (4185-P L2241 / L3212). Randomness comes only from
``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from partcd.stars.rules.clustering import cluster_cut_points
from partcd.stars.rules.methodology import StarsParams, methodology
from partcd.stars.rules.models import ContractType, CutPoints, Measure, MeasureScore, Part

FloatArray = npt.NDArray[np.float64]

MISSING_REASON = "Plan too small to be measured"


@dataclass(frozen=True)
class ScoreShape:
    """Where a measure's contract scores lie: median, quartiles, observed range, share missing, tail, year-on-year drift."""

    median: float
    q1: float
    q3: float
    low: float
    high: float
    missing_share: float
    tail_share: float = 0.02
    drift: float = 1.0  # current median - prior median (in score units; improvement in the measure's direction)


#: Shapes of the 2025 non-CAHPS measures with scores, keyed by stable measure key (public 2025 Measure Data, rounded).
SCORE_SHAPES: dict[str, ScoreShape] = {
    "breast_cancer_screening": ScoreShape(74, 68, 80, 11, 94, 0.37, drift=5.0),
    "colorectal_cancer_screening": ScoreShape(74, 67, 80, 6, 97, 0.31, drift=2.0),
    "monitoring_physical_activity": ScoreShape(50, 46, 54, 30, 73, 0.36, drift=0.5),
    "snp_care_management": ScoreShape(75, 64, 88, 15, 100, 0.57, drift=3.0),
    "coa_medication_review": ScoreShape(96, 92, 99, 2, 100, 0.58, tail_share=0.04, drift=1.0),
    "coa_pain_assessment": ScoreShape(96, 91, 98, 1, 100, 0.58, tail_share=0.04, drift=1.0),
    "osteoporosis_management_after_fracture": ScoreShape(41, 31, 53, 8, 92, 0.60, drift=4.0),
    "diabetes_care_eye_exam": ScoreShape(76, 70, 81, 16, 98, 0.30, drift=1.5),
    "diabetes_care_blood_sugar_controlled": ScoreShape(85, 80, 88, 0, 100, 0.29, drift=2.0),
    "controlling_high_blood_pressure": ScoreShape(76, 72, 81, 36, 97, 0.33, drift=3.0),
    "reducing_risk_of_falling": ScoreShape(56, 51, 61, 37, 89, 0.42, drift=-1.0),
    "improving_bladder_control": ScoreShape(45, 42, 49, 30, 63, 0.50, drift=0.5),
    "medication_reconciliation_post_discharge": ScoreShape(74, 62, 85, 5, 100, 0.33, drift=6.0),
    "plan_all_cause_readmissions": ScoreShape(11, 10, 12, 3, 17, 0.42, drift=0.5),
    "statin_therapy_cardiovascular_disease": ScoreShape(86, 84, 88, 73, 98, 0.41, drift=1.0),
    "transitions_of_care": ScoreShape(57, 49, 68, 16, 95, 0.33, drift=7.0),
    "followup_ed_visit_multiple_chronic_conditions": ScoreShape(57, 53, 62, 13, 95, 0.33, drift=3.0),
    "complaints_health_plan": ScoreShape(0.16, 0.08, 0.29, 0.0, 1.76, 0.33, tail_share=0.03, drift=0.01),
    "members_leaving_health_plan": ScoreShape(15, 7, 24, 1, 71, 0.33, drift=-2.0),
    "timely_appeals_decisions": ScoreShape(98, 95, 100, 8, 100, 0.48, tail_share=0.04, drift=0.5),
    "reviewing_appeals_decisions": ScoreShape(97, 94, 98, 36, 100, 0.48, tail_share=0.03, drift=0.5),
    "call_center_interpreter_tty_part_c": ScoreShape(98, 94, 98, 11, 100, 0.17, tail_share=0.04, drift=1.0),
    "call_center_interpreter_tty_part_d": ScoreShape(97, 94, 100, 11, 100, 0.15, tail_share=0.04, drift=1.0),
    "complaints_drug_plan": ScoreShape(0.14, 0.07, 0.28, 0.0, 1.76, 0.29, tail_share=0.03, drift=0.01),
    "members_leaving_drug_plan": ScoreShape(15, 7, 23, 1, 71, 0.30, drift=-2.0),
    "mpf_price_accuracy": ScoreShape(99, 98, 99, 70, 100, 0.18, tail_share=0.03, drift=0.2),
    "medication_adherence_diabetes": ScoreShape(86, 84, 88, 68, 98, 0.20, drift=1.5),
    "medication_adherence_hypertension": ScoreShape(89, 87, 91, 57, 100, 0.17, drift=1.0),
    "medication_adherence_cholesterol": ScoreShape(88, 86, 90, 63, 98, 0.17, drift=1.0),
    "mtm_cmr_completion_rate": ScoreShape(88, 83, 93, 6, 100, 0.24, tail_share=0.04, drift=4.0),
    "statin_use_in_diabetes": ScoreShape(86, 83, 88, 73, 98, 0.20, drift=1.0),
}

#: The demo's catalogue subset: both directions, 0-100 and restricted-range measures, new measures, Part C and D.
DEMO_MEASURE_KEYS: tuple[str, ...] = (
    "breast_cancer_screening",
    "colorectal_cancer_screening",
    "diabetes_care_eye_exam",
    "reducing_risk_of_falling",
    "medication_reconciliation_post_discharge",
    "plan_all_cause_readmissions",
    "transitions_of_care",
    "complaints_health_plan",
    "members_leaving_health_plan",
    "timely_appeals_decisions",
    "complaints_drug_plan",
    "medication_adherence_diabetes",
    "mtm_cmr_completion_rate",
    "statin_use_in_diabetes",
)

_Z_QUARTILE = 0.6744897501960817  # standard normal 75th percentile


@dataclass(frozen=True)
class StarsSample:
    """Synthetic scores of one rating year and of the year before, and the prior year's cut points."""

    rating_year: int
    measures: tuple[Measure, ...]
    contracts: tuple[tuple[str, ContractType], ...]  # (contract id, MA-PD or PDP)
    scores: tuple[MeasureScore, ...]
    prior_scores: tuple[MeasureScore, ...]
    prior_cut_points: tuple[CutPoints, ...]


def _contracts(rng: np.random.Generator, n: int, pdp_share: float) -> tuple[tuple[str, ContractType], ...]:
    n_pdp = max(12, round(n * pdp_share))
    numbers = rng.choice(np.arange(1000, 10000), size=n, replace=False)
    mapd = sorted(f"H{k:04d}" for k in numbers[: n - n_pdp])
    pdp = sorted(f"S{k:04d}" for k in numbers[n - n_pdp:])
    return tuple([(c, ContractType.MAPD) for c in mapd] + [(c, ContractType.PDP) for c in pdp])


def _round(x: FloatArray, precision: int) -> FloatArray:
    """Half away from zero at the display precision (as CMS prints scores)."""
    factor = 10.0**precision
    return np.asarray(np.sign(x) * np.floor(np.abs(x) * factor + 0.5) / factor, dtype=np.float64)


def _draw(shape: ScoreShape, measure: Measure, quality: FloatArray, rng: np.random.Generator, shift: float) -> FloatArray:
    """Scores for contracts of quality ``quality`` (larger = better), the median moved by ``shift`` (in its direction)."""
    n = quality.size
    sign = 1.0 if measure.higher_is_better else -1.0
    z = sign * (0.55 * quality + np.sqrt(1 - 0.55**2) * rng.standard_normal(n))
    spread_lo = (shape.median - shape.q1) / _Z_QUARTILE
    spread_hi = (shape.q3 - shape.median) / _Z_QUARTILE
    center = shape.median + sign * shift
    x = center + np.where(z < 0, z * spread_lo, z * spread_hi)
    tail = rng.random(n) < shape.tail_share
    if measure.higher_is_better:
        x[tail] = rng.uniform(shape.low, shape.q1 - spread_lo, int(tail.sum()))
    else:
        x[tail] = rng.uniform(shape.q3 + spread_hi, shape.high, int(tail.sum()))
    return _round(np.clip(x, shape.low, shape.high), measure.precision)


def _year_scores(
    measures: Sequence[Measure],
    contracts: Sequence[tuple[str, ContractType]],
    quality: FloatArray,
    rng: np.random.Generator,
    prior: bool,
) -> list[MeasureScore]:
    out: list[MeasureScore] = []
    for m in measures:
        shape = SCORE_SHAPES[m.measure_key]
        eligible = [i for i, (_, ctype) in enumerate(contracts) if m.part is Part.D or ctype is ContractType.MAPD]
        values = _draw(shape, m, quality[eligible], rng, -shape.drift if prior else 0.0)
        missing = rng.random(len(eligible)) < shape.missing_share
        for j, i in enumerate(eligible):
            contract_id, ctype = contracts[i]
            typed = ctype if m.part is Part.D else ContractType.ALL
            if missing[j]:
                out.append(MeasureScore(contract_id, m.measure_key, None, MISSING_REASON, typed))
            else:
                out.append(MeasureScore(contract_id, m.measure_key, float(values[j]), None, typed))
    return out


def _published_cut_points(
    measures: Sequence[Measure], scores: Sequence[MeasureScore], params: StarsParams
) -> list[CutPoints]:
    """The prior rating year's outlier stage (Tukey outer-fence deletion) and one Ward clustering run per measure and
    contract type, rounded to display precision (a stand-in for CMS's published table)."""
    trim = methodology(params.method).trim
    out: list[CutPoints] = []
    for m in measures:
        types = (ContractType.MAPD, ContractType.PDP) if m.part is Part.D else (ContractType.ALL,)
        for ctype in types:
            x = np.asarray([s.score for s in scores if s.measure_key == m.measure_key and s.score is not None
                            and (ctype is ContractType.ALL or s.contract_type is ctype)], dtype=np.float64)
            raw = cluster_cut_points(trim(x, m.improvement, params), params.star_levels_count, m.higher_is_better,
                                     ties=params.clustering_tie_rule_text)
            thresholds = {k: float(_round(np.asarray([v]), m.precision)[0]) for k, v in raw.items()}
            out.append(CutPoints(m.measure_key, m.higher_is_better, thresholds, ctype))
    return out


def synthetic_star_scores(
    measures: Sequence[Measure],
    *,
    seed: int,
    rating_year: int,
    prior_params: StarsParams,
    contracts: int = 400,
    pdp_share: float = 0.1,
) -> StarsSample:
    """Scores of ``measures`` for ``contracts`` synthetic contracts (about ``pdp_share`` PDPs), reproducible from ``seed``.

    Part C measures are scored for the MA-PD contracts (H...), Part D measures for MA-PD and PDP (S...) contracts.
    Every measure needs an entry in :data:`SCORE_SHAPES` (CAHPS and improvement measures have none). The prior year's
    "published" cut points follow ``prior_params`` (the prior rating year's parameters: methodology and star levels).
    """
    unknown = [m.measure_id for m in measures if m.measure_key not in SCORE_SHAPES]
    if unknown:
        raise ValueError(f"no synthetic score shape for {', '.join(unknown)} (CAHPS and improvement measures have none)")
    if contracts < 40:
        raise ValueError("at least 40 contracts are needed for 5 star levels per contract type")
    rng = np.random.default_rng(seed)
    people = _contracts(rng, contracts, pdp_share)
    quality = rng.standard_normal(len(people))
    current = _year_scores(measures, people, quality, rng, prior=False)
    prior_quality = 0.8 * quality + 0.6 * rng.standard_normal(len(people))
    before = _year_scores(measures, people, prior_quality, rng, prior=True)
    return StarsSample(
        rating_year=rating_year,
        measures=tuple(measures),
        contracts=people,
        scores=tuple(current),
        prior_scores=tuple(before),
        prior_cut_points=tuple(_published_cut_points(measures, before, prior_params)),
    )
