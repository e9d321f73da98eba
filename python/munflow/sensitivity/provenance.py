"""What an estimate rests on: the share of an output's variance that each
source accounts for, and the analysts' assumptions together.

Inputs carry their origin (``mf.beta(2, 8, name="dud_rate").cite("...",
assumption=True)``; a scenario's inputs take their table's ``source``).
:func:`rests_on` groups the inputs of an output by origin and gives each
group its Shapley effect (:func:`munflow.shapley` over groups): the shares
add up to the whole variance even when sources interact, as the factors of
a product do. It is computed on the prior model: evidence, if any, is named
beside the table as what constrained it.

    >>> import munflow as mf
    >>> said = mf.lognormal_ci(6000, 8000, name="containers").cite("minister, March 2024")
    >>> load = mf.pert(300, 430, 500, name="per_container").cite("June 2024 analysis")
    >>> dud = mf.beta(2, 8, name="dud_rate").cite(assumption=True)
    >>> table = mf.rests_on({"shells": said * load * (1 - dud)}, n=2000, seed=1)
    >>> list(table.index)[0]
    'analyst assumptions'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from munflow.formatting import ReadableTable
from munflow.sensitivity.analyses import shapley

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: The group of every input cited as an analyst's assumption.
ASSUMPTIONS = "analyst assumptions"
#: The group of inputs no one cited.
NOT_CITED = "not cited"
#: Shapley's row for randomness that belongs to no named input.
NOISE = "intrinsic noise"


class RestsOn(ReadableTable):
    """Shares of an output's variance by origin: ``share`` (they add to 1),
    ``share_conf`` (bootstrap half-width) and the ``inputs`` of each group;
    ``attrs["observations"]`` names the evidence that constrained the model."""

    @property
    def _constructor(self) -> type[RestsOn]:
        return RestsOn

    def plot(self, *, ax: Axes | None = None) -> Axes:
        from munflow import plot

        return plot.rests_on(self, ax=ax)


def sources_of(model: Any, output: str) -> dict[str, list[str]]:
    """The groups of ``output``'s random named inputs by origin:
    ``{"analyst assumptions": [...], "<source>": [...], "not cited": [...]}``.
    An input's citation decides; a scenario's uncited inputs take the
    ``source`` of the table their field is in."""
    expr = _output(model, output)
    scenario = getattr(model, "scenario", model)
    groups: dict[str, list[str]] = {}
    for name, (source, assumption) in expr.input_sources().items():
        if not (assumption or source):
            source, assumption = _table_origin(scenario, name)
        key = ASSUMPTIONS if assumption else source or NOT_CITED
        groups.setdefault(key, []).append(name)
    return groups


def rests_on(
    model: Any,
    output: str | None = None,
    n: int = 2000,
    seed: int | None = None,
    *,
    groups: Mapping[str, Sequence[str]] | None = None,
    **options: Any,
) -> RestsOn:
    """The share of ``output``'s variance that each source (and the analysts'
    assumptions together) accounts for: Shapley effects over the inputs
    grouped by origin (see :func:`sources_of`; ``groups`` overrides), on the
    model without its evidence. ``model``: a Model, Scenario, results or a
    dict of outputs; ``n`` and ``options`` go to :func:`munflow.shapley`."""
    full = _as_model(model)
    observations = [o.name for o in full.evidence]
    prior = full.without_evidence() if observations else full
    name = output if output is not None else _only_output(prior)
    grouped = dict(groups) if groups is not None else sources_of(model, name)
    # Few groups, so exact orders are cheap: more outer samples for shares
    # good to a couple of points.
    options.setdefault("n_outer", 10_000)
    subject = prior.outputs if isinstance(prior, _Outputs) else prior
    effects = shapley(subject, name, n, seed, groups=grouped, **options)
    rows = {}
    for group, row in effects.iterrows():
        rows[str(group)] = {
            "share": float(row["Sh"]),
            "share_conf": float(row["Sh_conf"]),
            "inputs": ", ".join(grouped.get(str(group), [])),
        }
    table = RestsOn(pd.DataFrame.from_dict(rows, orient="index"))
    table = table.sort_values("share", ascending=False)
    table.index.name = "origin"
    table.attrs.update(output=name, observations=observations, seed=effects.attrs.get("seed"))
    return table


def _as_model(subject: Any) -> Any:
    """A model (outputs and evidence) from a Model, Scenario, results, or a
    dict of outputs (a model without evidence)."""
    if isinstance(subject, Mapping):
        return _Outputs(dict(subject))
    to_model = getattr(subject, "to_model", None)
    return to_model() if to_model is not None else subject


class _Outputs:
    """A dict of outputs as a model without evidence."""

    def __init__(self, outputs: dict[str, Any]) -> None:
        self.outputs = outputs
        self.evidence: tuple[Any, ...] = ()

    def without_evidence(self) -> _Outputs:
        return self


def _output(model: Any, output: str) -> Any:
    outputs = _as_model(model).outputs
    if output not in outputs:
        raise KeyError(f"no output {output!r}; the outputs are: {', '.join(outputs)}")
    return outputs[output]


def _only_output(model: Any) -> str:
    names = list(model.outputs)
    if len(names) != 1:
        raise ValueError(f"name the output: the model has {len(names)} ({', '.join(names)})")
    return names[0]


def _table_origin(scenario: Any, name: str) -> tuple[str | None, bool]:
    """The origin of an input a scenario made without citing it (a mix
    share, unseen voyages): the ``source`` of the innermost table on its
    field's path, and whether that table lists the field in ``assumptions``."""
    spec, to_dict = getattr(scenario, "_spec", None), getattr(scenario, "to_dict", None)
    found = spec.field_of([name]) if spec is not None and to_dict is not None else None
    if found is None:
        return None, False
    data: Any = to_dict()
    source, assumption = None, False
    parts = found[0].split(".")
    for i, part in enumerate(parts):
        if not isinstance(data, Mapping) or part not in data:
            break
        data = data[part]
        if isinstance(data, Mapping) and isinstance(data.get("source"), str):
            source = data["source"]
            listed = data.get("assumptions") or []
            assumption = i + 1 < len(parts) and parts[i + 1] in listed
    return source, assumption
