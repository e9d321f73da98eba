use super::beta_table::BetaTable;
use super::lazy::LazyTable;
use super::primitives::StdGamma;
use super::quadrature::invert_cdf;
use super::special::beta_reg;
use super::validate::{min_mode_max, non_negative, positive};
use super::{Moments, Quantile, Sample};
use crate::error::{Error, Result};
use rand::Rng;

/// The largest shape accepted (alpha, beta, and so PERT's `lamb` and
/// beta_counts' counts). Every intermediate stays finite and normal below it:
/// alpha + beta, 9 and 108 times a shape in the gamma sampler, x·beta in the
/// cdf (at 1e308 alpha + beta overflowed and every draw came out 0). Nothing is
/// lost: from shapes of ~1e32 on, the law's sd is below a float's spacing at
/// its mean, so larger shapes describe the same law in f64.
pub const MAX_SHAPE: f64 = 1e300;

/// A shape parameter: > 0 and at most [`MAX_SHAPE`].
fn shape(dist: &'static str, param: &'static str, v: f64) -> Result<f64> {
    positive(dist, param, v)?;
    at_most_max_shape(dist, param, v)
}

fn at_most_max_shape(dist: &'static str, param: &'static str, v: f64) -> Result<f64> {
    if v <= MAX_SHAPE {
        Ok(v)
    } else {
        Err(Error::param(dist, param, "<= 1e300", v))
    }
}

/// Beta(alpha, beta) on [0, 1]: shares, rates, probabilities; each shape in
/// (0, 1e300] ([`MAX_SHAPE`]).
///
/// Sampled as X / (X + Y) with X, Y Marsaglia–Tsang gammas (in logs when a
/// shape is below 1, so tiny shapes do not underflow to 0/0).
///
/// ```
/// use munflow::dist::{Beta, Moments};
/// // 24 failures seen in 50 launches: a uniform prior updated by the counts.
/// let failure_rate = Beta::from_counts(24.0, 26.0).unwrap();
/// assert!((failure_rate.mean() - 25.0 / 52.0).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Beta {
    alpha: f64,
    beta: f64,
    gamma_a: StdGamma,
    gamma_b: StdGamma,
    in_logs: bool,
    /// The hat table for filling columns, built on the first fill: a beta
    /// built for one draw (a parameter drawn per sample) never needs it.
    table: LazyTable<BetaTable>,
}

impl Beta {
    pub fn new(alpha: f64, beta: f64) -> Result<Self> {
        Self::named("beta", alpha, beta)
    }

    fn named(dist: &'static str, alpha: f64, beta: f64) -> Result<Self> {
        shape(dist, "alpha", alpha)?;
        shape(dist, "beta", beta)?;
        let (gamma_a, gamma_b) = (StdGamma::new(alpha), StdGamma::new(beta));
        Ok(Beta {
            alpha,
            beta,
            in_logs: gamma_a.needs_logs() || gamma_b.needs_logs(),
            gamma_a,
            gamma_b,
            table: LazyTable::new(),
        })
    }

    /// Beta(successes + 1, failures + 1): the posterior of a rate after
    /// counting, starting from a uniform prior.
    pub fn from_counts(successes: f64, failures: f64) -> Result<Self> {
        const NAME: &str = "beta_counts";
        let s = non_negative(NAME, "successes", successes)?;
        let f = non_negative(NAME, "failures", failures)?;
        at_most_max_shape(NAME, "successes", s)?;
        at_most_max_shape(NAME, "failures", f)?;
        Self::named(NAME, s + 1.0, f + 1.0)
    }

    pub fn alpha(&self) -> f64 {
        self.alpha
    }
    pub fn beta(&self) -> f64 {
        self.beta
    }
}

impl Beta {
    /// A draw for shapes >= 1 (`!self.in_logs`): two unboosted gammas.
    #[inline(always)]
    fn sample_direct<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let x = self.gamma_a.sample_unboosted(rng);
        let y = self.gamma_b.sample_unboosted(rng);
        x / (x + y)
    }

    /// A draw formed in logs, for a shape below 1.
    #[inline(always)]
    fn sample_in_logs<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let ln_x = self.gamma_a.sample_ln(rng);
        let ln_y = self.gamma_b.sample_ln(rng);
        1.0 / (1.0 + (ln_y - ln_x).exp())
    }
}

impl Sample for Beta {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        if self.in_logs {
            self.sample_in_logs(rng)
        } else {
            self.sample_direct(rng)
        }
    }

    /// Shapes >= 1 draw from the hat table (~3x fewer instructions than
    /// two gammas); smaller shapes by gammas in logs. The method is chosen
    /// once, so the loop body is one inlined sampler.
    fn fill<R: Rng + ?Sized>(&self, rng: &mut R, out: &mut [f64]) {
        if self.in_logs {
            out.iter_mut().for_each(|x| *x = self.sample_in_logs(rng));
            return;
        }
        let table = self.table.get(|| BetaTable::new(self.alpha, self.beta));
        match table {
            Some(table) => out.iter_mut().for_each(|x| *x = table.sample(rng)),
            None => out.iter_mut().for_each(|x| *x = self.sample_direct(rng)),
        }
    }
}

impl Moments for Beta {
    fn mean(&self) -> f64 {
        self.alpha / (self.alpha + self.beta)
    }
    /// (alpha/s)(beta/s)/(s + 1), s = alpha + beta: the textbook
    /// alpha·beta/(s²(s + 1)) overflows to 0 from shapes of ~5e102.
    fn variance(&self) -> f64 {
        let s = self.alpha + self.beta;
        (self.alpha / s) * (self.beta / s) / (s + 1.0)
    }
}

