//! The hot inner samplers every family builds on: uniforms, the standard
//! normal (ziggurat) and Marsaglia–Tsang gammas.
//!
//! rand_distr's `Beta` draws through a general-purpose path that costs ~70 ns
//! here; two Marsaglia–Tsang gammas with a ziggurat normal cost a fraction of it,
//! which matters because shares, dud rates and PERTs are all betas.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// Uniform on [0, 1) with 53 random bits.
#[inline(always)]
pub fn uniform01<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Uniform on the open interval (0, 1): safe to take logs and powers of.
#[inline(always)]
pub fn open01<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// Standard normal by rand_distr's ziggurat.
#[inline(always)]
pub fn std_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    StandardNormal.sample(rng)
}

/// A standard gamma(shape) sampler with its constants precomputed.
///
/// Marsaglia & Tsang (2000), "A simple method for generating gamma variables";
/// for shape < 1 the boost gamma(shape) = gamma(shape + 1) * U^(1/shape).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StdGamma {
    d: f64,
    c: f64,
    /// 1 / (108 d), the squeeze's coefficient (see `core`).
    squeeze: f64,
    /// 1/shape when shape < 1 (the boost), else 0.
    inv_shape: f64,
}

impl StdGamma {
    /// `shape` must be finite and > 0 (checked by the callers' constructors).
    pub fn new(shape: f64) -> Self {
        let (boosted, inv_shape) = if shape < 1.0 {
            (shape + 1.0, 1.0 / shape)
        } else {
            (shape, 0.0)
        };
        let d = boosted - 1.0 / 3.0;
        StdGamma {
            d,
            c: 1.0 / (9.0 * d).sqrt(),
            squeeze: 1.0 / (108.0 * d),
            inv_shape,
        }
    }

    /// Marsaglia–Tsang for shape >= 1, returned as the pair (d, v) with draw d*v.
    #[inline(always)]
    fn core<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        loop {
            let x = std_normal(rng);
            let t = 1.0 + self.c * x;
            if t <= 0.0 {
                continue;
            }
            let v = t * t * t;
            let u = open01(rng);
            let x2 = x * x;
            // The exact test is ln u < g = x²/2 + d (1 - v + ln v). With
            // y = c x, g = 3d R(y), R(y) = ln(1 + y) - y + y²/2 - y³/3, the
            // Taylor remainder, which is >= -y⁴/4 for y >= 0 and
            // >= -y⁴ / (4 (1 + y)) for -1 < y < 0 (a series of negative
            // terms, each at most y⁴/4 times a power of |y|). As ln u <= u - 1,
            // u < 1 - x⁴ / (108 d t) (t = 1 + y, and t = 1 when y >= 0) accepts:
            // ~98-99.9% of draws with no logarithm, against ~90% for
            // Marsaglia and Tsang's 1 - 0.0331 x⁴ at small shapes.
            let t_or_1 = if x < 0.0 { t } else { 1.0 };
            if u * t_or_1 < t_or_1 - self.squeeze * x2 * x2 {
                return v;
            }
            if u.ln() < 0.5 * x2 + self.d * (1.0 - v + v.ln()) {
                return v;
            }
        }
    }

    /// One gamma(shape, 1) draw.
    #[inline(always)]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let g = self.d * self.core(rng);
        if self.inv_shape == 0.0 {
            g
        } else {
            g * open01(rng).powf(self.inv_shape)
        }
    }

    /// One gamma(shape, 1) draw for shape >= 1 (no boost to apply).
    #[inline(always)]
    pub fn sample_unboosted<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        debug_assert!(self.inv_shape == 0.0);
        self.d * self.core(rng)
    }

    /// The logarithm of one gamma(shape, 1) draw, exact even where the draw
    /// itself would underflow (tiny shapes, as in beta(0.01, 0.01)).
    #[inline(always)]
    pub fn sample_ln<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let ln_g = (self.d * self.core(rng)).ln();
        if self.inv_shape == 0.0 {
            ln_g
        } else {
            ln_g + open01(rng).ln() * self.inv_shape
        }
    }

    /// Whether draws can underflow to zero, so ratios must be formed in logs.
    pub fn needs_logs(&self) -> bool {
        self.inv_shape > 0.0
    }
}

/// ln k! for whole k >= 0: a table below 128, Stirling's series above
/// (relative error below 1e-15).
#[inline]
pub fn ln_factorial(k: f64) -> f64 {
    if k < 128.0 {
        return FACTORIAL_TABLES.0[k as usize];
    }
    stirling_base(k) + stirling_series(k + 1.0)
}

/// ln k! less its Stirling approximation (k + 1/2) ln(k + 1) - (k + 1) + ln(2 pi)/2.
/// Rejection samplers compare log-densities through it without cancellation.
#[inline]
pub fn stirling_tail(k: f64) -> f64 {
    if k < 128.0 {
        return FACTORIAL_TABLES.1[k as usize];
    }
    stirling_series(k + 1.0)
}

