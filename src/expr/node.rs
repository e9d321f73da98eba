//! [`Node`]: one vertex of the graph, shared and immutable.

use super::{BinaryOp, Family, UnaryOp};
use crate::dist::{fmt_num, Constant, Dist};
use crate::error::{Error, Result};
use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

/// What a node computes.
#[derive(Debug)]
pub enum Op {
    /// A known number.
    Const(f64),
    /// An independent draw from a fixed distribution in every sample.
    Draw(Dist),
    /// A draw whose parameters are other nodes, one distribution per sample.
    Compound {
        family: Family,
        params: Vec<Node>,
    },
    Unary(UnaryOp, Node),
    Binary(BinaryOp, Node, Node),
    /// `then` where `cond` is true (non-zero), `otherwise` where it is 0:
    /// either/or hypotheses. Both branches are drawn in every sample.
    Where {
        cond: Node,
        then: Node,
        otherwise: Node,
    },
}

#[derive(Debug)]
struct Inner {
    /// Identity: unique across processes (a salted counter), so a node saved
    /// and restored elsewhere is still the same node, and two expressions
    /// saved separately that share a node still share it (never a stream key:
    /// see [`super::StreamKeys`]).
    id: u64,
    /// Set at most once: naming labels this node (the same draw), it never
    /// makes a copy (see [`Node::named`]).
    name: OnceLock<String>,
    /// Set at most once: where this input's figure comes from (see
    /// [`Node::cited`]).
    provenance: OnceLock<Provenance>,
    op: Op,
    /// For a draw correlated with others: its coupling and column in it
    /// (see [`crate::dependence`]).
    member: Option<crate::dependence::Member>,
}

/// Where an input's figure comes from: a source (a report, a statement) and
/// whether it is an analyst's assumption rather than something reported.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Provenance {
    pub source: Option<String>,
    pub assumption: bool,
}

impl Provenance {
    /// A figure taken from `source`.
    pub fn source(source: impl Into<String>) -> Provenance {
        Provenance {
            source: Some(source.into()),
            assumption: false,
        }
    }

    /// An analyst's assumption, with why (or None).
    pub fn assumption(why: impl Into<String>) -> Provenance {
        Provenance {
            source: Some(why.into()),
            assumption: true,
        }
    }
}

impl std::fmt::Display for Provenance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = if self.assumption {
            "an analyst assumption"
        } else {
            "from"
        };
        match &self.source {
            Some(source) => write!(f, "{kind} '{source}'"),
            None => write!(f, "{kind}"),
        }
    }
}

/// A shared handle to a graph node.
#[derive(Debug, Clone)]
pub struct Node(Arc<Inner>);

/// Nodes are equal when they have the same identity: a node restored from a
/// saved graph is the node that was saved.
impl PartialEq for Node {
    fn eq(&self, other: &Self) -> bool {
        self.0.id == other.0.id
    }
}
impl Eq for Node {}

impl std::hash::Hash for Node {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.id.hash(state);
    }
}

impl Node {
    fn new(op: Op, name: Option<String>) -> Node {
        Node::with_id(crate::identity::fresh_id(), op, name)
    }

    /// The node `id` as it was saved (see `expr::persist`).
    pub(crate) fn with_id(id: u64, op: Op, name: Option<String>) -> Node {
        Node::made(id, op, name, None)
    }

    /// A node with every field given: the one place an `Inner` is built.
    fn made(
        id: u64,
        op: Op,
        name: Option<String>,
        member: Option<crate::dependence::Member>,
    ) -> Node {
        let cell = OnceLock::new();
        if let Some(name) = name {
            let _ = cell.set(name);
        }
        Node(Arc::new(Inner {
            id,
            name: cell,
            provenance: OnceLock::new(),
            op,
            member,
        }))
    }

    /// A draw of `dist` that takes part in a coupling (made by
    /// [`crate::expr::correlate`], or restored with identity `id`).
    pub(crate) fn member_draw_with_id(
        id: u64,
        dist: Dist,
        name: Option<String>,
        member: crate::dependence::Member,
    ) -> Node {
        Node::made(id, Op::Draw(dist), name, Some(member))
    }

