"""Every distribution against scipy.stats.

Each case pairs a munflow distribution with an independent reference (a frozen
scipy distribution, or one assembled from scipy parts for truncations and
mixtures) and checks, at a fixed seed with 1e5 draws:

- the draws follow the law: a Kolmogorov-Smirnov test for continuous laws, a
  chi-square goodness of fit and a DKW band on the empirical cdf for discrete ones;
- the sample mean, variance and three quantiles agree within Monte Carlo error
  (tolerances derived from the standard errors, not picked by hand);
- ppf, cdf, mean, sd, var and support agree with the reference analytically.

Seeds are fixed, so every statistical check is deterministic; thresholds are
set so that a correct sampler fails with probability about 1e-3 per check at a
random seed, and the fixed seeds were checked to pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from scipy import integrate, optimize
from scipy import stats as st

import munflow as mf

N = 100_000
SEED = 20240501
# A correct sampler fails a check with probability P_MIN at a random seed.
P_MIN = 1e-3
# Standard errors allowed for the mean, variance and quantiles: a two-sided
# normal tail of 5 sd has probability 6e-7, so these checks flag bias, not noise.
Z = 5.0
QUANTILES = (0.1, 0.5, 0.9)
PPF_LEVELS = np.array([1e-6, 0.001, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.999, 1 - 1e-6])


# ---------------------------------------------------------------------------
# References built from scipy parts


class TruncatedRef:
    """scipy law `base` conditioned on lo <= X <= hi (cdf, ppf, moments)."""

    def __init__(self, base: Any, lo: float, hi: float, discrete: bool) -> None:
        self.base, self.lo, self.hi, self.discrete = base, lo, hi, discrete
        # P(X < lo): for an integer law that is cdf(ceil(lo) - 1).
        self.below = base.cdf(math.ceil(lo) - 1) if discrete else base.cdf(lo)
        self.mass = base.cdf(hi) - self.below

    def cdf(self, x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        inside = (self.base.cdf(x) - self.below) / self.mass
        return np.where(x < self.lo, 0.0, np.where(x >= self.hi, 1.0, inside))

    def ppf(self, q: Any) -> np.ndarray:
        x = self.base.ppf(self.below + np.asarray(q, dtype=float) * self.mass)
        return np.clip(x, self.lo, self.hi)

    def pmf(self, k: Any) -> np.ndarray:
        k = np.asarray(k, dtype=float)
        return np.where((k >= self.lo) & (k <= self.hi), self.base.pmf(k) / self.mass, 0.0)

    def pdf(self, x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return np.where((x >= self.lo) & (x <= self.hi), self.base.pdf(x) / self.mass, 0.0)

    def _moment(self, f: Callable[[float], float]) -> float:
        if self.discrete:
            # Whole numbers only: a cut at 4.5 starts at 5, not at 4.5, 5.5, ...
            first = math.ceil(max(self.lo, self.base.ppf(1e-16)))
            k = np.arange(first, math.floor(min(self.hi, 10_000)) + 1)
            return float(np.sum(f(k) * self.pmf(k)))
        lo, hi = max(self.lo, self.base.ppf(0)), min(self.hi, self.base.ppf(1))
        return integrate.quad(lambda x: f(x) * self.pdf(x), lo, hi, epsabs=0, epsrel=1e-12)[0]

    def mean(self) -> float:
        return self._moment(lambda x: x)

    def var(self) -> float:
        m = self.mean()
        return self._moment(lambda x: (x - m) ** 2)

    def std(self) -> float:
        return math.sqrt(self.var())

    def mu4(self) -> float:
        m = self.mean()
        return self._moment(lambda x: (x - m) ** 4)

    def support(self) -> tuple[float, float]:
        a, b = self.base.support()
        lo, hi = max(a, self.lo), min(b, self.hi)
        # An integer law takes whole values only: truncating at 4.5 starts at 5.
        return (
            (math.ceil(lo), math.floor(hi) if np.isfinite(hi) else hi)
            if self.discrete
            else (lo, hi)
        )


class MixtureRef:
    """With probability weights[i] a draw of scipy law parts[i]."""

    def __init__(self, parts: list[Any], weights: list[float], discrete: bool) -> None:
        self.parts, self.discrete = parts, discrete
        self.weights = np.asarray(weights, dtype=float) / np.sum(weights)

    def cdf(self, x: Any) -> np.ndarray:
        return sum(w * p.cdf(x) for w, p in zip(self.weights, self.parts, strict=True))

    def pdf(self, x: Any) -> np.ndarray:
        return sum(w * p.pdf(x) for w, p in zip(self.weights, self.parts, strict=True))

    def pmf(self, k: Any) -> np.ndarray:
        return sum(w * p.pmf(k) for w, p in zip(self.weights, self.parts, strict=True))

    def _ppf1(self, q: float) -> float:
        lo = min(p.ppf(q) for p in self.parts)
        hi = max(p.ppf(q) for p in self.parts)
        if self.discrete:
            # The smallest integer k with cdf(k) >= q.
            k = np.arange(max(lo, 0), hi + 1)
            return float(k[np.argmax(self.cdf(k) >= q * (1 - 1e-12))])
        if lo == hi:
            return float(lo)
        return optimize.brentq(lambda x: self.cdf(x) - q, lo, hi, xtol=1e-14, rtol=1e-15)

    def ppf(self, q: Any) -> np.ndarray:
        return np.vectorize(self._ppf1)(np.asarray(q, dtype=float))

    def mean(self) -> float:
        return float(sum(w * p.mean() for w, p in zip(self.weights, self.parts, strict=True)))

    def var(self) -> float:
        second = sum(
            w * (p.var() + p.mean() ** 2) for w, p in zip(self.weights, self.parts, strict=True)
        )
        return float(second - self.mean() ** 2)

    def std(self) -> float:
        return math.sqrt(self.var())

    def mu4(self) -> float:
        m = self.mean()
        return float(
            sum(
                w * p.expect(lambda x: (x - m) ** 4)
                for w, p in zip(self.weights, self.parts, strict=True)
            )
        )

    def support(self) -> tuple[float, float]:
        ends = [p.support() for p in self.parts]
        return min(a for a, _ in ends), max(b for _, b in ends)


def finite_law(values: list[float], weights: list[float]) -> Any:
    """scipy's law on finitely many (not necessarily integer) values."""
    vals, inv = np.unique(np.asarray(values, dtype=float), return_inverse=True)
    probs = np.bincount(inv, weights=np.asarray(weights, dtype=float))
    return st.rv_discrete(values=(vals, probs / probs.sum()))


