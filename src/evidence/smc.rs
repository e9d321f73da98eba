//! Sequential Monte Carlo for evidence the prior cannot carry by weighting
//! alone: adaptive likelihood tempering with systematic resampling and
//! Metropolis moves in the space of normal scores.
//!
//! Every random node upstream of the evidence takes its value from a
//! standard normal score z (its quantile at Φ(z)), so the prior is a
//! standard normal in z whatever the graph, compound draws included.
//!
//! The moves are preconditioned Crank-Nicolson steps centred and scaled on
//! the particles: z' = μ + ρ(z - μ) + sσξ with ρ = √(1 - s²), where μ and σ
//! are the population's mean and sd in each score. Such a step leaves
//! N(μ, σ²) invariant, so the Metropolis ratio is the target's over that
//! reference. Centred at the prior's (μ = 0, σ = 1) this is plain pCN; but
//! plain pCN pulls every step back towards the prior's centre, so when the
//! posterior lies many prior sds out its steps shrink to nothing and the
//! particles never get there (a biased posterior with a healthy-looking
//! ESS). Centred on the particles, a step of s = 1 is an independent draw
//! from a Gaussian fitted to them, which moves as far as the posterior is.
//!
//! Those local steps start every stage; then independent proposals from a
//! Gaussian fitted to the particles with their full covariance (see
//! `fitted.rs`) take over while they are accepted (see [`rejuvenate`]): a
//! stage then needs two or three evaluations of the model instead of ten.
use super::fitted::Fitted;
use super::weights::{effective_sample_size, systematic_ancestors, WeightSums};
use super::Evaluator;
use crate::dist::primitives::{open01, std_normal, uniform01};
use crate::dist::SCORE_LIMIT;
use crate::engine::RunContext;
use crate::error::{Error, Result};
use crate::stream::{key_mix, stream_rng, Domain, CHUNK};
use rayon::prelude::*;

/// How hard a sample outside a statement's bounds is pulled in while the
/// temperature is below 1 (per unit of relative distance); at 1 such a
/// sample is impossible.
const PULL: f64 = 100.0;

/// Limits of the tempering schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Resample when the effective sample size would fall below this share.
    pub target_ess: f64,
    /// Most tempering stages before giving up.
    pub max_stages: usize,
    /// Smallest step in temperature before giving up (0: any step that
    /// keeps the target ESS; the cap on stages ends a schedule that crawls).
    pub min_step: f64,
    /// Most moves per stage.
    pub max_moves: usize,
    /// Moves per stage continue until particles have moved this many times
    /// on average (the sum of acceptance rates).
    pub moved_times: f64,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            target_ess: 0.5,
            max_stages: 500,
            min_step: 0.0,
            max_moves: 40,
            moved_times: 3.0,
        }
    }
}

/// One stage of tempering, for diagnostics.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    /// The temperature reached (1 is the posterior).
    pub beta: f64,
    /// Effective sample size of the reweighting into this stage.
    pub ess: f64,
    /// Mean acceptance rate of its moves.
    pub acceptance: f64,
    /// Number of moves.
    pub moves: usize,
    /// The step s of its last move (0 < s <= 1): the share of a score's
    /// deviation from the particles' mean that a move redraws, in units of
    /// the particles' sd in it (1 is an independent draw).
    pub step: f64,
}

/// Independent populations a tempering run is split into (when n allows
/// [`MIN_PARTICLES`] each): the spread of a figure between them is its
/// Monte Carlo error. Eight give an error estimate with 7 degrees of
/// freedom, so figure ± 2 errors covers the truth ~91% of the time.
pub const POPULATIONS: usize = 8;

/// The fewest particles a population may have.
pub const MIN_PARTICLES: usize = 250;

/// Independent tempering runs side by side, and their particles together.
pub(crate) struct Populations {
    /// Normal scores per latent node: population 0's rows, then 1's, ...
    pub scores: Vec<Vec<f64>>,
    /// The rows of each population (consecutive).
    pub sizes: Vec<usize>,
    /// Population 0's stages (the others' are alike).
    pub stages: Vec<Stage>,
    /// log of the mean of the populations' marginal likelihoods, and its
    /// Monte Carlo standard error (NaN with one population).
    pub log_evidence: f64,
    pub log_evidence_se: f64,
}

