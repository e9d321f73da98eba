//! A compiled scenario: its outputs as named nodes, ready for the engine.

use crate::error::Error;
use crate::expr::Node;
use std::collections::HashMap;

/// What an output measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Quantity {
    Containers,
    Delivered,
    Functioning,
    ReachingTarget,
    DaysOfFireDelivered,
    DaysOfFireFunctioning,
    Tonnes,
}

impl Quantity {
    pub fn name(self) -> &'static str {
        match self {
            Quantity::Containers => "containers",
            Quantity::Delivered => "delivered",
            Quantity::Functioning => "functioning",
            Quantity::ReachingTarget => "reaching_target",
            Quantity::DaysOfFireDelivered => "days_of_fire_delivered",
            Quantity::DaysOfFireFunctioning => "days_of_fire_functioning",
            Quantity::Tonnes => "tonnes",
        }
    }
}

/// One output of a compiled scenario.
#[derive(Debug, Clone)]
pub struct Output {
    /// Column name, e.g. `shell_152.functioning` or `total.delivered[voyages]`.
    pub name: String,
    pub node: Node,
    /// The munition, or `total`.
    pub group: String,
    pub quantity: Quantity,
    /// The alternative estimate it belongs to, when there are several.
    pub estimate: Option<String>,
}

/// A scenario ready for the engine.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// Outputs ordered by group (munitions in catalog order, then `total`),
    /// quantity, and estimate, so alternatives sit side by side.
    pub outputs: Vec<Output>,
    /// The alternative estimates, in order (empty when every channel adds up).
    pub estimates: Vec<String>,
    /// The field of the file behind each named node, e.g.
    /// `shell_152.dud_rate` -> `munitions.shell_152.dud_rate`.
    pub fields: HashMap<String, String>,
    /// The `[evidence]` tables as observations, in file order.
    pub observations: Vec<crate::evidence::Observation>,
}

impl Compiled {
    /// `(name, node)` pairs for [`crate::engine::run`].
    pub fn named_outputs(&self) -> Vec<(String, Node)> {
        self.outputs
            .iter()
            .map(|o| (o.name.clone(), o.node.clone()))
            .collect()
    }

    /// The field of the file a model error points at: the deepest node on
    /// its blame chain that comes from a field (the input that drove the
    /// failure), else the failing node's own field.
    pub fn field_of_error(&self, err: &Error) -> Option<&str> {
        let (node, blame) = match err {
            Error::NonFinite { node, blame, .. } | Error::InvalidDraw { node, blame, .. } => {
                (node, blame)
            }
            _ => return None,
        };
        blame
            .names()
            .into_iter()
            .rev()
            .chain(node.name())
            .find_map(|name| self.fields.get(name).map(String::as_str))
    }
}

/// The `TOTAL` group name.
pub const TOTAL: &str = "total";

/// Every named node `roots` read, by name, in one walk of the graph: outputs
/// share most of their ancestors (a timeline's cumulative totals each read
/// all earlier periods), so walking each output's ancestors on its own would
/// be quadratic in the number of periods.
pub(crate) fn named_nodes<'a>(roots: impl IntoIterator<Item = &'a Node>) -> HashMap<String, Node> {
    let mut by_name = HashMap::new();
    for node in crate::expr::post_order(roots, |_| true) {
        if let Some(name) = node.name() {
            by_name
                .entry(name.to_string())
                .or_insert_with(|| node.clone());
        }
    }
    by_name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::{Dist, Family, Normal};

    /// The cumulative series of a daily timeline: day t's total reads every
    /// earlier day's named draw.
    fn cumulative_days(days: usize) -> Vec<Node> {
        let rate: Dist = Normal::new(5.0, 1.0).unwrap().into();
        let rate = Node::draw(rate).named("rate");
        let mut total = Node::constant(0.0);
        (0..days)
            .map(|t| {
                let day = Node::compound(Family::Poisson, vec![rate.clone()])
                    .unwrap()
                    .named(format!("voyages@{t}"));
                total = total.add(&day);
                total.clone()
            })
            .collect()
    }

    /// Each output's ancestors walked on their own: what scenario evidence
    /// and correlations did before `named_nodes`.
    fn per_output_walks(outputs: &[Node]) -> HashMap<String, Node> {
        let mut by_name = HashMap::new();
        for output in outputs {
            for node in output.ancestors() {
                if let Some(name) = node.name() {
                    by_name.entry(name.to_string()).or_insert(node);
                }
            }
        }
        by_name
    }

    #[test]
    fn one_walk_finds_the_named_nodes_every_output_reads() {
        let outputs = cumulative_days(60);
        let by_name = named_nodes(&outputs);
        assert_eq!(by_name.len(), 61);
        assert_eq!(by_name, per_output_walks(&outputs));
    }

    /// `cargo test --release --lib named_nodes_on_long -- --ignored --nocapture`
    /// prints the time of both walks on daily timelines (a measurement, not
    /// a test: times are never asserted).
    #[test]
    #[ignore]
    fn named_nodes_on_long_daily_timelines() {
        for days in [365, 731, 1461, 3660] {
            let outputs = cumulative_days(days);
            let start = std::time::Instant::now();
            let before = per_output_walks(&outputs);
            let walks = start.elapsed();
            let start = std::time::Instant::now();
            let after = named_nodes(&outputs);
            let once = start.elapsed();
            assert_eq!(before, after);
            println!("{days} days: per-output walks {walks:.2?}, one walk {once:.2?}");
        }
    }
}