    pub(crate) fn member_draw(
        dist: Dist,
        name: Option<String>,
        member: crate::dependence::Member,
    ) -> Node {
        Node::member_draw_with_id(crate::identity::fresh_id(), dist, name, member)
    }

    /// The coupling this draw takes part in, if it is correlated with others.
    pub fn member(&self) -> Option<&crate::dependence::Member> {
        self.0.member.as_ref()
    }

    /// A known number.
    pub fn constant(value: f64) -> Node {
        Node::new(Op::Const(value), None)
    }

    /// A fixed distribution, drawn independently in every sample. A
    /// [`Constant`] distribution becomes a plain constant.
    pub fn draw(dist: Dist) -> Node {
        match dist {
            Dist::Constant(c) => Node::constant(c.value()),
            d => Node::new(Op::Draw(d), None),
        }
    }

    /// A draw whose parameters are nodes; parameters that are all constants
    /// give a plain [`Node::draw`] (validated now rather than per sample).
    pub fn compound(family: Family, params: Vec<Node>) -> Result<Node> {
        family.check_arity(params.len())?;
        let fixed: Option<Vec<f64>> = params.iter().map(Node::as_constant).collect();
        if let Some(values) = fixed {
            return Ok(Node::draw(family.build(&values)?));
        }
        Ok(Node::new(Op::Compound { family, params }, None))
    }

    /// This node under a name, which keys its random stream and labels it in
    /// tables. Naming never makes an independent draw: an unnamed node takes
    /// the name itself (every expression already using it sees the name), so
    /// `named(d, "containers")` and `d` stay one draw. A node that already has
    /// another name gets a second, derived node of that name reading it (the
    /// same values in every sample, a second label for the same draw).
    ///
    /// ```
    /// use munflow::dist::Beta;
    /// use munflow::expr::Node;
    /// let d = Node::draw(Beta::new(2.0, 8.0).unwrap().into());
    /// let dud_rate = d.clone().named("dud_rate");
    /// assert_eq!(dud_rate, d); // the same node, now named
    /// assert_eq!(d.name(), Some("dud_rate"));
    /// let again = d.clone().named("dud");
    /// assert_ne!(again, d); // an alias reading d
    /// ```
    pub fn named(self, name: impl Into<String>) -> Node {
        let name = name.into();
        match self.0.name.get() {
            Some(current) if *current == name => self,
            Some(_) => Node::new(Op::Unary(UnaryOp::Alias, self), Some(name)),
            None => match self.0.name.set(name) {
                Ok(()) => self,
                // Named by another thread in between: alias under this name.
                Err(name) => self.named(name),
            },
        }
    }

    pub fn id(&self) -> u64 {
        self.0.id
    }
    pub fn name(&self) -> Option<&str> {
        self.0.name.get().map(String::as_str)
    }

    /// Records where this input comes from: a source and whether it is an
    /// analyst's assumption. Set once: citing a node again with the same
    /// provenance is a no-op, with another one an error (a figure has one
    /// origin).
    ///
    /// ```
    /// use munflow::dist::Beta;
    /// use munflow::expr::{Node, Provenance};
    /// let dud = Node::draw(Beta::new(2.0, 8.0).unwrap().into()).named("dud_rate");
    /// let dud = dud.cited(Provenance::assumption("no source gives a dud rate")).unwrap();
    /// assert!(dud.provenance().unwrap().assumption);
    /// ```
    pub fn cited(self, provenance: Provenance) -> crate::Result<Node> {
        match self.0.provenance.get() {
            Some(current) if *current == provenance => Ok(self),
            Some(current) => Err(crate::Error::InvalidArgument(format!(
                "'{}' is already cited as {}; a figure has one origin",
                self.label(),
                current
            ))),
            None => {
                let _ = self.0.provenance.set(provenance.clone());
                self.cited(provenance)
            }
        }
    }

    /// Where this input comes from, if it was cited.
    pub fn provenance(&self) -> Option<&Provenance> {
        self.0.provenance.get()
    }
    pub fn op(&self) -> &Op {
        &self.0.op
    }

    /// The value of a constant node, if it is one.
    pub fn as_constant(&self) -> Option<f64> {
        match self.op() {
            Op::Const(v) => Some(*v),
            _ => None,
        }
    }

