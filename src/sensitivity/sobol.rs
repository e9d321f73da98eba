//! Sobol indices of one output: the design, its evaluation and the estimates.

use super::design::{Design, Mix, Sampling};
use super::estimators::{analyze_cancellable, pairs, Evaluations};
use super::factors::{Factors, INTRINSIC_NOISE};
use crate::engine::{chunk_count, RunContext};
use crate::error::{Error, Result};
use crate::expr::Node;
use rayon::prelude::*;

/// The fewest base samples a Saltelli design may have: below this the
/// estimators' spread is of the order of the indices themselves.
pub const MIN_BASE_SAMPLES: usize = 64;

/// Options of [`sobol`].
#[derive(Debug, Clone)]
pub struct SobolOptions {
    /// `ctx.n` is the number of base samples (rows of A and of B); the model
    /// is evaluated n * (groups + 2) times, n * (2 groups + 2) with second order.
    pub ctx: RunContext,
    pub second_order: bool,
    /// Named sets of inputs whose indices are wanted jointly; inputs in no
    /// group keep a row of their own.
    pub groups: Option<Vec<(String, Vec<String>)>>,
    pub sampling: Sampling,
    /// Level of the bootstrap intervals (0.95: `*_conf` are 95% half-widths).
    pub conf_level: f64,
    /// Bootstrap resamples; 0 skips the intervals.
    pub num_resamples: usize,
}

impl SobolOptions {
    /// Defaults: plain Monte Carlo inputs, 95% intervals from 100 resamples.
    pub fn new(n: usize, seed: u64) -> Self {
        SobolOptions {
            ctx: RunContext::new(n, seed),
            second_order: false,
            groups: None,
            sampling: Sampling::MonteCarlo,
            conf_level: 0.95,
            num_resamples: 100,
        }
    }
}

crate::engine::extends_run_context!(SobolOptions);

/// Sobol indices of one output, one row per input (or group), plus
/// "intrinsic noise" when the model has randomness no named input owns.
#[derive(Debug, Clone, PartialEq)]
pub struct SobolIndices {
    pub output: String,
    /// Row names: inputs or groups, then "intrinsic noise" if any.
    pub names: Vec<String>,
    pub s1: Vec<f64>,
    pub s1_conf: Vec<f64>,
    pub st: Vec<f64>,
    pub st_conf: Vec<f64>,
    /// Second-order indices (row j, row k, S2, S2_conf), j < k; empty unless asked.
    pub s2: Vec<(usize, usize, f64, f64)>,
    /// Mean and variance of the output over the base samples.
    pub mean: f64,
    pub variance: f64,
    pub n: usize,
    pub seed: u64,
    /// Model evaluations made.
    pub evaluations: usize,
}

/// A set of sources switched together: one row of the table.
#[derive(Debug, Clone)]
struct Unit {
    name: String,
    inputs: Vec<usize>,
    noise: bool,
}

/// A validated Sobol analysis, ready to run.
pub struct SobolPlan<'a> {
    outputs: &'a [(String, Node)],
    factors: Factors,
    units: Vec<Unit>,
    opts: SobolOptions,
}

