"""§ 422.166(a)(2)(i), § 423.186(a)(2)(i) - Star Ratings endpoints: cut points, stars, explanations (4185-P L2241, L3212).

``POST /api/v1/stars/cutpoints`` (analyst) runs :func:`partcd.stars.pipelines.run_cut_points` on uploaded files (a CMS
"Measure Data" table or tidy scores, the prior year's published cut points, optionally the prior year's scores) and
keeps the run - its inputs, the tidy cut points, the stars and the HTML report - under
``<data dir>/stars/runs/<run id>/``. ``POST /assign`` stars uploaded scores against uploaded cut points or a run's;
``GET /explain`` says in words how a contract's star on a measure was reached under a run's cut points;
``GET /runs/{id}`` and ``/runs/{id}/report.html`` return a run. Bad files answer 422 naming the uploaded file, row and
field (the server's :class:`~partcd.core.errors.PartcdError` handler); a rule refusal answers 409. Uploads are bounded
and parsed off the event loop within the request's time limit (``partcd.platform.api.uploads``); years, seeds and
lists are bounded (422).
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, UploadFile, status
from fastapi import Path as PathParam
from fastapi.responses import FileResponse

from partcd.core.errors import ConfigError, InputError, PartcdError
from partcd.platform import report
from partcd.platform.api.deps import Analyst, Viewer, get_settings
from partcd.platform.api.uploads import UploadJob, Uploads, suffix_of
from partcd.platform.settings import Settings
from partcd.stars.pipelines import (
    DEFAULT_SEED,
    CutPointRun,
    assignment_records,
    cut_points_from_records,
    run_assign,
    run_cut_points,
    run_explain,
    run_summary,
)
from partcd.stars.readers import load_catalogue
from partcd.stars.report import save_run
from partcd.stars.rules.methodology import METHODOLOGIES
from partcd.stars.rules.models import CutPoints

router = APIRouter(prefix="/api/v1/stars", tags=["stars"])

RUN_ID = r"^[0-9a-f]{32}$"
REPORT_PATH = "/api/v1/stars/runs/{run_id}/report.html"
#: Bounds of the form fields: rating years CMS has published Star Ratings for (2008 on) up to a planning horizon;
#: numpy seeds; contracts left out of one clustering.
YEAR_MIN, YEAR_MAX = 2008, 2100
MAX_SEED = 2**32 - 1
MAX_EXCLUDED = 1_000
Year = Annotated[int, Form(ge=YEAR_MIN, le=YEAR_MAX, description="rating year of the scores (selects stars/params/<year>.yaml)")]
Seed = Annotated[int, Form(ge=0, le=MAX_SEED, description="seed of the random resampling groups")]
RunId = Annotated[str, PathParam(max_length=40, description="run id of POST /cutpoints")]


def runs_dir(settings: Settings) -> Path:
    """Where runs are kept: ``<data dir>/stars/runs``."""
    return settings.data_dir / "stars" / "runs"


def run_folder(settings: Settings, run_id: str) -> Path:
    """The folder of an existing run; 404 for an unknown or malformed id."""
    folder = runs_dir(settings) / run_id
    if not re.fullmatch(RUN_ID, run_id) or not (folder / "run.json").is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no Star Ratings run {run_id!r}")
    return folder


async def _save(job: UploadJob, upload: UploadFile, path: Path, labels: dict[str, str]) -> Path:
    """Store the upload at ``path`` under the upload limits (``UploadJob.save_as``) and remember its name."""
    await job.save_as(upload, path)
    labels[str(path)] = upload.filename or path.name
    return path


def _relabel(exc: PartcdError, labels: dict[str, str]) -> PartcdError:
    """The same error naming the uploaded files instead of where the server stored them."""
    def name(text: str) -> str:
        for stored, label in sorted(labels.items(), key=lambda kv: -len(kv[0])):
            text = text.replace(stored, label)
        return text

    if isinstance(exc, InputError):
        return InputError(name(exc.file), exc.row, exc.field, name(exc.reason))
    if isinstance(exc, ConfigError):
        return ConfigError(name(exc.message()))
    return exc


@dataclass(frozen=True)
class StoredRun:
    """A cut-point run kept under the data folder."""

    run_id: str
    folder: Path
    run: CutPointRun

    @property
    def report_url(self) -> str:
        return REPORT_PATH.format(run_id=self.run_id)

    def body(self) -> dict[str, Any]:
        """The API answer: what was run, counts by reason, the report's URL and the threshold records."""
        return {"run_id": self.run_id, **run_summary(self.run), "report": self.report_url, "records": self.run.records()}


