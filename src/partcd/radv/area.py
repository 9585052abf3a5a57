"""The RADV area's declaration (read by :mod:`partcd.registry`)."""

from partcd.core.area import Area, NavItem

AREA = Area(
    name="radv",
    title="Risk adjustment data validation",
    summary="RADV: contract-level samples, payment errors, extrapolation and recovery (42 CFR 422.310(e), 422.311(a)).",
    params_view="partcd.radv.rules.parameters:RadvParams",
    cli="partcd.radv.cli:app",
    router="partcd.radv.api:router",
    pages="partcd.radv.web:router",
    nav=(NavItem("RADV", "/radv"),),
    demo="partcd.radv.demo:demo",
)
