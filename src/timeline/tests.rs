use super::*;
use crate::dist::LogNormal;
use crate::engine::{run, RunOptions};

fn months(n: usize) -> Vec<String> {
    (1..=n).map(|m| format!("2024-{m:02}")).collect()
}

fn lognormal(mu: f64, sigma: f64) -> Node {
    Node::draw(LogNormal::new(mu, sigma).unwrap().into())
}

fn process(sharing: &str, p: Params) -> RateProcess {
    RateProcess::from_params(sharing, p).unwrap()
}

fn walk(step: f64) -> RateProcess {
    process(
        "walk",
        Params {
            step_sd: Some(Node::constant(step)),
            ..Params::default()
        },
    )
}

/// Each period's values over `n` samples.
fn sample(nodes: &[Node], n: usize, seed: u64, threads: Option<usize>) -> Vec<Vec<f64>> {
    let outputs: Vec<(String, Node)> = nodes
        .iter()
        .enumerate()
        .map(|(i, x)| (format!("p{i}"), x.clone()))
        .collect();
    let mut opts = RunOptions::new(n, seed);
    opts.ctx.threads = threads;
    let res = run(&outputs, &opts).unwrap();
    (0..nodes.len())
        .map(|i| res.column(&format!("p{i}")).unwrap().to_vec())
        .collect()
}

fn variance(x: &[f64]) -> f64 {
    let m = x.iter().sum::<f64>() / x.len() as f64;
    x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() - 1) as f64
}

#[test]
fn bad_parameters_name_their_field() {
    let sd = |x: f64| Some(Node::constant(x));
    for (sharing, p, field, want) in [
        ("walk", Params::default(), "sharing", "needs step_sd"),
        (
            "walk",
            Params {
                step_sd: sd(0.0),
                ..Params::default()
            },
            "step_sd",
            "must be > 0, got 0",
        ),
        (
            "walk",
            Params {
                step_sd: Some(Node::draw(Normal::new(0.1, 1.0).unwrap().into())),
                ..Params::default()
            },
            "step_sd",
            "can be negative",
        ),
        (
            "trend",
            Params {
                level_sd: sd(0.1),
                slope_sd: sd(0.1),
                damping: Some(1.5),
                ..Params::default()
            },
            "damping",
            "in (0, 1]",
        ),
        (
            "trend",
            Params {
                level_sd: sd(0.1),
                ..Params::default()
            },
            "sharing",
            "needs level_sd and slope_sd",
        ),
        (
            "changepoint",
            Params {
                hazard: Some(1.0),
                ..Params::default()
            },
            "hazard",
            "in (0, 1), got 1",
        ),
        (
            "walk",
            Params {
                step_sd: sd(0.1),
                hazard: Some(0.1),
                ..Params::default()
            },
            "hazard",
            "hazard is for sharing 'changepoint'",
        ),
        (
            "persistent",
            Params {
                rho: Some(1.0),
                ..Params::default()
            },
            "rho",
            "in (-1, 1), got 1",
        ),
        ("monthly", Params::default(), "sharing", "must be one of"),
    ] {
        let err = RateProcess::from_params(sharing, p).unwrap_err();
        assert_eq!(err.field, field, "{err}");
        assert!(err.message.contains(want), "{err}");
    }
    let beta = Node::draw(crate::dist::Beta::new(2.0, 2.0).unwrap().into());
    let err = walk(0.1).per_period("r", &beta, &months(3)).unwrap_err();
    assert_eq!(err.field, "law");
    assert!(err.message.contains("got a beta"), "{err}");
    // A changepoint redraws from any law.
    let ok = RateProcess::Changepoint { hazard: 0.2 };
    assert!(ok.per_period("r", &beta, &months(3)).is_ok());
}

