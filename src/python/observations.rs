//! Observations as Python describes them, (kind, name, nodes, figures),
//! converted to and from the core's: shared by runs with evidence, runs on
//! a posterior's rows and summary-only runs.

use super::args::to_number;
use super::expr::to_node;
use crate::evidence::{ErrorModel, Observation};
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
        Kind::DrawnCount { lower, upper, .. } => {
            figures.set_item("lower", finite(*lower))?;
            figures.set_item("upper", finite(*upper))?;
            "bounds"
        }
    };
    if !obs.labels.is_empty() {
        figures.set_item("labels", obs.labels.clone())?;
    }
    let nodes = match &obs.kind {
        // Stated of the count itself (its parameters are what it reads).
        Kind::DrawnCount { quantity, .. } => vec![quantity],
        _ => obs.nodes(),
    }
    .into_iter()
    .map(|n| super::expr::Expr::new(n.clone()))
    .collect();
    Ok((kind.to_string(), obs.name.clone(), nodes, figures))
}

pub(crate) fn to_observations(observations: &Bound<'_, PyAny>) -> PyResult<Vec<Observation>> {
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
