"""§§ 422.310(e), 422.311(a) - RADV over HTTP: extrapolation (JSON rows or uploaded CSVs), its HTML audit report and
the contract-level sample selection.

* ``POST /api/v1/radv/extrapolate`` - JSON body: ``sample`` rows ``{stratum, payment_error}``, ``population`` (an
  unrestricted sample) or ``strata`` rows ``{stratum, population}``, ``confidence``, ``sidedness``, ``df``, ``fpc``,
  ``explain``; with ``payment_year`` also ``reading``, ``recovery_bound``, ``ffs_adjuster_rate`` and
  ``contract_payments_usd``. Answers the nine keys of ``partcd radv extrapolate --json`` (``point_estimate,
  standard_error, lower_limit, upper_limit, n, df, t_value, precision_amount, precision_percent``), plus ``steps``
  (explain) and ``recovery`` (payment year).
* ``POST /api/v1/radv/extrapolate/files`` - the same from uploaded CSVs (``sample``, ``strata``) and form fields.
* ``POST /api/v1/radv/report`` and ``/report/files`` - the same inputs; the answer is the HTML audit report.
* ``POST /api/v1/radv/sample`` - JSON body ``payment_year``, ``seed``, ``sample_size`` and ``frame`` rows (the
  fields of :class:`~partcd.radv.rules.sampling.FrameEnrollee`): the selection, or with ``?format=csv`` the selected
  enrollees as CSV (cells through ``safe_cell``).
* ``POST /api/v1/radv/sample/files`` - the same selection from an uploaded frame file (``frame``: CSV or Parquet, the
  columns of ``partcd radv sample --frame``) and form fields ``seed``, ``payment_year``, ``strata``,
  ``n_per_stratum``, ``contract``: counts, design, strata with risk-score bounds, the selection with its order; with
  ``?format=csv`` the selected enrollees ``stratum, selection_order, enrollee_id, contract_id, risk_score``.
* ``POST /api/v1/radv/payment-error`` - JSON body ``enrollees`` (reviewed HCCs, demographic score, months and base
  rates), ``coefficients`` (the HCC table), ``payment_year``, ``normalization_factor``,
  ``coding_intensity_adjustment``: each enrollee's payment error and ``sample``, the ``{stratum, payment_error}`` rows
  ``/extrapolate`` takes.
* ``GET /api/v1/radv/example`` - the two-strata worked example (a request body) and its answer.

Roles: computing on audit data (payment errors, frames of enrollees) needs ``analyst`` or ``auditor`` (admin always
passes); any reader gets the worked example. Inputs are bounded: at most ``MAX_SAMPLE_ROWS`` sample rows,
``MAX_STRATA`` strata, ``MAX_FRAME_ROWS`` frame rows (``MAX_FRAME_UPLOAD_ROWS`` in an uploaded frame), ``MAX_SAMPLE_ROWS``
reviewed enrollees and ``MAX_COEFFICIENT_ROWS`` coefficient rows; numbers finite (NaN and Infinity answer 422) and within the
pipeline's bounds. Bad input answers 422: the model's errors name the field (``loc``), a bad row answers with
``pointer = {file, row, field}`` (``file`` is the JSON list or the upload, ``row`` counts from 1), never 500. Uploads go
through the platform's upload job (bounded, parsed off the event loop within the request's time limit). Every
endpoint computes and stores nothing; nothing about the rows is logged.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from partcd.platform.api.deps import Viewer, require
from partcd.platform.api.uploads import UploadJob, Uploads
from partcd.platform.auth import Principal
from partcd.platform.exports import safe_cell
from partcd.radv import pipelines, report
from partcd.radv.pipelines import MAX_NORMALIZATION_FACTOR, MAX_POPULATION, MAX_SAMPLE_SIZE, MAX_STRATA, Audit
from partcd.radv.rules.parameters import DfMethod, Reading, RecoveryBound, Sidedness
from partcd.radv.samples import worked_example

router = APIRouter(prefix="/api/v1/radv", tags=["radv"])

#: Who may compute on audit data: RADV analysts and auditors (admin always passes).
Auditor = Annotated[Principal, Depends(require("analyst", "auditor"))]

#: Sample rows of one request: far above a contract-level RADV sample (201) or any sub-cohort design.
MAX_SAMPLE_ROWS = 100_000
#: Frame rows of one JSON request (a larger frame does not fit the JSON body cap anyway).
MAX_FRAME_ROWS = 50_000
#: Contract payments accepted for the FFS Adjuster comparison (a trillion dollars: more than all of Medicare).
MAX_CONTRACT_PAYMENTS_USD = 1e12
YEAR_MIN, YEAR_MAX = 1990, 2099
MAX_SEED = 2**32 - 1
#: Frame rows of one uploaded frame file (the largest MA contracts enroll several hundred thousand people); the
#: platform's upload limits (bytes, rows, cells) apply first.
MAX_FRAME_UPLOAD_ROWS = 1_000_000
#: Rows of one coefficient table (the CMS-HCC models have fewer than 200 HCCs and interaction terms).
MAX_COEFFICIENT_ROWS = 5_000

Confidence = Field(default=0.90, gt=0, lt=1, description="confidence level as a fraction (0.90, 0.99)")


class RecoveryIn(BaseModel):
    """With ``payment_year``: the recovery under that year's law (and the FFS Adjuster comparison)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    payment_year: int | None = Field(default=None, ge=YEAR_MIN, le=YEAR_MAX, description="audited payment year")
    reading: Reading = "in_force"
    recovery_bound: RecoveryBound | None = None
    ffs_adjuster_rate: float | None = Field(default=None, ge=0, lt=1)
    contract_payments_usd: float | None = Field(default=None, ge=0, le=MAX_CONTRACT_PAYMENTS_USD)

    def options(self) -> dict[str, Any]:
        return {"payment_year": self.payment_year, "reading": self.reading, "recovery_bound": self.recovery_bound,
                "ffs_adjuster_rate": self.ffs_adjuster_rate, "contract_payments_usd": self.contract_payments_usd}


