//! Evidence: observations that condition a model, and the posterior they give.
//!
//! A run with evidence first draws the prior as any run does and weights each
//! sample by the likelihood of the observations (likelihood weighting). When
//! the weights keep enough effective samples and their tail is tame (Pareto
//! k̂ ≤ 0.7), that weighted sample is the posterior. Otherwise the evidence is
//! too strong for the prior's samples and the posterior is reached by
//! sequential Monte Carlo ([`smc`]): adaptive tempering, resampling and moves
//! in the space of normal scores. When neither can reconcile the evidence,
//! the run fails naming the observations.
//!
//! ```
//! use munflow::dist::Beta;
//! use munflow::engine::RunOptions;
//! use munflow::evidence::{posterior, EvidenceOptions, Observation};
//! use munflow::expr::Node;
//! let fail_rate = Node::draw(Beta::new(2.0, 8.0).unwrap().into()).named("fail_rate");
//! let seen = Observation::count("failures", 25.0, Node::constant(50.0), fail_rate.clone()).unwrap();
//! let opts = EvidenceOptions::new(RunOptions::new(20_000, 1));
//! let post = posterior(&[("fail_rate".into(), fail_rate)], &[seen], &opts).unwrap();
//! // beta(2, 8) with 25 failures in 50 gives beta(27, 33): mean 0.45.
//! let mean = post.weighted_mean("fail_rate").unwrap();
//! assert!((mean - 0.45).abs() < 0.01, "{mean}");
//! ```

// The kinds of observation, one file each (declared in `kinds`).
mod bounds;
mod count;
mod drawn_count;
mod image_beyond_units;
mod image_count;
mod image_double_odds;
mod image_recurrence;
mod lane_ln;
mod log_likelihood;
mod measured;
mod paired;
mod poisson;
pub mod serials;
pub mod sightings;
mod widest_vectors;

pub(crate) mod exact;
mod fitted;
pub mod kinds;
mod likelihood;
mod smc;
mod weights;

pub use bounds::Bounds;
pub use count::Count;
pub use drawn_count::DrawnCount;
pub use exact::conditions;
pub use image_count::{image_count_cdf, image_count_log_pmf, ImageCount};
pub use likelihood::{Boxed, Likelihood, Observation};
pub use log_likelihood::LogLikelihood;
pub use measured::{ErrorModel, Measured};
pub use paired::{paired_log_density, Conversion, Paired};
pub use poisson::Poisson;
pub use serials::SerialNumbers;
pub use sightings::{Sightings, SightingsOf};
pub(crate) use smc::quoted;
pub use smc::{Schedule, Stage};
pub use weights::{effective_sample_size, equal_weight_rows, normalised, pareto_k};
pub(crate) use weights::{pareto_k_of_largest, pareto_tail_len};

use crate::engine::{
    available_memory, chunk_count, run_selected, run_with_chunk_work, ChunkWork, RunOptions,
    RunResult, CHUNK,
};
use crate::error::{human_bytes, Error, Result};
use crate::expr::{Node, StreamKeys};
use rayon::prelude::*;
use smc::Terms;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

/// How the posterior is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Weighting when it is reliable, tempering otherwise.
    Auto,
    /// Likelihood weighting of prior samples.
    Weighting,
    /// Sequential Monte Carlo with likelihood tempering.
    Tempering,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Auto => "auto",
            Method::Weighting => "weighting",
            Method::Tempering => "tempering",
        }
    }

    pub fn from_name(name: &str) -> Result<Method> {
        match name {
            "auto" => Ok(Method::Auto),
            "weighting" => Ok(Method::Weighting),
            "tempering" => Ok(Method::Tempering),
            other => Err(Error::InvalidArgument(format!(
                "method must be 'auto', 'weighting' or 'tempering', got '{other}'"
            ))),
        }
    }
}

/// How to run a model with evidence.
#[derive(Debug, Clone)]
pub struct EvidenceOptions {
    pub run: RunOptions,
    pub method: Method,
    /// Weighting is considered (method Auto) when n prior draws keep at
    /// least this share of n effective samples; it then weights as many
    /// draws as ~n effective samples need when that costs less than
    /// tempering ([`weighting_plan`]) ...
    pub min_ess: f64,
    /// ... and the Pareto k̂ of its weights at most this.
    pub max_pareto_k: f64,
    pub schedule: Schedule,
    /// Observations evaluated (likelihood, predictive tail) but not
    /// conditioned on: leave-one-out checks of conflict use this.
    pub leave_out: HashSet<String>,
    /// Also compute each observation's predictive tail on every row (for
    /// conflict checks; [`tails`] computes them later on demand).
    pub with_tails: bool,
}

