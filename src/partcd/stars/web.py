"""§§ 422.166, 423.186 - the Star Ratings dashboard pages (4185-P L2241, L3212).

``/stars``: upload a rating year's scores with the prior year's published cut points (and scores), choose the year,
seed and methodology, and see the cut-point table - prior, unguarded, cap, final and reason per measure, contract
type and threshold, capped thresholds highlighted - with a link to the run's HTML report. Runs are computed and kept by
the same code as ``POST /api/v1/stars/cutpoints`` (:func:`partcd.stars.api.create_cut_point_run`). Viewers
see runs; analysts (and admins) start them. ``/stars/runs/<id>/report.html`` shows a run's report to the signed-in
browser (the API takes keys only in headers).

``/stars/contract``: upload a year's Measure Stars (with CAI) and/or scores with cut points and name a contract: its
Part C, Part D and overall ratings with how each was reached (weighted mean, reward factor, CAI, hold-harmless) and
its star on each measure with the cut points, how each was set and the distance to the next star - the same job as
``POST /api/v1/stars/explain`` (:func:`partcd.stars.api.explain_uploads`). Analysts only (uploads).

Both upload forms carry the session's CSRF token; their uploads go through the platform's upload job (bounded, parsed
off the event loop within the request's time limit).
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from partcd.core.errors import ConfigError, PartcdError
from partcd.platform import report
from partcd.platform.api.deps import get_engine, get_settings
from partcd.platform.api.uploads import Uploads
from partcd.platform.auth import Principal
from partcd.platform.settings import Settings
from partcd.platform.web.security import CHART_CSP
from partcd.platform.web.shell import CsrfForm, current, render
from partcd.stars.api import (
    MAX_CUT_POINT_FILES,
    OptionalYear,
    RunId,
    Seed,
    Year,
    create_cut_point_run,
    explain_uploads,
    kept_run,
    run_folder,
    runs_dir,
)
from partcd.stars.pipelines import DEFAULT_SEED
from partcd.stars.rules.methodology import METHODOLOGIES

router = APIRouter(include_in_schema=False)


STARTERS = frozenset({"analyst"})
RECENT_RUNS = 10


def _recent(settings: Settings) -> list[dict[str, Any]]:
    root = runs_dir(settings)
    if not root.is_dir():
        return []
    found = sorted((p for p in root.iterdir() if (p / "run.json").is_file()), key=lambda p: p.stat().st_mtime, reverse=True)
    out = []
    for folder in found[:RECENT_RUNS]:
        summary = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        out.append({"run_id": folder.name, **summary})
    return out


def _page(request: Request, settings: Settings, who: Principal, run_id: str | None = None, error: str | None = None,
          status_code: int = 200) -> HTMLResponse:
    run = kept_run(settings, run_id) if run_id else None
    response = render(request, "stars/index.html", who, run=run, error=error, recent=_recent(settings),
                      can_run=who.allowed(STARTERS), methodologies=list(METHODOLOGIES.values()), default_seed=DEFAULT_SEED)
    response.status_code = status_code
    return response


@router.get("/stars", response_class=HTMLResponse, response_model=None)
def stars_page(request: Request, engine: Annotated[Engine, Depends(get_engine)],
               settings: Annotated[Settings, Depends(get_settings)], run: str | None = None) -> Response:
    """The upload form, recent runs and, with ``?run=``, that run's cut-point table."""
    who = current(request, engine)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    return _page(request, settings, who, run)


@router.post("/stars", response_class=HTMLResponse, response_model=None)
async def start_run(
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    job: Uploads,
    _: CsrfForm,
    scores: Annotated[UploadFile, File()],
    year: Year,
    prior_cut_points: Annotated[list[UploadFile], File()] = [],  # noqa: B006
    prior_scores: Annotated[UploadFile | None, File()] = None,
    seed: Seed = DEFAULT_SEED,
    methodology: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Compute and keep a run from the form, then show it (errors are shown on the form)."""
    settings = job.settings
    who = await run_in_threadpool(current, request, engine)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    if not who.allowed(STARTERS):
        return _page(request, settings, who, error=f"role '{who.role}' may not start a run; needs analyst or admin",
                     status_code=403)
    try:
        with job:
            stored = await create_cut_point_run(job, scores, prior_cut_points, prior_scores, year, seed, methodology or None)
    except PartcdError as exc:
        return _page(request, settings, who, error=exc.message(), status_code=422)
    return RedirectResponse(f"/stars?run={stored.run_id}", status_code=303)


@router.get("/stars/runs/plotly.min.js", response_model=None)
def plotly_js(settings: Annotated[Settings, Depends(get_settings)]) -> FileResponse:
    """plotly.js for the run reports (public library code: served without a session, cached by the browser)."""
    root = runs_dir(settings)
    root.mkdir(parents=True, exist_ok=True)
    return FileResponse(report.ensure_plotly_js(root), media_type="text/javascript",
                        headers={"Cache-Control": "private, max-age=86400"})


@router.get("/stars/runs/{run_id}/report.html", response_model=None)
def run_report(request: Request, run_id: RunId, engine: Annotated[Engine, Depends(get_engine)],
               settings: Annotated[Settings, Depends(get_settings)]) -> Response:
    """A kept run's HTML report (its charts' inline code allowed by the report's own CSP, nothing sent elsewhere)."""
    if current(request, engine) is None:
        return RedirectResponse("/login", status_code=303)
    return FileResponse(run_folder(settings, run_id) / "report.html", media_type="text/html",
                        headers={"Content-Security-Policy": CHART_CSP})


def _contract_page(request: Request, who: Principal, *, explained: dict[str, Any] | None = None, error: str | None = None,
                   contract: str = "", status_code: int = 200) -> HTMLResponse:
    response = render(request, "stars/contract.html", who, explained=explained, error=error, contract=contract,
                      can_run=who.allowed(STARTERS))
    response.status_code = status_code
    return response


@router.get("/stars/contract", response_class=HTMLResponse, response_model=None)
def contract_form(request: Request, engine: Annotated[Engine, Depends(get_engine)]) -> Response:
    """The form: a year's Measure Stars, CAI, scores and cut points, and a contract id."""
    who = current(request, engine)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    return _contract_page(request, who)


@router.post("/stars/contract", response_class=HTMLResponse, response_model=None)
async def contract_explained(
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    job: Uploads,
    _: CsrfForm,
    contract: Annotated[str, Form(max_length=10)],
    measure_stars: Annotated[UploadFile | None, File()] = None,
    cai: Annotated[UploadFile | None, File()] = None,
    scores: Annotated[UploadFile | None, File()] = None,
    cut_points: Annotated[list[UploadFile], File(max_length=MAX_CUT_POINT_FILES)] = [],  # noqa: B006
    year: OptionalYear = None,
) -> Response:
    """A contract's ratings and measure stars explained (errors are shown on the form)."""
    who = await run_in_threadpool(current, request, engine)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    contract = contract.strip().upper()
    if not who.allowed(STARTERS):
        return _contract_page(request, who, error=f"role '{who.role}' may not upload files; needs analyst or admin",
                              contract=contract, status_code=403)
    try:
        if not re.fullmatch(r"[A-Z]\d{4}", contract):
            raise ConfigError(f"contract: {contract!r} is not a contract id (letter + 4 digits)")
        with job:
            explained = await explain_uploads(job, contract, measure_stars=measure_stars, cai=cai, scores=scores,
                                              cut_points=cut_points, year=year)
    except PartcdError as exc:
        return _contract_page(request, who, error=exc.message(), contract=contract, status_code=422)
    return _contract_page(request, who, explained=explained, contract=contract)
