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


# --- prior and posterior ------------------------------------------------------


@pytest.fixture(scope="module")
def rate_posterior():
    """One output, a weighted posterior far from its prior (prior median
    0.18, posterior 0.45): the draws are the prior's, only the weights move."""
    rate = mf.beta(2, 8, name="fail_rate")
    model = mf.Model({"fail_rate": rate}).observe(
        mf.evidence.count(25, n=50, p=rate, name="failures")
    )
    return model.run(5_000, seed=1)


@pytest.fixture(scope="module")
def containers_posterior():
    containers = mf.lognormal_ci(6000, 8000, name="containers")
    shells = containers * 48 * mf.uniform(0.9, 1.1, name="fill")
    model = mf.Model({"containers": containers, "shells": shells}).observe(
        mf.evidence.measured(containers, 7000, rel_error=0.15, name="minister")
    )
    return model.run(5_000, seed=1)


def drawn(ax, label: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(left edges, right edges, heights) of the histogram labelled `label`,
    read from its outline (a step-filled polygon)."""
    [patch] = [p for p in ax.patches if p.get_label() == label]
    xy = patch.get_xy()
    tops = [
        (a[0], b[0], a[1])
        for a, b in zip(xy, xy[1:], strict=False)
        if a[1] == b[1] and b[0] > a[0] and a[1] >= 0
    ]
    left, right, height = (np.array(v) for v in zip(*tops, strict=True))
    return left, right, height


def test_prior_posterior_draws_one_panel_per_output(containers_posterior):
    axes = plot.prior_posterior(containers_posterior)
    assert len(axes) == 2 and len(axes[0].figure.axes) == 2
    assert [ax.get_xlabel() for ax in axes] == ["containers", "shells"]
    assert "minister" in axes[0].figure._suptitle.get_text()
    for ax in axes:
        labels = tick_labels(ax.xaxis)
        assert 2 <= len(labels) <= 6
        assert all("e" not in t for t in labels) and any("," in t for t in labels)
        assert ax.xaxis.get_offset_text().get_text() == ""
        texts = [t.get_text() for t in ax.get_legend().get_texts()]
        assert texts[0].startswith("prior: median ") and texts[1].startswith("posterior: median")


def test_prior_posterior_legends_cover_neither_bars_nor_labels(containers_posterior):
    top, bottom = plot.prior_posterior(containers_posterior)
    top.figure.canvas.draw()
    for ax in (top, bottom):
        legend = ax.get_legend().get_window_extent()
        assert legend.y0 >= ax.bbox.y1 - 1  # above the axes: clear of every bar
    below_top = [top.xaxis.label, *top.xaxis.get_ticklabels()]
    legend = bottom.get_legend().get_window_extent()
    assert not any(legend.overlaps(t.get_window_extent()) for t in below_top if t.get_text())
    title = top.figure._suptitle.get_window_extent()
    assert not title.overlaps(top.get_legend().get_window_extent())


def test_prior_posterior_puts_the_mass_where_the_weights_do(rate_posterior):
    res = rate_posterior
    assert res.is_weighted
    draws = res.weighted_rows()
    x, w = draws["fail_rate"].to_numpy(), draws["weight"].to_numpy()
    weighted_mean, row_mean = float(np.dot(w, x)), float(np.mean(x))
    assert weighted_mean - row_mean > 0.2  # the same draws: only the weights tell them apart
    ax = plot.prior_posterior(res)
    for label, expected in (("posterior", weighted_mean), ("prior", row_mean)):
        left, right, height = drawn(ax, label)
        mass = height * (right - left)
        # A density of the whole distribution, drawn over its central 98%
        # (prior) or 99.9% (posterior).
        assert 0.975 <= mass.sum() <= 1.001
        assert np.dot(mass, (left + right) / 2) / mass.sum() == pytest.approx(expected, abs=0.01)
    left, right, height = drawn(ax, "posterior")
    assert 0.38 < (left + right)[np.argmax(height)] / 2 < 0.52  # the mode, not the prior's 0.125
    median = mf.formatting.readable(float(np.median(res.prior["fail_rate"])))
    assert ax.get_legend().get_texts()[0].get_text() == f"prior: median {median}"
    assert "failures" in ax.figure._suptitle.get_text()


def test_prior_posterior_of_a_count_has_whole_number_bins_and_ticks():
    rate = mf.beta(2, 8, name="fail_rate")
    failed = mf.binomial(40, rate, name="failed")
    model = mf.Model({"failed": failed}).observe(
        mf.evidence.count(25, n=50, p=rate, name="failures")
    )
    ax = plot.prior_posterior(model.run(5_000, seed=2))
    for label in ("prior", "posterior"):
        left, right, _ = drawn(ax, label)
        assert np.allclose(left % 1, 0.5) and np.allclose((right - left) % 1, 0)
    labels = tick_labels(ax.xaxis)
    assert labels and all(t.lstrip("-").isdigit() for t in labels)


def test_prior_posterior_on_given_axes_and_from_the_results(containers_posterior):
    fig, (a, b) = plt.subplots(1, 2)
    assert plot.prior_posterior(containers_posterior, ax=(a, b)) == [a, b]
    assert a.get_legend().get_title().get_text() == "given minister"
    ax = containers_posterior.plot_prior_posterior("shells", bins=20)
    assert ax.get_xlabel() == "shells" and len(drawn(ax, "prior")[0]) <= 21
    with pytest.raises(ValueError, match="one per output"):
        plot.prior_posterior(containers_posterior, ax=a)
    with pytest.raises(KeyError, match="no column named"):
        plot.prior_posterior(containers_posterior, ["tanks"])


def test_a_posterior_displays_as_a_posterior(rate_posterior):
    html = rate_posterior._repr_html_()
    assert "munflow posterior: n=5,000, seed=1, method=weighting, effective samples" in html
    assert "munflow results" not in html
    assert "given: failures (count: 25 of 50 trials" in html
    change = rate_posterior.prior_posterior()[("change", "median")].iloc[0]
    assert 1.4 < change < 1.6  # the median's change, shown as a percentage
    assert "prior and posterior" in html and f"+{change:.0%}" in html
    assert "e-0" not in html and "e+0" not in html


def test_what_it_rests_on_gives_two_sources_two_labels():
    """Two sources sharing their first 60 characters were one label twice."""
    import pandas as pd

    from munflow.sensitivity.provenance import RestsOn

    common = "June 2024 analysis of Russia's sabotage of UN sanctions on North Korea"
    table = RestsOn(
        {"share": [0.6, 0.2, 0.1, 0.1], "share_conf": [0.1] * 4, "inputs": ["a", "b", "c", "d"]},
        index=pd.Index(
            [common, common + " (per container); dud rate assumed", "analyst assumptions", common],
            name="origin",
        ),
    )
    labels = [t.get_text() for t in plot.rests_on(table).get_yticklabels()]
    assert len(set(labels)) == 4
    assert labels[2] == "analyst assumptions"
    assert labels[0].endswith("(1)") and labels[3].endswith("(2)")


def test_a_share_estimated_below_zero_is_within_noise():
    from munflow.report.page import _share

    assert _share(-0.012, 0.05) == "within noise"
    assert _share(0.31, 0.04) == "31% ± 4%"