def pert_ref(lo: float, mode: float, hi: float, lamb: float = 4.0) -> Any:
    r = hi - lo
    return st.beta(1 + lamb * (mode - lo) / r, 1 + lamb * (hi - mode) / r, loc=lo, scale=r)


def lognormal_ci_ref(lo: float, hi: float, level: float = 0.9) -> Any:
    z = st.norm.ppf(0.5 + level / 2)
    mu = 0.5 * (math.log(lo) + math.log(hi))
    sigma = (math.log(hi) - math.log(lo)) / (2 * z)
    return st.lognorm(sigma, scale=math.exp(mu))


# ---------------------------------------------------------------------------
# The cases


@dataclass
class Case:
    id: str
    make: Callable[[], mf.Distribution]
    ref: Any
    discrete: bool = False
    # Tolerances for the analytic comparisons (cdf absolute, ppf relative).
    cdf_atol: float = 1e-9
    ppf_rtol: float = 1e-7
    marks: list[Any] = field(default_factory=list)

    def param(self) -> Any:
        return pytest.param(self, id=self.id, marks=self.marks)


EMPIRICAL_DATA = [3.0, 5.0, 5.0, 9.0, 12.5, 5.0, 3.0, 40.0, 7.25, 9.0]

CASES = [
    Case("constant", lambda: mf.constant(7000), finite_law([7000], [1]), discrete=True),
    Case("constant_negative", lambda: mf.constant(-2.5), finite_law([-2.5], [1]), discrete=True),
    Case("uniform", lambda: mf.uniform(-2, 5), st.uniform(-2, 7)),
    Case("uniform_narrow", lambda: mf.uniform(1e6, 1e6 + 1), st.uniform(1e6, 1)),
    Case("normal", lambda: mf.normal(1, 2), st.norm(1, 2)),
    Case("normal_small_sd", lambda: mf.normal(-3, 0.01), st.norm(-3, 0.01)),
    Case("normal_large", lambda: mf.normal(3e6, 4e5), st.norm(3e6, 4e5)),
    Case("lognormal", lambda: mf.lognormal(1, 0.5), st.lognorm(0.5, scale=math.e)),
    Case("lognormal_wide", lambda: mf.lognormal(0, 1.5), st.lognorm(1.5)),
    Case("lognormal_ci", lambda: mf.lognormal_ci(6000, 8000), lognormal_ci_ref(6000, 8000)),
    Case(
        "lognormal_ci_level",
        lambda: mf.lognormal_ci(10, 1000, level=0.5),
        lognormal_ci_ref(10, 1000, 0.5),
    ),
    Case("beta", lambda: mf.beta(2, 8), st.beta(2, 8)),
    Case("beta_shapes_below_1", lambda: mf.beta(0.3, 0.5), st.beta(0.3, 0.5)),
    Case("beta_tiny_shapes", lambda: mf.beta(0.05, 0.05), st.beta(0.05, 0.05)),
    Case("beta_tiny_alpha", lambda: mf.beta(0.05, 2), st.beta(0.05, 2)),
    Case("beta_large_shapes", lambda: mf.beta(1e6, 2e6), st.beta(1e6, 2e6)),
    Case("beta_counts", lambda: mf.beta_counts(24, 26), st.beta(25, 27)),
    Case("beta_counts_zero", lambda: mf.beta_counts(0, 0), st.beta(1, 1)),
    Case("beta_counts_lopsided", lambda: mf.beta_counts(3, 997), st.beta(4, 998)),
    Case("pert", lambda: mf.pert(300, 430, 500), pert_ref(300, 430, 500)),
    Case("pert_lamb", lambda: mf.pert(0, 1, 10, lamb=10), pert_ref(0, 1, 10, 10)),
    Case("pert_mode_at_min", lambda: mf.pert(50, 50, 110), pert_ref(50, 50, 110)),
    Case("triangular", lambda: mf.triangular(1, 2, 5), st.triang(0.25, loc=1, scale=4)),
    Case("triangular_mode_at_min", lambda: mf.triangular(1, 1, 5), st.triang(0, loc=1, scale=4)),
    Case("triangular_mode_at_max", lambda: mf.triangular(1, 5, 5), st.triang(1, loc=1, scale=4)),
    Case("gamma", lambda: mf.gamma(2, 3), st.gamma(2, scale=3)),
    Case("gamma_shape_below_1", lambda: mf.gamma(0.3, 2), st.gamma(0.3, scale=2)),
    Case("gamma_tiny_shape", lambda: mf.gamma(0.05, 1), st.gamma(0.05)),
    Case("gamma_large_shape", lambda: mf.gamma(1e4, 0.01), st.gamma(1e4, scale=0.01)),
    Case("poisson", lambda: mf.poisson(50), st.poisson(50), discrete=True),
    Case("poisson_small", lambda: mf.poisson(0.01), st.poisson(0.01), discrete=True),
    Case("poisson_unit", lambda: mf.poisson(1), st.poisson(1), discrete=True),
    Case("poisson_large", lambda: mf.poisson(1e6), st.poisson(1e6), discrete=True),
    Case("binomial", lambda: mf.binomial(1000, 0.8), st.binom(1000, 0.8), discrete=True),
    Case("binomial_small", lambda: mf.binomial(5, 0.3), st.binom(5, 0.3), discrete=True),
    # Moderate variances draw by inversion of a table built from pmf ratios.
    Case("binomial_tabled", lambda: mf.binomial(50, 0.5), st.binom(50, 0.5), discrete=True),
    Case(
        "binomial_tabled_long_p",
        lambda: mf.binomial(64, 0.123456789),
        st.binom(64, 0.123456789),
        discrete=True,
    ),
    Case("binomial_tabled_high_p", lambda: mf.binomial(30, 0.6), st.binom(30, 0.6), discrete=True),
    Case("binomial_tabled_wide", lambda: mf.binomial(4e4, 0.5), st.binom(4e4, 0.5), discrete=True),
    Case("binomial_moderate", lambda: mf.binomial(80, 0.3), st.binom(80, 0.3), discrete=True),
    Case("binomial_moderate_p", lambda: mf.binomial(80, 0.7), st.binom(80, 0.7), discrete=True),
    Case(
        "binomial_large_n",
        lambda: mf.binomial(2e6, 0.3),
        st.binom(2_000_000, 0.3),
        discrete=True,
    ),
    Case(
        "binomial_large_n_p_near_0",
        lambda: mf.binomial(2e6, 1e-6),
        st.binom(2_000_000, 1e-6),
        discrete=True,
    ),
    Case(
        "binomial_large_n_p_near_1",
        lambda: mf.binomial(2e6, 1 - 1e-6),
        st.binom(2_000_000, 1 - 1e-6),
        discrete=True,
    ),
    Case("binomial_p_0", lambda: mf.binomial(10, 0), st.binom(10, 0), discrete=True),
    Case("binomial_p_1", lambda: mf.binomial(10, 1), st.binom(10, 1), discrete=True),
    Case(
        "negative_binomial",
        lambda: mf.negative_binomial(19, 0.5),
        st.nbinom(19, 0.5),
        discrete=True,
    ),
    Case(
        "negative_binomial_fractional_r",
        lambda: mf.negative_binomial(0.5, 0.1),
        st.nbinom(0.5, 0.1),
        discrete=True,
    ),
    Case(
        "negative_binomial_large_r",
        lambda: mf.negative_binomial(1e5, 0.5),
        st.nbinom(1e5, 0.5),
        discrete=True,
    ),
    Case(
        "categorical",
        lambda: mf.categorical([20, 40], [1, 2]),
        finite_law([20, 40], [1, 2]),
        discrete=True,
    ),
    Case(
        "categorical_equal_weights",
        lambda: mf.categorical([0.5, -1.25, 3.0, 8.0]),
        finite_law([0.5, -1.25, 3.0, 8.0], [1, 1, 1, 1]),
        discrete=True,
    ),
    Case(
        "categorical_repeated_values",
        lambda: mf.categorical([1, 2, 1, 3], [0.1, 0.2, 0.3, 0.4]),
        finite_law([1, 2, 1, 3], [0.1, 0.2, 0.3, 0.4]),
        discrete=True,
    ),
    Case(
        "empirical",
        lambda: mf.empirical(EMPIRICAL_DATA),
        finite_law(EMPIRICAL_DATA, [1] * len(EMPIRICAL_DATA)),
        discrete=True,
    ),
    Case(
        "empirical_numpy",
        lambda: mf.empirical(np.arange(100, dtype=float) ** 2),
        finite_law(list(np.arange(100.0) ** 2), [1] * 100),
        discrete=True,
    ),
    Case(
        "truncated_normal",
        lambda: mf.truncated(mf.normal(1, 2), 0, 3),
        st.truncnorm(-0.5, 1, loc=1, scale=2),
    ),
    Case(
        "truncated_normal_upper_tail",
        lambda: mf.truncated(mf.normal(0, 1), 3),
        st.truncnorm(3, np.inf),
    ),
    Case(
        "truncated_normal_far_tail",
        lambda: mf.truncated(mf.normal(0, 1), 8),
        st.truncnorm(8, np.inf),
    ),
    Case(
        "truncated_normal_lower_tail",
        lambda: mf.truncated(mf.normal(0, 1), hi=-1),
        st.truncnorm(-np.inf, -1),
    ),
    Case(
        "truncated_gamma",
        lambda: mf.truncated(mf.gamma(2, 3), 1, 5),
        TruncatedRef(st.gamma(2, scale=3), 1, 5, discrete=False),
    ),
    Case(
        "truncated_gamma_tail",
        lambda: mf.truncated(mf.gamma(0.5, 1), 2),
        TruncatedRef(st.gamma(0.5), 2, np.inf, discrete=False),
    ),
    Case(
        "truncated_beta",
        lambda: mf.truncated(mf.beta(2, 8), 0.1, 0.2),
        TruncatedRef(st.beta(2, 8), 0.1, 0.2, discrete=False),
    ),
    Case(
        "truncated_poisson",
        lambda: mf.truncated(mf.poisson(10), 5, 15),
        TruncatedRef(st.poisson(10), 5, 15, discrete=True),
        discrete=True,
    ),
    Case(
        "truncated_poisson_tail",
        lambda: mf.truncated(mf.poisson(10), 20),
        TruncatedRef(st.poisson(10), 20, np.inf, discrete=True),
        discrete=True,
    ),
    Case(
        "truncated_poisson_fractional_bounds",
        lambda: mf.truncated(mf.poisson(10), 4.5, 12.5),
        TruncatedRef(st.poisson(10), 4.5, 12.5, discrete=True),
        discrete=True,
    ),
    Case(
        "mixture_normals",
        lambda: mf.mixture([mf.normal(5000, 500), mf.normal(7000, 500)], [1, 2]),
        MixtureRef([st.norm(5000, 500), st.norm(7000, 500)], [1, 2], discrete=False),
    ),
    Case(
        "mixture_gamma_lognormal",
        lambda: mf.mixture([mf.gamma(2, 1), mf.lognormal(0, 1)]),
        MixtureRef([st.gamma(2), st.lognorm(1)], [1, 1], discrete=False),
    ),
    Case(
        "mixture_beta_pert",
        lambda: mf.mixture([mf.beta(2, 8), mf.pert(0.2, 0.5, 0.9)], [0.25, 0.75]),
        MixtureRef([st.beta(2, 8), pert_ref(0.2, 0.5, 0.9)], [0.25, 0.75], discrete=False),
    ),
    Case(
        "mixture_poissons",
        lambda: mf.mixture([mf.poisson(3), mf.poisson(20)], [0.3, 0.7]),
        MixtureRef([st.poisson(3), st.poisson(20)], [0.3, 0.7], discrete=True),
        discrete=True,
    ),
]

