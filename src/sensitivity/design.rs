//! Evaluating a model on designed rows: fixed inputs fed from given columns,
//! every other source of randomness switched between two independent streams.
//!
//! A Sobol design evaluates the model on matrices that mix two independent
//! samples, A and B, factor by factor. For a fixed input, "from B" means its
//! column of B is fed in place of its draws. For conditional inputs and the
//! intrinsic noise there is no column to feed: what is independent is their
//! random stream, so "from B" means drawing them from a second stream key
//! (each key mixed with a constant). All runs use row streams
//! ([`crate::engine::RunOptions::row_streams`]), so a row's noise is the same
//! in every matrix that takes the noise from the same side, whatever the
//! other inputs do.

use super::factors::{Factors, Source};
use super::qmc::{sobol_points_in, MAX_DIMENSIONS};
use crate::dist::{Dist, Quantile, Sample};
use crate::engine::{chunk_count, fold_chunks, run_selected, RunContext, RunOptions};
use crate::error::{Error, Result};
use crate::expr::{Node, StreamKeys};
use crate::stream::{key_mix, stream_rng, Domain, CHUNK};
use rayon::prelude::*;
use std::ops::Range;
use std::str::FromStr;
use std::sync::Arc;

/// How the design draws its independent samples of the fixed inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sampling {
    /// Plain Monte Carlo: independent uniforms.
    MonteCarlo,
    /// Scrambled Sobol' points (see [`super::sobol_points`]): for smooth
    /// models the error shrinks nearly like 1/n instead of 1/sqrt(n). Best
    /// with n a power of two.
    Sobol,
}

impl FromStr for Sampling {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "mc" => Ok(Sampling::MonteCarlo),
            "sobol" => Ok(Sampling::Sobol),
            _ => Err(Error::InvalidArgument(format!(
                "sampling must be \"mc\" or \"sobol\", got {s:?}"
            ))),
        }
    }
}

/// Which side, A or B, each source of randomness takes in one matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Mix {
    pub inputs_from_b: Vec<bool>,
    pub noise_from_b: bool,
}

/// Everything needed to evaluate the model on mixtures of A and B.
pub(super) struct Design<'a> {
    outputs: &'a [(String, Node)],
    store: Vec<bool>,
    factors: &'a Factors,
    /// Fed columns of the fixed inputs for A and B (None for conditional ones).
    a: Vec<Option<Arc<[f64]>>>,
    b: Vec<Option<Arc<[f64]>>>,
    keys_a: StreamKeys,
    keys_b: StreamKeys,
    base: RunOptions,
    /// The chunks whose rows this design holds (all of them for a local
    /// analysis; a range for a task of a distributed one).
    chunks: Range<usize>,
}

/// Maps uniforms through a distribution's inverse CDF, chunk by chunk in
/// parallel (some inverse CDFs cost a microsecond: the run may be cancelled).
fn through_ppf(dist: &Dist, mut u: Vec<f64>, ctx: &RunContext) -> Result<Vec<f64>> {
    u.par_chunks_mut(CHUNK).try_for_each(|c| -> Result<()> {
        ctx.check_cancelled()?;
        c.iter_mut().for_each(|x| *x = dist.ppf(*x));
        Ok(())
    })?;
    Ok(u)
}

/// The stream key that "B" uses for a node whose "A" key is `key`.
fn key_b(key: u64) -> u64 {
    key_mix(key ^ Domain::DesignKey.value())
}

impl<'a> Design<'a> {
    /// The design for `ctx.n` base samples at `ctx.seed`, rows of the
    /// chunks `chunks` only (the same values as those rows of the whole).
    pub fn new(
        outputs: &'a [(String, Node)],
        factors: &'a Factors,
        sampling: Sampling,
        ctx: &RunContext,
        chunks: Range<usize>,
    ) -> Result<Design<'a>> {
        let (n, seed) = (ctx.n, ctx.seed);
        let rows = chunks.start * CHUNK..(chunks.end * CHUNK).min(n);
        let store: Vec<bool> = outputs.iter().map(|(k, _)| *k == factors.output).collect();
        let roots: Vec<Node> = outputs.iter().map(|(_, n)| n.clone()).collect();
        let mut keys_a = StreamKeys::new();
        keys_a.assign(&roots);
        let mut keys_b = keys_a.clone();
        for f in &factors.inputs {
            keys_b.set(&f.node, key_b(keys_a.get(&f.node)));
        }
        for node in &factors.noise {
            keys_b.set(node, key_b(keys_a.get(node)));
        }

