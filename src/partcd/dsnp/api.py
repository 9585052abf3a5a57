"""D-SNP endpoints ``/api/v1/dsnp/...`` (§§ 422.2, 422.107, 422.562(a)(5), 422.752(d)).

Reads of contracts, checklists, reconciliation and reports need any role; changes to contracts, evidence and the CMS
list need ``analyst`` or ``coordinator``. Admissions and assistance records hold PHI: recording them needs ``intake``
or ``coordinator`` (assistance also ``reviewer``); lists and reports never contain PHI; the MBI, the need and the
notes are returned only to ``coordinator`` and ``auditor`` (admin always). Every change is audited with the calling
key's name. A bad value answers 422 with its pointer, a rule refusal or stale version 409, an unknown record 422.
Uploads are bounded by the platform limits and parsed off the event loop (:mod:`partcd.platform.api.uploads`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, HTTPException, Query, UploadFile
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from partcd.dsnp import pipelines as svc
from partcd.dsnp.rules.integration import Reading
from partcd.platform.api.deps import Viewer, get_engine, require
from partcd.platform.api.uploads import Uploads
from partcd.platform.auth import Principal

router = APIRouter(prefix="/api/v1/dsnp", tags=["D-SNP integration"])

Db = Annotated[Engine, Depends(get_engine)]
Editor = Annotated[Principal, Depends(require("analyst", "coordinator"))]
PhiWriter = Annotated[Principal, Depends(require("intake", "coordinator"))]
AssistanceWriter = Annotated[Principal, Depends(require("intake", "reviewer", "coordinator"))]
PhiReader = Annotated[Principal, Depends(require("coordinator", "auditor"))]
Year = Annotated[int, Query(ge=2021, le=2100, description="plan year")]


def _now(now: dt.datetime | None) -> dt.datetime:
    if now is None:
        return dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        raise HTTPException(422, "now: needs a UTC offset (e.g. 2021-03-12T09:30-05:00)")
    return now


class ContractPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    changes: dict[str, Any] = Field(min_length=1, max_length=30)
    expected_version: int | None = None
    reason: str | None = Field(default=None, max_length=500)


class AssistancePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    changes: dict[str, Any] = Field(min_length=1, max_length=20)
    expected_version: int | None = None


# --- contracts, evidence, status ---------------------------------------------------------------------------------


@router.get("/contracts")
def list_contracts(_: Viewer, engine: Db, year: Annotated[int | None, Query(ge=2006, le=2100)] = None,
                   state: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")] = None,
                   contract_id: Annotated[str | None, Query(pattern=r"^[HRhr][0-9]{4}$")] = None) -> list[dict[str, Any]]:
    return [c.model_dump(mode="json") for c in svc.list_contracts(engine, year=year, state=state, contract_id=contract_id)]


@router.post("/contracts", status_code=201)
def create_contract(body: svc.ContractIn, who: Editor, engine: Db) -> dict[str, Any]:
    """A plan x State Medicaid agency contract (§ 422.107(b)) with the State's admission-notification settings."""
    return svc.create_contract(engine, body, actor=who.name).model_dump(mode="json")


@router.get("/contracts/{contract_row_id}")
def get_contract(contract_row_id: int, _: Viewer, engine: Db) -> dict[str, Any]:
    return svc.get_contract(engine, contract_row_id).model_dump(mode="json")


@router.patch("/contracts/{contract_row_id}")
def update_contract(contract_row_id: int, body: ContractPatch, who: Editor, engine: Db) -> dict[str, Any]:
    """Change fields; 409 when ``expected_version`` is stale (someone else changed it)."""
    return svc.update_contract(engine, contract_row_id, body.changes, actor=who.name, expected_version=body.expected_version,
                               reason=body.reason).model_dump(mode="json")


@router.post("/contracts/{contract_row_id}/evidence", status_code=201)
def add_evidence(contract_row_id: int, body: svc.EvidenceIn, who: Editor, engine: Db) -> dict[str, Any]:
    """Where a § 422.107 term stands in the State contract."""
    return svc.add_evidence(engine, contract_row_id, body, actor=who.name).model_dump(mode="json")


@router.get("/contracts/{contract_row_id}/evidence")
def list_evidence(contract_row_id: int, _: Viewer, engine: Db) -> list[dict[str, Any]]:
    return [e.model_dump(mode="json") for e in svc.list_evidence(engine, contract_row_id)]


@router.delete("/evidence/{evidence_id}", status_code=204)
def delete_evidence(evidence_id: int, who: Editor, engine: Db,
                    expected_version: Annotated[int | None, Query()] = None) -> None:
    svc.delete_evidence(engine, evidence_id, actor=who.name, expected_version=expected_version)


@router.get("/contracts/{contract_row_id}/status")
def plan_year_status(contract_row_id: int, _: Viewer, engine: Db, year: Year, reading: Reading = "final") -> dict[str, Any]:
    """Checklist, classification, minimum-integration test and § 422.752(d) determination of one plan year."""
    return svc.plan_year_status(engine, contract_row_id, year, reading=reading).model_dump(mode="json")


# --- CMS's list ------------------------------------------------------------------------------------------------


