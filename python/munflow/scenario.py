"""Scenarios: a supply relationship described in a file, run as a model.

A scenario names the munitions (rounds per container, dud and failure rates),
the supply channels (reported container totals, vessel voyages with dark ones,
rail flows, direct counts of missiles), the cargo mix, and which channels are
alternative estimates of the same containers. Running it gives delivered and
functioning rounds, missiles reaching their target and days of fire, per
munition type and in total::

    import munflow as mf

    sc = mf.Scenario.from_file(mf.scenarios.path("dprk_russia_2023_2024"))
    res = sc.run(n=100_000, seed=7)
    res.summary()             # rows grouped by munition type
    res.compare()             # alternative estimates side by side, P(one > other)

    # Change one assumption; every other input keeps its draws.
    better = sc.with_value("munitions.shell_152.dud_rate", {"beta": [1, 9]})

    # Which assumption drives the range (inputs by their names in the file).
    sc.sobol("shell_152.functioning[defence_minister]", seed=7)
    sc.tornado("shell_152.functioning[defence_minister]", seed=7)
    res.value_of_information("shell_152.functioning[defence_minister]")
"""

from __future__ import annotations

import copy
import difflib
import itertools
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from munflow import _core, atomic, weighted
from munflow._core import Expr, ModelError
from munflow.evidence import Observation
from munflow.formatting import readable
from munflow.located import located_model_error
from munflow.model import DEFAULT_SAMPLES, Model
from munflow.posterior import PosteriorResults
from munflow.results import DEFAULT_QUANTILES, Results
from munflow.sensitivity import SensitivityMethods, Subject
from munflow.summary_results import SummaryResults
from munflow.words import DEFAULT_SCALE, samples_behind, words

if TYPE_CHECKING:
    from munflow.timeline_scenario import TimelineScenario


def _scenario_of(spec: Any, origin: str) -> Scenario | TimelineScenario:
    """The scenario object of a checked file of either dialect."""
    if isinstance(spec, _core.TimelineSpec):
        from munflow.timeline_scenario import TimelineScenario

        return TimelineScenario(spec)
    return Scenario(spec, origin=origin)


