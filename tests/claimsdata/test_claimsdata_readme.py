"""The README's paths exist: every backquoted file or folder (relative to the area, the repository, or beside it for
``shared/``)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AREA = ROOT / "src" / "partcd" / "claimsdata"


def test_every_path_in_the_readme_exists() -> None:
    text = (AREA / "README.md").read_text(encoding="utf-8")
    paths = {p for p in re.findall(r"`([A-Za-z0-9_./-]+)`", text) if re.search(r"\.(py|yaml|md)$|/$", p)}
    assert paths, "the README names its modules"
    missing = [p for p in sorted(paths) if not any((base / p).exists() for base in (AREA, ROOT, ROOT.parent))]
    assert missing == []