impl EvidenceOptions {
    pub fn new(run: RunOptions) -> Self {
        EvidenceOptions {
            run,
            method: Method::Auto,
            min_ess: 0.1,
            max_pareto_k: 0.7,
            schedule: Schedule::default(),
            leave_out: HashSet::new(),
            with_tails: false,
        }
    }
}

/// A posterior sample and how it was reached.
#[derive(Debug, Clone)]
pub struct Posterior {
    /// The method used (Weighting or Tempering).
    pub method: Method,
    /// Why it was used, in a sentence.
    pub reason: String,
    /// The rows the posterior's arrays hold: n. A posterior by weighting
    /// may weight more draws than that (`run.n`); its arrays are then the
    /// equal-weight resample of n rows ([`equal_weight_rows`]).
    pub rows: usize,
    /// The posterior's rows: the prior run's for weighting, the final
    /// particles' for tempering.
    pub run: RunResult,
    /// Normalised weights of the rows (weighting); None when rows are
    /// equally weighted (tempering).
    pub weights: Option<Vec<f64>>,
    /// Effective sample size: of the weights (weighting), or of the last
    /// reweighting before the final moves (tempering).
    pub ess: f64,
    /// The prior run (outputs and inputs); None for weighting, whose rows
    /// are the prior's (`run`).
    pub prior: Option<RunResult>,
    /// Effective sample size and Pareto k̂ of likelihood weighting of the prior.
    pub weighting_ess: f64,
    pub weighting_pareto_k: f64,
    /// Per observation: log-likelihood and predictive tail on each row of
    /// the posterior (empty for weighting, whose rows are the prior's), and
    /// on each row of the prior.
    pub log_lik: Vec<Vec<f64>>,
    pub tails: Vec<Vec<f64>>,
    pub prior_log_lik: Vec<Vec<f64>>,
    pub prior_tails: Vec<Vec<f64>>,
    /// Tempering: the final normal scores by stream key, from which the
    /// posterior rows (and events on them) are evaluated.
    pub scores: Vec<(u64, Arc<[f64]>)>,
    pub stages: Vec<Stage>,
    /// log of the marginal likelihood of the evidence (tempering estimate,
    /// or the log mean weight for weighting), and its Monte Carlo standard
    /// error (tempering: between populations; weighting: the delta method).
    pub log_evidence: f64,
    pub log_evidence_se: f64,
    /// Tempering: the rows of each independent population, consecutive
    /// (their spread gives Monte Carlo errors); empty for weighting.
    pub populations: Vec<usize>,
    /// The observations that state a drawn count exactly (integrated out,
    /// see [`exact`]): their predictive tails are mid p-values of the
    /// figure, as for a `poisson` observation, not the chance a bound holds.
    pub exact_counts: Vec<String>,
}

impl Posterior {
    /// The posterior mean of a stored column.
    pub fn weighted_mean(&self, name: &str) -> Option<f64> {
        let column = self.run.column(name)?;
        Some(match &self.weights {
            Some(w) => {
                weights::ordered_sum(column.len(), |r| r.map(|i| w[i] * column[i]).sum::<f64>())
            }
            None => {
                weights::ordered_sum(column.len(), |r| column[r].iter().sum()) / column.len() as f64
            }
        })
    }
}

/// A run with its likelihood terms (see [`Evaluator::run_with_terms`]).
struct RunTerms {
    run: RunResult,
    log_lik: Vec<Vec<f64>>,
    tails: Vec<Vec<f64>>,
    log_weights: Vec<f64>,
}

/// The observations' nodes flattened into extra outputs, the random nodes
/// upstream of them (whose scores tempering moves), and the run options
/// every evaluation shares.
pub(crate) struct Evaluator {
    observations: Vec<Observation>,
    /// Indices of the observations conditioned on (the others are watched).
    active: Vec<usize>,
    columns: Vec<(String, Node)>,
    /// Index into `columns` of each observation's first node.
    offsets: Vec<usize>,
    latent_keys: Vec<u64>,
    /// The latent nodes' labels, and whether their scores are clamped at
    /// ±SCORE_LIMIT (so a posterior beyond it cannot be reached).
    latent_labels: Vec<String>,
    latent_clamped: Vec<bool>,
    base: RunOptions,
}

