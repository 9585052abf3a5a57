"""The call-center area's declaration (read by :mod:`partcd.registry`)."""

from partcd.core.area import Area

AREA = Area(
    name="callcenter",
    title="Call center",
    summary="Call-center compliance: metrics and verdicts, daily report, hours, monitoring, staffing (42 CFR 422.111(h)(1)).",
    params_view="partcd.callcenter.rules.standards:CallCenterParams",
    cli="partcd.callcenter.cli:app",
    router="partcd.callcenter.api:router",
    demo="partcd.callcenter.demo:demo",
    provides={
        "call_log_findings": "partcd.callcenter.pipelines.metrics:call_log_findings",
        "call_log_daily_report": "partcd.callcenter.pipelines.daily:daily_report",
        "synthetic_call_log_csv": "partcd.callcenter.samples:synthetic_call_log_csv",
    },
)
