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

mod weighted;

pub use weighted::{WeightDiagnostics, WeightingOptions};

use crate::engine::{chunk_count, collect_chunks, fold_chunks, RunOptions, CHUNK};
use crate::error::{Error, Result};
use crate::evidence::Observation;
use crate::expr::Node;
use crate::stats::streaming::{
    buckets_for, Answer, Frame, Partial, Search, Window, WindowIndex, GATHER_LIMIT, PILOT_ROWS,
};
use crate::stats::weighted_streaming::WeightedQuantile;
use crate::stats::Summary;
use serde::{Deserialize, Serialize};
use std::ops::Range;
use weighted::{MomentsPartial, WeightsPartial};

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
    /// With evidence: the largest log weight and the `keep` largest.
    Weights { keep: usize },
    /// With evidence: weighted sums and histograms, weights relative to `top`.
    WeightedMoments { frames: Vec<Frame>, top: f64 },
    /// With evidence: the rows (value, row, fixed-point weight) of the
    /// listed buckets of each output.
    WeightedRows {
        frames: Vec<Frame>,
        top: f64,
        buckets: Vec<Vec<usize>>,
    },
}

/// Rows of one bucket: (value, row, fixed-point weight).
pub type BucketRows = Vec<(usize, Vec<(f64, u64, u64)>)>;

/// What a pass gives back for some chunks; results of the same pass merge
/// with [`PassResult::merge`] in any order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PassResult {
    /// Per chunk (its index) the values of each output.
    Pilot(Vec<(usize, Vec<Vec<f64>>)>),
    Moments(Vec<Partial>),
    Windows(Vec<Vec<Answer>>),
    Weights(WeightsPartial),
    WeightedMoments(MomentsPartial),
    /// Per output, per bucket listed.
    WeightedRows(Vec<BucketRows>),
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
            (PassResult::Weights(mut a), PassResult::Weights(b)) => {
                a.merge(&b);
                PassResult::Weights(a)
            }
            (PassResult::WeightedMoments(mut a), PassResult::WeightedMoments(b)) => {
                a.merge(&b);
                PassResult::WeightedMoments(a)
            }
            (PassResult::WeightedRows(mut a), PassResult::WeightedRows(b)) => {
                for (a, b) in a.iter_mut().zip(b) {
                    for ((_, rows), (_, more)) in a.iter_mut().zip(b) {
                        rows.extend(more);
                    }
                }
                PassResult::WeightedRows(a)
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
    weighting: Option<Weighting>,
}

/// Where a summary-only posterior stands.
#[derive(Debug, Clone)]
struct Weighting {
    options: WeightingOptions,
    observations: Vec<String>,
    weights: Option<WeightsPartial>,
    moments: Option<MomentsPartial>,
    diagnostics: Option<WeightDiagnostics>,
    located: Vec<Vec<WeightedQuantile>>,
    quantiles: Option<Vec<Vec<f64>>>,
}

impl SummaryJob {
    /// A job summarising the posterior of `outputs` columns given the
    /// named observations, by likelihood weighting.
    pub fn with_evidence(
        n: usize,
        outputs: usize,
        qs: &[f64],
        observations: Vec<String>,
        options: WeightingOptions,
    ) -> Result<SummaryJob> {
        let mut job = SummaryJob::new(n, outputs, qs)?;
        job.weighting = Some(Weighting {
            options,
            observations,
            weights: None,
            moments: None,
            diagnostics: None,
            located: Vec::new(),
            quantiles: None,
        });
        Ok(job)
    }

