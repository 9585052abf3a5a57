"""D-SNP integration (42 CFR 422.2, 422.107, 422.562(a)(5), 422.752(d); CMS-4185-P L1961-L1987, L2094-L2110,
L2586-L2612, L2976): the plan x State Medicaid agency contract registry, the § 422.107 contract-term checklist with
evidence, CMS's list of integrated D-SNPs reconciled with partcd's classification, the 2021 minimum-integration test,
hospital and SNF admission notifications to the State, the § 422.752(d) enrollment sanction (plan years 2021-2025)
and the § 422.562(a)(5) Medicaid-assistance duty recorded per case.
"""
