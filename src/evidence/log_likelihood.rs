//! `log_likelihood`: a log-likelihood term computed by the model itself,
//! one value per sample.
//!
//! ```
//! use munflow::evidence::Observation;
//! use munflow::expr::Node;
//! let own = Observation::log_likelihood("own", Node::constant(-1.5)).unwrap();
//! assert_eq!(own.term(&[-1.5]).unwrap(), (-1.5, 0.0));
//! assert!(own.term(&[f64::NAN]).is_err());
//! ```

use super::kinds::{at, Figure, Given};
use super::likelihood::{check_name, Likelihood};
use super::Observation;
use crate::error::Result;
use crate::expr::Node;

/// A log-likelihood computed by the model itself.
#[derive(Debug, Clone)]
pub struct LogLikelihood {
    pub log_lik: Node,
}

impl Observation {
    /// A log-likelihood term computed by the model (`log_lik` per sample).
    pub fn log_likelihood(name: &str, log_lik: Node) -> Result<Self> {
        check_name(name)?;
        Ok(Observation::new(name, LogLikelihood { log_lik }))
    }
}

/// A `log_likelihood` from its declared figures (none).
pub(super) fn build(given: &mut Given) -> super::kinds::Built {
    Observation::log_likelihood(given.name, given.read()).map_err(at("term"))
}

impl Likelihood for LogLikelihood {
    fn name(&self) -> &'static str {
        "log_likelihood"
    }

    fn nodes(&self) -> Vec<&Node> {
        vec![&self.log_lik]
    }

    fn term(&self, name: &str, v: &[f64]) -> std::result::Result<(f64, f64), String> {
        let ll = v[0];
        if ll.is_nan() || ll == f64::INFINITY {
            return Err(format!(
                "log_likelihood '{name}': the term must be a number below +inf, got {}",
                crate::error::fmt_value(ll)
            ));
        }
        Ok((ll, if ll == f64::NEG_INFINITY { 1.0 } else { 0.0 }))
    }

    /// NaN: a custom term predicts nothing.
    fn predictive_tail(&self, _v: &[f64]) -> f64 {
        f64::NAN
    }

    fn describe(&self, label: &dyn Fn(usize, &Node) -> String) -> String {
        format!("log_likelihood: {}", label(0, &self.log_lik))
    }

    fn figures(&self) -> Vec<(&'static str, Figure)> {
        vec![]
    }
}
