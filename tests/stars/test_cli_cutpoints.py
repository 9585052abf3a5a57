"""§ 422.166(a)(2)(i), § 423.186(a)(2)(i) - CLI `partcd stars cutpoints` and `guardrail` on tidy and CMS files (4185-P L2241)."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from partcd.platform.cli import app
from partcd.stars.cli.cutpoints import register

runner = CliRunner()
STAR_DATA = Path(os.environ["PARTCD_SHARED_DIR"]) / "data" / "star-ratings"  # set by tests/conftest.py

# 20 contracts at each of 5 well-separated scores: every resampling run finds the same clusters.
LEVELS_C01 = [10, 30, 50, 70, 90]
LEVELS_C25 = [0.1, 0.3, 0.5, 0.7, 0.9]


def _tidy_scores(path: Path) -> Path:
    lines = ["contract_id,measure_id,score,contract_type"]
    for i in range(100):
        lines.append(f"H{i:04d},C01,{LEVELS_C01[i // 20]}%,")
        lines.append(f"H{i:04d},C25,{LEVELS_C25[i // 20]},")
        lines.append(f"H{i:04d},D08,{LEVELS_C01[i // 20]}%,MA-PD")
        lines.append(f"S{i:04d},D08,{LEVELS_C01[i // 20] + 5}%,PDP")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _tidy_prior(path: Path) -> Path:
    rows = ["measure_id,threshold,value,contract_type"]
    rows += [f"C01,{s},{v}," for s, v in zip((2, 3, 4, 5), (28, 50, 60, 97), strict=True)]
    rows += [f"C25,{s},{v}," for s, v in zip((2, 3, 4, 5), (0.8, 0.5, 0.25, 0.12), strict=True)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _prior_scores(path: Path) -> Path:
    # restricted range: fn19 halves Q1 .25, Q3 .75, upper fence 2.25 -> 5.0 deleted; .8 - .1 = .7; 5 % = .035
    values = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 5.0]
    rows = ["contract_id,measure_id,score"] + [f"H{i:04d},C25,{v}" for i, v in enumerate(values)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _parse(text: str) -> dict[tuple[str, str, int], dict[str, str]]:
    return {(r["measure_id"], r["contract_type"], int(r["threshold"])): r for r in csv.DictReader(io.StringIO(text))}


def test_cutpoints_tidy_inputs_hand_computed(tmp_path: Path) -> None:
    args = ["stars", "cutpoints", "--scores", str(_tidy_scores(tmp_path / "s.csv")), "--prior-cut-points",
            str(_tidy_prior(tmp_path / "p.csv")), "--prior-scores", str(_prior_scores(tmp_path / "ps.csv")),
            "--year", "2025", "--seed", "42"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    rows = _parse(res.stdout)
    got = {k: (float(r["value"]), r["reason"]) for k, r in rows.items()}
    assert got[("C01", "ALL", 2)] == (30.0, "within_cap")  # +2
    assert got[("C01", "ALL", 4)] == (65.0, "capped_up")  # 70 vs 60 -> 60 + 5
    assert got[("C01", "ALL", 5)] == (92.0, "capped_down")  # 90 vs 97 -> 97 - 5
    # complaints, lower is better: unguarded upper bounds .7 .5 .3 .1; cap .035 (restricted range .7)
    assert got[("C25", "ALL", 2)][1] == "capped_down" and got[("C25", "ALL", 2)][0] == pytest.approx(0.765)
    assert got[("C25", "ALL", 3)] == (0.5, "within_cap")
    assert got[("C25", "ALL", 4)][1] == "capped_up" and got[("C25", "ALL", 4)][0] == pytest.approx(0.285)
    assert got[("C25", "ALL", 5)] == (0.1, "within_cap")
    assert float(rows[("C25", "ALL", 2)]["cap"]) == pytest.approx(0.035)
    # Part D: MA-PD and PDP separately, no prior given
    assert [got[("D08", "MA-PD", s)] for s in (2, 3, 4, 5)] == [(v, "no_prior") for v in (30.0, 50.0, 70.0, 90.0)]
    assert [got[("D08", "PDP", s)][0] for s in (2, 3, 4, 5)] == [35.0, 55.0, 75.0, 95.0]
    assert next(csv.reader(io.StringIO(res.stdout))) == [
        "measure_id", "measure_key", "measure_name", "part", "contract_type", "threshold", "value", "display", "unguarded",
        "prior", "cap", "reason"]
    # display precision: C25 (2 decimals, lower is better) 0.765 -> 0.76 is the largest displayed score reaching it;
    # exact values are written without float noise (0.765, not 0.7650000000000001)
    assert (rows[("C25", "ALL", 2)]["value"], rows[("C25", "ALL", 2)]["display"]) == ("0.765", "0.76")
    assert (rows[("C25", "ALL", 4)]["value"], rows[("C25", "ALL", 4)]["display"]) == ("0.285", "0.28")
    assert rows[("C01", "ALL", 4)]["display"] == "65"


def test_cutpoints_same_seed_same_output_and_json(tmp_path: Path) -> None:
    base = ["stars", "cutpoints", "--scores", str(_tidy_scores(tmp_path / "s.csv")), "--year", "2025", "--seed", "7"]
    a, b = runner.invoke(app, base), runner.invoke(app, base)
    assert a.exit_code == 0 and a.stdout == b.stdout
    js = runner.invoke(app, [*base, "--json", "--methodology", "clustering-only"])
    data = json.loads(js.stdout)
    assert {r["reason"] for r in data} == {"method_unguarded"}
    assert len(data) == 16  # C01, C25, D08 MA-PD, D08 PDP x 4 thresholds


def test_excluded_contracts_left_out_of_the_clustering(tmp_path: Path) -> None:
    # without the 20 contracts at 90, C01 has 4 clusters: 10 | 30 | 50 | 70 -> 5 stars from 70 (thresholds 4 = 5)
    exclude = [arg for i in range(80, 100) for arg in ("--exclude", f"H{i:04d}")]
    res = runner.invoke(app, ["stars", "cutpoints", "--scores", str(_tidy_scores(tmp_path / "s.csv")), "--year", "2025",
                              *exclude])
    assert res.exit_code == 0, res.output
    rows = _parse(res.stdout)
    assert [float(rows[("C01", "ALL", s)]["value"]) for s in (2, 3, 4, 5)] == [30.0, 50.0, 70.0, 70.0]


def test_cutpoints_report_writes_the_run_folder(tmp_path: Path) -> None:
    # issue 3 item 7: an HTML page per run; the folder's cut points are the rows the command prints
    base = ["stars", "cutpoints", "--scores", str(_tidy_scores(tmp_path / "s.csv")), "--prior-cut-points",
            str(_tidy_prior(tmp_path / "p.csv")), "--prior-scores", str(_prior_scores(tmp_path / "ps.csv")),
            "--year", "2025", "--seed", "42"]
    folder = tmp_path / "runs" / "first"
    res = runner.invoke(app, [*base, "--report", str(folder)])
    assert res.exit_code == 0, res.output
    assert res.stdout == runner.invoke(app, base).stdout  # the report changes nothing printed
    assert f"report written to {folder / 'report.html'}" in " ".join(res.stderr.split())
    assert {p.name for p in folder.iterdir()} == {"report.html", "plotly.min.js", "cut_points.csv", "cut_points.json",
                                                  "stars.csv", "run.json"}
    assert (folder / "cut_points.csv").read_text(encoding="utf-8") == res.stdout
    summary = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert (summary["rating_year"], summary["seed"], summary["methodology"]) == (2025, 42, "cms-2024+")
    assert summary["reasons"]["capped_up"] == 2 and summary["prior_scores_file"] == str(tmp_path / "ps.csv")
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert 'src="plotly.min.js"' in html and "C01" in html and "capped_up" in html
    stars = list(csv.DictReader(io.StringIO((folder / "stars.csv").read_text(encoding="utf-8"))))
    assert len(stars) == 400  # 100 H contracts x C01, C25, D08 + 100 S contracts x D08


def test_cutpoints_report_to_a_file_refused(tmp_path: Path) -> None:
    taken = tmp_path / "report.html"
    taken.write_text("", encoding="utf-8")
    res = runner.invoke(app, ["stars", "cutpoints", "--scores", str(_tidy_scores(tmp_path / "s.csv")), "--year", "2025",
                              "--report", str(taken)])
    assert res.exit_code == 2
    assert "is a file" in res.output


def test_guardrail_alone_and_output_reads_back(tmp_path: Path) -> None:
    unguarded = tmp_path / "u.csv"
    unguarded.write_text("measure_id,measure_name,part,threshold,value\n"
                         "C01,Breast Cancer Screening,C,2,30\nC01,Breast Cancer Screening,C,3,50\n"
                         "C01,Breast Cancer Screening,C,4,70\nC01,Breast Cancer Screening,C,5,90\n", encoding="utf-8")
    out = tmp_path / "g.csv"
    res = runner.invoke(app, ["stars", "guardrail", "--unguarded", str(unguarded), "--prior-cut-points",
                              str(_tidy_prior(tmp_path / "p.csv")), "--year", "2025", "--out", str(out)])
    assert res.exit_code == 0, res.output
    rows = _parse(out.read_text(encoding="utf-8"))
    assert [(float(rows[("C01", "ALL", s)]["value"]), rows[("C01", "ALL", s)]["reason"]) for s in (2, 3, 4, 5)] == [
        (30.0, "within_cap"), (50.0, "within_cap"), (65.0, "capped_up"), (92.0, "capped_down")]
    # the output is a tidy cut-point file: the guardrail stage reads it back (now everything is within the cap)
    again = runner.invoke(app, ["stars", "guardrail", "--unguarded", str(out), "--prior-cut-points",
                                str(_tidy_prior(tmp_path / "p.csv")), "--year", "2025"])
    assert {r["reason"] for r in _parse(again.stdout).values()} == {"within_cap"}


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("contract_id,measure_id,score\nH0001,C01,abc\n", [], "row 2, field 'score'"),
        ("contract_id,measure_id,score\nH0001,C99,50%\n", [], "'C99' is not a measure of this rating year"),
        ("contract_id,measure_id,score\nH0001,C01,50%\n", ["--methodology", "cms-2030"], "unknown methodology"),
        ("contract_id,measure_id,score\nH0001,C01,50%\n", ["--year", "2021"], "no parameters for rating_year 2021"),
        ("nothing,here\n1,2\n", [], "unrecognised file"),
    ],
)
def test_bad_input_one_line_error_exit_2(tmp_path: Path, content: str, args: list[str], message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    year = [] if "--year" in args else ["--year", "2025"]
    res = runner.invoke(app, ["stars", "cutpoints", "--scores", str(path), *year, *args])
    assert res.exit_code == 2, res.output
    assert message in res.output


def test_restricted_range_measure_without_prior_scores_refused(tmp_path: Path) -> None:
    unguarded = tmp_path / "u.csv"
    unguarded.write_text("measure_id,threshold,value\nC25,2,0.6\n", encoding="utf-8")
    res = runner.invoke(app, ["stars", "guardrail", "--unguarded", str(unguarded), "--prior-cut-points",
                              str(_tidy_prior(tmp_path / "p.csv")), "--year", "2025"])
    assert res.exit_code == 2
    assert "prior year's scores for its restricted range" in res.output


def test_register_on_a_fresh_typer_app() -> None:
    local = typer.Typer()
    register(local)
    names = {c.name for c in local.registered_commands}
    assert names == {"cutpoints", "guardrail"}


def _cms(year: int, kind: str) -> str:
    found = sorted((STAR_DATA / str(year)).glob(f"* - {kind}*"))
    if not found:
        pytest.fail(f"{kind} file for {year} not found under {STAR_DATA}")
    return str(found[0])


def test_cutpoints_on_cms_files_2025_with_2024_prior() -> None:
    res = runner.invoke(app, [
        "stars", "cutpoints", "--scores", _cms(2025, "Measure Data"), "--prior-cut-points", _cms(2024, "Part C Cut"),
        "--prior-cut-points", _cms(2024, "Part D Cut"), "--prior-scores", _cms(2024, "Measure Data"), "--year", "2025",
        "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert len(rows) == 160  # 22 Part C + 2 x 9 Part D non-CAHPS measures with scores, 4 thresholds each
    c01 = {r["threshold"]: r for r in rows if r["measure_id"] == "C01"}
    assert (c01[2]["prior"], c01[2]["value"], c01[2]["reason"]) == (48.0, 53.0, "capped_up")  # published 2025: 53
    assert all(r["cap"] == 5.0 for r in rows if r["measure_id"] == "C01")
    assert {r["reason"] for r in rows if r["measure_id"] == "C17"} == {"new_measure"}


def test_prior_file_of_the_wrong_year_refused() -> None:
    res = runner.invoke(app, [
        "stars", "cutpoints", "--scores", _cms(2025, "Measure Data"), "--prior-cut-points", _cms(2025, "Part C Cut"),
        "--year", "2025"])
    assert res.exit_code == 2
    assert "file is for rating year 2025, but year 2024 was asked for" in res.output
