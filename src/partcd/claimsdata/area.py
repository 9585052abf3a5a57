"""The claims-data area's declaration (read by :mod:`partcd.registry`)."""

from partcd.core.area import Area

AREA = Area(
    name="claimsdata",
    title="Parts A and B claims data for PDP sponsors",
    summary="PDP sponsors' Parts A and B claims-data extracts: requests, attestation, purpose-limited and audited "
            "access (42 CFR 423.153(g)).",
)
