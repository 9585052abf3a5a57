"""Call-center compliance (42 CFR 422.111(h)(1), 423.128(d)(1)) and business continuity
(42 CFR 422.504(o), 423.505(p)) - the pure rules core."""

from partcd.callcenter.standards import CallCenterParams, PeriodMetrics, evaluate

__all__ = ["CallCenterParams", "PeriodMetrics", "evaluate"]
