"""Bad input: every constructor and every parameter, and the calls around them.

Invalid values raise ValueError naming the distribution, the parameter and the
value; wrong types raise TypeError; nothing ever lets a Rust panic
(pyo3_runtime.PanicException, a BaseException) or an internal error through.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

import munflow as mf


def raised(call: Callable[[], Any]) -> BaseException | None:
    """The exception `call` raised (any BaseException: panics included), or None."""
    try:
        call()
    except BaseException as exc:  # noqa: BLE001 - a panic must be caught to be reported
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        return exc
    return None


def assert_not_panic(exc: BaseException | None) -> None:
    if exc is None:
        return
    name = type(exc).__name__
    assert name != "PanicException", f"a Rust panic reached Python: {exc}"
    assert "internal error" not in str(exc), f"an internal error reached Python: {exc}"
    assert isinstance(exc, Exception), f"{name} is not an Exception: {exc}"


def expect(kind: type[Exception], call: Callable[[], Any], *needles: str) -> BaseException:
    exc = raised(call)
    assert_not_panic(exc)
    assert exc is not None, "no exception raised"
    assert isinstance(exc, kind), f"expected {kind.__name__}, got {type(exc).__name__}: {exc}"
    msg = str(exc)
    for needle in needles:
        assert needle in msg, f"{needle!r} not in message {msg!r}"
    return exc


# ---------------------------------------------------------------------------
# Constructors: name -> (function, valid keyword arguments)

CONSTRUCTORS: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
    "constant": (mf.constant, {"value": 7000.0}),
    "uniform": (mf.uniform, {"lo": 0.0, "hi": 1.0}),
    "normal": (mf.normal, {"mean": 0.0, "sd": 1.0}),
    "lognormal": (mf.lognormal, {"mu": 0.0, "sigma": 1.0}),
    "lognormal_ci": (mf.lognormal_ci, {"lo": 6000.0, "hi": 8000.0, "level": 0.9}),
    "beta": (mf.beta, {"alpha": 2.0, "beta": 8.0}),
    "beta_counts": (mf.beta_counts, {"successes": 24.0, "failures": 26.0}),
    "pert": (mf.pert, {"min": 300.0, "mode": 430.0, "max": 500.0, "lamb": 4.0}),
    "triangular": (mf.triangular, {"min": 1.0, "mode": 2.0, "max": 5.0}),
    "gamma": (mf.gamma, {"shape": 2.0, "scale": 3.0}),
    "poisson": (mf.poisson, {"rate": 50.0}),
    "binomial": (mf.binomial, {"n": 1000.0, "p": 0.8}),
    "negative_binomial": (mf.negative_binomial, {"r": 19.0, "p": 0.5}),
}


def build(family: str, **overrides: Any) -> Any:
    fn, good = CONSTRUCTORS[family]
    return fn(**{**good, **overrides})


def test_valid_arguments_build_distributions() -> None:
    for family in CONSTRUCTORS:
        assert isinstance(build(family), mf.Distribution), family
    assert isinstance(mf.categorical([1, 2], [1, 3]), mf.Distribution)
    assert isinstance(mf.empirical([1, 2, 2]), mf.Distribution)
    assert isinstance(mf.truncated(mf.normal(0, 1), 0, 1), mf.Distribution)
    assert isinstance(mf.mixture([mf.normal(0, 1), mf.gamma(2, 1)], [1, 2]), mf.Distribution)


NAN, INF = math.nan, math.inf

# (family, parameter, bad value): each must raise ValueError naming all three.
BAD_VALUES = [
    ("constant", "value", NAN),
    ("constant", "value", INF),
    ("constant", "value", -INF),
    ("uniform", "lo", NAN),
    ("uniform", "hi", NAN),
    ("uniform", "lo", -INF),
    ("uniform", "hi", INF),
    ("uniform", "lo", 1.0),  # lo == hi
    ("uniform", "lo", 2.0),  # lo > hi
    ("normal", "mean", NAN),
    ("normal", "mean", INF),
    ("normal", "sd", -1.0),
    ("normal", "sd", 0.0),
    ("normal", "sd", NAN),
    ("normal", "sd", INF),
    ("lognormal", "mu", NAN),
    ("lognormal", "mu", -INF),
    ("lognormal", "sigma", -0.5),
    ("lognormal", "sigma", 0.0),
    ("lognormal", "sigma", NAN),
    ("lognormal_ci", "lo", -1.0),
    ("lognormal_ci", "lo", 0.0),
    ("lognormal_ci", "lo", NAN),
    ("lognormal_ci", "hi", INF),
    ("lognormal_ci", "hi", NAN),
    ("lognormal_ci", "lo", 9000.0),  # lo > hi
    ("lognormal_ci", "lo", 8000.0),  # lo == hi
    ("lognormal_ci", "level", 0.0),
    ("lognormal_ci", "level", 1.0),
    ("lognormal_ci", "level", 1.5),
    ("lognormal_ci", "level", -0.1),
    ("lognormal_ci", "level", NAN),
    ("beta", "alpha", -1.0),
    ("beta", "alpha", 0.0),
    ("beta", "alpha", NAN),
    ("beta", "alpha", INF),
    ("beta", "beta", -1.0),
    ("beta", "beta", 0.0),
    ("beta", "beta", NAN),
    ("beta", "beta", INF),
    ("beta_counts", "successes", -1.0),
    ("beta_counts", "successes", NAN),
    ("beta_counts", "successes", INF),
    ("beta_counts", "failures", -0.5),
    ("beta_counts", "failures", NAN),
    ("beta_counts", "failures", INF),
    ("pert", "min", NAN),
    ("pert", "mode", NAN),
    ("pert", "max", NAN),
    ("pert", "min", -INF),
    ("pert", "max", INF),
    ("pert", "min", 500.0),  # min == max
    ("pert", "min", 600.0),  # min > max
    ("pert", "mode", 200.0),  # below min
    ("pert", "mode", 501.0),  # above max
    ("pert", "lamb", 0.0),
    ("pert", "lamb", -4.0),
    ("pert", "lamb", NAN),
    ("pert", "lamb", INF),
    ("triangular", "min", NAN),
    ("triangular", "mode", NAN),
    ("triangular", "max", NAN),
    ("triangular", "max", INF),
    ("triangular", "min", 5.0),
    ("triangular", "mode", 0.0),
    ("triangular", "mode", 6.0),
    ("gamma", "shape", 0.0),
    ("gamma", "shape", -2.0),
    ("gamma", "shape", NAN),
    ("gamma", "shape", INF),
    ("gamma", "scale", 0.0),
    ("gamma", "scale", -3.0),
    ("gamma", "scale", NAN),
    ("gamma", "scale", INF),
    ("poisson", "rate", -1.0),
    ("poisson", "rate", NAN),
    ("poisson", "rate", INF),
    ("poisson", "rate", 1e300),
    ("binomial", "n", -1.0),
    ("binomial", "n", 10.5),
    ("binomial", "n", NAN),
    ("binomial", "n", INF),
    ("binomial", "n", 1e300),
    ("binomial", "p", -0.1),
    ("binomial", "p", 1.1),
    ("binomial", "p", NAN),
    ("binomial", "p", INF),
    ("negative_binomial", "r", 0.0),
    ("negative_binomial", "r", -1.0),
    ("negative_binomial", "r", NAN),
    ("negative_binomial", "r", INF),
    ("negative_binomial", "p", 0.0),
    ("negative_binomial", "p", -0.5),
    ("negative_binomial", "p", 1.5),
    ("negative_binomial", "p", NAN),
]


def value_text(v: float) -> str:
    """How the value may appear in a message (Rust prints NaN, inf, 10.5, 500)."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "inf"
    return repr(v).removesuffix(".0") if v == int(v) and abs(v) < 1e15 else repr(v)


