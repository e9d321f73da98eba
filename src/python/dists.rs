//! `munflow.Distribution` and the distribution constructors.

use super::args::{check_name, to_count, to_number, to_numbers, to_seed};
use super::errors::IntoPy;
use super::expr::{to_node, Expr};
use super::run::run_blocking;
use crate::dist::{Categorical, Dist, Family, Mixture, Quantile, Truncated};
use crate::engine::RunOptions;
use crate::expr::Node;
use numpy::{IntoPyArray, PyArrayMethods, PyReadonlyArray1};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use rayon::prelude::*;

/// A distribution with fixed parameters: an [`Expr`] that also answers
/// scipy-style questions (mean, sd, ppf, cdf) and can be sampled on its own.
#[pyclass(module = "munflow", extends = Expr, frozen)]
pub struct Distribution {
    pub(crate) dist: Dist,
}

/// Wraps a validated distribution as a Python `Distribution`.
pub(crate) fn make_dist(py: Python<'_>, dist: Dist, name: Option<String>) -> PyResult<Py<PyAny>> {
    let mut node = Node::draw(dist.clone());
    if let Some(name) = name {
        check_name(&name)?;
        node = node.named(name);
    }
    let init = PyClassInitializer::from(Expr::new(node)).add_subclass(Distribution { dist });
    Ok(Py::new(py, init)?.into_any())
}

