"""§ 423.184 (measure updates, (d)(2)) - Part D MPF Price Accuracy (Star Ratings measure D07) from PDE records and MPF
price files: which PDEs count, the MPF cost posted on each date of service, the rounding and the cent threshold, only
increases, the Price Accuracy and Claim Percentage scores and their 0.5/0.5 mean (CMS-4185-P L699-L731; 2026 Star
Ratings Technical Notes, Attachment M).

``rules/`` is the pure core; ``pipelines.py`` runs the same rule on DuckDB or Spark through Ibis and offers the contract
scores to other areas as the registry service ``mpf_price_accuracy``; ``samples.py`` makes seeded synthetic files.
"""
