//! Summaries of weighted samples (a posterior reached by likelihood weighting).
//!
//! With equal weights these are the unweighted summaries: quantiles are
//! numpy's default (type 7) and the sd has ddof = 1.

use super::Summary;
use rayon::prelude::*;

/// Summarises each column with the row weights `weights` (not necessarily
/// normalised; rows of weight 0 do not count).
///
/// The i-th smallest value (among rows of positive weight) sits at the
/// weight of the values below it divided by the total weight less the
/// largest value's, which is (i - 1) / (n - 1) for equal weights, and
/// quantiles interpolate linearly between those positions.
///
/// ```
/// let s = &munflow::stats::describe_weighted(&[&[3.0, 1.0, 2.0, 4.0]], &[1.0; 4], &[0.5, 0.1])[0];
/// assert_eq!(s.quantiles, vec![2.5, 1.3]);
/// assert_eq!(s.mean, 2.5);
/// ```
pub fn describe_weighted(columns: &[&[f64]], weights: &[f64], qs: &[f64]) -> Vec<Summary> {
    columns
        .iter()
        .map(|values| summarise(values, weights, qs))
        .collect()
}

fn summarise(values: &[f64], weights: &[f64], qs: &[f64]) -> Summary {
    let mut rows: Vec<(f64, f64)> = values
        .iter()
        .zip(weights)
        .filter(|(_, &w)| w > 0.0)
        .map(|(&x, &w)| (x, w))
        .collect();
    if rows.is_empty() || rows.iter().any(|(x, _)| x.is_nan()) {
        return Summary {
            mean: f64::NAN,
            sd: f64::NAN,
            min: f64::NAN,
            max: f64::NAN,
            quantiles: vec![f64::NAN; qs.len()],
        };
    }
    rows.par_sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = rows.iter().map(|(_, w)| w).sum();
    let mean = rows.iter().map(|(x, w)| w * x).sum::<f64>() / total;
    let spread = rows
        .iter()
        .map(|(x, w)| w * (x - mean).powi(2))
        .sum::<f64>()
        / total;
    let squares = rows.iter().map(|(_, w)| (w / total).powi(2)).sum::<f64>();
    let sd = if squares < 1.0 {
        (spread / (1.0 - squares)).sqrt()
    } else {
        f64::NAN
    };
    let span = total - rows[rows.len() - 1].1;
    let quantiles = qs.iter().map(|&q| quantile(&rows, span, q)).collect();
    Summary {
        mean,
        sd,
        min: rows[0].0,
        max: rows[rows.len() - 1].0,
        quantiles,
    }
}

/// The q-quantile of sorted (value, weight) rows whose positions run from 0
/// to `span` (the total weight less the last row's).
fn quantile(rows: &[(f64, f64)], span: f64, q: f64) -> f64 {
    if rows.len() == 1 || span <= 0.0 {
        return rows[rows.len() - 1].0;
    }
    let target = q * span;
    let mut below = 0.0;
    for pair in rows.windows(2) {
        let ((x0, w0), (x1, _)) = (pair[0], pair[1]);
        let next = below + w0;
        if target <= next {
            let t = ((target - below) / w0).clamp(0.0, 1.0);
            return x0 + t * (x1 - x0);
        }
        below = next;
    }
    rows[rows.len() - 1].0
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