/// A draw of `family` whose parameters are numbers (a `Distribution`) or,
/// for the families that take them, expressions (an `Expr` drawn afresh
/// from its parameters in each sample). A parameter with a default may be
/// None or left out.
fn family_draw(
    py: Python<'_>,
    family: Family,
    given: &[Option<&Bound<'_, PyAny>>],
    name: Option<String>,
) -> PyResult<Py<PyAny>> {
    let nodes: Vec<Node> = given
        .iter()
        .zip(family.params())
        .map(|(&p, param)| {
            let what = format!("{}: {}", family.name(), param.name);
            match (p, param.default) {
                // An optional parameter left out (or None) takes its declared default.
                (None, Some(default)) => Ok(Node::constant(default)),
                (Some(p), Some(default)) if p.is_none() => Ok(Node::constant(default)),
                (Some(p), _) if family.takes_expressions() => to_node(p, &what),
                (Some(p), _) => Ok(Node::constant(to_number(p, &what)?)),
                (None, None) => Err(PyTypeError::new_err(format!("{what} is required"))),
            }
        })
        .collect::<PyResult<_>>()?;
    let fixed: Option<Vec<f64>> = nodes.iter().map(Node::as_constant).collect();
    if let Some(values) = fixed {
        return make_dist(py, family.build(&values).py_err()?, name);
    }
    let mut node = Node::compound(family, nodes).py_err()?;
    if let Some(name) = name {
        check_name(&name)?;
        node = node.named(name);
    }
    Ok(Py::new(py, Expr::new(node))?.into_any())
}

/// Applies `f` to a number (returning a float) or to each entry of an
/// array-like (returning a numpy array of the same shape).
fn elementwise(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    what: &str,
    f: impl Fn(f64) -> crate::Result<f64> + Sync,
) -> PyResult<Py<PyAny>> {
    let not_numbers = || {
        PyTypeError::new_err(format!(
            "{what} must be a number or an array of numbers, got {}",
            super::args::type_name(x)
        ))
    };
    // numpy would read "0.5" as 0.5 and None as NaN; neither is a number here.
    if x.is_none()
        || x.is_instance_of::<pyo3::types::PyString>()
        || x.is_instance_of::<pyo3::types::PyBytes>()
        || x.is_instance_of::<pyo3::types::PyBool>()
    {
        return Err(not_numbers());
    }
    if let Ok(v) = x.extract::<f64>() {
        return Ok(f(v).py_err()?.into_pyobject(py)?.into_any().unbind());
    }
    let np = py.import("numpy")?;
    let raw = np
        .call_method1("asarray", (x,))
        .map_err(|_| not_numbers())?;
    // Integers and floats only (kind "i", "u" or "f"): not strings, objects or booleans.
    let kind: String = raw.getattr("dtype")?.getattr("kind")?.extract()?;
    if !matches!(kind.as_str(), "i" | "u" | "f") {
        return Err(not_numbers());
    }
    let arr = np
        .call_method1("ascontiguousarray", (raw, "float64"))
        .map_err(|_| not_numbers())?;
    let shape: Vec<usize> = arr.getattr("shape")?.extract()?;
    let flat = arr.call_method0("ravel")?;
    let flat: PyReadonlyArray1<'_, f64> = flat.extract()?;
    let values = flat.as_slice().map_err(|_| not_numbers())?;
    // Quantiles cost microseconds each: off the GIL, on every core, in order.
    let out: Vec<f64> = py
        .detach(|| {
            values
                .par_iter()
                .map(|&v| f(v))
                .collect::<crate::Result<_>>()
        })
        .py_err()?;
    Ok(out
        .into_pyarray(py)
        .reshape_with_order(shape, numpy::npyffi::NPY_ORDER::NPY_CORDER)?
        .into_any()
        .unbind())
}

#[pymethods]
impl Distribution {
    /// The family name, e.g. "beta".
    #[getter]
    fn family(&self) -> &'static str {
        self.dist.family()
    }

    /// The expected value (ValueError if it is beyond the float range).
    fn mean(&self) -> PyResult<f64> {
        self.dist.mean_checked().py_err()
    }

    /// The standard deviation (ValueError if it is beyond the float range).
    fn sd(&self) -> PyResult<f64> {
        self.dist.sd_checked().py_err()
    }

    /// The standard deviation (scipy's name).
    fn std(&self) -> PyResult<f64> {
        self.dist.sd_checked().py_err()
    }

    /// The variance (ValueError if it is beyond the float range).
    fn var(&self) -> PyResult<f64> {
        self.dist.variance_checked().py_err()
    }

    /// The quantile function (inverse cdf) at q in [0, 1]; q may be an array.
    fn ppf(&self, py: Python<'_>, q: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        elementwise(py, q, "q", |q| self.dist.ppf_checked(q))
    }

    /// P(X <= x); x may be an array.
    fn cdf(&self, py: Python<'_>, x: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        elementwise(py, x, "x", |x| {
            if x.is_nan() {
                Err(crate::Error::InvalidArgument(
                    "cdf: x must not be NaN".into(),
                ))
            } else {
                Ok(self.dist.cdf(x))
            }
        })
    }

    /// P(X > x), accurate in the upper tail (scipy's survival function); x may be an array.
    fn sf(&self, py: Python<'_>, x: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        elementwise(py, x, "x", |x| {
            if x.is_nan() {
                Err(crate::Error::InvalidArgument(
                    "sf: x must not be NaN".into(),
                ))
            } else {
                Ok(self.dist.sf(x))
            }
        })
    }

    /// The inverse of `sf`: the value exceeded with probability q (q may be
    /// an array); keeps its precision for tiny q, where ppf(1 - q) would not.
    fn isf(&self, py: Python<'_>, q: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        elementwise(py, q, "q", |q| self.dist.isf_checked(q))
    }

    /// The median, ppf(0.5).
    fn median(&self) -> f64 {
        self.dist.ppf(0.5)
    }

    /// The central interval holding `confidence` of the probability, as
    /// (low, high), like scipy's ``interval``: ``interval(0.9)`` is (p5, p95).
    fn interval(&self, confidence: f64) -> PyResult<(f64, f64)> {
        if !(0.0..=1.0).contains(&confidence) {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "interval: confidence must be in [0, 1], got {}",
                crate::error::fmt_value(confidence)
            )));
        }
        let tail = (1.0 - confidence) / 2.0;
        Ok((self.dist.ppf(tail), self.dist.isf(tail)))
    }

    /// The (lowest, highest) values it can take.
    fn support(&self) -> (f64, f64) {
        self.dist.support()
    }

    /// An independent draw from the same law: a new input, not this one
    /// (timelines draw a rate afresh in each period this way).
    ///
    /// >>> import munflow as mf
    /// >>> rate = mf.lognormal_ci(2, 8)
    /// >>> march = rate.fresh(name="rate@2024-03")
    /// >>> march.mean() == rate.mean(), march.name
    /// (True, 'rate@2024-03')
    #[pyo3(signature = (*, name=None))]
    fn fresh(&self, py: Python<'_>, name: Option<String>) -> PyResult<Py<PyAny>> {
        make_dist(py, self.dist.clone(), name)
    }

    /// `n` independent draws as a numpy array (seed None picks a fresh one).
    #[pyo3(signature = (n, seed=None))]
    fn sample(
        slf: PyRef<'_, Self>,
        py: Python<'_>,
        n: &Bound<'_, PyAny>,
        seed: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let n = to_count(n, "n")?;
        let opts = RunOptions {
            store_inputs: false,
            ..RunOptions::new(n, to_seed(seed)?)
        };
        let node = slf.as_super().node.clone();
        let mut res = run_blocking(py, vec![("sample".into(), node)], None, opts, None)?;
        let (_, values) = res.columns.swap_remove(0);
        Ok(values.into_pyarray(py).into_any().unbind())
    }

    /// scipy's name for draws: ``size`` draws (an int, or a shape as a
    /// tuple), ``random_state`` an int seed (None picks a fresh one).
    #[pyo3(signature = (size=None, random_state=None))]
    fn rvs(
        slf: PyRef<'_, Self>,
        py: Python<'_>,
        size: Option<&Bound<'_, PyAny>>,
        random_state: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let size = size.filter(|s| !s.is_none());
        let shape: Vec<usize> = match size {
            None => Vec::new(),
            Some(s) if s.is_instance_of::<pyo3::types::PyTuple>() => s
                .try_iter()?
                .map(|d| to_count(&d?, "size"))
                .collect::<PyResult<_>>()?,
            Some(s) => vec![to_count(s, "size")?],
        };
        let n: usize = shape.iter().product::<usize>().max(1);
        let opts = RunOptions {
            store_inputs: false,
            ..RunOptions::new(n, to_seed(random_state)?)
        };
        let node = slf.as_super().node.clone();
        let mut res = run_blocking(py, vec![("rvs".into(), node)], None, opts, None)?;
        let (_, values) = res.columns.swap_remove(0);
        if shape.is_empty() {
            return Ok(values[0].into_pyobject(py)?.into_any().unbind());
        }
        Ok(values
            .into_pyarray(py)
            .reshape_with_order(shape, numpy::npyffi::NPY_ORDER::NPY_CORDER)?
            .into_any()
            .unbind())
    }

    /// Pickling keeps it a Distribution (see `Expr.__reduce__`).
    fn __reduce__(slf: PyRef<'_, Self>) -> PyResult<(Py<PyAny>, (String, bool))> {
        super::expr::reduce(slf.py(), &slf.as_super().node, true)
    }

    fn __repr__(slf: PyRef<'_, Self>) -> String {
        let node = &slf.as_super().node;
        match node.name() {
            Some(name) => format!(
                "<munflow.Distribution {} name={name:?}>",
                slf.dist.describe()
            ),
            None => format!("<munflow.Distribution {}>", slf.dist.describe()),
        }
    }
}

