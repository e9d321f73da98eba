use super::primitives::uniform01;
use super::validate::min_mode_max;
use super::{Moments, Quantile, Sample};
use crate::error::Result;
use rand::Rng;

/// Triangular(min, mode, max), scipy's `triang(c=(mode-min)/(max-min), loc=min, scale=max-min)`.
///
/// ```
/// use munflow::dist::{Moments, Triangular};
/// assert_eq!(Triangular::new(0.0, 3.0, 6.0).unwrap().mean(), 3.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Triangular {
    min: f64,
    mode: f64,
    max: f64,
    /// cdf at the mode.
    split: f64,
}

impl Triangular {
    pub fn new(min: f64, mode: f64, max: f64) -> Result<Self> {
        const NAME: &str = "triangular";
        min_mode_max(NAME, min, mode, max)?;
        Ok(Triangular {
            min,
            mode,
            max,
            split: (mode - min) / (max - min),
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
}

impl Sample for Triangular {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.ppf(uniform01(rng))
    }
}

impl Moments for Triangular {
    fn mean(&self) -> f64 {
        (self.min + self.mode + self.max) / 3.0
    }
    fn variance(&self) -> f64 {
        let (a, c, b) = (self.min, self.mode, self.max);
        (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0
    }
}

impl Quantile for Triangular {
    fn cdf(&self, x: f64) -> f64 {
        let (a, c, b) = (self.min, self.mode, self.max);
        if x <= a {
            0.0
        } else if x >= b {
            1.0
        } else if x <= c {
            (x - a).powi(2) / ((b - a) * (c - a))
        } else {
            1.0 - (b - x).powi(2) / ((b - a) * (b - c))
        }
    }
    fn ppf(&self, q: f64) -> f64 {
        let (a, c, b) = (self.min, self.mode, self.max);
        if q < self.split {
            a + (q * (b - a) * (c - a)).sqrt()
        } else {
            b - ((1.0 - q) * (b - a) * (b - c)).sqrt()
        }
    }
    fn support(&self) -> (f64, f64) {
        (self.min, self.max)
    }
}
