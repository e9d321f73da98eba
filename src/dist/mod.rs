//! Probability distributions: validated at construction, sampled without checks.
//!
//! Each family is a small struct whose constructor validates its parameters and
//! returns [`Result`]; sampling never fails. Every family answers three traits:
//! [`Sample`] (draws), [`Moments`] (mean, variance) and [`Quantile`] (cdf, ppf).
//! [`Dist`] is the closed set of families the expression graph and the scenario
//! files use, dispatched by `match` so the hot loops stay monomorphic.
//!
//! ```
//! use munflow::dist::{Beta, Moments, Quantile};
//! let dud_rate = Beta::new(2.0, 8.0).unwrap();
//! assert!((dud_rate.mean() - 0.2).abs() < 1e-12);
//! assert!((dud_rate.cdf(dud_rate.ppf(0.9)) - 0.9).abs() < 1e-9);
//! assert!(Beta::new(-1.0, 8.0).is_err());
//! ```

mod beta;
mod beta_expansions;
mod beta_table;
pub(crate) mod binomial;
mod categorical;
mod constant;
mod counts;
mod families;
mod gamma;
mod inversion;
mod lazy;
mod mixture;
mod negative_binomial;
mod normal;
pub(crate) mod poisson;
pub mod primitives;
mod quadrature;
mod recipe;
mod special;
mod triangular;
mod truncated;
mod uniform;
mod validate;

pub use beta::{Beta, Pert, MAX_SHAPE};
pub use binomial::Binomial;
pub use categorical::Categorical;
pub use constant::Constant;
pub use counts::CountLaw;
pub(crate) use counts::{
    binomial_log_pmf, binomial_log_pmf_from, ln_factorial, ln_factorial_table,
};
pub use families::{build, family, FamilyInfo, Param, FAMILIES};
pub use gamma::Gamma;
pub use mixture::Mixture;
pub use negative_binomial::NegativeBinomial;
pub use normal::{LogNormal, Normal};
pub use poisson::Poisson;
pub use recipe::Recipe;
pub use triangular::Triangular;
pub use truncated::Truncated;
pub use uniform::Uniform;

use rand::Rng;

/// Drawing values. Never fails: parameters were checked at construction.
pub trait Sample {
    /// One draw.
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64;

    /// Fills `out` with independent draws (families override it when a
    /// batch loop is faster than repeated single draws).
    fn fill<R: Rng + ?Sized>(&self, rng: &mut R, out: &mut [f64]) {
        for x in out {
            *x = self.sample(rng);
        }
    }
}

/// Analytic moments.
pub trait Moments {
    fn mean(&self) -> f64;
    fn variance(&self) -> f64;
    fn sd(&self) -> f64 {
        self.variance().sqrt()
    }
}

/// Cumulative distribution and its inverse (scipy's `cdf` and `ppf`).
pub trait Quantile {
    /// P(X <= x).
    fn cdf(&self, x: f64) -> f64;
    /// P(X < x); differs from [`Quantile::cdf`] only at atoms of a discrete law.
    fn cdf_below(&self, x: f64) -> f64 {
        self.cdf(x)
    }
    /// P(X > x), accurate in the upper tail, where 1 - cdf(x) would cancel.
    fn sf(&self, x: f64) -> f64 {
        1.0 - self.cdf(x)
    }
    /// P(X >= x); differs from [`Quantile::sf`] only at atoms of a discrete law.
    fn sf_from(&self, x: f64) -> f64 {
        // sf plus the atom at x, if any (none for a continuous law).
        self.sf(x) + (self.cdf(x) - self.cdf_below(x))
    }
    /// The smallest x with cdf(x) >= q, for q in [0, 1].
    fn ppf(&self, q: f64) -> f64;
    /// The smallest x with sf(x) <= q: ppf(1 - q) without rounding 1 - q, so
    /// upper-tail quantiles such as q = 1e-20 keep their precision.
    fn isf(&self, q: f64) -> f64 {
        self.ppf(1.0 - q)
    }
    /// Whether the law has atoms only (its ppf is a step function).
    fn is_discrete(&self) -> bool {
        false
    }
    /// The closed hull of the support, (lowest, highest).
    fn support(&self) -> (f64, f64);
}

