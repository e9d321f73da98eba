//! Correlated inputs as nodes: the drawn inputs given, drawn jointly through
//! a [`Coupling`] (its mathematics and streams are in [`crate::dependence`]).

use super::{Node, Op};
use crate::dependence::{Coupling, Member, Method, Repair};
use crate::error::{Error, Result};
use std::sync::atomic::AtomicBool;

/// The drawn inputs `inputs`, drawn jointly with target Spearman matrix
/// `rank_corr`: new nodes (same laws, same names) in the same order. The
/// second value is the repair made to a matrix that was not positive
/// semi-definite, for the caller to report.
///
/// # Errors
/// An input that is not a draw from a fixed law (a derived expression, a
/// constant, a draw whose parameters are random), one that is already
/// correlated, the same input twice, fewer than two inputs, or an invalid
/// matrix (see [`Coupling::new`]).
pub fn correlate(
    inputs: &[Node],
    rank_corr: &[Vec<f64>],
    method: Method,
) -> Result<(Vec<Node>, Option<Repair>)> {
    correlate_until(inputs, rank_corr, method, &AtomicBool::new(false))
}

/// [`correlate`], stopping with [`Error::Interrupted`] once `cancel` is set.
pub fn correlate_until(
    inputs: &[Node],
    rank_corr: &[Vec<f64>],
    method: Method,
    cancel: &AtomicBool,
) -> Result<(Vec<Node>, Option<Repair>)> {
    if inputs.len() < 2 {
        return Err(Error::InvalidArgument(format!(
            "correlate needs at least two inputs, got {}",
            inputs.len()
        )));
    }
    let mut dists = Vec::with_capacity(inputs.len());
    for (i, node) in inputs.iter().enumerate() {
        dists.push(check_correlatable(node)?);
        if let Some(j) = inputs[..i].iter().position(|m| m == node) {
            return Err(Error::InvalidArgument(format!(
                "'{}' is given twice (inputs {j} and {i}); each input takes one row and column of rank_corr",
                node.label()
            )));
        }
    }
    let labels = inputs.iter().map(Node::label).collect();
    let (coupling, repair) = Coupling::new_until(method, rank_corr, labels, cancel)?;
    let coupling = coupling.into_live();
    let nodes = inputs
        .iter()
        .zip(dists)
        .enumerate()
        .map(|(index, (node, dist))| {
            Node::member_draw(
                dist,
                node.name().map(str::to_string),
                Member {
                    coupling: coupling.clone(),
                    index,
                },
            )
        })
        .collect();
    Ok((nodes, repair))
}

/// Only draws from a fixed law can be correlated: a derived node's law is
/// whatever its arguments make it, and reordering it would break its link
/// with them.
fn check_correlatable(node: &Node) -> Result<crate::dist::Dist> {
    let why = match node.op() {
        Op::Draw(dist) if node.member().is_none() => return Ok(dist.clone()),
        Op::Draw(_) => "is already correlated with other inputs; put all the inputs that depend on one another in one correlate call",
        Op::Const(_) => "is a constant, which cannot vary with anything",
        Op::Compound { .. } => "is a draw whose parameters are random; only draws from a fixed distribution can be correlated (correlate its parameters instead)",
        _ => "is derived from other nodes, not drawn; only drawn inputs can be correlated (correlate the draws it is computed from)",
    };
    Err(Error::InvalidArgument(format!("'{}' {why}", node.label())))
}
