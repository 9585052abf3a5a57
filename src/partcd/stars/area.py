"""The Star Ratings area's declaration (read by :mod:`partcd.registry`)."""

from partcd.core.area import Area, NavItem

AREA = Area(
    name="stars",
    title="Star Ratings",
    summary="Part C and D Star Ratings: cut points, guardrails, measure stars, summary and overall ratings, what-if and "
            "uncertainty (42 CFR 422.166, 423.186).",
    params_view="partcd.stars.rules.methodology:StarsParams",
    cli="partcd.stars.cli:app",
    router="partcd.stars.api:router",
    pages="partcd.stars.web:router",
    nav=(NavItem("Star Ratings", "/stars"),),
    demo="partcd.stars.demo:demo",
)
