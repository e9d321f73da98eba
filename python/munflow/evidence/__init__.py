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
- :func:`serial_numbers`: distinct serials read on recovered items, which say how
  many the series numbered (the German tank problem); :func:`serial_lots` for
  several production lots;
- :func:`image_count`: a count read off images, with units missed, false
  positives (other cargo taken for containers) and units counted twice;
- :func:`paired`: a stated count with what it would hold under one or more
  cargo hypotheses ("6,700 containers: about 3 million 152 mm shells"), one
  statement with one error, not independent measurements;
- :func:`sightings`: units (vessels or voyages) seen by several lists with
  overlaps, which say how many no list saw (capture-recapture).

Every argument that names a quantity (``n``, ``p``, ``rate``, ``quantity``, ``total``)
takes an expression of the model, derived ones included: the containers the
voyage model implies can be "measured" by the minister's figure.

This package is evidence's one place: the functions above are its face, and
beside them are :mod:`~munflow.evidence.checks` (do the sources agree, and
what did each one change: ``res.check_evidence()``, ``res.shifts()``),
:mod:`~munflow.evidence.forecast` (what the next statement will say:
``res.predict(...)``, ``res.surprise(...)``) and
:mod:`~munflow.evidence.to_come` (a statement whose figure is not known yet).
"""

from __future__ import annotations

import math
import numbers
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
    "image_count",
    "log_likelihood",
    "measured",
    "paired",
    "poisson",
    "serial_lots",
    "serial_numbers",
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
    value: float | None = None,
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

    Without ``value`` it is a statement to come, for ``res.predict``
    (see :mod:`munflow.evidence.forecast`).
    """
    figures = {"rel_error": rel_error, "sd": sd, "level": level, "error": error}
    if value is None:
        from munflow.evidence.to_come import StatementToCome

        def stated(figure: float) -> Observation:
            return measured(quantity, figure, name=name, **figures)

        return StatementToCome("measured", quantity, figures, name, stated)  # type: ignore[return-value]
    name = name if name is not None else f"{_label(quantity)} reported as {readable(float(value))}"
    return _observation("measured", name, (quantity,), {"value": value, **figures})


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


# Serials above 2**53 are not all representable as the floats the core keeps.
_MAX_SERIAL = 2**53


