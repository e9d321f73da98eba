//! Sensitivity analysis through the public API, against analytic indices.

use munflow::dist::{Normal, Uniform};
use munflow::expr::{Family, Node, UnaryOp};
use munflow::sensitivity::{
    sobol, tornado, Sampling, SobolOptions, TornadoOptions, INTRINSIC_NOISE,
};
use std::f64::consts::PI;

fn uniform(name: &str, lo: f64, hi: f64) -> Node {
    Node::draw(Uniform::new(lo, hi).unwrap().into()).named(name)
}

fn normal(mean: f64, sd: f64) -> Node {
    Node::draw(Normal::new(mean, sd).unwrap().into())
}

/// Ishigami: sin x1 + a sin^2 x2 + b x3^4 sin x1, a = 7, b = 0.1.
fn ishigami() -> Vec<(String, Node)> {
    let (x1, x2, x3) = (
        uniform("x1", -PI, PI),
        uniform("x2", -PI, PI),
        uniform("x3", -PI, PI),
    );
    let s1 = x1.unary(UnaryOp::Sin);
    let s2 = x2.unary(UnaryOp::Sin);
    let y = s1.add(&Node::constant(7.0).mul(&s2.mul(&s2))).add(
        &Node::constant(0.1)
            .mul(&x3.pow(&Node::constant(4.0)))
            .mul(&s1),
    );
    vec![("y".into(), y)]
}

/// Analytic first- and total-order indices of Ishigami(7, 0.1).
fn ishigami_truth() -> ([f64; 3], [f64; 3]) {
    let (a, b) = (7.0f64, 0.1f64);
    let v1 = 0.5 * (1.0 + b * PI.powi(4) / 5.0).powi(2);
    let v2 = a * a / 8.0;
    let v13 = b * b * PI.powi(8) * (1.0 / 18.0 - 1.0 / 50.0);
    let v = v1 + v2 + v13;
    ([v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v])
}

#[test]
fn ishigami_indices_match_the_analytic_values() {
    let (s1, st) = ishigami_truth();
    for sampling in [Sampling::Sobol, Sampling::MonteCarlo] {
        let mut opts = SobolOptions::new(1 << 14, 11);
        opts.sampling = sampling;
        if sampling == Sampling::MonteCarlo {
            opts.n = 1 << 16;
        }
        let res = sobol(&ishigami(), "y", &opts).unwrap();
        assert_eq!(res.names, vec!["x1", "x2", "x3"]);
        for i in 0..3 {
            assert!(
                (res.s1[i] - s1[i]).abs() < 0.02,
                "{sampling:?} S1 {:?} vs {s1:?}",
                res.s1
            );
            assert!(
                (res.st[i] - st[i]).abs() < 0.02,
                "{sampling:?} ST {:?} vs {st:?}",
                res.st
            );
            assert!(res.s1_conf[i] > 0.0 && res.st_conf[i] > 0.0);
        }
        assert_eq!(res.evaluations, opts.n * 5);
    }
}

#[test]
fn second_order_and_groups() {
    let (s1, st) = ishigami_truth();
    let mut opts = SobolOptions::new(1 << 14, 3);
    opts.second_order = true;
    let res = sobol(&ishigami(), "y", &opts).unwrap();
    // Only x1 and x3 interact: S2_13 = V13 / V = ST3.
    let s13 = res.s2.iter().find(|r| (r.0, r.1) == (0, 2)).unwrap().2;
    let s12 = res.s2.iter().find(|r| (r.0, r.1) == (0, 1)).unwrap().2;
    assert!((s13 - st[2]).abs() < 0.03, "S2_13 {s13}");
    assert!(s12.abs() < 0.03, "S2_12 {s12}");

    // The group {x1, x3}: closed first order = S1 + S3 + S13, total = ST1 + ST3 - S13.
    opts.second_order = false;
    opts.groups = Some(vec![("x1 and x3".into(), vec!["x1".into(), "x3".into()])]);
    let g = sobol(&ishigami(), "y", &opts).unwrap();
    assert_eq!(g.names, vec!["x1 and x3", "x2"]);
    assert!((g.s1[0] - (1.0 - s1[1])).abs() < 0.02, "{:?}", g.s1);
    assert!((g.st[0] - (1.0 - s1[1])).abs() < 0.02, "{:?}", g.st);
}

