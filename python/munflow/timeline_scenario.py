"""Timeline scenario files: a ``[timeline]`` table, dated channels and dated
statements, read into a :class:`~munflow.timeline_results.TimelineModel`.

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
    sharing = "persistent"                  # or "shared" (default), "independent"
    rho = 0.6
    containers_per_voyage = { pert = [80, 150, 300] }

    [channels.missiles]                     # rounds of one munition, no containers
    munition = "ballistic_missile"
    active = [["2023-12", "2025-06"]]
    rounds_per_period = { lognormal_ci = [4, 15] }

    [evidence.minister]
    quantity = "cumulative.containers"      # any series: "cumulative.voyages", ...
    date = "2024-03"
    measured = 7000
    rel_error = 0.15                        # or at_least = ..., at_most = ...

Distributions are written as in scenario files: a number, or a one-key table
``{ family = [parameters] }``. Every error names the file, the line and the
field.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomllib

import munflow._core as _core
from munflow import evidence as ev
from munflow.timeline import Series, Timeline, TimelineModel

#: The distribution families a timeline file may name, and their arity.
FAMILIES = {
    "constant": 1,
    "uniform": 2,
    "normal": 2,
    "lognormal": 2,
    "lognormal_ci": 2,
    "beta": 2,
    "gamma": 2,
    "pert": 3,
    "triangular": 3,
    "poisson": 1,
}


def has_timeline(path: str | os.PathLike[str]) -> bool:
    """Whether a scenario file has a ``[timeline]`` table (False for a file
    that cannot be read: reading it again says why)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return re.search(r"^\s*\[timeline\]\s*$", text, flags=re.MULTILINE) is not None


