//! Sensitivity analysis from Python: conversion, GIL release, Ctrl-C and
//! progress only; the methods live in `crate::sensitivity`.

use super::args::{to_count, RunArgs};
use super::detach::{detached, WorkFlags};
use super::errors::to_py;
use super::run::to_outputs;
use crate::engine::chunk_count;

use crate::sensitivity::{
    self, Factors, Sampling, ShapleyOptions, ShapleyPlan, SobolOptions, SobolPlan, Source,
    Statistic, TornadoOptions,
};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The random named inputs of `output` (those in `inputs` when given, in that
/// order): a list of (name, kind) with kind "fixed" (a fixed distribution) or
/// "conditional" (its distribution depends on other nodes), and whether the
/// output has intrinsic noise.
#[pyfunction]
#[pyo3(name = "_sensitivity_inputs")]
#[pyo3(signature = (outputs, output, inputs=None))]
fn sensitivity_inputs(
    outputs: &Bound<'_, PyAny>,
    output: &str,
    inputs: Option<Vec<String>>,
) -> PyResult<(Vec<(String, String)>, bool)> {
    let outputs = to_outputs(outputs)?;
    let f = Factors::of(&outputs, output).map_err(to_py)?;
    let chosen = f.select(inputs.as_deref()).map_err(to_py)?;
    let inputs = chosen
        .into_iter()
        .map(|i| {
            let kind = match f.inputs[i].source {
                Source::Fixed(_) => "fixed",
                Source::Conditional => "conditional",
            };
            (f.inputs[i].name.clone(), kind.to_string())
        })
        .collect();
    Ok((inputs, !f.noise.is_empty()))
}

/// Sobol indices; returns a dict of plain lists (the Python layer makes
/// tables). With `evaluations` (every matrix's output over all n rows, as
/// `sobol_evaluate` gives them range by range) the design is not evaluated
/// again: only the estimate and its bootstrap run.
#[pyfunction]
#[pyo3(signature = (outputs, output, n, seed=None, *, threads=None, second_order=false,
                    groups=None, sampling="mc", conf_level=0.95, num_resamples=100,
                    allow_nan=false, progress=None, evaluations=None))]
#[allow(clippy::too_many_arguments)]
fn sobol<'py>(
    py: Python<'py>,
    outputs: &Bound<'py, PyAny>,
    output: &str,
    n: &Bound<'py, PyAny>,
    seed: Option<&Bound<'py, PyAny>>,
    threads: Option<&Bound<'py, PyAny>>,
    second_order: bool,
    groups: Option<Vec<(String, Vec<String>)>>,
    sampling: &str,
    conf_level: f64,
    num_resamples: usize,
    allow_nan: bool,
    progress: Option<Py<PyAny>>,
    evaluations: Option<Vec<PyReadonlyArray1<'py, f64>>>,
) -> PyResult<Bound<'py, PyDict>> {
    let outputs = to_outputs(outputs)?;
    let args = RunArgs::parse(n, seed, threads, allow_nan)?;
    let mut opts = sobol_options(args, second_order, groups, sampling)?;
    opts.conf_level = conf_level;
    opts.num_resamples = num_resamples;
    let flags = WorkFlags::attach(&mut opts);
    let plan = SobolPlan::new(&outputs, output, &opts).map_err(to_py)?;
    let res = match evaluations {
        None => {
            let total = plan.chunks();
            detached(py, &flags, total, progress, || plan.run())?
        }
        Some(columns) => {
            let outs: Vec<Vec<f64>> = columns.iter().map(|c| c.as_array().to_vec()).collect();
            detached(py, &flags, 1, progress, || plan.estimate(outs))?
        }
    };
    let d = PyDict::new(py);
    d.set_item("names", res.names)?;
    d.set_item("S1", res.s1)?;
    d.set_item("S1_conf", res.s1_conf)?;
    d.set_item("ST", res.st)?;
    d.set_item("ST_conf", res.st_conf)?;
    d.set_item("S2", res.s2)?;
    d.set_item("mean", res.mean)?;
    d.set_item("variance", res.variance)?;
    d.set_item("n", res.n)?;
    d.set_item("seed", res.seed)?;
    d.set_item("evaluations", res.evaluations)?;
    Ok(d)
}

/// Shapley effects; returns a dict of plain lists.
#[pyfunction]
#[pyo3(signature = (outputs, output, n, seed=None, *, threads=None, groups=None,
                    permutations=None, n_outer=None, n_inner=None, conf_level=0.95,
                    num_resamples=100, allow_nan=false, progress=None))]