class Scenario(SensitivityMethods):
    """A checked scenario, ready to run.

    Build one with :meth:`from_file` (TOML, or JSON by extension),
    :meth:`from_toml` or :meth:`from_dict`; the fields are those of the TOML
    format (see ``munflow/scenarios/dprk_russia_2023_2024.toml``). A malformed
    scenario raises :class:`munflow.ScenarioError` naming the file, the line
    and the field path.

    >>> import munflow as mf
    >>> sc = mf.Scenario.from_dict({
    ...     "munitions": {"shell_152": {"category": "shell", "per_container": 430}},
    ...     "mix": {"fixed": {"shell_152": 1, "other": 0}},
    ...     "channels": {"reported": {"minister": {"containers": 7000}}},
    ... })
    >>> sc.run(n=1000, seed=1)["shell_152.delivered"][0]
    np.float64(3010000.0)
    """

    def __init__(self, spec: Any, origin: str = "<scenario>") -> None:
        if not isinstance(spec, _core.ScenarioSpec):
            raise TypeError("build a Scenario with Scenario.from_file, from_toml or from_dict")
        self._spec = spec
        self._origin = origin

    # -- reading ---------------------------------------------------------

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Scenario | TimelineScenario:
        """Read a scenario file: TOML, or JSON when the name ends in ``.json``.

        Every scenario file is read by one reader: a file with a
        ``[timeline]`` table gives a :class:`~munflow.TimelineScenario`
        (its series by month, week or day).
        """
        return _scenario_of(_core.read_scenario_file(os.fspath(path)), os.fspath(path))

    @classmethod
    def from_toml(cls, text: str, *, origin: str = "<string>") -> Scenario | TimelineScenario:
        """Read a scenario from TOML text; ``origin`` names it in error messages
        (a timeline file's text gives a :class:`~munflow.TimelineScenario`)."""
        return _scenario_of(_core.read_scenario_text(text, "toml", origin), origin)

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, origin: str = "<dict>"
    ) -> Scenario | TimelineScenario:
        """Build a scenario from a dict with the fields of the file format.

        Distributions are written as in files: a number, or a one-key dict
        such as ``{"beta": [2, 8]}``. The dict is checked field by field, with
        the messages a file gets (located by field path); ``None`` is not a
        value (leave the field out). A dict with a ``timeline`` table gives a
        :class:`~munflow.TimelineScenario`.
        """
        if not isinstance(data, Mapping):
            raise TypeError(f"a scenario dict must be a mapping, got {type(data).__name__}")
        if "timeline" in data:
            from munflow.timeline_scenario import TimelineScenario

            return TimelineScenario.from_dict(data, origin=origin)
        return cls(_core.ScenarioSpec.from_dict(data, origin), origin=origin)

    # -- writing ---------------------------------------------------------

    @property
    def source_text(self) -> str:
        """The text this scenario was read from, comments and all (for one
        built from a dict or edited by ``with_value``, its JSON): what a run
        of it ran, kept with its results (``save``/``load`` too). A report's
        footer gives its hash."""
        return self._spec.source_text

    def to_toml(self) -> str:
        """The scenario as TOML text (comments are not kept)."""
        return self._spec.to_toml()

    def to_dict(self) -> dict[str, Any]:
        """The scenario as plain dicts, lists and numbers."""
        return json.loads(self._spec.to_json())

    def to_file(self, path: str | os.PathLike[str]) -> Path:
        """Write the scenario as TOML (or JSON for a ``.json`` name)."""
        path = Path(path)
        text = self._spec.to_json() if path.suffix.lower() == ".json" else self.to_toml()
        return atomic.write_text(path, text)

    # -- building --------------------------------------------------------

    def with_value(self, field: str, value: Any) -> Scenario:
        """A copy with one field set, by its dotted path.

        ``sc.with_value("munitions.shell_152.dud_rate", {"beta": [1, 9]})``
        changes one assumption; run both with the same seed and every other
        input keeps its draws (common random numbers), so the difference
        between the runs is the effect of this change alone.

        The path must name a field of an entry the scenario has (given or not,
        such as a munition's ``mass_kg``); a misspelt one raises
        :class:`munflow.ScenarioError` naming the nearest valid paths. New
        entries are added with :meth:`with_added`, and fields or entries
        removed with :meth:`without`.
        """
        if value is None:
            raise self._path_error(field, "None is not a value; to remove a field use without()")
        settable, _tables = self._spec.paths()
        if field not in settable:
            hint = self._nearest(field, settable)
            raise self._path_error(field, f"this scenario has no field {field!r}{hint}")
        return self._edited(field, lambda table, key: table.__setitem__(key, value), "changed")

    def with_added(self, path: str, value: Mapping[str, Any] | Any) -> Scenario:
        """A copy with a new entry: a munition (``"munitions.shell_122"``), a
        channel (``"channels.voyages.rajin_2024"``), an estimate or a mix share.

        >>> import munflow as mf
        >>> sc = mf.scenarios.load()
        >>> more = sc.with_added("channels.reported.ukraine_gur", {"containers": 6700})
        """
        if value is None:
            raise self._path_error(path, "None is not a value")
        table, _, name = path.rpartition(".")
        _settable, tables = self._spec.paths()
        if table not in tables:
            hint = self._nearest(table, tables)
            raise self._path_error(
                path, f"entries are added to one of: {', '.join(tables)}; not {table!r}{hint}"
            )
        existing = self._lookup(table) or {}
        if name in existing:
            raise self._path_error(path, f"{path!r} exists already; use with_value to change it")
        return self._edited(path, lambda t, key: t.__setitem__(key, value), "added")

    def without(self, path: str) -> Scenario:
        """A copy without a field or an entry (a channel, a munition, the
        ``estimates`` table...). The result is checked like any scenario:
        removing something others refer to raises :class:`munflow.ScenarioError`.
        Removing ``estimates`` makes every channel add up."""
        if self._lookup(path) is None:
            present = list(_flat_paths(self.to_dict()))
            hint = self._nearest(path, present)
            raise self._path_error(path, f"this scenario has no {path!r} to remove{hint}")
        return self._edited(path, lambda table, key: table.pop(key), "removed")

    def _edited(self, path: str, edit: Any, verb: str) -> Scenario:
        data = self.to_dict()
        *parents, key = path.split(".")
        table: Any = data
        for part in parents:
            table = table.setdefault(part, {})
        edit(table, key)
        origin = f"{self._origin} with {path} {verb}"
        return Scenario(_core.ScenarioSpec.from_dict(copy.deepcopy(data), origin), origin=origin)

    def _lookup(self, path: str) -> Any:
        """The value at a dotted path of the scenario's dict, or None."""
        node: Any = self.to_dict()
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    @staticmethod
    def _nearest(path: str, candidates: Sequence[str]) -> str:
        close = difflib.get_close_matches(path, candidates, n=3, cutoff=0.6)
        return f"; did you mean {' or '.join(close)}?" if close else ""

    def _path_error(self, path: str, message: str) -> Exception:
        return _core.scenario_error(message, path, self._origin)

    # -- what it holds ---------------------------------------------------

    @property
    def title(self) -> str | None:
        return self._spec.title

    @property
    def munitions(self) -> dict[str, str]:
        """Munition name -> category, in catalog order."""
        return {name: category for name, category, _label in self._spec.munitions()}

    @property
    def estimates(self) -> list[str]:
        """The alternative estimates (empty when every channel adds up)."""
        return self._compiled()[1]

    def outputs(self) -> dict[str, Expr]:
        """The output expressions by name, e.g. ``shell_152.functioning``."""
        return {row[0]: row[1] for row in self._compiled()[0]}

    @property
    def evidence(self) -> tuple[Observation, ...]:
        """The ``[evidence]`` tables as observations (see :mod:`munflow.evidence`)."""
        return self._compiled()[2]

    def model(self) -> Model:
        """The scenario as a :class:`munflow.Model` (with its evidence, if any)."""
        rows, _estimates, evidence = self._compiled()
        return Model({row[0]: row[1] for row in rows}, evidence=evidence)

    def to_model(self) -> Model:
        """The scenario as a :class:`munflow.Model`: the hook through which
        :func:`munflow.sobol`, :func:`munflow.tornado` and the other analyses
        (also methods here: ``sc.sobol("shell_152.functioning[...]")``) accept
        a scenario. Inputs are named ``<owner>.<field>`` as in the file
        (``shell_152.dud_rate``, ``rajin_aug_dec_2023.p_detect``)."""
        return self.model()

    def _analysis_subject(self) -> Subject:
        return self.to_model()._analysis_subject()

    def validate(self) -> None:
        """Check that the scenario compiles (files are checked when read)."""
        self._compiled()

    def _compiled(
        self,
    ) -> tuple[list[tuple[str, Expr, str, str, str | None]], list[str], tuple[Observation, ...]]:
        """Outputs, estimates and observations, built together so that the
        observations read the outputs' own nodes."""
        rows, estimates, evidence = self._spec.compile()
        return rows, estimates, tuple(Observation(*spec) for spec in evidence)

    # -- running ---------------------------------------------------------

    def run(
        self, n: int = DEFAULT_SAMPLES, seed: int | None = None, **options: Any
    ) -> ScenarioResults | ScenarioSummaryResults:
        """Draw ``n`` samples of every output; options as :meth:`munflow.Model.run`.

        With ``store="summary"`` no sample is kept (see
        :class:`munflow.SummaryResults`); the comparison of alternative
        estimates is computed during the run. ``client=`` runs it on a Dask
        cluster (summary-only), with the same numbers.

        A value only a run can find (a draw that overflows, a detection
        probability drawn as exactly 0) raises :class:`munflow.ModelError`
        located at the field of the file it was traced to (``.file``,
        ``.line``, ``.path``).
        """
        rows, estimates, evidence = self._compiled()
        model = Model({name: expr for name, expr, *_ in rows}, evidence=evidence)
        meta = output_info([(name, group, q, estimate) for name, _e, group, q, estimate in rows])
        summary_only = options.get("store") == "summary" or (
            options.get("client") is not None and options.get("store") is None
        )
        if summary_only:
            # compare() needs P(a > b) for each pair of estimates: asked up front.
            exprs = {name: expr for name, expr, *_ in rows}
            options["events"] = {
                **_comparison_events(exprs, estimates),
                **(options.get("events") or {}),
            }
        try:
            res = model.run(n, seed, **options)
        except ModelError as err:
            raise self._located(err) from None
        if summary_only:
            return ScenarioSummaryResults(res, scenario=self, meta=meta, estimates=estimates)
        if not isinstance(res, Results):
            return res  # columns on a cluster: dask arrays by output name
        if isinstance(res, PosteriorResults):
            return ScenarioPosteriorResults(res, scenario=self, meta=meta, estimates=estimates)
        return ScenarioResults(res, scenario=self, meta=meta, estimates=estimates)

    def _located(self, err: ModelError) -> ModelError:
        """The error with the file, line and field it was traced to."""
        found = self._spec.field_of([getattr(err, "node", ""), *getattr(err, "traced_to", [])])
        if found is None:
            return err
        path, line = found
        return located_model_error(err, self._spec.origin, line, path)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scenario) and self._spec == other._spec

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        title = f" {self.title!r}" if self.title else ""
        names = ", ".join(self.munitions)
        return f"<munflow.Scenario{title} munitions: {names}>"


