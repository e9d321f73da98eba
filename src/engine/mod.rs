//! Chunked, parallel, deterministic evaluation of an expression graph.
//!
//! Samples are cut into chunks of [`CHUNK`] rows. Threads take whole chunks;
//! inside a chunk each node fills a chunk-sized buffer column-wise. A random
//! node draws from a stream keyed by (seed, node key, chunk index), so the
//! result is bit-identical whatever the thread count or scheduling.

mod blame;
mod chunk;
mod conditioned;
mod context;
mod memory;
mod plan;

pub use crate::stream::{row_rng, stream_rng, CHUNK};
pub use conditioned::{Conditioned, Rule};
pub(crate) use context::extends_run_context;
pub use context::RunContext;
pub use memory::available_memory;
pub use plan::Plan;

use crate::error::{human_bytes, Error, Result};
use crate::expr::{Node, StreamKeys};
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

/// How to run a model: the shared [`RunContext`] (n, seed, threads...,
/// reached through `opts.n` and the like) and what is particular to a run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub ctx: RunContext,
    /// Also store every named node the outputs depend on.
    pub store_inputs: bool,
    /// Nodes whose values are given (one value per sample) instead of drawn:
    /// the designs of sensitivity analysis feed inputs this way.
    pub feeds: Vec<(Node, Arc<[f64]>)>,
    /// The row the fed values start at: 0 for a whole run (then they hold
    /// n values); a run of a range of chunks ([`fold_chunks`]) may be fed
    /// just that range's rows.
    pub feed_start: usize,
    /// Stream keys to reuse (from an earlier run of the same model).
    pub keys: Option<StreamKeys>,
    /// Draws whose parameters are nodes take their randomness from one
    /// generator per (seed, node key, row) instead of the chunk's stream. A
    /// sampler may consume a varying number of random numbers per draw
    /// (rejection), so with chunk streams a row's draw depends on the
    /// parameters of the rows before it; with row streams it depends only on
    /// its own row. Sensitivity designs need this: two evaluations of a row
    /// that differ in one input then share every other source of randomness.
    pub row_streams: bool,
    /// Standard normal scores for random nodes, by stream key: such a node
    /// takes the value with that score (its quantile at Φ(z)) instead of a
    /// draw. Evidence moves particles in the space of these scores, where
    /// the prior is a standard normal whatever the graph.
    pub latent: HashMap<u64, Arc<[f64]>>,
    /// Draws conditioned on an exact observation of them, by node identity:
    /// they take the observed value (see [`Conditioned`]) instead of a draw.
    pub conditioned: Vec<(Node, Arc<Conditioned>)>,
}

impl RunOptions {
    pub fn new(n: usize, seed: u64) -> Self {
        RunOptions {
            ctx: RunContext::new(n, seed),
            store_inputs: true,
            feeds: Vec::new(),
            feed_start: 0,
            keys: None,
            row_streams: false,
            latent: HashMap::new(),
            conditioned: Vec::new(),
        }
    }
}

crate::engine::extends_run_context!(RunOptions);

/// The stored columns of a run and how it was made.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub n: usize,
    pub seed: u64,
    /// Output names, in the order requested.
    pub outputs: Vec<String>,
    /// Names of the stored inputs (named nodes the outputs depend on).
    pub inputs: Vec<String>,
    /// (name, values): outputs first, then inputs.
    pub columns: Vec<(String, Vec<f64>)>,
    /// The stream keys used, so later evaluations draw the same numbers.
    pub keys: StreamKeys,
}

impl RunResult {
    /// The stored values of a column by name.
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        self.columns
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }
}

/// A column of `n` zeros straight from the allocator, or None if it cannot
/// be had. Zeroed pages come from the OS untouched, so the first write to
/// each happens in the parallel evaluation rather than in a serial memset.
fn zeroed_column(n: usize) -> Option<Vec<f64>> {
    if n == 0 {
        return Some(Vec::new());
    }
    let layout = std::alloc::Layout::array::<f64>(n).ok()?;
    // SAFETY: the layout has non-zero size; all-zero bits are 0.0 for f64;
    // the pointer is handed to Vec with the global allocator and the same
    // layout, as length and capacity n.
    unsafe {
        let ptr = std::alloc::alloc_zeroed(layout) as *mut f64;
        if ptr.is_null() {
            return None;
        }
        Some(Vec::from_raw_parts(ptr, n, n))
    }
}