PARAMS = [c.param() for c in CASES]
CONTINUOUS = [c.param() for c in CASES if not c.discrete]
DISCRETE = [c.param() for c in CASES if c.discrete]


def draws(case: Case) -> np.ndarray:
    x = case.make().sample(N, seed=SEED)
    assert isinstance(x, np.ndarray)
    assert x.shape == (N,)
    assert x.dtype == np.float64
    return x


def ref_sd(ref: Any) -> float:
    return float(ref.std())


def fourth_central_moment(ref: Any) -> float:
    if hasattr(ref, "mu4"):
        return ref.mu4()
    excess_kurtosis = float(ref.stats(moments="k"))
    return (excess_kurtosis + 3) * float(ref.var()) ** 2


# ---------------------------------------------------------------------------
# Goodness of fit


def ks_pvalue(x: np.ndarray, cdf: Callable[[np.ndarray], np.ndarray], hi: float) -> float:
    """Two-sided KS p-value of the draws against a continuous cdf.

    Draws equal to the upper end of the support are left out of the supremum
    (their ranks still count): near 1, a beta with a tiny shape puts a few
    percent of its mass within one ulp of 1, which rounds to exactly 1.0. The
    sup over fewer points can only shrink D, so the test stays valid.
    """
    x = np.sort(x)
    n = len(x)
    f = cdf(x)
    i = np.arange(1, n + 1)
    keep = x < hi
    d_plus = np.max((i / n - f)[keep])
    d_minus = np.max((f - (i - 1) / n)[keep])
    return float(st.kstwo.sf(max(d_plus, d_minus), n))


