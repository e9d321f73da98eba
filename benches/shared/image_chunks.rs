//! The chunks on which the benches time `image_count` against `count`: 34
//! counted of 20-80 units, with each of its chances fixed or varying by row.

use munflow::engine::CHUNK;
use munflow::evidence::Observation;
use munflow::expr::Node;

/// `image_count` of 34 and `count` of 34, their figures given by column.
pub fn observations() -> (Observation, Observation) {
    let any = Node::constant(1.0);
    let image = Observation::image_count(
        "i",
        34.0,
        any.clone(),
        any.clone(),
        any.clone(),
        any.clone(),
    )
    .unwrap();
    let count = Observation::count("c", 34.0, any.clone(), any).unwrap();
    (image, count)
}

/// A figure's row i: spread over [lo, hi] by a fixed stride (rows differ).
fn spread(lo: f64, hi: f64, stride: usize) -> Vec<f64> {
    (0..CHUNK)
        .map(|i| lo + (hi - lo) * ((i * stride) % 997) as f64 / 996.0)
        .collect()
}

/// Units cycling through lo..=hi.
fn units(lo: usize, hi: usize) -> Vec<f64> {
    (0..CHUNK)
        .map(|i| (lo + i % (hi - lo + 1)) as f64)
        .collect()
}

/// A regime of `image_count` by name, with its columns (units, p, false
/// positives, p_double).
pub type Regime = (&'static str, [Vec<f64>; 4]);

/// `count`'s columns (units, p) and each regime of `image_count`.
pub fn regimes() -> ([Vec<f64>; 2], Vec<Regime>) {
    let same = |x: f64| vec![x; CHUNK];
    let (all, more, fewer) = (units(20, 80), units(35, 80), units(20, 32));
    let (p, rate, twice) = (
        spread(0.6, 0.95, 389),
        spread(0.5, 4.0, 577),
        spread(0.01, 0.1, 211),
    );
    let (p_fixed, rate_fixed, twice_fixed) = (same(0.8), same(2.0), same(0.05));
    let uncertain = |units: &Vec<f64>| [units.clone(), p.clone(), rate.clone(), twice.clone()];
    let regimes = vec![
        (
            "constant_chances",
            [
                all.clone(),
                p_fixed.clone(),
                rate_fixed.clone(),
                twice_fixed.clone(),
            ],
        ),
        (
            "uncertain_rate",
            [
                all.clone(),
                p_fixed.clone(),
                rate.clone(),
                twice_fixed.clone(),
            ],
        ),
        (
            "uncertain_p",
            [all.clone(), p.clone(), rate_fixed.clone(), twice_fixed],
        ),
        (
            "uncertain_p_double",
            [all.clone(), p_fixed.clone(), rate_fixed, twice.clone()],
        ),
        ("all_uncertain", uncertain(&all)),
        ("all_uncertain_35_80_units", uncertain(&more)),
        ("all_uncertain_20_32_units", uncertain(&fewer)),
    ];
    ([all, p_fixed], regimes)
}
