"""Pure Star Ratings rules (42 CFR 422.162-422.166, 423.182-423.186): clustering, resampling, Tukey fences,
guardrails, cut points and measure stars, CAHPS; above the measure level summary and overall ratings, improvement,
reward factor, CAI, extreme and uncontrollable circumstances and data integrity.

No file, database, network or clock access: every input is an argument and every regulatory number comes from the
rating year's parameter file through the typed views (:class:`partcd.stars.rules.methodology.StarsParams`,
:class:`partcd.stars.rules.params.RatingParams`).
"""
