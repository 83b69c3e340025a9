"""Wall-clock timing shared by the benchmark scripts (run them as ``python benchmarks/X.py``)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_ms(fn: Callable[[], object], reps: int, *, warm_up: bool = True) -> float:
    """Median wall-clock time of ``reps`` calls, ms; one untimed call first unless told not
    to (imports, caches, compiled models)."""
    if warm_up:
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)
