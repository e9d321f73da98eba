//! Planning a run: which nodes to evaluate in which order, which chunk
//! buffers each keeps alive, and which columns to store.

use super::RunOptions;
use crate::error::{Error, Result};
use crate::expr::{post_order, post_order_reading, Node, StreamKeys};
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
    /// Normal scores that set this random node's values (see
    /// [`RunOptions::latent`]).
    pub latent: Option<Arc<[f64]>>,
    /// For a drawn law set by scores whose quantiles are searched for: its
    /// quantiles at a grid of scores, which bracket the search.
    pub grid: Option<crate::dist::ScoreGrid>,
    /// For a draw conditioned on an observation: how it takes its value
    /// (its arguments are then the nodes the rule reads).
    pub rule: Option<super::Rule>,
    /// Indices of the stored columns that copy this step's values.
    pub stored_as: Vec<usize>,
    /// For a correlated draw: the workspace slot holding its column of the
    /// coupling's scores (filled at the start of each chunk).
    pub scores: Option<usize>,
}

/// A coupling some step of the plan takes part in, and the workspace slots
/// its scores are written to (one per input of the coupling).
pub(super) struct PlannedCoupling {
    pub coupling: Arc<crate::dependence::Coupling>,
    pub slots: Vec<usize>,
    /// The key of the scores' stream: the coupling's own key mixed with its
    /// members' stream keys, so a design that gives every member another
    /// stream (a Sobol design taking a group from its B sample) also gets
    /// independent scores.
    pub key: u64,
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
    pub(super) couplings: Vec<PlannedCoupling>,
    pub(super) n: usize,
    pub(super) seed: u64,
    pub(super) allow_nan: bool,
    pub(super) row_streams: bool,
    /// The row the fed values start at.
    pub(super) feed_start: usize,
    /// Set to stop the run: a chunk of a long timeline has thousands of
    /// steps, so evaluating one takes long enough to check it within.
    pub(super) cancel: Option<Arc<std::sync::atomic::AtomicBool>>,
}

impl Plan {
    /// Plans a run: which nodes to evaluate in which order, which columns to
    /// store, and which chunk buffer each step writes.
    pub(super) fn build(
        outputs: &[(String, Node)],
        store: &[bool],
        opts: &RunOptions,
        keys: &StreamKeys,
    ) -> Result<Plan> {
        check_names(outputs)?;
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
        let conditioned: HashMap<u64, &super::Conditioned> = opts
            .conditioned
            .iter()
            .map(|(draw, c)| (draw.id(), &**c))
            .collect();
        let order = evaluation_order(&wanted, &fed, &conditioned, opts.store_inputs);
        opts.check_cancelled()?;
        let index: HashMap<u64, usize> =
            order.iter().enumerate().map(|(i, n)| (n.id(), i)).collect();
        let (stored, mut stored_as) = stored_columns(&wanted, &order, &index, opts.store_inputs);
        let (slot_of, mut slots) = assign_slots(&order, &index, &fed, &conditioned);
        let mut couplings: Vec<PlannedCoupling> = Vec::new();
        // Per coupling (by address): its place in `couplings`, and its
        // evaluated members' (column, stream key).
        let mut coupling_at: HashMap<*const crate::dependence::Coupling, usize> = HashMap::new();
        let mut members: Vec<Vec<(usize, u64)>> = Vec::new();
        let steps = order
            .iter()
            .enumerate()
            .map(|(i, node)| {
                let is_fed = fed.get(&node.id()).cloned();
                let rule = conditioned
                    .get(&node.id())
                    .filter(|_| is_fed.is_none())
                    .map(|c| c.rule.clone());
                let args = if is_fed.is_some() {
                    Vec::new()
                } else {
                    reads(node, &conditioned)
                        .iter()
                        .map(|a| match (a.as_constant(), index.get(&a.id())) {
                            (Some(v), _) if !fed.contains_key(&a.id()) => Operand::Scalar(v),
                            (_, Some(&j)) => Operand::Slot(slot_of[j]),
                            // Unreachable: every non-constant argument was ordered first.
                            (_, None) => Operand::Scalar(f64::NAN),
                        })
                        .collect()
                };
                let key = keys.get(node);
                let latent = match node.is_random() {
                    true => opts.latent.get(&key).cloned(),
                    false => None,
                };
                let member = node.member().filter(|_| is_fed.is_none());
                if let (Some(_), Some(_)) = (&latent, member) {
                    return Err(Error::InvalidArgument(format!(
                        "'{}' is correlated with other inputs, and moving draws by their normal scores \
                         (tempering) does not keep correlations; use method='weighting'",
                        node.label()
                    )));
                }
                let scores = member.map(|m| {
                    let at = *coupling_at.entry(Arc::as_ptr(&m.coupling)).or_insert_with(|| {
                        let k = m.coupling.len();
                        couplings.push(PlannedCoupling {
                            coupling: m.coupling.clone(),
                            slots: (slots..slots + k).collect(),
                            key: m.coupling.key(),
                        });
                        members.push(Vec::new());
                        slots += k;
                        couplings.len() - 1
                    });
                    members[at].push((m.index, key));
                    couplings[at].slots[m.index]
                });
                let copula = member
                    .is_some_and(|m| m.coupling.method() == crate::dependence::Method::GaussianCopula);
                let grid = match (latent.is_some() && rule.is_none() || copula, node.op()) {
                    (true, crate::expr::Op::Draw(dist)) => crate::dist::ScoreGrid::of(dist),
                    _ => None,
                };
                Ok(Step {
                    node: node.clone(),
                    key,
                    latent,
                    grid,
                    slot: slot_of[i],
                    args,
                    fed: is_fed,
                    stored_as: std::mem::take(&mut stored_as[i]),
                    scores,
                    rule,
                })
            })
            .collect::<Result<Vec<Step>>>()?;
        for (planned, mut members) in couplings.iter_mut().zip(members) {
            members.sort_unstable();
            for (index, key) in members {
                planned.key = crate::stream::key_mix(planned.key ^ key ^ index as u64);
            }
        }
        Ok(Plan {
            steps,
            stored,
            slots,
            couplings,
            n: opts.n,
            seed: opts.seed,
            allow_nan: opts.allow_nan,
            row_streams: opts.row_streams,
            feed_start: opts.feed_start,
            cancel: opts.cancel.clone(),
        })
    }

