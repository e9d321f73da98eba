"""Rate processes of timeline inputs (walk, trend, changepoint) against
independent truths: prior moments from their recursions, posteriors from a
Kalman filter and RTS smoother (the linear Gaussian models) and from exact
enumeration over the change patterns (the changepoint), all written here."""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
import pytest

import munflow as mf
from munflow.timeline import TimelineScenario

MONTHS = [f"2024-{m:02d}" for m in range(1, 13)]


def _logs(res: mf.Results, name: str = "log") -> np.ndarray:
    return np.asarray(res.series(name))


# -- prior ---------------------------------------------------------------


def test_the_log_of_a_walk_has_variance_var0_plus_k_step_variances() -> None:
    sigma, step, n = 0.4, 0.15, 40_000
    tl = mf.Timeline("2024-01", "2024-08")
    rate = tl.input("rate", mf.lognormal(1.0, sigma), sharing="walk", step_sd=step)
    logs = _logs(tl.model({"log": rate.map(mf.log)}).run(n, seed=4))
    want = sigma**2 + np.arange(len(tl)) * step**2
    # Each sample variance has an sd of about want * sqrt(2 / n).
    np.testing.assert_array_less(np.abs(logs.var(axis=0) - want), 4 * want * math.sqrt(2 / n))
    np.testing.assert_allclose(logs.mean(axis=0), 1.0, atol=4 * math.sqrt(want.max() / n))


def test_an_uncertain_step_sd_mixes_the_walks_variance_over_its_law() -> None:
    sigma, n = 0.3, 40_000
    step = mf.lognormal(math.log(0.1), 0.5)
    tl = mf.Timeline("2024-01", "2024-06")
    rate = tl.input("rate", mf.lognormal(0.0, sigma), sharing="walk", step_sd=step)
    logs = _logs(tl.model({"log": rate.map(mf.log)}).run(n, seed=8))
    # var = sigma² + k E[step²], E[step²] = exp(2 mu + 2 s²).
    want = sigma**2 + np.arange(len(tl)) * math.exp(2 * math.log(0.1) + 2 * 0.25)
    np.testing.assert_array_less(np.abs(logs.var(axis=0) - want), 5 * want * math.sqrt(2 / n))


def test_a_normal_walk_moves_the_value_and_a_trend_follows_its_recursion() -> None:
    level_sd, slope_sd, damping, n = 0.05, 0.1, 0.7, 40_000
    tl = mf.Timeline("2024-01", "2024-10")
    rate = tl.input(
        "rate",
        mf.normal(2.0, 0.5),
        sharing="trend",
        level_sd=level_sd,
        slope_sd=slope_sd,
        damping=damping,
    )
    values = _logs(tl.model({"log": rate}).run(n, seed=2))
    # The state's covariance P_t = F P F' + Q, F = [[1, 1], [0, damping]].
    F = np.array([[1.0, 1.0], [0.0, damping]])
    Q = np.diag([level_sd**2, slope_sd**2])
    P = np.diag([0.25, 0.0])
    want = []
    for t in range(len(tl)):
        if t:
            P = F @ P @ F.T + Q
        want.append(P[0, 0])
    want = np.array(want)
    np.testing.assert_array_less(np.abs(values.var(axis=0) - want), 4 * want * math.sqrt(2 / n))


def test_a_changepoint_keeps_its_rate_with_probability_one_minus_hazard_per_period() -> None:
    hazard, n = 0.25, 40_000
    tl = mf.Timeline("2024-01", "2024-06")
    rate = tl.input("rate", mf.pert(1, 2, 6), sharing="changepoint", hazard=hazard)
    values = _logs(tl.model({"rate": rate}).run(n, seed=6), "rate")
    same = (values == values[:, :1]).mean(axis=0)
    want = (1 - hazard) ** np.arange(len(tl))
    np.testing.assert_array_less(np.abs(same - want), 4 * np.sqrt(want * (1 - want) / n) + 1e-12)
    # Each period's law is the input's: its mean and sd in every period.
    law = mf.pert(1, 2, 6)
    np.testing.assert_allclose(values.mean(axis=0), law.mean(), atol=4 * law.sd() / math.sqrt(n))
    np.testing.assert_allclose(values.std(axis=0), law.sd(), rtol=0.03)


# -- posterior: walk and trend against a Kalman filter and RTS smoother ------


