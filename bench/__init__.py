"""Benchmarks: each ``bench/bench_*.py`` has ``run() -> list[dict]`` returning rows with a ratio vs. a baseline."""