@pytest.mark.parametrize("case", CONTINUOUS)
def test_continuous_draws_pass_ks(case: Case) -> None:
    x = draws(case)
    lo, hi = case.ref.support()
    assert np.all((x >= lo) & (x <= hi)), "a draw fell outside the support"
    p = ks_pvalue(x, case.ref.cdf, hi)
    assert p > P_MIN, f"KS p-value {p:.3g}"


def pmf_of(ref: Any, values: np.ndarray) -> np.ndarray:
    return np.asarray(ref.pmf(values), dtype=float)


@pytest.mark.parametrize("case", DISCRETE)
def test_discrete_draws_pass_chi_square_and_dkw(case: Case) -> None:
    assert_discrete_fit(draws(case), case.ref)


# Compound draws (parameters drawn per sample) whose marginal law is known:
# they go through the engine's batched path rather than Distribution.sample.
COMPOUND = {
    # Thinning a Poisson count gives a Poisson count (missiles that work).
    "poisson_thinned": (lambda: mf.binomial(mf.poisson(50), 0.5), st.poisson(25)),
    "poisson_thinned_large": (lambda: mf.binomial(mf.poisson(2000), 0.3), st.poisson(600)),
    # A beta-distributed success rate gives the beta-binomial.
    "beta_binomial": (lambda: mf.binomial(40, mf.beta(2, 3)), st.betabinom(40, 2, 3)),
    "beta_binomial_large_n": (
        lambda: mf.binomial(5000, mf.beta(20, 5)),
        st.betabinom(5000, 20, 5),
    ),
    # One parameter drawn, but always the same value: the per-sample samplers
    # (no tables) against the plain law. Up to 64 trials are counted
    # bit-parallel; from 65, rejection (BTRS) with its exact test walking the
    # pmf near the mode, and in logarithms far from it.
    "binomial_bits": (lambda: mf.binomial(same(50), 0.123456789), st.binom(50, 0.123456789)),
    "binomial_bits_one_digit": (lambda: mf.binomial(same(64), 0.5), st.binom(64, 0.5)),
    "binomial_bits_flipped": (lambda: mf.binomial(same(30), 0.875), st.binom(30, 0.875)),
    "binomial_inversion": (lambda: mf.binomial(same(40), 0.05), st.binom(40, 0.05)),
    "binomial_btrs_small": (lambda: mf.binomial(same(80), 0.3), st.binom(80, 0.3)),
    "binomial_btrs_large": (lambda: mf.binomial(same(2e6), 0.3), st.binom(2_000_000, 0.3)),
    "poisson_ptrs": (lambda: mf.poisson(same(50)), st.poisson(50)),
    "poisson_multiplication": (lambda: mf.poisson(same(3)), st.poisson(3)),
    "negative_binomial_per_sample": (
        lambda: mf.negative_binomial(same(19), 0.5),
        st.nbinom(19, 0.5),
    ),
    # A gamma-distributed rate gives the negative binomial.
    "gamma_poisson": (
        lambda: mf.poisson(mf.gamma(3, 4)),
        st.nbinom(3, 1 / (1 + 4)),
    ),
}


