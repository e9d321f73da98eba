//! `measured`: a reported figure of a quantity with an error model, errors
//! in proportion (log-normal, the default) or normal.
//!
//! ```
//! use munflow::evidence::{ErrorModel, Observation};
//! use munflow::expr::Node;
//! let said = Observation::measured("minister", Node::constant(1.0), 10.0, ErrorModel::Normal { sd: 2.0 }).unwrap();
//! let want = -0.5 - 2f64.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln();
//! assert!((said.term(&[12.0]).unwrap().0 - want).abs() < 1e-12);
//! ```

use super::kinds::{at, Figure, Given};
use super::likelihood::{check_name, short, Likelihood};
use super::Observation;
use crate::error::{Error, Result};
use crate::expr::Node;
use std::f64::consts::PI;

/// How a reported figure scatters around the true value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ErrorModel {
    /// log(reported / true) ~ Normal(0, sigma): errors in proportion.
    LogNormal { sigma: f64 },
    /// reported - true ~ Normal(0, sd).
    Normal { sd: f64 },
}

impl ErrorModel {
    /// The error model of a report: errors "lognormal" (in proportion) or
    /// "normal", given as `sd` or as `rel_error` at `level` ("within 15%
    /// nine times in ten": rel_error 0.15, level 0.9). For lognormal errors
    /// that is a log-scale sd of ln(1 + rel_error) / z, with z the two-sided
    /// normal quantile of the level (1.645 for 0.9); for normal errors an sd
    /// of rel_error × |value| / z.
    ///
    /// ```
    /// use munflow::evidence::ErrorModel;
    /// let e = ErrorModel::from_report("lognormal", 7000.0, Some(0.15), None, 0.9).unwrap();
    /// let ErrorModel::LogNormal { sigma } = e else { panic!() };
    /// assert!((sigma - 1.15f64.ln() / 1.6448536269514722).abs() < 1e-12);
    /// ```
    pub fn from_report(
        error: &str,
        value: f64,
        rel_error: Option<f64>,
        sd: Option<f64>,
        level: f64,
    ) -> Result<ErrorModel> {
        let bad = |msg: String| Err(Error::InvalidArgument(msg));
        if !(level > 0.0 && level < 1.0) {
            return bad(format!(
                "level must be in (0, 1), got {}",
                crate::error::fmt_value(level)
            ));
        }
        if let Some(r) = rel_error {
            if !(r.is_finite() && r > 0.0) {
                return bad(format!(
                    "rel_error must be a finite number > 0 (0.15 for 15%), got {}",
                    crate::error::fmt_value(r)
                ));
            }
        }
        let z = crate::dist::std_normal_quantile(0.5 + level / 2.0);
        match (error, sd, rel_error) {
            ("lognormal" | "normal", Some(_), Some(_)) => {
                bad("give rel_error or sd, not both".into())
            }
            ("lognormal" | "normal", None, None) => {
                bad("give rel_error (0.15 for 'within 15%') or sd".into())
            }
            ("lognormal", Some(sd), None) => Ok(ErrorModel::LogNormal { sigma: sd }),
            ("lognormal", None, Some(r)) => Ok(ErrorModel::LogNormal {
                sigma: r.ln_1p() / z,
            }),
            ("normal", Some(sd), None) => Ok(ErrorModel::Normal { sd }),
            ("normal", None, Some(r)) => Ok(ErrorModel::Normal {
                sd: r * value.abs() / z,
            }),
            (other, _, _) => bad(format!(
                "error must be 'lognormal' or 'normal', got '{other}'"
            )),
        }
    }
}

/// A reported `value` of `quantity` with an error model.
#[derive(Debug, Clone)]
pub struct Measured {
    pub quantity: Node,
    pub value: f64,
    pub error: ErrorModel,
}

impl Observation {
    /// A reported `value` of `quantity` with the given error model.
    pub fn measured(name: &str, quantity: Node, value: f64, error: ErrorModel) -> Result<Self> {
        check_name(name)?;
        let bad = |param: &str, requirement: &str, v: f64| {
            Err(Error::InvalidArgument(format!(
                "measured '{name}': {param} must be {requirement}, got {}",
                crate::error::fmt_value(v)
            )))
        };
        match error {
            ErrorModel::LogNormal { sigma } => {
                if !(value.is_finite() && value > 0.0) {
                    return bad("value", "a finite number > 0 (errors in proportion need a positive figure; use error='normal' otherwise)", value);
                }
                if !(sigma.is_finite() && sigma > 0.0) {
                    return bad("the log-scale error", "finite and > 0", sigma);
                }
            }
            ErrorModel::Normal { sd } => {
                if !value.is_finite() {
                    return bad("value", "a finite number", value);
                }
                if !(sd.is_finite() && sd > 0.0) {
                    return bad("sd", "finite and > 0", sd);
                }
            }
        }
        let kind = Measured {
            quantity,
            value,
            error,
        };
        Ok(Observation::new(name, kind))
    }
}

