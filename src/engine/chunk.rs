//! Evaluating one chunk of a plan: each step fills its buffer column-wise.

use super::plan::{Operand, Plan, Step};
use crate::dist::Sample;
use crate::error::{Error, Result};
use crate::expr::Op;
use crate::stream::{row_rng, stream_rng, CHUNK};

/// Steps between two checks for Ctrl-C within a chunk (a step is a few
/// microseconds to a millisecond).
const CANCEL_EVERY: usize = 256;

impl Plan {
    /// [`Error::Interrupted`] once the run has been asked to stop.
    fn check_cancelled(&self) -> Result<()> {
        match &self.cancel {
            Some(c) if c.load(std::sync::atomic::Ordering::Relaxed) => Err(Error::Interrupted),
            _ => Ok(()),
        }
    }

    /// Evaluates chunk `c` into the workspace and copies stored steps into `outs`.
    pub(super) fn eval_chunk(
        &self,
        c: usize,
        ws: &mut [Vec<f64>],
        outs: &mut [&mut [f64]],
    ) -> Result<()> {
        let start = c * CHUNK;
        let len = CHUNK.min(self.n - start);
        self.fill_coupling_scores(c, len, ws);
        for (i, step) in self.steps.iter().enumerate() {
            if i % CANCEL_EVERY == CANCEL_EVERY - 1 {
                self.check_cancelled()?;
            }
            let mut buf = std::mem::take(&mut ws[step.slot]);
            let result = self.eval_step(step, c, start, &mut buf[..len], ws);
            ws[step.slot] = buf;
            result?;
            let values = &ws[step.slot][..len];
            if !self.allow_nan && !all_finite(values) {
                let i = values.iter().position(|x| !x.is_finite()).unwrap_or(0);
                return Err(Error::NonFinite {
                    node: step.node.clone(),
                    value: values[i],
                    row: start + i,
                    blame: Default::default(),
                });
            }
            for &j in &step.stored_as {
                outs[j].copy_from_slice(values);
            }
        }
        Ok(())
    }

    /// Evaluates the chunk holding `row` again, step by step, keeping every
    /// step's value in that row (by node id) until a step fails. Streams are
    /// keyed by chunk, so this replays exactly what the run computed.
    pub(super) fn replay_row(&self, row: usize) -> Vec<(usize, f64)> {
        let c = row / CHUNK;
        let start = c * CHUNK;
        if start >= self.n {
            return Vec::new();
        }
        let len = CHUNK.min(self.n - start);
        let mut ws = self.workspace();
        self.fill_coupling_scores(c, len, &mut ws);
        let mut values = Vec::with_capacity(self.steps.len());
        for (i, step) in self.steps.iter().enumerate() {
            let mut buf = std::mem::take(&mut ws[step.slot]);
            let result = self.eval_step(step, c, start, &mut buf[..len], &ws);
            ws[step.slot] = buf;
            if result.is_err() {
                break;
            }
            values.push((i, ws[step.slot][row - start]));
        }
        values
    }

    fn eval_step(
        &self,
        step: &Step,
        c: usize,
        start: usize,
        out: &mut [f64],
        ws: &[Vec<f64>],
    ) -> Result<()> {
        let len = out.len();
        if let Some(values) = &step.fed {
            let from = start - self.feed_start;
            out.copy_from_slice(&values[from..from + len]);
            return Ok(());
        }
        if let Some(rule) = &step.rule {
            return self.eval_conditioned(step, rule, c, start, out, ws);
        }
        if let Some(z) = &step.latent {
            return self.eval_scores(step, &z[start..start + len], start, out, ws);
        }
        match step.node.op() {
            Op::Const(v) => out.fill(*v),
            Op::Draw(dist) => match step.scores {
                // Gaussian copula: the quantiles at the coupling's scores.
                Some(slot) if is_copula(step) => {
                    let z = &ws[slot][..len];
                    match &step.grid {
                        Some(grid) => out
                            .iter_mut()
                            .zip(z)
                            .for_each(|(o, &z)| *o = grid.value(dist, z)),
                        None => out
                            .iter_mut()
                            .zip(z)
                            .for_each(|(o, &z)| *o = dist.from_normal_score(z)),
                    }
                }
                // Iman-Conover: the independent draws, in the scores' rank order.
                Some(slot) => {
                    let mut rng = stream_rng(self.seed, step.key, c);
                    dist.fill(&mut rng, out);
                    crate::dependence::reorder(out, &ws[slot][..len]);
                }
                None => {
                    let mut rng = stream_rng(self.seed, step.key, c);
                    dist.fill(&mut rng, out);
                }
            },
            Op::Compound { family, .. } if self.row_streams => {
                let mut params = [0.0f64; 4];
                let params = &mut params[..step.args.len()];
                for (i, o) in out.iter_mut().enumerate() {
                    for (p, arg) in params.iter_mut().zip(&step.args) {
                        *p = match *arg {
                            Operand::Slot(slot) => ws[slot][i],
                            Operand::Scalar(v) => v,
                        };
                    }
                    let mut rng = row_rng(self.seed, step.key, start + i);
                    *o = family
                        .sample_once(params, &mut rng)
                        .map_err(|e| invalid_draw(step, start + i, e))?;
                }
            }
            Op::Compound { family, .. } => {
                // Constant parameters as columns, so each family has one loop.
                let constants: Vec<Vec<f64>> = step
                    .args
                    .iter()
                    .filter_map(|arg| match *arg {
                        Operand::Scalar(v) => Some(vec![v; len]),
                        Operand::Slot(_) => None,
                    })
                    .collect();
                let mut constants = constants.iter();
                let params: Vec<&[f64]> = step
                    .args
                    .iter()
                    .map(|arg| match *arg {
                        Operand::Slot(slot) => &ws[slot][..len],
                        Operand::Scalar(_) => constants.next().map_or(&[][..], |c| &c[..]),
                    })
                    .collect();
                let mut rng = stream_rng(self.seed, step.key, c);
                family
                    .fill(&params, &mut rng, out)
                    .map_err(|(i, e)| invalid_draw(step, start + i, e))?;
            }
            Op::Unary(op, _) => match step.args[0] {
                Operand::Slot(a) => op.apply_slice(&ws[a][..len], out),
                Operand::Scalar(v) => out.fill(op.apply(v)),
            },
            Op::Where { .. } => {
                let value = |operand: Operand, i: usize| match operand {
                    Operand::Slot(slot) => ws[slot][i],
                    Operand::Scalar(v) => v,
                };
                let (cond, then, otherwise) = (step.args[0], step.args[1], step.args[2]);
                for (i, o) in out.iter_mut().enumerate() {
                    let c = value(cond, i);
                    *o = if c.is_nan() {
                        f64::NAN
                    } else if c != 0.0 {
                        value(then, i)
                    } else {
                        value(otherwise, i)
                    };
                }
            }
            Op::Binary(op, _, _) => match (step.args[0], step.args[1]) {
                (Operand::Slot(a), Operand::Slot(b)) => {
                    op.apply_slice(&ws[a][..len], &ws[b][..len], out)
                }
                (Operand::Slot(a), Operand::Scalar(b)) => {
                    op.apply_scalar_right(&ws[a][..len], b, out)
                }
                (Operand::Scalar(a), Operand::Slot(b)) => {
                    op.apply_scalar_left(a, &ws[b][..len], out)
                }
                (Operand::Scalar(a), Operand::Scalar(b)) => out.fill(op.apply(a, b)),
            },
        }
        Ok(())
    }
}

