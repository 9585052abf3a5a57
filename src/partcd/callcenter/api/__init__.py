"""Call-center HTTP API: metrics of an uploaded call log, staffing and planning (one router for the area)."""

from fastapi import APIRouter

from partcd.callcenter.api import metrics, planning

router = APIRouter()
router.include_router(metrics.router)
router.include_router(planning.router)
