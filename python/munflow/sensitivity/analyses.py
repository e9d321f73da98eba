"""Sensitivity analysis: which assumption drives an output's range, and what to learn next.

Five questions, five functions, each returning a pandas table:

- :func:`rank_correlation` - which inputs move with the output? Spearman's rho,
  from an ordinary run (no extra model evaluations).
- :func:`tornado` - how far does the output's median move when one input is
  held at its 10th and then its 90th percentile?
- :func:`sobol` - what share of the output's variance does each input cause,
  alone (``S1``) and with its interactions (``ST``)? SALib's columns and
  estimators, with bootstrap confidence half-widths.
- :func:`shapley` - each input's fair share of the variance when inputs are
  correlated (Gaussian copula) or interact: Shapley effects that sum to one.
- :func:`value_of_information` - how much would the output's 90% interval
  narrow, in expectation, if one input were known exactly?

Randomness in the model that no named input owns (an unnamed draw, the
binomial thinning of shells by a dud rate) is reported as its own row,
``"intrinsic noise"``: it is the part of the spread no intelligence about the
inputs can remove.

Every function takes a :class:`munflow.Model`, a dict of outputs, a single
expression, a :class:`munflow.Results` (rank correlation and value of
information then reuse its samples) or a :class:`munflow.Scenario`: anything
with an ``_analysis_subject()`` method returning a :class:`Subject`. Results
are tables in SALib's manner (see :mod:`munflow.sensitivity.tables`)::

    import munflow as mf

    containers = mf.lognormal_ci(6000, 8000, name="containers")
    per_container = mf.pert(300, 430, 500, name="per_container")
    dud_rate = mf.beta(2, 8, name="dud_rate")
    working = mf.binomial(mf.floor(containers * per_container), 1 - dud_rate)
    model = mf.Model({"working": working})

    model.sobol("working", seed=1)          # S1, S1_conf, ST, ST_conf
    model.tornado("working", seed=1)        # sorted by swing
    res = model.run(100_000, seed=1)
    res.rank_correlation("working")
    res.value_of_information("working")
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import numpy as np
import pandas as pd

from munflow import _core
from munflow._core import Expr
from munflow.outputs import DEFAULT_SAMPLES, as_outputs
from munflow.progress import progress_callback
from munflow.sensitivity.tables import (
    RankCorrelation,
    ShapleyEffects,
    SobolIndices,
    Tornado,
    ValueOfInformation,
)

#: Base samples of a Sobol design (the model runs n * (inputs + 2) times).
DEFAULT_SOBOL_SAMPLES = 2**16

INTRINSIC_NOISE = "intrinsic noise"


class Samples(Protocol):
    """Drawn samples by column name, with the run's size and seed (Results)."""

    n: int
    seed: int

    def __getitem__(self, name: str) -> np.ndarray: ...
    def __contains__(self, name: object) -> bool: ...


@dataclass(frozen=True)
class Subject:
    """What an analysis needs from a model, results or scenario: the outputs,
    a way to run them, and samples already drawn (results), if any."""

    outputs: list[tuple[str, Expr]]
    run: Callable[..., Samples]
    samples: Samples | None = None
    #: A model with evidence (or its results): inputs are dependent.
    posterior: bool = False


def _refuse_posterior(subject: Subject, method: str) -> None:
    """Sobol and tornado redraw inputs independently, which a posterior's
    inputs are not: the evidence couples them."""
    if subject.posterior:
        raise ValueError(
            f"{method}() redraws each input independently of the others, but the inputs "
            "of a model with evidence are dependent (the evidence couples them), so its "
            "answer would be wrong. Use rank_correlation() or value_of_information() on "
            f"the posterior results, or {method}() on the prior (model.without_evidence())"
        )


