//! Weighted summaries formed chunk by chunk: a posterior reached by
//! likelihood weighting, summarised without keeping its samples.
//!
//! As in [`streaming`](super::streaming), partials merge in any order:
//! weighted sums are exact ([`ExactSum`]), and the weight that places each
//! value among the others (for quantiles) is kept in fixed point, as whole
//! multiples of 2^-60 of the largest weight, so that it too adds up the same
//! in any order. The weights are exp(log weight - the largest log weight),
//! in (0, 1].
//!
//! The quantiles follow [`describe_weighted`](super::describe_weighted):
//! rows of positive weight in order of value (ties in row order) sit at the
//! weight of the rows before them, divided by the total weight less the last
//! row's, and quantiles interpolate between those positions.

use super::exact::ExactSum;
use super::streaming::{Frame, Histogram, BUCKETS};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Fixed-point scale of the weights that place rows: 2^60.
const UNIT: f64 = (1u64 << 60) as f64;
/// Rows gathered for one quantile at most; a fuller bucket (of distinct
/// values) is refused rather than filling the memory.
pub const WEIGHTED_GATHER_LIMIT: u64 = 1 << 23;

/// A row's weight in fixed point.
#[inline]
pub fn mass_of(weight: f64) -> u64 {
    (weight * UNIT).round() as u64
}

/// The partial weighted summary of some chunks of one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightedPartial {
    /// Rows of positive weight.
    pub rows: u64,
    pub weight: ExactSum,
    pub weighted_sum: ExactSum,
    /// Σ w (x - centre)².
    pub squares: ExactSum,
    /// Rows of positive weight whose value is NaN.
    pub nans: u64,
    /// Counts and extremes per bucket.
    pub hist: Histogram,
    /// Weight per bucket, in fixed point.
    pub mass: Vec<u128>,
    /// Per bucket, its latest row and that row's mass: the last row of a
    /// bucket whose values are all equal.
    pub last_row: Vec<u64>,
    pub last_mass: Vec<u64>,
    /// The last row of all in order of value: (value, row, mass).
    pub top: Option<(f64, u64, u64)>,
}

impl Default for WeightedPartial {
    fn default() -> Self {
        WeightedPartial::new()
    }
}

impl WeightedPartial {
    pub fn new() -> WeightedPartial {
        WeightedPartial {
            rows: 0,
            weight: ExactSum::default(),
            weighted_sum: ExactSum::default(),
            squares: ExactSum::default(),
            nans: 0,
            hist: Histogram::new(),
            mass: vec![0; BUCKETS + 2],
            last_row: vec![0; BUCKETS + 2],
            last_mass: vec![0; BUCKETS + 2],
            top: None,
        }
    }

    /// Adds one chunk: values, their weights in (0, 1] (0: the row does
    /// not count), and the index of its first row.
    pub fn add_chunk(&mut self, values: &[f64], weights: &[f64], first_row: u64, frame: &Frame) {
        let c = frame.centre;
        let (mut w_sum, mut wx_sum, mut sq_sum) = (0.0, 0.0, 0.0);
        for (i, (&x, &w)) in values.iter().zip(weights).enumerate() {
            if w <= 0.0 {
                continue;
            }
            self.rows += 1;
            w_sum += w;
            wx_sum += w * x;
            sq_sum += w * (x - c) * (x - c);
            if x.is_nan() {
                self.nans += 1;
                continue;
            }
            let row = first_row + i as u64;
            let m = mass_of(w);
            let b = frame.buckets.of(x);
            self.hist.add(b, x);
            self.mass[b] += m as u128;
            if self.hist.counts[b] == 1 || row > self.last_row[b] {
                self.last_row[b] = row;
                self.last_mass[b] = m;
            }
            if self.top.is_none_or(|(v, r, _)| (x, row) > (v, r)) {
                self.top = Some((x, row, m));
            }
        }
        self.weight.add(w_sum);
        self.weighted_sum.add(wx_sum);
        self.squares.add(sq_sum);
    }

    pub fn merge(&mut self, other: &WeightedPartial) {
        self.rows += other.rows;
        self.weight.merge(&other.weight);
        self.weighted_sum.merge(&other.weighted_sum);
        self.squares.merge(&other.squares);
        self.nans += other.nans;
        for b in 0..self.mass.len() {
            if other.hist.counts[b] == 0 {
                continue;
            }
            if self.hist.counts[b] == 0 || other.last_row[b] > self.last_row[b] {
                self.last_row[b] = other.last_row[b];
                self.last_mass[b] = other.last_mass[b];
            }
            self.mass[b] += other.mass[b];
        }
        self.hist.merge(&other.hist);
        if let Some((x, row, m)) = other.top {
            if self.top.is_none_or(|(v, r, _)| (x, row) > (v, r)) {
                self.top = Some((x, row, m));
            }
        }
    }