#[inline(always)]
fn stirling_base(k: f64) -> f64 {
    const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;
    (k + 0.5) * (k + 1.0).ln() - (k + 1.0) + HALF_LN_2PI
}

/// 1/(12x) - 1/(360x^3) + 1/(1260x^5) - 1/(1680x^7): the tail of ln Γ(x).
#[inline(always)]
fn stirling_series(x: f64) -> f64 {
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    inv * (1.0 / 12.0 - inv2 * (1.0 / 360.0 - inv2 * (1.0 / 1260.0 - inv2 / 1680.0)))
}

/// (ln k!, Stirling tail of ln k!) for k < 128, summed once.
static FACTORIAL_TABLES: std::sync::LazyLock<([f64; 128], [f64; 128])> =
    std::sync::LazyLock::new(|| {
        let (mut ln_fact, mut tail) = ([0.0f64; 128], [0.0f64; 128]);
        for k in 0..128 {
            if k > 0 {
                ln_fact[k] = ln_fact[k - 1] + (k as f64).ln();
            }
            tail[k] = ln_fact[k] - stirling_base(k as f64);
        }
        (ln_fact, tail)
    });

/// Walker–Vose alias table: O(1) draws of an index with given probabilities.
///
/// The table is padded with zero-probability entries to a power of two, so a
/// draw takes its index from the top bits of one random word and its coin
/// from the 53 bits below (for up to 2^11 entries; larger tables draw the
/// coin from a second word), with no float-to-integer conversion.
#[derive(Debug, Clone, PartialEq)]
pub struct AliasTable {
    threshold: Vec<f64>,
    alias: Vec<u32>,
    /// log2 of the padded length.
    bits: u32,
}

impl AliasTable {
    /// `probs` must be non-negative and sum to 1 (checked by the callers).
    pub fn new(probs: &[f64]) -> Self {
        let k = probs.len().next_power_of_two();
        let mut scaled: Vec<f64> = (0..k)
            .map(|i| probs.get(i).map_or(0.0, |p| p * k as f64))
            .collect();
        let mut alias: Vec<u32> = (0..k as u32).collect();
        let mut threshold = vec![1.0; k];
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..k).partition(|&i| scaled[i] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            threshold[s] = scaled[s];
            alias[s] = l as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // Whatever remains is 1 up to rounding.
        AliasTable {
            threshold,
            alias,
            bits: k.trailing_zeros(),
        }
    }

    #[inline(always)]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> usize {
        let word = rng.next_u64();
        let i = word.checked_shr(64 - self.bits).unwrap_or(0) as usize;
        let coin = if self.bits <= 11 {
            // The 53 bits below the index.
            ((word << self.bits) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
        } else {
            uniform01(rng)
        };
        // A coin no branch predictor can learn: choose without a branch.
        std::hint::select_unpredictable(coin < self.threshold[i], i, self.alias[i] as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gamma_squeeze_only_accepts_what_the_exact_test_accepts() {
        // Wherever the squeeze accepts some u, ln u must be below the exact
        // bound g(x): check at the squeeze's threshold itself, on a fine grid
        // of x from t = 0 up to 12 sd.
        for shape in [1.0, 1.3, 2.0, 5.0, 26.0, 1e4, 0.05 + 1.0] {
            let g = StdGamma::new(shape);
            let lo = -1.0 / g.c;
            for i in 1..200_000 {
                let x = lo + (12.0 - lo) * i as f64 / 200_000.0;
                let t = 1.0 + g.c * x;
                let v = t * t * t;
                let t_or_1 = if x < 0.0 { t } else { 1.0 };
                let threshold = (t_or_1 - g.squeeze * x.powi(4)) / t_or_1;
                if threshold <= 0.0 {
                    continue;
                }
                let exact = 0.5 * x * x + g.d * (1.0 - v + v.ln());
                // The exact bound cancels terms of size ~d x², so it is only
                // good to ~1e-16 d x² (its rounding, not the squeeze's).
                let rounding = 1e-14 * (1.0 + g.d * x * x);
                assert!(
                    threshold.ln() <= exact + rounding,
                    "shape {shape}, x {x}: ln {} > {exact}",
                    threshold.ln()
                );
            }
        }
    }

    #[test]
    fn ln_factorial_is_continuous_across_the_table_edge() {
        let exact = |k: u32| (1..=k).map(|i| (i as f64).ln()).sum::<f64>();
        for k in [0u32, 1, 5, 127, 128, 129, 500, 10_000] {
            let (got, want) = (ln_factorial(k as f64), exact(k));
            assert!(
                (got - want).abs() <= 1e-12 * want.max(1.0),
                "{k}: {got} vs {want}"
            );
            // The reference tail cancels ln k! against its Stirling base, so
            // it is only good to the rounding error of ln k! itself.
            let tail = want - stirling_base(k as f64);
            let bound = 1e-13 * want.max(1.0);
            assert!(
                (stirling_tail(k as f64) - tail).abs() < bound,
                "tail at {k}"
            );
        }
    }
}
