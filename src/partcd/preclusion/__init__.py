"""§§ 422.2, 422.222, 422.504(g)(1)(iv), 423.100, 423.120(c)(6), 498.5(n)(1) - the preclusion list: derived dates,
claim screening (MA claims, pharmacy claims, reimbursement requests, PDE submission) and beneficiary notices.

``rules/`` is the pure core; ``pipelines.py`` runs the same decision table on DuckDB/Spark through Ibis;
``samples.py`` makes seeded synthetic lists and claims.
"""