def same(value: float) -> mf.Expr:
    """A drawn node that is always `value`, so a law taking it is drawn per sample."""
    return mf.floor(mf.uniform(value, value + 0.5))


@pytest.mark.parametrize("name", COMPOUND)
def test_compound_draws_pass_chi_square_and_dkw(name: str) -> None:
    make, ref = COMPOUND[name]
    x = mf.run({"x": make()}, n=N, seed=SEED, progress=False)["x"]
    assert_discrete_fit(np.asarray(x), ref)


def assert_discrete_fit(x: np.ndarray, ref: Any) -> None:
    """Chi-square and DKW tests of discrete draws against a scipy law."""
    lo, hi = ref.support()
    assert np.all((x >= lo) & (x <= hi)), "a draw fell outside the support"
    values, counts = np.unique(x, return_counts=True)
    probs = pmf_of(ref, values)
    assert np.all(probs > 0), f"draws at values of zero probability: {values[probs == 0]}"

    # DKW: P(sup |F_n - F| > eps) <= 2 exp(-2 n eps^2) over every point of the support.
    eps = math.sqrt(math.log(2 / P_MIN) / (2 * N))
    ecdf = np.cumsum(counts) / N
    gap = np.max(np.abs(ecdf - ref.cdf(values)))
    assert gap < eps, f"empirical cdf off by {gap:.4g} (DKW bound {eps:.4g})"

    # Chi-square on the support, with cells pooled from the left until each
    # expects at least 5 draws (the remainder joins the last cell). The cells
    # are the support values between the 1e-9 and 1 - 1e-9 quantiles, so values
    # never drawn still count against the fit.
    q_lo, q_hi = ref.ppf(1e-9), ref.ppf(1 - 1e-9)
    grid = np.union1d(values, np.arange(q_lo, q_hi + 1) if q_hi - q_lo < 1e7 else [])
    grid = grid[pmf_of(ref, grid) > 0]
    expected = pmf_of(ref, grid) * N
    observed = np.zeros_like(expected)
    observed[np.searchsorted(grid, values)] = counts
    cells_exp, cells_obs, acc_e, acc_o = [], [], 0.0, 0.0
    for e, o in zip(expected, observed, strict=True):
        acc_e += e
        acc_o += o
        if acc_e >= 5:
            cells_exp.append(acc_e)
            cells_obs.append(acc_o)
            acc_e = acc_o = 0.0
    if cells_exp:
        cells_exp[-1] += acc_e
        cells_obs[-1] += acc_o
    if len(cells_exp) < 2:
        # One cell (a constant, binomial with p in {0, 1}): the support check says it all.
        return
    cells_exp = np.asarray(cells_exp)
    # Mass beyond the grid (below the 1e-9 quantile or past the top): into the end cells.
    cells_exp *= N / cells_exp.sum()
    stat, p = st.chisquare(cells_obs, cells_exp)
    assert p > P_MIN, f"chi-square {stat:.1f} on {len(cells_exp) - 1} df, p={p:.3g}"


