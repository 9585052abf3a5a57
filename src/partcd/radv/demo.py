"""§§ 422.310(e), 422.311(a) - the RADV demo: a seeded synthetic contract, its contract-level sample (201 enrollees in
three risk-score strata), three worked enrollee payment errors, and the extrapolation of a synthetic audit's sampled
errors at the payment year's 99 % two-sided design, with the recovery for PY 2018 (extrapolated) and PY 2015 (the
sampled enrollees' own errors only), as HTML audit reports under ``<out>/radv/``.

It also writes the inputs of the command chain ``partcd radv sample`` -> ``payment-error`` -> ``extrapolate`` (README
"From a frame to a recovery"): ``frame.csv`` (the contract's frame), ``coefficients.csv`` (the illustrative HCC table)
and ``reviewed.csv`` (a record-review outcome for every selected enrollee; the first draw of strata 1, 2 and 3 carries
the three worked enrollees' profiles: $912.00, $2,201.15, $0.00).

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
from partcd.radv.samples import (
    coefficient_rows,
    enrollee_rows,
    example_audited_enrollees,
    frame_rows,
    illustrative_hcc_model,
    synthetic_audit,
    synthetic_frame,
    synthetic_review,
    write_rows,
)

FRAME_SIZE = 3_000
PAYMENT_YEAR = 2018
#: A payment year without extrapolation under the final rule (PYs 2011-2017).
EARLIER_YEAR = 2015
#: Illustrative FFS Adjuster comparison: 1 % of the contract's payments (the 2012 plan gave no figure in the rule).
ILLUSTRATIVE_FFS_RATE = 0.01
#: Illustrative contract payments: 12,000 enrollees x $11,000 a year.
CONTRACT_PAYMENTS_USD = 132_000_000.0
#: The synthetic contract's id in ``frame.csv``.
CONTRACT_ID = "H0001"


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
    examples = example_audited_enrollees()
    worked = [enrollee_payment_error(e, model, law.params) for e in examples]
    write_rows(frame_rows(frame, CONTRACT_ID), folder / "frame.csv")
    write_rows(coefficient_rows(model), folder / "coefficients.csv")
    reviewed = synthetic_review([(e, str(h)) for h, e in selection.selected], seed)
    firsts = {str(s.stratum): s.selected[s.selection_order.index(1)] for s in selection.strata}
    profiles = dict(zip(("1", "2", "3"), examples, strict=False))
    write_rows(enrollee_rows([(h, profiles[h].model_copy(update={"enrollee_id": e.enrollee_id})
                                  if h in profiles and e.enrollee_id == firsts[h] else e) for h, e in reviewed]),
               folder / "reviewed.csv")

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
                 "inputs: radv/sample.csv, radv/strata.csv; selection: radv/selection.csv",
                 "command chain inputs: radv/frame.csv, radv/coefficients.csv, radv/reviewed.csv"],
        links=[(f"payment year {EARLIER_YEAR}", f"radv/py{EARLIER_YEAR}.html"), ("figures", "radv/result.json"),
               ("selected enrollees", "radv/selection.csv")])
