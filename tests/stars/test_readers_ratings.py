"""Readers of the rating-level CMS tables and the rate / what-if pipeline (edge modules)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from partcd.core.errors import InputError
from partcd.platform.params import load_params
from partcd.stars import readers as cms_tables
from partcd.stars.pipelines.rate import cut_point_set, rate_files, read_star_changes, score_model, whatif_files
from partcd.stars.readers.ratings import (
    disaster_shares_from_summary,
    read_cai_categories,
    read_cai_values,
    read_disaster_shares,
    read_stars_input,
    read_summary_ratings,
)
from partcd.stars.rules.fastrate import RatingFrame
from partcd.stars.rules.params import rating_params
from partcd.stars.rules.summary import ContractKind

STAR_DATA = Path(os.environ["PARTCD_SHARED_DIR"]) / "data" / "star-ratings"  # set by tests/conftest.py

CAI = [
    "2025 CAI View: Medicare Report Card Master Table,,,,,,,,",
    "Contract Number,Organization Marketing Name,Contract Name,Parent Organization,Puerto Rico Only,Part C FAC,"
    "Part D MA-PD FAC,Part D PDP FAC,Overall FAC",
    "H0001 ,A ,A ,A ,No ,4,3,N/A ,5",
    "H0002 ,B ,B ,B ,Yes ,1,N/A ,N/A ,N/A",
]
SUMMARY = [
    "2025 Summary Star View: Medicare Report Card Master Table,,,,,,,,,,",
    "Contract Number,Organization Type,Contract Name,Organization Marketing Name,Parent Organization,SNP,"
    "2022 Disaster %,2023 Disaster %,2025 Part C Summary,2025 Part D Summary,2025 Overall",
    "H0001 ,Local CCP ,A ,A ,A ,Yes ,25,0,3.5,4,3.5",
    "S0002 ,PDP ,B ,B ,B ,No ,0,60,Not Applicable ,4.5,Not Applicable",
]


def _write(tmp: Path, name: str, lines: list[str]) -> Path:
    p = tmp / name
    p.write_bytes("\r\n".join(lines).encode("cp1252") + b"\r\n")
    return p


def test_cai_table(tmp_path: Path) -> None:
    cai = read_cai_categories(_write(tmp_path, "cai.csv", CAI))
    assert cai.rating_year == 2025
    assert cai.categories["H0001"] == {"part_c": 4, "part_d_mapd": 3, "part_d_pdp": None, "overall": 5}
    assert cai.puerto_rico_only == {"H0002"}
    bad = [*CAI[:2], "H0003 ,C ,C ,C ,No ,x,1,N/A ,1"]
    with pytest.raises(InputError, match="row 3, field 'Part C FAC'"):
        read_cai_categories(_write(tmp_path, "bad.csv", bad))


def test_tidy_cai(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text("contract_id,part_c_fac,part_d_mapd_fac,part_d_pdp_fac,overall_fac,puerto_rico_only\nH0001,2,N/A,,3,yes\n")
    cai = read_cai_categories(p)
    assert cai.categories["H0001"]["overall"] == 3 and cai.categories["H0001"]["part_d_mapd"] is None
    assert cai.puerto_rico_only == {"H0001"}


def test_summary_table(tmp_path: Path) -> None:
    s = read_summary_ratings(_write(tmp_path, "s.csv", SUMMARY))
    h = s.rows["H0001"]
    assert (s.rating_year, h.part_c, h.part_d, h.overall, h.snp) == (2025, 3.5, 4.0, 3.5, True)
    assert h.disaster_pct == {2022: 25.0, 2023: 0.0}
    assert s.rows["S0002"].part_c is None and s.rows["S0002"].texts["part_c"] == "Not Applicable"
    assert disaster_shares_from_summary(s)["S0002"] == {2022: 0.0, 2023: 60.0}
    bad = [*SUMMARY[:2], "H0003 ,Local CCP ,A ,A ,A ,Yes ,0,0,3.3,4,3.5"]
    with pytest.raises(InputError, match="half star"):
        read_summary_ratings(_write(tmp_path, "b.csv", bad))


def test_disaster_shares_and_cai_values(tmp_path: Path) -> None:
    p = tmp_path / "d.csv"
    p.write_text("contract_id,year,percent\nH0001,2023,25\nH0001,2022,59.9%\n")
    assert read_disaster_shares(p) == {"H0001": {2023: 25.0, 2022: 59.9}}
    p.write_text("contract_id,year,percent\nH0001,2023,125\n")
    with pytest.raises(InputError, match="outside 0-100"):
        read_disaster_shares(p)
    v = tmp_path / "v.csv"
    v.write_text("rating,category,value\noverall,1,-0.063262\noverall,2,-0.040422\npart_c,1,-0.058259\n")
    assert read_cai_values(v) == {"overall": {1: -0.063262, 2: -0.040422}, "part_c": {1: -0.058259}}
    v.write_text("rating,category,value\noverall,2,-0.04\n")
    with pytest.raises(InputError, match=r"1\.\.n"):
        read_cai_values(v)


def test_tidy_stars_need_the_organization_type(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    p.write_text("contract_id,measure_id,stars,organization_type,missing_reason\nS0001,D01,4,PDP,\n"
                 "S0001,C01,,PDP,Plan not required to report measure\nH0001,C01,5,Local CCP,\n"
                 "H0001,D01,,Local CCP,No data available\n")
    si = read_stars_input(p, 2025)
    kinds = {c.contract_id: c.kind for c in si.contracts}
    assert kinds == {"S0001": ContractKind.PDP, "H0001": ContractKind.MA_PD}
    p.write_text("contract_id,measure_id,stars\nS0001,D01,4\n")
    with pytest.raises(InputError, match="organization_type"):
        read_stars_input(p, 2025)
    p.write_text("contract_id,measure_id,stars,organization_type\nS0001,D01,,PDP\n")
    with pytest.raises(InputError, match="neither a star"):
        read_stars_input(p, 2025)
    p.write_text("contract_id,measure_id,stars,organization_type\nH0001,D01,Plan not required to report measure,Local CCP\n"
                 "H0001,D02,Plan not required to report measure,Local CCP\n")
    one = read_stars_input(p, 2025).contracts[0]
    assert "call_center_interpreter_tty_part_d" in one.not_required


def _data(year: int) -> Path:
    d = STAR_DATA / str(year)
    if not d.is_dir():
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"{d} not found")
        pytest.skip("../shared is absent")
    return d


def test_cms_2025_tables_read_and_rate() -> None:
    d = _data(2025)
    cai = read_cai_categories(next(d.glob("* - CAI*")))
    assert len(cai.categories) == 762
    result = rate_files(next(d.glob("* - Measure Stars*")), next(d.glob("* - CAI*")), 2025)
    assert len(result.rows) == 762 and len(result.unrated) == 27  # the Demo contracts
    row = next(r for r in result.rows if r.contract_id == "H0028")
    assert row.contract_kind == "MA-PD" and row.highest_rating_type == "overall" and row.overall is not None
    assert any("CAI values for rating year 2025 unknown" in n for n in result.notes)
    assert all(r.reasons["overall"] for r in result.rows)


def test_whatif_files_and_simulation_inputs(tmp_path: Path) -> None:
    d = _data(2025)
    stars = read_stars_input(next(d.glob("* - Measure Stars*")), 2025)
    h0028 = next(c for c in stars.contracts if c.contract_id == "H0028")
    raised = [k for k, v in h0028.stars.items() if v <= 3]
    ids = {m.measure_key: m.measure_id for m in stars.measures}
    changes = tmp_path / "c.csv"
    changes.write_text("contract_id,measure_id,stars\n" + "".join(f"H0028,{ids[k]},5\n" for k in raised))
    assert set(read_star_changes(changes, stars.measures)["H0028"].values()) == {5}
    moves = whatif_files(next(d.glob("* - Measure Stars*")), next(d.glob("* - CAI*")), 2025, star_changes=changes)
    assert {(m.measure_id, m.before, m.after) for m in moves.stars} == {
        (ids[k], h0028.stars[k], 5) for k in raised}
    mine = [m for m in moves.ratings if m.contract_id == "H0028"]
    assert {m.rating.value for m in mine} == {"part_c", "part_d", "overall"}
    assert all(m.after is not None and m.before is not None and m.after > m.before for m in mine)
    measures = list(stars.measures)
    keys = [m.measure_key for m in measures]
    cps = cut_point_set(measures, [c for k in ("Part C Cut", "Part D Cut")
                                   for c in cms_tables.read_cut_points(next(d.glob(f"* - {k}*")), 2025).cut_points])
    # C01 2025: 53 / 67 / 75 / 82 for every contract; D08 differs between MA-PD and PDP; no CAHPS cut points here
    assert cps.thresholds[0, keys.index("breast_cancer_screening")].tolist() == [53, 67, 75, 82]
    assert not np.array_equal(cps.thresholds[0, keys.index("medication_adherence_diabetes")],
                              cps.thresholds[1, keys.index("medication_adherence_diabetes")])
    frame = RatingFrame(stars.contracts, measures, 2025, rating_params(load_params("stars", 2025)))
    published = frame.stars_array(stars.contracts)
    model = score_model(frame, measures, cms_tables.read_scores(next(d.glob("* - Measure Data*")), 2025).scores, published)
    c19 = keys.index("getting_needed_care")
    assert np.isnan(model.scores[:, c19]).all() and not np.isnan(model.fixed_stars[:, c19]).all()
    c01 = keys.index("breast_cancer_screening")
    assert np.isnan(model.fixed_stars[:, c01]).all() and not np.isnan(model.scores[:, c01]).all()
