"""The worked example: one MA plan's 2020 bid worksheet and a services file covering every category of § 422.135.

Synthetic figures (no real plan). The telehealth amounts follow the proposal's impact analysis in shape: 15 % of the
telehealth cost is capital and infrastructure (L1547) and the rebate share is its 66 % average (L1548). Written by
``partcd telehealth example`` for a user to edit, used by the demo, the web page and the tests.

Hand arithmetic of the example (per member per month, each line rounded to the cent; non-benefit share 15 %):

* as classified - M1 = 880.00 - 80.00 = 800.00; M2 = 6.80 (video counselling); M3 = 1.20 (its platform, excluded);
  M5 = 806.80 / 0.85 = 949.18; S1 = 30.00 + 4.00 + 1.00 = 35.00; S2 = 41.18; R3 = 1,000.00 - 949.18 = 50.82;
  R4 = 0.66 x 50.82 = 33.54; P2 = 41.18 - 33.54 = 7.64; G2 = 949.18 + 33.54 = 982.72;
* telehealth as supplemental - M5 = 800.00 / 0.85 = 941.18; S1 = 43.00; S2 = 50.59; R3 = 58.82; R4 = 38.82;
  P2 = 11.77; G2 = 980.00;
* difference - Medicare +2.72 (= 8.00 x (1 - 0.66)), enrollee premium -4.13.
"""

from __future__ import annotations

from typing import Any


def example_worksheet() -> dict[str, Any]:
    """The worked example as plain data (the layout of a YAML worksheet)."""
    return {
        "plan_name": "Example Health Plan H9999-001 (synthetic)",
        "contract_year": 2020,
        "assumptions": {
            "benchmark_pmpm_usd": 1000.00,
            "risk_factor": 1.0,
            "non_benefit_share_pct": 15.0,
            "rebate_pct": 66.0,
            "part_d_basic_pmpm_usd": 0.0,
        },
        "plan_compliance": {
            "enrollees_advised_of_choice": True,
            "advice_in_evidence_of_coverage": True,
            "provider_directory_identifies": False,
            "credentialing_and_state_licensing": True,
            "information_available_to_cms": True,
        },
        "telehealth_services": [
            {"service_id": "bh_video", "description": "Behavioral health counselling by video from home",
             "part_b_benefit": True, "payable_under_1834m": False, "identified_clinically_appropriate": True,
             "contracted_provider": True, "in_person_access_at_election": True,
             "offered_as": "additional_telehealth_benefit"},
            {"service_id": "derm_store_forward", "description": "Dermatology store-and-forward, non-contracted group",
             "part_b_benefit": True, "payable_under_1834m": False, "identified_clinically_appropriate": True,
             "contracted_provider": False, "in_person_access_at_election": True, "offered_as": "supplemental"},
        ],
        "lines": [
            {"id": "OM", "description": "Parts A and B services (inpatient, outpatient, physician, ...)",
             "category": "original_medicare", "allowed_pmpm_usd": 880.00, "cost_sharing_pmpm_usd": 80.00},
            {"id": "TH1", "description": "Video counselling visits", "category": "telehealth", "service_id": "bh_video",
             "cost_type": "medical", "allowed_pmpm_usd": 6.80},
            {"id": "TH2", "description": "Video platform licence", "category": "telehealth", "service_id": "bh_video",
             "cost_type": "communication_platform", "allowed_pmpm_usd": 1.20},
            {"id": "TH3", "description": "Store-and-forward dermatology reads", "category": "telehealth",
             "service_id": "derm_store_forward", "cost_type": "medical", "allowed_pmpm_usd": 1.00},
            {"id": "DEN", "description": "Preventive and comprehensive dental", "category": "supplemental",
             "allowed_pmpm_usd": 40.00, "cost_sharing_pmpm_usd": 10.00},
            {"id": "VIS", "description": "Routine vision", "category": "supplemental", "allowed_pmpm_usd": 4.00},
        ],
    }


def example_services() -> dict[str, Any]:
    """A services file with one service of every category (the layout of a YAML services file)."""
    base = {"part_b_benefit": True, "payable_under_1834m": False, "identified_clinically_appropriate": True,
            "contracted_provider": True, "in_person_access_at_election": True}
    return {
        "contract_year": 2020,
        "plan_compliance": {"enrollees_advised_of_choice": True, "advice_in_evidence_of_coverage": True,
                            "provider_directory_identifies": False, "credentialing_and_state_licensing": True,
                            "information_available_to_cms": True},
        "services": [
            {**base, "service_id": "bh_video", "description": "Behavioral health counselling by video from home",
             "offered_as": "additional_telehealth_benefit"},
            {**base, "service_id": "rural_telehealth", "description": "Office visit from a rural originating site",
             "payable_under_1834m": True},
            {**base, "service_id": "dental_video", "description": "Dental needs assessment by video",
             "part_b_benefit": False},
            {**base, "service_id": "derm_noncontracted", "description": "Dermatology reads by a non-contracted group",
             "contracted_provider": False, "offered_as": "additional_telehealth_benefit"},
            {**base, "service_id": "wound_check_video", "description": "Wound check by video (not on the plan's list)",
             "identified_clinically_appropriate": False},
            {**base, "service_id": "cardio_video_only", "description": "Cardiology follow-up offered only by video",
             "in_person_access_at_election": False},
        ],
    }
