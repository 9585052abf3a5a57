"""Uploaded files, bounded before they are parsed, and the parse run off the event loop under a time limit.

``UploadJob`` (the ``Uploads`` dependency) is one request's uploads:

- ``await job.save(upload)`` copies the upload (already spooled to disk by the multipart parser, whose request body
  the server caps at ``Settings.upload_max_bytes``) into the job's temporary folder in chunks, off the event loop,
  counting bytes, and then checks what the file would unpack to *before anything reads it*: CSV rows and cells (counted
  while copying); Parquet rows, cells and uncompressed size from the footer (``pyarrow.parquet.ParquetFile.metadata``),
  then the decoded size of dictionary-encoded text columns, streamed as dictionaries (a 216 KB file can hold 5 M rows
  of one long string); .xlsx members' unpacked sizes from the zip directory and each sheet's declared dimension. Over a
  limit the request answers 413 naming the upload and the limit.
- a workbook (.xlsx, .xlsm), once its zip directory passed the checks, is converted to Parquet in a child process
  (``python -m partcd.platform.workbooks``: a fresh interpreter importing only that module, pandas, openpyxl and
  pyarrow), because openpyxl parses cell by cell in Python holding the GIL (``/health`` stalled during an upload). The
  child holds one upload worker and runs within the request's time limit: at the limit (or when the request goes
  away) it is terminated and reaped, and the request answers 503; a workbook it cannot read answers 422 naming the
  upload. ``save``/``save_as`` return the Parquet file's path, so the pipelines read Parquet.
- ``await job.run(fn, ...)`` runs the parse/computation in a worker thread and answers 503 when the request's
  ``Settings.upload_time_limit_s`` is spent (a thread cannot be killed: it finishes its bounded work unobserved). At
  most ``Settings.upload_workers`` upload threads and workbook conversions exist at any time - finished, running or
  abandoned at the time limit - so uploads never take the threads other requests run on; the others wait their turn
  within their own time limit. A file the readers cannot parse answers 422 naming the upload.
- leaving ``with job:`` deletes the folder; an error about a stored file names the upload, never the server's path.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Annotated, Any, BinaryIO, TypeVar

import anyio
from fastapi import Depends, Request, UploadFile

from partcd.core.errors import ConfigError, InputError, PartcdError
from partcd.platform.settings import Settings
from partcd.platform.workbooks import XLSX_TO_PARQUET, is_parse_error

T = TypeVar("T")
CHUNK = 1024 * 1024
#: Members of an .xlsx beyond which it is not a spreadsheet but an archive of things.
XLSX_MAX_MEMBERS = 10_000
#: Rows decoded per batch while measuring dictionary-encoded Parquet columns.
PARQUET_BATCH_ROWS = 65_536
#: How often a waiting upload looks for a free worker.
GATE_POLL_S = 0.05
#: How often the request looks at its workbook's conversion process.
CHILD_POLL_S = 0.02
#: Seconds a terminated conversion process gets to exit before it is killed.
CHILD_TERM_S = 2.0
#: Uploads converted to Parquet in a child process before a pipeline reads them.
WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm"})
#: Bytes of the child's answer read at most (it is one short JSON line).
CHILD_ANSWER_BYTES = 64 * 1024


class UploadRefused(Exception):
    """An upload over a limit (413): which upload, which limit, and the words for the caller."""

    def __init__(self, file: str, limit: str, message: str) -> None:
        super().__init__(message)
        self.file, self.limit, self.message = file, limit, message

    def to_dict(self) -> dict[str, Any]:
        return {"error": "UploadRefused", "file": self.file, "limit": self.limit, "message": self.message}


class UploadTimeout(Exception):
    """The request's time limit was spent (503)."""

    def __init__(self, files: list[str], limit_s: float) -> None:
        self.message = (f"{', '.join(files) or 'the upload'} was not processed within the time limit of {limit_s:g} s; "
                        "split the file or use the command line")
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        return {"error": "UploadTimeout", "message": self.message}


@dataclass(frozen=True)
class Limits:
    """The upload limits of ``Settings`` (see there for the reasons)."""

    max_bytes: int
    max_rows: int
    max_cells: int
    max_unpacked_bytes: int
    max_xlsx_unpacked_bytes: int

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        # A spreadsheet is read cell by cell in Python: its XML gets the byte budget of a CSV upload.
        return cls(settings.upload_max_bytes, settings.upload_max_rows, settings.upload_max_cells,
                   settings.upload_max_unpacked_bytes, min(settings.upload_max_unpacked_bytes, settings.upload_max_bytes))