    /// The fixed distribution of a plain draw (constants count as one).
    pub fn as_dist(&self) -> Option<Dist> {
        match self.op() {
            Op::Draw(d) => Some(d.clone()),
            Op::Const(v) => Constant::new(*v).ok().map(Dist::Constant),
            _ => None,
        }
    }

    /// Whether the node draws randomness itself (not through its arguments).
    pub fn is_random(&self) -> bool {
        matches!(self.op(), Op::Draw(_) | Op::Compound { .. })
    }

    /// Whether this draw maps every normal score past
    /// ±[`crate::dist::SCORE_LIMIT`] to one value though its law goes on
    /// (see [`Dist::clamps_extreme_scores`]): evidence cannot move it there.
    pub fn clamps_extreme_scores(&self) -> bool {
        match self.op() {
            Op::Draw(d) => d.clamps_extreme_scores(),
            Op::Compound { family, .. } => family.clamps_extreme_scores(),
            _ => false,
        }
    }

    /// The nodes this one reads.
    pub fn args(&self) -> Vec<&Node> {
        match self.op() {
            Op::Const(_) | Op::Draw(_) => vec![],
            Op::Compound { params, .. } => params.iter().collect(),
            Op::Unary(_, a) => vec![a],
            Op::Binary(_, a, b) => vec![a, b],
            Op::Where {
                cond,
                then,
                otherwise,
            } => vec![cond, then, otherwise],
        }
    }

    /// Every node reachable from this one (itself included), arguments first.
    pub fn ancestors(&self) -> Vec<Node> {
        post_order(std::slice::from_ref(self), |_| true)
    }

    /// The named nodes this one depends on (itself included), in discovery order.
    pub fn inputs(&self) -> Vec<Node> {
        self.ancestors()
            .into_iter()
            .filter(|n| n.name().is_some())
            .collect()
    }

    /// A short human label: the name, else the expression, abbreviated.
    pub fn label(&self) -> String {
        let mut s = self.describe(3);
        if s.chars().count() > 80 {
            s = s.chars().take(77).collect::<String>() + "...";
        }
        s
    }

    /// What the node computes, even when it has a name (`beta(2, 8)`).
    pub fn definition_label(&self) -> String {
        self.describe_op(3)
    }

    fn describe(&self, depth: usize) -> String {
        match self.name() {
            Some(name) => name.to_string(),
            None => self.describe_op(depth),
        }
    }

    fn describe_op(&self, depth: usize) -> String {
        if depth == 0 {
            return "…".into();
        }
        let d = depth - 1;
        match self.op() {
            Op::Const(v) => fmt_num(*v),
            Op::Draw(dist) => dist.describe(),
            Op::Compound { family, params } => {
                let p: Vec<String> = params.iter().map(|p| p.describe(d)).collect();
                format!("{}({})", family.name(), p.join(", "))
            }
            Op::Unary(UnaryOp::Neg, a) => format!("-{}", a.describe_operand(d)),
            Op::Unary(op, a) => format!("{}({})", op.name(), a.describe(d)),
            Op::Binary(op, a, b) if op.is_infix() => format!(
                "{} {} {}",
                a.describe_operand(d),
                op.name(),
                b.describe_operand(d)
            ),
            Op::Binary(op, a, b) => format!("{}({}, {})", op.name(), a.describe(d), b.describe(d)),
            Op::Where {
                cond,
                then,
                otherwise,
            } => format!(
                "where({}, {}, {})",
                cond.describe(d),
                then.describe(d),
                otherwise.describe(d)
            ),
        }
    }

    /// Parenthesised when it is itself an infix expression.
    fn describe_operand(&self, depth: usize) -> String {
        let s = self.describe(depth);
        match (self.name(), self.op()) {
            (None, Op::Binary(op, ..)) if op.is_infix() => format!("({s})"),
            _ => s,
        }
    }

    pub fn unary(&self, op: UnaryOp) -> Node {
        match self.as_constant() {
            Some(v) => Node::constant(op.apply(v)),
            None => Node::new(Op::Unary(op, self.clone()), None),
        }
    }