/// Every distribution family, for dispatch in the graph and in scenario files.
#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    Constant(Constant),
    Uniform(Uniform),
    Normal(Normal),
    LogNormal(LogNormal),
    Beta(Beta),
    Pert(Pert),
    Triangular(Triangular),
    Gamma(Gamma),
    Poisson(Poisson),
    Binomial(Binomial),
    NegativeBinomial(NegativeBinomial),
    Categorical(Categorical),
    Truncated(Truncated),
    Mixture(Mixture),
}

macro_rules! dispatch {
    ($self:ident, $d:ident => $e:expr) => {
        match $self {
            Dist::Constant($d) => $e,
            Dist::Uniform($d) => $e,
            Dist::Normal($d) => $e,
            Dist::LogNormal($d) => $e,
            Dist::Beta($d) => $e,
            Dist::Pert($d) => $e,
            Dist::Triangular($d) => $e,
            Dist::Gamma($d) => $e,
            Dist::Poisson($d) => $e,
            Dist::Binomial($d) => $e,
            Dist::NegativeBinomial($d) => $e,
            Dist::Categorical($d) => $e,
            Dist::Truncated($d) => $e,
            Dist::Mixture($d) => $e,
        }
    };
}

impl Dist {
    /// [`Quantile::ppf`] with `q` checked to lie in [0, 1].
    pub fn ppf_checked(&self, q: f64) -> crate::Result<f64> {
        validate::quantile_level(q).map(|q| self.ppf(q))
    }

    /// [`Quantile::isf`] with `q` checked to lie in [0, 1].
    pub fn isf_checked(&self, q: f64) -> crate::Result<f64> {
        validate::quantile_level(q).map(|q| self.isf(q))
    }

    /// [`Moments::mean`], or an error saying it is not representable (its
    /// true value lies beyond the float range, e.g. lognormal(0, 40)'s e^800).
    pub fn mean_checked(&self) -> crate::Result<f64> {
        self.representable("mean", self.mean())
    }

    /// [`Moments::sd`], or an error saying it is not representable.
    pub fn sd_checked(&self) -> crate::Result<f64> {
        self.representable("sd", self.sd())
    }

    /// [`Moments::variance`], or an error saying it is not representable.
    pub fn variance_checked(&self) -> crate::Result<f64> {
        self.representable("variance", self.variance())
    }

    fn representable(&self, what: &str, value: f64) -> crate::Result<f64> {
        if value.is_finite() {
            return Ok(value);
        }
        let why = if value.is_nan() {
            "could not be computed: the quantiles it is formed from exceed the largest float (1.8e308)"
        } else {
            "exceeds the largest float (1.8e308)"
        };
        Err(crate::Error::InvalidArgument(format!(
            "{}: the {what} {why}",
            self.describe()
        )))
    }