def kalman_smoother(
    m0: np.ndarray,
    P0: np.ndarray,
    F: np.ndarray,
    Q: np.ndarray,
    periods: int,
    observed: dict[int, tuple[float, float]],
) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and sd of the first state component at each period,
    given y_t = x_t[0] + N(0, sd²) at the periods of ``observed``."""
    H = np.zeros((1, len(m0)))
    H[0, 0] = 1.0
    means, covs, preds = [], [], []
    m, P = m0, P0
    for t in range(periods):
        if t:
            m, P = F @ m, F @ P @ F.T + Q
        preds.append((m, P))
        if t in observed:
            y, sd = observed[t]
            S = H @ P @ H.T + sd**2
            K = P @ H.T / S
            m = m + (K * (y - H @ m)).ravel()
            P = P - K @ H @ P
        means.append(m)
        covs.append(P)
    # Rauch-Tung-Striebel, backwards.
    sm, sP = means[-1], covs[-1]
    out_m, out_sd = [sm[0]], [math.sqrt(sP[0, 0])]
    for t in range(periods - 2, -1, -1):
        pm, pP = preds[t + 1]
        G = covs[t] @ F.T @ np.linalg.inv(pP)
        sm = means[t] + G @ (sm - pm)
        sP = covs[t] + G @ (sP - pP) @ G.T
        out_m.append(sm[0])
        out_sd.append(math.sqrt(sP[0, 0]))
    return np.array(out_m[::-1]), np.array(out_sd[::-1])


def _measured_logs(tl: mf.Timeline, log: mf.Series, observed: dict[int, tuple[float, float]]):
    return [
        mf.evidence.measured(log.at(tl.labels[t]), y, sd=sd, error="normal", name=f"log at {t}")
        for t, (y, sd) in observed.items()
    ]


def _check_against(res, want_mean: np.ndarray, want_sd: np.ndarray) -> None:
    table = res.summary(mcse=True)
    rows = [f"log[{p}]" for p in res.timeline.labels]
    mean, se = table.loc[rows, "mean"].to_numpy(), table.loc[rows, "mean_se"].to_numpy()
    assert np.all(np.abs(mean - want_mean) < 3.5 * se + 0.01 * want_sd), (mean, want_mean, se)
    # The sd's Monte Carlo error, from the effective sample size.
    sd = table.loc[rows, "sd"].to_numpy()
    sd_se = want_sd / math.sqrt(2 * min(res.ess, res.n))
    assert np.all(np.abs(sd - want_sd) < 4 * sd_se + 0.02 * want_sd), (sd, want_sd)


OBSERVED = {1: (0.4, 0.15), 3: (-0.1, 0.2), 4: (0.2, 0.1)}


@pytest.mark.parametrize("method", ["tempering", "auto"])
def test_a_walks_posterior_is_the_kalman_smoothers(method: str) -> None:
    sigma, step = 0.5, 0.2
    tl = mf.Timeline("2024-01", "2024-06")
    rate = tl.input("rate", mf.lognormal(0.0, sigma), sharing="walk", step_sd=step)
    log = rate.map(mf.log)
    model = tl.model({"log": log}).observe(*_measured_logs(tl, log, OBSERVED))
    res = model.run(6_000, seed=3, method=method)
    want = kalman_smoother(
        np.array([0.0]),
        np.array([[sigma**2]]),
        np.array([[1.0]]),
        np.array([[step**2]]),
        len(tl),
        OBSERVED,
    )
    _check_against(res, *want)


def test_a_trends_posterior_is_the_kalman_smoothers() -> None:
    sigma, level_sd, slope_sd, damping = 0.5, 0.05, 0.15, 0.8
    tl = mf.Timeline("2024-01", "2024-06")
    rate = tl.input(
        "rate",
        mf.lognormal(0.0, sigma),
        sharing="trend",
        level_sd=level_sd,
        slope_sd=slope_sd,
        damping=damping,
    )
    log = rate.map(mf.log)
    model = tl.model({"log": log}).observe(*_measured_logs(tl, log, OBSERVED))
    res = model.run(6_000, seed=5, method="tempering")
    want = kalman_smoother(
        np.array([0.0, 0.0]),
        np.diag([sigma**2, 0.0]),
        np.array([[1.0, 1.0], [0.0, damping]]),
        np.diag([level_sd**2, slope_sd**2]),
        len(tl),
        OBSERVED,
    )
    _check_against(res, *want)


# -- posterior: changepoint against enumeration over the change patterns -----


def changepoint_posterior(
    mu: float, s: float, hazard: float, ys: list[float], sd: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """Exact posterior mean and sd of the level in each period, and the
    probability of no change, for a normal(mu, s) level redrawn with
    probability ``hazard`` after each period and y_t = level_t + N(0, sd²)."""
    T = len(ys)
    total, first, second, none = 0.0, np.zeros(T), np.zeros(T), 0.0
    for switches in itertools.product([0, 1], repeat=T - 1):
        prior = math.prod(hazard if k else 1 - hazard for k in switches)
        starts = [0] + [t + 1 for t, k in enumerate(switches) if k] + [T]
        like, m1, m2 = prior, np.zeros(T), np.zeros(T)
        for a, b in itertools.pairwise(starts):
            y = np.array(ys[a:b])
            cov = s**2 * np.ones((b - a, b - a)) + sd**2 * np.eye(b - a)
            r = y - mu
            like *= math.exp(-0.5 * r @ np.linalg.solve(cov, r)) / math.sqrt(
                (2 * math.pi) ** (b - a) * np.linalg.det(cov)
            )
            precision = 1 / s**2 + (b - a) / sd**2
            mean = (mu / s**2 + y.sum() / sd**2) / precision
            m1[a:b], m2[a:b] = mean, mean**2 + 1 / precision
        total += like
        first += like * m1
        second += like * m2
        none += like if not any(switches) else 0.0
    mean = first / total
    return mean, np.sqrt(second / total - mean**2), none / total


def test_a_changepoints_posterior_is_the_enumeration_over_change_dates() -> None:
    mu, s, hazard, sd = 1.0, 1.0, 0.3, 0.4
    ys = [0.8, 1.1, 2.6, 2.4, 2.9]
    tl = mf.Timeline("2024-01", "2024-05")
    rate = tl.input("rate", mf.normal(mu, s), sharing="changepoint", hazard=hazard)
    said = [
        mf.evidence.measured(rate.items[t], y, sd=sd, error="normal", name=f"y{t}")
        for t, y in enumerate(ys)
    ]
    res = tl.model({"log": rate}).observe(*said).run(8_000, seed=2, method="tempering")
    want_mean, want_sd, want_none = changepoint_posterior(mu, s, hazard, ys, sd)
    _check_against(res, want_mean, want_sd)
    values = _logs(res)
    none = np.all(values == values[:, :1], axis=1).mean()
    assert abs(none - want_none) < 4 * math.sqrt(want_none * (1 - want_none) / res.ess) + 0.01


# -- keys, threads, bad input ---------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {"sharing": "walk", "step_sd": mf.lognormal_ci(0.05, 0.3)},
        {"sharing": "trend", "level_sd": 0.05, "slope_sd": 0.1},
        {"sharing": "changepoint", "hazard": 0.1},
    ],
)
def test_draws_are_keyed_by_date_and_the_same_on_any_thread_count(options) -> None:
    def series(end: str, threads: int) -> np.ndarray:
        tl = mf.Timeline("2024-01", end)
        rate = tl.input("rate", mf.lognormal_ci(2, 8), **options)
        return _logs(tl.model({"rate": rate}).run(2_000, seed=7, threads=threads), "rate")

    short = series("2024-04", 1)
    np.testing.assert_array_equal(short, series("2024-04", 2))
    np.testing.assert_array_equal(short, series("2024-09", 2)[:, :4])


def test_the_processes_of_before_are_bit_identical() -> None:
    # Pinned from the Python-built processes before they moved to Rust.
    tl = mf.Timeline("2024-01", "2024-04")
    law = mf.lognormal_ci(2, 8)
    rate = tl.input("rate", law, sharing="persistent", rho=0.6)
    centre = math.log(law.median())
    scale = math.log(law.ppf(0.8413447460685429)) - centre
    z = [mf.normal(0, 1, name=f"rate@{p}") for p in tl.labels]
    scores = [z[0]]
    for shock in z[1:]:
        scores.append(0.6 * scores[-1] + math.sqrt(1 - 0.36) * shock)
    by_hand = [mf.exp(centre + scale * s) for s in scores]
    # Two models on one seed: a named draw's stream is keyed by its name.
    built = mf.Model({f"p{i}": x for i, x in enumerate(rate.items)}).run(1_000, seed=1)
    hand = mf.Model({f"p{i}": x for i, x in enumerate(by_hand)}).run(1_000, seed=1)
    for i in range(len(tl)):
        np.testing.assert_array_equal(built[f"p{i}"], hand[f"p{i}"])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"sharing": "walk"}, "rate: sharing 'walk' needs step_sd"),
        ({"sharing": "walk", "step_sd": 0.0}, "step_sd is an sd on the log scale and must be > 0"),
        ({"sharing": "walk", "step_sd": -0.1}, "must be > 0, got -0.1"),
        ({"sharing": "walk", "step_sd": mf.normal(0.1, 0.1)}, "step_sd is an sd"),
        (
            {"sharing": "trend", "level_sd": 0.1, "slope_sd": 0.1, "damping": 0.0},
            "damping is the share of the slope kept",
        ),
        ({"sharing": "trend", "level_sd": 0.1}, "needs level_sd and slope_sd"),
        ({"sharing": "changepoint", "hazard": 1.2}, "hazard is the probability"),
        ({"sharing": "changepoint"}, "needs hazard"),
        ({"sharing": "shared", "step_sd": 0.1}, "step_sd is for sharing 'walk'"),
        ({"sharing": "walk", "step_sd": 0.1, "rho": 0.5}, "rho is for sharing 'persistent'"),
    ],
)
def test_bad_process_parameters_name_the_parameter(options, message: str) -> None:
    tl = mf.Timeline("2024-01", "2024-05")
    with pytest.raises(ValueError, match=re.escape(message)):
        tl.input("rate", mf.lognormal_ci(2, 8), **options)


def test_a_walk_needs_a_normal_or_lognormal_law() -> None:
    tl = mf.Timeline("2024-01", "2024-05")
    with pytest.raises(ValueError, match="rate: sharing='walk' moves an uncertain rate"):
        tl.input("rate", 5.0, sharing="walk", step_sd=0.1)
    with pytest.raises(ValueError, match="rate: sharing 'walk' is a random walk .* got a beta"):
        tl.input("rate", mf.beta(2, 2), sharing="walk", step_sd=0.1)


FILE = """[timeline]
start = "2024-01"
end = "2024-08"

