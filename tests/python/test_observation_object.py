"""An observation is one frozen ``_core.Observation``, built and checked
once when made and read as it is by runs; pickled by its figures; and its
kind is spelled the same in Python, in the Rust core and in scenario files."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import munflow as mf
from munflow import _core

SMALL = """
[munitions.shell_152]
category = "shell"
per_container = 430
[mix]
fixed = { shell_152 = 1, other = 0 }
[channels.reported.minister]
containers = { lognormal = [8.8, 0.4] }
"""


def every_kind() -> dict[str, mf.evidence.Observation]:
    rate = mf.beta(2, 8, name="rate")
    arrived = mf.poisson(mf.gamma(4, 2.5, name="mean") * 30, name="arrived")
    size = mf.lognormal_ci(4000, 12000, name="size")
    return {
        "count": mf.evidence.count(3, n=10, p=rate),
        "poisson": mf.evidence.poisson(70, rate=arrived),
        "measured": mf.evidence.measured(size, 7000, rel_error=0.15, level=0.8),
        "at_least": mf.evidence.at_least(arrived, 40),
        "at_most": mf.evidence.at_most(arrived, 90),
        "between": mf.evidence.between(arrived, 40, 90),
        "log_likelihood": mf.evidence.log_likelihood(-((size - 7000) ** 2) / 1e8),
    }


def test_an_observation_is_the_frozen_core_object_with_no_spec_to_parse_again():
    for obs in every_kind().values():
        assert type(obs) is _core.Observation is mf.evidence.Observation
        assert not hasattr(obs, "__dict__") and not hasattr(obs, "_spec")
        with pytest.raises(AttributeError):
            obs.name = "renamed"  # type: ignore[misc]


def test_runs_read_the_observation_given_not_a_description_of_it():
    # A list of descriptions (the old (kind, name, nodes, figures) tuples)
    # is refused: runs take the checked object itself.
    rate = mf.beta(2, 8, name="rate")
    spec = ("count", "failures", [mf.constant(10), rate], {"k": 3})
    with pytest.raises(TypeError, match="munflow.evidence.Observation, got tuple"):
        _core._run_posterior([("rate", rate)], [spec], 100, 1)


def test_each_kind_is_spelled_as_the_function_that_makes_it():
    for kind, obs in every_kind().items():
        assert obs.kind == kind
        again = mf.evidence.Observation(obs.kind, obs.name, obs.nodes, obs.figures)
        assert again.kind == kind and again.description == obs.description


@pytest.mark.parametrize(
    ("table", "kind"),
    [
        ('kind = "measured"\nquantity = "total.containers"\nvalue = 9000\nsd = 0.1', "measured"),
        ('kind = "at_least"\nquantity = "total.containers"\nvalue = 5000', "at_least"),
        ('kind = "at_most"\nquantity = "total.containers"\nvalue = 9000', "at_most"),
        ('kind = "between"\nquantity = "total.containers"\nlower = 1\nupper = 9e3', "between"),
        ('kind = "poisson"\nk = 3\nrate = 2.5', "poisson"),
        ('kind = "count"\nk = 3\nn = 10\np = 0.3', "count"),
    ],
)
def test_a_scenario_files_kind_is_the_observations_kind(table, kind):
    sc = mf.Scenario.from_toml(SMALL + "[evidence.said]\n" + table, origin="small.toml")
    assert [obs.kind for obs in sc.evidence] == [kind]


def test_the_old_bounds_spelling_of_saved_results_still_reads():
    # Results saved before kinds had one spelling call bounds "bounds".
    x = mf.normal(0, 1, name="x")
    old = mf.evidence.Observation("bounds", "x >= 1", (x,), {"lower": 1.0, "upper": None})
    assert old.kind == "at_least" and old.figures == {"value": 1.0}
    both = mf.evidence.Observation("bounds", "x in", (x,), {"lower": -1.0, "upper": 1.0})
    assert both.kind == "between"


def test_an_unknown_kind_lists_the_kinds():
    with pytest.raises(ValueError, match="kinds are count, poisson, measured, at_least"):
        mf.evidence.Observation("bounded", "x", (mf.normal(0, 1),), {})


def test_observations_pickle_to_the_same_observation():
    for obs in every_kind().values():
        back = pickle.loads(pickle.dumps(obs))
        assert type(back) is mf.evidence.Observation
        assert (back.kind, back.name, back.figures) == (obs.kind, obs.name, obs.figures)
        assert repr(back) == repr(obs)
        assert [n.label for n in back.nodes] == [n.label for n in obs.nodes]


def test_a_pickled_model_with_evidence_gives_the_same_posterior():
    rate = mf.beta(2, 8, name="rate")
    total = mf.poisson(rate * 100, name="hits")
    model = mf.Model({"rate": rate}).observe(
        mf.evidence.count(25, n=50, p=rate, name="failures"),
        mf.evidence.at_least(total, 20, name="at least 20 hits"),
    )
    back = pickle.loads(pickle.dumps(model))
    assert [o.kind for o in back.evidence] == ["count", "at_least"]
    a, b = model.run(4_000, seed=3), back.run(4_000, seed=3)
    assert np.array_equal(a["rate"], b["rate"])


def test_a_readable_name_stays_in_the_description_through_a_pickle():
    from munflow.node_labels import remember

    total = mf.poisson(5.0) + mf.poisson(6.0)
    remember(total, "cumulative arrivals at 2024-03")
    said = mf.evidence.at_least(total, 10, name="ten by March")
    assert "cumulative arrivals at 2024-03" in said.description
    assert pickle.loads(pickle.dumps(said)).description == said.description
