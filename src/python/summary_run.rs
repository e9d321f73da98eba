//! Summary-only runs from Python: the summaries of a run's outputs without
//! its columns (see [`crate::summary_run`]).

use super::args::{to_count, to_seed, to_threads};
use super::detach::{detached, WorkFlags};
use super::errors::to_py;
use super::run::{summary_rows, to_outputs, SummaryRow};
use crate::engine::{fold_chunks, RunOptions};
use crate::summary_run::{
    evaluate, from_bytes, planned_chunks, summarise, to_bytes, Pass, PassResult, SummaryJob,
};
use numpy::{IntoPyArray, PyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

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

/// A summary-only run driven pass by pass, for runs whose passes are cut
/// into tasks elsewhere (munflow.dask): `next_pass()` gives the pass (as
/// bytes) and the chunks it covers; the merged result goes to `absorb()`.
#[pyclass(module = "munflow._core", name = "SummaryJob")]
struct PySummaryJob {
    job: SummaryJob,
}

#[pymethods]
impl PySummaryJob {
    #[new]
    fn new(n: &Bound<'_, PyAny>, outputs: usize, quantiles: Vec<f64>) -> PyResult<Self> {
        let job = SummaryJob::new(to_count(n, "n")?, outputs, &quantiles).map_err(to_py)?;
        Ok(PySummaryJob { job })
    }

    /// (pass, first chunk, end chunk), or None when every pass is done.
    fn next_pass<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<Option<(Bound<'py, PyBytes>, usize, usize)>> {
        match self.job.next_pass() {
            None => Ok(None),
            Some((pass, chunks)) => {
                let bytes = to_bytes(&pass).map_err(to_py)?;
                Ok(Some((PyBytes::new(py, &bytes), chunks.start, chunks.end)))
            }
        }
    }

    /// Takes in the merged result of the current pass.
    fn absorb(&mut self, result: &[u8]) -> PyResult<()> {
        let result: PassResult = from_bytes(result).map_err(to_py)?;
        self.job.absorb(result).map_err(to_py)
    }

    /// Per output (mean, sd, min, max, [quantiles]), once done.
    fn summaries(&self) -> PyResult<Vec<SummaryRow>> {
        if self.job.next_pass().is_some() {
            return Err(PyValueError::new_err(
                "the summary is not finished: passes remain",
            ));
        }
        Ok(summary_rows(self.job.summaries()))
    }
}

/// Evaluates one pass (bytes from `SummaryJob.next_pass`) of a summary-only
/// run over chunks [start, end); returns its result as bytes.
#[pyfunction]
#[pyo3(signature = (outputs, n, seed, summary_pass, start, end, *, threads=None, allow_nan=false))]
#[allow(clippy::too_many_arguments)]
fn run_summary_pass<'py>(
    py: Python<'py>,
    outputs: &Bound<'py, PyAny>,
    n: &Bound<'py, PyAny>,
    seed: &Bound<'py, PyAny>,
    summary_pass: &[u8],
    start: usize,
    end: usize,
    threads: Option<&Bound<'py, PyAny>>,
    allow_nan: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    let outputs = to_outputs(outputs)?;
    let mut opts = RunOptions::new(to_count(n, "n")?, to_seed(Some(seed))?);
    opts.threads = to_threads(threads)?;
    opts.allow_nan = allow_nan;
    opts.store_inputs = false;
    let pass: Pass = from_bytes(summary_pass).map_err(to_py)?;
    if start > end {
        return Err(PyValueError::new_err(format!(
            "start must be <= end, got {start} and {end}"
        )));
    }
    let flags = WorkFlags::attach(&mut opts);
    let bytes = detached(py, &flags, end - start, None, || {
        to_bytes(&evaluate(&outputs, &opts, &pass, start..end)?)
    })?;
    Ok(PyBytes::new(py, &bytes))
}

/// The samples of `outputs` in rows [start * CHUNK, min(end * CHUNK, n))
/// of a run of n samples: exactly those rows of the full run. Returns a
/// list of numpy arrays, one per output.
#[pyfunction]
#[pyo3(signature = (outputs, n, seed, start, end, *, threads=None, allow_nan=false))]
#[allow(clippy::too_many_arguments)]
fn run_chunk_range<'py>(
    py: Python<'py>,
    outputs: &Bound<'py, PyAny>,
    n: &Bound<'py, PyAny>,
    seed: &Bound<'py, PyAny>,
    start: usize,
    end: usize,
    threads: Option<&Bound<'py, PyAny>>,
    allow_nan: bool,
) -> PyResult<Vec<Bound<'py, PyArray1<f64>>>> {
    let outputs = to_outputs(outputs)?;
    let mut opts = RunOptions::new(to_count(n, "n")?, to_seed(Some(seed))?);
    opts.threads = to_threads(threads)?;
    opts.allow_nan = allow_nan;
    if start > end {
        return Err(PyValueError::new_err(format!(
            "start must be <= end, got {start} and {end}"
        )));
    }
    let width = outputs.len();
    let flags = WorkFlags::attach(&mut opts);
    let mut chunks = detached(py, &flags, end - start, None, || {
        fold_chunks(
            &outputs,
            &vec![true; outputs.len()],
            &opts,
            start..end,
            Vec::new,
            |acc: &mut Vec<(usize, Vec<Vec<f64>>)>, c, cols| {
                acc.push((c, cols.iter().map(|col| col.to_vec()).collect()));
                Ok(())
            },
            |mut a, b| {
                a.extend(b);
                a
            },
        )
    })?;
    chunks.sort_by_key(|(c, _)| *c);
    Ok((0..width)
        .map(|j| {
            let column: Vec<f64> = chunks
                .iter()
                .flat_map(|(_, cols)| cols[j].iter().copied())
                .collect();
            column.into_pyarray(py)
        })
        .collect())
}

/// Merges results (bytes) of the same pass over different chunks; the
/// order does not matter.
#[pyfunction]
fn merge_summary_passes<'py>(
    py: Python<'py>,
    results: Vec<Vec<u8>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let merged = py.detach(|| -> crate::Result<Vec<u8>> {
        let mut parts = results.iter().map(|b| from_bytes::<PassResult>(b));
        let first = parts.next().ok_or_else(|| {
            crate::Error::InvalidArgument("nothing to merge: no results given".into())
        })??;
        let merged = parts.try_fold(first, |acc, r| acc.merge(r?))?;
        to_bytes(&merged)
    });
    Ok(PyBytes::new(py, &merged.map_err(to_py)?))
}

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(summarise_run, m)?)?;
    m.add_function(wrap_pyfunction!(run_summary_pass, m)?)?;
    m.add_function(wrap_pyfunction!(merge_summary_passes, m)?)?;
    m.add_function(wrap_pyfunction!(run_chunk_range, m)?)?;
    m.add_class::<PySummaryJob>()?;
    Ok(())
}