@pytest.mark.parametrize(
    ("family", "param", "value"),
    BAD_VALUES,
    ids=[f"{f}-{p}-{v}" for f, p, v in BAD_VALUES],
)
def test_invalid_value_raises_value_error_naming_it(family: str, param: str, value: float) -> None:
    exc = expect(ValueError, lambda: build(family, **{param: value}), family)
    msg = str(exc)
    assert param in msg, f"parameter {param!r} not named in {msg!r}"
    text = value_text(value)
    assert text in msg or text.lower() in msg.lower(), f"value {text} not in {msg!r}"


WRONG_TYPES = ["7", None, [1.0, 2.0], True, False, {"a": 1}, object(), 1 + 2j]


@pytest.mark.parametrize("family", list(CONSTRUCTORS))
@pytest.mark.parametrize("bad", WRONG_TYPES, ids=lambda b: type(b).__name__)
def test_wrong_type_raises_type_error(family: str, bad: Any) -> None:
    _, good = CONSTRUCTORS[family]
    for param in good:
        if bad is None and param in ("level", "lamb"):
            # None means "the default" for the optional parameters.
            assert isinstance(build(family, **{param: None}), mf.Distribution)
            continue
        expect(TypeError, lambda p=param: build(family, **{p: bad}), param)


def test_numpy_and_int_scalars_are_numbers() -> None:
    assert mf.beta(np.float64(2), np.int64(8)).mean() == pytest.approx(0.2)
    assert mf.binomial(np.int32(10), np.float32(0.5)).mean() == 5
    assert mf.normal(0, 10**3).sd() == 1000


