"""Timeline scenario files: a ``[timeline]`` table, dated channels and dated
statements, read into a :class:`~munflow.timeline.TimelineModel`.

.. code-block:: toml

    [timeline]
    start = "2023-08"
    end = "2025-06"
    period = "month"            # or "week", "day"

    [munitions.shell_152]
    share = { beta = [15, 5] }              # share of the containers
    per_container = { pert = [300, 430, 500] }
    dud_rate = { beta = [2, 8] }
    fired_per_day = { lognormal_ci = [5000, 20000] }   # optional: stock and days of fire
    supplied_share = { beta = [4, 6] }                 # of that fire, from this source

    [channels.rajin]
    active = [["2023-08", "2023-12"], ["2024-03", "2025-06"]]
    voyages_per_period = { lognormal_ci = [4, 12] }
    sharing = "persistent"                  # or "shared" (default), "independent",
    rho = 0.6                               # "walk", "trend", "changepoint"
    containers_per_voyage = { pert = [80, 150, 300] }

    [channels.missiles]                     # rounds of one munition, no containers
    munition = "ballistic_missile"
    active = [["2023-12", "2025-06"]]
    rounds_per_period = { lognormal_ci = [4, 15] }

    [evidence.minister]                     # the evidence syntax of every scenario file
    kind = "measured"                       # or any kind of [evidence] table:
                                            # "at_least", "sightings", "paired", ...
    quantity = "cumulative.containers"      # any series: "cumulative.voyages", ...
    date = "2024-03"                        # when it was said; it counts to the end of
    about = "2024-02"                       # this period (optional; default the date's),
                                            # or to the end of a day: as_of = "2024-03-15";
                                            # since = "2023-10": only what came from then on
    value = 7000
    rel_error = 0.15

The tables of ordinary scenario files work here in the same syntax, built by
the same code: ``[mix]`` (``dirichlet``, ``fixed`` or ``alternatives``) in
place of each munition's ``share``; ``[correlations.NAME]`` over the inputs
drawn once for the whole timeline; and channels that give a total over their
active periods, spread evenly over them (so not a whole number each period):
counted voyages (``tracked``, ``dark_seen``, ``p_detect``, ``prior``, with
``containers_per_voyage``) and a direct ``count`` of one ``munition``.

The file is read and checked by the scenario reader every scenario file goes
through (``munflow validate`` and :meth:`munflow.Scenario.from_file` read
timeline files too): unknown keys are refused with the nearest valid names,
and every error is a :class:`munflow.ScenarioError` naming the file, the line
and the field. This module only builds the series from what it returns.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

import munflow._core as _core
from munflow.io.located import located_model_error
from munflow.timeline.series import Series, Timeline, TimelineModel
from munflow.timeline.statements import counted_to


class TimelineScenario:
    """A timeline scenario read from a file: its title, timeline and model.

    ``TimelineScenario(text, origin)`` reads TOML text; a checked
    ``_core.TimelineSpec`` is taken as it is. :meth:`munflow.Scenario.from_file`
    returns one for a file with a ``[timeline]`` table.

    >>> import munflow as mf
    >>> sc = mf.Scenario.from_file(mf.scenarios.path("dprk_russia_timeline"))
    >>> sc.timeline
    Timeline('2023-08' .. '2025-06', 23 months)
    >>> later = sc.with_value("timeline.end", "2025-12")
    >>> len(later.timeline), later.model.series[:2]
    (29, ['voyages', 'cumulative.voyages'])
    """

    def __init__(self, text: str | _core.TimelineSpec, origin: str = "<string>") -> None:
        spec = (
            text
            if isinstance(text, _core.TimelineSpec)
            else _core.TimelineSpec.from_text(text, "toml", origin)
        )
        self._spec = spec
        self._text = spec.text
        self.origin = spec.origin
        doc = json.loads(spec.to_json())
        self.title = str(doc.get("title", ""))
        self.description = str(doc.get("description", ""))
        periods = doc["timeline"]
        self.timeline = Timeline(periods["start"], periods["end"], periods.get("period", "month"))
        self.munitions = list(doc.get("munitions", {}))
        try:
            self.model = _Builder(self.timeline, spec).model(doc)
        except _FieldError as err:
            line = spec.line_of(err.path)
            raise _core._scenario_error(str(err), err.path, self.origin, line) from None
        if list(self.model.series) != spec.series():  # one list of series, kept in step
            raise RuntimeError(f"series {self.model.series} differ from {spec.series()}")

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> TimelineScenario:
        """Read a timeline file (TOML, or JSON by extension)."""
        spec = _core._read_scenario_file(os.fspath(path))
        if not isinstance(spec, _core.TimelineSpec):
            raise _core._scenario_error(
                "not a timeline file (it has no [timeline] table): read it with "
                "munflow.Scenario.from_file",
                "timeline",
                os.fspath(path),
            )
        return cls(spec)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, origin: str = "<dict>") -> TimelineScenario:
        """A timeline scenario from a dict with the fields of the file,
        checked like a file (errors located by field path)."""
        text = json.dumps(_plain(data), indent=1)
        return cls(_core.TimelineSpec.from_text(text, "json", origin, False))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (self._text, self._spec.format, self.origin))

    def run(self, n: int | float, seed: int | None = None, **options: Any) -> Any:
        """Runs the scenario's model (the options of :meth:`TimelineModel.run`)."""
        try:
            res = self.model.run(n, seed, **options)
        except _core.ModelError as err:
            raise self._located(err) from None
        res.scenario = self
        return res

    def _located(self, err: _core.ModelError) -> _core.ModelError:
        """The error with the file, line and field of the deepest input it
        was traced to (``rajin.voyages@2024-03`` is the channel's
        ``voyages_per_period``), as :meth:`munflow.Scenario.run` gives it."""
        laws = self._spec.laws()
        for name in reversed([getattr(err, "node", ""), *getattr(err, "traced_to", [])]):
            owner, _, field = str(name).partition("@")[0].partition(".")
            field = _DRAWN_BY.get(field, field)
            for table in ("munitions", "channels"):
                path = f"{table}.{owner}.{field}"
                if path in laws:
                    return located_model_error(err, self.origin, self._spec.line_of(path), path)
        return err

    def validate(self) -> None:
        """Nothing to do: a timeline file is checked when read."""

    # -- editing ---------------------------------------------------------

    def with_value(self, field: str, value: Any) -> TimelineScenario:
        """A copy with one field set, by its dotted path, checked like a file.

        ``sc.with_value("munitions.shell_152.dud_rate", {"beta": [1, 9]})``
        changes one assumption; run both with the same seed and every other
        input keeps its draws. A field the format does not have raises
        :class:`munflow.ScenarioError` naming the nearest valid ones.
        """
        *parents, key = field.split(".")
        self._table(field, parents)
        return self._edited(field, lambda data: _at(data, parents).__setitem__(key, value))

    def with_added(self, path: str, value: Mapping[str, Any]) -> TimelineScenario:
        """A copy with a new munition, channel or dated statement
        (``"channels.nampo"``, ``"evidence.new_report"``)."""
        table, _, name = path.rpartition(".")
        if table not in _ENTRY_TABLES or not name:
            raise self._path_error(
                path, f"entries are added to one of: {', '.join(_ENTRY_TABLES)}; not {table!r}"
            )
        if name in self.to_dict().get(table, {}):
            raise self._path_error(path, f"{path!r} exists already; use with_value to change it")

        def add(data: dict[str, Any]) -> None:
            data.setdefault(table, {})[name] = value

        return self._edited(path, add)

    def without(self, path: str) -> TimelineScenario:
        """A copy without a field or an entry, checked like a file (removing
        a munition a channel names raises :class:`munflow.ScenarioError`)."""
        *parents, key = path.split(".")
        table = self._table(path, parents)
        if key not in table:
            raise self._path_error(
                path,
                f"this scenario has no {path!r} to remove; {'.'.join(parents) or 'it'} has: "
                f"{', '.join(table)}",
            )
        return self._edited(path, lambda data: _at(data, parents).pop(key))

    def _table(self, path: str, parents: list[str]) -> dict[str, Any]:
        """The table holding the field at ``path``: it must exist."""
        try:
            return _at(self.to_dict(), parents)
        except KeyError:
            raise self._path_error(
                path, f"this scenario has no {'.'.join(parents)!r} table to hold {path!r}"
            ) from None

    def _edited(self, path: str, edit: Any) -> TimelineScenario:
        data = self.to_dict()
        edit(data)
        return TimelineScenario.from_dict(data, origin=f"{self.origin} with {path} edited")

    def _path_error(self, path: str, message: str) -> Exception:
        return _core._scenario_error(message, path, self.origin)

    def to_dict(self) -> dict[str, Any]:
        """The file's tables, as checked (its ``source`` fields feed a
        report's sources)."""
        return json.loads(self._spec.to_json())

    def to_toml(self) -> str:
        """The text the scenario was read from."""
        return self._text

    @property
    def source_text(self) -> str:
        """The text the scenario was read from (a report's footer hashes it)."""
        return self._text

    def __repr__(self) -> str:
        return f"<munflow timeline scenario {self.title or self.origin!r}: {self.timeline!r}>"


