"""load -> validate -> rate: the jobs behind ``partcd stars rate`` / ``whatif`` / ``uncertainty`` (CLI) and the API.

``rate_files`` reads a CMS "Measure Stars" table (or tidy stars), a CMS "CAI" table (or tidy categories), optional
disaster shares and CAI values, rates the year with :func:`partcd.stars.rules.rate.rate` and returns one plain row per
contract (``contract_id, part_c_summary, part_d_summary, overall`` as half stars or None with the reason,
``highest_rating``, the reward factor and CAI applied, the reasons). ``compare_with_published`` checks the result
against a CMS Summary Ratings table (the real-data check of issue 10). ``whatif_files`` lists the ratings that move
under changed measure stars or disaster shares; ``score_model`` and ``cut_point_set`` build the inputs of
:func:`partcd.stars.rules.uncertainty.simulate` from CMS tables.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from partcd.core.errors import InputError
from partcd.platform.params import load_params
from partcd.stars.readers import read_rows
from partcd.stars.readers.ratings import (
    StarsInput,
    SummaryTable,
    read_cai_categories,
    read_cai_values,
    read_disaster_shares,
    read_stars_input,
)
from partcd.stars.rules.fastrate import FloatArray, RatingFrame
from partcd.stars.rules.models import ContractType, CutPoints, Measure, MeasureScore
from partcd.stars.rules.params import RatingKey, RatingParams, rating_params
from partcd.stars.rules.rate import ContractRating, RatingOutcome, RatingRun, rate
from partcd.stars.rules.summary import RatingType, rating_key
from partcd.stars.rules.uncertainty import CutPointSet, ScoreModel
from partcd.stars.rules.whatif import RatingMove, rating_moves, with_stars


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


@dataclass(frozen=True)
class RateResult:
    rating_year: int
    rows: tuple[RatedContract, ...]
    run: RatingRun
    unrated: Mapping[str, str]
    params_file: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    def as_dicts(self) -> list[dict[str, Any]]:
        return [row.__dict__ for row in self.rows]


def _why(outcome: RatingOutcome) -> list[str]:
    out = [outcome.reason] if outcome.reason else []
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


def rate_files(
    measure_stars: Path | str,
    cai: Path | str | None = None,
    year: int | None = None,
    *,
    disaster_shares: Path | str | None = None,
    cai_values: Path | str | None = None,
) -> RateResult:
    """Read the files, rate the year, return one row per rated contract (see the module docstring)."""
    categories = read_cai_categories(cai) if cai is not None else None
    if categories is not None and categories.rating_year is not None and year is not None and categories.rating_year != year:
        raise InputError(str(cai), 1, None, f"CAI table is for {categories.rating_year}, but year {year} was asked for")
    pr = categories.puerto_rico_only if categories is not None else frozenset()
    stars = read_stars_input(measure_stars, year or (categories.rating_year if categories else None), pr)
    params_set = load_params("stars", stars.rating_year)
    params = rating_params(params_set)
    shares = read_disaster_shares(disaster_shares) if disaster_shares is not None else None
    values = read_cai_values(cai_values) if cai_values is not None else None
    run = rate_input(stars, params, cai_categories=categories.categories if categories else None,
                     cai_values=values, disaster_shares=shares)
    notes = list(run.notes)
    if categories is None:
        notes.append("no CAI table given: no CAI applied")
    return RateResult(stars.rating_year, tuple(row_of(r) for r in run.ratings), run, dict(stars.unrated),
                      params_set.file, tuple(notes))


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


def whatif_files(
    measure_stars: Path | str,
    cai: Path | str | None,
    year: int | None,
    *,
    star_changes: Path | str | None = None,
    disaster_shares: Path | str | None = None,
    new_disaster_shares: Path | str | None = None,
    cai_values: Path | str | None = None,
) -> list[RatingMove]:
    """Rate the year as given and with the changes (measure stars and/or disaster shares); the ratings that move."""
    categories = read_cai_categories(cai) if cai is not None else None
    pr = categories.puerto_rico_only if categories is not None else frozenset()
    stars = read_stars_input(measure_stars, year or (categories.rating_year if categories else None), pr)
    params = rating_params(load_params("stars", stars.rating_year))
    values = read_cai_values(cai_values) if cai_values is not None else None
    shares = read_disaster_shares(disaster_shares) if disaster_shares is not None else None
    cats = categories.categories if categories else None
    before = rate(stars.contracts, stars.measures, stars.rating_year, params, cai_categories=cats, cai_values=values,
                  disaster_shares=shares)
    changed = with_stars(stars.contracts, read_star_changes(star_changes, stars.measures)) if star_changes else \
        list(stars.contracts)
    after_shares = read_disaster_shares(new_disaster_shares) if new_disaster_shares is not None else shares
    after = rate(changed, stars.measures, stars.rating_year, params, cai_categories=cats, cai_values=values,
                 disaster_shares=after_shares)
    return rating_moves(before, after)


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
