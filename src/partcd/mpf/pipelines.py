"""§ 423.184 - MPF Price Accuracy over whole PDE files, on the tabular engine (DuckDB by default, Spark), through Ibis.

:func:`score` ``(pde, prices, pharmacies, rating_year) -> MpfRun``: the files are read and checked by the engine
(:mod:`partcd.mpf.readers`; nothing passes through Python row by row), then ONE query over the PDE file computes, per
PDE, the rule of :func:`partcd.mpf.rules.assess_pde` as column expressions (:func:`outcome_columns`) - the measurement
period, compound and coverage, the days-supply window (widened by a plan's bid where the year allows), the Pharmacy
Cost row and the MPF price posted on the date of service (two range joins), retail identification, the MPF total cost
rounded half up, the floor, the difference and the threshold - and sums them by contract together with the count of
bad rows of each check. The few contract rows are scored by the pure :func:`partcd.mpf.rules.contract_score`.
Parity with the pure per-PDE rule is tested on seeded samples, on DuckDB and Spark.

:func:`outcomes` gives the per-PDE table (written by ``--claims-out``); :func:`measure_scores` is the registry service
``mpf_price_accuracy`` (the D07 score per contract for the Star Ratings, which never import this area).
Parameters: the rating year's file (``params/<year>.yaml``); ``variant="proposal-4185-p"`` the proposal's reading.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from partcd.core.errors import InputError, ParameterError
from partcd.core.params import ParamFile, ParamSet, build_set
from partcd.mpf import readers
from partcd.mpf.rules.eligibility import measurement_period
from partcd.mpf.rules.measure import contract_score
from partcd.mpf.rules.models import EXCLUSIONS, ContractScore, ContractTotals
from partcd.mpf.rules.params import MpfParams
from partcd.platform import frames
from partcd.platform import params as platform_params
from partcd.platform.params import load_params

AREA = "mpf"
MEASURE_KEY = "mpf_price_accuracy"
#: The per-PDE output columns (``--claims-out``), as :class:`~partcd.mpf.rules.models.PdeOutcome` plus the keys.
OUTCOME_COLUMNS = ("pde_id", "contract_id", "plan_id", "date_of_service", "pharmacy_npi", "ndc", "days_supply",
                   "exclusion", "supply_months", "pde_total_cost", "mpf_total_cost", "difference", "amount_above_mpf",
                   "price_increase_counted", "claim_counted")
#: Exclusions decided before the days-supply window is known: their PDEs have no supply_months.
_BEFORE_WINDOW = EXCLUSIONS[:4]


# --- parameters ---------------------------------------------------------------------------------------------------------


def variant_names() -> list[str]:
    """The named variants shipped in ``params/variants/`` (file stems)."""
    return platform_params.variant_names(AREA)


def variant_file(name: str) -> ParamFile:
    """A named variant's parameter file (:func:`partcd.platform.params.variant_file`)."""
    return platform_params.variant_file(AREA, name, "MPF")


def param_set(rating_year: int, variant: str | None = None) -> ParamSet:
    """The parameter set of ``rating_year`` (a year without a file is refused), or of a named variant (defined for
    the rating year of its file only)."""
    if variant is None:
        return load_params(AREA, rating_year)
    vf = variant_file(variant)
    if vf.period_value != rating_year:
        raise ParameterError(f"variants/{variant}.yaml", "period",
                             f"variant {variant} is defined for rating year {vf.period_value}, not {rating_year}")
    return build_set(f"variants/{variant}.yaml", vf)


def params_for(rating_year: int, variant: str | None = None) -> MpfParams:
    """The typed parameters of ``rating_year`` (or of a variant)."""
    return param_set(rating_year, variant).typed(MpfParams)


# --- reading --------------------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Inputs:
    """The four files in one engine session, checked (the PDE file's checks run with the measure query)."""

    con: Any
    engine: str
    pde: readers.InputTable
    pharmacies: Any
    prices: Any
    bid: Any | None
    reference_rows: dict[str, int]