# ---------------------------------------------------------------------------
# Moments and quantiles of the draws within Monte Carlo error


@pytest.mark.parametrize("case", PARAMS)
def test_sample_mean_and_variance_within_mc_error(case: Case) -> None:
    x = draws(case)
    mean, sd = float(case.ref.mean()), ref_sd(case.ref)
    se_mean = sd / math.sqrt(N)
    assert abs(x.mean() - mean) <= Z * se_mean + 1e-12 * abs(mean), (x.mean(), mean, se_mean)
    if sd == 0:
        assert np.all(x == mean)
        return
    # Var(s^2) ~ (mu4 - sd^4) / n, with mu4 the fourth central moment.
    se_var = math.sqrt(max(fourth_central_moment(case.ref) - sd**4, 0.0) / N)
    assert abs(x.var() - sd**2) <= Z * se_var + 1e-12 * sd**2, (x.var(), sd**2, se_var)


@pytest.mark.parametrize("case", PARAMS)
def test_sample_quantiles_within_mc_error(case: Case) -> None:
    """The sample q-quantile is the order statistic whose rank, as a share of n,
    has sd sqrt(q(1-q)/n); so it must lie between ppf(q -/+ Z * that sd). This is
    the usual asymptotic sd sqrt(q(1-q)/n)/f(x_q) written in probability terms,
    which stays exact where the density is extreme (beta(0.05, 2) near 0) and
    covers discrete laws too."""
    x = draws(case)
    for q in QUANTILES:
        est = float(np.quantile(x, q, method="inverted_cdf"))
        se = math.sqrt(q * (1 - q) / N)
        lo = float(case.ref.ppf(max(q - Z * se, 0.0)))
        hi = float(case.ref.ppf(min(q + Z * se, 1.0)))
        assert lo <= est <= hi, f"q={q}: sample quantile {est} outside [{lo}, {hi}]"


