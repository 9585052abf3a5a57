"""The README's paths exist: every backquoted file or folder (relative to the area, the repository, or beside it for
``shared/``)."""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AREA = ROOT / "src" / "partcd" / "claimsdata"

#: ``shared/...`` paths: beside the checkout, or beside the repository a clean clone came from (tests/conftest.py).
SHARED_PARENT = Path(os.environ.get("PARTCD_SHARED_DIR", str(ROOT.parent / "shared"))).parent


def test_every_path_in_the_readme_exists() -> None:
    text = (AREA / "README.md").read_text(encoding="utf-8")
    paths = {p for p in re.findall(r"`([A-Za-z0-9_./-]+)`", text) if re.search(r"\.(py|yaml|md)$|/$", p)}
    assert paths, "the README names its modules"
    missing = [p for p in sorted(paths) if not any((base / p).exists() for base in (AREA, ROOT, ROOT.parent, SHARED_PARENT))]
    assert missing == []
