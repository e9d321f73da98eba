"""Saving results to a file: ``res.save(path)`` (``munflow.load`` opens it
again; see :mod:`munflow.results.loading`).

The file is a numpy ``.npz`` archive: one float64 array per stored column
and a ``meta`` entry holding JSON text: the seed, n, the package version,
the output and input names, the model as munflow's own graph description
(every node's definition, identity and name) with its stream keys, and for a
scenario the scenario file itself. Version 2 of the layout adds a ``kind``:
``"samples"`` (the columns, as version 1 held them) or ``"summary"`` (a
summary-only run: its summary rows, quantile levels and events in the
metadata, no array), and for a timeline's results a ``timeline`` entry (its
periods and series, and the timeline file it came from), so that each loads
as the kind it was saved from. ``load`` reads it with ``allow_pickle=False`` and
parses the JSON with munflow's own reader: opening a results file from
someone else cannot run code.

A loaded result is whole: its samples, its summary, ``prob`` of new events
(evaluated on the same draws) and sensitivity analyses all work as before.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from munflow import _core
from munflow.io.atomic import replacing

if TYPE_CHECKING:
    from munflow.results.protocols import Samples, Summary, Timeline

#: What a results file says it is, and the layout version it follows.
FORMAT = "munflow results"
VERSION = 2
#: The versions ``load`` reads (1: samples only, before summaries and timelines).
READABLE_VERSIONS = (1, 2)


class ResultsFileError(ValueError):
    """A file ``munflow.load`` cannot read as results: not a results file,
    truncated or altered, a member missing or of another size than its
    metadata declares, or metadata of the wrong types. The message names the
    file and, where it can, the part at fault."""


def _statements(evidence: Any) -> list[dict[str, Any]]:
    """The observations as the loader rebuilds them on the graph's nodes
    (their figures keep the readable labels of their quantities)."""
    return [
        {"kind": o.kind, "name": o.name, "arity": len(o.nodes), "figures": o.figures}
        for o in evidence
    ]


def _posterior(post: dict[str, Any], evidence: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """What a posterior adds: its observations, weights, per-observation
    terms, the prior's columns and the normal scores of a tempering run."""
    prior = post["prior"]
    prior_names = list(prior.outputs) + list(prior.inputs)
    meta = {
        key: post[key]
        for key in ("method", "ess", "weighting_ess", "weighting_pareto_k", "log_evidence")
    }
    meta.update(
        rows=post.get("rows", post["run"].n),
        method_reason=post.get("method_reason", post["method"]),
        log_evidence_se=post.get("log_evidence_se", float("nan")),
        populations=list(post.get("populations", [])),
        stages=list(post["stages"]),
        observations=_statements(evidence),
        prior={
            "outputs": list(prior.outputs),
            "inputs": list(prior.inputs),
            "columns": prior_names,
            "keys": prior.keys_json(),
        },
        score_keys=[str(key) for key, _ in post["scores"]],
        weighted=post["weights"] is not None,
    )
    arrays = {f"prior_{i}": np.asarray(prior.columns[n]) for i, n in enumerate(prior_names)}
    for j in range(len(evidence)):
        for part in ("log_lik", "prior_log_lik"):
            arrays[f"{part}_{j}"] = np.asarray(post[part][j])
    for i, (_key, scores) in enumerate(post["scores"]):
        arrays[f"scores_{i}"] = np.asarray(scores)
    if post["weights"] is not None:
        arrays["weights"] = np.asarray(post["weights"])
    return meta, arrays


def save(res: Samples | Summary | Timeline, path: str | os.PathLike[str]) -> Path:
    """Write ``res`` to ``path`` (``.npz`` is added if missing), replacing
    any file there whole (see :mod:`munflow.io.atomic`); returns the path."""
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    timeline = None
    if getattr(res, "timeline", None) is not None:
        timeline, res = _timeline(res), res.results  # type: ignore[union-attr]
    if res.keeps_samples:
        meta, arrays = _samples(res)  # type: ignore[arg-type]
    else:
        meta, arrays = _summary(res, timeline)  # type: ignore[arg-type]
    scenario = getattr(res, "scenario", None)
    if scenario is not None:
        meta["scenario"] = _scenario(res, scenario)
    if timeline is not None:
        # Samples: the flat model and its statements are meta["model"] and
        # meta["posterior"].
        timeline.pop("model", None)
        timeline.pop("statements", None)
        meta["timeline"] = timeline
    # Written whole or not at all: an error or Ctrl-C on the way leaves the
    # previous file as it was.
    with replacing(path, binary=True) as out:
        np.savez_compressed(out, meta=np.array(json.dumps(meta)), **arrays)
    return path


