"""Part C and D Star Ratings (§§ 422.160-422.166, 423.180-423.186) - the pure rules core."""

from partcd.stars.models import ContractType, CutPoints, Measure, MeasureScore, Part

__all__ = ["ContractType", "CutPoints", "Measure", "MeasureScore", "Part"]
