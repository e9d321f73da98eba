//! Evidence from Python: observations described by kind, name, nodes and
//! figures, and runs that return the posterior with its diagnostics.

use super::args::{to_count, to_number, to_seed, to_threads, RunArgs};
use super::detach::{detached, WorkFlags};
use super::expr::to_node;
use super::run::{to_outputs, to_scores, RunOutput};
use crate::engine::{chunk_count, RunOptions, RunResult};
use crate::evidence::{posterior, ErrorModel, EvidenceOptions, Method, Observation};
use numpy::{IntoPyArray, PyArray1};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

fn figure(figures: &Bound<'_, PyDict>, key: &str, what: &str) -> PyResult<Option<f64>> {
    match figures.get_item(key)? {
        Some(v) if !v.is_none() => Ok(Some(to_number(&v, &format!("{what}: {key}"))?)),
        _ => Ok(None),
    }
}

fn required(figures: &Bound<'_, PyDict>, key: &str, what: &str) -> PyResult<f64> {
    figure(figures, key, what)?
        .ok_or_else(|| PyValueError::new_err(format!("{what}: {key} is required")))
}

/// The error model of a measurement: `sd`, or `rel_error` at `level` ("within
/// 15% nine times in ten"), on the log scale by default.
fn error_model(figures: &Bound<'_, PyDict>, name: &str, value: f64) -> PyResult<ErrorModel> {
    let what = format!("measured '{name}'");
    let error: String = match figures.get_item("error")? {
        Some(e) if !e.is_none() => e.extract().map_err(|_| {
            PyTypeError::new_err(format!("{what}: error must be 'lognormal' or 'normal'"))
        })?,
        _ => "lognormal".into(),
    };
    let sd = figure(figures, "sd", &what)?;
    let rel = figure(figures, "rel_error", &what)?;
    let level = figure(figures, "level", &what)?.unwrap_or(0.9);
    ErrorModel::from_report(&error, value, rel, sd, level)
        .map_err(|e| PyValueError::new_err(format!("{what}: {e}")))
}

/// A core observation from its Python description.
pub(crate) fn to_observation(
    kind: &str,
    name: &str,
    nodes: &[Bound<'_, PyAny>],
    figures: &Bound<'_, PyDict>,
) -> PyResult<Observation> {
    let node = |i: usize, what: &str| -> PyResult<crate::expr::Node> {
        let obj = nodes
            .get(i)
            .ok_or_else(|| PyValueError::new_err(format!("{kind} '{name}': {what} is missing")))?;
        to_node(obj, &format!("{kind} '{name}': {what}"))
    };
    let what = format!("{kind} '{name}'");
    let obs = match kind {
        "count" => Observation::count(
            name,
            required(figures, "k", &what)?,
            node(0, "n")?,
            node(1, "p")?,
        ),
        "poisson" => Observation::poisson(name, required(figures, "k", &what)?, node(0, "rate")?),
        "measured" => {
            let value = required(figures, "value", &what)?;
            let error = error_model(figures, name, value)?;
            Observation::measured(name, node(0, "quantity")?, value, error)
        }
        "bounds" => Observation::bounds(
            name,
            node(0, "quantity")?,
            figure(figures, "lower", &what)?.unwrap_or(f64::NEG_INFINITY),
            figure(figures, "upper", &what)?.unwrap_or(f64::INFINITY),
        ),
        "log_likelihood" => Observation::custom(name, node(0, "log_lik")?),
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown kind of observation '{other}'"
            )))
        }
    };
    let labels: Option<Vec<String>> = match figures.get_item("labels")? {
        Some(l) if !l.is_none() => Some(l.extract().map_err(|_| {
            PyTypeError::new_err(format!("{what}: labels must be a list of strings"))
        })?),
        _ => None,
    };
    let obs = obs.map_err(super::errors::to_py)?;
    Ok(match labels {
        Some(labels) => obs.with_labels(labels),
        None => obs,
    })
}

