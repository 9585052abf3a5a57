"""Part C and D Star Ratings (§§ 422.160-422.166, 423.180-423.186).

Read top to bottom: ``params/`` and ``catalogue/`` (the law as data), ``rules/`` (pure computation), then the
edges: ``readers`` (CMS data tables), ``pipelines`` and ``report``, ``samples``, ``demo``, ``cli``, ``api``, ``web``.
"""
