use super::quadrature::invert_cdf;
use super::validate::non_negative;
use super::{integer_cdf_below, Moments, Quantile, Sample};
use crate::error::{Error, Result};
use rand::Rng;
use rand_distr::Distribution;
use statrs::distribution::{DiscreteCDF, Poisson as StatrsPoisson};

/// Poisson(rate): counts of independent events, such as launches per month.
///
/// ```
/// use munflow::dist::{Moments, Poisson};
/// assert_eq!(Poisson::new(50.0).unwrap().variance(), 50.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Poisson {
    rate: f64,
    /// None when rate == 0 (every draw is 0).
    sampler: Option<rand_distr::Poisson<f64>>,
    law: Option<StatrsPoisson>,
}

/// Beyond this rand_distr's Poisson sampler refuses the rate.
const MAX_RATE: f64 = 1.0e15;

impl Poisson {
    pub fn new(rate: f64) -> Result<Self> {
        non_negative("poisson", "rate", rate)?;
        if rate > MAX_RATE {
            return Err(Error::param("poisson", "rate", "<= 1e15", rate));
        }
        if rate == 0.0 {
            return Ok(Poisson {
                rate,
                sampler: None,
                law: None,
            });
        }
        let bad = |_| Error::param("poisson", "rate", ">= 0", rate);
        Ok(Poisson {
            rate,
            sampler: Some(rand_distr::Poisson::new(rate).map_err(bad)?),
            law: Some(
                StatrsPoisson::new(rate)
                    .map_err(|_| Error::param("poisson", "rate", ">= 0", rate))?,
            ),
        })
    }
    /// One draw for a rate used once (no cdf tables built).
    pub(crate) fn sample_once<R: Rng + ?Sized>(rate: f64, rng: &mut R) -> Result<f64> {
        non_negative("poisson", "rate", rate)?;
        if rate > MAX_RATE {
            return Err(Error::param("poisson", "rate", "<= 1e15", rate));
        }
        Ok(match rand_distr::Poisson::new(rate) {
            Ok(poisson) => poisson.sample(rng),
            Err(_) => 0.0, // rate == 0
        })
    }

    pub fn rate(&self) -> f64 {
        self.rate
    }
}

impl Sample for Poisson {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match &self.sampler {
            Some(s) => s.sample(rng),
            None => 0.0,
        }
    }
}

impl Moments for Poisson {
    fn mean(&self) -> f64 {
        self.rate
    }
    fn variance(&self) -> f64 {
        self.rate
    }
}

impl Quantile for Poisson {
    fn cdf(&self, x: f64) -> f64 {
        if x < 0.0 {
            return 0.0;
        }
        match &self.law {
            Some(law) if x.is_finite() => law.cdf(x.floor() as u64),
            _ => 1.0,
        }
    }
    fn cdf_below(&self, x: f64) -> f64 {
        integer_cdf_below(|k| self.cdf(k), x)
    }
    fn ppf(&self, q: f64) -> f64 {
        if self.rate == 0.0 {
            return 0.0;
        }
        if q >= 1.0 {
            return f64::INFINITY;
        }
        invert_cdf(|x| self.cdf(x), q, 0.0, f64::INFINITY, true)
    }
    fn is_discrete(&self) -> bool {
        true
    }
    fn support(&self) -> (f64, f64) {
        if self.rate == 0.0 {
            (0.0, 0.0)
        } else {
            (0.0, f64::INFINITY)
        }
    }
}