/// The sizes of the populations `n` particles are split into.
pub(crate) fn population_sizes(n: usize) -> Vec<usize> {
    let k = (n / MIN_PARTICLES).clamp(1, POPULATIONS);
    (0..k).map(|i| n / k + usize::from(i < n % k)).collect()
}

/// Tempering in [`population_sizes`] independent populations, each with
/// its own streams (seed, population) and its own adaptive schedule, run
/// side by side. Deterministic whatever the threads: each population is.
pub(crate) fn temper_populations(
    ev: &Evaluator,
    ctx: &RunContext,
    schedule: &Schedule,
    on_stage: &(dyn Fn(f64) + Sync),
) -> Result<Populations> {
    let sizes = population_sizes(ctx.n);
    let runs: Vec<Result<Tempered>> = sizes
        .par_iter()
        .enumerate()
        .map(|(k, &size)| {
            let mut own = ctx.clone();
            own.n = size;
            // Hashed twice: (seed ^ D) + k would give seed 1's population 0
            // to seed 0's population 1, and runs at nearby seeds would share
            // populations.
            own.seed = key_mix(key_mix(ctx.seed ^ Domain::TemperingPopulation.value()) ^ k as u64);
            let report = |beta: f64| {
                if k == 0 {
                    on_stage(beta)
                }
            };
            temper(ev, &own, schedule, &report)
        })
        .collect();
    let mut done = Vec::with_capacity(runs.len());
    for run in runs {
        done.push(run?);
    }
    populations_agree(ev, &done)?;
    let scores = (0..ev.latent_keys.len())
        .map(|j| {
            done.iter()
                .flat_map(|t| t.scores[j].iter().copied())
                .collect()
        })
        .collect();
    let logs: Vec<f64> = done.iter().map(|t| t.log_evidence).collect();
    let (log_evidence, log_evidence_se) = log_mean_and_se(&logs);
    let stages = done.swap_remove(0).stages;
    Ok(Populations {
        scores,
        sizes,
        stages,
        log_evidence,
        log_evidence_se,
    })
}

/// Refuses populations that ended in different places: each ran on its own
/// streams, so where one differs from the others by far more than their
/// spread, it collapsed or found another mode, and pooling would give a
/// wrong posterior with a healthy-looking ESS.
fn populations_agree(ev: &Evaluator, done: &[Tempered]) -> Result<()> {
    if done.len() < 4 {
        return Ok(());
    }
    for (j, label) in ev.latent_labels.iter().enumerate() {
        let refs: Vec<Reference> = done.iter().map(|t| Reference::of(&t.scores[j])).collect();
        let mut means: Vec<f64> = refs.iter().map(|r| r.mean).collect();
        let median = median_of(&mut means.clone());
        let mad =
            1.4826 * median_of(&mut means.iter().map(|m| (m - median).abs()).collect::<Vec<_>>());
        let size = done[0].scores[j].len() as f64;
        let within = median_of(&mut refs.iter().map(|r| r.sd / SPREAD).collect::<Vec<_>>());
        let scale = mad.max(within / size.sqrt());
        means.iter_mut().for_each(|m| *m = (*m - median).abs());
        if let Some((k, far)) = means
            .iter()
            .enumerate()
            .map(|(k, d)| (k, *d))
            .find(|&(_, d)| d > 10.0 * scale && d > 1e-9)
        {
            let all: Vec<String> = ev.active_observations().map(|o| o.name.clone()).collect();
            return Err(Error::Evidence {
                message: format!(
                    "tempering's {} independent populations disagree about '{label}': population {k} ended {far:.3} normal scores from the others' median, {:.0} times their spread. The posterior may have separate modes, or the moves could not mix the samples; the observations {} would get a wrong posterior. Draw more samples, or state an error for figures given as exact (measured(..., sd=...))",
                    done.len(),
                    far / scale,
                    quoted(&all)
                ),
                observations: all,
            });
        }
    }
    Ok(())
}

fn median_of(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let m = values.len() / 2;
    if values.len() % 2 == 1 {
        values[m]
    } else {
        0.5 * (values[m - 1] + values[m])
    }
}

