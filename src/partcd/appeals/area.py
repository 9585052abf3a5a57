"""The appeals and grievances area's declaration (read by :mod:`partcd.registry`)."""

from partcd.core.area import Area, NavItem

AREA = Area(
    name="appeals",
    title="Appeals and grievances",
    summary="Appeals and grievances: clocks, classification, cases, notices, queue, universes (42 CFR 422.629-422.634).",
    params_view="partcd.appeals.rules.parameters:AppealsParams",
    cli="partcd.appeals.cli:app",
    router="partcd.appeals.api:router",
    pages="partcd.appeals.web_letterhead:pages",
    nav=(NavItem("Appeals", "/appeals"), NavItem("Notice letterheads", "/appeals/letterhead")),
    migrations=True,
    demo="partcd.appeals.demo:demo",
    provides={"dsnp_classification": "partcd.appeals.rules.classification:classify"},
)