def test_missing_and_unknown_arguments_raise_type_error() -> None:
    expect(TypeError, lambda: mf.beta(2))
    expect(TypeError, lambda: mf.beta(2, 8, gamma=3))
    expect(TypeError, lambda: mf.normal(0, 1, 2))


def test_bad_name() -> None:
    expect(ValueError, lambda: mf.beta(2, 8, name=""), "name")
    expect(ValueError, lambda: mf.beta(2, 8, name="   "), "name")
    expect(TypeError, lambda: mf.beta(2, 8, name=3))


# ---------------------------------------------------------------------------
# Sequence-taking constructors


@pytest.mark.parametrize(
    ("call", "needles"),
    [
        (lambda: mf.categorical([]), ("categorical", "values")),
        (lambda: mf.categorical([1, 2], [1, 0]), ("categorical", "weight", "0")),
        (lambda: mf.categorical([1, 2], [1, -1]), ("categorical", "weight", "-1")),
        (lambda: mf.categorical([1, 2], [1, NAN]), ("categorical", "weight", "NaN")),
        (lambda: mf.categorical([1, 2], [1, INF]), ("categorical", "weight", "inf")),
        (lambda: mf.categorical([1, 2], [1e308, 1e308]), ("categorical", "weights")),
        (lambda: mf.categorical([1, 2], [1, 2, 3]), ("categorical", "weights", "3")),
        (lambda: mf.categorical([1, 2], []), ("categorical", "weights")),
        (lambda: mf.categorical([1, NAN]), ("categorical", "value", "NaN")),
        (lambda: mf.categorical([1, INF]), ("categorical", "value", "inf")),
        (lambda: mf.empirical([]), ("empirical", "data")),
        (lambda: mf.empirical(np.array([])), ("empirical", "data")),
        (lambda: mf.empirical([1, NAN]), ("empirical", "data", "NaN")),
        (lambda: mf.empirical([1, -INF]), ("empirical", "data", "inf")),
        (lambda: mf.mixture([]), ("mixture", "dists")),
        (lambda: mf.mixture([mf.normal(0, 1)], [0]), ("mixture", "weight", "0")),
        (lambda: mf.mixture([mf.normal(0, 1)], [-1]), ("mixture", "weight", "-1")),
        (lambda: mf.mixture([mf.normal(0, 1)], [NAN]), ("mixture", "weight", "NaN")),
        (lambda: mf.mixture([mf.normal(0, 1)], [1, 2]), ("mixture", "weights")),
        (lambda: mf.truncated(mf.normal(0, 1), 2, 1), ("truncated", "lo", "hi")),
        (lambda: mf.truncated(mf.normal(0, 1), NAN, 1), ("truncated", "lo", "NaN")),
        (lambda: mf.truncated(mf.normal(0, 1), 0, NAN), ("truncated", "hi", "NaN")),
        (lambda: mf.truncated(mf.normal(0, 1), 100, 200), ("truncated", "probability")),
        (lambda: mf.truncated(mf.beta(2, 8), 2, 3), ("truncated", "probability")),
        (lambda: mf.truncated(mf.poisson(3), 1.2, 1.8), ("truncated", "probability")),
        (lambda: mf.truncated(mf.uniform(0, 1), INF, INF), ("truncated",)),
    ],
)
def test_sequence_constructors_reject_bad_values(
    call: Callable[[], Any], needles: tuple[str, ...]
) -> None:
    expect(ValueError, call, *needles)


