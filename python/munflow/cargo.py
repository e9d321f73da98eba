"""Tonnage: what a number of rounds weighs as shipped.

Reported tonnage ("some 7,000 tonnes of munitions") is shipped mass: the
rounds, and the crates, pallets and container tare they travel in. Of that
mass a share ``packaging_share`` is packaging, so

    shipped tonnes = rounds x mass_kg / (1 - packaging_share) / 1000

(a share of the *reported* mass, as a manifest's or a port's tonnage would be
split; a packaging share of 0.25 adds a third to the rounds' own mass).
Scenario files spell it the same way: a munition's ``packaging_share`` beside
its ``mass_kg``.
"""

from __future__ import annotations

from typing import Any

from munflow._core import Expr

__all__ = ["tonnes"]


def _check_constant(value: Any, parameter: str, rule: str, ok: Any) -> None:
    if isinstance(value, Expr):
        return  # An expression varies by sample; an impossible value shows as inf/NaN.
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"tonnes: {parameter} must be a number or an expression, got {value!r}"
        ) from None
    if not ok(number):
        raise ValueError(f"tonnes: {parameter} must be {rule}, got {value!r}")


def tonnes(rounds: Any, *, mass_kg: Any, packaging_share: Any = 0.0) -> Any:
    """The shipped mass in tonnes of ``rounds`` of ``mass_kg`` each, where
    ``packaging_share`` of the shipped mass is packaging (crates, pallets,
    container tare): rounds x mass_kg / (1 - packaging_share) / 1000. Each
    argument is a number or an expression.

    >>> import munflow as mf
    >>> mf.tonnes(1000, mass_kg=43.5, packaging_share=0.25)
    58.0
    >>> shells = mf.pert(2e6, 3e6, 4e6, name="shells")
    >>> shipped = mf.tonnes(shells, mass_kg=43.5, packaging_share=mf.beta(5, 15))
    """
    _check_constant(mass_kg, "mass_kg", "a finite number >= 0", lambda x: 0 <= x < float("inf"))
    _check_constant(
        packaging_share,
        "packaging_share",
        "in [0, 1) (the share of the shipped mass that is packaging)",
        lambda x: 0 <= x < 1,
    )
    _check_constant(rounds, "rounds", "a finite number >= 0", lambda x: 0 <= x < float("inf"))
    return rounds * mass_kg / (1 - packaging_share) / 1000