def _subject(obj: Any) -> Subject:
    """The subject of an analysis: from ``obj._analysis_subject()``, or outputs
    given directly (a dict of outputs or one expression)."""
    method = getattr(obj, "_analysis_subject", None)
    if callable(method):
        return method()
    outputs = as_outputs(obj)
    return Subject(outputs=outputs, run=lambda n, seed=None, **_: _RawRun(outputs, n, seed))


class _RawRun:
    """The samples of outputs given directly (no Model object at hand)."""

    def __init__(self, outputs: list[tuple[str, Expr]], n: int, seed: int | None) -> None:
        raw = _core._run(outputs, n, seed)
        self.n, self.seed = raw.n, raw.seed
        self._columns = dict(raw.columns)

    def __getitem__(self, name: str) -> np.ndarray:
        return self._columns[name]

    def __contains__(self, name: object) -> bool:
        return name in self._columns


def _output_name(subject: Subject, output: str | None) -> str:
    names = [name for name, _ in subject.outputs]
    if output is None:
        if len(names) == 1:
            return names[0]
        raise ValueError(f"the model has several outputs; choose one with output=: {names}")
    if not isinstance(output, str):
        raise TypeError(f"output must be a str, got {type(output).__name__}")
    if output not in names:
        raise ValueError(f"no output named {output!r}; outputs are: {', '.join(names)}")
    return output


def _input_list(inputs: str | Sequence[str] | None) -> list[str] | None:
    if inputs is None:
        return None
    if isinstance(inputs, str):
        return [inputs]
    return [str(name) for name in inputs]


def _groups(groups: Mapping[str, Sequence[str]] | None) -> list[tuple[str, list[str]]] | None:
    if groups is None:
        return None
    if not isinstance(groups, Mapping):
        raise TypeError("groups must be a dict of group name -> list of input names")
    return [(str(g), _input_list(members) or []) for g, members in groups.items()]


def _default_seed(subject: Subject, seed: int | None) -> int | None:
    """Analyses of results reuse their seed unless told otherwise."""
    if seed is None and subject.samples is not None:
        return subject.samples.seed
    return seed


_Shares = TypeVar("_Shares", bound=pd.DataFrame)


def _variance_shares(
    kind: type[_Shares], raw: dict[str, Any], columns: Sequence[str], **attrs: Any
) -> _Shares:
    """A table of variance shares (Sobol indices, Shapley effects) from the
    core's dict: ``columns`` by input, and the run's figures in ``attrs``
    (``n``, ``seed``, ``evaluations``, the output's ``mean`` and ``variance``)
    after the method's own ``attrs``, in that order."""
    table = kind({key: raw[key] for key in columns}, index=pd.Index(raw["names"], name="input"))
    table.attrs.update(
        output=attrs.pop("output"),
        n=raw["n"],
        seed=raw["seed"],
        evaluations=raw["evaluations"],
        **attrs,
        mean=raw["mean"],
        variance=raw["variance"],
    )
    return table


