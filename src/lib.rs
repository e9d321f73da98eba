//! munflow: Monte Carlo estimation of munitions flows from fragmentary reporting.
//!
//! Container counts, vessel voyages, cargo mixes, rounds per container and dud
//! rates are uncertain; munflow represents each as a distribution, combines them
//! in an expression graph, and evaluates the graph in parallel, deterministically.
//!
//! ```
//! use munflow::dist::{Dist, LogNormal, Pert};
//! use munflow::expr::Node;
//! use munflow::engine::{run, RunOptions};
//!
//! let containers = Node::draw(LogNormal::from_interval(6000.0, 8000.0, 0.9).unwrap().into())
//!     .named("containers");
//! let per_container = Node::draw(Pert::new(300.0, 430.0, 500.0, 4.0).unwrap().into());
//! let shells = containers.mul(&per_container);
//! let res = run(&[("shells".into(), shells)], &RunOptions::new(10_000, 7)).unwrap();
//! let mean = res.column("shells").unwrap().iter().sum::<f64>() / 10_000.0;
//! assert!((2.5e6..3.5e6).contains(&mean));
//! ```

pub mod dependence;
pub mod dist;
pub mod engine;
pub mod error;
pub mod evidence;
pub mod expr;
pub(crate) mod identity;
pub mod scenario;
pub mod sensitivity;
pub mod stats;
pub mod stream;
pub mod summary_run;
pub mod timeline;

#[cfg(feature = "python")]
mod python;

pub use error::{Error, Result};