/// log of the mean of exp(logs) and its standard error by the delta method
/// (the sd of the ratios exp(log - mean) over √k); NaN error for one.
fn log_mean_and_se(logs: &[f64]) -> (f64, f64) {
    let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let k = logs.len() as f64;
    let ratios: Vec<f64> = logs.iter().map(|l| (l - top).exp()).collect();
    let mean = ratios.iter().sum::<f64>() / k;
    let log_mean = top + mean.ln();
    if logs.len() < 2 {
        return (log_mean, f64::NAN);
    }
    let var = ratios.iter().map(|r| (r / mean - 1.0).powi(2)).sum::<f64>() / (k - 1.0);
    (log_mean, (var / k).sqrt())
}

/// The particles at the end: normal scores per latent node, and stages.
pub(crate) struct Tempered {
    pub scores: Vec<Vec<f64>>,
    pub stages: Vec<Stage>,
    pub log_evidence: f64,
}

/// Per-sample terms of every observation: log-likelihoods and distances
/// from being possible.
pub(crate) struct Terms {
    pub log_lik: Vec<Vec<f64>>,
    pub distance: Vec<Vec<f64>>,
}

impl Terms {
    /// Per sample: the slope of the tempered log target (Σ log-likelihood of
    /// possible terms - PULL × Σ distances) and whether every term is possible.
    fn slopes(&self, n: usize) -> (Vec<f64>, Vec<bool>) {
        (0..n)
            .into_par_iter()
            .map(|i| {
                let mut slope = 0.0;
                let mut possible = true;
                for (ll, d) in self.log_lik.iter().zip(&self.distance) {
                    if d[i] > 0.0 {
                        possible = false;
                        slope -= PULL * d[i];
                    } else {
                        slope += ll[i];
                    }
                }
                (slope, possible)
            })
            .unzip()
    }
}

/// The tempered log target at `beta` given a sample's slope and possibility.
#[inline]
fn tempered(beta: f64, slope: f64, possible: bool) -> f64 {
    if beta >= 1.0 && !possible {
        f64::NEG_INFINITY
    } else {
        beta * slope
    }
}

/// Runs tempering from the prior (β = 0) to the posterior (β = 1).
/// `on_stage(beta)` is called after each stage (for progress bars).
pub(crate) fn temper(
    ev: &Evaluator,
    ctx: &RunContext,
    schedule: &Schedule,
    on_stage: &dyn Fn(f64),
) -> Result<Tempered> {
    let n = ctx.n;
    let seed = ctx.seed;
    let mut scores: Vec<Vec<f64>> = ev
        .latent_keys
        .iter()
        .map(|&key| normal_column(seed ^ Domain::TemperingInit.value(), key, n))
        .collect();
    let mut terms = ev.terms(&scores, ctx)?;
    let mut beta = 0.0f64;
    let mut step = 0.5f64;
    let mut stages: Vec<Stage> = Vec::new();
    let mut log_evidence = 0.0;
    let target = schedule.target_ess * n as f64;
    while beta < 1.0 {
        ctx.check_cancelled()?;
        if stages.len() >= schedule.max_stages {
            return Err(stalled(
                ev,
                &terms,
                beta,
                &stages,
                "it reached the cap on stages",
            ));
        }
        let (slope, possible) = terms.slopes(n);
        let increments = |b: f64| -> Vec<f64> {
            slope
                .par_iter()
                .zip(&possible)
                .map(|(&s, &p)| tempered(b, s, p) - tempered(beta, s, p))
                .collect()
        };
        let next = next_temperature(beta, target, &increments);
        if next < 1.0 && next - beta <= schedule.min_step {
            return Err(stalled(
                ev,
                &terms,
                beta,
                &stages,
                "its steps became too small",
            ));
        }
        let inc = increments(next);
        let sums = WeightSums::of(&inc);
        let ess = sums.ess();
        if ess == 0.0 {
            return Err(stalled(
                ev,
                &terms,
                beta,
                &stages,
                "no sample can explain the evidence",
            ));
        }
        log_evidence += sums.log_mean();
        let weights = sums.normalise(&inc);
        let u = uniform01(&mut stream_rng(
            seed ^ Domain::TemperingResample.value(),
            stages.len() as u64,
            0,
        ));
        let ancestors = systematic_ancestors(&weights, u);
        scores = scores.iter().map(|z| gather(z, &ancestors)).collect();
        terms = Terms {
            log_lik: terms
                .log_lik
                .iter()
                .map(|c| gather(c, &ancestors))
                .collect(),
            distance: terms
                .distance
                .iter()
                .map(|c| gather(c, &ancestors))
                .collect(),
        };
        beta = next;
        let stage = stages.len() as u64;
        let (acceptance, moves) = rejuvenate(
            ev,
            ctx,
            schedule,
            beta,
            stage,
            &mut step,
            &mut scores,
            &mut terms,
        )?;
        stages.push(Stage {
            beta,
            ess,
            acceptance,
            moves,
            step,
        });
        if acceptance * (moves as f64) < 1.0 {
            // Most particles are still copies of the few the reweighting
            // kept: the figures would look precise and be wrong.
            return Err(unmixed(ev, beta, &stages));
        }
        on_stage(beta);
    }
    beyond_computable_range(ev, &scores)?;
    Ok(Tempered {
        scores,
        stages,
        log_evidence,
    })
}

