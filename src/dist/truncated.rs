use super::primitives::open01;
use super::quadrature::{invert_cdf, quantile_moments};
use super::{fmt_num, mixture_moments, Dist, Moments, Quantile, Sample};
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

/// The smallest mass accepted at all. The law's probabilities are fractions
/// q·mass of the inner law's; below 1e-290 they turn subnormal (under 2.2e-308)
/// for q of 1e-18 and lose their digits (beta(5e-324, 1.27) on [5e-324, 1],
/// mass 4e-321, had a cdf in steps of 1e-3).
const MIN_MASS: f64 = 1e-290;

/// Integer laws are summed term by term for their moments up to this many values.
const MAX_SUMMED_VALUES: f64 = 100_000.0;

/// Rejection draws tried before falling back to inversion. With an acceptance
/// of at least [`REJECTION_MASS`] this is reached once in 1e8 draws; it only
/// guards against an inner sampler that misses an interval its cdf says is
/// likely. The law drawn is the same either way.
const MAX_REJECTIONS: usize = 64;

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
        if mass < MIN_MASS {
            return Err(Error::InvalidArgument(format!(
                "{NAME}: [{}, {}] has probability {} under {}, below 1e-290: too small to compute with",
                fmt_num(lo),
                fmt_num(hi),
                fmt_num(mass),
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

    /// (mean, sd), the mean kept within the support (the quadrature's weights
    /// sum to 1 only up to rounding).
    fn moments(&self) -> (f64, f64) {
        let (lo, hi) = self.support();
        let (mean, sd) = self.unclamped_moments();
        (mean.clamp(lo, hi), sd)
    }

    /// (mean, sd). Laws with atoms are summed over them: integrating their
    /// step-shaped quantile function put truncated(empirical([10, 20, 1e8]), 15)'s
    /// mean at 49,386,418 instead of 50,000,010.
    fn unclamped_moments(&self) -> (f64, f64) {
        let (lo, hi) = (self.lo, self.hi);
        // Nothing cut off (judged from the support, as a mass of 1e-305 cut
        // off is 0 in the probabilities): the inner law's own moments.
        let (first, last) = self.inner.support();
        if lo <= first && last <= hi {
            return (self.inner.mean(), self.inner.sd());
        }
        match &*self.inner {
            Dist::Constant(c) => (c.value(), 0.0),
            Dist::Categorical(c) => {
                let atoms = c.values().iter().zip(c.weights());
                let kept: Vec<(f64, f64)> = atoms
                    .filter(|(v, _)| (lo..=hi).contains(*v))
                    .map(|(&v, &w)| (w, v))
                    .collect();
                let total: f64 = kept.iter().map(|(w, _)| w).sum();
                mixture_moments(kept.iter().map(|&(w, v)| (w / total, v, 0.0)))
            }
            Dist::Mixture(m) => {
                let parts = m.components().iter().zip(m.weights());
                Self::mixture_of_truncations(parts.map(|(c, &w)| (w, c.clone())), lo, hi)
                    .unwrap_or_else(|| self.continuous_moments())
            }
            Dist::Truncated(t) => {
                let (lo, hi) = (lo.max(t.lo), hi.min(t.hi));
                match Truncated::new(t.inner().clone(), lo, hi) {
                    Ok(t) => t.moments(),
                    Err(_) => self.continuous_moments(),
                }
            }
            d if d.is_integer_valued() => self.integer_moments(),
            _ => self.continuous_moments(),
        }
    }

    /// The moments of a mixture cut to [lo, hi]: each component cut on its
    /// own, weighted by its weight times the mass it keeps. None if no
    /// component keeps a mass that can be resolved.
    fn mixture_of_truncations(
        parts: impl Iterator<Item = (f64, Dist)>,
        lo: f64,
        hi: f64,
    ) -> Option<(f64, f64)> {
        // A component with no (resolvable) mass in [lo, hi] contributes nothing.
        let kept: Vec<(f64, f64, f64)> = parts
            .filter_map(|(w, c)| Truncated::new(c, lo, hi).ok().map(|t| (w, t)))
            .map(|(w, t)| {
                let (mean, sd) = t.moments();
                (w * t.mass, mean, sd)
            })
            .collect();
        let total: f64 = kept.iter().map(|(w, _, _)| w).sum();
        (total > 0.0).then(|| mixture_moments(kept.iter().map(|&(w, m, s)| (w / total, m, s))))
    }

    /// Integer laws: summed value by value over the support that holds all but
    /// 2e-15 of the mass when it has at most [`MAX_SUMMED_VALUES`] values (the
    /// count is an integer, so the loop ends even where k + 1 == k); else by
    /// quadrature of the law spread uniformly over [k - 1/2, k + 1/2] around
    /// each value k, whose quantile function is continuous (the spread adds
    /// 1/12 to the variance, taken off again).
    fn integer_moments(&self) -> (f64, f64) {
        let (first, last) = (self.ppf(1e-15), self.isf(1e-15));
        if last - first > MAX_SUMMED_VALUES {
            let (mean, sd) = quantile_moments(|u| self.spread_quantile(u));
            return (mean, (sd * sd - 1.0 / 12.0).max(0.0).sqrt());
        }
        // Offsets from `first` keep the second moment free of cancellation.
        let (mut s0, mut s1, mut s2) = (0.0, 0.0, 0.0);
        let mut below = self.cdf_below(first);
        for i in 0..=(last - first) as u64 {
            let k = first + i as f64;
            let at = self.cdf(k);
            let p = at - below;
            below = at;
            let d = i as f64;
            s0 += p;
            s1 += p * d;
            s2 += p * d * d;
        }
        let offset = s1 / s0;
        (first + offset, (s2 / s0 - offset * offset).max(0.0).sqrt())
    }

    /// The quantile function of X - 1/2 + U, U uniform on [0, 1): linear in u
    /// between the cdf's steps, so quadrature converges as for a smooth law.
    fn spread_quantile(&self, u: f64) -> f64 {
        let k = self.ppf(u);
        let (before, at) = (self.cdf_below(k), self.cdf(k));
        let within = if at > before {
            ((u - before) / (at - before)).clamp(0.0, 1.0)
        } else {
            0.5
        };
        k - 0.5 + within
    }

    /// Continuous laws: quadrature of the quantile function.
    fn continuous_moments(&self) -> (f64, f64) {
        quantile_moments(|u| self.ppf(u))
    }
}

impl Sample for Truncated {
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        if self.mass >= REJECTION_MASS {
            for _ in 0..MAX_REJECTIONS {
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
        self.sd().powi(2)
    }
    fn sd(&self) -> f64 {
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
        if self.inner.is_discrete() {
            let x = self.inner_quantile(u, s).clamp(lo, hi);
            if self.reaches(x, q_below, q_above) {
                return x;
            }
            return self.search(q_below, q_above);
        }
        // A level too close to an end for u and s to move off that end's
        // probabilities: the quantile is that end, to the precision the inner
        // cdf has there. (The inner quantile at those probabilities is only
        // good to some ulps, which can put it on either side of a quantile for
        // a slightly larger q: ppf must not fall.)
        let unresolved = if q_below <= 0.5 {
            u == self.below && s == self.tail_lo
        } else {
            u == self.at_hi && s == self.tail_hi
        };
        if unresolved {
            return if q_below <= 0.5 { lo } else { hi };
        }
        self.inner_quantile(u, s).clamp(lo, hi)
    }

    /// The inner law's quantile at P(X <= x) = u, P(X > x) = s, from the tail
    /// the smaller of the two describes.
    fn inner_quantile(&self, u: f64, s: f64) -> f64 {
        if u <= s {
            self.inner.ppf(u)
        } else {
            self.inner.isf(s)
        }
    }

    /// Whether the cdf at x reaches the level (q_below from below, q_above from
    /// above). It can fail for a discrete law when q is so small that
    /// below + q·mass rounds to below, the inner quantile then being the atom
    /// under lo (and x, clamped, lo itself, which need not be an atom).
    fn reaches(&self, x: f64, q_below: f64, q_above: f64) -> bool {
        if q_below <= 0.5 {
            self.cdf(x) >= q_below
        } else {
            self.sf(x) <= q_above
        }
    }

    /// The quantile by searching this law's own cdf (or sf) over its support.
    fn search(&self, q_below: f64, q_above: f64) -> f64 {
        let (lo, hi) = self.support();
        let integer = self.inner.is_integer_valued();
        if q_below <= 0.5 {
            invert_cdf(|x| self.cdf(x), q_below, lo, hi, integer)
        } else {
            invert_cdf(|x| -self.sf(x), -q_above, lo, hi, integer)
        }
    }
}

impl super::Parameters for Truncated {
    fn family(&self) -> &'static str {
        "truncated"
    }
    /// The inner law's parameters, then the bounds.
    fn params(&self) -> Vec<f64> {
        let mut p = self.inner.params();
        p.extend([self.lo, self.hi]);
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::{Binomial, Categorical, Constant, Mixture, Normal, Poisson};

    fn cut(inner: impl Into<Dist>, lo: f64, hi: f64) -> Truncated {
        Truncated::new(inner.into(), lo, hi).unwrap()
    }

    #[test]
    fn atoms_are_summed_not_integrated() {
        let t = cut(
            Categorical::empirical(&[10.0, 20.0, 1e8]).unwrap(),
            15.0,
            f64::INFINITY,
        );
        assert_eq!(t.mean(), 50_000_010.0);
        assert!((t.sd() - (1e8 - 20.0) / 2.0).abs() < 1e-6);
        // Beyond 2^53 a value counter would stall (k + 1 == k).
        let t = cut(Constant::new(1e16).unwrap(), 0.0, f64::INFINITY);
        assert_eq!((t.mean(), t.sd()), (1e16, 0.0));
        let t = cut(Categorical::new(&[1e17], &[]).unwrap(), 0.0, f64::INFINITY);
        assert_eq!(t.variance(), 0.0);
    }

    #[test]
    fn mixtures_are_cut_component_by_component() {
        // Half normal(0, 1), half an atom at 3, cut at 0: weights 1/4 and 1/2.
        let m = Mixture::new(
            vec![
                Normal::new(0.0, 1.0).unwrap().into(),
                Constant::new(3.0).unwrap().into(),
            ],
            &[],
        )
        .unwrap();
        let t = cut(m, 0.0, f64::INFINITY);
        let half_normal_mean = (2.0 / std::f64::consts::PI).sqrt();
        let mean = (0.25 * half_normal_mean + 0.5 * 3.0) / 0.75;
        let second = (0.25 + 0.5 * 9.0) / 0.75;
        assert!((t.mean() - mean).abs() < 1e-12, "{}", t.mean());
        assert!((t.variance() - (second - mean * mean)).abs() < 1e-10);
    }

    #[test]
    fn integer_laws_with_wide_support_are_spread_not_stepped() {
        // Uncut binomial(2^53, 1/2): the moments are the binomial's.
        let n = 9_007_199_254_740_992.0;
        let t = cut(Binomial::new(n, 0.5).unwrap(), 0.0, n);
        assert_eq!(t.sd(), n.sqrt() / 2.0);
        // Poisson(1e12) cut at its mean: lam (1 + p(lam) / P(X >= lam)), with
        // p(lam) = e^(-1/12 lam)/sqrt(2 pi lam), P(X >= lam) = 1/2 + 1/(3 sqrt(2 pi lam)).
        let lam: f64 = 1e12;
        let root = (2.0 * std::f64::consts::PI * lam).sqrt();
        let want = lam * (1.0 + (-1.0 / (12.0 * lam)).exp() / root / (0.5 + 1.0 / (3.0 * root)));
        let t = cut(Poisson::new(lam).unwrap(), lam, f64::INFINITY);
        assert!(
            (t.mean() / want - 1.0).abs() < 1e-13,
            "{} vs {want}",
            t.mean()
        );
        // Summed value by value: Poisson(3) cut to [2, 6].
        let t = cut(Poisson::new(3.0).unwrap(), 2.0, 6.0);
        let pmf = |k: i32| (-3.0f64).exp() * 3f64.powi(k) / (1..=k).product::<i32>() as f64;
        let mass: f64 = (2..=6).map(pmf).sum();
        let mean: f64 = (2..=6).map(|k| k as f64 * pmf(k)).sum::<f64>() / mass;
        assert!((t.mean() - mean).abs() < 1e-13);
    }

    #[test]
    fn tiny_levels_of_a_discrete_cut_still_land_on_an_atom() {
        // below + q·mass rounds to below: the inner quantile is the atom under lo.
        let t = cut(
            Categorical::new(&[10.0, 5e-324], &[]).unwrap(),
            1.0,
            f64::INFINITY,
        );
        assert_eq!(t.ppf(1e-300), 10.0);
    }

    #[test]
    fn masses_too_small_to_compute_with_are_refused() {
        let err = Truncated::new(Normal::new(0.0, 1.0).unwrap().into(), 38.0, f64::INFINITY)
            .unwrap_err()
            .to_string();
        assert!(err.contains("1e-290"), "{err}");
    }
}
