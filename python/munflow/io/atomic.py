"""Writing a file whole or not at all: every file munflow writes (results
files, report pages, scenario files, ``munflow run --output``) goes through
:func:`replacing`.

The text is written to a temporary file in the target's directory (the same
file system, so the rename is atomic), flushed to disk, given the mode the
target had (or a new file's usual mode), then renamed over the target. If
anything fails on the way, a full disk, an error in the writer or Ctrl-C, the
temporary file is removed and the target is the file it was before::

    with replacing("results.npz", binary=True) as out:
        np.savez_compressed(out, ...)
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


@contextmanager
def replacing(
    path: str | os.PathLike[str], *, binary: bool = False, encoding: str = "utf-8"
) -> Iterator[IO[Any]]:
    """A file object whose contents replace ``path`` when the ``with`` block
    ends without an exception, and are thrown away when it raises (any
    exception, ``KeyboardInterrupt`` included)."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else encoding) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else _default_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Replace ``path`` with ``text`` (UTF-8) whole; returns the path."""
    with replacing(path) as out:
        out.write(text)
    return Path(path)


def _default_mode() -> int:
    """The mode a new file gets from open(): 0o666 less the umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
