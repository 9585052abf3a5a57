"""§§ 422.222(a)(1), 423.120(c)(6) - latency of ``POST /api/v1/preclusion/check`` under a fixed request rate.

A real server: ``partcd --db sqlite:///<tmp> serve`` (uvicorn, one worker) on 127.0.0.1 in its own process, with a
100,000-row synthetic list stored through :func:`partcd.preclusion.pipelines.import_list` (held in memory by the
server after start-up) and a viewer key. This process is the client: an open-loop generator (asyncio streams, 32
keep-alive connections, requests encoded beforehand) sends ``RATE`` requests a second for ``SECONDS`` seconds - a
bounded loop of RATE x SECONDS requests, each sent at its scheduled instant whether or not earlier ones have
answered. Latency is measured from the scheduled instant to the response (queueing included: no coordinated
omission), for synthetic claims of all four transactions (about a third name a listed NPI).

Baseline, same process, same rate, same server: ``GET /health`` (no key, one ``SELECT 1``): what the server and the
client cost before authentication and the check; ``ratio`` = check p50 / health p50. Also reported: the pure
:func:`partcd.preclusion.pipelines.check_claim` time per call in this process (no HTTP, no key check).

Also per phase: the server process's CPU time per request (``/proc/<pid>/stat``), which the machine's other load
does not change: 1000 / that is the rate one core sustains. Knobs: ``PARTCD_BENCH_ONLINE_RATE`` (200; several
rates comma-separated, one row each), ``PARTCD_BENCH_ONLINE_SECONDS`` (20), ``PARTCD_BENCH_ONLINE_LIST`` (100000).
The machine's load average is reported with the numbers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
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
RATES = [int(r) for r in os.environ.get("PARTCD_BENCH_ONLINE_RATE", "200").split(",")]
SECONDS = int(os.environ.get("PARTCD_BENCH_ONLINE_SECONDS", "20"))
N_LIST = int(os.environ.get("PARTCD_BENCH_ONLINE_LIST", "100000"))
N_CLAIMS = 5_000
WARM_UP = 300
CONNECTIONS = 32


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


def _server_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (``/proc/<pid>/stat``; 0 where there is no /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measure(base: str, path: str, bodies: list[dict[str, Any]] | None, key: str | None, rate: int,
             pid: int) -> dict[str, Any]:
    """One load phase, with the server's CPU time per request (independent of the machine's other load)."""
    cpu = _server_cpu_s(pid)
    result = asyncio.run(_load(base, path, bodies, key, rate * SECONDS, rate))
    return {**result, "server_cpu_ms_per_request": round((_server_cpu_s(pid) - cpu) / (rate * SECONDS) * 1000, 2)}


async def _load(base: str, path: str, bodies: list[dict[str, Any]] | None, key: str | None, n: int,
                rate: int) -> dict[str, Any]:
    """``n`` requests at ``rate`` per second (open loop); latencies from each scheduled instant, in ms.

    The client is a small HTTP/1.1 keep-alive pool on asyncio streams with the requests encoded beforehand, so the
    load generator spends a fraction of the CPU an HTTP library would, leaving the two cores to the server."""
    host, port = base.removeprefix("http://").split(":")
    auth = f"X-API-Key: {key}\r\n" if key else ""
    if bodies is None:
        requests = [f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{auth}\r\n".encode()]
    else:
        requests = []
        for body in bodies:
            data = json.dumps(body).encode()
            requests.append(f"POST {path} HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Type: application/json\r\n"
                            f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
    idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(CONNECTIONS):
        idle.put_nowait(await asyncio.open_connection(host, int(port)))
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def one(i: int, scheduled: float) -> None:
        reader, writer = await idle.get()
        writer.write(requests[i % len(requests)])
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        length = next(int(h.split(":", 1)[1]) for h in lines if h.lower().startswith("content-length:"))
        await reader.readexactly(length)
        latencies.append((time.perf_counter() - scheduled) * 1000)
        code = int(lines[0].split()[1])
        statuses[code] = statuses.get(code, 0) + 1
        idle.put_nowait((reader, writer))

    tasks = []
    cpu = time.process_time()
    start = time.perf_counter() + 0.05
    for i in range(n):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, scheduled)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    client_cpu = time.process_time() - cpu
    while not idle.empty():
        _, writer = idle.get_nowait()
        writer.close()
    lat = np.array(latencies)
    return {"requests": n, "achieved_rps": round(n / elapsed, 1), "statuses": statuses,
            "p50_ms": round(float(np.percentile(lat, 50)), 2), "p90_ms": round(float(np.percentile(lat, 90)), 2),
            "p99_ms": round(float(np.percentile(lat, 99)), 2), "max_ms": round(float(lat.max()), 2),
            "client_cpu_ms_per_request": round(client_cpu / n * 1000, 3)}


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
        rows: list[dict[str, Any]] = []
        try:
            started = _wait_ready(base, server, folder / "server.log")
            asyncio.run(_load(base, "/api/v1/preclusion/check", claims, key, WARM_UP, 100))  # connections, caches
            for rate in RATES:
                health = _measure(base, "/health", None, None, rate, server.pid)
                check = _measure(base, "/api/v1/preclusion/check", claims, key, rate, server.pid)
                rows.append({"rate_rps": rate, "check": check, "health_baseline": health,
                             "ratio": round(check["p50_ms"] / health["p50_ms"], 2),
                             "load_average_1m": round(os.getloadavg()[0], 2)})
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()
        pure_us = _pure_us(claims, pipelines.index_postings(pipelines.read_postings(folder / "PreclusionList_bench.csv")))
        common = {"list_rows": N_LIST, "seconds": SECONDS, "import_list_s": round(import_s, 2),
                  "server_ready_s": round(started, 2), "list_version": imported.version.version_id,
                  "pure_check_claim_us": round(pure_us, 1)}
        return [{**common, **row} for row in rows]


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
