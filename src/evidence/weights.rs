//! Importance weights: sums in a fixed order, effective sample size, the
//! Pareto-k diagnostic of the weights' tail, and systematic resampling.
//!
//! Every sum over samples is formed per chunk of [`CHUNK`] rows and folded in
//! chunk order, so it is bit-identical whatever the number of threads.

use crate::engine::CHUNK;
use rayon::prelude::*;

/// Σ f(range) over the chunk ranges of 0..n, folded in chunk order.
pub(crate) fn ordered_sum<F>(n: usize, f: F) -> f64
where
    F: Fn(std::ops::Range<usize>) -> f64 + Sync,
{
    let chunks = n.div_ceil(CHUNK);
    let partials: Vec<f64> = (0..chunks)
        .into_par_iter()
        .map(|c| f(c * CHUNK..((c + 1) * CHUNK).min(n)))
        .collect();
    partials.iter().sum()
}

/// The largest finite value, or -inf when there is none.
pub(crate) fn max_finite(values: &[f64]) -> f64 {
    values
        .par_chunks(CHUNK)
        .map(|c| {
            c.iter()
                .copied()
                .filter(|x| x.is_finite())
                .fold(f64::NEG_INFINITY, f64::max)
        })
        .reduce(|| f64::NEG_INFINITY, f64::max)
}

/// What one pass over log weights tells: the largest finite log weight and
/// the sums of the weights and their squares relative to it (in chunk
/// order). Effective sample size, normalised weights and the log mean
/// weight all come from it, so a posterior reads its weights twice, not six
/// times.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WeightSums {
    top: f64,
    sum: f64,
    sum_sq: f64,
    n: usize,
}

impl WeightSums {
    pub(crate) fn of(log_weights: &[f64]) -> WeightSums {
        let top = max_finite(log_weights);
        let (sum, sum_sq) = if top == f64::NEG_INFINITY {
            (0.0, 0.0)
        } else {
            sums(log_weights, top)
        };
        WeightSums {
            top,
            sum,
            sum_sq,
            n: log_weights.len(),
        }
    }

    /// Kish's (Σw)² / Σw²; 0 when every weight is zero.
    pub(crate) fn ess(&self) -> f64 {
        if self.sum_sq == 0.0 {
            0.0
        } else {
            self.sum * self.sum / self.sum_sq
        }
    }

    /// log of the average weight; -inf when every weight is zero.
    pub(crate) fn log_mean(&self) -> f64 {
        if self.sum == 0.0 {
            return f64::NEG_INFINITY;
        }
        self.top + (self.sum / self.n as f64).ln()
    }

    /// The sums of [`WeightSums::of`], turning the log weights into weights
    /// relative to the largest, exp(lw - top), in the same pass:
    /// [`WeightSums::normalise_in_place`] then gives the normalised weights,
    /// bit for bit those of [`WeightSums::normalise`].
    pub(crate) fn into_relative(weights: &mut [f64]) -> WeightSums {
        let top = max_finite(weights);
        let n = weights.len();
        if top == f64::NEG_INFINITY {
            weights.par_iter_mut().for_each(|w| *w = 0.0);
            return WeightSums {
                top,
                sum: 0.0,
                sum_sq: 0.0,
                n,
            };
        }
        let partials: Vec<(f64, f64)> = weights
            .par_chunks_mut(CHUNK)
            .map(|chunk| {
                let (mut s, mut s2) = (0.0, 0.0);
                for w in chunk {
                    *w = (*w - top).exp();
                    s += *w;
                    s2 += *w * *w;
                }
                (s, s2)
            })
            .collect();
        let (sum, sum_sq) = partials
            .iter()
            .fold((0.0, 0.0), |(a, b), &(s, s2)| (a + s, b + s2));
        WeightSums {
            top,
            sum,
            sum_sq,
            n,
        }
    }

    /// Divides weights relative to the largest (from
    /// [`WeightSums::into_relative`]) by their sum.
    pub(crate) fn normalise_in_place(&self, relative: &mut [f64]) {
        relative.par_iter_mut().for_each(|w| *w /= self.sum);
    }

    /// The weights divided by their sum.
    pub(crate) fn normalise(&self, log_weights: &[f64]) -> Vec<f64> {
        log_weights
            .par_iter()
            .map(|&lw| (lw - self.top).exp() / self.sum)
            .collect()
    }
}

