"""§§ 422.310(e), 422.311(a) - the RADV dashboard page: upload a sample CSV (and the strata CSV or a population), set the
confidence, sidedness, df convention, FPC and - for the recovery - the payment year, reading, bound and FFS Adjuster
comparison; see the nine figures, the per-stratum table and the recovery, with a link to the run's HTML audit report.

``GET /radv`` shows the form, the recent runs and, with ``?run=<id>``, that run. ``POST /radv`` (the form: CSRF token,
uploads through the platform's upload job, the same computation as ``POST /api/v1/radv/extrapolate/files``) keeps the
run under ``<data dir>/radv/runs/<id>/`` - ``run.json`` (settings and figures) and ``report.html`` - never the uploaded
rows or enrollee ids. ``GET /radv/runs/<id>/report.html`` shows the report to a signed-in browser. Every signed-in role
sees runs; computing one needs ``analyst`` or ``auditor`` (admin always passes).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile, status
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from partcd.core.errors import ConfigError, PartcdError
from partcd.platform.api.deps import get_engine, get_settings
from partcd.platform.api.uploads import Uploads
from partcd.platform.auth import Principal
from partcd.platform.settings import Settings
from partcd.platform.web.security import DOCUMENT_CSP
from partcd.platform.web.shell import CsrfForm, current, render
from partcd.radv import report
from partcd.radv.api import FormSettings, RecoveryIn, audit_uploads
from partcd.radv.pipelines import Audit
from partcd.radv.rules.estimators import DF_METHODS, SIDEDNESS
from partcd.radv.rules.parameters import READINGS

router = APIRouter(include_in_schema=False)

Db = Annotated[Engine, Depends(get_engine)]
RUN_ID = re.compile(r"^[0-9a-f]{32}$")
#: Roles that may compute a run (admin always may).
RUNNERS = frozenset({"analyst", "auditor"})
RECENT_RUNS = 10
#: The form's text fields (numbers are parsed by the bounded models of the API, errors name the field).
FIELDS = ("population", "confidence", "sidedness", "df", "payment_year", "reading", "recovery_bound",
          "ffs_adjuster_rate", "contract_payments_usd")
CHOICES = {"sidedness": SIDEDNESS, "df": DF_METHODS, "reading": READINGS, "recovery_bound": ("lower_limit", "point")}
DEFAULTS = {"confidence": "0.99", "sidedness": "two_sided", "df": "n_minus_L", "payment_year": "2018",
            "reading": "in_force"}


def runs_dir(settings: Settings) -> Path:
    """Where the page keeps runs: ``<data dir>/radv/runs``."""
    return settings.data_dir / "radv" / "runs"


def run_folder(settings: Settings, run_id: str) -> Path:
    """The folder of a kept run; 404 for a malformed or unknown id."""
    folder = runs_dir(settings) / run_id
    if not RUN_ID.fullmatch(run_id) or not (folder / "run.json").is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no RADV run {run_id[:40]!r}")
    return folder


def settings_from_form(raw: dict[str, str], fpc: bool) -> FormSettings:
    """The form's texts as the API's bounded settings; a ConfigError names the first bad field."""
    given = {k: v.strip() for k, v in raw.items() if v.strip()}
    recovery = {k: given.pop(k) for k in list(given) if k in RecoveryIn.model_fields}
    try:
        return FormSettings.model_validate({**given, "fpc": fpc, "recovery": RecoveryIn.model_validate(recovery)})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"] if p != "recovery") or "form"
        raise ConfigError(f"{field}: {first['msg']}") from None


def keep_run(settings: Settings, found: Audit, sample_file: str, strata_file: str | None) -> str:
    """Write ``run.json`` and ``report.html`` of a computed audit; returns the run id."""
    run_id = uuid.uuid4().hex
    folder = runs_dir(settings) / run_id
    folder.mkdir(parents=True)
    try:
        report.write_report(found, folder / "report.html", title=f"RADV extrapolation of {sample_file}")
        e = found.estimate
        summary = {
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "sample_file": sample_file,
            "strata_file": strata_file, "design": e.design, "population": e.population, "strata_count": e.strata_count,
            "confidence": e.confidence, "sidedness": e.sidedness, "df_method": e.df_method, "fpc": e.fpc_applied,
            "figures": e.summary(), "strata": report.stratum_rows(found),
            "recovery": found.body().get("recovery"),
        }
        (folder / "run.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return run_id


def kept_run(settings: Settings, run_id: str) -> dict[str, Any]:
    run: dict[str, Any] = json.loads((run_folder(settings, run_id) / "run.json").read_text(encoding="utf-8"))
    return {"run_id": run_id, **run}


def _recent(settings: Settings) -> list[dict[str, Any]]:
    root = runs_dir(settings)
    if not root.is_dir():
        return []
    found = sorted((p for p in root.iterdir() if (p / "run.json").is_file()), key=lambda p: p.stat().st_mtime,
                   reverse=True)
    return [kept_run(settings, p.name) for p in found[:RECENT_RUNS] if RUN_ID.fullmatch(p.name)]


def _page(request: Request, settings: Settings, who: Principal, *, run_id: str | None = None, error: str | None = None,
          values: dict[str, str] | None = None, fpc: bool = True, status_code: int = 200) -> HTMLResponse:
    response = render(request, "radv/page.html", who, run=kept_run(settings, run_id) if run_id else None, error=error,
                      recent=_recent(settings), can_run=who.allowed(RUNNERS), values={**DEFAULTS, **(values or {})},
                      fpc=fpc, choices=CHOICES)
    response.status_code = status_code
    return response


@router.get("/radv", response_class=HTMLResponse, response_model=None)
def page(request: Request, engine: Db, settings: Annotated[Settings, Depends(get_settings)],
         run: str | None = None) -> Response:
    """The form, the recent runs and, with ``?run=``, that run's figures."""
    who = current(request, engine)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    try:
        return _page(request, settings, who, run_id=run)
    except HTTPException as exc:
        return _page(request, settings, who, error=str(exc.detail), status_code=exc.status_code)