async def create_cut_point_run(
    job: UploadJob,
    scores: UploadFile,
    prior_cut_points: list[UploadFile],
    prior_scores: UploadFile | None,
    year: int,
    seed: int = DEFAULT_SEED,
    methodology: str | None = None,
    excluded_contracts: list[str] | None = None,
) -> StoredRun:
    """Store the uploads, run the cut points and write the run's files and report (shared by the API and the web page;
    ``job`` is the request's upload job, entered by the caller)."""
    run_id = uuid.uuid4().hex
    root = runs_dir(job.settings)
    folder = root / run_id
    inputs = folder / "inputs"
    inputs.mkdir(parents=True)
    labels: dict[str, str] = {}
    try:
        scores_path = await _save(job, scores, inputs / f"scores{suffix_of(scores)}", labels)
        prior_paths = [await _save(job, f, inputs / f"prior_cut_points_{i}{suffix_of(f)}", labels)
                       for i, f in enumerate(prior_cut_points, start=1) if f.filename]
        prior_scores_path = (await _save(job, prior_scores, inputs / f"prior_scores{suffix_of(prior_scores)}", labels)
                             if prior_scores is not None and prior_scores.filename else None)
        try:
            run = await job.run(run_cut_points, scores_path, year, prior_paths, prior_scores_path, seed,
                                methodology or None, excluded_contracts=excluded_contracts or ())
        except (InputError, ConfigError) as exc:
            raise _relabel(exc, labels) from None
        run = dataclasses.replace(
            run, scores_file=labels[str(scores_path)],
            prior_cut_points_files=tuple(labels[str(p)] for p in prior_paths),
            prior_scores_file=None if prior_scores_path is None else labels[str(prior_scores_path)],
        )
        report.ensure_plotly_js(root)
        await job.run(save_run, run, folder, "../" + report.PLOTLY_JS)
        (folder / "inputs.json").write_text(json.dumps({"scores": scores_path.name, "labels": labels}), encoding="utf-8")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return StoredRun(run_id, folder, run)


def _run_scores(folder: Path) -> Path:
    name = json.loads((folder / "inputs.json").read_text(encoding="utf-8"))["scores"]
    return folder / "inputs" / Path(name).name


def kept_run(settings: Settings, run_id: str) -> dict[str, Any]:
    """A kept run as the API and the dashboard show it: its id, what was run (``run.json``), the report's URL and the
    threshold records (``cut_points.json``)."""
    folder = run_folder(settings, run_id)
    summary = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    records = json.loads((folder / "cut_points.json").read_text(encoding="utf-8"))
    return {"run_id": run_id, **summary, "report": REPORT_PATH.format(run_id=run_id), "records": records}


def _run_year(folder: Path) -> int:
    year: int = json.loads((folder / "run.json").read_text(encoding="utf-8"))["rating_year"]
    return year


def _run_cut_points(folder: Path) -> list[CutPoints]:
    """A kept run's final cut points, each threshold noted with the guardrail's reason."""
    records = json.loads((folder / "cut_points.json").read_text(encoding="utf-8"))
    return cut_points_from_records(records, load_catalogue(_run_year(folder)))


@router.post("/cutpoints")
async def cutpoints(
    _: Analyst,
    job: Uploads,
    scores: Annotated[UploadFile, File(description="CMS 'Measure Data' CSV or tidy CSV (contract_id, measure_id, score)")],
    year: Year,
    prior_cut_points: Annotated[list[UploadFile], File(description="the prior year's published cut points: CMS 'Part C/D Cut "
                                                                   "Points' or tidy CSV; one file per part")] = [],  # noqa: B006
    prior_scores: Annotated[UploadFile | None, File(description="the prior year's scores (restricted-range cap)")] = None,
    seed: Seed = DEFAULT_SEED,
    methodology: Annotated[str | None, Form(max_length=40, description=f"methodology instead of the rating year's own "
                                                                       f"({', '.join(METHODOLOGIES)})")] = None,
    exclude: Annotated[list[str], Form(max_length=MAX_EXCLUDED,
                                       description="contract ids left out of the clustering")] = [],  # noqa: B006
) -> dict[str, Any]:
    """Non-CAHPS cut points per measure, contract type and threshold (2..5): unguarded value, prior, cap, final, reason."""
    with job:
        stored = await create_cut_point_run(job, scores, prior_cut_points, prior_scores, year, seed, methodology, exclude)
    return stored.body()


