"""§§ 422.166(c)-(i), 423.186(c)-(i) - load -> validate -> rate: the jobs behind ``partcd stars rate`` / ``whatif`` /
``uncertainty`` / ``explain`` (CLI), the API and the dashboard.

``rate_files`` reads a CMS "Measure Stars" table (or tidy stars) - or scores and cut points, starred first
(:func:`stars_from_scores`) - a CMS "CAI" table (or tidy categories), optional disaster shares and CAI values, rates
the year with :func:`partcd.stars.rules.rate.rate` and returns one plain row per contract (``contract_id,
part_c_summary, part_d_summary, overall`` as half stars or None with the reason, ``highest_rating``, the reward factor
and CAI applied, the reasons); :func:`rate_records` are those rows for files and JSON. ``compare_with_published``
checks the result against a CMS Summary Ratings table (the real-data check of issue 10). ``whatif_files`` and
``whatif_scores`` list the ratings (and measure stars, and cut points) that move under changed measure stars, scores,
disaster shares or methodology; :func:`uncertainty_files` rates the year many times (cut points of many resampling
seeds, optional score noise) with :func:`partcd.stars.rules.uncertainty.simulate`; :func:`contract_explanation` says
how one contract's ratings were reached, down to each measure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from partcd.core.errors import ConfigError, InputError
from partcd.core.params import ParamSet
from partcd.stars.pipelines import (
    DEFAULT_SEED,
    StarInputs,
    contract_measure_explanations,
    load_prior_cut_points,
    load_prior_scores,
    load_star_inputs,
    year_catalogue,
    year_params,
)
from partcd.stars.readers import detect, read_measure_data, read_rows, read_scores
from partcd.stars.readers.ratings import (
    DeclaredType,
    StarsInput,
    SummaryTable,
    read_cai_categories,
    read_cai_values,
    read_disaster_shares,
    read_organization_types,
    read_standard_errors,
    read_stars_input,
    stars_input,
)
from partcd.stars.rules.assign import StarAssignment, assign_all, exact_text
from partcd.stars.rules.cutpoints import compute_cut_points
from partcd.stars.rules.disaster import YearStar, adjust_measure
from partcd.stars.rules.explain import StarExplanation
from partcd.stars.rules.fastrate import FloatArray, RatingFrame
from partcd.stars.rules.methodology import StarsParams
from partcd.stars.rules.models import ContractType, CutPoints, Measure, MeasureScore, OrganizationTypeSource
from partcd.stars.rules.params import RatingKey, RatingParams, rating_params
from partcd.stars.rules.rate import ContractRating, RatingOutcome, RatingRun, rate
from partcd.stars.rules.summary import (
    DATA_MINIMUM_SOURCE,
    NOT_REQUIRED_STATUSES,
    ContractStars,
    RatingType,
    organization_type_of,
    rating_key,
)
from partcd.stars.rules.uncertainty import HALF_STARS, CutPointSet, ScoreModel, Uncertainty, simulate
from partcd.stars.rules.whatif import RatingMove, rating_moves, with_stars
from partcd.stars.rules.yearly import unverified_inputs


@dataclass(frozen=True)
class RatedContract:
    """One output row of ``partcd stars rate``."""

    contract_id: str
    contract_kind: str
    part_c_summary: float | None
    part_d_summary: float | None
    overall: float | None
    highest_rating: float | None
    highest_rating_type: str
    reward_factor: dict[str, float | None]
    cai: dict[str, float | None]
    reasons: dict[str, list[str]]
    high_performer: bool
    disaster_share_pct: float | None
    organization_type: str | None = None
    organization_type_source: str = "default"


@dataclass(frozen=True)
class RateResult:
    """A rated year: one row per rated contract, the rule run behind them, the contracts not rated and why."""

    rating_year: int
    rows: tuple[RatedContract, ...]
    run: RatingRun
    unrated: Mapping[str, str]
    params_file: str
    notes: tuple[str, ...] = field(default_factory=tuple)
    unverified: tuple[str, ...] = ()
    stars: StarsInput | None = None
    assignments: tuple[StarAssignment, ...] = ()  # the measure stars computed from scores (scores route)
    star_inputs: StarInputs | None = None  # the scores and cut points read (scores route), for per-measure explanations

    def as_dicts(self) -> list[dict[str, Any]]:
        return [row.__dict__ for row in self.rows]


#: Columns of ``partcd stars rate`` as CSV (JSON keeps the nested per-rating fields).
RATE_COLUMNS = ("contract_id", "contract_kind", "organization_type", "organization_type_source", "part_c_summary",
                "part_d_summary", "overall", "highest_rating",
                "highest_rating_type", "reward_factor_part_c", "reward_factor_part_d", "reward_factor_overall",
                "cai_part_c", "cai_part_d", "cai_overall", "high_performer", "disaster_share_pct", "reasons")
_RATING_NAMES = ("part_c", "part_d", "overall")


def rate_records(result: RateResult) -> list[dict[str, Any]]:
    """One record per contract of the input: the rated ones (ratings or None with the reason in ``not_rated``), then
    the contracts CMS does not rate (all ratings None, the reason in ``not_rated``)."""
    out: list[dict[str, Any]] = []
    for r in result.rows:
        values = {"part_c": r.part_c_summary, "part_d": r.part_d_summary, "overall": r.overall}
        out.append({
            "contract_id": r.contract_id, "contract_kind": r.contract_kind, "organization_type": r.organization_type,
            "organization_type_source": r.organization_type_source, "part_c_summary": r.part_c_summary,
            "part_d_summary": r.part_d_summary, "overall": r.overall, "highest_rating": r.highest_rating,
            "highest_rating_type": r.highest_rating_type,
            "not_rated": {k: r.reasons[k][0] if r.reasons[k] else "not rated" for k, v in values.items() if v is None},
            "reward_factor": dict(r.reward_factor), "cai": dict(r.cai), "reasons": {k: list(v) for k, v in r.reasons.items()},
            "high_performer": r.high_performer, "disaster_share_pct": r.disaster_share_pct,
        })
    for cid, why in sorted(result.unrated.items()):
        out.append({
            "contract_id": cid, "contract_kind": "not rated", "organization_type": None,
            "organization_type_source": None, "part_c_summary": None, "part_d_summary": None,
            "overall": None, "highest_rating": None, "highest_rating_type": None,
            "not_rated": dict.fromkeys(_RATING_NAMES, why), "reward_factor": dict.fromkeys(_RATING_NAMES),
            "cai": dict.fromkeys(_RATING_NAMES), "reasons": {k: [why] for k in _RATING_NAMES}, "high_performer": False,
            "disaster_share_pct": None,
        })
    return out


def flat_rate_records(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """:func:`rate_records` flattened to :data:`RATE_COLUMNS` (reasons as ``part_c: ... | part_d: ... | overall: ...``)."""
    out = []
    for r in records:
        flat = {k: r.get(k) for k in RATE_COLUMNS}
        for name in _RATING_NAMES:
            flat[f"reward_factor_{name}"] = r["reward_factor"].get(name)
            flat[f"cai_{name}"] = r["cai"].get(name)
        flat["reasons"] = " | ".join(f"{name}: {'; '.join(r['reasons'].get(name, []))}" for name in _RATING_NAMES)
        out.append(flat)
    return out


def _why(outcome: RatingOutcome) -> list[str]:
    out = [outcome.reason] if outcome.reason else []
    ms = outcome.measures
    if outcome.reason is None and ms is not None and ms.minimum_source != DATA_MINIMUM_SOURCE:
        out.append(f"{ms.rated_count} rated measures, {ms.minimum_count} needed ({ms.minimum_source})")
    chosen = outcome.chosen
    if chosen is not None:
        w = chosen.weighted
        out.append(f"weighted mean {w.mean:.6f} of {w.measures_count} measures"
                   + (f", variance {w.variance:.6f}" if w.variance is not None else "")
                   + f"; reward factor {chosen.reward.value:g} ({chosen.reward.mean_category}, "
                   f"{chosen.reward.variance_category} variance); CAI {chosen.cai.value:+g}"
                   + ("" if chosen.with_improvement else "; without the improvement measures")
                   + ("" if chosen.with_new_measures else "; without the new measures")
                   + f" -> {chosen.raw:.6f} -> {chosen.stars:g}")
    out += list(outcome.notes)
    return out


def row_of(rating: ContractRating) -> RatedContract:
    outcomes = {r: rating.outcome(r) for r in RatingType}
    return RatedContract(
        contract_id=rating.contract_id, contract_kind=rating.kind.value,
        part_c_summary=rating.part_c.stars, part_d_summary=rating.part_d.stars, overall=rating.overall.stars,
        highest_rating=rating.highest_rating, highest_rating_type=rating.highest_rating_type.value,
        reward_factor={r.value: o.reward_factor for r, o in outcomes.items()},
        cai={r.value: o.cai for r, o in outcomes.items()},
        reasons={r.value: _why(o) for r, o in outcomes.items()},
        high_performer=rating.high_performer, disaster_share_pct=rating.disaster_share_pct,
        organization_type=rating.organization_type, organization_type_source=rating.organization_type_source,
    )


def rate_input(
    stars: StarsInput,
    params: RatingParams,
    *,
    cai_categories: Mapping[str, Mapping[RatingKey, int | None]] | None = None,
    cai_values: Mapping[RatingKey, Mapping[int, float]] | None = None,
    disaster_shares: Mapping[str, Mapping[int, float]] | None = None,
) -> RatingRun:
    """Rate already-read inputs (the pure core with the year's measures)."""
    return rate(stars.contracts, stars.measures, stars.rating_year, params, cai_categories=cai_categories,
                cai_values=cai_values, disaster_shares=disaster_shares)


def _year_of(stars_year: int | None, categories_year: int | None, year: int | None, cai: Path | str | None) -> int | None:
    if categories_year is not None and year is not None and categories_year != year:
        raise InputError(str(cai), 1, None, f"CAI table is for {categories_year}, but year {year} was asked for")
    return year or categories_year or stars_year


def rate_files(
    measure_stars: Path | str | None,
    cai: Path | str | None = None,
    year: int | None = None,
    *,
    disaster_shares: Path | str | None = None,
    cai_values: Path | str | None = None,
    scores: Path | str | None = None,
    cut_points: Sequence[Path] = (),
    org_types: Path | str | None = None,
) -> RateResult:
    """Read the files, rate the year, return one row per rated contract (see the module docstring).

    ``org_types`` declares contracts' organization types (TN Table 6 / 7 minimum counts, :func:`with_organization_types`).

    With ``scores`` and ``cut_points`` the measure stars are computed first (:func:`stars_from_scores`);
    ``measure_stars`` then supplies only the stars scores cannot give (CAHPS, improvement) and the organization types.
    """
    categories = read_cai_categories(cai) if cai is not None else None
    chosen = _year_of(None, categories.rating_year if categories else None, year, cai)
    pr = categories.puerto_rico_only if categories is not None else frozenset()
    assignments: list[StarAssignment] = []
    notes: list[str] = []
    inputs: StarInputs | None = None
    if scores is not None:
        if not cut_points:
            raise ConfigError("--scores needs --cut-points (the rating year's cut points, CMS tables or tidy CSV)")
        inputs = load_star_inputs(Path(scores), list(cut_points), chosen, year_name="--year", cut_points_name="--cut-points")
        stars, assignments, notes = _stars_of(inputs, Path(scores), measure_stars, pr)
    elif measure_stars is not None:
        stars = read_stars_input(measure_stars, chosen, pr)
    else:
        raise ConfigError("give --measure-stars, or --scores with --cut-points")
    params_set = year_params(stars.rating_year)
    params = rating_params(params_set)
    declared = read_organization_types(org_types) if org_types is not None else {}
    stars = with_organization_types(stars, declared, params, str(org_types))
    shares = read_disaster_shares(disaster_shares) if disaster_shares is not None else None
    values = read_cai_values(cai_values) if cai_values is not None else None
    run = rate_input(stars, params, cai_categories=categories.categories if categories else None,
                     cai_values=values, disaster_shares=shares)
    notes += list(run.notes)
    if categories is None:
        notes.append("no CAI table given: no CAI applied")
    return RateResult(stars.rating_year, tuple(row_of(r) for r in run.ratings), run, dict(stars.unrated),
                      params_set.file, tuple(notes), tuple(unverified_inputs(params_set, stars.measures)), stars,
                      tuple(assignments), inputs)


def with_organization_types(stars: StarsInput, declared: Mapping[str, DeclaredType], params: RatingParams,
                            file: str = "--org-types") -> StarsInput:
    """Each contract's TN Table 6 / 7 organization type: declared (``declared``), else derived from the contract id
    (S -> PDP), else none (the minimum is read from the data). A declared contract that is not in the input, and any
    declaration for a rating year whose parameters have no per-type table, is refused naming the row."""
    known = {c.contract_id for c in stars.contracts} | set(stars.unrated)
    for cid, d in declared.items():
        if cid not in known:
            raise InputError(file, d.row, "contract_id", f"{cid} is not a contract of the {stars.rating_year} input")
        if params.organization_type_minimum_rated_table is None:
            raise InputError(file, d.row, "organization_type",
                             f"rating year {stars.rating_year} has no cited minimum counts per organization type "
                             f"(its Technical Notes' Tables 6 and 7 are not in the parameters)")
    contracts = []
    for c in stars.contracts:
        mine = declared.get(c.contract_id)
        if mine is not None:
            contracts.append(replace(c, organization_type=mine.organization_type,
                                     organization_type_source=OrganizationTypeSource.DECLARED))
        elif (derived := organization_type_of(c.contract_id)) is not None:
            contracts.append(replace(c, organization_type=derived, organization_type_source=OrganizationTypeSource.DERIVED))
        else:
            contracts.append(c)
    return replace(stars, contracts=tuple(contracts))


def organization_types(scores_path: Path, year: int) -> dict[str, str]:
    """Contract id -> organization type from a CMS Measure Data table or a tidy score file's ``organization_type``
    column (empty when the file has none)."""
    if detect(scores_path).kind == "measure_data":
        return {c.contract_id: c.organization_type for c in read_measure_data(scores_path, year).contracts}
    rows = read_rows(scores_path)
    col = {c.strip().lower(): i for i, c in enumerate(rows[0])} if rows else {}
    if "organization_type" not in col:
        return {}
    i, j = col["contract_id"], col["organization_type"]
    return {r[i].strip(): r[j].strip() for r in rows[1:] if len(r) > max(i, j) and r[j].strip()}


def stars_from_scores(
    scores_path: Path,
    cut_points: Sequence[Path | CutPoints],
    year: int | None,
    *,
    measure_stars: Path | str | None = None,
    puerto_rico_only: frozenset[str] = frozenset(),
) -> tuple[StarsInput, list[StarAssignment], list[str]]:
    """Measure stars from scores and cut points (CMS boundary rules, display precision), as the rating rules take them.

    CAHPS measures: the published star from ``measure_stars`` when given (CMS's final CAHPS star also depends on
    significance and reliability), else the base-group star of the cut points with a note. Improvement measures have no
    score: their published stars come from ``measure_stars``; without it the ratings are computed without them (noted).
    Organization types (PDP / MA-PD / MA-only): ``measure_stars``, else the Measure Data table or a tidy
    ``organization_type`` column; a contract without one is refused.
    """
    inputs = load_star_inputs(scores_path, list(cut_points), year, year_name="--year", cut_points_name="--cut-points")
    return _stars_of(inputs, scores_path, measure_stars, puerto_rico_only)


def _stars_of(inputs: StarInputs, scores_path: Path, measure_stars: Path | str | None,
              puerto_rico_only: frozenset[str]) -> tuple[StarsInput, list[StarAssignment], list[str]]:
    if inputs.rating_year is None or inputs.measures is None:
        raise ConfigError("cannot tell the rating year of tidy files: give --year")
    rating_year, measures = inputs.rating_year, list(inputs.measures)
    published = read_stars_input(measure_stars, rating_year, puerto_rico_only) if measure_stars is not None else None
    orgs = dict(published.organization_types) if published is not None else organization_types(scores_path, rating_year)
    assignments = assign_all(list(inputs.scores), list(inputs.cut_points), measures, inputs.measure_ids)
    by_key = {m.measure_key: m for m in measures}
    stars: dict[str, dict[str, int]] = {}
    not_required: dict[str, set[str]] = {}
    for a in assignments:
        stars.setdefault(a.contract_id, {})
        not_required.setdefault(a.contract_id, set())
        m = by_key.get(a.measure_key)
        if m is None or (m.cahps and published is not None):
            continue
        if a.stars is not None:
            stars[a.contract_id][a.measure_key] = a.stars
        elif a.missing_reason in NOT_REQUIRED_STATUSES:
            not_required[a.contract_id].add(a.measure_key)
    notes: list[str] = []
    from_published = {m.measure_key for m in measures if m.improvement or (m.cahps and published is not None)}
    if published is not None:
        theirs = {c.contract_id: c for c in published.contracts}
        for cid in stars:
            c = theirs.get(cid)
            if c is None:
                continue
            stars[cid].update({k: v for k, v in c.stars.items() if k in from_published})
            not_required[cid] |= {k for k in c.not_required if k in from_published}
        notes.append("CAHPS and improvement measure stars taken from the published measure stars; the others computed "
                     "from the scores and cut points")
    else:
        if any(m.cahps for m in measures):
            notes.append("CAHPS stars are base-group stars of the cut points (CMS's final CAHPS star also depends on "
                         "significance and reliability): give --measure-stars for the published ones")
        if any(m.improvement for m in measures):
            notes.append("improvement measures have no score: rated without them (give --measure-stars for the "
                         "published improvement stars)")
    missing = sorted(cid for cid in stars if cid not in orgs)
    if missing:
        raise InputError(str(scores_path), None, "organization_type",
                         f"no organization type for {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}: "
                         "give --measure-stars, a CMS Measure Data table or an organization_type column")
    built = stars_input(str(scores_path), rating_year, measures, [(cid, orgs[cid]) for cid in stars], stars, not_required,
                        puerto_rico_only)
    return built, assignments, notes


# --- the real-data check --------------------------------------------------------------------


@dataclass(frozen=True)
class Disagreement:
    contract_id: str
    rating: str
    computed: float | None
    published: float | None
    published_text: str | None
    cause: str
    raw: float | None


@dataclass(frozen=True)
class Agreement:
    rating: str
    agree: int
    compared: int  # contracts where either side has a rating
    disagreements: tuple[Disagreement, ...]

    @property
    def share(self) -> float:
        return self.agree / self.compared if self.compared else 1.0

    def causes(self) -> Counter[str]:
        return Counter(d.cause for d in self.disagreements)


def _gap(raw: float, published: float) -> float:
    """How far ``raw`` lies outside the raw interval that rounds to ``published`` (0 inside)."""
    low, high = published - 0.25, published + 0.25
    return max(low - raw, raw - high, 0.0)


def _cause(outcome: RatingOutcome, published: float | None, cai_reach: float, share: float | None,
           params: RatingParams) -> str:
    """A first diagnosis of a disagreement (a name, not a proof; see the issue-10 note)."""
    if outcome.stars is None:
        return "minimum measure count: not rated here, rated by CMS (contract-type minimum, e.g. I-SNP only)"
    if published is None:
        return "rated here, not by CMS"
    chosen = outcome.chosen
    assert chosen is not None
    reach = 0.0 if chosen.cai.applied else cai_reach
    if _gap(chosen.raw, published) <= reach:
        return "CAI: the published half star is within the CAI range of the raw value (CAI values unknown)"
    factors = {0.0, *(v for row in params.reward_factor_table.values() for v in row.values())}
    if any(_gap(v.weighted.mean + f + (v.cai.value if v.cai.applied else 0.0), published) <= reach
           for v in outcome.variants for f in factors):
        return "reward factor: another reward factor (contract near a percentile threshold) gives the published rating"
    if share is not None and share >= params.disaster_adjustment_min_pct:
        return "disaster-affected contract (25 percent or more)"
    return "unexplained"


def compare_with_published(
    result: RateResult, published: SummaryTable, params: RatingParams, cai_reach: Mapping[str, float]
) -> dict[str, Agreement]:
    """Agreement per rating (Part C summary, Part D summary, overall) with CMS's Summary Ratings table; contracts
    neither side rates are not compared. ``cai_reach`` is the largest |CAI| thought possible per rating type
    (part_c, part_d_mapd, part_d_pdp, overall), used only to name the likely cause of a disagreement."""
    by_id = result.run.by_contract()
    out: dict[str, Agreement] = {}
    for rating, attr in ((RatingType.PART_C, "part_c"), (RatingType.PART_D, "part_d"), (RatingType.OVERALL, "overall")):
        agree = compared = 0
        bad: list[Disagreement] = []
        for cid, row in published.rows.items():
            ours = by_id.get(cid)
            theirs: float | None = getattr(row, attr)
            computed = ours.outcome(rating).stars if ours is not None else None
            if computed is None and theirs is None:
                continue
            compared += 1
            if computed == theirs:
                agree += 1
                continue
            if ours is None:
                bad.append(Disagreement(cid, rating.value, None, theirs, row.texts.get(attr),
                                        result.unrated.get(cid, "not in the measure stars"), None))
                continue
            outcome = ours.outcome(rating)
            raw = outcome.chosen.raw if outcome.chosen is not None else None
            reach = cai_reach.get(rating_key(rating, ours.kind), 0.0)
            bad.append(Disagreement(cid, rating.value, computed, theirs, row.texts.get(attr),
                                    _cause(outcome, theirs, reach, ours.disaster_share_pct, params), raw))
        out[rating.value] = Agreement(rating.value, agree, compared, tuple(bad))
    return out


def summarize(agreements: Mapping[str, Agreement]) -> list[str]:
    lines = []
    for name, a in agreements.items():
        lines.append(f"{name}: {a.agree}/{a.compared} ({100 * a.share:.1f} %)")
        lines += [f"    {n:4d}  {cause}" for cause, n in a.causes().most_common()]
    return lines


def rate_rows_for(result: RateResult, contract_ids: Sequence[str]) -> list[RatedContract]:
    wanted = set(contract_ids)
    return [r for r in result.rows if r.contract_id in wanted]


# --- what-if and uncertainty from files ---------------------------------------------------------


def read_star_changes(path: Path | str, measures: Sequence[Measure]) -> dict[str, dict[str, int | None]]:
    """What-if measure stars: tidy CSV ``contract_id, measure_id (or measure_key), stars`` (empty stars = no star)."""
    file = str(path)
    rows = read_rows(path)
    header = {c.strip().lower(): i for i, c in enumerate(rows[0])} if rows else {}
    if "contract_id" not in header or "stars" not in header or not ({"measure_id", "measure_key"} & set(header)):
        raise InputError(file, 1, None, "expected columns contract_id, measure_id (or measure_key), stars")
    by_id = {m.measure_id: m.measure_key for m in measures}
    keys = {m.measure_key for m in measures}
    out: dict[str, dict[str, int | None]] = {}
    for idx, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        cell = {name: row[i].strip() if i < len(row) else "" for name, i in header.items()}
        key = cell.get("measure_key") or by_id.get(cell.get("measure_id", ""), "")
        if key not in keys:
            raise InputError(file, idx, "measure_id", f"{cell.get('measure_id') or cell.get('measure_key')!r} is not a measure")
        text = cell["stars"]
        if text not in {"", "1", "2", "3", "4", "5"}:
            raise InputError(file, idx, "stars", f"{text!r}: expected 1-5 or empty")
        out.setdefault(cell["contract_id"], {})[key] = int(text) if text else None
    return out


@dataclass(frozen=True)
class StarMove:
    """A measure star that differs between the baseline and the what-if."""

    contract_id: str
    measure_id: str
    measure_key: str
    before: int | None
    after: int | None
    why: str


@dataclass(frozen=True)
class ThresholdMove:
    """A cut point that differs between the baseline and the what-if (scores route)."""

    measure_id: str
    contract_type: str
    threshold: int
    before: float
    after: float


@dataclass(frozen=True)
class WhatIf:
    """Everything that moves: summary and overall ratings with why, measure stars, cut points."""

    rating_year: int
    ratings: tuple[RatingMove, ...]
    stars: tuple[StarMove, ...] = ()
    cut_points: tuple[ThresholdMove, ...] = ()
    notes: tuple[str, ...] = ()

    def records(self) -> list[dict[str, Any]]:
        """One record per moving rating (``kind`` rating), measure star (``measure_star``) and cut point (``cut_point``)."""
        out: list[dict[str, Any]] = [
            {"kind": "rating", "contract_id": m.contract_id, "what": m.rating.value, "before": m.before, "after": m.after,
             "why": "; ".join(m.why)} for m in self.ratings]
        out += [{"kind": "measure_star", "contract_id": m.contract_id, "what": m.measure_id, "before": m.before,
                 "after": m.after, "why": m.why} for m in self.stars]
        out += [{"kind": "cut_point", "contract_id": None, "what": f"{m.measure_id} {m.contract_type} {m.threshold}",
                 "before": m.before, "after": m.after, "why": "cut point recomputed"} for m in self.cut_points]
        return out


#: Columns of ``partcd stars whatif`` (one row per thing that moves).
WHATIF_COLUMNS = ("kind", "contract_id", "what", "before", "after", "why")


def _star_moves(before: Sequence[ContractStars], after: Sequence[ContractStars], measures: Sequence[Measure],
                why: Mapping[tuple[str, str], str]) -> list[StarMove]:
    ids = {m.measure_key: m.measure_id for m in measures}
    a_by = {c.contract_id: c for c in after}
    out = []
    for b in before:
        a = a_by.get(b.contract_id)
        if a is None:
            continue
        for key in [m.measure_key for m in measures]:
            if b.stars.get(key) != a.stars.get(key):
                out.append(StarMove(b.contract_id, ids[key], key, b.stars.get(key), a.stars.get(key),
                                    why.get((b.contract_id, key), "measure star changed")))
    return out


def apply_disaster_rules(
    contracts: Sequence[ContractStars],
    prior: StarsInput,
    measures: Sequence[Measure],
    shares: Mapping[str, Mapping[int, float]],
    rating_year: int,
    params: RatingParams,
    only: frozenset[str],
) -> tuple[list[ContractStars], dict[tuple[str, str], str]]:
    """The measure-level disaster rules (higher of the two years, missing data, call-center exception) for the contracts
    in ``only`` with the prior year's published stars (matched by measure key); the other contracts as given."""
    prior_by = {c.contract_id: c for c in prior.contracts}
    out: list[ContractStars] = []
    why: dict[tuple[str, str], str] = {}
    for c in contracts:
        p = prior_by.get(c.contract_id)
        if c.contract_id not in only or p is None:
            out.append(c)
            continue
        stars = dict(c.stars)
        for m in measures:
            adjusted = adjust_measure(m, YearStar(rating_year, c.stars.get(m.measure_key)),
                                      YearStar(rating_year - 1, p.stars.get(m.measure_key)), shares.get(c.contract_id, {}),
                                      rating_year, params)
            if adjusted.stars != c.stars.get(m.measure_key):
                why[(c.contract_id, m.measure_key)] = f"{adjusted.reason} ({adjusted.rule})"
                if adjusted.stars is None:
                    stars.pop(m.measure_key, None)
                else:
                    stars[m.measure_key] = adjusted.stars
        out.append(replace(c, stars=stars))
    return out, why


def _changed_shares(before: Mapping[str, Mapping[int, float]] | None,
                    after: Mapping[str, Mapping[int, float]] | None) -> frozenset[str]:
    b, a = before or {}, after or {}
    return frozenset(cid for cid in set(b) | set(a) if dict(b.get(cid, {})) != dict(a.get(cid, {})))


def whatif_files(
    measure_stars: Path | str,
    cai: Path | str | None,
    year: int | None,
    *,
    star_changes: Path | str | None = None,
    disaster_shares: Path | str | None = None,
    new_disaster_shares: Path | str | None = None,
    cai_values: Path | str | None = None,
    prior_measure_stars: Path | str | None = None,
) -> WhatIf:
    """Rate the year as given and with the changes (measure stars and/or disaster shares); what moves.

    With ``prior_measure_stars`` (the prior year's Measure Stars) the contracts whose disaster shares change get the
    measure-level disaster rules (higher of the two years' stars at 25 percent or more) before rating.
    """
    categories = read_cai_categories(cai) if cai is not None else None
    pr = categories.puerto_rico_only if categories is not None else frozenset()
    stars = read_stars_input(measure_stars, _year_of(None, categories.rating_year if categories else None, year, cai), pr)
    params = rating_params(year_params(stars.rating_year))
    values = read_cai_values(cai_values) if cai_values is not None else None
    shares = read_disaster_shares(disaster_shares) if disaster_shares is not None else None
    cats = categories.categories if categories else None
    before = rate(stars.contracts, stars.measures, stars.rating_year, params, cai_categories=cats, cai_values=values,
                  disaster_shares=shares)
    changed = with_stars(stars.contracts, read_star_changes(star_changes, stars.measures)) if star_changes else \
        list(stars.contracts)
    why = {(cid, key): "changed in the what-if file" for cid, by in
           (read_star_changes(star_changes, stars.measures).items() if star_changes else ()) for key in by}
    after_shares = read_disaster_shares(new_disaster_shares) if new_disaster_shares is not None else shares
    notes: list[str] = []
    moved_shares = _changed_shares(shares, after_shares)
    if moved_shares and prior_measure_stars is not None:
        prior = read_stars_input(prior_measure_stars, stars.rating_year - 1)
        changed, disaster_why = apply_disaster_rules(changed, prior, stars.measures, after_shares or {}, stars.rating_year,
                                                     params, moved_shares)
        why.update(disaster_why)
    elif moved_shares:
        notes.append("disaster shares changed without --prior-measure-stars: the measure-level higher-of rules are not "
                     "applied (only the reward-factor exclusion and the new-measure hold-harmless follow the shares)")
    after = rate(changed, stars.measures, stars.rating_year, params, cai_categories=cats, cai_values=values,
                 disaster_shares=after_shares)
    return WhatIf(stars.rating_year, tuple(rating_moves(before, after)),
                  tuple(_star_moves(stars.contracts, changed, stars.measures, why)), (), tuple(notes))


def read_score_changes(path: Path | str, year: int) -> list[MeasureScore]:
    """What-if scores: a tidy score file (``contract_id, measure_id, score``) of the rating year."""
    return list(read_scores(path, year).scores)


def whatif_scores(
    scores: Path,
    year: int | None,
    *,
    measure_stars: Path | str | None = None,
    cai: Path | str | None = None,
    cai_values: Path | str | None = None,
    cut_points: Sequence[Path] = (),
    prior_cut_points: Sequence[Path] = (),
    prior_scores: Path | None = None,
    score_changes: Path | str | None = None,
    disaster_shares: Path | str | None = None,
    new_disaster_shares: Path | str | None = None,
    methodology: str | None = None,
    new_methodology: str | None = None,
    seed: int = DEFAULT_SEED,
) -> WhatIf:
    """The scores route: stars from scores, rated, before and after changed scores, disaster shares or methodology.

    With ``cut_points`` the cut points stay as given (only the changed contracts' stars move). Otherwise the cut points
    are computed from all scores both times (``prior_cut_points`` for the guardrail), so a score change, a disaster
    share (the year's 60 percent rule) or another methodology moves them for everyone.
    """
    categories = read_cai_categories(cai) if cai is not None else None
    pr = categories.puerto_rico_only if categories is not None else frozenset()
    table = read_scores(scores, _year_of(None, categories.rating_year if categories else None, year, cai))
    if table.rating_year is None:
        raise ConfigError("cannot tell the rating year of a tidy score file: give --year")
    rating_year = table.rating_year
    params_set = year_params(rating_year)
    typed, params = params_set.typed(StarsParams), rating_params(params_set)
    measures = year_catalogue(rating_year)
    base_scores = list(table.scores)
    new_scores = base_scores
    if score_changes is not None:
        from partcd.stars.pipelines.carryover import replace_scores

        new_scores, _ = replace_scores(base_scores, read_score_changes(score_changes, rating_year), str(score_changes))
    shares = read_disaster_shares(disaster_shares) if disaster_shares is not None else None
    after_shares = read_disaster_shares(new_disaster_shares) if new_disaster_shares is not None else shares
    priors = load_prior_cut_points(prior_cut_points, rating_year)
    before_scores = load_prior_scores(prior_scores, rating_year)

    def cut(score_list: Sequence[MeasureScore], by_shares: Mapping[str, Mapping[int, float]] | None,
            method: str | None) -> list[CutPoints]:
        if cut_points:
            return [c for p in cut_points for c in read_cut_points_of(p, rating_year)]
        from partcd.stars.pipelines import sixty_percent_shares

        sixty = sixty_percent_shares(by_shares or {}, rating_year, params)
        results = compute_cut_points(measures, score_list, priors, before_scores, rating_year, typed,
                                     np.random.default_rng(seed), methodology_name=method or typed.method,
                                     disaster_shares=sixty)
        return [r.cut_points() for r in results]

    cp_before = cut(base_scores, shares, methodology)
    cp_after = cut(new_scores, after_shares, new_methodology or methodology) if (
        new_scores is not base_scores or new_methodology or _changed_shares(shares, after_shares)) else cp_before
    s_before, _, notes = stars_from_scores_records(scores, base_scores, cp_before, measures, rating_year, table.measure_ids,
                                                   measure_stars, pr)
    s_after, _, _ = stars_from_scores_records(scores, new_scores, cp_after, measures, rating_year, table.measure_ids,
                                              measure_stars, pr)
    values = read_cai_values(cai_values) if cai_values is not None else None
    cats = categories.categories if categories else None
    before = rate(s_before.contracts, measures, rating_year, params, cai_categories=cats, cai_values=values,
                  disaster_shares=shares)
    after = rate(s_after.contracts, measures, rating_year, params, cai_categories=cats, cai_values=values,
                 disaster_shares=after_shares)
    changed_pairs = {(a.contract_id, a.measure_key) for a, b in zip(new_scores, base_scores, strict=True) if a != b}
    why = dict.fromkeys(changed_pairs, "score changed in the what-if file")
    moved_cut = _threshold_moves(cp_before, cp_after, measures)
    moved_keys = {m.measure_key for m in measures if m.measure_id in {t.measure_id for t in moved_cut}}
    for c in s_after.contracts:
        for key in moved_keys:
            why.setdefault((c.contract_id, key), "the measure's cut points moved")
    return WhatIf(rating_year, tuple(rating_moves(before, after)),
                  tuple(_star_moves(s_before.contracts, s_after.contracts, measures, why)), tuple(moved_cut), tuple(notes))


def read_cut_points_of(path: Path, year: int) -> tuple[CutPoints, ...]:
    """The cut points of one file for ``year`` (CMS table or tidy CSV)."""
    from partcd.stars.readers import read_cut_points

    return read_cut_points(path, year).cut_points


def _threshold_moves(before: Sequence[CutPoints], after: Sequence[CutPoints], measures: Sequence[Measure]
                     ) -> list[ThresholdMove]:
    ids = {m.measure_key: m.measure_id for m in measures}
    a_by = {(c.measure_key, c.contract_type): c.thresholds for c in after}
    out = []
    for c in before:
        theirs = a_by.get((c.measure_key, c.contract_type), {})
        for level, value in sorted(c.thresholds.items()):
            other = theirs.get(level)
            if other is not None and abs(other - value) > 1e-9:
                out.append(ThresholdMove(ids.get(c.measure_key, c.measure_key), c.contract_type.value, level,
                                         float(exact_text(value)), float(exact_text(other))))
    return out


def stars_from_scores_records(
    scores_file: Path,
    scores: Sequence[MeasureScore],
    cut_points: Sequence[CutPoints],
    measures: Sequence[Measure],
    rating_year: int,
    measure_ids: Mapping[str, str],
    measure_stars: Path | str | None,
    puerto_rico_only: frozenset[str],
) -> tuple[StarsInput, list[StarAssignment], list[str]]:
    """:func:`stars_from_scores` on scores and cut points already in hand (what-if and uncertainty)."""
    inputs = StarInputs(rating_year, tuple(scores), dict(measure_ids), tuple(cut_points), tuple(measures))
    return _stars_of(inputs, scores_file, measure_stars, puerto_rico_only)


def score_model(
    frame: RatingFrame,
    measures: Sequence[Measure],
    scores: Sequence[MeasureScore],
    fixed: FloatArray,
    standard_errors: Mapping[tuple[str, str], float] | None = None,
) -> ScoreModel:
    """The uncertainty model of a year: numeric scores of the clustered measures (CAHPS and improvement stars stay
    ``fixed``), optional standard errors keyed (contract_id, measure_key)."""
    col = {m.measure_key: j for j, m in enumerate(measures)}
    row = {cid: i for i, cid in enumerate(frame.contract_ids)}
    values = np.full(fixed.shape, np.nan)
    for s in scores:
        if s.score is not None and s.contract_id in row and s.measure_key in col:
            values[row[s.contract_id], col[s.measure_key]] = s.score
    clustered = np.array([not (m.cahps or m.improvement) for m in measures])
    values[:, ~clustered] = np.nan
    se = None
    if standard_errors is not None:
        se = np.zeros(fixed.shape)
        for (cid, key), v in standard_errors.items():
            if cid in row and key in col:
                se[row[cid], col[key]] = v
    return ScoreModel(values, se, np.where(clustered[None, :], np.nan, fixed),
                      np.array([m.precision for m in measures], dtype=np.int_),
                      np.array([m.higher_is_better for m in measures], dtype=np.bool_))


def cut_point_set(measures: Sequence[Measure], cut_points: Sequence[CutPoints]) -> CutPointSet:
    """Cut points (Part C for every contract, Part D per MA-PD / PDP) as the array the simulation uses."""
    col = {m.measure_key: j for j, m in enumerate(measures)}
    th = np.full((2, len(measures), 4), np.nan)
    for cp in cut_points:
        if cp.measure_key not in col:
            continue
        groups = (0, 1) if cp.contract_type is ContractType.ALL else (1,) if cp.contract_type is ContractType.PDP else (0,)
        for g in groups:
            th[g, col[cp.measure_key]] = [cp.thresholds.get(s, np.nan) for s in (2, 3, 4, 5)]
    return CutPointSet(th)


# --- uncertainty from files -------------------------------------------------------------------

#: Bounds on the work one uncertainty request may ask for (CLI and API).
MAX_SEEDS = 200
MAX_REPETITIONS = 100_000


@dataclass(frozen=True)
class UncertaintyResult:
    """Per contract the probability of each measure star and each rating over the repetitions."""

    rating_year: int
    contract_ids: tuple[str, ...]
    kinds: tuple[str, ...]
    measures: tuple[Measure, ...]
    simulated: FloatArray  # (contracts, measures) True where the star varied in the simulation (bool as float)
    result: Uncertainty
    seeds: tuple[int, ...]
    noise: bool
    notes: tuple[str, ...] = ()

    def records(self) -> list[dict[str, Any]]:
        """One record per contract: the distribution of the highest rating (the one for the quality bonus), of the
        overall and summary ratings (half star -> probability, zeros left out) and of every simulated measure star."""
        out = []
        u = self.result

        def dist(row: FloatArray) -> dict[str, float]:
            return {f"{HALF_STARS[k]:g}": round(float(row[k]), 6) for k in range(len(HALF_STARS)) if row[k] > 0}

        for i, cid in enumerate(self.contract_ids):
            highest = u.highest[i]
            rated = float(highest.sum())
            top = int(np.argmax(highest)) if rated > 0 else None
            measure_stars = {
                m.measure_id: {str(s + 1): round(float(u.measure_stars[i, j, s]), 6) for s in range(5)
                               if u.measure_stars[i, j, s] > 0}
                for j, m in enumerate(self.measures) if self.simulated[i, j]
            }
            out.append({
                "contract_id": cid, "contract_kind": self.kinds[i],
                "most_likely_highest_rating": None if top is None else HALF_STARS[top],
                "probability_most_likely": None if top is None else round(float(highest[top]), 6),
                "probability_rated": round(rated, 6),
                "highest_rating": dist(highest), "overall": dist(u.overall[i]), "part_c": dist(u.part_c[i]),
                "part_d": dist(u.part_d[i]), "measure_stars": measure_stars,
            })
        return out


#: Columns of ``partcd stars uncertainty`` as CSV: the highest rating's distribution over the half stars.
UNCERTAINTY_COLUMNS = ("contract_id", "contract_kind", "most_likely_highest_rating", "probability_most_likely",
                       "probability_rated", *(f"p_{h:g}" for h in HALF_STARS))


def flat_uncertainty_records(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """:meth:`UncertaintyResult.records` flattened to :data:`UNCERTAINTY_COLUMNS`."""
    return [{**{k: r[k] for k in UNCERTAINTY_COLUMNS[:5]},
             **{f"p_{h:g}": r["highest_rating"].get(f"{h:g}", 0.0) for h in HALF_STARS}} for r in records]


def _combine(parts: Sequence[Uncertainty]) -> Uncertainty:
    total = sum(p.repetitions for p in parts)

    def mean(name: str) -> FloatArray:
        return np.asarray(sum(getattr(p, name) * p.repetitions for p in parts) / total, dtype=np.float64)

    return Uncertainty(total, mean("overall"), mean("part_c"), mean("part_d"), mean("highest"), mean("measure_stars"))


def uncertainty_files(
    scores: Path,
    measure_stars: Path | str,
    year: int | None = None,
    *,
    cai: Path | str | None = None,
    cai_values: Path | str | None = None,
    disaster_shares: Path | str | None = None,
    cut_points: Sequence[Path] = (),
    prior_cut_points: Sequence[Path] = (),
    prior_scores: Path | None = None,
    standard_errors: Path | str | None = None,
    seeds: int = 10,
    repetitions: int = 1000,
    seed: int = DEFAULT_SEED,
    methodology: str | None = None,
    on_cut_points: Callable[[int, int], None] | None = None,
    on_repetitions: Callable[[int, int], None] | None = None,
) -> UncertaintyResult:
    """How sure are the ratings? Cut points of ``seeds`` resampling seeds (or the given ``cut_points``), optional score
    noise from ``standard_errors``, ``repetitions`` ratings of the year; CAHPS and improvement stars and the contract
    kinds come from ``measure_stars``. Progress: ``on_cut_points(done, total)`` after each seed's cut points,
    ``on_repetitions(done, total)`` after each block of repetitions."""
    if not 1 <= seeds <= MAX_SEEDS:
        raise ConfigError(f"--seeds must be 1 to {MAX_SEEDS}, got {seeds}")
    if not 1 <= repetitions <= MAX_REPETITIONS:
        raise ConfigError(f"--repetitions must be 1 to {MAX_REPETITIONS}, got {repetitions}")
    categories = read_cai_categories(cai) if cai is not None else None
    pr = categories.puerto_rico_only if categories is not None else frozenset()
    stars = read_stars_input(measure_stars, _year_of(None, categories.rating_year if categories else None, year, cai), pr)
    rating_year = stars.rating_year
    params_set: ParamSet = year_params(rating_year)
    typed, params = params_set.typed(StarsParams), rating_params(params_set)
    measures = list(stars.measures)
    table = read_scores(scores, rating_year)
    shares = read_disaster_shares(disaster_shares) if disaster_shares is not None else None
    frame = RatingFrame(stars.contracts, measures, rating_year, params,
                        cai_categories=categories.categories if categories else None,
                        cai_values=read_cai_values(cai_values) if cai_values is not None else None, disaster_shares=shares)
    fixed = frame.stars_array(stars.contracts)
    errors = read_standard_errors(standard_errors, measures) if standard_errors is not None else None
    model = score_model(frame, measures, table.scores, fixed, errors)
    sets: list[CutPointSet] = []
    used_seeds: tuple[int, ...] = ()
    if cut_points:
        sets.append(cut_point_set(measures, [c for p in cut_points for c in read_cut_points_of(p, rating_year)]))
        if on_cut_points is not None:
            on_cut_points(1, 1)
    else:
        from partcd.stars.pipelines import sixty_percent_shares

        priors = load_prior_cut_points(prior_cut_points, rating_year)
        before = load_prior_scores(prior_scores, rating_year)
        sixty = sixty_percent_shares(shares or {}, rating_year, params)
        used_seeds = tuple(seed + i for i in range(seeds))
        for i, s in enumerate(used_seeds, start=1):
            results = compute_cut_points(measures, table.scores, priors, before, rating_year, typed,
                                         np.random.default_rng(s), methodology_name=methodology or typed.method,
                                         disaster_shares=sixty)
            sets.append(cut_point_set(measures, [r.cut_points() for r in results]))
            if on_cut_points is not None:
                on_cut_points(i, seeds)
    rng = np.random.default_rng(seed)
    per_set = [repetitions // len(sets) + (1 if i < repetitions % len(sets) else 0) for i in range(len(sets))]
    parts: list[Uncertainty] = []
    done = 0
    for cps, n in zip(sets, per_set, strict=True):
        if n == 0:
            continue
        parts.append(simulate(frame, model, [cps], rng, n))
        done += n
        if on_repetitions is not None:
            on_repetitions(done, repetitions)
    notes = [] if errors is not None else ["no standard errors given: scores fixed, only the cut points vary"]
    if cut_points:
        notes.append("cut points given: one set, no resampling variation")
    simulated = ~np.isnan(model.scores)
    return UncertaintyResult(rating_year, frame.contract_ids, tuple(c.kind.value for c in stars.contracts), tuple(measures),
                             simulated.astype(np.float64), _combine(parts), used_seeds, errors is not None, tuple(notes))


# --- a contract explained ----------------------------------------------------------------------


@dataclass(frozen=True)
class ContractExplanation:
    """One contract's ratings (when measure stars were given) and its star on each measure (when scores and cut points
    were given), each in words and as data; no file paths."""

    contract_id: str
    rating_year: int | None
    rating: dict[str, Any] | None
    measures: tuple[StarExplanation, ...]
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"contract_id": self.contract_id, "rating_year": self.rating_year, "rating": self.rating,
                "measures": [m.to_dict() for m in self.measures], "notes": list(self.notes), "text": self.text()}

    def text(self) -> str:
        lines: list[str] = []
        year = f" in the {self.rating_year} Star Ratings" if self.rating_year is not None else ""
        lines.append(f"Contract {self.contract_id}{year}.")
        r = self.rating
        if r is not None:
            def shown(v: object) -> str:
                return "not rated" if v is None else f"{v:g} stars" if isinstance(v, float) else str(v)

            org = r.get("organization_type")
            lines.append(f"Organization type: {org} ({r.get('organization_type_source')}): minimum rated measures from "
                         f"TN Tables 6 and 7." if org is not None else
                         "Organization type: not known (default): minimum rated measures read from the data.")
            lines.append(f"Part C summary: {shown(r['part_c_summary'])}; Part D summary: {shown(r['part_d_summary'])}; "
                         f"overall: {shown(r['overall'])}.")
            if r["highest_rating_type"] is not None:
                lines.append(f"Highest rating (the quality-bonus rating): {r['highest_rating_type']} = "
                             f"{shown(r['highest_rating'])}.")
            for name, label in (("part_c", "Part C summary"), ("part_d", "Part D summary"), ("overall", "Overall")):
                why = r["reasons"].get(name) or []
                if why:
                    lines.append(f"{label}: " + "; ".join(why) + ".")
        for m in self.measures:
            lines.append("")
            lines.append(m.text())
        lines += list(self.notes)
        return "\n".join(lines)


def contract_explanation(
    contract: str,
    *,
    measure: str | None = None,
    scores: Path | None = None,
    cut_points: Sequence[Path | CutPoints] = (),
    measure_stars: Path | str | None = None,
    cai: Path | str | None = None,
    cai_values: Path | str | None = None,
    disaster_shares: Path | str | None = None,
    year: int | None = None,
    org_types: Path | str | None = None,
) -> ContractExplanation:
    """How ``contract``'s ratings were reached (``measure_stars`` [+ ``cai``]: summary, overall, reward factor, CAI,
    hold-harmless) and its star on each measure, or on ``measure`` only (``scores`` + ``cut_points``)."""
    if measure_stars is None and scores is None:
        raise ConfigError("give --measure-stars (ratings) and/or --scores with --cut-points (measure stars)")
    rating: dict[str, Any] | None = None
    rating_year = year
    notes: list[str] = []
    if measure_stars is not None:
        result = rate_files(measure_stars, cai, year, disaster_shares=disaster_shares, cai_values=cai_values,
                            org_types=org_types)
        rating_year = result.rating_year
        found = [r for r in rate_records(result) if r["contract_id"] == contract]
        if not found:
            raise ConfigError(f"contract {contract} is not in the measure stars")
        rating = found[0]
        notes += [n for n in result.notes if "CAI" in n or "unverified" in n] + list(result.unverified)
    explained: list[StarExplanation] = []
    if scores is not None:
        if not cut_points:
            raise ConfigError("--scores needs --cut-points")
        inputs = load_star_inputs(scores, cut_points, rating_year, year_name="--year", cut_points_name="--cut-points")
        if measure is not None:
            from partcd.stars.pipelines import explain_inputs

            explained = [explain_inputs(inputs, contract, measure, "the scores")]
        else:
            explained = contract_measure_explanations(inputs, contract)
        rating_year = rating_year or inputs.rating_year
    return ContractExplanation(contract, rating_year, rating, tuple(explained), tuple(notes))
