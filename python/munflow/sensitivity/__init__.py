"""Sensitivity: which assumption drives an output's range, what to learn
next, and what an estimate rests on.

- :mod:`~munflow.sensitivity.analyses`: the analyses (:func:`sobol`,
  :func:`tornado`, :func:`rank_correlation`, :func:`shapley`,
  :func:`value_of_information`) and the methods models, scenarios and
  results share to call them (:class:`SensitivityMethods`);
- :mod:`~munflow.sensitivity.tables`: the tables they return, in SALib's
  manner;
- :mod:`~munflow.sensitivity.provenance`: :func:`rests_on`, each source's
  share of an output's variance (Shapley effects over the inputs' origins).
"""

from munflow.sensitivity.analyses import (
    SensitivityMethods,
    Subject,
    rank_correlation,
    shapley,
    sobol,
    tornado,
    value_of_information,
)
from munflow.sensitivity.provenance import rests_on

__all__ = [
    "SensitivityMethods",
    "Subject",
    "rank_correlation",
    "rests_on",
    "shapley",
    "sobol",
    "tornado",
    "value_of_information",
]