/// A number argument that may be omitted (or None) for its default.
fn opt_number(obj: Option<&Bound<'_, PyAny>>, what: &str, default: f64) -> PyResult<f64> {
    match obj.filter(|o| !o.is_none()) {
        Some(o) => to_number(o, what),
        None => Ok(default),
    }
}

/// Expands the declaration of families (`dist/mod.rs`) into one Python
/// constructor each: the declared parameters in order (those with defaults
/// optional), then `name`; the declaration's doc comment is its docstring.
macro_rules! constructors {
    (
        laws: $($law:ident),+;
        $(
            $(#[doc = $doc:literal])*
            $variant:ident $name:ident ($($p:ident),+ $(; $($opt:ident = $default:literal),+)?)
                = $constructor:path, example: [$($example:literal),+], expressions: $expressions:literal, clamps: $clamps:literal;
        )+
    ) => {
        $(
            $(#[doc = $doc])*
            #[pyfunction]
            #[pyo3(signature = ($($p,)+ $($($opt = None,)+)? *, name = None))]
            fn $name(
                py: Python<'_>,
                $($p: &Bound<'_, PyAny>,)+
                $($($opt: Option<&Bound<'_, PyAny>>,)+)?
                name: Option<String>,
            ) -> PyResult<Py<PyAny>> {
                family_draw(py, Family::$variant, &[$(Some($p),)+ $($($opt,)+)?], name)
            }
        )+

        /// Registers every family's constructor.
        fn register_families(m: &Bound<'_, PyModule>) -> PyResult<()> {
            $(m.add_function(wrap_pyfunction!($name, m)?)?;)+
            Ok(())
        }
    };
}
crate::dist::with_families!(constructors);

/// 1 with probability p, else 0: an either/or hypothesis to use in
/// ``mf.where(cond, a, b)`` (binomial(1, p)).
#[pyfunction]
#[pyo3(signature = (p, *, name=None))]
fn bernoulli(py: Python<'_>, p: &Bound<'_, PyAny>, name: Option<String>) -> PyResult<Py<PyAny>> {
    let one = 1.0f64.into_pyobject(py)?.into_any();
    family_draw(py, Family::Binomial, &[Some(&one), Some(p)], name)
}

/// A parameter as Python sees it: (name, default or None).
type ParamRow = (&'static str, Option<f64>);

/// The table of families: (name, [(parameter, default or None)]), for the
/// stub check and for readers.
#[pyfunction]
fn families() -> Vec<(&'static str, Vec<ParamRow>)> {
    Family::ALL
        .iter()
        .map(|f| {
            (
                f.name(),
                f.params().iter().map(|p| (p.name, p.default)).collect(),
            )
        })
        .collect()
}

/// The declaration's other columns, for `tools/families.py` and the tests
/// that walk it: (name, doc, example, takes expressions), in its order.
#[pyfunction]
fn _family_docs() -> Vec<(&'static str, String, Vec<f64>, bool)> {
    Family::ALL
        .iter()
        .map(|f| {
            let doc: Vec<&str> = f.doc().lines().map(str::trim).collect();
            (
                f.name(),
                doc.join("\n"),
                f.example().to_vec(),
                f.takes_expressions(),
            )
        })
        .collect()
}

/// One of `values`, with probabilities proportional to `weights` (equal if
/// None); or `{value: weight}` as one mapping.
#[pyfunction]
#[pyo3(signature = (values, weights=None, *, name=None))]
fn categorical(
    py: Python<'_>,
    values: &Bound<'_, PyAny>,
    weights: Option<&Bound<'_, PyAny>>,
    name: Option<String>,
) -> PyResult<Py<PyAny>> {
    if let Ok(mapping) = values.cast::<pyo3::types::PyDict>() {
        if weights.is_some_and(|w| !w.is_none()) {
            return Err(PyValueError::new_err(
                "categorical: values is a {value: weight} mapping, so weights must not be given too",
            ));
        }
        let values = to_numbers(mapping.keys().as_any(), "categorical: values")?;
        let weights = to_numbers(mapping.values().as_any(), "categorical: weights")?;
        return make_dist(
            py,
            Categorical::new(&values, &weights).py_err()?.into(),
            name,
        );
    }
    let values = to_numbers(values, "categorical: values")?;
    let weights = match weights.filter(|w| !w.is_none()) {
        Some(w) => explicit_weights(
            to_numbers(w, "categorical: weights")?,
            "categorical",
            values.len(),
            "values",
        )?,
        None => Vec::new(),
    };
    make_dist(
        py,
        Categorical::new(&values, &weights).py_err()?.into(),
        name,
    )
}

/// Resampling of observed data: each data point equally likely.
#[pyfunction]
#[pyo3(signature = (data, *, name=None))]
fn empirical(py: Python<'_>, data: &Bound<'_, PyAny>, name: Option<String>) -> PyResult<Py<PyAny>> {
    let data = to_numbers(data, "empirical: data")?;
    make_dist(py, Categorical::empirical(&data).py_err()?.into(), name)
}

/// Weights the caller passed: an empty list is a mistake, not "equal weights"
/// (which the core reads it as; in Python that is `weights=None`).
fn explicit_weights(weights: Vec<f64>, dist: &str, len: usize, of: &str) -> PyResult<Vec<f64>> {
    if weights.is_empty() && len > 0 {
        return Err(PyValueError::new_err(format!(
            "{dist}: weights has 0 entries but there are {len} {of}; pass weights=None for equal weights"
        )));
    }
    Ok(weights)
}

fn fixed_dist(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Dist> {
    obj.cast::<Distribution>()
        .map(|d| d.get().dist.clone())
        .map_err(|_| {
            PyTypeError::new_err(format!(
                "{what} must be a munflow distribution with fixed parameters, got {}",
                super::args::type_name(obj)
            ))
        })
}

/// `dist` conditioned on lo <= X <= hi (either bound may be infinite).
#[pyfunction]
#[pyo3(signature = (dist, lo=None, hi=None, *, name=None))]
fn truncated(
    py: Python<'_>,
    dist: &Bound<'_, PyAny>,
    lo: Option<&Bound<'_, PyAny>>,
    hi: Option<&Bound<'_, PyAny>>,
    name: Option<String>,
) -> PyResult<Py<PyAny>> {
    let inner = fixed_dist(dist, "truncated: dist")?;
    let t = Truncated::new(
        inner,
        opt_number(lo, "truncated: lo", f64::NEG_INFINITY)?,
        opt_number(hi, "truncated: hi", f64::INFINITY)?,
    )
    .py_err()?;
    make_dist(py, t.into(), name)
}

/// A mixture: in each sample, with probability weights[i] (equal if None), a
/// draw from dists[i]. Unnamed distributions with fixed parameters give a
/// Distribution (one law, with mean, ppf...). If any component is an
/// expression or a named input, the mixture is an either/or hypothesis over
/// those quantities: every component is evaluated as it is elsewhere in the
/// model and a categorical choice picks one per sample; with a name, the
/// choice is the input ``"<name>.choice"`` (its row in sensitivity tables is
/// "which hypothesis").
#[pyfunction]
#[pyo3(signature = (dists, weights=None, *, name=None))]
fn mixture(
    py: Python<'_>,
    dists: &Bound<'_, PyAny>,
    weights: Option<&Bound<'_, PyAny>>,
    name: Option<String>,
) -> PyResult<Py<PyAny>> {
    let items: Vec<Bound<'_, PyAny>> =
        dists.try_iter().and_then(|it| it.collect()).map_err(|_| {
            PyTypeError::new_err(
                "mixture: dists must be a sequence of distributions or expressions",
            )
        })?;
    let weights = match weights.filter(|w| !w.is_none()) {
        Some(w) => explicit_weights(
            to_numbers(w, "mixture: weights")?,
            "mixture",
            items.len(),
            "dists",
        )?,
        None => Vec::new(),
    };
    let fixed: Option<Vec<Dist>> = items
        .iter()
        .map(|i| {
            let d = i.cast::<Distribution>().ok()?;
            // A named input is a quantity of the model, not only a law.
            let unnamed = d.as_super().get().node.name().is_none();
            unnamed.then(|| d.get().dist.clone())
        })
        .collect();
    if let Some(components) = fixed {
        return make_dist(
            py,
            Mixture::new(components, &weights).py_err()?.into(),
            name,
        );
    }
    let nodes: Vec<Node> = items
        .iter()
        .map(|i| to_node(i, "mixture: every entry of dists"))
        .collect::<PyResult<_>>()?;
    let (choice, value) = crate::expr::mixture(&nodes, &weights).py_err()?;
    let value = match name {
        Some(name) => {
            check_name(&name)?;
            choice.named(format!("{name}.choice"));
            value.named(name)
        }
        None => value,
    };
    Ok(Py::new(py, Expr::new(value))?.into_any())
}

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(families, m)?)?;
    m.add_function(wrap_pyfunction!(_family_docs, m)?)?;
    register_families(m)?;
    m.add_function(wrap_pyfunction!(bernoulli, m)?)?;
    m.add_function(wrap_pyfunction!(categorical, m)?)?;
    m.add_function(wrap_pyfunction!(empirical, m)?)?;
    m.add_function(wrap_pyfunction!(truncated, m)?)?;
    m.add_function(wrap_pyfunction!(mixture, m)?)?;
    Ok(())
}
