"""The bid worksheet: the lines of the parameter file and of the code agree, every printed formula adds up to the cent,
every worksheet line lands in exactly one place, and the provision's effect is (1 - rebate share) of what moves."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from partcd.platform.params import load_params
from partcd.telehealth.rules.bid import LINE_IDS, Worksheet, compare_bid, compute_bid
from partcd.telehealth.rules.parameters import TelehealthParams
from partcd.telehealth.samples import example_worksheet

PARAMS = load_params("telehealth", 2020).typed(TelehealthParams)


def _d(x: float) -> Decimal:
    return Decimal(repr(x))


def test_bid_lines_table_and_code_name_the_same_lines() -> None:
    assert tuple(row.id for row in PARAMS.bid_lines_table) == LINE_IDS
    assert all(row.cite for row in PARAMS.bid_lines_table)


def test_worked_example_hand_figures() -> None:
    c = compare_bid(Worksheet.model_validate(example_worksheet()), PARAMS)
    a = {line.id: line for line in c.as_classified.lines}
    # 806.80 / 0.85 = 949.1764... -> 949.18; the arithmetic shows the numbers used
    assert a["M5"].value_usd == 949.18 and a["M5"].arithmetic == "806.80 / (1 - 0.1500) = 949.18"
    assert a["M3"].value_usd == 1.20 and "L2435" in a["M3"].citation
    d = {line.id: line.value_usd for line in c.differences}
    assert (d["M5"], d["R4"], d["G2"], d["E1"]) == (8.00, -5.28, 2.72, -4.13)
    assert c.summary.startswith("Additional telehealth benefits move 8.00 USD PMPM into the basic bid; Medicare pays +2.72")


def test_validation_refuses_bad_worksheets() -> None:
    base = example_worksheet()
    bad: list[tuple[dict[str, Any], str]] = [
        ({**base, "lines": [*base["lines"], base["lines"][0]]}, "duplicate line id 'OM'"),
        ({**base, "lines": [{**base["lines"][1], "service_id": "nope"}]}, "unknown service_id 'nope'"),
        ({**base, "lines": [{**base["lines"][0], "cost_sharing_pmpm_usd": 900.0}]}, "larger than allowed"),
        ({**base, "lines": [{**base["lines"][0], "allowed_pmpm_usd": float("nan")}]}, "finite number"),
        ({**base, "lines": [{**base["lines"][0], "allowed_pmpm_usd": -1}]}, "greater than or equal to 0"),
        ({**base, "lines": [{**base["lines"][0], "service_id": "bh_video"}]}, "names its service_id"),
        ({**base, "assumptions": {**base["assumptions"], "non_benefit_share_pct": 100}}, "less than 100"),
        ({**base, "contract_year": 2019}, "greater than or equal to 2020"),
    ]
    for data, message in bad:
        with pytest.raises(ValidationError, match=message):
            Worksheet.model_validate(data)


def test_no_telehealth_no_difference_and_capital_never_reaches_the_basic_bid() -> None:
    base = example_worksheet()
    plain = Worksheet.model_validate({**base, "telehealth_services": [],
                                      "lines": [x for x in base["lines"] if x["category"] != "telehealth"]})
    assert all(line.value_usd == 0 for line in compare_bid(plain, PARAMS).differences)
    more_capital = Worksheet.model_validate({**base, "lines": [*base["lines"], {
        "id": "TH9", "category": "telehealth", "service_id": "bh_video", "cost_type": "videoconferencing_equipment",
        "allowed_pmpm_usd": 50.0}]})
    before = compute_bid(Worksheet.model_validate(base), PARAMS)
    after = compute_bid(more_capital, PARAMS)
    assert after.value("M5") == before.value("M5") and after.value("S1") == before.value("S1")
    assert after.value("M3") == 51.20
    item = Worksheet.model_validate({**base, "lines": [*base["lines"], {
        "id": "TH8", "category": "telehealth", "service_id": "bh_video", "cost_type": "internet_service_for_enrollee",
        "allowed_pmpm_usd": 2.0}]})
    placed = {p.line_id: p for p in compute_bid(item, PARAMS).placements}
    assert placed["TH8"].placement == "supplemental" and "L173" in placed["TH8"].reason


amount = st.decimals(min_value=0, max_value=2000, places=2).map(float)
share = st.decimals(min_value=0, max_value=40, places=1).map(float)


@st.composite
def worksheets(draw: st.DrawFn) -> dict[str, Any]:
    services = []
    lines: list[dict[str, Any]] = [{"id": "OM", "category": "original_medicare",
                                    "allowed_pmpm_usd": draw(st.decimals(min_value=100, max_value=2000, places=2).map(float))}]
    for i in range(draw(st.integers(0, 4))):
        sid = f"s{i}"
        services.append({"service_id": sid, "part_b_benefit": draw(st.booleans()),
                         "payable_under_1834m": draw(st.booleans()), "identified_clinically_appropriate": True,
                         "contracted_provider": draw(st.booleans()), "in_person_access_at_election": True})
        lines.append({"id": f"T{i}", "category": "telehealth", "service_id": sid, "cost_type": "medical",
                      "allowed_pmpm_usd": draw(amount) / 100})
        lines.append({"id": f"K{i}", "category": "telehealth", "service_id": sid,
                      "cost_type": draw(st.sampled_from(["communication_platform", "medical", "software"])),
                      "allowed_pmpm_usd": draw(amount) / 100})
    for i in range(draw(st.integers(0, 3))):
        lines.append({"id": f"S{i}", "category": "supplemental", "allowed_pmpm_usd": draw(amount) / 10})
    return {"plan_name": "p", "contract_year": 2020,
            "assumptions": {"benchmark_pmpm_usd": draw(st.decimals(min_value=100, max_value=3000, places=2).map(float)),
                            "risk_factor": draw(st.decimals(min_value="0.5", max_value="2", places=3).map(float)),
                            "non_benefit_share_pct": draw(share), "rebate_pct": draw(st.sampled_from([50, 65, 66, 70])),
                            "exclusion_scope": draw(st.sampled_from(["whole_bid", "basic_only"]))},
            "plan_compliance": {"enrollees_advised_of_choice": True, "credentialing_and_state_licensing": True,
                                "information_available_to_cms": draw(st.booleans())},
            "telehealth_services": services, "lines": lines}


@settings(max_examples=150, deadline=None)
@given(worksheets())
def test_every_formula_adds_up_and_every_line_is_placed_once(data: dict[str, Any]) -> None:
    sheet = Worksheet.model_validate(data)
    for scenario in ("as_classified", "telehealth_as_supplemental"):
        r = compute_bid(sheet, PARAMS, scenario)  # type: ignore[arg-type]
        v = {line.id: _d(line.value_usd) for line in r.lines}
        assert v["M4"] == v["M1"] + v["M2"]
        assert v["A1"] == v["M5"] + v["D1"] + v["S2"]
        assert v["R3"] == max(Decimal(0), v["R2"] - v["R1"])
        assert v["R5"] == min(v["R4"], v["S2"]) and v["P2"] == v["S2"] - v["R5"] and v["R6"] == v["R4"] - v["R5"]
        assert v["G1"] == min(v["R1"], v["R2"]) and v["G2"] == v["G1"] + v["R4"] and v["E1"] == v["P1"] + v["P2"]
        assert all(x >= 0 for x in v.values())
        assert v["R3"] == 0 or v["P1"] == 0  # savings and a basic premium never together (risk factor aside)
        total = sum(_d(x["allowed_pmpm_usd"]) - _d(x.get("cost_sharing_pmpm_usd", 0.0)) for x in data["lines"])
        placed = sum(_d(p.net_pmpm_usd) for p in r.placements)
        assert placed == total and len(r.placements) == len(data["lines"])
        by = {"basic": Decimal(0), "supplemental": Decimal(0), "excluded": Decimal(0)}
        for p in r.placements:
            by[p.placement] += _d(p.net_pmpm_usd)
        assert abs(by["basic"] - v["M1"] - v["M2"]) <= Decimal("0.01")
        assert abs(by["supplemental"] - v["S1"]) <= Decimal("0.01")
        if scenario == "telehealth_as_supplemental":
            assert v["M2"] == 0 and v["M3"] == 0


@settings(max_examples=150, deadline=None)
@given(worksheets())
def test_medicare_pays_one_minus_the_rebate_share_of_what_moves(data: dict[str, Any]) -> None:
    """Both bids under the benchmark: the change in Medicare's payment is the change in the risk-adjusted bid times
    (1 - rebate share), give or take the cents of rounding (L1541: rebates "$0.66 on the dollar")."""
    c = compare_bid(Worksheet.model_validate(data), PARAMS)
    a, b = c.as_classified, c.telehealth_as_supplemental
    if a.value("R1") <= a.value("R2") and b.value("R1") <= b.value("R2"):
        moved = _d(a.value("R1")) - _d(b.value("R1"))
        rebate = _d(float(data["assumptions"]["rebate_pct"])) / 100
        d = {line.id: _d(line.value_usd) for line in c.differences}
        assert abs(d["G2"] - moved * (1 - rebate)) <= Decimal("0.02")
        assert d["M5"] >= 0  # moving benefits into the basic bid never lowers it
