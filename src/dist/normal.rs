use super::primitives::std_normal;
use super::special::erfc;
use super::validate::{finite, positive};
use super::{fmt_num, Moments, Quantile, Sample};
use crate::error::{Error, Result};
use rand::Rng;
use statrs::distribution::{ContinuousCDF, Normal as StatrsNormal};

/// Φ, the standard normal cdf, to full relative precision in the lower tail
/// (Φ(z) = 1 - Φ(-z), so `phi(-z)` is the upper tail).
pub(crate) fn phi(z: f64) -> f64 {
    0.5 * erfc(-z * std::f64::consts::FRAC_1_SQRT_2)
}

/// φ, the standard normal density.
#[inline]
pub(crate) fn density(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// Φ⁻¹, the standard normal quantile, for q in [0, 1]: statrs' inverse,
/// polished by Newton steps on our own Φ (statrs' erfc is good to only 1e-10).
pub(crate) fn phi_inv(q: f64) -> f64 {
    if q > 0.5 {
        // 1 - q is exact for q in [1/2, 1].
        return -phi_inv_lower(1.0 - q);
    }
    phi_inv_lower(q)
}

/// Φ⁻¹(q) for q in [0, 1/2].
fn phi_inv_lower(q: f64) -> f64 {
    let mut z = StatrsNormal::standard().inverse_cdf(q);
    // Two Newton steps at most: the guess is already good to ~1e-10.
    for _ in 0..2 {
        if !z.is_finite() || q == 0.0 {
            break;
        }
        let density = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
        if density == 0.0 {
            break;
        }
        let step = (phi(z) - q) / density;
        if !step.is_finite() {
            break;
        }
        z -= step;
    }
    z
}

/// Normal (Gaussian) with the given mean and standard deviation.
///
/// ```
/// use munflow::dist::{Normal, Quantile};
/// let n = Normal::new(100.0, 15.0).unwrap();
/// assert!((n.ppf(0.5) - 100.0).abs() < 1e-9);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Normal {
    mean: f64,
    sd: f64,
}

/// Past this, mean + sd z can overflow while the quantile itself is finite.
const HUGE: f64 = 1e300;

impl Normal {
    pub fn new(mean: f64, sd: f64) -> Result<Self> {
        Ok(Normal {
            mean: finite("normal", "mean", mean)?,
            sd: positive("normal", "sd", sd)?,
        })
    }

    /// (x - mean)/sd, or x/sd - mean/sd where x - mean overflows (x = 1e308,
    /// mean = -1e308, sd = 1e308 is z = 2, not infinity). Only then: with a
    /// tiny sd both quotients overflow, and their difference would be NaN.
    fn z(&self, x: f64) -> f64 {
        let d = x - self.mean;
        if d.is_finite() || !x.is_finite() {
            d / self.sd
        } else {
            // x and mean far apart with opposite signs: no inf - inf here.
            x / self.sd - self.mean / self.sd
        }
    }

    /// mean + sd z, halved and doubled for parameters near the float range's
    /// end (chosen per law, not per z, so quantiles stay monotone in z).
    fn x(&self, z: f64) -> f64 {
        if self.sd.max(self.mean.abs()) < HUGE {
            self.mean + self.sd * z
        } else {
            2.0 * (0.5 * self.mean + (0.5 * z) * self.sd)
        }
    }
}

impl Normal {
    /// The value at standard normal score `z`, exactly: mean + sd z.
    pub(crate) fn at_score(&self, z: f64) -> f64 {
        self.x(z)
    }
}

impl Sample for Normal {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.mean + self.sd * std_normal(rng)
    }
}

impl Moments for Normal {
    fn mean(&self) -> f64 {
        self.mean
    }
    fn variance(&self) -> f64 {
        self.sd * self.sd
    }
    fn sd(&self) -> f64 {
        self.sd
    }
}

impl Quantile for Normal {
    fn cdf(&self, x: f64) -> f64 {
        phi(self.z(x))
    }
    fn sf(&self, x: f64) -> f64 {
        phi(-self.z(x))
    }
    fn ppf(&self, q: f64) -> f64 {
        self.x(phi_inv(q))
    }
    fn isf(&self, q: f64) -> f64 {
        self.x(-phi_inv(q))
    }
    fn support(&self) -> (f64, f64) {
        (f64::NEG_INFINITY, f64::INFINITY)
    }
}

