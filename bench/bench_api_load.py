"""HTTP API under load and under hostile uploads (issue 9 items 4 and 5), against a real uvicorn server.

The benchmark starts ``partcd``'s app in its own uvicorn process on 127.0.0.1 (a fresh SQLite database and data folder
in a temporary directory, default settings), creates an analyst key, and drives it with httpx clients in threads:

- load: a read route (``GET /api/v1/law``) and a compute route (``POST /api/v1/callcenter/staff``, Erlang C for one
  steady hour) at 1, 10 and 50 concurrent clients, each cell for ``LOAD_SECONDS`` or ``LOAD_MAX_REQUESTS`` requests,
  whichever comes first: requests/s, p50 and p99 latency; ``ratio`` = throughput / throughput with one client.
- hostile uploads: ``/health`` polled every ``HEALTH_EVERY_S`` while one upload is posted to
  ``POST /api/v1/callcenter/metrics`` - the 216 KB dictionary-encoded Parquet of 5 M rows, a 1.3 MB .xlsx unpacking to
  300 MB, and a CSV of 100,000 bad rows (a legitimate size, parsed): the upload's status and time, ``/health``
  p50/p99/max; ``ratio`` = ``/health`` p99 during the upload / p99 idle.

Counts and times are bounded; the server is stopped at the end. ``python -m bench api_load``.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

LOAD_SECONDS = 3.0
LOAD_MAX_REQUESTS = 20_000
CONCURRENCY = (1, 10, 50)
IDLE_HEALTH_SECONDS = 2.0
HEALTH_EVERY_S = 0.05
MIN_HEALTH_POLLS = 20
UPLOAD_TIMEOUT_S = 120.0
START_TIMEOUT_S = 60.0

SERVER = """
import sys
import uvicorn
from partcd.platform.server import create_app
from partcd.platform.settings import Settings
uvicorn.run(create_app(Settings.from_env()), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""
KEY = """
from partcd.platform.auth import create_key
from partcd.platform.server import create_app
from partcd.platform.settings import Settings
print(create_key(create_app(Settings.from_env()).state.engine, "bench", "analyst"))
"""


def _hostile() -> ModuleType:
    """The hostile-file builders shared with the security tests (``tests/platform/hostile_files.py``)."""
    path = Path(__file__).resolve().parents[1] / "tests" / "platform" / "hostile_files.py"
    spec = importlib.util.spec_from_file_location("hostile_files", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server() -> Iterator[tuple[str, str]]:
    """A uvicorn process serving a fresh database; yields its base URL and an analyst key."""
    with tempfile.TemporaryDirectory(prefix="partcd-bench-api-") as tmp:
        env = {**os.environ, "PARTCD_DATA_DIR": tmp, "PARTCD_DB": f"sqlite:///{tmp}/bench.db"}
        key = subprocess.run([sys.executable, "-c", KEY], env=env, capture_output=True, text=True, check=True,
                             timeout=START_TIMEOUT_S).stdout.strip().splitlines()[-1]
        port = _free_port()
        proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while True:
                try:
                    if httpx.get(base + "/health", timeout=1.0).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the benchmark's uvicorn server did not start")
                time.sleep(0.1)
            yield base, key
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def load(base: str, key: str, send: Callable[[httpx.Client], httpx.Response], clients: int) -> dict[str, Any]:
    """``clients`` threads sending ``send`` back to back for ``LOAD_SECONDS`` (at most ``LOAD_MAX_REQUESTS`` in all);
    every client connects first, the clock starts when all are ready."""
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    window: dict[str, float] = {}
    ready = threading.Barrier(clients + 1, action=lambda: window.update(stop=time.monotonic() + LOAD_SECONDS,
                                                                        start=time.perf_counter()))

    def worker() -> None:
        nonlocal failures
        with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=30.0) as client:
            client.get("/health")
            ready.wait()
            while time.monotonic() < window["stop"]:
                t0 = time.perf_counter()
                status = send(client).status_code
                elapsed = time.perf_counter() - t0
                with lock:
                    if len(latencies) >= LOAD_MAX_REQUESTS:
                        return
                    latencies.append(elapsed)
                    failures += status != 200

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    ready.wait()
    for t in threads:
        t.join()
    wall = time.perf_counter() - window["start"]
    return {"requests": len(latencies), "failures": failures, "rps": round(len(latencies) / wall, 1),
            "p50_ms": _ms(_quantile(latencies, 0.50)), "p99_ms": _ms(_quantile(latencies, 0.99))}


def health_while(base: str, action: Callable[[], Any] | None, seconds: float = IDLE_HEALTH_SECONDS) -> tuple[list[float], Any]:
    """``/health`` latencies polled while ``action`` runs in a thread (or for ``seconds`` when there is none); at least
    ``MIN_HEALTH_POLLS`` polls."""
    result: dict[str, Any] = {}
    done = threading.Event()

    def act() -> None:
        try:
            result["value"] = action() if action is not None else None
        finally:
            done.set()

    if action is None:
        threading.Timer(seconds, done.set).start()
    else:
        threading.Thread(target=act, daemon=True).start()
    latencies: list[float] = []
    with httpx.Client(base_url=base, timeout=UPLOAD_TIMEOUT_S) as client:
        done.wait(0) or done.wait(HEALTH_EVERY_S)  # the upload is under way before the first poll
        while not done.is_set() or len(latencies) < MIN_HEALTH_POLLS:
            t0 = time.perf_counter()
            client.get("/health")
            latencies.append(time.perf_counter() - t0)
            time.sleep(HEALTH_EVERY_S)
    return latencies, result.get("value")


def run() -> Iterator[dict[str, Any]]:
    hostile = _hostile()
    staff_body = {"calls_per_hour": 300, "aht_s": 300, "at": "2022-06-01"}
    routes: dict[str, Callable[[httpx.Client], httpx.Response]] = {
        "GET /api/v1/law": lambda c: c.get("/api/v1/law"),
        "POST /api/v1/callcenter/staff": lambda c: c.post("/api/v1/callcenter/staff", json=staff_body),
    }
    uploads = {
        "parquet_bomb_5M_rows": ("calls.parquet", hostile.parquet_bomb(5_000_000)),
        "xlsx_bomb_300MB": ("calls.xlsx", hostile.xlsx_bomb(300 * 2**20)),
        "csv_100k_bad_rows": ("calls.csv", hostile.call_log_csv(100_000, bad=True)),
    }
    with server() as (base, key):
        for route, send in routes.items():
            single = None
            for clients in CONCURRENCY:
                row = load(base, key, send, clients)
                single = single or row["rps"]
                yield {"case": f"load {route}", "clients": clients, **row, "ratio": round(row["rps"] / single, 2)}
        idle, _ = health_while(base, None)
        idle_p99 = _quantile(idle, 0.99)
        yield {"case": "/health idle", "polls": len(idle), "p50_ms": _ms(_quantile(idle, 0.5)), "p99_ms": _ms(idle_p99),
               "max_ms": _ms(max(idle)), "ratio": 1.0}
        for name, (filename, data) in uploads.items():
            def post(filename: str = filename, data: bytes = data) -> tuple[int, float, str]:
                t0 = time.perf_counter()
                r = httpx.post(base + "/api/v1/callcenter/metrics", files={"calls": (filename, data)},
                               headers={"X-API-Key": key}, timeout=UPLOAD_TIMEOUT_S)
                return r.status_code, time.perf_counter() - t0, r.text[:120]

            during, (status, upload_s, body) = health_while(base, post)
            yield {"case": f"/health during {name}", "upload_bytes": len(data), "upload_status": status,
                   "upload_s": round(upload_s, 2), "answer": body, "polls": len(during),
                   "p50_ms": _ms(_quantile(during, 0.5)), "p99_ms": _ms(_quantile(during, 0.99)),
                   "max_ms": _ms(max(during)), "ratio": round(_quantile(during, 0.99) / idle_p99, 1)}
