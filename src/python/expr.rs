//! `munflow.Expr`: a node of the expression graph, with Python operators.

use super::args::{check_name, type_name};
use crate::expr::{BinaryOp, Node, UnaryOp};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

/// An uncertain quantity: a distribution, or arithmetic on distributions.
///
/// Combine with + - * / ** and unary -, numbers on either side; comparisons
/// (> >= < <= == !=) give 0/1 indicators whose mean is a probability. The
/// same object used twice is the same draw in every sample.
#[pyclass(module = "munflow", subclass, frozen)]
pub struct Expr {
    pub(crate) node: Node,
}

impl Expr {
    pub(crate) fn new(node: Node) -> Self {
        Expr { node }
    }
}

/// A number or an expression, as a node.
pub(crate) fn to_node(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Node> {
    if let Ok(e) = obj.cast::<Expr>() {
        return Ok(e.get().node.clone());
    }
    if obj.is_instance_of::<pyo3::types::PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a number or a munflow expression, got bool"
        )));
    }
    match obj.extract::<f64>() {
        Ok(v) => Ok(Node::constant(v)),
        Err(_) => Err(PyTypeError::new_err(format!(
            "{what} must be a number or a munflow expression, got {}",
            type_name(obj)
        ))),
    }
}

/// `__reduce__` of an expression (or, with `distribution`, of a
/// Distribution): `munflow._core._restore_expr` and the saved graph.
pub(crate) fn reduce(
    py: Python<'_>,
    node: &Node,
    distribution: bool,
) -> PyResult<(Py<PyAny>, (String, bool))> {
    let restore = py.import("munflow._core")?.getattr("_restore_expr")?;
    let graph = serde_json::to_string(&crate::expr::save(std::slice::from_ref(node)))
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(format!("cannot pickle: {e}")))?;
    Ok((restore.unbind(), (graph, distribution)))
}

fn binary(a: &Node, op: BinaryOp, other: &Bound<'_, PyAny>, reflected: bool) -> PyResult<Expr> {
    let b = to_node(other, "operand")?;
    Ok(Expr::new(if reflected {
        b.binary(op, a)
    } else {
        a.binary(op, &b)
    }))
}

/// `a == o` or `a != o` as an indicator expression, or NotImplemented when
/// `o` is neither a number nor an expression.
fn indicator(a: &Node, op: BinaryOp, o: &Bound<'_, PyAny>) -> Py<PyAny> {
    let py = o.py();
    match binary(a, op, o, false).and_then(|e| Py::new(py, e)) {
        Ok(expr) => expr.into_any(),
        Err(_) => py.NotImplemented(),
    }
}

#[pymethods]
impl Expr {
    /// The name given at construction, or None.
    #[getter]
    fn name(&self) -> Option<String> {
        self.node.name().map(str::to_string)
    }

