use super::validate::finite;
use super::{Moments, Quantile, Sample};
use crate::error::Result;
use rand::Rng;

/// A known value, as a degenerate distribution.
///
/// ```
/// use munflow::dist::{Constant, Moments};
/// assert_eq!(Constant::new(7000.0).unwrap().mean(), 7000.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Constant {
    value: f64,
}

impl Constant {
    pub fn new(value: f64) -> Result<Self> {
        Ok(Constant {
            value: finite("constant", "value", value)?,
        })
    }
    pub fn value(&self) -> f64 {
        self.value
    }
}

impl Sample for Constant {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, _rng: &mut R) -> f64 {
        self.value
    }
    fn fill<R: Rng + ?Sized>(&self, _rng: &mut R, out: &mut [f64]) {
        out.fill(self.value);
    }
}

impl Moments for Constant {
    fn mean(&self) -> f64 {
        self.value
    }
    fn variance(&self) -> f64 {
        0.0
    }
}

impl Quantile for Constant {
    fn cdf(&self, x: f64) -> f64 {
        if x >= self.value {
            1.0
        } else {
            0.0
        }
    }
    fn cdf_below(&self, x: f64) -> f64 {
        if x > self.value {
            1.0
        } else {
            0.0
        }
    }
    fn ppf(&self, _q: f64) -> f64 {
        self.value
    }
    fn is_discrete(&self) -> bool {
        true
    }
    fn support(&self) -> (f64, f64) {
        (self.value, self.value)
    }
}

impl super::Parameters for Constant {
    fn family(&self) -> &'static str {
        "constant"
    }
    fn params(&self) -> Vec<f64> {
        vec![self.value()]
    }
}
