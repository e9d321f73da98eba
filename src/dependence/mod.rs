//! Dependence between inputs: a target rank-correlation matrix imposed on a
//! few drawn inputs, by Iman & Conover's (1982) reordering or by a Gaussian
//! copula, and the nearest correlation matrix (Higham 2002) for targets that
//! no joint law can have.
//!
//! Correlated inputs are nodes like any other: `expr::correlate` takes drawn
//! inputs and returns new nodes that draw the same laws jointly (the given
//! nodes are unchanged, like every node). Each new node carries the
//! [`Coupling`] and its column in it. The engine applies the coupling chunk
//! by chunk: a chunk's coupling scores come from their own stream keyed by
//! (seed, coupling, chunk), so results stay bit-identical whatever the
//! threads or chunk ranges (Dask tasks).
//!
//! - Iman-Conover (`ImanConover`): each input draws its chunk from its own
//!   stream as if it were independent, then its values are put in the rank
//!   order of its column of scores. The values are only permuted, so every
//!   input's sample is exactly what the uncorrelated run drew (a discrete
//!   input's ties included); the dependence is a rank (copula) dependence.
//! - Gaussian copula (`GaussianCopula`): each input is its quantile at Φ(z)
//!   of correlated normal scores z. Marginals are exactly the laws, but the
//!   draws differ from the uncorrelated run's. This is the form that admits
//!   exact conditional sampling, which Shapley effects need.
//!
//! ```
//! use munflow::dependence::Method;
//! use munflow::dist::{Beta, Pert};
//! use munflow::engine::{run, RunOptions};
//! use munflow::expr::{correlate, Node};
//! let share = Node::draw(Beta::new(6.0, 4.0).unwrap().into()).named("share_152mm");
//! let load = Node::draw(Pert::new(300.0, 430.0, 500.0, 4.0).unwrap().into()).named("per_container");
//! let (nodes, repaired) =
//!     correlate(&[share, load], &[vec![1.0, 0.7], vec![0.7, 1.0]], Method::ImanConover).unwrap();
//! assert!(repaired.is_none());
//! let outputs = [("shells".to_string(), nodes[0].mul(&nodes[1]))];
//! let res = run(&outputs, &RunOptions::new(8192, 1)).unwrap();
//! assert_eq!(res.column("share_152mm").unwrap().len(), 8192);
//! ```

mod eigen;
mod matrix;
mod scores;

pub use matrix::{
    check_correlation, cholesky, min_eigenvalue, nearest_correlation, nearest_correlation_until,
    symmetric_eigen, Matrix,
};
pub use scores::{reorder, van_der_waerden};

use crate::error::{Error, Result};
use crate::stream::{key_mix, stream_rng, Domain, CHUNK};
use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, OnceLock, Weak};

/// How a coupling imposes its rank correlations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    ImanConover,
    GaussianCopula,
}

impl Method {
    /// `"iman-conover"` or `"gaussian-copula"`.
    pub fn name(self) -> &'static str {
        match self {
            Method::ImanConover => "iman-conover",
            Method::GaussianCopula => "gaussian-copula",
        }
    }

    /// The method named `name` (as [`Method::name`] spells it).
    pub fn parse(name: &str) -> Result<Method> {
        match name {
            "iman-conover" => Ok(Method::ImanConover),
            "gaussian-copula" => Ok(Method::GaussianCopula),
            other => Err(Error::InvalidArgument(format!(
                "method must be 'iman-conover' or 'gaussian-copula', got '{other}'"
            ))),
        }
    }
}

/// A target matrix that was not positive semi-definite, and the nearest
/// correlation matrix used instead.
#[derive(Debug, Clone)]
pub struct Repair {
    pub given: Matrix,
    pub used: Matrix,
}

/// A target Spearman matrix imposed on k inputs, and what imposing it needs.
#[derive(Debug)]
pub struct Coupling {
    method: Method,
    /// The target Spearman matrix (after any repair).
    rank_corr: Matrix,
    /// The Pearson correlation of the normal scores that gives that Spearman
    /// correlation: 2 sin(π ρs / 6) (exact for a Gaussian pair), and its
    /// Cholesky factor.
    normal: Matrix,
    chol: Matrix,
    /// The inputs' labels, in column order (messages, and the stream key).
    labels: Vec<String>,
    key: u64,
    /// Identity: unique across processes like a node's, so members pickled
    /// one by one come back coupled again (see [`Coupling::restore`]).
    id: u64,
    /// Van der Waerden scores of a full chunk, made once.
    full_chunk: OnceLock<Vec<f64>>,
}

impl Coupling {
    /// A coupling of inputs labelled `labels` with target Spearman matrix
    /// `rank_corr`: validated, and repaired to the nearest correlation
    /// matrix when it is not positive semi-definite (the repair returned).
    ///
    /// # Errors
    /// A matrix that is not square of the inputs' size, not symmetric, has
    /// entries outside [-1, 1] or a diagonal other than 1.
    pub fn new(
        method: Method,
        rank_corr: &[Vec<f64>],
        labels: Vec<String>,
    ) -> Result<(Coupling, Option<Repair>)> {
        Coupling::new_until(method, rank_corr, labels, &AtomicBool::new(false))
    }

