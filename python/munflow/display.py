"""Jupyter display of munflow objects."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from munflow.formatting import readable

if TYPE_CHECKING:
    from munflow.results import Results


def results_html(res: Results) -> str:
    """An HTML summary table with a caption giving n and the seed."""
    caption = html.escape(f"munflow results: n={res.n:,}, seed={res.seed}")
    inputs = ", ".join(res.inputs) or "none stored"
    table = res.summary().to_html(float_format=readable, border=0)
    return (
        f"<div><p><b>{caption}</b></p>{table}"
        f"<p style='color:#666'>inputs: {html.escape(inputs)}</p></div>"
    )
