//! Summary-only runs from Python: the summaries of a run's outputs without
//! its columns (see [`crate::summary_run`]).

use super::args::{to_count, RunArgs};
use super::detach::{detached, WorkFlags};
use super::errors::to_py;
use super::observations::to_observations;
use super::run::{summary_rows, to_outputs, SummaryRow};
use crate::engine::{chunk_count, collect_chunks, RunOptions};
use crate::summary_run::{
    evaluate, from_bytes, planned_chunks, summarise, summarise_posterior, to_bytes, Pass,
    PassResult, SummaryJob, WeightDiagnostics, WeightingOptions,
};
use numpy::{IntoPyArray, PyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

/// Summarises `outputs` over n samples without storing them; returns
/// (seed, [Summary], diagnostics) in the order of
/// the outputs. With observations, the summary is of the posterior by
/// likelihood weighting, and diagnostics is a dict (ess, pareto_k,
/// log_evidence); otherwise None.
#[pyfunction]
#[pyo3(name = "_summarise_run")]
#[pyo3(signature = (outputs, n, seed=None, *, quantiles, threads=None, allow_nan=false,
                    progress=None, observations=None, min_ess=0.1, max_pareto_k=0.7,
                    force_weighting=false))]
#[allow(clippy::too_many_arguments)]
fn summarise_run<'py>(
    py: Python<'py>,
    outputs: &Bound<'py, PyAny>,
    n: &Bound<'py, PyAny>,
    seed: Option<&Bound<'py, PyAny>>,
    quantiles: Vec<f64>,
    threads: Option<&Bound<'py, PyAny>>,
    allow_nan: bool,
    progress: Option<Py<PyAny>>,
    observations: Option<&Bound<'py, PyAny>>,
    min_ess: f64,
    max_pareto_k: f64,
    force_weighting: bool,
) -> PyResult<(u64, Vec<SummaryRow>, Option<Bound<'py, PyDict>>)> {
    let outputs = to_outputs(outputs)?;
    let observations = match observations {
        Some(o) => to_observations(o)?,
        None => Vec::new(),
    };
    let mut opts = RunArgs::parse(n, seed, threads, allow_nan)?.options(RunOptions::new);
    opts.store_inputs = false;
    let flags = WorkFlags::attach(&mut opts);
    if observations.is_empty() {
        let total = planned_chunks(opts.n);
        let summaries = detached(py, &flags, total, progress, || {
            summarise(&outputs, &opts, &quantiles)
        })?;
        return Ok((opts.seed, summary_rows(summaries), None));
    }
    let options = weighting_options(min_ess, max_pareto_k, force_weighting)?;
    let total = planned_chunks(opts.n) + chunk_count(opts.n);
    let (summaries, diagnostics) = detached(py, &flags, total, progress, || {
        summarise_posterior(&outputs, &observations, &opts, &quantiles, &options)
    })?;
    Ok((
        opts.seed,
        summary_rows(summaries),
        Some(diagnostics_dict(py, &diagnostics)?),
    ))
}

fn weighting_options(min_ess: f64, max_pareto_k: f64, force: bool) -> PyResult<WeightingOptions> {
    if !(0.0..=1.0).contains(&min_ess) {
        return Err(PyValueError::new_err(format!(
            "min_ess must be a share of n in [0, 1], got {min_ess}"
        )));
    }
    Ok(WeightingOptions {
        min_ess,
        max_pareto_k,
        force,
    })
}

fn diagnostics_dict<'py>(py: Python<'py>, d: &WeightDiagnostics) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    out.set_item("ess", d.ess)?;
    out.set_item("pareto_k", d.pareto_k)?;
    out.set_item("log_evidence", d.log_evidence)?;
    Ok(out)
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
    /// A job for `outputs` columns; with `observations` (their names), of
    /// the posterior by likelihood weighting.
    #[new]
    #[pyo3(signature = (n, outputs, quantiles, *, observations=None, min_ess=0.1,
                        max_pareto_k=0.7, force_weighting=false))]
    fn new(
        n: &Bound<'_, PyAny>,
        outputs: usize,
        quantiles: Vec<f64>,
        observations: Option<Vec<String>>,
        min_ess: f64,
        max_pareto_k: f64,
        force_weighting: bool,
    ) -> PyResult<Self> {
        let n = to_count(n, "n")?;
        let job = match observations {
            None => SummaryJob::new(n, outputs, &quantiles),
            Some(names) => {
                let options = weighting_options(min_ess, max_pareto_k, force_weighting)?;
                SummaryJob::with_evidence(n, outputs, &quantiles, names, options)
            }
        }
        .map_err(to_py)?;
        Ok(PySummaryJob { job })
    }

    /// The weights' diagnostics (ess, pareto_k, log_evidence) of a
    /// posterior, once known; None otherwise.
    fn diagnostics<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        self.job
            .diagnostics()
            .map(|d| diagnostics_dict(py, &d))
            .transpose()
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

    /// The summary of each output, once done.
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
#[pyo3(name = "_run_summary_pass")]
#[pyo3(signature = (outputs, n, seed, summary_pass, start, end, *, threads=None, allow_nan=false,
                    observations=None))]
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
    observations: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let outputs = to_outputs(outputs)?;
    let observations = match observations {
        Some(o) => to_observations(o)?,
        None => Vec::new(),
    };
    let mut opts = RunArgs::parse(n, Some(seed), threads, allow_nan)?.options(RunOptions::new);
    opts.store_inputs = false;
    let pass: Pass = from_bytes(summary_pass).map_err(to_py)?;
    if start > end {
        return Err(PyValueError::new_err(format!(
            "start must be <= end, got {start} and {end}"
        )));
    }
    let flags = WorkFlags::attach(&mut opts);
    let bytes = detached(py, &flags, end - start, None, || {
        to_bytes(&evaluate(
            &outputs,
            &observations,
            &opts,
            &pass,
            start..end,
        )?)
    })?;
    Ok(PyBytes::new(py, &bytes))
}

/// The samples of `outputs` in rows [start * CHUNK, min(end * CHUNK, n))
/// of a run of n samples: exactly those rows of the full run. Returns a
/// list of numpy arrays, one per output.
#[pyfunction]
#[pyo3(name = "_run_chunk_range")]
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
    let mut opts = RunArgs::parse(n, Some(seed), threads, allow_nan)?.options(RunOptions::new);
    if start > end {
        return Err(PyValueError::new_err(format!(
            "start must be <= end, got {start} and {end}"
        )));
    }
    let width = outputs.len();
    let flags = WorkFlags::attach(&mut opts);
    let chunks = detached(py, &flags, end - start, None, || {
        collect_chunks(&outputs, &vec![true; outputs.len()], &opts, start..end)
    })?;
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
#[pyo3(name = "_merge_summary_passes")]
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
