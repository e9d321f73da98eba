"""Saving results to a file: ``res.save(path)`` (``munflow.load`` opens it
again; see :mod:`munflow.results.loading`).

The file is a numpy ``.npz`` archive: one float64 array per stored column
(any shape, so later outputs with a time axis fit too) and a ``meta`` entry
holding JSON text: the seed, n, the package version, the output and input
names, the model as munflow's own graph description (every node's
definition, identity and name) with its stream keys, and for a scenario the
scenario file itself. ``load`` reads it with ``allow_pickle=False`` and
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
from munflow.atomic import replacing

if TYPE_CHECKING:
    from munflow.results.base import Results

#: What a results file says it is, and the layout version it follows.
FORMAT = "munflow results"
VERSION = 1


class ResultsFileError(ValueError):
    """A file ``munflow.load`` cannot read as results: not a results file,
    truncated or altered, a member missing or of another size than its
    metadata declares, or metadata of the wrong types. The message names the
    file and, where it can, the part at fault."""


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
        observations=[
            {"kind": o.kind, "name": o.name, "arity": len(o.nodes), "figures": o.figures}
            for o in evidence
        ],
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


def save(res: Results, path: str | os.PathLike[str]) -> Path:
    """Write ``res`` to ``path`` (``.npz`` is added if missing), replacing
    any file there whole (see :mod:`munflow.atomic`); returns the path."""
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    raw = res._raw
    names = list(raw.outputs) + list(raw.inputs)
    model = res.model.outputs
    evidence = res.model.evidence
    meta: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "munflow": _core.__version__,
        "n": raw.n,
        "seed": res.seed,
        "outputs": list(raw.outputs),
        "inputs": list(raw.inputs),
        "columns": names,
        "threads": res._threads,
        "allow_nan": res._allow_nan,
        "model": {
            "outputs": list(model),
            "labels": {name: expr.label for name, expr in model.items()},
            # The observations' nodes follow the outputs', in one graph so that
            # the nodes they share stay shared.
            "graph": _core.save_graph(
                list(model.values()) + [node for obs in evidence for node in obs.nodes]
            ),
        },
        "keys": raw.keys_json(),
    }
    scenario = getattr(res, "scenario", None)
    if scenario is not None:
        text, fmt, origin, lines = scenario._spec.__reduce__()[1]
        meta["scenario"] = {
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
    arrays = {f"column_{i}": np.asarray(raw.columns[name]) for i, name in enumerate(names)}
    post = getattr(res, "_post", None)
    if post is not None:
        meta["posterior"], more = _posterior(post, evidence)
        arrays.update(more)
    # Written whole or not at all: an error or Ctrl-C on the way leaves the
    # previous file as it was.
    with replacing(path, binary=True) as out:
        np.savez_compressed(out, meta=np.array(json.dumps(meta)), **arrays)
    return path
