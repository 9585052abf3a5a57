"""The MPF Price Accuracy area's declaration (read by :mod:`partcd.registry`)."""

from partcd.core.area import Area

AREA = Area(
    name="mpf",
    title="MPF Price Accuracy",
    summary="Part D MPF Price Accuracy (Star Ratings D07) from PDEs and MPF price files (42 CFR 423.184).",
    params_view="partcd.mpf.rules.params:MpfParams",
    cli="partcd.mpf.cli:app",
    demo="partcd.mpf.demo:demo",
    provides={"mpf_price_accuracy": "partcd.mpf.pipelines:measure_scores"},
)
