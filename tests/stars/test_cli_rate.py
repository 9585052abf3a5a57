"""``partcd stars rate | whatif | uncertainty | explain`` (42 CFR 422.166(c)-(i), 423.186(c)-(i)): a hand-computed 2026
example in tidy files and the published 2025 CMS tables."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from partcd.platform.cli import app
from partcd.stars.readers import load_catalogue

runner = CliRunner()
File = Callable[[int, str], Path]


def _rows(text: str) -> dict[str, dict[str, str]]:
    return {r["contract_id"]: r for r in csv.DictReader(io.StringIO(text))}


def test_rate_hand_computed_2026(hand_example: tuple[Path, Path]) -> None:
    stars, cai = hand_example
    result = runner.invoke(app, ["stars", "rate", "--measure-stars", str(stars), "--cai", str(cai), "--year", "2026"])
    assert result.exit_code == 0, result.output
    rows = _rows(result.stdout)
    h1, h2 = rows["H9001"], rows["H9002"]
    # see tests/stars/conftest.py for the arithmetic: 4.375 + 0.4 - 0.058259 -> 4.5; 2.125 + 0 + 0.10237 -> 2.0
    assert (h1["contract_kind"], h1["part_c_summary"], h1["part_d_summary"], h1["overall"]) == ("MA-Only", "4.5", "", "")
    assert (h1["highest_rating"], h1["highest_rating_type"]) == ("4.5", "part_c")  # MA-only: the Part C summary
    assert (h1["reward_factor_part_c"], h1["cai_part_c"]) == ("0.4", "-0.058259")
    assert "weighted mean 4.375000 of 4 measures, variance 0.312500; reward factor 0.4 (high_mean, low variance)" in \
        h1["reasons"]
    assert (h2["part_c_summary"], h2["reward_factor_part_c"], h2["cai_part_c"]) == ("2", "0", "0.10237")
    as_json = runner.invoke(app, ["stars", "rate", "--measure-stars", str(stars), "--cai", str(cai), "--year", "2026",
                                  "--json", "--contract", "H9002"])
    (record,) = json.loads(as_json.stdout)
    assert record["part_c_summary"] == 2.0 and record["overall"] is None
    assert record["not_rated"] == {"part_d": "MA-only contracts have no Part D rating",
                                   "overall": "only MA-PD contracts have an overall rating"}


def test_rate_2025_tables_csv_json_and_report(star_file: File, tmp_path: Path) -> None:
    base = ["stars", "rate", "--measure-stars", str(star_file(2025, "Measure Stars")), "--cai", str(star_file(2025, "CAI"))]
    result = runner.invoke(app, base)
    assert result.exit_code == 0, result.output
    rows = _rows(result.stdout)
    assert len(rows) == 789  # 762 rated + 27 Demo contracts (not rated, with the reason)
    # published 2025 Summary Ratings of H0028: 3.5 / 3.5 / 3.5
    assert (rows["H0028"]["part_c_summary"], rows["H0028"]["part_d_summary"], rows["H0028"]["overall"]) == ("3.5",) * 3
    demo = [r for r in rows.values() if r["contract_kind"] == "not rated"]
    assert len(demo) == 27 and "not rated in the Part C and D Star Ratings" in demo[0]["reasons"]
    assert "CAI values for rating year 2025 unknown" in " ".join(result.stderr.split())
    folder = tmp_path / "ratings"
    with_report = runner.invoke(app, [*base, "--contract", "H0028", "--contract", "S5601", "--report", str(folder)])
    assert with_report.exit_code == 0, with_report.output
    page = (folder / "contracts" / "H0028.html").read_text(encoding="utf-8")
    assert '<tr data-rating="overall"><th>Overall (highest rating)</th>' in page and "weighted mean 3.490196" in page
    assert "S5601.html" in (folder / "index.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in (folder / "contracts").iterdir()) == ["H0028.html", "S5601.html"]


def test_rate_from_scores_agrees_with_the_published_stars(star_file: File) -> None:
    cps = ["--cut-points", str(star_file(2025, "Part C Cut")), "--cut-points", str(star_file(2025, "Part D Cut"))]
    stars = runner.invoke(app, ["stars", "rate", "--measure-stars", str(star_file(2025, "Measure Stars")), "--json"])
    scored = runner.invoke(app, ["stars", "rate", "--scores", str(star_file(2025, "Measure Data")), *cps,
                                 "--measure-stars", str(star_file(2025, "Measure Stars")), "--json"])
    assert scored.exit_code == 0, scored.output
    a = {r["contract_id"]: r["highest_rating"] for r in json.loads(stars.stdout)}
    b = {r["contract_id"]: r["highest_rating"] for r in json.loads(scored.stdout)}
    same = sum(a[c] == b[c] for c in a)
    # measured 781 of 789: the measure stars recomputed from the public scores and published cut points differ from the
    # published stars only where CMS set a star without a score (data-integrity 1 star) or a disaster rule applied
    assert same >= 0.985 * len(a)
    assert "CAHPS and improvement measure stars taken from the published measure stars" in " ".join(scored.stderr.split())


def test_rate_needs_an_input(tmp_path: Path) -> None:
    result = runner.invoke(app, ["stars", "rate", "--year", "2026"])
    assert result.exit_code == 2 and "give --measure-stars, or --scores with --cut-points" in result.output


def test_whatif_star_changes_hand_computed(hand_example: tuple[Path, Path], tmp_path: Path) -> None:
    stars, cai = hand_example
    changes = tmp_path / "changes.csv"
    changes.write_text("contract_id,measure_id,stars\nH9002,C01,5\n", encoding="utf-8")
    result = runner.invoke(app, ["stars", "whatif", "--measure-stars", str(stars), "--cai", str(cai), "--year", "2026",
                                 "--star-changes", str(changes)])
    assert result.exit_code == 0, result.output
    moves = list(csv.DictReader(io.StringIO(result.stdout)))
    # H9002 C01 1 -> 5: mean (5 + 6 + 6 + 4) / 8 = 2.625; + 0.10237 = 2.72737 -> 2.5 (was 2.22737 -> 2.0)
    assert [(m["kind"], m["what"], m["before"], m["after"]) for m in moves] == [
        ("rating", "part_c", "2", "2.5"), ("measure_star", "C01", "1", "5")]
    assert moves[0]["why"] == "weighted mean 2.125000 -> 2.625000; raw 2.227370 -> 2.727370"


def test_whatif_disaster_with_prior_stars(star_file: File, tmp_path: Path) -> None:
    shares = tmp_path / "hurricane.csv"
    shares.write_text("contract_id,year,percent\nH0028,2022,40\nH0028,2023,40\n", encoding="utf-8")
    result = runner.invoke(app, ["stars", "whatif", "--measure-stars", str(star_file(2025, "Measure Stars")),
                                 "--cai", str(star_file(2025, "CAI")), "--new-disaster-shares", str(shares),
                                 "--prior-measure-stars", str(star_file(2024, "Measure Stars")), "--json"])
    assert result.exit_code == 0, result.output
    moves = json.loads(result.stdout)
    stars = {m["what"]: (m["before"], m["after"], m["why"]) for m in moves if m["kind"] == "measure_star"}
    # published H0028 C04 (HOS, 2022 circumstances): 2025 3 stars, 2024 5 stars -> the higher of the two years
    assert stars["C04"] == (3, 5, "higher of 2024 (5) and 2025 (3) (42 CFR 422.166(i)(3))")
    assert all(after > before for before, after, _ in stars.values())
    assert "C30" not in stars and "D01" not in stars  # call-center measures are not adjusted ((i)(6)(ii))
    ratings = {m["what"]: (m["before"], m["after"]) for m in moves if m["kind"] == "rating"}
    assert ratings["part_c"] == (3.5, 4.0) and ratings["overall"] == (3.5, 4.0)
    without = runner.invoke(app, ["stars", "whatif", "--measure-stars", str(star_file(2025, "Measure Stars")),
                                  "--new-disaster-shares", str(shares)])
    assert "the measure-level higher-of rules are not applied" in " ".join(without.stderr.split())


def test_whatif_scores_with_fixed_cut_points(star_file: File, tmp_path: Path) -> None:
    better = [m for m in load_catalogue(2025) if m.part.value == "C" and m.scale_0_100 and m.higher_is_better
              and not m.cahps and not m.improvement]
    changes = tmp_path / "scores.csv"
    changes.write_text("contract_id,measure_id,score\n" + "".join(f"H0028,{m.measure_id},100\n" for m in better),
                       encoding="utf-8")
    result = runner.invoke(app, ["stars", "whatif", "--scores", str(star_file(2025, "Measure Data")),
                                 "--measure-stars", str(star_file(2025, "Measure Stars")),
                                 "--cut-points", str(star_file(2025, "Part C Cut")),
                                 "--cut-points", str(star_file(2025, "Part D Cut")),
                                 "--score-changes", str(changes), "--json"])
    assert result.exit_code == 0, result.output
    moves = json.loads(result.stdout)
    stars = [m for m in moves if m["kind"] == "measure_star"]
    assert stars and all(m["contract_id"] == "H0028" and m["after"] == 5 for m in stars)
    assert {m["why"] for m in stars} == {"score changed in the what-if file"}
    assert not [m for m in moves if m["kind"] == "cut_point"]  # the cut points were given: they stay
    part_c = next(m for m in moves if m["kind"] == "rating" and m["what"] == "part_c")
    assert part_c["before"] == 3.5 and part_c["after"] > 3.5


def test_whatif_nothing_to_change(star_file: File) -> None:
    result = runner.invoke(app, ["stars", "whatif", "--measure-stars", str(star_file(2025, "Measure Stars"))])
    assert result.exit_code == 2 and "nothing to change" in result.output


def test_uncertainty_fixed_cut_points_and_score_noise(star_file: File, tmp_path: Path) -> None:
    base = ["stars", "uncertainty", "--scores", str(star_file(2025, "Measure Data")),
            "--measure-stars", str(star_file(2025, "Measure Stars")), "--cut-points", str(star_file(2025, "Part C Cut")),
            "--cut-points", str(star_file(2025, "Part D Cut"))]
    fixed = runner.invoke(app, [*base, "--repetitions", "3"])
    assert fixed.exit_code == 0, fixed.output
    rows = list(csv.DictReader(io.StringIO(fixed.stdout)))
    rated = [r for r in rows if r["probability_rated"] == "1"]
    # 555 of the 762 contracts have a highest rating in 2025 (the others: too new, not enough data), as with `rate`
    assert len(rows) == 762 and len(rated) == 555
    assert all(r["probability_rated"] in ("0", "1") for r in rows)
    assert all(r["probability_most_likely"] == "1" for r in rated)  # no noise, one cut-point set: certain
    h0028 = next(r for r in rows if r["contract_id"] == "H0028")
    assert (h0028["most_likely_highest_rating"], h0028["p_3.5"]) == ("3.5", "1")
    errors = tmp_path / "se.csv"
    errors.write_text("contract_id,measure_id,standard_error\nH0028,C01,10\n", encoding="utf-8")
    noisy = runner.invoke(app, [*base, "--repetitions", "400", "--standard-errors", str(errors), "--contract", "H0028",
                                "--json"])
    assert noisy.exit_code == 0, noisy.output
    (record,) = json.loads(noisy.stdout)
    c01 = record["measure_stars"]["C01"]
    # C01 76 with standard error 10, cut points 53/67/75/82, scores rounded half up: 5 stars iff 76 + e >= 81.5,
    # P = 1 - Phi(0.55) = 0.291; 4 stars iff -1.5 <= e < 5.5, P = Phi(0.55) - Phi(-0.15) = 0.268 (400 draws: sd 0.023)
    assert c01["5"] == pytest.approx(0.291, abs=0.07) and c01["4"] == pytest.approx(0.268, abs=0.07)
    assert sum(c01.values()) == pytest.approx(1.0)
    assert record["measure_stars"]["C02"] == {"4": 1.0}  # no standard error: fixed


def test_uncertainty_over_resampling_seeds(star_file: File) -> None:
    result = runner.invoke(app, ["stars", "uncertainty", "--scores", str(star_file(2025, "Measure Data")),
                                 "--measure-stars", str(star_file(2025, "Measure Stars")),
                                 "--prior-cut-points", str(star_file(2024, "Part C Cut")),
                                 "--prior-cut-points", str(star_file(2024, "Part D Cut")),
                                 "--prior-scores", str(star_file(2024, "Measure Data")),
                                 "--seeds", "2", "--repetitions", "4", "--json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert len(records) == 762
    # two seeds give two cut-point sets: some measure stars differ between them (probability 0.5 each)
    split = [r for r in records if any(0 < p < 1 for d in r["measure_stars"].values() for p in d.values())]
    assert split and all(abs(sum(r["highest_rating"].values()) - r["probability_rated"]) < 1e-9 for r in records)
    bad = runner.invoke(app, ["stars", "uncertainty", "--scores", str(star_file(2025, "Measure Data")),
                              "--measure-stars", str(star_file(2025, "Measure Stars")), "--seeds", "0"])
    assert bad.exit_code == 2 and "--seeds must be 1 to 200" in bad.output


def test_explain_contract_down_to_each_measure(star_file: File, shared_dir: Path) -> None:
    args = ["stars", "explain", "--contract", "H0028", "--measure-stars", str(star_file(2025, "Measure Stars")),
            "--cai", str(star_file(2025, "CAI")), "--scores", str(star_file(2025, "Measure Data")),
            "--cut-points", str(star_file(2025, "Part C Cut")), "--cut-points", str(star_file(2025, "Part D Cut"))]
    text = runner.invoke(app, args)
    assert text.exit_code == 0, text.output
    assert "Highest rating (the quality-bonus rating): overall = 3.5 stars." in text.stdout
    assert "Contract H0028 scored 76 on C01 Breast Cancer Screening in the 2025 Star Ratings." in text.stdout
    assert "To reach 5 stars the score must rise by 6 to 82." in text.stdout
    as_json = runner.invoke(app, [*args, "--json"])
    data = json.loads(as_json.stdout)
    assert data["rating"]["overall"] == 3.5 and data["rating_year"] == 2025
    assert len(data["measures"]) >= 30 and data["measures"][0]["measure_id"] == "C01"
    for where in (str(shared_dir), "src/partcd", "stars/params", "site-packages"):
        assert where not in as_json.stdout  # no file paths in an explanation
    one = runner.invoke(app, ["stars", "explain", "--contract", "H0028", "--measure", "C01",
                              "--scores", str(star_file(2025, "Measure Data")),
                              "--cut-points", str(star_file(2025, "Part C Cut")), "--json"])
    record = json.loads(one.stdout)
    assert (record["stars"], record["next_star"]["stars"], record["next_star"]["distance"]) == (4, 5, 6.0)
    assert [t["display"] for t in record["thresholds"]] == ["53", "67", "75", "82"]


def test_missing_year_says_how_to_draft_it(star_file: File) -> None:
    result = runner.invoke(app, ["stars", "cutpoints", "--scores", str(star_file(2026, "Measure Data")), "--year", "2027"])
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert "no parameters for rating_year 2027" in message
    assert "partcd stars year new 2027 --from 2026 --measure-data FILE" in message


def test_outputs_computed_with_unverified_values_say_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A drafted year (``partcd stars year new``) carries every value unverified: a run on it lists them (run.json,
    standard error), never silently."""
    from partcd.core.params import build_set
    from partcd.platform.params import area_files
    from partcd.stars import pipelines
    from partcd.stars.rules.yearly import draft_params

    draft = draft_params(area_files("stars")["2025.yaml"], 2026)
    monkeypatch.setattr(pipelines, "year_params", lambda year: build_set("2026.yaml", draft))
    scores = tmp_path / "s.csv"
    scores.write_text("contract_id,measure_id,score\n" + "".join(f"H{i:04d},C01,{10 + 20 * (i // 20)}%\n"
                                                                 for i in range(100)), encoding="utf-8")
    folder = tmp_path / "run"
    result = runner.invoke(app, ["stars", "cutpoints", "--scores", str(scores), "--year", "2026", "--report", str(folder)])
    assert result.exit_code == 0, result.output
    listed = json.loads((folder / "run.json").read_text(encoding="utf-8"))["unverified_inputs"]
    assert "parameter absolute_cap_pp of 2026.yaml is carried from another year and unverified" in listed
    assert "unverified: parameter absolute_cap_pp of 2026.yaml" in " ".join(result.stderr.split())
    assert 'id="unverified"' in (folder / "report.html").read_text(encoding="utf-8")
