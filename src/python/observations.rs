//! Observations in Python: `munflow._core.Observation`, a frozen object
//! holding the core's [`Observation`], built and checked once when
//! `mf.evidence.count(...)` and the others make it, and read as it is by
//! runs with evidence, runs on a posterior's rows and summary-only runs.
//!
//! Its kind is spelled as analysts spell it ([`crate::evidence::Likelihood::name`]);
//! its figures, a dict named as the constructors' parameters, are what
//! pickling and saved results keep, and what rebuilds it.

use super::args::to_number;
use super::expr::{to_node, Expr};
use crate::evidence::kinds::{self, Figure};
use crate::evidence::{DrawnCount, Observation};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple, PyType};

/// One observation: its kind, name, the expressions it reads and its
/// figures. Made by the functions of `munflow.evidence`, built and checked
/// once when made (bad figures raise ValueError naming them); frozen.
///
/// `kind` is the name of the function that made it ("count", "poisson",
/// "measured", "at_least", "at_most", "between", "log_likelihood",
/// "serial_numbers", "image_count", "paired" or "sightings":
/// `_core.OBSERVATION_KINDS`), as scenario files spell it too; `nodes` the expressions it reads (numbers
/// given became constants); `figures` a dict of its figures named as that
/// function's parameters; `description` one line for reports.
#[pyclass(frozen, module = "munflow._core", name = "Observation")]
pub struct PyObservation {
    pub(crate) inner: Observation,
}

/// A core observation from its kind, name, nodes and figures (named as
/// the `munflow.evidence` functions' parameters), built by the one
/// declaration of kinds ([`kinds::build`]). `"bounds"`, the kind saved
/// results and pickles spelled before, reads as the statement its `lower`
/// and `upper` make.
fn to_observation(
    kind: &str,
    name: &str,
    nodes: &[Bound<'_, PyAny>],
    figures: &Bound<'_, PyDict>,
) -> PyResult<Observation> {
    let what = format!("{kind} '{name}'");
    let number = |key: &str| -> PyResult<Option<f64>> {
        match figures.get_item(key)? {
            Some(v) if !v.is_none() => Ok(Some(to_number(&v, &format!("{what}: {key}"))?)),
            _ => Ok(None),
        }
    };
    let (kind, mut numbers) = match kind {
        "bounds" => {
            let (lower, upper) = (number("lower")?, number("upper")?);
            match (lower, upper) {
                (Some(v), None) => ("at_least", vec![("value", v)]),
                (None, Some(v)) => ("at_most", vec![("value", v)]),
                _ => ("between", vec![]),
            }
        }
        _ => (kind, vec![]),
    };
    let decl = kinds::declaration(kind).ok_or_else(|| {
        PyValueError::new_err(format!(
            "unknown kind of observation '{kind}'; kinds are {}",
            kinds::names()
        ))
    })?;
    let mut lists = Vec::new();
    for &key in decl.required.iter().chain(decl.optional) {
        if WORDS.contains(&key) {
            continue;
        }
        match figures.get_item(key)? {
            Some(v) if is_listed(&v) => {
                lists.push((key, to_listed(&v, &format!("{what}: {key}"))?))
            }
            _ => {
                if let Some(v) = number(key)? {
                    numbers.push((key, v));
                }
            }
        }
    }
    let word_of = |key: &str, want: &str| -> PyResult<Option<String>> {
        match figures.get_item(key)? {
            Some(e) if !e.is_none() => {
                Ok(Some(e.extract().map_err(|_| {
                    PyTypeError::new_err(format!("{what}: {key} must be {want}"))
                })?))
            }
            _ => Ok(None),
        }
    };
    let error = word_of("error", "'lognormal' or 'normal'")?;
    let unit = word_of("unit", "'vessels' or 'voyages'")?;
    let mut reads = Vec::with_capacity(decl.reads.len());
    for (i, param) in decl.reads.iter().enumerate() {
        let obj = nodes
            .get(i)
            .ok_or_else(|| PyValueError::new_err(format!("{what}: {param} is missing")))?;
        reads.push(to_node(obj, &format!("{what}: {param}"))?);
    }
    // A paired statement's further conversions read one node each.
    for (i, obj) in nodes.iter().enumerate().skip(decl.reads.len()) {
        reads.push(to_node(obj, &format!("{what}: node {i}"))?);
    }
    let number = |key: &str| numbers.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    let word = |key: &str| match key {
        "error" => error.clone(),
        "unit" => unit.clone(),
        _ => None,
    };
    let listed = |key: &str| {
        lists
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
    };
    let obs = kinds::build_listed(kind, name, reads, &number, &word, &listed)
        .map_err(|(_field, e)| super::errors::to_py(e))?;
    let labels: Option<Vec<String>> = match figures.get_item("labels")? {
        Some(l) if !l.is_none() => Some(l.extract().map_err(|_| {
            PyTypeError::new_err(format!("{what}: labels must be a list of strings"))
        })?),
        _ => None,
    };
    Ok(match labels {
        Some(labels) => obs.with_labels(labels),
        None => obs,
    })
}

/// The figures that are words, not numbers.
const WORDS: &[&str] = &["error", "unit"];

/// Whether a figure is a list (a list, tuple or dict) rather than a number.
fn is_listed(v: &Bound<'_, PyAny>) -> bool {
    v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() || v.is_instance_of::<PyDict>()
}

/// A figure that is a list: a dict of counts by name, a list of names, or
/// a list of groups of names.
fn to_listed(v: &Bound<'_, PyAny>, what: &str) -> PyResult<Figure> {
    let text = |x: &Bound<'_, PyAny>| -> PyResult<String> {
        x.extract().map_err(|_| {
            PyTypeError::new_err(format!(
                "{what}: names must be strings, got {}",
                super::args::type_name(x)
            ))
        })
    };
    if let Ok(dict) = v.cast::<PyDict>() {
        let mut counts = Vec::with_capacity(dict.len());
        for (key, count) in dict.iter() {
            let key = text(&key)?;
            let count = to_number(&count, &format!("{what}['{key}']"))?;
            counts.push((key, count));
        }
        return Ok(Figure::Counts(counts));
    }
    let items: Vec<Bound<'_, PyAny>> = v.try_iter()?.collect::<PyResult<_>>()?;
    if items.iter().all(|x| x.is_instance_of::<PyString>()) && !items.is_empty() {
        return Ok(Figure::Names(
            items.iter().map(text).collect::<PyResult<_>>()?,
        ));
    }
    let mut groups = Vec::with_capacity(items.len());
    for item in &items {
        if item.is_instance_of::<PyString>()
            || !(item.is_instance_of::<PyList>() || item.is_instance_of::<PyTuple>())
        {
            return Err(PyTypeError::new_err(format!(
                "{what}: must be a list of names or a list of groups of names, got an item {}",
                super::args::type_name(item)
            )));
        }
        let names: Vec<Bound<'_, PyAny>> = item.try_iter()?.collect::<PyResult<_>>()?;
        groups.push(names.iter().map(text).collect::<PyResult<_>>()?);
    }
    Ok(Figure::Groups(groups))
}

