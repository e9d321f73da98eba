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
            // The squeeze accepts ~98% without a logarithm.
            if u < 1.0 - 0.0331 * x2 * x2 {
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

/// Walker–Vose alias table: O(1) draws of an index with given probabilities.
#[derive(Debug, Clone, PartialEq)]
pub struct AliasTable {
    threshold: Vec<f64>,
    alias: Vec<u32>,
}

impl AliasTable {
    /// `probs` must be non-negative and sum to 1 (checked by the callers).
    pub fn new(probs: &[f64]) -> Self {
        let k = probs.len();
        let mut scaled: Vec<f64> = probs.iter().map(|p| p * k as f64).collect();
        let mut alias = vec![0u32; k];
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
        AliasTable { threshold, alias }
    }

    #[inline(always)]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> usize {
        let k = self.threshold.len();
        let u = uniform01(rng) * k as f64;
        let i = (u as usize).min(k - 1);
        // The fractional part of u is a fresh uniform for the coin.
        if u - (i as f64) < self.threshold[i] {
            i
        } else {
            self.alias[i] as usize
        }
    }
}
