"""§§ 422.310(e), 422.311(a) - the RADV audit report in HTML: every figure of an extrapolation with the formula and the
numbers put into it, so that an auditor (or the audited MA organization, § 422.311(c)) can redo each line by hand.

Sections (``radv/report.html.j2``): the design (population, strata, n per stratum, confidence, sidedness, df
convention, FPC, the sample's seed); the sample selection when given (eligibility counts, strata, draws); the worked
payment errors when given; the per-stratum table (N_h, n_h, sum, mean, sd, s^2, f_h, weight N_h/N, T_h, v_h and their
shares of T and V); the estimator line by line (:class:`~partcd.radv.rules.steps.Step`: formula, numbers, value);
the result (the nine figures of ``extrapolate --json``); with a payment year, the recovery at the chosen bound with
and without the FFS Adjuster and the law in force for that year with each value's citation and quoted words.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from partcd import __version__
from partcd.platform import report
from partcd.platform.jinja import environment
from partcd.radv.pipelines import Audit
from partcd.radv.rules.parameters import Reading
from partcd.radv.rules.payment_error import EnrolleeError
from partcd.radv.rules.recovery import extrapolation_decision
from partcd.radv.rules.sampling import SampleSelection
from partcd.radv.rules.steps import num, usd

TEMPLATE = "radv/report.html.j2"
#: Shown when the figures are not the caller's own.
SYNTHETIC_NOTE = "Synthetic data (partcd.radv.samples): no real enrollee, contract or CMS coefficient."


def stratum_rows(audit: Audit) -> list[dict[str, Any]]:
    """One row per stratum: the inputs and every intermediate figure of the estimator, and the stratum's share of the
    point estimate and of the variance (``share_of_total`` is None when T = 0, ``share_of_variance`` when V = 0)."""
    e = audit.estimate
    total_variance = sum(s.variance_of_total for s in e.strata)
    rows = []
    for s in e.strata:
        rows.append({
            "stratum": s.stratum or "(all)", "population": s.population, "sampled": s.sampled,
            "sample_total": s.sample_total, "mean": s.mean, "sd": math.sqrt(s.variance), "variance": s.variance,
            "fpc": s.fpc, "weight": s.population / e.population, "total": s.total,
            "variance_of_total": s.variance_of_total,
            "share_of_total": s.total / e.point_estimate if e.point_estimate else None,
            "share_of_variance": s.variance_of_total / total_variance if total_variance > 0 else None,
        })
    return rows


def settings_against_law(audit: Audit) -> list[dict[str, Any]]:
    """The settings used beside the payment year's defaults (``differs`` flags a setting other than the file's)."""
    if audit.law is None:
        return []
    e, p = audit.estimate, audit.law.params
    pairs = [("confidence", num(e.confidence), num(p.confidence), "confidence_level_pct"),
             ("sidedness", e.sidedness, p.sidedness_text, "sidedness_text"),
             ("degrees of freedom", e.df_method, p.df_method_text, "df_method_text"),
             ("finite-population correction", str(e.fpc_applied).lower(), str(p.fpc_bool).lower(), "fpc_bool")]
    return [{"setting": name, "used": used, "law": law, "key": key, "differs": used != law}
            for name, used, law, key in pairs]


def context(audit: Audit, *, title: str, data_note: str = "", selection: SampleSelection | None = None,
            seed: int | None = None, payment_errors: Sequence[EnrolleeError] = (), model_name: str = "") -> dict[str, Any]:
    """Everything the template shows (also what the tests read)."""
    other = None
    if audit.law is not None and audit.recovery is not None:
        other_reading: Reading = "proposed_2018" if audit.recovery.decision.reading == "in_force" else "in_force"
        other = extrapolation_decision(audit.law.payment_year, audit.law.params, other_reading)
    return {"title": title, "data_note": data_note, "a": audit, "e": audit.estimate, "strata": stratum_rows(audit),
            "settings": settings_against_law(audit), "other_decision": other, "selection": selection, "seed": seed,
            "payment_errors": list(payment_errors), "model_name": model_name, "num": num, "usd": usd}


def write_report(audit: Audit, path: Path, *, title: str = "RADV extrapolation", **extra: Any) -> Path:
    """Write the report to ``path`` (folders created); ``extra``: the keyword arguments of :func:`context`."""
    return report.render(TEMPLATE, path, **context(audit, title=title, **extra))


def html(audit: Audit, *, title: str = "RADV extrapolation", **extra: Any) -> str:
    """The report as a string (the API's answer)."""
    return environment().get_template(TEMPLATE).render(version=__version__, **context(audit, title=title, **extra))