/// The figures that rebuild `obs` with [`to_observation`].
fn figures<'py>(py: Python<'py>, obs: &Observation) -> PyResult<Bound<'py, PyDict>> {
    let figures = PyDict::new(py);
    for (key, figure) in kinds::figures(obs) {
        match figure {
            Figure::Number(x) => figures.set_item(key, x)?,
            Figure::Word(w) => figures.set_item(key, w)?,
            Figure::Names(names) => figures.set_item(key, names)?,
            Figure::Counts(counts) => {
                let table = PyDict::new(py);
                for (pattern, count) in counts {
                    table.set_item(pattern, count)?;
                }
                figures.set_item(key, table)?
            }
            Figure::Groups(groups) => figures.set_item(key, groups)?,
        }
    }
    if !obs.labels.is_empty() {
        figures.set_item("labels", obs.labels.clone())?;
    }
    Ok(figures)
}

#[pymethods]
impl PyObservation {
    /// Builds and checks an observation of `kind` (one of
    /// `_core.OBSERVATION_KINDS`: "count", "poisson", "measured",
    /// "at_least", "at_most", "between", "log_likelihood",
    /// "serial_numbers", "image_count", "paired", "sightings") on
    /// `nodes` (expressions or numbers) with its `figures`.
    #[new]
    #[pyo3(signature = (kind, name, nodes, figures=None))]
    fn new(
        kind: &str,
        name: &Bound<'_, PyAny>,
        nodes: Vec<Bound<'_, PyAny>>,
        figures: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let name = name.cast::<PyString>().map_err(|_| {
            PyTypeError::new_err(format!(
                "name must be a string, got {}",
                super::args::type_name(name)
            ))
        })?;
        let empty = PyDict::new(name.py());
        let inner = to_observation(kind, name.to_str()?, &nodes, figures.unwrap_or(&empty))?;
        Ok(PyObservation { inner })
    }

    /// The kind, as `munflow.evidence` names it: "count", "poisson",
    /// "measured", "at_least", "at_most", "between", "log_likelihood",
    /// "serial_numbers", "image_count", "paired" or "sightings".
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.kind.name()
    }

    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }

    /// The expressions it reads, in order (numbers given became constants).
    #[getter]
    fn nodes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let nodes = match self.inner.of::<DrawnCount>() {
            // Stated of the count itself (its parameters are what it reads).
            Some(drawn) => vec![&drawn.quantity],
            None => self.inner.nodes(),
        };
        PyTuple::new(py, nodes.into_iter().map(|n| Expr::new(n.clone())))
    }

    /// Its figures, named as the function that made it names them (a
    /// measurement's error as its sd): a new dict each time.
    #[getter]
    fn figures<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        figures(py, &self.inner)
    }

    /// One line for reports, such as `count: 25 of 50 trials with probability fail_rate`.
    #[getter]
    fn description(&self) -> String {
        self.inner.describe()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let name = PyString::new(py, &self.inner.name).repr()?;
        Ok(format!(
            "<munflow observation {name}: {}>",
            self.inner.describe()
        ))
    }

    /// Pickled as (kind, name, nodes, figures), rebuilt (and checked) by the constructor.
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyType>, Bound<'py, PyTuple>)> {
        let py = slf.py();
        let this = slf.get();
        let args = (
            this.kind(),
            this.name(),
            this.nodes(py)?,
            figures(py, &this.inner)?,
        )
            .into_pyobject(py)?;
        Ok((py.get_type::<PyObservation>(), args))
    }
}

impl PyObservation {
    pub(crate) fn new_from(inner: Observation) -> Self {
        PyObservation { inner }
    }
}

/// The core observations of a list of `Observation` objects.
pub(crate) fn to_observations(observations: &Bound<'_, PyAny>) -> PyResult<Vec<Observation>> {
    let list = observations
        .cast::<PyList>()
        .map_err(|_| PyTypeError::new_err("observations must be a list"))?;
    list.iter()
        .map(|item| {
            let obs = item.cast::<PyObservation>().map_err(|_| {
                PyTypeError::new_err(format!(
                    "each observation must be a munflow.evidence.Observation, got {}",
                    super::args::type_name(&item)
                ))
            })?;
            Ok(obs.get().inner.clone())
        })
        .collect()
}
