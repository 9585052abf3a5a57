"""Uploaded files: saved into a temporary folder; errors about a saved file name the upload, not the server path."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import UploadFile

from partcd.core.errors import InputError


@contextmanager
def uploads() -> Iterator[tuple[Path, dict[str, str]]]:
    """A temporary folder for the uploads; an InputError about a saved file names the upload instead."""
    names: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        try:
            yield Path(tmp), names
        except InputError as exc:
            if exc.file in names:
                raise InputError(names[exc.file], exc.row, exc.field, exc.reason) from None
            raise


async def save_upload(upload: UploadFile, folder: Path, names: dict[str, str]) -> Path:
    """Save ``upload`` in the ``uploads()`` folder under a fresh name (its suffix kept; ``.csv`` without one)."""
    label = upload.filename or "upload"
    suffix = Path(label).suffix or ".csv"
    path = folder / f"upload{len(names) // 2}{suffix}"
    path.write_bytes(await upload.read())
    names[str(path)] = names[path.name] = label
    return path
