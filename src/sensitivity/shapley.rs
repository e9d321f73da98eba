//! Shapley effects (Owen 2014): each input's (or group's) fair share of an
//! output's variance, which stays meaningful when inputs are correlated and
//! interact. With the cost c(J) = E[Var(Y | X_{-J})] of a set of players J,
//! player i's effect is the average over orders of the players of the cost
//! it adds when it joins those before it; the effects sum to Var(Y).
//!
//! The estimator is Song, Nelson & Staum's (2016): for a few players every
//! set J is estimated once and weighted as in the average over all orders
//! (exact permutations); for many, random orders, each set along an order
//! estimated from one outer sample. A cost c(J) is estimated by drawing the
//! other players X_{-J} (n_outer times), then n_inner draws of X_J given
//! them, and averaging the sample variance of Y over the inner draws.
//!
//! Conditional sampling is exact for independent inputs and for
//! Gaussian-copula correlations: the inputs are quantiles of normal scores
//! whose correlation is block diagonal (a block per coupling), and a
//! normal vector given some of its coordinates is normal with the usual
//! conditional mean and covariance. Iman-Conover correlations have no such
//! conditional law and are refused. Randomness that no fixed input owns (a
//! named draw whose law depends on others, the intrinsic noise) is a player
//! switched by its random streams, as in Sobol designs: the inner draws of
//! a set that contains it take distinct streams, the others share one.

use super::factors::{Factors, Source, INTRINSIC_NOISE};
use crate::dependence::{cholesky, Matrix, Method};
use crate::dist::primitives::std_normal;
use crate::dist::{Dist, Normal, Quantile, Sample, ScoreGrid};
use crate::engine::{chunk_count, run_selected, RunContext, RunOptions};
use crate::error::{Error, Result};
use crate::expr::{Node, StreamKeys};
use crate::stream::{key_mix, stream_rng, Domain};
use rand::Rng;
use rayon::prelude::*;
use std::sync::Arc;

/// Players above which the exact method (every set, 2^d of them) gives way
/// to random permutations by default.
pub const MAX_EXACT_PLAYERS: usize = 6;

/// Options of [`shapley`].
#[derive(Debug, Clone)]
pub struct ShapleyOptions {
    /// `ctx.n` is the number of samples that estimate Var(Y).
    pub ctx: RunContext,
    /// Named sets of inputs that play as one; inputs in no group play alone.
    pub groups: Option<Vec<(String, Vec<String>)>>,
    /// Random permutations to average over; `None` takes every order
    /// (exact) for at most [`MAX_EXACT_PLAYERS`] players, else 10 000.
    pub permutations: Option<usize>,
    /// Outer samples per cost; `None`: 1 with random permutations (Song et
    /// al.'s advice), 2 000 with exact ones.
    pub n_outer: Option<usize>,
    /// Inner samples per outer sample (at least 2; Song et al. advise 3).
    pub n_inner: usize,
    pub conf_level: f64,
    /// Bootstrap resamples; 0 skips the intervals.
    pub num_resamples: usize,
}

impl ShapleyOptions {
    /// Defaults: Var(Y) from `n` samples, three inner samples, 95%
    /// intervals from 100 resamples.
    pub fn new(n: usize, seed: u64) -> Self {
        ShapleyOptions {
            ctx: RunContext::new(n, seed),
            groups: None,
            permutations: None,
            n_outer: None,
            n_inner: 3,
            conf_level: 0.95,
            num_resamples: 100,
        }
    }
}

crate::engine::extends_run_context!(ShapleyOptions);

/// Shapley effects of one output, normalised by its variance (they sum to 1).
#[derive(Debug, Clone, PartialEq)]
pub struct ShapleyEffects {
    pub output: String,
    pub names: Vec<String>,
    pub effects: Vec<f64>,
    /// Bootstrap half-widths at the confidence level.
    pub conf: Vec<f64>,
    pub mean: f64,
    pub variance: f64,
    /// 0 for the exact method (every order), else the random orders used.
    pub permutations: usize,
    pub n_var: usize,
    pub n_outer: usize,
    pub n_inner: usize,
    pub seed: u64,
    /// Model evaluations made.
    pub evaluations: usize,
}

