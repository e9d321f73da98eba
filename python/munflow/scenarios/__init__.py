"""The scenario files bundled with munflow: the DPRK -> Russia transfers of
2023-2024 with the sources side by side (``dprk_russia_2023_2024``, the
demo), combined into one posterior by ``[evidence]`` tables
(``dprk_russia_2023_2024_combined``), and month by month with dated
statements (``dprk_russia_timeline``, a timeline file).

>>> import munflow as mf
>>> mf.scenarios.names()
['dprk_russia_2023_2024', 'dprk_russia_2023_2024_combined', 'dprk_russia_timeline']
>>> sc = mf.scenarios.load("dprk_russia_2023_2024")
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from munflow.scenario import Scenario
    from munflow.timeline.scenario import TimelineScenario

#: The scenario ``munflow demo`` runs.
DEMO = "dprk_russia_2023_2024"

_HERE = Path(__file__).resolve().parent


def names() -> list[str]:
    """Names of the bundled scenarios (file names without ``.toml``)."""
    return sorted(p.stem for p in _HERE.glob("*.toml"))


def path(name: str = DEMO) -> Path:
    """The file of a bundled scenario, by name (with or without ``.toml``)."""
    stem = name.removesuffix(".toml")
    file = _HERE / f"{stem}.toml"
    if not file.is_file():
        raise KeyError(f"no bundled scenario {name!r}; the bundled ones are: {', '.join(names())}")
    return file


def load(name: str = DEMO) -> Scenario | TimelineScenario:
    """Read a bundled scenario (a timeline file gives a TimelineScenario)."""
    from munflow.scenario import Scenario

    return Scenario.from_file(path(name))
