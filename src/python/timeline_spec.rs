//! `munflow._core.TimelineSpec`: a timeline file read and checked by the
//! scenario reader (`crate::scenario::TimelineScenario`). Python builds the
//! graph of series from its structure and laws; nothing is parsed there.

use super::dists::make_dist;
use super::errors::IntoPy;
use super::expr::Expr;
use super::observations::PyObservation;
use crate::expr::Node;
use crate::scenario::{line_of_path, DistSpec, Format, Origin, TimelineScenario};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::cell::RefCell;

/// A timeline file, read and checked. Python code uses
/// `munflow.TimelineScenario`, which wraps this.
#[pyclass(module = "munflow._core", frozen)]
pub struct TimelineSpec {
    inner: TimelineScenario,
    origin: Origin,
    text: String,
    format: Format,
}

impl TimelineSpec {
    pub(super) fn new(
        inner: TimelineScenario,
        origin: Origin,
        text: String,
        format: Format,
    ) -> Self {
        TimelineSpec {
            inner,
            origin,
            text,
            format,
        }
    }
}

#[pymethods]
impl TimelineSpec {
    /// Reads timeline text in `format` ("toml" or "json"); `lines=False`
    /// for text made by a program (an edited copy), whose lines mean nothing
    /// to the analyst.
    #[staticmethod]
    #[pyo3(signature = (text, format="toml", origin="<string>", lines=true))]
    fn from_text(text: &str, format: &str, origin: &str, lines: bool) -> PyResult<Self> {
        let format = super::args::parse_format(format)?;
        let origin = Origin {
            name: origin.to_string(),
            lines,
        };
        let inner = crate::scenario::load_timeline(text, format, &origin).py_err()?;
        Ok(TimelineSpec::new(inner, origin, text.to_string(), format))
    }

    /// The validated file as JSON: tables in file order, laws as written
    /// (use `laws` for the distributions), dates as written.
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner).map_err(|e| {
            pyo3::exceptions::PyValueError::new_err(format!("cannot write the timeline: {e}"))
        })
    }

    /// Every law of the file by field path (`munitions.shell_152.dud_rate`),
    /// with the defaults a missing field means: a float for a number, a
    /// `Distribution` otherwise.
    fn laws<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        for (path, spec) in self.inner.laws() {
            match spec {
                DistSpec::Number(x) => out.set_item(path, x)?,
                spec => out.set_item(path, make_dist(py, spec.to_dist().py_err()?, None)?)?,
            }
        }
        Ok(out)
    }

    /// The draws that are one for the whole timeline, by name (uncertain
    /// laws, the `[mix]` shares, counted voyages, with `[correlations]`
    /// coupled), built by the scenario reader: Python builds the series on
    /// them. Known numbers are not among them (`laws` gives them).
    fn draws<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        let mut draws: Vec<_> = self.inner.draws().py_err()?.into_iter().collect();
        draws.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, node) in draws {
            out.set_item(name, super::rate_process::wrap(py, node)?)?;
        }
        Ok(out)
    }

    /// The dated statement `name` as an observation, built by the reader
    /// that builds ordinary files' evidence: `resolve(path)` gives the
    /// expression a path names (a series at the statement's date, or an
    /// input, a number where it is known); an exception it raises comes back as it is.
    fn statement(&self, name: &str, resolve: &Bound<'_, PyAny>) -> PyResult<PyObservation> {
        let raised: RefCell<Option<PyErr>> = RefCell::new(None);
        let node = |path: &str| -> Result<Node, String> {
            // An input known exactly is a number.
            let expr = resolve.call1((path,)).and_then(|x| match x.cast::<Expr>() {
                Ok(e) => Ok(e.get().node.clone()),
                Err(_) => Ok(Node::constant(x.extract::<f64>()?)),
            });
            expr.map_err(|err| {
                let message = err.to_string();
                raised.borrow_mut().get_or_insert(err);
                message
            })
        };
        let built = self.inner.statement(name, &node);
        if let Some(err) = raised.into_inner() {
            return Err(err);
        }
        Ok(PyObservation::new_from(built.py_err()?))
    }

    /// The series a run gives, in order.
    fn series(&self) -> Vec<String> {
        self.inner.series()
    }

    /// The number of periods.
    fn periods(&self) -> i64 {
        self.inner.periods()
    }

    /// The line of the field at a dotted path (None without lines).
    fn line_of(&self, path: &str) -> Option<usize> {
        let keys: Vec<String> = path.split('.').map(String::from).collect();
        line_of_path(&self.text, self.format, &keys).filter(|_| self.origin.lines)
    }

    #[getter]
    fn title(&self) -> Option<String> {
        self.inner.title.clone()
    }

    #[getter]
    fn origin(&self) -> String {
        self.origin.name.clone()
    }

    /// The text it was read from.
    #[getter]
    fn text(&self) -> String {
        self.text.clone()
    }

    /// "toml" or "json".
    #[getter]
    fn format(&self) -> &'static str {
        match self.format {
            Format::Toml => "toml",
            Format::Json => "json",
        }
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<TimelineSpec>()
            .map(|o| o.get().inner == self.inner)
            .unwrap_or(false)
    }
}

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // The one limit on a timeline's length, for files and Python alike.
    m.add("MAX_PERIODS", crate::scenario::MAX_PERIODS)?;
    m.add_class::<TimelineSpec>()
}
