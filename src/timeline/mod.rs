//! Rate processes: how an uncertain input of a timeline is shared across its
//! periods. Defined once here, for `munflow.Timeline.input` and for
//! timeline scenario files alike.
//!
//! Every per-period draw is a named node (`rate@2024-03`), and a named
//! node's random stream is keyed by its name, so each period's stream is
//! keyed by its date: extending the timeline leaves earlier periods' draws
//! unchanged, the numbers do not depend on the thread count, and tempering
//! moves the normal scores behind these draws like any other input's.
//!
//! ```
//! use munflow::dist::LogNormal;
//! use munflow::expr::Node;
//! use munflow::timeline::{Params, RateProcess};
//! let law = Node::draw(LogNormal::new(1.0, 0.3).unwrap().into());
//! let walk = RateProcess::from_params("walk", Params {
//!     step_sd: Some(Node::constant(0.1)),
//!     ..Params::default()
//! }).unwrap();
//! let months = ["2024-01", "2024-02", "2024-03"].map(String::from);
//! let rate = walk.per_period("rate", &law, &months).unwrap();
//! assert_eq!(rate.len(), 3);
//! assert!(rate[2].ancestors().iter().any(|n| n.name() == Some("rate@2024-03")));
//! let bad = RateProcess::from_params("walk", Params::default()).unwrap_err();
//! assert_eq!(bad.field, "sharing");
//! ```

use crate::dist::{Dist, Moments, Normal, Quantile};
use crate::expr::{BinaryOp, Node, UnaryOp};
use std::fmt;

/// How an input's uncertainty is shared across the periods of a timeline.
#[derive(Debug, Clone)]
pub enum RateProcess {
    /// One draw for the whole timeline: an unknown constant.
    Shared,
    /// A fresh draw each period, with no memory.
    Independent,
    /// A stationary AR(1) process with correlation `rho` between consecutive
    /// periods, on the value of a normal law or the log of a lognormal one
    /// (each period's marginal is exactly the input's law).
    Persistent { rho: f64 },
    /// A random walk (local level) on the log of a lognormal rate (on the
    /// value of a normal one): the first period's law is the input's law,
    /// and each later period adds a normal step of sd `step_sd` (a number
    /// or an uncertain input). The walk starts at the first period, so
    /// moving the timeline's start changes the process (not the innovations,
    /// which stay keyed by date).
    Walk { step_sd: Node },
    /// A local linear trend on the log (the value of a normal law): the
    /// first period's level has the input's law and a slope of 0; then
    /// `level_t = level_{t-1} + slope_{t-1} + level_sd ε_t` and
    /// `slope_t = damping slope_{t-1} + slope_sd η_t`. A damping below 1
    /// pulls the slope back towards 0, so growth stays bounded over long
    /// horizons (the slope's variance tends to slope_sd² / (1 - damping²)).
    Trend {
        level_sd: Node,
        slope_sd: Node,
        damping: f64,
    },
    /// A rate that switches to a new independent draw from the input's law
    /// with probability `hazard` in each period after the first, each
    /// period's switch decided by a normal score keyed by its date: the
    /// prior does not depend on the horizon.
    Changepoint { hazard: f64 },
}

/// The processes' names, as `sharing=` and timeline files spell them.
pub const PROCESSES: [&str; 6] = [
    "shared",
    "independent",
    "persistent",
    "walk",
    "trend",
    "changepoint",
];

/// The default damping of a trend's slope: a slope loses a tenth of itself
/// each period, so a shock to the growth rate fades over about ten periods.
pub const DEFAULT_DAMPING: f64 = 0.9;

/// A process's parameters as given (by keyword in Python, by field in
/// files), before they are checked against the process.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pub rho: Option<f64>,
    pub step_sd: Option<Node>,
    pub level_sd: Option<Node>,
    pub slope_sd: Option<Node>,
    pub damping: Option<f64>,
    pub hazard: Option<f64>,
}

/// A bad process or parameter: the field at fault (`sharing`, `rho`,
/// `step_sd`, ..., or `law` for the input's law) and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessError {
    pub field: &'static str,
    pub message: String,
}

