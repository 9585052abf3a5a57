"""Compliance: corrective action plans (§ 422.510(c), § 423.509(c)) and business continuity (§ 422.504(o),
§ 423.505(p)) - for findings of any area (the call center is one producer).

Read top to bottom: ``params/`` (the law as data), ``rules/`` (pure CAP lifecycle and continuity checks), then
the edges: ``store`` + ``migrations/``, ``pipelines``, ``demo``, ``cli``, ``api``, ``web``, ``templates/``.
"""
