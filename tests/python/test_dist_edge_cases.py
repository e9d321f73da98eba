"""Regression tests for distributions at extreme parameters (issue 8, "Trustworthy numbers").

Each check runs in a child process under a timeout: a Rust loop that never ends holds
the GIL, so only a separate process can turn a hang into a test failure. The child
prints the value asked for (as JSON); the parent compares it with scipy where scipy is
right, or with a value worked out by hand (each says how).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from scipy import special
from scipy import stats as st

TIMEOUT = float(os.environ.get("MUNFLOW_TEST_TIMEOUT", "60"))


def child(expr: str, timeout: float = TIMEOUT) -> object:
    """The value of `expr` (munflow imported as mf, numpy as np) computed in a child
    process; a ValueError comes back as the string "ValueError: <message>"."""
    code = (
        "import json, munflow as mf, numpy as np\n"
        "try:\n"
        f"    v = {expr}\n"
        "    v = v.tolist() if hasattr(v, 'tolist') else v\n"
        "except ValueError as e:\n"
        "    v = 'ValueError: ' + str(e)\n"
        "print(json.dumps(v, default=repr))\n"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{expr} did not return within {timeout:.0f} s (a hang)")
    assert done.returncode == 0, f"{expr} crashed:\n{done.stderr[-2000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def number(expr: str) -> float:
    v = child(expr)
    assert isinstance(v, (int, float)), f"{expr} gave {v!r}"
    return float(v)


def refused(expr: str, *words: str) -> None:
    v = child(expr)
    assert isinstance(v, str) and v.startswith("ValueError"), f"{expr} gave {v!r}"
    for w in words:
        assert w in v, f"{expr}: {w!r} not in {v!r}"


# ---------------------------------------------------------------------------
# Item 6: moments of truncated discrete laws are sums over atoms, not integrals of
# a step-shaped quantile function.


def test_truncated_empirical_mean_sums_its_atoms() -> None:
    # Above 15 only 20 and 1e8 remain, equally likely.
    assert number("mf.truncated(mf.empirical([10, 20, 1e8]), 15).mean()") == 50_000_010.0


def test_truncated_empirical_with_one_atom_left_has_no_spread() -> None:
    assert number("mf.truncated(mf.empirical([1, 1e6]), 2).sd()") == 0.0
    assert number("mf.truncated(mf.empirical([1, 1e6]), 2).mean()") == 1e6


def test_truncated_categorical_weights_renormalise() -> None:
    # Values 1, 5, 1e9 with weights 1, 2, 3, cut to [2, inf): 5 w.p. 2/5, 1e9 w.p. 3/5.
    d = "mf.truncated(mf.categorical([1, 5, 1e9], [1, 2, 3]), 2)"
    mean = (2 * 5 + 3 * 1e9) / 5
    var = (2 * (5 - mean) ** 2 + 3 * (1e9 - mean) ** 2) / 5
    assert number(f"{d}.mean()") == pytest.approx(mean, rel=1e-14)
    assert number(f"{d}.sd()") == pytest.approx(math.sqrt(var), rel=1e-12)


def test_truncated_mixture_of_discrete_components() -> None:
    # mixture(categorical [1, 1e8], poisson(3)) cut to [2, 1e9]: the atoms 1e8 and the
    # Poisson's k >= 2, weighted by each component's surviving mass.
    d = "mf.truncated(mf.mixture([mf.categorical([1, 1e8]), mf.poisson(3)]), 2, 1e9)"
    pois = st.poisson(3)
    k = np.arange(2, 200)
    pk = pois.pmf(k)
    m_cat, m_pois = 0.5 * 0.5, 0.5 * pois.sf(1)
    mean = (m_cat * 1e8 + 0.5 * np.sum(k * pk)) / (m_cat + m_pois)
    second = (m_cat * 1e16 + 0.5 * np.sum(k * k * pk)) / (m_cat + m_pois)
    assert number(f"{d}.mean()") == pytest.approx(mean, rel=1e-12)
    assert number(f"{d}.sd()") == pytest.approx(math.sqrt(second - mean**2), rel=1e-9)


def test_truncated_mixture_of_discrete_and_continuous_components() -> None:
    # Half normal(0, 1), half an atom at 3, cut to [0, inf): the normal keeps 1/2 of its
    # mass with mean sqrt(2/pi) and second moment 1.
    d = "mf.truncated(mf.mixture([mf.normal(0, 1), mf.constant(3)]), 0)"
    w_n, w_c = 0.25, 0.5
    mean = (w_n * math.sqrt(2 / math.pi) + w_c * 3) / (w_n + w_c)
    second = (w_n * 1 + w_c * 9) / (w_n + w_c)
    assert number(f"{d}.mean()") == pytest.approx(mean, rel=1e-10)
    assert number(f"{d}.sd()") == pytest.approx(math.sqrt(second - mean**2), rel=1e-9)


def test_truncated_integer_law_with_huge_support() -> None:
    # Poisson(lam) cut at its mean, lam = 1e8: 1.6e5 values hold all but 1e-15 of
    # the mass, too many to sum, and integrating the step-shaped ppf was 2.5e-10
    # off. Exactly, sum_{k >= lam} k p(k) = lam P(X >= lam - 1), so
    # E[X | X >= lam] = lam (1 + p(lam) / P(X >= lam)) (p(lam - 1) = p(lam)). By
    # Stirling p(lam) = e^(-1/(12 lam)) / sqrt(2 pi lam) (next term 1e-27 here), and
    # P(X >= lam) = P(lam, lam) = 1/2 + 1/(3 sqrt(2 pi lam)) + O(lam^-3/2). (scipy's
    # poisson pmf is 0.4% off at 1e12, so it is no reference for such rates.)
    lam = 1e8
    pmf = math.exp(-1 / (12 * lam)) / math.sqrt(2 * math.pi * lam)
    upper = 0.5 + 1 / (3 * math.sqrt(2 * math.pi * lam))
    assert upper == pytest.approx(special.gammainc(lam, lam), rel=1e-13)
    mean = lam * (1 + pmf / upper)
    got = number(f"mf.truncated(mf.poisson({lam}), {lam}).mean()")
    assert got == pytest.approx(mean, rel=1e-13)
    # Uncut, the moments are the Poisson's own (the integral put the sd 3.5e-6 off).
    assert number(f"mf.truncated(mf.poisson({lam}), 0).sd()") == pytest.approx(1e4, rel=1e-12)


# ---------------------------------------------------------------------------
# Item 7: shapes so large that alpha + beta overflows.


def test_beta_refuses_shapes_beyond_its_limit() -> None:
    refused("mf.beta(1e308, 1e308)", "beta", "alpha", "1e+308")
    refused("mf.beta(2, 1e301)", "beta", "beta", "1e+301")
    refused("mf.beta_counts(1e308, 3)", "beta_counts", "successes")
    refused("mf.pert(0, 1, 2, lamb=1e308)", "pert", "lamb")


def test_beta_at_its_largest_shapes_is_right() -> None:
    # Symmetric: mean, median and the cdf at 1/2 are exactly 1/2.
    assert number("mf.beta(1e300, 1e300).mean()") == 0.5
    assert number("mf.beta(1e300, 1e300).cdf(0.5)") == pytest.approx(0.5, abs=1e-15)
    assert number("mf.beta(1e300, 1e300).ppf(0.5)") == 0.5
    draws = child("mf.beta(1e300, 1e300).sample(1000, seed=1)")
    assert draws == [0.5] * 1000  # the sd, 3.5e-151, is far below a float's spacing at 0.5
    # sd = sqrt(ab / ((a + b)^2 (a + b + 1))) = 1 / (2 sqrt(2e300 + 1)).
    assert number("mf.beta(1e300, 1e300).sd()") == pytest.approx(1 / (2 * math.sqrt(2e300)))
    # beta(1e103, 1e103).var() was 0: (a + b)^2 (a + b + 1) overflowed.
    assert number("mf.beta(1e103, 1e103).var()") == pytest.approx(1 / (4 * (2e103 + 1)))


def test_pert_with_a_huge_peak_sits_at_its_mode() -> None:
    assert number("mf.pert(0, 3, 10, lamb=1e300).mean()") == pytest.approx(3.0, rel=1e-12)
    draws = np.array(child("mf.pert(0, 3, 10, lamb=1e300).sample(100, seed=2)"))
    assert np.allclose(draws, 3.0, rtol=1e-12)


def test_gamma_with_a_huge_shape_samples_its_mean() -> None:
    draws = np.array(child("mf.gamma(1e300, 2).sample(100, seed=3)"))
    assert np.all(np.isfinite(draws))
    assert np.allclose(draws, 2e300, rtol=1e-12)
    assert number("mf.gamma(1e300, 1e8).sd()") == pytest.approx(1e158, rel=1e-12)


# ---------------------------------------------------------------------------
# Item 10: quantiles and cdfs at extreme ranges.


def test_triangular_with_a_huge_range() -> None:
    # ppf(q) above the mode is max - sqrt((1 - q)(max - min)(max - mode)).
    a, c, b = 0.0, 155.0, 1e308
    want = b - math.sqrt(0.5) * math.sqrt(b - a) * math.sqrt(b - c)
    assert number(f"mf.triangular({a}, {c}, {b}).ppf(0.5)") == pytest.approx(want, rel=1e-14)
    # cdf(x) above the mode is 1 - (max - x)^2 / ((max - min)(max - mode)).
    x = 1e300
    want = 1 - ((b - x) / (b - a)) * ((b - x) / (b - c))
    assert number(f"mf.triangular({a}, {c}, {b}).cdf({x})") == pytest.approx(want, rel=1e-7)


def test_beta_with_one_huge_shape_has_a_monotone_ppf() -> None:
    # beta(1000, 1e300) is gamma(1000) / 1e300 to within a relative 1e-297.
    q = np.linspace(0.01, 0.99, 99)
    got = np.array(child(f"mf.beta(1000, 1e300).ppf(np.array({q.tolist()}))"))
    assert np.all(np.diff(got) > 0)
    assert got == pytest.approx(st.gamma(1000).ppf(q) * 1e-300, rel=1e-12)


def test_uniform_ppf_stays_in_its_range() -> None:
    lo, hi = -9188743441938528.0, 3.0
    assert number(f"mf.uniform({lo}, {hi}).ppf(1)") == hi
    assert number(f"mf.uniform({lo}, {hi}).ppf(1 - 1e-16)") <= hi
    draws = np.array(child(f"mf.uniform({lo}, {hi}).sample(100000, seed=4)"))
    assert draws.max() <= hi and draws.min() >= lo


def test_negative_binomial_ppf_with_a_tiny_p() -> None:
    # scipy is right here (checked with mpmath: the nbinom cdf crosses 0.99 between
    # 3317448300508 and 3317448300509); munflow was 5e-5 too high. As a second check,
    # nbinom(r, p) is poisson(gamma(r, (1 - p) / p)), so its quantile is the gamma's
    # to within the Poisson's spread (about 1e-6 relative here).
    r, p = 0.5, 1e-12
    got = number(f"mf.negative_binomial({r}, {p}).ppf(0.99)")
    assert got == st.nbinom(r, p).ppf(0.99)
    assert got == pytest.approx(special.gammaincinv(r, 0.99) * (1 - p) / p, rel=2e-6)


def test_beta_cdf_with_huge_equal_shapes() -> None:
    # I_{1/2}(a, a) = 1/2 exactly; the continued fraction drifted by up to 1.5e-7.
    for a in (1e12, 1e14, 1e16):
        assert number(f"mf.beta({a}, {a}).cdf(0.5)") == pytest.approx(0.5, abs=1e-15)


def test_binomial_cdf_at_its_median_for_a_huge_n() -> None:
    # P(X <= n/2) for binomial(n, 1/2), n even, is 1/2 + pmf(n/2) / 2, and
    # pmf(n/2) = sqrt(2 / (pi n)) (1 - 1/(4n) + ...).
    n = 1e15
    want = 0.5 + 0.5 * math.sqrt(2 / (math.pi * n)) * (1 - 1 / (4 * n))
    assert number(f"mf.binomial({n}, 0.5).cdf({n / 2})") == pytest.approx(want, rel=1e-14)


# ---------------------------------------------------------------------------
# Item 11: loops that never ended (k += 1.0 past 2^53, or a continued fraction that
# never converged), holding the GIL.


@pytest.mark.parametrize("method", ["mean()", "sd()", "var()"])
def test_truncated_constant_beyond_2_pow_53(method: str) -> None:
    want = 1e16 if method == "mean()" else 0.0
    assert number(f"mf.truncated(mf.constant(1e16), 0).{method}") == want


def test_truncated_categorical_beyond_2_pow_53() -> None:
    assert number("mf.truncated(mf.categorical([1e17]), 0).var()") == 0.0


def test_truncated_binomial_with_n_2_pow_53() -> None:
    # Cut at 0 the law is the binomial itself: sd = sqrt(n p (1 - p)).
    got = number("mf.truncated(mf.binomial(2**53, .5), 0).sd()")
    assert got == pytest.approx(math.sqrt(2**53) / 2, rel=1e-9)


def test_truncated_beta_with_a_huge_shape() -> None:
    assert number("mf.truncated(mf.beta(1, 1e219)).mean()") == pytest.approx(1e-219, rel=1e-9)


def test_mixture_ppf_of_atoms_beyond_2_pow_53() -> None:
    # Integer bisection between 1e17 and 1e17 + 16 (floats 16 apart) made no progress.
    got = number("mf.mixture([mf.constant(1e17), mf.constant(1e17 + 16)]).ppf(0.75)")
    assert got == 1e17 + 16
