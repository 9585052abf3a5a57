"""The preclusion-list area's declaration (read by :mod:`partcd.registry`)."""

from partcd.core.area import Area

AREA = Area(
    name="preclusion",
    title="Preclusion list",
    summary="Preclusion list: claim screening, derived dates, beneficiary notices (42 CFR 422.222, 423.120(c)(6)).",
    params_view="partcd.preclusion.rules.params:PreclusionParams",
)
