"""The files munflow reads and writes, below every concept that uses them.

- :mod:`~munflow.io.atomic`: every file munflow writes (results files,
  report pages, scenario files, ``munflow run --output``) written whole or
  not at all;
- :mod:`~munflow.io.located`: errors located in a scenario file (the file,
  the line and the field), for every dialect.

Saving and loading results are :mod:`munflow.results.saving` and
:mod:`munflow.results.loading`.
"""