#[test]
fn the_log_of_a_walk_has_variance_growing_by_the_step_variance() {
    let (sigma, step, n) = (0.3, 0.2, 40_000);
    let rate = walk(step)
        .per_period("r", &lognormal(1.0, sigma), &months(6))
        .unwrap();
    let draws = sample(&rate, n, 11, None);
    for (k, period) in draws.iter().enumerate() {
        let logs: Vec<f64> = period.iter().map(|x| x.ln()).collect();
        let want = sigma * sigma + k as f64 * step * step;
        // The sample variance's sd is about want * sqrt(2 / n).
        let tolerance = 4.0 * want * (2.0 / n as f64).sqrt();
        assert!(
            (variance(&logs) - want).abs() < tolerance,
            "period {k}: {} vs {want}",
            variance(&logs)
        );
    }
}

#[test]
fn a_trend_has_the_variance_of_its_linear_gaussian_recursion() {
    let (sigma, level_sd, slope_sd, damping, n) = (0.2, 0.05, 0.1, 0.8, 40_000);
    let trend = process(
        "trend",
        Params {
            level_sd: Some(Node::constant(level_sd)),
            slope_sd: Some(Node::constant(slope_sd)),
            damping: Some(damping),
            ..Params::default()
        },
    );
    let rate = trend
        .per_period("r", &lognormal(0.0, sigma), &months(8))
        .unwrap();
    let draws = sample(&rate, n, 5, None);
    // State (level, slope): covariance P_t = F P F' + Q.
    let (mut p_ll, mut p_ls, mut p_ss) = (sigma * sigma, 0.0, 0.0);
    for (t, period) in draws.iter().enumerate() {
        if t > 0 {
            let (ll, ls, ss) = (p_ll, p_ls, p_ss);
            p_ll = ll + 2.0 * ls + ss + level_sd * level_sd;
            p_ls = damping * (ls + ss);
            p_ss = damping * damping * ss + slope_sd * slope_sd;
        }
        let logs: Vec<f64> = period.iter().map(|x| x.ln()).collect();
        let tolerance = 4.0 * p_ll * (2.0 / n as f64).sqrt();
        assert!(
            (variance(&logs) - p_ll).abs() < tolerance,
            "period {t}: {} vs {p_ll}",
            variance(&logs)
        );
    }
}

#[test]
fn a_changepoint_keeps_its_level_with_probability_one_minus_the_hazard_each_period() {
    let (hazard, n) = (0.3, 40_000);
    let rate = RateProcess::Changepoint { hazard }
        .per_period("r", &lognormal(0.0, 1.0), &months(5))
        .unwrap();
    let draws = sample(&rate, n, 3, None);
    for k in 1..5 {
        let same = (0..n).filter(|&i| draws[k][i] == draws[0][i]).count() as f64 / n as f64;
        let want = (1.0 - hazard).powi(k as i32);
        let tolerance = 4.0 * (want * (1.0 - want) / n as f64).sqrt();
        assert!((same - want).abs() < tolerance, "{k}: {same} vs {want}");
        // Every period's law is the input's: the log is standard normal.
        let logs: Vec<f64> = draws[k].iter().map(|x| x.ln()).collect();
        assert!((variance(&logs) - 1.0).abs() < 0.05);
    }
}

#[test]
fn draws_are_keyed_by_date_and_do_not_depend_on_threads_or_the_horizon() {
    let law = lognormal(1.0, 0.4);
    let trend = process(
        "trend",
        Params {
            level_sd: Some(Node::constant(0.05)),
            slope_sd: Some(lognormal(-3.0, 0.5)),
            ..Params::default()
        },
    );
    for p in [
        walk(0.1),
        trend,
        RateProcess::Changepoint { hazard: 0.2 },
        RateProcess::Persistent { rho: 0.5 },
    ] {
        let short = p.per_period("r", &law, &months(4)).unwrap();
        let long = p.per_period("r", &law, &months(9)).unwrap();
        let a = sample(&short, 500, 9, Some(1));
        let b = sample(&long, 500, 9, Some(2));
        assert_eq!(a[..], b[..4], "{}", p.name());
    }
}
