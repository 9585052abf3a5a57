"""Measuring a benchmark pair in one process: wall seconds, CPU seconds of the process (every engine thread counts)
and the peak resident memory during the call (sampled from ``/proc/self/status``), best of N interleaved runs."""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

_STATUS = Path("/proc/self/status")


def rss_mb() -> float:
    """The process's resident memory now (MB; 0 where /proc is not there)."""
    if not _STATUS.is_file():
        return 0.0
    for line in _STATUS.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclasses.dataclass
class Sample:
    """One timed call: wall and CPU seconds, peak resident memory (MB) while it ran, and what it returned."""

    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    value: Any = None


def measure(fn: Callable[[], Any], every_s: float = 0.05) -> Sample:
    """Call ``fn`` once; a sampling thread records the resident memory's peak while it runs."""
    peak = [rss_mb()]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(every_s):
            peak[0] = max(peak[0], rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        value = fn()
    finally:
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        done.set()
        sampler.join()
    return Sample(wall, cpu, max(peak[0], rss_mb()), value)


def interleaved(pair: dict[str, Callable[[], Any]], repeats: int) -> dict[str, list[Sample]]:
    """Each function of ``pair`` called ``repeats`` times, alternately (machine load hits both alike)."""
    out: dict[str, list[Sample]] = {name: [] for name in pair}
    for _ in range(repeats):
        for name, fn in pair.items():
            out[name].append(measure(fn))
    return out


def best(samples: list[Sample]) -> dict[str, float]:
    """The least wall and the least CPU seconds (each over the runs) and the highest peak memory."""
    return {"wall_s": round(min(s.wall_s for s in samples), 2), "cpu_s": round(min(s.cpu_s for s in samples), 2),
            "peak_rss_mb": round(max(s.peak_rss_mb for s in samples))}


def ratios(mine: dict[str, float], base: dict[str, float]) -> dict[str, float]:
    return {"ratio_wall": round(mine["wall_s"] / base["wall_s"], 3), "ratio_cpu": round(mine["cpu_s"] / base["cpu_s"], 3)}


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages (the machine is shared)."""
    return [round(x, 2) for x in os.getloadavg()]