class ExtrapolateIn(RecoveryIn):
    """A sample of payment errors and its design (rows are checked like the CSV files: ``pointer`` names the row)."""

    sample: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_SAMPLE_ROWS,
                                         description="rows {stratum, payment_error}")
    population: int | None = Field(default=None, ge=1, le=MAX_POPULATION, description="N of an unrestricted sample")
    strata: list[dict[str, Any]] | None = Field(default=None, min_length=1, max_length=MAX_STRATA,
                                                description="rows {stratum, population}")
    confidence: float = Confidence
    sidedness: Sidedness = "two_sided"
    df: DfMethod | None = None
    fpc: bool = True
    explain: bool = False
    title: str | None = Field(default=None, max_length=200, description="the report's title")


class SampleIn(BaseModel):
    """A contract's frame and the draw's payment year, seed and size."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    payment_year: int = Field(ge=YEAR_MIN, le=YEAR_MAX)
    seed: int = Field(ge=0, le=MAX_SEED)
    sample_size: int | None = Field(default=None, ge=1, le=10_000)
    frame: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_FRAME_ROWS)


def audit_of(body: ExtrapolateIn) -> Audit:
    """The audit of a JSON body (shared by ``/extrapolate`` and ``/report``)."""
    rows = pipelines.sample_rows_from(body.sample, "sample", max_rows=MAX_SAMPLE_ROWS)
    strata = None if body.strata is None else pipelines.strata_rows_from(body.strata, "strata", max_rows=MAX_STRATA)
    return pipelines.audit(rows, body.population, strata, body.confidence, body.sidedness, body.df, body.fpc,
                           **body.options())


@router.post("/extrapolate")
def extrapolate(body: ExtrapolateIn, _: Auditor) -> dict[str, object]:
    """Point estimate, standard error, limits and precision of the total payment error (and the recovery)."""
    return audit_of(body).body(body.explain)


@router.post("/report", response_class=HTMLResponse)
def report_html(body: ExtrapolateIn, _: Auditor) -> HTMLResponse:
    """The HTML audit report of the extrapolation: every figure with its formula and numbers, the law with citations."""
    return HTMLResponse(report.html(audit_of(body), title=body.title or "RADV extrapolation"))


class FormSettings(BaseModel):
    """The form fields of the ``/files`` endpoints (bounded like the JSON body)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    population: int | None = Field(default=None, ge=1, le=MAX_POPULATION)
    confidence: float = Confidence
    sidedness: Sidedness = "two_sided"
    df: DfMethod | None = None
    fpc: bool = True
    recovery: RecoveryIn = RecoveryIn()


