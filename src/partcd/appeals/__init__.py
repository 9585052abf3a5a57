"""Appeals and grievances (§§ 422.2, 422.561, 422.629-422.634, 423.568-423.572): clocks, classification, cases.

Read top to bottom: ``params/`` (the law as data), ``rules/`` (pure clocks, workflow, classification), then the
edges: ``store`` + ``migrations/``, ``pipelines`` (cases, notices, universes), ``samples``, ``demo``, ``cli``,
``api``, ``web``, ``templates/``.
"""
