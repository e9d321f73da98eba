"""Evidence: what was observed, attached to a model as likelihoods.

Each function describes one observation; ``model.observe(...)`` (or
``mf.Model(outputs, evidence=[...])``) returns a new model conditioned on
them, and running it gives the posterior::

    import munflow as mf

    fail_rate = mf.beta(2, 8, name="fail_rate")
    launches = mf.constant(50, name="launches")
    model = mf.Model({"fail_rate": fail_rate}).observe(
        mf.evidence.count(25, n=launches, p=fail_rate, name="failures"),
    )
    res = model.run(100_000, seed=1)     # beta(27, 33): mean 0.45
    res.summary()
    res.prior.summary()

Kinds of observation:

- :func:`count`: k successes of n trials ("25 of ~50 missiles failed");
- :func:`poisson`: k events of a Poisson process;
- :func:`measured`: a reported figure with an error model ("the minister said
  7,000; statements like it are within 15% nine times in ten");
- :func:`at_least`, :func:`at_most`, :func:`between`: statements that bound a
  quantity ("at least 25 vessels");
- :func:`log_likelihood`: a term the model computes itself;
- :func:`sightings`: units (vessels or voyages) seen by several lists with
  overlaps, which say how many no list saw (capture-recapture).

Every argument that names a quantity (``n``, ``p``, ``rate``, ``quantity``)
takes an expression of the model, derived ones included: the containers the
voyage model implies can be "measured" by the minister's figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from munflow import _core
from munflow._core import Expr, Observation
from munflow.formatting import readable
from munflow.node_labels import readable_label

__all__ = [
    "Observation",
    "at_least",
    "at_most",
    "between",
    "count",
    "log_likelihood",
    "measured",
    "poisson",
    "sightings",
]


def _observation(
    kind: str, name: Any, nodes: tuple[Any, ...], figures: dict[str, Any]
) -> Observation:
    """The observation, built and checked once, with a running total among
    its nodes described by what it is rather than by its sum."""
    if any(isinstance(n, Expr) and readable_label(n) != n.label for n in nodes):
        labels = [
            readable_label(n) if isinstance(n, Expr) else _core.constant(float(n)).label
            for n in nodes
        ]
        figures = {**figures, "labels": labels}
    return Observation(kind, name, nodes, figures)


def _label(x: Any) -> str:
    return readable_label(x) if isinstance(x, Expr) else readable(float(x))


def count(k: int, *, n: Any, p: Any, name: str | None = None) -> Observation:
    """``k`` successes observed in ``n`` trials, each succeeding with
    probability ``p`` (both numbers or expressions of the model).

    ``n`` must be a whole number in every sample: round a continuous count
    with ``mf.round`` or draw it from a count distribution.

    >>> import munflow as mf
    >>> rate = mf.beta(2, 8, name="fail_rate")
    >>> mf.evidence.count(25, n=50, p=rate, name="failures")
    <munflow observation 'failures': count: 25 of 50 trials with probability fail_rate>
    """
    name = name if name is not None else f"{readable(float(k))} of {_label(n)}"
    return _observation("count", name, (n, p), {"k": k})


def poisson(k: int, *, rate: Any, name: str | None = None) -> Observation:
    """``k`` events observed where their number is Poisson with mean ``rate``."""
    name = name if name is not None else f"{readable(float(k))} events at {_label(rate)}"
    return _observation("poisson", name, (rate,), {"k": k})


def measured(
    quantity: Any,
    value: float,
    *,
    rel_error: float | None = None,
    sd: float | None = None,
    level: float = 0.9,
    error: str = "lognormal",
    name: str | None = None,
) -> Observation:
    """A reported ``value`` of ``quantity``, with an error model.

    ``error="lognormal"`` (the default) means errors in proportion:
    log(reported / true) is normal. ``rel_error=0.15, level=0.9`` says a
    report of this kind is within 15% of the truth nine times in ten (the
    log-scale sd is log(1.15) / 1.645); ``sd`` gives the log-scale sd
    directly. ``error="normal"`` means reported = true + normal error with
    sd ``sd``, or ``rel_error * value / z(level)``.

    >>> import munflow as mf
    >>> containers = mf.lognormal_ci(4000, 12000, name="containers")
    >>> said = mf.evidence.measured(containers, 7000, rel_error=0.15, name="minister")
    >>> said.description
    'measured: containers = 7,000 (errors in proportion, log-scale sd 0.085)'
    """
    name = name if name is not None else f"{_label(quantity)} reported as {readable(float(value))}"
    figures = {"value": value, "rel_error": rel_error, "sd": sd, "level": level, "error": error}
    return _observation("measured", name, (quantity,), figures)


def at_least(quantity: Any, value: float, *, name: str | None = None) -> Observation:
    """The statement that ``quantity`` is at least ``value`` ("at least 25 vessels").

    Of a count drawn in the model (a Poisson, binomial or negative binomial
    node, or a sum of independent Poisson draws), the draw is integrated
    out: each sample is weighted by the probability of the bound given the
    draw's parameters, and on the posterior's rows the count is drawn from
    its law above the bound (see :func:`between`)."""
    name = name if name is not None else f"{_label(quantity)} >= {readable(float(value))}"
    return _observation("at_least", name, (quantity,), {"value": value})


def at_most(quantity: Any, value: float, *, name: str | None = None) -> Observation:
    """The statement that ``quantity`` is at most ``value``.

    Of a count drawn in the model, the draw is integrated out, as for
    :func:`at_least`."""
    name = name if name is not None else f"{_label(quantity)} <= {readable(float(value))}"
    return _observation("at_most", name, (quantity,), {"value": value})


def between(quantity: Any, lower: float, upper: float, *, name: str | None = None) -> Observation:
    """The statement that ``quantity`` lies between ``lower`` and ``upper``
    (inclusive); ``between(count, 400, 400)`` states a count exactly.

    An exact count of a drawn quantity works at any size: the draw is
    integrated out (its probability of the figure given its parameters
    weights each sample, as :func:`poisson` does) and the count holds the
    figure on the posterior's rows, as does everything computed from it.
    Dated cumulatives of a timeline nest ("40 by March", "75 by June").
    An exact figure for a continuous quantity raises ValueError: no sample
    equals it; state its error with :func:`measured` instead.

    >>> import munflow as mf
    >>> rate = mf.gamma(4, 2.5, name="rate")
    >>> arrived = mf.poisson(rate * 30, name="arrived")
    >>> mf.evidence.between(arrived, 400, 400, name="400 containers")
    <munflow observation '400 containers': bounds: arrived in [400, 400]>
    """
    if name is None:
        name = f"{_label(quantity)} in [{readable(float(lower))}, {readable(float(upper))}]"
    return _observation("between", name, (quantity,), {"lower": lower, "upper": upper})


def log_likelihood(term: Any, *, name: str | None = None) -> Observation:
    """A log-likelihood the model computes itself (an expression; -inf
    rules a sample out). It predicts no figure, so it takes no part in
    conflict checks."""
    name = name if name is not None else f"log-likelihood {_label(term)}"
    return _observation("log_likelihood", name, (term,), {})


def sightings(
    counts: Mapping[str | tuple[str, ...], int],
    *,
    total: Any,
    lists: Iterable[str] | None = None,
    interactions: Iterable[Iterable[str]] | None = None,
    unit: str = "vessels",
    name: str | None = None,
) -> Observation:
    """Units seen by several lists (sources) with overlaps, of ``total`` in
    all, those no list saw included: capture-recapture, or multiple systems
    estimation.

    ``counts`` gives the units seen by each pattern of lists: a list's name
    for the units it alone saw, a tuple of names (or the names joined by
    "+", as ``"AIS+imagery"``) for those seen by exactly those lists.
    Patterns left out saw no unit. ``lists`` names the 2 to 5 lists in order
    (by default those the patterns name); give it when a list saw nothing
    alone or to catch a misspelt name. ``total`` is an expression of the
    model, a whole number in every sample. ``unit`` says what a unit is,
    ``"vessels"`` or ``"voyages"``: a vessel seen on two voyages is one
    vessel but two voyages, and every list must count the same unit.

    The lists are independent by default: being on one list does not make
    a unit likelier to be on another. ``interactions=[("AIS", "imagery")]``
    lets two lists (or more) depend on each other (three lists or more;
    the model must be decomposable and leave at least one list out of
    every interaction group). Units are taken as equally catchable
    (heterogeneity between units is not modelled; see the docs).

    The likelihood integrates the lists' capture probabilities out under a
    prior that makes each one flat (Madigan and York 1997); with two lists
    its peak is near Chapman's estimator.

    >>> import munflow as mf
    >>> voyages = mf.integers(44, 300, name="voyages")
    >>> seen = mf.evidence.sightings(
    ...     {"AIS": 14, "imagery": 9, ("AIS", "imagery"): 21}, total=voyages, unit="voyages"
    ... )
    >>> seen.description
    'sightings: 44 voyages seen by AIS, imagery (independent lists) of voyages in all'
    """
    if not isinstance(counts, Mapping):
        raise TypeError(
            "sightings: counts must be a dict of the units seen by each pattern of lists, such as"
            f" {{'AIS': 14, 'imagery': 9, ('AIS', 'imagery'): 21}}, got {type(counts).__name__}"
        )
    patterns: dict[str, Any] = {}
    named: list[str] = []
    for key, count in counts.items():
        parts = _pattern(key)
        patterns["+".join(parts)] = count
        named += [p for p in parts if p not in named]
    if lists is None:
        lists = named
    elif isinstance(lists, str):
        raise TypeError(f"sightings: lists must be a list of names, got the string {lists!r}")
    if interactions is not None and not isinstance(interactions, Iterable):
        raise TypeError(
            "sightings: interactions must be a list of groups of lists, such as"
            f" [('AIS', 'imagery')], got {interactions!r}"
        )
    figures: dict[str, Any] = {"lists": list(lists), "counts": patterns, "unit": unit}
    if interactions is not None:
        groups = [g if isinstance(g, str) else list(g) for g in interactions]
        if groups:
            figures["interactions"] = groups
    if name is None:
        seen = sum(float(c) for c in patterns.values() if isinstance(c, int | float))
        name = f"{readable(seen)} {unit} seen by {', '.join(figures['lists'])}"
    return _observation("sightings", name, (total,), figures)


def _pattern(key: Any) -> list[str]:
    """The lists of a pattern: "AIS", "AIS+imagery" or ("AIS", "imagery")."""
    parts = key.split("+") if isinstance(key, str) else key
    if not isinstance(parts, tuple | list) or not all(isinstance(p, str) for p in parts):
        raise TypeError(
            "sightings: each pattern of counts must be a list's name, names joined by '+' or a"
            f" tuple of names, got {key!r}"
        )
    return [p.strip() for p in parts]
