"""Jupyter display of munflow objects."""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING

from munflow.formatting import readable

if TYPE_CHECKING:
    from munflow.results.protocols import Posterior, Samples


def results_html(res: Samples) -> str:
    """An HTML summary table with a caption giving n and the seed."""
    caption = html.escape(f"munflow results: n={res.n:,}, seed={res.seed}")
    inputs = ", ".join(res.inputs) or "none stored"
    table = res.summary().to_html(float_format=readable, border=0)
    return (
        f"<div><p><b>{caption}</b></p>{table}"
        f"<p style='color:#666'>inputs: {html.escape(inputs)}</p></div>"
    )


def posterior_html(res: Posterior) -> str:
    """A posterior's display: a caption giving n, the seed, the method and
    the effective sample size; the posterior's summary table; the
    observations it was given; and prior beside posterior, with the change
    of the median and of the 90% range's width as percentages."""
    caption = html.escape(
        f"munflow posterior: n={res.n:,}, seed={res.seed}, method={res.method}, "
        f"effective samples {readable(round(res.ess))}"
    )
    summary = res.summary().to_html(float_format=readable, border=0)
    described = {obs.name: obs.description for obs in res.model.evidence}
    observations = "; ".join(
        f"{name} ({described[name]})" if described.get(name) else name for name in res.observations
    )
    both = res.prior_posterior()
    changes = [column for column in both.columns if column[0] == "change"]
    side_by_side = both.to_html(
        float_format=readable, formatters=dict.fromkeys(changes, _percent), border=0
    )
    inputs = ", ".join(res.inputs) or "none stored"
    grey = "style='color:#666'"
    return (
        f"<div><p><b>{caption}</b></p>{summary}"
        f"<p>given: {html.escape(observations)}</p>"
        f"<p><b>prior and posterior</b> <span {grey}>(change: of the median, and of "
        f"the width of the 90% range)</span></p>{side_by_side}"
        f"<p {grey}>inputs: {html.escape(inputs)}</p></div>"
    )


def _percent(x: float) -> str:
    """A relative change as a signed percentage: ``+151%``, ``-30%``, ``+0.5%``."""
    if not math.isfinite(x):
        return str(x)
    percent = 100.0 * x
    return f"{percent:+.0f}%" if abs(percent) >= 9.95 else f"{percent:+.1f}%"
