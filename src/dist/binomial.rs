use super::primitives::{stirling_tail, uniform01};
use super::quadrature::invert_cdf;
use super::special::beta_reg;
use super::validate::{count, probability};
use super::{integer_cdf_below, integer_sf_from, Moments, Quantile, Sample};
use crate::error::Result;
use rand::Rng;

/// Binomial(n, p): how many of `n` items succeed, each with probability `p`
/// (functioning shells out of those delivered, say).
///
/// ```
/// use munflow::dist::{Binomial, Moments};
/// let functioning = Binomial::new(1000.0, 0.8).unwrap();
/// assert_eq!(functioning.mean(), 800.0);
/// assert!(Binomial::new(10.5, 0.8).is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Binomial {
    n: u64,
    p: f64,
    sampler: BinomialSampler,
}

impl Binomial {
    pub fn new(n: f64, p: f64) -> Result<Self> {
        let n = count("binomial", "n", n)?;
        let p = probability("binomial", "p", p)?;
        Ok(Binomial {
            n,
            p,
            sampler: BinomialSampler::new(n, p),
        })
    }
    /// Just the sampler for (n, p), validated: for one draw per sample.
    #[inline(always)]
    pub(crate) fn sampler(n: f64, p: f64) -> Result<BinomialSampler> {
        // The common case tested inline; messages are built out of line.
        if (0.0..=MAX_COUNT).contains(&n) && n.fract() == 0.0 && (0.0..=1.0).contains(&p) {
            Ok(BinomialSampler::from_f64(n, p))
        } else {
            Self::invalid(n, p)
        }
    }

    #[cold]
    #[inline(never)]
    fn invalid(n: f64, p: f64) -> Result<BinomialSampler> {
        count("binomial", "n", n)?;
        probability("binomial", "p", p)?;
        unreachable_sampler()
    }

    pub fn n(&self) -> u64 {
        self.n
    }
    pub fn p(&self) -> f64 {
        self.p
    }
}

impl Sample for Binomial {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.sampler.sample(rng)
    }
}

impl Moments for Binomial {
    fn mean(&self) -> f64 {
        self.n as f64 * self.p
    }
    fn variance(&self) -> f64 {
        self.n as f64 * self.p * (1.0 - self.p)
    }
}

impl Quantile for Binomial {
    fn cdf(&self, x: f64) -> f64 {
        if x < 0.0 {
            0.0
        } else if x >= self.n as f64 {
            1.0
        } else {
            let k = x.floor();
            beta_reg(self.n as f64 - k, k + 1.0, 1.0 - self.p, self.p)
        }
    }
    fn cdf_below(&self, x: f64) -> f64 {
        integer_cdf_below(|k| self.cdf(k), x)
    }
    fn sf(&self, x: f64) -> f64 {
        if x < 0.0 {
            1.0
        } else if x >= self.n as f64 {
            0.0
        } else {
            let k = x.floor();
            beta_reg(k + 1.0, self.n as f64 - k, self.p, 1.0 - self.p)
        }
    }
    fn sf_from(&self, x: f64) -> f64 {
        integer_sf_from(|k| self.sf(k), x)
    }
    fn ppf(&self, q: f64) -> f64 {
        // The cdf rounds to 1 long before n (binomial(1000, 0.8) at 897).
        if q >= 1.0 && self.p > 0.0 {
            return self.n as f64;
        }
        invert_cdf(|x| self.cdf(x), q, 0.0, self.n as f64, true)
    }
    fn isf(&self, q: f64) -> f64 {
        if q <= 0.0 && self.p > 0.0 {
            return self.n as f64;
        }
        invert_cdf(|x| -self.sf(x), -q, 0.0, self.n as f64, true)
    }
    fn is_discrete(&self) -> bool {
        true
    }
    fn support(&self) -> (f64, f64) {
        (0.0, self.n as f64)
    }
}

/// 2^53: beyond it not every whole number is representable as f64.
const MAX_COUNT: f64 = 9_007_199_254_740_992.0;

/// Only reached if the inline check and the validators disagree.
#[cold]
fn unreachable_sampler() -> Result<BinomialSampler> {
    Err(crate::Error::InvalidArgument(
        "binomial: invalid parameters".into(),
    ))
}

/// Below this mean (of the smaller tail) inversion beats rejection.
const INVERSION_BELOW: f64 = 10.0;

