//! Behaviour of the engine through the public Rust API: determinism, stream
//! stability, errors, feeds and cancellation.

use munflow::dist::{Beta, Binomial, Dist, LogNormal, Normal, Pert, Poisson, Uniform};
use munflow::engine::{run, run_selected, RunOptions, CHUNK};
use munflow::expr::{Family, Node, UnaryOp};
use munflow::Error;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

fn draw(d: impl Into<Dist>) -> Node {
    Node::draw(d.into())
}

/// The reference model of the seed estimate, with named inputs.
fn shells_model() -> Vec<(String, Node)> {
    let containers =
        draw(LogNormal::from_interval(6000.0, 8000.0, 0.9).unwrap()).named("containers");
    let per_container = draw(Pert::new(300.0, 430.0, 500.0, 4.0).unwrap()).named("per_container");
    let dud_rate = draw(Beta::new(2.0, 8.0).unwrap()).named("dud_rate");
    let shells = containers.mul(&per_container).floor();
    let good = Node::compound(
        Family::Binomial,
        vec![shells.clone(), Node::constant(1.0).sub(&dud_rate)],
    )
    .unwrap();
    let missiles = draw(Poisson::new(50.0).unwrap());
    vec![
        ("shells".into(), shells),
        ("good_shells".into(), good),
        ("missiles".into(), missiles),
    ]
}

fn with_threads(n: usize, seed: u64, threads: usize) -> RunOptions {
    let mut opts = RunOptions::new(n, seed);
    opts.threads = Some(threads);
    opts
}

#[test]
fn a_seed_gives_bit_identical_columns_for_any_thread_count() {
    let model = shells_model();
    // Not a multiple of the chunk size, so the last chunk is partial.
    let n = 5 * CHUNK + 123;
    let reference = run(&model, &with_threads(n, 42, 1)).unwrap();
    for threads in [2, 3, 8] {
        let other = run(&model, &with_threads(n, 42, threads)).unwrap();
        for ((name, a), (_, b)) in reference.columns.iter().zip(&other.columns) {
            let same = a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits());
            assert!(same, "column {name} differs with {threads} threads");
        }
    }
    let other_seed = run(&model, &with_threads(n, 43, 2)).unwrap();
    assert_ne!(reference.column("shells"), other_seed.column("shells"));
}

#[test]
fn rebuilding_the_same_model_reproduces_the_draws() {
    let a = run(&shells_model(), &RunOptions::new(10_000, 5)).unwrap();
    let b = run(&shells_model(), &RunOptions::new(10_000, 5)).unwrap();
    assert_eq!(a.columns, b.columns);
}

#[test]
fn changing_one_named_input_leaves_the_others_draws_unchanged() {
    let build = |dud: (f64, f64)| {
        let containers =
            draw(LogNormal::from_interval(6000.0, 8000.0, 0.9).unwrap()).named("containers");
        let dud_rate = draw(Beta::new(dud.0, dud.1).unwrap()).named("dud_rate");
        vec![(
            "out".to_string(),
            containers.mul(&Node::constant(1.0).sub(&dud_rate)),
        )]
    };
    let a = run(&build((2.0, 8.0)), &RunOptions::new(20_000, 9)).unwrap();
    let b = run(&build((3.0, 5.0)), &RunOptions::new(20_000, 9)).unwrap();
    assert_eq!(a.column("containers"), b.column("containers"));
    assert_ne!(a.column("dud_rate"), b.column("dud_rate"));
}

#[test]
fn a_node_used_twice_is_the_same_draw() {
    let x = draw(Normal::new(0.0, 1.0).unwrap());
    let res = run(&[("zero".into(), x.sub(&x))], &RunOptions::new(10_000, 1)).unwrap();
    assert!(res.column("zero").unwrap().iter().all(|&v| v == 0.0));
}

#[test]
fn named_inputs_are_stored_unless_asked_not_to() {
    let res = run(&shells_model(), &RunOptions::new(1000, 1)).unwrap();
    assert_eq!(res.outputs, ["shells", "good_shells", "missiles"]);
    assert_eq!(res.inputs, ["containers", "per_container", "dud_rate"]);
    let lean = RunOptions {
        store_inputs: false,
        ..RunOptions::new(1000, 1)
    };
    let res = run(&shells_model(), &lean).unwrap();
    assert!(res.inputs.is_empty());
    assert_eq!(res.columns.len(), 3);
}

#[test]
fn the_first_non_finite_value_is_reported_with_its_node() {
    let z = draw(Normal::new(0.0, 1.0).unwrap()).named("z");
    let model = vec![(
        "bad".to_string(),
        z.unary(UnaryOp::Log).mul(&Node::constant(2.0)),
    )];
    match run(&model, &RunOptions::new(10_000, 1)) {
        Err(Error::NonFinite { node, value, .. }) => {
            assert_eq!(node.label(), "log(z)");
            assert!(value.is_nan());
        }
        other => panic!("expected NonFinite, got {other:?}"),
    }
    let mut allowed = RunOptions::new(10_000, 1);
    allowed.allow_nan = true;
    let res = run(&model, &allowed).unwrap();
    let nans = res
        .column("bad")
        .unwrap()
        .iter()
        .filter(|v| v.is_nan())
        .count();
    // About half the normals are negative.
    assert!((4000..6000).contains(&nans), "{nans}");
}