@router.post("/cms-list/{year}", status_code=201)
async def import_cms_list(
    year: int, who: Editor, engine: Db, job: Uploads,
    file: Annotated[UploadFile, File(description="CMS's list of integrated D-SNPs (CSV)")],
) -> dict[str, Any]:
    """Replace the year's list; 422 with file, row and field for a bad row (nothing imported). The upload is bounded
    and parsed off the event loop (``partcd.platform.api.uploads``)."""
    with job:
        path = await job.save(file)
        result = await job.run(svc.import_cms_list, engine, path, year, actor=who.name,
                               source_name=file.filename or path.name)
    return result.model_dump(mode="json")


@router.get("/cms-list/{year}")
def cms_list(year: int, _: Viewer, engine: Db) -> list[dict[str, Any]]:
    return [r.model_dump(mode="json") for r in svc.cms_rows(engine, year)]


@router.get("/reconciliation/{year}")
def reconciliation(year: int, _: Viewer, engine: Db) -> dict[str, Any]:
    """Every difference between CMS's list and partcd's classification, with its reasons."""
    return svc.reconcile_year(engine, year).model_dump(mode="json")


# --- admissions (PHI) ------------------------------------------------------------------------------------------


@router.post("/contracts/{contract_row_id}/admissions", status_code=201)
def record_admission(contract_row_id: int, body: svc.AdmissionIn, who: PhiWriter, engine: Db,
                     now: dt.datetime | None = None) -> dict[str, Any]:
    return svc.record_admission(engine, contract_row_id, body, actor=who.name, now=_now(now)).model_dump(mode="json")


@router.post("/contracts/{contract_row_id}/admissions/import", status_code=201)
async def import_admissions(contract_row_id: int, who: PhiWriter, engine: Db, job: Uploads,
                            file: Annotated[UploadFile, File(description="admissions feed (CSV)")],
                            now: dt.datetime | None = None) -> dict[str, Any]:
    with job:
        path = await job.save(file)
        views = await job.run(svc.import_admissions, engine, contract_row_id, path, actor=who.name, now=_now(now))
    return {"admissions": len(views), "owed": sum(1 for v in views if v.notice.required)}


@router.get("/admissions")
def list_admissions(_: Viewer, engine: Db, contract_row_id: int | None = None, date_from: dt.date | None = None,
                    date_to: dt.date | None = None, now: dt.datetime | None = None,
                    limit: Annotated[int, Query(ge=1, le=5000)] = 1000) -> list[dict[str, Any]]:
    """Admissions with their notice state; no PHI."""
    return [v.model_dump(mode="json") for v in svc.list_admissions(
        engine, contract_row_id=contract_row_id, date_from=date_from, date_to=date_to, now=_now(now), limit=limit)]


@router.get("/admissions/{admission_id}")
def admission_detail(admission_id: int, _: PhiReader, engine: Db, now: dt.datetime | None = None) -> dict[str, Any]:
    """One admission with the enrollee's MBI (coordinator, auditor)."""
    view, mbi = svc.admission_detail(engine, admission_id, _now(now))
    return {**view.model_dump(mode="json"), "mbi": mbi}


@router.post("/admissions/{admission_id}/notice")
def record_notice(admission_id: int, body: svc.NoticeIn, who: PhiWriter, engine: Db,
                  now: dt.datetime | None = None) -> dict[str, Any]:
    return svc.record_notice(engine, admission_id, body, actor=who.name, now=_now(now)).model_dump(mode="json")


@router.get("/timeliness")
def timeliness(_: Viewer, engine: Db, contract_row_id: int | None = None, date_from: dt.date | None = None,
               date_to: dt.date | None = None, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """On-time notices per State contract and month (§ 422.107(d))."""
    return [r.model_dump(mode="json") for r in svc.timeliness_report(
        engine, now=_now(now), contract_row_id=contract_row_id, date_from=date_from, date_to=date_to)]


# --- § 422.562(a)(5) assistance (PHI) ---------------------------------------------------------------------------


@router.post("/assistance", status_code=201)
def record_assistance(body: svc.AssistanceIn, who: AssistanceWriter, engine: Db,
                      today: dt.date | None = None) -> dict[str, Any]:
    return svc.record_assistance(engine, body, actor=who.name, today=today or dt.date.today()).model_dump(mode="json")


@router.get("/assistance")
def list_assistance(_: Viewer, engine: Db, contract_id: str | None = None, status: str | None = None,
                    today: dt.date | None = None) -> list[dict[str, Any]]:
    """The records for a CMS request (§ 422.562(a)(5)(iv)); no PHI."""
    return [v.model_dump(mode="json") for v in svc.list_assistance(engine, today=today or dt.date.today(),
                                                                   contract_id=contract_id, status=status)]


@router.get("/assistance/{case_id}")
def get_assistance(case_id: str, _: Viewer, engine: Db, today: dt.date | None = None) -> dict[str, Any]:
    return svc.get_assistance(engine, case_id, today or dt.date.today()).model_dump(mode="json")


@router.get("/assistance/{case_id}/phi")
def assistance_phi(case_id: str, _: PhiReader, engine: Db) -> dict[str, Any]:
    """The MBI, the need and the notes of a record (coordinator, auditor)."""
    return svc.assistance_phi(engine, case_id)


@router.patch("/assistance/{case_id}")
def update_assistance(case_id: str, body: AssistancePatch, who: AssistanceWriter, engine: Db,
                      today: dt.date | None = None) -> dict[str, Any]:
    return svc.update_assistance(engine, case_id, body.changes, actor=who.name, expected_version=body.expected_version,
                                 today=today or dt.date.today()).model_dump(mode="json")
