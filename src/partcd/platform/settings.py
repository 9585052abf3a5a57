"""Runtime settings of the edges (database URL, engine, data folder), from options or environment."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "partcd"


class Settings(BaseModel):
    """``db_url``: SQLAlchemy URL (SQLite file by default, PostgreSQL in production)."""

    model_config = ConfigDict(frozen=True)

    db_url: str
    engine: str = "duckdb"
    data_dir: Path
    plan_timezone: str = "America/New_York"

    @classmethod
    def from_env(cls, db: str | None = None, engine: str | None = None) -> Settings:
        data_dir = Path(os.environ.get("PARTCD_DATA_DIR") or default_data_dir())
        url = db or os.environ.get("PARTCD_DB") or f"sqlite:///{data_dir / 'partcd.db'}"
        return cls(
            db_url=url,
            engine=engine or os.environ.get("PARTCD_ENGINE") or "duckdb",
            data_dir=data_dir,
            plan_timezone=os.environ.get("PARTCD_PLAN_TZ") or "America/New_York",
        )