/// An observation as Python describes it: (kind, name, nodes, figures).
pub(crate) fn to_spec<'py>(
    py: Python<'py>,
    obs: &Observation,
) -> PyResult<(String, String, Vec<super::expr::Expr>, Bound<'py, PyDict>)> {
    use crate::evidence::Kind;
    let figures = PyDict::new(py);
    let finite = |x: f64| if x.is_finite() { Some(x) } else { None };
    let kind = match &obs.kind {
        Kind::Count { k, .. } | Kind::Poisson { k, .. } => {
            figures.set_item("k", *k)?;
            if matches!(obs.kind, Kind::Count { .. }) {
                "count"
            } else {
                "poisson"
            }
        }
        Kind::Measured { value, error, .. } => {
            figures.set_item("value", *value)?;
            let (name, sd) = match *error {
                ErrorModel::LogNormal { sigma } => ("lognormal", sigma),
                ErrorModel::Normal { sd } => ("normal", sd),
            };
            figures.set_item("error", name)?;
            figures.set_item("sd", sd)?;
            "measured"
        }
        Kind::Bounds { lower, upper, .. } => {
            figures.set_item("lower", finite(*lower))?;
            figures.set_item("upper", finite(*upper))?;
            "bounds"
        }
        Kind::Custom { .. } => "log_likelihood",
    };
    if !obs.labels.is_empty() {
        figures.set_item("labels", obs.labels.clone())?;
    }
    let nodes = obs
        .nodes()
        .into_iter()
        .map(|n| super::expr::Expr::new(n.clone()))
        .collect();
    Ok((kind.to_string(), obs.name.clone(), nodes, figures))
}

/// Checks an observation and returns its one-line description.
#[pyfunction]
fn describe_observation(
    kind: &str,
    name: &str,
    nodes: Vec<Bound<'_, PyAny>>,
    figures: &Bound<'_, PyDict>,
) -> PyResult<String> {
    Ok(to_observation(kind, name, &nodes, figures)?.describe())
}

pub(super) fn to_observations(observations: &Bound<'_, PyAny>) -> PyResult<Vec<Observation>> {
    let list = observations
        .cast::<PyList>()
        .map_err(|_| PyTypeError::new_err("observations must be a list"))?;
    let mut out = Vec::with_capacity(list.len());
    for item in list.iter() {
        let (kind, name, nodes, figures): (
            String,
            String,
            Vec<Bound<'_, PyAny>>,
            Bound<'_, PyDict>,
        ) = item.extract().map_err(|_| {
            PyTypeError::new_err("each observation must be (kind, name, nodes, figures)")
        })?;
        out.push(to_observation(&kind, &name, &nodes, &figures)?);
    }
    Ok(out)
}

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
    opts.watch_only = leave_out.unwrap_or_default().into_iter().collect();
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
#[pyo3(signature = (observations, rows, latent=None, *, threads=None))]
fn observation_tails<'py>(
    py: Python<'py>,
    observations: &Bound<'py, PyAny>,
    rows: PyRef<'py, RunOutput>,
    latent: Option<Vec<(u64, numpy::PyReadonlyArray1<'py, f64>)>>,
    threads: Option<&Bound<'py, PyAny>>,
) -> PyResult<Vec<Bound<'py, PyArray1<f64>>>> {
    let observations = to_observations(observations)?;
    let mut opts = RunOptions::new(rows.n(), rows.seed());
    opts.threads = to_threads(threads)?;
    opts.keys = Some(rows.keys().clone());
    opts.latent = to_scores(latent)?;
    let flags = WorkFlags::attach(&mut opts);
    let total = chunk_count(opts.n);
    let tails = detached(py, &flags, total, None, || {
        crate::evidence::tails(&observations, &opts)
    })?;
    Ok(arrays(py, tails))
}

/// Kish's effective sample size and the Pareto k̂ of log weights.
#[pyfunction]
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
    m.add_function(wrap_pyfunction!(describe_observation, m)?)?;
    m.add_function(wrap_pyfunction!(run_posterior, m)?)?;
    m.add_function(wrap_pyfunction!(weight_diagnostics, m)?)?;
    m.add_function(wrap_pyfunction!(observation_tails, m)?)?;
    m.add_function(wrap_pyfunction!(equal_weight_rows, m)?)?;
    Ok(())
}
