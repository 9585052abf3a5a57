"""Runtime settings of the edges (database URL, engine, data folder, request limits, web sessions), from options or
environment.

Limits are the server's own choices (the regulation is silent); each is named here with its default and reason and
can be set with a ``PARTCD_<NAME>`` environment variable (e.g. ``PARTCD_UPLOAD_MAX_BYTES=524288000``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from partcd.core.errors import ConfigError

MIB = 1024 * 1024


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "partcd"


class Settings(BaseModel):
    """``db_url``: SQLAlchemy URL (SQLite file by default, PostgreSQL in production).

    Upload limits (checked at the upload edge before a file is parsed):
    ``upload_max_bytes`` - bytes of one request carrying files (200 MiB: a quarter's call log of ~1.3 M calls as CSV);
    ``upload_max_rows`` - rows of one table (2 M: about the rows of a CSV at the byte cap);
    ``upload_max_cells`` - rows x columns of one table (40 M: 2 M rows of 20 columns);
    ``upload_max_unpacked_bytes`` - what a compressed upload unpacks to: the members of an .xlsx (zip) and the decoded
    column data of a Parquet file (1 GiB: a 2 M-row call log decodes to ~0.6 GiB; an .xlsx gets no more than
    ``upload_max_bytes``, as its XML is read cell by cell in Python);
    ``upload_time_limit_s`` - wall time of one upload's parse and computation (the request answers 503 after it);
    ``upload_workers`` - uploads parsed at the same time (others wait their turn inside their time limit), so that
    uploads cannot take the threads every other request runs on.
    ``json_max_bytes`` - body of any other request (2 MiB).

    Web sessions: ``session_ttl_s`` - a session's lifetime from login (8 h, one working day); ``login_failures_per_min``
    - failed sign-ins per client address and minute before the login answers 429; ``trusted_origins`` - origins besides
    the server's own that may post forms (a reverse proxy's public URL).
    """

    model_config = ConfigDict(frozen=True)

    db_url: str
    engine: str = "duckdb"
    data_dir: Path
    plan_timezone: str = "America/New_York"
    upload_max_bytes: int = Field(default=200 * MIB, ge=1)
    upload_max_rows: int = Field(default=2_000_000, ge=1)
    upload_max_cells: int = Field(default=40_000_000, ge=1)
    upload_max_unpacked_bytes: int = Field(default=1024 * MIB, ge=1)
    upload_time_limit_s: float = Field(default=300.0, gt=0)
    upload_workers: int = Field(default=2, ge=1)
    json_max_bytes: int = Field(default=2 * MIB, ge=1)
    session_ttl_s: int = Field(default=8 * 3600, ge=60)
    login_failures_per_min: int = Field(default=10, ge=1)
    trusted_origins: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, db: str | None = None, engine: str | None = None) -> Settings:
        data_dir = Path(os.environ.get("PARTCD_DATA_DIR") or default_data_dir())
        url = db or os.environ.get("PARTCD_DB") or f"sqlite:///{data_dir / 'partcd.db'}"
        limits: dict[str, Any] = {}
        for name in ("upload_max_bytes", "upload_max_rows", "upload_max_cells", "upload_max_unpacked_bytes",
                     "upload_time_limit_s", "upload_workers", "json_max_bytes", "session_ttl_s", "login_failures_per_min"):
            value = os.environ.get(f"PARTCD_{name.upper()}")
            if value:
                limits[name] = value
        origins = os.environ.get("PARTCD_TRUSTED_ORIGINS")
        if origins:
            limits["trusted_origins"] = tuple(o.strip().rstrip("/") for o in origins.split(",") if o.strip())
        try:
            return cls(
                db_url=url,
                engine=engine or os.environ.get("PARTCD_ENGINE") or "duckdb",
                data_dir=data_dir,
                plan_timezone=os.environ.get("PARTCD_PLAN_TZ") or "America/New_York",
                **limits,
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            name = str(first["loc"][0]) if first["loc"] else "setting"
            raise ConfigError(f"PARTCD_{name.upper()}: {first['msg']}") from None