/// One row of the table: fed inputs (by position among the fed ones) and
/// nodes whose random streams it switches.
#[derive(Debug, Clone)]
struct Player {
    name: String,
    fed: Vec<usize>,
    streams: Vec<Node>,
}

/// Fed inputs whose normal scores are jointly normal with correlation
/// `corr` (a coupling, or one independent input).
#[derive(Debug, Clone)]
struct Block {
    /// Positions among the fed inputs.
    members: Vec<usize>,
    corr: Matrix,
    /// A coupling's inputs (else one independent input).
    coupled: bool,
}

/// The law of a block's scores inside a set given those outside: which
/// members are outside (K) and inside (J), the factor of S_KK, the map
/// S_JK S_KK⁻¹ to the conditional mean, and the factor of the conditional
/// covariance S_JJ - S_JK S_KK⁻¹ S_KJ. Made once per set, not per row.
struct Conditional {
    j: Vec<usize>,
    k: Vec<usize>,
    l_k: Vec<Vec<f64>>,
    a: Vec<Vec<f64>>,
    l_j: Vec<Vec<f64>>,
}

impl Conditional {
    fn new(block: &Block, inside: &[bool]) -> Conditional {
        let members = &block.members;
        let j: Vec<usize> = (0..members.len()).filter(|&a| inside[members[a]]).collect();
        let k: Vec<usize> = (0..members.len())
            .filter(|&a| !inside[members[a]])
            .collect();
        if !block.coupled {
            return Conditional {
                j,
                k,
                l_k: Vec::new(),
                a: Vec::new(),
                l_j: Vec::new(),
            };
        }
        let sub = |rows: &[usize], cols: &[usize]| -> Vec<Vec<f64>> {
            rows.iter()
                .map(|&r| cols.iter().map(|&c| block.corr.at(r, c)).collect())
                .collect()
        };
        let l_k = factor(&sub(&k, &k));
        let s_jk = sub(&j, &k);
        // Row a of S_JK S_KK⁻¹ is S_KK⁻¹ applied to row a of S_JK (S_KK is
        // symmetric).
        let a: Vec<Vec<f64>> = s_jk.iter().map(|row| solve_factored(&l_k, row)).collect();
        let mut cov = sub(&j, &j);
        for (p, row_a) in a.iter().enumerate() {
            for (q, row_b) in s_jk.iter().enumerate() {
                cov[p][q] -= row_a.iter().zip(row_b).map(|(x, y)| x * y).sum::<f64>();
            }
        }
        let l_j = factor(&cov);
        Conditional { j, k, l_k, a, l_j }
    }
}

/// A validated Shapley analysis, ready to run.
pub struct ShapleyPlan<'a> {
    outputs: &'a [(String, Node)],
    factors: Factors,
    /// Fed inputs: (node, law), by position.
    fed: Vec<(Node, Dist)>,
    /// Quantile grids of the fed inputs' laws (for the copula's quantiles).
    grids: Vec<Option<ScoreGrid>>,
    blocks: Vec<Block>,
    players: Vec<Player>,
    /// The sets whose costs are estimated, as bit masks over players.
    sets: Vec<u64>,
    /// For random permutations: each order's players.
    orders: Vec<Vec<usize>>,
    n_outer: usize,
    opts: ShapleyOptions,
}