# ---------------------------------------------------------------------------
# Analytic answers against the reference


@pytest.mark.parametrize("case", PARAMS)
def test_mean_sd_var(case: Case) -> None:
    d = case.make()
    assert isinstance(d, mf.Distribution)
    assert isinstance(d, mf.Expr)
    mean, sd = float(case.ref.mean()), ref_sd(case.ref)
    rtol = 1e-9
    assert d.mean() == pytest.approx(mean, rel=rtol, abs=1e-12 * sd)
    assert d.sd() == pytest.approx(sd, rel=rtol, abs=1e-300)
    assert d.var() == pytest.approx(sd**2, rel=2 * rtol, abs=1e-300)


@pytest.mark.parametrize("case", PARAMS)
def test_support(case: Case) -> None:
    lo, hi = case.ref.support()
    d = case.make()
    sup = d.support()
    assert isinstance(sup, tuple)
    if case.discrete and not np.isfinite(hi):
        assert sup == (lo, hi)
    else:
        # scipy's discrete `support()` is the hull of its lattice; values we compare.
        assert sup == pytest.approx((lo, hi), rel=1e-15)


@pytest.mark.parametrize("case", CONTINUOUS)
def test_ppf_matches_scipy_continuous(case: Case) -> None:
    d = case.make()
    want = np.asarray(case.ref.ppf(PPF_LEVELS), dtype=float)
    got = d.ppf(PPF_LEVELS)
    np.testing.assert_allclose(got, want, rtol=case.ppf_rtol, atol=0)
    # The ends of [0, 1] give the ends of the support.
    lo, hi = case.ref.support()
    assert d.ppf(0.0) == pytest.approx(lo, rel=1e-12)
    assert d.ppf(1.0) == pytest.approx(hi, rel=1e-12)


@pytest.mark.parametrize("case", DISCRETE)
def test_ppf_matches_scipy_discrete(case: Case) -> None:
    d = case.make()
    # Levels just off the cdf's steps (0.25 of four equal weights, say), where
    # rounding in the running sums would decide which value is meant.
    levels = np.concatenate([PPF_LEVELS * (1 + 1e-9), np.linspace(0.01, 0.99, 99) + 0.0013])
    np.testing.assert_array_equal(d.ppf(levels), case.ref.ppf(levels))
    # scipy returns support_min - 1 at q=0; munflow the lowest value it can take.
    lo, hi = case.ref.support()
    assert d.ppf(0.0) == lo
    if case.id == "binomial_p_0":
        # scipy's support of binom(10, 0) is the lattice hull [0, 10] and its
        # ppf(1) is 10, but every draw is 0: the smallest x with cdf(x) >= 1 is 0.
        assert d.ppf(1.0) == 0
    else:
        assert d.ppf(1.0) == hi


@pytest.mark.parametrize("case", PARAMS)
def test_cdf_matches_scipy(case: Case) -> None:
    d = case.make()
    levels = np.array([1e-9, 1e-6, 0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999, 1 - 1e-6])
    xs = np.unique(np.asarray(case.ref.ppf(levels), dtype=float))
    lo, hi = case.ref.support()
    if case.discrete:
        # Between the atoms and on them: cdf is right-continuous.
        xs = np.unique(np.concatenate([xs, xs - 0.5, xs + 0.5, xs - 1e-9]))
    span = np.ptp(xs) if np.ptp(xs) > 0 else 1.0
    outside = [v for v in (lo - span, hi + span) if np.isfinite(v)]
    xs = np.concatenate([xs, outside, [-np.inf, np.inf]])
    np.testing.assert_allclose(d.cdf(xs), case.ref.cdf(xs), rtol=0, atol=case.cdf_atol)


