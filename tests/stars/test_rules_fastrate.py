"""The array rater agrees with rate() contract by contract; uncertainty and what-if on top of it (beyond CMS)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_rules_rate import CAT, _population

from partcd.core.errors import RuleError
from partcd.platform.params import load_params
from partcd.stars.readers.ratings import disaster_shares_from_summary, read_cai_categories, read_stars_input, read_summary_ratings
from partcd.stars.rules.fastrate import RatingFrame
from partcd.stars.rules.params import rating_params
from partcd.stars.rules.rate import rate
from partcd.stars.rules.summary import ContractKind, ContractStars, RatingType
from partcd.stars.rules.uncertainty import CutPointSet, ScoreModel, assign_stars, simulate
from partcd.stars.rules.whatif import rating_moves, with_stars

P = rating_params(load_params("stars", 2025))
STAR_DATA = Path(os.environ["PARTCD_SHARED_DIR"]) / "data" / "star-ratings"  # set by tests/conftest.py


def _same(run_ratings: dict[str, object], frame: RatingFrame, stars: np.ndarray) -> int:
    res = frame.rate(stars)
    bad = 0
    for i, cid in enumerate(frame.contract_ids):
        r = run_ratings[cid]
        for name, arr in (("part_c", res.part_c), ("part_d", res.part_d), ("overall", res.overall)):
            a = getattr(r, name).stars
            bad += (a is None) != bool(np.isnan(arr[i])) or (a is not None and a != arr[i])
    return bad


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=8, max_size=8), min_size=12, max_size=30),
       st.floats(0, 100))
def test_array_rater_equals_rate_on_random_years(rows: list[list[int | None]], share: float) -> None:
    keys = [m.measure_key for m in CAT]
    kinds = [ContractKind.MA_PD, ContractKind.MA_ONLY, ContractKind.PDP]
    contracts = [ContractStars(f"H{i:04d}", kinds[i % 3], {k: s for k, s in zip(keys, row, strict=True) if s is not None})
                 for i, row in enumerate(rows)]
    shares = {"H0000": {2023: share}}
    cats = {c.contract_id: {"overall": 1 + i % 2, "part_c": 1, "part_d_mapd": 2, "part_d_pdp": 1}
            for i, c in enumerate(contracts)}
    values = {"overall": {1: -0.05, 2: 0.07}, "part_c": {1: 0.03}, "part_d_mapd": {1: 0.0, 2: -0.1}, "part_d_pdp": {1: 0.2}}
    try:
        run = rate(contracts, CAT, 2025, P, disaster_shares=shares, cai_categories=cats, cai_values=values)
    except RuleError:
        return  # e.g. no contract rated at all: no thresholds
    frame = RatingFrame(contracts, CAT, 2025, P, disaster_shares=shares, cai_categories=cats, cai_values=values)
    assert _same(run.by_contract(), frame, frame.stars_array(contracts)) == 0


@pytest.mark.parametrize("year", [2025, 2024])
def test_array_rater_equals_rate_on_the_cms_tables(year: int) -> None:
    d = STAR_DATA / str(year)
    if not d.is_dir():
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"{d} not found")
        pytest.skip("../shared is absent")
    cai = read_cai_categories(next(d.glob("* - CAI*")))
    stars = read_stars_input(next(d.glob("* - Measure Stars*")), year, cai.puerto_rico_only)
    shares = disaster_shares_from_summary(read_summary_ratings(next(d.glob("* - Summary Rating*"))))
    p = rating_params(load_params("stars", year))
    values = {k: {i: 0.013 * i - 0.05 for i in range(1, 11)} for k in ("overall", "part_c", "part_d_mapd", "part_d_pdp")}
    run = rate(stars.contracts, stars.measures, year, p, cai_categories=cai.categories, disaster_shares=shares,
               cai_values=values)
    frame = RatingFrame(stars.contracts, stars.measures, year, p, cai_categories=cai.categories,
                        disaster_shares=shares, cai_values=values)
    assert _same(run.by_contract(), frame, frame.stars_array(stars.contracts)) == 0


def test_assign_stars_boundaries_and_directions() -> None:
    # higher is better 48/63/71/79: 63 -> 3; lower is better 1.46/0.83/0.44/0.14: 0.44 -> 4
    th = np.array([[[48, 63, 71, 79], [1.46, 0.83, 0.44, 0.14]], [[0, 0, 0, 0], [np.nan] * 4]], dtype=float)
    scores = np.array([[63.0, 0.44], [62.99, 0.45], [47.0, np.nan]])
    stars = assign_stars(scores, CutPointSet(th), np.zeros(3, dtype=int), np.array([True, False]))
    assert stars[0].tolist() == [3, 4] and stars[1].tolist() == [2, 3]
    assert stars[2, 0] == 1 and np.isnan(stars[2, 1])
    pdp = assign_stars(scores[:1], CutPointSet(th), np.ones(1, dtype=int), np.array([True, False]))
    assert pdp[0, 0] == 5 and np.isnan(pdp[0, 1])


def _model(contracts: list[ContractStars], frame: RatingFrame, se: float | None) -> tuple[ScoreModel, CutPointSet]:
    # every measure simulated from a score 20 x star - 10 (star 3 -> 50), cut points 20/40/60/80: the star comes back
    stars = frame.stars_array(contracts)
    scores = np.where(np.isnan(stars), np.nan, 20 * stars - 10)
    m = len(frame.measure_keys)
    th = np.tile(np.array([20.0, 40.0, 60.0, 80.0]), (2, m, 1))
    model = ScoreModel(scores, None if se is None else np.full_like(scores, se), np.full_like(scores, np.nan),
                       np.zeros(m, dtype=np.int_), np.ones(m, dtype=np.bool_))
    return model, CutPointSet(th)


def test_without_noise_every_repetition_is_the_baseline() -> None:
    pop = _population(30)
    frame = RatingFrame(pop, CAT, 2025, P)
    model, cps = _model(pop, frame, None)
    u = simulate(frame, model, [cps], np.random.default_rng(1), 5)
    base = frame.rate(frame.stars_array(pop))
    for i in range(len(pop)):
        assert u.overall[i, int(base.overall[i] * 2)] == 1.0
    assert np.allclose(u.measure_stars.sum(axis=2)[~np.isnan(model.scores)], 1.0)


def test_noise_spreads_the_ratings_and_is_reproducible() -> None:
    pop = _population(30)
    frame = RatingFrame(pop, CAT, 2025, P)
    model, cps = _model(pop, frame, 15.0)
    a = simulate(frame, model, [cps], np.random.default_rng(7), 60)
    b = simulate(frame, model, [cps], np.random.default_rng(7), 60)
    assert np.array_equal(a.overall, b.overall)
    assert (np.count_nonzero(a.overall > 0, axis=1) > 1).any()  # some contract has more than one possible rating
    assert np.allclose(a.overall.sum(axis=1), 1.0)
    with pytest.raises(RuleError):
        simulate(frame, model, [], np.random.default_rng(1), 5)


def test_whatif_names_what_moved() -> None:
    pop = _population(30)
    before = rate(pop, CAT, 2025, P)
    target = pop[3]
    changed = with_stars(pop, {target.contract_id: {"c_outcome": 5, "d_adherence": 5}})
    after = rate(changed, CAT, 2025, P)
    moves = [m for m in rating_moves(before, after) if m.contract_id == target.contract_id]
    assert moves and all(m.after is not None and (m.before is None or m.after > m.before) for m in moves)
    assert any("weighted mean" in w for m in moves for w in m.why)
    assert rating_moves(before, before) == []
    assert with_stars(pop, {target.contract_id: {"c_outcome": None}})[3].stars.get("c_outcome") is None
    with pytest.raises(RuleError, match="not rated"):
        with_stars(pop, {"H9999": {"c_outcome": 5}})
    assert RatingType.OVERALL in {m.rating for m in moves}
