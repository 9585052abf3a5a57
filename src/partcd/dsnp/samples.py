"""Synthetic D-SNP data for the demo and tests (seeded, no real plans or people): four plan x State contracts of
the four integration tiers, the evidence of their § 422.107 terms, a CMS list of integrated D-SNPs with the
differences a compliance lead meets in practice, hospital and SNF admissions with notices, and
§ 422.562(a)(5) assistance records.

The MBIs are made in the CMS format from the seed; they belong to nobody.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ZONE = "America/Chicago"
_LETTERS = "ACDEFGHJKMNPQRTUVWXY"
EVERY_DSNP_TERMS = ("b_contract", "c1_coordinate_provide", "c2_eligibility", "c3_capitated_benefits", "c4_cost_sharing",
                    "c5_provider_participation", "c6_eligibility_verification", "c7_service_area", "c8_contract_period")


def synthetic_mbi(rng: random.Random) -> str:
    """An identifier in the MBI format (C A AN N A AN N A A N N), never a real one."""
    def a() -> str:
        return rng.choice(_LETTERS)

    def an() -> str:
        return rng.choice(_LETTERS + "0123456789")

    def n() -> str:
        return rng.choice("0123456789")

    return rng.choice("123456789") + a() + an() + n() + a() + an() + n() + a() + a() + n() + n()


FULL = ("primary_care", "acute_care", "behavioral_health", "ltss", "nursing_facility")

CONTRACTS: tuple[dict[str, Any], ...] = (
    {"contract_id": "H2001", "plan_benefit_package": "001", "state": "MN", "parent_organization": "North Star Health",
     "state_contract_reference": "MN DHS MSHO contract 2021-2022", "window_value": 2, "window_unit": "business_days",
     "admission_group": "enrollees receiving home and community-based services (elderly waiver)",
     "notice_recipients": ["MN DHS care coordination unit"], "notice_method": "encounter alert file via the State HIE",
     "attributes": {"capitated_medicaid_contract_holder": "same_organization", "medicaid_plan_type": "MCO",
                    "medicaid_benefits_covered": list(FULL), "nursing_facility_days_covered": 365,
                    "aligned_care_management": True, "integrated_procedures_approved_by_cms_and_state": True,
                    "exclusively_aligned_enrollment": True}},
    {"contract_id": "H2002", "plan_benefit_package": "002", "state": "NJ", "parent_organization": "Garden Health Group",
     "state_contract_reference": "NJ DMAHS D-SNP contract 2021", "window_value": 48, "window_unit": "hours",
     "admission_group": "MLTSS members", "notice_recipients": ["NJ DMAHS"], "notice_method": "secure e-mail",
     "attributes": {"capitated_medicaid_contract_holder": "parent_organization", "medicaid_plan_type": "MCO",
                    "medicaid_benefits_covered": ["ltss", "behavioral_health"], "exclusively_aligned_enrollment": False}},
    {"contract_id": "H2003", "plan_benefit_package": "003", "state": "TX", "parent_organization": "Lone Star Care",
     "state_contract_reference": "TX HHSC D-SNP agreement 2021-2022", "window_value": 3, "window_unit": "calendar_days",
     "window_start": "plan_aware", "admission_group": "STAR+PLUS waiver members with two admissions in 12 months",
     "notice_recipients": ["the member's STAR+PLUS MCO service coordinator"], "notice_method": "daily ADT file",
     "attributes": {}},
    {"contract_id": "H2004", "plan_benefit_package": "004", "state": "FL", "parent_organization": "Gulf Coast Senior Plans",
     "state_contract_reference": "FL AHCA MMA agreement 2021", "window_value": 24, "window_unit": "hours",
     "admission_group": "members in the long-term care program", "notice_recipients": ["FL AHCA"],
     "notice_method": "portal upload", "attributes": {}},
)
#: Which terms each synthetic contract documents (H2004 lacks the (d) term: it meets no integration criterion).
EVIDENCE: dict[str, tuple[str, ...]] = {
    "H2001": (*EVERY_DSNP_TERMS, "c9_unified_appeals"),
    "H2002": EVERY_DSNP_TERMS,
    "H2003": (*EVERY_DSNP_TERMS, "d_admission_notification"),
    "H2004": tuple(t for t in EVERY_DSNP_TERMS if t != "c5_provider_participation"),
}


def contracts(year: int) -> list[dict[str, Any]]:
    return [{**c, "period_start": dt.date(year, 1, 1), "period_end": dt.date(year + 1, 12, 31), "zone": ZONE}
            for c in CONTRACTS]


def evidence(contract_id: str) -> list[dict[str, str]]:
    return [{"term_id": t, "document": f"{contract_id} State Medicaid agency contract",
             "location": f"section {i + 1}"} for i, t in enumerate(EVIDENCE[contract_id])]


def write_cms_list(path: Path, year: int) -> Path:
    """CMS's list as CMS spells its columns: H2002 listed as FIDE (partcd: HIDE), H2001 without its AIP flag, H2004
    absent, and a plan partcd has no contract for."""
    rows = [("H2001", "1", "MN", "FIDE", "N"), ("H2002", "2", "NJ", "FIDE", "N"), ("H2003", "3", "TX", "CO", "N"),
            ("H2999", "1", "WI", "HIDE", "Y")]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Contract Number", "Plan ID", "State", "Integration Status", "Applicable Integrated Plan"])
        writer.writerows(rows)
    return path


@dataclass(frozen=True)
class SyntheticAdmission:
    contract_id: str
    data: dict[str, Any]


def admissions(seed: int, start: dt.date, days: int, per_contract: int = 30) -> list[SyntheticAdmission]:
    """Admissions of the synthetic enrollees; most notices on time, some late, a few never sent."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    zone = ZoneInfo(ZONE)
    out = []
    for c in CONTRACTS:
        for i in range(per_contract):
            admitted = dt.datetime.combine(start + dt.timedelta(days=rng.randrange(days)),
                                           dt.time(rng.randrange(24), rng.choice((0, 15, 30, 45))), zone)
            aware = admitted + dt.timedelta(hours=rng.choice((0, 2, 6, 20)))
            roll = rng.random()
            delay = dt.timedelta(hours=rng.choice((3, 10, 20))) if roll < 0.8 else dt.timedelta(hours=rng.choice((60, 100)))
            notified = None if roll > 0.95 else aware + delay
            out.append(SyntheticAdmission(c["contract_id"], {
                "admission_ref": f"{c['contract_id']}-ADM-{i + 1:04d}", "mbi": synthetic_mbi(rng),
                "setting": rng.choice(("hospital", "hospital", "skilled_nursing_facility", "emergency_department")),
                "admitted_at": admitted, "plan_aware_at": aware, "in_state_group": rng.random() < 0.7,
                "notified_at": notified, "notified_to": c["notice_recipients"][0] if notified else None,
                "notice_method": c["notice_method"] if notified else None}))
    return out


