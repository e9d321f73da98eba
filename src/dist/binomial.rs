use super::inversion::{fill_tabled, InversionTable, TABLED_VARIANCE};
use super::lazy::LazyTable;
use super::primitives::{stirling_tail, uniform01};
use super::quadrature::invert_count_cdf;
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
    /// For moderate variances, fills draw by inversion of the tabled cdf.
    table: LazyTable<InversionTable>,
}

impl Binomial {
    /// Where to start looking for the q-quantile: the normal approximation
    /// mean + sd z_q (the search from it is exact whatever its error).
    fn normal_guess(&self, q: f64) -> f64 {
        use super::Moments;
        self.mean() + self.sd() * super::normal::phi_inv(q.clamp(1e-300, 1.0))
    }

    pub fn new(n: f64, p: f64) -> Result<Self> {
        let n = count("binomial", "n", n)?;
        let p = probability("binomial", "p", p)?;
        Ok(Binomial {
            n,
            p,
            sampler: BinomialSampler::new(n, p),
            table: LazyTable::new(),
        })
    }
    /// Just the sampler for (n, p), validated: for one draw per sample.
    #[inline(always)]
    pub(crate) fn sampler(n: f64, p: f64) -> Result<BinomialSampler> {
        // The common case tested inline; messages are built out of line.
        if valid(n, p) {
            Ok(BinomialSampler::from_f64(n, p))
        } else {
            Err(Self::invalid(n, p))
        }
    }

    /// The error for parameters that failed the inline check.
    #[cold]
    #[inline(never)]
    fn invalid(n: f64, p: f64) -> crate::Error {
        match (count("binomial", "n", n), probability("binomial", "p", p)) {
            (Err(e), _) | (_, Err(e)) => e,
            // Only if the inline check and the validators disagree.
            _ => crate::Error::InvalidArgument("binomial: invalid parameters".into()),
        }
    }

    pub fn n(&self) -> u64 {
        self.n
    }
    pub fn p(&self) -> f64 {
        self.p
    }
}

/// The inversion table for moderate variances: f(k + 1) / f(k) = (n - k) p / ((k + 1) q).
fn binomial_table(n: f64, p: f64) -> Option<InversionTable> {
    let q = 1.0 - p;
    if !TABLED_VARIANCE.contains(&(n * p * q)) {
        return None;
    }
    let (mode, r) = (((n + 1.0) * p).floor().min(n), p / q);
    InversionTable::from_ratios(mode, 0.0, n, |k| (n - k) * r / (k + 1.0))
}

