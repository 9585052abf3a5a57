"""The claims-data area's declaration (read by :mod:`partcd.registry`)."""

from partcd.core.area import Area, NavItem

AREA = Area(
    name="claimsdata",
    title="Parts A and B claims data for PDP sponsors",
    summary="PDP sponsors' Parts A and B claims-data extracts: requests, attestation, purpose-limited and audited "
            "access (42 CFR 423.153(g)).",
    params_view="partcd.claimsdata.rules.parameters:ClaimsDataParams",
    cli="partcd.claimsdata.cli:app",
    router="partcd.claimsdata.api:router",
    pages="partcd.claimsdata.web:router",
    nav=(NavItem("Claims data", "/claimsdata"),),
    migrations=True,
    demo="partcd.claimsdata.demo:demo",
)
