//! Summary-only runs: the summary of every output without keeping a column.
//!
//! A run whose sink is a summary instead of stored columns. The outputs are
//! evaluated in passes over the chunks, each drawing exactly what a stored
//! run draws (streams are keyed by chunk):
//!
//! 1. the pilot: the first chunks, which fix each output's centre and
//!    histogram range ([`Frame`]);
//! 2. the moments: exact sums, squares about the centre, a histogram;
//! 3. the windows: the values of the few buckets that hold the quantiles,
//!    gathered and selected, or refined by a finer histogram when a bucket
//!    is too full to gather (rare: a further pass).
//!
//! Each pass is a [`Pass`] over a range of chunks whose [`PassResult`]s merge
//! in any order, so a pass can be cut into tasks for other machines
//! (munflow.dask) and give the same bits. The summary equals the stored
//! run's [`describe`](crate::stats::describe) exactly: same means and sds
//! (the same per-chunk sums, added exactly), same quantiles (exact order
//! statistics).
//!
//! ```
//! use munflow::dist::Beta;
//! use munflow::engine::{run, RunOptions};
//! use munflow::expr::Node;
//! use munflow::stats::describe;
//! let rate = Node::draw(Beta::new(2.0, 8.0).unwrap().into());
//! let outputs = [("rate".to_string(), rate)];
//! let opts = RunOptions::new(300_000, 7);
//! let streamed = munflow::summary_run::summarise(&outputs, &opts, &[0.05, 0.5]).unwrap();
//! let stored = run(&outputs, &opts).unwrap();
//! assert_eq!(streamed, describe(&[stored.column("rate").unwrap()], &[0.05, 0.5]));
//! ```

use crate::engine::{chunk_count, fold_chunks, RunOptions};
use crate::error::{Error, Result};
use crate::expr::Node;
use crate::stats::streaming::{
    Answer, Frame, Partial, Search, Window, WindowIndex, GATHER_LIMIT, PILOT_ROWS,
};
use crate::stats::Summary;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// Passes allowed before a search for quantiles gives up (each refinement
/// divides a bucket's range by 2^14; doubles run out long before).
const MAX_PASSES: usize = 12;

/// What one pass computes over its chunks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Pass {
    /// The values of the first chunks.
    Pilot,
    /// Exact sums and histograms, in each output's frame.
    Moments { frames: Vec<Frame> },
    /// The values (or finer histograms) of each output's open windows.
    Windows { windows: Vec<Vec<Window>> },
}

/// What a pass gives back for some chunks; results of the same pass merge
/// with [`PassResult::merge`] in any order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PassResult {
    /// Per chunk (its index) the values of each output.
    Pilot(Vec<(usize, Vec<Vec<f64>>)>),
    Moments(Vec<Partial>),
    Windows(Vec<Vec<Answer>>),
}

impl PassResult {
    pub fn merge(self, other: PassResult) -> Result<PassResult> {
        Ok(match (self, other) {
            (PassResult::Pilot(mut a), PassResult::Pilot(b)) => {
                a.extend(b);
                PassResult::Pilot(a)
            }
            (PassResult::Moments(mut a), PassResult::Moments(b)) => {
                a.iter_mut().zip(&b).for_each(|(a, b)| a.merge(b));
                PassResult::Moments(a)
            }
            (PassResult::Windows(mut a), PassResult::Windows(b)) => {
                for (a, b) in a.iter_mut().zip(b) {
                    a.iter_mut().zip(b).for_each(|(a, b)| a.merge(b));
                }
                PassResult::Windows(a)
            }
            _ => {
                return Err(Error::InvalidArgument(
                    "results of different passes cannot be merged".into(),
                ))
            }
        })
    }
}

/// Where a summary-only run stands between passes.
#[derive(Debug, Clone)]
pub struct SummaryJob {
    n: usize,
    outputs: usize,
    qs: Vec<f64>,
    limit: u64,
    frames: Vec<Frame>,
    partials: Vec<Partial>,
    searches: Vec<Search>,
    passes: usize,
}

impl SummaryJob {
    /// A job summarising `outputs` columns of `n` rows at quantile levels `qs`.
    pub fn new(n: usize, outputs: usize, qs: &[f64]) -> Result<SummaryJob> {
        if n == 0 {
            return Err(Error::InvalidArgument("n must be >= 1, got 0".into()));
        }
        if let Some(q) = qs.iter().find(|q| !(0.0..=1.0).contains(*q)) {
            return Err(Error::InvalidArgument(format!(
                "quantiles must be in [0, 1], got {q}"
            )));
        }
        Ok(SummaryJob {
            n,
            outputs,
            qs: qs.to_vec(),
            limit: GATHER_LIMIT,
            frames: Vec::new(),
            partials: Vec::new(),
            searches: Vec::new(),
            passes: 0,
        })
    }