def _header(kind: str, n: int, seed: int) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "kind": kind,
        "munflow": _core.__version__,
        "n": n,
        "seed": seed,
    }


def _graph(outputs: dict[str, Any], evidence: Any) -> dict[str, Any]:
    """The model's outputs and observations' nodes as one graph, so that the
    nodes they share stay shared."""
    return {
        "outputs": list(outputs),
        "labels": {name: expr.label for name, expr in outputs.items()},
        "graph": _core._save_graph(
            list(outputs.values()) + [node for obs in evidence for node in obs.nodes]
        ),
    }


def _samples(res: Samples) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The metadata and arrays of results holding samples."""
    raw = res._raw
    names = list(raw.outputs) + list(raw.inputs)
    evidence = res.model.evidence
    meta: dict[str, Any] = {
        **_header("samples", raw.n, res.seed),
        "outputs": list(raw.outputs),
        "inputs": list(raw.inputs),
        "columns": names,
        "threads": res._threads,
        "allow_nan": res._allow_nan,
        "model": _graph(res.model.outputs, evidence),
        "keys": raw.keys_json(),
    }
    arrays = {f"column_{i}": np.asarray(raw.columns[name]) for i, name in enumerate(names)}
    post = getattr(res, "_post", None)
    if post is not None:
        meta["posterior"], more = _posterior(post, evidence)
        arrays.update(more)
    return meta, arrays


def _summary(
    res: Summary, timeline: dict[str, Any] | None
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The metadata of a summary-only run: every figure it kept (no array).
    A timeline's model is kept too, since its series name the outputs."""
    events = [(name, expr, p) for name, (expr, p) in res._events.items()]
    meta: dict[str, Any] = {
        **_header("summary", res.n, res.seed),
        "outputs": res.outputs,
        "quantiles": res.quantiles,
        "rows": [
            [s.mean, s.sd, s.min, s.max, list(s.quantiles)]
            for s in (res._rows[name] for name in res.outputs)
        ],
        "events": [[name, p] for name, _expr, p in events],
        # The events' nodes keep their identities: prob(the same expression)
        # answers after loading.
        "event_graph": _core._save_graph([expr for _name, expr, _p in events]),
    }
    statements = []
    if timeline is not None:
        meta["model"] = timeline.pop("model")
        statements = timeline.pop("statements")
    if getattr(res, "ess", None) is not None:
        meta["posterior"] = {
            # A timeline's statements, on the kept model's nodes: its fan
            # charts mark them, and its model lists them, after loading.
            "statements": statements,
            "ess": float(res.ess),  # type: ignore[attr-defined]
            "observations": list(getattr(res, "observations", [])),
            **{
                key: float(getattr(res, key))
                for key in ("pareto_k", "log_evidence")
                if hasattr(res, key)
            },
        }
    return meta, {}


def _timeline(res: Timeline) -> dict[str, Any]:
    """A timeline's periods and series, and the file it came from."""
    tl = res.timeline
    model = res.model
    entry: dict[str, Any] = {
        "start": tl.labels[0],
        "end": tl.labels[-1],
        "period": tl.period,
        "outputs": [
            {"name": name, "series": name in model.series, "held": res._held(name)}
            for name in model._outputs
        ],
        "model": _graph(model.model.outputs, model.evidence),
        "statements": _statements(model.evidence),
    }
    if res.scenario is not None:
        text, fmt, origin = res.scenario.__reduce__()[1]
        entry["scenario"] = {"text": text, "format": fmt, "origin": origin}
    return entry


def _scenario(res: Any, scenario: Any) -> dict[str, Any]:
    """A scenario's text and what each output measures."""
    text, fmt, origin, lines = scenario._spec.__reduce__()[1]
    return {
        "text": text,
        "format": fmt,
        "origin": origin,
        "lines": lines,
        "output_info": [
            [name, *[None if pd.isna(v) else v for v in row]]
            for name, row in zip(
                res.output_info.index,
                res.output_info[["munition", "quantity", "estimate"]].itertuples(index=False),
                strict=True,
            )
        ],
        "estimates": list(res.estimates),
    }
