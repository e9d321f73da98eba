use super::primitives::open01;
use super::quadrature::integrate_unit;
use super::{fmt_num, Dist, Moments, Quantile, Sample};
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
    /// P(X < lo) and P(X <= hi) under the inner law.
    below: f64,
    at_hi: f64,
    /// P(X >= lo) and P(X > hi): the same ends seen from the upper tail, kept
    /// so an interval such as [8, inf) of a normal (P(X >= 8) = 6e-16) is not
    /// lost in 1 - cdf.
    tail_lo: f64,
    tail_hi: f64,
    /// P(lo <= X <= hi) under the inner law.
    mass: f64,
}

/// Above this share of the inner mass, rejection beats inversion.
const REJECTION_MASS: f64 = 0.25;

/// The smallest mass accepted, relative to the larger inner probability it is
/// computed from: below it rounding leaves fewer than ~7 digits.
const MIN_RELATIVE_MASS: f64 = 1e-9;

/// Integer laws are summed term by term for their moments up to this many values.
const MAX_SUMMED_VALUES: f64 = 100_000.0;

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
                "{NAME}: lo must be <= hi, got lo={}, hi={}",
                fmt_num(lo),
                fmt_num(hi)
            )));
        }
        let (below, at_hi) = (inner.cdf_below(lo), inner.cdf(hi));
        let (tail_lo, tail_hi) = (inner.sf_from(lo), inner.sf(hi));
        // The difference taken in the tail both ends lie in, where it has its
        // precision; across the middle, what the two outer tails leave.
        let (mass, larger) = if below >= 0.5 {
            (tail_lo - tail_hi, tail_lo)
        } else if at_hi <= 0.5 {
            (at_hi - below, at_hi)
        } else {
            (1.0 - below - tail_hi, 1.0)
        };
        // NaN mass (an inner cdf that failed) is refused too.
        if mass.is_nan() || mass <= 0.0 {
            return Err(Error::InvalidArgument(format!(
                "{NAME}: [{}, {}] has (numerically) zero probability under {}",
                fmt_num(lo),
                fmt_num(hi),
                inner.describe()
            )));
        }
        // A mass within a few ulps of the probabilities it is the difference
        // of (normal(0, 1) on [-2e-16, 0]: 0.5 - 0.49999999999999994) has no
        // digits left to place quantiles with.
        if mass < MIN_RELATIVE_MASS * larger {
            return Err(Error::InvalidArgument(format!(
                "{NAME}: [{}, {}] is too narrow to resolve under {}: its probability {} is below 1e-9 of the cdf values it is the difference of",
                fmt_num(lo),
                fmt_num(hi),
                inner.describe(),
                fmt_num(mass)
            )));
        }
        Ok(Truncated {
            inner: Box::new(inner),
            lo,
            hi,
            below,
            at_hi,
            tail_lo,
            tail_hi,
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

    /// (mean, variance), summed over the support for integer laws with few
    /// enough values, and integrated over the quantile function otherwise.
    fn moments(&self) -> (f64, f64) {
        let (first, last) = (self.ppf(1e-15), self.ppf(1.0 - 1e-15));
        if self.inner.is_integer_valued() && last - first <= MAX_SUMMED_VALUES {
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

// Each probability is formed from whichever side of the inner law's median x
// lies on: F(x) - F(lo-) below it, S(lo-) - S(x) above it, so neither end of a
// truncation in a far tail cancels to zero.
impl Quantile for Truncated {
    fn cdf(&self, x: f64) -> f64 {
        if x < self.lo {
            return 0.0;
        }
        if x >= self.hi {
            return 1.0;
        }
        let f = self.inner.cdf(x);
        let p = if f <= 0.5 {
            f - self.below
        } else {
            self.tail_lo - self.inner.sf(x)
        };
        (p / self.mass).clamp(0.0, 1.0)
    }
    fn cdf_below(&self, x: f64) -> f64 {
        if x <= self.lo {
            return 0.0;
        }
        if x > self.hi {
            return 1.0;
        }
        let f = self.inner.cdf_below(x);
        let p = if f <= 0.5 {
            f - self.below
        } else {
            self.tail_lo - self.inner.sf_from(x)
        };
        (p / self.mass).clamp(0.0, 1.0)
    }
    fn sf(&self, x: f64) -> f64 {
        if x < self.lo {
            return 1.0;
        }
        if x >= self.hi {
            return 0.0;
        }
        let f = self.inner.cdf(x);
        let p = if f <= 0.5 {
            self.at_hi - f
        } else {
            self.inner.sf(x) - self.tail_hi
        };
        (p / self.mass).clamp(0.0, 1.0)
    }
    fn ppf(&self, q: f64) -> f64 {
        self.quantile(q, false)
    }
    fn isf(&self, q: f64) -> f64 {
        self.quantile(q, true)
    }
    fn is_discrete(&self) -> bool {
        self.inner.is_discrete()
    }
    fn support(&self) -> (f64, f64) {
        let (a, b) = self.inner.support();
        let (a, b) = (a.max(self.lo), b.min(self.hi));
        // An integer law cut at 4.5 takes 5 at the lowest.
        if self.inner.is_integer_valued() {
            (a.ceil(), b.floor())
        } else {
            (a, b)
        }
    }
}

impl Truncated {
    /// ppf(q), or isf(q) when `upper`: the inner law's quantile at the
    /// matching level, found from whichever tail of it that level lies in.
    fn quantile(&self, q: f64, upper: bool) -> f64 {
        // q below (lower) = P(lo <= X <= x) / mass, and its complement, each
        // without rounding 1 - q when q is the small one.
        let (q_below, q_above) = if upper { (1.0 - q, q) } else { (q, 1.0 - q) };
        let (lo, hi) = self.support();
        if q_below <= 0.0 {
            return lo;
        }
        if q_above <= 0.0 {
            return hi;
        }
        // The inner law's P(X <= x) and P(X > x) at the answer, from the
        // smaller of q_below and q_above (the other is rounded 1 - it).
        let (u, s) = if q_below <= 0.5 {
            (
                self.below + q_below * self.mass,
                self.tail_lo - q_below * self.mass,
            )
        } else {
            (
                self.at_hi - q_above * self.mass,
                self.tail_hi + q_above * self.mass,
            )
        };
        let x = if u <= s {
            self.inner.ppf(u)
        } else {
            self.inner.isf(s)
        };
        x.clamp(lo, hi)
    }
}