@pytest.mark.parametrize("case", CONTINUOUS)
def test_ppf_inverts_cdf(case: Case) -> None:
    """cdf(ppf(q)) = q, checked relative to q so tiny tail levels count too.

    Relative to q alone is too strict where x = ppf(q) is formed from larger
    numbers: uniform(1e6, 1e6 + 1) cannot put x closer than an ulp of 1e6 to
    the true quantile, so cdf(x) can miss q = 1e-12 by pdf(x) * ulp(1e6). The
    floor allows a few ulps of the largest number x is computed from (x itself,
    the law's mean, the ends of its support), converted to probability by the
    density there. Exact inversion makes |cdf(x) - q| at most pdf(x) * ulp(x).
    """
    d = case.make()
    q = np.array([1e-12, 1e-6, 0.001, 0.1, 0.5])
    x = d.ppf(q)
    lo, hi = d.support()
    scale = np.maximum.reduce(
        [np.abs(x), np.full_like(x, abs(d.mean()))]
        + [np.full_like(x, abs(e)) for e in (lo, hi) if np.isfinite(e)]
    )
    floor = 4 * np.asarray(case.ref.pdf(x), dtype=float) * np.spacing(scale)
    err = np.abs(d.cdf(x) - q)
    assert np.all(err <= 1e-6 * q + floor), (x, d.cdf(x), q, floor)


# ---------------------------------------------------------------------------
# Array in, array out


@pytest.mark.parametrize(
    "make",
    [
        lambda: mf.beta(2, 8),
        lambda: mf.poisson(4),
        lambda: mf.truncated(mf.normal(0, 1), 0),
        lambda: mf.mixture([mf.normal(0, 1), mf.normal(5, 1)]),
    ],
    ids=["beta", "poisson", "truncated", "mixture"],
)
def test_ppf_and_cdf_keep_the_shape_of_arrays(make: Callable[[], mf.Distribution]) -> None:
    d = make()
    q = np.array([[0.1, 0.2, 0.3], [0.5, 0.9, 0.99]])
    x = d.ppf(q)
    assert isinstance(x, np.ndarray) and x.shape == (2, 3) and x.dtype == np.float64
    for i in range(2):
        for j in range(3):
            assert x[i, j] == d.ppf(float(q[i, j]))
    c = d.cdf(x)
    assert isinstance(c, np.ndarray) and c.shape == (2, 3)
    assert c[1, 2] == d.cdf(float(x[1, 2]))

    # Lists, 1-d, empty and 0-d arrays behave like numpy ufuncs.
    assert d.ppf([0.1, 0.5]).shape == (2,)
    assert d.cdf(np.zeros((2, 0, 3))).shape == (2, 0, 3)
    assert d.ppf(np.arange(24).reshape(2, 3, 4) / 23).shape == (2, 3, 4)
    zero_d = d.ppf(np.array(0.5))
    assert np.ndim(zero_d) == 0 and float(zero_d) == d.ppf(0.5)

    # Scalars in, plain floats out.
    assert isinstance(d.ppf(0.5), float)
    assert isinstance(d.cdf(1.0), float)
    assert isinstance(d.ppf(1), float)


def test_sample_is_reproducible_and_seed_dependent() -> None:
    d = mf.beta(2, 8)
    a = d.sample(1000, seed=1)
    assert np.array_equal(a, d.sample(1000, seed=1))
    assert not np.array_equal(a, d.sample(1000, seed=2))
    assert mf.normal(0, 1).sample(1).shape == (1,)


def test_family_names() -> None:
    assert mf.beta(2, 8).family == "beta"
    assert mf.beta_counts(2, 8).family == "beta"
    assert mf.lognormal_ci(1, 2).family == "lognormal"
    assert mf.empirical([1, 2]).family == "empirical"
    assert mf.categorical([1, 2]).family == "categorical"
    assert mf.truncated(mf.normal(0, 1), 0).family == "truncated"
    assert mf.negative_binomial(2, 0.5).family == "negative_binomial"


def test_ppf_and_cdf_of_an_array_match_one_value_at_a_time() -> None:
    # A strided (non-contiguous) view of integers and floats, computed in parallel.
    d = mf.gamma(2, 3)
    q = np.linspace(0.001, 0.999, 3001)[::3]
    assert np.array_equal(d.ppf(q), np.array([d.ppf(float(v)) for v in q]))
    x = np.arange(0, 40)[::2]
    assert np.array_equal(d.cdf(x), np.array([d.cdf(float(v)) for v in x]))
