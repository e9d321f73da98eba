//! Quantiles at normal scores for tempering: a grid per law brackets every
//! quantile, so a search inside the bracket replaces one over the support.

use super::{normal, quadrature, Dist, Quantile};
use statrs::function::gamma::ln_gamma;

/// The density of a continuous law with a grid, in logs: the slope of its
/// quantile function in score, dx/dz = φ(z) / f(x), which Hermite
/// interpolation between grid scores and Newton's steps on the cdf need.
#[derive(Debug, Clone, Copy)]
enum Density {
    /// Beta(a, b) on [low, low + width].
    Beta {
        a: f64,
        b: f64,
        low: f64,
        width: f64,
        ln_norm: f64,
    },
    Gamma {
        shape: f64,
        scale: f64,
        ln_norm: f64,
    },
}

impl Density {
    fn of(dist: &Dist) -> Option<Density> {
        let beta = |a: f64, b: f64, low: f64, width: f64| Density::Beta {
            a,
            b,
            low,
            width,
            ln_norm: ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) - width.ln(),
        };
        match dist {
            Dist::Beta(d) => Some(beta(d.alpha(), d.beta(), 0.0, 1.0)),
            Dist::Pert(d) => {
                let width = d.max() - d.min();
                let a = 1.0 + d.lamb() * (d.mode() - d.min()) / width;
                let b = 1.0 + d.lamb() * (d.max() - d.mode()) / width;
                Some(beta(a, b, d.min(), width))
            }
            Dist::Gamma(d) => Some(Density::Gamma {
                shape: d.shape(),
                scale: d.scale(),
                ln_norm: -ln_gamma(d.shape()) - d.shape() * d.scale().ln(),
            }),
            _ => None,
        }
    }

    /// f(x), 0 outside the support.
    #[inline]
    fn at(&self, x: f64) -> f64 {
        match *self {
            Density::Beta {
                a,
                b,
                low,
                width,
                ln_norm,
            } => {
                let (u, v) = ((x - low) / width, (low + width - x) / width);
                if !(u > 0.0 && v > 0.0) {
                    return 0.0;
                }
                ((a - 1.0) * u.ln() + (b - 1.0) * v.ln() + ln_norm).exp()
            }
            Density::Gamma {
                shape,
                scale,
                ln_norm,
            } => {
                if x.is_nan() || x <= 0.0 {
                    return 0.0;
                }
                ((shape - 1.0) * x.ln() - x / scale + ln_norm).exp()
            }
        }
    }
}

/// Quantiles of a law at a grid of normal scores, bracketing the quantile
/// at any score between: ppf is monotone, so the quantile at z lies between
/// those at the grid scores around it, and a search inside that bracket
/// takes a few cdf calls where a search of the whole support takes ~30.
/// Evidence runs evaluate millions of quantiles of the same few laws.
#[derive(Debug, Clone)]
pub struct ScoreGrid {
    values: Vec<f64>,
    /// Φ(z_i) and Φ(-z_i) at the grid scores.
    below: Vec<f64>,
    above: Vec<f64>,
    /// A continuous law's density, and the quantile's slope dx/dz at the
    /// grid scores (NaN where the density is 0 or infinite).
    density: Option<Density>,
    slopes: Vec<f64>,
    /// A count law's cdf and sf at every whole number the grid spans, when
    /// there are at most [`ScoreGrid::COUNTS`]: the search between two grid
    /// scores then reads them instead of evaluating incomplete gamma and
    /// beta functions (most of tempering's time with a Poisson input).
    counts: Option<CountTable>,
}

#[derive(Debug, Clone)]
struct CountTable {
    first: f64,
    cdf: Vec<f64>,
    sf: Vec<f64>,
}

impl CountTable {
    fn of(dist: &Dist, first: f64, last: f64) -> Option<CountTable> {
        if !(first.is_finite() && last.is_finite() && last - first <= ScoreGrid::COUNTS as f64) {
            return None;
        }
        let whole: Vec<f64> = (0..=(last - first) as usize)
            .map(|i| first + i as f64)
            .collect();
        Some(CountTable {
            first,
            cdf: whole.iter().map(|&k| dist.cdf(k)).collect(),
            sf: whole.iter().map(|&k| dist.sf(k)).collect(),
        })
    }

    /// The table's entry at whole number `x` (inside the grid's span).
    #[inline]
    fn at(column: &[f64], first: f64, x: f64) -> f64 {
        column[(x - first) as usize]
    }
}

impl ScoreGrid {
    const LOWEST: f64 = -8.0;
    const STEP: f64 = 1.0 / 16.0;
    const POINTS: usize = 257;
    /// The most whole numbers a count law's table holds.
    const COUNTS: usize = 4096;

