//! One Python exception class per kind of [`Error`], with the error's data as
//! attributes (a scenario problem's file, line and field; a model error's
//! node, sample and the inputs it was traced to).

use crate::error::{Blame, Error};
use pyo3::exceptions::{PyKeyboardInterrupt, PyMemoryError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

pyo3::create_exception!(
    munflow,
    ModelError,
    PyValueError,
    "A model produced a non-finite value, or a draw got an invalid parameter from another node.

Attributes: ``node`` (the failing node's label), ``row`` (the sample), ``value``
(the non-finite value, or None), ``traced_to`` (names of the nodes the failure
was traced back to, nearest first), ``sample`` (every named node's value in
that sample), and for scenarios ``file``, ``line`` and ``path`` (the field)."
);
pyo3::create_exception!(
    munflow,
    ParameterError,
    PyValueError,
    "A distribution parameter outside its domain (``mf.beta(-1, 2)``).

Attributes: ``family`` (the distribution, such as 'beta'), ``param`` (the
parameter, such as 'alpha'), ``requirement`` (what it must be, such as '> 0')
and ``value`` (the value given)."
);
pyo3::create_exception!(
    munflow,
    ScenarioError,
    PyValueError,
    "A scenario file or dictionary that cannot be used.

Attributes: ``file`` (the file, or a description such as '<dict>'), ``line``
(1-based, or None) and ``path`` (the dotted field path, '' for syntax errors)."
);

pyo3::create_exception!(
    munflow,
    EvidenceError,
    PyValueError,
    "Evidence that cannot be used: an observation no setting of the inputs can
explain, observations the model cannot reconcile with each other, or an
observation reading a value it cannot take.

Attribute: ``observations`` (the names of the observations concerned)."
);

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ModelError", m.py().get_type::<ModelError>())?;
    m.add("ParameterError", m.py().get_type::<ParameterError>())?;
    m.add("ScenarioError", m.py().get_type::<ScenarioError>())?;
    m.add("EvidenceError", m.py().get_type::<EvidenceError>())?;
    Ok(())
}

/// Converts a core error into the matching Python exception.
pub(crate) fn to_py(err: Error) -> PyErr {
    let msg = err.to_string();
    match err {
        Error::InvalidParameter {
            dist,
            param,
            requirement,
            value,
        } => with_attributes(ParameterError::new_err(msg), |e| {
            e.setattr("family", dist)?;
            e.setattr("param", param)?;
            e.setattr("requirement", requirement)?;
            e.setattr("value", value)
        }),
        Error::InvalidArgument(_) | Error::UnknownName(_) | Error::DoesNotVary { .. } => {
            PyValueError::new_err(msg)
        }
        Error::NonFinite {
            node,
            value,
            row,
            blame,
        } => model_error(msg, &node.label(), row, Some(value), &blame),
        Error::InvalidDraw {
            node, row, blame, ..
        } => model_error(msg, &node.label(), row, None, &blame),
        Error::Scenario(p) => with_attributes(ScenarioError::new_err(msg), |e| {
            e.setattr("file", &p.origin)?;
            e.setattr("line", p.line)?;
            e.setattr("path", &p.path)?;
            let errors = PyList::empty(e.py());
            for one in p.all() {
                let item = PyDict::new(e.py());
                item.set_item("file", &one.origin)?;
                item.set_item("line", one.line)?;
                item.set_item("path", &one.path)?;
                item.set_item("message", &one.message)?;
                errors.append(item)?;
            }
            e.setattr("errors", errors)
        }),
        Error::Evidence { observations, .. } => with_attributes(EvidenceError::new_err(msg), |e| {
            e.setattr("observations", observations)
        }),
        Error::OutOfMemory { .. } => PyMemoryError::new_err(msg),
        Error::Interrupted => PyKeyboardInterrupt::new_err(msg),
    }
}

fn model_error(msg: String, node: &str, row: usize, value: Option<f64>, blame: &Blame) -> PyErr {
    with_attributes(ModelError::new_err(msg), |e| {
        let py = e.py();
        e.setattr("node", node)?;
        e.setattr("row", row)?;
        e.setattr("value", value)?;
        let traced: Vec<&str> = blame.names();
        e.setattr("traced_to", traced)?;
        let sample = PyDict::new(py);
        for (name, v) in &blame.sample {
            sample.set_item(name, v)?;
        }
        e.setattr("sample", sample)?;
        for attr in ["file", "line", "path"] {
            e.setattr(attr, py.None())?;
        }
        Ok(())
    })
}

/// The exception with attributes set on its instance. Setting them cannot
/// fail for these plain values; if it did, the exception is still raised.
fn with_attributes(
    err: PyErr,
    set: impl FnOnce(&Bound<'_, pyo3::exceptions::PyBaseException>) -> PyResult<()>,
) -> PyErr {
    Python::attach(|py| {
        let _ = set(err.value(py));
    });
    err
}

/// `?`-friendly conversion for core results.
pub(crate) trait IntoPy<T> {
    fn py_err(self) -> PyResult<T>;
}

impl<T> IntoPy<T> for crate::Result<T> {
    fn py_err(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}
