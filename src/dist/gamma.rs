use super::primitives::StdGamma;
use super::quadrature::invert_cdf;
use super::special::gamma_pq;
use super::validate::positive;
use super::{Moments, Quantile, Sample};
use crate::error::{Error, Result};
use rand::Rng;

/// Gamma with `shape` k and `scale` θ (mean kθ), scipy's `gamma(a=shape, scale=scale)`.
///
/// ```
/// use munflow::dist::{Gamma, Moments};
/// let g = Gamma::new(2.0, 3.0).unwrap();
/// assert_eq!(g.mean(), 6.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Gamma {
    shape: f64,
    scale: f64,
    sampler: StdGamma,
}

impl Gamma {
    pub fn new(shape: f64, scale: f64) -> Result<Self> {
        positive("gamma", "shape", shape)?;
        positive("gamma", "scale", scale)?;
        if !(shape * scale).is_finite() {
            return Err(Error::InvalidArgument(format!(
                "gamma: the mean shape * scale must be finite, got shape={}, scale={}",
                super::fmt_num(shape),
                super::fmt_num(scale)
            )));
        }
        Ok(Gamma {
            shape,
            scale,
            sampler: StdGamma::new(shape),
        })
    }
    pub fn shape(&self) -> f64 {
        self.shape
    }
    pub fn scale(&self) -> f64 {
        self.scale
    }
}

impl Sample for Gamma {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.scale * self.sampler.sample(rng)
    }
}

impl Moments for Gamma {
    fn mean(&self) -> f64 {
        self.shape * self.scale
    }
    fn variance(&self) -> f64 {
        self.sd().powi(2)
    }
    /// sqrt(shape) scale: shape scale² overflows first (gamma(1e300, 1e8)).
    fn sd(&self) -> f64 {
        self.shape.sqrt() * self.scale
    }
}

impl Quantile for Gamma {
    // The cdf in standard units (x / scale); quantiles are searched for over x
    // itself, so they are exact to the float even where x / scale is subnormal.
    fn cdf(&self, x: f64) -> f64 {
        gamma_pq(self.shape, x / self.scale).0
    }
    fn sf(&self, x: f64) -> f64 {
        gamma_pq(self.shape, x / self.scale).1
    }
    fn ppf(&self, q: f64) -> f64 {
        // The cdf rounds to 1 at a finite x; only q = 1 is the end of the support.
        if q >= 1.0 {
            return f64::INFINITY;
        }
        invert_cdf(|x| self.cdf(x), q, 0.0, f64::INFINITY, false)
    }
    fn isf(&self, q: f64) -> f64 {
        if q <= 0.0 {
            return f64::INFINITY;
        }
        invert_cdf(|x| -self.sf(x), -q, 0.0, f64::INFINITY, false)
    }
    fn support(&self) -> (f64, f64) {
        (0.0, f64::INFINITY)
    }
}

impl super::Parameters for Gamma {
    fn family(&self) -> &'static str {
        "gamma"
    }
    fn params(&self) -> Vec<f64> {
        vec![self.shape(), self.scale()]
    }
}
