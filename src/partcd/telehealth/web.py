"""§ 422.135, §§ 422.252-422.264 - the telehealth page: the worked example bid, which a signed-in user changes in a
form (benchmark, rebate share, non-benefit share, risk factor, Part D amount, reading, where excluded costs go, and
the plan-level facts of § 422.135(c)), recomputed through the same pipeline as the CLI and the API.

Any signed-in role may use it; nothing is stored (the page computes, it changes no record).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine

from partcd.core.errors import PartcdError
from partcd.platform.api.deps import get_engine
from partcd.platform.web.shell import current, render
from partcd.telehealth import pipelines
from partcd.telehealth.rules.bid import Assumptions
from partcd.telehealth.rules.classification import CATEGORY_TITLES, PlanCompliance
from partcd.telehealth.samples import example_worksheet

router = APIRouter(include_in_schema=False)

Db = Annotated[Engine, Depends(get_engine)]
NUMBERS = ("benchmark_pmpm_usd", "risk_factor", "non_benefit_share_pct", "rebate_pct", "part_d_basic_pmpm_usd")
CHOICES = {"reading": ("final", "proposed"), "exclusion_scope": ("whole_bid", "basic_only")}


@router.get("/telehealth", response_class=HTMLResponse, response_model=None)
def page(request: Request, engine: Db) -> Response:
    who = current(request, engine)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    sheet = example_worksheet()
    query = request.query_params
    settings = [f"{k}={query[k]}" for k in NUMBERS if query.get(k, "").strip()]
    settings += [f"{k}={query[k]}" for k, allowed in CHOICES.items() if query.get(k) in allowed]
    if query.get("facts") == "1":  # the form was sent: an unticked box is false
        settings += [f"plan_compliance.{k}={'true' if query.get(k) == 'on' else 'false'}" for k in PlanCompliance.model_fields]
    error = None
    try:
        comparison = pipelines.run_bid(pipelines.worksheet_from(pipelines.apply_settings(sheet, settings), "form"))
    except PartcdError as exc:
        error = exc.message()
        comparison = pipelines.run_bid(pipelines.worksheet_from(sheet, "worked example"))
    values: dict[str, Any] = {**sheet["assumptions"], **dict(s.split("=", 1) for s in settings)}
    facts = {k: comparison_fact(sheet, settings, k) for k in PlanCompliance.model_fields}
    return render(request, "telehealth/page.html", who, c=comparison, values=values, numbers=NUMBERS,
                  choices=CHOICES, facts=facts, error=error, categories=CATEGORY_TITLES,
                  assumption_fields=Assumptions.model_fields)


def comparison_fact(sheet: dict[str, Any], settings: list[str], name: str) -> bool:
    """The value of a § 422.135(c) fact after the form's changes (for the tick boxes)."""
    value: Any = sheet["plan_compliance"].get(name, False)
    for s in settings:
        key, _, text = s.partition("=")
        if key == f"plan_compliance.{name}":
            value = text == "true"
    return bool(value)