def read_inputs(pde: str | Path, prices: str | Path, pharmacies: str | Path, *, bid_supply: str | Path | None = None,
                engine: str | None = None, con: Any = None) -> Inputs:
    """Read the four files into one engine session; the MPF files and the bid file are checked at once (a bad row,
    two posting periods of one key that share a day, a plan's bid given twice: ``InputError``)."""
    name = frames.engine_name(engine)
    con = con or frames.connect(name)
    if name == "duckdb":
        # no progress bar: its polling and terminal output cost time on a query of millions of rows
        con.raw_sql("SET enable_progress_bar = false")
    pde_table = readers.read_input(con, Path(pde), readers.PDE_COLUMNS, name)
    price_table, n_prices = readers.read_checked(con, Path(prices), readers.PRICE_COLUMNS, name)
    readers.raise_on_overlap(price_table, ("contract_id", "plan_id", "price_id", "ndc", "supply_months"), "MPF price of")
    pharmacy_table, n_pharmacies = readers.read_checked(con, Path(pharmacies), readers.PHARMACY_COLUMNS, name)
    readers.raise_on_overlap(pharmacy_table, ("contract_id", "plan_id", "pharmacy_npi", "supply_months"), "pharmacy")
    rows = {"prices": n_prices, "pharmacies": n_pharmacies}
    bid = None
    if bid_supply is not None:
        bid_table, rows["bid_supply"] = readers.read_checked(con, Path(bid_supply), readers.BID_COLUMNS, name)
        readers.raise_on_duplicates(bid_table, ("contract_id", "plan_id", "supply_months"), "bid supply of")
        bid = bid_table.typed
    return Inputs(con, name, pde_table, pharmacy_table.typed, price_table.typed, bid, rows)


# --- the rule as column expressions ------------------------------------------------------------------------------------


def _decimal(scale: int) -> Any:
    import ibis.expr.datatypes as dt

    return dt.Decimal(18, scale)


def _windows(t: Any, bid: Any | None, params: MpfParams) -> tuple[Any, Any]:
    """(table, supply-months expression): :func:`partcd.mpf.rules.eligibility.supply_windows` and
    ``supply_months_for`` in the engine; the plan's bid widens a window when the year allows it."""
    import ibis

    windows = params.days_supply_windows_table
    if bid is not None and params.bid_days_supply_extends_window_bool:
        wide = bid.group_by(["contract_id", "plan_id"]).aggregate(
            **{f"_bid_{w.supply_months}": bid.bid_days_supply.max(where=bid.supply_months == w.supply_months)
               for w in windows})
        wide = wide.rename(_bid_contract_id="contract_id", _bid_plan_id="plan_id")
        t = t.left_join(wide, [t.contract_id == wide._bid_contract_id, t.plan_id == wide._bid_plan_id])
        t = t.drop("_bid_contract_id", "_bid_plan_id")
    branches = []
    for w in windows:
        low, high = ibis.literal(w.min_days_supply), ibis.literal(w.max_days_supply)
        if f"_bid_{w.supply_months}" in t.columns:
            b = t[f"_bid_{w.supply_months}"]
            low, high = ibis.least(low, b.fill_null(low)), ibis.greatest(high, b.fill_null(high))
        branches.append(((t.days_supply >= low) & (t.days_supply <= high), ibis.literal(w.supply_months, "int32")))
    return t, ibis.cases(*branches, else_=ibis.null("int32"))


def _proven_keys_ok(t: Any) -> Any:
    """The pattern checks of the PDE key columns, run only where no match proves them: a PDE that matched a checked
    Pharmacy Cost row has a valid contract, plan and NPI, one that matched a checked price row a valid NDC (or
    reference NDC). Equal to running them on every row (a malformed key matches nothing), at a fraction of the cost."""
    import ibis

    col = {c.name: c for c in readers.PDE_COLUMNS}

    def bad(name: str) -> Any:
        return (t[name].notnull() & readers.pattern_bad(col[name], t[name])).fill_null(False)

    price_found = t.pr_contract_id.notnull()
    pharmacy_keys = ibis.ifelse(t._ph_found, False, bad("contract_id") | bad("plan_id") | bad("pharmacy_npi"))
    ndc = ibis.ifelse(price_found & t.reference_ndc.isnull(), False, bad("ndc"))
    reference = ibis.ifelse(price_found & t.reference_ndc.notnull(), False, bad("reference_ndc"))
    return ~(pharmacy_keys | ndc | reference)


