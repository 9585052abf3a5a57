"""§§ 422.2, 422.561, 422.629-422.634, 423.568-423.572 - appeals and grievances: clocks and plan classification (pure core)."""

from partcd.appeals.classification import Classification, PlanAttributes, classify
from partcd.appeals.clocks import (
    TIMEFRAMES,
    Extension,
    FilingCheck,
    Obligation,
    Timeframe,
    admission_notification,
    adverse_determination_windows,
    filing_timeliness,
    integrated_grievance,
    integrated_organization_determination,
    integrated_reconsideration,
    partd_coverage_determination,
    partd_exception,
    reconsideration_resolution_windows,
    reversal_effectuation,
    zone_of,
)
from partcd.appeals.parameters import AppealsParams

__all__ = [
    "TIMEFRAMES",
    "AppealsParams",
    "Classification",
    "Extension",
    "FilingCheck",
    "Obligation",
    "PlanAttributes",
    "Timeframe",
    "admission_notification",
    "adverse_determination_windows",
    "classify",
    "filing_timeliness",
    "integrated_grievance",
    "integrated_organization_determination",
    "integrated_reconsideration",
    "partd_coverage_determination",
    "partd_exception",
    "reconsideration_resolution_windows",
    "reversal_effectuation",
    "zone_of",
]
