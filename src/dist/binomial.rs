use super::quadrature::invert_cdf;
use super::validate::{count, probability};
use super::{integer_cdf_below, Moments, Quantile, Sample};
use crate::error::{Error, Result};
use rand::Rng;
use rand_distr::Distribution;
use statrs::distribution::{Binomial as StatrsBinomial, DiscreteCDF};

/// Binomial(n, p): how many of `n` items succeed, each with probability `p`
/// (functioning shells out of those delivered, say).
///
/// ```
/// use munflow::dist::{Binomial, Moments};
/// let functioning = Binomial::new(1000.0, 0.8).unwrap();
/// assert_eq!(functioning.mean(), 800.0);
/// assert!(Binomial::new(10.5, 0.8).is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Binomial {
    n: u64,
    p: f64,
    sampler: rand_distr::Binomial,
}

impl Binomial {
    pub fn new(n: f64, p: f64) -> Result<Self> {
        let n = count("binomial", "n", n)?;
        let p = probability("binomial", "p", p)?;
        let sampler = rand_distr::Binomial::new(n, p)
            .map_err(|_| Error::param("binomial", "p", "in [0, 1]", p))?;
        Ok(Binomial { n, p, sampler })
    }
    pub fn n(&self) -> u64 {
        self.n
    }
    pub fn p(&self) -> f64 {
        self.p
    }
    fn law(&self) -> Option<StatrsBinomial> {
        StatrsBinomial::new(self.p, self.n).ok()
    }
}

impl Sample for Binomial {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.sampler.sample(rng) as f64
    }
}

impl Moments for Binomial {
    fn mean(&self) -> f64 {
        self.n as f64 * self.p
    }
    fn variance(&self) -> f64 {
        self.n as f64 * self.p * (1.0 - self.p)
    }
}

impl Quantile for Binomial {
    fn cdf(&self, x: f64) -> f64 {
        if x < 0.0 {
            0.0
        } else if x >= self.n as f64 {
            1.0
        } else {
            self.law().map_or(1.0, |law| law.cdf(x.floor() as u64))
        }
    }
    fn cdf_below(&self, x: f64) -> f64 {
        integer_cdf_below(|k| self.cdf(k), x)
    }
    fn ppf(&self, q: f64) -> f64 {
        invert_cdf(|x| self.cdf(x), q, 0.0, self.n as f64, true)
    }
    fn is_discrete(&self) -> bool {
        true
    }
    fn support(&self) -> (f64, f64) {
        (0.0, self.n as f64)
    }
}
