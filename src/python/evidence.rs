//! Evidence from Python: runs conditioned on observations (described as
//! `super::observations` converts them) that return the posterior with its
//! diagnostics.

use super::args::{to_count, to_seed, to_threads, RunArgs};
use super::detach::{detached, WorkFlags};
use super::observations::{to_observations, PyObservation};
use super::run::{to_outputs, to_scores, RunOutput};
use crate::engine::{chunk_count, RunOptions, RunResult};
use crate::evidence::{posterior, EvidenceOptions, Method};
use numpy::{IntoPyArray, PyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

fn run_output(py: Python<'_>, result: RunResult) -> PyResult<RunOutput> {
    let columns = PyDict::new(py);
    for (name, values) in result.columns {
        columns.set_item(name, values.into_pyarray(py))?;
    }
    RunOutput::from_parts(
        result.n,
        result.seed,
        result.outputs,
        result.inputs,
        columns,
        result.keys,
    )
}

fn arrays<'py>(py: Python<'py>, columns: Vec<Vec<f64>>) -> Vec<Bound<'py, PyArray1<f64>>> {
    columns.into_iter().map(|c| c.into_pyarray(py)).collect()
}

/// Runs a model conditioned on observations; returns a dict with the
/// posterior and prior runs, weights and diagnostics.
#[pyfunction]
#[pyo3(name = "_run_posterior")]
#[pyo3(signature = (outputs, observations, n, seed=None, *, threads=None, store_inputs=true,
                    allow_nan=false, progress=None, method="auto", min_ess=0.01,
                    max_pareto_k=0.7, max_stages=500, leave_out=None, tails=false))]
#[allow(clippy::too_many_arguments)]
fn run_posterior<'py>(
    py: Python<'py>,
    outputs: &Bound<'py, PyAny>,
    observations: &Bound<'py, PyAny>,
    n: &Bound<'py, PyAny>,
    seed: Option<&Bound<'py, PyAny>>,
    threads: Option<&Bound<'py, PyAny>>,
    store_inputs: bool,
    allow_nan: bool,
    progress: Option<Py<PyAny>>,
    method: &str,
    min_ess: f64,
    max_pareto_k: f64,
    max_stages: usize,
    leave_out: Option<Vec<String>>,
    tails: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let outputs = to_outputs(outputs)?;
    let observations = to_observations(observations)?;
    let mut run = RunArgs::parse(n, seed, threads, allow_nan)?.options(RunOptions::new);
    run.store_inputs = store_inputs;
    if !(0.0..=1.0).contains(&min_ess) {
        return Err(PyValueError::new_err(format!(
            "min_ess must be a share of n in [0, 1], got {min_ess}"
        )));
    }
    if max_stages == 0 {
        return Err(PyValueError::new_err("max_stages must be >= 1, got 0"));
    }
    let mut opts = EvidenceOptions::new(run);
    opts.method = Method::from_name(method).map_err(super::errors::to_py)?;
    opts.min_ess = min_ess;
    opts.max_pareto_k = max_pareto_k;
    opts.schedule.max_stages = max_stages;
    opts.leave_out = leave_out.unwrap_or_default().into_iter().collect();
    opts.with_tails = tails;
    let flags = WorkFlags::attach(&mut opts.run);
    let total = 3 * chunk_count(opts.run.n);
    let post = detached(py, &flags, total, progress, || {
        posterior(&outputs, &observations, &opts)
    })?;
    let out = PyDict::new(py);
    out.set_item("method", post.method.name())?;
    out.set_item("method_reason", &post.reason)?;
    out.set_item("rows", post.rows)?;
    out.set_item("log_evidence_se", post.log_evidence_se)?;
    out.set_item("populations", post.populations.clone())?;
    out.set_item("exact_counts", post.exact_counts.clone())?;
    let run = Py::new(py, run_output(py, post.run)?)?;
    // Weighting's rows are the prior's: one object, not a copy.
    let prior = match post.prior {
        Some(prior) => Py::new(py, run_output(py, prior)?)?,
        None => run.clone_ref(py),
    };
    out.set_item("run", run)?;
    out.set_item("prior", prior)?;
    out.set_item("weights", post.weights.map(|w| w.into_pyarray(py)))?;
    out.set_item("ess", post.ess)?;
    out.set_item("weighting_ess", post.weighting_ess)?;
    out.set_item("weighting_pareto_k", post.weighting_pareto_k)?;
    let prior_log_lik = arrays(py, post.prior_log_lik);
    let prior_tails = arrays(py, post.prior_tails);
    if post.method == Method::Weighting {
        // The same rows, so the same terms: shared, not copied.
        out.set_item("log_lik", prior_log_lik.clone())?;
        out.set_item("tails", prior_tails.clone())?;
    } else {
        out.set_item("log_lik", arrays(py, post.log_lik))?;
        out.set_item("tails", arrays(py, post.tails))?;
    }
    out.set_item("prior_log_lik", prior_log_lik)?;
    out.set_item("prior_tails", prior_tails)?;
    let scores = PyList::empty(py);
    for (key, z) in post.scores {
        scores.append((key, z.to_vec().into_pyarray(py)))?;
    }
    out.set_item("scores", scores)?;
    let stages = PyList::empty(py);
    for s in post.stages {
        let d = PyDict::new(py);
        d.set_item("temperature", s.beta)?;
        d.set_item("ess", s.ess)?;
        d.set_item("acceptance", s.acceptance)?;
        d.set_item("moves", s.moves)?;
        d.set_item("step", s.step)?;
        stages.append(d)?;
    }
    out.set_item("stages", stages)?;
    out.set_item("log_evidence", post.log_evidence)?;
    out.set_item(
        "observations",
        observations
            .iter()
            .map(|o| o.name.clone())
            .collect::<Vec<_>>(),
    )?;
    Ok(out)
}

