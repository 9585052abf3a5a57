"""§§ 422.166(a)(2)(i), 423.186(a)(2)(i) - explanations say how each cut point was set, show display precision next to
the exact value, give the distance to the next star, and never type a Part D score silently (4185-P L652, L2241)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from partcd.core.errors import RuleError
from partcd.platform.params import load_params
from partcd.stars.readers import load_catalogue
from partcd.stars.rules.assign import assign_all, exact_text, grid_threshold
from partcd.stars.rules.cutpoints import compute_cut_points, to_rows
from partcd.stars.rules.explain import explain_contract_measure, explain_star, star_explanation
from partcd.stars.rules.methodology import StarsParams
from partcd.stars.rules.models import ContractType, CutPoints, MeasureScore

P2025 = load_params("stars", 2025).typed(StarsParams)
MEASURES = {m.measure_key: m for m in load_catalogue(2025)}


def test_exact_values_lose_their_float_noise_and_display_sits_on_the_score_grid() -> None:
    assert exact_text(0.7689999999999999) == "0.769"
    assert exact_text(0.05 * 0.89) == "0.0445" and exact_text(1.39 - 0.0445) == "1.3455"
    assert exact_text(58.0) == "58" and exact_text(-0.0) == "0"
    # higher is better: the smallest displayed score that reaches the threshold; lower is better: the largest
    assert grid_threshold(0.7689999999999999, 2, True) == 0.77
    assert grid_threshold(59.6, 0, True) == 60 and grid_threshold(58.0, 0, True) == 58
    assert grid_threshold(1.3455, 2, False) == 1.34  # a score of 1.35 would miss "<= 1.3455"
    assert grid_threshold(0.12, 2, False) == 0.12


def _run() -> list[CutPoints]:
    # 100 scores in five groups of 20 (10/30/50/70/90) clustered to 30/50/70/90 against last year's 20/48/68/85:
    # 2 stars rose 10 > 5 above 20, capped at 20 + 5 = 25; the others moved 2, 2 and 5 (a move equal to the cap is kept)
    bcs = MEASURES["breast_cancer_screening"]
    scores = [MeasureScore(f"H{i:04d}", bcs.measure_key, float(v)) for i, v in enumerate(np.repeat([10, 30, 50, 70, 90], 20))]
    prior = [CutPoints(bcs.measure_key, True, {2: 20.0, 3: 48.0, 4: 68.0, 5: 85.0})]
    results = compute_cut_points([bcs], scores, prior, [], 2025, P2025, np.random.default_rng(1))
    rows = to_rows(results)
    assert [(r.final, r.reason, r.display) for r in rows] == [
        (25.0, "capped_up", 25.0), (50.0, "within_cap", 50.0), (70.0, "within_cap", 70.0), (90.0, "within_cap", 90.0)]
    return [r.cut_points() for r in results]


def test_explanation_says_how_each_cut_point_was_set_and_how_far_the_next_star_is() -> None:
    cps = _run()
    bcs = MEASURES["breast_cancer_screening"]
    ex = star_explanation(MeasureScore("H0001", bcs.measure_key, 62.0), cps, bcs, 2025)
    assert ex.stars == 3 and ex.measure_id == "C01" and ex.next_star is not None
    # 62 >= 50 (3 stars), < 70: 4 stars need 70, i.e. 8 more
    assert (ex.next_star.stars, ex.next_star.score_needed, ex.next_star.distance) == (4, 70.0, 8.0)
    assert ex.thresholds[0].how == ("capped: the clustered value rose more than the cap above last year's cut point "
                                    "(clustered 30, last year 20, cap 5: 20 + 5 = 25)")
    assert ex.thresholds[1].how == ("clustered, within the guardrail cap of last year's cut point "
                                    "(clustered 50, last year 48, cap 5)")
    text = ex.text()
    assert "To reach 4 stars the score must rise by 8 to 70." in text
    assert "How each cut point was set: 2 stars: capped" in text
    assert "shared/" not in text and "specs" not in text and ".md" not in text  # no internal file paths
    record = json.loads(json.dumps(ex.to_dict()))
    assert record["stars"] == 3 and record["thresholds"][0]["how"].startswith("capped") and record["text"] == text


def test_display_next_to_exact_and_top_star() -> None:
    ctm = CutPoints("complaints_health_plan", False, {2: 1.3455, 3: 0.76, 4: 0.37, 5: 0.7689999999999999 / 7})
    m = MEASURES["complaints_health_plan"]
    ex = star_explanation(MeasureScore("H0001", m.measure_key, 0.05), [ctm], m, 2025)
    # 0.7689999999999999 / 7 = 0.10985714...: displayed 0.10 ("<= 0.10" on the grid), exact shown beside it
    assert ex.stars == 5 and ex.next_star is None and "This is the top star." in ex.text()
    assert ex.thresholds[0].label() == "1.34 (exact 1.3455)" and ex.thresholds[1].label() == "0.76"
    assert ex.thresholds[3].label() == "0.10 (exact 0.109857142857)"
    assert "0.7689999999999999" not in ex.text()
    worse = star_explanation(MeasureScore("H0001", m.measure_key, 0.5), [ctm], m, 2025)
    # lower is better: 0.50 gets 3 stars (<= 0.76, > 0.37); 4 stars need <= 0.37, a fall of 0.13
    assert (worse.stars, worse.next_star.stars, worse.next_star.distance) == (3, 4, 0.13)  # type: ignore[union-attr]
    assert "To reach 4 stars the score must fall by 0.13 to 0.37." in worse.text()


def test_untyped_part_d_scores_are_typed_by_id_and_say_so_or_refused() -> None:
    key = "complaints_drug_plan"
    mapd = CutPoints(key, False, {2: 1.46, 3: 0.83, 4: 0.44, 5: 0.14}, ContractType.MAPD)
    pdp = CutPoints(key, False, {2: 0.33, 3: 0.21, 4: 0.12, 5: 0.05}, ContractType.PDP)
    rows = assign_all([MeasureScore("S0001", key, 0.3), MeasureScore("H0001", key, 0.3),
                       MeasureScore("E0001", key, 0.3, None, ContractType.PDP)], [mapd, pdp], load_catalogue(2025))
    assert [(r.contract_type, r.stars) for r in rows] == [(ContractType.PDP, 2), (ContractType.MAPD, 4), (ContractType.PDP, 2)]
    assert rows[0].note == "PDP cut points: contract type taken from the id prefix S (no contract_type given)"
    assert rows[2].note is None  # typed in the file: nothing derived
    with pytest.raises(RuleError, match="E0002: cannot tell MA-PD from PDP by the id"):
        assign_all([MeasureScore("E0002", key, 0.3)], [mapd, pdp])
    text = explain_star(MeasureScore("S0001", key, 0.3), [mapd, pdp], MEASURES[key], 2025)
    assert "The PDP cut points apply because the contract id starts with S (no contract type was given)." in text


def test_explain_contract_measure_finds_by_id_or_key_and_refuses_unknowns() -> None:
    cps = _run()
    measures = list(MEASURES.values())
    scores = [MeasureScore("H0001", "breast_cancer_screening", 71.0)]
    by_id = explain_contract_measure("H0001", "C01", scores, cps, measures, rating_year=2025)
    by_key = explain_contract_measure("H0001", "breast_cancer_screening", scores, cps, measures, rating_year=2025)
    assert by_id == by_key and by_id.stars == 4
    with pytest.raises(RuleError, match="measure 'C99' is neither a measure id nor a measure key"):
        explain_contract_measure("H0001", "C99", scores, cps, measures)
    with pytest.raises(RuleError, match="no score for contract H0002 on measure C01"):
        explain_contract_measure("H0002", "C01", scores, cps, measures)


def test_cli_explain_json(shared_dir: Path) -> None:
    from partcd.platform.cli import app

    data = shared_dir / "data" / "star-ratings" / "2025"
    args = ["stars", "explain", "--json", "--contract", "H0028", "--measure", "C25",
            "--scores", str(next(data.glob("*Measure Data*"))), "--cut-points", str(next(data.glob("*Part C Cut*")))]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    # H0028 C25: complaint rate 0.15, "> 0.12 to <= 0.37" -> 4 stars; 5 stars need <= 0.12, a fall of 0.03
    assert (record["score"], record["stars"], record["next_star"]["distance"]) == (0.15, 4, 0.03)
    assert [t["display"] for t in record["thresholds"]] == ["1.39", "0.76", "0.37", "0.12"]
    assert all("published" in t["how"] for t in record["thresholds"])
