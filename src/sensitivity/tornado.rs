//! Tornado: the output's median (or another statistic) with one input held
//! low and then high while everything else varies.

use super::factors::{Factors, Group, Source};
use crate::dist::Quantile;
use crate::engine::{chunk_count, run_selected, RunContext, RunOptions};
use crate::error::{Error, Result};
use crate::expr::{Node, StreamKeys};
use crate::stats::quantiles;
use rayon::prelude::*;
use std::sync::Arc;

/// What a tornado reports of the output's distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Statistic {
    Mean,
    /// The quantile at a level in [0, 1]; 0.5 is the median.
    Quantile(f64),
}

impl Statistic {
    fn of(self, values: &[f64]) -> f64 {
        match self {
            Statistic::Mean => values.iter().sum::<f64>() / values.len() as f64,
            Statistic::Quantile(q) => quantiles(values, &[q])[0],
        }
    }
}

/// Options of [`tornado`].
#[derive(Debug, Clone)]
pub struct TornadoOptions {
    /// Samples of each run, seed (the same in every run), threads...
    pub ctx: RunContext,
    /// Quantile levels at which each input is held (default 0.1 and 0.9).
    pub low: f64,
    pub high: f64,
    pub statistic: Statistic,
    /// The inputs to swing (default: every random named input).
    pub inputs: Option<Vec<String>>,
    /// Inputs swung together, by group name: each group is one bar, with all
    /// its members held at their low levels, then all at their high ones.
    pub groups: Option<Vec<(String, Vec<String>)>>,
}

impl TornadoOptions {
    pub fn new(n: usize, seed: u64) -> Self {
        TornadoOptions {
            ctx: RunContext::new(n, seed),
            low: 0.1,
            high: 0.9,
            statistic: Statistic::Quantile(0.5),
            inputs: None,
            groups: None,
        }
    }
}

crate::engine::extends_run_context!(TornadoOptions);

/// One bar of the tornado.
#[derive(Debug, Clone, PartialEq)]
pub struct TornadoBar {
    pub name: String,
    /// The input's values at the low and high levels (NaN for a group).
    pub input_low: f64,
    pub input_high: f64,
    /// The statistic of the output with the input held at each.
    pub output_low: f64,
    pub output_high: f64,
    /// |output_high - output_low|.
    pub swing: f64,
}

/// A tornado: bars sorted by swing, widest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Tornado {
    pub output: String,
    /// The statistic with every input varying.
    pub base: f64,
    pub bars: Vec<TornadoBar>,
    pub n: usize,
    pub seed: u64,
}

/// Chunks [`tornado`] evaluates, for progress bars.
pub fn tornado_chunks(inputs: usize, n: usize) -> usize {
    (1 + 2 * inputs) * chunk_count(n)
}

/// The output's statistic with each input held at its `low` and `high`
/// quantiles while all other inputs vary.
///
/// Every run uses the same seed and row streams, so all other inputs and the
/// intrinsic noise take the same values in each (common random numbers): the
/// differences between bars are the inputs' effects, not sampling noise.
/// A fixed input is held at quantiles of its distribution; a conditional one
/// (whose distribution depends on other nodes) at quantiles of its sampled
/// values in a run with everything varying, and is cut from its parents
/// while held: the bar answers "what if we learned it was this low, or high".
///
/// ```
/// use munflow::dist::Uniform;
/// use munflow::expr::Node;
/// use munflow::sensitivity::{tornado, TornadoOptions};
/// let x1 = Node::draw(Uniform::new(0.0, 1.0).unwrap().into()).named("x1");
/// let x2 = Node::draw(Uniform::new(0.0, 10.0).unwrap().into()).named("x2");
/// let y = x1.add(&x2);
/// let t = tornado(&[("y".into(), y)], "y", &TornadoOptions::new(10_000, 1)).unwrap();
/// assert_eq!(t.bars[0].name, "x2"); // the widest swing first
/// assert!((t.bars[0].swing - 8.0).abs() < 0.2);
/// ```
pub fn tornado(outputs: &[(String, Node)], output: &str, opts: &TornadoOptions) -> Result<Tornado> {
    if opts.n < 100 {
        return Err(Error::InvalidArgument(format!(
            "n must be >= 100 for a tornado, got {}",
            opts.n
        )));
    }
    for (what, q) in [("low", opts.low), ("high", opts.high)] {
        if !(q > 0.0 && q < 1.0) {
            return Err(Error::InvalidArgument(format!(
                "{what} must be a quantile level in (0, 1), got {q}"
            )));
        }
    }
    if opts.low >= opts.high {
        return Err(Error::InvalidArgument(format!(
            "low must be < high, got {} and {}",
            opts.low, opts.high
        )));
    }
    if let Statistic::Quantile(q) = opts.statistic {
        if !(0.0..=1.0).contains(&q) {
            return Err(Error::InvalidArgument(format!(
                "the statistic's quantile must be in [0, 1], got {q}"
            )));
        }
    }
    let factors = Factors::of(outputs, output)?;
    let chosen = factors.select(opts.inputs.as_deref())?;
    let rows = factors.grouped(opts.groups.as_deref(), Some(&chosen))?;
    if rows.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "output '{output}' has no random named inputs to swing"
        )));
    }
    opts.install(|| run_tornado(outputs, &factors, &rows, opts))
}

