"""Opening a results file written by ``Results.save``: ``munflow.load(path)``.

The file is read without unpickling anything and its metadata parsed by
munflow's own reader (see :mod:`munflow.results.saving` for the layout): opening a
results file from someone else cannot run code. A loaded result is whole: its
samples, summaries, ``prob`` of new events on the same draws, and analyses.

What loading a file costs is bounded by what its metadata declares: only the
arrays the metadata names are read, each checked against the size it must
have (n rows of 8 bytes) before a byte of it is decompressed, and the
metadata itself is at most :data:`META_LIMIT` bytes. Any file that is not a
whole, well-formed results file (truncated, altered, a member missing or of
the wrong size, metadata of the wrong types) raises
:class:`~munflow.results.saving.ResultsFileError`, a ``ValueError``; a file that
cannot be opened at all raises the usual ``OSError``.
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from collections.abc import Callable
from typing import IO, Any

import numpy as np

from munflow import _core
from munflow.evidence import Observation
from munflow.model import Model
from munflow.results import make
from munflow.results.core import Results
from munflow.results.grouped import (
    output_info,
)
from munflow.results.saving import FORMAT, READABLE_VERSIONS, ResultsFileError
from munflow.results.timeline import column
from munflow.scenario import Scenario
from munflow.timeline import Series, Timeline, TimelineModel
from munflow.timeline.scenario import TimelineScenario

#: The largest metadata member read (its JSON holds the model's graph and the
#: scenario's text: a few hundred kilobytes for the largest scenarios).
META_LIMIT = 64 * 2**20

#: The largest header of an ``.npy`` member (format 1.0 allows 65,535 bytes).
_HEADER_LIMIT = 65_535 + 10

#: What a malformed file may raise on the way, from the zip reader (an
#: OSError seeking to an offset a damaged directory gives; a RuntimeError
#: asking for a password when a flipped bit marks a member encrypted), the
#: decompressor, the JSON parser or the restoring of its parts (a
#: RecursionError, a RuntimeError, for JSON nested too deep).
_MALFORMED = (
    OSError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    IndexError,
    TypeError,
    ValueError,
    ArithmeticError,
    UnicodeError,
    RuntimeError,
    NotImplementedError,
)


def load(path: str | os.PathLike[str]) -> Any:
    """Open results written by ``res.save`` (never unpickling anything), as
    the kind they were saved from: samples or a summary, a posterior, a
    scenario's grouping, a timeline's time axis.

    Raises :class:`~munflow.results.saving.ResultsFileError` (a ``ValueError``)
    when the file is not a whole munflow results file."""
    name = os.fspath(path)
    with open(name, "rb") as file:  # OSError: the file cannot be opened
        try:
            return _load(file, name)
        except ResultsFileError:
            raise
        except _MALFORMED as err:
            raise ResultsFileError(f"{name}: not a readable munflow results file ({err})") from err


def _load(file: IO[bytes], path: str) -> Any:
    with zipfile.ZipFile(file) as archive:
        meta = _metadata(archive, path)
        if meta.get("kind", "samples") == "summary":
            res, outputs, evidence = _summary(meta)
        else:
            res = _samples(archive, meta, path)
            outputs, evidence = res.model.outputs, res.model.evidence
    saved = meta.get("scenario")
    if saved is not None:
        res = _scenario(res, saved)
    if "timeline" in meta:
        res = _timeline(res, meta["timeline"], outputs, evidence)
    return res


def _samples(archive: zipfile.ZipFile, meta: dict[str, Any], path: str) -> Results:
    """Results holding samples (a posterior's with its parts)."""
    n = meta["n"]
    read = _reader(archive, path, n)
    columns = {name: read(f"column_{i}") for i, name in enumerate(meta["columns"])}
    saved_post = meta.get("posterior")
    arrays = _posterior_arrays(saved_post, read) if saved_post is not None else {}
    raw = _core._restore_run_output(
        n, meta["seed"], meta["outputs"], meta["inputs"], columns, meta["keys"]
    )
    exprs = _core._restore_graph(meta["model"]["graph"])
    names = meta["model"]["outputs"]
    outputs = dict(zip(names, exprs[: len(names)], strict=True))
    evidence = _observations(saved_post, exprs[len(names) :]) if saved_post else ()
    model = Model(outputs, evidence=evidence)
    if saved_post is None:
        return make.of_samples(raw, model, threads=meta["threads"], allow_nan=meta["allow_nan"])
    post = _posterior(saved_post, raw, meta, arrays)
    return make.of_posterior(post, model, threads=meta["threads"], allow_nan=meta["allow_nan"])


def _summary(meta: dict[str, Any]) -> tuple[Results, dict[str, Any], tuple[Any, ...]]:
    """A summary-only run's results, and the model a timeline's kept."""
    exprs = _core._restore_graph(meta["event_graph"])
    events = {name: (expr, p) for (name, p), expr in zip(meta["events"], exprs, strict=True)}
    res = make.of_summary(
        n=meta["n"],
        seed=meta["seed"],
        outputs=meta["outputs"],
        rows=[_core.Summary(*row[:4], list(row[4])) for row in meta["rows"]],
        quantiles=meta["quantiles"],
        events=events,
    )
    outputs: dict[str, Any] = {}
    evidence: tuple[Any, ...] = ()
    if "model" in meta:
        nodes = _core._restore_graph(meta["model"]["graph"])
        names = meta["model"]["outputs"]
        outputs = dict(zip(names, nodes[: len(names)], strict=True))
        saved = meta.get("posterior") or {}
        if "statements" in saved:
            evidence = _observations({"observations": saved["statements"]}, nodes[len(names) :])
    post = meta.get("posterior")
    if post is None:
        return res, outputs, evidence
    diagnostics = {key: post.get(key, float("nan")) for key in ("ess", "pareto_k", "log_evidence")}
    posterior = make.summary_posterior(
        res, observations=post["observations"], diagnostics=diagnostics
    )
    return posterior, outputs, evidence


def _scenario(res: Results, saved: dict[str, Any]) -> Results:
    """Results grouped as the scenario that made them has its outputs."""
    spec = _core._restore_scenario(saved["text"], saved["format"], saved["origin"], saved["lines"])
    info = output_info(saved["output_info"])
    return make.grouped(
        res,
        scenario=Scenario(spec, origin=saved["origin"]),
        meta=info,
        estimates=saved["estimates"],
    )


def _timeline(
    res: Results, saved: dict[str, Any], outputs: dict[str, Any], evidence: tuple[Any, ...]
) -> Results:
    """Results with their time axis again: the series rebuilt from the
    saved model's nodes, one per period."""
    tl = Timeline(saved["start"], saved["end"], saved["period"])
    parts: dict[str, Any] = {}
    for entry in saved["outputs"]:
        name = entry["name"]
        if entry["series"]:
            items = [outputs[column(name, label)] for label in tl.labels]
            parts[name] = Series(tl, items, name, held=entry["held"])
        else:
            parts[name] = outputs[name]
    scenario = None
    if "scenario" in saved:
        kept = saved["scenario"]
        scenario = TimelineScenario(
            _core.TimelineSpec.from_text(kept["text"], kept["format"], kept["origin"])
        )
    return make.with_time(TimelineModel(tl, parts, evidence), res, scenario)


def _metadata(archive: zipfile.ZipFile, path: str) -> dict[str, Any]:
    """The metadata, checked for what sizes the arrays: n and the names."""
    if "meta.npy" not in archive.namelist():
        raise ResultsFileError(f"{path}: not a munflow results file (no metadata)")
    with archive.open("meta.npy") as member:
        shape, dtype = _header(member, path, "meta")
        if shape != () or dtype.kind != "U" or dtype.itemsize > META_LIMIT:
            raise ResultsFileError(f"{path}: not a munflow results file (bad metadata)")
        text = _exactly(member, dtype.itemsize, path, "meta").decode("utf-32-le").rstrip("\0")
    meta = json.loads(text)
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ResultsFileError(f"{path}: not a munflow results file")
    if meta.get("version") not in READABLE_VERSIONS:
        raise ResultsFileError(
            f"{path}: results file version {meta.get('version')!r}; this munflow reads "
            f"versions {', '.join(map(str, READABLE_VERSIONS))}"
        )
    n = meta.get("n")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ResultsFileError(f"{path}: the metadata's n must be a whole number >= 1, got {n!r}")
    kind = meta.get("kind", "samples")
    if kind == "summary":
        _check_summary(meta)
    elif kind == "samples":
        _check_metadata(meta)
    else:
        raise ResultsFileError(f"{path}: the metadata's kind is {kind!r}")
    _check_scenario(meta)
    if "timeline" in meta:
        _check_timeline(meta)
    return meta


def _reader(archive: zipfile.ZipFile, path: str, n: int) -> Callable[[str], np.ndarray]:
    """Reads an array member of n float64 rows, refusing by its declared
    sizes (the zip's and the .npy header's) before decompressing it."""
    rows = n * 8

    def read(name: str) -> np.ndarray:
        try:
            info = archive.getinfo(f"{name}.npy")
        except KeyError:
            raise ResultsFileError(f"{path}: the array {name!r} is missing") from None
        if not rows < info.file_size <= rows + _HEADER_LIMIT:
            raise ResultsFileError(
                f"{path}: the array {name!r} holds {info.file_size:,} bytes; "
                f"n = {n:,} rows need {rows:,} and a header"
            )
        with archive.open(info) as member:
            shape, dtype = _header(member, path, name)
            if shape != (n,) or dtype != np.dtype("<f8"):
                raise ResultsFileError(
                    f"{path}: the array {name!r} is {dtype} of shape {shape}; "
                    f"expected float64 of shape ({n},)"
                )
            return np.frombuffer(_exactly(member, rows, path, name), dtype="<f8")

    return read


def _header(member: IO[bytes], path: str, name: str) -> tuple[tuple[int, ...], np.dtype]:
    """The shape and dtype an .npy member declares (C order only)."""
    version = np.lib.format.read_magic(member)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(member)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(member)
    else:
        raise ResultsFileError(f"{path}: the array {name!r} has an unknown layout {version}")
    if fortran or dtype.hasobject:
        raise ResultsFileError(f"{path}: the array {name!r} has an unexpected layout")
    return shape, dtype


def _exactly(member: IO[bytes], size: int, path: str, name: str) -> bytes:
    """The member's ``size`` remaining bytes; reading to its end checks its
    CRC (a byte flipped anywhere is found)."""
    data = member.read(size)
    if len(data) != size or member.read(1):
        raise ResultsFileError(f"{path}: the array {name!r} is not of its declared size")
    return data


def _check_metadata(meta: dict[str, Any]) -> None:
    """Every field the results are built from has the type ``save`` gives
    it, so that a loaded result fails now, or never, and with one type."""
    _expect_whole(meta.get("seed"), "seed", 0, 2**64 - 1)
    for key in ("columns", "outputs", "inputs"):
        _expect_names(meta.get(key), key)
    if meta.get("threads") is not None:
        _expect_whole(meta["threads"], "threads", 1, 2**16)
    _expect(meta.get("allow_nan"), bool, "allow_nan")
    _expect(meta.get("keys"), str, "keys")
    model = meta.get("model")
    _expect(model, dict, "model")
    _expect_names(model.get("outputs"), "model.outputs")
    _expect(model.get("graph"), str, "model.graph")
    post = meta.get("posterior")
    if post is not None:
        _expect(post, dict, "posterior")
        if post.get("method") not in ("weighting", "tempering"):
            raise ResultsFileError(f"the metadata's posterior.method is {post.get('method')!r}")
        for key in ("ess", "weighting_ess", "weighting_pareto_k", "log_evidence"):
            _expect_number(post.get(key), f"posterior.{key}")
        # Written since weighting may use more draws than n (absent before).
        if "rows" in post:
            _expect_whole(post["rows"], "posterior.rows", 1, meta["n"])
        if "log_evidence_se" in post:
            _expect_number(post["log_evidence_se"], "posterior.log_evidence_se")
        for key in ("method_reason",):
            if key in post:
                _expect(post[key], str, f"posterior.{key}")
        if "populations" in post:
            _expect(post["populations"], list, "posterior.populations")
            for size in post["populations"]:
                _expect_whole(size, "posterior.populations[]", 1, meta["n"])
            if post["populations"] and sum(post["populations"]) != meta["n"]:
                raise ResultsFileError("the metadata's posterior.populations do not add up to n")
        _expect(post.get("stages"), list, "posterior.stages")
        for stage in post["stages"]:
            _expect(stage, dict, "posterior.stages[]")
            for key, value in stage.items():
                _expect_number(value, f"posterior.stages[].{key}")
        _check_observations(post.get("observations"), "posterior.observations")
        prior = post.get("prior")
        _expect(prior, dict, "posterior.prior")
        for key in ("outputs", "inputs", "columns"):
            _expect_names(prior.get(key), f"posterior.prior.{key}")
        _expect(prior.get("keys"), str, "posterior.prior.keys")
        _expect_names(post.get("score_keys"), "posterior.score_keys")
        for key in post["score_keys"]:
            if not key.isdigit():
                raise ResultsFileError(f"the metadata's posterior.score_keys holds {key!r}")
        _expect(post.get("weighted"), bool, "posterior.weighted")


def _check_scenario(meta: dict[str, Any]) -> None:
    saved = meta.get("scenario")
    if saved is not None:
        _expect(saved, dict, "scenario")
        for key in ("text", "format", "origin"):
            _expect(saved.get(key), str, f"scenario.{key}")
        _expect(saved.get("lines"), bool, "scenario.lines")
        _expect_names(saved.get("estimates"), "scenario.estimates")
        _expect(saved.get("output_info"), list, "scenario.output_info")
        for row in saved["output_info"]:
            _expect(row, list, "scenario.output_info[]")
            if len(row) != 4 or not all(v is None or isinstance(v, str) for v in row):
                raise ResultsFileError("the metadata's scenario.output_info rows are 4 names")
        described = [row[0] for row in saved["output_info"]]
        estimates = {row[3] for row in saved["output_info"]}
        if described != meta["outputs"] or not set(saved["estimates"]) <= estimates:
            raise ResultsFileError(
                "the metadata's scenario.output_info and estimates do not match its outputs"
            )


def _check_summary(meta: dict[str, Any]) -> None:
    """The fields a summary-only run's results are built from."""
    _expect_whole(meta.get("seed"), "seed", 0, 2**64 - 1)
    _expect_names(meta.get("outputs"), "outputs")
    _expect(meta.get("quantiles"), list, "quantiles")
    for q in meta["quantiles"]:
        _expect_number(q, "quantiles[]")
    _expect(meta.get("rows"), list, "rows")
    if len(meta["rows"]) != len(meta["outputs"]):
        raise ResultsFileError("the metadata's rows do not match its outputs")
    for row in meta["rows"]:
        _expect(row, list, "rows[]")
        if len(row) != 5 or not isinstance(row[4], list):
            raise ResultsFileError("the metadata's rows are [mean, sd, min, max, [quantiles]]")
        for value in [*row[:4], *row[4]]:
            _expect_number(value, "rows[]")
        if len(row[4]) != len(meta["quantiles"]):
            raise ResultsFileError("the metadata's rows do not match its quantiles")
    _expect(meta.get("events"), list, "events")
    for event in meta["events"]:
        if not (isinstance(event, list) and len(event) == 2 and isinstance(event[0], str)):
            raise ResultsFileError("the metadata's events are [name, probability] pairs")
        _expect_number(event[1], "events[]")
    _expect(meta.get("event_graph"), str, "event_graph")
    if "model" in meta:
        _expect(meta["model"], dict, "model")
        _expect_names(meta["model"].get("outputs"), "model.outputs")
        _expect(meta["model"].get("graph"), str, "model.graph")
    post = meta.get("posterior")
    if post is not None:
        _expect(post, dict, "posterior")
        for key in ("ess", "pareto_k", "log_evidence"):
            if key in post or key == "ess":
                _expect_number(post.get(key), f"posterior.{key}")
        _expect_names(post.get("observations"), "posterior.observations")
        if "statements" in post:
            _check_observations(post["statements"], "posterior.statements")


def _check_timeline(meta: dict[str, Any]) -> None:
    """A timeline's periods and outputs, and that its series' columns exist."""
    saved = meta["timeline"]
    _expect(saved, dict, "timeline")
    for key in ("start", "end", "period"):
        _expect(saved.get(key), str, f"timeline.{key}")
    _expect(saved.get("outputs"), list, "timeline.outputs")
    for entry in saved["outputs"]:
        _expect(entry, dict, "timeline.outputs[]")
        _expect(entry.get("name"), str, "timeline.outputs[].name")
        _expect(entry.get("series"), bool, "timeline.outputs[].series")
        _expect(entry.get("held"), bool, "timeline.outputs[].held")
    if "model" not in meta:
        raise ResultsFileError("the metadata of a timeline's results has no model")
    if "scenario" in saved:
        _expect(saved["scenario"], dict, "timeline.scenario")
        for key in ("text", "format", "origin"):
            _expect(saved["scenario"].get(key), str, f"timeline.scenario.{key}")


def _check_observations(entries: Any, field: str) -> None:
    _expect(entries, list, field)
    for entry in entries:
        _expect(entry, dict, f"{field}[]")
        _expect(entry.get("kind"), str, f"{field}[].kind")
        _expect(entry.get("name"), str, f"{field}[].name")
        _expect_whole(entry.get("arity"), f"{field}[].arity", 1, 4)
        _expect(entry.get("figures"), dict, f"{field}[].figures")


def _expect(value: Any, kind: type, field: str) -> None:
    if not isinstance(value, kind):
        raise ResultsFileError(
            f"the metadata's {field} must be a {kind.__name__}, got {type(value).__name__}"
        )


def _expect_names(value: Any, field: str) -> None:
    _expect(value, list, field)
    if not all(isinstance(name, str) for name in value):
        raise ResultsFileError(f"the metadata's {field} must be a list of names")


def _expect_number(value: Any, field: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ResultsFileError(f"the metadata's {field} must be a number, got {value!r}")


def _expect_whole(value: Any, field: str, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ResultsFileError(
            f"the metadata's {field} must be a whole number in [{low}, {high}], got {value!r}"
        )


def _posterior_arrays(
    saved: dict[str, Any], read: Callable[[str], np.ndarray]
) -> dict[str, np.ndarray]:
    """The posterior's arrays the metadata names: the prior's columns, the
    per-observation terms, the tempering scores and the weights."""
    names = [f"prior_{i}" for i in range(len(saved["prior"]["columns"]))]
    for j in range(len(saved["observations"])):
        names += [f"log_lik_{j}", f"prior_log_lik_{j}"]
    names += [f"scores_{i}" for i in range(len(saved["score_keys"]))]
    if saved["weighted"]:
        names.append("weights")
    return {name: read(name) for name in names}


def _observations(saved: dict[str, Any], nodes: list[Any]) -> tuple[Observation, ...]:
    """The observations, on the nodes restored after the outputs'."""
    out = []
    for entry in saved["observations"]:
        arity = entry["arity"]
        if isinstance(arity, bool) or not isinstance(arity, int) or not 0 < arity <= len(nodes):
            raise ResultsFileError(f"an observation's arity does not match the graph: {arity!r}")
        out.append(
            Observation(entry["kind"], entry["name"], tuple(nodes[:arity]), entry["figures"])
        )
        nodes = nodes[arity:]
    return tuple(out)


def _posterior(
    saved: dict[str, Any], raw: Any, meta: dict[str, Any], arrays: dict[str, np.ndarray]
) -> dict[str, Any]:
    """The posterior's parts as ``_core._run_posterior`` returns them."""
    prior_meta = saved["prior"]
    prior_columns = {name: arrays[f"prior_{i}"] for i, name in enumerate(prior_meta["columns"])}
    prior = _core._restore_run_output(
        meta["n"],
        meta["seed"],
        prior_meta["outputs"],
        prior_meta["inputs"],
        prior_columns,
        prior_meta["keys"],
    )
    count = len(saved["observations"])

    def parts(part: str) -> list[np.ndarray]:
        return [arrays[f"{part}_{j}"] for j in range(count)]

    weights = arrays["weights"] if saved["weighted"] else None
    if weights is not None and not (np.all(weights >= 0) and np.sum(weights) > 0):
        raise ResultsFileError("the weights must be non-negative numbers, not all zero")
    return {
        **{k: saved[k] for k in ("method", "ess", "weighting_ess", "weighting_pareto_k")},
        "log_evidence": saved["log_evidence"],
        # Files from before weighting could use more draws than n: rows = draws.
        "rows": saved.get("rows", raw.n),
        "method_reason": saved.get("method_reason", saved["method"]),
        "log_evidence_se": saved.get("log_evidence_se", float("nan")),
        "populations": saved.get("populations", []),
        "run": raw,
        "prior": prior,
        "weights": weights,
        "log_lik": parts("log_lik"),
        "tails": [],
        "prior_log_lik": parts("prior_log_lik"),
        "prior_tails": [],
        "scores": [(int(key), arrays[f"scores_{i}"]) for i, key in enumerate(saved["score_keys"])],
        "stages": saved["stages"],
        "observations": [o["name"] for o in saved["observations"]],
    }