impl<'a> SobolPlan<'a> {
    /// Checks the options and finds the output's inputs.
    pub fn new(
        outputs: &'a [(String, Node)],
        output: &str,
        opts: &SobolOptions,
    ) -> Result<SobolPlan<'a>> {
        if opts.n < MIN_BASE_SAMPLES {
            return Err(Error::InvalidArgument(format!(
                "n must be >= {MIN_BASE_SAMPLES} for Sobol indices (the estimates' error is about 1/sqrt(n)), got {}",
                opts.n
            )));
        }
        if opts.threads == Some(0) {
            return Err(Error::InvalidArgument("threads must be >= 1, got 0".into()));
        }
        let factors = Factors::of(outputs, output)?;
        factors.require_randomness()?;
        let units = units(&factors, opts.groups.as_deref())?;
        check_dependence(&factors, &units)?;
        Ok(SobolPlan {
            outputs,
            factors,
            units,
            opts: opts.clone(),
        })
    }

    /// Number of evaluated matrices (engine runs).
    pub fn matrices(&self) -> usize {
        let m = self.units.len();
        2 + m + if self.opts.second_order { m } else { 0 }
    }

    /// Model evaluations the analysis makes.
    pub fn evaluations(&self) -> usize {
        self.matrices() * self.opts.n
    }

    /// Chunks the engine will evaluate, for progress bars.
    pub fn chunks(&self) -> usize {
        self.matrices() * chunk_count(self.opts.n)
    }

    /// Evaluates the design and estimates the indices.
    pub fn run(self) -> Result<SobolIndices> {
        self.opts.install(|| self.execute())
    }

    fn execute(&self) -> Result<SobolIndices> {
        let outs = self.evaluate(0..chunk_count(self.opts.n))?;
        self.estimate(outs)
    }

    /// The mixtures of A and B the design evaluates, one per matrix: A, B,
    /// then each unit taken from B into A (and from A into B for second
    /// order).
    fn mixes(&self) -> Vec<Mix> {
        let k = self.factors.inputs.len();
        let uniform = |from_b: bool| Mix {
            inputs_from_b: vec![from_b; k],
            noise_from_b: from_b,
        };
        // One unit's sources taken from the other side.
        let swap = |base: bool, unit: &Unit| {
            let mut mix = uniform(base);
            for &i in &unit.inputs {
                mix.inputs_from_b[i] = !base;
            }
            if unit.noise {
                mix.noise_from_b = !base;
            }
            mix
        };
        let mut mixes = vec![uniform(false), uniform(true)];
        mixes.extend(self.units.iter().map(|u| swap(false, u)));
        if self.opts.second_order {
            mixes.extend(self.units.iter().map(|u| swap(true, u)));
        }
        mixes
    }

    /// The output on the rows of `chunks` of every matrix of the design (in
    /// the order of [`matrices`](Self::matrices)): those rows of a whole
    /// evaluation, so a distributed analysis concatenates ranges evaluated
    /// elsewhere and [`estimate`](Self::estimate)s from them.
    pub fn evaluate(&self, chunks: std::ops::Range<usize>) -> Result<Vec<Vec<f64>>> {
        let o = &self.opts;
        let design = Design::new(self.outputs, &self.factors, o.sampling, &o.ctx, chunks)?;
        self.mixes()
            .par_iter()
            .map(|mix| design.evaluate(mix))
            .collect::<Result<_>>()
    }

    /// The indices from every matrix's output over all n rows.
    pub fn estimate(&self, mut outs: Vec<Vec<f64>>) -> Result<SobolIndices> {
        let o = &self.opts;
        if outs.len() != self.matrices() || outs.iter().any(|v| v.len() != o.n) {
            return Err(Error::InvalidArgument(format!(
                "a Sobol estimate needs {} evaluated matrices of {} rows",
                self.matrices(),
                o.n
            )));
        }
        let m = self.units.len();
        let ba = if o.second_order {
            outs.split_off(2 + m)
        } else {
            Vec::new()
        };
        let ab = outs.split_off(2);
        let b = outs.pop().unwrap_or_default();
        let a = outs.pop().unwrap_or_default();
        let ev = Evaluations { a, b, ab, ba };
        let boot_seed = crate::stream::key_mix(o.seed ^ crate::stream::Domain::Bootstrap.value());
        let cancel = o.cancel.as_deref();
        let res = analyze_cancellable(&ev, o.conf_level, o.num_resamples, boot_seed, cancel)
            .map_err(|e| match e {
                Error::DoesNotVary { consequence, .. } => Error::DoesNotVary {
                    what: format!("output '{}'", self.factors.output),
                    consequence,
                },
                e => e,
            })?;
        let s2 = if o.second_order {
            pairs(m)
                .into_iter()
                .zip(res.estimates.s2.iter().zip(&res.s2_conf))
                .map(|((j, k), (&s, &c))| (j, k, s, c))
                .collect()
        } else {
            Vec::new()
        };
        Ok(SobolIndices {
            output: self.factors.output.clone(),
            names: self.units.iter().map(|u| u.name.clone()).collect(),
            s1: res.estimates.s1,
            s1_conf: res.s1_conf,
            st: res.estimates.st,
            st_conf: res.st_conf,
            s2,
            mean: res.mean,
            variance: res.variance,
            n: o.n,
            seed: o.seed,
            evaluations: self.evaluations(),
        })
    }
}