#[allow(clippy::too_many_arguments)]
fn shapley<'py>(
    py: Python<'py>,
    outputs: &Bound<'py, PyAny>,
    output: &str,
    n: &Bound<'py, PyAny>,
    seed: Option<&Bound<'py, PyAny>>,
    threads: Option<&Bound<'py, PyAny>>,
    groups: Option<Vec<(String, Vec<String>)>>,
    permutations: Option<&Bound<'py, PyAny>>,
    n_outer: Option<&Bound<'py, PyAny>>,
    n_inner: Option<&Bound<'py, PyAny>>,
    conf_level: f64,
    num_resamples: usize,
    allow_nan: bool,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let outputs = to_outputs(outputs)?;
    let mut opts = RunArgs::parse(n, seed, threads, allow_nan)?.options(ShapleyOptions::new);
    opts.groups = groups;
    opts.permutations = permutations
        .map(|p| to_count(p, "permutations"))
        .transpose()?;
    opts.n_outer = n_outer.map(|p| to_count(p, "n_outer")).transpose()?;
    if let Some(n_inner) = n_inner {
        opts.n_inner = to_count(n_inner, "n_inner")?;
    }
    opts.conf_level = conf_level;
    opts.num_resamples = num_resamples;
    let flags = WorkFlags::attach(&mut opts);
    let plan = ShapleyPlan::new(&outputs, output, &opts).map_err(to_py)?;
    let total = plan.chunks();
    let res = detached(py, &flags, total, progress, || plan.run())?;
    let d = PyDict::new(py);
    d.set_item("names", res.names)?;
    d.set_item("Sh", res.effects)?;
    d.set_item("Sh_conf", res.conf)?;
    d.set_item("mean", res.mean)?;
    d.set_item("variance", res.variance)?;
    d.set_item("permutations", res.permutations)?;
    d.set_item("n", res.n_var)?;
    d.set_item("n_outer", res.n_outer)?;
    d.set_item("n_inner", res.n_inner)?;
    d.set_item("seed", res.seed)?;
    d.set_item("evaluations", res.evaluations)?;
    Ok(d)
}

/// The options of a Sobol analysis: the run's, and the design's.
fn sobol_options(
    args: RunArgs,
    second_order: bool,
    groups: Option<Vec<(String, Vec<String>)>>,
    sampling: &str,
) -> PyResult<SobolOptions> {
    let mut opts = args.options(SobolOptions::new);
    opts.second_order = second_order;
    opts.groups = groups;
    opts.sampling = sampling.parse::<Sampling>().map_err(to_py)?;
    Ok(opts)
}

/// The output of every matrix of a Sobol design on the rows of chunks
/// [start, end) (those rows of the whole design): a task of a distributed
/// analysis. Options as `sobol`; the seed must be given.
#[pyfunction]
#[pyo3(name = "_sobol_evaluate")]
#[pyo3(signature = (outputs, output, n, seed, start, end, *, threads=None, second_order=false,
                    groups=None, sampling="mc", allow_nan=false))]
#[allow(clippy::too_many_arguments)]
fn sobol_evaluate<'py>(
    py: Python<'py>,
    outputs: &Bound<'py, PyAny>,
    output: &str,
    n: &Bound<'py, PyAny>,
    seed: &Bound<'py, PyAny>,
    start: usize,
    end: usize,
    threads: Option<&Bound<'py, PyAny>>,
    second_order: bool,
    groups: Option<Vec<(String, Vec<String>)>>,
    sampling: &str,
    allow_nan: bool,
) -> PyResult<Vec<Bound<'py, PyArray1<f64>>>> {
    let outputs = to_outputs(outputs)?;
    let args = RunArgs::parse(n, Some(seed), threads, allow_nan)?;
    let mut opts = sobol_options(args, second_order, groups, sampling)?;
    if start > end || end > chunk_count(opts.n) {
        return Err(PyValueError::new_err(format!(
            "chunks must satisfy start <= end <= {}, got {start} and {end}",
            chunk_count(opts.n)
        )));
    }
    let flags = WorkFlags::attach(&mut opts);
    let plan = SobolPlan::new(&outputs, output, &opts).map_err(to_py)?;
    let outs = detached(py, &flags, 1, None, || {
        opts.install(|| plan.evaluate(start..end))
    })?;
    Ok(outs.into_iter().map(|v| v.into_pyarray(py)).collect())
}

/// A tornado; `statistic` is a quantile level, or None for the mean.
#[pyfunction]
#[pyo3(signature = (outputs, output, n, seed=None, *, threads=None, low=0.1, high=0.9,
                    statistic=Some(0.5), inputs=None, groups=None, allow_nan=false, progress=None))]
