//! Exact sample quantiles by numpy's default rule ("linear", Hyndman & Fan type 7).

use rayon::prelude::*;

/// Below this size a selection on a copy is as fast as anything cleverer.
pub(crate) const SMALL: usize = 1 << 16;
/// Histogram resolution for locating order statistics in large columns.
pub(crate) const BINS: usize = 1 << 14;

/// Quantiles at levels `qs` (each in [0, 1]) of `values`, in the order given.
/// Any NaN makes every quantile NaN, as in numpy.
///
/// Large columns are not sorted or copied: one pass finds the range (the
/// summary shares it with the mean), a second counts values into a fine
/// histogram, which locates the bucket of every order statistic needed; a
/// third gathers just those buckets' values, which are then selected
/// exactly. Three streaming passes, each over pieces of the column in
/// parallel, instead of a sort (tens of milliseconds for 10^7 samples, where
/// a sort takes a second).
///
/// ```
/// let q = munflow::stats::quantiles(&[4.0, 1.0, 3.0, 2.0], &[0.0, 0.5, 1.0]);
/// assert_eq!(q, vec![1.0, 2.5, 4.0]);
/// ```
pub fn quantiles(values: &[f64], qs: &[f64]) -> Vec<f64> {
    let (_, range) = sum_and_range(values);
    quantiles_in(values, qs, &range)
}

/// What one pass over a column tells: its extremes, and whether it holds NaN.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Range {
    pub min: f64,
    pub max: f64,
    pub has_nan: bool,
}

impl Range {
    pub(crate) const EMPTY: Range = Range {
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
        has_nan: false,
    };

    /// The range of two parts together.
    pub(crate) fn join(self, other: Range) -> Range {
        Range {
            min: self.min.min(other.min),
            max: self.max.max(other.max),
            has_nan: self.has_nan | other.has_nan,
        }
    }
}

/// Values per piece of a large column: the unit of parallel work in every
/// pass, so one long column keeps all cores busy. Pieces are combined in
/// order, so results do not depend on the number of threads.
pub(crate) const PIECE: usize = 1 << 19;

/// The sum and range of `values`, in one pass over the whole column (pieces
/// in parallel), with four running sums and extremes so the loop vectorises.
pub(crate) fn sum_and_range(values: &[f64]) -> (f64, Range) {
    if values.len() <= PIECE {
        return sum_and_range_serial(values);
    }
    let parts: Vec<(f64, Range)> = values.par_chunks(PIECE).map(sum_and_range_serial).collect();
    parts
        .into_iter()
        .fold((0.0, Range::EMPTY), |(s, r), (ps, pr)| (s + ps, r.join(pr)))
}

fn sum_and_range_serial(values: &[f64]) -> (f64, Range) {
    const LANES: usize = 4;
    let (mut sum, mut lo, mut hi) = (
        [0.0; LANES],
        [f64::INFINITY; LANES],
        [f64::NEG_INFINITY; LANES],
    );
    let mut nan = [false; LANES];
    let mut chunks = values.chunks_exact(LANES);
    for chunk in &mut chunks {
        for j in 0..LANES {
            let x = chunk[j];
            sum[j] += x;
            // Comparisons rather than f64::min, which must also skip NaN:
            // NaN is tracked on its own, and these compile to minpd/maxpd.
            lo[j] = if x < lo[j] { x } else { lo[j] };
            hi[j] = if x > hi[j] { x } else { hi[j] };
            nan[j] |= x.is_nan();
        }
    }
    let mut range = Range::EMPTY;
    for j in 0..LANES {
        range = range.join(Range {
            min: lo[j],
            max: hi[j],
            has_nan: nan[j],
        });
    }
    let mut total = (sum[0] + sum[1]) + (sum[2] + sum[3]);
    for &x in chunks.remainder() {
        total += x;
        range = range.join(Range {
            min: x,
            max: x,
            has_nan: x.is_nan(),
        });
    }
    (total, range)
}

/// [`quantiles`] for a column whose [`Range`] is already known.
pub(crate) fn quantiles_in(values: &[f64], qs: &[f64], range: &Range) -> Vec<f64> {
    quantiles_and_squares(values, qs, range, None).0
}