[channels.port]
voyages_per_period = { lognormal_ci = [4, 12] }
sharing = "walk"
step_sd = { lognormal_ci = [0.05, 0.3] }
containers_per_voyage = 10
"""


def test_a_timeline_file_takes_the_new_processes() -> None:
    s = TimelineScenario(FILE)
    res = s.run(1_000, seed=1)
    assert np.asarray(res.series("voyages")).shape == (1_000, 8)
    trend = FILE.replace(
        'sharing = "walk"\nstep_sd = { lognormal_ci = [0.05, 0.3] }',
        'sharing = "trend"\nlevel_sd = 0.05\nslope_sd = 0.1\ndamping = 0.8',
    )
    TimelineScenario(trend).run(500, seed=1)
    change = FILE.replace(
        'sharing = "walk"\nstep_sd = { lognormal_ci = [0.05, 0.3] }',
        'sharing = "changepoint"\nhazard = 0.1',
    )
    TimelineScenario(change).run(500, seed=1)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("step_sd = { lognormal_ci = [0.05, 0.3] }", ""),
            "7: channels.port.sharing: sharing 'walk' needs step_sd",
        ),
        (
            ("step_sd = { lognormal_ci = [0.05, 0.3] }", "step_sd = 0"),
            "8: channels.port.step_sd: step_sd is an sd",
        ),
        (
            ("step_sd = { lognormal_ci = [0.05, 0.3] }", "step_sd = -1"),
            "8: channels.port.step_sd: this quantity cannot be negative",
        ),
        (('"walk"', '"trend"'), "channels.port.step_sd: step_sd is for sharing 'walk'"),
        (
            ('"walk"\nstep_sd = { lognormal_ci = [0.05, 0.3] }', '"changepoint"\nhazard = 0'),
            "channels.port.hazard: hazard is the probability",
        ),
        (
            (
                '"walk"\nstep_sd = { lognormal_ci = [0.05, 0.3] }',
                '"trend"\nlevel_sd = 0.1\nslope_sd = 0.1\ndamping = 1.5',
            ),
            "10: channels.port.damping: damping is the share of the slope kept",
        ),
        (
            ("{ lognormal_ci = [4, 12] }", "{ pert = [4, 6, 12] }"),
            "6: channels.port.voyages_per_period: sharing 'walk' is a random walk",
        ),
        (
            ("{ lognormal_ci = [4, 12] }", "5"),
            '6: channels.port.voyages_per_period: sharing = "walk" moves',
        ),
    ],
)
def test_bad_process_fields_in_files_are_located(edit: tuple[str, str], message: str) -> None:
    with pytest.raises(mf.ScenarioError, match=re.escape(message)):
        TimelineScenario(FILE.replace(*edit), origin="t.toml")