#[allow(clippy::too_many_arguments)]
fn tornado<'py>(
    py: Python<'py>,
    outputs: &Bound<'py, PyAny>,
    output: &str,
    n: &Bound<'py, PyAny>,
    seed: Option<&Bound<'py, PyAny>>,
    threads: Option<&Bound<'py, PyAny>>,
    low: f64,
    high: f64,
    statistic: Option<f64>,
    inputs: Option<Vec<String>>,
    groups: Option<Vec<(String, Vec<String>)>>,
    allow_nan: bool,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let outputs = to_outputs(outputs)?;
    let mut opts = RunArgs::parse(n, seed, threads, allow_nan)?.options(TornadoOptions::new);
    opts.low = low;
    opts.high = high;
    opts.statistic = statistic.map_or(Statistic::Mean, Statistic::Quantile);
    let factors = Factors::of(&outputs, output).map_err(to_py)?;
    let chosen = factors.select(inputs.as_deref()).map_err(to_py)?;
    let bars = factors
        .grouped(groups.as_deref(), Some(&chosen))
        .map_err(to_py)?
        .len();
    opts.inputs = inputs;
    opts.groups = groups;
    let flags = WorkFlags::attach(&mut opts);
    let total = sensitivity::tornado_chunks(bars, opts.n);
    let res = detached(py, &flags, total, progress, || {
        sensitivity::tornado(&outputs, output, &opts)
    })?;
    let d = PyDict::new(py);
    let bars: Vec<(String, f64, f64, f64, f64, f64)> = res
        .bars
        .into_iter()
        .map(|b| {
            (
                b.name,
                b.input_low,
                b.input_high,
                b.output_low,
                b.output_high,
                b.swing,
            )
        })
        .collect();
    d.set_item("bars", bars)?;
    d.set_item("base", res.base)?;
    d.set_item("n", res.n)?;
    d.set_item("seed", res.seed)?;
    Ok(d)
}

fn columns<'a>(
    inputs: &'a [(String, PyReadonlyArray1<'_, f64>)],
) -> PyResult<Vec<(String, &'a [f64])>> {
    inputs
        .iter()
        .map(|(name, a)| {
            a.as_slice().map(|s| (name.clone(), s)).map_err(|_| {
                PyValueError::new_err(format!("input '{name}' must be a contiguous float64 array"))
            })
        })
        .collect()
}

/// Spearman's rho of each input column with the output: [(name, rho, conf)].
#[pyfunction]
#[pyo3(signature = (output, inputs, conf_level=0.95))]
fn rank_correlation(
    py: Python<'_>,
    output: PyReadonlyArray1<'_, f64>,
    inputs: Vec<(String, PyReadonlyArray1<'_, f64>)>,
    conf_level: f64,
) -> PyResult<Vec<(String, f64, f64)>> {
    let y = output
        .as_slice()
        .map_err(|_| PyValueError::new_err("the output must be a contiguous float64 array"))?;
    let cols = columns(&inputs)?;
    let rows = py
        .detach(|| sensitivity::rank_correlation(y, &cols, conf_level))
        .map_err(to_py)?;
    Ok(rows.into_iter().map(|r| (r.name, r.rho, r.conf)).collect())
}

/// (name, width_now, expected_width, narrowing, variance_share).
type LearningRow = (String, f64, f64, f64, f64);

/// Value of information: [(name, width_now, expected_width, narrowing,
/// variance_share)]. Each input row is (name, [columns]): one column for an
/// input, several for a group known together.
#[pyfunction]
#[pyo3(signature = (output, inputs, level=0.9, bins=50))]
fn value_of_information(
    py: Python<'_>,
    output: PyReadonlyArray1<'_, f64>,
    inputs: Vec<(String, Vec<PyReadonlyArray1<'_, f64>>)>,
    level: f64,
    bins: usize,
) -> PyResult<Vec<LearningRow>> {
    let y = output
        .as_slice()
        .map_err(|_| PyValueError::new_err("the output must be a contiguous float64 array"))?;
    let cols: Vec<(String, Vec<&[f64]>)> = inputs
        .iter()
        .map(|(name, arrays)| {
            let slices = arrays
                .iter()
                .map(|a| a.as_slice())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| {
                    PyValueError::new_err(format!(
                        "input '{name}' must be a contiguous float64 array"
                    ))
                })?;
            Ok((name.clone(), slices))
        })
        .collect::<PyResult<_>>()?;
    let rows = py
        .detach(|| sensitivity::value_of_information(y, &cols, level, bins))
        .map_err(to_py)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.name,
                r.width_now,
                r.expected_width,
                r.narrowing,
                r.variance_share,
            )
        })
        .collect())
}

/// Chunks of one run of n samples (progress bars of the Python layer).
#[pyfunction]
#[pyo3(name = "_chunks_for")]
fn chunks_for(n: usize) -> usize {
    chunk_count(n)
}

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(sensitivity_inputs, m)?)?;
    m.add_function(wrap_pyfunction!(sobol, m)?)?;
    m.add_function(wrap_pyfunction!(shapley, m)?)?;
    m.add_function(wrap_pyfunction!(sobol_evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(tornado, m)?)?;
    m.add_function(wrap_pyfunction!(rank_correlation, m)?)?;
    m.add_function(wrap_pyfunction!(value_of_information, m)?)?;
    m.add_function(wrap_pyfunction!(chunks_for, m)?)?;
    Ok(())
}
