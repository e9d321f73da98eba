"""Opening a results file written by ``Results.save``: ``munflow.load(path)``.

The file is read with ``allow_pickle=False`` and its metadata parsed by
munflow's own reader (see :mod:`munflow.persist` for the layout): opening a
results file from someone else cannot run code. A loaded result is whole: its
samples, summaries, ``prob`` of new events on the same draws, and analyses.
"""

from __future__ import annotations

import json
import os

import numpy as np

from munflow import _core
from munflow.model import Model
from munflow.persist import FORMAT, VERSION
from munflow.results import Results
from munflow.scenario import Scenario, ScenarioResults, output_info


def load(path: str | os.PathLike[str]) -> Results:
    """Open results written by ``Results.save`` (never unpickling anything)."""
    with np.load(path, allow_pickle=False) as data:
        if "meta" not in data.files:
            raise ValueError(f"{path}: not a munflow results file (no metadata)")
        meta = json.loads(str(data["meta"]))
        if meta.get("format") != FORMAT:
            raise ValueError(f"{path}: not a munflow results file")
        if meta.get("version") != VERSION:
            raise ValueError(
                f"{path}: results file version {meta.get('version')}; this munflow reads "
                f"version {VERSION}"
            )
        columns = {
            name: np.ascontiguousarray(data[f"column_{i}"], dtype=np.float64)
            for i, name in enumerate(meta["columns"])
        }
    raw = _core._restore_run_output(
        meta["n"], meta["seed"], meta["outputs"], meta["inputs"], columns, meta["keys"]
    )
    exprs = _core.restore_graph(meta["model"]["graph"])
    model = Model(dict(zip(meta["model"]["outputs"], exprs, strict=True)))
    res = Results(raw, model, threads=meta["threads"], allow_nan=meta["allow_nan"])
    saved = meta.get("scenario")
    if saved is None:
        return res
    spec = _core._restore_scenario(saved["text"], saved["format"], saved["origin"], saved["lines"])
    info = output_info(saved["output_info"])
    return ScenarioResults(
        res,
        scenario=Scenario(spec, origin=saved["origin"]),
        meta=info,
        estimates=saved["estimates"],
    )
