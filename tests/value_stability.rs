//! Draws pinned at fixed seeds, a few per family, as rand_distr does: a change
//! to a sampler, to the stream derivation or to the engine's chunking shows
//! here as a failing test, so it is a decision, never an accident (results at
//! a seed are what analysts cite). To re-pin after a deliberate change, run
//! `MUNFLOW_PRINT_PINS=1 cargo test --release --test value_stability -- --nocapture`
//! and paste the printed table.

use munflow::dist::{build, Categorical, Dist, Mixture, Truncated};
use munflow::engine::{run, RunOptions};
use munflow::expr::{Family, Node};

/// The first draws of `node` under seed 2024 (as bit patterns: exact).
fn draws(node: Node) -> Vec<u64> {
    let res = run(&[("x".into(), node)], &RunOptions::new(4, 2024)).unwrap();
    res.column("x")
        .unwrap()
        .iter()
        .map(|v| v.to_bits())
        .collect()
}

fn fixed(name: &str, params: &[f64]) -> Node {
    Node::draw(build(name, params).unwrap())
}

fn cases() -> Vec<(&'static str, Node)> {
    let truncated: Dist = Truncated::new(build("normal", &[0.0, 1.0]).unwrap(), 0.5, 2.0)
        .unwrap()
        .into();
    let mixture: Dist = Mixture::new(
        vec![
            build("normal", &[0.0, 1.0]).unwrap(),
            build("gamma", &[2.0, 3.0]).unwrap(),
        ],
        &[0.3, 0.7],
    )
    .unwrap()
    .into();
    let categorical: Dist = Categorical::new(&[1.0, 5.0, 9.0], &[0.2, 0.5, 0.3])
        .unwrap()
        .into();
    let rate = fixed("beta", &[2.0, 8.0]).named("rate");
    let count = fixed("poisson", &[5000.0]).named("count");
    vec![
        ("uniform", fixed("uniform", &[2.0, 5.0])),
        ("normal", fixed("normal", &[10.0, 2.0])),
        ("lognormal", fixed("lognormal", &[1.0, 0.5])),
        ("lognormal_ci", fixed("lognormal_ci", &[6000.0, 8000.0])),
        ("beta", fixed("beta", &[2.0, 8.0])),
        ("beta small shapes", fixed("beta", &[0.3, 0.7])),
        ("pert", fixed("pert", &[300.0, 430.0, 500.0])),
        ("triangular", fixed("triangular", &[1.0, 2.0, 4.0])),
        ("gamma", fixed("gamma", &[3.0, 2.0])),
        ("gamma small shape", fixed("gamma", &[0.4, 1.0])),
        ("poisson", fixed("poisson", &[50.0])),
        ("poisson large", fixed("poisson", &[1e6])),
        ("binomial", fixed("binomial", &[70_000.0, 0.83])),
        ("binomial small", fixed("binomial", &[20.0, 0.3])),
        (
            "negative_binomial",
            fixed("negative_binomial", &[19.0, 0.6]),
        ),
        ("categorical", Node::draw(categorical)),
        ("truncated", Node::draw(truncated)),
        ("mixture", Node::draw(mixture)),
        (
            "binomial thinning",
            Node::compound(
                Family::Binomial,
                vec![count, Node::constant(1.0).sub(&rate)],
            )
            .unwrap(),
        ),
    ]
}