class ScenarioResults(Results):
    """Results of a scenario run: a :class:`munflow.Results` whose summary is
    grouped by munition type, with alternative estimates side by side."""

    def __init__(
        self,
        res: Results,
        *,
        scenario: Scenario,
        meta: pd.DataFrame,
        estimates: Sequence[str],
    ) -> None:
        super().__init__(res._raw, res.model, threads=res._threads, allow_nan=res._allow_nan)
        self.scenario = scenario
        #: What each output measures: munition (or "total"), quantity, estimate.
        self.output_info = meta
        #: The alternative estimates, side by side in the tables.
        self.estimates = list(estimates)

    def _state(self) -> dict[str, Any]:
        return {
            **super()._state(),
            "scenario": self.scenario,
            "output_info": self.output_info,
            "estimates": self.estimates,
        }

    @classmethod
    def _from_state(cls, state: dict[str, Any]) -> ScenarioResults:
        # The next class's restore: Results, or PosteriorResults for a posterior.
        res = super()._from_state(state)
        return cls(
            res,
            scenario=state["scenario"],
            meta=state["output_info"],
            estimates=state["estimates"],
        )

    def summary(
        self,
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
        *,
        columns: Sequence[str] | None = None,
        include_inputs: bool = False,
        grouped: bool = True,
        mcse: bool = False,
    ) -> pd.DataFrame:
        """A table of ranges. By default the rows are indexed by (munition,
        quantity) and, when the scenario has alternative estimates, estimate;
        ``grouped=False`` (or asking for columns or inputs) gives the plain
        one-row-per-column table of :meth:`munflow.Results.summary`;
        ``mcse=True`` adds the figures' Monte Carlo standard errors."""
        table = super().summary(
            quantiles, columns=columns, include_inputs=include_inputs, mcse=mcse
        )
        if not grouped or columns is not None or include_inputs:
            return table
        levels = ["munition", "quantity"] + (["estimate"] if self.estimates else [])
        keys = self.output_info.loc[table.index, levels]
        table.index = pd.MultiIndex.from_frame(keys)
        return table

    def compare(
        self, quantity: str = "total.containers", *, scale: str = DEFAULT_SCALE
    ) -> pd.DataFrame:
        """Alternative estimates side by side: for each pair (a, b), the
        median and 90% interval of ``quantity`` under each, P(a > b) on
        the same samples, and P(a > b) in ``words`` (see :func:`munflow.words`:
        the terms of ``scale``, every one the 95% interval of P(a > b) from
        this run's samples reaches: its effective samples for a posterior)."""
        rows = []
        samples = samples_behind(self)
        w = getattr(self, "weights", None)
        weights = np.ones(self.n) if w is None else w
        for a, b in itertools.combinations(self.estimates, 2):
            xa, xb = self[f"{quantity}[{a}]"], self[f"{quantity}[{b}]"]
            qa = weighted.quantiles(xa, weights, [0.05, 0.5, 0.95])
            qb = weighted.quantiles(xb, weights, [0.05, 0.5, 0.95])
            p = self.prob(xa > xb)
            rows.append(
                {
                    "quantity": quantity,
                    "a": a,
                    "b": b,
                    "a_p5": qa[0],
                    "a_p50": qa[1],
                    "a_p95": qa[2],
                    "b_p5": qb[0],
                    "b_p50": qb[1],
                    "b_p95": qb[2],
                    "P(a > b)": p,
                    "words": words(p, n=samples, scale=scale),
                }
            )
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        table = self.summary().to_string(float_format=readable)
        title = self.scenario.title or "scenario"
        return f"munflow results for {title}: n={self.n:,}, seed={self.seed}\n{table}"