@router.get("/runs/plotly.min.js", include_in_schema=False)
def plotly_js(_: Viewer, settings: Annotated[Settings, Depends(get_settings)]) -> FileResponse:
    """plotly.js for the run reports (written once beside the runs)."""
    root = runs_dir(settings)
    root.mkdir(parents=True, exist_ok=True)
    return FileResponse(report.ensure_plotly_js(root), media_type="text/javascript")


@router.get("/runs/{run_id}")
def get_run(run_id: RunId, _: Viewer, settings: Annotated[Settings, Depends(get_settings)]) -> dict[str, Any]:
    """A kept run: what was run, the report's URL and the threshold records."""
    return kept_run(settings, run_id)


@router.get("/runs/{run_id}/report.html", response_class=FileResponse)
def run_report(run_id: RunId, _: Viewer, settings: Annotated[Settings, Depends(get_settings)]) -> FileResponse:
    """The run's HTML report (score distributions with the cut points, movement against the prior year)."""
    return FileResponse(run_folder(settings, run_id) / "report.html", media_type="text/html")


@router.post("/assign")
async def assign(
    _: Analyst,
    job: Uploads,
    scores: Annotated[UploadFile, File(description="scores: CMS 'Measure Data' CSV or tidy CSV")],
    cut_points: Annotated[list[UploadFile], File(description="cut points: CMS 'Part C/D Cut Points' or tidy CSV")] = [],  # noqa: B006
    run: Annotated[str | None, Form(max_length=40, description="use the final cut points of this run instead of files")] = None,
    year: Annotated[int | None, Form(ge=YEAR_MIN, le=YEAR_MAX,
                                     description="rating year (from CMS titles or the run when absent)")] = None,
) -> dict[str, Any]:
    """Contract x measure stars: each score against its measure's cut points (CMS boundary rules)."""
    given = [f for f in cut_points if f.filename]
    if bool(given) == bool(run):
        raise ConfigError("give either cut-point files or a run id, not both or neither")
    labels: dict[str, str] = {}
    with job:
        scores_path = await _save(job, scores, job.folder / f"scores{suffix_of(scores)}", labels)
        sources: list[Path | CutPoints] = []
        if run:
            folder = run_folder(job.settings, run)
            sources += _run_cut_points(folder)
            year = year if year is not None else _run_year(folder)
        else:
            sources += [await _save(job, f, job.folder / f"cut_points_{i}{suffix_of(f)}", labels)
                        for i, f in enumerate(given, start=1)]
        try:
            assignments = await job.run(run_assign, scores_path, sources, year)
        except (InputError, ConfigError) as exc:
            raise _relabel(exc, labels) from None
    records = assignment_records(assignments)
    return {"records": records, "starred": sum(r["stars"] is not None for r in records)}


@router.get("/explain")
def explain(
    _: Viewer,
    settings: Annotated[Settings, Depends(get_settings)],
    run: Annotated[str, Query(max_length=40, description="run id of POST /cutpoints")],
    contract: Annotated[str, Query(max_length=10, description="contract id, e.g. H1234")],
    measure: Annotated[str, Query(max_length=80, description="measure id of the rating year (C01) or stable key")],
) -> dict[str, Any]:
    """How the contract's star on the measure was reached under the run's final cut points, in words."""
    folder = run_folder(settings, run)
    scores = _run_scores(folder)
    labels = {str(scores): f"the scores of run {run}"}
    try:
        found = run_explain(contract, measure, scores, _run_cut_points(folder), _run_year(folder))
    except (InputError, ConfigError) as exc:
        raise _relabel(exc, labels) from None
    return {"run_id": run, **dataclasses.asdict(found)}
