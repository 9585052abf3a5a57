"""The compliance area's declaration (read by :mod:`partcd.registry`)."""

from partcd.core.area import Area, Command, NavItem

AREA = Area(
    name="compliance",
    title="Compliance",
    summary="Corrective action plans and business continuity for findings of any area (42 CFR 422.510(c), 422.504(o)).",
    params_view="partcd.compliance.rules.parameters:ComplianceParams",
    cli="partcd.compliance.cli:app",
    commands=(
        Command("cap", "partcd.compliance.cli:cap_app",
                "Corrective action plans: the letter's fields, lifecycle, actions, monitoring, closure."),
        Command("bcp", "partcd.compliance.cli:bcp_app",
                "Business continuity (42 CFR 422.504(o), 423.505(p)): plan, evidence, incidents, 72 h check."),
    ),
    router="partcd.compliance.api:router",
    pages="partcd.compliance.web:router",
    nav=(NavItem("CAPs", "/callcenter/caps"), NavItem("Continuity", "/callcenter/bcp")),
    migrations=True,
    demo="partcd.compliance.demo:demo",
    provides={"cap_status_lookup": "partcd.compliance.pipelines:cap_status_lookup"},
)