impl Plan {
    /// A random node set by normal scores: each row's value is the quantile
    /// of its law at Φ(z), the law's parameters read from the row for a
    /// compound draw.
    fn eval_scores(
        &self,
        step: &Step,
        z: &[f64],
        start: usize,
        out: &mut [f64],
        ws: &[Vec<f64>],
    ) -> Result<()> {
        match step.node.op() {
            Op::Draw(dist) => match &step.grid {
                Some(grid) => {
                    for (o, &z) in out.iter_mut().zip(z) {
                        *o = grid.value(dist, z);
                    }
                }
                None => {
                    for (o, &z) in out.iter_mut().zip(z) {
                        *o = dist.from_normal_score(z);
                    }
                }
            },
            Op::Compound { family, .. } => {
                let mut params = [0.0f64; 4];
                let params = &mut params[..step.args.len()];
                for (i, (o, &z)) in out.iter_mut().zip(z).enumerate() {
                    for (p, arg) in params.iter_mut().zip(&step.args) {
                        *p = match *arg {
                            Operand::Slot(slot) => ws[slot][i],
                            Operand::Scalar(v) => v,
                        };
                    }
                    let law = family
                        .build(params)
                        .map_err(|e| invalid_draw(step, start + i, e))?;
                    *o = law.from_normal_score(z);
                }
            }
            // Plan::build gives scores to random nodes only.
            _ => {
                return Err(Error::InvalidArgument(format!(
                    "normal scores given for '{}', which draws nothing",
                    step.node.label()
                )))
            }
        }
        Ok(())
    }
}

impl Plan {
    /// Each coupling's scores for chunk `c`, into its workspace slots.
    fn fill_coupling_scores(&self, c: usize, len: usize, ws: &mut [Vec<f64>]) {
        for planned in &self.couplings {
            let mut columns: Vec<Vec<f64>> = planned
                .slots
                .iter()
                .map(|&s| std::mem::take(&mut ws[s]))
                .collect();
            planned
                .coupling
                .fill_scores(self.seed, planned.key, c, len, &mut columns);
            for (&s, column) in planned.slots.iter().zip(columns) {
                ws[s] = column;
            }
        }
    }
}

fn is_copula(step: &Step) -> bool {
    step.node
        .member()
        .is_some_and(|m| m.coupling.method() == crate::dependence::Method::GaussianCopula)
}

pub(super) fn invalid_draw(step: &Step, row: usize, source: Error) -> Error {
    Error::InvalidDraw {
        node: step.node.clone(),
        row,
        source: Box::new(source),
        blame: Default::default(),
    }
}

/// Whether every value is finite, by testing exponent bits: branch-free, so
/// it vectorises (an early-exit search would not). Runs after every step.
fn all_finite(values: &[f64]) -> bool {
    const EXPONENT: u64 = 0x7ff0_0000_0000_0000;
    // A value is non-finite exactly when all its exponent bits are set.
    let mut non_finite = 0u64;
    for x in values {
        non_finite |= ((x.to_bits() & EXPONENT) == EXPONENT) as u64;
    }
    non_finite == 0
}

#[cfg(test)]
mod tests {
    use super::all_finite;

    #[test]
    fn all_finite_spots_nan_and_infinities() {
        let mut v = vec![1.0, -2.5, 0.0, f64::MAX, f64::MIN_POSITIVE, 5e-324];
        assert!(all_finite(&v));
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            v[3] = bad;
            assert!(!all_finite(&v), "{bad}");
        }
    }
}
