"""The ``munflow`` command line (``munflow run | report | validate | demo``).

- :mod:`~munflow.cli.commands`: :func:`main`, the commands and their
  options, and a scenario run's table, CSV and JSON;
- :mod:`~munflow.cli.timeline`: ``munflow run`` for timeline files (a table
  per period, the dated statements' verdicts).

The console script is ``munflow.cli:main``; ``python -m munflow.cli`` runs
the same (``__main__.py``).
"""

from munflow.cli.commands import EXIT_BAD_INPUT, EXIT_ERROR, EXIT_OK, main

__all__ = ["EXIT_BAD_INPUT", "EXIT_ERROR", "EXIT_OK", "main"]
