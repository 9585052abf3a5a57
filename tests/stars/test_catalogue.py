"""§§ 422.162(a), 423.182(a) - the measure catalogue per rating year is data, strict, and agrees with the CMS tables."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from partcd.core.errors import ParameterError
from partcd.platform.params import reference_dir, sources
from partcd.stars.readers import catalogue_years, load_catalogue, load_catalogue_file, read_cut_points, read_measure_data
from partcd.stars.rules.catalogue import Catalogue, CatalogueMeasure, find_measure, name_token
from partcd.stars.rules.models import Measure, Part

YEARS = (2024, 2025)
ALL_YEARS = (2024, 2025, 2026)


def _data(shared_dir: Path, year: int, name: str) -> Path:
    return next((shared_dir / "data" / "star-ratings" / str(year)).glob(f"*{name}*"))


def test_years_available_and_missing_year_is_an_error() -> None:
    assert set(YEARS) <= set(catalogue_years())
    with pytest.raises(ParameterError, match="no measure catalogue for rating year 2019; available: 2024, 2025, 2026"):
        load_catalogue(2019)


@pytest.mark.parametrize("year", YEARS)
def test_catalogue_has_the_42_measures(year: int) -> None:
    measures = load_catalogue(year)
    assert all(isinstance(m, Measure) for m in measures)
    assert [m.measure_id for m in measures] == [f"C{i:02d}" for i in range(1, 31)] + [f"D{i:02d}" for i in range(1, 13)]
    assert len({m.measure_key for m in measures}) == 42
    by_id = {m.measure_id: m for m in measures}
    assert {k for k, m in by_id.items() if not m.higher_is_better} == {"C15", "C25", "C26", "D02", "D03"}
    assert {k for k, m in by_id.items() if m.cahps} == {"C03", "C19", "C20", "C21", "C22", "C23", "C24", "D05", "D06"}
    assert {k for k, m in by_id.items() if m.improvement} == {"C27", "D04"}
    assert {k for k, m in by_id.items() if not m.scale_0_100} == {"C25", "D02", "C27", "D04"}
    assert {k: m.precision for k, m in by_id.items() if m.precision} == {"C25": 2, "D02": 2, "C27": 6, "D04": 6}
    # weights: improvement 5, outcomes 3, patient experience / complaints / access 4, process 1 (stars.md §10.1)
    assert by_id["C27"].weight == by_id["D04"].weight == 5
    assert [by_id[i].weight for i in ("C10", "C11", "D08", "D09", "D10")] == [3] * 5
    assert by_id["C15"].weight == (1 if year == 2024 else 3)  # returning measure: weight 1 in its first year (4185-P L735)
    assert [by_id[i].weight for i in ("C19", "C25", "C28", "C30", "D01", "D05")] == [4] * 6
    assert by_id["C01"].weight == by_id["D07"].weight == 1
    assert by_id["C25"].data_source == "admin" and by_id["D08"].data_source == "PDE"
    assert by_id["C18"].first_rating_year == 2024  # new in 2024: no guardrail through 2026


def test_keys_stable_across_years_and_shared_names_split_by_part() -> None:
    y24 = {m.measure_key: m for m in load_catalogue(2024)}
    y25 = {m.measure_key: m for m in load_catalogue(2025)}
    assert set(y24) == set(y25)
    assert all(y24[k].name == y25[k].name and y24[k].part == y25[k].part for k in y24)
    leave_c = find_measure(load_catalogue(2025), Part.C, "Members Choosing to Leave the Plan")
    leave_d = find_measure(load_catalogue(2025), "D", "members choosing to leave  the plan")
    assert leave_c is not None and leave_d is not None
    assert (leave_c.measure_id, leave_d.measure_id) == ("C26", "D03")
    assert leave_c.measure_key != leave_d.measure_key


def test_name_matching_ignores_dashes_quotes_case() -> None:
    assert name_token("Care for Older Adults \u2013 Medication Review") == name_token("care for older adults - medication review")
    assert find_measure(load_catalogue(2024), "C", "Care for Older Adults - Medication Review") is not None
    assert find_measure(load_catalogue(2024), "D", "Breast Cancer Screening") is None


def test_2026_catalogue_has_the_45_measures_and_attachment_g_weights() -> None:
    """2026 Technical Notes: 45 measures, 33 Part C and 12 Part D (L943); weights of Attachment G (L5517-L5586)."""
    measures = load_catalogue(2026)
    assert [m.measure_id for m in measures] == [f"C{i:02d}" for i in range(1, 34)] + [f"D{i:02d}" for i in range(1, 13)]
    by_id = {m.measure_id: m for m in measures}
    y25 = {m.measure_key: m for m in load_catalogue(2025)}
    new = {k for k, m in by_id.items() if m.measure_key not in y25}
    assert new == {"C04", "C05", "C13"}
    assert all(by_id[k].first_rating_year == 2026 and by_id[k].weight == 1 for k in new)
    assert by_id["C04"].data_source == by_id["C05"].data_source == "HOS"
    # ids shifted by the three new measures; the stable keys carry the measures across years
    assert (by_id["C06"].measure_key, by_id["C14"].measure_key, by_id["C30"].measure_key) == (
        "monitoring_physical_activity", "controlling_high_blood_pressure", "health_plan_quality_improvement")
    assert {k for k, m in by_id.items() if not m.higher_is_better} == {"C18", "C28", "C29", "D02", "D03"}
    assert {k for k, m in by_id.items() if m.cahps} == {"C03", "C22", "C23", "C24", "C25", "C26", "C27", "D05", "D06"}
    assert {k for k, m in by_id.items() if m.improvement} == {"C30", "D04"}
    # Attachment G: patient experience, complaints and access 2 (down from 4, change a), outcomes 3, improvement 5
    weights: dict[float, set[str]] = {}
    for k, m in by_id.items():
        weights.setdefault(m.weight, set()).add(k)
    assert weights[5] == {"C30", "D04"}
    assert weights[3] == {"C12", "C14", "C18", "D08", "D09", "D10"}
    assert weights[2] == {*(f"C{i}" for i in range(22, 30)), "C31", "C32", "C33", "D01", "D02", "D03", "D05", "D06"}
    assert len(weights[1]) == 45 - 2 - 6 - 16
    # CBP returned in 2023: its fourth year, guarded again (change b); C04/C05 new though categorised as outcomes
    assert by_id["C14"].first_rating_year == 2023 and by_id["C04"].weighting_category == "intermediate_outcome"


@pytest.mark.parametrize("year", ALL_YEARS)
def test_every_catalogue_weight_is_cited_and_its_quote_stands_on_its_line(year: int) -> None:
    """The weights are law (§ 422.166(e), § 423.186(e)): each carries a citation in the law schema, checked like params."""
    known = sources()
    for m in load_catalogue_file(year).measures:
        assert m.weight.unit == "weight" and m.weight.cite and not m.weight.unverified
        assert any(re.search(r"42 CFR 42[23]\.1[68]6\(e\)", c.cfr) for c in m.weight.cite), m.measure_id
        for c in m.weight.cite:
            assert c.source in known, (m.measure_id, c.source)
            src = known[c.source]
            if src.file is None:
                assert c.quote, (m.measure_id, c.cfr)
                continue
            assert c.line is not None and c.quote
            line = (reference_dir() / src.file).read_text(encoding="utf-8").splitlines()[c.line - 1]
            assert _norm(c.quote) in _norm(line), (year, m.measure_id, c.line, c.quote)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')).strip()


@pytest.mark.parametrize("year", ALL_YEARS)
def test_catalogue_agrees_with_the_cms_tables(shared_dir: Path, year: int) -> None:
    """Every Measure Data column and every cut-point column maps to its catalogue entry with the same id and direction."""
    table = read_measure_data(_data(shared_dir, year, "Measure Data"))
    assert [(c.measure_id, c.measure.measure_id) for c in table.columns] == [(m.measure_id,) * 2 for m in load_catalogue(year)]
    assert [c.domain for c in table.columns] == [m.domain for m in load_catalogue(year)]
    by_key = {m.measure_key: m for m in load_catalogue(year)}
    for part in ("Part C", "Part D"):
        if not list((shared_dir / "data" / "star-ratings" / str(year)).glob(f"*{part} Cut Points*")):
            continue  # 2026: CMS's published cut points are deliberately not in shared/
        for cp in read_cut_points(_data(shared_dir, year, f"{part} Cut Points")).cut_points:
            assert cp.higher_is_better == by_key[cp.measure_key].higher_is_better
            assert cp.measure_id == by_key[cp.measure_key].measure_id


def test_catalogue_format_is_strict() -> None:
    good = load_catalogue_file(2025).model_dump()
    Catalogue.model_validate(good)
    entry = dict(good["measures"][0])
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        CatalogueMeasure.model_validate({**entry, "colour": "red"})
    with pytest.raises(ValidationError, match="id prefix does not match part"):
        CatalogueMeasure.model_validate({**entry, "part": "D", "domain": "DD1"})
    with pytest.raises(ValidationError, match="cahps must be true exactly when"):
        CatalogueMeasure.model_validate({**entry, "cahps": True})
    twice = {**good, "measures": [*good["measures"], {**entry, "measure_id": "C31"}]}
    with pytest.raises(ValidationError, match="duplicate measure_key: breast_cancer_screening"):
        Catalogue.model_validate(twice)
    future = {**good, "measures": [{**entry, "first_rating_year": 2026}]}
    with pytest.raises(ValidationError, match="first_rating_year 2026 after 2025"):
        Catalogue.model_validate(future)
    with pytest.raises(ValidationError, match="weight must have unit 'weight'"):
        CatalogueMeasure.model_validate({**entry, "weight": {**entry["weight"], "unit": "count"}})
    with pytest.raises(ValidationError, match="weight value must be a number >= 0"):
        CatalogueMeasure.model_validate({**entry, "weight": {**entry["weight"], "value": -1}})
    with pytest.raises(ValidationError, match="at least 1"):
        CatalogueMeasure.model_validate({**entry, "weight": {**entry["weight"], "cite": []}})
    with pytest.raises(ValidationError, match="weighting_category 'improvement' exactly for improvement measures"):
        CatalogueMeasure.model_validate({**entry, "weighting_category": "improvement"})
