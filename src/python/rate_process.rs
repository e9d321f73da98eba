//! `munflow._core.rate_process`: an input's node in each period of a
//! timeline, as `crate::timeline::RateProcess` builds it (the one place the
//! processes are defined; `munflow.Timeline.input` calls this).

use super::dists::Distribution;
use super::expr::{to_node, Expr};
use crate::expr::Node;
use crate::timeline::{Params, RateProcess};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::collections::HashMap;

/// The nodes of input `name`, with law `law` (a Distribution), in each of
/// `periods` (their labels) under the process `sharing`; a ValueError
/// naming `name` and the parameter at fault otherwise. Periods with the
/// same node share one object, and a shared input is `law` itself when
/// it already has the name.
#[pyfunction]
#[pyo3(name = "_rate_process")]
#[pyo3(signature = (name, law, periods, sharing="shared", *, rho=None, step_sd=None, level_sd=None, slope_sd=None, damping=None, hazard=None))]
#[allow(clippy::too_many_arguments)]
fn rate_process(
    py: Python<'_>,
    name: &str,
    law: &Bound<'_, Distribution>,
    periods: Vec<String>,
    sharing: &str,
    rho: Option<f64>,
    step_sd: Option<&Bound<'_, PyAny>>,
    level_sd: Option<&Bound<'_, PyAny>>,
    slope_sd: Option<&Bound<'_, PyAny>>,
    damping: Option<f64>,
    hazard: Option<f64>,
) -> PyResult<Vec<Py<PyAny>>> {
    let sd = |x: Option<&Bound<'_, PyAny>>, field: &str| {
        x.filter(|x| !x.is_none())
            .map(|x| to_node(x, &format!("{name}: {field}")))
            .transpose()
    };
    let params = Params {
        rho,
        step_sd: sd(step_sd, "step_sd")?,
        level_sd: sd(level_sd, "level_sd")?,
        slope_sd: sd(slope_sd, "slope_sd")?,
        damping,
        hazard,
    };
    let law_node = law.as_super().get().node.clone();
    let nodes = RateProcess::from_params(sharing, params)
        .and_then(|p| p.per_period(name, &law_node, &periods))
        .map_err(|e| PyValueError::new_err(format!("{name}: {}", e.message)))?;
    let mut made: HashMap<u64, Py<PyAny>> = HashMap::new();
    nodes
        .into_iter()
        .map(|node| {
            if let Some(obj) = made.get(&node.id()) {
                return Ok(obj.clone_ref(py));
            }
            let obj = if node == law_node {
                law.clone().into_any().unbind()
            } else {
                wrap(py, node.clone())?
            };
            made.insert(node.id(), obj.clone_ref(py));
            Ok(obj)
        })
        .collect()
}

/// A Distribution for a draw of a fixed law (as `law.fresh` gives), an
/// Expr otherwise.
pub(super) fn wrap(py: Python<'_>, node: Node) -> PyResult<Py<PyAny>> {
    match node.as_dist() {
        Some(dist) if node.is_random() => {
            let init =
                PyClassInitializer::from(Expr::new(node)).add_subclass(Distribution { dist });
            Ok(Py::new(py, init)?.into_any())
        }
        _ => Ok(Py::new(py, Expr::new(node))?.into_any()),
    }
}

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(rate_process, m)?)
}
