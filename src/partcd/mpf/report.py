"""The MPF Price Accuracy report: one HTML page per run (contract scores, both components, the exclusions, the law
used with its citations, and - when the per-PDE outcomes are given - the PDEs priced furthest above MPF).

The page names the parameter file, the rating and measurement years, the dates of service, the variant and every
unverified value the scores rest on, so a reader can tell a checked year from a drafted one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from partcd.mpf.pipelines import MpfRun, param_set
from partcd.platform import report

#: What each exclusion means, for the report (the order of the checks).
EXCLUSION_TEXT: dict[str, str] = {
    "outside_measurement_period": "date of service outside the measurement period (Q1-Q3 of the measurement year)",
    "compound": "compound PDE",
    "non_covered_drug": "non-covered drug (enhanced alternative or OTC)",
    "days_supply": "days supply in no 1-, 2- or 3-month window",
    "pharmacy_not_on_mpf": "pharmacy not on the plan's MPF Pharmacy Cost file for the supply on that date",
    "not_retail": "pharmacy not retail, or service type not Community/Retail or MCO where checked",
    "drug_not_on_mpf": "drug (reference NDC) not priced under the pharmacy's price id on that date",
}

#: The parameters shown with their citations, in this order.
SHOWN = ("measurement_months_count", "days_supply_windows_table", "bid_days_supply_extends_window_bool",
         "retail_pharmacy_types_list", "service_type_checked_pharmacy_types_list", "retail_service_types_list",
         "mpf_cost_decimals_count", "min_excess_counted_usd", "excess_threshold_for_claim_percentage_bool",
         "price_accuracy_weight_fraction", "claim_percentage_weight_fraction", "min_eligible_claims_count",
         "score_decimals_count")


def _law(run: MpfRun) -> list[dict[str, Any]]:
    variant = run.method if run.params_file.startswith("variants/") else None
    ps = param_set(run.rating_year, variant)
    rows = []
    for key in SHOWN:
        v = ps[key]
        value = v.value
        if key == "days_supply_windows_table":
            value = ", ".join(f"{w['min_days_supply']}-{w['max_days_supply']} -> {w['supply_months']} month(s)" for w in value)
        rows.append({"key": key, "value": value, "unverified": v.unverified,
                     "citation": "; ".join(c.label() for c in v.cite), "quote": v.cite[0].quote or ""})
    return rows


def render_run(run: MpfRun, path: Path, *, title: str | None = None, links: list[tuple[str, str]] | None = None) -> Path:
    """Write the HTML report of ``run`` to ``path`` (with the PDEs furthest above MPF when the run kept them)."""
    contracts = [{**s.model_dump(), "excluded_total": sum(s.excluded.values())} for s in run.scores]
    return report.render(
        "mpf/report.html.j2", path, title=title or f"MPF Price Accuracy - {run.rating_year} Star Ratings",
        run=run, contracts=contracts, exclusions=EXCLUSION_TEXT, law=_law(run), top_claims=list(run.top_claims),
        links=links or [])