@pytest.mark.parametrize(
    "call",
    [
        lambda: mf.categorical("abc"),
        lambda: mf.categorical(3),
        lambda: mf.categorical(None),
        lambda: mf.categorical([1, "a"]),
        lambda: mf.categorical([1, None]),
        lambda: mf.categorical([1, True]),
        lambda: mf.categorical([[1, 2]]),
        lambda: mf.categorical([1, 2], "ab"),
        lambda: mf.categorical([1, 2], 5),
        lambda: mf.categorical([1, mf.normal(0, 1)]),
        lambda: mf.empirical("123"),
        lambda: mf.empirical(1.5),
        lambda: mf.empirical([1, "2"]),
        lambda: mf.mixture(mf.normal(0, 1)),
        lambda: mf.mixture([mf.normal(0, 1), "x"]),
        lambda: mf.mixture([mf.normal(0, 1)], "a"),
        lambda: mf.truncated(1.0, 0, 1),
        lambda: mf.truncated("normal", 0, 1),
        lambda: mf.truncated(mf.normal(0, 1) + 1, 0, 1),
        lambda: mf.truncated(mf.normal(0, 1), "0", 1),
        lambda: mf.truncated(mf.normal(0, 1), 0, [1]),
        lambda: mf.truncated(mf.normal(0, 1), True, 1),
    ],
)
def test_sequence_constructors_reject_wrong_types(call: Callable[[], Any]) -> None:
    expect(TypeError, call)


# ---------------------------------------------------------------------------
# sample, ppf, cdf


@pytest.mark.parametrize(
    ("n", "seed", "kind"),
    [
        (0, 1, ValueError),
        (-1, 1, ValueError),
        (-(2**70), 1, ValueError),
        (2**70, 1, ValueError),
        (1.5, 1, ValueError),
        (float("nan"), 1, ValueError),
        (2.0**62, 1, ValueError),
        ("10", 1, TypeError),
        (None, 1, TypeError),
        (True, 1, TypeError),
        (10, -1, ValueError),
        (10, 2**64, ValueError),
        (10, "x", TypeError),
        (10, 1.5, TypeError),
        (10, True, TypeError),
        (10, [1], TypeError),
    ],
)
def test_bad_sample_arguments(n: Any, seed: Any, kind: type[Exception]) -> None:
    what = "seed" if type(n) is int and n == 10 else "n"
    expect(kind, lambda: mf.beta(2, 8).sample(n, seed=seed), what)


def test_good_sample_arguments() -> None:
    d = mf.beta(2, 8)
    assert d.sample(1, seed=0).shape == (1,)
    assert d.sample(np.int64(3), seed=2**64 - 1).shape == (3,)
    assert d.sample(5).shape == (5,)


