"""Progress bars for long runs: shown only when a run lasts more than about a second."""

from __future__ import annotations

import time
from collections.abc import Callable

#: A run that has not finished after this many seconds gets a progress bar.
SHOW_AFTER_SECONDS = 1.0


def progress_callback(progress: bool | None) -> Callable[[int, int], None] | None:
    """A callback ``(done_chunks, total_chunks)`` drawing a tqdm bar, or None."""
    if progress is False:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is optional: no bar without it
        return None
    started = time.monotonic()
    delay = 0.0 if progress else SHOW_AFTER_SECONDS
    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            if done >= total or time.monotonic() - started < delay:
                return
            bar = tqdm(total=total, unit="chunk", desc="munflow", leave=False)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return update