    /// Weighted mean and sd (the sd with the effective-sample correction
    /// 1 / (1 - Σw²/(Σw)²), ddof = 1 for equal weights), given Σw².
    pub fn moments(&self, frame: &Frame, sum_of_squared_weights: f64) -> (f64, f64) {
        if self.rows == 0 || self.nans > 0 {
            return (f64::NAN, f64::NAN);
        }
        let w = self.weight.value();
        let mean = self.weighted_sum.value() / w;
        let shift = mean - frame.centre;
        let spread = (self.squares.value() / w - shift * shift).max(0.0);
        let squares = sum_of_squared_weights / (w * w);
        let sd = if squares < 1.0 {
            (spread / (1.0 - squares)).sqrt()
        } else {
            f64::NAN
        };
        (mean, sd)
    }

    /// The smallest and largest value of positive weight.
    pub fn range(&self) -> (f64, f64) {
        let filled = |b: &usize| self.hist.counts[*b] > 0;
        match (
            (0..self.hist.counts.len()).find(filled),
            (0..self.hist.counts.len()).rev().find(filled),
        ) {
            (Some(lo), Some(hi)) => (self.hist.min[lo], self.hist.max[hi]),
            _ => (f64::NAN, f64::NAN),
        }
    }

    /// Where each quantile lies: settled at once (a bucket of equal values)
    /// or to be read from the sorted rows of one bucket.
    pub fn locate(&self, qs: &[f64]) -> Result<Vec<WeightedQuantile>> {
        let Some((_, _, top_mass)) = self.top else {
            return Ok(vec![WeightedQuantile::Settled(f64::NAN); qs.len()]);
        };
        let total: u128 = self.mass.iter().sum();
        let span = (total - top_mass as u128) as f64;
        let mut before = vec![0u128; self.hist.counts.len()];
        let mut acc = 0u128;
        for (b, m) in before.iter_mut().zip(&self.mass) {
            *b = acc;
            acc += m;
        }
        let filled: Vec<usize> = (0..self.hist.counts.len())
            .filter(|&b| self.hist.counts[b] > 0)
            .collect();
        let last = *filled.last().unwrap_or(&0);
        qs.iter()
            .map(|&q| {
                let target = q * span;
                let b = filled
                    .iter()
                    .copied()
                    .find(|&b| target <= (before[b] + self.mass[b]) as f64)
                    .unwrap_or(last);
                let next_min = filled.iter().find(|&&j| j > b).map(|&j| self.hist.min[j]);
                if self.hist.min[b] == self.hist.max[b] {
                    // Equal values: the answer is that value unless the
                    // position falls in the bucket's last row, which
                    // interpolates towards the next bucket.
                    let v = self.hist.min[b];
                    let end = (before[b] + self.mass[b]) as f64;
                    let w_last = self.last_mass[b] as f64;
                    let start_last = end - w_last;
                    return Ok(match next_min {
                        Some(x1) if target > start_last && w_last > 0.0 => {
                            let t = ((target - start_last) / w_last).clamp(0.0, 1.0);
                            WeightedQuantile::Settled(v + t * (x1 - v))
                        }
                        _ => WeightedQuantile::Settled(v),
                    });
                }
                if self.hist.counts[b] > WEIGHTED_GATHER_LIMIT {
                    return Err(Error::InvalidArgument(format!(
                        "a quantile of a summary-only posterior falls among {} samples of distinct values in one histogram bucket, too many to gather; run it in memory (store='columns')",
                        self.hist.counts[b]
                    )));
                }
                Ok(WeightedQuantile::Bucket {
                    bucket: b,
                    before: before[b],
                    target,
                    next_min,
                })
            })
            .collect()
    }
}

/// Where one weighted quantile is read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WeightedQuantile {
    Settled(f64),
    /// Among the rows of `bucket`, whose fixed-point positions start at
    /// `before`; `next_min` is the smallest value after the bucket.
    Bucket {
        bucket: usize,
        before: u128,
        target: f64,
        next_min: Option<f64>,
    },
}

impl WeightedQuantile {
    /// The quantile from the bucket's rows (value, row, mass), any order.
    pub fn read(&self, rows: &mut [(f64, u64, u64)]) -> f64 {
        let (before, target, next_min) = match *self {
            WeightedQuantile::Settled(v) => return v,
            WeightedQuantile::Bucket {
                before,
                target,
                next_min,
                ..
            } => (before, target, next_min),
        };
        rows.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut below = before;
        for (i, &(x0, _, m)) in rows.iter().enumerate() {
            let next = below + m as u128;
            if target <= next as f64 {
                let Some(x1) = rows.get(i + 1).map(|r| r.0).or(next_min) else {
                    return x0;
                };
                if m == 0 {
                    return x0;
                }
                let t = ((target - below as f64) / m as f64).clamp(0.0, 1.0);
                return x0 + t * (x1 - x0);
            }
            below = next;
        }
        // Rounding left the position past the bucket: the next value.
        next_min.unwrap_or_else(|| rows.last().map_or(f64::NAN, |r| r.0))
    }
}