/// [`quantiles_in`], and the sum of squared deviations from `centre` if
/// one is given, taken in the same pass as the histogram (a column of 10^7
/// values is 80 MB: its passes over memory are most of the cost).
pub(crate) fn quantiles_and_squares(
    values: &[f64],
    qs: &[f64],
    range: &Range,
    centre: Option<f64>,
) -> (Vec<f64>, f64) {
    let n = values.len();
    if n == 0 || range.has_nan {
        return (vec![f64::NAN; qs.len()], f64::NAN);
    }
    let ranks = needed_ranks(n, qs);
    let bins = Bins::over(range.min, range.max).filter(|_| n > SMALL);
    let (placed, squares) = match bins {
        // Small, constant, or too wide to bin: selection on a copy.
        None => {
            let squares = centre.map_or(0.0, |c| squares_about(values, c));
            let mut work = values.to_vec();
            select_ranks(&mut work, 0, &ranks);
            (ranks.iter().map(|&r| (r, work[r])).collect(), squares)
        }
        Some(bins) => {
            let (counts, squares) = count_and_square(values, &bins, centre);
            (select_in_buckets(values, &ranks, &bins, &counts), squares)
        }
    };
    let quantiles = interpolate(n, qs, |r| {
        placed
            .iter()
            .find(|(rank, _)| *rank == r)
            .map_or(f64::NAN, |(_, v)| *v)
    });
    (quantiles, squares)
}

/// Sum of (x - centre)^2, pieces in parallel and combined in order.
fn squares_about(values: &[f64], centre: f64) -> f64 {
    let part = |piece: &[f64]| -> f64 { piece.iter().map(|x| (x - centre) * (x - centre)).sum() };
    if values.len() <= PIECE {
        return part(values);
    }
    let parts: Vec<f64> = values.par_chunks(PIECE).map(part).collect();
    parts.iter().sum()
}

/// Quantiles of already sorted values.
pub fn quantiles_sorted(sorted: &[f64], qs: &[f64]) -> Vec<f64> {
    if sorted.is_empty() {
        return vec![f64::NAN; qs.len()];
    }
    interpolate(sorted.len(), qs, |r| sorted[r])
}

/// Every rank (0-based order statistic) the type-7 rule reads, ascending.
pub(crate) fn needed_ranks(n: usize, qs: &[f64]) -> Vec<usize> {
    let mut ranks: Vec<usize> = qs
        .iter()
        .flat_map(|&q| {
            let lo = (((n - 1) as f64 * q).floor() as usize).min(n - 1);
            [lo, (lo + 1).min(n - 1)]
        })
        .collect();
    ranks.sort_unstable();
    ranks.dedup();
    ranks
}

pub(crate) fn interpolate(n: usize, qs: &[f64], at: impl Fn(usize) -> f64) -> Vec<f64> {
    qs.iter()
        .map(|&q| {
            let h = (n - 1) as f64 * q;
            let lo = (h.floor() as usize).min(n - 1);
            let hi = (lo + 1).min(n - 1);
            let (a, b) = (at(lo), at(hi));
            // numpy's _lerp: exact at both ends.
            let t = h - lo as f64;
            if t >= 0.5 {
                b - (b - a) * (1.0 - t)
            } else {
                a + (b - a) * t
            }
        })
        .collect()
}

/// Where values fall in a histogram of [`BINS`] equal buckets over [lo, hi].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bins {
    lo: f64,
    scale: f64,
}

impl Bins {
    /// Buckets over [lo, hi], or None when the range is empty, a point or
    /// too wide to bin.
    pub(crate) fn over(lo: f64, hi: f64) -> Option<Bins> {
        (hi > lo && (hi - lo).is_finite()).then(|| Bins {
            lo,
            scale: BINS as f64 / (hi - lo),
        })
    }

    #[inline(always)]
    pub(crate) fn of(&self, x: f64) -> usize {
        (((x - self.lo) * self.scale) as usize).min(BINS - 1)
    }
}

/// Bucket counts of a column (pieces in parallel) and, given a centre, the
/// sum of squared deviations from it (per piece, combined in order).
fn count_and_square(values: &[f64], bins: &Bins, centre: Option<f64>) -> (Vec<usize>, f64) {
    let parts: Vec<(Vec<u32>, f64)> = values
        .par_chunks(PIECE)
        .map(|piece| {
            let mut counts = vec![0u32; BINS];
            let mut squares = 0.0;
            match centre {
                Some(c) => {
                    for &x in piece {
                        counts[bins.of(x)] += 1;
                        squares += (x - c) * (x - c);
                    }
                }
                None => piece.iter().for_each(|&x| counts[bins.of(x)] += 1),
            }
            (counts, squares)
        })
        .collect();
    let mut counts = vec![0usize; BINS];
    let mut squares = 0.0;
    for (piece_counts, piece_squares) in parts {
        counts
            .iter_mut()
            .zip(piece_counts)
            .for_each(|(c, p)| *c += p as usize);
        squares += piece_squares;
    }
    (counts, squares)
}

