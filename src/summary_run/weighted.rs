//! Summary-only posteriors by likelihood weighting.
//!
//! Each row's weight is the likelihood of the observations, so weights are
//! per row and a run split into chunk ranges can weight each range on its
//! own. Two passes precede the summary's: one finds the largest log weight
//! (the reference the weights are taken relative to, exactly, in any split)
//! and the largest log weights of all (for the Pareto k̂ of their tail);
//! the weighted moments and histograms come next, then the rows of the
//! buckets that hold the quantiles. When weighting is not reliable (too few
//! effective samples, a heavy tail of weights), the run fails: tempering
//! needs every particle at once, so it runs in memory.

use crate::error::{Error, Result};
use crate::evidence::Observation;
use crate::expr::Node;
use crate::stats::streaming::Frame;
use crate::stats::weighted_streaming::WeightedPartial;
use crate::stats::ExactSum;
use serde::{Deserialize, Serialize};

/// How a summary-only posterior is checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightingOptions {
    /// Refuse when the effective sample size is below this share of n ...
    pub min_ess: f64,
    /// ... or the Pareto k̂ of the weights above this (unless `force`).
    pub max_pareto_k: f64,
    /// Weight whatever the diagnostics say (method "weighting").
    pub force: bool,
}

/// The diagnostics of the weights.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WeightDiagnostics {
    pub ess: f64,
    pub pareto_k: f64,
    pub log_evidence: f64,
}

/// What the weights pass gives for some chunks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightsPartial {
    pub top: f64,
    /// The largest log weights seen (at most `keep`).
    pub largest: Vec<f64>,
    pub keep: usize,
    /// Per observation: whether some row gave it a finite log-likelihood.
    pub explained: Vec<bool>,
}

impl WeightsPartial {
    pub fn new(keep: usize, observations: usize) -> WeightsPartial {
        WeightsPartial {
            top: f64::NEG_INFINITY,
            largest: Vec::new(),
            keep,
            explained: vec![false; observations],
        }
    }

    pub fn add(&mut self, log_weights: &[f64]) {
        for &lw in log_weights {
            if lw > self.top {
                self.top = lw;
            }
        }
        self.largest.extend_from_slice(log_weights);
        self.trim();
    }

    pub fn merge(&mut self, other: &WeightsPartial) {
        self.top = self.top.max(other.top);
        self.largest.extend_from_slice(&other.largest);
        for (a, b) in self.explained.iter_mut().zip(&other.explained) {
            *a |= b;
        }
        self.trim();
    }

    /// Keeps the `keep` largest (a multiset: the same whatever the order),
    /// once there are twice as many, so that trimming stays rare.
    fn trim(&mut self) {
        if self.largest.len() > 2 * self.keep.max(1) {
            keep_largest(&mut self.largest, self.keep);
        }
    }

    /// The `keep` largest, once every chunk is in.
    pub fn finish(mut self) -> WeightsPartial {
        keep_largest(&mut self.largest, self.keep);
        self
    }
}

/// Leaves the `keep` largest of `values` (none when `keep` is 0: a run too
/// small for a Pareto tail keeps no weights for it).
fn keep_largest(values: &mut Vec<f64>, keep: usize) {
    if keep == 0 {
        values.clear();
    } else if values.len() > keep {
        let cut = values.len() - keep;
        values.select_nth_unstable_by(cut, f64::total_cmp);
        values.drain(..cut);
    }
}

/// The observations' nodes, flattened into columns after a run's outputs.
pub fn evidence_columns(observations: &[Observation]) -> Vec<(String, Node)> {
    observations
        .iter()
        .enumerate()
        .flat_map(|(j, obs)| {
            obs.nodes()
                .into_iter()
                .enumerate()
                .map(move |(i, node)| (format!("\u{1}evidence.{j}.{i}"), node.clone()))
        })
        .collect()
}

/// The log weight of each row of a chunk, from the observations' columns
/// (in the order of [`evidence_columns`]); marks the observations some row
/// explains.
pub fn log_weights(
    observations: &[Observation],
    columns: &[&[f64]],
    first_row: usize,
    explained: &mut [bool],
) -> Result<Vec<f64>> {
    let len = columns.first().map_or(0, |c| c.len());
    let mut lw = vec![0.0; len];
    let mut offset = 0;
    for (j, obs) in observations.iter().enumerate() {
        let arity = obs.nodes().len();
        let cols = &columns[offset..offset + arity];
        offset += arity;
        let mut terms = vec![0.0; len];
        obs.terms(cols, &mut terms, None, None)
            .map_err(|(i, message)| Error::Evidence {
                observations: vec![obs.name.clone()],
                message: format!("{message} (sample {})", first_row + i),
            })?;
        for (w, term) in lw.iter_mut().zip(&terms) {
            explained[j] |= term.is_finite();
            *w += term;
        }
    }
    Ok(lw)
}