/// Each observation's predictive tail on the rows of a run (`rows`, with
/// the normal scores of a tempering posterior in `latent`).
#[pyfunction]
#[pyo3(name = "_observation_tails")]
#[pyo3(signature = (observations, rows, latent=None, *, threads=None, conditioned=true))]
fn observation_tails<'py>(
    py: Python<'py>,
    observations: &Bound<'py, PyAny>,
    rows: PyRef<'py, RunOutput>,
    latent: Option<Vec<(u64, numpy::PyReadonlyArray1<'py, f64>)>>,
    threads: Option<&Bound<'py, PyAny>>,
    conditioned: bool,
) -> PyResult<Vec<Bound<'py, PyArray1<f64>>>> {
    let observations = to_observations(observations)?;
    let mut opts = RunOptions::new(rows.n(), rows.seed());
    opts.threads = to_threads(threads)?;
    opts.keys = Some(rows.keys().clone());
    opts.latent = to_scores(latent)?;
    let flags = WorkFlags::attach(&mut opts);
    let total = chunk_count(opts.n);
    let tails = detached(py, &flags, total, None, || {
        crate::evidence::tails(&observations, &opts, conditioned)
    })?;
    Ok(arrays(py, tails))
}

/// Kish's effective sample size and the Pareto k̂ of log weights.
#[pyfunction]
#[pyo3(name = "_weight_diagnostics")]
fn weight_diagnostics(
    py: Python<'_>,
    log_weights: numpy::PyReadonlyArray1<'_, f64>,
) -> PyResult<(f64, f64)> {
    let lw = log_weights
        .as_slice()
        .map_err(|_| PyValueError::new_err("log weights must be a contiguous float64 array"))?;
    Ok(py.detach(|| {
        (
            crate::evidence::effective_sample_size(lw),
            crate::evidence::pareto_k(lw),
        )
    }))
}

/// The equal-weight resample of weighted draws (see
/// `munflow::evidence::equal_weight_rows`): row indices, in the draws' order.
#[pyfunction]
#[pyo3(name = "_equal_weight_rows")]
fn equal_weight_rows<'py>(
    py: Python<'py>,
    weights: numpy::PyReadonlyArray1<'py, f64>,
    size: &Bound<'py, PyAny>,
    seed: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let size = to_count(size, "size")?;
    let seed = to_seed(Some(seed))?;
    let w = weights
        .as_slice()
        .map_err(|_| PyValueError::new_err("weights must be a contiguous float64 array"))?;
    if let Some(bad) = w.iter().find(|x| !x.is_finite() || **x < 0.0) {
        return Err(PyValueError::new_err(format!(
            "weights must be finite and >= 0, got {bad}"
        )));
    }
    if size > 0 && !w.iter().any(|&x| x > 0.0) {
        return Err(PyValueError::new_err(
            "weights must not all be 0 (nothing to resample)",
        ));
    }
    let rows = py.detach(|| crate::evidence::equal_weight_rows(w, size, seed));
    Ok(rows
        .into_iter()
        .map(|r| r as i64)
        .collect::<Vec<_>>()
        .into_pyarray(py))
}

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyObservation>()?;
    // The kinds of observation, in the order the docs list them: the one
    // table (src/evidence/kinds.rs) that docs and stubs are checked against.
    let kinds: Vec<&str> = crate::evidence::kinds::KINDS
        .iter()
        .map(|d| d.name)
        .collect();
    m.add(
        "OBSERVATION_KINDS",
        pyo3::types::PyTuple::new(m.py(), kinds)?,
    )?;
    m.add_function(wrap_pyfunction!(run_posterior, m)?)?;
    m.add_function(wrap_pyfunction!(weight_diagnostics, m)?)?;
    m.add_function(wrap_pyfunction!(observation_tails, m)?)?;
    m.add_function(wrap_pyfunction!(equal_weight_rows, m)?)?;
    Ok(())
}