@router.post("/radv", response_class=HTMLResponse, response_model=None)
async def compute(
    request: Request, engine: Db, job: Uploads, _: CsrfForm,
    sample: Annotated[UploadFile, File()],
    strata: Annotated[UploadFile | None, File()] = None,
    population: Annotated[str, Form(max_length=20)] = "",
    confidence: Annotated[str, Form(max_length=20)] = "",
    sidedness: Annotated[str, Form(max_length=20)] = "",
    df: Annotated[str, Form(max_length=20)] = "",
    fpc: Annotated[str, Form(max_length=5)] = "",
    payment_year: Annotated[str, Form(max_length=6)] = "",
    reading: Annotated[str, Form(max_length=20)] = "",
    recovery_bound: Annotated[str, Form(max_length=20)] = "",
    ffs_adjuster_rate: Annotated[str, Form(max_length=20)] = "",
    contract_payments_usd: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Compute and keep a run from the form, then show it (errors are shown on the form)."""
    settings = job.settings
    who = await run_in_threadpool(current, request, engine)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    values = {"population": population, "confidence": confidence, "sidedness": sidedness, "df": df,
              "payment_year": payment_year, "reading": reading, "recovery_bound": recovery_bound,
              "ffs_adjuster_rate": ffs_adjuster_rate, "contract_payments_usd": contract_payments_usd}
    use_fpc = fpc == "on"
    if not who.allowed(RUNNERS):
        return _page(request, settings, who, error=f"role '{who.role}' may not compute a run; needs analyst or auditor",
                     values=values, fpc=use_fpc, status_code=403)
    try:
        form = settings_from_form(values, use_fpc)
        with job:
            found = await audit_uploads(job, sample, strata, form)
        run_id = await run_in_threadpool(keep_run, settings, found, sample.filename or "sample.csv",
                                         strata.filename if strata is not None and strata.filename else None)
    except PartcdError as exc:
        return _page(request, settings, who, error=exc.message(), values=values, fpc=use_fpc, status_code=422)
    return RedirectResponse(f"/radv?run={run_id}", status_code=303)


@router.get("/radv/runs/{run_id}/report.html", response_model=None)
def run_report(request: Request, run_id: str, engine: Db, settings: Annotated[Settings, Depends(get_settings)]) -> Response:
    """A kept run's HTML audit report (a document: its own inline styles, no scripts)."""
    if current(request, engine) is None:
        return RedirectResponse("/login", status_code=303)
    return FileResponse(run_folder(settings, run_id) / "report.html", media_type="text/html",
                        headers={"Content-Security-Policy": DOCUMENT_CSP})