def sobol(
    model: Any,
    output: str | None = None,
    n: int = DEFAULT_SOBOL_SAMPLES,
    seed: int | None = None,
    *,
    second_order: bool = False,
    groups: Mapping[str, Sequence[str]] | None = None,
    sampling: str = "mc",
    conf_level: float = 0.95,
    num_resamples: int = 100,
    threads: int | None = None,
    allow_nan: bool = False,
    progress: bool | None = None,
    client: Any = None,
) -> SobolIndices:
    """Sobol indices of one output: the share of its variance due to each input.

    Returns a :class:`~munflow.sensitivity.tables.SobolIndices` table.
    ``S1`` is an input's first-order index (its effect alone: the share of the
    variance that knowing it would remove), ``ST`` its total index (with every
    interaction it takes part in: the share left if everything else were
    known). ``*_conf`` are bootstrap confidence half-widths at ``conf_level``,
    as in SALib. Rows are the output's random named inputs (or ``groups``),
    then ``"intrinsic noise"`` if the model has randomness no input owns.

    Parameters
    ----------
    model : a Model, dict of outputs, expression, Results or Scenario.
    output : the output to analyse (may be omitted when there is only one).
    n : base samples; the model is evaluated ``n * (rows + 2)`` times
        (``n * (2 rows + 2)`` with ``second_order``). Powers of two suit
        Sobol' sampling. At least 64.
    seed : the seed (None: a fresh one, recorded in ``table.attrs["seed"]``).
    second_order : also estimate pairwise indices, in ``table.s2`` (a table
        indexed by input pairs with columns ``S2``, ``S2_conf``).
    groups : ``{"capacity": ["containers", "per_container"], ...}``: indices of
        sets of inputs taken together; inputs in no group keep their own row.
    sampling : ``"mc"`` (independent draws by the engine's samplers, the
        default: fastest per evaluation) or ``"sobol"`` (scrambled Sobol'
        points through each input's inverse CDF: error falling nearly like
        1/n for smooth models, at the cost of a quantile per input value).
    conf_level, num_resamples : the bootstrap (``num_resamples=0`` skips it).
    client : a ``distributed.Client``: the model's evaluations run on its
        Dask cluster (the estimate and bootstrap here); the same indices, bit
        for bit.

    Estimators: Saltelli et al. (2010) for ``S1``, Jansen (1999) for ``ST``,
    Saltelli (2002) for ``S2``; the same as SALib's ``analyze.sobol``, after
    centring the outputs (which changes nothing in expectation but removes noise
    proportional to the output's mean).

    The ``"intrinsic noise"`` row treats the model's unnamed random draws as one
    more input, switched between the two base samples by their random streams.
    Its ``ST`` is the share of the variance that would remain if every input
    were known; each input's ``S1`` is unaffected by the noise's treatment. A
    named input whose distribution depends on other nodes (a count drawn around
    a reported rate) is varied the same way: its row is its own randomness given
    its parents, while what flows through it is credited to the parents.
    """
    subject = _subject(model)
    _refuse_posterior(subject, "sobol")
    name = _output_name(subject, output)
    seed = _default_seed(subject, seed)
    evaluations = None
    if client is not None:
        from munflow import cluster as on_dask

        seed = on_dask._seed(seed)
        evaluations = on_dask.sobol_evaluations(
            subject.outputs,
            name,
            n,
            seed,
            client=client,
            second_order=second_order,
            groups=_groups(groups),
            sampling=sampling,
            allow_nan=allow_nan,
        )
    raw = _core.sobol(
        subject.outputs,
        name,
        n,
        seed,
        threads=threads,
        second_order=second_order,
        groups=_groups(groups),
        sampling=sampling,
        conf_level=conf_level,
        num_resamples=num_resamples,
        allow_nan=allow_nan,
        progress=progress_callback(progress),
        evaluations=evaluations,
    )
    table = _variance_shares(
        SobolIndices,
        raw,
        ("S1", "S1_conf", "ST", "ST_conf"),
        output=name,
        sampling=sampling,
        conf_level=conf_level,
    )
    if second_order:
        names = raw["names"]
        pairs = raw["S2"]
        table._s2 = pd.DataFrame(
            {"S2": [p[2] for p in pairs], "S2_conf": [p[3] for p in pairs]},
            index=pd.MultiIndex.from_tuples(
                [(names[p[0]], names[p[1]]) for p in pairs], names=["input_1", "input_2"]
            ),
        )
    return table


#: Samples that estimate the output's variance in a Shapley analysis.
DEFAULT_SHAPLEY_SAMPLES = 10_000