    /// The next pass and the chunks it covers, or None when done.
    pub fn next_pass(&self) -> Option<(Pass, Range<usize>)> {
        let all = 0..chunk_count(self.n);
        if self.frames.is_empty() {
            return Some((Pass::Pilot, 0..chunk_count(self.n.min(PILOT_ROWS))));
        }
        if self.partials.is_empty() {
            let frames = self.frames.clone();
            return Some((Pass::Moments { frames }, all));
        }
        if self.searches.iter().all(Search::done) {
            return None;
        }
        let windows = self.searches.iter().map(|s| s.open.clone()).collect();
        Some((Pass::Windows { windows }, all))
    }

    /// Takes in the merged result of the pass [`next_pass`](Self::next_pass) gave.
    pub fn absorb(&mut self, result: PassResult) -> Result<()> {
        self.passes += 1;
        match result {
            PassResult::Pilot(mut chunks) => {
                chunks.sort_by_key(|(c, _)| *c);
                self.frames = (0..self.outputs)
                    .map(|j| {
                        let pilot: Vec<f64> = chunks
                            .iter()
                            .flat_map(|(_, cols)| cols[j].iter().copied())
                            .collect();
                        Frame::of_pilot(&pilot)
                    })
                    .collect();
            }
            PassResult::Moments(partials) => {
                let ranks = |p: &Partial| -> Vec<u64> {
                    if p.nans > 0 {
                        return Vec::new();
                    }
                    crate::stats::needed_ranks(self.n, &self.qs)
                        .into_iter()
                        .map(|r| r as u64)
                        .collect()
                };
                self.searches = partials
                    .iter()
                    .zip(&self.frames)
                    .map(|(p, f)| Search::start(p, f, &ranks(p), self.limit))
                    .collect();
                self.partials = partials;
            }
            PassResult::Windows(answers) => {
                for (search, answers) in self.searches.iter_mut().zip(answers) {
                    search.absorb(answers);
                }
                if self.passes >= MAX_PASSES && self.next_pass().is_some() {
                    return Err(Error::InvalidArgument(format!(
                        "the quantiles were not located after {MAX_PASSES} passes"
                    )));
                }
            }
        }
        Ok(())
    }

    /// The summaries, once every pass is done.
    pub fn summaries(&self) -> Vec<Summary> {
        self.partials
            .iter()
            .zip(&self.frames)
            .zip(&self.searches)
            .map(|((p, f), s)| Summary::from_parts(p, f, s, &self.qs))
            .collect()
    }
}

/// Evaluates one pass of a summary-only run of `outputs` over `chunks`.
pub fn evaluate(
    outputs: &[(String, Node)],
    opts: &RunOptions,
    pass: &Pass,
    chunks: Range<usize>,
) -> Result<PassResult> {
    let width = outputs.len();
    match pass {
        Pass::Pilot => fold_chunks(
            outputs,
            &vec![true; outputs.len()],
            opts,
            chunks,
            Vec::new,
            |acc: &mut Vec<(usize, Vec<Vec<f64>>)>, c, cols| {
                acc.push((c, cols.iter().map(|col| col.to_vec()).collect()));
                Ok(())
            },
            |mut a, b| {
                a.extend(b);
                a
            },
        )
        .map(PassResult::Pilot),
        Pass::Moments { frames } => fold_chunks(
            outputs,
            &vec![true; outputs.len()],
            opts,
            chunks,
            || vec![Partial::new(); width],
            |acc: &mut Vec<Partial>, _, cols| {
                for ((p, col), frame) in acc.iter_mut().zip(cols).zip(frames) {
                    p.add_chunk(col, frame);
                }
                Ok(())
            },
            |mut a, b| {
                a.iter_mut().zip(&b).for_each(|(a, b)| a.merge(b));
                a
            },
        )
        .map(PassResult::Moments),
        Pass::Windows { windows } => {
            let index: Vec<WindowIndex> = windows.iter().map(|w| WindowIndex::new(w)).collect();
            let empty = || -> Vec<Vec<Answer>> {
                windows.iter().map(|w| WindowIndex::answers(w)).collect()
            };
            fold_chunks(
                outputs,
                &vec![true; outputs.len()],
                opts,
                chunks,
                empty,
                |acc: &mut Vec<Vec<Answer>>, _, cols| {
                    for (j, col) in cols.iter().enumerate() {
                        if !windows[j].is_empty() {
                            index[j].add_chunk(&windows[j], &mut acc[j], col);
                        }
                    }
                    Ok(())
                },
                |mut a, b| {
                    for (a, b) in a.iter_mut().zip(b) {
                        a.iter_mut().zip(b).for_each(|(a, b)| a.merge(b));
                    }
                    a
                },
            )
            .map(PassResult::Windows)
        }
    }
}