/// The binomial sampler, its constants precomputed from (n, p): cheap enough
/// to build once per sample when n and p come from other nodes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BinomialSampler {
    n: f64,
    /// Draws count failures rather than successes (p > 1/2 is sampled as 1 - p).
    flipped: bool,
    method: Method,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Method {
    /// p == 0 after flipping: always 0.
    Zero,
    /// Sequential search of the cdf from 0 (Kachitvichyanukul & Schmeiser's BINV).
    Inversion { q_n: f64, s: f64, a: f64 },
    /// Transformed rejection with squeeze (Hörmann 1993, "BTRS").
    Rejection(Btrs),
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Btrs {
    a: f64,
    b: f64,
    c: f64,
    v_r: f64,
    alpha: f64,
    p: f64,
    /// The mode, floor((n + 1) p).
    m: f64,
}

impl BinomialSampler {
    /// `n` a whole number >= 0 and `p` in [0, 1] (checked by the caller).
    #[inline]
    pub(crate) fn new(n: u64, p: f64) -> Self {
        Self::from_f64(n as f64, p)
    }

    #[inline(always)]
    fn from_f64(n: f64, p: f64) -> Self {
        let flipped = p > 0.5;
        let p = if flipped { 1.0 - p } else { p };
        let q = 1.0 - p;
        let method = if p == 0.0 || n == 0.0 {
            Method::Zero
        } else if n * p < INVERSION_BELOW {
            let s = p / q;
            Method::Inversion {
                q_n: (n * (-p).ln_1p()).exp(),
                s,
                a: (n + 1.0) * s,
            }
        } else {
            let spq = (n * p * q).sqrt();
            let b = 1.15 + 2.53 * spq;
            let inv_b = 1.0 / b;
            let m = ((n + 1.0) * p).floor();
            Method::Rejection(Btrs {
                a: -0.0873 + 0.0248 * b + 0.01 * p,
                b,
                c: n * p + 0.5,
                v_r: 0.92 - 4.2 * inv_b,
                alpha: (2.83 + 5.1 * inv_b) * spq,
                p,
                m,
            })
        };
        BinomialSampler { n, flipped, method }
    }

    #[inline]
    pub(crate) fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let k = match &self.method {
            Method::Zero => 0.0,
            Method::Inversion { q_n, s, a } => self.inversion(*q_n, *s, *a, rng),
            Method::Rejection(btrs) => btrs.sample(self.n, rng),
        };
        if self.flipped {
            self.n - k
        } else {
            k
        }
    }

    #[inline]
    fn inversion<R: Rng + ?Sized>(&self, q_n: f64, s: f64, a: f64, rng: &mut R) -> f64 {
        // n p < 10, so a count beyond 110 is > 30 sd out: rounding, start again.
        let limit = self.n.min(110.0);
        'draw: loop {
            let mut u = uniform01(rng);
            let mut r = q_n;
            let mut k = 0.0;
            while u > r {
                u -= r;
                k += 1.0;
                if k > limit {
                    continue 'draw;
                }
                r *= a / k - s;
            }
            return k;
        }
    }
}

impl Btrs {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, n: f64, rng: &mut R) -> f64 {
        loop {
            let u = uniform01(rng) - 0.5;
            let v = uniform01(rng);
            let us = 0.5 - u.abs();
            let t = (2.0 * self.a / us + self.b) * u + self.c;
            if t < 0.0 {
                continue;
            }
            // t >= 0, so truncation is the floor (and cheaper without SSE4.1).
            let k = t as u64 as f64;
            if k > n {
                continue;
            }
            // The squeeze accepts most draws with no logarithm.
            if us >= 0.07 && v <= self.v_r {
                return k;
            }
            // The exact test (Hörmann's step 3.4 written with Stirling tails,
            // four logarithms), reached for ~1 draw in 4 at large n. Nothing
            // here is precomputed: a sampler is often built for one draw
            // (binomial thinning of a drawn count).
            let v = (v * self.alpha / (self.a / (us * us) + self.b)).ln();
            let (m, r) = (self.m, self.p / (1.0 - self.p));
            let (nm, nk) = (n - m + 1.0, n - k + 1.0);
            let bound = (m + 0.5) * ((m + 1.0) / (r * nm)).ln()
                + (n + 1.0) * (nm / nk).ln()
                + (k + 0.5) * (r * nk / (k + 1.0)).ln()
                + stirling_tail(m)
                + stirling_tail(n - m)
                - stirling_tail(k)
                - stirling_tail(n - k);
            if v <= bound {
                return k;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_methods_hit_the_mean_and_variance() {
        use rand::SeedableRng;
        for (n, p) in [
            (20u64, 0.1),
            (50, 0.5),
            (2_000_000, 0.8),
            (1000, 0.003),
            (30, 0.97),
        ] {
            let sampler = BinomialSampler::new(n, p);
            let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(n);
            let draws: Vec<f64> = (0..200_000).map(|_| sampler.sample(&mut rng)).collect();
            let m = draws.iter().sum::<f64>() / draws.len() as f64;
            let v = draws.iter().map(|x| (x - m).powi(2)).sum::<f64>() / draws.len() as f64;
            let (mean, var) = (n as f64 * p, n as f64 * p * (1.0 - p));
            let se = (var / draws.len() as f64).sqrt();
            assert!(
                (m - mean).abs() < 5.0 * se,
                "n={n} p={p}: mean {m} vs {mean}"
            );
            assert!(
                (v / var - 1.0).abs() < 0.03,
                "n={n} p={p}: var {v} vs {var}"
            );
            assert!(draws
                .iter()
                .all(|&k| k >= 0.0 && k <= n as f64 && k.fract() == 0.0));
        }
    }
}
