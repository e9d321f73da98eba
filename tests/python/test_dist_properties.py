"""Property tests of every distribution family over wide parameter ranges.

For each family, hypothesis draws parameters from the whole float range (1e-300 to
1e308 in magnitude, subnormals, zeros, the largest float); a constructor may refuse
them with a ValueError, and those draws are set aside. For every law built:

- ppf over a sorted grid of q in [0, 1] (0, 1e-300, 1e-16, 1 - 1e-16, 1, ...) is never
  NaN, stays within support(), and is non-decreasing;
- ppf is the generalised inverse of cdf: at x = ppf(q), cdf just below x is at most q
  and cdf at x (continuous laws: just above x) at least q, both up to a tolerance.
  Comparing neighbouring floats rather than cdf(x) with q makes the check fair where
  a float's spacing is wide against the law (beta(1e300, 1e300) is a step at float
  resolution) and for a correctly rounded quantile. For continuous laws "just below"
  and "just above" are a few ulps of x, plus the ulps of ln x that exp turns into
  ulps of x (a lognormal's quantile is exp(mu + sigma z), rounded in the exponent);
  for discrete laws, the neighbouring float (their atoms are floats);
- mean() and sd() are finite, or raise a ValueError saying the value exceeds the
  float range; the mean lies in the support; laws with listed atoms (categorical,
  empirical and their truncations) have the mean and sd of those atoms.

A Rust loop holding the GIL cannot be interrupted from Python, so each family runs in
a child process under a timeout: a hang fails the test instead of stalling the suite.
The child runs hypothesis (derandomized, so every run draws the same examples) and
prints the falsifying example when a property fails.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import munflow as mf

# Examples per family, and the child's time limit (the slowest family, truncated,
# takes a few seconds; a hang is what the limit is for).
EXAMPLES = 150
TIMEOUT = 120.0

# Quantile levels checked for every law, with a few drawn ones added.
GRID = [0.0, 5e-324, 1e-300, 1e-100, 1e-30, 1e-16, 1e-8, 1e-3, 0.1, 0.25, 0.5]
GRID += [0.75, 0.9, 0.999, 1 - 1e-8, 1 - 1e-16, 1.0]

# Tolerance on q in the generalised-inverse check: relative to the nearer tail,
# min(q, 1 - q), plus 1e-13 of q for a cdf value near 1, which is only good
# absolutely (the continued fractions and series behind the cdfs are accurate to
# ~1e-14 relative), and a few subnormal steps, below which no cdf has relative
# precision.
# Our cdfs are accurate to ~1e-13 relative in either tail (the incomplete beta and
# gamma to ~1e-14), so 1e-9 flags real errors with a wide margin. Truncated laws
# accept masses down to 1e-9 of the cdf values they are the differences of, which
# leaves ~7 digits: for them 1e-6.
RTOL = 1e-9
RTOL_TRUNCATED = 1e-6
NEAR_ONE = 1e-13


@dataclass(frozen=True)
class Law:
    """A law as the expression that builds it (printed in a falsifying example)."""

    expr: str
    discrete: bool
    # For a truncated law, the probability of its interval under the inner law.
    truncated_mass: float | None = None
    # (value, weight) of each atom, for laws with listed atoms.
    atoms: tuple[tuple[float, float], ...] | None = field(default=None, compare=False)

    def build(self) -> mf.Distribution:
        return eval(self.expr, {"mf": mf, "inf": math.inf})


# ---------------------------------------------------------------------------
# Parameter strategies: the whole float range, with log-uniform magnitudes so
# that every decade from 1e-300 to 1e307 is as likely as any other.


def log_uniform(lo_exp: int, hi_exp: int) -> st.SearchStrategy[float]:
    return st.builds(
        lambda m, e: m * 10.0**e,
        st.floats(1.0, 10.0, exclude_max=True),
        st.integers(lo_exp, hi_exp),
    )


EDGES = [5e-324, 1e-300, 1e-16, 1.0, 2.0**53, 1e300, 1.7976931348623157e308]
POSITIVE = st.one_of(
    log_uniform(-300, 307),
    st.sampled_from(EDGES),
    st.floats(min_value=0.0, exclude_min=True, allow_infinity=False),
)
NON_NEGATIVE = st.one_of(st.just(0.0), POSITIVE)
REAL = st.one_of(POSITIVE, POSITIVE.map(lambda x: -x), st.just(0.0), st.floats(-10, 10))
PROBABILITY = st.one_of(
    st.floats(0.0, 1.0),
    st.sampled_from([0.0, 1.0, 0.5, 1e-300, 1e-16, 1 - 1e-16]),
    log_uniform(-300, -1),
)
COUNT = st.one_of(
    st.integers(0, 2**53),
    st.sampled_from([0, 1, 2**53]),
    log_uniform(0, 15).map(round),
)


def call(name: str, *args: object) -> str:
    return f"mf.{name}({', '.join(repr(a) for a in args)})"


def ordered(n: int) -> st.SearchStrategy[list[float]]:
    return st.lists(REAL, min_size=n, max_size=n).map(sorted)


SIMPLE = {
    "constant": st.builds(lambda x: Law(call("constant", x), True, atoms=((x, 1.0),)), REAL),
    "uniform": st.builds(lambda v: Law(call("uniform", *v), False), ordered(2)),
    "normal": st.builds(lambda m, s: Law(call("normal", m, s), False), REAL, POSITIVE),
    "lognormal": st.builds(lambda m, s: Law(call("lognormal", m, s), False), REAL, POSITIVE),
    "lognormal_ci": st.builds(
        lambda lo, hi, p: Law(call("lognormal_ci", lo, hi, p), False),
        POSITIVE,
        POSITIVE,
        PROBABILITY,
    ),
    "beta": st.builds(lambda a, b: Law(call("beta", a, b), False), POSITIVE, POSITIVE),
    "beta_counts": st.builds(
        lambda s, f: Law(call("beta_counts", s, f), False), NON_NEGATIVE, NON_NEGATIVE
    ),
    "pert": st.builds(lambda v, lamb: Law(call("pert", *v, lamb), False), ordered(3), POSITIVE),
    "triangular": st.builds(lambda v: Law(call("triangular", *v), False), ordered(3)),
    "gamma": st.builds(lambda k, s: Law(call("gamma", k, s), False), POSITIVE, POSITIVE),
    "poisson": st.builds(lambda r: Law(call("poisson", r), True), NON_NEGATIVE),
    "binomial": st.builds(lambda n, p: Law(call("binomial", n, p), True), COUNT, PROBABILITY),
    "negative_binomial": st.builds(
        lambda r, p: Law(call("negative_binomial", r, p), True), POSITIVE, PROBABILITY
    ),
}


def merged_atoms(values: list[float], weights: list[float]) -> tuple[tuple[float, float], ...]:
    top = max(weights)
    total = math.fsum(w / top for w in weights)
    merged: dict[float, float] = {}
    for v, w in zip(values, weights, strict=True):
        merged[v] = merged.get(v, 0.0) + w / top / total
    return tuple(sorted(merged.items()))


@st.composite
def categorical(draw: st.DrawFn) -> Law:
    values = draw(st.lists(REAL, min_size=1, max_size=6))
    if draw(st.booleans()):
        equal = [1.0] * len(values)
        return Law(call("categorical", values), True, atoms=merged_atoms(values, equal))
    weights = draw(st.lists(POSITIVE, min_size=len(values), max_size=len(values)))
    assume(math.isfinite(sum(weights)))
    return Law(call("categorical", values, weights), True, atoms=merged_atoms(values, weights))


@st.composite
def empirical(draw: st.DrawFn) -> Law:
    data = draw(st.lists(REAL, min_size=1, max_size=8))
    return Law(call("empirical", data), True, atoms=merged_atoms(data, [1.0] * len(data)))


SIMPLE["categorical"] = categorical()
SIMPLE["empirical"] = empirical()
ANY_SIMPLE = st.one_of(*SIMPLE.values())


@st.composite
def mixture(draw: st.DrawFn) -> Law:
    parts = draw(st.lists(ANY_SIMPLE, min_size=1, max_size=3))
    exprs = "[" + ", ".join(p.expr for p in parts) + "]"
    discrete = all(p.discrete for p in parts)
    if draw(st.booleans()):
        return Law(f"mf.mixture({exprs})", discrete)
    weights = draw(st.lists(POSITIVE, min_size=len(parts), max_size=len(parts)))
    return Law(f"mf.mixture({exprs}, {weights!r})", discrete)


def build_or_reject(law: Law) -> mf.Distribution:
    try:
        return law.build()
    except ValueError:
        assume(False)
        raise  # unreachable: assume(False) stops the example


@st.composite
def truncated(draw: st.DrawFn) -> Law:
    inner = draw(st.one_of(ANY_SIMPLE, mixture()))
    d = build_or_reject(inner)
    # Ends at quantiles of the inner law (else most cuts hold no mass), or drawn
    # anywhere, or left open.
    ends = []
    for _ in range(2):
        kind = draw(st.sampled_from(["quantile", "any", "open"]))
        if kind == "quantile":
            ends.append(float(d.ppf(draw(PROBABILITY))))
        elif kind == "any":
            ends.append(draw(REAL))
        else:
            ends.append(None)
    lo, hi = ends
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo
    atoms = None
    if inner.atoms is not None:
        lo_, hi_ = -math.inf if lo is None else lo, math.inf if hi is None else hi
        kept = [(v, w) for v, w in inner.atoms if lo_ <= v <= hi_]
        total = math.fsum(w for _, w in kept)
        atoms = tuple((v, w / total) for v, w in kept) if total > 0 else None
    expr = f"mf.truncated({inner.expr}, {lo!r}, {hi!r})"
    lo_, hi_ = -math.inf if lo is None else lo, math.inf if hi is None else hi
    mass = float(d.cdf(hi_) - d.cdf(np.nextafter(lo_, -np.inf)))
    return Law(expr, inner.discrete, truncated_mass=mass, atoms=atoms)


LAWS = {**SIMPLE, "mixture": mixture(), "truncated": truncated()}
FAMILIES = sorted(LAWS)


# ---------------------------------------------------------------------------
# The properties.


def tolerance(q: np.ndarray, law: Law) -> np.ndarray:
    # Plus four subnormal steps: below 1e-308 a cdf has no relative precision.
    tol = RTOL * np.minimum(q, 1 - q) + NEAR_ONE * q + 2e-323
    if law.truncated_mass is None:
        return tol
    # A truncated law's cdf is a difference of inner cdf values over the mass:
    # good to a few eps / mass absolutely, and relatively to ~7 digits.
    mass = max(law.truncated_mass, 1e-300)
    return tol + RTOL_TRUNCATED * np.minimum(q, 1 - q) + 4 * np.finfo(float).eps / mass


def check_quantiles(law: Law, d: mf.Distribution, extra: list[float]) -> None:
    lo, hi = d.support()
    q = np.array(sorted(GRID + extra))
    x = d.ppf(q)
    assert not np.isnan(x).any(), f"ppf is NaN at q = {q[np.isnan(x)]}"
    outside = (x < lo) | (x > hi)
    assert not outside.any(), f"ppf {x[outside]} at q = {q[outside]} is outside {lo, hi}"
    falls = np.diff(x) < 0
    assert not falls.any(), f"ppf falls between q = {q[:-1][falls]} and {q[1:][falls]}"

    inner = (q > 0) & (q < 1)
    q, x = q[inner], x[inner]
    tol = tolerance(q, law)
    if law.discrete:
        just_below, at = np.nextafter(x, -np.inf), x
    else:
        finite = np.isfinite(x)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            logs = np.where(finite & (x != 0), np.abs(np.log(np.abs(x))), 0.0)
            step = np.where(finite, 4 * np.spacing(np.abs(x)) * (1 + logs), 0.0)
            just_below, at = x - step, x + step
        # An infinite quantile says the largest float does not reach q (or the
        # most negative one already does).
        just_below = np.where(x == np.inf, np.finfo(float).max, just_below)
        at = np.where(x == -np.inf, -np.finfo(float).max, at)
    below = d.cdf(just_below)
    bad = below > q + tol
    assert not bad.any(), (
        f"cdf just below ppf(q) exceeds q: q = {q[bad]}, x = {x[bad]}, cdf = {below[bad]}"
    )
    reached = d.cdf(at)
    bad = reached < q - tol
    assert not bad.any(), (
        f"cdf at ppf(q) falls short of q: q = {q[bad]}, x = {x[bad]}, cdf = {reached[bad]}"
    )


def moment_or_overflow(d: mf.Distribution, name: str) -> float | None:
    try:
        value = getattr(d, name)()
    except ValueError as e:
        assert "the largest float" in str(e), f"{name}: {e}"
        return None
    assert math.isfinite(value), f"{name} = {value}"
    return value


def check_moments(law: Law, d: mf.Distribution) -> None:
    lo, hi = d.support()
    mean = moment_or_overflow(d, "mean")
    sd = moment_or_overflow(d, "sd")
    if sd is not None:
        assert sd >= 0
    if mean is not None:
        ends = [abs(e) for e in (lo, hi) if math.isfinite(e)]
        slack = 1e-9 * max(ends + [sd or 0.0])
        assert lo - slack <= mean <= hi + slack, f"mean {mean} outside {lo, hi}"
    if law.atoms is not None:
        values = np.array([v for v, _ in law.atoms])
        weights = np.array([w for _, w in law.atoms])
        weights = weights / weights.sum()
        # In units of the largest |value| so that nothing overflows; the error
        # allowed is relative to that (atoms of both signs cancel in the mean),
        # plus two subnormal steps (a mean of 0 and 5e-324 is not a float).
        scale = np.abs(values).max()
        if scale > 0:
            want_mean = float(np.sum(weights * (values / scale))) * scale
            want_sd = math.sqrt(np.sum(weights * (values / scale - want_mean / scale) ** 2)) * scale
            if mean is not None:
                assert abs(mean - want_mean) <= 1e-12 * scale + 1e-323, (mean, want_mean)
            if sd is not None:
                assert abs(sd - want_sd) <= 1e-9 * scale + 1e-323, (sd, want_sd)


def check_law(law: Law, extra: list[float]) -> None:
    d = build_or_reject(law)
    check_quantiles(law, d, extra)
    check_moments(law, d)


def run(family: str) -> None:
    """Runs the properties for one family (in the child process)."""

    @settings(
        derandomize=True,
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        print_blob=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(law=LAWS[family], extra=st.lists(PROBABILITY, max_size=3))
    def properties(law: Law, extra: list[float]) -> None:
        check_law(law, extra)

    properties()


@pytest.mark.parametrize("family", FAMILIES)
def test_properties(family: str) -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    code = (
        f"import sys; sys.path.insert(0, {here!r}); "
        f"import test_dist_properties as t; t.run({family!r})"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT
        )
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"")[-3000:]
        pytest.fail(f"{family}: no result within {TIMEOUT:.0f} s (a hang?)\n{out!r}")
    assert done.returncode == 0, f"{family}:\n{done.stdout[-4000:]}\n{done.stderr[-6000:]}"
