use super::primitives::uniform01;
use super::validate::finite;
use super::{fmt_num, Moments, Parameters, Quantile, Sample};
use crate::error::{Error, Result};
use rand::Rng;

/// The whole numbers lo, lo + 1, ..., hi, each equally likely: both bounds
/// are included, unlike numpy's `integers` and scipy's `randint` (whose
/// `randint(40, 61)` is `Integers::new(40.0, 60.0)`).
///
/// ```
/// use munflow::dist::{Integers, Moments, Quantile};
/// let launches = Integers::new(40.0, 60.0).unwrap();
/// assert_eq!(launches.mean(), 50.0);
/// assert_eq!(launches.cdf(60.0), 1.0);
/// assert_eq!(launches.ppf(1.0 / 21.0), 40.0);
/// assert!(Integers::new(40.5, 60.0).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Integers {
    lo: f64,
    hi: f64,
    /// How many values: hi - lo + 1.
    count: f64,
}

/// 2^53: beyond it a double does not hold every whole number.
const EXACT: f64 = 9_007_199_254_740_992.0;

impl Integers {
    pub fn new(lo: f64, hi: f64) -> Result<Self> {
        const NAME: &str = "integers";
        for (param, v) in [("lo", lo), ("hi", hi)] {
            finite(NAME, param, v)?;
            if v.fract() != 0.0 || v.abs() > EXACT {
                return Err(Error::param(
                    NAME,
                    param,
                    "a whole number in [-2^53, 2^53]",
                    v,
                ));
            }
        }
        if lo > hi {
            return Err(Error::InvalidArgument(format!(
                "{NAME}: lo must be <= hi, got lo={}, hi={}",
                fmt_num(lo),
                fmt_num(hi)
            )));
        }
        if hi - lo >= EXACT {
            return Err(Error::InvalidArgument(format!(
                "{NAME}: hi - lo must be < 2^53 (every count exact), got lo={}, hi={}",
                fmt_num(lo),
                fmt_num(hi)
            )));
        }
        Ok(Integers {
            lo,
            hi,
            count: hi - lo + 1.0,
        })
    }
    pub fn lo(&self) -> f64 {
        self.lo
    }
    pub fn hi(&self) -> f64 {
        self.hi
    }
}

impl Parameters for Integers {
    fn family(&self) -> &'static str {
        "integers"
    }
    fn params(&self) -> Vec<f64> {
        vec![self.lo, self.hi]
    }
}

impl Sample for Integers {
    /// lo + floor(u count): u has 53 random bits, so the values are equally
    /// likely to within count / 2^53.
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        (self.lo + (uniform01(rng) * self.count).floor()).min(self.hi)
    }
}

impl Moments for Integers {
    fn mean(&self) -> f64 {
        self.lo + 0.5 * (self.hi - self.lo)
    }
    /// (count² - 1) / 12, as (hi - lo)(hi - lo + 2) / 12 (no cancellation).
    fn variance(&self) -> f64 {
        let span = self.hi - self.lo;
        span * (span + 2.0) / 12.0
    }
}

impl Quantile for Integers {
    fn cdf(&self, x: f64) -> f64 {
        if x < self.lo {
            0.0
        } else if x >= self.hi {
            1.0
        } else {
            (x.floor() - self.lo + 1.0) / self.count
        }
    }
    fn cdf_below(&self, x: f64) -> f64 {
        self.cdf(x.ceil() - 1.0)
    }
    fn sf(&self, x: f64) -> f64 {
        if x < self.lo {
            1.0
        } else if x >= self.hi {
            0.0
        } else {
            (self.hi - x.floor()) / self.count
        }
    }
    fn sf_from(&self, x: f64) -> f64 {
        self.sf(x.ceil() - 1.0)
    }
    /// The least k with cdf(k) >= q: lo + ceil(q count) - 1, then a step
    /// either way if rounding of q count put it beside the answer.
    fn ppf(&self, q: f64) -> f64 {
        if q <= 0.0 {
            return self.lo;
        }
        let mut k = (self.lo + (q * self.count).ceil() - 1.0).clamp(self.lo, self.hi);
        if k > self.lo && self.cdf(k - 1.0) >= q {
            k -= 1.0;
        } else if k < self.hi && self.cdf(k) < q {
            k += 1.0;
        }
        k
    }
    /// The least k with sf(k) <= q: ceil(hi - q count), stepped as in ppf.
    fn isf(&self, q: f64) -> f64 {
        if q <= 0.0 {
            return self.hi;
        }
        let mut k = (self.hi - q * self.count).ceil().clamp(self.lo, self.hi);
        if k > self.lo && self.sf(k - 1.0) <= q {
            k -= 1.0;
        } else if k < self.hi && self.sf(k) > q {
            k += 1.0;
        }
        k
    }
    fn is_discrete(&self) -> bool {
        true
    }
    fn support(&self) -> (f64, f64) {
        (self.lo, self.hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn every_value_from_lo_to_hi_is_drawn_equally_often() {
        let d = Integers::new(-3.0, 3.0).unwrap();
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
        let n = 70_000;
        let mut counts = [0usize; 7];
        for _ in 0..n {
            let k = d.sample(&mut rng);
            assert!(k.fract() == 0.0 && (-3.0..=3.0).contains(&k), "{k}");
            counts[(k + 3.0) as usize] += 1;
        }
        for c in counts {
            // Expected 10,000 each, sd ~93.
            assert!((c as f64 - 10_000.0).abs() < 500.0, "{counts:?}");
        }
    }

    #[test]
    fn quantiles_are_the_least_values_with_that_probability() {
        for (lo, hi) in [(40.0, 60.0), (-5.0, -5.0), (0.0, 1.0), (-1e6, 1e6)] {
            let d = Integers::new(lo, hi).unwrap();
            for i in 0..=1000 {
                let q = i as f64 / 1000.0;
                let k = d.ppf(q);
                assert!(
                    d.cdf(k) >= q && (k == lo || d.cdf(k - 1.0) < q),
                    "{lo} {hi} {q}"
                );
                let k = d.isf(q);
                assert!(
                    d.sf(k) <= q && (k == lo || d.sf(k - 1.0) > q),
                    "{lo} {hi} {q}"
                );
            }
            assert_eq!(d.cdf_below(lo), 0.0);
            assert_eq!(d.sf_from(hi), 1.0 / d.count);
        }
    }

    #[test]
    fn bad_bounds_are_named() {
        let err = |lo, hi| Integers::new(lo, hi).unwrap_err().to_string();
        assert!(err(40.5, 60.0).contains("lo must be a whole number"));
        assert!(err(40.0, f64::INFINITY).contains("hi must be a finite number"));
        assert!(err(60.0, 40.0).contains("lo must be <= hi, got lo=60, hi=40"));
    }
}