impl<'a> ShapleyPlan<'a> {
    /// Checks the options and the model, and chooses the sets to estimate.
    ///
    /// # Errors
    /// Iman-Conover correlations (no exact conditional sampling), a
    /// coupling with named and unnamed inputs, bad options.
    pub fn new(
        outputs: &'a [(String, Node)],
        output: &str,
        opts: &ShapleyOptions,
    ) -> Result<ShapleyPlan<'a>> {
        if opts.n < 2 {
            return Err(Error::InvalidArgument(format!(
                "n must be >= 2 (samples that estimate the variance), got {}",
                opts.n
            )));
        }
        if opts.n_inner < 2 {
            return Err(Error::InvalidArgument(format!(
                "n_inner must be >= 2 (a variance needs two draws), got {}",
                opts.n_inner
            )));
        }
        if opts.n_outer == Some(0) || opts.permutations == Some(0) {
            return Err(Error::InvalidArgument(
                "n_outer and permutations must be >= 1".into(),
            ));
        }
        if opts.threads == Some(0) {
            return Err(Error::InvalidArgument("threads must be >= 1, got 0".into()));
        }
        let factors = Factors::of(outputs, output)?;
        factors.require_randomness()?;
        let (fed, blocks) = fed_inputs(&factors)?;
        let players = players(&factors, &fed, opts.groups.as_deref())?;
        let d = players.len();
        if d > 63 {
            return Err(Error::InvalidArgument(format!(
                "Shapley effects support at most 63 players, this output has {d}; group inputs"
            )));
        }
        let all = if d == 64 { u64::MAX } else { (1u64 << d) - 1 };
        let exact = opts.permutations.is_none() && d <= MAX_EXACT_PLAYERS;
        let (sets, orders) = if exact {
            ((1..all).collect(), Vec::new())
        } else {
            let m = opts.permutations.unwrap_or(10_000);
            let orders = random_orders(d, m, key_mix(opts.seed ^ Domain::ShapleyOrders.value()));
            let sets = orders
                .iter()
                .flat_map(|order| {
                    (1..d).map(move |j| order[..j].iter().fold(0u64, |s, &p| s | 1 << p))
                })
                .collect();
            (sets, orders)
        };
        let n_outer = opts.n_outer.unwrap_or(if exact { 2000 } else { 1 });
        let grids = fed.iter().map(|(_, d)| ScoreGrid::of(d)).collect();
        Ok(ShapleyPlan {
            outputs,
            factors,
            fed,
            grids,
            blocks,
            players,
            sets,
            orders,
            n_outer,
            opts: opts.clone(),
        })
    }

    /// Model evaluations the analysis makes.
    pub fn evaluations(&self) -> usize {
        self.opts.n + self.sets.len() * self.n_outer * self.opts.n_inner
    }

    /// Chunks the engine will evaluate (for progress bars), about.
    pub fn chunks(&self) -> usize {
        chunk_count(self.opts.n)
            + self.opts.n_inner * chunk_count(self.sets.len() * self.n_outer)
            + 1
    }

    /// Evaluates the design and estimates the effects.
    pub fn run(self) -> Result<ShapleyEffects> {
        self.opts.install(|| self.execute())
    }

    fn execute(&self) -> Result<ShapleyEffects> {
        let o = &self.opts;
        let roots: Vec<Node> = self.outputs.iter().map(|(_, n)| n.clone()).collect();
        let mut keys = StreamKeys::new();
        keys.assign(&roots);
        let design_seed = key_mix(o.seed ^ Domain::ShapleyDesign.value());
        let all = (1u64 << self.players.len()) - 1;

        // Var(Y): every player drawn from its law, streams of their own.
        let var_scores = self.values(
            &[all],
            o.n,
            1,
            design_seed ^ Domain::ShapleyVariance.value(),
        )?;
        let y_var = self.evaluate(&keys, &var_scores[0], all, o.n_inner as u64 + 1)?;

        // The costs, one stream pattern at a time: rows of one pattern share
        // the streams of the players outside their set.
        let stream_mask = self.stream_players();
        let mut patterns: Vec<u64> = self.sets.iter().map(|s| s & stream_mask).collect();
        patterns.sort_unstable();
        patterns.dedup();
        let mut costs = vec![vec![0.0; self.n_outer]; self.sets.len()];
        for pattern in patterns {
            let which: Vec<usize> = (0..self.sets.len())
                .filter(|&e| self.sets[e] & stream_mask == pattern)
                .collect();
            let sets: Vec<u64> = which.iter().map(|&e| self.sets[e]).collect();
            let rows = sets.len() * self.n_outer;
            let seed = design_seed ^ key_mix(pattern.wrapping_add(1));
            let scores = self.values(&sets, rows, o.n_inner, seed)?;
            let ys = scores
                .iter()
                .enumerate()
                .map(|(h, z)| self.evaluate(&keys, z, pattern, h as u64 + 1))
                .collect::<Result<Vec<Vec<f64>>>>()?;
            for (slot, &e) in which.iter().enumerate() {
                for (l, cost) in costs[e].iter_mut().enumerate() {
                    let row = slot * self.n_outer + l;
                    *cost = sample_variance(ys.iter().map(|y| y[row]));
                }
            }
        }
        self.estimate(&y_var, &costs)
    }

    /// Players that switch random streams, as a bit mask.
    fn stream_players(&self) -> u64 {
        self.players
            .iter()
            .enumerate()
            .filter(|(_, p)| !p.streams.is_empty())
            .fold(0, |m, (i, _)| m | 1 << i)
    }

    /// Values of the fed inputs for `rows` = sets x outer rows, one matrix
    /// (fed input -> column) per inner draw: the inputs outside a set drawn
    /// once per outer row, those in it per inner draw given them.
    fn values(
        &self,
        sets: &[u64],
        rows: usize,
        inner: usize,
        seed: u64,
    ) -> Result<Vec<Vec<Vec<f64>>>> {
        let outer = rows / sets.len().max(1);
        let k = self.fed.len();
        // One set's rows at a time, in parallel; each row has its own
        // stream, so threads change nothing.
        let per_set: Vec<Vec<Vec<Vec<f64>>>> = sets
            .par_iter()
            .enumerate()
            .map(|(e, &set)| {
                self.opts.check_cancelled()?;
                let inside: Vec<bool> = (0..k).map(|i| self.fed_in(set, i)).collect();
                let plans: Vec<Conditional> = self
                    .blocks
                    .iter()
                    .map(|b| Conditional::new(b, &inside))
                    .collect();
                let mut rows_of_set = Vec::with_capacity(outer);
                for l in 0..outer {
                    let mut rng =
                        stream_rng(seed, Domain::ShapleyConditional.value(), e * outer + l);
                    let mut draws = vec![vec![0.0; k]; inner];
                    for (block, plan) in self.blocks.iter().zip(&plans) {
                        self.block_draws(block, plan, &mut rng, &mut draws);
                    }
                    rows_of_set.push(draws);
                }
                Ok(rows_of_set)
            })
            .collect::<Result<_>>()?;
        let mut out = vec![vec![vec![0.0; rows]; k]; inner];
        for (row, draws) in per_set.into_iter().flatten().enumerate() {
            for (h, x) in draws.into_iter().enumerate() {
                for (i, v) in x.into_iter().enumerate() {
                    out[h][i][row] = v;
                }
            }
        }
        Ok(out)
    }

    /// One block's values in one outer row: an independent input by its
    /// own sampler (the inverse CDF is not needed); a coupling's inputs as
    /// quantiles of conditional normal scores.
    fn block_draws<R: Rng + ?Sized>(
        &self,
        block: &Block,
        plan: &Conditional,
        rng: &mut R,
        draws: &mut [Vec<f64>],
    ) {
        if !block.coupled {
            let i = block.members[0];
            let dist = &self.fed[i].1;
            if plan.j.is_empty() {
                let x = dist.sample(rng);
                draws.iter_mut().for_each(|d| d[i] = x);
            } else {
                draws.iter_mut().for_each(|d| d[i] = dist.sample(rng));
            }
            return;
        }
        let quantile = |i: usize, z: f64| match &self.grids[i] {
            Some(g) => g.value(&self.fed[i].1, z),
            None => self.fed[i].1.from_normal_score(z),
        };
        let e: Vec<f64> = (0..plan.k.len()).map(|_| std_normal(rng)).collect();
        let z_k: Vec<f64> = (0..plan.k.len())
            .map(|a| (0..=a).map(|b| plan.l_k[a][b] * e[b]).sum())
            .collect();
        for (a, &m) in plan.k.iter().enumerate() {
            let i = block.members[m];
            let x = quantile(i, z_k[a]);
            draws.iter_mut().for_each(|d| d[i] = x);
        }
        let mean: Vec<f64> = plan
            .a
            .iter()
            .map(|row| row.iter().zip(&z_k).map(|(p, q)| p * q).sum())
            .collect();
        for draw in draws.iter_mut() {
            let e: Vec<f64> = (0..plan.j.len()).map(|_| std_normal(rng)).collect();
            for (a, &m) in plan.j.iter().enumerate() {
                let noise: f64 = (0..=a).map(|b| plan.l_j[a][b] * e[b]).sum();
                let i = block.members[m];
                draw[i] = quantile(i, mean[a] + noise);
            }
        }
    }

    /// Whether fed input `i` belongs to a player of `set`.
    fn fed_in(&self, set: u64, i: usize) -> bool {
        self.players
            .iter()
            .enumerate()
            .any(|(p, player)| set & (1 << p) != 0 && player.fed.contains(&i))
    }

    /// The output with the fed inputs at `values`, and the streams of the
    /// players in `switched` taken from variant `variant`.
    fn evaluate(
        &self,
        keys: &StreamKeys,
        values: &[Vec<f64>],
        switched: u64,
        variant: u64,
    ) -> Result<Vec<f64>> {
        let rows = values.first().map_or(0, Vec::len);
        let mut opts = RunOptions::new(rows, self.opts.seed);
        opts.ctx = self.opts.ctx.clone();
        opts.ctx.n = rows;
        opts.store_inputs = false;
        opts.row_streams = true;
        for ((node, _), column) in self.fed.iter().zip(values) {
            opts.feeds.push((node.clone(), column.as_slice().into()));
        }
        let mut keys = keys.clone();
        for (p, player) in self.players.iter().enumerate() {
            if switched & (1 << p) != 0 {
                for node in &player.streams {
                    let key = keys.get(node);
                    keys.set(
                        node,
                        key_mix(key ^ Domain::ShapleyVariant.value() ^ variant),
                    );
                }
            }
        }
        opts.keys = Some(keys);
        let store: Vec<bool> = self
            .outputs
            .iter()
            .map(|(k, _)| *k == self.factors.output)
            .collect();
        let mut res = run_selected(self.outputs, &store, &opts)?;
        res.columns
            .pop()
            .map(|(_, v)| v)
            .ok_or_else(|| Error::InvalidArgument("the design stored no output".into()))
    }

    /// The effects from the variance sample and each set's outer costs,
    /// with bootstrap intervals (outer rows and variance rows resampled; for
    /// random orders, the orders).
    fn estimate(&self, y_var: &[f64], costs: &[Vec<f64>]) -> Result<ShapleyEffects> {
        let o = &self.opts;
        let mean = y_var.iter().sum::<f64>() / y_var.len() as f64;
        let variance = sample_variance(y_var.iter().copied());
        if variance.is_nan() || variance <= 0.0 {
            return Err(Error::DoesNotVary {
                what: format!("output '{}'", self.factors.output),
                consequence: "its variance has no shares to give",
            });
        }
        let cost_means: Vec<f64> = costs
            .iter()
            .map(|c| c.iter().sum::<f64>() / c.len() as f64)
            .collect();
        let effects = self.shares(&cost_means, variance, None);
        let mut conf = vec![0.0; effects.len()];
        if o.num_resamples > 0 {
            if !(o.conf_level > 0.0 && o.conf_level < 1.0) {
                return Err(Error::InvalidArgument(format!(
                    "conf_level must be in (0, 1), got {}",
                    o.conf_level
                )));
            }
            let boot_seed = key_mix(o.seed ^ Domain::Bootstrap.value());
            let resamples: Vec<Vec<f64>> = (0..o.num_resamples)
                .into_par_iter()
                .map(|b| {
                    let mut rng = stream_rng(boot_seed, Domain::ShapleyBootstrap.value(), b);
                    let pick = |rng: &mut _, n: usize| index_below(rng, n);
                    let v: Vec<f64> = (0..y_var.len())
                        .map(|_| y_var[pick(&mut rng, y_var.len())])
                        .collect();
                    let variance = sample_variance(v.iter().copied());
                    let outer: Vec<usize> = (0..self.n_outer)
                        .map(|_| pick(&mut rng, self.n_outer))
                        .collect();
                    let means: Vec<f64> = costs
                        .iter()
                        .map(|c| outer.iter().map(|&l| c[l]).sum::<f64>() / outer.len() as f64)
                        .collect();
                    let orders: Option<Vec<usize>> = (!self.orders.is_empty()).then(|| {
                        (0..self.orders.len())
                            .map(|_| pick(&mut rng, self.orders.len()))
                            .collect()
                    });
                    self.shares(&means, variance, orders.as_deref())
                })
                .collect();
            let z = Normal::new(0.0, 1.0)?.ppf(0.5 + o.conf_level / 2.0);
            for (i, c) in conf.iter_mut().enumerate() {
                *c = z * sample_variance(resamples.iter().map(|r| r[i])).sqrt();
            }
        }
        let mut names: Vec<String> = self.players.iter().map(|p| p.name.clone()).collect();
        names.shrink_to_fit();
        Ok(ShapleyEffects {
            output: self.factors.output.clone(),
            names,
            effects,
            conf,
            mean,
            variance,
            permutations: self.orders.len(),
            n_var: o.n,
            n_outer: self.n_outer,
            n_inner: o.n_inner,
            seed: o.seed,
            evaluations: self.evaluations(),
        })
    }

    /// Each player's share of `variance` from the costs of the sets (the
    /// full set's cost is the variance, the empty set's 0). `orders` picks
    /// which random orders to average over (a bootstrap resample).
    fn shares(&self, costs: &[f64], variance: f64, orders: Option<&[usize]>) -> Vec<f64> {
        let d = self.players.len();
        let all = (1u64 << d) - 1;
        let mut phi = vec![0.0; d];
        if self.orders.is_empty() {
            // Exact: phi_i = sum over J without i of |J|! (d-|J|-1)! / d!
            // (c(J + i) - c(J)).
            let cost_of = |set: u64| -> f64 {
                match set {
                    0 => 0.0,
                    s if s == all => variance,
                    s => costs[(s - 1) as usize],
                }
            };
            let weight = |size: usize| -> f64 {
                // |J|! (d - |J| - 1)! / d! = 1 / (d * C(d - 1, |J|)).
                1.0 / (d as f64 * binomial(d - 1, size))
            };
            for (i, p) in phi.iter_mut().enumerate() {
                for set in 0..=all {
                    if set & (1 << i) != 0 {
                        continue;
                    }
                    let size = set.count_ones() as usize;
                    *p += weight(size) * (cost_of(set | 1 << i) - cost_of(set));
                }
            }
        } else {
            let picked: Vec<usize> = match orders {
                Some(o) => o.to_vec(),
                None => (0..self.orders.len()).collect(),
            };
            for &t in &picked {
                let order = &self.orders[t];
                let mut before = 0.0;
                for (j, &player) in order.iter().enumerate() {
                    let now = if j + 1 == d {
                        variance
                    } else {
                        costs[t * (d - 1) + j]
                    };
                    phi[player] += now - before;
                    before = now;
                }
            }
            phi.iter_mut().for_each(|p| *p /= picked.len() as f64);
        }
        phi.into_iter().map(|p| p / variance).collect()
    }
}