class TimelineScenario:
    """A timeline scenario read from a file: its title, timeline and model."""

    def __init__(self, text: str, origin: str = "<string>") -> None:
        self._text = text
        self.origin = origin
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise _core.scenario_error(str(err), "", origin) from None
        self.title = str(doc.get("title", ""))
        self.description = str(doc.get("description", ""))
        self.timeline = self._timeline(doc.get("timeline"))
        self.munitions = list(self._table(doc, "munitions"))
        self.model = self._model(doc)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> TimelineScenario:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as err:
            raise _core.scenario_error(
                f"cannot read the file: {err}", "", os.fspath(path)
            ) from None
        return cls(text, os.fspath(path))

    def run(self, n: int | float, seed: int | None = None, **options: Any) -> Any:
        """Runs the scenario's model (the options of :meth:`TimelineModel.run`)."""
        res = self.model.run(n, seed, **options)
        res.scenario = self
        return res

    def to_dict(self) -> dict[str, Any]:
        """The file's tables (its ``source`` fields feed a report's sources)."""
        return tomllib.loads(self._text)

    def to_toml(self) -> str:
        return self._text

    # -- reading ----------------------------------------------------------

    def _error(self, path: str, message: str) -> Exception:
        """A ScenarioError naming the field and its line."""
        return _core.scenario_error(message, path, self.origin, self._line(path))

    def _line(self, path: str) -> int:
        """The line of a field ``table.sub.key`` (or of its table)."""
        parts = path.split(".")
        lines = self._text.splitlines()
        for depth in range(len(parts), 0, -1):
            table, key = ".".join(parts[: depth - 1]), parts[depth - 1]
            start = 0
            if table:
                header = re.compile(rf"^\s*\[{re.escape(table)}\]\s*$")
                start = next((i for i, line in enumerate(lines) if header.match(line)), -1)
                if start < 0:
                    continue
            key_re = re.compile(rf"^\s*{re.escape(key)}\s*=")
            header_re = re.compile(rf"^\s*\[{re.escape('.'.join(parts[:depth]))}\]\s*$")
            for i in range(start, len(lines)):
                if i > start and table and lines[i].lstrip().startswith("["):
                    break
                if key_re.match(lines[i]) or header_re.match(lines[i]):
                    return i + 1
        return 1

    def _table(self, doc: Mapping[str, Any], name: str) -> dict[str, Any]:
        table = doc.get(name, {})
        if not isinstance(table, dict):
            raise self._error(name, f"{name} must be a table")
        return table

    def _timeline(self, table: Any) -> Timeline:
        if not isinstance(table, dict):
            raise _core.scenario_error(
                "a timeline file needs a [timeline] table", "timeline", self.origin
            )
        for key in ("start", "end"):
            if key not in table:
                raise self._error("timeline", f"[timeline] needs {key} (a date such as '2024-03')")
        unknown = set(table) - {"start", "end", "period"}
        if unknown:
            raise self._error(
                f"timeline.{sorted(unknown)[0]}", "unknown field; [timeline] has start, end, period"
            )
        try:
            return Timeline(
                str(table["start"]), str(table["end"]), str(table.get("period", "month"))
            )
        except ValueError as err:
            field = "period" if "period" in str(err) else "end" if "end" in str(err) else "start"
            raise self._error(f"timeline.{field}", str(err)) from None

    def _law(self, path: str, spec: Any) -> Any:
        """A distribution (or number) from its file form."""
        if isinstance(spec, int | float) and not isinstance(spec, bool):
            return float(spec)
        if not (isinstance(spec, dict) and len(spec) == 1):
            raise self._error(
                path,
                f"expected a number or a one-key table such as {{ beta = [2, 8] }}, got {spec!r}",
            )
        ((family, args),) = spec.items()
        if family not in FAMILIES:
            raise self._error(
                path, f"unknown distribution {family!r}; one of {', '.join(FAMILIES)}"
            )
        args = args if isinstance(args, list) else [args]
        if len(args) != FAMILIES[family] or not all(isinstance(a, int | float) for a in args):
            raise self._error(path, f"{family} takes {FAMILIES[family]} numbers, got {args!r}")
        try:
            return getattr(_core, family)(*[float(a) for a in args])
        except ValueError as err:
            raise self._error(path, str(err)) from None

    def _dated(self, path: str, call: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return call(*args, **kwargs)
        except ValueError as err:
            raise self._error(path, str(err)) from None

    def _model(self, doc: Mapping[str, Any]) -> TimelineModel:
        tl = self.timeline
        munitions = self._table(doc, "munitions")
        channels = self._table(doc, "channels")
        if not channels:
            raise _core.scenario_error(
                "a timeline file needs at least one [channels.NAME] table", "channels", self.origin
            )
        containers: Series | None = None
        all_voyages: Series | None = None
        rounds: dict[str, Series] = {}
        for name, ch in channels.items():
            at = f"channels.{name}"
            active = self._dated(
                f"{at}.active",
                tl.active,
                [tuple(r) for r in ch.get("active", [[tl.labels[0], tl.labels[-1]]])],
            )
            if "rounds_per_period" in ch:
                munition = ch.get("munition")
                if munition not in munitions:
                    raise self._error(
                        f"{at}.munition", f"names no munition of [munitions]: {munition!r}"
                    )
                drawn = self._poisson_flow(name, "rounds", ch, active)
                rounds[munition] = rounds[munition] + drawn if munition in rounds else drawn
                continue
            for key in ("voyages_per_period", "containers_per_voyage"):
                if key not in ch:
                    raise self._error(
                        at, f"channel {name!r} needs {key} (or rounds_per_period and munition)"
                    )
            voyages = self._poisson_flow(name, "voyages", ch, active)
            all_voyages = voyages if all_voyages is None else all_voyages + voyages
            load = tl.input(
                f"{name}.containers_per_voyage",
                self._law(f"{at}.containers_per_voyage", ch["containers_per_voyage"]),
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
            if "share" in m and containers is not None:
                share = tl.input(f"{name}.share", self._law(f"{at}.share", m["share"]))
                per = tl.input(
                    f"{name}.per_container",
                    self._law(f"{at}.per_container", m.get("per_container", 1.0)),
                )
                shipped = containers * share * per
                delivered = shipped if delivered is None else delivered + shipped
            if delivered is None:
                continue
            dud = tl.input(f"{name}.dud_rate", self._law(f"{at}.dud_rate", m.get("dud_rate", 0.0)))
            functioning = delivered * (1.0 - dud)
            outputs[f"{name}.delivered"] = delivered
            outputs[f"cumulative.{name}"] = delivered.cumulative()
            outputs[f"functioning.{name}"] = functioning.cumulative()
            if "fired_per_day" in m:
                fired = tl.input(
                    f"{name}.fired_per_day", self._law(f"{at}.fired_per_day", m["fired_per_day"])
                )
                supplied = tl.input(
                    f"{name}.supplied_share",
                    self._law(f"{at}.supplied_share", m.get("supplied_share", 1.0)),
                )
                outputs[f"{name}.days_of_fire"] = functioning.cumulative() / fired
                wanted = tl.consumption(fired, share=supplied)
                outputs[f"{name}.wanted"] = wanted.cumulative()
                stock = tl.stock(functioning, fired, share=supplied)
                outputs[f"{name}.stock"] = stock
        observations = [
            self._observation(name, spec, outputs)
            for name, spec in self._table(doc, "evidence").items()
        ]
        return TimelineModel(tl, outputs, observations)

    def _poisson_flow(
        self, channel: str, what: str, ch: Mapping[str, Any], active: Series
    ) -> Series:
        """A channel's ``what`` (voyages, rounds) per period: Poisson with the
        rate ``<what>_per_period``, shared as the channel's ``sharing`` says,
        in its active periods."""
        field = f"{what}_per_period"
        at = f"channels.{channel}.{field}"
        rate = self._dated(
            at,
            self.timeline.input,
            f"{channel}.{field}",
            self._law(at, ch[field]),
            sharing=ch.get("sharing", "shared"),
            rho=ch.get("rho"),
        )
        return self.timeline.draw(f"{channel}.{what}", lambda r: _core.poisson(r), rate * active)

    def _observation(self, name: str, spec: Mapping[str, Any], outputs: Mapping[str, Any]) -> Any:
        at = f"evidence.{name}"
        quantity = spec.get("quantity")
        if quantity not in outputs:
            raise self._error(
                f"{at}.quantity", f"names no series; the series are: {', '.join(outputs)}"
            )
        if "date" not in spec:
            raise self._error(at, "a dated statement needs date (the period it speaks of)")
        node = self._dated(f"{at}.date", outputs[quantity].at, str(spec["date"]))
        if node.name is None:
            # Labels the node (the same one) for the statement's description.
            label = self.timeline.labels[self.timeline.period_of(str(spec["date"]))]
            node = _core.named(node, f"{quantity}[{label}]")
        if "measured" in spec:
            return self._dated(
                at,
                ev.measured,
                node,
                float(spec["measured"]),
                rel_error=spec.get("rel_error"),
                sd=spec.get("sd"),
                level=float(spec.get("level", 0.9)),
                error=spec.get("error", "lognormal"),
                name=name,
            )
        if "at_least" in spec:
            return self._dated(at, ev.at_least, node, float(spec["at_least"]), name=name)
        if "at_most" in spec:
            return self._dated(at, ev.at_most, node, float(spec["at_most"]), name=name)
        raise self._error(
            at, "a statement needs measured (with rel_error or sd), at_least or at_most"
        )