def outcome_columns(inputs: Inputs, params: MpfParams, measurement_year: int) -> Any:
    """Every PDE with its outcome (the columns of :data:`OUTCOME_COLUMNS`) and ``_ok`` (no check of the PDE file
    fails): :func:`partcd.mpf.rules.assess_pde` as Ibis expressions."""
    import ibis

    pde = inputs.pde
    first, last = measurement_period(measurement_year, params)
    t = pde.raw.select(**pde.columns, _ok=readers.ok_expr(pde, unproven_only=True))
    in_period = (t.date_of_service >= ibis.literal(first)) & (t.date_of_service <= ibis.literal(last))
    compound = (t.compound_code == "2").fill_null(False) if params.exclude_compound_bool else ibis.literal(False)
    covered = t.drug_coverage_status_code.fill_null("C").isin(list(params.covered_drug_status_codes_list))
    t = t.mutate(_in_period=in_period.fill_null(False), _compound=compound, _covered=covered)
    t, months = _windows(t, inputs.bid, params)
    t = t.mutate(_months=months)
    reached = t._ok & t._in_period & ~t._compound & t._covered
    t = t.mutate(_join_months=ibis.ifelse(reached, t._months, ibis.null("int32")),
                 _mpf_ndc=t.reference_ndc.fill_null(t.ndc))
    # the Pharmacy Cost row posted on the date of service
    ph = inputs.pharmacies.rename("ph_{name}")
    t = t.left_join(ph, [t.contract_id == ph.ph_contract_id, t.plan_id == ph.ph_plan_id,
                         t.pharmacy_npi == ph.ph_pharmacy_npi, t._join_months == ph.ph_supply_months,
                         ph.ph_period_start <= t.date_of_service, t.date_of_service <= ph.ph_period_end])
    t = t.mutate(_ph_found=t.ph_contract_id.notnull())
    checked = list(params.service_type_checked_pharmacy_types_list)
    service_ok = t.pharmacy_service_type.isin(list(params.retail_service_types_list)).fill_null(False)
    is_checked = t.ph_pharmacy_type.isin(checked) if checked else ibis.literal(False)
    t = t.mutate(_retail=(t.ph_pharmacy_type.isin(list(params.retail_pharmacy_types_list))
                          & (~is_checked | service_ok)).fill_null(False))
    t = t.mutate(_price_id=ibis.ifelse(t._retail, t.ph_price_id, ibis.null("string")))
    # the MPF price posted on the date of service, under the pharmacy's price id
    pr = inputs.prices.rename("pr_{name}")
    t = t.left_join(pr, [t.contract_id == pr.pr_contract_id, t.plan_id == pr.pr_plan_id, t._price_id == pr.pr_price_id,
                         t._mpf_ndc == pr.pr_ndc, t._join_months == pr.pr_supply_months,
                         pr.pr_period_start <= t.date_of_service, t.date_of_service <= pr.pr_period_end])
    t = t.mutate(_ok=t._ok & _proven_keys_ok(t))
    # the first failing check as its position in EXCLUSIONS + 1 (0 = in the measure): integers compare cheaply
    code = ibis.cases(
        (~t._in_period, 1),
        (t._compound, 2),
        (~t._covered, 3),
        (t._months.isnull(), 4),
        (~t._ph_found, 5),
        (~t._retail, 6),
        (t.pr_contract_id.isnull(), 7),
        else_=0).cast("int8")
    scale = max(2, params.mpf_cost_decimals_count)
    brand, generic = t.ph_dispensing_fee_brand, t.ph_dispensing_fee_generic
    unknown = {"higher": ibis.greatest(brand, generic), "brand": brand, "generic": generic}[
        params.unknown_brand_generic_fee_text]
    fee = ibis.cases((t.pr_brand_generic == "B", brand), (t.pr_brand_generic == "G", generic), else_=unknown)
    mpf = (t.quantity_dispensed * t.pr_unit_cost + fee).round(params.mpf_cost_decimals_count).cast(_decimal(scale))
    if params.floor_price_applies_bool:
        # the floor when the rounded cost is below it (GREATEST skips a NULL floor on both engines)
        mpf = ibis.greatest(mpf, t.pr_floor_price.cast(_decimal(scale)))
    pde_cost = (t.ingredient_cost_paid + t.dispensing_fee_paid).cast(_decimal(2))
    # each .view() is a barrier: the engine computes the columns above once instead of inlining them at every use
    t = t.mutate(_exclusion_code=code, pde_total_cost=pde_cost, _mpf=mpf).view()
    t = t.mutate(_difference=(t.pde_total_cost - t._mpf).cast(_decimal(scale))).view()
    included = t._exclusion_code == 0
    difference = t._difference
    # the threshold is above zero or zero: one comparison decides "above zero and at least the threshold"
    threshold = ibis.literal(params.min_excess_counted_usd).cast(_decimal(scale))
    zero = ibis.literal(Decimal(0)).cast(_decimal(scale))
    reaches = difference >= threshold if params.min_excess_counted_usd > 0 else difference > zero
    t = t.mutate(_counted=(included & reaches).fill_null(False), _above=(included & (difference > zero)).fill_null(False))
    t = t.view()
    return t.mutate(
        mpf_total_cost=ibis.ifelse(t._exclusion_code == 0, t._mpf, ibis.null(_decimal(scale))),
        difference=ibis.ifelse(t._exclusion_code == 0, t._difference, ibis.null(_decimal(scale))),
        exclusion=ibis.cases(*[(t._exclusion_code == i + 1, e) for i, e in enumerate(EXCLUSIONS)],
                             else_=ibis.null("string")),
        supply_months=ibis.ifelse((t._exclusion_code > 0) & (t._exclusion_code <= len(_BEFORE_WINDOW)),
                                  ibis.null("int32"), t._months),
        amount_above_mpf=ibis.ifelse(t._counted, t._difference, zero),
        price_increase_counted=t._counted,
        claim_counted=t._counted if params.excess_threshold_for_claim_percentage_bool else t._above)


