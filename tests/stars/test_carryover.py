"""Issue 10 item 2's data problem made visible (42 CFR 422.166(i)(2)-(6), (i)(9); 423.186(i)(2)-(4), (i)(7)):
``partcd stars cutpoints --disaster-shares`` applies the year's 60 percent rule by itself, names the public scores that
may be the disaster-adjusted (higher-of) ones, re-runs without them to show how far each threshold could move, and
takes a plan's own actual scores (``--actual-scores``). Tested on the 2024 and 2025 tables (their own disasters) and
on hand-built files; nothing is tuned to a year."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from partcd.core.errors import InputError
from partcd.platform.cli import app
from partcd.platform.params import load_params
from partcd.stars import readers as cms_tables
from partcd.stars.pipelines.carryover import possibly_carried_over, replace_scores
from partcd.stars.readers.ratings import read_disaster_shares
from partcd.stars.rules.models import MeasureScore
from partcd.stars.rules.params import rating_params

runner = CliRunner()
File = Callable[[int, str], Path]
LEVELS_C01 = [10, 30, 50, 70, 90]


def _summary_shares(path: Path) -> dict[str, dict[int, float]]:
    """The "<year> Disaster %" columns read straight from the CMS Summary Ratings CSV (independently of the readers)."""
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("cp1252"))))
    header = [c.strip() for c in rows[1]]
    cols = {int(name[:4]): i for i, name in enumerate(header) if name.endswith("Disaster %")}
    return {r[0].strip(): {y: float(r[i]) for y, i in cols.items()} for r in rows[2:] if r and r[0].strip()}


@pytest.mark.parametrize("year", [2025, 2024])
def test_sixty_percent_rule_applied_from_the_summary_table(year: int, star_file: File, tmp_path: Path) -> None:
    out, folder = tmp_path / "cut_points.csv", tmp_path / "run"
    args = ["stars", "cutpoints", "--year", str(year), "--scores", str(star_file(year, "Measure Data")),
            "--disaster-shares", str(star_file(year, "Summary Rating")),
            "--published", str(star_file(year, "Part C Cut")), "--published", str(star_file(year, "Part D Cut")),
            "--out", str(out), "--report", str(folder)]
    if year == 2025:
        args += ["--prior-cut-points", str(star_file(2024, "Part C Cut")), "--prior-cut-points",
                 str(star_file(2024, "Part D Cut")), "--prior-scores", str(star_file(2024, "Measure Data"))]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    shares = _summary_shares(star_file(year, "Summary Rating"))
    # the year's 60 percent rule looks at the circumstances 2 and 3 years back (measurement-year data, HOS)
    sixty = sorted(c for c, by in shares.items() if max(by.get(year - 2, 0), by.get(year - 3, 0)) >= 60)
    summary = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    # shared data README §5.4: 2025 file 18 (2022) and 3 (2023) at 60 or more, 19 contracts; 2024 file 78 + 19 = 97
    assert summary["disaster_excluded_contracts"] == sixty and len(sixty) == {2025: 19, 2024: 97}[year]
    assert f"60 percent rule: {len(sixty)} contract(s) left out of the clustering" in " ".join(result.stderr.split())
    flagged = summary["possibly_carried_over"]
    assert flagged, "some contracts at 25-60 percent have clustered public scores"
    for c in flagged:  # at 25 percent or more for a year that counts, never at 60 (those are left out already)
        by = shares[c["contract_id"]]
        assert 25 <= max(by.get(year - 2, 0), by.get(year - 3, 0)) < 60 and c["share_pct"] >= 25
        assert not {"C30", "D01"} & set(c["measures"])  # call-center measures are not adjusted ((i)(6)(ii))
        assert (c["same_as_prior"] is None) == (year == 2024)  # 2023 scores are not in shared/
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 160
    for r in rows:
        shift = float(r["carried_over_shift"])
        assert float(r["without_carried_over"]) == pytest.approx(float(r["value"]) + shift)
        assert abs(shift) <= 10 and r["seed_noise"] != ""
        assert r["vs_published"] != "" and float(r["vs_published"]) == pytest.approx(float(r["value"]) - float(r["published"]))
    # (i)(9)(ii), (i)(7)(ii): the cut points without the 60-percent contracts still rate those contracts
    theirs = [r for r in csv.DictReader((folder / "stars.csv").open(encoding="utf-8"))
              if r["contract_id"] in set(sixty) and r["score"]]
    assert theirs and all(r["stars"] in {"1", "2", "3", "4", "5"} for r in theirs)
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert 'id="carried-over-contracts"' in html and 'id="carried-over-shifts"' in html
    assert flagged[0]["contract_id"] in html and "<th>Published</th>" in html


def test_flagged_public_scores_repeat_last_year_more_often(star_file: File) -> None:
    """The trace of the higher-of rules in CMS's public file: a contract at 25 percent or more shows last year's score
    on a measure whenever last year's star was higher, so its public 2025 scores equal its public 2024 scores far more
    often than an unaffected contract's do (measured: 35.8 % of 215 comparable scores of contracts at 25 percent or more,
    the 60-percent ones included, vs 16.6 % of 12,588)."""
    params = rating_params(load_params("stars", 2025))
    measures = cms_tables.load_catalogue(2025)
    shares = read_disaster_shares(star_file(2025, "Summary Rating"))
    scores = cms_tables.read_scores(star_file(2025, "Measure Data")).scores
    prior = cms_tables.read_scores(star_file(2024, "Measure Data")).scores
    flagged = possibly_carried_over(measures, scores, shares, 2025, params, prior_scores=prior)
    last = {(s.contract_id, s.measure_key): s.score for s in prior if s.score is not None}
    key_of = {m.measure_id: m.measure_key for m in measures}
    pairs = [(c.contract_id, key_of[mid]) for c in flagged for mid in c.measures]
    same = sum(len(c.same_as_prior) for c in flagged)
    comparable = sum(p in last for p in pairs)
    by_key = {m.measure_key: m for m in measures}
    unaffected = [s for s in scores if s.score is not None and max(shares.get(s.contract_id, {0: 0}).values()) < 25
                  and not by_key[s.measure_key].cahps and not by_key[s.measure_key].improvement
                  and s.measure_key not in params.disaster_unadjusted_measures_list
                  and (s.contract_id, s.measure_key) in last]
    base = sum(last[(s.contract_id, s.measure_key)] == s.score for s in unaffected) / len(unaffected)
    assert comparable > 100 and len(unaffected) > 10_000
    assert same / comparable >= 1.5 * base


def test_sixty_percent_rule_removed_in_2026(star_file: File, tmp_path: Path) -> None:
    scores = cms_tables.read_scores(star_file(2026, "Measure Data")).scores
    contract = next(s.contract_id for s in scores if s.contract_id.startswith("H") and s.score is not None)
    shares = tmp_path / "shares.csv"
    shares.write_text(f"contract_id,year,percent\n{contract},2024,70\n", encoding="utf-8")
    folder = tmp_path / "run"
    result = runner.invoke(app, ["stars", "cutpoints", "--year", "2026", "--scores", str(star_file(2026, "Measure Data")),
                                 "--disaster-shares", str(shares), "--report", str(folder), "--out", str(tmp_path / "c.csv")])
    assert result.exit_code == 0, result.output
    summary = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert summary["disaster_excluded_contracts"] == []  # 70 percent, but 2026 has no 60 percent rule (TN change e)
    (flagged,) = summary["possibly_carried_over"]
    assert flagged["contract_id"] == contract and flagged["share_pct"] == 70.0


def _tidy_scores(path: Path) -> Path:
    rows = ["contract_id,measure_id,score"] + [f"H{i:04d},C01,{LEVELS_C01[i // 20]}%" for i in range(100)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_actual_scores_replace_the_public_ones(tmp_path: Path) -> None:
    actual = tmp_path / "actual.csv"
    actual.write_text("contract_id,measure_id,score\n" + "".join(f"H{i:04d},C01,70%\n" for i in range(80, 100)),
                      encoding="utf-8")
    result = runner.invoke(app, ["stars", "cutpoints", "--scores", str(_tidy_scores(tmp_path / "s.csv")), "--year", "2025",
                                 "--actual-scores", str(actual)])
    assert result.exit_code == 0, result.output
    rows = {int(r["threshold"]): float(r["value"]) for r in csv.DictReader(io.StringIO(result.stdout))}
    # the 20 contracts at 90 actually scored 70: four clusters 10 | 30 | 50 | 70 -> 5 stars from 70 (thresholds 4 = 5)
    assert [rows[s] for s in (2, 3, 4, 5)] == [30.0, 50.0, 70.0, 70.0]
    assert "actual scores: 20 public score(s) replaced by the plan's own" in " ".join(result.stderr.split())
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("contract_id,measure_id,score\nH9999,C01,70%\n", encoding="utf-8")
    bad = runner.invoke(app, ["stars", "cutpoints", "--scores", str(tmp_path / "s.csv"), "--year", "2025",
                              "--actual-scores", str(unknown)])
    assert bad.exit_code == 2 and "H9999 breast_cancer_screening: not in the public scores" in " ".join(bad.output.split())


def test_replace_scores_keeps_the_contract_type() -> None:
    public = [MeasureScore("H0001", "m", 50.0), MeasureScore("H0002", "m", None, "Plan too small to be measured")]
    out, done = replace_scores(public, [MeasureScore("H0002", "m", 61.0)], "actual.csv")
    assert out[1] == MeasureScore("H0002", "m", 61.0) and done == [("H0002", "m", None, 61.0)]
    with pytest.raises(InputError, match="H0003 m: not in the public scores"):
        replace_scores(public, [MeasureScore("H0003", "m", 1.0)], "actual.csv")


def test_a_run_csv_read_back_says_how_each_cut_point_was_set(tmp_path: Path) -> None:
    prior = tmp_path / "prior.csv"
    prior.write_text("measure_id,threshold,value\n" + "".join(f"C01,{s},{v}\n" for s, v in
                                                             zip((2, 3, 4, 5), (28, 50, 60, 97), strict=True)))
    run_csv = tmp_path / "run.csv"
    made = runner.invoke(app, ["stars", "cutpoints", "--scores", str(_tidy_scores(tmp_path / "s.csv")), "--year", "2025",
                               "--prior-cut-points", str(prior), "--seed", "42", "--out", str(run_csv)])
    assert made.exit_code == 0, made.output
    text = runner.invoke(app, ["stars", "explain", "--contract", "H0070", "--measure", "C01", "--scores",
                               str(tmp_path / "s.csv"), "--cut-points", str(run_csv), "--year", "2025"]).stdout
    # 4 stars: clustered 70 vs last year 60 rose more than the 5-point cap -> 65; 5 stars: 90 vs 97 -> 92
    assert ("4 stars: capped: the clustered value rose more than the cap above last year's cut point (clustered 70, "
            "last year 60, cap 5: 60 + 5 = 65)") in text
    assert "2 stars: clustered, within the guardrail cap of last year's cut point (clustered 30, last year 28, cap 5)" in text
    table = cms_tables.read_cut_points(run_csv, 2025).cut_points[0]
    assert table.notes == {2: "within_cap", 3: "within_cap", 4: "capped_up", 5: "capped_down"}


def test_untyped_part_d_scores_follow_the_id_prefix_rule(tmp_path: Path) -> None:
    rows = ["contract_id,measure_id,score,organization_type"]
    rows += [f"H{i:04d},D08,{LEVELS_C01[i // 20]}%," for i in range(100)]
    rows += [f"S{i:04d},D08,{LEVELS_C01[i // 20] + 5}%," for i in range(100)]
    scores = tmp_path / "d.csv"
    scores.write_text("\n".join(rows) + "\n", encoding="utf-8")
    ok = runner.invoke(app, ["stars", "cutpoints", "--scores", str(scores), "--year", "2025"])
    assert ok.exit_code == 0, ok.output
    got = {(r["contract_type"], int(r["threshold"])): float(r["value"]) for r in csv.DictReader(io.StringIO(ok.stdout))}
    assert [got[("MA-PD", s)] for s in (2, 3, 4, 5)] == [30.0, 50.0, 70.0, 90.0]  # H -> MA-PD
    assert [got[("PDP", s)] for s in (2, 3, 4, 5)] == [35.0, 55.0, 75.0, 95.0]  # S -> PDP
    scores.write_text("\n".join([*rows, "E0001,D08,40%,"]) + "\n", encoding="utf-8")
    refused = runner.invoke(app, ["stars", "cutpoints", "--scores", str(scores), "--year", "2025"])
    assert refused.exit_code == 2 and "E0001: cannot tell MA-PD from PDP by the id" in " ".join(refused.output.split())
    scores.write_text("\n".join([*rows, "E0001,D08,40%,Employer/Union Only Direct Contract PDP"]) + "\n", encoding="utf-8")
    typed = runner.invoke(app, ["stars", "cutpoints", "--scores", str(scores), "--year", "2025"])
    assert typed.exit_code == 0, typed.output  # the organization type says PDP
