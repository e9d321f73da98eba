//! Running models from Python: the GIL is released while Rust works, Ctrl-C
//! is honoured within ~0.1 s, and a progress callback is fed.

use super::args::RunArgs;
use super::detach::{detached, WorkFlags};
use super::expr::to_node;
use crate::engine::{chunk_count, run_selected, RunOptions, RunResult};
use crate::expr::{Node, StreamKeys};
use crate::stats;
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use std::sync::Arc;

/// Runs the engine with the GIL released, honouring Ctrl-C and feeding
/// `progress(done_chunks, total_chunks)`.
pub(crate) fn run_blocking(
    py: Python<'_>,
    outputs: Vec<(String, Node)>,
    store: Option<Vec<bool>>,
    mut opts: RunOptions,
    progress: Option<Py<PyAny>>,
) -> PyResult<RunResult> {
    let flags = WorkFlags::attach(&mut opts);
    let total = chunk_count(opts.n);
    let store = store.unwrap_or_else(|| vec![true; outputs.len()]);
    detached(py, &flags, total, progress, || {
        run_selected(&outputs, &store, &opts)
    })
}

/// The raw result of a run: columns as numpy arrays (no copy), seed, n, names.
#[pyclass(module = "munflow._core", frozen)]
pub struct RunOutput {
    #[pyo3(get)]
    n: usize,
    #[pyo3(get)]
    seed: u64,
    #[pyo3(get)]
    outputs: Vec<String>,
    #[pyo3(get)]
    inputs: Vec<String>,
    #[pyo3(get)]
    columns: Py<PyDict>,
    keys: StreamKeys,
}

impl RunOutput {
    /// A run output from saved parts; the columns must be float64 arrays of
    /// length `n`, one per output and input.
    pub(crate) fn from_parts(
        n: usize,
        seed: u64,
        outputs: Vec<String>,
        inputs: Vec<String>,
        columns: Bound<'_, PyDict>,
        keys: StreamKeys,
    ) -> PyResult<RunOutput> {
        for name in outputs.iter().chain(&inputs) {
            let column = columns.get_item(name)?.ok_or_else(|| {
                PyValueError::new_err(format!("saved results have no column '{name}'"))
            })?;
            let array: PyReadonlyArray1<'_, f64> = column.extract().map_err(|_| {
                PyValueError::new_err(format!("saved column '{name}' is not a 1-d float64 array"))
            })?;
            if array.len()? != n {
                return Err(PyValueError::new_err(format!(
                    "saved column '{name}' has {} samples, not {n}",
                    array.len()?
                )));
            }
        }
        Ok(RunOutput {
            n,
            seed,
            outputs,
            inputs,
            columns: columns.unbind(),
            keys,
        })
    }
}

impl RunOutput {
    pub(crate) fn n(&self) -> usize {
        self.n
    }
    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }
    pub(crate) fn keys(&self) -> &StreamKeys {
        &self.keys
    }
}

#[pymethods]
impl RunOutput {
    /// The stream keys as JSON text (saved with results).
    fn keys_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.keys)
            .map_err(|e| PyValueError::new_err(format!("cannot save the stream keys: {e}")))
    }

    fn __reduce__(slf: &Bound<'_, Self>) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
        let py = slf.py();
        let me = slf.get();
        let restore = py.import("munflow._core")?.getattr("_restore_run_output")?;
        let args = (
            me.n,
            me.seed,
            me.outputs.clone(),
            me.inputs.clone(),
            me.columns.clone_ref(py),
            me.keys_json()?,
        )
            .into_pyobject(py)?;
        Ok((restore.unbind(), args.into_any().unbind()))
    }
}

pub(crate) fn to_outputs(outputs: &Bound<'_, PyAny>) -> PyResult<Vec<(String, Node)>> {
    let list = outputs
        .cast::<PyList>()
        .map_err(|_| PyTypeError::new_err("outputs must be a list of (name, expr) pairs"))?;
    let mut out = Vec::with_capacity(list.len());
    for item in list.iter() {
        let (name, expr): (String, Bound<'_, PyAny>) = item
            .extract()
            .map_err(|_| PyTypeError::new_err("outputs must be a list of (name, expr) pairs"))?;
        let node = to_node(&expr, &format!("output '{name}'"))?;
        out.push((name, node));
    }
    Ok(out)
}

/// Evaluates `outputs` (a list of (name, expr)) for n samples.
#[pyfunction]
#[pyo3(name = "_run")]
#[pyo3(signature = (outputs, n, seed=None, *, threads=None, store_inputs=true, allow_nan=false,
                    progress=None, store=None, feeds=None, keys_from=None, latent=None,
                    conditioned=None))]
