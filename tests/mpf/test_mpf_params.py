"""The MPF law per rating year: the values each file states, what is unverified, the proposal variant, the refusals."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from partcd.core.errors import ParameterError
from partcd.core.params import nested_cites
from partcd.mpf import pipelines
from partcd.mpf.rules.params import MpfParams
from partcd.platform.params import load_params, reference_dir, sources

YEARS = (2022, 2023, 2024, 2025, 2026)
#: The values the proposal does not state: CMS practice from the 2026 Technical Notes, unverified for 2022.
NOT_IN_THE_PROPOSAL = {"measurement_months_count", "exclude_compound_bool", "covered_drug_status_codes_list",
                       "unknown_brand_generic_fee_text", "floor_price_applies_bool", "min_eligible_claims_count",
                       "score_decimals_count"}
#: Where the proposal and the 2026 Technical Notes differ (the variant's keys).
DIFFERENT = {"days_supply_windows_table", "bid_days_supply_extends_window_bool",
             "service_type_checked_pharmacy_types_list", "min_excess_counted_usd"}


def _windows(p: MpfParams) -> list[tuple[int, int, int]]:
    return [(w.supply_months, w.min_days_supply, w.max_days_supply) for w in p.days_supply_windows_table]


def test_2026_states_the_technical_notes() -> None:
    p = pipelines.params_for(2026)
    assert _windows(p) == [(1, 28, 34), (2, 60, 62), (3, 90, 93)]
    assert p.bid_days_supply_extends_window_bool is True
    assert p.service_type_checked_pharmacy_types_list == ("retail_and_other",)
    assert p.retail_pharmacy_types_list == ("retail_only", "retail_and_limited_access", "retail_and_other")
    assert p.retail_service_types_list == ("01", "07")
    assert p.min_excess_counted_usd == Decimal("0.02")
    assert (p.price_accuracy_weight_fraction, p.claim_percentage_weight_fraction) == (Decimal("0.5"), Decimal("0.5"))
    assert (p.measurement_year_lag_years, p.measurement_months_count, p.min_eligible_claims_count) == (2, 9, 30)
    assert (p.mpf_cost_decimals_count, p.score_decimals_count, p.score_scale_score) == (2, 0, Decimal(100))
    assert load_params("mpf", 2026).unverified() == ()


def test_2022_states_the_proposal() -> None:
    p = pipelines.params_for(2022)
    assert _windows(p) == [(1, 28, 34), (2, 60, 62), (3, 90, 100)]
    assert p.bid_days_supply_extends_window_bool is False
    assert p.service_type_checked_pharmacy_types_list == ("retail_only", "retail_and_limited_access", "retail_and_other")
    assert p.min_excess_counted_usd == Decimal("0.01")
    assert set(load_params("mpf", 2022).unverified()) == NOT_IN_THE_PROPOSAL


@pytest.mark.parametrize("year", (2023, 2024, 2025))
def test_drafted_years_carry_2022_and_say_so(year: int) -> None:
    ps = load_params("mpf", year)
    assert set(ps.unverified()) == set(ps.values) - {"measure_id_text"}
    assert ps.typed(MpfParams) == pipelines.params_for(2022)
    assert all("carried from the 2022 file" in (v.note or "") for k, v in ps.values.items() if k != "measure_id_text")


@pytest.mark.parametrize("year", (2021, 2027))
def test_a_year_without_a_file_is_refused(year: int) -> None:
    with pytest.raises(ParameterError, match=rf"no parameters for rating_year {year}; available: 2022, 2023"):
        pipelines.params_for(year)


def test_the_proposal_variant_differs_from_2026_in_exactly_its_four_keys() -> None:
    law, variant = load_params("mpf", 2026), pipelines.param_set(2026, "proposal-4185-p")
    assert variant.method == "proposal-4185-p" and variant.file == "variants/proposal-4185-p.yaml"
    assert {k for k in law.values if law[k].value != variant[k].value} == DIFFERENT
    assert {k for k in law.values if law[k].cite != variant[k].cite} == DIFFERENT
    p = variant.typed(MpfParams)
    assert _windows(p) == _windows(pipelines.params_for(2022))
    assert p.min_excess_counted_usd == Decimal("0.01")


def test_the_variant_is_defined_for_its_year_only_and_unknown_variants_are_refused() -> None:
    with pytest.raises(ParameterError, match="defined for rating year 2026, not 2024"):
        pipelines.param_set(2024, "proposal-4185-p")
    with pytest.raises(ParameterError, match="no such MPF variant; known: proposal-4185-p"):
        pipelines.param_set(2026, "nosuch")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')).strip()


def test_the_variant_quotes_stand_on_their_lines() -> None:
    """The law tree checks params/*.yaml; the variant folder is checked here the same way."""
    pf = pipelines.variant_file("proposal-4185-p")
    src = sources()
    checked = 0
    for key, entry in pf.values.items():
        for cite in [*entry.cite, *(c for _, c in nested_cites(entry.value))]:
            file = src[cite.source or pf.source].file
            assert file is not None and cite.line is not None and cite.quote, key
            line = (reference_dir() / file).read_text(encoding="utf-8").splitlines()[cite.line - 1]
            assert _norm(cite.quote) in _norm(line), f"{key}: {cite.quote!r} not on line {cite.line}"
            checked += 1
    assert checked >= 30


@pytest.mark.parametrize(("overrides", "message"), [
    ({"price_accuracy_weight_fraction": 0.6}, "must be 1, got 0.6 \\+ 0.5"),
    ({"service_type_checked_pharmacy_types_list": ["non_retail"]}, "must be retail types"),
    ({"days_supply_windows_table": [
        {"id": "a", "supply_months": 1, "min_days_supply": 28, "max_days_supply": 61, "cite": [{"cfr": "c"}]},
        {"id": "b", "supply_months": 2, "min_days_supply": 60, "max_days_supply": 62, "cite": [{"cfr": "c"}]}]},
     "windows a and b overlap"),
    ({"days_supply_windows_table": [
        {"id": "a", "supply_months": 1, "min_days_supply": 34, "max_days_supply": 28, "cite": [{"cfr": "c"}]}]},
     "max_days_supply 28 < min_days_supply 34"),
])
def test_the_typed_view_refuses_inconsistent_values(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        load_params("mpf", 2026).with_overrides(overrides).typed(MpfParams)


@pytest.mark.parametrize("year", YEARS)
def test_every_year_names_d07(year: int) -> None:
    assert pipelines.params_for(year).measure_id_text == "D07"
