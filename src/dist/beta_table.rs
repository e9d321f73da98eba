//! Beta draws for shapes >= 1 by rejection from a tabled hat: the sampler
//! for a fixed beta (a share, a dud rate, a PERT) drawn millions of times.
//!
//! For shapes >= 1 the density is bounded and unimodal, so on any interval
//! it lies between its values at the two ends (and below the mode's value
//! if the interval holds the mode). The table cuts the bulk of the support,
//! the mode +/- 6 sd, into [`CELLS`] equal cells, each with a hat (the
//! larger end value, or the mode's) and a squeeze (the smaller), plus a cell
//! for each remaining end of [0, 1] with a flat hat and no squeeze. A draw
//! picks a cell in proportion to its hat's area (Walker's alias method), a
//! point in it and a height under the hat: below the squeeze it is accepted
//! at once (~99% of draws), else the density decides. Exact rejection
//! sampling, with three uniforms and no logarithm most of the time, where two
//! Marsaglia–Tsang gammas need two normals and two uniforms.

use super::primitives::{uniform01, AliasTable};
use rand::Rng;

/// Cells across the bulk of the density.
const CELLS: usize = 512;
/// The bulk: the mode plus and minus this many standard deviations.
const SPAN_SD: f64 = 6.0;
/// The narrowest density tabled.
const MIN_SD: f64 = 1e-6;
/// Hats are raised, and squeezes lowered, by this relative margin, far more
/// than the rounding of the density's logarithms.
const MARGIN: f64 = 1e-9;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Cell {
    start: f64,
    width: f64,
    hat: f64,
    squeeze: f64,
}

/// The hat table of beta(alpha, beta), alpha and beta >= 1.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BetaTable {
    pick: AliasTable,
    cells: Vec<Cell>,
    shape: Shape,
}

/// The density relative to its value at the mode m:
/// g(x) = (x / m)^(alpha - 1) ((1 - x) / (1 - m))^(beta - 1), at most 1.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Shape {
    a1: f64,
    b1: f64,
    mode: f64,
}

impl Shape {
    #[inline]
    fn relative_density(&self, x: f64) -> f64 {
        // A shape of exactly 1 contributes nothing (and no 0 * ln 0).
        let left = if self.a1 > 0.0 {
            self.a1 * (x / self.mode).ln()
        } else {
            0.0
        };
        let right = if self.b1 > 0.0 {
            self.b1 * ((1.0 - x) / (1.0 - self.mode)).ln()
        } else {
            0.0
        };
        (left + right).exp()
    }
}

impl BetaTable {
    /// The table, or None for shapes below 1 (unbounded density), not
    /// finite, or so large that the density is a spike narrower than 1e-6.
    pub(crate) fn new(alpha: f64, beta: f64) -> Option<Self> {
        let shapes_ok =
            (1.0..f64::INFINITY).contains(&alpha) && (1.0..f64::INFINITY).contains(&beta);
        if !shapes_ok {
            return None;
        }
        let (a1, b1) = (alpha - 1.0, beta - 1.0);
        let mode = if a1 + b1 > 0.0 { a1 / (a1 + b1) } else { 0.5 };
        let shape = Shape { a1, b1, mode };
        let s = alpha + beta;
        let sd = (alpha / s) * (beta / s) / (s + 1.0);
        let sd = sd.sqrt();
        // Cells must stay resolvable in f64 (12 sd / 512 well above an ulp
        // of 1): for a spike sharper than this, the gammas are exact anyway.
        if sd.is_nan() || sd < MIN_SD {
            return None;
        }
        let lo = (mode - SPAN_SD * sd).max(0.0);
        let hi = (mode + SPAN_SD * sd).min(1.0);

        let g = |x: f64| shape.relative_density(x);
        let mut cells = Vec::with_capacity(CELLS + 2);
        if lo > 0.0 {
            // The density rises all the way to lo <= mode: g(lo) covers [0, lo].
            cells.push(Cell {
                start: 0.0,
                width: lo,
                hat: g(lo) * (1.0 + MARGIN),
                squeeze: 0.0,
            });
        }
        let width = (hi - lo) / CELLS as f64;
        for i in 0..CELLS {
            let start = lo + width * i as f64;
            let end = if i + 1 == CELLS { hi } else { start + width };
            let (g0, g1) = (g(start), g(end));
            let top = if start <= mode && mode <= end {
                1.0
            } else {
                g0.max(g1)
            };
            cells.push(Cell {
                start,
                width: end - start,
                hat: top * (1.0 + MARGIN),
                squeeze: g0.min(g1) * (1.0 - MARGIN),
            });
        }
        if hi < 1.0 {
            cells.push(Cell {
                start: hi,
                width: 1.0 - hi,
                hat: g(hi) * (1.0 + MARGIN),
                squeeze: 0.0,
            });
        }
        let areas: Vec<f64> = cells.iter().map(|c| c.hat * c.width).collect();
        let total: f64 = areas.iter().sum();
        if total.is_nan() || total <= 0.0 || areas.iter().any(|a| !a.is_finite()) {
            return None;
        }
        let probs: Vec<f64> = areas.iter().map(|a| a / total).collect();
        Some(BetaTable {
            pick: AliasTable::new(&probs),
            cells,
            shape,
        })
    }

    #[inline]
    pub(crate) fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        loop {
            let cell = &self.cells[self.pick.sample(rng)];
            let x = cell.start + cell.width * uniform01(rng);
            let y = cell.hat * uniform01(rng);
            if y <= cell.squeeze || y <= self.shape.relative_density(x) {
                return x;
            }
        }
    }

    /// The share of the hat's area under the squeeze: draws accepted with
    /// no logarithm (per attempt).
    #[cfg(test)]
    fn squeeze_share(&self) -> f64 {
        let area = |f: fn(&Cell) -> f64| self.cells.iter().map(|c| f(c) * c.width).sum::<f64>();
        area(|c| c.squeeze) / area(|c| c.hat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hats_cover_the_density_and_squeezes_stay_under_it() {
        for (a, b) in [
            (2.0, 8.0),
            (6.0, 4.0),
            (1.0, 1.0),
            (1.0, 3.0),
            (5.0, 1.0),
            (26.0, 26.0),
            (1e6, 2e6),
        ] {
            let table = BetaTable::new(a, b).unwrap();
            for cell in &table.cells {
                for k in 0..=64 {
                    let x = cell.start + cell.width * k as f64 / 64.0;
                    let g = table.shape.relative_density(x);
                    assert!(
                        g <= cell.hat,
                        "beta({a}, {b}) at {x}: {g} > hat {}",
                        cell.hat
                    );
                    assert!(g >= cell.squeeze, "beta({a}, {b}) at {x}: {g} < squeeze");
                }
            }
            // Almost every attempt is settled by the squeeze.
            assert!(
                table.squeeze_share() > 0.97,
                "beta({a}, {b}): {}",
                table.squeeze_share()
            );
        }
    }

    #[test]
    fn shapes_below_one_or_huge_are_not_tabled() {
        assert!(BetaTable::new(0.5, 2.0).is_none());
        assert!(BetaTable::new(2.0, 0.99).is_none());
        assert!(BetaTable::new(1e300, 1e300).is_none());
        assert!(BetaTable::new(1e14, 1e14).is_none());
        assert!(BetaTable::new(1.0, f64::INFINITY).is_none());
    }
}
