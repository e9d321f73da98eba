//! Probability distributions: validated at construction, sampled without checks.
//!
//! Three words name the concepts:
//!
//! - a **law** ([`Dist`]) is one distribution with fixed, validated parameters,
//!   such as beta(2, 8): what the graph draws from and what answers mean, cdf
//!   and ppf. Each law is a small struct in a file of its own whose constructor
//!   validates and returns [`Result`]; sampling never fails. Every law answers
//!   [`Sample`] (draws), [`Moments`] (mean, variance), [`Quantile`] (cdf, ppf;
//!   tempering maps normal scores to values through it) and [`Parameters`]
//!   (the family and numbers that rebuild it).
//! - a **family** ([`Family`]) is a way of writing a law with a list of numbers,
//!   as analysts do in Python (`mf.pert(300, 430, 500)`) and in scenario files
//!   (`{ pert = [300, 430, 500] }`): its name, parameters, defaults and
//!   constructor. Two families may make the same law (`lognormal_ci` and
//!   `lognormal`); categorical, empirical, truncated and mixture laws are built
//!   from other things, and have constructors of their own.
//! - a **parameter** ([`Param`]) is a family's named number, with its default
//!   if it may be left out.
//!
//! The declaration below is the one place a family is written down. From it
//! come the [`Dist`] enum and its dispatch, the [`Family`] enum (names,
//! parameters, defaults, docs, constructors), the Python constructors
//! (`src/python/dists.rs`) and, through them, the scenario reader
//! ([`crate::scenario::DistSpec`]), saved models ([`Recipe`]) and compound
//! draws; the type stub, the README's list and the docs' tables are written
//! from it by `tools/families.py`, whose check runs in the tests. A new family
//! is its file (the law and its unit tests), a line in the declaration, and
//! its tests against scipy.
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
mod integers;
mod inversion;
mod lazy;
mod loguniform;
mod mixture;
mod negative_binomial;
mod normal;
pub(crate) mod poisson;
pub mod primitives;
mod quadrature;
mod recipe;
mod score_grid;
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
    binomial_log_pmf, binomial_log_pmf_from, ln_factorial, ln_factorial_from, ln_factorial_table,
};
pub use families::{build, family_names, Param};
pub use gamma::Gamma;
pub use integers::Integers;
pub use loguniform::LogUniform;
pub use mixture::Mixture;
pub use negative_binomial::NegativeBinomial;
pub use normal::{LogNormal, Normal};
pub use poisson::Poisson;
pub use recipe::Recipe;
pub use score_grid::ScoreGrid;
pub use triangular::Triangular;
pub use truncated::Truncated;
pub use uniform::Uniform;

