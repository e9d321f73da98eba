"""Every run binding reads n, seed, threads and allow_nan through one parser
(``RunArgs`` in src/python/args.rs), so a bad value gets the same message
whichever entry point it reaches."""

import pytest

import munflow as mf
from munflow import _core


def bindings():
    x = mf.normal(0, 1, name="x")
    outputs = [("y", x * 2)]
    return {
        "run": lambda **a: _core._run(outputs, **a),
        "summarise_run": lambda **a: _core._summarise_run(outputs, quantiles=[0.5], **a),
        "run_posterior": lambda **a: _core._run_posterior(outputs, [], **a),
        "sobol": lambda **a: _core.sobol(outputs, "y", **a),
        "shapley": lambda **a: _core.shapley(outputs, "y", **a),
        "tornado": lambda **a: _core.tornado(outputs, "y", **a),
    }


BAD = [
    ({"n": 0}, ValueError, "n must be >= 1, got 0"),
    ({"n": 2.5}, ValueError, "n must be a whole number, got 2.5"),
    ({"n": "many"}, TypeError, "n must be an int, got str"),
    ({"n": 64, "seed": -1}, ValueError, r"seed must be in \[0, 2\*\*64\), got -1"),
    ({"n": 64, "seed": "x"}, TypeError, "seed must be an int, got str"),
    ({"n": 64, "seed": 1, "threads": 0}, ValueError, "threads must be >= 1, got 0"),
]


@pytest.mark.parametrize("binding", sorted(bindings()))
@pytest.mark.parametrize(("args", "kind", "message"), BAD)
def test_every_binding_says_the_same(binding, args, kind, message):
    with pytest.raises(kind, match=message):
        bindings()[binding](**args)
