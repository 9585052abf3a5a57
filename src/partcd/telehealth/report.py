"""§§ 422.135, 422.252-422.264 - HTML reports: the bid worked line by line (both scenarios and their difference) and
the classification of services, each decision with its reason and quote-checked citation."""

from __future__ import annotations

from pathlib import Path

from partcd.platform import report
from partcd.telehealth.rules.bid import BidComparison
from partcd.telehealth.rules.classification import CATEGORY_TITLES, Classification


def write_bid(comparison: BidComparison, path: Path, *, title: str | None = None) -> Path:
    """The bid report (``telehealth/report.html.j2``) for one worksheet."""
    return report.render("telehealth/report.html.j2", path, c=comparison, classifications=None,
                         title=title or f"Telehealth in the {comparison.contract_year} bid: {comparison.plan_name}",
                         categories=CATEGORY_TITLES)


def write_classifications(classifications: list[Classification], path: Path, *, year: int,
                          title: str | None = None) -> Path:
    """The classification report for a services file."""
    return report.render("telehealth/report.html.j2", path, c=None, classifications=classifications,
                         title=title or f"Additional telehealth benefits, contract year {year}", year=year,
                         categories=CATEGORY_TITLES)
