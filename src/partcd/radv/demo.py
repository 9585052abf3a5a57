"""§§ 422.310(e), 422.311(a) - the RADV demo: a seeded synthetic contract, its contract-level sample (201 enrollees in
three risk-score strata), three worked enrollee payment errors, and the extrapolation of a synthetic audit's sampled
errors at the payment year's 99 % two-sided design, with the recovery for PY 2018 (extrapolated) and PY 2015 (the
sampled enrollees' own errors only), as HTML audit reports under ``<out>/radv/``.

Picked up by ``partcd demo`` (``demo(out, seed, engine)``). Everything comes from :mod:`partcd.radv.samples` and the
seed (no real enrollee, contract or CMS coefficient); the engine does not change it. The FFS Adjuster comparison uses
an illustrative rate (``ILLUSTRATIVE_FFS_RATE``), not a CMS figure: the law in force applies none.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from partcd.platform.demo import DemoResult
from partcd.radv import pipelines, report
from partcd.radv.rules.payment_error import enrollee_payment_error
from partcd.radv.samples import example_audited_enrollees, illustrative_hcc_model, synthetic_audit, synthetic_frame

FRAME_SIZE = 3_000
PAYMENT_YEAR = 2018
#: A payment year without extrapolation under the final rule (PYs 2011-2017).
EARLIER_YEAR = 2015
#: Illustrative FFS Adjuster comparison: 1 % of the contract's payments (the 2012 plan gave no figure in the rule).
ILLUSTRATIVE_FFS_RATE = 0.01
#: Illustrative contract payments: 12,000 enrollees x $11,000 a year.
CONTRACT_PAYMENTS_USD = 132_000_000.0


def demo(out: Path, seed: int, engine: str) -> DemoResult:
    """Write the sample selection, the inputs, the reports and the nine figures as JSON."""
    folder = out / "radv"
    folder.mkdir(parents=True, exist_ok=True)
    law = pipelines.law_for(PAYMENT_YEAR)
    frame = synthetic_frame(seed, size=FRAME_SIZE, payment_year=PAYMENT_YEAR)
    selection = pipelines.select(frame, PAYMENT_YEAR, seed)
    with (folder / "selection.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(pipelines.selection_rows(selection))
    model = illustrative_hcc_model()
    worked = [enrollee_payment_error(e, model, law.params) for e in example_audited_enrollees()]

    audit = synthetic_audit(seed)
    sample_path, strata_path = audit.write_csv(folder)

    def audited(payment_year: int) -> pipelines.Audit:
        return pipelines.audit_files(sample_path, strata=strata_path, confidence=law.params.confidence,
                                     sidedness=law.params.sidedness_text, df=law.params.df_method_text,
                                     fpc=law.params.fpc_bool, payment_year=payment_year,
                                     ffs_adjuster_rate=ILLUSTRATIVE_FFS_RATE, contract_payments_usd=CONTRACT_PAYMENTS_USD)

    found, earlier = audited(PAYMENT_YEAR), audited(EARLIER_YEAR)
    note = report.SYNTHETIC_NOTE + f" Seed {seed}; FFS Adjuster rate {ILLUSTRATIVE_FFS_RATE} is illustrative."
    report.write_report(found, folder / "index.html", title=f"RADV audit of a synthetic contract, payment year {PAYMENT_YEAR}",
                        data_note=note, selection=selection, seed=seed, payment_errors=worked, model_name=model.name)
    report.write_report(earlier, folder / f"py{EARLIER_YEAR}.html", data_note=note,
                        title=f"The same audit for payment year {EARLIER_YEAR}: no extrapolation (final rule)")
    (folder / "result.json").write_text(json.dumps(found.body(), indent=2) + "\n", encoding="utf-8")
    e = found.estimate
    assert found.recovery is not None and earlier.recovery is not None
    return DemoResult(
        "radv", "RADV: sample selection, extrapolation and recovery", "radv/index.html",
        f"{selection.sample_size} of {selection.eligible_count:,} eligible enrollees sampled; payment error "
        f"{e.point_estimate:,.2f} USD (99 % lower limit {e.lower_limit:,.2f}); recovery PY {PAYMENT_YEAR} "
        f"{found.recovery.recovery:,.2f}, PY {EARLIER_YEAR} {earlier.recovery.recovery:,.2f} (sampled enrollees only)",
        details=[f"precision {e.precision_percent or 0:.1f} % at df {e.df}, t {e.t_value or 0:.4f}; the synthetic "
                 f"population's true total {audit.true_total:,.2f} USD",
                 "inputs: radv/sample.csv, radv/strata.csv; selection: radv/selection.csv"],
        links=[(f"payment year {EARLIER_YEAR}", f"radv/py{EARLIER_YEAR}.html"), ("figures", "radv/result.json"),
               ("selected enrollees", "radv/selection.csv")])
