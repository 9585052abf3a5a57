"""``partcd mpf score``: text, JSON, records file, HTML report, quarantine; bad input is one line and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from partcd.mpf.samples import SampleFiles, write_sample
from partcd.platform.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> SampleFiles:
    return write_sample(tmp_path_factory.mktemp("mpf_cli"), np.random.default_rng(5), 1500, fmt="csv")


def _args(f: SampleFiles, *more: str) -> list[str]:
    return ["mpf", "score", "--pde", str(f.pde), "--prices", str(f.prices), "--pharmacies", str(f.pharmacies), *more]


def test_text_names_each_contract_and_the_law(files: SampleFiles) -> None:
    r = runner.invoke(app, _args(files, "--year", "2026", "--bid-supply", str(files.bid_supply)))
    assert r.exit_code == 0, r.output
    for text in ("S1000", "S1007", "S1014", "2026.yaml", "2024-01-01", "2024-09-30", "duckdb"):
        assert text in r.output


def test_json_out_and_report(files: SampleFiles, tmp_path: Path) -> None:
    out, report = tmp_path / "scores.csv", tmp_path / "report"
    r = runner.invoke(app, _args(files, "--year", "2026", "--json", "--out", str(out), "--report", str(report)))
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["params_file"] == "2026.yaml" and data["measurement_year"] == 2024 and data["pde_rows"] == 1500
    contracts = {c["contract_id"]: c for c in data["contracts"]}
    assert set(contracts) == {"S1000", "S1007", "S1014"}
    assert all(c["measure_id"] == "D07" and isinstance(c["measure_score"], float) for c in contracts.values())
    assert out.read_text(encoding="utf-8").count("\n") == 4
    html = (report / "index.html").read_text(encoding="utf-8")
    for text in ("MPF Price Accuracy - 2026 Star Ratings", "S1014", "PDEs furthest above MPF",
                 "min_excess_counted_usd", "cms-stars-tn-2026 L7888"):
        assert text in html


def test_a_drafted_year_says_which_values_are_unverified(files: SampleFiles) -> None:
    r = runner.invoke(app, _args(files, "--year", "2025", "--measurement-year", "2024", "--json"))
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["unverified_parameters"][:2] == ["measurement_year_lag_years", "measurement_months_count"]
    assert "19 values of mpf/params/2025.yaml are unverified for 2025" in r.stderr.replace("\n", " ")


def test_the_proposal_variant(files: SampleFiles) -> None:
    r = runner.invoke(app, _args(files, "--year", "2026", "--variant", "proposal-4185-p", "--json"))
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["method"] == "proposal-4185-p"


def test_bad_input_is_one_line_and_exit_2(files: SampleFiles, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    lines = files.pde.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",30,", ",3x,", 1) if ",30," in lines[3] else lines[3].replace(",90,", ",9x,", 1)
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = runner.invoke(app, ["mpf", "score", "--pde", str(bad), "--prices", str(files.prices), "--pharmacies",
                            str(files.pharmacies), "--year", "2026"])
    assert r.exit_code == 2
    assert f"{bad}, row 4, field 'days_supply': must be a whole number" in r.output.replace("\n", "")
    r = runner.invoke(app, ["mpf", "score", "--pde", str(tmp_path / "nope.csv"), "--prices", str(files.prices),
                            "--pharmacies", str(files.pharmacies), "--year", "2026"])
    assert r.exit_code == 2 and "--pde" in r.output and "file not found" in r.output
    r = runner.invoke(app, _args(files, "--year", "2031"))
    assert r.exit_code == 2 and "no parameters for rating_year 2031" in r.output.replace("\n", "")


def test_quarantine(files: SampleFiles, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    lines = files.pde.read_text(encoding="utf-8").splitlines()
    lines[6] = lines[6].replace('"S1', '"s1', 1)
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    q = tmp_path / "q.csv"
    r = runner.invoke(app, ["mpf", "score", "--pde", str(bad), "--prices", str(files.prices), "--pharmacies",
                            str(files.pharmacies), "--year", "2026", "--quarantine", str(q)])
    assert r.exit_code == 0, r.output
    assert "1 bad PDE rows left out" in r.output
    assert q.read_text(encoding="utf-8").splitlines()[1].startswith('7,"contract_id"')