    /// Records where this input's figure comes from and returns it (the same
    /// input): ``source`` (a report, a statement) and whether it is an
    /// analyst's ``assumption``. A report says what each estimate rests on
    /// from these; citing an input twice with different origins is a
    /// ValueError.
    ///
    /// >>> import munflow as mf
    /// >>> dud = mf.beta(2, 8, name="dud_rate").cite("no source gives one", assumption=True)
    /// >>> dud.source, dud.assumption
    /// ('no source gives one', True)
    #[pyo3(signature = (source=None, *, assumption=false))]
    fn cite<'py>(
        slf: &Bound<'py, Self>,
        source: Option<String>,
        assumption: bool,
    ) -> PyResult<Bound<'py, Self>> {
        if source.is_none() && !assumption {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "cite() needs a source, or assumption=True for an analyst's assumption",
            ));
        }
        if source.as_deref().is_some_and(|s| s.trim().is_empty()) {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "source must not be empty; leave it out for an assumption with no source",
            ));
        }
        let node = slf.get().node.clone();
        let provenance = crate::expr::Provenance { source, assumption };
        node.cited(provenance)
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        Ok(slf.clone())
    }

    /// The source this input was cited with (see :meth:`cite`), or None.
    #[getter]
    fn source(&self) -> Option<String> {
        self.node.provenance().and_then(|p| p.source.clone())
    }

    /// Whether this input was cited as an analyst's assumption.
    #[getter]
    fn assumption(&self) -> bool {
        self.node.provenance().is_some_and(|p| p.assumption)
    }

    /// A short readable description (the name, else the expression).
    #[getter]
    fn label(&self) -> String {
        self.node.label()
    }

    /// Names of the named nodes this expression depends on (itself included).
    fn input_names(&self) -> Vec<String> {
        self.node
            .inputs()
            .iter()
            .filter_map(|n| n.name().map(str::to_string))
            .collect()
    }

    /// The random named inputs this expression depends on (not itself),
    /// with where each comes from: {name: (source or None, assumption)};
    /// inputs never cited give (None, False).
    fn input_sources(&self) -> std::collections::BTreeMap<String, (Option<String>, bool)> {
        self.node
            .inputs()
            .iter()
            .filter(|n| n.is_random() && n.id() != self.node.id())
            .filter_map(|n| {
                let p = n.provenance();
                let origin = (
                    p.and_then(|p| p.source.clone()),
                    p.is_some_and(|p| p.assumption),
                );
                n.name().map(|name| (name.to_string(), origin))
            })
            .collect()
    }

    fn __repr__(&self) -> String {
        format!("<munflow.Expr {}>", self.node.label())
    }

    fn __hash__(&self) -> u64 {
        self.node.id()
    }

    /// Pickling: the graph behind this expression as plain data. Restored,
    /// it is the same node (identities are kept), so expressions pickled
    /// separately that share a node still share its draw.
    fn __reduce__(slf: &Bound<'_, Self>) -> PyResult<(Py<PyAny>, (String, bool))> {
        reduce(slf.py(), &slf.get().node, false)
    }

    /// Expressions are immutable: a copy is the same expression.
    fn __copy__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __deepcopy__(slf: Py<Self>, _memo: &Bound<'_, PyAny>) -> Py<Self> {
        slf
    }

    fn __bool__(&self) -> PyResult<bool> {
        Err(PyTypeError::new_err(
            "an uncertain quantity has no single truth value: for the larger of two use mf.maximum(a, b) \
             (mf.minimum for the smaller; Python's max() and min() compare), for if/else mf.where(cond, a, b), \
             and for a probability run the model and use results.prob(expr)",
        ))
    }

    fn __add__(&self, o: &Bound<'_, PyAny>) -> PyResult<Expr> {
        binary(&self.node, BinaryOp::Add, o, false)
    }
    fn __radd__(&self, o: &Bound<'_, PyAny>) -> PyResult<Expr> {
        binary(&self.node, BinaryOp::Add, o, true)
    }
    fn __sub__(&self, o: &Bound<'_, PyAny>) -> PyResult<Expr> {
        binary(&self.node, BinaryOp::Sub, o, false)
    }
    fn __rsub__(&self, o: &Bound<'_, PyAny>) -> PyResult<Expr> {
        binary(&self.node, BinaryOp::Sub, o, true)
    }
    fn __mul__(&self, o: &Bound<'_, PyAny>) -> PyResult<Expr> {
        binary(&self.node, BinaryOp::Mul, o, false)
    }
    fn __rmul__(&self, o: &Bound<'_, PyAny>) -> PyResult<Expr> {
        binary(&self.node, BinaryOp::Mul, o, true)
    }
    fn __truediv__(&self, o: &Bound<'_, PyAny>) -> PyResult<Expr> {
        binary(&self.node, BinaryOp::Div, o, false)
    }
    fn __rtruediv__(&self, o: &Bound<'_, PyAny>) -> PyResult<Expr> {
        binary(&self.node, BinaryOp::Div, o, true)
    }
    fn __pow__(&self, o: &Bound<'_, PyAny>, _modulo: Option<&Bound<'_, PyAny>>) -> PyResult<Expr> {
        binary(&self.node, BinaryOp::Pow, o, false)
    }
    fn __rpow__(&self, o: &Bound<'_, PyAny>, _modulo: Option<&Bound<'_, PyAny>>) -> PyResult<Expr> {
        binary(&self.node, BinaryOp::Pow, o, true)
    }
    fn __neg__(&self) -> Expr {
        Expr::new(self.node.unary(UnaryOp::Neg))
    }
    fn __pos__(&self) -> Expr {
        Expr::new(self.node.clone())
    }
    fn __abs__(&self) -> Expr {
        Expr::new(self.node.unary(UnaryOp::Abs))
    }
    fn __gt__(&self, o: &Bound<'_, PyAny>) -> PyResult<Expr> {
        binary(&self.node, BinaryOp::Gt, o, false)
    }
    fn __ge__(&self, o: &Bound<'_, PyAny>) -> PyResult<Expr> {
        binary(&self.node, BinaryOp::Ge, o, false)
    }
    fn __lt__(&self, o: &Bound<'_, PyAny>) -> PyResult<Expr> {
        binary(&self.node, BinaryOp::Lt, o, false)
    }
    fn __le__(&self, o: &Bound<'_, PyAny>) -> PyResult<Expr> {
        binary(&self.node, BinaryOp::Le, o, false)
    }
    /// `failures == 25` is the indicator of that event, like the other
    /// comparisons; anything that is not a number or an expression compares
    /// unequal (Python's default), so `expr in [None, ...]` still works.
    fn __eq__(&self, o: &Bound<'_, PyAny>) -> Py<PyAny> {
        indicator(&self.node, BinaryOp::Eq, o)
    }
    fn __ne__(&self, o: &Bound<'_, PyAny>) -> Py<PyAny> {
        indicator(&self.node, BinaryOp::Ne, o)
    }

    /// numpy must not broadcast over an Expr element by element.
    #[classattr]
    fn __array_ufunc__() -> Option<i32> {
        None
    }
}

