//! Paired statements: a stated count with what it would hold under one or
//! more cargo hypotheses ("6,700 containers: about 3 million 152 mm shells
//! or 500,000 122 mm rounds"). It is one statement, not independent
//! measurements of containers and of shells: each converted figure is the
//! stated count times the official's figure per unit for that hypothesis,
//! so it carries the count's error.
//!
//! With C the true count, r_h the figure per unit for hypothesis h (an
//! expression of the model: its rounds per container of that calibre),
//! and independent normal errors e, e_h:
//!
//! ```text
//! log C_stated = log C + e,                 e   ~ N(0, sigma²)
//! log S_h      = log C_stated + log r_h + e_h,   e_h ~ N(0, sigma_h²)
//! ```
//!
//! so log S_h = log C + log r_h + e + e_h: the shared error e is why the
//! naive pair of measurements (C by C_stated, C·r_h by S_h, errors
//! independent) counts the sentence twice. The joint density of the
//! statement is the count's log-normal density times, for each hypothesis,
//! the log-normal density of S_h around C_stated·r_h: what the statement
//! says of C is the count's term alone, and each conversion says what the
//! official's figure per unit was.
//!
//! ```
//! use munflow::evidence::paired_log_density;
//! // Stated 7,000 (log sd 0.1); 3,000,000 shells at 430 a container (log sd 0.2).
//! let ll = paired_log_density(7000.0, 0.1, &[(3.0e6, 0.2)], 7000.0, &[3.0e6 / 7000.0]);
//! let peak = -(0.1f64 * 7000.0).ln() - (0.2f64 * 3.0e6).ln() - (2.0 * std::f64::consts::PI).ln();
//! assert!((ll - peak).abs() < 1e-12);
//! ```

use super::kinds::{Figure, Given, FURTHER_CONVERSIONS};
use super::likelihood::{check_name, short, Likelihood};
use super::{ErrorModel, Observation};
use crate::error::{Error, Result};
use crate::expr::Node;
use std::f64::consts::PI;

/// ln of the log-normal density of `value` with log-mean ln(`centre`) and log-sd `sigma`.
pub(crate) fn log_normal_density(value: f64, centre: f64, sigma: f64) -> f64 {
    if centre <= 0.0 {
        return f64::NEG_INFINITY;
    }
    let r = (value.ln() - centre.ln()) / sigma;
    -0.5 * r * r - sigma.ln() - value.ln() - 0.5 * (2.0 * PI).ln()
}

/// The log-density of a paired statement (see the module docs): `stated`
/// count with log-sd `sigma`, conversions (stated figure S_h, log-sd
/// sigma_h), for a true count `count` and figures per unit `per_unit`.
pub fn paired_log_density(
    stated: f64,
    sigma: f64,
    conversions: &[(f64, f64)],
    count: f64,
    per_unit: &[f64],
) -> f64 {
    let mut ll = log_normal_density(stated, count, sigma);
    for (&(converted, sigma_h), &r) in conversions.iter().zip(per_unit) {
        ll += log_normal_density(converted, stated * r, sigma_h);
    }
    ll
}

/// One conversion of a paired statement: the `converted` figure stated
/// (3 million shells) for the model's figure per unit `per_unit` (its
/// rounds per container of that calibre), with log-scale error `sigma`.
#[derive(Debug, Clone)]
pub struct Conversion {
    pub per_unit: Node,
    pub converted: f64,
    pub sigma: f64,
}

/// A stated count of `quantity` with what it would hold under one or more
/// cargo hypotheses, one statement with a shared error (see the module docs).
#[derive(Debug, Clone)]
pub struct Paired {
    pub quantity: Node,
    pub value: f64,
    pub sigma: f64,
    pub conversions: Vec<Conversion>,
}

impl Observation {
    /// A stated count `value` of `quantity` with log-scale error `sigma`,
    /// and the `conversions` stated with it (at least one).
    pub fn paired(
        name: &str,
        quantity: Node,
        value: f64,
        sigma: f64,
        conversions: Vec<Conversion>,
    ) -> Result<Self> {
        check_name(name)?;
        let bad = |what: &str, x: f64| {
            Err(Error::InvalidArgument(format!(
                "paired '{name}': {what}, got {}",
                crate::error::fmt_value(x)
            )))
        };
        if !(value.is_finite() && value > 0.0) {
            return bad(
                "value (the stated count) must be a finite number > 0",
                value,
            );
        }
        if !(sigma.is_finite() && sigma > 0.0) {
            return bad("the count's log-scale error must be finite and > 0", sigma);
        }
        if conversions.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "paired '{name}': give at least one conversion (converted and per_unit); a count alone is measured(...)"
            )));
        }
        for c in &conversions {
            if !(c.converted.is_finite() && c.converted > 0.0) {
                return bad(
                    "converted (the figure stated for a hypothesis) must be a finite number > 0",
                    c.converted,
                );
            }
            if !(c.sigma.is_finite() && c.sigma > 0.0) {
                return bad(
                    "a conversion's log-scale error must be finite and > 0",
                    c.sigma,
                );
            }
        }
        let kind = Paired {
            quantity,
            value,
            sigma,
            conversions,
        };
        Ok(Observation::new(name, kind))
    }
}

