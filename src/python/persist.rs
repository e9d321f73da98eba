//! Pickling and saving: the state of expressions, run outputs and scenarios
//! as plain data (JSON from `crate::expr::persist`, numpy arrays), and the
//! functions that restore them. Restoring never runs code from the data.

use super::dists::Distribution;
use super::errors::IntoPy;
use super::expr::Expr;
use super::run::RunOutput;
use crate::expr::{restore, save, Node, Op, Saved, StreamKeys};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

fn malformed(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(format!("a saved munflow object is malformed: {e}"))
}

/// The graph behind `nodes` as JSON text.
pub(crate) fn graph_json(nodes: &[Node]) -> PyResult<String> {
    serde_json::to_string(&save(nodes)).map_err(malformed)
}

/// The nodes of a graph saved by [`graph_json`].
pub(crate) fn graph_nodes(json: &str) -> PyResult<Vec<Node>> {
    let saved: Saved = serde_json::from_str(json).map_err(malformed)?;
    restore(&saved).py_err()
}

/// An expression (a Distribution if `distribution`) from `Expr.__reduce__`'s state.
#[pyfunction]
fn _restore_expr(py: Python<'_>, graph: &str, distribution: bool) -> PyResult<Py<PyAny>> {
    let node = graph_nodes(graph)?
        .pop()
        .ok_or_else(|| malformed("no expression"))?;
    match (distribution, node.op()) {
        (true, Op::Draw(dist)) => {
            let init = PyClassInitializer::from(Expr::new(node.clone()))
                .add_subclass(Distribution { dist: dist.clone() });
            Ok(Py::new(py, init)?.into_any())
        }
        // A constant "distribution" (mf.constant) is a constant node.
        (true, Op::Const(v)) => {
            let dist = crate::dist::Constant::new(*v).py_err()?.into();
            let init = PyClassInitializer::from(Expr::new(node.clone()))
                .add_subclass(Distribution { dist });
            Ok(Py::new(py, init)?.into_any())
        }
        (true, _) => Err(malformed("a distribution whose node is not a draw")),
        (false, _) => Ok(Py::new(py, Expr::new(node))?.into_any()),
    }
}

/// The graph of several expressions as JSON (one file can hold a model).
#[pyfunction]
#[pyo3(name = "_save_graph")]
fn save_graph(exprs: Vec<PyRef<'_, Expr>>) -> PyResult<String> {
    let nodes: Vec<Node> = exprs.iter().map(|e| e.node.clone()).collect();
    graph_json(&nodes)
}

/// The expressions of a graph saved by `save_graph`, in order.
#[pyfunction]
#[pyo3(name = "_restore_graph")]
fn restore_graph(py: Python<'_>, graph: &str) -> PyResult<Vec<Py<Expr>>> {
    graph_nodes(graph)?
        .into_iter()
        .map(|n| Py::new(py, Expr::new(n)))
        .collect()
}

/// A run output from its parts (pickling, and `munflow.load`).
#[pyfunction]
fn _restore_run_output(
    n: usize,
    seed: u64,
    outputs: Vec<String>,
    inputs: Vec<String>,
    columns: Bound<'_, PyDict>,
    keys: &str,
) -> PyResult<RunOutput> {
    let keys: StreamKeys = serde_json::from_str(keys).map_err(malformed)?;
    RunOutput::from_parts(n, seed, outputs, inputs, columns, keys)
}

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_restore_expr, m)?)?;
    m.add_function(wrap_pyfunction!(save_graph, m)?)?;
    m.add_function(wrap_pyfunction!(restore_graph, m)?)?;
    m.add_function(wrap_pyfunction!(_restore_run_output, m)?)?;
    Ok(())
}
