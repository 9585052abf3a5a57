"""Star Ratings rules (pure): clustering, resampling, Tukey fences, guardrails, cut points, measure stars, CAHPS."""
