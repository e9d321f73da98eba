//! Planning a run: which nodes to evaluate in which order, which chunk
//! buffers each keeps alive, and which columns to store.

use super::RunOptions;
use crate::error::{Error, Result};
use crate::expr::{post_order, Node, StreamKeys};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Where a step reads an argument: a chunk buffer, or a constant used as a
/// scalar (constants are never expanded into buffers).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Operand {
    Slot(usize),
    Scalar(f64),
}

/// One evaluated node.
pub(super) struct Step {
    pub node: Node,
    pub key: u64,
    /// The chunk buffer this step writes.
    pub slot: usize,
    /// Its arguments, in order.
    pub args: Vec<Operand>,
    /// Values given instead of evaluated.
    pub fed: Option<Arc<[f64]>>,
    /// Indices of the stored columns that copy this step's values.
    pub stored_as: Vec<usize>,
}

/// A stored column.
#[derive(Debug, Clone)]
pub struct Stored {
    pub name: String,
    pub is_output: bool,
}

/// An ordered evaluation plan for one run.
pub struct Plan {
    pub(super) steps: Vec<Step>,
    stored: Vec<Stored>,
    slots: usize,
    pub(super) n: usize,
    pub(super) seed: u64,
    pub(super) allow_nan: bool,
    pub(super) row_streams: bool,
}

impl Plan {
    pub(super) fn build(
        outputs: &[(String, Node)],
        store: &[bool],
        opts: &RunOptions,
        keys: &StreamKeys,
    ) -> Result<Plan> {
        if outputs.is_empty() {
            return Err(Error::InvalidArgument(
                "a model needs at least one output".into(),
            ));
        }
        let mut every: Vec<Node> = Vec::new();
        for (_, node) in outputs {
            every.extend(node.ancestors());
        }
        crate::expr::check_unique_names(&every)?;
        check_output_names(outputs, &every)?;

        let fed: HashMap<u64, Arc<[f64]>> = opts
            .feeds
            .iter()
            .map(|(node, values)| (node.id(), values.clone()))
            .collect();
        let wanted: Vec<(&String, &Node)> = outputs
            .iter()
            .zip(store)
            .filter(|(_, &s)| s)
            .map(|((name, node), _)| (name, node))
            .collect();
        let roots: HashSet<u64> = wanted.iter().map(|(_, n)| n.id()).collect();
        // Constants are read as scalars; they need a step only to be stored.
        let order: Vec<Node> = // Fed nodes' arguments need no evaluation.
        post_order(wanted.iter().map(|(_, n)| *n), |n| !fed.contains_key(&n.id()))
            .into_iter()
            .filter(|n| {
                n.as_constant().is_none()
                    || fed.contains_key(&n.id())
                    || roots.contains(&n.id())
                    || (opts.store_inputs && n.name().is_some())
            })
            .collect();

        let index: HashMap<u64, usize> =
            order.iter().enumerate().map(|(i, n)| (n.id(), i)).collect();
        let mut stored = Vec::new();
        let mut stored_as: Vec<Vec<usize>> = vec![Vec::new(); order.len()];
        for (name, node) in &wanted {
            stored_as[index[&node.id()]].push(stored.len());
            stored.push(Stored {
                name: (*name).clone(),
                is_output: true,
            });
        }
        if opts.store_inputs {
            let output_ids: HashSet<u64> = wanted.iter().map(|(_, n)| n.id()).collect();
            for (i, node) in order.iter().enumerate() {
                if let Some(name) = node.name() {
                    if !output_ids.contains(&node.id()) {
                        stored_as[i].push(stored.len());
                        stored.push(Stored {
                            name: name.to_string(),
                            is_output: false,
                        });
                    }
                }
            }
        }

        // Liveness: a buffer is free once its last reader has run.
        let mut last_use = vec![0usize; order.len()];
        for (i, node) in order.iter().enumerate() {
            if !fed.contains_key(&node.id()) {
                for a in node.args() {
                    if let Some(&j) = index.get(&a.id()) {
                        last_use[j] = i;
                    }
                }
            }
        }
        let mut free: Vec<usize> = Vec::new();
        let mut slots = 0usize;
        let mut slot_of = vec![0usize; order.len()];
        let mut steps = Vec::with_capacity(order.len());
        for (i, node) in order.iter().enumerate() {
            let slot = free.pop().unwrap_or_else(|| {
                slots += 1;
                slots - 1
            });
            slot_of[i] = slot;
            let is_fed = fed.get(&node.id()).cloned();
            let args: Vec<Operand> = if is_fed.is_some() {
                Vec::new()
            } else {
                node.args()
                    .iter()
                    .map(|a| match (a.as_constant(), index.get(&a.id())) {
                        (Some(v), _) if !fed.contains_key(&a.id()) => Operand::Scalar(v),
                        (_, Some(&j)) => Operand::Slot(slot_of[j]),
                        // Unreachable: every non-constant argument was ordered first.
                        (_, None) => Operand::Scalar(f64::NAN),
                    })
                    .collect()
            };
            if is_fed.is_none() {
                let mut released: Vec<usize> = Vec::new();
                for a in node.args() {
                    if let Some(&j) = index.get(&a.id()) {
                        if last_use[j] == i && !released.contains(&slot_of[j]) {
                            released.push(slot_of[j]);
                        }
                    }
                }
                free.extend(released);
            }
            // A value nobody reads again (an output) frees its buffer at once.
            // Readers always come later, so last_use 0 means no reader: the
            // value is only copied out (an output) and its buffer is free at once.
            if last_use[i] == 0 {
                free.push(slot);
            }
            steps.push(Step {
                node: node.clone(),
                key: keys.get(node),
                slot,
                args,
                fed: is_fed,
                stored_as: std::mem::take(&mut stored_as[i]),
            });
        }
        Ok(Plan {
            steps,
            stored,
            slots,
            n: opts.n,
            seed: opts.seed,
            allow_nan: opts.allow_nan,
            row_streams: opts.row_streams,
        })
    }

    /// The columns this plan stores, in order.
    pub fn stored(&self) -> &[Stored] {
        &self.stored
    }

    /// Per-thread chunk buffers.
    pub(super) fn workspace(&self) -> Vec<Vec<f64>> {
        vec![vec![0.0; super::CHUNK]; self.slots]
    }
}

/// Output names must be unique, and may not name a different node's input.
fn check_output_names(outputs: &[(String, Node)], every: &[Node]) -> Result<()> {
    let mut seen = HashSet::new();
    for (name, node) in outputs {
        if name.is_empty() {
            return Err(Error::InvalidArgument(
                "output names must not be empty".into(),
            ));
        }
        if !seen.insert(name.as_str()) {
            return Err(Error::InvalidArgument(format!(
                "output name '{name}' is given twice"
            )));
        }
        if let Some(other) = every.iter().find(|n| n.name() == Some(name) && *n != node) {
            return Err(Error::InvalidArgument(format!(
                "output name '{name}' is also the name of a different input ({}); rename one of them",
                other.label()
            )));
        }
    }
    Ok(())
}