/// Kish's effective sample size of weights given by their logs:
/// (Σw)² / Σw². 0 when every weight is zero.
///
/// ```
/// let ess = munflow::evidence::effective_sample_size(&[0.0, 0.0, f64::NEG_INFINITY, 0.0]);
/// assert_eq!(ess, 3.0);
/// ```
pub fn effective_sample_size(log_weights: &[f64]) -> f64 {
    WeightSums::of(log_weights).ess()
}

/// (Σ exp(lw - top), Σ exp(lw - top)²), in chunk order.
fn sums(log_weights: &[f64], top: f64) -> (f64, f64) {
    let n = log_weights.len();
    let chunks = n.div_ceil(CHUNK);
    let partials: Vec<(f64, f64)> = (0..chunks)
        .into_par_iter()
        .map(|c| {
            let mut s = 0.0;
            let mut s2 = 0.0;
            for &lw in &log_weights[c * CHUNK..((c + 1) * CHUNK).min(n)] {
                let w = (lw - top).exp();
                s += w;
                s2 += w * w;
            }
            (s, s2)
        })
        .collect();
    partials
        .iter()
        .fold((0.0, 0.0), |(a, b), &(s, s2)| (a + s, b + s2))
}

/// Normalised weights (summing to 1) from log weights.
pub fn normalised(log_weights: &[f64]) -> Vec<f64> {
    WeightSums::of(log_weights).normalise(log_weights)
}

/// The Pareto shape k̂ of the largest importance weights (Vehtari et al.,
/// "Pareto smoothed importance sampling", 2024): the generalized Pareto fit
/// of Zhang and Stephens (2009) to the top min(n/5, 3√n) weights, with the
/// weak prior of ArviZ and loo. Below 0.7 the weighted estimates are
/// reliable; above it they are not. NaN when there are too few weights.
///
/// ```
/// // Equal weights have no tail at all.
/// let k = munflow::evidence::pareto_k(&vec![0.0; 10_000]);
/// assert!(k < 0.0 || k.is_nan());
/// ```
pub fn pareto_k(log_weights: &[f64]) -> f64 {
    let n = log_weights.len();
    let Some(tail_len) = pareto_tail_len(n) else {
        return f64::NAN;
    };
    // The tail and the largest weight outside it.
    let wanted = tail_len + 1;
    let mut values =
        largest_candidates(log_weights, wanted).unwrap_or_else(|| log_weights.to_vec());
    let split = values.len() - wanted;
    values.select_nth_unstable_by(split, f64::total_cmp);
    pareto_k_of_largest(&values[split..])
}

/// Every value at least a threshold below which fewer than `wanted` values
/// are known to lie, or None when the threshold misses (too few values pass
/// it). The threshold is the value that a sparse subsample ranks where
/// about twice `wanted` values would lie above it, so a full copy and
/// selection over all n values is avoided; the set returned contains the
/// `wanted` largest values whatever the subsample, so the answer does not
/// depend on it.
fn largest_candidates(values: &[f64], wanted: usize) -> Option<Vec<f64>> {
    const STRIDE: usize = 64;
    let n = values.len();
    if n < 64 * STRIDE || wanted * 8 > n {
        return None;
    }
    let mut sample: Vec<f64> = values.iter().step_by(STRIDE).copied().collect();
    let above = (2 * wanted).div_ceil(STRIDE).max(16).min(sample.len() - 1);
    let split = sample.len() - 1 - above;
    let (_, &mut threshold, _) = sample.select_nth_unstable_by(split, f64::total_cmp);
    let kept: Vec<f64> = values
        .par_chunks(CHUNK)
        .flat_map_iter(|c| {
            c.iter()
                .copied()
                .filter(move |x| x.total_cmp(&threshold).is_ge())
        })
        .collect();
    (kept.len() >= wanted).then_some(kept)
}

/// How many of n weights form the tail [`pareto_k`] fits: min(n/5, 3√n);
/// None when there are too few weights for a fit.
pub(crate) fn pareto_tail_len(n: usize) -> Option<usize> {
    let tail_len = ((0.2 * n as f64).min(3.0 * (n as f64).sqrt())).ceil() as usize;
    (n >= 10 && tail_len >= 5).then_some(tail_len)
}

