"""Seeded synthetic MPF files and PDEs (no PHI: generated contract, plan, pharmacy, drug and claim ids only).

A :class:`World` is one sponsor's MPF submission for a measurement year: contracts and plans, pharmacies (mostly
retail-only, some retail-and-limited-access, retail-and-other or non-retail, each under a price id), drugs (11-digit
NDCs, brand, generic or of unknown status), a Pharmacy Cost file posted per quarter and a Price file posted every 14
days (unit costs with up to 5 decimals that drift between postings, a few floor prices), with small gaps (a pharmacy
or a drug not on MPF for a posting) and a bid-supply file where some plans bid 100 days for 3 months.

:func:`synthetic_pdes` draws PDEs against it: dates over the whole year (so Quarter 4 and a few out-of-year PDEs are
excluded), days supplies in and out of the windows, service types, compounds, non-covered drugs, reference NDCs, and
costs priced from the MPF row in force - most at or below it, some a cent or two above, some well above. Vectorised
with numpy (10 million PDEs in seconds); randomness only from the ``numpy.random.Generator`` passed in.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

EPOCH = np.datetime64("1970-01-01", "D")
PHARMACY_TYPES = np.array(["retail_only", "retail_and_limited_access", "retail_and_other", "non_retail"])
SERVICE_TYPES = np.array(["01", "07", "05", "06", ""])
#: synthetic 11-digit NDCs: drug i is NDC_BASE + NDC_STEP * i; its other package NDC_PACKAGE_BASE + NDC_STEP * i
NDC_BASE, NDC_PACKAGE_BASE, NDC_STEP = 10_000_000_000, 90_000_000_000, 104_729


def decimals(unscaled: np.ndarray, scale: int, valid: np.ndarray | None = None) -> pa.Array:
    """A decimal128(18, scale) array from integer unscaled values (e.g. cents for scale 2), without Python objects."""
    v = unscaled.astype(np.int64)
    words = np.empty(2 * len(v), dtype=np.int64)
    words[0::2], words[1::2] = v, v >> 63
    mask = None if valid is None else pa.array(valid, pa.bool_()).buffers()[1]
    null_count = 0 if valid is None else int((~valid).sum())
    return pa.Array.from_buffers(pa.decimal128(18, scale), len(v), [mask, pa.py_buffer(words.tobytes())],
                                 null_count=null_count)


def _dates(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype("int32"), type=pa.int32()).cast(pa.date32())


def _day(day: dt.date) -> int:
    return int((np.datetime64(day, "D") - EPOCH).astype(int))


def _text(values: np.ndarray) -> pa.Array:
    """Strings, with '' as NULL."""
    return pa.array(values.astype(str), pa.string(), mask=values.astype(str) == "")


@dataclasses.dataclass(frozen=True)
class World:
    """The reference side of a sample: the MPF files as arrays, plus what PDEs are drawn from."""

    measurement_year: int
    plans: np.ndarray            # (n_plans, 2) contract_id, plan_id
    pharmacy_npis: np.ndarray
    pharmacy_types: np.ndarray
    pharmacy_price_ids: np.ndarray  # price id index per (plan, pharmacy)
    ndcs: np.ndarray
    brand_generic: np.ndarray
    price_periods: np.ndarray    # (n, 2) first/last day (epoch days) of each Price file posting
    pc_periods: np.ndarray       # (n, 2) of each Pharmacy Cost posting
    unit_cost: np.ndarray        # [plan, price_id, ndc, months-1, period] in 1e-5 dollars
    price_posted: np.ndarray     # same shape, bool
    floor_cents: np.ndarray      # same shape, -1 = no floor
    fee_brand: np.ndarray        # [plan, pharmacy, months-1, pc_period] in 1e-5 dollars
    fee_generic: np.ndarray
    pharmacy_posted: np.ndarray  # same shape, bool
    bid_100_days: np.ndarray     # per plan: bids 100 days for 3 months

    def prices(self) -> pa.Table:
        """The MPF Price file: one row per posted (plan, price id, NDC, supply, posting period)."""
        idx = np.nonzero(self.price_posted)
        plan, pid, ndc, months, period = idx
        floor = self.floor_cents[idx]
        return pa.table({
            "contract_id": self.plans[plan, 0], "plan_id": self.plans[plan, 1],
            "supply_months": pa.array((months + 1).astype(np.int32)),
            "price_id": np.char.add("P", pid.astype(str)), "ndc": self.ndcs[ndc],
            "period_start": _dates(self.price_periods[period, 0]), "period_end": _dates(self.price_periods[period, 1]),
            "unit_cost": decimals(self.unit_cost[idx], 5),
            "brand_generic": _text(self.brand_generic[ndc]),
            "floor_price": decimals(np.maximum(floor, 0), 2, valid=floor >= 0),
        })

    def pharmacies(self) -> pa.Table:
        """The MPF Pharmacy Cost file: one row per posted (plan, pharmacy, supply, posting period)."""
        idx = np.nonzero(self.pharmacy_posted)
        plan, pharmacy, months, period = idx
        return pa.table({
            "contract_id": self.plans[plan, 0], "plan_id": self.plans[plan, 1],
            "pharmacy_npi": self.pharmacy_npis[pharmacy], "supply_months": pa.array((months + 1).astype(np.int32)),
            "price_id": np.char.add("P", self.pharmacy_price_ids[plan, pharmacy].astype(str)),
            "pharmacy_type": self.pharmacy_types[pharmacy],
            "period_start": _dates(self.pc_periods[period, 0]), "period_end": _dates(self.pc_periods[period, 1]),
            "dispensing_fee_brand": decimals(self.fee_brand[idx], 5),
            "dispensing_fee_generic": decimals(self.fee_generic[idx], 5),
        })

    def bid_supply(self) -> pa.Table:
        """The bid-supply file: the plans that bid 100 days for a 3-month supply."""
        plans = np.nonzero(self.bid_100_days)[0]
        return pa.table({"contract_id": self.plans[plans, 0], "plan_id": self.plans[plans, 1],
                         "supply_months": pa.array(np.full(len(plans), 3, np.int32)),
                         "bid_days_supply": pa.array(np.full(len(plans), 100, np.int32))})


def _periods(first: int, last: int, length: int) -> np.ndarray:
    starts = np.arange(first, last + 1, length)
    return np.stack([starts, np.minimum(starts + length - 1, last)], axis=1)


def synthetic_world(rng: np.random.Generator, *, measurement_year: int = 2024, contracts: int = 3,
                    plans_per_contract: int = 2, pharmacies: int = 400, ndcs: int = 150, price_ids: int = 3,
                    price_period_days: int = 14) -> World:
    """An MPF submission for ``measurement_year``: Price file postings every ``price_period_days`` days and
    Pharmacy Cost postings per quarter over the whole year, with a few rows missing (not on MPF for a posting)."""
    contract_ids = np.array([f"S{1000 + 7 * i}" for i in range(contracts)])
    plans = np.array([(c, f"{p + 1:03d}") for c in contract_ids for p in range(plans_per_contract)])
    n_plans = len(plans)
    npis = np.array([f"{1_000_000_000 + 7919 * i:010d}" for i in range(pharmacies)])
    types = rng.choice(PHARMACY_TYPES, size=pharmacies, p=[0.78, 0.06, 0.11, 0.05])
    pharmacy_price_ids = rng.integers(0, price_ids, size=(n_plans, pharmacies))
    ndc_codes = (NDC_BASE + NDC_STEP * np.arange(ndcs, dtype=np.int64)).astype(str)
    brand_generic = rng.choice(np.array(["B", "G", ""]), size=ndcs, p=[0.3, 0.65, 0.05])
    first, last = _day(dt.date(measurement_year, 1, 1)), _day(dt.date(measurement_year, 12, 31))
    price_periods = _periods(first, last, price_period_days)
    quarter_starts = [_day(dt.date(measurement_year, m, 1)) for m in (1, 4, 7, 10)]
    pc_periods = np.array([(s, e - 1) for s, e in zip(quarter_starts, [*quarter_starts[1:], last + 1], strict=True)])
    n_price_periods, n_pc = len(price_periods), len(pc_periods)
    # unit costs: a base per drug (1e-5 dollars), a factor per plan and price id, a drift per posting, 3-month cheaper
    base = np.exp(rng.normal(np.log(0.8), 1.3, size=ndcs)) * 100_000
    factor = rng.uniform(0.9, 1.1, size=(n_plans, price_ids))
    drift = np.cumprod(rng.uniform(0.995, 1.01, size=(ndcs, n_price_periods)), axis=1)
    months_factor = np.array([1.0, 0.98, 0.95])
    unit = (base[None, None, :, None, None] * factor[:, :, None, None, None] * months_factor[None, None, None, :, None]
            * drift[None, None, :, None, :])
    unit_cost = np.maximum(np.round(unit), 1).astype(np.int64)
    shape = unit_cost.shape
    price_posted = rng.random(shape) > 0.02
    floor_cents = np.where(rng.random(shape) < 0.04, rng.integers(100, 1500, size=shape), -1)
    pc_shape = (n_plans, pharmacies, 3, n_pc)
    fee_brand = np.broadcast_to(rng.choice(np.array([150_000, 175_000, 200_000, 225_000]), size=(n_plans, pharmacies, 1, 1)),
                                pc_shape).copy()
    fee_generic = fee_brand + rng.choice(np.array([0, 25_000, 50_000, 62_500]), size=pc_shape)
    pharmacy_posted = rng.random(pc_shape) > 0.015
    return World(measurement_year=measurement_year, plans=plans, pharmacy_npis=npis, pharmacy_types=types,
                 pharmacy_price_ids=pharmacy_price_ids, ndcs=ndc_codes, brand_generic=brand_generic,
                 price_periods=price_periods, pc_periods=pc_periods, unit_cost=unit_cost, price_posted=price_posted,
                 floor_cents=floor_cents, fee_brand=fee_brand, fee_generic=fee_generic,
                 pharmacy_posted=pharmacy_posted, bid_100_days=rng.random(n_plans) < 0.4)


DAYS_SUPPLY = np.array([30, 28, 34, 35, 60, 62, 63, 90, 93, 95, 100, 7, 14])
DAYS_SUPPLY_P = np.array([0.46, 0.05, 0.04, 0.02, 0.1, 0.02, 0.01, 0.16, 0.03, 0.02, 0.04, 0.03, 0.02])


def synthetic_pdes(rng: np.random.Generator, n: int, world: World, *, id_offset: int = 0) -> pa.Table:
    """``n`` PDEs against ``world``: ids ``PDE<offset + i>``, priced from the MPF row in force on their date."""
    n_plans, n_pharm, n_ndc = len(world.plans), len(world.pharmacy_npis), len(world.ndcs)
    plan = rng.integers(0, n_plans, n)
    pharmacy = rng.integers(0, n_pharm, n)
    ndc = (rng.power(0.4, n) * n_ndc).astype(np.int64).clip(0, n_ndc - 1)
    year_first = _day(dt.date(world.measurement_year, 1, 1))
    year_days = _day(dt.date(world.measurement_year, 12, 31)) - year_first + 1
    dos = year_first + rng.integers(-10, year_days, n)
    days_supply = rng.choice(DAYS_SUPPLY, size=n, p=DAYS_SUPPLY_P)
    months = np.select([days_supply <= 45, days_supply <= 75], [0, 1], 2)
    per_day = rng.choice(np.array([1000, 1000, 2000, 500, 1500]), size=n)  # quantity per day, thousandths
    quantity = days_supply * per_day  # thousandths (quantity_dispensed has 3 decimals)
    price_period = np.clip((dos - world.price_periods[0, 0]) // (world.price_periods[0, 1] - world.price_periods[0, 0] + 1),
                           0, len(world.price_periods) - 1)
    pc_period = np.searchsorted(world.pc_periods[:, 0], dos, side="right") - 1
    pc_period = np.clip(pc_period, 0, len(world.pc_periods) - 1)
    pid = world.pharmacy_price_ids[plan, pharmacy]
    unit = world.unit_cost[plan, pid, ndc, months, price_period]  # 1e-5 dollars
    bg = world.brand_generic[ndc]
    fb = world.fee_brand[plan, pharmacy, months, pc_period]
    fg = world.fee_generic[plan, pharmacy, months, pc_period]
    fee = np.where(bg == "B", fb, np.where(bg == "G", fg, np.maximum(fb, fg)))  # 1e-5 dollars
    # MPF ingredient cost in cents, rounded half up from 1e-8 dollars (quantity 1e-3 x unit 1e-5)
    ingredient_exact = quantity * unit  # 1e-8 dollars
    mpf_cents = (ingredient_exact + fee * 1000 + 500_000) // 1_000_000
    fee_cents = (fee + 500) // 1000
    mode = rng.choice(5, size=n, p=[0.62, 0.1, 0.08, 0.12, 0.08])
    markup = np.select([mode == 0, mode == 1, mode == 2, mode == 3],
                       [0, -rng.integers(1, 500, n), rng.integers(1, 3, n), rng.integers(3, 2000, n)],
                       rng.integers(-3000, 3000, n))
    total_cents = np.maximum(mpf_cents + markup, fee_cents)
    ingredient_cents = total_cents - fee_cents
    service = rng.choice(SERVICE_TYPES, size=n, p=[0.8, 0.08, 0.04, 0.03, 0.05])
    compound = rng.choice(np.array(["0", "1", "2", ""]), size=n, p=[0.7, 0.1, 0.01, 0.19])
    coverage = rng.choice(np.array(["C", "E", "O", ""]), size=n, p=[0.9, 0.01, 0.01, 0.08])
    uses_reference = rng.random(n) < 0.05  # a package NDC whose MPF reference NDC differs
    dispensed_ndc = np.where(uses_reference, NDC_PACKAGE_BASE, NDC_BASE) + NDC_STEP * ndc
    reference = np.where(uses_reference, world.ndcs[ndc], "")
    ids = np.char.add("PDE", (id_offset + np.arange(n)).astype(str))
    return pa.table({
        "pde_id": ids, "contract_id": world.plans[plan, 0], "plan_id": world.plans[plan, 1],
        "date_of_service": _dates(dos), "pharmacy_npi": world.pharmacy_npis[pharmacy],
        "pharmacy_service_type": _text(service), "ndc": dispensed_ndc.astype(str), "reference_ndc": _text(reference),
        "days_supply": pa.array(days_supply.astype(np.int32)),
        "quantity_dispensed": decimals(quantity, 3),
        "ingredient_cost_paid": decimals(ingredient_cents, 2), "dispensing_fee_paid": decimals(fee_cents, 2),
        "compound_code": _text(compound), "drug_coverage_status_code": _text(coverage),
    })


@dataclasses.dataclass(frozen=True)
class SampleFiles:
    """Paths of a written sample."""

    pde: Path
    prices: Path
    pharmacies: Path
    bid_supply: Path


def write_sample(folder: Path, rng: np.random.Generator, n_pdes: int, *, fmt: str = "parquet", chunk: int = 5_000_000,
                 world: World | None = None) -> SampleFiles:
    """Write a world's MPF files and ``n_pdes`` PDEs (in chunks) as Parquet or CSV into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    world = world or synthetic_world(rng)
    files = SampleFiles(*(folder / f"{name}.{fmt}" for name in ("pde", "prices", "pharmacies", "bid_supply")))

    def write(table: pa.Table, path: Path) -> None:
        if fmt == "csv":
            pacsv.write_csv(table, path)
        else:
            pq.write_table(table, path)

    write(world.prices(), files.prices)
    write(world.pharmacies(), files.pharmacies)
    write(world.bid_supply(), files.bid_supply)
    if fmt == "csv":
        with pacsv.CSVWriter(files.pde, synthetic_pdes(rng, 0, world).schema) as writer:
            for start in range(0, n_pdes, chunk):
                writer.write_table(synthetic_pdes(rng, min(chunk, n_pdes - start), world, id_offset=start))
        return files
    writer = None
    try:
        for start in range(0, max(n_pdes, 1), chunk):
            part = synthetic_pdes(rng, min(chunk, n_pdes - start), world, id_offset=start)
            if writer is None:
                writer = pq.ParquetWriter(files.pde, part.schema)
            writer.write_table(part, row_group_size=1_000_000)
    finally:
        if writer is not None:
            writer.close()
    return files