/// Log-normal: `exp(normal(mu, sigma))`, scipy's `lognorm(s=sigma, scale=exp(mu))`.
///
/// [`LogNormal::from_interval`] builds it from a central interval, the way
/// analysts usually know it ("between 6,000 and 8,000 containers, 90% sure").
///
/// ```
/// use munflow::dist::{LogNormal, Quantile};
/// let containers = LogNormal::from_interval(6000.0, 8000.0, 0.9).unwrap();
/// assert!((containers.ppf(0.05) - 6000.0).abs() < 1e-6);
/// assert!((containers.ppf(0.95) - 8000.0).abs() < 1e-6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogNormal {
    mu: f64,
    sigma: f64,
}

impl LogNormal {
    pub fn new(mu: f64, sigma: f64) -> Result<Self> {
        Ok(LogNormal {
            mu: finite("lognormal", "mu", mu)?,
            sigma: positive("lognormal", "sigma", sigma)?,
        })
    }

    /// The log-normal whose central `level` interval is [lo, hi].
    pub fn from_interval(lo: f64, hi: f64, level: f64) -> Result<Self> {
        const NAME: &str = "lognormal_ci";
        positive(NAME, "lo", lo)?;
        positive(NAME, "hi", hi)?;
        if lo >= hi {
            return Err(Error::InvalidArgument(format!(
                "{NAME}: lo must be < hi, got lo={}, hi={}",
                fmt_num(lo),
                fmt_num(hi)
            )));
        }
        if !(level > 0.0 && level < 1.0) {
            return Err(Error::param(NAME, "level", "in (0, 1)", level));
        }
        let z = phi_inv(0.5 + level / 2.0);
        let (a, b) = (lo.ln(), hi.ln());
        LogNormal::new(0.5 * (a + b), (b - a) / (2.0 * z))
    }

    pub fn mu(&self) -> f64 {
        self.mu
    }
    /// The value at standard normal score `z`, exactly: exp(mu + sigma z).
    pub(crate) fn at_score(&self, z: f64) -> f64 {
        (self.mu + self.sigma * z).exp()
    }

    pub fn sigma(&self) -> f64 {
        self.sigma
    }
}

impl Sample for LogNormal {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        (self.mu + self.sigma * std_normal(rng)).exp()
    }
}

impl Moments for LogNormal {
    fn mean(&self) -> f64 {
        (self.mu + 0.5 * self.sigma * self.sigma).exp()
    }
    fn variance(&self) -> f64 {
        self.sd().powi(2)
    }
    /// exp(mu + s²/2 + ln(e^(s²) - 1)/2), s = sigma, in logs: the variance's
    /// factors e^(s²) - 1 and e^(2 mu + s²) overflow (or give inf·0) long before
    /// the sd does.
    fn sd(&self) -> f64 {
        let s2 = self.sigma * self.sigma;
        let ln_expm1 = if s2 > 1.0 {
            s2 + (-(-s2).exp()).ln_1p()
        } else if s2 > 1e-8 {
            s2.exp_m1().ln()
        } else {
            // ln(s² (1 + s²/2 + ...)), as s² itself may underflow.
            2.0 * self.sigma.ln() + 0.5 * s2
        };
        (self.mu + 0.5 * s2 + 0.5 * ln_expm1).exp()
    }
}

impl Quantile for LogNormal {
    fn cdf(&self, x: f64) -> f64 {
        if x <= 0.0 {
            0.0
        } else {
            phi((x.ln() - self.mu) / self.sigma)
        }
    }
    fn sf(&self, x: f64) -> f64 {
        if x <= 0.0 {
            1.0
        } else {
            phi((self.mu - x.ln()) / self.sigma)
        }
    }
    fn ppf(&self, q: f64) -> f64 {
        (self.mu + self.sigma * phi_inv(q)).exp()
    }
    fn isf(&self, q: f64) -> f64 {
        (self.mu - self.sigma * phi_inv(q)).exp()
    }
    fn support(&self) -> (f64, f64) {
        (0.0, f64::INFINITY)
    }
}

impl super::Parameters for Normal {
    fn family(&self) -> &'static str {
        "normal"
    }
    fn params(&self) -> Vec<f64> {
        vec![Moments::mean(self), Moments::sd(self)]
    }
}

impl super::Parameters for LogNormal {
    fn family(&self) -> &'static str {
        "lognormal"
    }
    fn params(&self) -> Vec<f64> {
        vec![self.mu(), self.sigma()]
    }
}