def outcomes(inputs: Inputs, params: MpfParams, measurement_year: int) -> Any:
    """The per-PDE outcome table (:data:`OUTCOME_COLUMNS`) of the rows no check fails (lazy)."""
    t = outcome_columns(inputs, params, measurement_year)
    return t.filter(t._ok).select(*OUTCOME_COLUMNS)


def contract_sums(inputs: Inputs, params: MpfParams, measurement_year: int) -> Any:
    """ONE engine query's expression: per contract, the rows, the bad rows, and over the good rows the sums of
    :func:`partcd.mpf.rules.contract_totals`."""
    t = outcome_columns(inputs, params, measurement_year)
    ok = t._ok
    included = ok & (t._exclusion_code == 0)
    return t.group_by(t.contract_id).aggregate(
        _rows=t.count(),
        _bad_rows=t.count(where=~ok),
        pdes=t.count(where=ok),
        eligible_claims=t.count(where=included),
        total_pde_cost=t.pde_total_cost.sum(where=included),
        total_amount_above_mpf=t.amount_above_mpf.sum(where=included),
        price_increase_claims=t.count(where=included & t.price_increase_counted),
        counted_claims=t.count(where=included & t.claim_counted),
        **{f"excluded_{e}": t.count(where=ok & (t._exclusion_code == i + 1)) for i, e in enumerate(EXCLUSIONS)})


