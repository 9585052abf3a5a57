"""Typed view of ``compliance/params/*.yaml``: every key the compliance rules read, nothing else."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ComplianceParams(BaseModel):
    """CAP window (§ 422.510(c)(1)), past-performance look-back (§ 422.502(b)(1)), continuity (§ 422.504(o))."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    restore_essential_functions_max_h: float = Field(gt=0)
    cap_window_min_calendar_days: int = Field(ge=1)
    past_performance_lookback_months: int = Field(ge=1)
    bcp_test_interval_max_months: int = Field(ge=1)
    bcp_training_interval_max_months: int = Field(ge=1)
