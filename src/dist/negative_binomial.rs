use super::inversion::{fill_tabled, InversionTable, TABLED_VARIANCE};
use super::lazy::LazyTable;
use super::poisson::PoissonSampler;
use super::primitives::StdGamma;
use super::quadrature::invert_count_cdf;
use super::special::beta_reg;
use super::validate::positive;
use super::{fmt_num, integer_cdf_below, integer_sf_from, Moments, Quantile, Sample};
use crate::error::{Error, Result};
use rand::Rng;

/// NegativeBinomial(r, p): failures before the r-th success, each trial
/// succeeding with probability p; scipy's `nbinom(r, p)`, mean r(1-p)/p.
///
/// The number of voyages that went unseen when `r` were seen and each is seen
/// with probability `p` follows this law.
///
/// ```
/// use munflow::dist::{Moments, NegativeBinomial};
/// let undetected = NegativeBinomial::new(19.0, 0.5).unwrap();
/// assert_eq!(undetected.mean(), 19.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct NegativeBinomial {
    r: f64,
    p: f64,
    gamma: StdGamma,
    /// For moderate variances, fills draw by inversion of the tabled cdf.
    table: LazyTable<InversionTable>,
}

/// The largest mean accepted, the same bound as a Poisson rate.
const MAX_MEAN: f64 = 1.0e15;

impl NegativeBinomial {
    /// Where to start looking for the q-quantile: the normal approximation
    /// mean + sd z_q (the search from it is exact whatever its error).
    fn normal_guess(&self, q: f64) -> f64 {
        use super::Moments;
        self.mean() + self.sd() * super::normal::phi_inv(q.clamp(1e-300, 1.0))
    }

    pub fn new(r: f64, p: f64) -> Result<Self> {
        const NAME: &str = "negative_binomial";
        positive(NAME, "r", r)?;
        if !(p > 0.0 && p <= 1.0) {
            return Err(Error::param(NAME, "p", "in (0, 1]", p));
        }
        // Drawn as Poisson(gamma): past a mean of 1e15 the Poisson draws (and
        // the cdf's exact whole numbers) are out of reach, as for poisson itself.
        let mean = r * (1.0 - p) / p;
        if mean > MAX_MEAN {
            return Err(Error::InvalidArgument(format!(
                "{NAME}: the mean r*(1-p)/p must be <= 1e15, got {} (r={}, p={})",
                fmt_num(mean),
                fmt_num(r),
                fmt_num(p)
            )));
        }
        Ok(NegativeBinomial {
            r,
            p,
            gamma: StdGamma::new(r),
            table: LazyTable::new(),
        })
    }
    pub fn r(&self) -> f64 {
        self.r
    }
    pub fn p(&self) -> f64 {
        self.p
    }
}

/// The inversion table for moderate variances: f(k + 1) / f(k) = (k + r)(1 - p) / (k + 1).
fn negative_binomial_table(r: f64, p: f64) -> Option<InversionTable> {
    let q = 1.0 - p;
    if !TABLED_VARIANCE.contains(&(r * q / (p * p))) {
        return None;
    }
    let mode = if r > 1.0 {
        ((r - 1.0) * q / p).floor()
    } else {
        0.0
    };
    InversionTable::from_ratios(mode, 0.0, f64::INFINITY, |k| (k + r) * q / (k + 1.0))
}

impl Sample for NegativeBinomial {
    /// A gamma–Poisson mixture: rate ~ gamma(r, (1-p)/p), then Poisson(rate).
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        if self.p == 1.0 {
            return 0.0;
        }
        let rate = self.gamma.sample(rng) * (1.0 - self.p) / self.p;
        // A rate that underflowed to 0 (tiny r) gives no failures.
        PoissonSampler::new(rate).sample(rng)
    }

    /// By inversion of the tabled cdf for moderate variances.
    fn fill<R: Rng + ?Sized>(&self, rng: &mut R, out: &mut [f64]) {
        let table = self.table.get(|| negative_binomial_table(self.r, self.p));
        fill_tabled(table, rng, out, |rng| self.sample(rng));
    }
}

impl Moments for NegativeBinomial {
    fn mean(&self) -> f64 {
        self.r * (1.0 - self.p) / self.p
    }
    fn variance(&self) -> f64 {
        self.sd().powi(2)
    }
    /// sqrt(r (1 - p)) / p: the variance, mean / p, overflows for a tiny p.
    fn sd(&self) -> f64 {
        (self.r * (1.0 - self.p)).sqrt() / self.p
    }
}

impl Quantile for NegativeBinomial {
    fn cdf(&self, x: f64) -> f64 {
        if x < 0.0 {
            0.0
        } else if !x.is_finite() || self.p == 1.0 {
            1.0
        } else {
            beta_reg(self.r, x.floor() + 1.0, self.p, 1.0 - self.p)
        }
    }
    fn cdf_below(&self, x: f64) -> f64 {
        integer_cdf_below(|k| self.cdf(k), x)
    }
    fn sf(&self, x: f64) -> f64 {
        if x < 0.0 {
            1.0
        } else if !x.is_finite() || self.p == 1.0 {
            0.0
        } else {
            beta_reg(x.floor() + 1.0, self.r, 1.0 - self.p, self.p)
        }
    }
    fn sf_from(&self, x: f64) -> f64 {
        integer_sf_from(|k| self.sf(k), x)
    }
    fn isf(&self, q: f64) -> f64 {
        if self.p == 1.0 {
            return 0.0;
        }
        if q <= 0.0 {
            return f64::INFINITY;
        }
        invert_count_cdf(
            |x| -self.sf(x),
            -q,
            self.normal_guess(1.0 - q),
            0.0,
            f64::INFINITY,
        )
    }
    fn ppf(&self, q: f64) -> f64 {
        if self.p == 1.0 {
            return 0.0;
        }
        if q >= 1.0 {
            return f64::INFINITY;
        }
        invert_count_cdf(|x| self.cdf(x), q, self.normal_guess(q), 0.0, f64::INFINITY)
    }
    fn is_discrete(&self) -> bool {
        true
    }
    fn support(&self) -> (f64, f64) {
        (0.0, if self.p == 1.0 { 0.0 } else { f64::INFINITY })
    }
}

impl super::Parameters for NegativeBinomial {
    fn family(&self) -> &'static str {
        "negative_binomial"
    }
    fn params(&self) -> Vec<f64> {
        vec![self.r(), self.p()]
    }
}
