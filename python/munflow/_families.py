"""The distribution families' constructors, from the declaration in src/dist/mod.rs.

Written by tools/families.py: edit the declaration, not this file.
"""

from munflow._core import (
    beta,
    beta_counts,
    binomial,
    constant,
    gamma,
    integers,
    lognormal,
    lognormal_ci,
    loguniform,
    negative_binomial,
    normal,
    pert,
    poisson,
    triangular,
    uniform,
)

__all__ = [
    "beta",
    "beta_counts",
    "binomial",
    "constant",
    "gamma",
    "integers",
    "lognormal",
    "lognormal_ci",
    "loguniform",
    "negative_binomial",
    "normal",
    "pert",
    "poisson",
    "triangular",
    "uniform",
]
