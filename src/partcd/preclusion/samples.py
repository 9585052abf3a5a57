"""Seeded synthetic preclusion lists, claim lines and service histories (no PHI: generated ids and names only).

Every NPI is 10 digits with a valid Luhn check digit, except a small share of deliberately malformed claim NPIs
(for the PDE gate). List rows satisfy :class:`~partcd.preclusion.rules.models.ListPosting`; a few NPIs are listed
twice with separate episodes (a re-listing after the first bar ended). Claims hit listed NPIs at ``hit_rate``, with
notice dates around the posting (some before it, some missing), so every screening row is exercised.
Vectorised with numpy (10 million claims in seconds); randomness only from the ``numpy.random.Generator`` passed in.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from partcd.preclusion.rules.dates import NPI_PREFIX_LUHN_SUM, period_end_years

EPOCH = np.datetime64("1970-01-01", "D")
TRANSACTIONS = np.array(["MA_CLAIM", "PHARMACY_CLAIM", "REIMBURSEMENT_REQUEST", "PDE_SUBMISSION"])
PROGRAMS = np.array(["MA", "PART_D", "PART_D", "PART_D"])


def _days(day: dt.date) -> int:
    return int((np.datetime64(day, "D") - EPOCH).astype(int))


def _dates(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype("int32"), type=pa.int32()).cast(pa.date32())


def luhn_npis(bodies: np.ndarray) -> np.ndarray:
    """10-digit NPI strings for 9-digit integer bodies (vectorised Luhn over 80840 + body)."""
    digits = np.stack([(bodies // 10 ** (8 - i)) % 10 for i in range(9)], axis=1)
    doubled = digits[:, 0::2] * 2
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    total = NPI_PREFIX_LUHN_SUM + doubled.sum(axis=1) + digits[:, 1::2].sum(axis=1)
    check = (10 - total % 10) % 10
    return np.char.add(bodies.astype("U9"), check.astype("U1"))


def _body(npis: np.ndarray) -> np.ndarray:
    return npis.astype("U9")


def _check(npis: np.ndarray) -> np.ndarray:
    return (npis.astype("U10").view("U1").reshape(len(npis), 10)[:, 9]).astype(np.int64)


def _ten_year_end(days: np.ndarray) -> np.ndarray:
    """First day off a 10-year period beginning on each day (the pure rule's arithmetic)."""
    ends = [period_end_years(dt.date(1970, 1, 1) + dt.timedelta(days=int(d)), 10) for d in days]
    return np.array([_days(e) for e in ends], dtype=np.int64)


def synthetic_list(rng: np.random.Generator, n: int, first_posting: dt.date = dt.date(2019, 1, 1),
                   last_posting: dt.date = dt.date(2024, 12, 1), relisted_share: float = 0.01) -> pa.Table:
    """``n`` list rows: monthly postings (the first on ``first_posting`` is the initial list), mixed bases."""
    n_relisted = int(n * relisted_share)
    n_first = n - n_relisted
    bodies = 100_000_000 + rng.choice(100_000_000, size=n_first, replace=False).astype(np.int64)
    npis = luhn_npis(bodies)
    months = (np.datetime64(last_posting, "M") - np.datetime64(first_posting, "M")).astype(int) + 1
    posting = (np.datetime64(first_posting, "M") + rng.integers(0, months, n_first)).astype("datetime64[D]")
    posting_days = (posting - EPOCH).astype(int)
    effective = posting_days - rng.integers(0, 61, n_first)
    basis = rng.choice(np.array(["revoked", "not_enrolled", "felony"]), size=n_first, p=[0.5, 0.25, 0.25])
    felony = basis == "felony"
    conviction = effective - rng.integers(30, 3900, n_first)
    bar_known = rng.random(n_first) < 0.9
    bar_end = effective + rng.integers(365, 3651, n_first)
    ten_year = _ten_year_end(conviction)
    shortened = felony & (rng.random(n_first) < 0.1)
    shortened_end = effective + ((ten_year - effective) * rng.random(n_first)).astype(np.int64) + 1
    shortened_end = np.minimum(shortened_end, np.where(bar_known & ~felony, bar_end, ten_year))
    oig = rng.random(n_first) < 0.3
    exclusion = effective + rng.integers(-90, 91, n_first)
    reinstated = oig & (rng.random(n_first) < 0.4)
    reinstatement = exclusion + rng.integers(365, 4380, n_first)
    # re-listings: a revoked / not-enrolled party with a known bar, listed again after the bar ended
    pick = rng.choice(np.flatnonzero(~felony & bar_known & ~oig & ~shortened), size=n_relisted, replace=False) \
        if n_relisted else np.array([], dtype=np.int64)
    re_effective = bar_end[pick] + rng.integers(1, 400, n_relisted)
    re_posting = re_effective + rng.integers(0, 45, n_relisted)
    names = np.char.add("Synthetic Party ", np.arange(n).astype("U7"))
    all_npis = np.concatenate([npis, npis[pick]])

    def cat(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.concatenate([a, b])

    return pa.table({
        "npi": pa.array(all_npis.tolist(), pa.string()),
        "party_name": pa.array(names.tolist(), pa.string()),
        "basis": pa.array(cat(basis, np.full(n_relisted, "revoked")).tolist(), pa.string()),
        "effective_date": _dates(cat(effective, re_effective)),
        "list_posting_date": _dates(cat(posting_days, re_posting)),
        "reenrollment_bar_end": _masked(cat(bar_end, re_effective + 1095), cat(bar_known, np.ones(n_relisted, bool))),
        "felony_conviction_date": _masked(cat(conviction, re_effective), cat(felony, np.zeros(n_relisted, bool))),
        "cms_shortened_end": _masked(cat(shortened_end, re_effective), cat(shortened, np.zeros(n_relisted, bool))),
        "oig_excluded": pa.array(cat(oig, np.zeros(n_relisted, bool)).tolist(), pa.bool_()),
        "oig_exclusion_date": _masked(cat(exclusion, re_effective), cat(oig, np.zeros(n_relisted, bool))),
        "oig_reinstatement_date": _masked(cat(reinstatement, re_effective), cat(reinstated, np.zeros(n_relisted, bool))),
    })


def _masked(days: np.ndarray, valid: np.ndarray) -> pa.Array:
    values = pa.array(days.astype("int32"), type=pa.int32(), mask=~valid.astype(bool))
    return values.cast(pa.date32())


def synthetic_claims(rng: np.random.Generator, n: int, postings: pa.Table, first_service: dt.date = dt.date(2020, 1, 1),
                     last_service: dt.date = dt.date(2024, 12, 31), hit_rate: float = 0.3, id_offset: int = 0) -> pa.Table:
    """``n`` claim lines; ``hit_rate`` of them name a listed NPI, about 1% carry a malformed NPI."""
    listed = np.asarray(postings["npi"].to_pylist())
    posted = np.asarray(postings["list_posting_date"].cast(pa.int32()).to_numpy())
    tx_idx = rng.integers(0, 4, n)
    hit = rng.random(n) < hit_rate
    row = rng.integers(0, len(listed), n)
    other = luhn_npis(rng.integers(200_000_000, 300_000_000, n))
    npi = np.where(hit, listed[row], other)
    kind = rng.random(n)
    wrong_check = np.char.add(_body(npi), ((_check(npi) + 1) % 10).astype("U1"))
    npi = np.where(kind < 0.005, wrong_check, np.where(kind < 0.01, np.char.add(_body(npi), "A"), npi))
    service = _days(first_service) + rng.integers(0, _days(last_service) - _days(first_service) + 1, n)
    lag = np.where(tx_idx == 1, 0, rng.integers(0, 90, n))
    adjudication = service + lag
    notice_known = hit & (rng.random(n) < 0.6)
    notice = posted[row] + rng.integers(-20, 50, n)
    ma = tx_idx == 0
    reimb = tx_idx == 2
    ids = np.char.add("C", (np.arange(n, dtype=np.int64) + id_offset).astype("U12"))
    return pa.table({
        "claim_id": pa.array(ids.tolist(), pa.string()),
        "program": pa.array(PROGRAMS[tx_idx].tolist(), pa.string()),
        "transaction": pa.array(TRANSACTIONS[tx_idx].tolist(), pa.string()),
        "npi": pa.array(npi.tolist(), pa.string()),
        "contracted": pa.array(rng.random(n) < 0.7, pa.bool_(), mask=~ma),
        "beneficiary_notice_sent_date": _masked(notice, notice_known),
        "service_date": _dates(service),
        "adjudication_date": _dates(adjudication),
        "prescriber_named_in_request": pa.array(rng.random(n) < 0.8, pa.bool_(), mask=~reimb),
    })


def synthetic_history(rng: np.random.Generator, n: int, postings: pa.Table, hit_rate: float = 0.5) -> pa.Table:
    """``n`` service records (beneficiary_id, npi, program, service_date) around the list's postings."""
    listed = np.asarray(postings["npi"].to_pylist())
    posted = np.asarray(postings["list_posting_date"].cast(pa.int32()).to_numpy())
    row = rng.integers(0, len(listed), n)
    hit = rng.random(n) < hit_rate
    npi = np.where(hit, listed[row], luhn_npis(rng.integers(200_000_000, 300_000_000, n)))
    service = posted[row] - rng.integers(-30, 500, n)
    program = rng.choice(np.array(["MA", "PART_D"]), size=n)
    beneficiaries = np.char.add("B", rng.integers(0, max(n // 3, 1), n).astype("U9"))
    return pa.table({
        "beneficiary_id": pa.array(beneficiaries.tolist(), pa.string()),
        "npi": pa.array(npi.tolist(), pa.string()),
        "program": pa.array(program.tolist(), pa.string()),
        "service_date": _dates(service),
    })


def write_sample(folder: Path, seed: int = 20200101, n_list: int = 1_000, n_claims: int = 10_000,
                 fmt: str = "csv") -> tuple[Path, Path]:
    """A list and a claims file (CSV or Parquet) in ``folder``; returns their paths."""
    rng = np.random.default_rng(seed)
    postings = synthetic_list(rng, n_list)
    claims = synthetic_claims(rng, n_claims, postings)
    folder.mkdir(parents=True, exist_ok=True)
    list_path, claims_path = folder / f"preclusion_list.{fmt}", folder / f"claims.{fmt}"
    for table, path in ((postings, list_path), (claims, claims_path)):
        if fmt == "csv":
            pacsv.write_csv(table, path)
        else:
            pq.write_table(table, path)
    return list_path, claims_path