    pub fn binary(&self, op: BinaryOp, other: &Node) -> Node {
        match (self.as_constant(), other.as_constant()) {
            (Some(a), Some(b)) => Node::constant(op.apply(a, b)),
            _ => Node::new(Op::Binary(op, self.clone(), other.clone()), None),
        }
    }

    /// `then` in the samples where `self` is true (non-zero), `otherwise`
    /// where it is 0, NaN where it is NaN. A constant condition picks its
    /// branch at once.
    ///
    /// ```
    /// use munflow::expr::Node;
    /// let yes = Node::constant(1.0).select(&Node::constant(2.0), &Node::constant(3.0));
    /// assert_eq!(yes.as_constant(), Some(2.0));
    /// ```
    pub fn select(&self, then: &Node, otherwise: &Node) -> Node {
        match self.as_constant() {
            Some(c) if c.is_nan() => Node::constant(f64::NAN),
            Some(c) if c != 0.0 => then.clone(),
            Some(_) => otherwise.clone(),
            None => Node::new(
                Op::Where {
                    cond: self.clone(),
                    then: then.clone(),
                    otherwise: otherwise.clone(),
                },
                None,
            ),
        }
    }

    pub fn add(&self, other: &Node) -> Node {
        self.binary(BinaryOp::Add, other)
    }
    pub fn sub(&self, other: &Node) -> Node {
        self.binary(BinaryOp::Sub, other)
    }
    pub fn mul(&self, other: &Node) -> Node {
        self.binary(BinaryOp::Mul, other)
    }
    pub fn div(&self, other: &Node) -> Node {
        self.binary(BinaryOp::Div, other)
    }
    pub fn pow(&self, other: &Node) -> Node {
        self.binary(BinaryOp::Pow, other)
    }
    pub fn floor(&self) -> Node {
        self.unary(UnaryOp::Floor)
    }
    /// min(max(self, lo), hi).
    pub fn clip(&self, lo: &Node, hi: &Node) -> Node {
        self.binary(BinaryOp::Max, lo).binary(BinaryOp::Min, hi)
    }
}

/// Every node reachable from `roots`, each once, arguments before their
/// readers; the arguments of a node are visited only if `descend(node)`.
/// Iterative, so deep graphs cannot overflow the stack.
pub fn post_order<'a>(
    roots: impl IntoIterator<Item = &'a Node>,
    descend: impl Fn(&Node) -> bool,
) -> Vec<Node> {
    post_order_reading(roots, descend, |_| None)
}

/// [`post_order`] where `reads` may give the nodes a node reads in place of
/// its arguments (a draw conditioned on an observation reads others).
pub(crate) fn post_order_reading<'a, 'b>(
    roots: impl IntoIterator<Item = &'a Node>,
    descend: impl Fn(&Node) -> bool,
    reads: impl Fn(&Node) -> Option<&'b [Node]>,
) -> Vec<Node> {
    let mut seen = HashSet::new();
    let mut order = Vec::new();
    for root in roots {
        let mut stack: Vec<(Node, bool)> = vec![(root.clone(), false)];
        while let Some((node, expanded)) = stack.pop() {
            if expanded {
                order.push(node);
                continue;
            }
            if !seen.insert(node.id()) {
                continue;
            }
            stack.push((node.clone(), true));
            if descend(&node) {
                let args = match reads(&node) {
                    Some(nodes) => nodes.iter().collect(),
                    None => node.args(),
                };
                for a in args.into_iter().rev() {
                    if !seen.contains(&a.id()) {
                        stack.push((a.clone(), false));
                    }
                }
            }
        }
    }
    order
}

/// Checks that no two different nodes in `nodes` share a name.
pub(crate) fn check_unique_names(nodes: &[Node]) -> Result<()> {
    let mut by_name: std::collections::HashMap<&str, &Node> = Default::default();
    for n in nodes {
        if let Some(name) = n.name() {
            if let Some(other) = by_name.insert(name, n) {
                if other != n {
                    return Err(Error::InvalidArgument(format!(
                        "two different nodes are named '{name}': names identify inputs, so each must be unique in a model"
                    )));
                }
            }
        }
    }
    Ok(())
}