impl Sample for Binomial {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.sampler.sample(rng)
    }

    fn fill<R: Rng + ?Sized>(&self, rng: &mut R, out: &mut [f64]) {
        let table = self.table.get(|| binomial_table(self.n as f64, self.p));
        fill_tabled(table, rng, out, |rng| self.sampler.sample(rng));
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
        invert_count_cdf(|x| self.cdf(x), q, self.normal_guess(q), 0.0, self.n as f64)
    }
    fn isf(&self, q: f64) -> f64 {
        if q <= 0.0 && self.p > 0.0 {
            return self.n as f64;
        }
        invert_count_cdf(
            |x| -self.sf(x),
            -q,
            self.normal_guess(1.0 - q),
            0.0,
            self.n as f64,
        )
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

/// Draws binomial(n[i], p[i]) into `out[i]` for every row: the thinning of
/// a drawn count (functioning shells out of those delivered). On bad
/// parameters, the first bad row and its error.
///
/// The samplers' square roots and reciprocals are computed for a batch of
/// rows in one branch-free loop (which vectorises) before the draws: built
/// one row at a time they form a latency chain the draws wait on.
pub(crate) fn fill_thinned<R: Rng + ?Sized>(
    n: &[f64],
    p: &[f64],
    rng: &mut R,
    out: &mut [f64],
) -> std::result::Result<(), (usize, crate::Error)> {
    const BATCH: usize = 256;
    let mut spq = [0.0f64; BATCH];
    let mut inv_b = [0.0f64; BATCH];
    for (start, out) in (0..out.len()).step_by(BATCH).zip(out.chunks_mut(BATCH)) {
        let (n, p) = (&n[start..start + out.len()], &p[start..start + out.len()]);
        let mut bad = false;
        for (((&n, &p), spq), inv_b) in n.iter().zip(p).zip(&mut spq).zip(&mut inv_b) {
            bad |= !valid(n, p);
            let roots = Roots::new(n, p);
            (*spq, *inv_b) = (roots.spq, roots.inv_b);
        }
        if bad {
            let row = (0..out.len()).find(|&i| !valid(n[i], p[i])).unwrap_or(0);
            return Err((start + row, Binomial::invalid(n[row], p[row])));
        }
        for (i, o) in out.iter_mut().enumerate() {
            *o = BinomialSampler::with_roots(n[i], p[i], spq[i], inv_b[i]).sample(rng);
        }
    }
    Ok(())
}

#[inline(always)]
fn valid(n: f64, p: f64) -> bool {
    (0.0..=MAX_COUNT).contains(&n) & (n.fract() == 0.0) & (0.0..=1.0).contains(&p)
}

/// sqrt(n p q) and 1 / b, the costly constants of the rejection sampler.
#[derive(Debug, Clone, Copy)]
struct Roots {
    spq: f64,
    inv_b: f64,
}

impl Roots {
    #[inline(always)]
    fn new(n: f64, p: f64) -> Self {
        let spq = (n * p * (1.0 - p)).sqrt();
        Roots {
            spq,
            inv_b: 1.0 / (1.15 + 2.53 * spq),
        }
    }
}

/// Up to this many trials (one word), counting them bit-parallel beats
/// rejection (24 ns against ~40 at n = 50; for two words, rejection wins).
const BITS_UP_TO: f64 = 64.0;
/// Below this mean inversion takes fewer steps than the ~8 words of bits.
const BITS_FROM_MEAN: f64 = 3.0;
const TWO_POW_64: f64 = 18_446_744_073_709_551_616.0;

/// The number of successes in `n` Bernoulli(p) trials, exactly, with
/// p = p_bits / 2^64.
///
/// Trial i succeeds when its uniform U_i = 0.b1 b2 b3... (binary) is below
/// p = 0.p1 p2 p3..., which is settled at the first digit where the two
/// differ: a trial is still open after digit j while its digits equal p's.
/// Each random word gives digit j of 64 trials at once, and each digit
/// settles about half of the open trials, so 64 trials take about 8 words.
/// Trials still open when p's remaining digits are all 0 have U >= p: they
/// fail (U = p has probability 0).
#[inline]
fn bernoulli_count<R: Rng + ?Sized>(n: u32, p_bits: u64, rng: &mut R) -> f64 {
    let mut successes = 0u32;
    let mut left = n;
    while left > 0 {
        let lanes = left.min(64);
        left -= lanes;
        let mut open = u64::MAX >> (64 - lanes);
        let mut won = 0u64;
        // p's digits not yet used, top first: once all 0, the open trials fail.
        let mut p_rest = p_bits;
        while open != 0 && p_rest != 0 {
            let u = rng.next_u64();
            // All ones if p's digit is 1, else 0: branch-free, as the digits
            // of a drawn p are coin flips a branch predictor cannot learn.
            let p_digit = 0u64.wrapping_sub(p_rest >> 63);
            // Digit 1: trials with u's digit 0 are below p. Either way the
            // trials whose digit equals p's stay open.
            won |= open & !u & p_digit;
            open &= !(u ^ p_digit);
            p_rest <<= 1;
        }
        successes += won.count_ones();
    }
    successes as f64
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
    /// Counting n Bernoulli(p) trials 64 at a time, bit by bit (see
    /// [`bernoulli_count`]).
    Bits { p_bits: u64 },
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
        let roots = Roots::new(n, p);
        Self::with_roots(n, p, roots.spq, roots.inv_b)
    }

    /// The sampler given its square root and reciprocal ([`Roots`]), which
    /// [`fill_thinned`] computes for many rows at once.
    #[inline(always)]
    fn with_roots(n: f64, p: f64, spq: f64, inv_b: f64) -> Self {
        let flipped = p > 0.5;
        let p = if flipped { 1.0 - p } else { p };
        let q = 1.0 - p;
        let method = if p == 0.0 || n == 0.0 {
            Method::Zero
        } else if n <= BITS_UP_TO && n * p >= BITS_FROM_MEAN {
            // p * 2^64 is a whole number below 2^63: p has 53 significant
            // bits and p >= 3/64 > 2^-11.
            Method::Bits {
                p_bits: (p * TWO_POW_64) as u64,
            }
        } else if n * p < INVERSION_BELOW {
            let s = p / q;
            Method::Inversion {
                q_n: (n * (-p).ln_1p()).exp(),
                s,
                a: (n + 1.0) * s,
            }
        } else {
            let b = 1.15 + 2.53 * spq;
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
            Method::Bits { p_bits } => bernoulli_count(self.n as u32, *p_bits, rng),
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
            if self.accepts(n, k, us, v) {
                return k;
            }
        }
    }

    /// The exact test: whether the hat's height at (us, v) is under the pmf
    /// ratio f(k) / f(m). Out of line, so the compiler cannot hoist any of
    /// its logarithms into the sampling loop, where most draws never need them.
    #[inline(never)]
    fn accepts(&self, n: f64, k: f64, us: f64, v: f64) -> bool {
        let v = v * self.alpha / (self.a / (us * us) + self.b);
        let (m, r) = (self.m, self.p / (1.0 - self.p));
        if (k - m).abs() <= RECURSION_WITHIN {
            return v <= pmf_ratio_from_mode(n, r, m, k);
        }
        // Further out, Hörmann's step 3.4 in logs with Stirling tails (four
        // logarithms). Nothing here is precomputed: a sampler is often built
        // for one draw (binomial thinning of a drawn count).
        let (nm, nk) = (n - m + 1.0, n - k + 1.0);
        let bound = (m + 0.5) * ((m + 1.0) / (r * nm)).ln()
            + (n + 1.0) * (nm / nk).ln()
            + (k + 0.5) * (r * nk / (k + 1.0)).ln()
            + stirling_tail(m)
            + stirling_tail(n - m)
            - stirling_tail(k)
            - stirling_tail(n - k);
        v.ln() <= bound
    }
}