    /// The family's name as users write it (`"beta"`, `"lognormal"`).
    pub fn family(&self) -> &'static str {
        match self {
            Dist::Constant(_) => "constant",
            Dist::Uniform(_) => "uniform",
            Dist::Normal(_) => "normal",
            Dist::LogNormal(_) => "lognormal",
            Dist::Beta(_) => "beta",
            Dist::Pert(_) => "pert",
            Dist::Triangular(_) => "triangular",
            Dist::Gamma(_) => "gamma",
            Dist::Poisson(_) => "poisson",
            Dist::Binomial(_) => "binomial",
            Dist::NegativeBinomial(_) => "negative_binomial",
            Dist::Categorical(c) => c.family(),
            Dist::Truncated(_) => "truncated",
            Dist::Mixture(_) => "mixture",
        }
    }

    /// The parameters in constructor order, for display and stream keys.
    pub fn params(&self) -> Vec<f64> {
        match self {
            Dist::Constant(d) => vec![d.value()],
            Dist::Uniform(d) => vec![d.lo(), d.hi()],
            Dist::Normal(d) => vec![d.mean(), d.sd()],
            Dist::LogNormal(d) => vec![d.mu(), d.sigma()],
            Dist::Beta(d) => vec![d.alpha(), d.beta()],
            Dist::Pert(d) => vec![d.min(), d.mode(), d.max(), d.lamb()],
            Dist::Triangular(d) => vec![d.min(), d.mode(), d.max()],
            Dist::Gamma(d) => vec![d.shape(), d.scale()],
            Dist::Poisson(d) => vec![d.rate()],
            Dist::Binomial(d) => vec![d.n() as f64, d.p()],
            Dist::NegativeBinomial(d) => vec![d.r(), d.p()],
            Dist::Categorical(d) => d.values().iter().chain(d.weights()).copied().collect(),
            Dist::Truncated(d) => {
                let mut p = d.inner().params();
                p.extend([d.lo(), d.hi()]);
                p
            }
            Dist::Mixture(d) => d
                .components()
                .iter()
                .flat_map(|c| c.params())
                .chain(d.weights().iter().copied())
                .collect(),
        }
    }

    /// Whether every draw is an integer (counts: containers, voyages, rounds).
    pub fn is_integer_valued(&self) -> bool {
        match self {
            Dist::Poisson(_) | Dist::Binomial(_) | Dist::NegativeBinomial(_) => true,
            Dist::Constant(c) => c.value().fract() == 0.0,
            Dist::Categorical(c) => c.values().iter().all(|v| v.fract() == 0.0),
            Dist::Truncated(t) => t.inner().is_integer_valued(),
            Dist::Mixture(m) => m.components().iter().all(Dist::is_integer_valued),
            _ => false,
        }
    }

    /// A short description such as `beta(2, 8)`.
    pub fn describe(&self) -> String {
        match self {
            Dist::Truncated(t) => format!(
                "truncated({}, {}, {})",
                t.inner().describe(),
                fmt_num(t.lo()),
                fmt_num(t.hi())
            ),
            Dist::Mixture(m) => {
                let parts: Vec<String> = m.components().iter().map(Dist::describe).collect();
                format!("mixture([{}])", parts.join(", "))
            }
            Dist::Categorical(c) if c.values().len() > 6 => {
                format!("{}({} values)", c.family(), c.values().len())
            }
            _ => {
                let p: Vec<String> = self.params().into_iter().map(fmt_num).collect();
                format!("{}({})", self.family(), p.join(", "))
            }
        }
    }
}

/// Formats a parameter compactly: `8000` rather than `8000.0`, `0.25` as is,
/// `1e+300` rather than 301 digits (see [`crate::error::fmt_value`]).
pub fn fmt_num(x: f64) -> String {
    crate::error::fmt_value(x)
}

impl Sample for Dist {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        dispatch!(self, d => d.sample(rng))
    }
    fn fill<R: Rng + ?Sized>(&self, rng: &mut R, out: &mut [f64]) {
        dispatch!(self, d => d.fill(rng, out))
    }
}

impl Moments for Dist {
    fn mean(&self) -> f64 {
        dispatch!(self, d => d.mean())
    }
    fn variance(&self) -> f64 {
        dispatch!(self, d => d.variance())
    }
    fn sd(&self) -> f64 {
        dispatch!(self, d => d.sd())
    }
}

