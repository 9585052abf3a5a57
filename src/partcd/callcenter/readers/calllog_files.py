"""The call-log files themselves, without the engine expressions: which files an input names, the generic columns,
the ``call_start`` span from Parquet statistics, the contract rule of an aggregated group, the known contracts, and
the exact ``call_id`` hash check on a plain DuckDB connection. Light to import (no Ibis, no profiles): the metrics
run from cached SQL (:mod:`partcd.callcenter.pipelines.firstpass`) starts the engine with these alone.
"""

from __future__ import annotations

import glob as globbing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from partcd.core.errors import ConfigError, InputError
from partcd.platform import frames

REQUIRED = ("call_id", "contract_id", "call_start", "ivr_end", "answered_at", "call_end", "end_reason",
            "interpreter_requested", "interpreter_connected_at", "tty", "tty_connected_at")
TIMESTAMPS = ("call_start", "ivr_end", "answered_at", "call_end", "interpreter_connected_at", "tty_connected_at")
END_REASONS = ("completed", "caller_hangup", "dropped")
CONTRACT_ID_PATTERN = r"^[HRSE][0-9]{4}$"
#: Bounds of one input: files per folder/glob, and the longest call-log cell value shown in an error.
MAX_FILES = 10_000


def resolve_inputs(spec: Path | str) -> list[Path]:
    """One file; a folder (its ``*.csv`` / ``*.parquet`` files); or a glob pattern. Sorted; one format."""
    text = str(spec)
    path = Path(text)
    if path.is_file():
        return [path]
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in {".csv", ".parquet", ".pq"})
        where = f"folder {path}"
    elif any(ch in text for ch in "*?["):
        found = sorted(Path(p) for p in globbing.glob(text, recursive=True) if Path(p).is_file())
        where = f"pattern {text}"
    else:
        raise InputError(text, None, None, "file not found")
    if not found:
        raise InputError(text, None, None, f"no call-log files (.csv, .parquet) in {where}")
    if len(found) > MAX_FILES:
        raise InputError(text, None, None, f"{len(found)} files in {where}; at most {MAX_FILES}")
    formats = {frames.file_format(p) for p in found}
    if len(formats) > 1:
        raise InputError(text, None, None, f"mixed file types in {where} ({', '.join(sorted(formats))}): use one")
    return found


def parquet_start_range(raw: Any, paths: Sequence[Path]) -> tuple[int, int] | None:
    """(min, max) epoch us of the typed ``call_start`` of Parquet files, on a plain DuckDB connection."""
    files = ", ".join("'" + str(p.resolve()).replace("'", "''") + "'" for p in paths)
    query = f"SELECT epoch_us(min(call_start)), epoch_us(max(call_start)) FROM read_parquet([{files}])"
    lo, hi = raw.sql(query).fetchall()[0]
    return None if lo is None else (int(lo), int(hi))


def contract_problem(contract_id: str | None, known_contracts: frozenset[str] | None) -> bool:
    """Whether a contract id breaks the per-row contract rules (checked once per aggregated group)."""
    import re

    if contract_id is None or not re.match(CONTRACT_ID_PATTERN, contract_id):
        return True
    return known_contracts is not None and contract_id not in known_contracts


def parse_contracts(value: str) -> frozenset[str]:
    """The known contracts: a file (one id a line, ``#`` comments; or a CSV with a ``contract_id`` column) or ``H1234,H5678``."""
    import re

    pattern = re.compile(CONTRACT_ID_PATTERN)
    path = Path(value)
    file = str(path)
    if path.is_file():
        lines = [ln.split("#", 1)[0].strip() for ln in path.read_text(encoding="utf-8-sig").splitlines()]
        header = [c.strip() for c in lines[0].split(",")] if lines else []
        if "contract_id" in header:
            col = header.index("contract_id")
            items = [(i, ln.split(",")[col].strip() if len(ln.split(",")) > col else "")
                     for i, ln in enumerate(lines[1:], start=2) if ln]
        else:
            items = [(i, ln) for i, ln in enumerate(lines, start=1) if ln]
        for row, cid in items:
            if not pattern.match(cid):
                raise InputError(file, row, "contract_id", f"{cid!r} does not look like H1234, R1234, S1234 or E1234")
        if not items:
            raise InputError(file, None, None, "no contracts in the file")
        return frozenset(cid for _, cid in items)
    ids = [v.strip() for v in value.split(",") if v.strip()]
    wrong = [v for v in ids if not pattern.match(v)]
    if wrong or not ids:
        raise ConfigError(f"--contracts: not a file and not a list of contract ids like H1234,H5678: {value!r}")
    return frozenset(ids)


# ------------------------------------------------------------------------------------------ checked call logs


#: Hashes fetched per Arrow batch by :func:`id_check` on DuckDB.
HASH_BATCH = 1 << 20


def sorted_hashes_distinct(raw: Any, sql: str, rows: int) -> tuple[int, bool]:
    """Run ``sql`` (:func:`id_sql`) on a plain DuckDB connection: (hashes, whether all differ). The hashes stream
    into one buffer (8 bytes a call; ``rows``, the log's row count, sizes it) that numpy sorts in place; a hash
    equal to its neighbour is a repeat."""
    import numpy as np

    buf = np.empty(max(rows, 1), dtype=np.uint64)
    n = 0
    result = raw.sql(sql)
    reader = result.to_arrow_reader if hasattr(result, "to_arrow_reader") else result.fetch_arrow_reader  # duckdb < 1.4
    for batch in reader(HASH_BATCH):
        col = batch.column(0)
        if col.null_count:  # never: the ids are filtered on notnull (to_numpy's null path would import pandas)
            raise ValueError("a null hash of a non-empty call_id")
        part = np.frombuffer(col.buffers()[1], dtype=np.uint64)[col.offset:col.offset + len(col)]
        if n + len(part) > len(buf):  # the file grew between the passes: make room
            buf = np.resize(buf, max(2 * len(buf), n + len(part)))
        buf[n:n + len(part)] = part
        n += len(part)
    seen = buf[:n]
    seen.sort()
    return n, not bool(np.any(seen[1:] == seen[:-1]))