    /// The grid of `dist`, or None when its quantiles are closed-form (as
    /// fast without one).
    pub fn of(dist: &Dist) -> Option<ScoreGrid> {
        if !matches!(
            dist,
            Dist::Beta(_)
                | Dist::Pert(_)
                | Dist::Gamma(_)
                | Dist::Poisson(_)
                | Dist::Binomial(_)
                | Dist::NegativeBinomial(_)
        ) {
            return None;
        }
        let scores: Vec<f64> = (0..Self::POINTS)
            .map(|i| Self::LOWEST + i as f64 * Self::STEP)
            .collect();
        let values: Vec<f64> = scores.iter().map(|&z| dist.from_normal_score(z)).collect();
        let counts = match dist.is_discrete() {
            true => CountTable::of(dist, values[0], values[Self::POINTS - 1]),
            false => None,
        };
        let density = Density::of(dist);
        let slopes = match &density {
            Some(f) => scores
                .iter()
                .zip(&values)
                .map(|(&z, &x)| normal::density(z) / f.at(x))
                .collect(),
            None => Vec::new(),
        };
        Some(ScoreGrid {
            values,
            below: scores.iter().map(|&z| normal::phi(z)).collect(),
            above: scores.iter().map(|&z| normal::phi(-z)).collect(),
            density,
            slopes,
            counts,
        })
    }

    /// The quantile at z from the cubic Hermite interpolant between grid
    /// scores i and i + 1 (values and slopes exact there), polished by
    /// Newton's steps on the cdf (or sf in the upper half) until a step is
    /// below 1e-9 of x, which leaves it within ~1e-15 of the exact quantile.
    /// Typically one cdf call, where a bracketed search takes four. None
    /// where the density cannot be used (0 or infinite at a grid value, at
    /// the edge of the support) or a step leaves the bracket: the caller
    /// then searches.
    fn newton(&self, dist: &Dist, i: usize, t: f64, upper: bool, q: f64) -> Option<f64> {
        let f = self.density.as_ref()?;
        let (x0, x1) = (self.values[i], self.values[i + 1]);
        let (d0, d1) = (self.slopes[i] * Self::STEP, self.slopes[i + 1] * Self::STEP);
        if !(d0.is_finite() && d1.is_finite()) {
            return None;
        }
        let (t2, t3) = (t * t, t * t * t);
        let mut x = (2.0 * t3 - 3.0 * t2 + 1.0) * x0
            + (t3 - 2.0 * t2 + t) * d0
            + (-2.0 * t3 + 3.0 * t2) * x1
            + (t3 - t2) * d1;
        for _ in 0..4 {
            let density = f.at(x);
            if !(density > 0.0 && density.is_finite()) {
                return None;
            }
            let dx = if upper {
                (dist.sf(x) - q) / density
            } else {
                (q - dist.cdf(x)) / density
            };
            x += dx;
            if !(x >= x0 && x <= x1) {
                return None;
            }
            if dx.abs() <= 1e-9 * x.abs() {
                return Some(x);
            }
        }
        None
    }

