//! `at_least`, `at_most` and `between`: the quantity lies in [lower, upper]
//! (one end may be infinite). One kind, named by its ends.
//!
//! ```
//! use munflow::evidence::Observation;
//! use munflow::expr::Node;
//! let q = Node::constant(30.0);
//! let obs = Observation::bounds("b", q.clone(), 25.0, f64::INFINITY).unwrap();
//! assert_eq!(obs.kind.name(), "at_least");
//! let obs = Observation::bounds("b", q, 25.0, 40.0).unwrap();
//! assert_eq!(obs.kind.name(), "between");
//! ```

use super::kinds::{at, Figure, Given};
use super::likelihood::{check_name, short, Likelihood};
use super::Observation;
use crate::error::{Error, Result};
use crate::expr::Node;

/// The quantity lies in [lower, upper] (either may be infinite): the
/// statements `at_least`, `at_most` and `between`.
#[derive(Debug, Clone)]
pub struct Bounds {
    pub quantity: Node,
    pub lower: f64,
    pub upper: f64,
}

/// The statement [lower, upper] makes: `at_least` or `at_most` with one
/// infinite end, else `between` (bounds, and drawn counts made from them).
pub(super) fn statement(lower: f64, upper: f64) -> &'static str {
    match (lower == f64::NEG_INFINITY, upper == f64::INFINITY) {
        (false, true) => "at_least",
        (true, false) => "at_most",
        _ => "between",
    }
}

/// The figures that rebuild the statement [lower, upper].
pub(super) fn figures(lower: f64, upper: f64) -> Vec<(&'static str, Figure)> {
    match statement(lower, upper) {
        "at_least" => vec![("value", Figure::Number(lower))],
        "at_most" => vec![("value", Figure::Number(upper))],
        _ => vec![
            ("lower", Figure::Number(lower)),
            ("upper", Figure::Number(upper)),
        ],
    }
}

impl Observation {
    /// The quantity lies in [lower, upper]; pass an infinity for a one-sided
    /// statement ("at least 25 vessels").
    pub fn bounds(name: &str, quantity: Node, lower: f64, upper: f64) -> Result<Self> {
        check_name(name)?;
        if lower.is_nan()
            || upper.is_nan()
            || lower > upper
            || lower == f64::INFINITY
            || upper == f64::NEG_INFINITY
        {
            return Err(Error::InvalidArgument(format!(
                "bounds '{name}': need lower <= upper, with at least one finite, got [{}, {}]",
                crate::error::fmt_value(lower),
                crate::error::fmt_value(upper)
            )));
        }
        if lower == upper && !super::exact::has_atoms(&quantity) {
            return Err(Error::InvalidArgument(format!(
                "bounds '{name}': {} = {} exactly is a statement no sample can meet: {} is a continuous quantity, which never equals a figure. State the figure with its error instead, such as measured({}, {}, sd=..., error='normal'); exact statements are for counts (a Poisson, binomial or negative binomial draw, or a sum of Poisson draws)",
                quantity.label(),
                short(lower),
                quantity.label(),
                quantity.label(),
                short(lower),
            )));
        }
        if lower == f64::NEG_INFINITY && upper == f64::INFINITY {
            return Err(Error::InvalidArgument(format!(
                "bounds '{name}': at least one bound must be finite, got [-inf, inf]"
            )));
        }
        let kind = Bounds {
            quantity,
            lower,
            upper,
        };
        Ok(Observation::new(name, kind))
    }
}

/// An `at_least` from its declared figures.
pub(super) fn build_at_least(given: &mut Given) -> super::kinds::Built {
    let value = given.need("value")?;
    Observation::bounds(given.name, given.read(), value, f64::INFINITY).map_err(at("value"))
}

/// An `at_most` from its declared figures.
pub(super) fn build_at_most(given: &mut Given) -> super::kinds::Built {
    let value = given.need("value")?;
    Observation::bounds(given.name, given.read(), f64::NEG_INFINITY, value).map_err(at("value"))
}

/// A `between` from its declared figures.
pub(super) fn build_between(given: &mut Given) -> super::kinds::Built {
    let (lower, upper) = (given.need("lower")?, given.need("upper")?);
    Observation::bounds(given.name, given.read(), lower, upper).map_err(at("lower"))
}

impl Likelihood for Bounds {
    fn name(&self) -> &'static str {
        statement(self.lower, self.upper)
    }

    fn nodes(&self) -> Vec<&Node> {
        vec![&self.quantity]
    }

    fn term(&self, _name: &str, v: &[f64]) -> std::result::Result<(f64, f64), String> {
        let (lower, upper) = (&self.lower, &self.upper);
        let x = v[0];
        let scale = |b: f64| b.abs().max(1.0);
        if x < *lower {
            Ok((f64::NEG_INFINITY, (lower - x) / scale(*lower)))
        } else if x > *upper {
            Ok((f64::NEG_INFINITY, (x - upper) / scale(*upper)))
        } else {
            Ok((0.0, 0.0))
        }
    }

    fn predictive_tail(&self, v: &[f64]) -> f64 {
        let x = v[0];
        if x >= self.lower && x <= self.upper {
            1.0
        } else {
            0.0
        }
    }

    fn describe(&self, label: &dyn Fn(usize, &Node) -> String) -> String {
        format!(
            "bounds: {} in [{}, {}]",
            label(0, &self.quantity),
            short(self.lower),
            short(self.upper)
        )
    }

    fn figures(&self) -> Vec<(&'static str, Figure)> {
        figures(self.lower, self.upper)
    }
}
