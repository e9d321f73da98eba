use super::primitives::uniform01;
use super::validate::ordered;
use super::{Moments, Quantile, Sample};
use crate::error::Result;
use rand::Rng;

/// Uniform on [lo, hi): every value in the range equally likely.
///
/// ```
/// use munflow::dist::{Moments, Uniform};
/// assert_eq!(Uniform::new(0.0, 10.0).unwrap().mean(), 5.0);
/// assert!(Uniform::new(10.0, 0.0).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Uniform {
    lo: f64,
    hi: f64,
}

impl Uniform {
    pub fn new(lo: f64, hi: f64) -> Result<Self> {
        ordered("uniform", "lo", lo, "hi", hi)?;
        Ok(Uniform { lo, hi })
    }
    pub fn lo(&self) -> f64 {
        self.lo
    }
    pub fn hi(&self) -> f64 {
        self.hi
    }
}

impl Sample for Uniform {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.lo + (self.hi - self.lo) * uniform01(rng)
    }
}

impl Moments for Uniform {
    fn mean(&self) -> f64 {
        0.5 * (self.lo + self.hi)
    }
    fn variance(&self) -> f64 {
        (self.hi - self.lo).powi(2) / 12.0
    }
}

impl Quantile for Uniform {
    fn cdf(&self, x: f64) -> f64 {
        ((x - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0)
    }
    fn ppf(&self, q: f64) -> f64 {
        self.lo + q * (self.hi - self.lo)
    }
    fn support(&self) -> (f64, f64) {
        (self.lo, self.hi)
    }
}
