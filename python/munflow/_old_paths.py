"""Module paths from before the package was grouped by concept.

Pickles name a class (or the function that rebuilds an object) by its
module's path, so a pickle made by munflow 0.x names, for instance,
``munflow.sensitivity_results.SobolIndices``. Each old path whose module
held such a class stays importable here, as another name of the module that
now holds it; the paths whose names the new packages re-export
(``munflow.timeline.Series``, ``munflow.sensitivity.Subject``) need none.
New code imports the new paths.
"""

from __future__ import annotations

import sys

from munflow.evidence import checks, forecast, to_come
from munflow.sensitivity import provenance, tables
from munflow.timeline import backtesting, scenario, statements

#: Old module (under ``munflow.``) -> the module that holds its classes now.
MOVED = {
    "backtest": backtesting,
    "evidence_checks": checks,
    "forecast": forecast,
    "provenance": provenance,
    "sensitivity_results": tables,
    "statement_to_come": to_come,
    "statements": statements,
    "timeline_scenario": scenario,
}

sys.modules.update({f"munflow.{old}": module for old, module in MOVED.items()})
