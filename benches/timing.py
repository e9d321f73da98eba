"""The benches' one way of timing a call: the best of a few runs.

A shared machine only ever slows a run down, so the fastest of ``repeat``
runs is the figure least disturbed by others; the last run's result comes
back too, for the figures printed beside the time.

    >>> seconds, value = best_of(3, lambda: sum(range(1000)))
    >>> value
    499500
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def best_of(repeat: int, run: Callable[[], T], *, warm_up: bool = False) -> tuple[float, T]:
    """The fastest wall time of ``repeat`` calls of ``run`` (at least one),
    and the last call's result. ``warm_up`` makes one untimed call first
    (page faults, lazily built tables)."""
    if warm_up:
        run()
    best, out = float("inf"), None
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        out = run()
        best = min(best, time.perf_counter() - start)
    return best, out  # type: ignore[return-value]
