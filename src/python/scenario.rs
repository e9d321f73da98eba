//! `munflow._core.ScenarioSpec`: a parsed, checked scenario, with the text it
//! was read from so that problems found later (a run that fails) can be
//! located by line. Reading, writing and compiling happen in `crate::scenario`;
//! this only converts.

use super::errors::IntoPy;
use super::expr::Expr;
use super::observations::PyObservation;
use super::timeline_spec::TimelineSpec;
use crate::error::{Error, Problem};
use crate::scenario::{
    compile, entry_tables, line_of_path, settable_paths, Format, Origin, Scenario, ScenarioFile,
};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyString};
use std::path::PathBuf;

/// A scenario read from a file, a string or a dict, and checked. Python code
/// uses `munflow.Scenario`, which wraps this.
#[pyclass(module = "munflow._core", frozen)]
pub struct ScenarioSpec {
    inner: Scenario,
    origin: Origin,
    /// The text it was read from, to find the line of a field later.
    text: Option<(String, Format)>,
}

/// One compiled output: (name, expression, munition or "total", quantity, estimate).
type OutputRow = (String, Expr, String, &'static str, Option<String>);

/// How deep a dict given as a scenario may nest. Scenarios nest five levels
/// (a truncated mixture inside a channel); the cap keeps a pathological
/// structure from exhausting the stack.
const MAX_DEPTH: usize = 32;

#[pymethods]
impl ScenarioSpec {
    /// Reads a TOML (or, by extension, JSON) file.
    #[staticmethod]
    fn from_file(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let origin = Origin::file(path.display().to_string());
        let format = Format::from_path(&path);
        let (inner, text) = py
            .detach(|| {
                let text = crate::scenario::read_text(&path).map_err(|message| Problem {
                    origin: origin.name.clone(),
                    line: None,
                    path: String::new(),
                    message,
                    more: Vec::new(),
                })?;
                Scenario::from_text(&text, format, &origin).map(|s| (s, text))
            })
            .py_err()?;
        Ok(ScenarioSpec {
            inner,
            origin,
            text: Some((text, format)),
        })
    }

    /// Reads text in `format` ("toml" or "json"); `origin` names it in
    /// messages.
    #[staticmethod]
    #[pyo3(signature = (text, format="toml", origin="<string>"))]
    fn from_text(text: &str, format: &str, origin: &str) -> PyResult<Self> {
        let format = super::args::parse_format(format)?;
        let origin = Origin::file(origin);
        let inner = Scenario::from_text(text, format, &origin).py_err()?;
        Ok(ScenarioSpec {
            inner,
            origin,
            text: Some((text.to_string(), format)),
        })
    }

    /// Reads a dict with the fields of the file format, field by field: the
    /// checks and messages of a file, located by field path.
    #[staticmethod]
    #[pyo3(signature = (data, origin="<dict>"))]
    fn from_dict(data: &Bound<'_, PyAny>, origin: &str) -> PyResult<Self> {
        let origin = Origin {
            name: origin.to_string(),
            lines: false,
        };
        let value = to_value(data, &mut Vec::new()).map_err(|(path, message)| {
            super::errors::to_py(
                Problem {
                    origin: origin.name.clone(),
                    line: None,
                    path,
                    message,
                    more: Vec::new(),
                }
                .into(),
            )
        })?;
        let inner = Scenario::from_value(value, &origin).py_err()?;
        Ok(ScenarioSpec {
            inner,
            origin,
            text: None,
        })
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

    #[getter]
    fn origin(&self) -> String {
        self.origin.name.clone()
    }

    /// (name, category, label) of each munition, in catalog order.
    fn munitions(&self) -> Vec<(String, &'static str, Option<String>)> {
        self.inner
            .munitions
            .iter()
            .map(|(name, m)| (name.to_string(), m.category.name(), m.label.clone()))
            .collect()
    }

    /// The compiled scenario: (name, expression, munition or "total",
    /// quantity, estimate) of each output, the alternative estimates, and
    /// the `[evidence]` tables as observations on the same nodes as the
    /// outputs.
    fn compile(&self) -> PyResult<(Vec<OutputRow>, Vec<String>, Vec<PyObservation>)> {
        let compiled = compile(&self.inner).py_err()?;
        let evidence = compiled
            .observations
            .into_iter()
            .map(PyObservation::new_from)
            .collect();
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
        Ok((rows, compiled.estimates, evidence))
    }

    /// The field behind the deepest of `names` (node names, nearest first,
    /// as a ModelError's `traced_to`) that comes from the file: its path and
    /// line (None when the text has no lines).
    fn field_of(&self, names: Vec<String>) -> PyResult<Option<(String, Option<usize>)>> {
        let compiled = compile(&self.inner).py_err()?;
        let Some(path) = names
            .iter()
            .rev()
            .find_map(|name| compiled.fields.get(name))
        else {
            return Ok(None);
        };
        Ok(Some((path.clone(), self.line_of(path))))
    }

    /// Every field path that can be set, and the tables that take new entries.
    fn paths(&self) -> (Vec<String>, Vec<String>) {
        (settable_paths(&self.inner), entry_tables())
    }

    /// The text the scenario was read from, comments and all (or, built from
    /// a dict or edited, its JSON): what a run of it ran.
    #[getter]
    fn source_text(&self) -> PyResult<String> {
        Ok(self.source()?.0)
    }

    /// Pickling: the text it was read from (or its JSON), and its origin.
    fn __reduce__(slf: &Bound<'_, Self>) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
        let py = slf.py();
        let me = slf.get();
        let restore = py.import("munflow._core")?.getattr("_restore_scenario")?;
        let (text, format) = me.source()?;
        let has_lines = me.text.is_some() && me.origin.lines;
        let args = (text, format, me.origin.name.clone(), has_lines).into_pyobject(py)?;
        Ok((restore.unbind(), args.into_any().unbind()))
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<ScenarioSpec>()
            .map(|o| o.get().inner == self.inner)
            .unwrap_or(false)
    }
}

impl ScenarioSpec {
    /// The text it was read from and its format, or its JSON.
    fn source(&self) -> PyResult<(String, &'static str)> {
        Ok(match &self.text {
            Some((text, Format::Toml)) => (text.clone(), "toml"),
            Some((text, Format::Json)) => (text.clone(), "json"),
            None => (self.inner.to_json().py_err()?, "json"),
        })
    }

    fn line_of(&self, path: &str) -> Option<usize> {
        let (text, format) = self.text.as_ref().filter(|_| self.origin.lines)?;
        let keys: Vec<String> = path.split('.').map(String::from).collect();
        line_of_path(text, *format, &keys)
    }
}

/// A Python value as a TOML value, checked on the way: no None (TOML has no
/// null, and a missing field says "absent" unambiguously), string keys, at
/// most [`MAX_DEPTH`] levels. Errors carry the field path.
fn to_value(
    obj: &Bound<'_, PyAny>,
    path: &mut Vec<String>,
) -> Result<toml::Value, (String, String)> {
    let here = |path: &[String], message: String| (path.join("."), message);
    if path.len() > MAX_DEPTH {
        return Err(here(
            path,
            format!(
                "nested more than {MAX_DEPTH} levels deep; a scenario is a few levels of tables"
            ),
        ));
    }
    if obj.is_none() {
        return Err(here(
            path,
            "None is not a value: leave the field out (Scenario.without removes one)".into(),
        ));
    }
    if obj.is_instance_of::<PyBool>() {
        return Ok(toml::Value::Boolean(obj.extract().unwrap_or(false)));
    }
    if obj.is_instance_of::<PyInt>() {
        return Ok(match obj.extract::<i64>() {
            Ok(i) => toml::Value::Integer(i),
            // Beyond i64, as JSON would: a float (counts that large are refused later).
            Err(_) => toml::Value::Float(obj.extract::<f64>().unwrap_or(f64::INFINITY)),
        });
    }
    if obj.is_instance_of::<PyFloat>() {
        return Ok(toml::Value::Float(obj.extract().unwrap_or(f64::NAN)));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(toml::Value::String(s.to_string()));
    }
    if let Ok(dict) = obj.cast::<PyDict>() {
        return table(dict.iter(), path);
    }
    if obj.is_instance_of::<PyBytes>() {
        return Err(here(path, "expected text, got bytes".into()));
    }
    // Other mappings (their items), numpy scalars (numbers), sequences (arrays).
    if let Ok(items) = obj.call_method0("items") {
        let pairs: Vec<(Bound<'_, PyAny>, Bound<'_, PyAny>)> = items
            .try_iter()
            .and_then(|it| it.map(|p| p.and_then(|p| p.extract())).collect())
            .map_err(|e| here(path, format!("cannot read the mapping: {e}")))?;
        return table(pairs.into_iter(), path);
    }
    // numpy scalars (and 0-d arrays): their plain Python value.
    let is_scalar = obj.hasattr("dtype").unwrap_or(false)
        && obj
            .getattr("ndim")
            .is_ok_and(|d| d.extract::<usize>().ok() == Some(0));
    if is_scalar {
        let item = obj
            .call_method0("item")
            .map_err(|e| here(path, format!("cannot read the number: {e}")))?;
        return to_value(&item, path);
    }
    if let Ok(items) = obj.try_iter() {
        let mut array = Vec::new();
        for (i, item) in items.enumerate() {
            let item = item.map_err(|e| here(path, format!("cannot read the sequence: {e}")))?;
            path.push(i.to_string());
            let value = to_value(&item, path);
            path.pop();
            array.push(value?);
        }
        return Ok(toml::Value::Array(array));
    }
    Err(here(
        path,
        format!(
            "expected a number, text, a list or a table, got {}",
            super::args::type_name(obj)
        ),
    ))
}

fn table<'py>(
    items: impl Iterator<Item = (Bound<'py, PyAny>, Bound<'py, PyAny>)>,
    path: &mut Vec<String>,
) -> Result<toml::Value, (String, String)> {
    let mut out = toml::map::Map::new();
    for (key, value) in items {
        let Ok(key) = key.extract::<String>() else {
            return Err((
                path.join("."),
                format!(
                    "table keys must be text, got {}",
                    super::args::type_name(&key)
                ),
            ));
        };
        path.push(key.clone());
        let value = to_value(&value, path);
        path.pop();
        out.insert(key, value?);
    }
    Ok(toml::Value::Table(out))
}

/// A scenario from `ScenarioSpec.__reduce__`'s state.
#[pyfunction]
fn _restore_scenario(
    text: &str,
    format: &str,
    origin: &str,
    lines: bool,
) -> PyResult<ScenarioSpec> {
    let format = if format == "json" {
        Format::Json
    } else {
        Format::Toml
    };
    let origin = Origin {
        name: origin.to_string(),
        lines,
    };
    let inner = Scenario::from_text(text, format, &origin).py_err()?;
    Ok(ScenarioSpec {
        inner,
        text: lines.then(|| (text.to_string(), format)),
        origin,
    })
}

/// A scenario file of either dialect, read and checked: a `ScenarioSpec`,
/// or a `TimelineSpec` for a file with a `[timeline]` table.
#[pyfunction]
#[pyo3(name = "_read_scenario_file")]
fn read_scenario_file(py: Python<'_>, path: PathBuf) -> PyResult<Py<PyAny>> {
    let origin = Origin::file(path.display().to_string());
    let format = Format::from_path(&path);
    let text = py
        .detach(|| crate::scenario::read_text(&path))
        .map_err(|message| {
            super::errors::to_py(
                Problem {
                    origin: origin.name.clone(),
                    line: None,
                    path: String::new(),
                    message,
                    more: Vec::new(),
                }
                .into(),
            )
        })?;
    read_any(py, text, format, origin)
}

/// Scenario text of either dialect, read and checked (as `read_scenario_file`).
#[pyfunction]
#[pyo3(name = "_read_scenario_text")]
#[pyo3(signature = (text, format="toml", origin="<string>"))]
fn read_scenario_text(
    py: Python<'_>,
    text: String,
    format: &str,
    origin: &str,
) -> PyResult<Py<PyAny>> {
    read_any(
        py,
        text,
        super::args::parse_format(format)?,
        Origin::file(origin),
    )
}

fn read_any(py: Python<'_>, text: String, format: Format, origin: Origin) -> PyResult<Py<PyAny>> {
    let file = py
        .detach(|| crate::scenario::read_any(&text, format, &origin))
        .py_err()?;
    Ok(match file {
        ScenarioFile::Plain(inner) => Py::new(
            py,
            ScenarioSpec {
                inner,
                origin,
                text: Some((text, format)),
            },
        )?
        .into_any(),
        ScenarioFile::Timeline(inner) => {
            Py::new(py, TimelineSpec::new(inner, origin, text, format))?.into_any()
        }
    })
}

/// A ScenarioError for a problem the Python layer finds (an unknown path).
#[pyfunction]
#[pyo3(name = "_scenario_error")]
#[pyo3(signature = (message, path="", file="<scenario>", line=None))]
fn scenario_error(message: &str, path: &str, file: &str, line: Option<usize>) -> PyErr {
    super::errors::to_py(Error::from(Problem {
        origin: file.to_string(),
        line,
        path: path.to_string(),
        message: message.to_string(),
        more: Vec::new(),
    }))
}

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ScenarioSpec>()?;
    m.add_function(wrap_pyfunction!(_restore_scenario, m)?)?;
    m.add_function(wrap_pyfunction!(read_scenario_file, m)?)?;
    m.add_function(wrap_pyfunction!(read_scenario_text, m)?)?;
    m.add_function(wrap_pyfunction!(scenario_error, m)?)
}
