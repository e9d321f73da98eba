"""Progress bars for long runs: shown only when a run lasts more than about a
second, and only where a bar can be drawn.

- In Jupyter: a widget bar when ipywidgets is installed, else a text bar (no
  warning asking to install ipywidgets).
- On a terminal: a text bar on stderr.
- Anywhere else (a log file, a pipe, CI): no bar, since a bar redrawn with
  carriage returns is hundreds of lines in a file. ``progress=True`` there
  asks for a few plain lines instead ("munflow: 50% (12/24 chunks)").
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

#: A run that has not finished after this many seconds gets a progress bar.
SHOW_AFTER_SECONDS = 1.0

#: Where plain progress lines are written (fractions of the run).
LOG_STEPS = (0.25, 0.5, 0.75, 1.0)


def progress_callback(progress: bool | None) -> Callable[[int, int], None] | None:
    """A callback ``(done_chunks, total_chunks)`` showing progress, or None."""
    if progress is False:
        return None
    bar_class = _bar_class()
    if bar_class is None:
        return _log_lines() if progress else None
    started = time.monotonic()
    delay = 0.0 if progress else SHOW_AFTER_SECONDS
    bar: Any = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            if done >= total or time.monotonic() - started < delay:
                return
            bar = bar_class(total=total, unit="chunk", desc="munflow", leave=False)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return update


def in_jupyter() -> bool:
    """Whether this runs in a Jupyter kernel (not a plain IPython terminal)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None  # type: ignore[attr-defined]
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _bar_class() -> Any:
    """The tqdm bar for where we run, or None where no bar should be drawn."""
    try:
        from tqdm import std
    except ImportError:  # tqdm is optional: no bar without it
        return None
    if in_jupyter():
        try:
            import ipywidgets  # noqa: F401
            from tqdm.notebook import tqdm as widget_bar
        except ImportError:
            return std.tqdm  # a text bar: Jupyter renders carriage returns
        return widget_bar
    if _stderr_is_terminal():
        return std.tqdm
    return None


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced or closed stderr
        return False


def _log_lines() -> Callable[[int, int], None]:
    """Plain progress lines at a few fractions of the run."""
    printed = 0

    def update(done: int, total: int) -> None:
        nonlocal printed
        while printed < len(LOG_STEPS) and done >= LOG_STEPS[printed] * total:
            print(f"munflow: {LOG_STEPS[printed]:.0%} ({done}/{total} chunks)", file=sys.stderr)
            printed += 1

    return update
