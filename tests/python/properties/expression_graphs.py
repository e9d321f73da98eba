"""Build random expression graphs and check that munflow answers each with
results or a clear error, never a panic, a hang or an unexplained failure:

- building it either works or raises ValueError/TypeError naming the problem;
- running it either gives finite columns, bit-identical on 1 and 2 threads,
  or raises ``ModelError`` naming the node that failed (one that is in the
  graph) and the sample;
- ``prob`` of an event built from its nodes matches the stored samples.

Graphs share nodes (a recipe step may reuse any earlier node), mix fixed
distributions with extreme parameters, arithmetic, functions, comparisons and
draws whose parameters are other nodes. Run by test_properties.py in a child
process under a watchdog; ``--examples N`` sets the number of graphs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import munflow as mf

SAMPLES = 300
EXTREMES = [0.0, -1.0, 1e-300, 1e-12, 0.5, 1.0, 3.0, 1e6, 1e15, 1e300, -1e300, 2.0**53]


def value() -> st.SearchStrategy[float]:
    return st.one_of(
        st.floats(-10, 10),
        st.floats(0, 1),
        st.sampled_from(EXTREMES),
        st.floats(allow_nan=False, allow_infinity=False),
    )


# Every family of the table, with the number of parameters it needs.
FIXED = {
    name: sum(default is None for _, default in params) for name, params in mf._core.families()
}
COMPOUND = ["binomial", "poisson", "negative_binomial", "beta", "gamma", "normal", "uniform"]
UNARY = ["exp", "log", "sqrt", "abs", "floor", "round", "sin", "cos", "neg"]
BINARY = ["+", "-", "*", "/", "**", "min", "max", ">", ">=", "<", "<=", "==", "!="]


@st.composite
def recipe(draw: st.DrawFn) -> list[tuple[Any, ...]]:
    """Steps building a graph; each step may read any earlier node."""
    steps: list[tuple[Any, ...]] = []
    for _ in range(draw(st.integers(1, 10))):
        known = len(steps)
        pick = st.integers(0, known - 1) if known else st.nothing()
        kinds = ["fixed", "const"] + (
            ["unary", "binary", "binary", "compound", "name"] if known else []
        )
        kind = draw(st.sampled_from(kinds))
        if kind == "fixed":
            family = draw(st.sampled_from(sorted(FIXED)))
            params = sorted(draw(value()) for _ in range(FIXED[family]))
            if draw(st.booleans()):  # unsorted too: invalid orders must be refused
                params.reverse()
            steps.append(("fixed", family, tuple(params)))
        elif kind == "const":
            steps.append(("const", draw(value())))
        elif kind == "unary":
            steps.append(("unary", draw(st.sampled_from(UNARY)), draw(pick)))
        elif kind == "binary":
            steps.append(("binary", draw(st.sampled_from(BINARY)), draw(pick), draw(pick)))
        elif kind == "compound":
            family = draw(st.sampled_from(COMPOUND))
            arity = {"poisson": 1}.get(family, 2)
            args = tuple(draw(pick | value()) for _ in range(arity))
            steps.append(("compound", family, args))
        else:
            steps.append(("name", draw(pick), draw(st.sampled_from(["a", "b", "c"]))))
    return steps


def build(steps: list[tuple[Any, ...]]) -> list[mf.Expr | float]:
    """The nodes of a recipe; raises ValueError/TypeError for invalid ones."""
    nodes: list[Any] = []
    for step in steps:
        kind = step[0]
        if kind == "fixed":
            nodes.append(getattr(mf, step[1])(*step[2]))
        elif kind == "const":
            nodes.append(mf.constant(step[1]))
        elif kind == "unary":
            x = nodes[step[2]]
            nodes.append(-x if step[1] == "neg" else getattr(mf, step[1])(x))
        elif kind == "binary":
            a, b = nodes[step[2]], nodes[step[3]]
            nodes.append(apply(step[1], a, b))
        elif kind == "compound":
            args = [nodes[a] if isinstance(a, int) else a for a in step[2]]
            nodes.append(getattr(mf, step[1])(*args))
        else:
            nodes.append(mf.named(nodes[step[1]], step[2]))
    return nodes


def apply(op: str, a: Any, b: Any) -> Any:
    if op == "min":
        return mf.minimum(a, b)
    if op == "max":
        return mf.maximum(a, b)
    return {
        "+": lambda: a + b,
        "-": lambda: a - b,
        "*": lambda: a * b,
        "/": lambda: a / b,
        "**": lambda: a**b,
        ">": lambda: a > b,
        ">=": lambda: a >= b,
        "<": lambda: a < b,
        "<=": lambda: a <= b,
        "==": lambda: a == b,
        "!=": lambda: a != b,
    }[op]()


class Checker:
    def __init__(self, log: Path) -> None:
        self.log = log.open("w")
        self.counts = {"ran": 0, "refused when built": 0, "model errors": 0, "name clashes": 0}

    def check(self, steps: list[tuple[Any, ...]]) -> None:
        self.log.write(repr(steps) + "\n")
        self.log.flush()
        try:
            nodes = build(steps)
        except (ValueError, TypeError) as e:
            assert not isinstance(e, mf.ModelError), e
            assert str(e), "an error without a message"
            self.counts["refused when built"] += 1
            return
        out = nodes[-1]
        if not isinstance(out, mf.Expr):
            return
        labels = {n.label for n in nodes if isinstance(n, mf.Expr)}
        try:
            one = mf.run({"out": out}, n=SAMPLES, seed=7, threads=1, progress=False)
        except mf.ModelError as e:
            self.counts["model errors"] += 1
            message = str(e)
            assert "\n" not in message, message
            assert f"node '{e.node}'" in message and f"(sample {e.row})" in message, message
            assert e.node in labels or any(e.node.startswith(lbl) for lbl in labels), (
                e.node,
                labels,
            )
            assert 0 <= e.row < SAMPLES and isinstance(e.sample, dict)
            return
        except ValueError as e:
            # Two different nodes given one name is the only refusal at run time.
            assert "named" in str(e) or "name" in str(e), e
            self.counts["name clashes"] += 1
            return
        self.counts["ran"] += 1
        values = one["out"]
        assert values.shape == (SAMPLES,) and np.isfinite(values).all()
        two = mf.run({"out": out}, n=SAMPLES, seed=7, threads=2, progress=False)
        np.testing.assert_array_equal(values, two["out"])
        event = out > float(np.median(values))
        assert one.prob(event) == np.mean(values > np.median(values))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--examples", type=int, default=1000)
    args = parser.parse_args()
    checker = Checker(args.log)
    count = [0]

    @settings(
        max_examples=args.examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(recipe())
    def search(steps: list[tuple[Any, ...]]) -> None:
        count[0] += 1
        checker.check(steps)

    search()
    print(f"{count[0]} random graphs: " + ", ".join(f"{v} {k}" for k, v in checker.counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
