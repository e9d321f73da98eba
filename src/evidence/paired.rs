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
