"""A cache of compiled SQL in the user's cache folder, so a command line run can skip importing Ibis and compiling
its expressions when the same query was compiled before.

An entry is stored under the SHA-256 of its key and holds the key itself: a load compares the whole key, so only
the same inputs give the same SQL. Callers put in the key everything the SQL depends on: the kind of query, the
input's schema, the options, a digest of the code and parameter files that build the SQL (:func:`files_digest`)
and the versions of the libraries that compile it (:func:`versions`). Any change is a miss, and the caller
compiles and stores again.

Where: ``PARTCD_CACHE_DIR``, else ``$XDG_CACHE_HOME/partcd``, else ``~/.cache/partcd``; ``PARTCD_SQL_CACHE=0``
turns it off. The cached text is SQL the engine runs, so the folder must be the user's own: it is created with mode
0700 and files 0600 (written whole, then renamed into place), and a folder or file owned by another user, or
writable by group or others, is ignored. An unreadable or malformed entry is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

#: Entries kept: past this many, the oldest are removed when one is stored.
MAX_ENTRIES = 256
FORMAT = 1


def cache_dir() -> Path | None:
    """The cache folder, or None when the cache is turned off (``PARTCD_SQL_CACHE=0``)."""
    if os.environ.get("PARTCD_SQL_CACHE", "1").strip().lower() in {"0", "false", "no", "off"}:
        return None
    chosen = os.environ.get("PARTCD_CACHE_DIR")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "partcd"


def _safe(path: Path, *, folder: bool) -> bool:
    """Owned by this user, not a symbolic link, the right kind, and not writable by group or others."""
    try:
        info = path.lstat()
    except OSError:
        return False
    kind_ok = stat.S_ISDIR(info.st_mode) if folder else stat.S_ISREG(info.st_mode)
    return kind_ok and info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _entry(kind: str, key: Mapping[str, Any]) -> tuple[str, str]:
    text = json.dumps({"kind": kind, "format": FORMAT, "key": key}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest(), text


def load(kind: str, key: Mapping[str, Any]) -> dict[str, Any] | None:
    """The stored value for exactly this key, or None."""
    folder = cache_dir()
    if folder is None or not _safe(folder, folder=True):
        return None
    digest, text = _entry(kind, key)
    path = folder / f"{kind}-{digest}.json"
    if not _safe(path, folder=False):
        return None
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("entry") != text or not isinstance(stored.get("value"), dict):
        return None
    value: dict[str, Any] = stored["value"]
    return value


def store(kind: str, key: Mapping[str, Any], value: Mapping[str, Any]) -> bool:
    """Store ``value`` (JSON) for the key; False when the cache is off or its folder is not safe to use."""
    folder = cache_dir()
    if folder is None:
        return False
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return False
    if not _safe(folder, folder=True):
        return False
    digest, text = _entry(kind, key)
    path = folder / f"{kind}-{digest}.json"
    try:
        fd, tmp = tempfile.mkstemp(prefix=".entry-", dir=folder)  # mode 0600
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"entry": text, "value": value}, fh)
        os.replace(tmp, path)
    except OSError:
        return False
    _prune(folder)
    return True


def _prune(folder: Path) -> None:
    entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime)
    for old in entries[:max(0, len(entries) - MAX_ENTRIES)]:
        old.unlink(missing_ok=True)


def files_digest(files: Iterable[Path]) -> str:
    """SHA-256 over the names and contents of the files (sorted): code and parameter files that build the SQL."""
    h = hashlib.sha256()
    for path in sorted(files):
        h.update(str(path.name).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def versions(*packages: str) -> dict[str, str]:
    """Installed versions of the packages (a package that is not installed is named as such)."""
    out = {}
    for name in packages:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out
