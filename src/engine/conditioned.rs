//! Draws conditioned on an exact observation of them: an observed count
//! takes its observed value (or, for a range, a value drawn from its law
//! restricted to the range), so that everything downstream reads it. The
//! observation's likelihood integrates the draw out (see
//! `crate::evidence::exact`); these rules give the draw its value.

use super::chunk::invalid_draw;
use super::plan::{Operand, Plan, Step};
use super::stream_rng;
use crate::dist::CountLaw;
use crate::error::Result;
use crate::expr::Node;

/// How a conditioned draw takes its value.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// The observed count itself.
    Exact(f64),
    /// A draw of `family` (its parameters: the nodes read) restricted to
    /// [lower, upper].
    Between {
        family: &'static str,
        lower: f64,
        upper: f64,
    },
    /// A Poisson draw in a sum observed exactly, given what the sum leaves
    /// to it and the draws after it: binomial(remaining, rate / rates), the
    /// nodes read being its rate, the count remaining and the rates of the
    /// draws remaining (its own included). Drawn in turn, the shares of a
    /// Poisson sum given its total are multinomial, as they should be.
    Share,
}

/// A draw conditioned on an observation: its rule and the nodes it reads
/// (in place of its parameters).
#[derive(Debug, Clone)]
pub struct Conditioned {
    pub rule: Rule,
    pub reads: Vec<Node>,
}

impl Plan {
    /// A conditioned draw's values for one chunk. Its randomness (ranges and
    /// shares) is one uniform per row: Φ of its normal score when tempering
    /// moves it, else the chunk's stream (one number a row, so a row's
    /// value does not depend on the rows before it).
    pub(super) fn eval_conditioned(
        &self,
        step: &Step,
        rule: &Rule,
        c: usize,
        start: usize,
        out: &mut [f64],
        ws: &[Vec<f64>],
    ) -> Result<()> {
        let len = out.len();
        let arg = |j: usize, i: usize| match step.args[j] {
            Operand::Slot(slot) => ws[slot][i],
            Operand::Scalar(v) => v,
        };
        let scores = step.latent.as_ref().map(|z| &z[start..start + len]);
        let mut rng = stream_rng(self.seed, step.key, c);
        let mut uniform = |i: usize| -> f64 {
            match scores {
                Some(z) => crate::dist::std_normal_cdf(z[i]),
                None => crate::dist::primitives::uniform01(&mut rng),
            }
        };
        match rule {
            Rule::Exact(k) => out.fill(*k),
            Rule::Between {
                family,
                lower,
                upper,
            } => {
                let mut params = [0.0f64; 4];
                let params = &mut params[..step.args.len().min(4)];
                for (i, o) in out.iter_mut().enumerate() {
                    for (j, p) in params.iter_mut().enumerate() {
                        *p = arg(j, i);
                    }
                    let u = uniform(i);
                    let law = CountLaw::new(family, params)
                        .map_err(|e| invalid_draw(step, start + i, e))?;
                    *o = law.value_between(*lower, *upper, u);
                }
            }
            Rule::Share => {
                for (i, o) in out.iter_mut().enumerate() {
                    let (rate, remaining, rates) = (arg(0, i), arg(1, i), arg(2, i));
                    let u = uniform(i);
                    *o = if remaining <= 0.0 || rate >= rates {
                        remaining.max(0.0)
                    } else if rate <= 0.0 {
                        0.0
                    } else {
                        let p = rate / rates;
                        match scores {
                            Some(_) => CountLaw::Binomial { n: remaining, p }
                                .value_between(0.0, remaining, u),
                            // A sampler takes a varying count of random
                            // numbers: each row its own generator.
                            None => crate::dist::Binomial::sampler(remaining, p)
                                .map_err(|e| invalid_draw(step, start + i, e))?
                                .sample(&mut super::row_rng(self.seed, step.key, start + i)),
                        }
                    };
                }
            }
        }
        Ok(())
    }
}