/// Number of chunks for `n` samples.
pub fn chunk_count(n: usize) -> usize {
    n.div_ceil(CHUNK)
}

/// Evaluates `outputs` for `opts.n` samples.
///
/// ```
/// use munflow::dist::Beta;
/// use munflow::engine::{run, RunOptions};
/// use munflow::expr::Node;
/// let dud_rate = Node::draw(Beta::new(2.0, 8.0).unwrap().into()).named("dud_rate");
/// let res = run(&[("dud".into(), dud_rate)], &RunOptions::new(1000, 1)).unwrap();
/// assert_eq!(res.column("dud").unwrap().len(), 1000);
/// ```
pub fn run(outputs: &[(String, Node)], opts: &RunOptions) -> Result<RunResult> {
    run_selected(outputs, &vec![true; outputs.len()], opts)
}

/// Like [`run`], but only the outputs with `store[i]` are evaluated and stored;
/// all of them take part in assigning stream keys, so an extra output appended
/// to a model leaves the draws of the others unchanged.
pub fn run_selected(
    outputs: &[(String, Node)],
    store: &[bool],
    opts: &RunOptions,
) -> Result<RunResult> {
    let work = ChunkWork {
        transient: &vec![false; outputs.len()],
        written: 0,
        visit: &|_, _, _| Ok(()),
    };
    run_with_chunk_work(outputs, store, opts, &work).map(|(res, _)| res)
}

/// What a run does with each chunk besides storing it (see
/// [`run_with_chunk_work`]).
pub(crate) struct ChunkWork<'a> {
    /// Per output: evaluated into a per-thread buffer and handed to `visit`
    /// rather than stored.
    pub transient: &'a [bool],
    /// How many columns of n values `visit` writes.
    pub written: usize,
    /// Called with the chunk's index, its evaluated columns (stored and
    /// transient, in the order of the plan's stored columns: the evaluated
    /// outputs first) and the chunk's rows of the written columns.
    #[allow(clippy::type_complexity)]
    pub visit: &'a (dyn Fn(usize, &[&[f64]], &mut [&mut [f64]]) -> Result<()> + Sync),
}

