//! Summaries of weighted samples (a posterior reached by likelihood weighting).
//!
//! With equal weights these are the unweighted summaries: quantiles are
//! numpy's default (type 7) and the sd has ddof = 1.

use super::quantile::{Bins, BINS, PIECE, SMALL};
use super::Summary;
use rayon::prelude::*;

/// Summarises each column with the row weights `weights` (not necessarily
/// normalised; rows of weight 0 do not count).
///
/// The rows of positive weight, in order of value (ties in row order), sit
/// at positions given by the weight of the rows before them, divided by the
/// total weight less the last row's: (i - 1) / (n - 1) for equal weights.
/// Quantiles interpolate linearly between those positions.
///
/// Large columns are not sorted: as in [`describe`](super::describe), a
/// histogram (of counts and of weight) locates the buckets that hold the
/// requested quantiles, and only their rows are sorted.
///
/// ```
/// let s = &munflow::stats::describe_weighted(&[&[3.0, 1.0, 2.0, 4.0]], &[1.0; 4], &[0.5, 0.1])[0];
/// assert_eq!(s.quantiles, vec![2.5, 1.3]);
/// assert_eq!(s.mean, 2.5);
/// ```
pub fn describe_weighted(columns: &[&[f64]], weights: &[f64], qs: &[f64]) -> Vec<Summary> {
    columns
        .par_iter()
        .map(|values| summarise(values, weights, qs))
        .collect()
}

/// What one pass over the rows of positive weight tells.
#[derive(Debug, Clone, Copy)]
struct Totals {
    rows: usize,
    weight: f64,
    weighted_sum: f64,
    sum_of_squared_weights: f64,
    min: f64,
    max: f64,
    /// The weight of the last row in order of value (the latest of the
    /// rows holding the maximum).
    weight_at_max: f64,
    has_nan: bool,
}

impl Totals {
    const EMPTY: Totals = Totals {
        rows: 0,
        weight: 0.0,
        weighted_sum: 0.0,
        sum_of_squared_weights: 0.0,
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
        weight_at_max: 0.0,
        has_nan: false,
    };

    fn of(values: &[f64], weights: &[f64]) -> Totals {
        let mut t = Totals::EMPTY;
        for (&x, &w) in values.iter().zip(weights) {
            if w > 0.0 {
                t.rows += 1;
                t.weight += w;
                t.weighted_sum += w * x;
                t.sum_of_squared_weights += w * w;
                t.min = t.min.min(x);
                if x >= t.max {
                    t.max = x;
                    t.weight_at_max = w;
                }
                t.has_nan |= x.is_nan();
            }
        }
        t
    }

    /// These rows followed by `later`'s.
    fn then(self, later: Totals) -> Totals {
        let later_max = later.rows > 0 && later.max >= self.max;
        Totals {
            rows: self.rows + later.rows,
            weight: self.weight + later.weight,
            weighted_sum: self.weighted_sum + later.weighted_sum,
            sum_of_squared_weights: self.sum_of_squared_weights + later.sum_of_squared_weights,
            min: self.min.min(later.min),
            max: self.max.max(later.max),
            weight_at_max: if later_max {
                later.weight_at_max
            } else {
                self.weight_at_max
            },
            has_nan: self.has_nan | later.has_nan,
        }
    }
}

/// Pieces of the column in parallel, combined in order: the same result
/// whatever the number of threads.
fn by_pieces<T: Send>(
    values: &[f64],
    weights: &[f64],
    part: impl Fn(&[f64], &[f64]) -> T + Sync,
) -> Vec<T> {
    values
        .par_chunks(PIECE)
        .zip(weights.par_chunks(PIECE))
        .map(|(v, w)| part(v, w))
        .collect()
}

fn summarise(values: &[f64], weights: &[f64], qs: &[f64]) -> Summary {
    let totals = by_pieces(values, weights, Totals::of)
        .into_iter()
        .fold(Totals::EMPTY, Totals::then);
    if totals.rows == 0 || totals.has_nan {
        return Summary {
            mean: f64::NAN,
            sd: f64::NAN,
            min: f64::NAN,
            max: f64::NAN,
            quantiles: vec![f64::NAN; qs.len()],
        };
    }
    let mean = totals.weighted_sum / totals.weight;
    let span = totals.weight - totals.weight_at_max;
    let bins = Bins::over(totals.min, totals.max).filter(|_| totals.rows > SMALL);
    let (spread, quantiles) = match bins {
        None => {
            let spread = squares_about(values, weights, mean);
            let mut rows = positive_rows(values, weights, |_| true);
            rows.sort_by(|a, b| a.0.total_cmp(&b.0));
            let quantiles = qs
                .iter()
                .map(|&q| quantile_among(&rows, 0.0, q * span, None))
                .collect();
            (spread, quantiles)
        }
        Some(bins) => histogram_quantiles(values, weights, qs, span, mean, &bins),
    };
    let squares = totals.sum_of_squared_weights / (totals.weight * totals.weight);
    let sd = if squares < 1.0 {
        (spread / totals.weight / (1.0 - squares)).sqrt()
    } else {
        f64::NAN
    };
    Summary {
        mean,
        sd,
        min: totals.min,
        max: totals.max,
        quantiles,
    }
}