impl Evaluator {
    fn new(
        observations: &[Observation],
        active: Vec<usize>,
        keys: &StreamKeys,
        opts: &RunOptions,
    ) -> Evaluator {
        let mut columns = Vec::new();
        let mut offsets = Vec::new();
        for (j, obs) in observations.iter().enumerate() {
            offsets.push(columns.len());
            for (i, node) in obs.nodes().into_iter().enumerate() {
                columns.push((format!("\u{1}evidence.{j}.{i}"), node.clone()));
            }
        }
        // A named count stated exactly is read through its parameters; its
        // own column is kept too (holding the figure), as a named input
        // that an observation reads is.
        for (j, obs) in observations.iter().enumerate() {
            if let Some(drawn) = obs.of::<DrawnCount>() {
                if drawn.quantity.name().is_some() {
                    columns.push((format!("\u{1}evidence.{j}.count"), drawn.quantity.clone()));
                }
            }
        }
        let mut seen = HashSet::new();
        let mut latent_keys = Vec::new();
        let mut latent_labels = Vec::new();
        let mut latent_clamped = Vec::new();
        // A draw conditioned on an exact observation reads what its rule
        // reads; one that takes the observed figure has no randomness left.
        let conditioned: HashMap<u64, &crate::engine::Conditioned> = opts
            .conditioned
            .iter()
            .map(|(draw, c)| (draw.id(), &**c))
            .collect();
        let moved = |a: &Node| {
            a.is_random()
                && conditioned
                    .get(&a.id())
                    .is_none_or(|c| !matches!(c.rule, crate::engine::Rule::Exact(_)))
        };
        let active_nodes = active.iter().flat_map(|&j| observations[j].nodes());
        for node in active_nodes {
            let ancestors = crate::expr::post_order_reading(
                [node],
                |_| true,
                |n| conditioned.get(&n.id()).map(|c| c.reads.as_slice()),
            );
            for a in ancestors {
                if moved(&a) && seen.insert(keys.get(&a)) {
                    latent_keys.push(keys.get(&a));
                    latent_labels.push(a.label());
                    latent_clamped.push(a.clamps_extreme_scores());
                }
            }
        }
        let mut base = opts.clone();
        base.store_inputs = false;
        base.keys = Some(keys.clone());
        base.ctx.progress = None;
        base.feeds.clear();
        Evaluator {
            observations: observations.to_vec(),
            active,
            columns,
            offsets,
            latent_keys,
            latent_labels,
            latent_clamped,
            base,
        }
    }

    /// The terms of every observation with the latent nodes set by `scores`.
    fn terms(&self, scores: &[Vec<f64>], ctx: &crate::engine::RunContext) -> Result<Terms> {
        let mut opts = self.base.clone();
        // A population of tempering holds fewer rows than the run.
        opts.n = ctx.n;
        opts.ctx.cancel = ctx.cancel.clone();
        opts.latent = self
            .latent_keys
            .iter()
            .zip(scores)
            .map(|(&k, z)| (k, Arc::<[f64]>::from(z.as_slice())))
            .collect();
        let res = run_selected(&self.columns, &vec![true; self.columns.len()], &opts)?;
        let (mut log_lik, mut distance, _) = self.evaluate(&res, true, false)?;
        let keep = |all: &mut Vec<Vec<f64>>| -> Vec<Vec<f64>> {
            self.active
                .iter()
                .map(|&j| std::mem::take(&mut all[j]))
                .collect()
        };
        Ok(Terms {
            log_lik: keep(&mut log_lik),
            distance: keep(&mut distance),
        })
    }

    /// Per observation, the distance of each prior row from explaining it
    /// (0 where its likelihood is positive): which observations no prior
    /// sample explains.
    fn prior_distances(&self, ctx: &crate::engine::RunContext) -> Result<Vec<Vec<f64>>> {
        let mut opts = self.base.clone();
        opts.ctx.cancel = ctx.cancel.clone();
        let res = run_selected(&self.columns, &vec![true; self.columns.len()], &opts)?;
        Ok(self.evaluate(&res, true, false)?.1)
    }

    /// The observations conditioned on, in the order of [`Terms`].
    fn active_observations(&self) -> impl Iterator<Item = &Observation> {
        self.active.iter().map(|&j| &self.observations[j])
    }