/// Summarises `outputs` over `opts.n` samples without storing them: the
/// same summaries (bit for bit) as [`describe`](crate::stats::describe) of
/// a stored run, in memory that does not grow with n.
pub fn summarise(
    outputs: &[(String, Node)],
    opts: &RunOptions,
    qs: &[f64],
) -> Result<Vec<Summary>> {
    let mut job = SummaryJob::new(opts.n, outputs.len(), qs)?;
    while let Some((pass, chunks)) = job.next_pass() {
        job.absorb(evaluate(outputs, opts, &pass, chunks)?)?;
    }
    Ok(job.summaries())
}

/// A pass or a pass's result as bytes, to send to another process.
pub fn to_bytes<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    postcard::to_stdvec(value)
        .map_err(|e| Error::InvalidArgument(format!("cannot encode a summary pass: {e}")))
}

/// A pass or a pass's result from the bytes [`to_bytes`] made.
pub fn from_bytes<T: for<'a> Deserialize<'a>>(bytes: &[u8]) -> Result<T> {
    postcard::from_bytes(bytes).map_err(|e| {
        Error::InvalidArgument(format!(
            "these bytes are not a summary pass of this munflow version: {e}"
        ))
    })
}

/// Chunks a summary-only run of n samples evaluates before its window
/// passes (for progress bars; refinements add passes).
pub fn planned_chunks(n: usize) -> usize {
    chunk_count(n.min(PILOT_ROWS)) + 2 * chunk_count(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::{Binomial, LogNormal};
    use crate::engine::run;
    use crate::stats::describe;

    fn model() -> Vec<(String, Node)> {
        let load = Node::draw(LogNormal::new(8.0, 0.6).unwrap().into()).named("load");
        let duds = Node::draw(Binomial::new(40.0, 0.3).unwrap().into()).named("duds");
        vec![
            ("load".into(), load.clone()),
            ("duds".into(), duds.clone()),
            ("total".into(), load.mul(&duds)),
        ]
    }

    #[test]
    fn streamed_summaries_equal_stored_ones_bit_for_bit() {
        let outputs = model();
        let qs = [0.0, 0.01, 0.05, 0.5, 0.95, 0.999, 1.0];
        for n in [1, 4_000, 70_001, 400_000] {
            let opts = RunOptions::new(n, 11);
            let stored = run(&outputs, &opts).unwrap();
            let columns: Vec<&[f64]> = stored.columns.iter().map(|(_, v)| v.as_slice()).collect();
            let streamed = summarise(&outputs, &opts, &qs).unwrap();
            // Debug prints NaN (the sd of one sample) as itself.
            let stored = describe(&columns, &qs);
            assert_eq!(format!("{streamed:?}"), format!("{stored:?}"), "n {n}");
        }
    }

    #[test]
    fn any_split_of_the_chunks_gives_the_same_result() {
        let outputs = model();
        let opts = RunOptions::new(250_000, 3);
        let total = chunk_count(opts.n);
        let mut whole = SummaryJob::new(opts.n, 3, &[0.1, 0.9]).unwrap();
        let mut split = whole.clone();
        while let Some((pass, chunks)) = whole.next_pass() {
            whole
                .absorb(evaluate(&outputs, &opts, &pass, chunks.clone()).unwrap())
                .unwrap();
            let (again, _) = split.next_pass().unwrap();
            let cut = (chunks.start + chunks.end) / 3;
            let parts = [chunks.start..cut, cut..cut + 1, cut + 1..chunks.end];
            let mut merged: Option<PassResult> = None;
            for range in parts.iter().rev() {
                let r = evaluate(&outputs, &opts, &again, range.clone()).unwrap();
                merged = Some(match merged {
                    None => r,
                    Some(m) => m.merge(r).unwrap(),
                });
            }
            split.absorb(merged.unwrap()).unwrap();
        }
        assert!(total > 3);
        assert_eq!(whole.summaries(), split.summaries());
    }

    #[test]
    fn full_buckets_are_refined_and_ties_settled() {
        let outputs = model();
        let opts = RunOptions::new(200_000, 5);
        let mut job = SummaryJob::new(opts.n, 3, &[0.05, 0.5, 0.95]).unwrap();
        job.limit = 2; // fewer than most buckets hold: windows refine
        let mut refined = false;
        while let Some((pass, chunks)) = job.next_pass() {
            job.absorb(evaluate(&outputs, &opts, &pass, chunks).unwrap())
                .unwrap();
            refined |= job
                .searches
                .iter()
                .any(|s| s.open.iter().any(|w| w.refine.is_some()));
        }
        assert!(refined);
        let stored = run(&outputs, &opts).unwrap();
        let columns: Vec<&[f64]> = stored.columns.iter().map(|(_, v)| v.as_slice()).collect();
        assert_eq!(job.summaries(), describe(&columns, &[0.05, 0.5, 0.95]));
    }
}