def assistance(seed: int, start: dt.date, days: int, count: int = 24) -> list[dict[str, Any]]:
    """§ 422.562(a)(5) records: offers, acceptances, help given, a few gaps."""
    rng = random.Random(seed + 1)  # noqa: S311 - synthetic data, not security
    out = []
    for i in range(count):
        c = CONTRACTS[i % len(CONTRACTS)]
        need = start + dt.timedelta(days=rng.randrange(max(days - 20, 1)))
        offered = None if rng.random() < 0.1 else need + dt.timedelta(days=rng.choice((0, 1, 3, 20)))
        response = "pending" if offered is None else rng.choice(("accepted", "accepted", "declined", "no_response"))
        provided = None
        kinds: list[str] = []
        if response == "accepted" and offered is not None and rng.random() < 0.8:
            provided = offered + dt.timedelta(days=rng.choice((1, 2, 5)))
            kinds = rng.sample(["A1_identify_contact", "A2_contact_instructions", "A3_make_contact", "B_file_grievance_appeal",
                                "C_documentation", "forms_procedural_steps"], 2)
        out.append({"case_id": f"AG-{2021}-{i + 1:05d}", "contract_id": c["contract_id"],
                    "plan_benefit_package": c["plan_benefit_package"], "mbi": synthetic_mbi(rng),
                    "need_identified_on": need, "need": rng.choice(("personal care hours reduced", "home modification",
                                                                    "Medicaid transportation", "nursing facility stay")),
                    "offered_on": offered,
                    "methods_offered": rng.sample(["telephone", "in_person", "mail", "care_coordinator"], rng.choice((1, 2, 3)))
                    if offered else [],
                    "response": response, "response_on": offered if response in ("accepted", "declined") else None,
                    "provided_on": provided, "kinds_provided": kinds})
    return out