    /// The columns this plan stores, in order.
    pub fn stored(&self) -> &[Stored] {
        &self.stored
    }

    /// Per-thread chunk buffers.
    pub(super) fn workspace(&self) -> Vec<Vec<f64>> {
        vec![vec![0.0; crate::stream::CHUNK]; self.slots]
    }
}

/// Nodes to evaluate, arguments first: everything the stored outputs need,
/// except the arguments of fed nodes. Constants are read as scalars and get
/// a step only to be stored (an output, or a named input when inputs are kept).
fn evaluation_order(
    wanted: &[(&String, &Node)],
    fed: &HashMap<u64, Arc<[f64]>>,
    conditioned: &HashMap<u64, &super::Conditioned>,
    store_inputs: bool,
) -> Vec<Node> {
    let roots: HashSet<u64> = wanted.iter().map(|(_, n)| n.id()).collect();
    post_order_reading(
        wanted.iter().map(|(_, n)| *n),
        |n| !fed.contains_key(&n.id()),
        |n| conditioned.get(&n.id()).map(|c| c.reads.as_slice()),
    )
    .into_iter()
    .filter(|n| {
        n.as_constant().is_none()
            || fed.contains_key(&n.id())
            || roots.contains(&n.id())
            || (store_inputs && n.name().is_some())
    })
    .collect()
}

/// The nodes a step reads: its arguments, or what the rule of a draw
/// conditioned on an observation reads instead.
fn reads<'a>(node: &'a Node, conditioned: &HashMap<u64, &'a super::Conditioned>) -> Vec<&'a Node> {
    match conditioned.get(&node.id()) {
        Some(c) => c.reads.iter().collect(),
        None => node.args(),
    }
}

/// The stored columns (outputs, then named inputs if kept) and, per step of
/// `order`, the columns that copy its values.
fn stored_columns(
    wanted: &[(&String, &Node)],
    order: &[Node],
    index: &HashMap<u64, usize>,
    store_inputs: bool,
) -> (Vec<Stored>, Vec<Vec<usize>>) {
    let mut stored = Vec::new();
    let mut stored_as: Vec<Vec<usize>> = vec![Vec::new(); order.len()];
    for (name, node) in wanted {
        stored_as[index[&node.id()]].push(stored.len());
        stored.push(Stored {
            name: (*name).clone(),
            is_output: true,
        });
    }
    if store_inputs {
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
    (stored, stored_as)
}

/// The chunk buffer each step writes, and how many buffers there are: a
/// buffer is reused once the last reader of its value has run (liveness).
fn assign_slots(
    order: &[Node],
    index: &HashMap<u64, usize>,
    fed: &HashMap<u64, Arc<[f64]>>,
    conditioned: &HashMap<u64, &super::Conditioned>,
) -> (Vec<usize>, usize) {
    let reads = |node: &Node| -> Vec<usize> {
        if fed.contains_key(&node.id()) {
            return Vec::new();
        }
        reads(node, conditioned)
            .iter()
            .filter_map(|a| index.get(&a.id()).copied())
            .collect()
    };
    let mut last_use = vec![0usize; order.len()];
    for (i, node) in order.iter().enumerate() {
        for j in reads(node) {
            last_use[j] = i;
        }
    }
    let mut free: Vec<usize> = Vec::new();
    let mut slots = 0usize;
    let mut slot_of = vec![0usize; order.len()];
    for (i, node) in order.iter().enumerate() {
        // The step's own buffer is taken before its arguments' are released,
        // so it never overwrites an argument it is still reading.
        let slot = free.pop().unwrap_or_else(|| {
            slots += 1;
            slots - 1
        });
        slot_of[i] = slot;
        let mut released: Vec<usize> = Vec::new();
        for j in reads(node) {
            if last_use[j] == i && !released.contains(&slot_of[j]) {
                released.push(slot_of[j]);
            }
        }
        free.extend(released);
        // Readers always come later, so last_use 0 means no reader: the value
        // is only copied out (an output) and its buffer is free at once.
        if last_use[i] == 0 {
            free.push(slot);
        }
    }
    (slot_of, slots)
}

/// Names are unique (one node per name) and output names do not clash.
fn check_names(outputs: &[(String, Node)]) -> Result<()> {
    if outputs.is_empty() {
        return Err(Error::InvalidArgument(
            "a model needs at least one output".into(),
        ));
    }
    // One walk of the whole graph (not one per output: a timeline's period
    // t reads every period before it).
    let every = post_order(outputs.iter().map(|(_, n)| n), |_| true);
    crate::expr::check_unique_names(&every)?;
    check_output_names(outputs, &every)
}

/// Output names must be unique, and may not name a different node's input.
fn check_output_names(outputs: &[(String, Node)], every: &[Node]) -> Result<()> {
    let named: HashMap<&str, &Node> = every
        .iter()
        .filter_map(|n| n.name().map(|name| (name, n)))
        .collect();
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
        if let Some(other) = named.get(name.as_str()).filter(|n| **n != node) {
            return Err(Error::InvalidArgument(format!(
                "output name '{name}' is also the name of a different input ({}); rename one of them",
                other.label()
            )));
        }
    }
    Ok(())
}
