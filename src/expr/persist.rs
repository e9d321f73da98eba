//! Saving an expression graph and restoring it, elsewhere or later: the
//! nodes with their identities, names and definitions, as JSON. Restored
//! nodes are the saved ones (same identity, so two expressions saved
//! separately that share a node share it again), and their stream keys are
//! what they were, so a restored model draws the same numbers at a seed.
//!
//! The format is plain data read by this module alone (never pickled code):
//! opening a file from someone else cannot run anything.

use super::{BinaryOp, Family, Node, Op, UnaryOp};
use crate::dependence::{Coupling, Member, Method};
use crate::dist::{Dist, Recipe};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// A saved graph: its nodes, arguments first, and the roots asked for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Saved {
    pub nodes: Vec<SavedNode>,
    pub roots: Vec<u64>,
}

/// One saved node.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedNode {
    pub id: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub op: SavedOp,
    /// For a correlated draw: its coupling and column in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupling: Option<SavedMember>,
    /// Where a cited input comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<super::Provenance>,
}

/// A correlated draw's coupling: every member saves it whole (a few
/// numbers), and members with the same coupling key share it again.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedMember {
    pub key: u64,
    /// The coupling's identity (absent from files saved before it was
    /// kept): members restored one by one in a process with the same
    /// identity are coupled again, as one coupling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    pub method: String,
    pub rank_corr: Vec<Vec<f64>>,
    pub labels: Vec<String>,
    pub index: usize,
}

/// What a saved node computes; arguments by identity.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SavedOp {
    /// A constant, as the bits of its double (NaN and infinities included).
    Const(u64),
    Draw(Recipe),
    Compound {
        family: String,
        args: Vec<u64>,
    },
    Unary {
        op: String,
        arg: u64,
    },
    Binary {
        op: String,
        args: [u64; 2],
    },
    Where {
        args: [u64; 3],
    },
}

/// The graph behind `roots`, ready to be written as JSON.
///
/// ```
/// use munflow::dist::Beta;
/// use munflow::expr::{restore, save, Node};
/// let p = Node::draw(Beta::new(2.0, 8.0).unwrap().into()).named("dud_rate");
/// let good = Node::constant(1.0).sub(&p);
/// let json = serde_json::to_string(&save(&[good.clone()])).unwrap();
/// let back = restore(&serde_json::from_str(&json).unwrap()).unwrap();
/// assert_eq!(back[0], good); // the same node
/// ```
pub fn save(roots: &[Node]) -> Saved {
    let nodes = super::post_order(roots, |_| true)
        .into_iter()
        .map(|n| SavedNode {
            id: n.id(),
            name: n.name().map(str::to_string),
            provenance: n.provenance().cloned(),
            coupling: n.member().map(|m| SavedMember {
                key: m.coupling.key(),
                id: Some(m.coupling.id()),
                method: m.coupling.method().name().into(),
                rank_corr: m.coupling.rank_corr().rows(),
                labels: m.coupling.labels().to_vec(),
                index: m.index,
            }),
            op: match n.op() {
                Op::Const(v) => SavedOp::Const(v.to_bits()),
                Op::Draw(d) => SavedOp::Draw(d.recipe()),
                Op::Compound { family, params } => SavedOp::Compound {
                    family: family.name().into(),
                    args: params.iter().map(Node::id).collect(),
                },
                Op::Unary(op, a) => SavedOp::Unary {
                    op: op.name().into(),
                    arg: a.id(),
                },
                Op::Binary(op, a, b) => SavedOp::Binary {
                    op: op.name().into(),
                    args: [a.id(), b.id()],
                },
                Op::Where {
                    cond,
                    then,
                    otherwise,
                } => SavedOp::Where {
                    args: [cond.id(), then.id(), otherwise.id()],
                },
            },
        })
        .collect();
    Saved {
        nodes,
        roots: roots.iter().map(Node::id).collect(),
    }
}

/// The roots of a saved graph, restored.
///
/// # Errors
/// A saved graph that does not hold together (an argument saved after its
/// reader or not at all, an unknown family or operator, a bad distribution).
pub fn restore(saved: &Saved) -> Result<Vec<Node>> {
    let bad = |what: String| Error::InvalidArgument(format!("a saved model is malformed: {what}"));
    let mut nodes: HashMap<u64, Node> = HashMap::with_capacity(saved.nodes.len());
    let mut couplings: HashMap<u64, Arc<Coupling>> = HashMap::new();
    for s in &saved.nodes {
        let arg = |id: &u64| {
            nodes
                .get(id)
                .cloned()
                .ok_or_else(|| bad(format!("node {id} is used before it is defined")))
        };
        let op = match &s.op {
            SavedOp::Const(bits) => Op::Const(f64::from_bits(*bits)),
            SavedOp::Draw(r) => Op::Draw(Dist::from_recipe(r)?),
            SavedOp::Compound { family, args } => {
                let family = Family::from_name(family)
                    .ok_or_else(|| bad(format!("unknown family '{family}'")))?;
                let params = args.iter().map(arg).collect::<Result<Vec<_>>>()?;
                family.check_arity(params.len())?;
                Op::Compound { family, params }
            }
            SavedOp::Unary { op, arg: a } => Op::Unary(
                UnaryOp::from_name(op).ok_or_else(|| bad(format!("unknown function '{op}'")))?,
                arg(a)?,
            ),
            SavedOp::Binary { op, args: [a, b] } => Op::Binary(
                BinaryOp::from_name(op).ok_or_else(|| bad(format!("unknown operator '{op}'")))?,
                arg(a)?,
                arg(b)?,
            ),
            SavedOp::Where { args: [c, t, o] } => Op::Where {
                cond: arg(c)?,
                then: arg(t)?,
                otherwise: arg(o)?,
            },
        };
        let node = match (op, &s.coupling) {
            (op, None) => Node::with_id(s.id, op, s.name.clone()),
            (Op::Draw(dist), Some(m)) => {
                let method = Method::parse(&m.method)?;
                let coupling = match (m.id, couplings.get(&m.key)) {
                    (Some(id), _) => {
                        Coupling::restore(id, m.key, method, &m.rank_corr, m.labels.clone())?
                    }
                    (None, Some(c)) => c.clone(),
                    (None, None) => {
                        let (c, _) = Coupling::new(method, &m.rank_corr, m.labels.clone())?;
                        let c = Arc::new(c);
                        couplings.insert(m.key, c.clone());
                        c
                    }
                };
                if m.index >= coupling.len() {
                    return Err(bad(format!(
                        "node {} has column {} of a coupling of {}",
                        s.id,
                        m.index,
                        coupling.len()
                    )));
                }
                let member = Member {
                    coupling,
                    index: m.index,
                };
                Node::member_draw_with_id(s.id, dist, s.name.clone(), member)
            }
            (_, Some(_)) => return Err(bad(format!("node {} is correlated but not a draw", s.id))),
        };
        let node = match &s.provenance {
            Some(p) => node.cited(p.clone())?,
            None => node,
        };
        nodes.insert(s.id, node);
    }
    saved
        .roots
        .iter()
        .map(|id| {
            nodes
                .get(id)
                .cloned()
                .ok_or_else(|| bad(format!("root {id} is not among the nodes")))
        })
        .collect()
}
