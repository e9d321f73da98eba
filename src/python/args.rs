//! Argument conversion shared by the bindings: numbers, names, seeds, sizes.
//! (Numbers or expressions as nodes: `expr::to_node`.)

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

/// A plain number parameter (no expressions allowed).
pub(crate) fn to_number(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<f64> {
    // An expression has no float value, so extraction refuses it too.
    if obj.is_instance_of::<pyo3::types::PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a number, got {}",
            type_name(obj)
        )));
    }
    obj.extract::<f64>().map_err(|_| {
        PyTypeError::new_err(format!("{what} must be a number, got {}", type_name(obj)))
    })
}

/// A list of plain numbers (a sequence or a 1-d array).
pub(crate) fn to_numbers(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<f64>> {
    if obj.is_instance_of::<pyo3::types::PyString>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a sequence of numbers, got str"
        )));
    }
    // Iterating a mapping gives its keys only: whatever its values meant
    // (weights, counts) would be dropped without a word.
    if obj.is_instance_of::<pyo3::types::PyDict>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a sequence of numbers, got a dict (its values would be ignored)"
        )));
    }
    let items = obj.try_iter().map_err(|_| {
        PyTypeError::new_err(format!(
            "{what} must be a sequence of numbers, got {}",
            type_name(obj)
        ))
    })?;
    let mut out = Vec::new();
    for item in items {
        out.push(to_number(&item?, &format!("every entry of {what}"))?);
    }
    Ok(out)
}

/// A name for a node: not empty.
pub(crate) fn check_name(name: &str) -> PyResult<()> {
    if name.trim().is_empty() {
        return Err(PyValueError::new_err("name must not be empty"));
    }
    Ok(())
}

pub(crate) fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into())
}

/// A thread count (an int >= 1), or None for rayon's default.
pub(crate) fn to_threads(threads: Option<&Bound<'_, PyAny>>) -> PyResult<Option<usize>> {
    threads
        .filter(|t| !t.is_none())
        .map(|t| to_count(t, "threads"))
        .transpose()
}

/// The largest count accepted: 2^53, beyond which a double cannot hold every
/// whole number (sample indices, counts of rounds).
const MAX_COUNT: i128 = 1 << 53;

/// A count such as a number of samples: an int >= 1, or a float with a whole
/// value (`n=1e6`), at most 2^53.
pub(crate) fn to_count(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<usize> {
    if obj.is_instance_of::<pyo3::types::PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be an int, got bool"
        )));
    }
    let v: i128 = if obj.is_instance_of::<pyo3::types::PyFloat>() {
        let x: f64 = obj.extract()?;
        if !(x.is_finite() && x.fract() == 0.0) {
            return Err(PyValueError::new_err(format!(
                "{what} must be a whole number, got {}",
                crate::error::fmt_value(x)
            )));
        }
        // Whole floats beyond i128 are far beyond the limit anyway.
        x.clamp(-1e30, 1e30) as i128
    } else {
        obj.extract().map_err(|_| {
            PyTypeError::new_err(format!("{what} must be an int, got {}", type_name(obj)))
        })?
    };
    if v < 1 {
        return Err(PyValueError::new_err(format!(
            "{what} must be >= 1, got {v}"
        )));
    }
    if v > MAX_COUNT {
        return Err(PyValueError::new_err(format!(
            "{what} is too large: it must be at most 2**53 = {MAX_COUNT}, got {v}"
        )));
    }
    usize::try_from(v).map_err(|_| {
        PyValueError::new_err(format!("{what} is too large for this machine, got {v}"))
    })
}

/// A seed: an int in [0, 2^64), or None for a fresh random one.
pub(crate) fn to_seed(obj: Option<&Bound<'_, PyAny>>) -> PyResult<u64> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(fresh_seed());
    };
    if obj.is_instance_of::<pyo3::types::PyBool>() {
        return Err(PyTypeError::new_err("seed must be an int, got bool"));
    }
    let v: i128 = obj.extract().map_err(|_| {
        PyTypeError::new_err(format!("seed must be an int, got {}", type_name(obj)))
    })?;
    u64::try_from(v)
        .map_err(|_| PyValueError::new_err(format!("seed must be in [0, 2**64), got {v}")))
}

/// A seed from the OS's hashing entropy and the clock, for runs without one.
pub(crate) fn fresh_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    // Keep seeds below 2**63 so they print and round-trip everywhere.
    h.finish() >> 1
}

/// "toml" or "json" as a [`Format`].
pub(super) fn parse_format(format: &str) -> PyResult<crate::scenario::Format> {
    match format {
        "toml" => Ok(crate::scenario::Format::Toml),
        "json" => Ok(crate::scenario::Format::Json),
        other => Err(PyValueError::new_err(format!(
            "format must be 'toml' or 'json', got {other:?}"
        ))),
    }
}

/// What every run binding takes (`n`, `seed`, `threads`, `allow_nan`),
/// parsed and checked in one place, so every binding gives the same
/// messages ("n must be >= 1, got 0", "seed must be an int, got str").
#[derive(Debug, Clone, Copy)]
pub(crate) struct RunArgs {
    pub n: usize,
    pub seed: u64,
    pub threads: Option<usize>,
    pub allow_nan: bool,
}

impl RunArgs {
    /// The arguments as Python gave them; a `seed` of None draws a fresh one.
    pub(crate) fn parse(
        n: &Bound<'_, PyAny>,
        seed: Option<&Bound<'_, PyAny>>,
        threads: Option<&Bound<'_, PyAny>>,
        allow_nan: bool,
    ) -> PyResult<RunArgs> {
        Ok(RunArgs {
            n: to_count(n, "n")?,
            seed: to_seed(seed)?,
            threads: to_threads(threads)?,
            allow_nan,
        })
    }

    /// The options of a run or an analysis (`RunOptions::new`,
    /// `SobolOptions::new`...), with these arguments in its context.
    pub(crate) fn options<O>(&self, new: impl FnOnce(usize, u64) -> O) -> O
    where
        O: std::ops::DerefMut<Target = crate::engine::RunContext>,
    {
        let mut opts = new(self.n, self.seed);
        opts.threads = self.threads;
        opts.allow_nan = self.allow_nan;
        opts
    }
}