#[test]
fn linear_model_indices_are_variance_shares() {
    let sds = [1.0, 2.0, 3.0];
    let coefs = [3.0, 1.0, 0.5];
    let inputs: Vec<Node> = sds
        .iter()
        .enumerate()
        .map(|(i, &sd)| normal(10.0, sd).named(format!("x{i}")))
        .collect();
    let y = inputs
        .iter()
        .zip(coefs)
        .fold(Node::constant(0.0), |acc, (x, c)| {
            acc.add(&x.mul(&Node::constant(c)))
        });
    let total: f64 = sds.iter().zip(coefs).map(|(s, c)| (s * c).powi(2)).sum();
    let res = sobol(&[("y".into(), y)], "y", &SobolOptions::new(1 << 13, 5)).unwrap();
    for i in 0..3 {
        let share = (sds[i] * coefs[i]).powi(2) / total;
        assert!((res.s1[i] - share).abs() < 0.01, "{:?}", res.s1);
        assert!((res.st[i] - share).abs() < 0.01, "{:?}", res.st);
    }
}

#[test]
fn intrinsic_noise_gets_its_own_row() {
    // y = x + e, x ~ N(0, 1) named, e ~ N(0, 0.5) unnamed: noise share 0.25 / 1.25.
    let x = normal(0.0, 1.0).named("x");
    let y = x.add(&normal(0.0, 0.5));
    let res = sobol(&[("y".into(), y)], "y", &SobolOptions::new(1 << 14, 2)).unwrap();
    assert_eq!(res.names, vec!["x", INTRINSIC_NOISE]);
    for (got, want) in [
        (res.s1[0], 0.8),
        (res.st[0], 0.8),
        (res.s1[1], 0.2),
        (res.st[1], 0.2),
    ] {
        assert!((got - want).abs() < 0.02, "{res:?}");
    }
}

#[test]
fn binomial_thinning_noise_has_its_analytic_share() {
    // y = binomial(100, p), p ~ U(0.2, 0.8): Var E[y|p] = 1e4 * 0.36 / 12 = 300,
    // E Var[y|p] = 100 * (E p - E p^2) = 100 * (0.5 - 0.28) = 22.
    let p = uniform("p", 0.2, 0.8);
    let y = Node::compound(Family::Binomial, vec![Node::constant(100.0), p]).unwrap();
    let res = sobol(&[("y".into(), y)], "y", &SobolOptions::new(1 << 15, 4)).unwrap();
    assert_eq!(res.names, vec!["p", INTRINSIC_NOISE]);
    let v = 322.0;
    assert!((res.s1[0] - 300.0 / v).abs() < 0.02, "{res:?}");
    assert!((res.st[1] - 22.0 / v).abs() < 0.01, "{res:?}");
}

#[test]
fn indices_do_not_depend_on_the_thread_count() {
    let p = uniform("p", 0.2, 0.8);
    let y = Node::compound(Family::Binomial, vec![Node::constant(100.0), p])
        .unwrap()
        .add(&ishigami()[0].1);
    let model = vec![("y".into(), y)];
    let run = |threads| {
        let mut opts = SobolOptions::new(10_000, 9);
        opts.threads = Some(threads);
        opts.second_order = true;
        sobol(&model, "y", &opts).unwrap()
    };
    assert_eq!(run(1), run(2));
    let t = |threads| {
        let mut opts = TornadoOptions::new(20_000, 9);
        opts.threads = Some(threads);
        tornado(&model, "y", &opts).unwrap()
    };
    assert_eq!(t(1), t(3));
}

#[test]
fn bad_requests_are_errors() {
    let model = ishigami();
    assert!(sobol(&model, "nope", &SobolOptions::new(1024, 1)).is_err());
    assert!(sobol(&model, "y", &SobolOptions::new(10, 1)).is_err());
    let mut opts = SobolOptions::new(1024, 1);
    opts.groups = Some(vec![("g".into(), vec!["x9".into()])]);
    assert!(sobol(&model, "y", &opts).is_err());
    let constant = vec![("c".into(), Node::constant(3.0).named("c"))];
    assert!(sobol(&constant, "c", &SobolOptions::new(1024, 1)).is_err());
    let mut t = TornadoOptions::new(1000, 1);
    t.inputs = Some(vec!["x1".into(), "x1".into()]);
    assert!(tornado(&model, "y", &t).is_err());
}