/// (value, weight) of the rows of positive weight whose value `keep`
/// accepts, in row order.
fn positive_rows(values: &[f64], weights: &[f64], keep: impl Fn(f64) -> bool) -> Vec<(f64, f64)> {
    values
        .iter()
        .zip(weights)
        .filter(|&(&x, &w)| w > 0.0 && keep(x))
        .map(|(&x, &w)| (x, w))
        .collect()
}

/// Σ w (x - centre)², pieces combined in order.
fn squares_about(values: &[f64], weights: &[f64], centre: f64) -> f64 {
    by_pieces(values, weights, |v, w| {
        v.iter()
            .zip(w)
            .filter(|(_, &w)| w > 0.0)
            .map(|(&x, &w)| w * (x - centre) * (x - centre))
            .sum::<f64>()
    })
    .iter()
    .sum()
}

/// The quantile at position `target` among rows sorted by value, the first
/// of which sits at position `start`; `after` is the row that follows the
/// last one (None when they end the column). When rounding leaves the
/// target past the last row, the answer is the row after.
fn quantile_among(rows: &[(f64, f64)], start: f64, target: f64, after: Option<f64>) -> f64 {
    let mut below = start;
    for (i, &(x0, w0)) in rows.iter().enumerate() {
        let next = below + w0;
        if target <= next {
            let Some(x1) = rows.get(i + 1).map(|r| r.0).or(after) else {
                return x0;
            };
            let t = ((target - below) / w0).clamp(0.0, 1.0);
            return x0 + t * (x1 - x0);
        }
        below = next;
    }
    after.unwrap_or(rows[rows.len() - 1].0)
}

