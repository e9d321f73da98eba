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

impl Uniform {
    /// lo + q (hi - lo), kept <= hi: hi - lo rounds (up, for
    /// uniform(-9188743441938528, 3), whose ppf(1) was 4).
    #[inline(always)]
    fn at(&self, q: f64) -> f64 {
        (self.lo + q * (self.hi - self.lo)).min(self.hi)
    }
}

impl Sample for Uniform {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.at(uniform01(rng))
    }
}

impl Moments for Uniform {
    /// From lo, as lo + hi overflows for both near the float range's end.
    fn mean(&self) -> f64 {
        self.lo + 0.5 * (self.hi - self.lo)
    }
    fn variance(&self) -> f64 {
        self.sd().powi(2)
    }
    fn sd(&self) -> f64 {
        (self.hi - self.lo) / 12f64.sqrt()
    }
}

impl Quantile for Uniform {
    fn cdf(&self, x: f64) -> f64 {
        ((x - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0)
    }
    fn sf(&self, x: f64) -> f64 {
        ((self.hi - x) / (self.hi - self.lo)).clamp(0.0, 1.0)
    }
    fn ppf(&self, q: f64) -> f64 {
        self.at(q)
    }
    fn support(&self) -> (f64, f64) {
        (self.lo, self.hi)
    }
}

impl super::Parameters for Uniform {
    fn family(&self) -> &'static str {
        "uniform"
    }
    fn params(&self) -> Vec<f64> {
        vec![self.lo(), self.hi()]
    }
}
