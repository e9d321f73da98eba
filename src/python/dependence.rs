//! Correlated inputs from Python: `correlate` makes the coupled draws, and
//! `couplings` lists the couplings a model's outputs depend on (for the
//! achieved-versus-target table and for refusing Sobol indices).

use super::detach::{detached, WorkFlags};
use super::dists::Distribution;
use super::errors::IntoPy;
use super::expr::{to_node, Expr};
use crate::dependence::Method;
use crate::expr::correlate_until as couple;
use crate::expr::{Node, Op};
use pyo3::prelude::*;
use std::sync::Arc;

/// The coupled inputs, and the matrix used if the target was repaired.
type Coupled = (Vec<Py<PyAny>>, Option<Vec<Vec<f64>>>);

/// The inputs drawn jointly: new Distributions in the same order, and the
/// matrix used when the target had to be repaired (else None).
#[pyfunction]
fn correlate(
    py: Python<'_>,
    inputs: Vec<Bound<'_, PyAny>>,
    rank_corr: Vec<Vec<f64>>,
    method: &str,
) -> PyResult<Coupled> {
    let method = Method::parse(method).py_err()?;
    let nodes = inputs
        .iter()
        .enumerate()
        .map(|(i, obj)| to_node(obj, &format!("inputs[{i}]")))
        .collect::<PyResult<Vec<Node>>>()?;
    // Repairing a large target takes seconds: off the GIL, answering Ctrl-C.
    let flags = WorkFlags::default();
    let (coupled, repair) = detached(py, &flags, 0, None, || {
        couple(&nodes, &rank_corr, method, &flags.cancel)
    })?;
    let out = coupled
        .into_iter()
        .map(|node| {
            let Op::Draw(dist) = node.op() else {
                return Ok(Py::new(py, Expr::new(node))?.into_any());
            };
            let dist = dist.clone();
            let init =
                PyClassInitializer::from(Expr::new(node)).add_subclass(Distribution { dist });
            Ok(Py::new(py, init)?.into_any())
        })
        .collect::<PyResult<Vec<_>>>()?;
    Ok((out, repair.map(|r| r.used.rows())))
}

/// A coupling as Python sees it: (method, labels, names of the members the
/// outputs use by column (None when unnamed or unused), target Spearman,
/// Pearson correlation of the normal scores).
type CouplingInfo = (
    String,
    Vec<String>,
    Vec<Option<String>>,
    Vec<Vec<f64>>,
    Vec<Vec<f64>>,
);

/// The couplings the expressions `exprs` depend on, in the order met.
#[pyfunction]
#[pyo3(name = "_couplings")]
fn couplings(exprs: Vec<Bound<'_, PyAny>>) -> PyResult<Vec<CouplingInfo>> {
    let mut found: Vec<(Arc<crate::dependence::Coupling>, Vec<Option<String>>)> = Vec::new();
    let roots = exprs
        .iter()
        .enumerate()
        .map(|(i, obj)| to_node(obj, &format!("exprs[{i}]")))
        .collect::<PyResult<Vec<Node>>>()?;
    // One walk of the whole graph (a timeline's outputs share most of it).
    for node in crate::expr::post_order(&roots, |_| true) {
        let Some(m) = node.member() else { continue };
        let at = match found.iter().position(|(c, _)| Arc::ptr_eq(c, &m.coupling)) {
            Some(at) => at,
            None => {
                found.push((m.coupling.clone(), vec![None; m.coupling.len()]));
                found.len() - 1
            }
        };
        found[at].1[m.index] = node.name().map(str::to_string);
    }
    Ok(found
        .into_iter()
        .map(|(c, names)| {
            (
                c.method().name().to_string(),
                c.labels().to_vec(),
                names,
                c.rank_corr().rows(),
                c.normal_corr().rows(),
            )
        })
        .collect())
}

/// The nearest correlation matrix to `matrix` (Higham 2002).
#[pyfunction]
fn nearest_correlation(py: Python<'_>, matrix: Vec<Vec<f64>>) -> PyResult<Vec<Vec<f64>>> {
    let m = crate::dependence::Matrix::from_rows(&matrix, "matrix").py_err()?;
    let flags = WorkFlags::default();
    let near = detached(py, &flags, 0, None, || {
        crate::dependence::nearest_correlation_until(&m, 0.0, &flags.cancel)
    })?;
    Ok(near.rows())
}

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(correlate, m)?)?;
    m.add_function(wrap_pyfunction!(couplings, m)?)?;
    m.add_function(wrap_pyfunction!(nearest_correlation, m)?)?;
    Ok(())
}
