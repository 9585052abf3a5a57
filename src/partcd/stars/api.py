"""§§ 422.166, 423.186 - Star Ratings endpoints: cut points, stars, ratings, what-if, explanations (4185-P L2241, L3212).

``POST /api/v1/stars/cutpoints`` (analyst) runs :func:`partcd.stars.pipelines.run_cut_points` on uploaded files (a CMS
"Measure Data" table or tidy scores, the prior year's published cut points, optionally the prior year's scores) and
keeps the run - its inputs, the tidy cut points, the stars and the HTML report - under
``<data dir>/stars/runs/<run id>/``. ``POST /assign`` stars uploaded scores against uploaded cut points or a run's;
``GET /explain`` says in words how a contract's star on a measure was reached under a run's cut points;
``GET /runs/{id}`` and ``/runs/{id}/report.html`` return a run. ``POST /rate`` rates a year from uploaded Measure Stars
(or scores and cut points) and CAI tables; ``POST /whatif`` lists what moves under changed stars, scores, disaster
shares or methodology; ``POST /explain`` says how one contract's ratings and measure stars were reached. Bad files
answer 422 naming the uploaded file, row and field (the server's :class:`~partcd.core.errors.PartcdError` handler); a
rule refusal answers 409. Uploads are bounded and parsed off the event loop within the request's time limit
(``partcd.platform.api.uploads``); years, seeds, contract ids and lists are bounded (422).
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
from pydantic import StringConstraints

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
#: numpy seeds; contracts left out of one clustering; contracts one rating request may name (CMS rates about 800 a
#: year; below the 1,000 fields a multipart form may carry, so the cap answers first); files in one cut-point field
#: (CMS publishes one per part, C and D; room for split files).
YEAR_MIN, YEAR_MAX = 2008, 2100
MAX_SEED = 2**32 - 1
MAX_EXCLUDED = 1_000
MAX_CONTRACTS = 900
MAX_CUT_POINT_FILES = 10
Year = Annotated[int, Form(ge=YEAR_MIN, le=YEAR_MAX, description="rating year of the scores (selects stars/params/<year>.yaml)")]
Seed = Annotated[int, Form(ge=0, le=MAX_SEED, description="seed of the random resampling groups")]
RunId = Annotated[str, PathParam(max_length=40, description="run id of POST /cutpoints")]
ContractId = Annotated[str, StringConstraints(pattern=r"^[A-Z]\d{4}$")]
OptionalYear = Annotated[int | None, Form(ge=YEAR_MIN, le=YEAR_MAX, description="rating year (from CMS titles when absent)")]
Methodology = Annotated[str | None, Form(max_length=40, description=f"methodology ({', '.join(METHODOLOGIES)})")]
Upload = Annotated[UploadFile | None, File()]
UploadList = Annotated[list[UploadFile], File(max_length=MAX_CUT_POINT_FILES)]


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
    """Store the upload at ``path`` under the upload limits (``UploadJob.save_as``: a workbook comes back as its Parquet
    file) and remember its name."""
    stored = await job.save_as(upload, path)
    labels[str(path)] = labels[str(stored)] = upload.filename or path.name
    return stored


def relabel_error(exc: PartcdError, labels: dict[str, str]) -> PartcdError:
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
            raise relabel_error(exc, labels) from None
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
    prior_cut_points: Annotated[list[UploadFile], File(max_length=MAX_CUT_POINT_FILES,
                                                       description="the prior year's published cut points: CMS 'Part C/D "
                                                                   "Cut Points' or tidy CSV; one file per part")] = [],  # noqa: B006
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
    cut_points: Annotated[list[UploadFile], File(max_length=MAX_CUT_POINT_FILES,
                                                 description="cut points: CMS 'Part C/D Cut Points' or tidy CSV")] = [],  # noqa: B006
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
            raise relabel_error(exc, labels) from None
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
        raise relabel_error(exc, labels) from None
    return {"run_id": run, **dataclasses.asdict(found)}


# --- ratings, what-if and explanations from uploads ------------------------------------------------------------------



async def save_uploads(job: UploadJob, **uploads: UploadFile | list[UploadFile] | None) -> dict[str, Any]:
    """Store each given upload in the job's folder under its field's name (``UploadJob.save_as``: bounded, named in
    errors): a path, ``None`` for a field left empty, a list of paths for a list field."""
    stored: dict[str, Any] = {}
    for name, given in uploads.items():
        if isinstance(given, list):
            stored[name] = [await job.save_as(u, job.folder / f"{name}_{i}{suffix_of(u)}")
                            for i, u in enumerate(given, start=1) if u.filename]
        elif given is not None and given.filename:
            stored[name] = await job.save_as(given, job.folder / f"{name}{suffix_of(given)}")
        else:
            stored[name] = None
    return stored


@router.post("/rate")
async def rate(
    _: Analyst,
    job: Uploads,
    measure_stars: Annotated[UploadFile | None, File(description="CMS 'Measure Stars' CSV or tidy stars")] = None,
    cai: Annotated[UploadFile | None, File(description="CMS 'CAI' table or tidy categories")] = None,
    cai_values: Annotated[UploadFile | None, File(description="CAI values (rating, category, value)")] = None,
    disaster_shares: Annotated[UploadFile | None, File(description="contract_id, year, percent or CMS Summary Ratings")] = None,
    scores: Annotated[UploadFile | None, File(description="scores (starred first with cut_points)")] = None,
    cut_points: Annotated[list[UploadFile], File(max_length=MAX_CUT_POINT_FILES,
                                                 description="the rating year's cut points (with scores)")] = [],  # noqa: B006
    year: OptionalYear = None,
    contract: Annotated[list[ContractId], Form(max_length=MAX_CONTRACTS, description="only these contracts")] = [],  # noqa: B006
    org_types: Annotated[UploadFile | None, File(description="contract_id, organization_type (TN Table 6/7 names)")] = None,
) -> dict[str, Any]:
    """Part C summary, Part D summary and overall rating per contract (half stars or null with the reason), the highest
    rating, reward factor, CAI and why (42 CFR 422.166(c)-(i), 423.186(c)-(i))."""
    from partcd.stars.pipelines.rate import rate_files, rate_records

    with job:
        paths = await save_uploads(job, measure_stars=measure_stars, cai=cai, cai_values=cai_values,
                                   disaster_shares=disaster_shares, scores=scores, cut_points=cut_points,
                                   org_types=org_types)
        result = await job.run(rate_files, paths["measure_stars"], paths["cai"], year,
                               disaster_shares=paths["disaster_shares"], cai_values=paths["cai_values"],
                               scores=paths["scores"], cut_points=paths["cut_points"], org_types=paths["org_types"])
    wanted = set(contract)
    records = [r for r in rate_records(result) if not wanted or r["contract_id"] in wanted]
    return {"rating_year": result.rating_year, "notes": list(result.notes), "unverified_inputs": list(result.unverified),
            "records": records}


@router.post("/whatif")
async def whatif(
    _: Analyst,
    job: Uploads,
    measure_stars: Upload = None,
    star_changes: Annotated[UploadFile | None, File(description="contract_id, measure_id, stars")] = None,
    scores: Annotated[UploadFile | None, File(description="scores: the scores route")] = None,
    score_changes: Annotated[UploadFile | None, File(description="contract_id, measure_id, score")] = None,
    cut_points: UploadList = [],  # noqa: B006
    prior_cut_points: UploadList = [],  # noqa: B006
    prior_scores: Upload = None,
    cai: Upload = None,
    cai_values: Upload = None,
    disaster_shares: Upload = None,
    new_disaster_shares: Annotated[UploadFile | None, File(description="what-if disaster shares")] = None,
    prior_measure_stars: Annotated[UploadFile | None, File(description="prior year's Measure Stars (higher-of)")] = None,
    methodology: Methodology = None,
    new_methodology: Annotated[str | None, Form(max_length=40, description="what-if methodology (scores route)")] = None,
    year: OptionalYear = None,
) -> dict[str, Any]:
    """Every summary/overall rating, measure star and cut point that moves under the changes, with why."""
    from partcd.stars.pipelines.rate import WhatIf, whatif_files, whatif_scores

    with job:
        one = await save_uploads(
            job, measure_stars=measure_stars, star_changes=star_changes, scores=scores, score_changes=score_changes,
            prior_scores=prior_scores, cai=cai, cai_values=cai_values, disaster_shares=disaster_shares,
            new_disaster_shares=new_disaster_shares, prior_measure_stars=prior_measure_stars, cut_points=cut_points,
            prior_cut_points=prior_cut_points)
        result: WhatIf
        if one["scores"] is not None:
            if not (one["score_changes"] or one["new_disaster_shares"] or new_methodology):
                raise ConfigError("nothing to change: give score_changes, new_disaster_shares or new_methodology")
            result = await job.run(
                whatif_scores, one["scores"], year, measure_stars=one["measure_stars"], cai=one["cai"],
                cai_values=one["cai_values"], cut_points=one["cut_points"], prior_cut_points=one["prior_cut_points"],
                prior_scores=one["prior_scores"], score_changes=one["score_changes"],
                disaster_shares=one["disaster_shares"], new_disaster_shares=one["new_disaster_shares"],
                methodology=methodology or None, new_methodology=new_methodology or None)
        elif one["measure_stars"] is not None:
            if not (one["star_changes"] or one["new_disaster_shares"]):
                raise ConfigError("nothing to change: give star_changes or new_disaster_shares")
            result = await job.run(
                whatif_files, one["measure_stars"], one["cai"], year, star_changes=one["star_changes"],
                disaster_shares=one["disaster_shares"], new_disaster_shares=one["new_disaster_shares"],
                cai_values=one["cai_values"], prior_measure_stars=one["prior_measure_stars"])
        else:
            raise ConfigError("give measure_stars (star changes) or scores (score or methodology changes)")
    return {"rating_year": result.rating_year, "notes": list(result.notes), "moves": result.records()}


async def explain_uploads(
    job: UploadJob,
    contract: str,
    *,
    measure: str | None = None,
    measure_stars: UploadFile | None = None,
    cai: UploadFile | None = None,
    cai_values: UploadFile | None = None,
    disaster_shares: UploadFile | None = None,
    scores: UploadFile | None = None,
    cut_points: list[UploadFile] | None = None,
    year: int | None = None,
) -> dict[str, Any]:
    """How a contract's ratings and measure stars were reached, from uploads (shared by ``POST /explain`` and the
    ``/stars/contract`` page; ``job`` is the request's upload job, entered by the caller)."""
    from partcd.stars.pipelines.rate import contract_explanation

    one = await save_uploads(job, measure_stars=measure_stars, cai=cai, cai_values=cai_values,
                             disaster_shares=disaster_shares, scores=scores, cut_points=cut_points or [])
    found = await job.run(contract_explanation, contract, measure=measure or None, scores=one["scores"],
                          cut_points=one["cut_points"], measure_stars=one["measure_stars"], cai=one["cai"],
                          cai_values=one["cai_values"], disaster_shares=one["disaster_shares"], year=year)
    return found.to_dict()


@router.post("/explain")
async def explain_contract(
    _: Analyst,
    job: Uploads,
    contract: Annotated[str, Form(pattern=r"^[A-Z]\d{4}$", description="contract id, e.g. H0028")],
    measure: Annotated[str | None, Form(max_length=80, description="only this measure (id or key)")] = None,
    measure_stars: Upload = None,
    cai: Upload = None,
    cai_values: Upload = None,
    disaster_shares: Upload = None,
    scores: Upload = None,
    cut_points: UploadList = [],  # noqa: B006
    year: OptionalYear = None,
) -> dict[str, Any]:
    """How a contract's ratings (with measure_stars) and measure stars (with scores and cut_points) were reached."""
    with job:
        return await explain_uploads(job, contract, measure=measure, measure_stars=measure_stars, cai=cai,
                                     cai_values=cai_values, disaster_shares=disaster_shares, scores=scores,
                                     cut_points=cut_points, year=year)