    /// Per observation: log-likelihood and (if asked) distance and
    /// predictive tail of every row of a run that stored this evaluator's
    /// columns (empty when not asked).
    #[allow(clippy::type_complexity)]
    fn evaluate(
        &self,
        res: &RunResult,
        with_distance: bool,
        with_tails: bool,
    ) -> Result<(Vec<Vec<f64>>, Vec<Vec<f64>>, Vec<Vec<f64>>)> {
        let n = res.n;
        let mut log_lik = Vec::new();
        let mut distance = Vec::new();
        let mut tails = Vec::new();
        for (j, obs) in self.observations.iter().enumerate() {
            let arity = obs.nodes().len();
            let cols: Vec<&[f64]> = (0..arity)
                .map(|i| {
                    let name = &self.columns[self.offsets[j] + i].0;
                    res.column(name).unwrap_or(&[])
                })
                .collect();
            let optional = |wanted: bool| vec![0.0; if wanted { n } else { 0 }];
            let mut ll = vec![0.0; n];
            let (mut d, mut t) = (optional(with_distance), optional(with_tails));
            // Written in place, chunk by chunk: the first failing row of
            // the first failing chunk is reported, whatever the threads.
            let failure = ll
                .par_chunks_mut(CHUNK)
                .zip(chunks_or_none(&mut d, n))
                .zip(chunks_or_none(&mut t, n))
                .enumerate()
                .map(|(c, ((ll, d), t))| {
                    let from = c * CHUNK;
                    let chunk_cols: Vec<&[f64]> =
                        cols.iter().map(|col| &col[from..from + ll.len()]).collect();
                    let done = if d.is_none() && t.is_none() {
                        // Weighting needs the terms alone.
                        obs.log_likelihoods(&chunk_cols, ll)
                    } else {
                        obs.terms(&chunk_cols, ll, d, t)
                    };
                    done.map_err(|(i, e)| (from + i, e))
                })
                .collect::<Vec<std::result::Result<(), (usize, String)>>>()
                .into_iter()
                .find_map(|r| r.err());
            if let Some((row, message)) = failure {
                return Err(Error::Evidence {
                    observations: vec![obs.name.clone()],
                    message: format!("{message} (sample {row})"),
                });
            }
            log_lik.push(ll);
            distance.push(d);
            tails.push(t);
        }
        Ok((log_lik, distance, tails))
    }

    /// Runs `outputs` with this evaluator's columns and turns the columns
    /// into likelihood terms chunk by chunk, while they are in cache: the
    /// columns are not stored (except a named input an observation reads
    /// directly, kept under its name as [`Evaluator::strip`] keeps it).
    /// Returns the run, each observation's log-likelihood and (if asked)
    /// predictive tail per row, and the log weights (the sum of the active
    /// observations' terms).
    fn run_with_terms(
        &self,
        outputs: &[(String, Node)],
        opts: &RunOptions,
        with_tails: bool,
    ) -> Result<RunTerms> {
        let m = self.observations.len();
        let with_columns: Vec<(String, Node)> = outputs
            .iter()
            .cloned()
            .chain(self.columns.iter().cloned())
            .collect();
        let mut named: HashSet<&str> = outputs.iter().map(|(n, _)| n.as_str()).collect();
        let transient: Vec<bool> = outputs
            .iter()
            .map(|_| false)
            .chain(self.columns.iter().map(|(_, node)| match node.name() {
                Some(name) => !named.insert(name),
                None => true,
            }))
            .collect();
        let base = outputs.len();
        let tail_columns = if with_tails { m } else { 0 };
        // The first failure by (observation, row): the one a pass over each
        // observation in turn would meet first, whatever the threads.
        let failure: Mutex<Option<(usize, usize, String)>> = Mutex::new(None);
        let visit = |c: usize, cols: &[&[f64]], out: &mut [&mut [f64]]| -> Result<()> {
            let from = c * CHUNK;
            let (log_lik, rest) = out.split_at_mut(m);
            let (tails, log_weight) = rest.split_at_mut(tail_columns);
            for (j, obs) in self.observations.iter().enumerate() {
                let arity = obs.nodes().len();
                let mine: Vec<&[f64]> = (0..arity)
                    .map(|i| cols[base + self.offsets[j] + i])
                    .collect();
                if let Err((i, message)) = obs.log_likelihoods(&mine, log_lik[j]) {
                    let mut first = failure.lock().unwrap_or_else(|e| e.into_inner());
                    if first
                        .as_ref()
                        .is_none_or(|&(k, row, _)| (j, from + i) < (k, row))
                    {
                        *first = Some((j, from + i, message));
                    }
                    return Ok(());
                }
                if with_tails {
                    obs.predictive_tails(&mine, tails[j]);
                }
            }
            for (i, lw) in log_weight[0].iter_mut().enumerate() {
                *lw = self.active.iter().map(|&j| log_lik[j][i]).sum();
            }
            Ok(())
        };
        let work = ChunkWork {
            transient: &transient,
            written: m + tail_columns + 1,
            visit: &visit,
        };
        let (res, mut written) =
            run_with_chunk_work(&with_columns, &vec![true; with_columns.len()], opts, &work)?;
        if let Some((j, row, message)) = failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
            return Err(Error::Evidence {
                observations: vec![self.observations[j].name.clone()],
                message: format!("{message} (sample {row})"),
            });
        }
        let log_weights = written.pop().unwrap_or_default();
        let tails = match with_tails {
            true => written.split_off(m),
            false => vec![Vec::new(); m],
        };
        Ok(RunTerms {
            run: self.strip(res),
            log_lik: written,
            tails,
            log_weights,
        })
    }

    /// Drops this evaluator's columns from a run's result. A named input
    /// that an observation reads directly was stored as the observation's
    /// column rather than as an input: it is kept, under its own name.
    fn strip(&self, mut res: RunResult) -> RunResult {
        let ours: HashMap<&str, &Node> = self
            .columns
            .iter()
            .map(|(n, node)| (n.as_str(), node))
            .collect();
        let mut kept: HashSet<String> = res.outputs.iter().chain(&res.inputs).cloned().collect();
        let mut columns = Vec::with_capacity(res.columns.len());
        for (name, values) in std::mem::take(&mut res.columns) {
            match ours.get(name.as_str()) {
                None => columns.push((name, values)),
                Some(node) => {
                    if let Some(input) = node.name() {
                        if kept.insert(input.to_string()) {
                            res.inputs.push(input.to_string());
                            columns.push((input.to_string(), values));
                        }
                    }
                }
            }
        }
        res.columns = columns;
        res.outputs.retain(|n| !ours.contains_key(n.as_str()));
        res
    }
}

