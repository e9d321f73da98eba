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
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from munflow import _core
from munflow._core import Expr, ModelError
from munflow.evidence import Observation
from munflow.io import atomic
from munflow.io.located import located_model_error
from munflow.model import DEFAULT_SAMPLES, Model
from munflow.results.core import Results
from munflow.results.facets import (
    ScenarioPosteriorResults,
    ScenarioResults,
    ScenarioSummaryResults,
)
from munflow.results.grouped import COMPARED, comparison_events, output_info
from munflow.results.make import grouped
from munflow.sensitivity.analyses import SensitivityMethods, Subject

__all__ = [
    "COMPARED",
    "Scenario",
    "ScenarioPosteriorResults",
    "ScenarioResults",
    "ScenarioSummaryResults",
    "output_info",
]

if TYPE_CHECKING:
    from munflow.timeline.scenario import TimelineScenario


def _scenario_of(spec: Any, origin: str) -> Scenario | TimelineScenario:
    """The scenario object of a checked file of either dialect."""
    if isinstance(spec, _core.TimelineSpec):
        from munflow.timeline.scenario import TimelineScenario

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
        self._compiled_parts: Any = None

    # -- reading ---------------------------------------------------------

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Scenario | TimelineScenario:
        """Read a scenario file: TOML, or JSON when the name ends in ``.json``.

        Every scenario file is read by one reader: a file with a
        ``[timeline]`` table gives a :class:`~munflow.TimelineScenario`
        (its series by month, week or day).
        """
        return _scenario_of(_core._read_scenario_file(os.fspath(path)), os.fspath(path))

    @classmethod
    def from_toml(cls, text: str, *, origin: str = "<string>") -> Scenario | TimelineScenario:
        """Read a scenario from TOML text; ``origin`` names it in error messages
        (a timeline file's text gives a :class:`~munflow.TimelineScenario`)."""
        return _scenario_of(_core._read_scenario_text(text, "toml", origin), origin)

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
            from munflow.timeline.scenario import TimelineScenario

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
        return _core._scenario_error(message, path, self._origin)

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
        return list(self._compiled()[1])

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
        observations read the outputs' own nodes; built once, so that
        expressions made from ``outputs()`` (events for a summary-only run)
        are of the nodes every run of this scenario draws."""
        if self._compiled_parts is None:
            rows, estimates, evidence = self._spec.compile()
            self._compiled_parts = rows, estimates, tuple(evidence)
        return self._compiled_parts

    # -- running ---------------------------------------------------------

    def run(self, n: int = DEFAULT_SAMPLES, seed: int | None = None, **options: Any) -> Results:
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
                **comparison_events(exprs, estimates),
                **(options.get("events") or {}),
            }
        try:
            res = model.run(n, seed, **options)
        except ModelError as err:
            raise self._located(err) from None
        if not isinstance(res, Results):
            return res  # columns on a cluster: dask arrays by output name
        return grouped(res, scenario=self, meta=meta, estimates=estimates)

    def _located(self, err: ModelError) -> ModelError:
        """The error with the file, line and field it was traced to."""
        found = self._spec.field_of([getattr(err, "node", ""), *getattr(err, "traced_to", [])])
        if found is None:
            return err
        path, line = found
        return located_model_error(err, self._spec.origin, line, path)

    def __getstate__(self) -> dict[str, Any]:
        # The compiled graph is made again where it is unpickled.
        return {**self.__dict__, "_compiled_parts": None}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scenario) and self._spec == other._spec

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        title = f" {self.title!r}" if self.title else ""
        names = ", ".join(self.munitions)
        return f"<munflow.Scenario{title} munitions: {names}>"


def _flat_paths(data: Any, prefix: str = "") -> Any:
    """Every dotted path present in a scenario dict, tables and leaves."""
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}.{key}" if prefix else key
            yield path
            yield from _flat_paths(value, path)
