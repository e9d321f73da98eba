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