def form_settings(
    population: Annotated[int | None, Form(ge=1, le=MAX_POPULATION, description="N of an unrestricted sample")] = None,
    confidence: Annotated[float, Form(gt=0, lt=1, allow_inf_nan=False)] = 0.90,
    sidedness: Annotated[Sidedness, Form()] = "two_sided",
    df: Annotated[DfMethod | None, Form()] = None,
    fpc: Annotated[bool, Form()] = True,
    payment_year: Annotated[int | None, Form(ge=YEAR_MIN, le=YEAR_MAX)] = None,
    reading: Annotated[Reading, Form()] = "in_force",
    recovery_bound: Annotated[RecoveryBound | None, Form()] = None,
    ffs_adjuster_rate: Annotated[float | None, Form(ge=0, lt=1, allow_inf_nan=False)] = None,
    contract_payments_usd: Annotated[float | None, Form(ge=0, le=MAX_CONTRACT_PAYMENTS_USD, allow_inf_nan=False)] = None,
) -> FormSettings:
    return FormSettings(population=population, confidence=confidence, sidedness=sidedness, df=df, fpc=fpc,
                        recovery=RecoveryIn(payment_year=payment_year, reading=reading, recovery_bound=recovery_bound,
                                            ffs_adjuster_rate=ffs_adjuster_rate,
                                            contract_payments_usd=contract_payments_usd))


FormFields = Annotated[FormSettings, Depends(form_settings)]
SampleFile = Annotated[UploadFile, File(description="CSV: stratum,payment_error (enrollee_id and other columns ignored)")]
StrataFile = Annotated[UploadFile | None, File(description="CSV: stratum,population (a stratified sample)")]


async def audit_uploads(job: UploadJob, sample: UploadFile, strata: UploadFile | None, s: FormSettings) -> Audit:
    """Store the uploads (bounded) and compute off the event loop; errors name the uploads (``job`` entered by the
    caller; shared with the dashboard page)."""
    sample_path = await job.save_as(sample, job.folder / "sample.csv")
    strata_path = await job.save_as(strata, job.folder / "strata.csv") if strata is not None and strata.filename else None
    result: Audit = await job.run(pipelines.audit_files, sample_path, s.population, strata_path, s.confidence,
                                  s.sidedness, s.df, s.fpc, max_rows=MAX_SAMPLE_ROWS, **s.recovery.options())
    return dataclasses.replace(result, sample_name=sample.filename or "sample.csv",
                               strata_name=None if strata_path is None or strata is None else strata.filename or "strata.csv")


@router.post("/extrapolate/files")
async def extrapolate_files(_: Auditor, job: Uploads, sample: SampleFile, settings: FormFields,
                            strata: StrataFile = None) -> dict[str, object]:
    """``/extrapolate`` from uploaded CSVs (the files of ``partcd radv extrapolate``)."""
    with job:
        return (await audit_uploads(job, sample, strata, settings)).body()


@router.post("/report/files", response_class=HTMLResponse)
async def report_files(_: Auditor, job: Uploads, sample: SampleFile, settings: FormFields,
                       strata: StrataFile = None) -> HTMLResponse:
    """``/report`` from uploaded CSVs."""
    with job:
        found = await audit_uploads(job, sample, strata, settings)
        name = sample.filename or "sample.csv"
    return HTMLResponse(report.html(found, title=f"RADV extrapolation of {name}"))


@router.post("/sample", response_model=None)
def sample_selection(body: SampleIn, _: Auditor,
                     output: Annotated[Literal["json", "csv"], Query(alias="format", description="json | csv")] = "json",
                     ) -> dict[str, Any] | Response:
    """Contract-level sample (L1197): eligibility, risk-score strata, ``numpy.random.default_rng(seed)`` draws."""
    frame = pipelines.frame_from(body.frame, "frame", max_rows=MAX_FRAME_ROWS)
    selection = pipelines.select(frame, body.payment_year, body.seed, body.sample_size)
    if output == "csv":
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(pipelines.selection_rows(selection))
        return PlainTextResponse(out.getvalue(), media_type="text/csv")
    return {"seed": body.seed, **selection.model_dump(mode="json")}


