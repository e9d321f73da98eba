//! Explaining a model error: which sample failed, and what drove it there.
//!
//! When a run fails (a NaN or infinity, or a draw given an invalid parameter
//! by another node) the failing sample is replayed (streams are keyed by
//! chunk, so the replay computes exactly what the run did) and the failure is
//! traced back through the graph: from a draw, along the parameter it
//! rejected; from anything else, along the argument of largest magnitude,
//! which is the one that overflowed a product or a sum (a NaN or infinity
//! counts as largest). The chain ends at a node with no evaluated arguments:
//! an input, usually. Scenarios map the names on the chain to fields of the
//! file, so an analyst reads which assumption to fix.

use super::Plan;
use crate::error::{Blame, Error};
use crate::expr::{Node, Op};
use std::collections::HashMap;

impl Plan {
    /// `err` with its [`Blame`] filled in, if it is a model error.
    pub(super) fn explain(&self, err: Error) -> Error {
        match err {
            Error::NonFinite {
                node, value, row, ..
            } => {
                let blame = self.blame(&node, row, None);
                Error::NonFinite {
                    node,
                    value,
                    row,
                    blame,
                }
            }
            Error::InvalidDraw {
                node, row, source, ..
            } => {
                let rejected = match (node.op(), source.as_ref()) {
                    (Op::Compound { family, .. }, Error::InvalidParameter { param, .. }) => {
                        family.params().iter().position(|p| p.name == *param)
                    }
                    _ => None,
                };
                let blame = self.blame(&node, row, rejected);
                Error::InvalidDraw {
                    node,
                    row,
                    source,
                    blame,
                }
            }
            other => other,
        }
    }

    fn blame(&self, failed: &Node, row: usize, rejected: Option<usize>) -> Blame {
        let replayed = self.replay_row(row);
        let value: HashMap<u64, f64> = replayed
            .iter()
            .map(|&(i, v)| (self.steps[i].node.id(), v))
            .collect();
        let mut chain = vec![(
            failed.clone(),
            value.get(&failed.id()).copied().unwrap_or(f64::NAN),
        )];
        let mut current = failed.clone();
        let mut follow = rejected;
        // Each link moves to an argument, so the chain is at most as long as the plan.
        for _ in 0..self.steps.len() {
            let args = current.args();
            let next = match follow.take() {
                Some(i) => args.get(i).copied().filter(|a| value.contains_key(&a.id())),
                None => largest(&args, &value),
            };
            let Some(next) = next.cloned() else { break };
            let v = value[&next.id()];
            chain.push((next.clone(), v));
            current = next;
        }
        let sample = replayed
            .iter()
            .filter_map(|&(i, v)| self.steps[i].node.name().map(|n| (n.to_string(), v)))
            .collect();
        Blame { chain, sample }
    }
}

/// The evaluated argument of largest magnitude (NaN and infinities first;
/// the first of equals), or None when no argument was evaluated.
fn largest<'a>(args: &[&'a Node], value: &HashMap<u64, f64>) -> Option<&'a Node> {
    let magnitude = |v: f64| if v.is_nan() { f64::INFINITY } else { v.abs() };
    let mut best: Option<(&Node, f64)> = None;
    for &a in args {
        if let Some(&v) = value.get(&a.id()) {
            if best.is_none_or(|(_, m)| magnitude(v) > m) {
                best = Some((a, magnitude(v)));
            }
        }
    }
    best.map(|(a, _)| a)
}