def _whole(x: Any, what: str) -> int:
    """``x`` as an int when it is a whole number (an int, or a float such as
    1204.0), else ValueError (TypeError for a non-number) naming ``what``."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} must be a whole number, got {type(x).__name__} {x!r}")
    if isinstance(x, numbers.Integral):
        value = int(x)
    elif math.isfinite(float(x)) and float(x).is_integer():
        value = int(float(x))
    else:
        raise ValueError(f"{what} must be a whole number, got {x!r}")
    if abs(value) > _MAX_SERIAL:
        raise ValueError(f"{what} must be at most 2**53, got {value}")
    return value


def serial_numbers(
    seen: Iterable[int], *, total: Any, first: int = 1, name: str | None = None
) -> Observation:
    """The distinct serial numbers ``seen`` on recovered items (debris,
    captured equipment), from a series numbered ``first``, ``first + 1``, ...
    of which ``total`` (a number or an expression of the model, a whole
    number in every sample) were numbered.

    The items recovered are taken to be a random sample, without
    replacement, of the items numbered, so every set of ``len(seen)``
    serials is equally likely: P(seen | N) = 1 / C(N, k) when N is at least
    ``max(seen) - first + 1``, else 0 (the German tank problem: Ruggles and
    Brodie 1947; Höhle and Held 2006). Only how many were seen and the
    largest matter; their order does not.

    ``total`` counts the items the series numbered (production in that
    series), not deliveries, under the assumption that links them: the
    items recovered are a random sample of those numbered. That holds when
    what was delivered is itself a random share of the series (then the
    serials say how many were made, and deliveries follow through the
    model, e.g. ``mf.binomial(total, share)``). When the items recovered are
    a random sample of those *delivered*, and the delivered items are the
    whole of a series (numbered for this customer, from ``first``), the
    same observation with ``total=delivered`` counts deliveries. Which
    reading the recovery supports is the analyst's choice; say it.

    Several production lots, each numbered from its own start: one
    observation per lot, each reading its own total (:func:`serial_lots`).

    ``seen`` must list at least one serial, each a whole number, distinct,
    and none below ``first`` (ValueError naming ``seen`` or ``first`` and
    the value). In checks of conflict, the figure it predicts is the
    largest serial given how many were seen.

    >>> import munflow as mf
    >>> produced = mf.integers(100, 2000, name="produced")
    >>> obs = mf.evidence.serial_numbers([61, 19, 56, 24, 16], total=produced, name="tanks")
    >>> obs.description
    'serial_numbers: 5 serials of produced numbered from 1, largest 61'
    """
    if isinstance(seen, str | bytes) or not isinstance(seen, Iterable):
        raise TypeError(f"seen must be a list of serial numbers, got {type(seen).__name__}")
    first = _whole(first, "first")
    if first < 0:
        raise ValueError(f"first (the series' first serial) must be >= 0, got {first}")
    serials = [_whole(x, "seen: each serial") for x in seen]
    if not serials:
        raise ValueError("seen must list at least one serial, got an empty list")
    low = min(serials)
    if low < first:
        raise ValueError(f"seen: serial {low} is below first = {first} (the series' first serial)")
    if len(set(serials)) < len(serials):
        twice = sorted(x for x in set(serials) if serials.count(x) > 1)[0]
        raise ValueError(
            f"seen: serials must be distinct (each item read once), {twice} appears twice"
        )
    k, largest = len(serials), max(serials)
    name = name if name is not None else f"{k} serials of {_label(total)}"
    return _observation(
        "serial_numbers", name, (total,), {"seen": k, "largest": largest, "first": first}
    )


def serial_lots(
    seen: Mapping[str, Iterable[int]],
    *,
    totals: Mapping[str, Any],
    first: int | Mapping[str, int] = 1,
    name: str = "serials",
) -> list[Observation]:
    """Serial numbers read on items of several production lots, each lot
    numbered from its own ``first``: one :func:`serial_numbers` observation
    per lot, named ``"<name>[<lot>]"``, reading that lot's total.

    ``seen`` maps each lot to its serials, ``totals`` each lot to how many
    it numbered (numbers or expressions), ``first`` is one first serial for
    every lot or a mapping lot -> first serial. The lots are independent
    samples: what was recovered of one lot says nothing of another's size
    except through the model (a shared production rate, say). Pass the list
    to ``model.observe``; the production of all lots is the sum of their
    totals, an expression like any other.

    >>> import munflow as mf
    >>> lots = {"2023": mf.integers(50, 500, name="made_2023"),
    ...         "2024": mf.integers(50, 500, name="made_2024")}
    >>> obs = mf.evidence.serial_lots({"2023": [12, 87, 140], "2024": [5, 33]}, totals=lots)
    >>> [o.name for o in obs]
    ['serials[2023]', 'serials[2024]']
    >>> model = mf.Model({"made": lots["2023"] + lots["2024"]}).observe(obs)
    """
    if not isinstance(seen, Mapping):
        raise TypeError(f"seen must map each lot to its serials, got {type(seen).__name__}")
    if not isinstance(totals, Mapping):
        raise TypeError(f"totals must map each lot to its total, got {type(totals).__name__}")
    if not seen:
        raise ValueError("seen must name at least one lot, got an empty mapping")
    missing = [lot for lot in seen if lot not in totals]
    if missing:
        raise ValueError(f"totals: no total for lot {missing[0]!r}; lots seen: {list(seen)}")
    unseen = [lot for lot in totals if lot not in seen]
    if unseen:
        raise ValueError(f"totals: lot {unseen[0]!r} has no serials in seen; lots: {list(seen)}")
    if isinstance(first, Mapping):
        lacking = [lot for lot in seen if lot not in first]
        if lacking:
            raise ValueError(f"first: no first serial for lot {lacking[0]!r}")
    out = []
    for lot, serials in seen.items():
        start = first[lot] if isinstance(first, Mapping) else first
        try:
            obs = serial_numbers(serials, total=totals[lot], first=start, name=f"{name}[{lot}]")
        except (ValueError, TypeError) as e:
            raise type(e)(f"lot {lot!r}: {e}") from None
        out.append(obs)
    return out


def image_count(
    k: int,
    *,
    n: Any,
    p: Any,
    false_positives: Any = 0,
    p_double: Any = 0,
    name: str | None = None,
) -> Observation:
    """``k`` counted on images of ``n`` units: each unit is missed with
    probability 1 - ``p``, counted once with ``p`` (1 - ``p_double``) or
    twice (on two overlapping images) with ``p`` ``p_double``; other
    objects taken for units add false positives, Poisson with mean
    ``false_positives``. Each figure is a number or an expression (an
    uncertain rate of false positives is an expression).

    The likelihood is the exact pmf of that count, summed where its mass
    is; with ``false_positives=0`` and ``p_double=0`` it is :func:`count`'s.

    >>> import munflow as mf
    >>> containers = mf.binomial(60, 0.5, name="on_the_quay")
    >>> seen = mf.evidence.image_count(34, n=containers, p=0.8, false_positives=2, p_double=0.05)
    >>> seen.name
    '34 counted on images of on_the_quay'
    """
    name = name if name is not None else f"{readable(float(k))} counted on images of {_label(n)}"
    return _observation("image_count", name, (n, p, false_positives, p_double), {"k": k})


def paired(
    quantity: Any,
    value: float,
    *,
    converted: float | list[float],
    per_unit: Any,
    rel_error: float | None = None,
    sd: float | None = None,
    level: float = 0.9,
    conversion_rel_error: float | None = None,
    conversion_sd: float | None = None,
    name: str | None = None,
) -> Observation:
    """A stated count ``value`` of ``quantity`` with what it would hold:
    ``converted`` (one figure, or up to three for as many cargo hypotheses)
    at the model's figure ``per_unit`` for each (rounds per container of
    that calibre: an expression or a number).

    One statement: the converted figures carry the count's error (log
    C_stated = log C + e, within ``rel_error`` at ``level`` or log-scale sd
    ``sd``) and each its own (log of converted / (C_stated x per_unit) is
    normal, within ``conversion_rel_error`` or log-scale sd
    ``conversion_sd``). So the statement says of ``quantity`` what the
    count alone says, and each conversion says what the official's figure
    per unit was. Two separate :func:`measured` statements (containers,
    and containers x per unit) would count the sentence twice.

    >>> import munflow as mf
    >>> containers = mf.lognormal_ci(4000, 12000, name="containers")
    >>> shells_per = mf.pert(150, 350, 550, name="shells_per_container")
    >>> rockets_per = mf.pert(50, 75, 110, name="rounds_122_per_container")
    >>> said = mf.evidence.paired(
    ...     containers, 6700, rel_error=0.15,
    ...     converted=[3_000_000, 500_000], per_unit=[shells_per, rockets_per],
    ...     conversion_rel_error=0.3, name="February 2024")
    >>> said.kind, len(said.nodes)
    ('paired', 3)
    """
    many = isinstance(converted, (list, tuple))
    stated = list(converted) if many else [converted]
    per = list(per_unit) if isinstance(per_unit, (list, tuple)) else [per_unit]
    if not many and len(per) != 1:
        raise ValueError(f"paired: per_unit has {len(per)} figures for one converted figure")
    if not 1 <= len(stated) <= 3 or len(per) != len(stated):
        raise ValueError(
            f"paired: give one to three converted figures, each with its per_unit; "
            f"got {len(stated)} converted and {len(per)} per_unit"
        )
    if name is None:
        name = f"{_label(quantity)} stated as {readable(float(value))}"
    keys = ["converted", "converted_2", "converted_3"]
    figures: dict[str, Any] = dict(zip(keys[: len(stated)], stated, strict=True))
    figures |= {
        "value": value,
        "rel_error": rel_error,
        "sd": sd,
        "level": level,
        "conversion_rel_error": conversion_rel_error,
        "conversion_sd": conversion_sd,
    }
    return _observation("paired", name, (quantity, *per), figures)


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