/// Refuses a posterior that puts a draw past the scores its law can be
/// computed at (a gamma or Poisson input more than ~37 sds of probability
/// out): every particle there would read the same value, a wrong answer.
fn beyond_computable_range(ev: &Evaluator, scores: &[Vec<f64>]) -> Result<()> {
    for ((z, &clamped), label) in scores.iter().zip(&ev.latent_clamped).zip(&ev.latent_labels) {
        let past = z.iter().filter(|z| z.abs() >= SCORE_LIMIT).count();
        if clamped && past * 100 > z.len() {
            return Err(Error::Evidence {
                message: format!(
                    "the evidence puts '{label}' where its prior gives it a probability below 1e-300 ({past} of {} samples past a normal score of {SCORE_LIMIT}), beyond what can be computed: check the figures against this input's range, or give it a wider prior",
                    z.len()
                ),
                observations: ev.active_observations().map(|o| o.name.clone()).collect(),
            });
        }
    }
    Ok(())
}

/// The next temperature: 1 if the reweighting keeps `target` effective
/// samples, else the largest step that does. The step is bisected on a log
/// scale: evidence millions of times sharper than the prior needs first
/// steps of 1e-15 and less, which a bisection of [beta, 1] cannot resolve.
fn next_temperature(beta: f64, target: f64, increments: &dyn Fn(f64) -> Vec<f64>) -> f64 {
    if effective_sample_size(&increments(1.0)) >= target {
        return 1.0;
    }
    let keeps = |log_step: f64| effective_sample_size(&increments(beta + log_step.exp())) >= target;
    let (mut lo, mut hi) = (f64::MIN_POSITIVE.ln(), (1.0 - beta).ln());
    if !keeps(lo) {
        return beta;
    }
    for _ in 0..64 {
        let mid = 0.5 * (lo + hi);
        if keeps(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (beta + lo.exp()).min(1.0)
}

/// Moves at temperature `beta` until the particles have mixed: local steps
/// count `1 / schedule.moved_times` per acceptance, independent proposals
/// (fresh draws from a Gaussian fitted to the particles) a whole one, and the
/// stage ends when the acceptances add up to one per particle on average.
///
/// Every stage starts with a local step (it adapts the step size towards an
/// acceptance rate of ~0.3). Independent proposals follow while they are
/// accepted at least half the time; between a tenth and a half, local and
/// independent moves alternate; below a tenth (a posterior far from
/// Gaussian in the scores) only local steps are taken. Returns the mean
/// acceptance rate and the number of moves.
#[allow(clippy::too_many_arguments)]
fn rejuvenate(
    ev: &Evaluator,
    ctx: &RunContext,
    schedule: &Schedule,
    beta: f64,
    stage: u64,
    step: &mut f64,
    scores: &mut [Vec<f64>],
    terms: &mut Terms,
) -> Result<(f64, usize)> {
    let n = ctx.n;
    let seed = ctx.seed;
    let mut accepted_sum = 0.0;
    let mut mixed = 0.0;
    let mut moves = 0usize;
    // Each score moves on its own scale, the particles' spread in it: the
    // evidence may pin one input to a sliver of its prior and leave another
    // free, and one step for all would crawl along the free one.
    let reference: Vec<Reference> = scores.iter().map(|z| Reference::of(z)).collect();
    let fitted = Fitted::of(scores);
    let mut independent_rate: Option<f64> = None;
    let mut last_independent = false;
    while moves < schedule.max_moves && (moves < 2 || mixed < 1.0) {
        ctx.check_cancelled()?;
        let salt = key_mix(stage.wrapping_mul(1 << 20) ^ moves as u64);
        let xi: Vec<Vec<f64>> = ev
            .latent_keys
            .iter()
            .map(|&key| normal_column(seed ^ Domain::TemperingMove.value() ^ salt, key, n))
            .collect();
        let independent = match (&fitted, independent_rate) {
            (None, _) => false,
            _ if moves == 0 => false,
            (_, None) => true,
            (_, Some(rate)) if rate >= 0.5 => true,
            (_, Some(rate)) if rate >= 0.1 => !last_independent,
            _ => false,
        };
        // The proposal, and the log of what the Metropolis ratio needs
        // besides the tempered likelihood: the prior's ratio (standard
        // normal scores) over the proposal's.
        let (proposal, ratio) = match (&fitted, independent) {
            (Some(fit), true) => {
                let (proposal, log_q_new) = fit.propose(&xi);
                let log_q_old = fit.log_density(scores);
                let log_prior =
                    |z: &[Vec<f64>], i: usize| -0.5 * z.iter().map(|c| c[i] * c[i]).sum::<f64>();
                let ratio = (0..n)
                    .into_par_iter()
                    .map(|i| {
                        log_prior(&proposal, i) - log_prior(scores, i) + log_q_old[i] - log_q_new[i]
                    })
                    .collect();
                (proposal, ratio)
            }
            _ => {
                let s = step.clamp(1e-3, 1.0);
                let proposal: Vec<Vec<f64>> = scores
                    .iter()
                    .zip(&xi)
                    .zip(&reference)
                    .map(|((z, xi), r)| {
                        z.par_iter()
                            .zip(xi)
                            .map(|(&z, &x)| r.step(z, s, x))
                            .collect()
                    })
                    .collect();
                // The prior over the reference, at the proposal against
                // now, summed over the scores column by column.
                let mut ratio = vec![0.0; n];
                for ((z, p), r) in scores.iter().zip(&proposal).zip(&reference) {
                    ratio
                        .par_iter_mut()
                        .zip(z.par_iter().zip(p))
                        .for_each(|(q, (&z, &p))| {
                            *q += r.log_prior_over_reference(p) - r.log_prior_over_reference(z)
                        });
                }
                (proposal, ratio)
            }
        };
        let proposed = ev.terms(&proposal, ctx)?;
        let (old_slope, old_possible) = terms.slopes(n);
        let (new_slope, new_possible) = proposed.slopes(n);
        let log_u = uniform_logs(seed ^ Domain::TemperingAccept.value() ^ salt, n);
        let accept: Vec<bool> = (0..n)
            .into_par_iter()
            .map(|i| {
                let old = tempered(beta, old_slope[i], old_possible[i]);
                let new = tempered(beta, new_slope[i], new_possible[i]);
                new > f64::NEG_INFINITY && log_u[i] < new - old + ratio[i]
            })
            .collect();
        let accepted = accept.iter().filter(|&&a| a).count();
        for (z, p) in scores.iter_mut().zip(&proposal) {
            take_accepted(z, p, &accept);
        }
        for (c, p) in terms.log_lik.iter_mut().zip(&proposed.log_lik) {
            take_accepted(c, p, &accept);
        }
        for (c, p) in terms.distance.iter_mut().zip(&proposed.distance) {
            take_accepted(c, p, &accept);
        }
        let rate = accepted as f64 / n as f64;
        accepted_sum += rate;
        moves += 1;
        last_independent = independent;
        if independent {
            independent_rate = Some(rate);
            mixed += rate;
        } else {
            mixed += rate / schedule.moved_times;
            *step = (*step * (1.5 * (rate - 0.3)).exp()).clamp(1e-3, 1.0);
        }
    }
    Ok((accepted_sum / moves.max(1) as f64, moves))
}

/// How much wider than the particles' spread the moves' reference is.
const SPREAD: f64 = 2.0;

/// The Gaussian a move is centred and scaled on: the particles' mean and
/// [`SPREAD`] times their sd in one score.
#[derive(Debug, Clone, Copy)]
struct Reference {
    mean: f64,
    sd: f64,
}

impl Reference {
    /// The mean and sd of a column of scores (folded in chunk order:
    /// deterministic whatever the threads).
    fn of(z: &[f64]) -> Reference {
        let n = z.len() as f64;
        let mean = super::weights::ordered_sum(z.len(), |r| z[r].iter().sum()) / n;
        let var =
            super::weights::ordered_sum(z.len(), |r| z[r].iter().map(|x| (x - mean).powi(2)).sum())
                / n;
        // Twice the particles' spread: a population whose spread has shrunk
        // below the target's (a few ancestors left by resampling) must be
        // able to spread out again; with the particles' own sd, no move
        // could ever take it wider, and it would collapse, stage by stage,
        // onto the wrong place.
        Reference {
            mean,
            sd: (SPREAD * var.sqrt()).max(1e-9),
        }
    }

    /// A step of size `s` in (0, 1] from `z` with standard normal `xi`: it
    /// leaves N(mean, sd²) invariant.
    #[inline]
    fn step(&self, z: f64, s: f64, xi: f64) -> f64 {
        let rho = (1.0 - s * s).sqrt();
        self.mean + rho * (z - self.mean) + s * self.sd * xi
    }

    /// log N(z; 0, 1) - log N(z; mean, sd²), up to a constant: what the
    /// Metropolis ratio of a step that leaves the reference invariant needs.
    #[inline]
    fn log_prior_over_reference(&self, z: f64) -> f64 {
        let u = (z - self.mean) / self.sd;
        0.5 * (u * u - z * z)
    }
}

fn take_accepted(current: &mut [f64], proposed: &[f64], accept: &[bool]) {
    current
        .par_iter_mut()
        .zip(proposed)
        .zip(accept)
        .for_each(|((c, &p), &a)| {
            if a {
                *c = p
            }
        });
}

fn gather(column: &[f64], ancestors: &[usize]) -> Vec<f64> {
    ancestors.par_iter().map(|&a| column[a]).collect()
}

/// `n` standard normal numbers from chunk streams of (seed, key).
fn normal_column(seed: u64, key: u64, n: usize) -> Vec<f64> {
    let mut out = vec![0.0; n];
    out.par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(c, chunk)| {
            let mut rng = stream_rng(seed, key, c);
            for x in chunk {
                *x = std_normal(&mut rng);
            }
        });
    out
}

/// log of `n` uniform numbers in (0, 1), from chunk streams of `seed`.
fn uniform_logs(seed: u64, n: usize) -> Vec<f64> {
    let mut out = vec![0.0; n];
    out.par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(c, chunk)| {
            let mut rng = stream_rng(seed, 0, c);
            for x in chunk {
                *x = open01(&mut rng).ln();
            }
        });
    out
}