#: A channel's per-period draws, by the field whose rate they are drawn with.
_DRAWN_BY = {"voyages": "voyages_per_period", "rounds": "rounds_per_period"}

#: The tables of a timeline file that take new entries.
_ENTRY_TABLES = ("munitions", "channels", "evidence", "correlations")


def _at(data: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    """The table at ``keys`` (KeyError when one is missing or not a table)."""
    for key in keys:
        data = data[key]
        if not isinstance(data, dict):
            raise KeyError(key)
    return data


def _plain(value: Any) -> Any:
    """Python values as JSON's: numpy numbers and arrays as plain ones."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist"):
        return _plain(value.tolist())
    return value


class _FieldError(ValueError):
    """A problem with a field of the file found while building the model."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path


def _restore(text: str, format: str, origin: str) -> TimelineScenario:
    return TimelineScenario(_core.TimelineSpec.from_text(text, format, origin))


class _Builder:
    """The series of a checked timeline file: channels' flows, munitions'
    deliveries, stocks, and the dated statements on them."""

    def __init__(self, timeline: Timeline, spec: _core.TimelineSpec) -> None:
        self.tl = timeline
        self.spec = spec
        self.laws = spec.laws()
        draws = spec.draws()
        # The draws one for the whole run, built by the scenario reader (the
        # mix's shares, counted voyages, correlated inputs): a series holds
        # the same draw in every period.
        self.drawn = draws
        self.inputs: dict[str, Series] = {
            name: Series(timeline, [node] * len(timeline), name) for name, node in draws.items()
        }

    def _input(self, name: str, path: str, **sharing: Any) -> Series:
        if name in self.drawn:
            return self.inputs[name]
        series = self.tl.input(name, self.laws[path], **sharing)
        self.inputs[name] = series
        return series

    def _spread(self, total: Series, active: Series) -> Series:
        """A total over the active periods, an equal part in each."""
        count = sum(1 for x in active.items if x)
        return active * (total * (1.0 / count))

    def model(self, doc: Mapping[str, Any]) -> TimelineModel:
        tl = self.tl
        munitions = doc.get("munitions", {})
        containers: Series | None = None
        all_voyages: Series | None = None
        rounds: dict[str, Series] = {}
        for name, ch in doc["channels"].items():
            whole = [[tl.labels[0], tl.labels[-1]]]
            active = tl.active([tuple(r) for r in ch.get("active", whole)])
            if "munition" in ch:
                munition = ch["munition"]
                if "count" in ch:
                    drawn = self._spread(
                        self._input(f"{name}.count", f"channels.{name}.count"), active
                    )
                else:
                    drawn = self._poisson_flow(name, "rounds", ch, active)
                rounds[munition] = rounds[munition] + drawn if munition in rounds else drawn
                continue
            if "voyages_per_period" in ch:
                voyages = self._poisson_flow(name, "voyages", ch, active)
            else:  # counted voyages, as ordinary files count them
                voyages = self._spread(self.inputs[f"{name}.voyages"], active)
            all_voyages = voyages if all_voyages is None else all_voyages + voyages
            load = self._input(
                f"{name}.containers_per_voyage", f"channels.{name}.containers_per_voyage"
            )
            flow = voyages * load
            containers = flow if containers is None else containers + flow
        outputs: dict[str, Any] = {}
        if containers is not None and all_voyages is not None:
            outputs["voyages"] = all_voyages
            outputs["cumulative.voyages"] = all_voyages.cumulative()
            outputs["containers"] = containers
            outputs["cumulative.containers"] = containers.cumulative()
        for name, m in munitions.items():
            at = f"munitions.{name}"
            delivered = rounds.get(name)
            # A share is the munition's own, or its entry in the file's [mix].
            if containers is not None and ("share" in m or f"{name}.share" in self.drawn):
                share = self._input(f"{name}.share", f"{at}.share")
                per = self._input(f"{name}.per_container", f"{at}.per_container")
                shipped = containers * share * per
                delivered = shipped if delivered is None else delivered + shipped
            if delivered is None:
                continue
            dud = self._input(f"{name}.dud_rate", f"{at}.dud_rate")
            functioning = delivered * (1.0 - dud)
            outputs[f"{name}.delivered"] = delivered
            outputs[f"cumulative.{name}"] = delivered.cumulative()
            outputs[f"functioning.{name}"] = functioning.cumulative()
            if "fired_per_day" in m:
                fired = self._input(f"{name}.fired_per_day", f"{at}.fired_per_day")
                supplied = self._input(f"{name}.supplied_share", f"{at}.supplied_share")
                outputs[f"{name}.days_of_fire"] = functioning.cumulative() / fired
                wanted = tl.consumption(fired, share=supplied)
                outputs[f"{name}.wanted"] = wanted.cumulative()
                stock = tl.stock(functioning, fired, share=supplied)
                outputs[f"{name}.stock"] = stock
        observations = [
            self._statement(name, spec, outputs) for name, spec in doc.get("evidence", {}).items()
        ]
        return TimelineModel(tl, outputs, observations)

    def _poisson_flow(
        self, channel: str, what: str, ch: Mapping[str, Any], active: Series
    ) -> Series:
        """A channel's ``what`` (voyages, rounds) per period: Poisson with the
        rate ``<what>_per_period``, shared as the channel's ``sharing`` says,
        in its active periods."""
        field = f"{what}_per_period"
        # The process's uncertain parameters are inputs of their own, one
        # draw for the timeline (``rajin.step_sd``); the file reader has
        # checked them against the process (src/timeline).
        sds = {
            sd: self._input(f"{channel}.{sd}", f"channels.{channel}.{sd}").items[0]
            for sd in ("step_sd", "level_sd", "slope_sd")
            if sd in ch
        }
        rate = self._input(
            f"{channel}.{field}",
            f"channels.{channel}.{field}",
            sharing=ch.get("sharing", "shared"),
            rho=ch.get("rho"),
            damping=ch.get("damping"),
            hazard=ch.get("hazard"),
            **sds,
        )
        return self.tl.draw(f"{channel}.{what}", lambda r: _core.poisson(r), rate * active)

    def _statement(self, name: str, spec: Mapping[str, Any], outputs: Mapping[str, Any]) -> Any:
        """A statement (the file's ``[evidence.NAME]``) as an observation,
        built by the reader that builds ordinary files' evidence: series are
        read at its date, inputs (one draw for the whole timeline) as they are."""

        since = spec.get("since")

        def node(ref: str) -> Any:
            if ref not in outputs:
                return self.inputs[ref].items[0]
            # The reader has checked the dates (src/scenario/timeline.rs); only
            # Python knows which series are running totals that as_of can split.
            try:
                at = counted_to(
                    outputs[ref], spec["date"], spec.get("about"), spec.get("as_of"), since
                )
            except ValueError as err:
                field = "since" if since is not None else "as_of"
                raise _FieldError(f"evidence.{name}.{field}", f"{ref}: {err}") from None
            if at.name is None:
                # Labels the node (the same one) for the statement's description.
                label = (
                    spec.get("as_of")
                    or self.tl.labels[self.tl.period_of(spec.get("about") or spec["date"])]
                )
                window = f"{self.tl.labels[self.tl.period_of(since)]}..{label}" if since else label
                at = _core.named(at, f"{ref}[{window}]")
            return at

        return self.spec.statement(name, node)