fn run_tornado(
    outputs: &[(String, Node)],
    factors: &Factors,
    rows: &[Group],
    opts: &TornadoOptions,
) -> Result<Tornado> {
    let roots: Vec<Node> = outputs.iter().map(|(_, n)| n.clone()).collect();
    let mut keys = StreamKeys::new();
    keys.assign(&roots);
    let only_output: Vec<bool> = outputs.iter().map(|(k, _)| *k == factors.output).collect();
    let mut base_opts = RunOptions::new(opts.n, opts.seed);
    base_opts.ctx = opts.ctx.clone();
    base_opts.row_streams = true;
    base_opts.keys = Some(keys);
    base_opts.store_inputs = false;

    // The base run also stores the conditional inputs, whose levels are
    // quantiles of their sampled values.
    let base = {
        let mut o = base_opts.clone();
        o.store_inputs = rows
            .iter()
            .flat_map(|g| &g.inputs)
            .any(|&i| matches!(factors.inputs[i].source, Source::Conditional));
        run_selected(outputs, &only_output, &o)?
    };
    let column = |name: &str| {
        base.column(name)
            .ok_or_else(|| Error::InvalidArgument(format!("the base run stored no '{name}'")))
    };
    let base_stat = opts.statistic.of(column(&factors.output)?);
    // (input, low, high) for every member of every row.
    let mut levels: Vec<Vec<(usize, f64, f64)>> = Vec::with_capacity(rows.len());
    for row in rows {
        let mut held = Vec::with_capacity(row.inputs.len());
        for &i in &row.inputs {
            let f = &factors.inputs[i];
            let (lo, hi) = match &f.source {
                Source::Fixed(d) => (d.ppf(opts.low), d.ppf(opts.high)),
                Source::Conditional => {
                    let q = quantiles(column(&f.name)?, &[opts.low, opts.high]);
                    (q[0], q[1])
                }
            };
            held.push((i, lo, hi));
        }
        levels.push(held);
    }
    let runs: Vec<(usize, bool)> = (0..rows.len())
        .flat_map(|r| [(r, false), (r, true)])
        .collect();
    let stats: Vec<f64> = runs
        .par_iter()
        .map(|&(r, high)| {
            let mut o = base_opts.clone();
            for &(i, lo, hi) in &levels[r] {
                let value = if high { hi } else { lo };
                let held: Arc<[f64]> = vec![value; opts.n].into();
                o.feeds.push((factors.inputs[i].node.clone(), held));
            }
            let res = run_selected(outputs, &only_output, &o)?;
            Ok(opts.statistic.of(column_of(&res, &factors.output)?))
        })
        .collect::<Result<_>>()?;
    let mut bars: Vec<TornadoBar> = rows
        .iter()
        .zip(&levels)
        .zip(stats.chunks(2))
        .map(|((row, held), s)| {
            let (input_low, input_high) = match held.as_slice() {
                [(_, lo, hi)] => (*lo, *hi),
                _ => (f64::NAN, f64::NAN),
            };
            TornadoBar {
                name: row.name.clone(),
                input_low,
                input_high,
                output_low: s[0],
                output_high: s[1],
                swing: (s[1] - s[0]).abs(),
            }
        })
        .collect();
    // Stable: equal swings keep the model's order.
    bars.sort_by(|a, b| b.swing.total_cmp(&a.swing));
    Ok(Tornado {
        output: factors.output.clone(),
        base: base_stat,
        bars,
        n: opts.n,
        seed: opts.seed,
    })
}

fn column_of<'r>(res: &'r crate::engine::RunResult, name: &str) -> Result<&'r [f64]> {
    res.column(name)
        .ok_or_else(|| Error::InvalidArgument(format!("the run stored no '{name}'")))
}
