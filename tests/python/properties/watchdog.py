"""Run a property search in a child process, so that a hang fails the test.

A Rust loop that holds the GIL defeats any in-process timeout, so each search
runs as ``python -m tests.python.properties.<module>`` with a time limit. The
child writes each case to a log before trying it: when the limit is hit, the
last line of the log is the case that hung.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def run_search(module: str, log: Path, timeout: float, *args: str) -> str:
    """Runs the search and returns its report; raises AssertionError on a
    failure (with the child's output) or a hang (with the case it hung on)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    command = [sys.executable, "-m", f"tests.python.properties.{module}", "--log", str(log), *args]
    try:
        out = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env
        )
    except subprocess.TimeoutExpired:
        lines = log.read_text().splitlines() if log.exists() else []
        last = lines[-1] if lines else "(no case started)"
        raise AssertionError(
            f"{module} hung (no answer within {timeout:.0f} s) on case {len(lines)}:\n{last}"
        ) from None
    report = out.stdout + out.stderr
    assert out.returncode == 0, f"{module} failed (exit {out.returncode}):\n{report[-6000:]}"
    return report
