"""Synthetic enrollment and Parts A and B claims files for the claims-data extract (no real people: identifiers are
format-valid MBIs drawn from a seeded generator, names are "Synthetic Member N").

The files exercise every filter of the extract: enrollees of the sponsor's PDP contracts and of other contracts,
enrollments that ended before the release or start after it, the seven claim types plus rows that are not Parts A
and B claims (Part D events), service dates inside and outside the release's period, and columns the extract must
drop (payments, names, addresses).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from partcd.claimsdata.rules.releases import Release

#: MBI character classes (CMS MBI format: C A AN N A AN N A A N N; letters without S, L, O, I, B, Z).
_LETTERS = "ACDEFGHJKMNPQRTUVWXY"
_DIGITS = "0123456789"
_ALNUM = _LETTERS + _DIGITS
CLAIM_TYPES = ("inpatient", "outpatient", "carrier", "durable_medical_equipment", "hospice", "home_health",
               "skilled_nursing_facility")
#: The demo's release calendar: quarterly releases from August 15, 2020 (the preamble's first date, L609).
RELEASES = (
    Release(release_date=dt.date(2020, 8, 15), period_start=dt.date(2020, 1, 1), period_end=dt.date(2020, 3, 31)),
    Release(release_date=dt.date(2020, 11, 15), period_start=dt.date(2020, 4, 1), period_end=dt.date(2020, 6, 30)),
    Release(release_date=dt.date(2021, 2, 15), period_start=dt.date(2020, 7, 1), period_end=dt.date(2020, 9, 30)),
)


def synthetic_mbi(rng: np.random.Generator) -> str:
    """A format-valid synthetic Medicare Beneficiary Identifier."""
    pattern = ("123456789", _LETTERS, _ALNUM, _DIGITS, _LETTERS, _ALNUM, _DIGITS, _LETTERS, _LETTERS, _DIGITS, _DIGITS)
    return "".join(chars[int(rng.integers(len(chars)))] for chars in pattern)


def write_files(folder: Path, *, seed: int, sponsor_contracts: tuple[str, ...] = ("S5601", "S5602"),
                other_contracts: tuple[str, ...] = ("S7001", "H1234"), enrollees: int = 400,
                claims_per_enrollee: float = 6.0, fmt: str = "csv") -> tuple[Path, Path]:
    """Write ``enrollment.<fmt>`` and ``claims.<fmt>`` under ``folder``; the same seed gives the same files."""
    import pyarrow as pa

    from partcd.platform import frames

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    contracts = (*sponsor_contracts, *other_contracts)
    ids, contract, start, end = [], [], [], []
    for _ in range(enrollees):
        ids.append(synthetic_mbi(rng))
        contract.append(contracts[int(rng.integers(len(contracts)))])
        start.append(dt.date(2019, 1, 1) + dt.timedelta(days=int(rng.integers(0, 700))))
        ended = rng.random() < 0.15
        end.append(start[-1] + dt.timedelta(days=int(rng.integers(30, 400))) if ended else None)
    enrollment = pa.table({"enrollee_id": ids, "contract_id": contract,
                           "enrollment_start": [d.isoformat() for d in start],
                           "enrollment_end": [d.isoformat() if d else "" for d in end]})
    rows: dict[str, list[object]] = {k: [] for k in (
        "claim_id", "enrollee_id", "claim_type", "from_date", "thru_date", "principal_diagnosis_code", "diagnosis_codes",
        "hcpcs_code", "place_of_service", "rendering_npi", "paid_amount_usd", "beneficiary_name", "street_address")}
    types = (*CLAIM_TYPES, "part_d_event")
    number = 0
    for i, mbi in enumerate(ids):
        for _ in range(int(rng.poisson(claims_per_enrollee))):
            number += 1
            first = dt.date(2019, 10, 1) + dt.timedelta(days=int(rng.integers(0, 450)))
            rows["claim_id"].append(f"C{number:08d}")
            rows["enrollee_id"].append(mbi)
            rows["claim_type"].append(types[int(rng.integers(len(types)))])
            rows["from_date"].append(first.isoformat())
            rows["thru_date"].append((first + dt.timedelta(days=int(rng.integers(0, 5)))).isoformat())
            rows["principal_diagnosis_code"].append(f"E11.{int(rng.integers(0, 10))}")
            rows["diagnosis_codes"].append(f"I10;E78.{int(rng.integers(0, 6))}")
            rows["hcpcs_code"].append(f"99{int(rng.integers(201, 216))}")
            rows["place_of_service"].append(f"{int(rng.choice([11, 21, 22, 23, 12])):02d}")
            rows["rendering_npi"].append(f"1{int(rng.integers(0, 10**9)):09d}")
            rows["paid_amount_usd"].append(round(float(rng.gamma(2.0, 80.0)), 2))
            rows["beneficiary_name"].append(f"Synthetic Member {i + 1}")
            rows["street_address"].append(f"{int(rng.integers(1, 999))} Example Street")
    claims = pa.table(rows)
    e_path = frames.write_table(enrollment, folder / f"enrollment.{fmt}")
    c_path = frames.write_table(claims, folder / f"claims.{fmt}")
    return e_path, c_path