        let fixed: Vec<(usize, &Dist)> = factors
            .inputs
            .iter()
            .enumerate()
            .filter_map(|(i, f)| match &f.source {
                Source::Fixed(d) if f.node.member().is_none() => Some((i, d)),
                // A correlated input is drawn by the engine with the others of
                // its coupling, from A's streams or B's (see `evaluate`).
                Source::Fixed(_) | Source::Conditional => None,
            })
            .collect();
        let k = fixed.len();
        if sampling == Sampling::Sobol && 2 * k > MAX_DIMENSIONS {
            return Err(Error::InvalidArgument(format!(
                "sampling=\"sobol\" supports at most {} inputs, this output has {k}; use sampling=\"mc\"",
                MAX_DIMENSIONS / 2
            )));
        }
        let design_seed = key_mix(seed ^ Domain::Design.value());
        // Column j < k is input j's A column, k + j its B column.
        let columns: Vec<Result<Vec<f64>>> = (0..2 * k)
            .into_par_iter()
            .map(|dim| {
                let (i, dist) = fixed[dim % k];
                match sampling {
                    Sampling::Sobol => {
                        through_ppf(dist, sobol_points_in(rows.clone(), dim, design_seed)?, ctx)
                    }
                    Sampling::MonteCarlo => {
                        // Independent draws need no inverse CDF: the family's
                        // own sampler is exact and much faster. Keyed by the
                        // input's name, so adding an input leaves the others'
                        // columns unchanged.
                        let key = keys_a.get(&factors.inputs[i].node) ^ (dim / k) as u64;
                        let mut values = vec![0.0; rows.len()];
                        values
                            .par_chunks_mut(CHUNK)
                            .enumerate()
                            .for_each(|(i, out)| {
                                let c = chunks.start + i;
                                dist.fill(&mut stream_rng(design_seed, key, c), out)
                            });
                        Ok(values)
                    }
                }
            })
            .collect();
        let mut a = vec![None; factors.inputs.len()];
        let mut b = vec![None; factors.inputs.len()];
        for (dim, col) in columns.into_iter().enumerate() {
            let (i, _) = fixed[dim % k];
            let col: Arc<[f64]> = col?.into();
            if dim < k {
                a[i] = Some(col);
            } else {
                b[i] = Some(col);
            }
        }
        let mut base = RunOptions::new(n, seed);
        base.ctx = ctx.clone();
        base.store_inputs = false;
        base.row_streams = true;
        base.feed_start = rows.start;
        Ok(Design {
            outputs,
            store,
            factors,
            a,
            b,
            keys_a,
            keys_b,
            base,
            chunks,
        })
    }

    /// The output on the rows of one mixture of A and B.
    pub fn evaluate(&self, mix: &Mix) -> Result<Vec<f64>> {
        let mut opts = self.base.clone();
        let mut keys = self.keys_a.clone();
        for (i, f) in self.factors.inputs.iter().enumerate() {
            let from_b = mix.inputs_from_b[i];
            match &f.source {
                Source::Fixed(_) if f.node.member().is_some() => {
                    if from_b {
                        keys.set(&f.node, self.keys_b.get(&f.node))
                    }
                }
                Source::Fixed(_) => {
                    let col = if from_b { &self.b[i] } else { &self.a[i] };
                    if let Some(col) = col {
                        opts.feeds.push((f.node.clone(), col.clone()));
                    }
                }
                Source::Conditional if from_b => keys.set(&f.node, self.keys_b.get(&f.node)),
                Source::Conditional => {}
            }
        }
        if mix.noise_from_b {
            for node in &self.factors.noise {
                keys.set(node, self.keys_b.get(node));
            }
        }
        opts.keys = Some(keys);
        if self.chunks == (0..chunk_count(opts.n)) {
            let mut res = run_selected(self.outputs, &self.store, &opts)?;
            return res
                .columns
                .pop()
                .map(|(_, v)| v)
                .ok_or_else(|| Error::InvalidArgument("the design stored no output".into()));
        }
        // A range of chunks: the same values, chunk by chunk.
        let mut parts = fold_chunks(
            self.outputs,
            &self.store,
            &opts,
            self.chunks.clone(),
            Vec::new,
            |acc: &mut Vec<(usize, Vec<f64>)>, c, cols| {
                acc.push((c, cols.first().map_or_else(Vec::new, |v| v.to_vec())));
                Ok(())
            },
            |mut a, b| {
                a.extend(b);
                a
            },
        )?;
        parts.sort_by_key(|(c, _)| *c);
        Ok(parts.into_iter().flat_map(|(_, v)| v).collect())
    }
}