macro_rules! unary_fn {
    ($name:ident, $op:expr, $doc:literal) => {
        #[doc = $doc]
        #[pyfunction]
        fn $name(x: &Bound<'_, PyAny>) -> PyResult<Expr> {
            Ok(Expr::new(to_node(x, "x")?.unary($op)))
        }
    };
}

unary_fn!(exp, UnaryOp::Exp, "e**x, element-wise.");
unary_fn!(
    log,
    UnaryOp::Log,
    "Natural logarithm, element-wise (NaN for x < 0 is reported as a model error)."
);
unary_fn!(sqrt, UnaryOp::Sqrt, "Square root, element-wise.");
unary_fn!(abs, UnaryOp::Abs, "Absolute value, element-wise.");
unary_fn!(
    floor,
    UnaryOp::Floor,
    "Largest whole number <= x, element-wise (use it to turn a product into a count)."
);
unary_fn!(sin, UnaryOp::Sin, "Sine (radians), element-wise.");
unary_fn!(cos, UnaryOp::Cos, "Cosine (radians), element-wise.");
unary_fn!(
    round,
    UnaryOp::Round,
    "Nearest whole number, halves away from zero, element-wise."
);

/// Element-wise minimum of two quantities (numbers or expressions).
#[pyfunction]
fn minimum(a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<Expr> {
    Ok(Expr::new(
        to_node(a, "a")?.binary(BinaryOp::Min, &to_node(b, "b")?),
    ))
}

/// Element-wise maximum of two quantities (numbers or expressions).
#[pyfunction]
fn maximum(a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<Expr> {
    Ok(Expr::new(
        to_node(a, "a")?.binary(BinaryOp::Max, &to_node(b, "b")?),
    ))
}

/// `a` where `cond` is true (non-zero), `b` where it is 0: either/or
/// hypotheses, e.g. ``mf.where(all_152, 3e6 * share, 5e5 * share)`` with
/// ``all_152 = mf.bernoulli(0.6, name="all_152")``. Both `a` and `b` are drawn
/// in every sample; `cond` picks one (NaN where `cond` is NaN).
#[pyfunction]
#[pyo3(name = "where")]
fn where_(cond: &Bound<'_, PyAny>, a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<Expr> {
    let cond = to_node(cond, "where: cond")?;
    Ok(Expr::new(cond.select(
        &to_node(a, "where: a")?,
        &to_node(b, "where: b")?,
    )))
}

/// x limited to [lo, hi]: minimum(maximum(x, lo), hi).
#[pyfunction]
fn clip(x: &Bound<'_, PyAny>, lo: &Bound<'_, PyAny>, hi: &Bound<'_, PyAny>) -> PyResult<Expr> {
    let (lo, hi) = (to_node(lo, "lo")?, to_node(hi, "hi")?);
    if let (Some(a), Some(b)) = (lo.as_constant(), hi.as_constant()) {
        if a > b {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "clip: lo must be <= hi, got lo={a}, hi={b}"
            )));
        }
    }
    Ok(Expr::new(to_node(x, "x")?.clip(&lo, &hi)))
}

/// Gives `x` a name, which labels it in tables and keys its random stream.
///
/// Naming never makes an independent draw: an unnamed quantity takes the name
/// itself (every expression using it sees the name, and ``named(d, "c")`` and
/// ``d`` are one draw); a quantity that already has another name gets a
/// second label, a column with the same values in every sample.
#[pyfunction]
fn named(x: &Bound<'_, PyAny>, name: String) -> PyResult<Expr> {
    check_name(&name)?;
    Ok(Expr::new(to_node(x, "x")?.named(name)))
}

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(exp, m)?)?;
    m.add_function(wrap_pyfunction!(log, m)?)?;
    m.add_function(wrap_pyfunction!(sqrt, m)?)?;
    m.add_function(wrap_pyfunction!(abs, m)?)?;
    m.add_function(wrap_pyfunction!(floor, m)?)?;
    m.add_function(wrap_pyfunction!(round, m)?)?;
    m.add_function(wrap_pyfunction!(sin, m)?)?;
    m.add_function(wrap_pyfunction!(cos, m)?)?;
    m.add_function(wrap_pyfunction!(minimum, m)?)?;
    m.add_function(wrap_pyfunction!(maximum, m)?)?;
    m.add_function(wrap_pyfunction!(clip, m)?)?;
    m.add_function(wrap_pyfunction!(named, m)?)?;
    m.add_function(wrap_pyfunction!(where_, m)?)?;
    Ok(())
}