/// [`pareto_k`] from the tail_len + 1 largest log weights (in any order),
/// the largest outside the tail first among equals: what a pass that
/// cannot hold every weight keeps.
pub(crate) fn pareto_k_of_largest(largest: &[f64]) -> f64 {
    let top = max_finite(largest);
    if top == f64::NEG_INFINITY || largest.is_empty() {
        return f64::NAN;
    }
    let mut values: Vec<f64> = largest.iter().map(|&lw| lw - top).collect();
    values.sort_by(f64::total_cmp);
    let cutoff = values[0].max(f64::MIN_POSITIVE.ln());
    let mut tail: Vec<f64> = values[1..]
        .iter()
        .filter(|&&lw| lw > cutoff)
        .map(|&lw| lw.exp() - cutoff.exp())
        .collect();
    if tail.len() <= 4 {
        return f64::NAN;
    }
    tail.sort_by(f64::total_cmp);
    generalized_pareto_shape(&tail)
}

/// Zhang and Stephens' posterior-mean estimate of the generalized Pareto
/// shape for sorted exceedances `x` (as in ArviZ's `_gpdfit`).
fn generalized_pareto_shape(x: &[f64]) -> f64 {
    const PRIOR_BS: f64 = 3.0;
    const PRIOR_K: f64 = 10.0;
    let n = x.len() as f64;
    let m = 30 + (n.sqrt() as usize);
    let quartile = x[((n / 4.0 + 0.5) as usize).saturating_sub(1)];
    let largest = x[x.len() - 1];
    let b: Vec<f64> = (1..=m)
        .map(|j| {
            (1.0 - (m as f64 / (j as f64 - 0.5)).sqrt()) / (PRIOR_BS * quartile) + 1.0 / largest
        })
        .collect();
    let k_of = |bj: f64| x.iter().map(|&xi| (-bj * xi).ln_1p()).sum::<f64>() / n;
    let len_scale: Vec<f64> = b
        .iter()
        .map(|&bj| {
            let k = k_of(bj);
            n * ((-(bj / k)).ln() - k - 1.0)
        })
        .collect();
    let mut weights: Vec<f64> = len_scale
        .iter()
        .map(|&li| 1.0 / len_scale.iter().map(|&lj| (lj - li).exp()).sum::<f64>())
        .collect();
    for w in weights.iter_mut() {
        if w.is_nan() || *w < 10.0 * f64::EPSILON {
            *w = 0.0;
        }
    }
    let total: f64 = weights.iter().sum();
    let b_post: f64 = b.iter().zip(&weights).map(|(bj, w)| bj * w).sum::<f64>() / total;
    let k_post = k_of(b_post);
    (n * k_post + PRIOR_K * 0.5) / (n + PRIOR_K)
}

/// The equal-weight resample of a weighted posterior: the rows that arrays,
/// frames and datasets of a posterior by weighting hold, so that anything a
/// user reduces with numpy, pandas or xarray gives posterior figures.
///
/// `size` rows by systematic resampling: row i is the draw whose share of
/// the cumulative weight (summed in row order) contains (i + u) / size,
/// with one uniform u drawn from the stream (seed, [`Domain::EqualWeight`](crate::stream::Domain)).
/// So each draw appears ⌊size·w⌋ or ⌈size·w⌉ times, the rows come in the
/// draws' order, the same seed gives the same rows whatever the threads,
/// and a row can be regenerated from its index and the weights' running
/// sums alone. Draws of weight 0 are never chosen. Weights need not sum to
/// 1; they must be finite, non-negative, and not all 0.
///
/// ```
/// use munflow::evidence::equal_weight_rows;
/// let rows = equal_weight_rows(&[0.0, 3.0, 1.0, 0.0], 4, 7);
/// assert_eq!(rows, vec![1, 1, 1, 2]);
/// ```
pub fn equal_weight_rows(weights: &[f64], size: usize, seed: u64) -> Vec<usize> {
    let total = ordered_sum(weights.len(), |r| weights[r].iter().sum());
    let mut rng =
        crate::stream::stream_rng(seed ^ crate::stream::Domain::EqualWeight.value(), 0, 0);
    let u = crate::dist::primitives::uniform01(&mut rng);
    systematic(weights, total, size, u)
}

/// Row i of `size`: the draw whose share of the cumulative weight (of
/// `total`) contains (i + u) / size; never a draw of weight 0.
fn systematic(weights: &[f64], total: f64, size: usize, u: f64) -> Vec<usize> {
    let mut rows = Vec::with_capacity(size);
    let mut cumulative = 0.0;
    let mut j = 0usize;
    for i in 0..size {
        let point = total * (i as f64 + u) / size as f64;
        while j + 1 < weights.len() && cumulative + weights[j] <= point {
            cumulative += weights[j];
            j += 1;
        }
        // Rounding may leave the last points past a run of zero weights.
        while weights[j] == 0.0 && j > 0 {
            j -= 1;
        }
        rows.push(j);
    }
    rows
}