/// C(n, k) as a float.
fn binomial(n: usize, k: usize) -> f64 {
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

fn index_below<R: Rng + ?Sized>(rng: &mut R, n: usize) -> usize {
    ((rng.next_u64() as u128 * n as u128) >> 64) as usize
}

/// The unbiased sample variance (two passes).
fn sample_variance(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let (n, sum) = values
        .clone()
        .fold((0usize, 0.0), |(n, s), x| (n + 1, s + x));
    if n < 2 {
        return 0.0;
    }
    let mean = sum / n as f64;
    values.map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64
}

/// `m` random orders of `d` players (Fisher-Yates), from their own stream.
fn random_orders(d: usize, m: usize, seed: u64) -> Vec<Vec<usize>> {
    (0..m)
        .map(|t| {
            let mut rng = stream_rng(seed, Domain::ShapleyOrderDraws.value(), t);
            let mut order: Vec<usize> = (0..d).collect();
            for i in (1..d).rev() {
                order.swap(i, index_below(&mut rng, i + 1));
            }
            order
        })
        .collect()
}

/// Fed inputs (node and law, by position) and their correlation blocks.
type FedInputs = (Vec<(Node, Dist)>, Vec<Block>);

/// The fed inputs (named draws from fixed laws) and the blocks of their
/// normal scores' correlation.
fn fed_inputs(factors: &Factors) -> Result<FedInputs> {
    let mut fed: Vec<(Node, Dist)> = Vec::new();
    let mut blocks: Vec<Block> = Vec::new();
    let mut couplings: Vec<(Arc<crate::dependence::Coupling>, usize)> = Vec::new();
    for f in &factors.inputs {
        let Source::Fixed(dist) = &f.source else {
            continue;
        };
        let position = fed.len();
        fed.push((f.node.clone(), dist.clone()));
        match f.node.member() {
            None => blocks.push(Block {
                members: vec![position],
                corr: Matrix::identity(1),
                coupled: false,
            }),
            Some(m) if m.coupling.method() == Method::ImanConover => {
                return Err(Error::InvalidArgument(format!(
                    "'{}' is correlated by Iman-Conover reordering, which has no exact conditional law; \
                     Shapley effects need it: correlate with method='gaussian-copula'",
                    f.name
                )))
            }
            Some(m) => {
                let at = match couplings.iter().position(|(c, _)| Arc::ptr_eq(c, &m.coupling)) {
                    Some(at) => couplings[at].1,
                    None => {
                        couplings.push((m.coupling.clone(), blocks.len()));
                        blocks.push(Block {
                            members: Vec::new(),
                            corr: Matrix::identity(0),
                            coupled: true,
                        });
                        blocks.len() - 1
                    }
                };
                blocks[at].members.push(position);
            }
        }
    }
    // A coupling's block: the correlation of its members present here.
    for (coupling, at) in &couplings {
        let index: Vec<usize> = blocks[*at]
            .members
            .iter()
            .map(|&p| fed[p].0.member().map_or(0, |m| m.index))
            .collect();
        let full = coupling.normal_corr();
        let rows: Vec<Vec<f64>> = index
            .iter()
            .map(|&i| index.iter().map(|&j| full.at(i, j)).collect())
            .collect();
        blocks[*at].corr = Matrix::from_rows(&rows, "normal_corr")?;
    }
    for node in &factors.noise {
        if let Some(m) = node.member() {
            if factors.inputs.iter().any(|f| {
                f.node
                    .member()
                    .is_some_and(|n| Arc::ptr_eq(&n.coupling, &m.coupling))
            }) {
                return Err(Error::InvalidArgument(format!(
                    "an unnamed draw ({}) is correlated with named inputs; name every correlated input \
                     so that Shapley effects can condition on it",
                    node.label()
                )));
            }
        }
    }
    Ok((fed, blocks))
}

/// The players: groups, inputs alone, then the intrinsic noise.
fn players(
    factors: &Factors,
    fed: &[(Node, Dist)],
    groups: Option<&[(String, Vec<String>)]>,
) -> Result<Vec<Player>> {
    let mut out: Vec<Player> = factors
        .grouped(groups, None)?
        .into_iter()
        .map(|g| {
            let mut player = Player {
                name: g.name,
                fed: Vec::new(),
                streams: Vec::new(),
            };
            for i in g.inputs {
                let node = &factors.inputs[i].node;
                match fed.iter().position(|(n, _)| n == node) {
                    Some(p) => player.fed.push(p),
                    None => player.streams.push(node.clone()),
                }
            }
            player
        })
        .collect();
    if !factors.noise.is_empty() {
        out.push(Player {
            name: INTRINSIC_NOISE.into(),
            fed: Vec::new(),
            streams: factors.noise.clone(),
        });
    }
    Ok(out)
}

/// The lower Cholesky factor of a small covariance (semi-definite allowed:
/// a zero pivot gives a zero column).
fn factor(m: &[Vec<f64>]) -> Vec<Vec<f64>> {
    if m.is_empty() {
        return Vec::new();
    }
    let matrix = Matrix {
        k: m.len(),
        data: m.concat(),
    };
    // Symmetrise and clamp rounding below zero on the diagonal.
    let l = cholesky(&matrix).unwrap_or_else(|| Matrix::identity(0));
    if l.k == 0 {
        return vec![vec![0.0; m.len()]; m.len()];
    }
    l.rows()
}

/// x with L Lᵀ x = b, skipping zero pivots (the semi-definite case: the
/// pseudo-inverse on the range, where b lies).
fn solve_factored(l: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
    let n = b.len();
    let mut y = vec![0.0; n];
    for i in 0..n {
        let s = b[i] - (0..i).map(|p| l[i][p] * y[p]).sum::<f64>();
        y[i] = if l[i][i] > 1e-12 { s / l[i][i] } else { 0.0 };
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let s = y[i] - (i + 1..n).map(|p| l[p][i] * x[p]).sum::<f64>();
        x[i] = if l[i][i] > 1e-12 { s / l[i][i] } else { 0.0 };
    }
    x
}

/// Shapley effects of `output`, normalised to sum to one, with bootstrap
/// confidence half-widths.
///
/// ```
/// use munflow::dist::Normal;
/// use munflow::expr::Node;
/// use munflow::sensitivity::{shapley, ShapleyOptions};
/// let x1 = Node::draw(Normal::new(0.0, 1.0).unwrap().into()).named("x1");
/// let x2 = Node::draw(Normal::new(0.0, 2.0).unwrap().into()).named("x2");
/// let res = shapley(&[("y".into(), x1.add(&x2))], "y", &ShapleyOptions::new(20_000, 1)).unwrap();
/// assert_eq!(res.names, vec!["x1", "x2"]);
/// assert!((res.effects[1] - 0.8).abs() < 0.03); // Var(x2) / Var(y) = 4 / 5
/// ```
pub fn shapley(
    outputs: &[(String, Node)],
    output: &str,
    opts: &ShapleyOptions,
) -> Result<ShapleyEffects> {
    ShapleyPlan::new(outputs, output, opts)?.run()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_weights_average_over_every_order() {
        // Each player's weights over the sets without it sum to one: the
        // fraction of the d! orders in which it joins exactly that set.
        for d in 1..=6usize {
            let total: f64 = (0..d)
                .map(|size| binomial(d - 1, size) / (d as f64 * binomial(d - 1, size)))
                .sum::<f64>()
                * 1.0;
            let by_sets: f64 = (0u64..1 << (d - 1))
                .map(|set| 1.0 / (d as f64 * binomial(d - 1, set.count_ones() as usize)))
                .sum();
            assert!(
                (total - 1.0).abs() < 1e-12 && (by_sets - 1.0).abs() < 1e-12,
                "{d}"
            );
        }
    }

    #[test]
    fn conditional_law_of_a_correlated_pair() {
        // Scores (z1, z2) with correlation 0.6: z2 given z1 has mean 0.6 z1
        // and variance 1 - 0.36.
        let block = Block {
            members: vec![0, 1],
            corr: Matrix::from_rows(&[vec![1.0, 0.6], vec![0.6, 1.0]], "m").unwrap(),
            coupled: true,
        };
        let plan = Conditional::new(&block, &[false, true]);
        assert_eq!((plan.j.clone(), plan.k.clone()), (vec![1], vec![0]));
        assert!((plan.a[0][0] - 0.6).abs() < 1e-12);
        assert!((plan.l_j[0][0] - 0.8).abs() < 1e-12);
    }

    #[test]
    fn random_orders_are_permutations() {
        for order in random_orders(5, 50, 3) {
            let mut sorted = order.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, vec![0, 1, 2, 3, 4]);
        }
    }
}
