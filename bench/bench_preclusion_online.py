"""§§ 422.222(a)(1), 423.120(c)(6) - latency of ``POST /api/v1/preclusion/check`` under a fixed request rate.

A real server: ``partcd --db sqlite:///<tmp> serve`` (uvicorn, one worker) on 127.0.0.1 in its own process, with a
100,000-row synthetic list stored through :func:`partcd.preclusion.pipelines.import_list` (held in memory by the
server after start-up) and a viewer key. This process is the client: an open-loop generator (asyncio + httpx, up to
64 connections) sends ``RATE`` requests a second for ``SECONDS`` seconds - a bounded loop of RATE x SECONDS requests,
each sent at its scheduled instant whether or not earlier ones have answered. Latency is measured from the scheduled
instant to the response (queueing included: no coordinated omission), for synthetic claims of all four transactions
(about a third name a listed NPI).

Baseline, same process, same rate, same server: ``GET /health`` (no key, one ``SELECT 1``): what the server and the
client cost before authentication and the check; ``ratio`` = check p50 / health p50. Also reported: the pure
:func:`partcd.preclusion.pipelines.check_claim` time per call in this process (no HTTP, no key check).

Knobs: ``PARTCD_BENCH_ONLINE_RATE`` (200), ``PARTCD_BENCH_ONLINE_SECONDS`` (20), ``PARTCD_BENCH_ONLINE_LIST``
(100000). The machine's load average is reported with the numbers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.csv as pacsv

from partcd.platform.auth import create_key
from partcd.platform.store.db import connect, upgrade
from partcd.preclusion import pipelines
from partcd.preclusion.samples import synthetic_claims, synthetic_list

SEED = 20200101
RATE = int(os.environ.get("PARTCD_BENCH_ONLINE_RATE", "200"))
SECONDS = int(os.environ.get("PARTCD_BENCH_ONLINE_SECONDS", "20"))
N_LIST = int(os.environ.get("PARTCD_BENCH_ONLINE_LIST", "100000"))
N_CLAIMS = 5_000
WARM_UP = 300


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _claims(postings: Any) -> list[dict[str, Any]]:
    table = synthetic_claims(np.random.default_rng(SEED + 1), N_CLAIMS, postings, first_service=dt.date(2020, 1, 1))
    out = []
    for row in table.to_pylist():
        out.append({k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.items() if v is not None})
    return out


async def _load(base: str, path: str, bodies: list[dict[str, Any]] | None, key: str | None, n: int) -> dict[str, Any]:
    """``n`` requests at ``RATE`` per second (open loop); latencies from each scheduled instant, in ms."""
    import httpx

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    headers = {"X-API-Key": key} if key else {}
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30.0) as client:

        async def one(i: int, scheduled: float) -> None:
            if bodies is None:
                r = await client.get(path)
            else:
                r = await client.post(path, json=bodies[i % len(bodies)])
            latencies.append((time.perf_counter() - scheduled) * 1000)
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1

        tasks = []
        start = time.perf_counter() + 0.05
        for i in range(n):
            scheduled = start + i / RATE
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i, scheduled)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
    lat = np.array(latencies)
    return {"requests": n, "achieved_rps": round(n / elapsed, 1), "statuses": statuses,
            "p50_ms": round(float(np.percentile(lat, 50)), 2), "p90_ms": round(float(np.percentile(lat, 90)), 2),
            "p99_ms": round(float(np.percentile(lat, 99)), 2), "max_ms": round(float(lat.max()), 2)}


def _pure_us(claims: list[dict[str, Any]], index: Any) -> float:
    t0 = time.perf_counter()
    for body in claims:
        pipelines.check_claim(body, index)
    return (time.perf_counter() - t0) / len(claims) * 1e6


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="partcd-bench-online-") as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'online.db'}"
        postings = synthetic_list(np.random.default_rng(SEED), N_LIST)
        pacsv.write_csv(postings, folder / "PreclusionList_bench.csv")
        engine = connect(url)
        upgrade(engine)
        t0 = time.perf_counter()
        imported = pipelines.import_list(engine, folder / "PreclusionList_bench.csv", actor="bench")
        import_s = time.perf_counter() - t0
        key = create_key(engine, "pharmacy-system", "viewer")
        engine.dispose()
        claims = _claims(postings)
        port = _free_port()
        log = (folder / "server.log").open("wb")
        server = subprocess.Popen([sys.executable, "-m", "partcd.platform.cli", "--db", url, "serve", "--port", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=log,
                                  env={**os.environ, "PARTCD_PRECLUSION_LIST_RECHECK_S": "5"})
        base = f"http://127.0.0.1:{port}"
        try:
            started = _wait_ready(base, server, folder / "server.log")
            asyncio.run(_load(base, "/api/v1/preclusion/check", claims, key, WARM_UP))  # connections, caches
            health = asyncio.run(_load(base, "/health", None, None, RATE * SECONDS))
            check = asyncio.run(_load(base, "/api/v1/preclusion/check", claims, key, RATE * SECONDS))
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()
        pure_us = _pure_us(claims, pipelines.index_postings(pipelines.read_postings(folder / "PreclusionList_bench.csv")))
        return [{
            "list_rows": N_LIST, "rate_rps": RATE, "seconds": SECONDS, "import_list_s": round(import_s, 2),
            "server_ready_s": round(started, 2), "list_version": imported.version.version_id,
            "check": check, "health_baseline": health, "ratio": round(check["p50_ms"] / health["p50_ms"], 2),
            "pure_check_claim_us": round(pure_us, 1), "load_average_1m": round(os.getloadavg()[0], 2),
        }]


def _wait_ready(base: str, server: subprocess.Popen[bytes], log: Path) -> float:
    import httpx

    t0 = time.perf_counter()
    while time.perf_counter() - t0 < 120:
        if server.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                return time.perf_counter() - t0
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not start within 120 s")
