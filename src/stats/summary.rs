//! Per-column summaries: mean, standard deviation and quantiles.

use super::quantile::{quantiles_and_squares, sum_and_range};
use rayon::prelude::*;

/// The summary of one column.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub mean: f64,
    /// Sample standard deviation (ddof = 1, as pandas).
    pub sd: f64,
    pub min: f64,
    pub max: f64,
    /// Quantiles at the requested levels, in order.
    pub quantiles: Vec<f64>,
}

/// Summarises each column (in parallel across columns, and across pieces
/// of long columns).
///
/// ```
/// let s = munflow::stats::describe(&[&[1.0, 2.0, 3.0, 4.0]], &[0.5]);
/// assert_eq!(s[0].mean, 2.5);
/// assert_eq!(s[0].quantiles, vec![2.5]);
/// ```
pub fn describe(columns: &[&[f64]], qs: &[f64]) -> Vec<Summary> {
    columns
        .par_iter()
        .map(|values| summarise(values, qs))
        .collect()
}

fn summarise(values: &[f64], qs: &[f64]) -> Summary {
    let n = values.len() as f64;
    // Two passes over the column for everything (three when quantiles need
    // the values of a few buckets): the sum and range, then the squares
    // about the mean (no cancellation, unlike a running update) in the same
    // pass as the histogram that locates the quantiles.
    let (sum, range) = sum_and_range(values);
    let mean = sum / n;
    let (quantiles, squares) = quantiles_and_squares(values, qs, &range, Some(mean));
    Summary {
        mean,
        sd: if values.len() > 1 {
            (squares / (n - 1.0)).sqrt()
        } else {
            f64::NAN
        },
        min: range.min,
        max: range.max,
        quantiles,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_columns_summarised_piecewise_match_a_plain_computation() {
        // Three and a bit pieces, skewed values, and a NaN-free copy with one NaN.
        let n = 3 * super::super::quantile::PIECE + 12_345;
        let values: Vec<f64> = (0..n)
            .map(|i| {
                let u = ((i as u64 * 2_654_435_761) % 1_000_003) as f64 / 1_000_003.0;
                1e6 * (1.0 - u).powi(3) + 5.0
            })
            .collect();
        let qs = [0.05, 0.5, 0.95];
        let s = &describe(&[&values], &qs)[0];
        let mean = values.iter().sum::<f64>() / n as f64;
        let var = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        assert!((s.mean / mean - 1.0).abs() < 1e-12, "{} vs {mean}", s.mean);
        assert!((s.sd / var.sqrt() - 1.0).abs() < 1e-12);
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        assert_eq!(
            s.quantiles,
            super::super::quantile::quantiles_sorted(&sorted, &qs)
        );
        assert_eq!((s.min, s.max), (sorted[0], sorted[n - 1]));

        let mut with_nan = values;
        with_nan[n - 7] = f64::NAN;
        let s = &describe(&[&with_nan], &qs)[0];
        assert!(s.mean.is_nan() && s.sd.is_nan() && s.quantiles.iter().all(|q| q.is_nan()));
    }
}