/// A `paired` statement from its declared figures, with its further
/// conversions ([`FURTHER_CONVERSIONS`]) in order.
pub(super) fn build(given: &mut Given) -> super::kinds::Built {
    let name = given.name;
    let value = given.need("value")?;
    let level = given.number("level").unwrap_or(0.9);
    // The log-scale sd of an error given as rel_error (at level) or sd.
    let log_sd = |rel: &'static str, sd: &'static str, of: f64| {
        let field = if given.number(sd).is_some() { sd } else { rel };
        let fail = |e: String| {
            let msg = format!("paired '{name}': {field}: {e}");
            Err((field, Error::InvalidArgument(msg)))
        };
        let (rel_error, sd) = (given.number(rel), given.number(sd));
        match ErrorModel::from_report("lognormal", of, rel_error, sd, level) {
            Ok(ErrorModel::LogNormal { sigma }) if sigma.is_finite() && sigma > 0.0 => Ok(sigma),
            Ok(ErrorModel::LogNormal { sigma }) => fail(format!(
                "the log-scale sd must be finite and > 0, got {}",
                crate::error::fmt_value(sigma)
            )),
            Ok(ErrorModel::Normal { .. }) => unreachable!("asked for lognormal"),
            Err(e) => fail(e.to_string()),
        }
    };
    let sigma = log_sd("rel_error", "sd", value)?;
    let mut stated = Vec::new();
    for figure in std::iter::once("converted").chain(given.further().iter().copied()) {
        let converted = given.need(figure)?;
        let conversion_sigma = log_sd("conversion_rel_error", "conversion_sd", converted)?;
        stated.push((converted, conversion_sigma));
    }
    let quantity = given.read();
    let conversions = stated
        .into_iter()
        .map(|(converted, sigma)| Conversion {
            per_unit: given.read(),
            converted,
            sigma,
        })
        .collect();
    Observation::paired(name, quantity, value, sigma, conversions).map_err(|e| {
        let field = if e.to_string().contains("converted") {
            "converted"
        } else {
            "value"
        };
        (field, e)
    })
}

impl Likelihood for Paired {
    fn name(&self) -> &'static str {
        "paired"
    }

    fn nodes(&self) -> Vec<&Node> {
        std::iter::once(&self.quantity)
            .chain(self.conversions.iter().map(|c| &c.per_unit))
            .collect()
    }

    fn term(&self, name: &str, v: &[f64]) -> std::result::Result<(f64, f64), String> {
        let count = v[0];
        if count.is_nan() {
            return Err(format!("paired '{name}': the count is NaN"));
        }
        if count <= 0.0 {
            // A stated positive count cannot come from none.
            return Ok((f64::NEG_INFINITY, 1.0 + (-count) / self.value.max(1.0)));
        }
        if let Some(r) = v[1..].iter().find(|r| !(**r > 0.0 && r.is_finite())) {
            return Err(format!(
                "paired '{name}': a figure per unit must be finite and > 0, got {}",
                crate::error::fmt_value(*r)
            ));
        }
        let pairs: Vec<(f64, f64)> = self
            .conversions
            .iter()
            .map(|c| (c.converted, c.sigma))
            .collect();
        let ll = paired_log_density(self.value, self.sigma, &pairs, count, &v[1..]);
        Ok((ll, 0.0))
    }

    /// Where the stated count falls: the conversions say nothing of the count.
    fn predictive_tail(&self, v: &[f64]) -> f64 {
        if v[0] > 0.0 {
            crate::dist::std_normal_cdf((self.value.ln() - v[0].ln()) / self.sigma)
        } else {
            1.0
        }
    }

    fn describe(&self, label: &dyn Fn(usize, &Node) -> String) -> String {
        let each: Vec<String> = self
            .conversions
            .iter()
            .enumerate()
            .map(|(i, c)| {
                format!(
                    "{} at {} per unit (log-scale sd {})",
                    short(c.converted),
                    label(i + 1, &c.per_unit),
                    short(c.sigma)
                )
            })
            .collect();
        format!(
            "paired: {} = {} (log-scale sd {}): {}",
            label(0, &self.quantity),
            short(self.value),
            short(self.sigma),
            each.join(" or ")
        )
    }

    fn figures(&self) -> Vec<(&'static str, Figure)> {
        let mut figs = vec![
            ("value", Figure::Number(self.value)),
            ("sd", Figure::Number(self.sigma)),
        ];
        let names = std::iter::once("converted").chain(FURTHER_CONVERSIONS.map(|(f, _)| f));
        for (c, figure) in self.conversions.iter().zip(names) {
            figs.push((figure, Figure::Number(c.converted)));
        }
        if let Some(first) = self.conversions.first() {
            figs.push(("conversion_sd", Figure::Number(first.sigma)));
        }
        figs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_is_the_joint_density_of_count_and_conversion_with_a_shared_error() {
        // (log C_stated, log S) is bivariate normal around (log C, log C + log r)
        // with covariance [[s², s²], [s², s² + s_h²]]; its density in the
        // stated figures (Jacobian 1 / (C_stated · S)) is the paired term.
        let (c, r, s, sh) = (6500.0f64, 410.0f64, 0.12f64, 0.25f64);
        let (cs, conv) = (7000.0f64, 3.0e6f64);
        let x = [cs.ln() - c.ln(), conv.ln() - c.ln() - r.ln()];
        let cov = [[s * s, s * s], [s * s, s * s + sh * sh]];
        let det = cov[0][0] * cov[1][1] - cov[0][1] * cov[1][0];
        let inv = [
            [cov[1][1] / det, -cov[0][1] / det],
            [-cov[1][0] / det, cov[0][0] / det],
        ];
        let quad = x[0] * (inv[0][0] * x[0] + inv[0][1] * x[1])
            + x[1] * (inv[1][0] * x[0] + inv[1][1] * x[1]);
        let want = -0.5 * quad - 0.5 * det.ln() - (2.0 * PI).ln() - cs.ln() - conv.ln();
        let got = paired_log_density(cs, s, &[(conv, sh)], c, &[r]);
        assert!((got - want).abs() < 1e-10, "{got} vs {want}");
    }
}