/// [`run_selected`] that also works on each chunk while its columns are in
/// cache: evidence turns its observed columns into likelihood terms this
/// way, without storing them. Returns the run and the written columns.
pub(crate) fn run_with_chunk_work(
    outputs: &[(String, Node)],
    store: &[bool],
    opts: &RunOptions,
    work: &ChunkWork,
) -> Result<(RunResult, Vec<Vec<f64>>)> {
    if opts.feed_start != 0 {
        return Err(Error::InvalidArgument(
            "a whole run is fed from row 0: feed_start is for fold_chunks".into(),
        ));
    }
    for (node, values) in &opts.feeds {
        if values.len() != opts.n {
            return Err(Error::InvalidArgument(format!(
                "the values given for '{}' have length {} but n is {}",
                node.label(),
                values.len(),
                opts.n
            )));
        }
    }
    let (plan, keys) = plan_run(outputs, store, opts)?;
    // Per stored column: transient or not (outputs come first, in order).
    let mut transient: Vec<bool> = outputs
        .iter()
        .zip(store)
        .zip(work.transient)
        .filter(|((_, &s), _)| s)
        .map(|(_, &t)| t)
        .collect();
    transient.resize(plan.stored().len(), false);
    let transients = transient.iter().filter(|&&t| t).count();

    let kept = plan.stored().len() - transients + work.written;
    let needed = (kept as u64) * (opts.n as u64) * 8;
    if let Some(available) = available_memory() {
        if needed > available {
            return Err(Error::OutOfMemory {
                needed,
                needed_human: human_bytes(needed),
                available,
            });
        }
    }
    let mut columns: Vec<Vec<f64>> = Vec::with_capacity(kept);
    for _ in 0..kept {
        columns.push(zeroed_column(opts.n).ok_or_else(|| Error::OutOfMemory {
            needed,
            needed_human: human_bytes(needed),
            available: 0,
        })?);
    }

    // Transpose columns into per-chunk sets of disjoint output slices.
    let chunks = chunk_count(opts.n);
    let mut per_chunk: Vec<Vec<&mut [f64]>> = (0..chunks).map(|_| Vec::new()).collect();
    for col in columns.iter_mut() {
        for (c, slice) in col.chunks_mut(CHUNK).enumerate() {
            per_chunk[c].push(slice);
        }
    }
    let stored_count = plan.stored().len() - transients;
    let evaluate = || {
        per_chunk.into_par_iter().enumerate().try_for_each_init(
            || (plan.workspace(), vec![vec![0.0; CHUNK]; transients]),
            |(ws, buffers), (c, mut slices)| {
                opts.check_cancelled()?;
                let len = CHUNK.min(opts.n - c * CHUNK);
                let mut written = slices.split_off(stored_count);
                let mut stored = slices.into_iter();
                let mut scratch = buffers.iter_mut();
                let mut outs: Vec<&mut [f64]> = transient
                    .iter()
                    .map(|&t| match t {
                        true => scratch.next().map(|b| &mut b[..len]),
                        false => stored.next(),
                    })
                    .collect::<Option<_>>()
                    .ok_or_else(|| Error::InvalidArgument("a chunk lost a column".into()))?;
                plan.eval_chunk(c, ws, &mut outs)?;
                if work.written > 0 || transients > 0 {
                    let columns: Vec<&[f64]> = outs.iter().map(|s| &**s).collect();
                    (work.visit)(c, &columns, &mut written)?;
                }
                opts.chunk_done();
                Ok(())
            },
        )
    };
    opts.install(evaluate).map_err(|e| plan.explain(e))?;

    let written = columns.split_off(stored_count);
    let kept_stored = || plan.stored().iter().zip(&transient).filter(|(_, &t)| !t);
    let names = kept_stored().map(|(s, _)| s.name.clone());
    let inputs = kept_stored()
        .filter(|(s, _)| !s.is_output)
        .map(|(s, _)| s.name.clone())
        .collect();
    let outputs = kept_stored()
        .filter(|(s, _)| s.is_output)
        .map(|(s, _)| s.name.clone())
        .collect();
    let res = RunResult {
        n: opts.n,
        seed: opts.seed,
        outputs,
        inputs,
        columns: names.zip(columns).collect(),
        keys,
    };
    Ok((res, written))
}

/// Checks a run's options and plans it: the stream keys of the outputs and
/// the order of evaluation.
fn plan_run(
    outputs: &[(String, Node)],
    store: &[bool],
    opts: &RunOptions,
) -> Result<(Plan, StreamKeys)> {
    if opts.n == 0 {
        return Err(Error::InvalidArgument("n must be >= 1, got 0".into()));
    }
    if let Some(z) = opts.latent.values().find(|z| z.len() != opts.n) {
        return Err(Error::InvalidArgument(format!(
            "a column of normal scores has length {} but n is {}",
            z.len(),
            opts.n
        )));
    }
    let roots: Vec<Node> = outputs.iter().map(|(_, n)| n.clone()).collect();
    // Conditioned draws may be reached only through what their rules read
    // (a share of a sum reads the draws before it): keyed after the outputs,
    // so that they leave the outputs' keys as they were.
    let conditioned: Vec<Node> = opts
        .conditioned
        .iter()
        .flat_map(|(draw, c)| std::iter::once(draw.clone()).chain(c.reads.iter().cloned()))
        .collect();
    let keys = match &opts.keys {
        // Keys of an earlier run: rebuilt nodes take the keys of the nodes
        // they rebuild, so they evaluate on that run's draws.
        Some(earlier) => {
            let mut keys = earlier.clone();
            keys.assign_matching(&roots)?;
            keys.assign_matching(&conditioned)?;
            keys
        }
        None => {
            let mut keys = StreamKeys::new();
            keys.assign(&roots);
            keys.assign(&conditioned);
            keys
        }
    };
    let plan = Plan::build(outputs, store, opts, &keys)?;
    Ok((plan, keys))
}

