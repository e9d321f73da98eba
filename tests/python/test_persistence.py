"""Persistence: every public object pickles and deep-copies; pickling never
splits a draw (node identities survive, in this process or another); results
save to an .npz file and load again without unpickling anything."""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import munflow as mf
from munflow._old_paths import MOVED


def round_trip(obj):
    return pickle.loads(pickle.dumps(obj))


def shells_model():
    containers = mf.lognormal_ci(6000, 8000, name="containers")
    per = mf.pert(300, 430, 500, name="per_container")
    shells = mf.floor(containers * per)
    working = mf.binomial(shells, 1 - mf.beta(2, 8))  # an unnamed draw too
    return mf.Model({"shells": shells, "working": working}), containers, per, shells


def assert_same_results(a, b):
    assert a.keys() == b.keys() and (a.n, a.seed) == (b.n, b.seed)
    for name in a.keys():
        np.testing.assert_array_equal(a[name], b[name])


def test_every_public_object_pickles_and_deep_copies():
    model, containers, _per, shells = shells_model()
    res = model.run(5000, seed=1)
    sc = mf.scenarios.load()
    sres = sc.run(n=2000, seed=1)
    out = "shell_152.functioning[defence_minister]"
    analyses = [
        sc.sobol(out, n=256, seed=1, second_order=True),
        sc.tornado(out, n=2000, seed=1),
        sres.rank_correlation(out),
        sres.value_of_information(out, bins=10),
    ]
    for obj in [containers, shells, model, res, sc, sres, *analyses]:
        for copied in (round_trip(obj), copy.deepcopy(obj), copy.copy(obj)):
            assert type(copied) is type(obj)
    assert round_trip(sc) == sc and copy.deepcopy(sc) == sc
    assert isinstance(round_trip(containers), mf.Distribution)
    assert round_trip(containers).mean() == containers.mean()
    assert round_trip(shells).name == shells.name and round_trip(containers).name == "containers"
    assert_same_results(round_trip(res), res)
    assert_same_results(round_trip(sres), sres)
    assert round_trip(res)["shells"].flags.writeable is False
    pd.testing.assert_frame_equal(round_trip(sres).summary(), sres.summary())
    sobol = round_trip(analyses[0])
    pd.testing.assert_frame_equal(sobol, analyses[0])
    pd.testing.assert_frame_equal(sobol.s2, analyses[0].s2)


def test_a_pickled_model_gives_bit_identical_results():
    model, *_ = shells_model()
    assert_same_results(round_trip(model).run(20_000, seed=5), model.run(20_000, seed=5))


def test_a_model_pickled_to_another_process_gives_bit_identical_results(tmp_path):
    model, *_ = shells_model()
    path = tmp_path / "model.pickle"
    path.write_bytes(pickle.dumps(model))
    child = (
        "import pickle, sys, numpy as np\n"
        f"m = pickle.loads(open({str(path)!r}, 'rb').read())\n"
        "r = m.run(20_000, seed=5)\n"
        f"np.save({str(tmp_path / 'working.npy')!r}, r['working'])\n"
    )
    subprocess.run([sys.executable, "-c", child], check=True, timeout=120)
    here = model.run(20_000, seed=5)["working"]
    np.testing.assert_array_equal(np.load(tmp_path / "working.npy"), here)


def test_pickling_never_splits_a_draw():
    _model, containers, per, shells = shells_model()
    # Pickled separately, restored separately: still the same containers.
    a, b = round_trip(containers), round_trip(shells)
    res = mf.run({"a": mf.floor(a * per), "b": b}, n=5000, seed=2)
    np.testing.assert_array_equal(res["a"], res["b"])
    # And an unpickled expression evaluates on a run's samples.
    res = mf.run({"shells": shells}, n=5000, seed=3)
    assert res.prob(round_trip(shells) > 2.8e6) == np.mean(res["shells"] > 2.8e6)
    unnamed = mf.beta(2, 8) * 10
    res = mf.run({"u": unnamed}, n=1000, seed=4)
    assert res.prob(round_trip(unnamed) > 2) == np.mean(res["u"] > 2)


def test_results_save_and_load(tmp_path):
    model, _c, _p, shells = shells_model()
    res = model.run(10_000, seed=6)
    path = res.save(tmp_path / "shells")
    assert path.suffix == ".npz"
    back = mf.load(path)
    assert_same_results(back, res)
    assert back.outputs == res.outputs and back.inputs == res.inputs
    pd.testing.assert_frame_equal(back.summary(), res.summary())
    assert back.prob(shells > 2.8e6) == res.prob(shells > 2.8e6)
    assert back.to_pandas().attrs == {"seed": 6, "n": 10_000}
    # Whole: analyses run on the loaded model and samples.
    pd.testing.assert_frame_equal(back.rank_correlation("working"), res.rank_correlation("working"))


def test_scenario_results_save_and_load(tmp_path):
    sc = mf.scenarios.load()
    res = sc.run(n=5000, seed=7)
    back = mf.load(res.save(tmp_path / "scenario.npz"))
    assert isinstance(back, mf.ScenarioResults)
    assert back.scenario == sc and back.estimates == res.estimates
    pd.testing.assert_frame_equal(back.summary(), res.summary())
    pd.testing.assert_frame_equal(back.compare(), res.compare())


def test_load_never_unpickles(tmp_path):
    class Boom:
        def __reduce__(self):
            return (print, ("this code ran",))

    path = tmp_path / "evil.npz"
    np.savez(path, meta=np.array([Boom()], dtype=object))
    with pytest.raises(ValueError):
        mf.load(path)
    other = tmp_path / "other.npz"
    np.savez(other, x=np.arange(3.0))
    with pytest.raises(ValueError, match="not a munflow results file"):
        mf.load(other)


def test_constants_pickle():
    """Found with the evidence work: mf.constant is a Distribution whose node
    is a constant, and unpickling it failed ("a distribution whose node is
    not a draw")."""
    for c in (mf.constant(50.0), mf.constant(7, name="launches")):
        back = pickle.loads(pickle.dumps(c))
        assert isinstance(back, mf.Distribution)
        assert back.mean() == c.mean() and back.name == c.name


@pytest.mark.parametrize("old", sorted(MOVED))
def test_a_pickle_naming_a_module_path_of_before_the_subpackages_loads(old):
    # A pickle names a class, or the function that rebuilds an object, by
    # module path: one made when the package was flat says, for instance,
    # `munflow.sensitivity_results.SobolIndices` (protocol 2 spells it
    # "c<module>\n<name>\n").
    module = MOVED[old]
    defined = [v for v in vars(module).values() if callable(v) and v.__module__ == module.__name__]
    assert defined, module.__name__
    for obj in defined:
        blob = pickle.dumps(obj, protocol=2)
        then = blob.replace(f"c{module.__name__}\n".encode(), f"cmunflow.{old}\n".encode())
        assert then != blob
        assert pickle.loads(then) is obj