/// Within this distance of the mode the exact test walks the pmf's ratios
/// (Hörmann's step 3.3): a few multiplications instead of four logarithms.
const RECURSION_WITHIN: f64 = 16.0;

/// f(k) / f(m) for the binomial(n, p) pmf f, with r = p / (1 - p), as the
/// product of the ratios f(i) / f(i - 1) = (n - i + 1) r / i between them.
/// Numerator and denominator are kept apart so the loop has no division.
#[inline]
fn pmf_ratio_from_mode(n: f64, r: f64, m: f64, k: f64) -> f64 {
    let (mut num, mut den) = (1.0, 1.0);
    let (lo, hi) = if k > m { (m, k) } else { (k, m) };
    // Counted in integers: i += 1.0 stalls at 2^53.
    for step in 1..=(hi - lo) as u64 {
        let i = lo + step as f64;
        num *= (n - i + 1.0) * r;
        den *= i;
    }
    if k > m {
        num / den
    } else {
        den / num
    }
}

impl super::Parameters for Binomial {
    fn family(&self) -> &'static str {
        "binomial"
    }
    fn params(&self) -> Vec<f64> {
        vec![self.n() as f64, self.p()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::primitives::ln_factorial;

    #[test]
    fn pmf_ratios_from_the_mode_match_log_factorials() {
        let ln_pmf = |n: f64, p: f64, k: f64| {
            ln_factorial(n) - ln_factorial(k) - ln_factorial(n - k)
                + k * p.ln()
                + (n - k) * (1.0 - p).ln()
        };
        for (n, p) in [(50.0f64, 0.5f64), (30.0, 0.4), (2e6, 0.2), (1e5, 0.01)] {
            let m = ((n + 1.0) * p).floor();
            let ks = [m - 16.0, m - 3.0, m, m + 1.0, m + 16.0];
            for k in ks.into_iter().filter(|k| (0.0..=n).contains(k)) {
                let want = (ln_pmf(n, p, k) - ln_pmf(n, p, m)).exp();
                let got = pmf_ratio_from_mode(n, p / (1.0 - p), m, k);
                // The reference cancels ln n! (~3e7 at n = 2e6) to ~1e-8.
                assert!(
                    (got / want - 1.0).abs() < 1e-7,
                    "n={n} p={p} k={k}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn batched_thinning_names_the_first_bad_row() {
        use rand::SeedableRng;
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
        let mut n = vec![100.0; 1000];
        let p = vec![0.3; 1000];
        n[300] = 2.5;
        n[700] = -1.0;
        let mut out = vec![0.0; 1000];
        let (row, err) = fill_thinned(&n, &p, &mut rng, &mut out).unwrap_err();
        assert_eq!(row, 300);
        assert!(
            err.to_string().contains("n must be a whole number"),
            "{err}"
        );
        n[300] = 100.0;
        n[700] = 100.0;
        fill_thinned(&n, &p, &mut rng, &mut out).unwrap();
        assert!(out
            .iter()
            .all(|&k| (0.0..=100.0).contains(&k) && k.fract() == 0.0));
    }

    #[test]
    fn every_method_hits_the_mean_and_variance() {
        use rand::SeedableRng;
        for (n, p) in [
            (20u64, 0.1),
            (50, 0.5),
            (64, 0.123_456_789),
            (40, 0.9),
            (65, 0.3),
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