impl fmt::Display for ProcessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

fn fail<T>(field: &'static str, message: impl Into<String>) -> Result<T, ProcessError> {
    Err(ProcessError {
        field,
        message: message.into(),
    })
}

impl RateProcess {
    /// The process called `sharing` with its parameters, checked: each
    /// parameter within its range, those the process needs given, and none
    /// given that it would ignore.
    pub fn from_params(sharing: &str, p: Params) -> Result<RateProcess, ProcessError> {
        let given = [
            ("rho", p.rho.is_some()),
            ("step_sd", p.step_sd.is_some()),
            ("level_sd", p.level_sd.is_some()),
            ("slope_sd", p.slope_sd.is_some()),
            ("damping", p.damping.is_some()),
            ("hazard", p.hazard.is_some()),
        ];
        let takes: &[&str] = match sharing {
            "shared" | "independent" => &[],
            "persistent" => &["rho"],
            "walk" => &["step_sd"],
            "trend" => &["level_sd", "slope_sd", "damping"],
            "changepoint" => &["hazard"],
            other => {
                return fail(
                    "sharing",
                    format!(
                        "sharing must be one of {}, got '{other}'",
                        PROCESSES.join(", ")
                    ),
                )
            }
        };
        if let Some((field, _)) = given.iter().find(|(f, g)| *g && !takes.contains(f)) {
            let owner = match *field {
                "rho" => "persistent",
                "step_sd" => "walk",
                "hazard" => "changepoint",
                _ => "trend",
            };
            return fail(
                field,
                format!(
                    "{field} is for sharing '{owner}', and this input's sharing is '{sharing}'"
                ),
            );
        }
        let needs = |field: &'static str, what: &str| {
            fail(
                "sharing",
                format!("sharing '{sharing}' needs {field}, {what}"),
            )
        };
        Ok(match sharing {
            "shared" => RateProcess::Shared,
            "independent" => RateProcess::Independent,
            "persistent" => {
                let what = "the correlation of consecutive periods in (-1, 1)";
                let Some(rho) = p.rho else {
                    return needs("rho", what);
                };
                if !(-1.0 < rho && rho < 1.0) {
                    return fail("rho", format!("rho is {what}, got {rho}"));
                }
                RateProcess::Persistent { rho }
            }
            "walk" => {
                let Some(step_sd) = p.step_sd else {
                    return needs("step_sd", "the sd of each period's step (on the log of a lognormal rate), a positive number or an uncertain input");
                };
                RateProcess::Walk {
                    step_sd: positive_sd("step_sd", step_sd, false)?,
                }
            }
            "trend" => {
                let (Some(level_sd), Some(slope_sd)) = (p.level_sd, p.slope_sd) else {
                    return needs("level_sd and slope_sd", "the sds of each period's change in level and in slope (on the log of a lognormal rate)");
                };
                let damping = p.damping.unwrap_or(DEFAULT_DAMPING);
                if !(damping > 0.0 && damping <= 1.0) {
                    return fail(
                        "damping",
                        format!("damping is the share of the slope kept from one period to the next, in (0, 1] (below 1 keeps growth bounded over long horizons), got {damping}"),
                    );
                }
                RateProcess::Trend {
                    level_sd: positive_sd("level_sd", level_sd, true)?,
                    slope_sd: positive_sd("slope_sd", slope_sd, false)?,
                    damping,
                }
            }
            _ => {
                let what = "the probability of a change in each period, in (0, 1)";
                let Some(hazard) = p.hazard else {
                    return needs("hazard", what);
                };
                if !(hazard > 0.0 && hazard < 1.0) {
                    return fail("hazard", format!("hazard is {what}, got {hazard}"));
                }
                RateProcess::Changepoint { hazard }
            }
        })
    }

    /// The process's name, as `sharing=` spells it.
    pub fn name(&self) -> &'static str {
        match self {
            RateProcess::Shared => "shared",
            RateProcess::Independent => "independent",
            RateProcess::Persistent { .. } => "persistent",
            RateProcess::Walk { .. } => "walk",
            RateProcess::Trend { .. } => "trend",
            RateProcess::Changepoint { .. } => "changepoint",
        }
    }

    /// Whether the input is one draw for the whole timeline.
    pub fn is_shared(&self) -> bool {
        matches!(self, RateProcess::Shared)
    }

    /// Checks that the process applies to `law`: the AR(1), walk and trend
    /// act on a normal score, so they need a normal or lognormal law.
    pub fn check_law(&self, law: &Dist) -> Result<(), ProcessError> {
        self.scale(law).map(drop)
    }

    /// (centre, scale, on the log): the law as `centre + scale z` on the
    /// value (normal) or its log (lognormal), for the processes on a score.
    fn scale(&self, law: &Dist) -> Result<Option<(f64, f64, bool)>, ProcessError> {
        let what = match self {
            RateProcess::Persistent { .. } => "an AR(1) process",
            RateProcess::Walk { .. } => "a random walk",
            RateProcess::Trend { .. } => "a local linear trend",
            _ => return Ok(None),
        };
        match law.family() {
            "normal" => Ok(Some((law.mean(), law.sd(), false))),
            "lognormal" => {
                let centre = law.ppf(0.5).ln();
                // Φ(1): one sd on the log scale.
                let scale = law.ppf(0.841_344_746_068_542_9).ln() - centre;
                Ok(Some((centre, scale, true)))
            }
            family => fail(
                "law",
                format!(
                    "sharing '{}' is {what} on a normal input or on the log of a lognormal one, got a {family}; use a lognormal for a rate, or sharing 'independent' or 'changepoint'",
                    self.name()
                ),
            ),
        }
    }

    /// The input `name` with law `law` in each period (`periods` are the
    /// periods' labels, their dates): one node per period. Draws made per
    /// period are named `name@<period>` (`name@<period>:slope` for a
    /// trend's slope, `name@<period>:change` for a changepoint's switch).
    pub fn per_period(
        &self,
        name: &str,
        law: &Node,
        periods: &[String],
    ) -> Result<Vec<Node>, ProcessError> {
        let Some(dist) = law.as_dist() else {
            return fail("law", "a rate process needs a distribution with numbers for parameters (mf.lognormal_ci(2, 8), ...)");
        };
        let draws = Draws { name, law: dist };
        match self {
            RateProcess::Shared => return Ok(vec![law.clone().named(name); periods.len()]),
            RateProcess::Independent => {
                return Ok(periods.iter().map(|p| draws.fresh(p)).collect())
            }
            RateProcess::Changepoint { hazard } => {
                return Ok(changepoint(&draws, periods, *hazard))
            }
            _ => {}
        }
        let Some((centre, scale, log)) = self.scale(&draws.law)? else {
            unreachable!("the processes on a score have a scale");
        };
        let Some((first, later)) = periods.split_first() else {
            return Ok(Vec::new());
        };
        // centre + scale z, z standard normal, has the input's law (on the
        // log for a lognormal): the first period's level of every process.
        let on_scale = |z: &Node| Node::constant(centre).add(&Node::constant(scale).mul(z));
        let levels: Vec<Node> = match self {
            RateProcess::Persistent { rho } => {
                ar1(&draws, periods, *rho).iter().map(on_scale).collect()
            }
            RateProcess::Walk { step_sd } => {
                walk(&draws, on_scale(&draws.score(first, "")), later, step_sd)
            }
            RateProcess::Trend {
                level_sd,
                slope_sd,
                damping,
            } => {
                let start = on_scale(&draws.score(first, ""));
                trend(&draws, start, later, level_sd, slope_sd, *damping)
            }
            _ => unreachable!("returned above"),
        };
        Ok(if log {
            levels.iter().map(|l| l.unary(UnaryOp::Exp)).collect()
        } else {
            levels
        })
    }
}

