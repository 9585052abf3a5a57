"""Medicare Advantage additional telehealth benefits: classification of a service furnished through electronic exchange
and its place in the bid (basic or supplemental benefits, capital and infrastructure costs excluded).

Authority: 42 CFR 422.100(a), (c)(1), 422.135, 422.252, 422.254(b)(1)(i), (b)(3)(i), 422.264(a) - proposed in
CMS-4185-P (83 FR 54982, Nov. 1, 2018; section II.A.1, ``shared/reference/cms-4185-p-proposed-rule-2018.txt``
L125-L181, L2034-L2045, L2128-L2163, L2367-L2467) and finalized at 84 FR 15829 (Apr. 16, 2019; current 42 CFR
422.135, source ``ecfr-42``). Pure rules live in :mod:`partcd.telehealth.rules`; see ``README.md`` for the table of
provisions, modules and scenarios.
"""