/// A `measured` from its declared figures.
pub(super) fn build(given: &mut Given) -> super::kinds::Built {
    let name = given.name;
    let value = given.need("value")?;
    let error = given.word("error").unwrap_or_else(|| "lognormal".into());
    let level = given.number("level").unwrap_or(0.9);
    let (rel_error, sd) = (given.number("rel_error"), given.number("sd"));
    let error = ErrorModel::from_report(&error, value, rel_error, sd, level).map_err(|e| {
        let msg = format!("measured '{name}': {e}");
        ("rel_error", Error::InvalidArgument(msg))
    })?;
    Observation::measured(name, given.read(), value, error).map_err(at("value"))
}

impl Likelihood for Measured {
    fn name(&self) -> &'static str {
        "measured"
    }

    fn nodes(&self) -> Vec<&Node> {
        vec![&self.quantity]
    }

    fn term(&self, _name: &str, v: &[f64]) -> std::result::Result<(f64, f64), String> {
        let value = &self.value;
        let x = v[0];
        match self.error {
            ErrorModel::LogNormal { sigma } => {
                if x <= 0.0 {
                    // Errors in proportion: a true value <= 0 cannot
                    // give a positive report.
                    return Ok((f64::NEG_INFINITY, 1.0 + (-x) / value.abs().max(1.0)));
                }
                let r = (value.ln() - x.ln()) / sigma;
                Ok((
                    -0.5 * r * r - sigma.ln() - value.ln() - 0.5 * (2.0 * PI).ln(),
                    0.0,
                ))
            }
            ErrorModel::Normal { sd } => {
                let r = (value - x) / sd;
                Ok((-0.5 * r * r - sd.ln() - 0.5 * (2.0 * PI).ln(), 0.0))
            }
        }
    }

    fn log_likelihoods(
        &self,
        _name: &str,
        cols: &[&[f64]],
        out: &mut [f64],
    ) -> std::result::Result<(), (usize, String)> {
        // term()'s arithmetic in a tight loop.
        let half_ln_2pi = 0.5 * (2.0 * PI).ln();
        let (value, lv) = (self.value, self.value.ln());
        match self.error {
            ErrorModel::LogNormal { sigma } => {
                let ls = sigma.ln();
                for (o, &x) in out.iter_mut().zip(cols[0]) {
                    let r = (lv - x.ln()) / sigma;
                    *o = if x > 0.0 {
                        -0.5 * r * r - ls - lv - half_ln_2pi
                    } else {
                        f64::NEG_INFINITY
                    };
                }
            }
            ErrorModel::Normal { sd } => {
                let ls = sd.ln();
                for (o, &x) in out.iter_mut().zip(cols[0]) {
                    let r = (value - x) / sd;
                    *o = -0.5 * r * r - ls - half_ln_2pi;
                }
            }
        }
        Ok(())
    }

    fn predictive_tail(&self, v: &[f64]) -> f64 {
        let value = &self.value;
        let x = v[0];
        let z = match self.error {
            ErrorModel::LogNormal { sigma } if x > 0.0 => (value.ln() - x.ln()) / sigma,
            ErrorModel::LogNormal { .. } => f64::INFINITY,
            ErrorModel::Normal { sd } => (value - x) / sd,
        };
        crate::dist::std_normal_cdf(z)
    }

    fn describe(&self, label: &dyn Fn(usize, &Node) -> String) -> String {
        match self.error {
            ErrorModel::LogNormal { sigma } => format!(
                "measured: {} = {} (errors in proportion, log-scale sd {})",
                label(0, &self.quantity),
                short(self.value),
                short(sigma)
            ),
            ErrorModel::Normal { sd } => format!(
                "measured: {} = {} (normal error, sd {})",
                label(0, &self.quantity),
                short(self.value),
                short(sd)
            ),
        }
    }

    fn figures(&self) -> Vec<(&'static str, Figure)> {
        let (word, sd) = match self.error {
            ErrorModel::LogNormal { sigma } => ("lognormal", sigma),
            ErrorModel::Normal { sd } => ("normal", sd),
        };
        vec![
            ("value", Figure::Number(self.value)),
            ("error", Figure::Word(word)),
            ("sd", Figure::Number(sd)),
        ]
    }
}
