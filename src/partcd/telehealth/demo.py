"""§ 422.135, §§ 422.252-422.264 - the telehealth demo: the worked example's bid (both scenarios and the difference),
the same bid under the proposal's reading and with excluded costs moved to supplemental benefits, and the services
file with one service of each category, as HTML reports under ``<out>/telehealth/``.

Picked up by ``partcd demo`` (``demo(out, seed, engine)``); the example is fixed data, so the seed and the engine do
not change it.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from partcd.platform.demo import DemoResult
from partcd.telehealth import pipelines, report
from partcd.telehealth.samples import example_services, example_worksheet


def demo(out: Path, seed: int, engine: str) -> DemoResult:
    """Write the worked example, its bid report, two variants and the classification report."""
    folder = out / "telehealth"
    folder.mkdir(parents=True, exist_ok=True)
    sheet = example_worksheet()
    (folder / "worksheet.yaml").write_text(yaml.safe_dump(sheet, sort_keys=False), encoding="utf-8")
    comparison = pipelines.run_bid(pipelines.worksheet_from(sheet, "worked example"))
    report.write_bid(comparison, folder / "index.html")
    (folder / "bid.json").write_text(json.dumps(comparison.model_dump(mode="json"), indent=2) + "\n", encoding="utf-8")
    proposed = pipelines.run_bid(pipelines.worksheet_from(
        pipelines.apply_settings(sheet, ["reading=proposed"]), "worked example"))
    report.write_bid(proposed, folder / "proposed.html",
                     title="The worked example under the proposal's reading (CMS-4185-P: provider directory required)")
    basic_only = pipelines.run_bid(pipelines.worksheet_from(
        pipelines.apply_settings(sheet, ["exclusion_scope=basic_only"]), "worked example"))
    report.write_bid(basic_only, folder / "basic_only.html",
                     title="The worked example with capital and infrastructure costs in supplemental benefits")
    services = example_services()
    year, plan, items = pipelines.services_from(services, "example services")
    classes = pipelines.run_classify(year, plan, items)
    report.write_classifications(classes, folder / "classify.html", year=year)
    d = {line.id: line.value_usd for line in comparison.differences}
    wrong = [c.service_id for c in classes if c.consistent_with_offer is False]
    return DemoResult(
        "telehealth", "Additional telehealth benefits: the bid between basic and supplemental benefits",
        "telehealth/index.html",
        f"{d['M5']:.2f} USD PMPM moved into the basic bid; Medicare {d['G2']:+.2f}, enrollee premium {d['E1']:+.2f} PMPM; "
        f"{len(classes)} services classified, {len(wrong)} offered as telehealth benefits that are not",
        details=[comparison.summary, f"not allowed as offered: {', '.join(wrong) or 'none'}"],
        links=[("proposal's reading", "telehealth/proposed.html"),
               ("excluded costs in supplemental", "telehealth/basic_only.html"),
               ("services classified", "telehealth/classify.html"), ("worksheet", "telehealth/worksheet.yaml")])
