use super::inversion::{fill_tabled, InversionTable, TABLED_VARIANCE};
use super::lazy::LazyTable;
use super::primitives::{ln_factorial, uniform01};
use super::quadrature::invert_count_cdf;
use super::special::gamma_pq;
use super::validate::non_negative;
use super::{integer_cdf_below, integer_sf_from, Moments, Quantile, Sample};
use crate::error::{Error, Result};
use rand::Rng;

/// Poisson(rate): counts of independent events, such as launches per month.
///
/// ```
/// use munflow::dist::{Moments, Poisson};
/// assert_eq!(Poisson::new(50.0).unwrap().variance(), 50.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Poisson {
    rate: f64,
    sampler: PoissonSampler,
    /// For moderate rates, fills draw by inversion of the tabled cdf.
    table: LazyTable<InversionTable>,
}

/// Above this a rate's draws are no longer exact integers in f64 arithmetic.
pub(crate) const MAX_RATE: f64 = 1.0e15;

/// The Poisson(rate) inversion table, for moderate rates.
fn poisson_table(rate: f64) -> Option<InversionTable> {
    if !TABLED_VARIANCE.contains(&rate) {
        return None;
    }
    InversionTable::from_ratios(rate.floor(), 0.0, f64::INFINITY, |k| rate / (k + 1.0))
}

impl Poisson {
    /// The value whose standard normal score is `z` (see
    /// [`super::Dist::from_normal_score`]), found from a Cornish-Fisher guess
    /// λ + √λ z + (z² - 1)/6 with one incomplete gamma call and steps of the
    /// pmf's recurrence, where the search from a normal guess takes ~5
    /// incomplete gamma calls. A timeline's monthly counts are drawn this way
    /// at every move of tempering, with a different rate in each row.
    ///
    /// Lower half: the smallest k with cdf(k) >= Φ(z); upper half: the
    /// smallest k with sf(k) <= Φ(-z), both summed in their own tail. A guess
    /// more than a few steps off (a far tail, a tiny rate) is searched as
    /// before.
    pub(crate) fn at_score(&self, z: f64) -> Option<f64> {
        const MOST_STEPS: usize = 8;
        let rate = self.rate;
        if !((1.0..=1e7).contains(&rate) && z.abs() <= 8.0) {
            return None;
        }
        let guess = (rate + rate.sqrt() * z + (z * z - 1.0) / 6.0)
            .round()
            .max(0.0);
        let pmf = |k: f64| (k * rate.ln() - rate - ln_factorial(k)).exp();
        let mut k = guess;
        let mut at_k = pmf(k);
        if z <= 0.0 {
            // c = cdf(k); cdf(k - 1) = cdf(k) - pmf(k).
            let q = super::normal::phi(z);
            let mut c = gamma_pq(k + 1.0, rate).1;
            for _ in 0..MOST_STEPS {
                if c >= q {
                    if k == 0.0 || c - at_k < q {
                        return Some(k);
                    }
                    c -= at_k;
                    at_k *= k / rate;
                    k -= 1.0;
                } else {
                    k += 1.0;
                    at_k *= rate / k;
                    c += at_k;
                }
            }
        } else {
            // s = sf(k); sf(k - 1) = sf(k) + pmf(k).
            let q = super::normal::phi(-z);
            let mut s = gamma_pq(k + 1.0, rate).0;
            for _ in 0..MOST_STEPS {
                if s <= q {
                    if k == 0.0 || s + at_k > q {
                        return Some(k);
                    }
                    s += at_k;
                    at_k *= k / rate;
                    k -= 1.0;
                } else {
                    k += 1.0;
                    at_k *= rate / k;
                    s -= at_k;
                }
            }
        }
        None
    }

    /// Where to start looking for the q-quantile: the normal approximation
    /// mean + sd z_q (the search from it is exact whatever its error).
    fn normal_guess(&self, q: f64) -> f64 {
        use super::Moments;
        self.mean() + self.sd() * super::normal::phi_inv(q.clamp(1e-300, 1.0))
    }