/// A column's chunks for parallel writing, or no chunk at all (one None per
/// chunk of n rows) when the column is not wanted (empty).
fn chunks_or_none(
    column: &mut [f64],
    n: usize,
) -> impl IndexedParallelIterator<Item = Option<&mut [f64]>> {
    let wanted = !column.is_empty();
    let chunks: Vec<Option<&mut [f64]>> = if wanted {
        column.chunks_mut(CHUNK).map(Some).collect()
    } else {
        (0..n.div_ceil(CHUNK)).map(|_| None).collect()
    };
    chunks.into_par_iter()
}

/// Each observation's predictive tail (see [`Observation::predictive_tail`])
/// on the rows of a run: `opts` carries the run's seed, n and stream keys,
/// and for a tempering posterior its normal scores.
///
/// Drawn counts stated exactly are integrated out (see [`exact`]); with
/// `conditioned` (the posterior's rows) their draws also take the figures.
pub fn tails(
    observations: &[Observation],
    opts: &RunOptions,
    conditioned: bool,
) -> Result<Vec<Vec<f64>>> {
    let keys = opts.keys.clone().unwrap_or_default();
    let all: Vec<usize> = (0..observations.len()).collect();
    let integrated = exact::integrate(observations, &all)?;
    let observations = &integrated.observations[..];
    let mut opts = opts.clone();
    if conditioned {
        opts.conditioned.extend(integrated.conditioned);
    }
    let opts = &opts;
    let ev = Evaluator::new(observations, all, &keys, opts);
    let mut run = ev.base.clone();
    run.latent = opts.latent.clone();
    run.ctx.cancel = opts.ctx.cancel.clone();
    let res = run_selected(&ev.columns, &vec![true; ev.columns.len()], &run)?;
    Ok(ev.evaluate(&res, false, true)?.2)
}

/// How a posterior by weighting would reach ~n effective samples, or why
/// tempering is cheaper.
#[derive(Debug, Clone, PartialEq)]
pub enum WeightingPlan {
    /// Weight this many prior draws (at least n).
    Draws {
        draws: usize,
        why: String,
    },
    Tempering {
        why: String,
    },
}