/// The error when the moves of a stage could not diversify the particles
/// (each moved less than once on average).
fn unmixed(ev: &Evaluator, beta: f64, stages: &[Stage]) -> Error {
    let last = stages.last().expect("a stage was run");
    let all: Vec<String> = ev.active_observations().map(|o| o.name.clone()).collect();
    Error::Evidence {
        message: format!(
            "tempering could not mix its samples at temperature {beta:.3} (stage {}): {} moves accepted {:.1}% of proposals, so most samples are copies of a few and the posterior's figures would be unreliable. The observations {} leave the inputs almost no room to move (an exact figure on a drawn quantity, or bounds that are nearly impossible together): state an error for the figures (measured(..., sd=...)), or draw more samples",
            stages.len(),
            last.moves,
            100.0 * last.acceptance,
            quoted(&all)
        ),
        observations: all,
    }
}

/// The error when tempering cannot reach the posterior, naming the
/// observations that the current samples find hardest to satisfy.
fn stalled(ev: &Evaluator, terms: &Terms, beta: f64, stages: &[Stage], why: &str) -> Error {
    let n = terms.distance.first().map_or(0, |d| d.len());
    let impossible: Vec<String> = ev
        .active_observations()
        .zip(&terms.distance)
        .filter(|(_, d)| d.iter().filter(|&&x| x == 0.0).count() * 100 < n.max(1))
        .map(|(obs, _)| obs.name.clone())
        .collect();
    if !impossible.is_empty() {
        return Error::Evidence {
            message: format!(
                "no setting of the inputs the model allows explains {}: fewer than 1% of {n} samples can, after {} stages of tempering. Check the figure against the model (a count above its number of trials, a bound outside the quantity's range) and against the other sources",
                quoted(&impossible),
                stages.len()
            ),
            observations: impossible,
        };
    }
    let all: Vec<String> = ev.active_observations().map(|o| o.name.clone()).collect();
    // What happened: the path to the posterior was too long for the stages
    // allowed (a posterior very far out or very sharp), not a conflict.
    let ladder = stages
        .iter()
        .rev()
        .take(4)
        .rev()
        .map(|s| format!("{:.3e} (ESS {:.0})", s.beta, s.ess))
        .collect::<Vec<_>>()
        .join(", ");
    Error::Evidence {
        message: format!(
            "tempering did not reach the posterior: it stopped at temperature {beta:.3e} of 1 after {} stages because {why} (last temperatures: {ladder}). Each stage can move the {n} samples only so far, and the observations {} make the posterior too sharp or too far from the prior for that: draw more samples, state an error for figures given as exact (measured(..., sd=...)), or raise max_stages",
            stages.len(),
            quoted(&all)
        ),
        observations: all,
    }
}