def shapley(
    model: Any,
    output: str | None = None,
    n: int = DEFAULT_SHAPLEY_SAMPLES,
    seed: int | None = None,
    *,
    groups: Mapping[str, Sequence[str]] | None = None,
    permutations: int | None = None,
    n_outer: int | None = None,
    n_inner: int = 3,
    conf_level: float = 0.95,
    num_resamples: int = 100,
    threads: int | None = None,
    allow_nan: bool = False,
    progress: bool | None = None,
) -> ShapleyEffects:
    """Shapley effects of one output: each input's fair share of its variance.

    Returns a :class:`~munflow.sensitivity.tables.ShapleyEffects` table with
    columns ``Sh`` (the share; the shares sum to 1) and ``Sh_conf`` (bootstrap
    confidence half-width at ``conf_level``). Unlike Sobol indices, Shapley
    effects stay meaningful when inputs are correlated: an input's share is
    the variance it adds, averaged over every order in which the inputs could
    become known (Owen 2014), so a correlated pair splits what they explain
    together, and an interaction is split between the inputs taking part
    (``y = x1 * x2`` with independent centred inputs gives each one half).
    With independent inputs and no interactions they equal the first-order
    Sobol indices.

    Parameters
    ----------
    model : a Model, dict of outputs, expression or Scenario.
    output : the output to analyse (may be omitted when there is only one).
    n : samples that estimate the output's variance.
    seed : the seed (None: a fresh one, recorded in ``table.attrs["seed"]``).
    groups : ``{"packing": ["per_container", "share_152mm"], ...}``: shares of
        sets of inputs taken together (the analyst's sources, say); inputs in
        no group play alone.
    permutations : random orders of the inputs to average over. ``None``:
        every order (exact) for up to 6 rows, else 10,000 random ones.
    n_outer, n_inner : samples of the other inputs per cost, and of the
        inputs in the set given them (Song, Nelson & Staum 2016; defaults:
        2,000 and 3 for exact orders, 1 and 3 for random ones).
    conf_level, num_resamples : the bootstrap (``num_resamples=0`` skips it).

    Correlations must be made with ``mf.correlate(..., method="gaussian-copula")``:
    the estimator needs the law of some inputs given the others, which the
    Gaussian copula gives exactly and Iman-Conover reordering does not (a
    ValueError says so). Randomness no named input owns is its own row,
    ``"intrinsic noise"``, as in :func:`sobol`.

    The model is evaluated ``n + sets * n_outer * n_inner`` times (``sets``:
    ``2**rows - 2`` exact, ``permutations * (rows - 1)`` random), in
    ``table.attrs["evaluations"]``.
    """
    subject = _subject(model)
    _refuse_posterior(subject, "shapley")
    name = _output_name(subject, output)
    seed = _default_seed(subject, seed)
    raw = _core.shapley(
        subject.outputs,
        name,
        n,
        seed,
        threads=threads,
        groups=_groups(groups),
        permutations=permutations,
        n_outer=n_outer,
        n_inner=n_inner,
        conf_level=conf_level,
        num_resamples=num_resamples,
        allow_nan=allow_nan,
        progress=progress_callback(progress),
    )
    return _variance_shares(
        ShapleyEffects,
        raw,
        ("Sh", "Sh_conf"),
        output=name,
        permutations=raw["permutations"] or "exact",
        n_outer=raw["n_outer"],
        n_inner=raw["n_inner"],
        conf_level=conf_level,
    )


def _statistic(statistic: str | float) -> tuple[float | None, str]:
    """The tornado statistic as (quantile level or None for the mean, label)."""
    if statistic == "median":
        return 0.5, "median"
    if statistic == "mean":
        return None, "mean"
    if isinstance(statistic, str) and statistic.startswith("p"):
        try:
            level = float(statistic[1:]) / 100
        except ValueError:
            level = -1.0
        if 0.0 <= level <= 1.0:
            return level, statistic
    if isinstance(statistic, int | float) and not isinstance(statistic, bool):
        if 0.0 <= float(statistic) <= 1.0:
            return float(statistic), f"quantile {float(statistic):g}"
    raise ValueError(
        "statistic must be 'median', 'mean', a quantile label such as 'p95', "
        f"or a level in [0, 1]; got {statistic!r}"
    )


