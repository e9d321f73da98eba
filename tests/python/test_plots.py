"""Plots a person can read: figures without offsets or scientific notation,
legends clear of the data, one bin per whole number for counts, one panel per
quantity (unit) for a scenario's ranges."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import munflow as mf  # noqa: E402
from munflow import plot  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def scenario_results():
    return mf.scenarios.load().run(n=20_000, seed=1)


def tick_labels(axis) -> list[str]:
    axis.figure.canvas.draw()
    return [t.get_text() for t in axis.get_ticklabels() if t.get_text()]


def test_hist_of_millions_shows_plain_figures(scenario_results):
    ax = plot.hist(scenario_results, "shell_152.functioning[defence_minister]")
    labels = tick_labels(ax.xaxis)
    assert labels and all("e" not in t for t in labels) and any("," in t for t in labels)
    assert ax.xaxis.get_offset_text().get_text() == ""
    legend = ax.get_legend()
    assert legend.get_bbox_to_anchor().y0 >= ax.bbox.y1 - 1  # above the axes
    assert "median 1," in legend.get_texts()[0].get_text()


def test_hist_of_a_rate_labels_the_median_by_magnitude(scenario_results):
    ax = plot.hist(scenario_results, "shell_152.dud_rate")
    median = float(np.median(scenario_results["shell_152.dud_rate"]))
    assert ax.get_legend().get_texts()[0].get_text() == f"median {mf.formatting.readable(median)}"
    assert "median 0" != ax.get_legend().get_texts()[0].get_text()


def test_hist_of_a_count_has_one_bin_per_whole_number(scenario_results):
    name = "ballistic_missile.reaching_target[defence_minister]"
    ax = plot.hist(scenario_results, name)
    bars = ax.containers[0]  # the histogram's bars (not the shaded interval)
    edges = sorted({patch.get_x() for patch in bars})
    widths = {round(patch.get_width(), 9) for patch in bars}
    assert widths == {1.0}
    assert all(edge % 1 == 0.5 for edge in edges)


def test_scenario_ranges_get_one_panel_per_quantity(scenario_results):
    axes = plot.ranges(scenario_results)
    titles = [ax.get_title(loc="left") for ax in axes]
    assert titles[:3] == ["containers", "delivered", "functioning"]
    delivered = axes[1]
    assert delivered.get_xscale() == "log"  # millions of shells beside ~50 missiles
    assert "shell_152 [defence_minister]" in tick_labels(delivered.yaxis)
    assert axes[0].get_xscale() == "linear"
    for ax in axes:
        assert all("e+" not in t and "^" not in t for t in tick_labels(ax.xaxis))
    one = plot.ranges(scenario_results, ["shell_152.delivered[voyages]"], log=False)
    assert one.get_xscale() == "linear"


def test_ranges_of_plain_results_are_one_panel():
    res = mf.run({"a": mf.normal(5, 1), "b": mf.normal(7, 1)}, n=1000, seed=1)
    ax = plot.ranges(res)
    assert tick_labels(ax.yaxis) == ["a", "b"]


def test_tornado_ticks_do_not_collide(scenario_results):
    table = scenario_results.scenario.tornado(
        "shell_152.functioning[defence_minister]", n=5000, seed=1
    )
    ax = table.plot()
    ax.figure.canvas.draw()
    boxes = [t.get_window_extent() for t in ax.xaxis.get_ticklabels() if t.get_text()]
    for left, right in zip(boxes, boxes[1:], strict=False):
        assert left.x1 < right.x0, "tick labels overlap"
    assert ax.get_legend().get_bbox_to_anchor().y0 >= ax.bbox.y1 - 1