class ScenarioPosteriorResults(ScenarioResults, PosteriorResults):
    """Results of a scenario with ``[evidence]``: the posterior, grouped by
    munition type as :class:`ScenarioResults` are, with the prior, weights
    and evidence checks of :class:`munflow.PosteriorResults`."""

    def __init__(
        self,
        res: PosteriorResults,
        *,
        scenario: Scenario,
        meta: pd.DataFrame,
        estimates: Sequence[str],
    ) -> None:
        PosteriorResults.__init__(
            self, res._post, res.model, threads=res._threads, allow_nan=res._allow_nan
        )
        self.scenario = scenario
        self.output_info = meta
        self.estimates = list(estimates)

    def __repr__(self) -> str:
        title = self.scenario.title or "scenario"
        head = (
            f"munflow posterior for {title}: n={self.n:,}, seed={self.seed}, "
            f"method={self.method}, observations: {', '.join(self.observations)}"
        )
        return head + "\n" + self.summary().to_string(float_format=readable)


#: The quantity whose alternative estimates compare() sets side by side.
COMPARED = "total.containers"


def _comparison_event(a: str, b: str, quantity: str = COMPARED) -> str:
    return f"{quantity}[{a}] > {quantity}[{b}]"


def _comparison_events(exprs: dict[str, Expr], estimates: Sequence[str]) -> dict[str, Expr]:
    """The events compare() reads, for a summary-only run to compute."""
    return {
        _comparison_event(a, b): exprs[f"{COMPARED}[{a}]"] > exprs[f"{COMPARED}[{b}]"]
        for a, b in itertools.combinations(estimates, 2)
        if f"{COMPARED}[{a}]" in exprs and f"{COMPARED}[{b}]" in exprs
    }