@pytest.mark.parametrize("q", [-0.1, 1.1, NAN, INF, -INF])
def test_bad_ppf_levels(q: float) -> None:
    for d in (mf.beta(2, 8), mf.poisson(3), mf.truncated(mf.normal(0, 1), 0), mf.empirical([1])):
        expect(ValueError, lambda d=d: d.ppf(q), "q")
        expect(ValueError, lambda d=d: d.ppf(np.array([0.5, q])), "q")


def test_bad_ppf_and_cdf_types() -> None:
    d = mf.normal(0, 1)
    for bad in ("0.5", None, ["a"], {"q": 1}):
        expect(TypeError, lambda b=bad: d.ppf(b))
        expect(TypeError, lambda b=bad: d.cdf(b))
    expect(ValueError, lambda: d.cdf(NAN), "NaN")
    assert d.cdf(INF) == 1.0 and d.cdf(-INF) == 0.0


# ---------------------------------------------------------------------------
# run


def test_bad_run_arguments() -> None:
    x = mf.normal(0, 1, name="x")
    expect(ValueError, lambda: mf.run({"x": x}, n=0, seed=1), "n")
    expect(ValueError, lambda: mf.run({"x": x}, n=-5, seed=1), "n")
    expect(ValueError, lambda: mf.run({"x": x}, n=1.5, seed=1), "n")
    expect(ValueError, lambda: mf.run({"x": x}, n=10, seed=-1), "seed")
    expect(TypeError, lambda: mf.run({"x": x}, n=10, seed="x"), "seed")
    expect(ValueError, lambda: mf.run({}, n=10, seed=1), "output")
    expect(ValueError, lambda: mf.run([], n=10, seed=1), "output")
    expect(TypeError, lambda: mf.run({"x": "not an expression"}, n=10, seed=1), "x")
    expect(TypeError, lambda: mf.run({"x": None}, n=10, seed=1), "x")
    expect(TypeError, lambda: mf.run({"x": [1, 2]}, n=10, seed=1), "x")
    expect(TypeError, lambda: mf.run({1: x}, n=10, seed=1))
    expect(TypeError, lambda: mf.run("x", n=10, seed=1))
    expect(TypeError, lambda: mf.run(42, n=10, seed=1))
    expect(TypeError, lambda: mf.run([mf.normal(0, 1)], n=10, seed=1))


def test_conflicting_names_in_run() -> None:
    """Two different inputs under one name cannot both be stored as that column."""
    a = mf.normal(0, 1, name="same")
    b = mf.normal(5, 1, name="same")
    exc = raised(lambda: mf.run({"total": a + b}, n=10, seed=1))
    assert_not_panic(exc)
    assert isinstance(exc, ValueError), f"expected ValueError, got {exc!r}"
    assert "same" in str(exc)
    # An output named like a different named input.
    c = mf.normal(0, 1, name="c")
    exc = raised(lambda: mf.run({"c": c * 2}, n=10, seed=1))
    assert_not_panic(exc)
    assert isinstance(exc, ValueError), f"expected ValueError, got {exc!r}"


# ---------------------------------------------------------------------------
# Hypothesis: random floats at every parameter of every constructor

FLOATS = hs.one_of(
    hs.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True),
    hs.sampled_from(
        [0.0, -0.0, 1.0, -1.0, 0.5, 1e308, -1e308, 1e-308, 5e-324, 2.0**53, 2.0**53 + 2, 1e15]
    ),
    hs.floats(min_value=-1e6, max_value=1e6),
    hs.integers(min_value=-(2**63), max_value=2**63),
)


def check_outcome(call: Callable[[], Any]) -> None:
    """A Distribution, or ValueError/TypeError; then its answers never panic."""
    exc = raised(call)
    assert_not_panic(exc)
    if exc is not None:
        assert isinstance(exc, ValueError | TypeError), repr(exc)
        return
    d = call()
    assert isinstance(d, mf.Distribution)
    for answer in (
        d.mean,
        d.sd,
        d.var,
        d.support,
        lambda: d.ppf(0.5),
        lambda: d.ppf([0.0, 0.01, 0.99, 1.0]),
        lambda: d.cdf(0.5),
        lambda: d.sample(10, seed=1),
        lambda: repr(d),
    ):
        exc = raised(answer)
        assert_not_panic(exc)
        if exc is not None:
            # mf.ModelError (a NaN or infinity drawn) is a ValueError.
            assert isinstance(exc, ValueError), repr(exc)


