//! Parameter checks shared by the constructors. Each returns the value when it
//! is acceptable, or an [`Error::InvalidParameter`] naming family, parameter and value.

use super::fmt_num;
use crate::error::{Error, Result};

pub(crate) fn finite(dist: &'static str, param: &'static str, v: f64) -> Result<f64> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(Error::param(dist, param, "a finite number", v))
    }
}

pub(crate) fn positive(dist: &'static str, param: &'static str, v: f64) -> Result<f64> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(Error::param(dist, param, "> 0", v))
    }
}

pub(crate) fn non_negative(dist: &'static str, param: &'static str, v: f64) -> Result<f64> {
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(Error::param(dist, param, ">= 0", v))
    }
}

pub(crate) fn probability(dist: &'static str, param: &'static str, v: f64) -> Result<f64> {
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(Error::param(dist, param, "in [0, 1]", v))
    }
}

/// A count such as binomial `n`: a finite whole number >= 0.
pub(crate) fn count(dist: &'static str, param: &'static str, v: f64) -> Result<u64> {
    // 2^53: beyond it not every integer is representable as f64.
    if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= 9_007_199_254_740_992.0 {
        Ok(v as u64)
    } else {
        Err(Error::param(
            dist,
            param,
            "a whole number in [0, 2^53 = 9007199254740992] (beyond 2^53 a double cannot hold every whole number)",
            v,
        ))
    }
}

/// `lo < hi`, both finite.
pub(crate) fn ordered(
    dist: &'static str,
    lo_name: &'static str,
    lo: f64,
    hi_name: &'static str,
    hi: f64,
) -> Result<()> {
    finite(dist, lo_name, lo)?;
    finite(dist, hi_name, hi)?;
    if lo < hi && (hi - lo).is_finite() {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "{dist}: {lo_name} must be < {hi_name} (and their distance finite), got {lo_name}={}, {hi_name}={}",
            fmt_num(lo),
            fmt_num(hi)
        )))
    }
}

/// Normalised, strictly positive weights (`weights` may be empty to mean "equal").
pub(crate) fn weights(dist: &'static str, weights: &[f64], len: usize) -> Result<Vec<f64>> {
    if weights.is_empty() {
        return Ok(vec![1.0 / len as f64; len]);
    }
    if weights.len() != len {
        return Err(Error::InvalidArgument(format!(
            "{dist}: weights has {} entries but there are {len} values",
            weights.len()
        )));
    }
    for &w in weights {
        positive(dist, "every weight", w)?;
    }
    let total: f64 = weights.iter().sum();
    if !total.is_finite() {
        return Err(Error::param(dist, "the sum of weights", "finite", total));
    }
    Ok(weights.iter().map(|w| w / total).collect())
}

/// A probability argument of `ppf`.
pub(crate) fn quantile_level(q: f64) -> Result<f64> {
    if (0.0..=1.0).contains(&q) {
        Ok(q)
    } else {
        Err(Error::InvalidArgument(format!(
            "ppf: q must be in [0, 1], got {}",
            fmt_num(q)
        )))
    }
}

/// `min < mode-or-equal <= max`, all finite, with a finite range (PERT, triangular).
pub(crate) fn min_mode_max(dist: &'static str, min: f64, mode: f64, max: f64) -> Result<()> {
    finite(dist, "min", min)?;
    finite(dist, "mode", mode)?;
    finite(dist, "max", max)?;
    if min >= max || !(max - min).is_finite() {
        return Err(Error::InvalidArgument(format!(
            "{dist}: min must be < max, got min={}, max={}",
            fmt_num(min),
            fmt_num(max)
        )));
    }
    if !(min..=max).contains(&mode) {
        return Err(Error::InvalidArgument(format!(
            "{dist}: mode must be in [min, max] = [{}, {}], got {}",
            fmt_num(min),
            fmt_num(max),
            fmt_num(mode)
        )));
    }
    Ok(())
}
