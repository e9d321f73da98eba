use super::primitives::open01;
use super::quadrature::integrate_unit;
use super::{Dist, Moments, Quantile, Sample};
use crate::error::{Error, Result};
use rand::Rng;

/// A distribution conditioned to lie in [lo, hi] (either end may be infinite).
///
/// Drawn by rejection from the inner law when the interval holds most of its
/// mass, and by inversion of the cdf otherwise.
///
/// ```
/// use munflow::dist::{Dist, Normal, Quantile, Truncated};
/// let sd_positive = Truncated::new(Normal::new(0.0, 1.0).unwrap().into(), 0.0, f64::INFINITY).unwrap();
/// assert!((sd_positive.ppf(0.5) - 0.6744897501960817).abs() < 1e-9);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Truncated {
    inner: Box<Dist>,
    lo: f64,
    hi: f64,
    /// P(X < lo) under the inner law.
    mass_below: f64,
    /// P(lo <= X <= hi) under the inner law.
    mass: f64,
}

/// Above this share of the inner mass, rejection beats inversion.
const REJECTION_MASS: f64 = 0.25;

impl Truncated {
    pub fn new(inner: Dist, lo: f64, hi: f64) -> Result<Self> {
        const NAME: &str = "truncated";
        if lo.is_nan() {
            return Err(Error::param(NAME, "lo", "a number", lo));
        }
        if hi.is_nan() {
            return Err(Error::param(NAME, "hi", "a number", hi));
        }
        if lo > hi {
            return Err(Error::InvalidArgument(format!(
                "{NAME}: lo must be <= hi, got lo={lo}, hi={hi}"
            )));
        }
        let mass_below = inner.cdf_below(lo);
        let mass = inner.cdf(hi) - mass_below;
        if mass.is_nan() || mass <= 0.0 {
            return Err(Error::InvalidArgument(format!(
                "{NAME}: [{lo}, {hi}] has (numerically) zero probability under {}",
                inner.describe()
            )));
        }
        Ok(Truncated {
            inner: Box::new(inner),
            lo,
            hi,
            mass_below,
            mass,
        })
    }
    pub fn inner(&self) -> &Dist {
        &self.inner
    }
    pub fn lo(&self) -> f64 {
        self.lo
    }
    pub fn hi(&self) -> f64 {
        self.hi
    }

    /// (mean, variance), summed over the support for integer laws and
    /// integrated over the quantile function otherwise.
    fn moments(&self) -> (f64, f64) {
        if self.inner.is_integer_valued() {
            let (first, last) = (self.ppf(1e-15), self.ppf(1.0 - 1e-15));
            let (mut s0, mut s1, mut s2) = (0.0, 0.0, 0.0);
            let mut k = first;
            let mut below = self.cdf_below(first);
            while k <= last {
                let at = self.cdf(k);
                let p = at - below;
                below = at;
                s0 += p;
                s1 += p * k;
                s2 += p * k * k;
                k += 1.0;
            }
            let mean = s1 / s0;
            return (mean, (s2 / s0 - mean * mean).max(0.0));
        }
        let mean = integrate_unit(|u| self.ppf(u));
        let var = integrate_unit(|u| (self.ppf(u) - mean).powi(2));
        (mean, var)
    }
}

impl Sample for Truncated {
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        if self.mass >= REJECTION_MASS {
            loop {
                let x = self.inner.sample(rng);
                if x >= self.lo && x <= self.hi {
                    return x;
                }
            }
        }
        self.ppf(open01(rng))
    }
}

impl Moments for Truncated {
    fn mean(&self) -> f64 {
        self.moments().0
    }
    fn variance(&self) -> f64 {
        self.moments().1
    }
}

impl Quantile for Truncated {
    fn cdf(&self, x: f64) -> f64 {
        if x < self.lo {
            0.0
        } else if x >= self.hi {
            1.0
        } else {
            ((self.inner.cdf(x) - self.mass_below) / self.mass).clamp(0.0, 1.0)
        }
    }
    fn cdf_below(&self, x: f64) -> f64 {
        if x <= self.lo {
            0.0
        } else if x > self.hi {
            1.0
        } else {
            ((self.inner.cdf_below(x) - self.mass_below) / self.mass).clamp(0.0, 1.0)
        }
    }
    fn ppf(&self, q: f64) -> f64 {
        let u = (self.mass_below + q * self.mass).min(1.0);
        self.inner.ppf(u).clamp(self.lo, self.hi)
    }
    fn is_discrete(&self) -> bool {
        self.inner.is_discrete()
    }
    fn support(&self) -> (f64, f64) {
        let (a, b) = self.inner.support();
        (a.max(self.lo), b.min(self.hi))
    }
}
