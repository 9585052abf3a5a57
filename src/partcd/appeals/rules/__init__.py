"""§§ 422.2, 422.561, 422.629-422.634, 423.568-423.572 - the pure appeals rules: clocks, workflow, classification."""

from partcd.appeals.rules.classification import Classification, PlanAttributes, classify
from partcd.appeals.rules.clocks import (
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
from partcd.appeals.rules.parameters import AppealsParams

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
