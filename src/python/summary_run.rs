//! Summary-only runs from Python: the summaries of a run's outputs without
//! its columns (see [`crate::summary_run`]).

use super::args::{to_count, to_seed, to_threads};
use super::detach::{detached, WorkFlags};
use super::run::{summary_rows, to_outputs, SummaryRow};
use crate::engine::RunOptions;
use crate::summary_run::{planned_chunks, summarise};
use pyo3::prelude::*;

/// Summarises `outputs` over n samples without storing them; returns
/// (seed, [(mean, sd, min, max, [quantiles])]) in the order of the outputs.
#[pyfunction]
#[pyo3(signature = (outputs, n, seed=None, *, quantiles, threads=None, allow_nan=false,
                    progress=None))]
#[allow(clippy::too_many_arguments)]
fn summarise_run(
    py: Python<'_>,
    outputs: &Bound<'_, PyAny>,
    n: &Bound<'_, PyAny>,
    seed: Option<&Bound<'_, PyAny>>,
    quantiles: Vec<f64>,
    threads: Option<&Bound<'_, PyAny>>,
    allow_nan: bool,
    progress: Option<Py<PyAny>>,
) -> PyResult<(u64, Vec<SummaryRow>)> {
    let outputs = to_outputs(outputs)?;
    let mut opts = RunOptions::new(to_count(n, "n")?, to_seed(seed)?);
    opts.threads = to_threads(threads)?;
    opts.allow_nan = allow_nan;
    opts.store_inputs = false;
    let flags = WorkFlags::attach(&mut opts);
    let total = planned_chunks(opts.n);
    let summaries = detached(py, &flags, total, progress, || {
        summarise(&outputs, &opts, &quantiles)
    })?;
    Ok((opts.seed, summary_rows(summaries)))
}

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(summarise_run, m)?)?;
    Ok(())
}