@dataclass
class UploadJob:
    """One request's uploads: a temporary folder, the upload name of each stored file, the limits and the deadline."""

    settings: Settings
    limiter: anyio.CapacityLimiter
    gate: threading.BoundedSemaphore
    names: dict[str, str] = field(default_factory=dict)
    #: ``module:function`` writing the workbook at its first argument as the Parquet file at its second, run in the
    #: conversion's child process (``python -m partcd.platform.workbooks``).
    convert: str = XLSX_TO_PARQUET
    _tmp: tempfile.TemporaryDirectory[str] | None = None
    _deadline: float = 0.0

    @property
    def folder(self) -> Path:
        if self._tmp is None:
            raise RuntimeError("use the upload job inside 'with job:'")
        return Path(self._tmp.name)

    def __enter__(self) -> UploadJob:
        self._tmp = tempfile.TemporaryDirectory(prefix="partcd-upload-", ignore_cleanup_errors=True)
        self._deadline = time.monotonic() + self.settings.upload_time_limit_s
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        if isinstance(exc, PartcdError):
            relabelled = relabel(exc, self.names)
            if relabelled is not exc:
                raise relabelled from None

    def _remaining(self) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise UploadTimeout(sorted(set(self.names.values())), self.settings.upload_time_limit_s)
        return left

    async def save(self, upload: UploadFile) -> Path:
        """Store ``upload`` under a fresh name in the job's folder (its suffix kept; ``.csv`` without one) and check it."""
        return await self.save_as(upload, self.folder / f"upload{len(self.names) // 2}{suffix_of(upload)}")

    async def save_as(self, upload: UploadFile, path: Path) -> Path:
        """Store ``upload`` at ``path`` (a folder the caller keeps) and check it against the limits; a workbook
        (.xlsx, .xlsm) is then converted in a child process and the path returned is its Parquet file
        (``path`` + ``.parquet``), the path to read."""
        label = upload.filename or "upload"
        self.names[str(path)] = self.names[path.name] = label
        await self._offload(_as_input_errors, store, self.names, upload.file, path, label, Limits.of(self.settings))
        if path.suffix.lower() not in WORKBOOK_SUFFIXES:
            return path
        target = path.with_name(path.name + ".parquet")
        self.names[str(target)] = self.names[target.name] = label
        await self._convert(path, target, label)
        return target

    async def _convert(self, source: Path, target: Path, label: str) -> None:
        """``self.convert(source, target)`` in a child process within the request's time limit, holding one upload
        worker; at the limit (or when the request is cancelled) the child is terminated, never abandoned."""
        try:
            with anyio.fail_after(self._remaining()):
                while not self.gate.acquire(blocking=False):
                    await anyio.sleep(GATE_POLL_S)
                try:
                    outcome = await _run_child(self.convert, source, target)
                finally:
                    self.gate.release()
        except TimeoutError:
            raise UploadTimeout(sorted(set(self.names.values())), self.settings.upload_time_limit_s) from None
        kind, reason = outcome
        if kind == "input":
            raise relabel(InputError(label, None, None, f"cannot read excel: {reason}"), self.names)
        if kind != "ok":
            raise RuntimeError(f"converting an uploaded workbook failed: {scrub_paths(reason)}")

    async def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)`` in an upload worker thread within the request's time limit; what the parsing
        libraries raise about a malformed file becomes a 422 naming the upload."""
        try:
            return await self._offload(functools.partial(_as_input_errors, fn, self.names), *args, **kwargs)
        except UploadTimeout:
            raise
        except PartcdError as exc:
            raise relabel(exc, self.names) from None

    async def _offload(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            with anyio.fail_after(self._remaining()):
                while not self.gate.acquire(blocking=False):  # held until the thread ends, even when abandoned
                    await anyio.sleep(GATE_POLL_S)
                ticket = _Ticket(self.gate)
                try:
                    # abandon_on_cancel: at the limit the request answers at once; the thread gives the gate back.
                    return await anyio.to_thread.run_sync(functools.partial(ticket.run, fn, *args, **kwargs),
                                                          limiter=self.limiter, abandon_on_cancel=True)
                finally:
                    ticket.withdraw()
        except TimeoutError:
            raise UploadTimeout(sorted(set(self.names.values())), self.settings.upload_time_limit_s) from None


async def _run_child(convert: str, source: Path, target: Path) -> tuple[str, str]:
    """Run ``python -m partcd.platform.workbooks convert source target`` and wait for its outcome without blocking the
    event loop; when this returns or raises, the child has ended (terminated, or killed if it ignores that) and has
    been reaped. It runs on the server's import path; its error output is dropped (it may quote the upload)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    command = [sys.executable, "-m", "partcd.platform.workbooks", convert, str(source), str(target)]
    process = await anyio.open_process(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.DEVNULL, env=env)
    try:
        answer = b""
        if process.stdout is not None:
            with contextlib.suppress(anyio.EndOfStream):
                while len(answer) <= CHILD_ANSWER_BYTES:
                    answer += await process.stdout.receive()
        code = await process.wait()
        try:
            kind, reason = json.loads(answer.decode("utf-8", "replace").strip().splitlines()[-1])
            return str(kind), str(reason)
        except (ValueError, IndexError, TypeError):
            return "error", f"the conversion process ended without an answer (exit code {code})"
    finally:
        with anyio.CancelScope(shield=True):
            await _end(process)