# --- the batch ------------------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class MpfRun:
    """One run: the inputs, the law used, every contract's totals and score."""

    rating_year: int
    measurement_year: int
    period_start: dt.date
    period_end: dt.date
    params_file: str
    params_source: str
    method: str | None
    unverified: tuple[str, ...]
    engine: str
    files: dict[str, str]
    pde_rows: int
    reference_rows: dict[str, int]
    quarantined_rows: int
    totals: tuple[ContractTotals, ...]
    scores: tuple[ContractScore, ...]
    #: the PDEs furthest above MPF (``top_claims`` of :func:`score`), largest first
    top_claims: tuple[dict[str, Any], ...] = ()
    #: wall seconds of each stage (``read_reference_files``: the MPF and bid files read and checked;
    #: ``measure_query``: the one query over the PDEs; ``outputs``: quarantine, claims and top-claims files;
    #: ``score``: the pure contract scores) - for the benchmark, not part of :meth:`summary`
    stage_s: dict[str, float] = dataclasses.field(default_factory=dict, compare=False)

    def records(self) -> list[dict[str, Any]]:
        """One JSON-ready record per contract."""
        return [{"rating_year": self.rating_year, "measurement_year": self.measurement_year, **s.model_dump()}
                for s in self.scores]

    def summary(self) -> dict[str, Any]:
        """The run as JSON-ready data (``--json``)."""
        return {"rating_year": self.rating_year, "measurement_year": self.measurement_year,
                "period": [self.period_start.isoformat(), self.period_end.isoformat()],
                "params_file": self.params_file, "params_source": self.params_source, "method": self.method,
                "unverified_parameters": list(self.unverified), "engine": self.engine, "files": self.files,
                "pde_rows": self.pde_rows, "reference_rows": self.reference_rows,
                "quarantined_rows": self.quarantined_rows, "contracts": self.records()}


def _totals(row: dict[str, Any]) -> ContractTotals:
    return ContractTotals(
        contract_id=row["contract_id"], pdes=int(row["pdes"]), eligible_claims=int(row["eligible_claims"]),
        total_pde_cost=Decimal(row["total_pde_cost"] or 0), total_amount_above_mpf=Decimal(row["total_amount_above_mpf"] or 0),
        price_increase_claims=int(row["price_increase_claims"]), counted_claims=int(row["counted_claims"]),
        excluded={e: int(row[f"excluded_{e}"]) for e in EXCLUSIONS})


def _neutralised(text: Any) -> Any:
    """A text column safe for a spreadsheet: a cell starting with = + - @ TAB or CR gets a leading apostrophe."""
    import ibis

    starts = text.substr(0, 1).isin(["=", "+", "-", "@", "\t", "\r"])
    return ibis.ifelse(starts.fill_null(False), "'" + text, text)


def write_outcomes(table: Any, path: Path) -> Path:
    """Write the per-PDE table (CSV, Parquet or JSON); CSV text cells are neutralised for spreadsheets."""
    fmt = frames.file_format(path) if path.suffix.lower() != ".json" else "json"
    if fmt == "csv":
        table = table.mutate(pde_id=_neutralised(table.pde_id))
    return frames.write_table(table, path, fmt)


def quarantine_rows(inputs: Inputs) -> Any:
    """The PDE rows some check fails, as stored, with ``row`` (as numbered in the file), ``field`` and ``reason`` of
    the first failing check (lazy)."""
    import ibis

    pde = inputs.pde
    flags = readers.bad_flags(pde)
    flagged = pde.raw.mutate(**flags)
    bad = readers.numbered_rows(flagged, lambda t: _any(t, list(flags)), pde.file)
    field = ibis.cases(*[(bad[f], c.field) for f, c in zip(flags, pde.checks, strict=True)])
    reason = ibis.cases(*[(bad[f], c.reason) for f, c in zip(flags, pde.checks, strict=True)])
    keep = list(pde.stored)
    return bad.select(row=(bad._index + pde.first_row).cast("int64"), field=field, reason=reason,
                      **{c: bad[c].cast("string") for c in keep})


def _any(t: Any, names: list[str]) -> Any:
    out = t[names[0]]
    for name in names[1:]:
        out = out | t[name]
    return out


