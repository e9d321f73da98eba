//! The expression graph: shared, immutable nodes combining distributions with
//! arithmetic, functions, comparisons and draws whose parameters are nodes.
//!
//! A [`Node`] is a cheap handle (an `Arc`); cloning it shares the node, so a
//! node used in two places is the same draw in every sample.
//!
//! ```
//! use munflow::dist::{Beta, Pert};
//! use munflow::expr::Node;
//! let per_container = Node::draw(Pert::new(300.0, 430.0, 500.0, 4.0).unwrap().into())
//!     .named("per_container");
//! let dud_rate = Node::draw(Beta::new(2.0, 8.0).unwrap().into()).named("dud_rate");
//! let delivered = per_container.mul(&Node::constant(7000.0));
//! let working = Node::compound(munflow::expr::Family::Binomial,
//!     vec![delivered.floor(), Node::constant(1.0).sub(&dud_rate)]).unwrap();
//! assert_eq!(working.inputs().len(), 2);
//! ```

mod choice;
mod correlate;
mod family;
mod key;
mod node;
mod ops;
mod persist;

pub use crate::dist::Family;
pub use choice::mixture;
pub use correlate::{correlate, correlate_until};
pub use key::StreamKeys;
pub(crate) use node::check_unique_names;
pub(crate) use node::post_order_reading;
pub use node::{post_order, Node, Op, Provenance};
pub use ops::{BinaryOp, UnaryOp};
pub use persist::{restore, save, Saved, SavedNode, SavedOp};