/// The mean and sd of a mixture of parts given as (weight, mean, sd), weights
/// summing to 1 (atoms have sd 0). Computed in units of a power of two at
/// least every |mean| and sd, so that neither differences of means nor
/// squares overflow for values near the float range's end (the scaling itself
/// is exact).
pub(crate) fn mixture_moments<I>(parts: I) -> (f64, f64)
where
    I: Iterator<Item = (f64, f64, f64)> + Clone,
{
    let largest = parts
        .clone()
        .map(|(_, m, s)| m.abs().max(s))
        .fold(0.0, f64::max);
    if largest == 0.0 || !largest.is_finite() {
        let mean = parts.clone().map(|(w, m, _)| w * m).sum();
        return (mean, largest);
    }
    // Not below 2^-1000: 2^-1074 itself would come out 0 (powi takes 1/2^1074).
    let scale = 2f64.powi((largest.log2().ceil() as i32).clamp(-1000, 1023));
    let mean: f64 = parts.clone().map(|(w, m, _)| w * (m / scale)).sum();
    let var: f64 = parts
        .map(|(w, m, s)| w * ((s / scale).powi(2) + (m / scale - mean).powi(2)))
        .sum();
    (mean * scale, var.sqrt() * scale)
}

/// Φ, the standard normal cdf, accurate in both tails (Φ(z) for z < 0 is
/// computed directly, not as 1 - Φ(-z)).
pub fn std_normal_cdf(z: f64) -> f64 {
    normal::phi(z)
}

/// Φ⁻¹, the standard normal quantile, for q in [0, 1].
pub fn std_normal_quantile(q: f64) -> f64 {
    normal::phi_inv(q)
}

/// The largest normal score that keeps its precision through Φ: Φ(-37.5)
/// is still a normal double, and beyond it a tail rounds to 0. Laws other
/// than the normal and log-normal map every score past it to the value at it.
pub const SCORE_LIMIT: f64 = 37.5;

impl Dist {
    /// Whether scores past ±[`SCORE_LIMIT`] all map to one value though the
    /// law goes on beyond it (an unbounded tail that is not a normal's or a
    /// log-normal's): a posterior out there cannot be computed.
    ///
    /// ```
    /// use munflow::dist::{Dist, Gamma, Normal, Uniform};
    /// assert!(Dist::from(Gamma::new(2.0, 3.0).unwrap()).clamps_extreme_scores());
    /// assert!(!Dist::from(Normal::new(0.0, 1.0).unwrap()).clamps_extreme_scores());
    /// assert!(!Dist::from(Uniform::new(0.0, 1.0).unwrap()).clamps_extreme_scores());
    /// ```
    pub fn clamps_extreme_scores(&self) -> bool {
        let (lo, hi) = self.support();
        let exact = matches!(self, Dist::Normal(_) | Dist::LogNormal(_));
        !exact && (lo.is_infinite() || hi.is_infinite())
    }

