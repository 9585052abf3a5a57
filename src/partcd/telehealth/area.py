"""The telehealth area's declaration (read by :mod:`partcd.registry`)."""

from partcd.core.area import Area, NavItem

AREA = Area(
    name="telehealth",
    title="Additional telehealth benefits",
    summary="MA additional telehealth benefits: classification and the bid between basic and supplemental benefits "
            "(42 CFR 422.135, 422.252-422.264).",
    params_view="partcd.telehealth.rules.parameters:TelehealthParams",
    cli="partcd.telehealth.cli:app",
    router="partcd.telehealth.api:router",
    pages="partcd.telehealth.web:router",
    nav=(NavItem("Telehealth", "/telehealth"),),
    demo="partcd.telehealth.demo:demo",
)
