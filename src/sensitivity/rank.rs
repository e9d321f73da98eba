//! Spearman rank correlation of inputs with an output, from an ordinary run.

use crate::dist::{Normal, Quantile};
use crate::error::{Error, Result};
use rayon::prelude::*;

/// One input's rank correlation with the output.
#[derive(Debug, Clone, PartialEq)]
pub struct RankCorrelation {
    pub name: String,
    /// Spearman's rho.
    pub rho: f64,
    /// Half-width of the confidence interval for rho (Fisher's z with the
    /// Fieller–Hartley–Pearson variance 1.06 / (n - 3) for rank correlations),
    /// mapped back to the rho scale and halved: the interval is nearly
    /// symmetric unless |rho| is close to 1.
    pub conf: f64,
}

/// Ranks from 1 to n, ties given their average rank (as scipy's `rankdata`).
pub fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&i, &j| values[i].total_cmp(&values[j]));
    let mut out = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // Ranks start..end (0-based) share their mean, (start + end + 1) / 2 1-based.
        let rank = (start + end + 1) as f64 / 2.0;
        for &i in &order[start..end] {
            out[i] = rank;
        }
        start = end;
    }
    out
}

/// Pearson correlation of two equally long columns; None if either is constant.
fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (da, db) = (a - mx, b - my);
        sxy += da * db;
        sxx += da * da;
        syy += db * db;
    }
    (sxx > 0.0 && syy > 0.0).then(|| (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0))
}

/// Spearman's rho of each input column with `output`, with `conf_level` intervals.
///
/// Rank correlation needs no extra model evaluations and catches any
/// monotone dependence, but not dependence that changes direction (an input
/// acting through sin, or one whose effect is all interaction): use Sobol
/// indices for those.
///
/// ```
/// use munflow::sensitivity::rank_correlation;
/// let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
/// let y = [1.0, 4.0, 9.0, 16.0, 25.0, 36.0];
/// let r = rank_correlation(&y, &[("x".into(), &x[..])], 0.95).unwrap();
/// assert_eq!(r[0].rho, 1.0);
/// ```
pub fn rank_correlation(
    output: &[f64],
    inputs: &[(String, &[f64])],
    conf_level: f64,
) -> Result<Vec<RankCorrelation>> {
    let n = output.len();
    if n < 4 {
        return Err(Error::InvalidArgument(format!(
            "rank correlation needs at least 4 samples, got {n}"
        )));
    }
    if !(conf_level > 0.0 && conf_level < 1.0) {
        return Err(Error::InvalidArgument(format!(
            "conf_level must be in (0, 1), got {conf_level}"
        )));
    }
    for (name, col) in inputs {
        if col.len() != n {
            return Err(Error::InvalidArgument(format!(
                "input '{name}' has {} samples but the output has {n}",
                col.len()
            )));
        }
    }
    let ry = ranks(output);
    if ry.iter().all(|&r| r == ry[0]) {
        return Err(Error::InvalidArgument(
            "the output is constant: rank correlations are undefined".into(),
        ));
    }
    let z = Normal::new(0.0, 1.0)?.ppf(0.5 + conf_level / 2.0);
    let se = (1.06 / (n as f64 - 3.0)).sqrt();
    inputs
        .par_iter()
        .map(|(name, col)| {
            let rho = pearson(&ranks(col), &ry).ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "input '{name}' is constant in these samples: its rank correlation is undefined"
                ))
            })?;
            let fz = rho.clamp(-0.999_999_999, 0.999_999_999).atanh();
            let conf = ((fz + z * se).tanh() - (fz - z * se).tanh()) / 2.0;
            Ok(RankCorrelation {
                name: name.clone(),
                rho,
                conf,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_get_average_ranks() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
    }

    #[test]
    fn matches_scipy_on_a_small_case() {
        // scipy.stats.spearmanr([1,2,3,4,5], [5,6,7,8,7]).statistic = 0.8207826816681233
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [5.0, 6.0, 7.0, 8.0, 7.0];
        let r = rank_correlation(&y, &[("x".into(), &x[..])], 0.95).unwrap();
        assert!((r[0].rho - 0.820_782_681_668_123_3).abs() < 1e-12);
    }

    #[test]
    fn constant_columns_are_errors() {
        let x = [1.0; 5];
        let y = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert!(rank_correlation(&y, &[("x".into(), &x[..])], 0.95).is_err());
        assert!(rank_correlation(&x, &[("y".into(), &y[..])], 0.95).is_err());
    }
}
