"""A bad distribution parameter raises mf.ParameterError, a ValueError that
carries the family, the parameter, what it must be and the value given."""

import pickle

import pytest

import munflow as mf


@pytest.mark.parametrize(
    ("make", "family", "param", "requirement", "value"),
    [
        (lambda: mf.beta(-1, 2), "beta", "alpha", "> 0", -1.0),
        (lambda: mf.normal(0, -2), "normal", "sd", "> 0", -2.0),
        (lambda: mf.poisson(-3), "poisson", "rate", ">= 0", -3.0),
    ],
)
def test_a_bad_parameter_names_itself(make, family, param, requirement, value):
    with pytest.raises(mf.ParameterError) as caught:
        make()
    e = caught.value
    assert isinstance(e, ValueError)
    assert (e.family, e.param, e.requirement, e.value) == (family, param, requirement, value)
    assert str(e) == f"{family}: {param} must be {requirement}, got {value:g}"


def test_other_bad_arguments_stay_plain_value_errors():
    with pytest.raises(ValueError) as caught:
        mf.run({"x": mf.normal(0, 1)}, n=0)
    assert not isinstance(caught.value, mf.ParameterError)


def test_the_class_is_exported_and_pickles():
    assert "ParameterError" in mf.__all__
    assert issubclass(mf.ParameterError, ValueError)
    again = pickle.loads(pickle.dumps(mf.ParameterError("beta: alpha must be > 0, got -1")))
    assert isinstance(again, mf.ParameterError)