/// The weights of a chunk relative to the largest log weight: in (0, 1].
pub fn weights_of(log_weights: &[f64], top: f64) -> Vec<f64> {
    log_weights.iter().map(|&lw| (lw - top).exp()).collect()
}

/// The weighted moments pass's result for some chunks: a partial per
/// output, and Σw² (the same weights for every output).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MomentsPartial {
    pub partials: Vec<WeightedPartial>,
    pub squared_weights: ExactSum,
}

impl MomentsPartial {
    pub fn new(outputs: usize) -> MomentsPartial {
        MomentsPartial {
            partials: vec![WeightedPartial::new(); outputs],
            squared_weights: ExactSum::default(),
        }
    }

    pub fn add_chunk(
        &mut self,
        outputs: &[&[f64]],
        weights: &[f64],
        first_row: u64,
        frames: &[Frame],
    ) {
        for ((p, col), frame) in self.partials.iter_mut().zip(outputs).zip(frames) {
            p.add_chunk(col, weights, first_row, frame);
        }
        self.squared_weights
            .add(weights.iter().map(|w| w * w).sum::<f64>());
    }

    pub fn merge(&mut self, other: &MomentsPartial) {
        for (a, b) in self.partials.iter_mut().zip(&other.partials) {
            a.merge(b);
        }
        self.squared_weights.merge(&other.squared_weights);
    }
}

/// Checks the weights: refuses a posterior weighting cannot carry.
pub fn diagnose(
    weights: &WeightsPartial,
    moments: &MomentsPartial,
    observations: &[String],
    n: usize,
    options: &WeightingOptions,
) -> Result<WeightDiagnostics> {
    let total = moments.partials.first().map_or(0.0, |p| p.weight.value());
    let squares = moments.squared_weights.value();
    let ess = if squares > 0.0 {
        total * total / squares
    } else {
        0.0
    };
    let pareto_k = crate::evidence::pareto_k_of_largest(&weights.largest);
    let diagnostics = WeightDiagnostics {
        ess,
        pareto_k,
        log_evidence: weights.top + (total / n as f64).ln(),
    };
    let names = |pick: &dyn Fn(usize) -> bool| -> Vec<String> {
        (0..observations.len())
            .filter(|&j| pick(j))
            .map(|j| observations[j].clone())
            .collect()
    };
    if ess == 0.0 || weights.top == f64::NEG_INFINITY {
        let blamed = names(&|j| !weights.explained[j]);
        let blamed = if blamed.is_empty() {
            names(&|_| true)
        } else {
            blamed
        };
        return Err(Error::Evidence {
            message: format!(
                "no prior sample can explain the evidence ({}): every sample has likelihood 0; check the observations",
                crate::evidence::quoted(&blamed)
            ),
            observations: blamed,
        });
    }
    let reliable = ess >= options.min_ess * n as f64
        && (pareto_k.is_nan() || pareto_k <= options.max_pareto_k);
    if ess < crate::evidence::weighting_floor(n) {
        return Err(crate::evidence::too_few_effective(
            ess,
            n,
            names(&|_| true),
            false,
        ));
    }
    if !reliable && !options.force {
        return Err(Error::Evidence {
            message: format!(
                "likelihood weighting is not reliable here (effective sample size {:.0} of {n}, Pareto k {:.2}): the evidence needs tempering, which needs every sample at once; run it in memory (store='columns'), or, if {:.0} effective samples are enough, force weighting with method='weighting'",
                ess, pareto_k, ess
            ),
            observations: names(&|_| true),
        });
    }
    Ok(diagnostics)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_too_small_for_a_pareto_tail_keeps_no_weights() {
        // keep is 0 below ~25 rows: trimming once panicked (index 2 of 2).
        let mut partial = WeightsPartial::new(0, 1);
        partial.add(&[-1.0, -2.0, -3.0]);
        let mut other = WeightsPartial::new(0, 1);
        other.add(&[-0.5]);
        partial.merge(&other);
        let done = partial.finish();
        assert!(done.largest.is_empty());
        assert_eq!(done.top, -0.5);
    }

    #[test]
    fn the_largest_are_kept_whatever_the_order() {
        let mut a = WeightsPartial::new(2, 1);
        a.add(&[5.0, 1.0, 4.0, 2.0, 3.0, 0.0]);
        let mut kept = a.finish().largest;
        kept.sort_by(f64::total_cmp);
        assert_eq!(kept, vec![4.0, 5.0]);
    }
}
