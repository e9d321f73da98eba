//! Evaluating one chunk of a plan: each step fills its buffer column-wise.

use super::plan::{Plan, Step};
use super::{row_rng, stream_rng, CHUNK};
use crate::dist::Sample;
use crate::error::{Error, Result};
use crate::expr::Op;

impl Plan {
    /// Evaluates chunk `c` into the workspace and copies stored steps into `outs`.
    pub(super) fn eval_chunk(
        &self,
        c: usize,
        ws: &mut [Vec<f64>],
        outs: &mut [&mut [f64]],
    ) -> Result<()> {
        let start = c * CHUNK;
        let len = CHUNK.min(self.n - start);
        for step in &self.steps {
            let mut buf = std::mem::take(&mut ws[step.slot]);
            let result = self.eval_step(step, c, start, &mut buf[..len], ws);
            ws[step.slot] = buf;
            result?;
            let values = &ws[step.slot][..len];
            if !self.allow_nan {
                if let Some(i) = values.iter().position(|x| !x.is_finite()) {
                    return Err(Error::NonFinite {
                        node: step.label.clone(),
                        value: values[i],
                        row: start + i,
                    });
                }
            }
            for &j in &step.stored_as {
                outs[j].copy_from_slice(values);
            }
        }
        Ok(())
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
            out.copy_from_slice(&values[start..start + len]);
            return Ok(());
        }
        match step.node.op() {
            Op::Const(v) => out.fill(*v),
            Op::Draw(dist) => {
                let mut rng = stream_rng(self.seed, step.key, c);
                dist.fill(&mut rng, out);
            }
            Op::Compound { family, .. } => {
                let mut rng = stream_rng(self.seed, step.key, c);
                let mut params = [0.0f64; 4];
                let arity = step.args.len();
                for (i, o) in out.iter_mut().enumerate() {
                    for (p, &slot) in params.iter_mut().zip(&step.args) {
                        *p = ws[slot][i];
                    }
                    let dist = family
                        .build(&params[..arity])
                        .map_err(|e| Error::InvalidDraw {
                            node: step.label.clone(),
                            row: start + i,
                            source: Box::new(e),
                        })?;
                    *o = if self.row_streams {
                        dist.sample(&mut row_rng(self.seed, step.key, start + i))
                    } else {
                        dist.sample(&mut rng)
                    };
                }
            }
            Op::Unary(op, _) => op.apply_slice(&ws[step.args[0]][..len], out),
            Op::Binary(op, _, _) => {
                op.apply_slice(&ws[step.args[0]][..len], &ws[step.args[1]][..len], out)
            }
        }
        Ok(())
    }
}