@pytest.mark.parametrize("family", list(CONSTRUCTORS))
@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=hs.data())
def test_random_floats_never_panic(family: str, data: hs.DataObject) -> None:
    _, good = CONSTRUCTORS[family]
    # Each parameter either keeps its valid value or gets a random float, so
    # both single bad parameters and combinations are tried.
    args = {p: data.draw(hs.one_of(hs.just(v), FLOATS), label=p) for p, v in good.items()}
    check_outcome(lambda: build(family, **args))


@settings(max_examples=80, derandomize=True, deadline=None)
@given(
    values=hs.lists(FLOATS, min_size=0, max_size=6),
    weights=hs.one_of(hs.none(), hs.lists(FLOATS, min_size=0, max_size=6)),
)
def test_random_floats_at_categorical_and_empirical(values: list[float], weights: Any) -> None:
    check_outcome(lambda: mf.categorical(values, weights))
    check_outcome(lambda: mf.empirical(values))


@settings(max_examples=80, derandomize=True, deadline=None)
@given(lo=FLOATS, hi=FLOATS, which=hs.integers(0, 4), w=FLOATS)
def test_random_floats_at_truncated_and_mixture(lo: float, hi: float, which: int, w: float) -> None:
    inner = [
        mf.normal(0, 1),
        mf.gamma(0.5, 2),
        mf.poisson(3),
        mf.binomial(10, 0.3),
        mf.beta(0.3, 0.5),
    ][which]
    check_outcome(lambda: mf.truncated(inner, lo, hi))
    t = raised(lambda: mf.truncated(inner, lo, hi)) or mf.truncated(inner, lo, hi)
    if isinstance(t, mf.Distribution):
        # Whatever it was built from, a truncation stays inside its bounds.
        a, b = t.support()
        assert lo <= a <= b <= hi, (lo, hi, t.support())
        assert np.all((t.sample(20, seed=3) >= a) & (t.sample(20, seed=3) <= b))
        for q in (0.01, 0.5, 0.99):
            assert a <= t.ppf(q) <= b
            # Up to rounding: a mass of 1e-9 of the inner cdf values (the
            # narrowest accepted) leaves ~7 digits.
            assert t.cdf(t.ppf(q)) >= q - 1e-6

    uniform = mf.uniform(0, 1)
    call = lambda: mf.mixture([inner, uniform], [w, 1.0])  # noqa: E731
    check_outcome(call)
    valid_weight = math.isfinite(w) and w > 0 and math.isfinite(w + 1.0)
    if not valid_weight:
        expect(ValueError, call, "mixture", "weight")
        return
    # A valid weight builds the mixture, and it answers as the weighted sum of
    # its parts: mean, cdf and sf-free cdf identities, and its ppf inverts its cdf.
    m = call()
    share = w / (w + 1.0)
    assert m.mean() == pytest.approx(share * inner.mean() + (1 - share) * 0.5, rel=1e-9, abs=1e-12)
    for x in (-1.0, 0.25, 0.5, 2.0, 5.0):
        want = share * inner.cdf(x) + (1 - share) * uniform.cdf(x)
        assert m.cdf(x) == pytest.approx(want, rel=1e-12, abs=1e-15), x
    for q in (0.01, 0.3, 0.5, 0.9):
        x = m.ppf(q)
        # The smallest x with cdf(x) >= q, up to rounding in the weighted sum.
        assert m.cdf(x) >= q * (1 - 1e-12), (q, x, m.cdf(x))
    lo_m, hi_m = m.support()
    assert lo_m == min(inner.support()[0], 0.0) and hi_m == max(inner.support()[1], 1.0)
