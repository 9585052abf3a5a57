"""§§ 422.166, 423.186 - a rating year the package does not know is drafted explicitly, every carried value unverified.

The held-out check: 2026 drafted from 2025 and the real 2026 Measure Data header is compared with the hand-made 2026
catalogue (cited to the 2026 Technical Notes) - the draft finds the renumbering and the three new measures, and what it
cannot know (the 2026 weight change from 4 to 2) is exactly what it marks unverified.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from partcd.core.errors import RuleError
from partcd.core.params import AreaSpec, build_set, parse_param_file
from partcd.platform.params import area_files, load_params
from partcd.stars.readers import load_catalogue_file, read_rows
from partcd.stars.rules.catalogue import Catalogue, CatalogueMeasure
from partcd.stars.rules.methodology import StarsParams
from partcd.stars.rules.yearly import (
    PER_YEAR_VALUES,
    MeasureColumn,
    draft_catalogue,
    draft_documents,
    draft_params,
    draft_rating_year,
    unverified_inputs,
)

SPEC = AreaSpec(area="stars", period_kind="rating_year", carry_forward=False, description="stars")


def _columns(path: Path) -> list[MeasureColumn]:
    rows = read_rows(path)
    out, domain = [], ""
    for col in range(5, len(rows[2])):
        domain = rows[1][col] or domain
        if rows[2][col]:
            mid, name = re.match(r"^([CD]\d\d): (.+)$", rows[2][col]).groups()  # type: ignore[union-attr]
            code, _, dname = domain.partition(":")
            out.append(MeasureColumn(mid, name, code.strip(), dname.strip(), tuple(r[col] for r in rows[4:])))
    return out


@pytest.fixture(scope="module")
def columns_2026(shared_dir: Path) -> list[MeasureColumn]:
    return _columns(next((shared_dir / "data" / "star-ratings" / "2026").glob("*Measure Data*")))


def test_2026_drafted_from_2025_against_the_cited_2026_catalogue(columns_2026: list[MeasureColumn]) -> None:
    draft = draft_rating_year(load_catalogue_file(2025), area_files("stars")["2025.yaml"], 2026, columns_2026)
    real = {m.measure_id: m for m in load_catalogue_file(2026).measures}
    got = {m.measure_id: m for m in draft.catalogue.measures}
    assert list(got) == list(real)  # 45 ids in CMS order
    new = {k for k, m in got.items() if m.data_source == "unknown"}
    assert new == {"C04", "C05", "C13"}
    for mid, m in got.items():
        assert m.unverified
        if mid in new:
            # the new measure's first-year weight is law (§ 422.166(e)(2)) and stays verified
            assert (m.weight.value, m.weight.unverified, m.first_rating_year) == (1, False, 2026)
            assert (m.scale_0_100, m.precision) == (real[mid].scale_0_100, real[mid].precision)
            continue
        r = real[mid]
        assert (m.measure_key, m.part, m.domain, m.higher_is_better, m.scale_0_100, m.precision, m.first_rating_year) == (
            r.measure_key, r.part, r.domain, r.higher_is_better, r.scale_0_100, r.precision, r.first_rating_year), mid
        assert m.weight.unverified
    # what the draft cannot know: patient experience, complaints and access went from 4 to 2 (TN 2026 change a)
    assert (got["C22"].weight.value, real["C22"].weight.value) == (4, 2)
    assert "C06 Monitoring Physical Activity: was C04 in 2025" in draft.changes
    assert "C04 Improving or Maintaining Physical Health: new measure (not in the 2025 catalogue)" in draft.changes


def test_2027_from_2026_second_year_weights_and_no_per_year_values(columns_2026: list[MeasureColumn]) -> None:
    # the 2026 header stands in for 2027's (same measures): ids unchanged, every value carried and unverified
    base = area_files("stars")["2026.yaml"]
    draft = draft_rating_year(load_catalogue_file(2026), base, 2027, columns_2026)
    by_id = {m.measure_id: m for m in draft.catalogue.measures}
    # C04/C05: weight 1 as new measures in 2026; TN 2026 Attachment G: "For the 2027 Star Ratings, the weight will
    # return to 3" - the draft gives them their category's 2026 weight (intermediate outcome: 3), still unverified
    assert (by_id["C04"].weight.value, by_id["C05"].weight.value, by_id["C13"].weight.value) == (3, 3, 1)
    assert all(m.weight.unverified for m in draft.catalogue.measures)
    assert not any("was" in c for c in draft.changes)
    params = draft.params
    assert params.period_value == 2027 and all(e.unverified for e in params.values.values())
    assert PER_YEAR_VALUES & set(base.values) and not PER_YEAR_VALUES & set(params.values)
    assert "not carried (published anew each year): cahps_low_reliability_cutoffs_table" in draft.changes


def test_drafts_read_back_through_the_schemas_and_outputs_name_what_is_unverified(columns_2026: list[MeasureColumn]) -> None:
    draft = draft_rating_year(load_catalogue_file(2026), area_files("stars")["2026.yaml"], 2027, columns_2026)
    catalogue_doc, params_doc = draft_documents(draft)
    catalogue = Catalogue.model_validate(catalogue_doc)
    pf = parse_param_file(params_doc, "2027.yaml", "stars", SPEC)
    ps = build_set("2027.yaml", pf)
    view = ps.typed(StarsParams)
    assert view.method == "cms-2024+" and view.cahps_low_reliability_cutoffs_table is None
    warnings = unverified_inputs(ps, catalogue.to_measures())
    assert "parameter absolute_cap_pp of 2027.yaml is carried from another year and unverified" in warnings
    assert any(w.startswith("measure C14 Controlling High Blood Pressure of the 2027 catalogue") for w in warnings)
    assert len(warnings) == len(ps.values) + 45
    # a checked year has nothing to report
    assert unverified_inputs(load_params("stars", 2026), load_catalogue_file(2026).to_measures()) == []


def test_a_new_measure_takes_scale_and_precision_from_its_cells() -> None:
    base = load_catalogue_file(2026)
    cols = [MeasureColumn("C01", "Breast Cancer Screening", "HD1", "Staying Healthy", ("78%",)),
            MeasureColumn("C02", "Emergency Visit Rate", "HD2", "Managing Chronic", ("0.125", "1.5", "Plan too new")),
            MeasureColumn("D01", "Pharmacy Access", "DD1", "Drug Plan Customer Service", ("91 %", "88%"))]
    catalogue, changes = draft_catalogue(base, 2030, cols)
    new = {m.measure_id: m for m in catalogue.measures}
    assert (new["C02"].measure_key, new["C02"].scale_0_100, new["C02"].precision) == ("emergency_visit_rate", False, 3)
    assert (new["D01"].scale_0_100, new["D01"].precision, new["D01"].part.value) == (True, 0, "D")
    assert new["C01"].measure_key == "breast_cancer_screening" and new["C01"].unverified
    assert set(catalogue.domains) == {"HD1", "HD2", "DD1"}
    # every measure of 2026 but C01 is reported as left out
    assert sum("left out" in c for c in changes) == 44


def test_drafting_is_refused_backwards_and_unknowns_need_the_mark() -> None:
    with pytest.raises(RuleError, match="later rating year than its base"):
        draft_params(area_files("stars")["2026.yaml"], 2025)
    with pytest.raises(RuleError, match="no measure columns"):
        draft_catalogue(load_catalogue_file(2026), 2027, [])
    entry = load_catalogue_file(2026).model_dump()["measures"][0]
    with pytest.raises(ValidationError, match="needs unverified: true"):
        CatalogueMeasure.model_validate({**entry, "data_source": "unknown"})
    CatalogueMeasure.model_validate({**entry, "data_source": "unknown", "unverified": True})


def test_cli_year_new_writes_a_draft_that_reads_back(shared_dir: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from partcd.platform.cli import app
    from partcd.platform.params import load_yaml

    data = str(next((shared_dir / "data" / "star-ratings" / "2026").glob("*Measure Data*")))
    result = CliRunner().invoke(app, ["stars", "year", "new", "2026", "--from", "2025", "--measure-data", data,
                                      "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "C13 Kidney Health Evaluation for Patients with Diabetes: new measure (not in the 2025 catalogue)" in result.stdout
    catalogue = Catalogue.model_validate(load_yaml((tmp_path / "catalogue" / "2026.yaml").read_text("utf-8"), "c"))
    pf = parse_param_file(load_yaml((tmp_path / "params" / "2026.yaml").read_text("utf-8"), "p"), "p", "stars", SPEC)
    assert len(catalogue.measures) == 45 and all(e.unverified for e in pf.values.values())
    # the file's title must be of the year asked for: the 2026 data cannot draft 2027
    wrong = CliRunner().invoke(app, ["stars", "year", "new", "2027", "--from", "2026", "--measure-data", data,
                                     "--out", str(tmp_path)])
    assert wrong.exit_code == 2 and "expected a CMS '2027 Data View' Measure Data table" in wrong.output
