"""§§ 422.166, 423.186 - the Star Ratings dashboard pages (4185-P L2241, L3212).

``/stars``: upload a rating year's scores with the prior year's published cut points (and scores), choose the year,
seed and methodology, and see the cut-point table - prior, unguarded, cap, final and reason per measure, contract
type and threshold, capped thresholds highlighted - with a link to the run's HTML report. Runs are computed and kept by
the same code as ``POST /api/v1/stars/cutpoints`` (:func:`partcd.stars.api.create_cut_point_run`). Viewers
see runs; analysts (and admins) start them.

``/stars/contract``: upload a year's Measure Stars (with CAI) and/or scores with cut points and name a contract: its
Part C, Part D and overall ratings with how each was reached (weighted mean, reward factor, CAI, hold-harmless) and
its star on each measure with the cut points, how each was set and the distance to the next star - the same job as
``POST /api/v1/stars/explain`` (:func:`partcd.stars.pipelines.rate.contract_explanation`). Analysts only (uploads).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from partcd.core.errors import PartcdError
from partcd.platform.api.deps import get_engine, get_settings
from partcd.platform.auth import Principal
from partcd.platform.settings import Settings
from partcd.platform.web.shell import current, render
from partcd.stars.api import MAX_UPLOAD_BYTES, create_cut_point_run, kept_run, runs_dir
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
    settings: Annotated[Settings, Depends(get_settings)],
    scores: Annotated[UploadFile, File()],
    year: Annotated[int, Form()],
    prior_cut_points: Annotated[list[UploadFile], File()] = [],  # noqa: B006
    prior_scores: Annotated[UploadFile | None, File()] = None,
    seed: Annotated[int, Form()] = DEFAULT_SEED,
    methodology: Annotated[str, Form()] = "",
) -> Response:
    """Compute and keep a run from the form, then show it (errors are shown on the form)."""
    who = current(request, engine)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    if not who.allowed(STARTERS):
        return _page(request, settings, who, error=f"role '{who.role}' may not start a run; needs analyst or admin",
                     status_code=403)
    try:
        stored = await create_cut_point_run(settings, scores, prior_cut_points, prior_scores, year, seed, methodology or None)
    except PartcdError as exc:
        return _page(request, settings, who, error=exc.message(), status_code=422)
    return RedirectResponse(f"/stars?run={stored.run_id}", status_code=303)


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
    settings: Annotated[Settings, Depends(get_settings)],
    contract: Annotated[str, Form()],
    measure_stars: Annotated[UploadFile | None, File()] = None,
    cai: Annotated[UploadFile | None, File()] = None,
    scores: Annotated[UploadFile | None, File()] = None,
    cut_points: Annotated[list[UploadFile], File()] = [],  # noqa: B006
    year: Annotated[str, Form()] = "",
) -> Response:
    """A contract's ratings and measure stars explained (errors are shown on the form)."""
    import re
    import shutil
    import uuid

    from partcd.core.errors import ConfigError, InputError
    from partcd.stars.api import relabel_error
    from partcd.stars.pipelines.rate import contract_explanation

    who = current(request, engine)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    contract = contract.strip().upper()
    if not who.allowed(STARTERS):
        return _contract_page(request, who, error=f"role '{who.role}' may not upload files; needs analyst or admin",
                              contract=contract, status_code=403)
    folder = settings.data_dir / "stars" / "tmp" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    labels: dict[str, str] = {}

    async def keep(name: str, upload: UploadFile | None) -> Path | None:
        if upload is None or not upload.filename:
            return None
        data = await upload.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            raise InputError(upload.filename, None, None, f"larger than {MAX_UPLOAD_BYTES} bytes")
        path = folder / f"{name}.csv"
        path.write_bytes(data)
        labels[str(path)] = upload.filename
        return path

    try:
        if not re.fullmatch(r"[A-Z]\d{4}", contract):
            raise ConfigError(f"contract: {contract!r} is not a contract id (letter + 4 digits)")
        if year and not re.fullmatch(r"\d{4}", year.strip()):
            raise ConfigError(f"year: {year!r} is not a year")
        stars_path, cai_path, scores_path = (await keep("measure_stars", measure_stars), await keep("cai", cai),
                                             await keep("scores", scores))
        cps = [p for i, f in enumerate(cut_points) if (p := await keep(f"cut_points_{i}", f)) is not None]
        try:
            found = await run_in_threadpool(
                lambda: contract_explanation(contract, scores=scores_path, cut_points=cps, measure_stars=stars_path,
                                             cai=cai_path, year=int(year) if year.strip() else None))
        except (InputError, ConfigError) as exc:
            raise relabel_error(exc, labels) from None
    except PartcdError as exc:
        return _contract_page(request, who, error=exc.message(), contract=contract, status_code=422)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return _contract_page(request, who, explained=found.to_dict(), contract=contract)