    pub fn new(rate: f64) -> Result<Self> {
        non_negative("poisson", "rate", rate)?;
        if rate > MAX_RATE {
            return Err(Error::param("poisson", "rate", "<= 1e15", rate));
        }
        Ok(Poisson {
            rate,
            sampler: PoissonSampler::new(rate),
            table: LazyTable::new(),
        })
    }
    /// One draw for a rate used once (no cdf tables built).
    pub(crate) fn sample_once<R: Rng + ?Sized>(rate: f64, rng: &mut R) -> Result<f64> {
        non_negative("poisson", "rate", rate)?;
        if rate > MAX_RATE {
            return Err(Error::param("poisson", "rate", "<= 1e15", rate));
        }
        Ok(PoissonSampler::new(rate).sample(rng))
    }

    pub fn rate(&self) -> f64 {
        self.rate
    }
}

impl Sample for Poisson {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.sampler.sample(rng)
    }

    fn fill<R: Rng + ?Sized>(&self, rng: &mut R, out: &mut [f64]) {
        let table = self.table.get(|| poisson_table(self.rate));
        fill_tabled(table, rng, out, |rng| self.sampler.sample(rng));
    }
}

impl Moments for Poisson {
    fn mean(&self) -> f64 {
        self.rate
    }
    fn variance(&self) -> f64 {
        self.rate
    }
}

impl Quantile for Poisson {
    /// P(X <= k) = Q(k + 1, rate), the regularised upper incomplete gamma.
    fn cdf(&self, x: f64) -> f64 {
        if x < 0.0 {
            0.0
        } else if self.rate == 0.0 || x == f64::INFINITY {
            1.0
        } else {
            gamma_pq(x.floor() + 1.0, self.rate).1
        }
    }
    fn cdf_below(&self, x: f64) -> f64 {
        integer_cdf_below(|k| self.cdf(k), x)
    }
    fn sf(&self, x: f64) -> f64 {
        if x < 0.0 {
            1.0
        } else if self.rate == 0.0 || x == f64::INFINITY {
            0.0
        } else {
            gamma_pq(x.floor() + 1.0, self.rate).0
        }
    }
    fn sf_from(&self, x: f64) -> f64 {
        integer_sf_from(|k| self.sf(k), x)
    }
    fn ppf(&self, q: f64) -> f64 {
        if self.rate == 0.0 {
            return 0.0;
        }
        if q >= 1.0 {
            return f64::INFINITY;
        }
        invert_count_cdf(|x| self.cdf(x), q, self.normal_guess(q), 0.0, f64::INFINITY)
    }
    fn isf(&self, q: f64) -> f64 {
        if self.rate == 0.0 {
            return 0.0;
        }
        if q <= 0.0 {
            return f64::INFINITY;
        }
        invert_count_cdf(
            |x| -self.sf(x),
            -q,
            self.normal_guess(1.0 - q),
            0.0,
            f64::INFINITY,
        )
    }
    fn is_discrete(&self) -> bool {
        true
    }
    fn support(&self) -> (f64, f64) {
        if self.rate == 0.0 {
            (0.0, 0.0)
        } else {
            (0.0, f64::INFINITY)
        }
    }
}

/// Below this rate the multiplication method beats rejection.
const MULTIPLICATION_BELOW: f64 = 10.0;

/// The Poisson sampler, its constants precomputed from the rate: cheap enough
/// to build for a single draw (a rate that comes from another node).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum PoissonSampler {
    Zero,
    /// Multiply uniforms until the product drops below e^-rate (Knuth).
    Multiplication {
        exp_neg_rate: f64,
    },
    /// Transformed rejection with squeeze (Hörmann 1993, "PTRS"), as numpy.
    Rejection(Ptrs),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Ptrs {
    rate: f64,
    ln_rate: f64,
    a: f64,
    b: f64,
    inv_alpha: f64,
    v_r: f64,
}

