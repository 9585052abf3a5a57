"""The D-SNP integration area's declaration (read by :mod:`partcd.registry`)."""

from partcd.core.area import Area, NavItem

AREA = Area(
    name="dsnp",
    title="D-SNP integration",
    summary="D-SNP integration: State contracts, § 422.107 checklist, CMS list reconciliation, admission notices, "
            "sanction, Medicaid assistance (42 CFR 422.2, 422.107, 422.562(a)(5), 422.752(d)).",
    params_view="partcd.dsnp.rules.parameters:DsnpParams",
    cli="partcd.dsnp.cli:app",
    router="partcd.dsnp.api:router",
    pages="partcd.dsnp.web:router",
    nav=(NavItem("D-SNP", "/dsnp"),),
    migrations=True,
    demo="partcd.dsnp.demo:demo",
)
