//! Per-column summaries: mean, standard deviation and quantiles.

use super::quantile::{interpolate, needed_ranks};
use super::streaming::{Frame, Partial, Search, WindowIndex, PILOT_ROWS};
use crate::stream::CHUNK;
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

impl Summary {
    /// A column's summary from its partial over all rows and the values of
    /// the ranks its quantiles read.
    pub(crate) fn from_parts(
        partial: &Partial,
        frame: &Frame,
        search: &Search,
        qs: &[f64],
    ) -> Self {
        let n = partial.rows as usize;
        if n == 0 || partial.nans > 0 {
            return Summary {
                mean: f64::NAN,
                sd: f64::NAN,
                min: f64::NAN,
                max: f64::NAN,
                quantiles: vec![f64::NAN; qs.len()],
            };
        }
        let (mean, sd) = partial.moments(frame);
        let (min, max) = partial.range();
        Summary {
            mean,
            sd,
            min,
            max,
            quantiles: interpolate(n, qs, |r| search.value(r as u64)),
        }
    }
}

/// Summarises each column (in parallel across columns, and across chunks
/// of long columns).
///
/// Means and sds come from sums formed per chunk and added exactly, so a
/// summary-only run, which never holds the column, gives the same bits
/// (see [`streaming`](super::streaming)). Quantiles are numpy's default
/// (type 7), exact: a histogram locates the few buckets that hold them and
/// only those values are selected, instead of sorting the column.
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

/// Chunks per parallel task of a pass over a stored column.
const CHUNKS_PER_TASK: usize = 256;

fn summarise(values: &[f64], qs: &[f64]) -> Summary {
    let n = values.len();
    let frame = Frame::of_pilot(&values[..n.min(PILOT_ROWS)]);
    let partial = values
        .par_chunks(CHUNK * CHUNKS_PER_TASK)
        .map(|task| {
            let mut p = Partial::new();
            task.chunks(CHUNK)
                .for_each(|chunk| p.add_chunk(chunk, &frame));
            p
        })
        .reduce(Partial::new, |mut a, b| {
            a.merge(&b);
            a
        });
    let ranks: Vec<u64> = if n == 0 || partial.nans > 0 {
        Vec::new()
    } else {
        needed_ranks(n, qs).into_iter().map(|r| r as u64).collect()
    };
    // The column is at hand: gather every window, however full.
    let mut search = Search::start(&partial, &frame, &ranks, u64::MAX);
    let index = WindowIndex::new(&search.open);
    let windows = &search.open;
    let answers = values
        .par_chunks(CHUNK * CHUNKS_PER_TASK)
        .map(|task| {
            let mut answers = WindowIndex::answers(windows);
            index.add_chunk(windows, &mut answers, task);
            answers
        })
        .reduce(
            || WindowIndex::answers(windows),
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(a, b)| a.merge(b));
                a
            },
        );
    search.absorb(answers);
    Summary::from_parts(&partial, &frame, &search, qs)
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

    #[test]
    fn quantiles_are_exact_for_ties_heavy_tails_and_far_outliers() {
        let n = 40 * CHUNK + 77;
        let u = |i: usize| ((i * 7919) % n) as f64 / n as f64;
        // Ties, a heavy tail beyond the pilot's range, and a spike with
        // outliers on both sides of the pilot's range.
        let ties: Vec<f64> = (0..n).map(|i| ((i * 31) % 7) as f64).collect();
        let heavy: Vec<f64> = (0..n).map(|i| 1.0 / (1.0 - u(i) * 0.999_999)).collect();
        let mut spike = vec![3.0; n];
        spike[n - 17] = -1e9;
        spike[n - 99] = 1e12;
        let qs: Vec<f64> = (0..=20)
            .map(|i| i as f64 / 20.0)
            .chain([0.001, 0.999])
            .collect();
        for column in [&ties, &heavy, &spike] {
            let s = &describe(&[column], &qs)[0];
            let mut sorted = column.clone();
            sorted.sort_by(f64::total_cmp);
            assert_eq!(
                s.quantiles,
                super::super::quantile::quantiles_sorted(&sorted, &qs)
            );
            assert_eq!((s.min, s.max), (sorted[0], sorted[n - 1]));
        }
    }
}