impl PoissonSampler {
    /// `rate` finite and >= 0 (checked by the caller).
    #[inline]
    pub(crate) fn new(rate: f64) -> Self {
        if rate <= 0.0 {
            PoissonSampler::Zero
        } else if rate < MULTIPLICATION_BELOW {
            PoissonSampler::Multiplication {
                exp_neg_rate: (-rate).exp(),
            }
        } else {
            let b = 0.931 + 2.53 * rate.sqrt();
            PoissonSampler::Rejection(Ptrs {
                rate,
                ln_rate: rate.ln(),
                a: -0.059 + 0.02483 * b,
                b,
                inv_alpha: 1.1239 + 1.1328 / (b - 3.4),
                v_r: 0.9277 - 3.6224 / (b - 2.0),
            })
        }
    }

    #[inline]
    pub(crate) fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            PoissonSampler::Zero => 0.0,
            PoissonSampler::Multiplication { exp_neg_rate } => {
                let mut k = 0.0;
                let mut product = uniform01(rng);
                while product > *exp_neg_rate {
                    k += 1.0;
                    product *= uniform01(rng);
                }
                k
            }
            PoissonSampler::Rejection(ptrs) => ptrs.sample(rng),
        }
    }
}

impl Ptrs {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        loop {
            let u = uniform01(rng) - 0.5;
            let v = uniform01(rng);
            let us = 0.5 - u.abs();
            let k = ((2.0 * self.a / us + self.b) * u + self.rate + 0.43).floor();
            // The squeeze accepts ~90% of draws with no logarithm.
            if us >= 0.07 && v <= self.v_r {
                return k;
            }
            if k < 0.0 || (us < 0.013 && v > us) {
                continue;
            }
            // The exact test, in one logarithm; ln(0) = -inf accepts, as it should.
            let lhs = (v * self.inv_alpha / (self.a / (us * us) + self.b)).ln();
            if lhs <= -self.rate + k * self.ln_rate - ln_factorial(k) {
                return k;
            }
        }
    }
}

impl super::Parameters for Poisson {
    fn family(&self) -> &'static str {
        "poisson"
    }
    fn params(&self) -> Vec<f64> {
        vec![self.rate()]
    }
}

#[cfg(test)]
mod sampler_tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn both_methods_hit_the_mean_and_variance() {
        for rate in [0.3, 3.0, 9.9, 10.0, 50.0, 1e4, 1e9] {
            let sampler = PoissonSampler::new(rate);
            let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(rate as u64);
            let draws: Vec<f64> = (0..200_000).map(|_| sampler.sample(&mut rng)).collect();
            let m = draws.iter().sum::<f64>() / draws.len() as f64;
            let v = draws.iter().map(|x| (x - m).powi(2)).sum::<f64>() / draws.len() as f64;
            let se = (rate / draws.len() as f64).sqrt();
            assert!((m - rate).abs() < 5.0 * se, "rate {rate}: mean {m}");
            assert!((v / rate - 1.0).abs() < 0.03, "rate {rate}: var {v}");
            assert!(draws.iter().all(|&k| k >= 0.0 && k.fract() == 0.0));
        }
    }
}

#[cfg(test)]
mod score_tests {
    use super::*;
    use crate::dist::normal::phi;

    #[test]
    fn a_count_at_a_score_is_the_searched_quantile() {
        for rate in [1.0, 3.7, 50.0, 999.5, 4.0e4, 2.5e6] {
            let law = Poisson::new(rate).unwrap();
            let mut fast_ones = 0;
            for i in 0..=3200 {
                let z = -8.0 + i as f64 * 0.005;
                let searched = if z <= 0.0 {
                    law.ppf(phi(z))
                } else {
                    law.isf(phi(-z))
                };
                if let Some(fast) = law.at_score(z) {
                    assert_eq!(fast, searched, "rate {rate} z {z}");
                    fast_ones += 1;
                }
            }
            // The guess is good enough that the search is rarely needed.
            assert!(fast_ones >= 3100, "rate {rate}: {fast_ones} of 3201");
        }
    }
}
