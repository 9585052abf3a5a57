"""The preclusion-list area's declaration (read by :mod:`partcd.registry`)."""

from partcd.core.area import Area, NavItem

AREA = Area(
    name="preclusion",
    title="Preclusion list",
    summary="Preclusion list: claim screening, derived dates, beneficiary notices (42 CFR 422.222, 423.120(c)(6)).",
    params_view="partcd.preclusion.rules.params:PreclusionParams",
    cli="partcd.preclusion.cli:app",
    router="partcd.preclusion.api:router",
    pages="partcd.preclusion.web:router",
    nav=(NavItem("Preclusion", "/preclusion"),),
    migrations=True,
    demo="partcd.preclusion.demo:demo",
)
