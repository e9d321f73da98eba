//! Per-column summaries: mean, standard deviation and quantiles.

use super::quantile::{quantiles_in, Range};
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

/// Summarises each column (in parallel across columns).
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
    // The mean and range in one pass, then centred squares (two passes
    // rather than a running update: no cancellation, and both vectorise).
    let mut range = Range::EMPTY;
    let mut sum = 0.0;
    for &x in values {
        sum += x;
        range.add(x);
    }
    let mean = sum / n;
    let ss: f64 = values.iter().map(|x| (x - mean) * (x - mean)).sum();
    let (min, max) = (range.min, range.max);
    Summary {
        mean,
        sd: if values.len() > 1 {
            (ss / (n - 1.0)).sqrt()
        } else {
            f64::NAN
        },
        min,
        max,
        quantiles: quantiles_in(values, qs, &range),
    }
}