/// The cheaper way to ~n effective samples, given the effective sample size
/// `ess` that weighting n prior draws keeps.
///
/// Weighting N draws keeps about N·ess/n effective samples, so ~n need
/// N = n²/ess draws: N/n runs of the model. Tempering costs a run of the
/// prior, one of the posterior, and a few moves per stage, each a run of
/// the evidence's part of the graph; with the target of half the samples
/// effective per stage, it takes about log₂(n/ess) stages. Counting ~6
/// moves a stage (what the adaptive moves take on the bundled scenarios),
/// tempering costs ~2 + 6·log₂(n/ess) runs. Weighting is chosen when it
/// costs no more and the n draws keep at least `min_share`·n effective
/// samples (below that its weights are too few to judge).
///
/// ```
/// use munflow::evidence::{weighting_plan, WeightingPlan};
/// // 3,311 effective of 50,000 (the bundled combined scenario): 15 runs of
/// // weighting against ~25 of tempering.
/// match weighting_plan(50_000, 3_311.0, 0.01) {
///     WeightingPlan::Draws { draws, .. } => assert_eq!(draws, 755_059),
///     other => panic!("{other:?}"),
/// }
/// // 14 effective of 100,000: tempering.
/// assert!(matches!(weighting_plan(100_000, 14.0, 0.01), WeightingPlan::Tempering { .. }));
/// ```
pub fn weighting_plan(n: usize, ess: f64, min_share: f64) -> WeightingPlan {
    let nf = n as f64;
    if ess.is_nan() || ess <= 0.0 || ess < min_share * nf || ess < weighting_floor(n) {
        return WeightingPlan::Tempering {
            why: format!(
                "tempering: weighting {n} prior draws keeps {ess:.0} effective samples, fewer than {:.0} (min_ess = {min_share} of n, or the floor of {:.0})",
                min_share * nf,
                weighting_floor(n)
            ),
        };
    }
    if ess >= 0.5 * nf {
        return WeightingPlan::Draws {
            draws: n,
            why: format!("weighting: {n} prior draws keep {ess:.0} effective samples"),
        };
    }
    let runs = nf / ess;
    let tempering = 2.0 + 6.0 * runs.log2().max(1.0);
    if runs <= tempering {
        let draws = (nf * runs).ceil() as usize;
        WeightingPlan::Draws {
            draws,
            why: format!(
                "weighting of {draws} prior draws ({runs:.1} x n) for about {n} effective samples, cheaper than tempering (about {tempering:.0} x n)"
            ),
        }
    } else {
        WeightingPlan::Tempering {
            why: format!(
                "tempering (about {tempering:.0} x n), cheaper than weighting {runs:.0} x n prior draws for {n} effective samples"
            ),
        }
    }
}

/// Whether `draws` weighted draws of `columns` stored columns (and the
/// evidence's terms) fit in a quarter of the memory available.
fn weighted_draws_fit(draws: usize, columns: usize) -> bool {
    let bytes = (columns as u64 + 4) * draws as u64 * 8;
    available_memory().is_none_or(|available| bytes <= available / 4)
}

/// The least effective sample size that likelihood weighting may return,
/// even when forced: 100, or a tenth of n for runs of fewer than 1,000.
/// Below it the weighted figures rest on a handful of samples (an sd of
/// NaN from one sample, a mean pinned to the one prior draw nearest the
/// evidence), which no summary should present as a posterior.
pub const WEIGHTING_ESS_FLOOR: f64 = 100.0;

pub(crate) fn weighting_floor(n: usize) -> f64 {
    WEIGHTING_ESS_FLOOR.min(0.1 * n as f64)
}

/// The refusal of a weighted posterior below [`weighting_floor`], naming
/// the observations the prior's samples cannot carry; `in_memory` says
/// whether tempering is on offer.
pub(crate) fn too_few_effective(ess: f64, n: usize, blamed: Vec<String>, in_memory: bool) -> Error {
    let instead = if in_memory {
        "use method='tempering' (or 'auto', which chooses it), draw more samples, or state a larger error for the figure"
    } else {
        "run it in memory (store='columns') with method='auto', which tempers, or state a larger error for the figure"
    };
    Error::Evidence {
        message: format!(
            "likelihood weighting keeps an effective sample size of {ess:.1} of {n} samples, below the floor of {floor:.0}: the prior's samples cannot carry {} (a posterior much sharper than the prior, or far in its tail). Its figures would rest on a handful of samples: {instead}",
            smc::quoted(&blamed),
            floor = weighting_floor(n),
        ),
        observations: blamed,
    }
}