def tornado(
    model: Any,
    output: str | None = None,
    n: int = DEFAULT_SAMPLES,
    seed: int | None = None,
    *,
    inputs: str | Sequence[str] | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    low: float = 0.1,
    high: float = 0.9,
    statistic: str | float = "median",
    threads: int | None = None,
    allow_nan: bool = False,
    progress: bool | None = None,
) -> Tornado:
    """The output's median (or ``statistic``) with each input held at its
    ``low`` and ``high`` quantiles (10th and 90th percentiles) while the others
    vary, sorted by swing (widest first).

    Every run uses the same seed, so the other inputs take the same values in
    each (common random numbers) and the bars differ by the held input's
    effect only. Columns: ``input_low``, ``input_high`` (the held values),
    ``output_low``, ``output_high`` and ``swing``; ``table.attrs["base"]`` is
    the statistic with every input varying. ``groups`` (as for :func:`sobol`)
    swing inputs together: a group's bar holds all its members low, then all
    high (its ``input_low``/``input_high`` are NaN).
    """
    subject = _subject(model)
    _refuse_posterior(subject, "tornado")
    name = _output_name(subject, output)
    level, label = _statistic(statistic)
    raw = _core.tornado(
        subject.outputs,
        name,
        n,
        _default_seed(subject, seed),
        threads=threads,
        low=low,
        high=high,
        statistic=level,
        inputs=_input_list(inputs),
        groups=_groups(groups),
        allow_nan=allow_nan,
        progress=progress_callback(progress),
    )
    columns = ["input", "input_low", "input_high", "output_low", "output_high", "swing"]
    table = Tornado(pd.DataFrame(raw["bars"], columns=columns).set_index("input"))
    table.attrs.update(
        output=name,
        base=raw["base"],
        statistic=label,
        low=low,
        high=high,
        n=raw["n"],
        seed=raw["seed"],
    )
    return table


def _samples(
    obj: Any, output: str | None, inputs: str | Sequence[str] | None, n: int, seed: int | None
) -> tuple[str, np.ndarray, list[tuple[str, np.ndarray]], bool, Samples]:
    """The output's samples and its inputs' samples, from results or a fresh run."""
    subject = _subject(obj)
    name = _output_name(subject, output)
    res = subject.samples if subject.samples is not None else subject.run(n, seed)
    chosen, has_noise = _core._sensitivity_inputs(subject.outputs, name, _input_list(inputs))
    if not chosen:
        raise ValueError(f"output {name!r} has no random named inputs")
    # A named input that is also an output (a scenario's only container
    # channel is its total) is stored under the output's name.
    as_output = {getattr(expr, "name", None): out for out, expr in subject.outputs}
    columns = []
    for input_name, _kind in chosen:
        stored = input_name if input_name in res else as_output.get(input_name)
        if stored not in res:
            raise ValueError(
                f"these results did not store input {input_name!r}; "
                "run the model with store_inputs=True"
            )
        columns.append((input_name, np.ascontiguousarray(res[stored], dtype=np.float64)))
    # A posterior's columns are equally weighted rows (the equal-weight
    # resample after weighting), as plain samples are.
    y = np.ascontiguousarray(res[name], dtype=np.float64)
    return name, y, columns, has_noise, res


def rank_correlation(
    results: Any,
    output: str | None = None,
    *,
    inputs: str | Sequence[str] | None = None,
    conf_level: float = 0.95,
    n: int = DEFAULT_SAMPLES,
    seed: int | None = None,
) -> RankCorrelation:
    """Spearman's rank correlation of each random named input with ``output``.

    Uses the samples of ``results`` (no extra model runs); given a model
    instead, runs it for ``n`` samples first. Columns ``rho`` and ``rho_conf``
    (the half-width of a ``conf_level`` interval, by Fisher's z), sorted by
    ``|rho|``. Rank correlation sees monotone effects only; an input acting
    through interactions or non-monotone functions can matter with rho near 0
    (use :func:`sobol`).
    """
    name, y, columns, _noise, res = _samples(results, output, inputs, n, seed)
    rows = _core.rank_correlation(y, columns, conf_level)
    table = pd.DataFrame(rows, columns=["input", "rho", "rho_conf"]).set_index("input")
    table = RankCorrelation(table.reindex(table["rho"].abs().sort_values(ascending=False).index))
    table.attrs.update(output=name, n=res.n, seed=res.seed, conf_level=conf_level)
    return table