#[allow(clippy::too_many_arguments)]
fn run(
    py: Python<'_>,
    outputs: &Bound<'_, PyAny>,
    n: &Bound<'_, PyAny>,
    seed: Option<&Bound<'_, PyAny>>,
    threads: Option<&Bound<'_, PyAny>>,
    store_inputs: bool,
    allow_nan: bool,
    progress: Option<Py<PyAny>>,
    store: Option<Vec<bool>>,
    feeds: Option<Vec<(Bound<'_, PyAny>, PyReadonlyArray1<'_, f64>)>>,
    keys_from: Option<PyRef<'_, RunOutput>>,
    latent: Option<Vec<(u64, PyReadonlyArray1<'_, f64>)>>,
    conditioned: Option<&Bound<'_, PyAny>>,
) -> PyResult<RunOutput> {
    let outputs = to_outputs(outputs)?;
    let mut opts = RunArgs::parse(n, seed, threads, allow_nan)?.options(RunOptions::new);
    opts.store_inputs = store_inputs;
    if let Some(feeds) = feeds {
        for (expr, values) in feeds {
            let node = to_node(&expr, "feed")?;
            let values: Arc<[f64]> = values
                .as_slice()
                .map_err(|_| {
                    PyValueError::new_err("fed values must be a contiguous float64 array")
                })?
                .into();
            opts.feeds.push((node, values));
        }
    }
    if let Some(store) = &store {
        if store.len() != outputs.len() {
            return Err(PyValueError::new_err("store must have one flag per output"));
        }
    }
    opts.keys = keys_from.map(|r| r.keys.clone());
    opts.latent = to_scores(latent)?;
    if let Some(observations) = conditioned {
        // A posterior's rows: drawn counts stated exactly take their figures.
        let observations = super::observations::to_observations(observations)?;
        opts.conditioned =
            crate::evidence::conditions(&observations).map_err(super::errors::to_py)?;
    }
    let result = run_blocking(py, outputs, store, opts, progress)?;
    let columns = PyDict::new(py);
    for (name, values) in result.columns {
        let arr: Bound<'_, PyArray1<f64>> = values.into_pyarray(py);
        columns.set_item(name, arr)?;
    }
    Ok(RunOutput {
        n: result.n,
        seed: result.seed,
        outputs: result.outputs,
        inputs: result.inputs,
        columns: columns.unbind(),
        keys: result.keys,
    })
}

/// One column's summary as Python sees it.
pub(super) type SummaryRow = super::summary::Summary;

/// The columns as slices, once the quantile levels are checked.
fn summary_inputs<'a>(
    columns: &'a [PyReadonlyArray1<'_, f64>],
    quantiles: &[f64],
) -> PyResult<Vec<&'a [f64]>> {
    for &q in quantiles {
        if !(0.0..=1.0).contains(&q) {
            return Err(PyValueError::new_err(format!(
                "quantiles must be in [0, 1], got {q}"
            )));
        }
    }
    columns
        .iter()
        .map(|c| c.as_slice())
        .collect::<Result<_, _>>()
        .map_err(|_| PyValueError::new_err("columns must be contiguous float64 arrays"))
}

pub(super) fn summary_rows(summaries: Vec<stats::Summary>) -> Vec<SummaryRow> {
    summaries.into_iter().map(SummaryRow::from).collect()
}

/// Per-column summaries (mean, sd, min, max, quantiles).
#[pyfunction]
#[pyo3(name = "_describe")]
fn describe(
    py: Python<'_>,
    columns: Vec<PyReadonlyArray1<'_, f64>>,
    quantiles: Vec<f64>,
) -> PyResult<Vec<SummaryRow>> {
    let slices = summary_inputs(&columns, &quantiles)?;
    Ok(summary_rows(
        py.detach(|| stats::describe(&slices, &quantiles)),
    ))
}

/// Per-column summaries of weighted rows, as `describe` gives them.
#[pyfunction]
#[pyo3(name = "_describe_weighted")]
fn describe_weighted(
    py: Python<'_>,
    columns: Vec<PyReadonlyArray1<'_, f64>>,
    weights: PyReadonlyArray1<'_, f64>,
    quantiles: Vec<f64>,
) -> PyResult<Vec<SummaryRow>> {
    let slices = summary_inputs(&columns, &quantiles)?;
    let w = weights
        .as_slice()
        .map_err(|_| PyValueError::new_err("weights must be a contiguous float64 array"))?;
    if let Some(c) = slices.iter().find(|c| c.len() != w.len()) {
        return Err(PyValueError::new_err(format!(
            "a column has {} rows but there are {} weights",
            c.len(),
            w.len()
        )));
    }
    Ok(summary_rows(py.detach(|| {
        stats::describe_weighted(&slices, w, &quantiles)
    })))
}

/// Normal scores by stream key (a tempering posterior's), as the engine takes them.
pub(crate) fn to_scores(
    latent: Option<Vec<(u64, PyReadonlyArray1<'_, f64>)>>,
) -> PyResult<std::collections::HashMap<u64, Arc<[f64]>>> {
    latent
        .unwrap_or_default()
        .into_iter()
        .map(|(key, z)| {
            let z: Arc<[f64]> = z
                .as_slice()
                .map_err(|_| {
                    PyValueError::new_err("normal scores must be a contiguous float64 array")
                })?
                .into();
            Ok((key, z))
        })
        .collect()
}

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(describe_weighted, m)?)?;
    m.add_function(wrap_pyfunction!(describe, m)?)?;
    Ok(())
}