pub(crate) fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn a_step_leaves_its_reference_gaussian_invariant() {
        // z ~ N(40, 0.3²) stepped with any s is still N(40, 0.3²): the
        // moves keep a population that sits far from the prior where it is.
        let r = Reference {
            mean: 40.0,
            sd: 0.3,
        };
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
        for s in [0.1, 0.5, 1.0] {
            let m = 200_000;
            let moved: Vec<f64> = (0..m)
                .map(|_| {
                    let z = r.mean + r.sd * std_normal(&mut rng);
                    r.step(z, s, std_normal(&mut rng))
                })
                .collect();
            let mean = moved.iter().sum::<f64>() / m as f64;
            let sd = (moved.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / m as f64).sqrt();
            assert!((mean - 40.0).abs() < 0.005, "s {s}: mean {mean}");
            assert!((sd - 0.3).abs() < 0.003, "s {s}: sd {sd}");
        }
    }

    #[test]
    fn the_ratio_is_zero_for_the_prior_as_reference_and_the_prior_over_it_otherwise() {
        let prior = Reference { mean: 0.0, sd: 1.0 };
        assert_eq!(prior.log_prior_over_reference(3.7), 0.0);
        let r = Reference { mean: 2.0, sd: 0.5 };
        let (a, b) = (1.0f64, 2.5f64);
        let log_n = |z: f64, m: f64, s: f64| -0.5 * ((z - m) / s).powi(2) - s.ln();
        let want =
            (log_n(a, 0.0, 1.0) - log_n(a, 2.0, 0.5)) - (log_n(b, 0.0, 1.0) - log_n(b, 2.0, 0.5));
        let got = r.log_prior_over_reference(a) - r.log_prior_over_reference(b);
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
    }

    #[test]
    fn the_next_temperature_resolves_steps_far_below_a_linear_bisection() {
        // Slopes spread over 1e16: only a step of ~1e-16 keeps half the
        // samples effective, which bisecting [0, 1] sixty times cannot find.
        let slopes: Vec<f64> = (0..1000).map(|i| -1e16 * i as f64 / 1000.0).collect();
        let increments = |b: f64| slopes.iter().map(|s| b * s).collect::<Vec<_>>();
        let next = next_temperature(0.0, 500.0, &increments);
        assert!(next > 0.0 && next < 1e-14, "{next}");
        let ess = effective_sample_size(&increments(next));
        assert!((ess - 500.0).abs() < 5.0, "{ess}");
    }
}
