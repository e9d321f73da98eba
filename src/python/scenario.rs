//! `munflow._core.ScenarioSpec`: a parsed, checked scenario. Reading, writing
//! and compiling happen in `crate::scenario`; this only converts.

use super::errors::IntoPy;
use super::expr::Expr;
use crate::scenario::{compile, Format, Origin, Scenario};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::path::PathBuf;

/// A scenario read from a file, a string or a dict (as JSON), and checked.
/// Python code uses `munflow.Scenario`, which wraps this.
#[pyclass(module = "munflow._core", frozen)]
pub struct ScenarioSpec {
    inner: Scenario,
}

/// One compiled output: (name, expression, munition or "total", quantity, estimate).
type OutputRow = (String, Expr, String, &'static str, Option<String>);

#[pymethods]
impl ScenarioSpec {
    /// Reads a TOML (or, by extension, JSON) file.
    #[staticmethod]
    fn from_file(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let inner = py.detach(|| Scenario::from_file(&path)).py_err()?;
        Ok(ScenarioSpec { inner })
    }

    /// Reads text in `format` ("toml" or "json"); `origin` names it in
    /// messages and `lines=False` leaves line numbers out of them (text made
    /// from a dict has no lines worth citing).
    #[staticmethod]
    #[pyo3(signature = (text, format="toml", origin="<string>", lines=true))]
    fn from_text(text: &str, format: &str, origin: &str, lines: bool) -> PyResult<Self> {
        let format = match format {
            "toml" => Format::Toml,
            "json" => Format::Json,
            other => {
                return Err(PyValueError::new_err(format!(
                    "format must be 'toml' or 'json', got {other:?}"
                )))
            }
        };
        let origin = Origin {
            name: origin.to_string(),
            lines,
        };
        let inner = Scenario::from_text(text, format, &origin).py_err()?;
        Ok(ScenarioSpec { inner })
    }

    fn to_toml(&self) -> PyResult<String> {
        self.inner.to_toml().py_err()
    }

    fn to_json(&self) -> PyResult<String> {
        self.inner.to_json().py_err()
    }

    #[getter]
    fn title(&self) -> Option<String> {
        self.inner.title.clone()
    }

    /// (name, category, label) of each munition, in catalog order.
    fn munitions(&self) -> Vec<(String, &'static str, Option<String>)> {
        self.inner
            .munitions
            .iter()
            .map(|(name, m)| (name.to_string(), m.category.name(), m.label.clone()))
            .collect()
    }

    /// The outputs as expressions with what they measure, and the estimates.
    fn compile(&self) -> PyResult<(Vec<OutputRow>, Vec<String>)> {
        let compiled = compile(&self.inner).py_err()?;
        let rows = compiled
            .outputs
            .into_iter()
            .map(|o| {
                (
                    o.name,
                    Expr::new(o.node),
                    o.group,
                    o.quantity.name(),
                    o.estimate,
                )
            })
            .collect();
        Ok((rows, compiled.estimates))
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<ScenarioSpec>()
            .map(|o| o.get().inner == self.inner)
            .unwrap_or(false)
    }
}

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ScenarioSpec>()
}