class ScenarioSummaryResults(SummaryResults):
    """A summary-only run of a scenario: the summary grouped by munition as
    :class:`ScenarioResults` has it, and the comparison of alternative
    estimates (whose probabilities the run computed up front)."""

    def __init__(
        self,
        res: SummaryResults,
        *,
        scenario: Scenario,
        meta: pd.DataFrame,
        estimates: Sequence[str],
    ) -> None:
        super().__init__(
            n=res.n,
            seed=res.seed,
            outputs=res.outputs,
            rows=[res._rows[name] for name in res.outputs],
            quantiles=res.quantiles,
            events=res._events,
        )
        self.scenario = scenario
        self.output_info = meta
        self.estimates = list(estimates)
        #: A posterior's effective sample size (None without evidence): what
        #: the words of its probabilities rest on.
        self.ess: float | None = getattr(res, "ess", None)

    def summary(
        self, quantiles: Sequence[float] | None = None, *, grouped: bool = True
    ) -> pd.DataFrame:
        """The table of ranges, indexed by (munition, quantity[, estimate])
        unless ``grouped=False``."""
        table = super().summary(quantiles)
        if not grouped:
            return table
        levels = ["munition", "quantity"] + (["estimate"] if self.estimates else [])
        table.index = pd.MultiIndex.from_frame(self.output_info.loc[table.index, levels])
        return table

    def compare(self, quantity: str = COMPARED, *, scale: str = DEFAULT_SCALE) -> pd.DataFrame:
        """Alternative estimates side by side, as :meth:`ScenarioResults.compare`."""
        if quantity != COMPARED:
            raise ValueError(
                f"a summary-only run computes the comparison of {COMPARED!r} only; "
                "run with store='columns' to compare another quantity"
            )
        if not self.estimates:
            return pd.DataFrame()
        rows = []
        table = super().summary([0.05, 0.5, 0.95])
        for a, b in itertools.combinations(self.estimates, 2):
            ra, rb = table.loc[f"{quantity}[{a}]"], table.loc[f"{quantity}[{b}]"]
            p = self.prob(_comparison_event(a, b))
            rows.append(
                {
                    "quantity": quantity,
                    "a": a,
                    "b": b,
                    **{f"a_{k}": ra[k] for k in ("p5", "p50", "p95")},
                    **{f"b_{k}": rb[k] for k in ("p5", "p50", "p95")},
                    "P(a > b)": p,
                    "words": words(p, n=samples_behind(self), scale=scale),
                }
            )
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        table = self.summary().to_string(float_format=readable)
        title = self.scenario.title or "scenario"
        return f"munflow summary-only results for {title}: n={self.n:,}, seed={self.seed}\n{table}"


def output_info(rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """What each output measures, from (name, munition, quantity, estimate) rows."""
    return pd.DataFrame(
        [tuple(row) for row in rows], columns=["name", "munition", "quantity", "estimate"]
    ).set_index("name")


def _flat_paths(data: Any, prefix: str = "") -> Any:
    """Every dotted path present in a scenario dict, tables and leaves."""
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}.{key}" if prefix else key
            yield path
            yield from _flat_paths(value, path)