/// The spread about `mean` and the quantiles, from a histogram of counts
/// and weights (one pass) and the sorted rows of the buckets that hold the
/// quantiles and of the buckets after them (a second pass).
fn histogram_quantiles(
    values: &[f64],
    weights: &[f64],
    qs: &[f64],
    span: f64,
    mean: f64,
    bins: &Bins,
) -> (f64, Vec<f64>) {
    let parts = by_pieces(values, weights, |v, w| {
        let mut counts = vec![0u32; BINS];
        let mut mass = vec![0.0f64; BINS];
        let mut spread = 0.0;
        for (&x, &w) in v.iter().zip(w) {
            if w > 0.0 {
                let b = bins.of(x);
                counts[b] += 1;
                mass[b] += w;
                spread += w * (x - mean) * (x - mean);
            }
        }
        (counts, mass, spread)
    });
    let mut counts = vec![0usize; BINS];
    let mut mass = vec![0.0f64; BINS];
    let mut spread = 0.0;
    for (c, m, s) in parts {
        counts.iter_mut().zip(c).for_each(|(a, b)| *a += b as usize);
        mass.iter_mut().zip(m).for_each(|(a, b)| *a += b);
        spread += s;
    }
    // Each quantile's bucket (the first whose weight reaches its position),
    // the weight before it, and the next bucket holding rows.
    let mut before = vec![0.0; BINS];
    let mut acc = 0.0;
    for (b, m) in before.iter_mut().zip(&mass) {
        *b = acc;
        acc += m;
    }
    let last_filled = counts.iter().rposition(|&c| c > 0).unwrap_or(0);
    let next_filled = |b: usize| (b + 1..BINS).find(|&j| counts[j] > 0);
    let located: Vec<(usize, Option<usize>)> = qs
        .iter()
        .map(|&q| {
            let target = q * span;
            let b = (0..BINS)
                .find(|&b| counts[b] > 0 && target <= before[b] + mass[b])
                .unwrap_or(last_filled);
            (b, next_filled(b))
        })
        .collect();
    let mut wanted = vec![false; BINS];
    for &(b, next) in &located {
        wanted[b] = true;
        if let Some(j) = next {
            wanted[j] = true;
        }
    }
    // The wanted buckets' rows, in row order, then stably sorted by value.
    let mut gathered: Vec<Vec<(f64, f64)>> = vec![Vec::new(); BINS];
    for part in by_pieces(values, weights, |v, w| {
        positive_rows(v, w, |x| wanted[bins.of(x)])
    }) {
        for (x, w) in part {
            gathered[bins.of(x)].push((x, w));
        }
    }
    for rows in gathered.iter_mut().filter(|r| !r.is_empty()) {
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    let quantiles = qs
        .iter()
        .zip(&located)
        .map(|(&q, &(b, next))| {
            let after = next.map(|j| gathered[j][0].0);
            quantile_among(&gathered[b], before[b], q * span, after)
        })
        .collect();
    (spread, quantiles)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, on a full stable sort.
    fn by_sorting(values: &[f64], weights: &[f64], qs: &[f64]) -> Vec<f64> {
        let mut rows = positive_rows(values, weights, |_| true);
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        let total: f64 = rows.iter().map(|r| r.1).sum();
        let span = total - rows[rows.len() - 1].1;
        qs.iter()
            .map(|&q| quantile_among(&rows, 0.0, q * span, None))
            .collect()
    }

    #[test]
    fn equal_weights_give_numpy_quantiles() {
        let x: Vec<f64> = (0..101).map(|i| ((i * 37) % 101) as f64).collect();
        let s = &describe_weighted(&[&x], &vec![0.5; 101], &[0.0, 0.05, 0.5, 0.93, 1.0])[0];
        assert_eq!(s.quantiles, vec![0.0, 5.0, 50.0, 93.0, 100.0]);
        let plain = &crate::stats::describe(&[&x], &[0.05, 0.93])[0];
        assert!((s.sd - plain.sd).abs() < 1e-12 && (s.mean - plain.mean).abs() < 1e-12);
    }

    #[test]
    fn weights_move_the_quantiles_and_zero_weights_drop_out() {
        let s = &describe_weighted(&[&[1.0, 2.0, 100.0]], &[1.0, 3.0, 0.0], &[0.5])[0];
        assert_eq!(s.max, 2.0);
        // positions: 1 at 0, 2 at 1/1 = 1: the median is 1.5.
        assert_eq!(s.quantiles, vec![1.5]);
        assert!((s.mean - 1.75).abs() < 1e-15);
    }

    #[test]
    fn large_columns_agree_with_a_full_sort() {
        let qs: Vec<f64> = (0..=40)
            .map(|i| i as f64 / 40.0)
            .chain([0.001, 0.999])
            .collect();
        let n = 300_007;
        let u = |i: usize, m: usize| ((i * 7919) % m) as f64 / m as f64;
        // Smooth, heavy-tailed, ties, and a spike with far outliers; weights
        // uneven, with zeros (a third of the rows) and a heavy tail.
        let smooth: Vec<f64> = (0..n).map(|i| u(i, n)).collect();
        let heavy: Vec<f64> = smooth.iter().map(|u| 1.0 / (1.0 - u * 0.999_999)).collect();
        let ties: Vec<f64> = (0..n).map(|i| ((i * 31) % 7) as f64).collect();
        let mut spike = vec![3.0; n];
        spike[17] = -1e9;
        spike[99] = 1e12;
        // Whole-number weights sum exactly in any order, so the histogram
        // must give the sort's answers bit for bit; fractional ones only
        // differ by the rounding of the sums that place each row.
        let whole: Vec<f64> = (0..n)
            .map(|i| {
                if i % 3 == 0 {
                    0.0
                } else {
                    (4.0 * u(i, 1013)).exp().round()
                }
            })
            .collect();
        let fractional: Vec<f64> = whole.iter().map(|w| w * 1.37).collect();
        for column in [&smooth, &heavy, &ties, &spike] {
            let s = &describe_weighted(&[column], &whole, &qs)[0];
            assert_eq!(s.quantiles, by_sorting(column, &whole, &qs));
            let s = &describe_weighted(&[column], &fractional, &qs)[0];
            for (a, b) in s.quantiles.iter().zip(by_sorting(column, &fractional, &qs)) {
                assert!((a - b).abs() <= 1e-6 * b.abs().max(1.0), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn nan_among_weighted_rows_makes_everything_nan() {
        let mut v: Vec<f64> = (0..100_000).map(f64::from).collect();
        let mut w = vec![1.0; v.len()];
        v[5] = f64::NAN;
        assert!(describe_weighted(&[&v], &w, &[0.5])[0].mean.is_nan());
        // A NaN in a row of weight 0 does not count.
        w[5] = 0.0;
        assert_eq!(describe_weighted(&[&v], &w, &[0.0])[0].quantiles, vec![0.0]);
    }
}
