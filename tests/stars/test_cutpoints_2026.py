"""§ 422.166(a)(2)(i), § 423.186(a)(2)(i) - the 2026 non-CAHPS cut points from the 2026 Measure Data (held-out year).

CMS's published 2026 cut points are deliberately not in shared/: this checks that the year runs end to end with the
2025 published cut points as the prior and that every threshold is sane - monotone in the star level, inside the
guardrail cap around the 2025 value where the measure is guarded, and left unguarded exactly for the measures the
2026 Technical Notes treat as new (C04, C05, C13 new in 2026; C18, C20, C21 in their third year since 2024) while the
re-specified Controlling Blood Pressure (C14, back since 2023) is guarded again (change b, L450).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from partcd.platform.params import load_params
from partcd.stars import readers as cms_tables
from partcd.stars.rules.cutpoints import MeasureCutPoints, compute_cut_points
from partcd.stars.rules.guardrails import GuardrailReason
from partcd.stars.rules.methodology import StarsParams
from partcd.stars.rules.models import ContractType

P2026 = load_params("stars", 2026).typed(StarsParams)
NEW_2026 = {"C04", "C05", "C13", "C18", "C20", "C21"}
GUARDED = {GuardrailReason.WITHIN_CAP, GuardrailReason.CAPPED_UP, GuardrailReason.CAPPED_DOWN}


def _file(shared_dir: Path, year: int, kind: str) -> Path:
    return next((shared_dir / "data" / "star-ratings" / str(year)).glob(f"* - {kind}*"))


@pytest.fixture(scope="module")
def run_2026(shared_dir: Path) -> list[MeasureCutPoints]:
    scores = cms_tables.read_scores(_file(shared_dir, 2026, "Measure Data")).scores
    prior = [c for k in ("Part C Cut", "Part D Cut") for c in cms_tables.read_cut_points(_file(shared_dir, 2025, k)).cut_points]
    prior_scores = cms_tables.read_scores(_file(shared_dir, 2025, "Measure Data")).scores
    return compute_cut_points(cms_tables.load_catalogue(2026), scores, prior, prior_scores, 2026, P2026,
                              np.random.default_rng(8675309))


def test_every_non_cahps_measure_with_scores_gets_four_monotone_thresholds(run_2026: list[MeasureCutPoints]) -> None:
    # 33 Part C measures - 7 CAHPS - C30 (improvement, no score) = 25; Part D 12 - 2 - D04 = 9, MA-PD and PDP: 18
    assert len(run_2026) == 43
    assert {(r.measure.measure_id, r.contract_type) for r in run_2026 if r.measure.part.value == "D"} == {
        (f"D{i:02d}", t) for i in (1, 2, 3, 7, 8, 9, 10, 11, 12) for t in (ContractType.MAPD, ContractType.PDP)}
    for r in run_2026:
        finals = [t.final for t in r.thresholds]
        assert [t.threshold for t in r.thresholds] == [2, 3, 4, 5]
        assert finals == sorted(finals, reverse=not r.measure.higher_is_better), r.measure.measure_id
        if r.measure.scale_0_100:
            assert all(0.0 <= v <= 100.0 for v in finals), r.measure.measure_id
        assert r.n_clustered <= r.n_scores


def test_guardrail_caps_against_the_2025_published_cut_points(run_2026: list[MeasureCutPoints]) -> None:
    capped = 0
    for r in run_2026:
        mid = r.measure.measure_id
        reasons = {t.reason for t in r.thresholds}
        if mid in NEW_2026:
            assert reasons == {GuardrailReason.NEW_MEASURE}, mid
            continue
        assert reasons <= GUARDED, (mid, reasons)
        for t in r.thresholds:
            assert t.prior is not None and t.cap is not None
            assert abs(t.final - t.prior) <= t.cap + 1e-9, (mid, t)
            if r.measure.scale_0_100:
                assert t.cap == 5.0  # absolute cap, 5 percentage points (TN 2026 L7331)
            capped += t.reason is not GuardrailReason.WITHIN_CAP
    assert capped > 0
    cbp = next(r for r in run_2026 if r.measure.measure_id == "C14")
    assert {t.reason for t in cbp.thresholds} <= GUARDED  # the 4th year of the returned measure: guarded again


def test_disaster_shares_change_nothing_in_2026(shared_dir: Path, run_2026: list[MeasureCutPoints]) -> None:
    # the 60 percent rule is removed for 2026 (TN change e): giving every contract a 100 % share excludes nobody
    scores = cms_tables.read_scores(_file(shared_dir, 2026, "Measure Data")).scores
    shares = {s.contract_id: 100.0 for s in scores}
    catalogue = [m for m in cms_tables.load_catalogue(2026) if m.measure_id in ("C01", "D08")]
    again = compute_cut_points(catalogue, scores, [], [], 2026, P2026, np.random.default_rng(8675309),
                               disaster_shares=shares)
    assert all(r.n_clustered > 0 and r.n_scores >= r.n_clustered for r in again)
    before = {(r.measure.measure_id, r.contract_type): r.n_scores for r in run_2026}
    assert all(before[(r.measure.measure_id, r.contract_type)] == r.n_scores for r in again)


def test_cli_cutpoints_guardrail_and_assign_for_2026(shared_dir: Path, tmp_path: Path) -> None:
    from partcd.platform.cli import app

    runner = CliRunner()
    prior = ["--prior-cut-points", str(_file(shared_dir, 2025, "Part C Cut")),
             "--prior-cut-points", str(_file(shared_dir, 2025, "Part D Cut"))]
    scores_2026 = str(_file(shared_dir, 2026, "Measure Data"))
    out = tmp_path / "cut_points_2026.csv"
    result = runner.invoke(app, ["stars", "cutpoints", "--year", "2026", "--scores", scores_2026, *prior,
                                 "--prior-scores", str(_file(shared_dir, 2025, "Measure Data")), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1 + 43 * 4
    guarded = runner.invoke(app, ["stars", "guardrail", "--year", "2026", "--unguarded", str(out), *prior,
                                  "--prior-scores", str(_file(shared_dir, 2025, "Measure Data"))])
    assert guarded.exit_code == 0, guarded.output
    run_rows = {(r["measure_id"], r["contract_type"], r["threshold"]): r for r in csv.DictReader(out.open(encoding="utf-8"))}
    again = {(r["measure_id"], r["contract_type"], r["threshold"]): r for r in csv.DictReader(io.StringIO(guarded.stdout))}
    # the final thresholds are inside the caps already: guarding them again changes no value
    assert {k: r["value"] for k, r in again.items()} == {k: r["value"] for k, r in run_rows.items()}
    for r in run_rows.values():
        assert "999999" not in r["value"] and "000000" not in r["value"]  # written without float noise
        assert float(r["display"]) == pytest.approx(float(r["value"]), abs=1.0)
    starred = runner.invoke(app, ["stars", "assign", "--year", "2026", "--scores", scores_2026, "--cut-points", str(out)])
    assert starred.exit_code == 0, starred.output
    assert len(starred.stdout.splitlines()) == 1 + 769 * 45
    stars = {(r["contract_id"], r["measure_id"]): r for r in csv.DictReader(io.StringIO(starred.stdout))}
    c01 = next(k for k, r in stars.items() if k[1] == "C01" and r["stars"])
    explained = runner.invoke(app, ["stars", "explain", "--contract", c01[0], "--measure", "C01", "--year", "2026",
                                    "--scores", scores_2026, "--cut-points", str(out), "--json"])
    record = json.loads(explained.stdout)
    assert str(record["stars"]) == stars[c01]["stars"]
    assert all(t["how"] and "as given in the cut-point file" not in t["how"] for t in record["thresholds"])