impl Beta {
    /// P(X <= x) given x and y = 1 - x, so a caller holding an exact 1 - x
    /// (PERT near its max) keeps it.
    fn cdf_xy(&self, x: f64, y: f64) -> f64 {
        if x <= 0.0 {
            0.0
        } else if y <= 0.0 {
            1.0
        } else {
            beta_reg(self.alpha, self.beta, x, y)
        }
    }
    /// P(X > x) given x and y = 1 - x.
    fn sf_xy(&self, x: f64, y: f64) -> f64 {
        if x <= 0.0 {
            1.0
        } else if y <= 0.0 {
            0.0
        } else {
            beta_reg(self.beta, self.alpha, y, x)
        }
    }
}

impl Quantile for Beta {
    fn cdf(&self, x: f64) -> f64 {
        self.cdf_xy(x, 1.0 - x)
    }
    fn sf(&self, x: f64) -> f64 {
        self.sf_xy(x, 1.0 - x)
    }
    fn ppf(&self, q: f64) -> f64 {
        // The cdf rounds to 1 below x = 1; only q = 1 is the end of the support.
        if q >= 1.0 {
            return 1.0;
        }
        invert_cdf(|x| self.cdf(x), q, 0.0, 1.0, false)
    }
    fn isf(&self, q: f64) -> f64 {
        if q <= 0.0 {
            return 1.0;
        }
        invert_cdf(|x| -self.sf(x), -q, 0.0, 1.0, false)
    }
    fn support(&self) -> (f64, f64) {
        (0.0, 1.0)
    }
}

/// PERT(min, mode, max, lamb): a beta rescaled to [min, max] with its mode where
/// the expert puts "most likely"; `lamb` (default 4, at most 1e300) sets how
/// peaked it is.
///
/// Equivalent to scipy's `beta(a, b, loc=min, scale=max-min)` with
/// a = 1 + lamb (mode - min)/(max - min) and b = 1 + lamb (max - mode)/(max - min).
///
/// ```
/// use munflow::dist::{Moments, Pert};
/// let per_container = Pert::new(300.0, 430.0, 500.0, 4.0).unwrap();
/// assert!((per_container.mean() - (300.0 + 4.0 * 430.0 + 500.0) / 6.0).abs() < 1e-9);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Pert {
    min: f64,
    mode: f64,
    max: f64,
    lamb: f64,
    unit: Beta,
}

impl Pert {
    pub fn new(min: f64, mode: f64, max: f64, lamb: f64) -> Result<Self> {
        const NAME: &str = "pert";
        min_mode_max(NAME, min, mode, max)?;
        // The shapes are at most 1 + lamb.
        shape(NAME, "lamb", lamb)?;
        let range = max - min;
        let unit = Beta::named(
            NAME,
            1.0 + lamb * (mode - min) / range,
            1.0 + lamb * (max - mode) / range,
        )?;
        Ok(Pert {
            min,
            mode,
            max,
            lamb,
            unit,
        })
    }
    pub fn min(&self) -> f64 {
        self.min
    }
    pub fn mode(&self) -> f64 {
        self.mode
    }
    pub fn max(&self) -> f64 {
        self.max
    }
    pub fn lamb(&self) -> f64 {
        self.lamb
    }
}

impl Pert {
    /// min + (max - min) u, which rounding can push just past max.
    #[inline(always)]
    fn scale_up(&self, u: f64) -> f64 {
        (self.min + (self.max - self.min) * u).min(self.max)
    }
    /// (x - min)/(max - min) and (max - x)/(max - min), each exact near its end.
    fn scale_down(&self, x: f64) -> (f64, f64) {
        let range = self.max - self.min;
        ((x - self.min) / range, (self.max - x) / range)
    }
}

impl Sample for Pert {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.scale_up(self.unit.sample(rng))
    }

    fn fill<R: Rng + ?Sized>(&self, rng: &mut R, out: &mut [f64]) {
        self.unit.fill(rng, out);
        out.iter_mut().for_each(|x| *x = self.scale_up(*x));
    }
}

impl Moments for Pert {
    fn mean(&self) -> f64 {
        self.min + (self.max - self.min) * self.unit.mean()
    }
    fn variance(&self) -> f64 {
        self.sd().powi(2)
    }
    /// (max - min) sd: the variance overflows first, for ranges beyond 1e154.
    fn sd(&self) -> f64 {
        (self.max - self.min) * self.unit.sd()
    }
}

impl Quantile for Pert {
    fn cdf(&self, x: f64) -> f64 {
        let (u, v) = self.scale_down(x);
        self.unit.cdf_xy(u, v)
    }
    fn sf(&self, x: f64) -> f64 {
        let (u, v) = self.scale_down(x);
        self.unit.sf_xy(u, v)
    }
    // Searched for over x itself, not as min + range · (the unit beta's
    // quantile), whose rounding can leave the float that first reaches q.
    fn ppf(&self, q: f64) -> f64 {
        if q >= 1.0 {
            return self.max;
        }
        invert_cdf(|x| self.cdf(x), q, self.min, self.max, false)
    }
    fn isf(&self, q: f64) -> f64 {
        if q <= 0.0 {
            return self.max;
        }
        invert_cdf(|x| -self.sf(x), -q, self.min, self.max, false)
    }
    fn support(&self) -> (f64, f64) {
        (self.min, self.max)
    }
}

impl super::Parameters for Beta {
    fn family(&self) -> &'static str {
        "beta"
    }
    fn params(&self) -> Vec<f64> {
        vec![self.alpha(), self.beta()]
    }
}

impl super::Parameters for Pert {
    fn family(&self) -> &'static str {
        "pert"
    }
    fn params(&self) -> Vec<f64> {
        vec![self.min(), self.mode(), self.max(), self.lamb()]
    }
}