def score(pde: str | Path, prices: str | Path, pharmacies: str | Path, rating_year: int, *,
          bid_supply: str | Path | None = None, measurement_year: int | None = None, variant: str | None = None,
          engine: str | None = None, quarantine: str | Path | None = None, claims_out: str | Path | None = None,
          top_claims: int = 0, con: Any = None) -> MpfRun:
    """MPF Price Accuracy of every contract in ``pde`` for ``rating_year`` (measurement year: rating year -
    ``measurement_year_lag_years`` unless given, e.g. to check this year's PDEs against the latest specification).

    A bad PDE row is an ``InputError`` (file, row, field), or with ``quarantine`` is left out and written there with
    its row, field and reason. ``claims_out`` also writes the per-PDE outcomes; ``top_claims`` keeps that many PDEs
    with the largest amount above MPF.
    """
    ps = param_set(rating_year, variant)
    params = ps.typed(MpfParams)
    year = measurement_year if measurement_year is not None else rating_year - params.measurement_year_lag_years
    first, last = measurement_period(year, params)
    clock = time.perf_counter()
    stage_s: dict[str, float] = {}

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        stage_s[stage] = round(now - clock, 3)
        clock = now

    inputs = read_inputs(pde, prices, pharmacies, bid_supply=bid_supply, engine=engine, con=con)
    lap("read_reference_files")
    sums = contract_sums(inputs, params, year)
    rows = readers.run_query(lambda: sums.to_pyarrow().to_pylist(), inputs.pde.file)
    lap("measure_query")
    bad_rows = sum(int(r["_bad_rows"] or 0) for r in rows)
    n_rows = sum(int(r["_rows"]) for r in rows)
    quarantined = 0
    if bad_rows:
        if quarantine is None:
            readers.raise_first_bad_row(inputs.pde)
            raise InputError(inputs.pde.file, None, None, "rows fail the checks but none could be located")
        bad = quarantine_rows(inputs)
        quarantined = bad_rows
        frames.write_table(bad.mutate(**{c: _neutralised(bad[c]) for c in bad.columns if c != "row"}), Path(quarantine))
    if claims_out is not None:
        write_outcomes(outcomes(inputs, params, year), Path(claims_out))
    top: tuple[dict[str, Any], ...] = ()
    if top_claims > 0:
        found = outcomes(inputs, params, year)
        found = found.filter(found.price_increase_counted).order_by([found.amount_above_mpf.desc(), found.pde_id])
        top = tuple(readers.run_query(lambda: found.limit(top_claims).to_pyarrow().to_pylist(), inputs.pde.file))
    lap("outputs")
    totals = tuple(_totals(r) for r in sorted(rows, key=lambda r: r["contract_id"] or "") if r["contract_id"] is not None
                   and int(r["pdes"]))
    scores = tuple(contract_score(t, params) for t in totals)
    lap("score")
    files = {"pde": str(pde), "prices": str(prices), "pharmacies": str(pharmacies)}
    if bid_supply is not None:
        files["bid_supply"] = str(bid_supply)
    return MpfRun(rating_year=rating_year, measurement_year=year, period_start=first, period_end=last,
                  params_file=ps.file, params_source=ps.source, method=ps.method, unverified=ps.unverified(),
                  engine=inputs.engine, files=files, pde_rows=n_rows, reference_rows=inputs.reference_rows,
                  quarantined_rows=quarantined, totals=totals, scores=scores,
                  top_claims=top, stage_s=stage_s)


def measure_scores(pde: str | Path, prices: str | Path, pharmacies: str | Path, rating_year: int, *,
                   bid_supply: str | Path | None = None, measurement_year: int | None = None,
                   variant: str | None = None, engine: str | None = None) -> list[dict[str, Any]]:
    """The registry service ``mpf_price_accuracy``: one D07 record per contract for the Star Ratings -
    ``contract_id, measure_id, measure_key, rating_year, score`` (None when not scored) ``, scored, reason,
    unverified_parameters`` (keys of a drafted year the score rests on)."""
    run = score(pde, prices, pharmacies, rating_year, bid_supply=bid_supply, measurement_year=measurement_year,
                variant=variant, engine=engine)
    return [{"contract_id": s.contract_id, "measure_id": s.measure_id, "measure_key": MEASURE_KEY,
             "rating_year": rating_year, "score": s.measure_score, "scored": s.scored, "reason": s.reason,
             "unverified_parameters": list(run.unverified)} for s in run.scores]
