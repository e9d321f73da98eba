"""Errors located in a scenario file: the file, the line and the field a
failure was traced to, for every dialect of scenario file."""

from __future__ import annotations

from munflow._core import ModelError


def located_model_error(err: ModelError, origin: str, line: int | None, path: str) -> ModelError:
    """``err`` as one line naming the file, line and field it was traced
    to, with those as attributes (``file``, ``line``, ``path``).

    >>> e = located_model_error(ModelError("overflow"), "a.toml", 7, "munitions.x.dud_rate")
    >>> str(e), e.line
    ('a.toml:7: munitions.x.dud_rate: overflow', 7)
    """
    place = f"{origin}:{line}" if line else origin
    located = ModelError(f"{place}: {path}: {err}")
    for attr in ("node", "row", "value", "traced_to", "sample"):
        setattr(located, attr, getattr(err, attr, None))
    located.file, located.line, located.path = origin, line, path
    return located