    /// The value whose standard normal score is `z`: ppf(Φ(z)), taken from
    /// the nearer tail (isf(Φ(-z)) above the median) so extreme scores keep
    /// their precision. Evidence moves every draw through these scores.
    ///
    /// ```
    /// use munflow::dist::{Dist, Normal};
    /// let d: Dist = Normal::new(10.0, 2.0).unwrap().into();
    /// assert!((d.from_normal_score(1.5) - 13.0).abs() < 1e-12);
    /// ```
    pub fn from_normal_score(&self, z: f64) -> f64 {
        // Normal laws and their logs map scores exactly, however far out:
        // a posterior a hundred prior sds away is still reachable.
        match self {
            Dist::Normal(d) => return d.at_score(z),
            Dist::LogNormal(d) => return d.at_score(z),
            _ => {}
        }
        let z = z.clamp(-SCORE_LIMIT, SCORE_LIMIT);
        if z <= 0.0 {
            self.ppf(normal::phi(z))
        } else {
            self.isf(normal::phi(-z))
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
        Some(ScoreGrid {
            values,
            below: scores.iter().map(|&z| normal::phi(z)).collect(),
            above: scores.iter().map(|&z| normal::phi(-z)).collect(),
            counts,
        })
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

impl Quantile for Dist {
    fn cdf(&self, x: f64) -> f64 {
        dispatch!(self, d => d.cdf(x))
    }
    fn cdf_below(&self, x: f64) -> f64 {
        dispatch!(self, d => d.cdf_below(x))
    }
    fn sf(&self, x: f64) -> f64 {
        dispatch!(self, d => d.sf(x))
    }
    fn sf_from(&self, x: f64) -> f64 {
        dispatch!(self, d => d.sf_from(x))
    }
    fn ppf(&self, q: f64) -> f64 {
        dispatch!(self, d => d.ppf(q))
    }
    fn isf(&self, q: f64) -> f64 {
        dispatch!(self, d => d.isf(q))
    }
    fn is_discrete(&self) -> bool {
        dispatch!(self, d => d.is_discrete())
    }
    fn support(&self) -> (f64, f64) {
        dispatch!(self, d => d.support())
    }
}

macro_rules! into_dist {
    ($($t:ident),*) => {$(
        impl From<$t> for Dist {
            fn from(d: $t) -> Self { Dist::$t(d) }
        }
    )*};
}
into_dist!(
    Constant,
    Uniform,
    Normal,
    LogNormal,
    Beta,
    Pert,
    Triangular,
    Gamma,
    Poisson,
    Binomial,
    NegativeBinomial,
    Categorical,
    Truncated,
    Mixture
);

/// P(X < x) for integer-valued laws: cdf(ceil(x) - 1).
pub(crate) fn integer_cdf_below(cdf: impl Fn(f64) -> f64, x: f64) -> f64 {
    let k = x.ceil() - 1.0;
    if k < 0.0 {
        0.0
    } else {
        cdf(k)
    }
}

/// P(X >= x) for integer-valued laws: sf(ceil(x) - 1).
pub(crate) fn integer_sf_from(sf: impl Fn(f64) -> f64, x: f64) -> f64 {
    let k = x.ceil() - 1.0;
    if k < 0.0 {
        1.0
    } else {
        sf(k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixture_moments_survive_the_float_range_ends() {
        // Two atoms at ±1.5e308: mean 0, sd 1.5e308 (the spread's square and the
        // difference of the atoms overflow).
        let (mean, sd) = mixture_moments([(0.5, 1.5e308, 0.0), (0.5, -1.5e308, 0.0)].into_iter());
        assert_eq!(mean, 0.0);
        assert!((sd / 1.5e308 - 1.0).abs() < 1e-15, "{sd}");
        // Subnormal atoms: 0 and 5e-324 half each.
        let (mean, sd) = mixture_moments([(0.5, 0.0, 0.0), (0.5, 5e-324, 0.0)].into_iter());
        assert!(mean <= 5e-324 && sd <= 5e-324, "{mean} {sd}");
        // Within and between spread: (1 + 1)/2 + 1 = 2.
        let (mean, sd) = mixture_moments([(0.5, -1.0, 1.0), (0.5, 1.0, 1.0)].into_iter());
        assert_eq!(mean, 0.0);
        assert!((sd - 2f64.sqrt()).abs() < 1e-15, "{sd}");
    }

    #[test]
    fn moments_beyond_the_float_range_are_refused_with_a_reason() {
        let d: Dist = LogNormal::new(0.0, 40.0).unwrap().into();
        let err = d.mean_checked().unwrap_err().to_string();
        assert!(
            err.contains("lognormal(0, 40)") && err.contains("largest float"),
            "{err}"
        );
        // The sd of gamma(1e300, 1e8) is 1e158 though its variance overflows.
        let d: Dist = Gamma::new(1e300, 1e8).unwrap().into();
        assert!((d.sd_checked().unwrap() / 1e158 - 1.0).abs() < 1e-12);
        assert!(d.variance_checked().is_err());
    }
}

#[cfg(test)]
mod score_grid_tests {
    use super::*;

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