    /// The weights' diagnostics, once known (posteriors only).
    pub fn diagnostics(&self) -> Option<WeightDiagnostics> {
        self.weighting.as_ref().and_then(|w| w.diagnostics)
    }

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
            weighting: None,
        })
    }

    /// The next pass and the chunks it covers, or None when done.
    pub fn next_pass(&self) -> Option<(Pass, Range<usize>)> {
        let all = 0..chunk_count(self.n);
        if self.frames.is_empty() {
            return Some((Pass::Pilot, 0..chunk_count(self.n.min(PILOT_ROWS))));
        }
        if let Some(w) = &self.weighting {
            let frames = self.frames.clone();
            return match (&w.weights, &w.moments, &w.quantiles) {
                (None, _, _) => {
                    let keep = crate::evidence::pareto_tail_len(self.n).map_or(0, |t| t + 1);
                    Some((Pass::Weights { keep }, all))
                }
                (Some(weights), None, _) => {
                    let top = weights.top;
                    Some((Pass::WeightedMoments { frames, top }, all))
                }
                (Some(weights), Some(_), None) => {
                    let buckets = w
                        .located
                        .iter()
                        .map(|qs| {
                            let mut b: Vec<usize> = qs
                                .iter()
                                .filter_map(|q| match q {
                                    WeightedQuantile::Bucket { bucket, .. } => Some(*bucket),
                                    WeightedQuantile::Settled(_) => None,
                                })
                                .collect();
                            b.sort_unstable();
                            b.dedup();
                            b
                        })
                        .collect();
                    let top = weights.top;
                    Some((
                        Pass::WeightedRows {
                            frames,
                            top,
                            buckets,
                        },
                        all,
                    ))
                }
                (Some(_), Some(_), Some(_)) => None,
            };
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
                        Frame::of_pilot_in(&pilot, buckets_for(self.n))
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
            PassResult::Weights(weights) => {
                let w = self.weighting_mut()?;
                w.weights = Some(weights.finish());
            }
            PassResult::WeightedMoments(moments) => {
                let n = self.n;
                let qs = self.qs.clone();
                let w = self.weighting_mut()?;
                let weights = w.weights.as_ref().ok_or_else(out_of_order)?;
                w.diagnostics = Some(weighted::diagnose(
                    weights,
                    &moments,
                    &w.observations,
                    n,
                    &w.options,
                )?);
                w.located = moments
                    .partials
                    .iter()
                    .map(|p| {
                        if p.nans > 0 {
                            Ok(vec![WeightedQuantile::Settled(f64::NAN); qs.len()])
                        } else {
                            p.locate(&qs)
                        }
                    })
                    .collect::<Result<_>>()?;
                w.moments = Some(moments);
            }
            PassResult::WeightedRows(rows) => {
                let w = self.weighting_mut()?;
                let quantiles = w
                    .located
                    .iter()
                    .zip(rows)
                    .map(|(located, mut buckets)| {
                        located
                            .iter()
                            .map(|q| match q {
                                WeightedQuantile::Bucket { bucket, .. } => buckets
                                    .iter_mut()
                                    .find(|(b, _)| b == bucket)
                                    .map_or(f64::NAN, |(_, rows)| q.read(rows)),
                                WeightedQuantile::Settled(v) => *v,
                            })
                            .collect()
                    })
                    .collect();
                w.quantiles = Some(quantiles);
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

    fn weighting_mut(&mut self) -> Result<&mut Weighting> {
        self.weighting.as_mut().ok_or_else(out_of_order)
    }

    /// The summaries, once every pass is done.
    pub fn summaries(&self) -> Vec<Summary> {
        if let Some(w) = &self.weighting {
            let (Some(moments), Some(quantiles)) = (&w.moments, &w.quantiles) else {
                return Vec::new();
            };
            let squared = moments.squared_weights.value();
            return moments
                .partials
                .iter()
                .zip(&self.frames)
                .zip(quantiles)
                .map(|((p, f), q)| {
                    let (mean, sd) = p.moments(f, squared);
                    let (min, max) = p.range();
                    Summary {
                        mean,
                        sd,
                        min,
                        max,
                        quantiles: q.clone(),
                    }
                })
                .collect();
        }
        self.partials
            .iter()
            .zip(&self.frames)
            .zip(&self.searches)
            .map(|((p, f), s)| Summary::from_parts(p, f, s, &self.qs))
            .collect()
    }
}

fn out_of_order() -> Error {
    Error::InvalidArgument("a summary pass's result came out of order".into())
}

/// Evaluates one pass of a summary-only run of `outputs` (conditioned on
/// `observations`, if any) over `chunks`.
pub fn evaluate(
    outputs: &[(String, Node)],
    observations: &[Observation],
    opts: &RunOptions,
    pass: &Pass,
    chunks: Range<usize>,
) -> Result<PassResult> {
    if observations.is_empty() {
        return evaluate_outputs(outputs, opts, pass, chunks);
    }
    // Drawn counts stated exactly: integrated out, their draws set.
    let all: Vec<usize> = (0..observations.len()).collect();
    let integrated = crate::evidence::exact::integrate(observations, &all)?;
    let mut opts = opts.clone();
    opts.conditioned.extend(integrated.conditioned);
    weighted_pass(outputs, &integrated.observations, &opts, pass, chunks)
}

/// A pass of a posterior: the outputs' columns come with the observations'
/// (whose stream keys follow the outputs', as in a run in memory).
fn weighted_pass(
    outputs: &[(String, Node)],
    observations: &[Observation],
    opts: &RunOptions,
    pass: &Pass,
    chunks: Range<usize>,
) -> Result<PassResult> {
    let width = outputs.len();
    let mut columns = outputs.to_vec();
    columns.extend(weighted::evidence_columns(observations));
    let flags = |outs: bool, evidence: bool| -> Vec<bool> {
        (0..columns.len())
            .map(|i| if i < width { outs } else { evidence })
            .collect()
    };
    match pass {
        Pass::Pilot => {
            collect_chunks(&columns, &flags(true, false), opts, chunks).map(PassResult::Pilot)
        }
        Pass::Weights { keep } => fold_chunks(
            &columns,
            &flags(false, true),
            opts,
            chunks,
            || WeightsPartial::new(*keep, observations.len()),
            |acc: &mut WeightsPartial, c, cols| {
                let lw = weighted::log_weights(observations, cols, c * CHUNK, &mut acc.explained)?;
                acc.add(&lw);
                Ok(())
            },
            |mut a, b| {
                a.merge(&b);
                a
            },
        )
        .map(PassResult::Weights),
        Pass::WeightedMoments { frames, top } => fold_chunks(
            &columns,
            &flags(true, true),
            opts,
            chunks,
            || MomentsPartial::new(width),
            |acc: &mut MomentsPartial, c, cols| {
                let mut seen = vec![false; observations.len()];
                let lw = weighted::log_weights(observations, &cols[width..], c * CHUNK, &mut seen)?;
                let w = weighted::weights_of(&lw, *top);
                acc.add_chunk(&cols[..width], &w, (c * CHUNK) as u64, frames);
                Ok(())
            },
            |mut a, b| {
                a.merge(&b);
                a
            },
        )
        .map(PassResult::WeightedMoments),
        Pass::WeightedRows {
            frames,
            top,
            buckets,
        } => {
            let empty = || -> Vec<BucketRows> {
                buckets
                    .iter()
                    .map(|bs| bs.iter().map(|&b| (b, Vec::new())).collect())
                    .collect()
            };
            fold_chunks(
                &columns,
                &flags(true, true),
                opts,
                chunks,
                empty,
                |acc: &mut Vec<BucketRows>, c, cols| {
                    let mut seen = vec![false; observations.len()];
                    let lw =
                        weighted::log_weights(observations, &cols[width..], c * CHUNK, &mut seen)?;
                    let w = weighted::weights_of(&lw, *top);
                    for (j, wanted) in acc.iter_mut().enumerate() {
                        if wanted.is_empty() {
                            continue;
                        }
                        for (i, &x) in cols[j].iter().enumerate() {
                            if w[i] <= 0.0 || x.is_nan() {
                                continue;
                            }
                            let b = frames[j].buckets.of(x);
                            if let Some((_, rows)) = wanted.iter_mut().find(|(wb, _)| *wb == b) {
                                let row = (c * CHUNK + i) as u64;
                                rows.push((
                                    x,
                                    row,
                                    crate::stats::weighted_streaming::mass_of(w[i]),
                                ));
                            }
                        }
                    }
                    Ok(())
                },
                |mut a, b| {
                    for (a, b) in a.iter_mut().zip(b) {
                        for ((_, rows), (_, more)) in a.iter_mut().zip(b) {
                            rows.extend(more);
                        }
                    }
                    a
                },
            )
            .map(PassResult::WeightedRows)
        }
        _ => Err(Error::InvalidArgument(
            "this pass is not one of a summary-only posterior".into(),
        )),
    }
}

/// A pass of a run without evidence.
fn evaluate_outputs(
    outputs: &[(String, Node)],
    opts: &RunOptions,
    pass: &Pass,
    chunks: Range<usize>,
) -> Result<PassResult> {
    let width = outputs.len();
    match pass {
        Pass::Pilot => {
            collect_chunks(outputs, &vec![true; outputs.len()], opts, chunks).map(PassResult::Pilot)
        }
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
            // Only the outputs with a window still open are evaluated (their
            // streams keyed as in every pass): an output whose quantiles the
            // histogram settled, as a count's usually are, costs nothing here.
            let open: Vec<bool> = windows.iter().map(|w| !w.is_empty()).collect();
            let which: Vec<usize> = (0..open.len()).filter(|&j| open[j]).collect();
            fold_chunks(
                outputs,
                &open,
                opts,
                chunks,
                empty,
                |acc: &mut Vec<Vec<Answer>>, _, cols| {
                    for (&j, col) in which.iter().zip(cols) {
                        index[j].add_chunk(&windows[j], &mut acc[j], col);
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
        _ => Err(Error::InvalidArgument(
            "this pass is one of a summary-only posterior, but no observations were given".into(),
        )),
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
        job.absorb(evaluate(outputs, &[], opts, &pass, chunks)?)?;
    }
    Ok(job.summaries())
}

/// The posterior of `outputs` given `observations` by likelihood
/// weighting, summarised without storing a column; with the weights'
/// diagnostics. Refuses evidence that weighting cannot carry.
pub fn summarise_posterior(
    outputs: &[(String, Node)],
    observations: &[Observation],
    opts: &RunOptions,
    qs: &[f64],
    options: &WeightingOptions,
) -> Result<(Vec<Summary>, WeightDiagnostics)> {
    let names = observations.iter().map(|o| o.name.clone()).collect();
    let mut job = SummaryJob::with_evidence(opts.n, outputs.len(), qs, names, options.clone())?;
    while let Some((pass, chunks)) = job.next_pass() {
        job.absorb(evaluate(outputs, observations, opts, &pass, chunks)?)?;
    }
    let diagnostics = job.diagnostics().ok_or_else(out_of_order)?;
    Ok((job.summaries(), diagnostics))
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
                .absorb(evaluate(&outputs, &[], &opts, &pass, chunks.clone()).unwrap())
                .unwrap();
            let (again, _) = split.next_pass().unwrap();
            let cut = (chunks.start + chunks.end) / 3;
            let parts = [chunks.start..cut, cut..cut + 1, cut + 1..chunks.end];
            let mut merged: Option<PassResult> = None;
            for range in parts.iter().rev() {
                let r = evaluate(&outputs, &[], &opts, &again, range.clone()).unwrap();
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
            job.absorb(evaluate(&outputs, &[], &opts, &pass, chunks).unwrap())
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