/// Evaluates `outputs` over the chunks `chunks` of a run of `opts.n` samples
/// without storing them: each chunk's output columns are handed to `visit`,
/// which folds them into an accumulator; the accumulators of different
/// threads are combined by `merge`. The chunks draw exactly what they draw
/// in a full run, so a run split into chunk ranges (threads, tasks,
/// machines) sees the same values; `merge` must not depend on the order in
/// which it combines (exact sums, counts, extremes). Memory is a few chunk
/// buffers per thread, whatever n.
///
/// ```
/// use munflow::dist::Beta;
/// use munflow::engine::{fold_chunks, run, RunOptions};
/// use munflow::expr::Node;
/// let rate = Node::draw(Beta::new(2.0, 8.0).unwrap().into());
/// let outputs = [("rate".to_string(), rate)];
/// let opts = RunOptions::new(10_000, 7);
/// let count = |range| fold_chunks(&outputs, &[true], &opts, range, || 0usize,
///     |acc, _, cols| { *acc += cols[0].iter().filter(|&&x| x > 0.5).count(); Ok(()) },
///     |a, b| a + b).unwrap();
/// let stored = run(&outputs, &opts).unwrap();
/// let expected = stored.column("rate").unwrap().iter().filter(|&&x| x > 0.5).count();
/// assert_eq!(count(0..1) + count(1..3), expected);
/// ```
pub fn fold_chunks<A: Send>(
    outputs: &[(String, Node)],
    store: &[bool],
    opts: &RunOptions,
    chunks: std::ops::Range<usize>,
    init: impl Fn() -> A + Sync + Send,
    visit: impl Fn(&mut A, usize, &[&[f64]]) -> Result<()> + Sync + Send,
    merge: impl Fn(A, A) -> A + Sync + Send,
) -> Result<A> {
    let mut opts = opts.clone();
    opts.store_inputs = false;
    let (plan, _) = plan_run(outputs, store, &opts)?;
    let total = chunk_count(opts.n);
    if chunks.end > total {
        return Err(Error::InvalidArgument(format!(
            "chunks {}..{} go past the last chunk ({total} of {} rows)",
            chunks.start, chunks.end, opts.n
        )));
    }
    let rows = chunks.start * CHUNK..(chunks.end * CHUNK).min(opts.n);
    for (node, values) in &opts.feeds {
        let fed = opts.feed_start..opts.feed_start + values.len();
        if !rows.is_empty() && (rows.start < fed.start || rows.end > fed.end) {
            return Err(Error::InvalidArgument(format!(
                "the values given for '{}' cover rows {}..{}, not rows {}..{} of chunks {}..{}",
                node.label(),
                fed.start,
                fed.end,
                rows.start,
                rows.end,
                chunks.start,
                chunks.end
            )));
        }
    }
    let width = plan.stored().len();
    let work = || {
        // A few long tasks per thread rather than one per chunk: each task
        // starts an accumulator (a summary's histograms can be large) and
        // merging them costs as much as filling them.
        let per_task = (chunks.len() / (4 * rayon::current_num_threads())).max(1);
        chunks
            .clone()
            .into_par_iter()
            .with_min_len(per_task)
            .try_fold(
                || (plan.workspace(), vec![vec![0.0; CHUNK]; width], init()),
                |(mut ws, mut bufs, mut acc), c| {
                    opts.check_cancelled()?;
                    let len = CHUNK.min(opts.n - c * CHUNK);
                    let mut outs: Vec<&mut [f64]> =
                        bufs.iter_mut().map(|b| &mut b[..len]).collect();
                    plan.eval_chunk(c, &mut ws, &mut outs)?;
                    let columns: Vec<&[f64]> = bufs.iter().map(|b| &b[..len]).collect();
                    visit(&mut acc, c, &columns)?;
                    opts.chunk_done();
                    Ok((ws, bufs, acc))
                },
            )
            .map(|r: Result<_>| r.map(|(_, _, acc)| acc))
            .try_reduce(&init, |a, b| Ok(merge(a, b)))
    };
    opts.install(work).map_err(|e| plan.explain(e))
}

/// The stored columns of `outputs` over the chunks `chunks`, in chunk order:
/// (chunk index, one vector per stored column). For passes that need a few
/// chunks' values themselves (a pilot), or a range of rows to hand on.
pub fn collect_chunks(
    outputs: &[(String, Node)],
    store: &[bool],
    opts: &RunOptions,
    chunks: std::ops::Range<usize>,
) -> Result<Vec<(usize, Vec<Vec<f64>>)>> {
    let mut got = fold_chunks(
        outputs,
        store,
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
    )?;
    got.sort_by_key(|(c, _)| *c);
    Ok(got)
}
