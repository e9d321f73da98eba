//! What to learn next: how much knowing one input exactly would narrow the
//! output's interval, in expectation.
//!
//! For an input X and output Y, the conditional distribution of Y given X = x
//! is estimated from an ordinary run by binning on X's quantiles: the samples
//! are sorted by X and cut into `bins` bins of equal count (an input with no
//! more distinct values than bins gets one bin per value instead). Within a
//! bin X is nearly fixed, so the bin's samples of Y are draws from Y given
//! that X. Then
//!
//! - `expected_width` = the average over bins (weighted by their share of
//!   samples) of the width of Y's central interval within the bin: the width
//!   an analyst should expect after learning X, before knowing what X is;
//! - `narrowing` = 1 - expected_width / width of Y's interval now;
//! - `variance_share` = 1 - E[Var(Y | bin)] / Var(Y): the expected reduction of
//!   the variance, a binned estimate of the first-order Sobol index (the
//!   "expected value of partial perfect information" on the variance scale).
//!
//! A group of inputs known together is binned jointly: each member into
//! `bins^(1/d)` quantile bins (at least 2), the cells being their
//! combinations, so a group of d inputs is cut into about `bins` cells.
//!
//! Binning leaves a little of X's spread inside each bin, so both measures
//! slightly understate what exact knowledge would give; with the defaults
//! (50 bins, 100,000 samples, 2,000 a bin) that bias is small next to the
//! differences between inputs that matter for choosing what to learn.

use crate::error::{Error, Result};
use crate::stats::quantiles;
use rayon::prelude::*;

/// The fewest samples a bin may hold for its interval to mean something.
pub const MIN_PER_BIN: usize = 50;

/// One input's value of information.
#[derive(Debug, Clone, PartialEq)]
pub struct Learning {
    pub name: String,
    /// The output's central interval width now.
    pub width_now: f64,
    /// Its expected width once the input is known.
    pub expected_width: f64,
    /// 1 - expected_width / width_now.
    pub narrowing: f64,
    /// Expected share of the output's variance removed by knowing the input.
    pub variance_share: f64,
}

/// Value of information of each input (or group of inputs known together:
/// several columns) for `output`, ranked by narrowing (largest first).
/// `level` is the central interval (0.9).
///
/// ```
/// use munflow::sensitivity::value_of_information;
/// // y = x + small noise: knowing x removes nearly all the spread.
/// let x: Vec<f64> = (0..10_000).map(|i| (i % 100) as f64).collect();
/// let y: Vec<f64> = x.iter().enumerate().map(|(i, v)| v + (i % 7) as f64 * 0.01).collect();
/// let v = value_of_information(&y, &[("x".into(), vec![&x[..]])], 0.9, 50).unwrap();
/// assert!(v[0].narrowing > 0.9);
/// ```
pub fn value_of_information(
    output: &[f64],
    inputs: &[(String, Vec<&[f64]>)],
    level: f64,
    bins: usize,
) -> Result<Vec<Learning>> {
    let n = output.len();
    if !(level > 0.0 && level < 1.0) {
        return Err(Error::InvalidArgument(format!(
            "level must be in (0, 1), got {level}"
        )));
    }
    if bins < 2 {
        return Err(Error::InvalidArgument(format!(
            "bins must be >= 2, got {bins}"
        )));
    }
    if n < bins * MIN_PER_BIN {
        return Err(Error::InvalidArgument(format!(
            "n must be >= {} for {bins} bins of at least {MIN_PER_BIN} samples, got {n}",
            bins * MIN_PER_BIN
        )));
    }
    for (name, cols) in inputs {
        if cols.is_empty() {
            return Err(Error::InvalidArgument(format!("'{name}' has no columns")));
        }
        for col in cols {
            if col.len() != n {
                return Err(Error::InvalidArgument(format!(
                    "input '{name}' has {} samples but the output has {n}",
                    col.len()
                )));
            }
        }
    }
    let qs = [(1.0 - level) / 2.0, (1.0 + level) / 2.0];
    let width = |v: &[f64]| {
        let q = quantiles(v, &qs);
        q[1] - q[0]
    };
    let width_now = width(output);
    let var_now = variance(output);
    if var_now.is_nan() || var_now <= 0.0 || width_now.is_nan() || width_now <= 0.0 {
        return Err(Error::InvalidArgument(
            "the output's interval has zero width: there is nothing to narrow".into(),
        ));
    }
    let mut rows: Vec<Learning> = inputs
        .par_iter()
        .map(|(name, cols)| {
            let per_dim = ((bins as f64).powf(1.0 / cols.len() as f64).round() as usize).max(2);
            let (cell, cells) = cells(cols, per_dim);
            if cells < 2 {
                return Err(Error::InvalidArgument(format!(
                    "input '{name}' is constant in these samples: knowing it cannot narrow anything"
                )));
            }
            // Samples by cell (a counting sort keeps sample order within a cell).
            let mut start = vec![0usize; cells + 1];
            for &c in &cell {
                start[c + 1] += 1;
            }
            for c in 0..cells {
                start[c + 1] += start[c];
            }
            let mut next = start.clone();
            let mut by_cell = vec![0.0; n];
            for (i, &c) in cell.iter().enumerate() {
                by_cell[next[c]] = output[i];
                next[c] += 1;
            }
            let (mut exp_width, mut exp_var) = (0.0, 0.0);
            for w in start.windows(2).filter(|w| w[1] > w[0]) {
                let ys = &by_cell[w[0]..w[1]];
                let share = ys.len() as f64 / n as f64;
                exp_width += share * width(ys);
                exp_var += share * variance(ys);
            }
            Ok(Learning {
                name: name.clone(),
                width_now,
                expected_width: exp_width,
                narrowing: 1.0 - exp_width / width_now,
                variance_share: 1.0 - exp_var / var_now,
            })
        })
        .collect::<Result<_>>()?;
    rows.sort_by(|a, b| b.narrowing.total_cmp(&a.narrowing));
    Ok(rows)
}

/// The cell of every sample when each column is cut into `per_dim` quantile
/// bins (fewer for a column with fewer distinct values), and the number of
/// cells (the product of the columns' bin counts).
fn cells(cols: &[&[f64]], per_dim: usize) -> (Vec<usize>, usize) {
    let n = cols[0].len();
    let mut cell = vec![0usize; n];
    let mut cells = 1usize;
    for x in cols {
        let mut order: Vec<usize> = (0..n).collect();
        // Stable, so ties keep sample order and results are reproducible.
        order.sort_by(|&i, &j| x[i].total_cmp(&x[j]));
        let cuts = cut_points(x, &order, per_dim);
        let bins_here = cuts.len() - 1;
        for (b, w) in cuts.windows(2).enumerate() {
            for &i in &order[w[0]..w[1]] {
                cell[i] = cell[i] * bins_here + b;
            }
        }
        cells *= bins_here;
    }
    (cell, cells)
}

/// Bin boundaries (positions in `order`): one bin per distinct value when
/// there are at most `bins` of them (an atom is never split), else `bins`
/// bins of equal count.
fn cut_points(x: &[f64], order: &[usize], bins: usize) -> Vec<usize> {
    let n = order.len();
    let mut atoms = vec![0];
    for p in 1..n {
        if x[order[p]] != x[order[p - 1]] {
            atoms.push(p);
            if atoms.len() > bins {
                return (0..=bins).map(|b| b * n / bins).collect();
            }
        }
    }
    atoms.push(n);
    atoms
}

/// Population variance, two passes.
fn variance(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n
}
