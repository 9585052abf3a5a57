"""§ 423.153(g) - the claims-data report: requests and their history with citations, the release calendar and its
findings, the extracts built (counts and columns, never identifiers), every access permitted or refused, and the
purposes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from partcd.platform import report


def write_report(path: Path, *, title: str, requests: list[dict[str, Any]], refused_requests: list[dict[str, Any]],
                 releases: list[dict[str, Any]], findings: list[dict[str, Any]], extracts: list[dict[str, Any]],
                 accesses: list[dict[str, Any]], purposes: dict[str, Any], as_of: str) -> Path:
    """Render ``claimsdata/report.html.j2`` to ``path``."""
    return report.render("claimsdata/report.html.j2", path, title=title, requests=requests,
                         refused_requests=refused_requests, releases=releases, findings=findings, extracts=extracts,
                         accesses=accesses, purposes=purposes, as_of=as_of)
