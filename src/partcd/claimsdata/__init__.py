"""PDP sponsors' access to Medicare Parts A and B claims data extracts (42 CFR 423.153(g)): who may request, the
attestation and approval, purpose-limited access, extracts of the sponsor's own enrollees with the rule's data elements
on CMS's release dates, and an audit trail of every access.

Authority: 42 CFR 423.153(g) - proposed in CMS-4185-P (83 FR 54982, Nov. 1, 2018; section II.A.3,
``shared/reference/cms-4185-p-proposed-rule-2018.txt`` L573-L611, L3097-L3139) and finalized at 84 FR 15841 (Apr. 16,
2019; current 42 CFR 423.153(g), source ``ecfr-42``). Pure rules live in :mod:`partcd.claimsdata.rules`; see
``README.md`` for the table of provisions, modules and scenarios.
"""
