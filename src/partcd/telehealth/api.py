"""§ 422.135, §§ 422.252-422.264 - telehealth over HTTP: classify services, work a bid (as classified and with
telehealth as supplemental benefits), and the worked example.

Roles: any reader (``viewer``, ``analyst``, ``auditor``, ...) classifies and reads the worked example; working a bid
is for ``analyst`` (and ``admin``). Bodies are bounded (services and lines per the models); bad input answers 422
with the pointer (file ``body``, row, field), never 500. The endpoints are ``def``: FastAPI runs them in its
thread pool, off the event loop.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from partcd.core.errors import InputError
from partcd.platform.api.deps import Analyst, Viewer
from partcd.telehealth import pipelines
from partcd.telehealth.rules.parameters import Reading
from partcd.telehealth.samples import example_services, example_worksheet

router = APIRouter(prefix="/api/v1/telehealth", tags=["telehealth"])


@router.post("/classify")
def classify(_: Viewer, body: Annotated[dict[str, Any], Body(examples=[example_services()])],
             reading: Annotated[Reading | None, Query(description="final (default) | proposed")] = None,
             ) -> dict[str, Any]:
    """Classify each service of ``services`` under § 422.135 for ``contract_year`` with the plan's
    ``plan_compliance`` facts; each result names the deciding condition and its citation."""
    year, plan, services = pipelines.services_from(body, "body")
    result = pipelines.run_classify(year, plan, services, reading)
    return {"contract_year": year, "classifications": [c.model_dump(mode="json") for c in result],
            "not_allowed_as_offered": [c.service_id for c in result if c.consistent_with_offer is False]}


@router.post("/bid")
def bid(_: Analyst, body: Annotated[dict[str, Any], Body(examples=[example_worksheet()])]) -> dict[str, Any]:
    """Work a bid worksheet (the layout of ``GET /example``): every line with its formula, the numbers used and the
    citation, as classified and with telehealth as supplemental benefits, and the difference."""
    if not isinstance(body, dict):
        raise InputError("body", None, None, "a JSON object is required")
    comparison = pipelines.run_bid(pipelines.worksheet_from(body, "body"))
    return comparison.model_dump(mode="json")


@router.get("/example")
def example(_: Viewer) -> dict[str, Any]:
    """The worked example worksheet and its bid."""
    sheet = example_worksheet()
    return {"worksheet": sheet,
            "bid": pipelines.run_bid(pipelines.worksheet_from(sheet, "worked example")).model_dump(mode="json")}
