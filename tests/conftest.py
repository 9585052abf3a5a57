"""Shared fixtures: paths to ../shared, the PostgreSQL URL (fails loudly in CI when missing)."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

pytest_plugins = ["browser_fixtures"]  # live server, headless Chromium, login (tests/browser_fixtures.py)

ROOT = Path(__file__).resolve().parents[1]


def _find_shared() -> Path:
    """``../shared`` beside the checkout; for a clone elsewhere (CI's temp dir), beside the repository it was
    cloned from; ``$PARTCD_SHARED_DIR`` overrides both."""
    if os.environ.get("PARTCD_SHARED_DIR"):
        return Path(os.environ["PARTCD_SHARED_DIR"])
    candidates = [ROOT.parent / "shared"]
    try:
        origin = subprocess.run(["git", "-C", str(ROOT), "config", "--get", "remote.origin.url"],
                                capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        origin = ""
    if origin and "://" not in origin:
        candidates.append(Path(origin).resolve().parent / "shared")
    return next((c for c in candidates if (c / "reference").is_dir()), candidates[0])


SHARED = _find_shared()
REFERENCE = SHARED / "reference"
STAR_DATA = SHARED / "data" / "star-ratings"

os.environ["PARTCD_SHARED_DIR"] = str(SHARED)
os.environ.setdefault("PARTCD_REFERENCE_DIR", str(REFERENCE))
#: The compiled-SQL cache (partcd.platform.sqlcache) of this test session: its own folder, removed at exit.
_SQL_CACHE = tempfile.mkdtemp(prefix="partcd-test-cache-")
atexit.register(shutil.rmtree, _SQL_CACHE, True)
os.environ["PARTCD_CACHE_DIR"] = _SQL_CACHE


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"../shared not found at {SHARED} (set PARTCD_SHARED_DIR)")
    return SHARED


PG_BASE = os.environ.get("PARTCD_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_available() -> str | None:
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(PG_BASE.replace("postgresql://", "postgresql+psycopg://"))
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}".splitlines()[0]


@pytest.fixture()
def pg_url() -> object:
    """A PostgreSQL URL on a fresh schema (dropped afterwards). Missing server: fail in CI, skip locally."""
    import uuid

    import sqlalchemy as sa

    problem = _pg_available()
    if problem:
        msg = f"PostgreSQL not reachable at {PG_BASE}: {problem}"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(msg)
        pytest.skip(msg)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_BASE.replace("postgresql://", "postgresql+psycopg://"))
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    yield f"{PG_BASE}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same suite on SQLite (a file) and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'partcd.db'}"
    return str(request.getfixturevalue("pg_url"))
