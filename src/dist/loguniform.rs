use super::primitives::uniform01;
use super::validate::{ordered, positive};
use super::{Moments, Parameters, Quantile, Sample};
use crate::error::Result;
use rand::Rng;

/// Log-uniform on [lo, hi], 0 < lo < hi: its log is uniform, so each factor
/// of ten in the range is equally likely (density ∝ 1/x); scipy's
/// `loguniform(lo, hi)`. For a quantity known only to its order of
/// magnitude ("a thousand to a hundred thousand rounds").
///
/// ```
/// use munflow::dist::{LogUniform, Quantile};
/// let rounds = LogUniform::new(1e3, 1e5).unwrap();
/// assert!((rounds.ppf(0.5) - 1e4).abs() < 1e-9);
/// assert!(LogUniform::new(0.0, 1e5).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogUniform {
    lo: f64,
    hi: f64,
    ln_lo: f64,
    ln_hi: f64,
}

impl LogUniform {
    pub fn new(lo: f64, hi: f64) -> Result<Self> {
        const NAME: &str = "loguniform";
        positive(NAME, "lo", lo)?;
        ordered(NAME, "lo", lo, "hi", hi)?;
        Ok(LogUniform {
            lo,
            hi,
            ln_lo: lo.ln(),
            ln_hi: hi.ln(),
        })
    }
    pub fn lo(&self) -> f64 {
        self.lo
    }
    pub fn hi(&self) -> f64 {
        self.hi
    }
    /// ln(hi / lo), the width of the range in logs.
    fn span(&self) -> f64 {
        self.ln_hi - self.ln_lo
    }
}

impl Parameters for LogUniform {
    fn family(&self) -> &'static str {
        "loguniform"
    }
    fn params(&self) -> Vec<f64> {
        vec![self.lo, self.hi]
    }
}

impl Sample for LogUniform {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.ppf(uniform01(rng))
    }
}

impl Moments for LogUniform {
    /// (hi - lo) / ln(hi / lo).
    fn mean(&self) -> f64 {
        (self.hi - self.lo) / self.span()
    }
    fn variance(&self) -> f64 {
        self.sd().powi(2)
    }
    /// The root of E[X²] - mean² = mean ((lo + hi) / 2 - mean), taken factor
    /// by factor: the product overflows for bounds near the float range's end.
    fn sd(&self) -> f64 {
        let mean = self.mean();
        mean.sqrt() * (0.5 * self.lo + 0.5 * self.hi - mean).max(0.0).sqrt()
    }
}

impl Quantile for LogUniform {
    fn cdf(&self, x: f64) -> f64 {
        if x <= self.lo {
            0.0
        } else if x >= self.hi {
            1.0
        } else {
            (x / self.lo).ln() / self.span()
        }
    }
    fn sf(&self, x: f64) -> f64 {
        if x <= self.lo {
            1.0
        } else if x >= self.hi {
            0.0
        } else {
            (self.hi / x).ln() / self.span()
        }
    }
    fn ppf(&self, q: f64) -> f64 {
        if q <= 0.0 {
            return self.lo;
        }
        (self.ln_lo + q * self.span()).exp().clamp(self.lo, self.hi)
    }
    /// From hi, so a tiny q keeps its precision.
    fn isf(&self, q: f64) -> f64 {
        if q <= 0.0 {
            return self.hi;
        }
        (self.ln_hi - q * self.span()).exp().clamp(self.lo, self.hi)
    }
    fn support(&self) -> (f64, f64) {
        (self.lo, self.hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_invert_the_cdf_and_each_decade_is_equally_likely() {
        let d = LogUniform::new(1e3, 1e5).unwrap();
        assert!((d.cdf(1e4) - 0.5).abs() < 1e-15);
        for i in 1..1000 {
            let q = i as f64 / 1000.0;
            assert!((d.cdf(d.ppf(q)) - q).abs() < 1e-12, "{q}");
            assert!((d.sf(d.isf(q)) - q).abs() < 1e-12, "{q}");
        }
        assert_eq!((d.ppf(0.0), d.ppf(1.0)), (1e3, 1e5));
    }

    #[test]
    fn moments_hold_near_the_float_range_end_and_for_a_narrow_range() {
        let wide = LogUniform::new(1e300, 1e308).unwrap();
        assert!(wide.mean().is_finite() && wide.sd().is_finite());
        // A narrow range is nearly uniform: sd ≈ (hi - lo) / sqrt(12).
        let narrow = LogUniform::new(1.0, 1.001).unwrap();
        assert!((narrow.sd() / (0.001 / 12f64.sqrt()) - 1.0).abs() < 1e-3);
    }

    #[test]
    fn bad_bounds_are_named() {
        let err = |lo, hi| LogUniform::new(lo, hi).unwrap_err().to_string();
        assert!(
            err(0.0, 1.0).contains("lo must be > 0, got 0"),
            "{}",
            err(0.0, 1.0)
        );
        assert!(err(5.0, 2.0).contains("lo must be < hi"));
        assert!(err(1.0, f64::NAN).contains("hi must be a finite number"));
    }
}