    /// [`Coupling::new`], stopping with [`Error::Interrupted`] once `cancel`
    /// is set (repairing a target of a few hundred inputs takes a while).
    pub fn new_until(
        method: Method,
        rank_corr: &[Vec<f64>],
        labels: Vec<String>,
        cancel: &AtomicBool,
    ) -> Result<(Coupling, Option<Repair>)> {
        let given = Matrix::from_rows(rank_corr, "rank_corr")?;
        if given.k != labels.len() {
            return Err(Error::InvalidArgument(format!(
                "rank_corr is {k} x {k} but {} inputs are correlated",
                labels.len(),
                k = given.k
            )));
        }
        check_correlation(&given, "rank_corr")?;
        let (target, repair) = if min_eigenvalue(&given) < -1e-10 {
            let used = nearest_correlation_until(&given, 1e-8, cancel)?;
            (used.clone(), Some(Repair { given, used }))
        } else {
            (given, None)
        };
        let normal = target.map(|rs| 2.0 * (std::f64::consts::PI * rs / 6.0).sin());
        // The Spearman-to-Pearson map can push a PSD target just outside
        // the cone (rarely, and by rounding-sized amounts): repair quietly.
        let normal = match cholesky(&normal) {
            Some(_) => normal,
            None => nearest_correlation_until(&normal, 1e-10, cancel)?,
        };
        let chol = cholesky(&normal).ok_or_else(|| {
            Error::InvalidArgument("rank_corr: no Cholesky factor after repair".into())
        })?;
        let mut key = key_mix(Domain::CouplingKey.value() ^ method as u64);
        for label in &labels {
            for b in label.bytes() {
                key = key_mix(key ^ b as u64);
            }
            key = key_mix(key ^ 0xff);
        }
        for v in &target.data {
            key = key_mix(key ^ v.to_bits());
        }
        let coupling = Coupling {
            method,
            rank_corr: target,
            normal,
            chol,
            labels,
            key,
            id: crate::identity::fresh_id(),
            full_chunk: OnceLock::new(),
        };
        Ok((coupling, repair))
    }

    /// The coupling `id` as it was saved with one of its members: the one
    /// already in this process if it is alive (members saved or pickled one
    /// by one are coupled again, as one coupling), else built from the saved
    /// matrix and kept for the members restored after it.
    ///
    /// # Errors
    /// A saved matrix or method that is not valid (see [`Coupling::new`]).
    pub(crate) fn restore(
        id: u64,
        key: u64,
        method: Method,
        rank_corr: &[Vec<f64>],
        labels: Vec<String>,
    ) -> Result<Arc<Coupling>> {
        let mut live = LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // The key (from the content) guards against two identities colliding.
        if let Some(c) = live
            .as_ref()
            .and_then(|table| table.get(&id))
            .and_then(Weak::upgrade)
            .filter(|c| c.key == key)
        {
            return Ok(c);
        }
        let (mut made, _) = Coupling::new(method, rank_corr, labels)?;
        made.id = id;
        Ok(made.live_in(&mut live))
    }

    /// This coupling, shared, and recorded among the live ones (so members
    /// restored one by one find it again).
    pub(crate) fn into_live(self) -> Arc<Coupling> {
        self.live_in(&mut LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    fn live_in(self, live: &mut Option<HashMap<u64, Weak<Coupling>>>) -> Arc<Coupling> {
        let made = Arc::new(self);
        register(live, &made);
        made
    }

    /// The coupling's identity, saved with its members.
    pub fn id(&self) -> u64 {
        self.id
    }

    pub fn method(&self) -> Method {
        self.method
    }
    /// The target Spearman matrix in force (after any repair).
    pub fn rank_corr(&self) -> &Matrix {
        &self.rank_corr
    }
    /// The correlation of the normal scores (the Gaussian copula's matrix).
    pub fn normal_corr(&self) -> &Matrix {
        &self.normal
    }
    pub fn labels(&self) -> &[String] {
        &self.labels
    }
    pub fn len(&self) -> usize {
        self.labels.len()
    }
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
    /// The key of the coupling's own stream (from its content, so the same
    /// coupling built again draws the same scores).
    pub fn key(&self) -> u64 {
        self.key
    }

    /// The scores of chunk `chunk` (`len` rows), one column per input, into
    /// `out`, from the stream `key` (the engine mixes [`Coupling::key`] with
    /// its members' stream keys): for Iman-Conover, scores whose ranks order
    /// the draws; for the Gaussian copula, the correlated standard normal
    /// scores themselves.
    pub fn fill_scores(&self, seed: u64, key: u64, chunk: usize, len: usize, out: &mut [Vec<f64>]) {
        let mut rng = stream_rng(seed, key ^ Domain::CouplingScores.value(), chunk);
        match self.method {
            Method::GaussianCopula => scores::gaussian(&mut rng, &self.chol, out, len),
            Method::ImanConover => {
                let owned;
                let base = if len == CHUNK {
                    self.full_chunk.get_or_init(|| van_der_waerden(CHUNK))
                } else {
                    owned = van_der_waerden(len);
                    &owned
                };
                scores::iman_conover(&mut rng, base, &self.chol, out)
            }
        }
    }
}

/// The couplings alive in this process, by identity.
static LIVE: Mutex<Option<HashMap<u64, Weak<Coupling>>>> = Mutex::new(None);

/// Records `coupling` among the live ones, dropping the dead entries when
/// they could make up half the table (so it stays as small as what lives).
fn register(live: &mut Option<HashMap<u64, Weak<Coupling>>>, coupling: &Arc<Coupling>) {
    let table = live.get_or_insert_with(HashMap::new);
    if table.len() >= 64 && table.len().is_power_of_two() {
        table.retain(|_, c| c.strong_count() > 0);
    }
    table.insert(coupling.id, Arc::downgrade(coupling));
}

/// One input's place in a coupling.
#[derive(Debug, Clone)]
pub struct Member {
    pub coupling: Arc<Coupling>,
    pub index: usize,
}