/// The declaration of every law and family. `laws` are the [`Dist`] variants;
/// each family line reads: its [`Family`] variant, the name users write, its
/// parameters (those after `;` have defaults), the constructor that takes
/// them, an example (for the docs and the tests that walk the declaration),
/// whether its parameters may be expressions, and whether its scores clamp
/// (see [`Family::clamps_extreme_scores`]). The doc comment is the
/// family's docstring in Python; its first sentence is its meaning in the
/// docs' table of scenario syntax.
macro_rules! with_families {
    ($then:path) => {
        $then! {
            laws: Constant, Uniform, Normal, LogNormal, Beta, Pert, Triangular, Gamma, Poisson,
                Binomial, NegativeBinomial, Integers, LogUniform, Categorical, Truncated, Mixture;

            /// A known value.
            Constant constant(value) = Constant::new,
                example: [430.0], expressions: false, clamps: false;
            /// Uniform on [lo, hi): every value in the range equally likely.
            Uniform uniform(lo, hi) = Uniform::new,
                example: [1.0, 2.0], expressions: true, clamps: false;
            /// Normal with the given mean and standard deviation.
            Normal normal(mean, sd) = Normal::new,
                example: [0.0, 1.5], expressions: true, clamps: false;
            /// Log-normal: exp(normal(mu, sigma)); scipy lognorm(s=sigma, scale=exp(mu)).
            LogNormal lognormal(mu, sigma) = LogNormal::new,
                example: [8.0, 0.2], expressions: true, clamps: false;
            /// The log-normal whose central `level` interval is [lo, hi] ("6,000 to
            /// 8,000, 90% sure"); `level` is 0.9 unless given.
            LogNormalCi lognormal_ci(lo, hi; level = 0.9) = LogNormal::from_interval,
                example: [6000.0, 8000.0], expressions: false, clamps: false;
            /// Beta(alpha, beta) on [0, 1], for shares and rates.
            Beta beta(alpha, beta) = Beta::new,
                example: [2.0, 8.0], expressions: true, clamps: false;
            /// Beta(successes + 1, failures + 1): a rate after counting, from a uniform prior.
            BetaCounts beta_counts(successes, failures) = Beta::from_counts,
                example: [24.0, 26.0], expressions: false, clamps: false;
            /// PERT: a beta rescaled to [min, max] with its mode at `mode`; `lamb` sets
            /// the peak (4 unless given).
            Pert pert(min, mode, max; lamb = 4.0) = Pert::new,
                example: [300.0, 430.0, 500.0], expressions: true, clamps: false;
            /// Triangular on [min, max] peaking at mode.
            Triangular triangular(min, mode, max) = Triangular::new,
                example: [1.0, 2.0, 4.0], expressions: true, clamps: false;
            /// Gamma with shape and scale (mean shape*scale).
            Gamma gamma(shape, scale) = Gamma::new,
                example: [2.0, 3.0], expressions: true, clamps: true;
            /// Poisson count with the given rate (mean).
            Poisson poisson(rate) = Poisson::new,
                example: [50.0], expressions: true, clamps: true;
            /// Binomial: successes among n trials of probability p (n a whole number).
            Binomial binomial(n, p) = Binomial::new,
                example: [10.0, 0.5], expressions: true, clamps: false;
            /// Failures before the r-th success (scipy nbinom(r, p)); mean r(1-p)/p.
            NegativeBinomial negative_binomial(r, p) = NegativeBinomial::new,
                example: [19.0, 0.5], expressions: true, clamps: true;
            /// Whole numbers from lo to hi, both included, equally likely: integers(40, 60)
            /// is one of 40, 41, ..., 60 ("some 50 launches"). Unlike numpy's
            /// integers and scipy's randint, the upper bound is included: scipy's
            /// randint(40, 61) is integers(40, 60).
            Integers integers(lo, hi) = Integers::new,
                example: [40.0, 60.0], expressions: true, clamps: false;
            /// Log-uniform on [lo, hi], 0 < lo < hi: a scale-free range, each factor
            /// of ten in it equally likely (density proportional to 1/x); scipy
            /// loguniform(lo, hi).
            LogUniform loguniform(lo, hi) = LogUniform::new,
                example: [1e3, 1e5], expressions: true, clamps: false;
        }
    };
}
// Expanded by the Python constructors (src/python/dists.rs) too.
#[cfg_attr(not(feature = "python"), allow(unused_imports))]
pub(crate) use with_families;

with_families!(families::declare);

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

/// What rebuilds a law: the family whose constructor takes its parameters,
/// and those parameters in the constructor's order (for display, saved
/// models and stream keys).
pub trait Parameters {
    /// The family's name as users write it (`"beta"`, `"lognormal"`).
    fn family(&self) -> &'static str;
    /// The parameters in constructor order.
    fn params(&self) -> Vec<f64>;
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
        dispatch!(self, d => d.family())
    }

    /// The parameters in constructor order, for display and stream keys.
    pub fn params(&self) -> Vec<f64> {
        dispatch!(self, d => d.params())
    }

    /// Whether every draw is an integer (counts: containers, voyages, rounds).
    pub fn is_integer_valued(&self) -> bool {
        match self {
            Dist::Constant(c) => c.value().fract() == 0.0,
            Dist::Categorical(c) => c.values().iter().all(|v| v.fract() == 0.0),
            Dist::Truncated(t) => t.inner().is_integer_valued(),
            Dist::Mixture(m) => m.components().iter().all(Dist::is_integer_valued),
            // The count laws: their atoms are whole numbers.
            other => other.is_discrete(),
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
            Dist::Poisson(d) => {
                if let Some(k) = d.at_score(z) {
                    return k;
                }
            }
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
