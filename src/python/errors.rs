//! One Python exception class per kind of [`Error`].

use crate::error::Error;
use pyo3::exceptions::{PyKeyboardInterrupt, PyMemoryError, PyValueError};
use pyo3::prelude::*;

pyo3::create_exception!(
    munflow,
    ModelError,
    PyValueError,
    "A model produced a non-finite value, or a draw got an invalid parameter from another node."
);
pyo3::create_exception!(
    munflow,
    ScenarioError,
    PyValueError,
    "A scenario file or dictionary that cannot be used; the message names the field and line."
);

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ModelError", m.py().get_type::<ModelError>())?;
    m.add("ScenarioError", m.py().get_type::<ScenarioError>())?;
    Ok(())
}

/// Converts a core error into the matching Python exception.
pub(crate) fn to_py(err: Error) -> PyErr {
    let msg = err.to_string();
    match err {
        Error::InvalidParameter { .. } | Error::InvalidArgument(_) | Error::UnknownName(_) => {
            PyValueError::new_err(msg)
        }
        Error::NonFinite { .. } | Error::InvalidDraw { .. } => ModelError::new_err(msg),
        Error::Scenario(_) => ScenarioError::new_err(msg),
        Error::OutOfMemory { .. } => PyMemoryError::new_err(msg),
        Error::Interrupted => PyKeyboardInterrupt::new_err(msg),
    }
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
