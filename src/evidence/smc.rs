//! Sequential Monte Carlo for evidence the prior cannot carry by weighting
//! alone: adaptive likelihood tempering with systematic resampling and
//! preconditioned Crank-Nicolson moves in the space of normal scores.
//!
//! Every random node upstream of the evidence takes its value from a
//! standard normal score z (its quantile at Φ(z)), so the prior is a
//! standard normal in z whatever the graph, compound draws included. A pCN
//! move z' = ρz + √(1-ρ²)ξ leaves that prior invariant, so its acceptance
//! depends on the tempered likelihood alone.

use super::weights::{effective_sample_size, systematic_ancestors, WeightSums};
use super::Evaluator;
use crate::dist::primitives::{open01, std_normal, uniform01};
use crate::engine::{stream_rng, RunContext, CHUNK};
use crate::error::{Error, Result};
use crate::expr::key_mix;
use rayon::prelude::*;

const INIT_DOMAIN: u64 = 0x5f0e_2a1c_93d7_4b68;
const MOVE_DOMAIN: u64 = 0x2c9b_7e41_0da3_f516;
const ACCEPT_DOMAIN: u64 = 0x81f4_63ab_5c20_e97d;
const RESAMPLE_DOMAIN: u64 = 0x4d7a_0b9e_e612_38c5;

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
    /// Smallest step in temperature before giving up.
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
            max_stages: 100,
            min_step: 1e-12,
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
    /// The pCN step of its last move, relative to each score's spread
    /// (the step of a score is this times the particles' sd in it).
    pub step: f64,
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
        .map(|&key| normal_column(seed ^ INIT_DOMAIN, key, n))
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
        if next - beta < schedule.min_step && next < 1.0 {
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
            seed ^ RESAMPLE_DOMAIN,
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
        on_stage(beta);
    }
    Ok(Tempered {
        scores,
        stages,
        log_evidence,
    })
}

/// The next temperature: 1 if the reweighting keeps `target` effective
/// samples, else the largest step that does (bisection).
fn next_temperature(beta: f64, target: f64, increments: &dyn Fn(f64) -> Vec<f64>) -> f64 {
    if effective_sample_size(&increments(1.0)) >= target {
        return 1.0;
    }
    let (mut lo, mut hi) = (beta, 1.0);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if effective_sample_size(&increments(mid)) >= target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

/// pCN moves at temperature `beta` until the particles have moved about
/// `schedule.moved_times` times each; adapts the step towards an acceptance
/// rate of ~0.3. Returns the mean acceptance rate and the number of moves.
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
    let mut moved = 0.0;
    let mut moves = 0usize;
    // Each score moves on its own scale, the particles' spread in it: the
    // evidence may pin one input to a sliver of its prior and leave another
    // free, and one step for all would crawl along the free one.
    let spread: Vec<f64> = scores.iter().map(|z| spread_of(z)).collect();
    while moves < schedule.max_moves && (moves < 2 || moved < schedule.moved_times) {
        ctx.check_cancelled()?;
        let salt = key_mix(stage.wrapping_mul(1 << 20) ^ moves as u64);
        let proposal: Vec<Vec<f64>> = ev
            .latent_keys
            .iter()
            .zip(scores.iter())
            .zip(&spread)
            .map(|((&key, z), &sd)| {
                let s = (*step * sd).clamp(1e-6, 1.0);
                let rho = (1.0 - s * s).sqrt();
                let xi = normal_column(seed ^ MOVE_DOMAIN ^ salt, key, n);
                z.par_iter()
                    .zip(xi)
                    .map(|(&z, x)| rho * z + s * x)
                    .collect()
            })
            .collect();
        let proposed = ev.terms(&proposal, ctx)?;
        let (old_slope, old_possible) = terms.slopes(n);
        let (new_slope, new_possible) = proposed.slopes(n);
        let log_u = uniform_logs(seed ^ ACCEPT_DOMAIN ^ salt, n);
        let accept: Vec<bool> = (0..n)
            .into_par_iter()
            .map(|i| {
                let old = tempered(beta, old_slope[i], old_possible[i]);
                let new = tempered(beta, new_slope[i], new_possible[i]);
                new > f64::NEG_INFINITY && log_u[i] < new - old
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
        moved += rate;
        moves += 1;
        *step = (*step * (1.5 * (rate - 0.3)).exp()).clamp(1e-3, 3.0);
    }
    Ok((moved / moves.max(1) as f64, moves))
}

/// The sd of a column of scores (folded in chunk order: deterministic),
/// at most 1 (the prior's).
fn spread_of(z: &[f64]) -> f64 {
    let n = z.len() as f64;
    let mean = super::weights::ordered_sum(z.len(), |r| z[r].iter().sum()) / n;
    let var =
        super::weights::ordered_sum(z.len(), |r| z[r].iter().map(|x| (x - mean).powi(2)).sum()) / n;
    var.sqrt().clamp(1e-9, 1.0)
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
    Error::Evidence {
        message: format!(
            "the evidence cannot be reconciled with the model: tempering stopped at temperature {:.3} after {} stages because {why}. The observations {} pull the inputs where the model and each other make them almost impossible: check them against the assumptions and each other (a figure misread, sources in conflict), or raise max_stages",
            beta,
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