async def _end(process: anyio.abc.Process) -> None:
    """Terminate ``process`` if it still runs (killed if it ignores that for ``CHILD_TERM_S``) and reap it."""
    if process.returncode is None:
        process.terminate()
        with anyio.move_on_after(CHILD_TERM_S):
            await process.wait()
        if process.returncode is None:
            process.kill()
            await process.wait()
    await process.aclose()


class _Ticket:
    """One upload thread's hold on the gate: the thread gives it back when it ends; a request that gives up before
    its thread started gives it back itself (exactly one of them does)."""

    def __init__(self, gate: threading.BoundedSemaphore) -> None:
        self.gate = gate
        self._lock = threading.Lock()
        self._state = "waiting"

    def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        with self._lock:
            if self._state == "withdrawn":
                raise UploadTimeout([], 0.0)  # nobody waits for this answer any more
            self._state = "running"
        try:
            return fn(*args, **kwargs)
        finally:
            with self._lock:
                self._state = "done"
                self.gate.release()

    def withdraw(self) -> None:
        with self._lock:
            if self._state == "waiting":
                self._state = "withdrawn"
                self.gate.release()


def workers(settings: Settings) -> tuple[anyio.CapacityLimiter, threading.BoundedSemaphore]:
    """The app's upload workers: a thread limiter of their own and the gate counting their threads."""
    return anyio.CapacityLimiter(settings.upload_workers), threading.BoundedSemaphore(settings.upload_workers)


def upload_job(request: Request) -> UploadJob:
    """The request's upload job (the app's settings and upload workers; ``app.state.workbook_converter``, when set,
    names the ``module:function`` converting workbooks instead of :data:`~partcd.platform.workbooks.XLSX_TO_PARQUET`)."""
    limiter, gate = request.app.state.upload_workers
    convert = getattr(request.app.state, "workbook_converter", XLSX_TO_PARQUET)
    return UploadJob(request.app.state.settings, limiter, gate, convert=str(convert))


Uploads = Annotated[UploadJob, Depends(upload_job)]


def suffix_of(upload: UploadFile) -> str:
    """The upload's suffix when it is a plain one (``.csv``, ``.parquet``, ``.xlsx``...), else ``.csv``."""
    suffix = Path(upload.filename or "").suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ".csv"


def relabel(exc: PartcdError, names: dict[str, str]) -> PartcdError:
    """The same error naming the uploads instead of where the server stored them (longest stored name first)."""
    if not names:
        return exc

    def name(text: str) -> str:
        for stored, label in sorted(names.items(), key=lambda kv: -len(kv[0])):
            text = text.replace(stored, label)
        return scrub_paths(text)

    if isinstance(exc, InputError):
        fixed = InputError(name(exc.file), exc.row, exc.field, name(exc.reason))
        return exc if fixed.to_dict() == exc.to_dict() else fixed
    if isinstance(exc, ConfigError):
        text = exc.message()
        return exc if name(text) == text else ConfigError(name(text))
    return exc


_TEMP_PATH = re.compile(re.escape(tempfile.gettempdir()) + r"/[^\s'\",;:)]*")


def scrub_paths(text: str) -> str:
    """``text`` without the server's temporary paths (each becomes its file name)."""
    return _TEMP_PATH.sub(lambda m: Path(m.group(0)).name, text)


def _as_input_errors(fn: Callable[..., T], names: dict[str, str], /, *args: Any, **kwargs: Any) -> T:
    """Run ``fn``; a reading library's complaint about a malformed upload becomes an ``InputError`` naming it."""
    try:
        return fn(*args, **kwargs)
    except PartcdError:
        raise
    except Exception as exc:
        if not is_parse_error(exc):
            raise
        labels = sorted(set(names.values()))
        text = str(exc)
        named = [label for stored, label in names.items() if "/" in stored and stored in text]
        file = named[0] if named else labels[0] if len(labels) == 1 else "upload"
        reason = relabel(InputError(file, None, None, text.splitlines()[0][:300] if text else type(exc).__name__),
                         names)
        raise reason from None


# --- checks before parsing ------------------------------------------------------------------------------------------