/// The named draws of one input's periods.
struct Draws<'a> {
    name: &'a str,
    law: Dist,
}

impl Draws<'_> {
    /// A standard normal score of the period, keyed by its date (and `tag`).
    fn score(&self, period: &str, tag: &str) -> Node {
        Node::draw(standard_normal()).named(format!("{}@{period}{tag}", self.name))
    }
    /// A draw of the input's law in the period, keyed by its date.
    fn fresh(&self, period: &str) -> Node {
        Node::draw(self.law.clone()).named(format!("{}@{period}", self.name))
    }
}

/// The stationary AR(1) scores: the first standard normal, then
/// `rho z_{t-1} + sqrt(1 - rho²) ε_t`, so every period's score is standard
/// normal.
fn ar1(draws: &Draws<'_>, periods: &[String], rho: f64) -> Vec<Node> {
    let innovation = Node::constant((1.0 - rho * rho).sqrt());
    let rho = Node::constant(rho);
    let mut scores: Vec<Node> = Vec::with_capacity(periods.len());
    for period in periods {
        let z = draws.score(period, "");
        scores.push(match scores.last() {
            None => z,
            Some(before) => rho.mul(before).add(&innovation.mul(&z)),
        });
    }
    scores
}

/// `start`, then the last level plus `step_sd ε_t` in each later period.
fn walk(draws: &Draws<'_>, start: Node, later: &[String], step_sd: &Node) -> Vec<Node> {
    let mut levels = vec![start];
    for period in later {
        let step = step_sd.mul(&draws.score(period, ""));
        levels.push(levels[levels.len() - 1].add(&step));
    }
    levels
}

