//! The one error type of munflow. Every fallible call returns [`Result`].

use thiserror::Error;

/// Everything that can go wrong in munflow, by kind. The Python layer maps each
/// kind to one exception class (see `src/python/errors.rs`).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum Error {
    /// A distribution parameter outside its domain, caught at construction.
    ///
    /// Displays as `beta: alpha must be > 0, got -1`.
    #[error("{dist}: {param} must be {requirement}, got {value}")]
    InvalidParameter {
        dist: &'static str,
        param: &'static str,
        requirement: &'static str,
        value: String,
    },
    /// An argument of a call (not a distribution parameter) that makes no sense.
    #[error("{0}")]
    InvalidArgument(String),
    /// A model produced NaN or infinity; `node` says which node first did.
    #[error("the model produced {value} at node '{node}' (sample {row}); pass allow_nan=True to keep non-finite values")]
    NonFinite {
        node: String,
        value: f64,
        row: usize,
    },
    /// A draw whose parameters come from other nodes got an invalid parameter in some sample.
    #[error("node '{node}' (sample {row}): {source}")]
    InvalidDraw {
        node: String,
        row: usize,
        source: Box<Error>,
    },
    /// The stored columns of a run would not fit in memory.
    #[error("this run needs {needed} bytes ({needed_human}) to store its columns but only {available} bytes are available; lower n, request fewer outputs or pass store_inputs=False")]
    OutOfMemory {
        needed: u64,
        needed_human: String,
        available: u64,
    },
    /// The run was cancelled (Ctrl-C in Python).
    #[error("the run was interrupted")]
    Interrupted,
    /// A name that is not in the model or results.
    #[error("{0}")]
    UnknownName(String),
    /// A scenario file or dictionary that cannot be used; `path` is the field path.
    #[error("{0}")]
    Scenario(String),
}

/// Shorthand for `std::result::Result<T, munflow::Error>`.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// Builds an [`Error::InvalidParameter`].
    pub fn param(
        dist: &'static str,
        param: &'static str,
        requirement: &'static str,
        value: impl std::fmt::Display,
    ) -> Self {
        Error::InvalidParameter {
            dist,
            param,
            requirement,
            value: value.to_string(),
        }
    }
}

/// Human-readable byte count, e.g. `1.5 GiB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