const PINNED: &[(&str, [u64; 4])] = &[
    (
        "uniform",
        [
            0x400d29225468751a,
            0x40036ec8b20a1430,
            0x400718362260af16,
            0x400088ce09858976,
        ],
    ),
    (
        "normal",
        [
            0x4020470b24d877a0,
            0x4022fdc7e7697fe9,
            0x4027185d014f3d95,
            0x4024d3939395d33f,
        ],
    ),
    (
        "lognormal",
        [
            0x40209aa65783dcb7,
            0x40026699110c40d2,
            0x4011fbe3999d009e,
            0x400c099064bb8542,
        ],
    ),
    (
        "lognormal_ci",
        [
            0x40bbbed96a78df57,
            0x40bd4277d21ef5ea,
            0x40bb9b8716a7f638,
            0x40bf17ceebb0167d,
        ],
    ),
    (
        "beta",
        [
            0x3fca95e140bed3e5,
            0x3fd04aa1fdb1f4f4,
            0x3fdb01db51e2bcaf,
            0x3fd480274f79f97a,
        ],
    ),
    (
        "beta small shapes",
        [
            0x3f51f69f8e17627e,
            0x3fa3c4e9024cd2aa,
            0x3f8177cd935c2383,
            0x3f953b2343d43e60,
        ],
    ),
    (
        "pert",
        [
            0x4079d50f0bcdbf43,
            0x407b496b7a1de67e,
            0x407d7f605bcef735,
            0x40797925dc1e7951,
        ],
    ),
    (
        "triangular",
        [
            0x40082ce449e1f11a,
            0x400699c2b21f2f01,
            0x3ff8e173872f539d,
            0x3ff75b4890b88679,
        ],
    ),
    (
        "gamma",
        [
            0x4004a590b500552c,
            0x3fe39bccca2cebbe,
            0x402207521646b7ee,
            0x401093d928f74a47,
        ],
    ),
    (
        "gamma small shape",
        [
            0x3fc67d3b81e909f7,
            0x3ff9b84fa3eea400,
            0x3f7f94f303fd840a,
            0x3fe31909dcd8bc09,
        ],
    ),
    (
        "poisson",
        [
            0x404d800000000000,
            0x4042800000000000,
            0x4045000000000000,
            0x4041000000000000,
        ],
    ),
    (
        "poisson large",
        [
            0x412e874000000000,
            0x412e84c200000000,
            0x412e827c00000000,
            0x412e7dd400000000,
        ],
    ),
    (
        "binomial",
        [
            0x40ec68e000000000,
            0x40ec592000000000,
            0x40ec4dc000000000,
            0x40ec68c000000000,
        ],
    ),
    (
        "binomial small",
        [
            0x4020000000000000,
            0x4008000000000000,
            0x4014000000000000,
            0x4014000000000000,
        ],
    ),
    (
        "negative_binomial",
        [
            0x401c000000000000,
            0x4022000000000000,
            0x4035000000000000,
            0x402e000000000000,
        ],
    ),
    (
        "categorical",
        [
            0x4014000000000000,
            0x4014000000000000,
            0x3ff0000000000000,
            0x4022000000000000,
        ],
    ),
    (
        "truncated",
        [
            0x3fe3ce8eb7fe465b,
            0x3fe5590d844d5ef6,
            0x3fe567b44a04e3ca,
            0x3fe931a39e9741b6,
        ],
    ),
    (
        "mixture",
        [
            0x402610036f03052e,
            0xbfc229928d41c1d7,
            0x3f9dc4f6f8b767b7,
            0x3fdab724fa1c1101,
        ],
    ),
    (
        "binomial thinning",
        [
            0x40b0ea0000000000,
            0x40aee40000000000,
            0x40ae440000000000,
            0x40b0570000000000,
        ],
    ),
];

#[test]
fn draws_at_a_seed_do_not_change_unnoticed() {
    let print = std::env::var_os("MUNFLOW_PRINT_PINS").is_some();
    let mut failures = Vec::new();
    for (name, node) in cases() {
        let got = draws(node);
        if print {
            let hex: Vec<String> = got.iter().map(|b| format!("0x{b:016x}")).collect();
            println!("    (\"{name}\", [{}]),", hex.join(", "));
        }
        match PINNED.iter().find(|(n, _)| *n == name) {
            Some((_, want)) if want[..] == got[..] => {}
            Some((_, want)) => failures.push(format!(
                "{name}: pinned {:?}, now {:?}",
                want.map(f64::from_bits),
                got.iter().map(|&b| f64::from_bits(b)).collect::<Vec<_>>()
            )),
            None => failures.push(format!("{name}: not pinned")),
        }
    }
    assert!(
        failures.is_empty(),
        "draws changed:\n{}",
        failures.join("\n")
    );
}
