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
    /// sqrt(max - min) sqrt(mode - min): below the mode the ppf is min +
    /// sqrt(q) times it (the product under one root overflows near 1e308).
    below_scale: f64,
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
            below_scale: (max - min).sqrt() * (mode - min).sqrt(),
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
    /// min + (max - min)(1 + u)/3 with u = (mode - min)/(max - min): the sum
    /// min + mode + max overflows for values near the float range's end.
    fn mean(&self) -> f64 {
        self.min + (self.max - self.min) * ((1.0 + self.split) / 3.0)
    }
    fn variance(&self) -> f64 {
        self.sd().powi(2)
    }
    /// (max - min) sqrt((1 - u + u²)/18): the textbook a² + b² + c² - ab - ac - bc
    /// is inf - inf (NaN) for values near 1e308.
    fn sd(&self) -> f64 {
        let u = self.split;
        (self.max - self.min) * ((1.0 - u + u * u) / 18.0).sqrt()
    }
}

// Products of ratios and of square roots, never of the distances themselves:
// (max - min)(max - mode) overflows for a range near 1e308 (the ppf of
// triangular(0, 155, 1e308) at 0.5 was -inf and its cdf NaN).
impl Quantile for Triangular {
    fn cdf(&self, x: f64) -> f64 {
        let (a, c, b) = (self.min, self.mode, self.max);
        if x <= a {
            0.0
        } else if x >= b {
            1.0
        } else if x <= c {
            ((x - a) / (b - a)) * ((x - a) / (c - a))
        } else {
            // 1 - (1 - s)(1 - t) as s + t (1 - s): the subtraction from 1 lost
            // the digits of a cdf of 1e-8 just above a mode near min.
            let (s, t) = ((x - a) / (b - a), (x - c) / (b - c));
            s + t * (1.0 - s)
        }
    }
    fn sf(&self, x: f64) -> f64 {
        let (a, c, b) = (self.min, self.mode, self.max);
        if x <= a {
            1.0
        } else if x >= b {
            0.0
        } else if x <= c {
            1.0 - ((x - a) / (b - a)) * ((x - a) / (c - a))
        } else {
            ((b - x) / (b - a)) * ((b - x) / (b - c))
        }
    }
    /// Below the mode min + sqrt(q (max - min)(mode - min)); above it
    /// max - sqrt((1 - q)(max - min)(max - mode)), written from min as
    /// min + (max - min) w / (1 + sqrt((1 - q)(1 - u))), w = u + q (1 - u),
    /// u = the cdf at the mode: the max - ... form cancels where the mode is
    /// near min and q small (triangular(0, 1, 1e17).ppf(1e-16) came out 1, not
    /// 5.5). Each branch is clamped to its side of the mode.
    fn ppf(&self, q: f64) -> f64 {
        let (a, c, b) = (self.min, self.mode, self.max);
        if q < self.split {
            (a + q.sqrt() * self.below_scale).clamp(a, c)
        } else {
            let u = self.split;
            let w = u + q * (1.0 - u);
            let above = w / (1.0 + ((1.0 - q) * (1.0 - u)).sqrt());
            (a + (b - a) * above).clamp(c, b)
        }
    }
    fn support(&self) -> (f64, f64) {
        (self.min, self.max)
    }
}

impl super::Parameters for Triangular {
    fn family(&self) -> &'static str {
        "triangular"
    }
    fn params(&self) -> Vec<f64> {
        vec![self.min(), self.mode(), self.max()]
    }
}