def value_of_information(
    results: Any,
    output: str | None = None,
    *,
    inputs: str | Sequence[str] | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    level: float = 0.9,
    bins: int = 50,
    n: int = DEFAULT_SAMPLES,
    seed: int | None = None,
) -> ValueOfInformation:
    """What to learn next: how much the output's ``level`` interval (90%) would
    narrow, in expectation, if each input were known exactly.

    Estimated from one run (``results``, or ``n`` fresh samples of a model):
    the samples are cut into ``bins`` equal-count bins of the input's value;
    within a bin the input is nearly fixed, so the spread of the output there
    is its spread once the input is known. ``expected_width`` is the average
    width of the output's interval across bins, ``narrowing`` is
    ``1 - expected_width / width_now``, and ``variance_share`` the expected
    share of the variance removed (a binned first-order Sobol index). Sorted by
    narrowing. The intrinsic noise has no row: no intelligence removes it.
    ``groups`` (as for :func:`sobol`) are inputs learned together, binned
    jointly (about ``bins`` cells in all).
    """
    group_list = _groups(groups) or []
    members = [m for _, group in group_list for m in group]
    wanted = _input_list(inputs)
    asked = None if wanted is None else list(dict.fromkeys([*wanted, *members]))
    name, y, columns, _noise, res = _samples(results, output, asked, n, seed)
    by_name = dict(columns)
    for group, names in group_list:
        for member in names:
            if member not in by_name:
                raise ValueError(
                    f"{member!r} (in group {group!r}) is not a random named input "
                    f"of output {name!r}"
                )
    rows_in = [(group, [by_name[m] for m in names]) for group, names in group_list]
    grouped = set(members)
    rows_in += [
        (input_name, [col])
        for input_name, col in columns
        if input_name not in grouped and (wanted is None or input_name in wanted)
    ]
    rows = _core.value_of_information(y, rows_in, level, bins)
    table = ValueOfInformation(
        pd.DataFrame(
            rows, columns=["input", "width_now", "expected_width", "narrowing", "variance_share"]
        ).set_index("input")
    )
    table.attrs.update(output=name, n=res.n, seed=res.seed, level=level, bins=bins)
    return table


class SensitivityMethods:
    """Sensitivity methods for objects with an ``_analysis_subject()``:
    ``self`` is passed as the first argument of the module's functions.
    Model, Results and Scenario inherit them."""

    def sobol(self, output: str | None = None, **options: Any) -> SobolIndices:
        """Sobol indices of ``output``; see :func:`munflow.sobol`."""
        return sobol(self, output, **options)

    def shapley(self, output: str | None = None, **options: Any) -> ShapleyEffects:
        """Shapley effects of ``output``; see :func:`munflow.shapley`."""
        return shapley(self, output, **options)

    def tornado(self, output: str | None = None, **options: Any) -> Tornado:
        """Tornado of ``output``; see :func:`munflow.tornado`."""
        return tornado(self, output, **options)

    def rank_correlation(self, output: str | None = None, **options: Any) -> RankCorrelation:
        """Spearman's rho of each input with ``output``; see :func:`munflow.rank_correlation`."""
        return rank_correlation(self, output, **options)

    def value_of_information(self, output: str | None = None, **options: Any) -> ValueOfInformation:
        """What to learn next about ``output``; see :func:`munflow.value_of_information`."""
        return value_of_information(self, output, **options)