def store(source: BinaryIO, path: Path, label: str, limits: Limits) -> Path:
    """Copy ``source`` to ``path`` under the byte cap (CSV rows counted on the way), then check the format's limits."""
    path.parent.mkdir(parents=True, exist_ok=True)
    source.seek(0)
    size = newlines = 0
    header = b""
    columns: int | None = None
    last = b""
    with path.open("wb") as out:
        while chunk := source.read(CHUNK):
            size += len(chunk)
            if size > limits.max_bytes:
                raise UploadRefused(label, "upload_max_bytes", f"{label} is larger than {limits.max_bytes:,} bytes")
            newlines += chunk.count(b"\n")
            if columns is None:
                header += chunk
                if b"\n" in header or len(header) > CHUNK:
                    columns = header.split(b"\n", 1)[0].count(b",") + 1
            last = chunk[-1:]
            out.write(chunk)
    fmt = path.suffix.lower()
    if fmt in {".parquet", ".pq"}:
        check_parquet(path, label, limits)
    elif fmt in {".xlsx", ".xlsm"}:
        check_xlsx(path, label, limits)
    else:
        lines = newlines + (1 if size and last != b"\n" else 0)
        rows = max(lines - 1, 0)  # the header is not a row
        check_rows(label, rows, rows * (columns if columns is not None else header.count(b",") + 1), limits)
    return path


def check_rows(label: str, rows: int, cells: int, limits: Limits) -> None:
    if rows > limits.max_rows:
        raise UploadRefused(label, "upload_max_rows", f"{label} has {rows:,} rows; the limit is {limits.max_rows:,}")
    if cells > limits.max_cells:
        raise UploadRefused(label, "upload_max_cells", f"{label} has {cells:,} cells (rows x columns); "
                            f"the limit is {limits.max_cells:,}")


def _unpacked(label: str, size: int, limit: int) -> None:
    if size > limit:
        raise UploadRefused(label, "upload_max_unpacked_bytes",
                            f"{label} unpacks to {size:,} bytes or more; the limit is {limit:,}")


def check_parquet(path: Path, label: str, limits: Limits) -> None:
    """Rows, cells and uncompressed size from the footer; then the decoded size of dictionary-encoded text columns,
    read as dictionaries (indices + one copy of each value) so that measuring never decodes them."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(label, None, None, f"not a readable Parquet file ({type(exc).__name__})") from None
    meta = parquet.metadata
    check_rows(label, meta.num_rows, meta.num_rows * max(meta.num_columns, 1), limits)
    uncompressed = 0
    dictionary_columns: set[str] = set()
    text_columns = {f.name for f in parquet.schema_arrow
                    if pa.types.is_string(f.type) or pa.types.is_large_string(f.type) or pa.types.is_binary(f.type)
                    or pa.types.is_large_binary(f.type) or pa.types.is_dictionary(f.type)}
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for c in range(group.num_columns):
            chunk = group.column(c)
            uncompressed += chunk.total_uncompressed_size
            if chunk.has_dictionary_page and chunk.path_in_schema in text_columns:
                dictionary_columns.add(chunk.path_in_schema)
    _unpacked(label, uncompressed, limits.max_unpacked_bytes)
    if not dictionary_columns:
        return
    decoded = 0
    columns = sorted(dictionary_columns)
    reader = pq.ParquetFile(path, read_dictionary=columns)
    for batch in reader.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=columns):
        for array in batch.columns:
            if pa.types.is_dictionary(array.type):
                lengths = pc.binary_length(array.dictionary)
                decoded += int(pc.sum(pc.take(lengths, array.indices)).as_py() or 0)
            else:
                decoded += array.nbytes
        _unpacked(label, decoded, limits.max_unpacked_bytes)


_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?\"")


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def check_xlsx(path: Path, label: str, limits: Limits) -> None:
    """Unpacked sizes from the zip directory (Python's zip reader never yields more than a member declares) and the
    rows x columns each worksheet declares."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise InputError(label, None, None, "not a readable .xlsx file (not a zip archive)") from None
    with archive:
        members = archive.infolist()
        if len(members) > XLSX_MAX_MEMBERS:
            raise UploadRefused(label, "upload_max_unpacked_bytes", f"{label} has {len(members):,} parts")
        _unpacked(label, sum(m.file_size for m in members), limits.max_xlsx_unpacked_bytes)
        rows = cells = 0
        for member in members:
            if not re.fullmatch(r"xl/worksheets/[^/]+\.xml", member.filename):
                continue
            with archive.open(member) as sheet:
                head = sheet.read(4096)
            found = _DIMENSION.search(head)
            if found is None:
                continue
            first_col, first_row, last_col, last_row = found.groups()
            n_rows = int(last_row or first_row) - int(first_row) + 1
            n_cols = _column_number(last_col or first_col) - _column_number(first_col) + 1
            rows, cells = rows + n_rows, cells + n_rows * n_cols
        check_rows(label, rows, cells, limits)
