//! One column's summary as Python reads it: `munflow._core.Summary`, with
//! named fields in place of a (mean, sd, min, max, quantiles) tuple.

use crate::stats;
use pyo3::prelude::*;
use pyo3::types::PyType;

/// One column's summary: its mean, sd (ddof = 1), min, max and the
/// quantiles at the levels asked for, in their order; equal to another
/// with the same figures.
///
/// ```python
/// >>> from munflow import _core
/// >>> import numpy as np
/// >>> s = _core.describe([np.array([1.0, 2.0, 3.0])], [0.5])[0]
/// >>> s.mean, s.max, s.quantiles
/// (2.0, 3.0, [2.0])
/// ```
#[pyclass(frozen, eq, get_all, module = "munflow._core", name = "Summary")]
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub mean: f64,
    pub sd: f64,
    pub min: f64,
    pub max: f64,
    pub quantiles: Vec<f64>,
}

#[pymethods]
impl Summary {
    #[new]
    fn new(mean: f64, sd: f64, min: f64, max: f64, quantiles: Vec<f64>) -> Self {
        Summary {
            mean,
            sd,
            min,
            max,
            quantiles,
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "Summary(mean={}, sd={}, min={}, max={}, quantiles={:?})",
            self.mean, self.sd, self.min, self.max, self.quantiles
        )
    }

    /// Pickled by its fields.
    #[allow(clippy::type_complexity)]
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> (Bound<'py, PyType>, (f64, f64, f64, f64, Vec<f64>)) {
        let s = slf.get();
        (
            slf.py().get_type::<Summary>(),
            (s.mean, s.sd, s.min, s.max, s.quantiles.clone()),
        )
    }
}

impl From<stats::Summary> for Summary {
    fn from(s: stats::Summary) -> Self {
        Summary {
            mean: s.mean,
            sd: s.sd,
            min: s.min,
            max: s.max,
            quantiles: s.quantiles,
        }
    }
}

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Summary>()
}
