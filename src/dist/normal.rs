use super::primitives::std_normal;
use super::validate::{finite, positive};
use super::{Moments, Quantile, Sample};
use crate::error::{Error, Result};
use rand::Rng;
use statrs::distribution::{ContinuousCDF, Normal as StatrsNormal};

fn std_normal_law() -> StatrsNormal {
    // Infallible: mean 0 and sd 1 are valid.
    StatrsNormal::standard()
}

/// Φ, the standard normal cdf.
pub(crate) fn phi(z: f64) -> f64 {
    std_normal_law().cdf(z)
}

/// Φ⁻¹, the standard normal quantile, for q in [0, 1].
pub(crate) fn phi_inv(q: f64) -> f64 {
    std_normal_law().inverse_cdf(q)
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

impl Normal {
    pub fn new(mean: f64, sd: f64) -> Result<Self> {
        Ok(Normal {
            mean: finite("normal", "mean", mean)?,
            sd: positive("normal", "sd", sd)?,
        })
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
        phi((x - self.mean) / self.sd)
    }
    fn ppf(&self, q: f64) -> f64 {
        self.mean + self.sd * phi_inv(q)
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
                "{NAME}: lo must be < hi, got lo={lo}, hi={hi}"
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
        let s2 = self.sigma * self.sigma;
        s2.exp_m1() * (2.0 * self.mu + s2).exp()
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
    fn ppf(&self, q: f64) -> f64 {
        (self.mu + self.sigma * phi_inv(q)).exp()
    }
    fn support(&self) -> (f64, f64) {
        (0.0, f64::INFINITY)
    }
}
