"""Medicare Advantage risk adjustment data validation (RADV): sample selection, payment error, extrapolation, recovery.

Authority: 42 CFR 422.300, 422.310(e), 422.311(a) - proposed in CMS-4185-P (83 FR 54982, Nov. 1, 2018; section
II.C.2, ``shared/reference/cms-4185-p-proposed-rule-2018.txt`` L1171-L1261, L2472-L2497) and finalized by CMS-4185-F2
(88 FR 6643, Feb. 1, 2023). Pure rules live in :mod:`partcd.radv.rules`; file handling in
:mod:`partcd.radv.pipelines`; synthetic data in :mod:`partcd.radv.samples`. See ``README.md`` for the table of
provisions, modules and scenarios.
"""