/// Systematic resampling: the ancestor of each of `n` new particles, given
/// normalised weights and one uniform number `u` in [0, 1).
pub(crate) fn systematic_ancestors(weights: &[f64], u: f64) -> Vec<usize> {
    systematic(weights, 1.0, weights.len(), u)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn the_equal_weight_rows_hold_each_draw_its_share_of_times() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(9);
        let weights: Vec<f64> = (0..5_000)
            .map(|i| {
                let w = crate::dist::primitives::open01(&mut rng);
                if i % 7 == 0 {
                    0.0
                } else {
                    w * w
                }
            })
            .collect();
        let total: f64 = weights.iter().sum();
        for size in [1usize, 999, 5_000, 12_345] {
            let rows = equal_weight_rows(&weights, size, 3);
            assert_eq!(rows.len(), size);
            assert!(rows.windows(2).all(|p| p[0] <= p[1]), "in the draws' order");
            let mut counts = vec![0usize; weights.len()];
            for &r in &rows {
                counts[r] += 1;
            }
            for (c, w) in counts.iter().zip(&weights) {
                let share = size as f64 * w / total;
                assert!(
                    (*c as f64) >= share.floor() - 1e-9 && (*c as f64) <= share.ceil() + 1e-9,
                    "{c} copies for a share of {share}"
                );
                if *w == 0.0 {
                    assert_eq!(*c, 0);
                }
            }
        }
        assert_eq!(
            equal_weight_rows(&weights, 777, 3),
            equal_weight_rows(&weights, 777, 3)
        );
        assert_ne!(
            equal_weight_rows(&weights, 777, 3),
            equal_weight_rows(&weights, 777, 4)
        );
    }

    #[test]
    fn pareto_k_recovers_the_tail_index_of_pareto_weights() {
        // Weights w = U^(-1/alpha) have a Pareto tail of shape k = 1/alpha.
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
        for alpha in [1.0f64, 2.0, 5.0] {
            let lw: Vec<f64> = (0..200_000)
                .map(|_| -crate::dist::primitives::open01(&mut rng).ln() / alpha)
                .collect();
            let k = pareto_k(&lw);
            assert!((k - 1.0 / alpha).abs() < 0.08, "alpha {alpha}: k {k}");
        }
    }

    #[test]
    fn pareto_k_of_a_threshold_equals_pareto_k_of_a_full_selection() {
        let full = |lw: &[f64]| {
            let tail_len = pareto_tail_len(lw.len()).unwrap();
            let mut values = lw.to_vec();
            let split = lw.len() - tail_len - 1;
            values.select_nth_unstable_by(split, f64::total_cmp);
            pareto_k_of_largest(&values[split..])
        };
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
        let random: Vec<f64> = (0..300_000)
            .map(|_| -crate::dist::primitives::open01(&mut rng).ln() / 1.5)
            .collect();
        // The largest values where the subsample never looks, ties, and
        // rows with no weight at all.
        let hidden: Vec<f64> = (0..300_000)
            .map(|i| match i % 64 {
                0 => 0.0,
                1 => f64::NEG_INFINITY,
                _ => (i % 977) as f64 / 100.0,
            })
            .collect();
        for lw in [random, hidden] {
            assert!(largest_candidates(&lw, pareto_tail_len(lw.len()).unwrap() + 1).is_some());
            assert_eq!(pareto_k(&lw).to_bits(), full(&lw).to_bits());
        }
    }

    #[test]
    fn ess_counts_equal_weights_fully() {
        assert_eq!(effective_sample_size(&[1.0; 8]), 8.0);
        assert_eq!(effective_sample_size(&[f64::NEG_INFINITY; 3]), 0.0);
        let w = normalised(&[0.0, 2f64.ln()]);
        assert!((w[1] - 2.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn systematic_resampling_follows_the_weights() {
        let anc = systematic_ancestors(&[0.0, 0.5, 0.0, 0.5], 0.3);
        assert_eq!(anc, vec![1, 1, 3, 3]);
        let anc = systematic_ancestors(&[0.25; 4], 0.99);
        assert_eq!(anc, vec![0, 1, 2, 3]);
        let anc = systematic_ancestors(&[0.0, 0.0, 1.0], 0.5);
        assert_eq!(anc, vec![2, 2, 2]);
    }
}