/// The rows of the table: groups (or single inputs), then the noise.
fn units(factors: &Factors, groups: Option<&[(String, Vec<String>)]>) -> Result<Vec<Unit>> {
    let mut units: Vec<Unit> = factors
        .grouped(groups, None)?
        .into_iter()
        .map(|g| Unit {
            name: g.name,
            inputs: g.inputs,
            noise: false,
        })
        .collect();
    if !factors.noise.is_empty() {
        units.push(Unit {
            name: INTRINSIC_NOISE.into(),
            inputs: vec![],
            noise: true,
        });
    }
    Ok(units)
}

/// Sobol indices assume independent rows: correlated inputs (see
/// [`crate::dependence`]) must all be in one row (a group), where the design
/// draws them jointly; otherwise the indices would mislead, and the error
/// says what to do instead.
fn check_dependence(factors: &Factors, units: &[Unit]) -> Result<()> {
    let row_of = |node: &Node| -> Option<usize> {
        match factors.inputs.iter().position(|f| &f.node == node) {
            Some(i) => units.iter().position(|u| u.inputs.contains(&i)),
            None => units.iter().position(|u| u.noise),
        }
    };
    let members: Vec<&Node> = factors
        .inputs
        .iter()
        .map(|f| &f.node)
        .chain(&factors.noise)
        .filter(|n| n.member().is_some())
        .collect();
    for (i, a) in members.iter().enumerate() {
        for b in &members[..i] {
            let (ma, mb) = (a.member(), b.member());
            let same = matches!((ma, mb), (Some(x), Some(y)) if std::sync::Arc::ptr_eq(&x.coupling, &y.coupling));
            if same && row_of(a) != row_of(b) {
                let name = |n: &Node| {
                    n.name().map_or_else(
                        || format!("an unnamed draw ({})", n.label()),
                        |s| format!("'{s}'"),
                    )
                };
                let together = ma.map_or_else(String::new, |m| {
                    let labels: Vec<String> = m
                        .coupling
                        .labels()
                        .iter()
                        .map(|l| format!("'{l}'"))
                        .collect();
                    labels.join(", ")
                });
                return Err(Error::InvalidArgument(format!(
                    "{} and {} are drawn jointly (one correlate call), and Sobol indices assume \
                     independent inputs: they would mislead. Put the inputs of that call in one \
                     group (groups={{\"<name>\": [{together}]}}), or use Shapley effects (shapley, \
                     with method='gaussian-copula'), which share the variance fairly under dependence",
                    name(b),
                    name(a)
                )));
            }
        }
    }
    Ok(())
}

/// Sobol first- and total-order indices (optionally second order) of `output`,
/// with bootstrap confidence half-widths.
///
/// ```
/// use munflow::dist::Normal;
/// use munflow::expr::Node;
/// use munflow::sensitivity::{sobol, SobolOptions};
/// let x1 = Node::draw(Normal::new(0.0, 1.0).unwrap().into()).named("x1");
/// let x2 = Node::draw(Normal::new(0.0, 2.0).unwrap().into()).named("x2");
/// let y = x1.add(&x2);
/// let res = sobol(&[("y".into(), y)], "y", &SobolOptions::new(1 << 16, 1)).unwrap();
/// assert_eq!(res.names, vec!["x1", "x2"]);
/// assert!((res.s1[1] - 0.8).abs() < 0.02); // Var(x2) / Var(y) = 4 / 5
/// ```
pub fn sobol(
    outputs: &[(String, Node)],
    output: &str,
    opts: &SobolOptions,
) -> Result<SobolIndices> {
    SobolPlan::new(outputs, output, opts)?.run()
}
