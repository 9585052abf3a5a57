"""A test client of the whole app on a fresh SQLite database, with one API key per role (shared by the areas' API
tests)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from fastapi.testclient import TestClient

from partcd.platform.auth import create_key
from partcd.platform.server import create_app
from partcd.platform.settings import Settings

#: The client and the ``X-API-Key`` header of each role.
Api = tuple[TestClient, dict[str, dict[str, str]]]


@contextmanager
def api_client(tmp_path: Path, roles: Sequence[str]) -> Iterator[Api]:
    """The app on ``tmp_path/api.db`` (data in ``tmp_path``) and a key named ``<role>-key`` for each role."""
    app = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'api.db'}", data_dir=tmp_path))
    keys = {r: {"X-API-Key": create_key(app.state.engine, f"{r}-key", r)} for r in roles}
    with TestClient(app) as c:
        yield c, keys
