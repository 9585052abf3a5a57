"""The preclusion law tree: period files and the named variant are strict, cited, typed, and differ where the law does."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from partcd.core.errors import ParameterError
from partcd.platform.params import area_files, load_params, reference_dir, sources
from partcd.preclusion import pipelines
from partcd.preclusion.rules.params import PreclusionParams

REFERENCE = reference_dir()
SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios" / "preclusion"


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')).strip()


def _lines(source_id: str) -> list[str]:
    file = sources()[source_id].file
    assert file is not None
    return (REFERENCE / file).read_text(encoding="utf-8").splitlines()


def test_period_files_are_2019_and_2020() -> None:
    assert sorted(area_files("preclusion")) == ["2019-01-01.yaml", "2020-01-01.yaml"]


@pytest.mark.parametrize("name", ["2019-01-01.yaml", "2020-01-01.yaml"])
def test_every_period_file_fits_the_typed_view(name: str) -> None:
    """The law-tree check of tests/law for this area (its typed view is not registered there yet)."""
    pf = area_files("preclusion")[name]
    view = load_params("preclusion", pf.period_value).typed(PreclusionParams)  # type: ignore[arg-type]
    assert set(pf.values) == set(PreclusionParams.model_fields) - {"method"}
    assert view.method is None


def test_the_law_changes_on_1_january_2020() -> None:
    old = pipelines.params_at(dt.date(2019, 12, 31))
    new = pipelines.params_at(dt.date(2020, 1, 1))
    assert (old.no_denial_window_calendar_days, old.first_denial_after_notice_calendar_days) == (0, 1)
    assert (new.no_denial_window_calendar_days, new.first_denial_after_notice_calendar_days) == (60, 61)
    assert old.notice_required_before_denial_programs_list == ("PART_D",)
    assert new.notice_required_before_denial_programs_list == ("MA", "PART_D")
    assert (old.felony_preclusion_period_years, new.felony_preclusion_period_years) == (None, 10)
    assert (old.oig_reinstatement_later_of_bool, new.oig_reinstatement_later_of_bool) == (False, True)
    assert old.initial_list_no_impact_calendar_days == new.initial_list_no_impact_calendar_days == 90


def test_nothing_is_answered_before_2019() -> None:
    with pytest.raises(ParameterError, match="no parameters in force on 2018-12-31"):
        pipelines.params_at(dt.date(2018, 12, 31))


def test_variant_differs_only_in_the_first_denial_day() -> None:
    law = pipelines.params_at(dt.date(2021, 1, 1))
    proposal = pipelines.params_at(dt.date(2021, 1, 1), variant="proposal-4185-p")
    assert proposal.method == "proposal-4185-p"
    changed = {k for k in PreclusionParams.model_fields if getattr(law, k) != getattr(proposal, k)}
    assert changed == {"method", "first_denial_after_notice_calendar_days"}
    assert (law.first_denial_after_notice_calendar_days, proposal.first_denial_after_notice_calendar_days) == (61, 60)
    # before 2020 the variant changes nothing
    assert pipelines.params_at(dt.date(2019, 6, 1), variant="proposal-4185-p") == pipelines.params_at(dt.date(2019, 6, 1))


def test_unknown_variant_is_refused() -> None:
    assert pipelines.variant_names() == ["proposal-4185-p"]
    with pytest.raises(ParameterError, match="no such preclusion variant"):
        pipelines.params_at(dt.date(2021, 1, 1), variant="final-rule-guess")


def test_variant_quotes_stand_on_their_lines() -> None:
    pf = pipelines.variant_file("proposal-4185-p")
    assert pf.source == "cms-4185-p"
    lines = _lines("cms-4185-p")
    for key, entry in pf.values.items():
        for cite in entry.cite:
            assert cite.source == "cms-4185-p" and cite.line and cite.quote, key
            assert _norm(cite.quote) in _norm(lines[cite.line - 1]), (key, cite.line)


def test_2020_file_cites_the_current_cfr_for_each_regulatory_number() -> None:
    """Every number the regulation sets is cited to the current CFR paragraph (ecfr-42) and to the proposal's line."""
    pf = area_files("preclusion")["2020-01-01.yaml"]
    numbers = ["notice_due_after_posting_calendar_days", "no_denial_window_calendar_days",
               "felony_preclusion_period_years", "felony_conviction_lookback_years",
               "oig_effective_on_exclusion_date_bool", "oig_reinstatement_later_of_bool",
               "reconsideration_request_calendar_days"]
    for key in numbers:
        sources_used = {c.source for c in pf.values[key].cite}
        assert sources_used == {"ecfr-42", "cms-4185-p"}, key


def test_offset_must_fit_the_window() -> None:
    data = pipelines.params_at(dt.date(2021, 1, 1)).model_dump()
    data["first_denial_after_notice_calendar_days"] = 59
    with pytest.raises(ValidationError, match="must be the window"):
        PreclusionParams.model_validate(data)
    data["first_denial_after_notice_calendar_days"] = 60
    assert PreclusionParams.model_validate(data).first_denial_after_notice_calendar_days == 60


def test_typed_view_refuses_an_unknown_choice() -> None:
    ps = load_params("preclusion", dt.date(2021, 1, 1)).with_overrides({"list_status_date_text": "posting_date"})
    with pytest.raises(ParameterError, match="list_status_date_text"):
        ps.typed(PreclusionParams)
