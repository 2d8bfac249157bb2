"""Timing helpers for the benchmarks: medians of repeated runs, ratios to a baseline."""

from __future__ import annotations

import statistics
import time
from typing import Callable


def median_time(fn: Callable[[], object], repeat: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``fn`` in seconds over ``repeat`` runs after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def report(rows: list[tuple[str, float]], baseline: str) -> None:
    """Print medians and each row's ratio to the baseline row."""
    base = dict(rows)[baseline]
    width = max(len(name) for name, _ in rows)
    print(f"{'method'.ljust(width)}  median s   ratio to {baseline}")
    for name, t in rows:
        print(f"{name.ljust(width)}  {t:9.4f}   {t / base:8.2f}x")