/// The values of the given ranks (ascending), from the column's bucket
/// counts: find each rank's bucket, gather those buckets' values (pieces in
/// parallel), and select within them.
fn select_in_buckets(
    values: &[f64],
    ranks: &[usize],
    bins: &Bins,
    counts: &[usize],
) -> Vec<(usize, f64)> {
    // For each rank: its bucket, and how many values lie in earlier buckets.
    let mut below = 0usize;
    let mut wanted: Vec<(usize, usize)> = Vec::with_capacity(ranks.len());
    let mut r = ranks.iter().peekable();
    for (b, &c) in counts.iter().enumerate() {
        while let Some(&&rank) = r.peek() {
            if rank < below + c {
                wanted.push((b, below));
                r.next();
            } else {
                break;
            }
        }
        below += c;
    }
    let mut buckets: Vec<usize> = wanted.iter().map(|w| w.0).collect();
    buckets.dedup();
    let mut slot = vec![usize::MAX; BINS];
    for (i, &b) in buckets.iter().enumerate() {
        slot[b] = i;
    }
    let gather = |piece: &[f64]| -> Vec<Vec<f64>> {
        let mut gathered = vec![Vec::new(); buckets.len()];
        for &x in piece {
            let s = slot[bins.of(x)];
            if s != usize::MAX {
                gathered[s].push(x);
            }
        }
        gathered
    };
    let mut gathered: Vec<Vec<f64>> = buckets
        .iter()
        .map(|&b| Vec::with_capacity(counts[b]))
        .collect();
    let parts: Vec<Vec<Vec<f64>>> = values.par_chunks(PIECE).map(gather).collect();
    for part in parts {
        for (all, some) in gathered.iter_mut().zip(part) {
            all.extend_from_slice(&some);
        }
    }
    ranks
        .iter()
        .zip(&wanted)
        .map(|(&rank, &(b, before))| {
            let bucket = &mut gathered[slot[b]];
            let (_, v, _) = bucket.select_nth_unstable_by(rank - before, f64::total_cmp);
            (rank, *v)
        })
        .collect()
}

/// Puts the element of each rank in `ranks` (relative to the whole array,
/// `offset` being where `slice` starts) in its sorted position.
fn select_ranks(slice: &mut [f64], offset: usize, ranks: &[usize]) {
    if ranks.is_empty() || slice.is_empty() {
        return;
    }
    let mid = ranks.len() / 2;
    let k = ranks[mid] - offset;
    slice.select_nth_unstable_by(k, f64::total_cmp);
    let (left, rest) = slice.split_at_mut(k);
    select_ranks(left, offset, &ranks[..mid]);
    select_ranks(&mut rest[1..], offset + k + 1, &ranks[mid + 1..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_sorting(values: &[f64], qs: &[f64]) -> Vec<f64> {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        quantiles_sorted(&sorted, qs)
    }

    #[test]
    fn matches_numpy_linear_rule() {
        // numpy.quantile([1..10], [0.05, 0.5, 0.95]) = [1.45, 5.5, 9.55]
        let v: Vec<f64> = (1..=10).rev().map(f64::from).collect();
        let q = quantiles(&v, &[0.05, 0.5, 0.95]);
        for (a, b) in q.iter().zip([1.45, 5.5, 9.55]) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
    }

    #[test]
    fn large_columns_agree_with_a_full_sort() {
        let qs: Vec<f64> = (0..=40)
            .map(|i| i as f64 / 40.0)
            .chain([0.001, 0.999])
            .collect();
        let n = 300_007;
        // Smooth, heavy-tailed, discrete with huge ties, and nearly constant.
        let smooth: Vec<f64> = (0..n).map(|i| ((i * 7919) % n) as f64 / n as f64).collect();
        let heavy: Vec<f64> = smooth.iter().map(|u| 1.0 / (1.0 - u * 0.999_999)).collect();
        let ties: Vec<f64> = (0..n).map(|i| ((i * 31) % 7) as f64).collect();
        let mut spike = vec![3.0; n];
        spike[17] = -1e9;
        spike[99] = 1e12;
        for column in [&smooth, &heavy, &ties, &spike] {
            assert_eq!(quantiles(column, &qs), by_sorting(column, &qs));
        }
    }

    #[test]
    fn nan_makes_every_quantile_nan_like_numpy() {
        let mut v: Vec<f64> = (0..100_000).map(f64::from).collect();
        v[5] = f64::NAN;
        assert!(quantiles(&v, &[0.1, 0.5]).iter().all(|q| q.is_nan()));
    }
}