/// Runs `outputs` conditioned on `observations`.
pub fn posterior(
    outputs: &[(String, Node)],
    observations: &[Observation],
    opts: &EvidenceOptions,
) -> Result<Posterior> {
    if observations.is_empty() {
        return Err(Error::InvalidArgument(
            "a run with evidence needs at least one observation".into(),
        ));
    }
    let mut names = HashSet::new();
    for obs in observations {
        if !names.insert(obs.name.as_str()) {
            return Err(Error::InvalidArgument(format!(
                "two observations are named '{}'; give each its own name",
                obs.name
            )));
        }
    }
    for name in &opts.leave_out {
        if !names.contains(name.as_str()) {
            return Err(Error::InvalidArgument(format!(
                "no observation named '{name}' to leave out; observations are: {}",
                smc::quoted(
                    &observations
                        .iter()
                        .map(|o| o.name.clone())
                        .collect::<Vec<_>>()
                )
            )));
        }
    }
    let active: Vec<usize> = (0..observations.len())
        .filter(|&j| !opts.leave_out.contains(&observations[j].name))
        .collect();
    if active.is_empty() {
        return Err(Error::InvalidArgument(
            "every observation is left out: nothing to condition on".into(),
        ));
    }
    // Drawn counts stated exactly: their draws integrated out of the
    // likelihood, and set to the figures in every run below but the prior's.
    let integrated = exact::integrate(observations, &active)?;
    let observations = &integrated.observations[..];
    let conditioning = !integrated.conditioned.is_empty();
    let exact_counts: Vec<String> = observations
        .iter()
        .filter(|o| o.of::<DrawnCount>().is_some_and(|d| d.lower == d.upper))
        .map(|o| o.name.clone())
        .collect();
    let mut conditioned_run = opts.run.clone();
    conditioned_run.conditioned.extend(integrated.conditioned);
    let run = &conditioned_run;
    let n = run.n;
    // Keys from the outputs first, so that adding evidence leaves the
    // outputs' draws where they were.
    let mut keys = match &run.keys {
        Some(k) => k.clone(),
        None => StreamKeys::new(),
    };
    let mut roots: Vec<Node> = outputs.iter().map(|(_, n)| n.clone()).collect();
    for obs in observations {
        if let Some(drawn) = obs.of::<DrawnCount>() {
            roots.push(drawn.quantity.clone());
        }
        roots.extend(obs.nodes().into_iter().cloned());
    }
    keys.assign(&roots);
    let ev = Evaluator::new(observations, active.clone(), &keys, run);

    let chunks = chunk_count(n.max(1));
    let report = |units: usize| {
        if let Some(p) = &run.ctx.progress {
            p.store(units, Ordering::Relaxed);
        }
    };
    let mut prior_opts = run.clone();
    prior_opts.keys = Some(keys.clone());
    prior_opts.ctx.progress = None;
    let RunTerms {
        run: prior,
        log_lik: prior_log_lik,
        tails: prior_tails,
        log_weights,
    } = ev.run_with_terms(outputs, &prior_opts, opts.with_tails)?;
    report(chunks);

    let mut weighting_pareto_k = pareto_k(&log_weights);
    // The log weights become the weights in place.
    let mut prior_weights = log_weights;
    let mut weight_sums = weights::WeightSums::into_relative(&mut prior_weights);
    let mut weighting_ess = weight_sums.ess();
    let tame = weighting_pareto_k.is_nan() || weighting_pareto_k <= opts.max_pareto_k;
    let plan = weighting_plan(n, weighting_ess, opts.min_ess);
    let (use_weighting, mut reason) = match (opts.method, tame, &plan) {
        (Method::Weighting, ..) => (true, "weighting, as asked (method='weighting')".to_string()),
        (Method::Tempering, ..) => (false, "tempering, as asked (method='tempering')".to_string()),
        (Method::Auto, false, _) => (
            false,
            format!(
                "tempering: the likelihood weights of the prior's draws have a heavy tail (Pareto k {:.2} > {:.2}), so weighting them is unreliable at any number of draws",
                weighting_pareto_k, opts.max_pareto_k
            ),
        ),
        (Method::Auto, true, WeightingPlan::Tempering { why }) => (false, why.clone()),
        (Method::Auto, true, WeightingPlan::Draws { why, .. }) => (true, why.clone()),
    };
    // The prior as it is, without the figures set (the same draws, as many
    // rows as were weighted, so that the prior's terms stay row for row).
    let plain_prior = |prior_opts: &RunOptions, rows: usize| -> Result<Option<RunResult>> {
        if !conditioning {
            return Ok(None);
        }
        let mut plain = prior_opts.clone();
        plain.conditioned.clear();
        plain.n = rows;
        run_selected(outputs, &vec![true; outputs.len()], &plain).map(Some)
    };
    let mut prior = prior;
    let mut prior_log_lik = prior_log_lik;
    let mut prior_tails = prior_tails;
    if let (true, Method::Auto, WeightingPlan::Draws { draws, .. }) =
        (use_weighting, opts.method, &plan)
    {
        if *draws > n && weighted_draws_fit(*draws, outputs.len() + observations.len()) {
            // More of the prior's draws (the first n are those above: streams
            // are keyed by chunk), weighted and resampled to n rows.
            let mut more = prior_opts.clone();
            more.n = *draws;
            let again = ev.run_with_terms(outputs, &more, opts.with_tails)?;
            weighting_pareto_k = pareto_k(&again.log_weights);
            prior_weights = again.log_weights;
            weight_sums = weights::WeightSums::into_relative(&mut prior_weights);
            weighting_ess = weight_sums.ess();
            prior = again.run;
            prior_log_lik = again.log_lik;
            prior_tails = again.tails;
        } else if *draws > n {
            reason =
                format!("{reason}; but {draws} draws would not fit in memory, so {n} are weighted");
        }
    }
    if use_weighting {
        if weighting_ess == 0.0 {
            let prior_distance = ev.prior_distances(&run.ctx)?;
            let blamed: Vec<String> = active
                .iter()
                .filter(|&&j| prior_distance[j].iter().all(|&x| x > 0.0))
                .map(|&j| observations[j].name.clone())
                .collect();
            return Err(Error::Evidence {
                message: format!(
                    "no prior sample can explain the evidence ({}): every sample has likelihood 0; use method='auto' to search further, or check the observations",
                    smc::quoted(&blamed)
                ),
                observations: blamed,
            });
        }
        if weighting_ess < weighting_floor(n) {
            // Each observation's own weights say which ones the prior's
            // samples cannot carry; if none alone, it is their combination.
            let alone: Vec<String> = active
                .iter()
                .filter(|&&j| effective_sample_size(&prior_log_lik[j]) < weighting_floor(n))
                .map(|&j| observations[j].name.clone())
                .collect();
            let blamed = if alone.is_empty() {
                active
                    .iter()
                    .map(|&j| observations[j].name.clone())
                    .collect()
            } else {
                alone
            };
            return Err(too_few_effective(weighting_ess, n, blamed, true));
        }
        report(3 * chunks);
        let log_evidence = weight_sums.log_mean();
        // Var(mean w)/mean(w)^2 = (1/ESS - 1/N)/... : the relative error of
        // the mean weight is sqrt(1/ESS - 1/N) (self-normalised sums).
        let draws = prior.n as f64;
        let log_evidence_se = (1.0 / weighting_ess - 1.0 / draws).max(0.0).sqrt();
        weight_sums.normalise_in_place(&mut prior_weights);
        let plain = plain_prior(&prior_opts, prior.n)?;
        return Ok(Posterior {
            method: Method::Weighting,
            reason,
            rows: n,
            run: prior,
            weights: Some(prior_weights),
            ess: weighting_ess,
            prior: plain,
            weighting_ess,
            weighting_pareto_k,
            log_lik: Vec::new(),
            tails: Vec::new(),
            prior_log_lik,
            prior_tails,
            scores: Vec::new(),
            stages: Vec::new(),
            log_evidence,
            log_evidence_se,
            populations: Vec::new(),
            exact_counts,
        });
    }

    let latent_bytes =
        (ev.latent_keys.len() as u64 * 4 + observations.len() as u64 * 6) * n as u64 * 8;
    if let Some(available) = available_memory() {
        if latent_bytes > available {
            return Err(Error::OutOfMemory {
                needed: latent_bytes,
                needed_human: human_bytes(latent_bytes),
                available,
            });
        }
    }
    drop(prior_weights);
    let on_stage = |beta: f64| report(chunks + (beta * chunks as f64) as usize);
    let tempered = smc::temper_populations(&ev, &run.ctx, &opts.schedule, &on_stage)?;
    let scores: Vec<(u64, Arc<[f64]>)> = ev
        .latent_keys
        .iter()
        .zip(&tempered.scores)
        .map(|(&k, z)| (k, Arc::<[f64]>::from(z.as_slice())))
        .collect();
    let prior = plain_prior(&prior_opts, n)?.unwrap_or(prior);
    let mut final_opts = prior_opts;
    final_opts.latent = scores.iter().cloned().collect();
    let last = ev.run_with_terms(outputs, &final_opts, opts.with_tails)?;
    report(3 * chunks);
    Ok(Posterior {
        method: Method::Tempering,
        reason,
        rows: n,
        run: last.run,
        weights: None,
        ess: tempered.stages.last().map_or(n as f64, |s| s.ess),
        prior: Some(prior),
        weighting_ess,
        weighting_pareto_k,
        log_lik: last.log_lik,
        tails: last.tails,
        prior_log_lik,
        prior_tails,
        scores,
        stages: tempered.stages,
        log_evidence: tempered.log_evidence,
        log_evidence_se: tempered.log_evidence_se,
        populations: tempered.sizes,
        exact_counts,
    })
}
