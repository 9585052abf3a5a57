"""Call-center compliance (42 CFR 422.111(h)(1), 423.128(d)(1)): metrics, verdicts, staffing, monitoring.

Read top to bottom: ``params/`` (the law as data), ``rules/`` (pure computation), then the edges: ``readers``
(call logs and platform export profiles), ``pipelines``, ``samples``, ``demo``, ``cli``, ``api``. Call-center
verdicts feed corrective action plans of the compliance area through the registry service ``call_log_findings``.
"""