#[test]
fn a_failure_is_traced_back_to_the_input_that_drove_it() {
    let big = draw(Uniform::new(1e307, 1e308).unwrap()).named("big");
    let small = draw(Uniform::new(1.0, 2.0).unwrap()).named("small");
    let product = big.mul(&small).mul(&Node::constant(100.0));
    match run(&[("x".into(), product)], &RunOptions::new(100, 1)) {
        Err(Error::NonFinite {
            value, row, blame, ..
        }) => {
            assert!(value.is_infinite());
            assert_eq!(blame.names(), ["big"]);
            let sample: std::collections::HashMap<_, _> = blame.sample.into_iter().collect();
            assert!(sample["big"] > 1e307 && (1.0..2.0).contains(&sample["small"]));
            assert!(row < 100);
        }
        other => panic!("expected NonFinite, got {other:?}"),
    }
    // A draw given a bad parameter is traced along that parameter.
    let p = draw(Uniform::new(-1.0, 0.5).unwrap()).named("p");
    let n = draw(Uniform::new(10.0, 20.0).unwrap()).named("n").floor();
    let thinned = Node::compound(Family::Binomial, vec![n, p]).unwrap();
    match run(&[("t".into(), thinned)], &RunOptions::new(1000, 2)) {
        Err(e @ Error::InvalidDraw { .. }) => {
            let Error::InvalidDraw { ref blame, .. } = e else {
                unreachable!()
            };
            assert_eq!(blame.names(), ["p"], "{e}");
            assert!(e.to_string().contains("traced to p = -"), "{e}");
        }
        other => panic!("expected InvalidDraw, got {other:?}"),
    }
}

#[test]
fn an_invalid_parameter_from_another_node_names_the_draw_and_sample() {
    let n = draw(Normal::new(100.0, 10.0).unwrap()).named("delivered");
    let good = Node::compound(Family::Binomial, vec![n, Node::constant(0.5)])
        .unwrap()
        .named("good");
    match run(&[("good".into(), good)], &RunOptions::new(100, 1)) {
        Err(e @ Error::InvalidDraw { .. }) => {
            let msg = e.to_string();
            assert!(
                msg.contains("'good'") && msg.contains("binomial: n must be a whole number"),
                "{msg}"
            );
        }
        other => panic!("expected InvalidDraw, got {other:?}"),
    }
}

#[test]
fn fed_values_replace_draws_and_prune_their_arguments() {
    let rate = draw(Beta::new(2.0, 8.0).unwrap()).named("rate");
    let count = draw(Binomial::new(100.0, 0.5).unwrap()).named("count");
    let out = count.mul(&rate);
    let n = 2 * CHUNK + 7;
    let given: Arc<[f64]> = (0..n).map(|i| i as f64).collect::<Vec<_>>().into();
    let opts = RunOptions {
        feeds: vec![(count.clone(), given.clone())],
        ..RunOptions::new(n, 3)
    };
    let res = run(&[("out".into(), out)], &opts).unwrap();
    assert_eq!(res.column("count").unwrap(), &given[..]);
    let (o, r) = (res.column("out").unwrap(), res.column("rate").unwrap());
    assert!((0..n).all(|i| o[i] == i as f64 * r[i]));
}

#[test]
fn runs_that_cannot_fit_in_memory_fail_up_front() {
    let x = draw(Normal::new(0.0, 1.0).unwrap());
    match run(&[("x".into(), x)], &RunOptions::new(1 << 50, 1)) {
        Err(e @ Error::OutOfMemory { .. }) => {
            assert!(e.to_string().contains("9007199254740992 bytes"), "{e}");
        }
        other => panic!("expected OutOfMemory, got {other:?}"),
    }
}

#[test]
fn a_cancelled_run_stops_with_interrupted() {
    let mut opts = RunOptions::new(100 * CHUNK, 1);
    opts.cancel = Some(Arc::new(AtomicBool::new(true)));
    let err = run(&shells_model(), &opts).unwrap_err();
    assert_eq!(err, Error::Interrupted);
}

#[test]
fn bad_run_requests_are_errors_not_panics() {
    let x = draw(Normal::new(0.0, 1.0).unwrap()).named("x");
    let y = draw(Normal::new(1.0, 1.0).unwrap()).named("x");
    let both = x.add(&y);
    assert!(matches!(
        run(&[("s".into(), both)], &RunOptions::new(10, 1)),
        Err(Error::InvalidArgument(_))
    ));
    assert!(run(&[("x".into(), x.clone())], &RunOptions::new(0, 1)).is_err());
    assert!(run(&[], &RunOptions::new(10, 1)).is_err());
    let twice = vec![("a".to_string(), x.clone()), ("a".to_string(), x.clone())];
    assert!(run(&twice, &RunOptions::new(10, 1)).is_err());
    let other = draw(Normal::new(0.0, 1.0).unwrap());
    assert!(run(&[("x".into(), other.add(&x))], &RunOptions::new(10, 1)).is_err());
}

#[test]
fn an_extra_unstored_output_does_not_move_the_others() {
    let model = shells_model();
    let full = run(&model, &RunOptions::new(10_000, 11)).unwrap();
    let mut extended = model.clone();
    let event = model[0]
        .1
        .binary(munflow::expr::BinaryOp::Gt, &Node::constant(3e6));
    extended.push(("event".into(), event));
    let mut store = vec![false; extended.len()];
    store[3] = true;
    let only_event = run_selected(&extended, &store, &RunOptions::new(10_000, 11)).unwrap();
    let shells = full.column("shells").unwrap();
    let event = only_event.column("event").unwrap();
    assert!(shells
        .iter()
        .zip(event)
        .all(|(&s, &e)| (s > 3e6) == (e == 1.0)));
}
