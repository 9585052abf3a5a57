"""Shared fixtures: paths to ../shared, the PostgreSQL URL (fails loudly in CI when missing)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PARTCD_SHARED_DIR", ROOT.parent / "shared"))
REFERENCE = SHARED / "reference"
STAR_DATA = SHARED / "data" / "star-ratings"

os.environ.setdefault("PARTCD_REFERENCE_DIR", str(REFERENCE))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"../shared not found at {SHARED} (set PARTCD_SHARED_DIR)")
    return SHARED