    /// `dist.from_normal_score(z)`, searched inside the grid's bracket
    /// (`dist` must be the law the grid was made for) to a relative
    /// precision of ~1e-13: a deterministic function of z, monotone, within
    /// 1e-12 of the exact quantile.
    ///
    /// The grid's ends are quantiles at known probabilities Φ(z_i), so the
    /// search starts from an interpolation (Illinois' regula falsi) without
    /// evaluating the cdf there: ~4 cdf calls instead of the ~16 a search for
    /// the exact float takes.
    pub fn value(&self, dist: &Dist, z: f64) -> f64 {
        let at = (z - Self::LOWEST) / Self::STEP;
        if !(at >= 0.0 && at < (Self::POINTS - 1) as f64) {
            return dist.from_normal_score(z);
        }
        let i = at as usize;
        let (lo, hi) = (self.values[i], self.values[i + 1]);
        if lo == hi {
            return lo;
        }
        if let Some(t) = &self.counts {
            // The same bisection on the same values, read from the table.
            let first = t.first;
            return if z > 0.0 {
                let sf = |x: f64| -CountTable::at(&t.sf, first, x);
                quadrature::invert_cdf(sf, -normal::phi(-z), lo, hi, true)
            } else {
                let cdf = |x: f64| CountTable::at(&t.cdf, first, x);
                quadrature::invert_cdf(cdf, normal::phi(z), lo, hi, true)
            };
        }
        if dist.is_discrete() {
            // A count law: the exact whole number, by bisection of the few
            // whole numbers in the bracket.
            return if z > 0.0 {
                quadrature::invert_cdf(|x| -dist.sf(x), -normal::phi(-z), lo, hi, true)
            } else {
                quadrature::invert_cdf(|x| dist.cdf(x), normal::phi(z), lo, hi, true)
            };
        }
        // g(x) < 0 below the quantile, > 0 above: in the lower half the cdf
        // minus Φ(z), in the upper half Φ(-z) minus the sf (both accurate
        // in their tail).
        let upper = z > 0.0;
        let q = if upper {
            normal::phi(-z)
        } else {
            normal::phi(z)
        };
        if let Some(x) = self.newton(dist, i, at - i as f64, upper, q) {
            return x;
        }
        let g = |x: f64| {
            if upper {
                q - dist.sf(x)
            } else {
                dist.cdf(x) - q
            }
        };
        let (ga, gb) = if upper {
            (q - self.above[i], q - self.above[i + 1])
        } else {
            (self.below[i] - q, self.below[i + 1] - q)
        };
        let (mut a, mut fa, mut b, mut fb) = (lo, ga, hi, gb);
        if !(fa < 0.0 && fb > 0.0) {
            return dist.from_normal_score(z);
        }
        let mut side = 0i8;
        for _round in 0..16 {
            let x = (a - fa * (b - a) / (fb - fa)).clamp(a, b);
            // Converged: the bracket is ~1e-13 wide (Illinois shrinks it
            // from both ends), or no float lies strictly inside it.
            if b - a <= 1e-13 * b.abs().max(a.abs()) {
                return x;
            }
            if !(x > a && x < b) {
                break;
            }
            let fx = g(x);
            if fx == 0.0 {
                return x;
            }
            if fx < 0.0 {
                a = x;
                fa = fx;
                if side == -1 {
                    fb /= 2.0;
                }
                side = -1;
            } else {
                b = x;
                fb = fx;
                if side == 1 {
                    fa /= 2.0;
                }
                side = 1;
            }
        }
        // Slow convergence (a quantile function steep as q^20, far in a
        // tail): the exact search, inside the bracket found so far.
        if upper {
            quadrature::invert_cdf(|x| -dist.sf(x), -q, a, b, false)
        } else {
            quadrature::invert_cdf(|x| dist.cdf(x), q, a, b, false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::{Beta, Binomial, Gamma, NegativeBinomial, Normal, Pert, Poisson};

    #[test]
    fn grid_brackets_give_the_quantiles_of_the_full_search() {
        let laws: Vec<Dist> = vec![
            Beta::new(2.0, 8.0).unwrap().into(),
            Beta::new(0.3, 0.7).unwrap().into(),
            Pert::new(300.0, 430.0, 500.0, 4.0).unwrap().into(),
            Gamma::new(3.0, 2.0).unwrap().into(),
            Gamma::new(0.05, 1.0).unwrap().into(),
            Poisson::new(50.0).unwrap().into(),
            Binomial::new(1000.0, 0.3).unwrap().into(),
            NegativeBinomial::new(19.0, 0.6).unwrap().into(),
        ];
        for law in &laws {
            let grid = ScoreGrid::of(law).unwrap();
            for i in 0..4001 {
                let z = -10.0 + i as f64 * 0.005;
                let (fast, full) = (grid.value(law, z), law.from_normal_score(z));
                // The cdf is exact only to rounding, so two searches may stop
                // a few ulps apart where it is flat at that scale.
                let tol = 1e-12 * full.abs().max(f64::MIN_POSITIVE);
                assert!(
                    (fast - full).abs() <= tol,
                    "{law:?} z {z}: {fast} vs {full}"
                );
            }
        }
        assert!(ScoreGrid::of(&Normal::new(0.0, 1.0).unwrap().into()).is_none());
    }

    #[test]
    fn a_count_law_read_from_its_table_gives_the_searched_values_bit_for_bit() {
        let laws: Vec<Dist> = vec![
            Poisson::new(50.0).unwrap().into(),
            Poisson::new(0.3).unwrap().into(),
            Binomial::new(1000.0, 0.3).unwrap().into(),
            NegativeBinomial::new(19.0, 0.6).unwrap().into(),
        ];
        for law in &laws {
            let grid = ScoreGrid::of(law).unwrap();
            assert!(grid.counts.is_some(), "{law:?}");
            let searched = ScoreGrid {
                counts: None,
                ..grid.clone()
            };
            for i in 0..8001 {
                let z = -9.0 + i as f64 * 0.00225;
                let (read, search) = (grid.value(law, z), searched.value(law, z));
                assert_eq!(read.to_bits(), search.to_bits(), "{law:?} z {z}");
            }
        }
        // Too many whole numbers for a table: searched as before.
        let wide: Dist = Poisson::new(1e7).unwrap().into();
        assert!(ScoreGrid::of(&wide).unwrap().counts.is_none());
    }
}
