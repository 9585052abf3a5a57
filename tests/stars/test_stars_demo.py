"""§ 422.166(a)(2)(i), § 423.186(a)(2)(i) - the Star Ratings demo: report written, seeded and reproducible, CMS run optional."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from partcd.platform.params import load_params
from partcd.stars.demo import CMS_HREF, SYNTHETIC_HREF, demo, star_data_dir
from partcd.stars.readers import load_catalogue
from partcd.stars.rules.methodology import StarsParams
from partcd.stars.rules.models import ContractType, Part
from partcd.stars.samples import DEMO_MEASURE_KEYS, SCORE_SHAPES, synthetic_star_scores


def test_demo_without_cms_tables_is_synthetic_and_reproducible(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARTCD_SHARED_DIR", str(tmp_path / "no-shared"))  # a clean machine: only the repository
    assert star_data_dir() is None
    first = demo(tmp_path / "a", 7, "duckdb")
    second = demo(tmp_path / "b", 7, "duckdb")
    demo(tmp_path / "c", 8, "duckdb")
    assert first.href == SYNTHETIC_HREF and first.headline == second.headline
    assert "real-data run skipped" in first.details[-1]
    # the headline is what `partcd demo` prints: the skipped CMS run is said there, with where the tables are looked for
    assert "CMS 2025 run skipped: the public Star Ratings tables were not found" in first.headline
    assert "PARTCD_SHARED_DIR" in first.headline
    report = (tmp_path / "a" / SYNTHETIC_HREF).read_text(encoding="utf-8")
    assert (tmp_path / "a" / "plotly.min.js").is_file() and 'src="../../plotly.min.js"' in report
    assert "cms-2025/report.html" not in report
    catalogue = {m.measure_key: m for m in load_catalogue(2025)}
    for key in DEMO_MEASURE_KEYS:
        m = catalogue[key]
        for ctype in (("MA-PD", "PDP") if m.part is Part.D else ("ALL",)):
            assert f'id="{m.measure_id}-{ctype}"' in report, (key, ctype)
    runs = [json.loads((tmp_path / d / "stars" / "synthetic" / "cut_points.json").read_text()) for d in "abc"]
    assert runs[0] == runs[1] and runs[0] != runs[2]
    assert len(runs[0]) == 4 * 18  # 10 Part C + 2 x 4 Part D measure/contract types, 4 thresholds each
    reasons = {r["reason"] for r in runs[0]}
    assert {"capped_up", "within_cap", "new_measure"} <= reasons  # C15 and C17 entered the program in 2024
    assert {r["reason"] for r in runs[0] if r["measure_id"] in ("C15", "C17")} == {"new_measure"}
    summary = json.loads((tmp_path / "a" / "stars" / "synthetic" / "run.json").read_text())
    assert (summary["methodology"], summary["seed"], summary["params_file"]) == ("cms-2024+", 7, "stars/params/2025.yaml")
    with (tmp_path / "a" / "stars" / "synthetic" / "stars.csv").open(encoding="utf-8") as fh:
        stars = list(csv.DictReader(fh))
    assert {r["stars"] for r in stars} >= {"1", "2", "3", "4", "5"}


def test_demo_with_cms_tables_links_the_real_run(tmp_path: Path) -> None:
    if star_data_dir() is None:
        pytest.fail("CMS Star Ratings tables not found (tests/conftest.py sets PARTCD_SHARED_DIR)")
    result = demo(tmp_path, 2022, "duckdb")
    assert CMS_HREF in result.headline
    real = (tmp_path / CMS_HREF).read_text(encoding="utf-8")
    synthetic = (tmp_path / SYNTHETIC_HREF).read_text(encoding="utf-8")
    assert 'href="../cms-2025/report.html"' in synthetic and 'href="../synthetic/report.html"' in real
    rows = json.loads((tmp_path / "stars" / "cms-2025" / "cut_points.json").read_text())
    assert len(rows) == 160  # 22 Part C + 2 x 9 Part D non-CAHPS measures with scores, 4 thresholds each
    c01 = {r["threshold"]: r for r in rows if r["measure_id"] == "C01"}
    assert (c01[2]["prior"], c01[2]["value"], c01[2]["reason"]) == (48.0, 53.0, "capped_up")  # published 2025: 53
    assert re.search(r'<tr class="capped" data-measure="C01" data-contract-type="ALL" data-threshold="2">', real)


def test_synthetic_scores_follow_the_catalogue() -> None:
    catalogue = {m.measure_key: m for m in load_catalogue(2025)}
    measures = [catalogue[k] for k in DEMO_MEASURE_KEYS]
    prior_params = load_params("stars", 2024).typed(StarsParams)
    sample = synthetic_star_scores(measures, seed=3, rating_year=2025, prior_params=prior_params, contracts=120)
    again = synthetic_star_scores(measures, seed=3, rating_year=2025, prior_params=prior_params, contracts=120)
    assert sample == again
    assert len(sample.contracts) == 120 and sum(t is ContractType.PDP for _, t in sample.contracts) == 12
    for s in sample.scores:
        m = catalogue[s.measure_key]
        if s.score is None:
            assert s.missing_reason == "Plan too small to be measured"
            continue
        shape = SCORE_SHAPES[s.measure_key]
        assert shape.low <= s.score <= shape.high and round(s.score, m.precision) == s.score
        assert (s.contract_id[0] == "S") == (s.contract_type is ContractType.PDP)
        assert m.part is Part.D or s.contract_id[0] == "H"  # Part C measures only for MA contracts
    for cp in sample.prior_cut_points:
        values = [cp.thresholds[k] for k in (2, 3, 4, 5)]
        assert values == sorted(values, reverse=not cp.higher_is_better)
    with pytest.raises(ValueError, match="no synthetic score shape for C03"):
        synthetic_star_scores([catalogue["annual_flu_vaccine"]], seed=1, rating_year=2025, prior_params=prior_params)