/// `start` with a slope of 0, then in each later period
/// `level_t = level_{t-1} + slope_{t-1} + level_sd ε_t` and
/// `slope_t = damping slope_{t-1} + slope_sd η_t`.
fn trend(
    draws: &Draws<'_>,
    start: Node,
    later: &[String],
    level_sd: &Node,
    slope_sd: &Node,
    damping: f64,
) -> Vec<Node> {
    let damping = Node::constant(damping);
    let mut levels = vec![start];
    // The last period's slope; None for the first period's slope of 0.
    let mut slope: Option<Node> = None;
    for period in later {
        let before = &levels[levels.len() - 1];
        let moved = slope
            .as_ref()
            .map_or_else(|| before.clone(), |s| before.add(s));
        let level = moved.add(&level_sd.mul(&draws.score(period, "")));
        let kick = slope_sd.mul(&draws.score(period, ":slope"));
        slope = Some(match &slope {
            None => kick,
            Some(s) => damping.mul(s).add(&kick),
        });
        levels.push(level);
    }
    levels
}

/// The first period's draw, then in each later period a new draw where the
/// period's switch score falls below Φ⁻¹(hazard) (a change with probability
/// `hazard`), the last period's rate otherwise.
fn changepoint(draws: &Draws<'_>, periods: &[String], hazard: f64) -> Vec<Node> {
    let threshold = Node::constant(standard_normal().ppf(hazard));
    let mut rates: Vec<Node> = Vec::with_capacity(periods.len());
    for period in periods {
        let drawn = draws.fresh(period);
        rates.push(match rates.last() {
            None => drawn,
            Some(before) => draws
                .score(period, ":change")
                .binary(BinaryOp::Lt, &threshold)
                .select(&drawn, before),
        });
    }
    rates
}

fn standard_normal() -> Dist {
    Normal::new(0.0, 1.0)
        .expect("a standard normal is valid")
        .into()
}

/// An sd parameter: a positive number (or >= 0 with `zero_ok`), or an
/// uncertain input whose law cannot go below 0.
fn positive_sd(field: &'static str, sd: Node, zero_ok: bool) -> Result<Node, ProcessError> {
    let bound = if zero_ok { ">= 0" } else { "> 0" };
    if let Some(x) = sd.as_constant() {
        if !(x > 0.0 || (zero_ok && x == 0.0)) || !x.is_finite() {
            return fail(
                field,
                format!("{field} is an sd on the log scale and must be {bound}, got {x}"),
            );
        }
    } else if let Some(law) = sd.as_dist() {
        if law.support().0 < 0.0 {
            return fail(
                field,
                format!(
                    "{field} is an sd and must be {bound}, but {} can be negative; use a lognormal (mf.lognormal_ci(0.05, 0.3))",
                    law.describe()
                ),
            );
        }
    }
    Ok(sd)
}

#[cfg(test)]
mod tests;
