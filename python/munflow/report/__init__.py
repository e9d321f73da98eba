"""Results shown to people: the report page and the notebook display.

- :mod:`~munflow.report.page`: :func:`report`, one self-contained HTML page
  an analyst can hand on (headline ranges in numbers and words, charts,
  evidence diagnostics, sources, how to reproduce it);
- :mod:`~munflow.report.display`: how results and posteriors show in
  Jupyter.

The charts are :mod:`munflow.plot`; the numbers and words every table uses,
:mod:`munflow.formatting` and :mod:`munflow.words`.
"""

from munflow.report.page import Page, report

__all__ = ["Page", "report"]
