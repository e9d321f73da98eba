//! The one error type of munflow. Every fallible call returns [`Result`].
//!
//! Errors carry data, not only text: a scenario problem keeps its file, line
//! and field path ([`Problem`]); a model error keeps the node that failed, the
//! sample, and the nodes it traced the failure back to ([`Blame`]). The Python
//! layer exposes these as exception attributes, and nothing matches on messages.

use crate::expr::Node;
use std::fmt;
use thiserror::Error;

/// Everything that can go wrong in munflow, by kind. The Python layer maps each
/// kind to one exception class (see `src/python/errors.rs`).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum Error {
    /// A distribution parameter outside its domain, caught at construction.
    ///
    /// Displays as `beta: alpha must be > 0, got -1`.
    #[error("{dist}: {param} must be {requirement}, got {}", crate::error::fmt_value(*value))]
    InvalidParameter {
        dist: &'static str,
        param: &'static str,
        requirement: &'static str,
        value: f64,
    },
    /// An argument of a call (not a distribution parameter) that makes no sense.
    #[error("{0}")]
    InvalidArgument(String),
    /// A model produced NaN or infinity at `node` in sample `row`.
    #[error("the model produced {} at node '{}' (sample {row}){blame}; pass allow_nan=True to keep non-finite values", crate::error::fmt_value(*value), node.label())]
    NonFinite {
        node: Node,
        value: f64,
        row: usize,
        blame: Blame,
    },
    /// A draw whose parameters come from other nodes got an invalid parameter in some sample.
    #[error("node '{}' (sample {row}): {source}{blame}", node.label())]
    InvalidDraw {
        node: Node,
        row: usize,
        source: Box<Error>,
        blame: Blame,
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
    /// A quantity that takes one value in every sample where a spread is
    /// needed (variance-based indices are undefined for it).
    #[error("{what} does not vary: {consequence}")]
    DoesNotVary {
        what: String,
        consequence: &'static str,
    },
    /// Evidence that cannot be used: an observation no sample can explain,
    /// observations the model cannot reconcile, or an observation reading a
    /// value it cannot take (a fractional number of trials).
    #[error("{message}")]
    Evidence {
        observations: Vec<String>,
        message: String,
    },
    /// A scenario file or dictionary that cannot be used, located.
    #[error("{0}")]
    Scenario(Box<Problem>),
}

/// Shorthand for `std::result::Result<T, munflow::Error>`.
pub type Result<T> = std::result::Result<T, Error>;

/// A problem with a scenario, located for the reader: displays as
/// `file:line: field.path: message`.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The file name, or a description such as `<dict>`.
    pub origin: String,
    /// 1-based line, when the text has meaningful lines.
    pub line: Option<usize>,
    /// The field path, e.g. `munitions.shell_152.dud_rate` (empty for syntax errors).
    pub path: String,
    pub message: String,
    /// Further problems found in the same file, each located the same way
    /// (checks that do not depend on one another all run, so a reader fixes
    /// a file in one pass rather than one error per attempt).
    pub more: Vec<Problem>,
}

/// At most this many problems are listed in a message; the rest are counted.
pub const MAX_LISTED_PROBLEMS: usize = 20;

impl Problem {
    /// This problem followed by the further ones, each with no further ones.
    pub fn all(&self) -> Vec<Problem> {
        let first = Problem {
            more: Vec::new(),
            ..self.clone()
        };
        std::iter::once(first)
            .chain(self.more.iter().cloned())
            .collect()
    }

    fn fmt_one(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut place = self.origin.clone();
        if let Some(line) = self.line {
            place = format!("{place}:{line}");
        }
        for part in [place.as_str(), self.path.as_str()] {
            if !part.is_empty() {
                write!(f, "{part}: ")?;
            }
        }
        write!(f, "{}", self.message)
    }
}

impl fmt::Display for Problem {
    /// One line per problem, the first first; past [`MAX_LISTED_PROBLEMS`]
    /// the rest are counted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_one(f)?;
        let listed = MAX_LISTED_PROBLEMS - 1;
        for p in self.more.iter().take(listed) {
            writeln!(f)?;
            p.fmt_one(f)?;
        }
        if self.more.len() > listed {
            write!(f, "\n... and {} more problems", self.more.len() - listed)?;
        }
        Ok(())
    }
}

impl From<Problem> for Error {
    fn from(p: Problem) -> Error {
        Error::Scenario(Box::new(p))
    }
}

/// Where a model error came from: the failing sample replayed, and the chain
/// of nodes from the failing one back to the input that drove it (at each
/// step the offending parameter of a draw, or the argument of largest
/// magnitude, which is the one that overflowed a product or a sum).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Blame {
    /// (node, value in the failing sample), failing node first.
    pub chain: Vec<(Node, f64)>,
    /// Every named node evaluated in the failing sample, with its value.
    pub sample: Vec<(String, f64)>,
}

impl Blame {
    /// The names along the chain, nearest first.
    pub fn names(&self) -> Vec<&str> {
        self.chain.iter().filter_map(|(n, _)| n.name()).collect()
    }
}

impl fmt::Display for Blame {
    /// `; traced to x = 1e+308 <- y = 3` (named links only), or nothing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let links: Vec<String> = self
            .chain
            .iter()
            .skip(1)
            .filter_map(|(n, v)| n.name().map(|name| format!("{name} = {}", fmt_value(*v))))
            .collect();
        if !links.is_empty() {
            write!(f, "; traced to {}", links.join(" <- "))?;
        }
        Ok(())
    }
}

impl Error {
    /// Builds an [`Error::InvalidParameter`].
    pub fn param(
        dist: &'static str,
        param: &'static str,
        requirement: &'static str,
        value: f64,
    ) -> Self {
        Error::InvalidParameter {
            dist,
            param,
            requirement,
            value,
        }
    }

    /// A scenario problem at a field path (`munitions.shell_152.dud_rate`),
    /// not yet located: whoever holds the text adds the file and line.
    pub fn at_field(path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            origin: String::new(),
            line: None,
            path: path.into(),
            message: message.into(),
            more: Vec::new(),
        }
        .into()
    }
}

/// Formats a number for messages as Python users read it: whole numbers below
/// 1e15 without a fraction (`-1`, `8000`), others as Python's `repr` does, with
/// the shortest round-trip digits (`0.25`, `1e+300`, `5e-324`, `inf`; NaN as `NaN`),
/// never Rust's 301-digit rendering of 1e300.
pub fn fmt_value(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    if x.fract() == 0.0 && x.abs() < 1e15 {
        return format!("{}", x as i64);
    }
    // `{:e}` gives the shortest round-trip digits, e.g. "1.5e-7".
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..16).contains(&exp) {
        let plain = format!("{x}");
        if plain.contains('.') {
            plain
        } else {
            plain + ".0"
        }
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
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

#[cfg(test)]
mod tests {
    use super::fmt_value;

    #[test]
    fn numbers_print_like_python() {
        let cases = [
            (-1.0, "-1"),
            (8000.0, "8000"),
            (0.25, "0.25"),
            (10.5, "10.5"),
            (1e300, "1e+300"),
            (5e-324, "5e-324"),
            (1.5e-7, "1.5e-07"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (-0.0001, "-0.0001"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for (x, want) in cases {
            assert_eq!(fmt_value(x), want);
        }
        assert!(super::Error::param("poisson", "rate", "<= 1e15", 1e300)
            .to_string()
            .ends_with("got 1e+300"));
    }
}