FrameFile = Annotated[UploadFile, File(description="CSV or Parquet: enrollee_id, risk_score, enrolled_months, "
                                                   "part_b_months, payment_hcc_count (+ esrd_months, hospice_months, "
                                                   "contract_id)")]
CsvOrJson = Annotated[Literal["json", "csv"], Query(alias="format", description="json | csv")]


@router.post("/sample/files", response_model=None)
async def sample_files(
    _: Auditor, job: Uploads, frame: FrameFile,
    seed: Annotated[int, Form(ge=0, le=MAX_SEED)],
    payment_year: Annotated[int, Form(ge=YEAR_MIN, le=YEAR_MAX)] = 2018,
    strata: Annotated[int | None, Form(ge=1, le=MAX_STRATA)] = None,
    n_per_stratum: Annotated[int | None, Form(ge=1, le=MAX_SAMPLE_SIZE)] = None,
    contract: Annotated[str | None, Form(min_length=1, max_length=64)] = None,
    output: CsvOrJson = "json",
) -> dict[str, Any] | Response:
    """``partcd radv sample`` on an uploaded frame file (the upload job: bounded, parsed off the event loop)."""
    with job:
        path = await job.save(frame)
        found: pipelines.FrameSelection = await job.run(
            pipelines.select_frame_file, path, payment_year, seed, strata=strata, per_stratum=n_per_stratum,
            contract=contract, max_rows=MAX_FRAME_UPLOAD_ROWS)
    found = dataclasses.replace(found, frame_name=frame.filename or "frame.csv")
    if output == "csv":
        rows = found.selected_rows()
        columns = ["stratum", "selection_order", "enrollee_id", "contract_id", "risk_score"]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([safe_cell("" if r[c] is None else str(r[c])) for c in columns] for r in rows)
        return PlainTextResponse(out.getvalue(), media_type="text/csv")
    return found.body()


class PaymentErrorIn(BaseModel):
    """Reviewed enrollees, the payment year's HCC coefficient table and its two factors."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    payment_year: int = Field(default=2018, ge=YEAR_MIN, le=YEAR_MAX)
    normalization_factor: float = Field(default=1.0, gt=0, le=MAX_NORMALIZATION_FACTOR)
    coding_intensity_adjustment: float = Field(default=0.0, ge=0, lt=1)
    model_name: str = Field(default="coefficients", min_length=1, max_length=200)
    coefficients: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_COEFFICIENT_ROWS,
                                               description="rows {hcc, coefficient, drops, interaction_of}")
    enrollees: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_SAMPLE_ROWS,
                                            description="rows {enrollee_id, stratum, demographic_score, hcc_submitted, "
                                                        "hcc_validated, months, monthly_base_rate_usd | "
                                                        "monthly_base_rates_usd}")
    explain: bool = False


@router.post("/payment-error")
def payment_error(body: PaymentErrorIn, _: Auditor) -> dict[str, object]:
    """Each reviewed enrollee's payment error (§ 422.310(e); L1189, L1197) and the ``sample`` rows of /extrapolate."""
    terms = pipelines.coefficients_from(body.coefficients, "coefficients", max_rows=MAX_COEFFICIENT_ROWS)
    rows = pipelines.enrollees_from(body.enrollees, "enrollees", max_rows=MAX_SAMPLE_ROWS)
    found = pipelines.payment_errors(rows, terms, body.payment_year, normalization_factor=body.normalization_factor,
                                     coding_intensity_adjustment=body.coding_intensity_adjustment,
                                     coefficients_name="coefficients")
    return {**found.body(body.explain), "model": body.model_name}


@router.get("/example")
def example(_: Viewer) -> dict[str, Any]:
    """The two-strata worked example (T = 3,500, SE = 752.77, df = 5) as a request body, and its answer."""
    body = worked_example()
    return {"request": body, "response": audit_of(ExtrapolateIn.model_validate(body)).body(explain=True)}

