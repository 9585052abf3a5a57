"""Pure D-SNP rules: contract checklist (§ 422.107), minimum integration and sanction (§§ 422.2, 422.752(d)),
admission notices (§ 422.107(d)), Medicaid assistance (§ 422.562(a)(5)), CMS list reconciliation (§§ 422.2, 422.561)."""
